-- The notes of one action area, newest first, read through an index of the links. A list of an
-- action area's evidence (the synthesis workspace, the evidence base filtered by action area)
-- walked the review's notes newest first and looked up each one's links: when the action area
-- is rare among recent notes (other inspectors are recording under other action areas) that
-- read thousands of notes for a page of 50. Each link now carries its note's created_at (which
-- never changes), so the page is read in order from the links' own index.

-- +goose Up
ALTER TABLE evidence_note_action_areas ADD COLUMN note_created_at timestamptz;

-- The owner fills the column for every tenant's links (FORCE lifted for this statement only).
-- The links' own triggers are set aside meanwhile: no link changes what it counts, and the
-- coverage and finding counters' update triggers would otherwise write a -1 and a +1 for every
-- link of every review.
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas DISABLE TRIGGER USER;
UPDATE evidence_note_action_areas x SET note_created_at = n.created_at
FROM evidence_notes n WHERE n.tenant_id = x.tenant_id AND n.id = x.note_id;
ALTER TABLE evidence_note_action_areas ENABLE TRIGGER USER;
ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_action_areas ALTER COLUMN note_created_at SET NOT NULL;

-- A writer that does not give it (an archive import, a note's action areas changed) gets the
-- note's own; the note's save gives it in the statement that inserts the note.
-- +goose StatementBegin
CREATE FUNCTION evidence_note_action_areas_created() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF NEW.note_created_at IS NULL THEN
        SELECT n.created_at INTO NEW.note_created_at FROM evidence_notes n
        WHERE n.tenant_id = NEW.tenant_id AND n.id = NEW.note_id;
    END IF;
    RETURN NEW;
END
$f$;
-- +goose StatementEnd
CREATE TRIGGER evidence_note_action_areas_created BEFORE INSERT ON evidence_note_action_areas
    FOR EACH ROW EXECUTE FUNCTION evidence_note_action_areas_created();

CREATE INDEX evidence_note_action_areas_order_idx ON evidence_note_action_areas
    (tenant_id, review_id, action_area_id, note_created_at DESC, note_id DESC);

-- +goose Down
DROP INDEX evidence_note_action_areas_order_idx;
DROP TRIGGER evidence_note_action_areas_created ON evidence_note_action_areas;
DROP FUNCTION evidence_note_action_areas_created();
ALTER TABLE evidence_note_action_areas DROP COLUMN note_created_at;
