package evidence

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
)

// MaxSuggestions caps the tags the note form suggests.
const MaxSuggestions = 500

// suggestWindow is how many of a review's latest notes count towards a tag's use: enough to rank
// the tags in use, and the cost stays the same however many notes the review holds.
const suggestWindow = 2000

// tagSeen holds for a theme tag t that a note the reader may see carries: row-level security hides
// the safeguarding concerns they may not see (only a concern's author and the review's leads see
// it), so a theme used only on those concerns, or on none, is left out of every list of themes.
// A note's themes can be as telling as its text. It is a scalar subquery with LIMIT 1, not EXISTS:
// as a semi-join the planner built a bitmap of all the tag's links (17,000 at national scale) to
// find the first, 30 ms for a review's themes; this walks the index to the first note seen.
const tagSeen = `(SELECT 1 FROM evidence_note_tags sx
	JOIN evidence_notes sn ON sn.tenant_id = sx.tenant_id AND sn.id = sx.note_id
	WHERE sx.tenant_id = t.tenant_id AND sx.tag_id = t.id LIMIT 1) IS NOT NULL`

// TagSuggestions lists a review's theme tags, the most used first (by its latest notes that are
// neither deleted nor safeguarding concerns), then by name; at most limit of them, in one query.
// Only the themes the reader may see are listed (tagSeen).
func TagSuggestions(ctx context.Context, q db.Querier, tenantID, reviewID string, limit int) ([]string, error) {
	if limit <= 0 || limit > MaxSuggestions {
		limit = MaxSuggestions
	}
	rows, _ := q.Query(ctx, `WITH recent AS (
			SELECT id FROM evidence_notes
			WHERE tenant_id = $1 AND review_id = $2 AND deleted_at IS NULL AND NOT safeguarding
			ORDER BY created_at DESC LIMIT $4),
		uses AS (
			SELECT nt.tag_id, count(*) AS n FROM recent r
			JOIN evidence_note_tags nt ON nt.tenant_id = $1 AND nt.note_id = r.id
			GROUP BY nt.tag_id)
		SELECT t.name FROM evidence_tags t LEFT JOIN uses u ON u.tag_id = t.id
		WHERE t.tenant_id = $1 AND t.review_id = $2 AND `+tagSeen+`
		ORDER BY coalesce(u.n, 0) DESC, lower(t.name)
		LIMIT $3`, tenantID, reviewID, limit, suggestWindow)
	tags, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("evidence: tag suggestions of %s: %w", reviewID, err)
	}
	return tags, nil
}
