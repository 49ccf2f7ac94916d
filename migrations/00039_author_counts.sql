-- A seventh dimension of the coverage counters, 'author' (key_id = the note's author): the notes
-- each person wrote in each area. The evidence base's filter offers the people with notes of the
-- review; it probed the notes once per member of the tenant on every page (400 index probes,
-- about 1,700 buffers and 10-25 ms at national scale). It reads the counters now: a save adds one
-- delta row to the insert its trigger already makes.

-- +goose Up
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'source', 'author', 'action_area', 'good_practice', 'line', 'tag'));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_notes_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, k.key_id, (n.judgement = 'strength')::int,
        (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
    FROM coverage_new n CROSS JOIN LATERAL (VALUES ('note', n.area_id), ('source', n.source_id), ('author', n.author_id))
        k (dimension, key_id)
    WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_notes_updated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    WITH ch AS (
        SELECT o.tenant_id, o.id,
            o.review_id AS o_review, o.area_id AS o_area, o.judgement AS o_judgement, o.source_id AS o_source,
            o.deleted_at IS NULL AND NOT o.safeguarding AS o_visible, o.good_practice AS o_gp, o.author_id AS o_author,
            n.review_id AS n_review, n.area_id AS n_area, n.judgement AS n_judgement, n.source_id AS n_source,
            n.deleted_at IS NULL AND NOT n.safeguarding AS n_visible, n.good_practice AS n_gp, n.author_id AS n_author
        FROM coverage_old o JOIN coverage_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
        WHERE (o.review_id, o.area_id, o.judgement, o.source_id, o.deleted_at IS NULL AND NOT o.safeguarding, o.good_practice,
                o.author_id)
            IS DISTINCT FROM (n.review_id, n.area_id, n.judgement, n.source_id, n.deleted_at IS NULL AND NOT n.safeguarding,
                n.good_practice, n.author_id)),
    keys AS (
        SELECT ch.id AS note_id, 'note' AS dimension, NULL::uuid AS key_id FROM ch
        UNION ALL SELECT ch.id, 'source', NULL FROM ch
        UNION ALL SELECT ch.id, 'author', NULL FROM ch
        UNION ALL SELECT x.note_id, k.dimension, x.action_area_id
            FROM evidence_note_action_areas x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
            CROSS JOIN (VALUES ('action_area'), ('good_practice')) k (dimension)
        UNION ALL SELECT x.note_id, 'line', x.line_id
            FROM evidence_note_lines x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id
        UNION ALL SELECT x.note_id, 'tag', x.tag_id
            FROM evidence_note_tags x JOIN ch ON ch.tenant_id = x.tenant_id AND ch.id = x.note_id),
    moves AS (
        SELECT ch.tenant_id, ch.o_review AS review_id, ch.o_area AS area_id, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.o_area WHEN 'author' THEN ch.o_author ELSE ch.o_source END) AS key_id,
            ch.o_judgement AS judgement, -1 AS delta
        FROM ch JOIN keys k ON k.note_id = ch.id WHERE ch.o_visible AND (k.dimension <> 'good_practice' OR ch.o_gp)
        UNION ALL
        SELECT ch.tenant_id, ch.n_review, ch.n_area, k.dimension,
            coalesce(k.key_id, CASE k.dimension WHEN 'note' THEN ch.n_area WHEN 'author' THEN ch.n_author ELSE ch.n_source END),
            ch.n_judgement, 1
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
            UNION ALL SELECT 'author', OLD.author_id
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
CREATE OR REPLACE FUNCTION review_note_authors(p_tenant uuid, p_review uuid) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
BEGIN
    RETURN (SELECT coalesce(json_agg(json_build_array(u.id, u.name) ORDER BY u.name, u.id), '[]')
        FROM users u
        WHERE p_tenant = app_tenant()
            AND u.id IN (SELECT c.key_id FROM evidence_counts_live c
                WHERE c.tenant_id = p_tenant AND c.review_id = p_review AND c.dimension = 'author'
                GROUP BY c.key_id HAVING sum(c.strength + c.development + c.neutral) > 0)
            AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = u.id));
END
$f$;
-- +goose StatementEnd

-- The authors there are (the owner lifts FORCE for this statement only, as migration 00037 did).
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
INSERT INTO evidence_counts (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
SELECT n.tenant_id, n.review_id, 'author', n.area_id, n.author_id, count(*) FILTER (WHERE n.judgement = 'strength'),
    count(*) FILTER (WHERE n.judgement = 'development'), count(*) FILTER (WHERE n.judgement = 'neutral')
FROM evidence_notes n
WHERE n.deleted_at IS NULL AND NOT n.safeguarding
GROUP BY 1, 2, 3, 4, 5;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;

-- +goose Down
DELETE FROM evidence_count_deltas WHERE dimension = 'author';
ALTER TABLE evidence_counts NO FORCE ROW LEVEL SECURITY;
DELETE FROM evidence_counts WHERE dimension = 'author';
ALTER TABLE evidence_counts FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_dimension_check;
ALTER TABLE evidence_counts ADD CONSTRAINT evidence_counts_dimension_check
    CHECK (dimension IN ('note', 'source', 'action_area', 'good_practice', 'line', 'tag'));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION coverage_notes_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO evidence_count_deltas (tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral)
    SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, k.key_id, (n.judgement = 'strength')::int,
        (n.judgement = 'development')::int, (n.judgement = 'neutral')::int
    FROM coverage_new n CROSS JOIN LATERAL (VALUES ('note', n.area_id), ('source', n.source_id))
        k (dimension, key_id)
    WHERE n.deleted_at IS NULL AND NOT n.safeguarding;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd

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
CREATE OR REPLACE FUNCTION review_note_authors(p_tenant uuid, p_review uuid) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
BEGIN
    RETURN (SELECT coalesce(json_agg(json_build_array(u.id, u.name) ORDER BY u.name, u.id), '[]')
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = p_tenant AND p_tenant = app_tenant()
            AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = p_tenant AND n.review_id = p_review
                AND n.author_id = m.user_id AND n.deleted_at IS NULL AND NOT n.safeguarding));
END
$f$;
-- +goose StatementEnd
