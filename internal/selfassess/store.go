package selfassess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// Seed gives a review the default template the first time it is needed: once, whatever the lead
// later does to it (the settings row is the marker). It reports whether it seeded.
func Seed(ctx context.Context, q db.Querier, tenantID, reviewID string) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO sa_settings (tenant_id, review_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		tenantID, reviewID)
	if err != nil {
		return false, fmt.Errorf("selfassess: seed settings of %s: %w", reviewID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	titles := make([]string, len(DefaultElements))
	guidance := make([]string, len(DefaultElements))
	for i, e := range DefaultElements {
		titles[i], guidance[i] = e.Title, e.Guidance
	}
	if _, err := q.Exec(ctx, `INSERT INTO sa_elements (tenant_id, review_id, title, guidance, position)
		SELECT $1, $2, e.title, e.guidance, e.pos FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(title, guidance, pos)`,
		tenantID, reviewID, titles, guidance); err != nil {
		return false, fmt.Errorf("selfassess: seed elements of %s: %w", reviewID, err)
	}
	labels := make([]string, len(DefaultLevels))
	descs := make([]string, len(DefaultLevels))
	for i, l := range DefaultLevels {
		labels[i], descs[i] = l.Label, l.Description
	}
	if _, err := q.Exec(ctx, `INSERT INTO sa_levels (tenant_id, review_id, label, description, position)
		SELECT $1, $2, l.label, l.description, l.pos FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS l(label, description, pos)`,
		tenantID, reviewID, labels, descs); err != nil {
		return false, fmt.Errorf("selfassess: seed levels of %s: %w", reviewID, err)
	}
	return true, nil
}

// LoadTemplate reads a review's template, seeding the defaults first when it has none.
func LoadTemplate(ctx context.Context, q db.Querier, tenantID, reviewID string) (Template, error) {
	var t Template
	if _, err := Seed(ctx, q, tenantID, reviewID); err != nil {
		return t, err
	}
	if err := q.QueryRow(ctx, `SELECT commentary_required, version FROM sa_settings WHERE tenant_id = $1 AND review_id = $2`,
		tenantID, reviewID).Scan(&t.CommentaryRequired, &t.Version); err != nil {
		return t, fmt.Errorf("selfassess: settings of %s: %w", reviewID, err)
	}
	rows, err := q.Query(ctx, `SELECT e.id::text, e.title, e.guidance, e.position, e.version,
			(SELECT count(*) FROM sa_responses r WHERE r.tenant_id = e.tenant_id AND r.element_id = e.id
				AND (r.level_id IS NOT NULL OR r.commentary <> ''))::int
		FROM sa_elements e WHERE e.tenant_id = $1 AND e.review_id = $2 ORDER BY e.position, e.id`, tenantID, reviewID)
	if err != nil {
		return t, fmt.Errorf("selfassess: elements of %s: %w", reviewID, err)
	}
	t.Elements, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Element, error) {
		var e Element
		err := r.Scan(&e.ID, &e.Title, &e.Guidance, &e.Position, &e.Version, &e.Answered)
		return e, err
	})
	if err != nil {
		return t, fmt.Errorf("selfassess: elements of %s: %w", reviewID, err)
	}
	rows, err = q.Query(ctx, `SELECT l.id::text, l.label, l.description, l.position, l.version,
			(SELECT count(*) FROM sa_responses r WHERE r.tenant_id = l.tenant_id AND r.level_id = l.id)::int
		FROM sa_levels l WHERE l.tenant_id = $1 AND l.review_id = $2 ORDER BY l.position, l.id`, tenantID, reviewID)
	if err != nil {
		return t, fmt.Errorf("selfassess: levels of %s: %w", reviewID, err)
	}
	t.Levels, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Level, error) {
		var l Level
		err := r.Scan(&l.ID, &l.Label, &l.Description, &l.Position, &l.Version, &l.InUse)
		return l, err
	})
	if err != nil {
		return t, fmt.Errorf("selfassess: levels of %s: %w", reviewID, err)
	}
	return t, nil
}

