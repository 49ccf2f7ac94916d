-- Coverage at a glance: counts of visible evidence (not deleted, not a safeguarding concern) per
-- area of a review, kept up to date by triggers as notes and their links change, so that the
-- coverage page reads a few thousand counter rows instead of aggregating every link of every note.
--
-- evidence_counts holds, per review and area, numbers of notes by judgement (strength,
-- development, neutral: one row per key rather than per judgement, a third of the rows to read):
--   dimension 'note'        key_id = the area itself: the area's number of notes;
--   dimension 'action_area' key_id = an action area: notes of the area bearing on it;
--   dimension 'line'        key_id = a line of enquiry;
--   dimension 'tag'         key_id = a theme tag.
-- Rows are kept at zero rather than deleted, so that a busy counter is not deleted and inserted
-- again.
--
-- Every change goes through one statement (coverage_counts_sql) that adds the deltas of a
-- statement, grouped, in key order, after taking a transaction-level advisory lock on each area
-- touched, in lock order. All the counter rows of a transaction that saves a note belong to its
-- area(s), and the area locks of a transaction are all taken by its first counting statement
-- (creating a note: its insert; editing one: its update, which locks the old and the new area at
-- once), so two saves can never wait for each other's counters in opposite orders: no deadlock.
--
-- The triggers run as the invoking role (SECURITY INVOKER) and so under row-level security. A
-- note that a policy hides from the invoker is skipped; only safeguarding notes may be hidden
-- that way, and they are never counted.

-- +goose Up
ALTER TABLE reviews ADD COLUMN coverage_threshold integer NOT NULL DEFAULT 3
    CHECK (coverage_threshold BETWEEN 0 AND 1000);

CREATE TABLE evidence_counts (
    tenant_id uuid NOT NULL,
    review_id uuid NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('note', 'action_area', 'line', 'tag')),
    area_id   uuid NOT NULL,
    key_id    uuid NOT NULL,
    strength    integer NOT NULL DEFAULT 0,
    development integer NOT NULL DEFAULT 0,
    neutral     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, review_id, dimension, area_id, key_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_counts_area_idx ON evidence_counts (tenant_id, area_id);

ALTER TABLE evidence_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_counts_tenant ON evidence_counts USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON evidence_counts TO thematic_app;

