package recommendation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// StaleMessage is shown when a recommendation changed since the editor opened it.
const StaleMessage = "Someone else changed this recommendation after you opened it"

// FindingMessage refuses findings that are not the review's.
const FindingMessage = "Choose findings of this review"

const notFoundLabel = "recommendation"

// Refused is a change refused with messages for the form.
type Refused struct{ Errors *form.Errors }

func (r *Refused) Error() string {
	msgs := []string{}
	for _, fe := range r.Errors.List() {
		msgs = append(msgs, fe.Message)
	}
	return "recommendation: " + strings.Join(msgs, "; ")
}

// Unwrap makes a refusal a 422.
func (r *Refused) Unwrap() error { return apperr.Invalid("%s", r.Error()) }

// StaleError is an edit from an old version; Current is the recommendation as it is now.
type StaleError struct{ Current Recommendation }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale edit a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// selectRecommendations reads recommendations in order with their numbers and the findings they
// answer (in report order), in one statement. The number is counted over the whole review, so
// it is right when where narrows the rows (where adds conditions on r.* of the outer query, with
// parameters from $3).
func selectRecommendations(where string) string {
	return `WITH numbered AS (
			SELECT r.*, row_number() OVER (ORDER BY r.position, r.created_at, r.id) AS number
			FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2)
		SELECT r.id::text, r.review_id::text, r.number, r.position, r.body, r.addressee, r.version,
			coalesce((SELECT array_agg(f.id::text ORDER BY g.position, aa.position, f.position, f.created_at)
				FROM recommendation_findings rf
				JOIN findings f ON f.tenant_id = rf.tenant_id AND f.id = rf.finding_id
				JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
				JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
				WHERE rf.tenant_id = r.tenant_id AND rf.recommendation_id = r.id), '{}')
		FROM numbered r WHERE true ` + where + `
		ORDER BY r.number`
}

func collect(rows pgx.Rows) ([]Recommendation, error) {
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Recommendation, error) {
		var r Recommendation
		err := row.Scan(&r.ID, &r.ReviewID, &r.Number, &r.Position, &r.Body, &r.Addressee, &r.Version, &r.FindingIDs)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("recommendation: list: %w", err)
	}
	return out, nil
}

// List reads a review's recommendations in order, numbered, with the findings each answers, in
// one query.
func List(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Recommendation, error) {
	rows, err := q.Query(ctx, selectRecommendations(""), tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("recommendation: list: %w", err)
	}
	return collect(rows)
}

// Get reads one recommendation.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Recommendation, error) {
	if !db.ValidUUID(id) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	rows, err := q.Query(ctx, selectRecommendations("AND r.id = $3"), tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: get: %w", err)
	}
	rs, err := collect(rows)
	if err != nil {
		return Recommendation{}, err
	}
	if len(rs) == 0 {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	return rs[0], nil
}

