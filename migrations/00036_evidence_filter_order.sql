-- The evidence base filtered by an area, a visit or an author reads the newest notes first and
-- stops at the page's end, when the index on that filter also holds the list's order (created_at,
-- id). Without it, every note of the area (thousands at national scale) was read and sorted for
-- one page. The same indexes, wider: no more to keep up on a save.

-- +goose Up
DROP INDEX evidence_notes_review_area_idx;
CREATE INDEX evidence_notes_review_area_idx ON evidence_notes (tenant_id, review_id, area_id, created_at DESC, id DESC);
DROP INDEX evidence_notes_visit_idx;
CREATE INDEX evidence_notes_visit_idx ON evidence_notes (tenant_id, visit_id, created_at DESC, id DESC);
DROP INDEX evidence_notes_review_author_idx;
CREATE INDEX evidence_notes_review_author_idx ON evidence_notes (tenant_id, review_id, author_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND NOT safeguarding;

-- +goose Down
DROP INDEX evidence_notes_review_author_idx;
CREATE INDEX evidence_notes_review_author_idx ON evidence_notes (tenant_id, review_id, author_id)
    WHERE deleted_at IS NULL AND NOT safeguarding;
DROP INDEX evidence_notes_visit_idx;
CREATE INDEX evidence_notes_visit_idx ON evidence_notes (tenant_id, visit_id);
DROP INDEX evidence_notes_review_area_idx;
CREATE INDEX evidence_notes_review_area_idx ON evidence_notes (tenant_id, review_id, area_id);
