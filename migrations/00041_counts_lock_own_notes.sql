-- The synthesis counts' trigger on a note's action areas locked the note before looking for
-- findings that cite it, even the note the same statement had just inserted: a row lock (a write
-- of the row and a WAL record) on every save for nothing. It now skips the notes this
-- transaction wrote.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION finding_counts_tags() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    r record;
    linked boolean := false;
BEGIN
    -- Note by note, by primary key (the plan of a save's one or two rows must not depend on the
    -- planner's guess at the size of the transition table): lock it, and see whether it is linked
    -- to any finding. A save of a new note stops here. A note this transaction wrote (inserted, or
    -- changed and so already locked) is not locked again: no other can see or change it, and the
    -- lock was a write of its row on every save.
    IF TG_OP = 'INSERT' THEN
        FOR r IN SELECT DISTINCT tenant_id, note_id FROM new_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id
                AND n.xmin <> pg_current_xact_id()::xid FOR NO KEY UPDATE;
            linked := linked OR EXISTS (SELECT 1 FROM finding_notes fn WHERE fn.tenant_id = r.tenant_id AND fn.note_id = r.note_id);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR r IN SELECT DISTINCT tenant_id, note_id FROM old_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id
                AND n.xmin <> pg_current_xact_id()::xid FOR NO KEY UPDATE;
            linked := linked OR EXISTS (SELECT 1 FROM finding_notes fn WHERE fn.tenant_id = r.tenant_id AND fn.note_id = r.note_id);
        END LOOP;
    ELSE
        FOR r IN SELECT tenant_id, note_id FROM new_tags UNION SELECT tenant_id, note_id FROM old_tags ORDER BY note_id LOOP
            PERFORM 1 FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.id = r.note_id
                AND n.xmin <> pg_current_xact_id()::xid FOR NO KEY UPDATE;
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
$f$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION finding_counts_tags() RETURNS trigger LANGUAGE plpgsql AS $f$
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
$f$;
-- +goose StatementEnd
