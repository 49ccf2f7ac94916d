package review

import (
	"context"
	"fmt"

	"thematic/internal/db"
)

// staffNamesFrom is the names of the people of review $2 of tenant $1, as rows of s.name: its
// members (local authority contacts among them) and the people invited who have no account yet.
// The personal data detector finds these as staff, not as people who use the service.
const staffNamesFrom = `(SELECT u.name FROM review_members m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.review_id = $2
		UNION SELECT i.name FROM review_member_invites i WHERE i.tenant_id = $1 AND i.review_id = $2) s`

// StaffNamesJSON is the review's people's names as a JSON array expression, for review $2 of
// tenant $1.
const StaffNamesJSON = `(SELECT coalesce(json_agg(s.name ORDER BY s.name), '[]') FROM ` + staffNamesFrom + `)`

// StaffNamesArray is StaffNamesJSON as a text[] expression.
const StaffNamesArray = `(SELECT coalesce(array_agg(s.name ORDER BY s.name), '{}') FROM ` + staffNamesFrom + `)`

// StaffNames is the names of a review's people, in one statement.
func StaffNames(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]string, error) {
	var names []string
	if err := q.QueryRow(ctx, `SELECT `+StaffNamesArray, tenantID, reviewID).Scan(&names); err != nil {
		return nil, fmt.Errorf("review: staff names of %s: %w", reviewID, err)
	}
	return names, nil
}
