package recommendation

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/review"
)

// A recommendation names its addressee from the review's list of addressees: merging two of them
// re-points the recommendations here, where recommendations are written.
func init() {
	review.RegisterRepoint(review.VocabAddressees, "recommendation", func(ctx context.Context, tx pgx.Tx, tenantID, reviewID, from, into string) ([]string, error) {
		rows, err := tx.Query(ctx, `UPDATE recommendations SET addressee = $4, version = version + 1
			WHERE tenant_id = $1 AND review_id = $2 AND addressee = $3 RETURNING id::text`, tenantID, reviewID, from, into)
		if err != nil {
			return nil, fmt.Errorf("recommendation: re-point addressee: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("recommendation: re-point addressee: %w", err)
		}
		return ids, nil
	})
}