// LoadArea reads one area's deadline, submission and answers.
func LoadArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Area, error) {
	a := Area{Submission: Submission{Status: StatusDraft}, Responses: map[string]Response{}}
	var due *time.Time
	err := q.QueryRow(ctx, `SELECT due FROM sa_deadlines WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`,
		tenantID, reviewID, areaID).Scan(&due)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("selfassess: deadline of %s: %w", areaID, err)
	}
	a.Deadline = due
	s := &a.Submission
	err = q.QueryRow(ctx, `SELECT s.status, s.submitted_at, coalesce(su.name, ''), s.reopened_at, coalesce(ru.name, ''),
			s.reopen_reason, s.version
		FROM sa_submissions s LEFT JOIN users su ON su.id = s.submitted_by LEFT JOIN users ru ON ru.id = s.reopened_by
		WHERE s.tenant_id = $1 AND s.review_id = $2 AND s.area_id = $3`, tenantID, reviewID, areaID).
		Scan(&s.Status, &s.SubmittedAt, &s.SubmittedBy, &s.ReopenedAt, &s.ReopenedBy, &s.ReopenReason, &s.Version)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("selfassess: submission of %s: %w", areaID, err)
	}
	rows, err := q.Query(ctx, `SELECT element_id::text, coalesce(level_id::text, ''), commentary, version
		FROM sa_responses WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`, tenantID, reviewID, areaID)
	if err != nil {
		return a, fmt.Errorf("selfassess: answers of %s: %w", areaID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Response, error) {
		var x Response
		err := r.Scan(&x.ElementID, &x.LevelID, &x.Commentary, &x.Version)
		return x, err
	})
	if err != nil {
		return a, fmt.Errorf("selfassess: answers of %s: %w", areaID, err)
	}
	for _, x := range list {
		a.Responses[x.ElementID] = x
	}
	return a, nil
}

