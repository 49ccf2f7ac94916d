-- Coverage counters that never make one note's save wait for another's.
--
-- Until now every change of a note or its links ran a statement built with format() and EXECUTE
-- (planned afresh each time) that upserted evidence_counts under an advisory lock per area: every
-- save in an area waited for the one before it to commit. Now the triggers are plain SQL that
-- only append delta rows to evidence_count_deltas (no lock, no conflict: an insert never waits for
-- another), and coverage_fold(), run every few seconds by a River job, moves them into
-- evidence_counts in one statement per tenant. Readers read evidence_counts_live, the counters and
-- the deltas not yet folded together, so every count stays exact between folds.
--
-- A fifth dimension, 'source' (key_id = the note's source), counts an area's notes by where the
-- evidence came from, for the report's methodology ("N pieces of evidence: x from …"), which
-- otherwise reads every note of the review.
--
-- Deltas are kept per key like the counters (strength, development, neutral: one of them +1 or -1
-- for a row written by a trigger). A note hidden from the invoker by a policy is a safeguarding
-- note, never counted, as before.

-- +goose Up
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
DROP FUNCTION coverage_links_changed();
DROP FUNCTION coverage_note_deleted();
DROP FUNCTION coverage_notes_updated();
DROP FUNCTION coverage_notes_inserted();
DROP FUNCTION coverage_note_keys_sql(text);
DROP FUNCTION coverage_counts_sql(text);

ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'source', 'action_area', 'line', 'tag'));

