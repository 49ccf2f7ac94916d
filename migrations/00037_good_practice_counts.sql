-- A sixth dimension of the coverage counters, 'good_practice' (key_id = the action area): the
-- notes of each area and action area flagged as good-practice candidates. The synthesis overview
-- showed each action area's notes and candidates by reading every link of the review (56,000
-- buffers, seconds at national scale); it reads the counters now. The triggers of migration 00032
-- count the new dimension beside 'action_area': a link counts there too when its note is a
-- candidate, and a note whose flag changes moves its action areas' candidate counts.

-- +goose Up
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'source', 'action_area', 'good_practice', 'line', 'tag'));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_notes_updated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    WITH ch AS (
        SELECT o.tenant_id, o.id,
            o.review_id AS o_review, o.area_id AS o_area, o.judgement AS o_judgement, o.source_id AS o_source,
            o.deleted_at IS NULL AND NOT o.safeguarding AS o_visible, o.good_practice AS o_gp,
            n.review_id AS n_review, n.area_id AS n_area, n.judgement AS n_judgement, n.source_id AS n_source,
            n.deleted_at IS NULL AND NOT n.safeguarding AS n_visible, n.good_practice AS n_gp
        FROM coverage_old o JOIN coverage_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
        WHERE (o.review_id, o.area_id, o.judgement, o.source_id, o.deleted_at IS NULL AND NOT o.safeguarding, o.good_practice)
            IS DISTINCT FROM (n.review_id, n.area_id, n.judgement, n.source_id, n.deleted_at IS NULL AND NOT n.safeguarding,
                n.good_practice)),
    keys AS (
        SELECT ch.id AS note_id, 'note' AS dimension, NULL::uuid AS key_id FROM ch
        UNION ALL SELECT ch.id, 'source', NULL FROM ch
        UNION ALL SELECT x.note_id, k.dimension, x.action_area_id
            FROM evidence_note_action_areas x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
            CROSS JOIN (VALUES ('action_area'), ('good_practice')) k (dimension)
        UNION ALL SELECT x.note_id, 'line', x.line_id
            FROM evidence_note_lines x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
        UNION ALL SELECT x.note_id, 'tag', x.tag_id
            FROM evidence_note_tags x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id),
    moves AS (
        SELECT ch.tenant_id, ch.o_review AS review_id, ch.o_area AS area_id, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.o_area ELSE ch.o_source END) AS key_id,
            ch.o_judgement AS judgement, -1 AS delta
        FROM ch JOIN keys k ON k.note_id = ch.id WHERE ch.o_visible AND (k.dimension <> 'good_practice' OR ch.o_gp)
        UNION ALL
        SELECT ch.tenant_id, ch.n_review, ch.n_area, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.n_area ELSE ch.n_source END), ch.n_judgement, 1
        FROM ch JOIN keys k ON k.note_id = ch.id WHERE ch.n_visible AND (k.dimension <> 'good_practice' OR ch.n_gp))
    SELECT m.tenant_id, m.review_id, m.dimension, m.area_id, m.key_id, m.delta * (m.judgement = 'strength')::int,
        m.delta * (m.judgement = 'development')::int, m.delta * (m.judgement = 'neutral')::int
    FROM moves m;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_note_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$
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
            UNION ALL SELECT 'good_practice', x.action_area_id FROM evidence_note_action_areas x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id AND OLD.good_practice
            UNION ALL SELECT 'line', x.line_id FROM evidence_note_lines x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id
            UNION ALL SELECT 'tag', x.tag_id FROM evidence_note_tags x
                WHERE x.tenant_id = OLD.tenant_id AND x.note_id = OLD.id) k;
    END IF;
    RETURN OLD;
END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_action_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, l.action_area_id, -(n.judgement = 'strength')::int,
            -(n.judgement = 'development')::int, -(n.judgement = 'neutral')::int
        FROM coverage_old l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        CROSS JOIN (VALUES ('action_area'), ('good_practice')) k (dimension)
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding AND (k.dimension = 'action_area' OR n.good_practice);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
        SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, l.action_area_id, (n.judgement = 'strength')::int,
            (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
        FROM coverage_new l JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id
        CROSS JOIN (VALUES ('action_area'), ('good_practice')) k (dimension)
        WHERE n.deleted_at IS NULL AND NOT n.safeguarding AND (k.dimension = 'action_area' OR n.good_practice);
    END IF;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- The candidates there are (the owner lifts FORCE for this statement only, as migration 00032 did
-- for its backfill).
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
INSERT INTO evidence_counts (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
SELECT n.tenant_id, n.review_id, 'good_practice', n.area_id, x.action_area_id, count(*) FILTER (WHERE n.judgement = 'strength'),
    count(*) FILTER (WHERE n.judgement = 'development'), count(*) FILTER (WHERE n.judgement = 'neutral')
FROM evidence_notes n JOIN evidence_note_action_areas x ON x.tenant_id = n.tenant_id AND x.note_id = n.id
WHERE n.good_practice AND n.deleted_at IS NULL AND NOT n.safeguarding
GROUP BY 1, 2, 3, 4, 5;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_notes_updated() RETURNS trigger LANGUAGE plpgsql AS $f$
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_note_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_action_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
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

ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_count_deltas NO FORCE ROW LEVEL SECURITY;
DELETE FROM evidence_count_deltas WHERE dimension = 'good_practice';
DELETE FROM evidence_counts WHERE dimension = 'good_practice';
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_count_deltas FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'source', 'action_area', 'line', 'tag'));
