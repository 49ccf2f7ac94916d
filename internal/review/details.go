package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
)

// ReviewStaleMessage is what a version mismatch says: someone changed the review since the page was shown.
const ReviewStaleMessage = "Someone else changed this review while you were looking at the page. Go back, reload the page to see the latest details, and try again."

// Update saves a review's details when version is still the one the form was shown with. It
// returns the review as it was before and as it is now; a stale version gives apperr.Conflict.
func Update(ctx context.Context, q db.Querier, tenantID, id string, version int, r Review) (before, after Review, err error) {
	if before, err = detailsLockReview(ctx, q, tenantID, id); err != nil {
		return Review{}, Review{}, err
	}
	if before.Version != version {
		return before, Review{}, apperr.Conflict(ReviewStaleMessage)
	}
	rows, err := q.Query(ctx, `UPDATE reviews SET title = $3, summary = $4, key_question = $5, fieldwork_start = $6,
			fieldwork_end = $7, planned_publication = $8, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND id = $2 AND version = $9
		RETURNING `+reviewCols,
		tenantID, id, r.Title, r.Summary, r.KeyQuestion, r.FieldworkStart, r.FieldworkEnd, r.PlannedPublication, version)
	if err != nil {
		return before, Review{}, fmt.Errorf("review: update %s: %w", id, err)
	}
	after, err = pgx.CollectExactlyOneRow(rows, scanReview)
	if errors.Is(err, pgx.ErrNoRows) {
		return before, Review{}, apperr.Conflict(ReviewStaleMessage)
	}
	if err != nil {
		return before, Review{}, fmt.Errorf("review: update %s: %w", id, err)
	}
	return before, after, nil
}

// StepError says a stage move was refused: not one step on or back, or (Field "reason") a move
// back without a good reason.
type StepError struct {
	From, To Status
	Field    string // the form field at fault, or "" for the move itself
	Message  string // "" for the one-step message
}

func (e *StepError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.To.Index() < 0 {
		return "Select the stage to move the review to"
	}
	var steps string
	switch next, back := e.From.Next(), e.From.Back(); {
	case next != "" && back != "":
		steps = "on to " + next.Label() + " or back to " + back.Label()
	case next != "":
		steps = "on to " + next.Label()
	case back != "":
		steps = "back to " + back.Label()
	}
	return fmt.Sprintf("A review moves one stage at a time. From %s it can only move %s.", e.From.Label(), steps)
}

