-- +goose Up
-- Each finding's evidence counted per area as links, tags and notes change (issue 17), so that a
-- synthesis page reads a few rows per finding instead of every link's note and tag.
--
-- finding_area_counts: for a finding and an area, its live linked notes from that area that
-- support it and that cut against it, and `counting`, the supporting ones still tagged to the
-- finding's action area. A finding's prevalence is the number of its rows with counting > 0 whose
-- area is visited (that depends on the date, so it is read with the page).
--
-- The triggers add deltas, never recount: an upsert of a (finding, area) row takes that row's
-- lock only, so saves of unrelated notes never wait on each other. A delta reads the state of
-- the other tables, so each trigger first locks what it reads that another change could be
-- changing: a link locks its finding and note (shared), a tag change its notes, a note's update
-- holds its own row, a finding's move locks its supporting notes (shared). Two changes that bear
-- on the same count are so ordered, and the second sees the first. Static SQL only.
CREATE TABLE finding_area_counts (
    tenant_id     uuid NOT NULL,
    finding_id    uuid NOT NULL,
    area_id       uuid NOT NULL,
    supporting    integer NOT NULL DEFAULT 0,
    contradicting integer NOT NULL DEFAULT 0,
    counting      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, finding_id, area_id),
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE finding_area_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE finding_area_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY finding_area_counts_tenant ON finding_area_counts USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON finding_area_counts TO thematic_app;

-- Links added, removed or changed in stance (statement-level, with the rows changed).
-- +goose StatementBegin
CREATE FUNCTION finding_counts_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM findings f WHERE (f.tenant_id, f.id) IN (SELECT tenant_id, finding_id FROM old_links)
            ORDER BY f.id FOR SHARE;
        PERFORM 1 FROM evidence_notes n WHERE (n.tenant_id, n.id) IN (SELECT tenant_id, note_id FROM old_links)
            ORDER BY n.id FOR SHARE;
    ELSE
        PERFORM 1 FROM findings f WHERE (f.tenant_id, f.id) IN (SELECT tenant_id, finding_id FROM new_links)
            ORDER BY f.id FOR SHARE;
        PERFORM 1 FROM evidence_notes n WHERE (n.tenant_id, n.id) IN (SELECT tenant_id, note_id FROM new_links)
            ORDER BY n.id FOR SHARE;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, supporting, contradicting, counting)
        SELECT l.tenant_id, l.finding_id, n.area_id, count(*) FILTER (WHERE l.stance = 'supports'),
            count(*) FILTER (WHERE l.stance = 'contradicts'),
            count(*) FILTER (WHERE l.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
                WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id))
        FROM new_links l
        JOIN findings f ON f.tenant_id = l.tenant_id AND f.id = l.finding_id
        JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY l.tenant_id, l.finding_id, n.area_id ORDER BY l.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET supporting = c.supporting + EXCLUDED.supporting,
            contradicting = c.contradicting + EXCLUDED.contradicting, counting = c.counting + EXCLUDED.counting;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, supporting, contradicting, counting)
        SELECT l.tenant_id, l.finding_id, n.area_id, -count(*) FILTER (WHERE l.stance = 'supports'),
            -count(*) FILTER (WHERE l.stance = 'contradicts'),
            -count(*) FILTER (WHERE l.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
                WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id))
        FROM old_links l
        JOIN findings f ON f.tenant_id = l.tenant_id AND f.id = l.finding_id
        JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY l.tenant_id, l.finding_id, n.area_id ORDER BY l.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET supporting = c.supporting + EXCLUDED.supporting,
            contradicting = c.contradicting + EXCLUDED.contradicting, counting = c.counting + EXCLUDED.counting;
    ELSE
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, supporting, contradicting, counting)
        SELECT l.tenant_id, l.finding_id, n.area_id, coalesce(sum(l.sign) FILTER (WHERE l.stance = 'supports'), 0),
            coalesce(sum(l.sign) FILTER (WHERE l.stance = 'contradicts'), 0),
            coalesce(sum(l.sign) FILTER (WHERE l.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
                WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id)), 0)
        FROM (SELECT tenant_id, finding_id, note_id, stance, 1 AS sign FROM new_links
            UNION ALL SELECT tenant_id, finding_id, note_id, stance, -1 FROM old_links) l
        JOIN findings f ON f.tenant_id = l.tenant_id AND f.id = l.finding_id
        JOIN evidence_notes n ON n.tenant_id = l.tenant_id AND n.id = l.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY l.tenant_id, l.finding_id, n.area_id ORDER BY l.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET supporting = c.supporting + EXCLUDED.supporting,
            contradicting = c.contradicting + EXCLUDED.contradicting, counting = c.counting + EXCLUDED.counting;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_counts_links_inserted AFTER INSERT ON finding_notes
    REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_links();
CREATE TRIGGER finding_counts_links_deleted AFTER DELETE ON finding_notes
    REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_links();
CREATE TRIGGER finding_counts_links_updated AFTER UPDATE ON finding_notes
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_links();

