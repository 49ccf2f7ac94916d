-- Pseudonymous area labels: a review may show its areas as "Area A", "Area B"… in the views where
-- the lead weighs evidence (evidence base, coverage, synthesis), so that drafting is not swayed by
-- what is known of an area. Each area keeps the letter it was given the first time (a stable
-- shuffle, not the alphabetical order of the names); show_pseudonym copies the review's choice
-- onto its areas so that the lists read one row, not the review, per note.

-- +goose Up
ALTER TABLE reviews ADD COLUMN area_pseudonyms boolean NOT NULL DEFAULT false;
ALTER TABLE review_areas ADD COLUMN pseudonym text CHECK (pseudonym ~ '^Area [A-Z]+$'),
    ADD COLUMN show_pseudonym boolean NOT NULL DEFAULT false,
    ADD CHECK (NOT show_pseudonym OR pseudonym IS NOT NULL);
CREATE UNIQUE INDEX review_areas_pseudonym_idx ON review_areas (tenant_id, review_id, pseudonym) WHERE pseudonym IS NOT NULL;

-- area_pseudonym is the n-th label from 0: Area A … Area Z, Area AA, Area AB…
CREATE FUNCTION area_pseudonym(n integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'Area ' || CASE WHEN n < 26 THEN chr(65 + n)
        ELSE chr(64 + n / 26) || chr(65 + n % 26) END
$$;

-- An area added to a review that shows pseudonyms gets the next label at once.
-- +goose StatementBegin
CREATE FUNCTION review_areas_pseudonym() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE n integer;
BEGIN
    IF NEW.pseudonym IS NULL AND (SELECT r.area_pseudonyms FROM reviews r WHERE r.tenant_id = NEW.tenant_id AND r.id = NEW.review_id) THEN
        n := (SELECT count(*)::integer FROM review_areas a
            WHERE a.tenant_id = NEW.tenant_id AND a.review_id = NEW.review_id AND a.pseudonym IS NOT NULL);
        -- Letters stay unique after an area was removed.
        WHILE EXISTS (SELECT 1 FROM review_areas a WHERE a.tenant_id = NEW.tenant_id AND a.review_id = NEW.review_id
                AND a.pseudonym = area_pseudonym(n)) LOOP
            n := n + 1;
        END LOOP;
        NEW.pseudonym := area_pseudonym(n);
        NEW.show_pseudonym := true;
    END IF;
    RETURN NEW;
END
$f$;
-- +goose StatementEnd
CREATE TRIGGER review_areas_pseudonym BEFORE INSERT ON review_areas
    FOR EACH ROW EXECUTE FUNCTION review_areas_pseudonym();

-- +goose Down
DROP TRIGGER review_areas_pseudonym ON review_areas;
DROP FUNCTION review_areas_pseudonym();
DROP FUNCTION area_pseudonym(integer);
DROP INDEX review_areas_pseudonym_idx;
ALTER TABLE review_areas DROP COLUMN show_pseudonym, DROP COLUMN pseudonym;
ALTER TABLE reviews DROP COLUMN area_pseudonyms;