// detailsLockReview reads a review and locks its row for the rest of the transaction, so that two
// changes made from the same version queue and the second sees it is stale.
func detailsLockReview(ctx context.Context, q db.Querier, tenantID, id string) (Review, error) {
	if !db.ValidUUID(id) {
		return Review{}, apperr.NotFound("Review not found")
	}
	rows, err := q.Query(ctx, `SELECT `+reviewCols+` FROM reviews WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, tenantID, id)
	if err != nil {
		return Review{}, fmt.Errorf("review: lock %s: %w", id, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanReview)
	if errors.Is(err, pgx.ErrNoRows) {
		return Review{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Review{}, fmt.Errorf("review: lock %s: %w", id, err)
	}
	return v, nil
}

// Summary is one line of a list of reviews: a review and the user's role in it.
type Summary struct {
	ID             string
	Title          string
	Status         Status
	Role           auth.ReviewRole
	FieldworkStart *time.Time
	FieldworkEnd   *time.Time
	CreatedAt      time.Time
}

// List reads the reviews of the tenant that the user is a member of, newest first, in one query.
func List(ctx context.Context, q db.Querier, tenantID, userID string) ([]Summary, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.title, r.status, m.role, r.fieldwork_start, r.fieldwork_end, r.created_at
		FROM reviews r
		JOIN review_members m ON m.tenant_id = r.tenant_id AND m.review_id = r.id
		WHERE r.tenant_id = $1 AND m.tenant_id = $1 AND m.user_id = $2
		ORDER BY r.created_at DESC, r.id`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("review: list for user %s: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Summary, error) {
		var s Summary
		var status, role string
		err := r.Scan(&s.ID, &s.Title, &status, &role, &s.FieldworkStart, &s.FieldworkEnd, &s.CreatedAt)
		s.Status, s.Role = Status(status), auth.ReviewRole(role)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("review: list for user %s: %w", userID, err)
	}
	return out, nil
}

// Counts is how far a review's set-up has come: how many of each thing it has.
type Counts struct {
	Areas         int // local areas taking part
	Visits        int
	Members       int // people with a role in the review
	Invites       int // people invited who have no account yet
	FrameworkSets int // groups of action areas
	ActionAreas   int
	EnquiryGroups int
	EnquiryLines  int
	Terms         int // values in the review's lists (vocabularies)
	Notes         int // live notes in the evidence base (no concerns, none deleted)
	Findings      int
	// ReviewNotes and OpenReviewNotes count the review notes on the report, all and those not
	// cleared (internal/reviewnote), read here to keep the overview to one query.
	ReviewNotes, OpenReviewNotes int
}

// Overview counts the review's areas, visits, people, framework, lines of enquiry, notes (from
// the coverage counters, so a review of any size costs the same) and findings in one query.
//
// extra are more columns to read in the same statement (their SQL may use $1, the tenant, and
// $2, the review), so that a page reading something else about the review stays one statement.
func Overview(ctx context.Context, q db.Querier, tenantID, reviewID string, extra ...Columns) (Counts, error) {
	var c Counts
	sql, dest := "", []any{&c.Areas, &c.Visits, &c.Members, &c.Invites, &c.FrameworkSets, &c.ActionAreas,
		&c.EnquiryGroups, &c.EnquiryLines, &c.Terms, &c.Notes, &c.Findings, &c.ReviewNotes, &c.OpenReviewNotes}
	for _, x := range extra {
		sql += ",\n\t\t\t" + x.SQL
		dest = append(dest, x.Dest...)
	}
	err := q.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM review_areas WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM visits WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM review_members WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM review_member_invites WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM framework_groups WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM action_areas WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2)
				+ (SELECT count(*) FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2)
				+ (SELECT count(*) FROM review_inspectorates WHERE tenant_id = $1 AND review_id = $2)
				+ (SELECT count(*) FROM review_team_roles WHERE tenant_id = $1 AND review_id = $2)
				+ (SELECT count(*) FROM review_addressees WHERE tenant_id = $1 AND review_id = $2),
			(SELECT coalesce(sum(strength + development + neutral), 0) FROM evidence_counts_live
				WHERE tenant_id = $1 AND review_id = $2 AND dimension = 'note'),
			(SELECT count(*) FROM findings WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM review_notes WHERE tenant_id = $1 AND review_id = $2),
			(SELECT count(*) FROM review_notes WHERE tenant_id = $1 AND review_id = $2 AND status <> 'cleared')`+sql,
		tenantID, reviewID).Scan(dest...)
	if err != nil {
		return Counts{}, fmt.Errorf("review: overview counts %s: %w", reviewID, err)
	}
	return c, nil
}

// Columns are more columns for a statement and where to scan them.
type Columns struct {
	SQL  string
	Dest []any
}

// AreaName is the name of one of the review's local areas (the local authority's name).
func AreaName(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (string, error) {
	if !db.ValidUUID(areaID) {
		return "", apperr.NotFound("Area not found")
	}
	var name string
	err := q.QueryRow(ctx, `SELECT la.display_name FROM review_areas a JOIN local_authorities la ON la.ons_code = a.ons_code
		WHERE a.tenant_id = $1 AND a.review_id = $2 AND a.id = $3`, tenantID, reviewID, areaID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("Area not found")
	}
	if err != nil {
		return "", fmt.Errorf("review: area name %s: %w", areaID, err)
	}
	return name, nil
}

// LockCreateKey makes creates carrying the same idempotency key take turns, for the rest of the
// transaction: the second then finds the first's review with CreatedWithKey.
func LockCreateKey(ctx context.Context, q db.Querier, tenantID, key string) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1 || $2))`, tenantID, key); err != nil {
		return fmt.Errorf("review: lock create key: %w", err)
	}
	return nil
}

// CreatedWithKey finds the review created with an idempotency key (reviews.create_key).
func CreatedWithKey(ctx context.Context, q db.Querier, tenantID, key string) (id string, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT id FROM reviews WHERE tenant_id = $1 AND create_key = $2`, tenantID, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("review: find create key: %w", err)
	}
	return id, true, nil
}

// Read reads the review sc.ReviewID.
func Read(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Review, error) {
	var v Review
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		v, err = Get(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return v, err
}

// ContactPage reads what a local authority contact's overview shows: the review and the name of
// their area.
func ContactPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Review, string, error) {
	var v Review
	var name string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if v, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		name, err = AreaName(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		return err
	})
	return v, name, err
}

// auditDetails is what the audit log keeps of a review's details.
func auditDetails(v Review) map[string]string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	return map[string]string{"title": v.Title, "summary": v.Summary, "key_question": v.KeyQuestion,
		"fieldwork_start": day(v.FieldworkStart), "fieldwork_end": day(v.FieldworkEnd),
		"planned_publication": day(v.PlannedPublication)}
}

// changed keeps only the fields that differ between before and after.
func changed(before, after map[string]string) (b, a map[string]string) {
	b, a = map[string]string{}, map[string]string{}
	for k, v := range after {
		if before[k] != v {
			b[k], a[k] = before[k], v
		}
	}
	return b, a
}

// ChangeDetails saves the review's details from the form d (at d.Version) and records what
// changed. Details the checks refuse answer *form.Refused with the review as saved (for the
// form's caption); a stale version answers apperr.Conflict.
func ChangeDetails(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, d Details) (Review, error) {
	v, errs := d.Validate()
	if errs.Any() {
		cur, err := Read(ctx, pool, sc)
		if err != nil {
			return cur, err
		}
		return cur, &form.Refused{Errors: errs}
	}
	var after Review
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		before, aft, err := Update(ctx, tx, sc.TenantID, sc.ReviewID, d.Version, v)
		if err != nil {
			return err
		}
		after = aft
		b, a := changed(auditDetails(before), auditDetails(aft))
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review.updated", ObjectType: "review", ObjectID: sc.ReviewID, Before: b, After: a})
	})
	return after, err
}