-- The source counters of the notes there are (the owner lifts FORCE for this statement only, as
-- migration 00008 did for its backfill).
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
INSERT INTO evidence_counts (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
SELECT n.tenant_id, n.review_id, 'source', n.area_id, n.source_id, count(*) FILTER (WHERE n.judgement = 'strength'),
    count(*) FILTER (WHERE n.judgement = 'development'), count(*) FILTER (WHERE n.judgement = 'neutral')
FROM evidence_notes n
WHERE n.deleted_at IS NULL AND NOT n.safeguarding
GROUP BY 1, 2, 3, 4, 5;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;

-- No foreign keys: a key check would lock the review's row for every save. Deltas of a review
-- or area deleted meanwhile are dropped by the fold.
CREATE TABLE evidence_count_deltas (
    tenant_id   uuid NOT NULL,
    review_id   uuid NOT NULL,
    dimension   text NOT NULL,
    area_id     uuid NOT NULL,
    key_id      uuid NOT NULL,
    strength    integer NOT NULL,
    development integer NOT NULL,
    neutral     integer NOT NULL
);
CREATE INDEX evidence_count_deltas_review_idx ON evidence_count_deltas (tenant_id, review_id);

-- The application may add deltas and read its tenant's; only the fold, as the owner (whose own
-- policy shows it every tenant's deltas), deletes them.
ALTER TABLE evidence_count_deltas ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_count_deltas FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_count_deltas_tenant ON evidence_count_deltas USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
CREATE POLICY evidence_count_deltas_fold ON evidence_count_deltas FOR ALL TO CURRENT_USER USING (true);
GRANT SELECT, INSERT ON evidence_count_deltas TO thematic_app;

-- The counters as they are now: folded rows and the deltas since, one row each (readers sum).
CREATE VIEW evidence_counts_live WITH (security_invoker = true) AS
    SELECT tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral FROM evidence_counts
    UNION ALL
    SELECT tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral FROM evidence_count_deltas;
GRANT SELECT ON evidence_counts_live TO thematic_app;

-- A new note counts under its area and its source; its links come after it and count through their own triggers.
-- +goose StatementBegin
CREATE FUNCTION coverage_notes_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, k.key_id, (n.judgement = 'strength')::int,
        (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
    FROM coverage_new n CROSS JOIN LATERAL (VALUES ('note', n.area_id), ('source', n.source_id)) k (dimension, key_id)
    WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- A note whose area, source, judgement or visibility changed leaves its old counters for its new ones,
-- with the links it has at that moment (the store updates the note before it replaces links; the
-- link triggers then count the links under the note's new state). Most updates change none of
-- these (a body edited, a concern raised): they write nothing.
-- +goose StatementBegin
CREATE FUNCTION coverage_notes_updated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    WITH ch AS (
        SELECT o.tenant_id, o.id,
            o.review_id AS o_review, o.area_id AS o_area, o.judgement AS o_judgement, o.source_id AS o_source,
            o.deleted_at IS NULL AND NOT o.safeguarding AS o_visible,
            n.review_id AS n_review, n.area_id AS n_area, n.judgement AS n_judgement, n.source_id AS n_source,
            n.deleted_at IS NULL AND NOT n.safeguarding AS n_visible
        FROM coverage_old o JOIN coverage_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
        WHERE (o.review_id, o.area_id, o.judgement, o.source_id, o.deleted_at IS NULL AND NOT o.safeguarding)
            IS DISTINCT FROM (n.review_id, n.area_id, n.judgement, n.source_id, n.deleted_at IS NULL AND NOT n.safeguarding)),
    keys AS (
        SELECT ch.id AS note_id, 'note' AS dimension, NULL::uuid AS key_id FROM ch
        UNION ALL SELECT ch.id, 'source', NULL FROM ch
        UNION ALL SELECT x.note_id, 'action_area', x.action_area_id
            FROM evidence_note_action_areas x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
        UNION ALL SELECT x.note_id, 'line', x.line_id
            FROM evidence_note_lines x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
        UNION ALL SELECT x.note_id, 'tag', x.tag_id
            FROM evidence_note_tags x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id),
    moves AS (
        SELECT ch.tenant_id, ch.o_review AS review_id, ch.o_area AS area_id, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.o_area ELSE ch.o_source END) AS key_id,
            ch.o_judgement AS judgement, -1 AS delta
        FROM ch JOIN keys k ON k.note_id = ch.id WHERE ch.o_visible
        UNION ALL
        SELECT ch.tenant_id, ch.n_review, ch.n_area, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.n_area ELSE ch.n_source END), ch.n_judgement, 1
        FROM ch JOIN keys k ON k.note_id = ch.id WHERE ch.n_visible)
    SELECT m.tenant_id, m.review_id, m.dimension, m.area_id, m.key_id, m.delta * (m.judgement = 'strength')::int,
        m.delta * (m.judgement = 'development')::int, m.delta * (m.judgement = 'neutral')::int
    FROM moves m;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- A note removed for good while its review stays (a test; the retention purge keeps its rows
-- counted as deleted ones are not) leaves its counters while its links still exist; the cascade
-- to its links then finds no note and counts nothing. When the review itself is being deleted
-- its counters go with it: nothing to write.
-- +goose StatementBegin
CREATE FUNCTION coverage_note_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF OLD.deleted_at IS NULL AND NOT OLD.safeguarding
            AND EXISTS (SELECT 1 FROM reviews r WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.review_id) THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT OLD.tenant_id, OLD.review_id, k.dimension, OLD.area_id, k.key_id, -(OLD.judgement = 'strength')::int,
            -(OLD.judgement = 'development')::int, -(OLD.judgement = 'neutral')::int
        FROM (SELECT 'note' AS dimension, OLD.area_id AS key_id
            UNION ALL SELECT 'source', OLD.source_id
            UNION ALL SELECT 'action_area', x.action_area_id FROM evidence_note_action_areas x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id
            UNION ALL SELECT 'line', x.line_id FROM evidence_note_lines x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id
            UNION ALL SELECT 'tag', x.tag_id FROM evidence_note_tags x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id) k;
    END IF;
    RETURN OLD;
END
$f$;
-- +goose StatementEnd

-- Links added or removed count under their note's current state, when it is visible evidence:
-- one function per link table, so that each statement is written out and planned once.
-- +goose StatementBegin
CREATE FUNCTION coverage_action_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'action_area', n.area_id, l.action_area_id, -(n.judgement = 'strength')::int,
            -(n.judgement = 'development')::int, -(n.judgement = 'neutral')::int
        FROM coverage_old l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'action_area', n.area_id, l.action_area_id, (n.judgement = 'strength')::int,
            (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
        FROM coverage_new l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION coverage_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'line', n.area_id, l.line_id, -(n.judgement = 'strength')::int,
            -(n.judgement = 'development')::int, -(n.judgement = 'neutral')::int
        FROM coverage_old l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'line', n.area_id, l.line_id, (n.judgement = 'strength')::int,
            (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
        FROM coverage_new l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION coverage_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'tag', n.area_id, l.tag_id, -(n.judgement = 'strength')::int,
            -(n.judgement = 'development')::int, -(n.judgement = 'neutral')::int
        FROM coverage_old l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, 'tag', n.area_id, l.tag_id, (n.judgement = 'strength')::int,
            (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
        FROM coverage_new l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    END IF;
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
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_action_areas_changed();
CREATE TRIGGER coverage_action_areas_deleted AFTER DELETE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_action_areas_changed();
CREATE TRIGGER coverage_action_areas_updated AFTER UPDATE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_action_areas_changed();

CREATE TRIGGER coverage_lines_inserted AFTER INSERT ON evidence_note_lines
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_lines_changed();
CREATE TRIGGER coverage_lines_deleted AFTER DELETE ON evidence_note_lines
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_lines_changed();
CREATE TRIGGER coverage_lines_updated AFTER UPDATE ON evidence_note_lines
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_lines_changed();

CREATE TRIGGER coverage_tags_inserted AFTER INSERT ON evidence_note_tags
    REFERENCING NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_tags_changed();
CREATE TRIGGER coverage_tags_deleted AFTER DELETE ON evidence_note_tags
    REFERENCING OLD TABLE AS coverage_old FOR EACH STATEMENT EXECUTE FUNCTION coverage_tags_changed();
CREATE TRIGGER coverage_tags_updated AFTER UPDATE ON evidence_note_tags
    REFERENCING OLD TABLE AS coverage_old NEW TABLE AS coverage_new FOR EACH STATEMENT EXECUTE FUNCTION coverage_tags_changed();

-- coverage_fold moves every tenant's deltas into evidence_counts: per tenant, one statement
-- deletes up to 50,000 of them (a burst, such as an archive imported, is folded over several
-- runs rather than in one long statement) and adds their sums to the counters, in key order (two folds at once wait for
-- each other's rows rather than deadlock; a delta is deleted, and so counted, once). Deltas of a
-- review or area deleted since are dropped. It runs as the owner, which sees every tenant's
-- deltas (its own policy) and scopes itself to each tenant in turn for the counters.
-- It answers how many counter rows it changed.
-- +goose StatementBegin
CREATE FUNCTION coverage_fold() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $f$
DECLARE
    t uuid;
    total bigint := 0;
    n bigint;
    prev text := current_setting('app.tenant_id', true);
BEGIN
    FOR t IN SELECT DISTINCT d.tenant_id FROM evidence_count_deltas d LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        WITH gone AS (
            DELETE FROM evidence_count_deltas d
            WHERE d.ctid = ANY (ARRAY(SELECT e.ctid FROM evidence_count_deltas e WHERE e.tenant_id = t LIMIT 50000))
            RETURNING d.tenant_id, d.review_id, d.dimension, d.area_id, d.key_id, d.strength, d.development, d.neutral),
        sums AS (
            SELECT g.tenant_id, g.review_id, g.dimension, g.area_id, g.key_id, sum(g.strength)::int AS strength,
                sum(g.development)::int AS development, sum(g.neutral)::int AS neutral
            FROM gone g
            WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.tenant_id = g.tenant_id AND r.id = g.review_id)
                AND EXISTS (SELECT 1 FROM review_areas a WHERE a.tenant_id = g.tenant_id AND a.id = g.area_id)
            GROUP BY 1, 2, 3, 4, 5)
        INSERT INTO evidence_counts AS c (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT s.tenant_id, s.review_id, s.dimension, s.area_id, s.key_id, s.strength, s.development, s.neutral
        FROM sums s WHERE (s.strength, s.development, s.neutral) <> (0, 0, 0)
        ORDER BY s.tenant_id, s.review_id, s.dimension, s.area_id, s.key_id
        ON CONFLICT (tenant_id, review_id, dimension, area_id, key_id) DO UPDATE
            SET strength = c.strength + excluded.strength, development = c.development + excluded.development,
                neutral = c.neutral + excluded.neutral;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
    END LOOP;
    PERFORM set_config('app.tenant_id', coalesce(prev, ''), true);
    RETURN total;
END
$f$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION coverage_fold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_fold() TO thematic_app;

-- The names of a review's people (members and those invited), for the personal data check of
-- every note saved. As the invoker, each of hundreds of members' user rows passed the users
-- policy's membership look-up (about 2,400 buffers a save at national scale); as the owner the
-- users are read directly, and only for a review of the caller's tenant.
-- +goose StatementBegin
CREATE FUNCTION review_staff_names(p_tenant uuid, p_review uuid) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
    SELECT coalesce(array_agg(s.name ORDER BY s.name), '{}') FROM (
        SELECT u.name FROM review_members m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = p_tenant AND m.review_id = p_review AND p_tenant = app_tenant()
        UNION
        SELECT i.name FROM review_member_invites i
        WHERE i.tenant_id = p_tenant AND i.review_id = p_review AND p_tenant = app_tenant()) s
$f$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION review_staff_names(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review_staff_names(uuid, uuid) TO thematic_app;

-- +goose Down
DROP FUNCTION review_staff_names(uuid, uuid);
-- The counters of migration 00008 again: the deltas folded in first, its functions and triggers
-- as they were.
SELECT coverage_fold();
DROP FUNCTION coverage_fold();
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
DROP FUNCTION coverage_tags_changed();
DROP FUNCTION coverage_lines_changed();
DROP FUNCTION coverage_action_areas_changed();
DROP FUNCTION coverage_note_deleted();
DROP FUNCTION coverage_notes_updated();
DROP FUNCTION coverage_notes_inserted();
DROP VIEW evidence_counts_live;
DROP TABLE evidence_count_deltas;
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
DELETE FROM evidence_counts WHERE dimension = 'source';
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'action_area', 'line', 'tag'));
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

-- A new note counts under its area and its source; its links come after it and count through their own trigger.
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

-- A note whose area, source, judgement or visibility changed leaves its old counters for its new ones,
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
