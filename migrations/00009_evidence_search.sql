-- The evidence base at national scale (200,000 notes in a review).
--
-- Full-text search. The text-search match operator (@@) is not LEAKPROOF, so under row-level
-- security PostgreSQL may not use it as an index condition before the policies have been checked:
-- the server's role would read every note of the tenant to search them. The search therefore runs
-- in a SECURITY DEFINER function owned by the migration owner, for which a read policy skips the
-- row-level checks; the function applies the tenant itself (app_tenant(), as every policy does),
-- and never returns a deleted note, a safeguarding concern or a note's text.
--
-- The filter form lists a review's authors by probing an index per tenant member instead of
-- reading every note.

-- +goose Up
CREATE POLICY evidence_notes_owner_search ON evidence_notes FOR SELECT TO CURRENT_USER USING (true);

-- evidence_search_notes returns the review's visible notes that match, with their rank and the
-- columns the evidence base filters on (named as in evidence_notes, so that the same conditions
-- apply to it); the caller reads the text of the page's notes under its own policies.
-- +goose StatementBegin
CREATE FUNCTION evidence_search_notes(p_review uuid, p_query text)
RETURNS TABLE (tenant_id uuid, id uuid, review_id uuid, visit_id uuid, area_id uuid, author_id uuid, source_id uuid,
    role_id uuid, note_date date, judgement text, good_practice boolean, family_words boolean, safeguarding boolean,
    deleted_at timestamptz, created_at timestamptz, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public ROWS 2000 AS $f$
    SELECT n.tenant_id, n.id, n.review_id, n.visit_id, n.area_id, n.author_id, n.source_id, n.role_id, n.note_date,
        n.judgement, n.good_practice, n.family_words, n.safeguarding, n.deleted_at, n.created_at,
        ts_rank(n.search, q.q)
    FROM evidence_notes n, websearch_to_tsquery('english', p_query) q (q)
    WHERE n.tenant_id = app_tenant() AND n.review_id = p_review
        AND n.deleted_at IS NULL AND NOT n.safeguarding AND n.search @@ q.q
$f$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION evidence_search_notes(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION evidence_search_notes(uuid, text) TO thematic_app;

CREATE INDEX evidence_notes_review_author_idx ON evidence_notes (tenant_id, review_id, author_id)
    WHERE deleted_at IS NULL AND NOT safeguarding;

-- +goose Down
DROP INDEX evidence_notes_review_author_idx;
DROP FUNCTION evidence_search_notes(uuid, text);
DROP POLICY evidence_notes_owner_search ON evidence_notes;
