package selfassess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
)

// AreaState is where one area's self-assessment stands, for the lead's grid: deadline, task
// status, lateness and every answer (drafts too; the view decides what to show).
type AreaState struct {
	AreaID    string
	Deadline  *time.Time
	Submitted bool
	Status    string // TaskNotStarted, TaskInProgress or TaskCompleted
	Late      bool   // the deadline has passed and it is not submitted
	Responses map[string]Response
}

// Late reports whether a self-assessment due on the given date is late on today (both dates at
// midnight UTC, as area.Today gives): the deadline day itself is still on time.
func Late(due *time.Time, submitted bool, today time.Time) bool {
	return due != nil && !submitted && today.After(*due)
}

// LoadGrid reads every area's deadline, submission and answers for a review in two statements,
// whatever the number of areas and elements, keyed by area id.
func LoadGrid(ctx context.Context, q db.Querier, tenantID, reviewID string, today time.Time) (map[string]*AreaState, error) {
	rows, err := q.Query(ctx, `SELECT ra.id::text, d.due, coalesce(s.status, 'draft')
		FROM review_areas ra
		LEFT JOIN sa_deadlines d ON d.tenant_id = ra.tenant_id AND d.area_id = ra.id
		LEFT JOIN sa_submissions s ON s.tenant_id = ra.tenant_id AND s.area_id = ra.id
		WHERE ra.tenant_id = $1 AND ra.review_id = $2`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("selfassess: grid of %s: %w", reviewID, err)
	}
	out := map[string]*AreaState{}
	var id, status string
	var due *time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &due, &status}, func() error {
		st := &AreaState{AreaID: id, Submitted: status == StatusSubmitted, Status: TaskNotStarted, Responses: map[string]Response{}}
		if due != nil {
			d := *due
			st.Deadline = &d
		}
		st.Late = Late(st.Deadline, st.Submitted, today)
		if st.Submitted {
			st.Status = TaskCompleted
		}
		out[id] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("selfassess: grid of %s: %w", reviewID, err)
	}
	rows, err = q.Query(ctx, `SELECT area_id::text, element_id::text, coalesce(level_id::text, ''), commentary, version
		FROM sa_responses WHERE tenant_id = $1 AND review_id = $2`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("selfassess: grid answers of %s: %w", reviewID, err)
	}
	var x Response
	_, err = pgx.ForEachRow(rows, []any{&id, &x.ElementID, &x.LevelID, &x.Commentary, &x.Version}, func() error {
		st, ok := out[id]
		if !ok {
			return nil
		}
		st.Responses[x.ElementID] = x
		if !st.Submitted && (x.LevelID != "" || strings.TrimSpace(x.Commentary) != "") {
			st.Status = TaskInProgress
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("selfassess: grid answers of %s: %w", reviewID, err)
	}
	return out, nil
}

// LateCount counts the review's areas whose deadline has passed without a submission, in one
// statement.
func LateCount(ctx context.Context, q db.Querier, tenantID, reviewID string, today time.Time) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM sa_deadlines d
		LEFT JOIN sa_submissions s ON s.tenant_id = d.tenant_id AND s.area_id = d.area_id
		WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.due < $3::date AND coalesce(s.status, 'draft') <> 'submitted'`,
		tenantID, reviewID, today).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("selfassess: late areas of %s: %w", reviewID, err)
	}
	return n, nil
}
