package evidence

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/review"
)

// A note names its source and its professional role from the review's lists: merging two values
// of those lists re-points the notes here, where notes are written.
func init() {
	review.RegisterRepoint(review.VocabSources, "evidence", repoint("source_id"))
	review.RegisterRepoint(review.VocabRoles, "evidence", repoint("role_id"))
}

func repoint(column string) review.Repoint {
	sql := `UPDATE evidence_notes SET ` + column + ` = $4, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND ` + column + ` = $3 RETURNING id::text`
	return func(ctx context.Context, tx pgx.Tx, tenantID, reviewID, from, into string) ([]string, error) {
		rows, err := tx.Query(ctx, sql, tenantID, reviewID, from, into)
		if err != nil {
			return nil, fmt.Errorf("evidence: re-point %s: %w", column, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("evidence: re-point %s: %w", column, err)
		}
		return ids, nil
	}
}