-- Tags to action areas added or removed: a supporting note counts for a finding while it is
-- tagged to the finding's action area. A new note has no links yet: one probe finds none.
-- +goose StatementBegin
CREATE FUNCTION finding_counts_tags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    linked boolean := false;
BEGIN
    -- Note by note, by primary key (the plan of a save's one or two rows must not depend on the
    -- planner's guess at the size of the transition table): lock it, and see whether it is linked
    -- to any finding. A save of a new note stops here.
    IF TG_OP = 'INSERT' THEN
        FOR r IN SELECT DISTINCT tenant_id, note_id FROM new_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id FOR NO KEY UPDATE;
            linked := linked OR EXISTS (SELECT 1 FROM finding_notes fn WHERE fn.tenant_id = r.tenant_id AND fn.note_id = r.note_id);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR r IN SELECT DISTINCT tenant_id, note_id FROM old_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id FOR NO KEY UPDATE;
            linked := linked OR EXISTS (SELECT 1 FROM finding_notes fn WHERE fn.tenant_id = r.tenant_id AND fn.note_id = r.note_id);
        END LOOP;
    ELSE
        FOR r IN SELECT tenant_id, note_id FROM new_tags UNION SELECT tenant_id, note_id FROM old_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id FOR NO KEY UPDATE;
            linked := linked OR EXISTS (SELECT 1 FROM finding_notes fn WHERE fn.tenant_id = r.tenant_id AND fn.note_id = r.note_id);
        END LOOP;
    END IF;
    IF NOT linked THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, counting)
        SELECT fn.tenant_id, fn.finding_id, n.area_id, count(*)
        FROM new_tags t
        JOIN finding_notes fn ON fn.tenant_id = t.tenant_id AND fn.note_id = t.note_id AND fn.stance = 'supports'
        JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id AND f.action_area_id = t.action_area_id
        JOIN evidence_notes n ON n.tenant_id = t.tenant_id AND n.id = t.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY fn.tenant_id, fn.finding_id, n.area_id ORDER BY fn.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET counting = c.counting + EXCLUDED.counting;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, counting)
        SELECT fn.tenant_id, fn.finding_id, n.area_id, -count(*)
        FROM old_tags t
        JOIN finding_notes fn ON fn.tenant_id = t.tenant_id AND fn.note_id = t.note_id AND fn.stance = 'supports'
        JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id AND f.action_area_id = t.action_area_id
        JOIN evidence_notes n ON n.tenant_id = t.tenant_id AND n.id = t.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY fn.tenant_id, fn.finding_id, n.area_id ORDER BY fn.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET counting = c.counting + EXCLUDED.counting;
    ELSE
        INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, counting)
        SELECT fn.tenant_id, fn.finding_id, n.area_id, sum(t.sign)
        FROM (SELECT tenant_id, note_id, action_area_id, 1 AS sign FROM new_tags
            UNION ALL SELECT tenant_id, note_id, action_area_id, -1 FROM old_tags) t
        JOIN finding_notes fn ON fn.tenant_id = t.tenant_id AND fn.note_id = t.note_id AND fn.stance = 'supports'
        JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id AND f.action_area_id = t.action_area_id
        JOIN evidence_notes n ON n.tenant_id = t.tenant_id AND n.id = t.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
        GROUP BY fn.tenant_id, fn.finding_id, n.area_id ORDER BY fn.finding_id, n.area_id
        ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET counting = c.counting + EXCLUDED.counting;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_counts_tags_inserted AFTER INSERT ON evidence_note_action_areas
    REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_tags();
CREATE TRIGGER finding_counts_tags_deleted AFTER DELETE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS old_tags FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_tags();
CREATE TRIGGER finding_counts_tags_updated AFTER UPDATE ON evidence_note_action_areas
    REFERENCING OLD TABLE AS old_tags NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_tags();

-- A note deleted or restored, made a safeguarding concern or no longer one, or moved to another
-- area: its links move between counted and not, or between areas. Only those changes fire it.
-- +goose StatementBegin
CREATE FUNCTION finding_counts_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, supporting, contradicting, counting)
    SELECT fn.tenant_id, fn.finding_id, a.area_id, coalesce(sum(a.sign) FILTER (WHERE fn.stance = 'supports'), 0),
        coalesce(sum(a.sign) FILTER (WHERE fn.stance = 'contradicts'), 0),
        coalesce(sum(a.sign) FILTER (WHERE fn.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
            WHERE x.tenant_id = fn.tenant_id AND x.note_id = fn.note_id AND x.action_area_id = f.action_area_id)), 0)
    FROM finding_notes fn
    JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
    CROSS JOIN (VALUES (OLD.area_id, -1, OLD.deleted_at IS NULL AND NOT OLD.safeguarding),
        (NEW.area_id, 1, NEW.deleted_at IS NULL AND NOT NEW.safeguarding)) AS a(area_id, sign, live)
    WHERE fn.tenant_id = NEW.tenant_id AND fn.note_id = NEW.id AND a.live
    GROUP BY fn.tenant_id, fn.finding_id, a.area_id ORDER BY fn.finding_id, a.area_id
    ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET supporting = c.supporting + EXCLUDED.supporting,
        contradicting = c.contradicting + EXCLUDED.contradicting, counting = c.counting + EXCLUDED.counting;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_counts_note_changed AFTER UPDATE ON evidence_notes FOR EACH ROW
    WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.safeguarding IS DISTINCT FROM NEW.safeguarding
        OR OLD.area_id IS DISTINCT FROM NEW.area_id)
    EXECUTE FUNCTION finding_counts_note();