// lockSubmission takes the area's submission row (creating it as a draft), so that saves, submit
// and reopen on one area run one at a time, and reports its status.
func lockSubmission(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (string, int, error) {
	if _, err := q.Exec(ctx, `INSERT INTO sa_submissions (tenant_id, area_id, review_id) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, tenantID, areaID, reviewID); err != nil {
		return "", 0, fmt.Errorf("selfassess: submission of %s: %w", areaID, db.MapError(err))
	}
	var status string
	var version int
	if err := q.QueryRow(ctx, `SELECT status, version FROM sa_submissions WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3
		FOR UPDATE`, tenantID, reviewID, areaID).Scan(&status, &version); err != nil {
		return "", 0, fmt.Errorf("selfassess: lock submission of %s: %w", areaID, err)
	}
	return status, version, nil
}

// ErrSubmitted is a change refused because the self-assessment is submitted.
var ErrSubmitted = apperr.Conflict("This self-assessment has been submitted. The review lead must reopen it before it can be changed.")

// SaveAnswer stores an area's answer to one element. in.Version is the version the form showed
// (0 for none); a stale version is a conflict unless the stored answer already equals the input (a
// double-submitted form). It reports the answer as stored and whether anything changed.
func SaveAnswer(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID string, t Template, in AnswerInput) (Response, Response, bool, error) {
	var before Response
	if _, ok := t.Element(in.ElementID); !ok {
		return before, before, false, apperr.NotFound("")
	}
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return before, before, false, err
	}
	if status == StatusSubmitted {
		return before, before, false, ErrSubmitted
	}
	err = q.QueryRow(ctx, `SELECT element_id::text, coalesce(level_id::text, ''), commentary, version FROM sa_responses
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3 AND element_id = $4`, tenantID, reviewID, areaID, in.ElementID).
		Scan(&before.ElementID, &before.LevelID, &before.Commentary, &before.Version)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return before, before, false, fmt.Errorf("selfassess: answer of %s: %w", areaID, err)
	}
	if before.Version > 0 && before.LevelID == in.LevelID && before.Commentary == in.Commentary {
		return before, before, false, nil // nothing to change: a repeat of the same save
	}
	if before.Version != in.Version {
		return before, before, false, apperr.Conflict("Someone else changed this answer while you were editing it. " +
			"Their answer is shown below: check it and save again.")
	}
	var level any
	if in.LevelID != "" {
		level = in.LevelID
	}
	after := Response{ElementID: in.ElementID, LevelID: in.LevelID, Commentary: in.Commentary}
	err = q.QueryRow(ctx, `INSERT INTO sa_responses (tenant_id, area_id, element_id, review_id, level_id, commentary, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, area_id, element_id) DO UPDATE SET level_id = EXCLUDED.level_id,
			commentary = EXCLUDED.commentary, updated_by = EXCLUDED.updated_by, updated_at = now(),
			version = sa_responses.version + 1
		RETURNING version`, tenantID, areaID, in.ElementID, reviewID, level, in.Commentary, userID).Scan(&after.Version)
	if err != nil {
		return before, after, false, fmt.Errorf("selfassess: save answer of %s: %w", areaID, db.MapError(err))
	}
	return before, after, true, nil
}

// Submit submits an area's self-assessment, unless a required answer is missing (a
// *MissingError, nothing changed). Submitting what is already submitted changes nothing and
// reports false.
func Submit(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID string) (bool, error) {
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if status == StatusSubmitted {
		return false, nil
	}
	t, err := LoadTemplate(ctx, q, tenantID, reviewID)
	if err != nil {
		return false, err
	}
	a, err := LoadArea(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if len(t.Elements) == 0 {
		return false, apperr.Invalid("This self-assessment has no elements to answer yet.")
	}
	if m := t.Missing(a); len(m) > 0 {
		return false, &MissingError{Elements: m}
	}
	if _, err := q.Exec(ctx, `UPDATE sa_submissions SET status = 'submitted', submitted_at = now(), submitted_by = $4,
			version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`, tenantID, reviewID, areaID, userID); err != nil {
		return false, fmt.Errorf("selfassess: submit %s: %w", areaID, err)
	}
	return true, nil
}

// Reopen lets an area change a submitted self-assessment again, with the lead's reason. Reopening
// what is not submitted changes nothing and reports false.
func Reopen(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID, reason string) (bool, error) {
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if status != StatusSubmitted {
		return false, nil
	}
	if _, err := q.Exec(ctx, `UPDATE sa_submissions SET status = 'draft', reopened_at = now(), reopened_by = $4,
			reopen_reason = $5, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`, tenantID, reviewID, areaID, userID, reason); err != nil {
		return false, fmt.Errorf("selfassess: reopen %s: %w", areaID, err)
	}
	return true, nil
}

// Progress is the task status of every area of the review that has started, by area id.
func Progress(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT ra.id::text,
			CASE WHEN s.status = 'submitted' THEN $3
				WHEN EXISTS (SELECT 1 FROM sa_responses r WHERE r.tenant_id = ra.tenant_id AND r.area_id = ra.id
					AND (r.level_id IS NOT NULL OR r.commentary <> '')) THEN $4
				ELSE $5 END
		FROM review_areas ra LEFT JOIN sa_submissions s ON s.tenant_id = ra.tenant_id AND s.area_id = ra.id
		WHERE ra.tenant_id = $1 AND ra.review_id = $2`, tenantID, reviewID, TaskCompleted, TaskInProgress, TaskNotStarted)
	if err != nil {
		return nil, fmt.Errorf("selfassess: progress of %s: %w", reviewID, err)
	}
	out := map[string]string{}
	var id, status string
	_, err = pgx.ForEachRow(rows, []any{&id, &status}, func() error { out[id] = status; return nil })
	if err != nil {
		return nil, fmt.Errorf("selfassess: progress of %s: %w", reviewID, err)
	}
	return out, nil
}
