package visit

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/review"
)

// A visit's team names each person's inspectorate and team role from the review's lists: merging
// two values re-points the teams here, where visit teams are written.
func init() {
	review.RegisterRepoint(review.VocabInspectorates, "visit", repoint("inspectorate"))
	review.RegisterRepoint(review.VocabTeamRoles, "visit", repoint("job_title"))
}

func repoint(column string) review.Repoint {
	sql := `UPDATE visit_members SET ` + column + ` = $4
		WHERE tenant_id = $1 AND review_id = $2 AND ` + column + ` = $3
		RETURNING visit_id::text || '/' || member_id::text`
	return func(ctx context.Context, tx pgx.Tx, tenantID, reviewID, from, into string) ([]string, error) {
		rows, err := tx.Query(ctx, sql, tenantID, reviewID, from, into)
		if err != nil {
			return nil, fmt.Errorf("visit: re-point %s: %w", column, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("visit: re-point %s: %w", column, err)
		}
		return ids, nil
	}
}
