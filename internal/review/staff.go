package review

import (
	"context"
	"fmt"

	"thematic/internal/db"
)

// StaffNamesArray is the names of the people of review $2 of tenant $1 as a text[] expression,
// sorted: its members (local authority contacts among them) and the people invited who have no
// account yet (review_staff_names, migration 00032). The personal data detector finds these as
// staff, not as people who use the service.
const StaffNamesArray = `review_staff_names($1, $2)`

// StaffNamesJSON is StaffNamesArray as a JSON array expression.
const StaffNamesJSON = `to_json(review_staff_names($1, $2))`

// StaffNames is the names of a review's people, in one statement.
func StaffNames(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]string, error) {
	var names []string
	if err := q.QueryRow(ctx, `SELECT `+StaffNamesArray, tenantID, reviewID).Scan(&names); err != nil {
		return nil, fmt.Errorf("review: staff names of %s: %w", reviewID, err)
	}
	return names, nil
}