-- coverage_counts_sql wraps a query of deltas (tenant_id, review_id, area_id, dimension, key_id,
-- judgement, delta) into the statement that applies them. Only deltas of notes of a review that
-- still exists count: a review being deleted cascades to its notes and links, and its counters go
-- with it.
-- +goose StatementBegin
CREATE FUNCTION coverage_counts_sql(deltas text) RETURNS text LANGUAGE sql STABLE AS $f$
SELECT format($q$
WITH d (tenant_id, review_id, area_id, dimension, key_id, judgement, delta) AS (%s),
agg AS (
    SELECT d.tenant_id, d.review_id, d.area_id, d.dimension, d.key_id,
        coalesce(sum(d.delta) FILTER (WHERE d.judgement = 'strength'), 0)::integer AS strength,
        coalesce(sum(d.delta) FILTER (WHERE d.judgement = 'development'), 0)::integer AS development,
        coalesce(sum(d.delta) FILTER (WHERE d.judgement = 'neutral'), 0)::integer AS neutral
    FROM d JOIN reviews r ON r.tenant_id = d.tenant_id AND r.id = d.review_id
    GROUP BY 1, 2, 3, 4, 5),
nz AS (SELECT * FROM agg WHERE (strength, development, neutral) <> (0, 0, 0)),
locks AS (
    SELECT count(*) AS n FROM (
        SELECT pg_advisory_xact_lock(4008, s.h) FROM (
            SELECT DISTINCT hashtext(nz.area_id::text) AS h FROM nz ORDER BY 1) s) l)
INSERT INTO evidence_counts AS c (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
SELECT tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral FROM nz
WHERE (SELECT n FROM locks) >= 0
ORDER BY tenant_id, review_id, dimension, area_id, key_id
ON CONFLICT (tenant_id, review_id, dimension, area_id, key_id) DO UPDATE SET strength = c.strength + excluded.strength,
    development = c.development + excluded.development, neutral = c.neutral + excluded.neutral
$q$, deltas)
$f$;
-- +goose StatementEnd

-- The keys a set of notes is counted under: its area ('note') and its links. $1 names a relation
-- or subquery with columns tenant_id and id (note ids).
-- +goose StatementBegin
CREATE FUNCTION coverage_note_keys_sql(notes text) RETURNS text LANGUAGE sql STABLE AS $f$
SELECT format($q$
    SELECT x.tenant_id, x.note_id, 'action_area' AS dimension, x.action_area_id AS key_id
        FROM evidence_note_action_areas x JOIN %1$s k ON k.tenant_id = x.tenant_id AND k.id = x.note_id
    UNION ALL SELECT x.tenant_id, x.note_id, 'line', x.line_id
        FROM evidence_note_lines x JOIN %1$s k ON k.tenant_id = x.tenant_id AND k.id = x.note_id
    UNION ALL SELECT x.tenant_id, x.note_id, 'tag', x.tag_id
        FROM evidence_note_tags x JOIN %1$s k ON k.tenant_id = x.tenant_id AND k.id = x.note_id
$q$, notes)
$f$;
-- +goose StatementEnd

-- A new note counts under its area; its links come after it and count through their own trigger.
-- +goose StatementBegin
CREATE FUNCTION coverage_notes_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE coverage_counts_sql($q$
        SELECT n.tenant_id, n.review_id, n.area_id, 'note', n.area_id, n.judgement, 1
        FROM coverage_new n WHERE n.deleted_at IS NULL AND NOT n.safeguarding $q$);
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- A note whose area, judgement or visibility changed leaves its old counters for its new ones,
-- with the links it has at that moment (the store updates the note before it replaces links; the
-- link triggers then move the counts of the links under the note's new state).
-- +goose StatementBegin
CREATE FUNCTION coverage_notes_updated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM coverage_old o JOIN coverage_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
            WHERE (o.review_id, o.area_id, o.judgement, o.deleted_at IS NULL AND NOT o.safeguarding)
                IS DISTINCT FROM (n.review_id, n.area_id, n.judgement, n.deleted_at IS NULL AND NOT n.safeguarding)) THEN
        RETURN NULL;
    END IF;
    EXECUTE coverage_counts_sql($q$
        WITH ch AS (
            SELECT o.tenant_id, o.id,
                o.review_id AS o_review, o.area_id AS o_area, o.judgement AS o_judgement,
                o.deleted_at IS NULL AND NOT o.safeguarding AS o_visible,
                n.review_id AS n_review, n.area_id AS n_area, n.judgement AS n_judgement,
                n.deleted_at IS NULL AND NOT n.safeguarding AS n_visible
            FROM coverage_old o JOIN coverage_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
            WHERE (o.review_id, o.area_id, o.judgement, o.deleted_at IS NULL AND NOT o.safeguarding)
                IS DISTINCT FROM (n.review_id, n.area_id, n.judgement, n.deleted_at IS NULL AND NOT n.safeguarding)),
        keys AS (
            SELECT tenant_id, id AS note_id, 'note' AS dimension, NULL::uuid AS key_id FROM ch
            UNION ALL $q$ || coverage_note_keys_sql('ch') || $q$)
        SELECT ch.tenant_id, ch.o_review, ch.o_area, k.dimension, coalesce(k.key_id, ch.o_area), ch.o_judgement, -1
            FROM ch JOIN keys k ON k.tenant_id = ch.tenant_id AND k.note_id = ch.id WHERE ch.o_visible
        UNION ALL
        SELECT ch.tenant_id, ch.n_review, ch.n_area, k.dimension, coalesce(k.key_id, ch.n_area), ch.n_judgement, 1
            FROM ch JOIN keys k ON k.tenant_id = ch.tenant_id AND k.note_id = ch.id WHERE ch.n_visible $q$);
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- A note removed for good (only as the owner: a review's deletion, which the join on reviews in
-- coverage_counts_sql skips, or a test) leaves its counters while its links still exist; the
-- cascade to its links then finds no note and counts nothing.
-- +goose StatementBegin
CREATE FUNCTION coverage_note_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF OLD.deleted_at IS NULL AND NOT OLD.safeguarding THEN
        EXECUTE coverage_counts_sql($q$
            WITH one AS (SELECT $1::uuid AS tenant_id, $2::uuid AS id),
            keys AS (SELECT tenant_id, id AS note_id, 'note' AS dimension, $3::uuid AS key_id FROM one
                UNION ALL $q$ || coverage_note_keys_sql('one') || $q$)
            SELECT k.tenant_id, $4::uuid, $3::uuid, k.dimension, k.key_id, $5::text, -1 FROM keys k $q$)
            USING OLD.tenant_id, OLD.id, OLD.area_id, OLD.review_id, OLD.judgement;
    END IF;
    RETURN OLD;
END
$f$;
-- +goose StatementEnd

-- Links added or removed count under their note's current state, when it is visible evidence.
-- TG_ARGV: the dimension and the link table's key column.
-- +goose StatementBegin
CREATE FUNCTION coverage_links_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    part text := $q$
        SELECT n.tenant_id, n.review_id, n.area_id, %1$L, l.%2$I, n.judgement, %4$s
        FROM %3$I l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding $q$;
    q text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        q := format(part, TG_ARGV[0], TG_ARGV[1], 'coverage_new', '1');
    ELSIF TG_OP = 'DELETE' THEN
        q := format(part, TG_ARGV[0], TG_ARGV[1], 'coverage_old', '-1');
    ELSE
        q := format(part, TG_ARGV[0], TG_ARGV[1], 'coverage_old', '-1') || ' UNION ALL ' ||
             format(part, TG_ARGV[0], TG_ARGV[1], 'coverage_new', '1');
    END IF;
    EXECUTE coverage_counts_sql(q);
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

CREATE TRIGGER coverage_notes_inserted AFTER INSERT ON evidence_notes
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_notes_inserted();
CREATE TRIGGER coverage_notes_updated AFTER UPDATE ON evidence_notes
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_notes_updated();
CREATE TRIGGER coverage_note_deleted BEFORE DELETE ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION coverage_note_deleted();

CREATE TRIGGER coverage_action_areas_inserted AFTER INSERT ON evidence_note_action_areas
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('action_area', 'action_area_id');
CREATE TRIGGER coverage_action_areas_deleted AFTER DELETE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('action_area', 'action_area_id');
CREATE TRIGGER coverage_action_areas_updated AFTER UPDATE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('action_area', 'action_area_id');

CREATE TRIGGER coverage_lines_inserted AFTER INSERT ON evidence_note_lines
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('line', 'line_id');
CREATE TRIGGER coverage_lines_deleted AFTER DELETE ON evidence_note_lines
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('line', 'line_id');
CREATE TRIGGER coverage_lines_updated AFTER UPDATE ON evidence_note_lines
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('line', 'line_id');

CREATE TRIGGER coverage_tags_inserted AFTER INSERT ON evidence_note_tags
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('tag', 'tag_id');
CREATE TRIGGER coverage_tags_deleted AFTER DELETE ON evidence_note_tags
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('tag', 'tag_id');
CREATE TRIGGER coverage_tags_updated AFTER UPDATE ON evidence_note_tags
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_links_changed('tag', 'tag_id');

-- Backfill from the notes there are. Row-level security would show the owner no tenant's rows, so
-- it is lifted for the owner (NO FORCE) for this statement only, inside the migration's
-- transaction, and FORCEd again.
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_tags NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
INSERT INTO evidence_counts (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, k.key_id, count(*) FILTER (WHERE n.judgement = 'strength'),
    count(*) FILTER (WHERE n.judgement = 'development'), count(*) FILTER (WHERE n.judgement = 'neutral')
FROM evidence_notes n
CROSS JOIN LATERAL (
    SELECT 'note' AS dimension, n.area_id AS key_id
    UNION ALL SELECT 'action_area', x.action_area_id FROM evidence_note_action_areas x
        WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id
    UNION ALL SELECT 'line', x.line_id FROM evidence_note_lines x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id
    UNION ALL SELECT 'tag', x.tag_id FROM evidence_note_tags x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id) k
WHERE n.deleted_at IS NULL AND NOT n.safeguarding
GROUP BY 1, 2, 3, 4, 5;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_lines FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_tags FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;

-- +goose Down
DROP TRIGGER coverage_tags_updated ON evidence_note_tags;
DROP TRIGGER coverage_tags_deleted ON evidence_note_tags;
DROP TRIGGER coverage_tags_inserted ON evidence_note_tags;
DROP TRIGGER coverage_lines_updated ON evidence_note_lines;
DROP TRIGGER coverage_lines_deleted ON evidence_note_lines;
DROP TRIGGER coverage_lines_inserted ON evidence_note_lines;
DROP TRIGGER coverage_action_areas_updated ON evidence_note_action_areas;
DROP TRIGGER coverage_action_areas_deleted ON evidence_note_action_areas;
DROP TRIGGER coverage_action_areas_inserted ON evidence_note_action_areas;
DROP TRIGGER coverage_note_deleted ON evidence_notes;
DROP TRIGGER coverage_notes_updated ON evidence_notes;
DROP TRIGGER coverage_notes_inserted ON evidence_notes;
DROP FUNCTION coverage_links_changed(), coverage_note_deleted(), coverage_notes_updated(), coverage_notes_inserted(),
    coverage_note_keys_sql(text), coverage_counts_sql(text);
DROP TABLE evidence_counts;
ALTER TABLE reviews DROP COLUMN coverage_threshold;