// checkFindings verifies every finding is the review's.
func checkFindings(ctx context.Context, q db.Querier, tenantID, reviewID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if !db.ValidUUID(id) {
			return refuseFindings()
		}
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM findings WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($3::uuid[])`,
		tenantID, reviewID, ids).Scan(&n); err != nil {
		return fmt.Errorf("recommendation: check findings: %w", err)
	}
	if n != len(ids) {
		return refuseFindings()
	}
	return nil
}

func refuseFindings() error {
	errs := &form.Errors{}
	errs.Add("findings", FindingMessage)
	return &Refused{errs}
}

// link replaces the findings a recommendation answers.
func link(ctx context.Context, tx pgx.Tx, tenantID, id string, findingIDs []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recommendation_findings WHERE tenant_id = $1 AND recommendation_id = $2
		AND NOT (finding_id = ANY($3::uuid[]))`, tenantID, id, findingIDs); err != nil {
		return fmt.Errorf("recommendation: link findings: %w", err)
	}
	if len(findingIDs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
		SELECT $1, $2, f FROM unnest($3::uuid[]) f ON CONFLICT DO NOTHING`, tenantID, id, findingIDs); err != nil {
		return fmt.Errorf("recommendation: link findings: %w", err)
	}
	return nil
}

// Create adds a recommendation at the end of the list. It is idempotent on in.Key: a double
// submission returns the first recommendation's id and created=false.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, in Input) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid("The form has expired. Copy your recommendation, reload the page and try again.")
	}
	err = tx.QueryRow(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
		tenantID, reviewID, in.Key).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("recommendation: create: find by key: %w", err)
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return "", false, err
	}
	if err := checkFindings(ctx, tx, tenantID, reviewID, in.FindingIDs); err != nil {
		return "", false, err
	}
	// Two first recommendations at once would take the same position: the lock orders them.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recommendations:' || $1, 0))`, reviewID); err != nil {
		return "", false, fmt.Errorf("recommendation: create: lock: %w", err)
	}
	err = tx.QueryRow(ctx, `INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
		VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM recommendations WHERE tenant_id = $1 AND review_id = $2),
			$3, $4, $5, $6)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		tenantID, reviewID, in.Body, in.Addressee, in.Key, actorID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) { // a concurrent submission with the same key won
		err = tx.QueryRow(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			tenantID, reviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("recommendation: create: find by key: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("recommendation: create: %w", db.MapError(err))
	}
	if err := link(ctx, tx, tenantID, id, in.FindingIDs); err != nil {
		return "", false, err
	}
	return id, true, nil
}

// lock reads a recommendation for update and checks the editor's version.
func lock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Recommendation, error) {
	if !db.ValidUUID(id) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	var v int
	err := tx.QueryRow(ctx, `SELECT version FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`,
		tenantID, reviewID, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	if err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: lock: %w", err)
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, err
	}
	if version != cur.Version {
		return Recommendation{}, &StaleError{Current: cur}
	}
	return cur, nil
}

// Update edits a recommendation from the version the editor saw, replacing the findings it
// answers. It returns the recommendation before and after.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input) (Recommendation, Recommendation, error) {
	cur, err := lock(ctx, tx, tenantID, reviewID, id, in.Version)
	if err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if errs := in.Validate(); errs.Any() {
		return Recommendation{}, Recommendation{}, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if err := checkFindings(ctx, tx, tenantID, reviewID, in.FindingIDs); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE recommendations SET body = $4, addressee = $5, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, id, in.Body, in.Addressee); err != nil {
		return Recommendation{}, Recommendation{}, fmt.Errorf("recommendation: update: %w", db.MapError(err))
	}
	if err := link(ctx, tx, tenantID, id, in.FindingIDs); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	after, err := Get(ctx, tx, tenantID, reviewID, id)
	return cur, after, err
}

// Delete removes a recommendation seen at version; the ones after it move up a number.
func Delete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Recommendation, error) {
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Recommendation{}, err
	}
	cur, err := lock(ctx, tx, tenantID, reviewID, id, version)
	if err != nil {
		return Recommendation{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id); err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: delete: %w", err)
	}
	return cur, nil
}

// Move swaps a recommendation with the one before it (up) or after it. It returns its number
// before and after; equal when it was already first or last.
func Move(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, up bool) (from, to int, err error) {
	if !db.ValidUUID(id) {
		return 0, 0, apperr.NotFound(notFoundLabel)
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recommendations:' || $1, 0))`, reviewID); err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: lock: %w", err)
	}
	// The list in order: numbers from the order, so positions that tie or have gaps still swap.
	rows, err := tx.Query(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2
		ORDER BY position, created_at, id FOR UPDATE`, tenantID, reviewID)
	if err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	i := -1
	for k, x := range ids {
		if x == id {
			i = k
		}
	}
	if i < 0 {
		return 0, 0, apperr.NotFound(notFoundLabel)
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(ids) {
		return i + 1, i + 1, nil
	}
	ids[i], ids[j] = ids[j], ids[i]
	// Renumber the whole list 1..n in one statement.
	if _, err := tx.Exec(ctx, `UPDATE recommendations r SET position = o.n
		FROM unnest($3::uuid[]) WITH ORDINALITY AS o(id, n)
		WHERE r.tenant_id = $1 AND r.review_id = $2 AND r.id = o.id AND r.position <> o.n`, tenantID, reviewID, ids); err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	return i + 1, j + 1, nil
}
