-- Search at national scale: newest matches first, found by whichever index suits the words.
--
-- evidence_search_notes (00009) returned every match of the review with its rank, for the list to
-- sort: for a word in most notes ("parents") that is a hundred thousand rows ranked and sorted
-- for a page of 50, and the function (SECURITY DEFINER, so never inlined) hid the page's order
-- and limit from the planner. Searches now list matches newest first, like the unsearched list,
-- through this view: the planner sees the page's filters, order and limit, and walks the review's
-- date index checking each note for a common word, or reads the text index for a rare one.
--
-- The view runs with its owner's rights (the migration owner, whose read policy on
-- evidence_notes skips the row checks, as the function did), so that the match operator, which is
-- not LEAKPROOF, can be an index condition; the view itself keeps to the current tenant
-- (app_tenant(), as every policy does), and leaves out deleted notes, safeguarding concerns and
-- the notes' text.

-- +goose Up
CREATE VIEW evidence_note_matches AS
    SELECT n.tenant_id, n.id, n.review_id, n.visit_id, n.area_id, n.author_id, n.source_id, n.role_id,
        n.note_date, n.judgement, n.good_practice, n.family_words, n.safeguarding, n.deleted_at, n.created_at,
        n.search
    FROM evidence_notes n
    WHERE n.tenant_id = app_tenant() AND n.deleted_at IS NULL AND NOT n.safeguarding;
GRANT SELECT ON evidence_note_matches TO thematic_app;

-- +goose Down
DROP VIEW evidence_note_matches;