-- A live note removed for good: its contribution goes before its links cascade away (they can
-- no longer find the note then).
-- +goose StatementBegin
CREATE FUNCTION finding_counts_note_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, supporting, contradicting, counting)
    SELECT fn.tenant_id, fn.finding_id, OLD.area_id, -count(*) FILTER (WHERE fn.stance = 'supports'),
        -count(*) FILTER (WHERE fn.stance = 'contradicts'),
        -count(*) FILTER (WHERE fn.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
            WHERE x.tenant_id = fn.tenant_id AND x.note_id = fn.note_id AND x.action_area_id = f.action_area_id))
    FROM finding_notes fn
    JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
    WHERE fn.tenant_id = OLD.tenant_id AND fn.note_id = OLD.id
    GROUP BY fn.tenant_id, fn.finding_id ORDER BY fn.finding_id
    ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET supporting = c.supporting + EXCLUDED.supporting,
        contradicting = c.contradicting + EXCLUDED.contradicting, counting = c.counting + EXCLUDED.counting;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_counts_note_removed BEFORE DELETE ON evidence_notes FOR EACH ROW
    WHEN (OLD.deleted_at IS NULL AND NOT OLD.safeguarding)
    EXECUTE FUNCTION finding_counts_note_removed();

-- A finding moved to another action area: its supporting notes count where they are tagged to
-- the new one.
-- +goose StatementBegin
CREATE FUNCTION finding_counts_finding_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM evidence_notes n JOIN finding_notes fn ON fn.tenant_id = n.tenant_id AND fn.note_id = n.id
        WHERE fn.tenant_id = NEW.tenant_id AND fn.finding_id = NEW.id AND fn.stance = 'supports'
        ORDER BY n.id FOR SHARE OF n;
    INSERT INTO finding_area_counts AS c (tenant_id, finding_id, area_id, counting)
    SELECT fn.tenant_id, fn.finding_id, n.area_id,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM evidence_note_action_areas x
            WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = NEW.action_area_id))
        - count(*) FILTER (WHERE EXISTS (SELECT 1 FROM evidence_note_action_areas x
            WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = OLD.action_area_id))
    FROM finding_notes fn
    JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
    WHERE fn.tenant_id = NEW.tenant_id AND fn.finding_id = NEW.id AND fn.stance = 'supports'
    GROUP BY fn.tenant_id, fn.finding_id, n.area_id ORDER BY n.area_id
    ON CONFLICT (tenant_id, finding_id, area_id) DO UPDATE SET counting = c.counting + EXCLUDED.counting;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_counts_finding_moved AFTER UPDATE ON findings FOR EACH ROW
    WHEN (OLD.action_area_id IS DISTINCT FROM NEW.action_area_id)
    EXECUTE FUNCTION finding_counts_finding_moved();

-- The counts of the links already there.
ALTER TABLE finding_area_counts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE findings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE finding_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas NO FORCE ROW LEVEL SECURITY;
INSERT INTO finding_area_counts (tenant_id, finding_id, area_id, supporting, contradicting, counting)
SELECT fn.tenant_id, fn.finding_id, n.area_id, count(*) FILTER (WHERE fn.stance = 'supports'),
    count(*) FILTER (WHERE fn.stance = 'contradicts'),
    count(*) FILTER (WHERE fn.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
        WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id))
FROM finding_notes fn
JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
GROUP BY fn.tenant_id, fn.finding_id, n.area_id;
ALTER TABLE evidence_note_action_areas FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE finding_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE findings FORCE ROW LEVEL SECURITY;
ALTER TABLE finding_area_counts FORCE ROW LEVEL SECURITY;

-- +goose Down
DROP TRIGGER finding_counts_finding_moved ON findings;
DROP TRIGGER finding_counts_note_removed ON evidence_notes;
DROP TRIGGER finding_counts_note_changed ON evidence_notes;
DROP TRIGGER finding_counts_tags_updated ON evidence_note_action_areas;
DROP TRIGGER finding_counts_tags_deleted ON evidence_note_action_areas;
DROP TRIGGER finding_counts_tags_inserted ON evidence_note_action_areas;
DROP TRIGGER finding_counts_links_updated ON finding_notes;
DROP TRIGGER finding_counts_links_deleted ON finding_notes;
DROP TRIGGER finding_counts_links_inserted ON finding_notes;
DROP FUNCTION finding_counts_finding_moved();
DROP FUNCTION finding_counts_note_removed();
DROP FUNCTION finding_counts_note();
DROP FUNCTION finding_counts_tags();
DROP FUNCTION finding_counts_links();
DROP TABLE finding_area_counts;
