package retention

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/document"
	"thematic/internal/evidence"
	"thematic/internal/review"
	"thematic/internal/selfassess"
	"thematic/internal/tenant"
	"thematic/internal/text"
)

// PurgedBody stands in for a purged note's text: the note's row stays, so that the review's
// counts, coverage and the findings' prevalence survive, but what it said is gone.
const PurgedBody = "(purged under the retention policy)"

// MaxMonths is the longest retention period a tenant may set (20 years).
const MaxMonths = 240

// Actions recorded here.
const (
	ActionPurged     = "retention.purged"
	ActionHoldSet    = "review.legal_hold_set"
	ActionHoldLifted = "review.legal_hold_lifted"
	ActionChanged    = "tenant.retention_changed"
)

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("retention: " + err.Error())
	}
	return l
}()

// LongDate is a day as the pages write it: 7 December 2027, in UK time.
func LongDate(t time.Time) string { return t.In(london).Format("2 January 2006") }

// Period says a retention period in words: "12 months", or "until deleted" for none.
func Period(months *int) string {
	switch {
	case months == nil:
		return "until deleted"
	case *months == 1:
		return "1 month"
	case *months%12 == 0 && *months > 12:
		return strconv.Itoa(*months/12) + " years"
	}
	return strconv.Itoa(*months) + " months"
}

// Months reads the tenant's retention period: nil keeps evidence until it is deleted.
func Months(ctx context.Context, q db.Querier, tenantID string) (*int, error) {
	var m *int
	if err := q.QueryRow(ctx, `SELECT retention_months FROM tenants WHERE id = $1`, tenantID).Scan(&m); err != nil {
		return nil, fmt.Errorf("retention: months of %s: %w", tenantID, err)
	}
	return m, nil
}

// SetMonths changes the tenant's retention period from the tenant's version the admin saw, and
// audits it. It reports false when nothing changed.
func SetMonths(ctx context.Context, tx pgx.Tx, tenantID, actorID, actorEmail string, months *int, version int) (bool, error) {
	if months != nil && (*months < 1 || *months > MaxMonths) {
		return false, apperr.Invalid("The retention period must be between 1 and %d months", MaxMonths)
	}
	var cur *int
	var v int
	if err := tx.QueryRow(ctx, `SELECT retention_months, version FROM tenants WHERE id = $1 FOR UPDATE`, tenantID).Scan(&cur, &v); err != nil {
		return false, fmt.Errorf("retention: set months: %w", err)
	}
	if v != version {
		return false, apperr.Conflict("Someone else changed these settings while you were editing them")
	}
	if (cur == nil && months == nil) || (cur != nil && months != nil && *cur == *months) {
		return false, nil
	}
	if err := tenant.SetRetentionMonths(ctx, tx, tenantID, months); err != nil {
		return false, fmt.Errorf("retention: set months: %w", err)
	}
	return true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, ActorEmail: actorEmail,
		Action: ActionChanged, ObjectType: "tenant", ObjectID: tenantID,
		Before: map[string]any{"retention_months": cur, "retention": Period(cur)},
		After:  map[string]any{"retention_months": months, "retention": Period(months)}})
}

// Purge is the record of a review's evidence purged.
type Purge struct {
	At              time.Time
	Months          int
	Notes           int
	Documents       int
	SelfAssessments int
}

// Summary says what was purged: "Evidence purged on 7 December 2027 under the tenant's 12-month
// retention: 312 notes, 14 documents, 9 self-assessments".
func (p Purge) Summary() string {
	return fmt.Sprintf("Evidence purged on %s under the organisation’s %d-month retention: %s, %s, %s",
		LongDate(p.At), p.Months, text.Plural(p.Notes, "note", "notes"), text.Plural(p.Documents, "document", "documents"),
		text.Plural(p.SelfAssessments, "self-assessment", "self-assessments"))
}

// Status is where a review stands for retention.
type Status struct {
	Months      *int       // the tenant's period; nil keeps evidence until deleted
	PublishedAt *time.Time // when the review was last published; nil when it is not published
	HoldReason  string     // "" when not on legal hold
	HoldAt      *time.Time
	HoldBy      string // the name of who put the hold on
	Purged      *Purge
}

// Held reports whether the review is on legal hold.
func (s Status) Held() bool { return s.HoldAt != nil }

// PurgeDate is when the evidence will be purged, or nil when it will not be (not published, no
// period, held or already purged).
func (s Status) PurgeDate() *time.Time {
	if s.Months == nil || s.PublishedAt == nil || s.Held() || s.Purged != nil {
		return nil
	}
	d := s.PublishedAt.AddDate(0, *s.Months, 0)
	return &d
}

// Line is what the review overview says about retention, or "" when there is nothing to say.
func (s Status) Line() string {
	switch {
	case s.Purged != nil:
		return s.Purged.Summary()
	case s.Held():
		return "On legal hold since " + LongDate(*s.HoldAt) + ": the evidence will not be purged until the hold is lifted. Reason: " + s.HoldReason
	case s.PurgeDate() != nil:
		return "Evidence will be purged on " + LongDate(*s.PurgeDate()) + " under the retention policy (" + Period(s.Months) + " after publication)"
	}
	return ""
}

// statusCols read a review's retention status as three columns of any statement whose $1 is the
// tenant and $2 the review: the tenant's period, the review's publication and hold, its purge.
const statusCols = `(SELECT t.retention_months FROM tenants t WHERE t.id = $1),
		(SELECT json_build_object('PublishedAt', CASE WHEN r.status = 'published' THEN r.published_at END,
				'HoldReason', coalesce(r.legal_hold_reason, ''), 'HoldAt', r.legal_hold_at,
				'HoldBy', coalesce((SELECT u.name FROM users u WHERE u.id = r.legal_hold_by), ''))
			FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2),
		(SELECT json_build_object('At', p.purged_at, 'Months', p.months, 'Notes', p.notes, 'Documents', p.documents,
				'SelfAssessments', p.self_assessments)
			FROM retention_purges p WHERE p.tenant_id = $1 AND p.review_id = $2)`

// statusRow is what statusCols read.
type statusRow struct {
	months *int
	review *struct {
		PublishedAt *time.Time
		HoldReason  string
		HoldAt      *time.Time
		HoldBy      string
	}
	purge *Purge
}

func (r *statusRow) status() Status {
	s := Status{Months: r.months, Purged: r.purge}
	if r.review != nil {
		s.PublishedAt, s.HoldReason, s.HoldAt, s.HoldBy = r.review.PublishedAt, r.review.HoldReason, r.review.HoldAt, r.review.HoldBy
	}
	return s
}

// Load reads a review's retention status in one statement.
func Load(ctx context.Context, q db.Querier, tenantID, reviewID string) (Status, error) {
	var r statusRow
	if err := q.QueryRow(ctx, `SELECT `+statusCols, tenantID, reviewID).Scan(&r.months, &r.review, &r.purge); err != nil {
		return Status{}, fmt.Errorf("retention: status of %s: %w", reviewID, err)
	}
	if r.review == nil {
		return Status{}, apperr.NotFound("Review not found")
	}
	return r.status(), nil
}

// WithOverview reads the review overview's counts and the retention status in one statement.
func WithOverview(ctx context.Context, q db.Querier, tenantID, reviewID string) (review.Counts, Status, error) {
	var r statusRow
	c, err := review.Overview(ctx, q, tenantID, reviewID, review.Columns{SQL: statusCols, Dest: []any{&r.months, &r.review, &r.purge}})
	if err != nil {
		return c, Status{}, err
	}
	return c, r.status(), nil
}

// MaxReason is the longest reason for a legal hold.
const MaxReason = 1000

// SetHold puts the review on legal hold with a reason, or lifts the hold (reason ""), and audits
// it. Putting on a hold already on changes its reason. It reports false when nothing changed.
func SetHold(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, actorEmail, reason string) (bool, error) {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > MaxReason {
		return false, apperr.Invalid("The reason must be %d characters or fewer", MaxReason)
	}
	var cur *string
	if err := tx.QueryRow(ctx, `SELECT legal_hold_reason FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
		tenantID, reviewID).Scan(&cur); err != nil {
		return false, fmt.Errorf("retention: hold %s: %w", reviewID, db.MapError(err))
	}
	old := ""
	if cur != nil {
		old = *cur
	}
	if old == reason {
		return false, nil
	}
	var err error
	action := ActionHoldSet
	if reason == "" {
		action = ActionHoldLifted
		err = review.LiftLegalHold(ctx, tx, tenantID, reviewID)
	} else {
		err = review.SetLegalHold(ctx, tx, tenantID, reviewID, actorID, reason)
	}
	if err != nil {
		return false, fmt.Errorf("retention: hold %s: %w", reviewID, err)
	}
	return true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, ActorEmail: actorEmail,
		Action: action, ObjectType: "review", ObjectID: reviewID,
		Before: map[string]any{"legal_hold": old != "", "reason": old}, After: map[string]any{"legal_hold": reason != "", "reason": reason}})
}

// Due lists the reviews, across tenants, whose evidence is due to be purged at now: published,
// past their tenant's period, not held and not purged yet.
func Due(ctx context.Context, q db.Querier, now time.Time) ([][2]string, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id::text, review_id::text FROM retention_due($1)`, now)
	if err != nil {
		return nil, fmt.Errorf("retention: due: %w", err)
	}
	var out [][2]string
	for rows.Next() {
		var t, r string
		if err := rows.Scan(&t, &r); err != nil {
			return nil, fmt.Errorf("retention: due: %w", err)
		}
		out = append(out, [2]string{t, r})
	}
	return out, rows.Err()
}

// ErrNotDue is PurgeReview's answer for a review that is not (or no longer) due.
var ErrNotDue = errors.New("retention: review not due for purge")

// PurgeReview purges one review's evidence at now, in tx, which must be scoped to the review's
// tenant: evidence notes lose their text and themes (safeguarding concerns, which row-level
// security hides from the service, are kept under their own rules), supporting documents and
// self-assessment answers (ratings and commentary) are deleted. A note's row and a
// self-assessment's submission stay, without their words, so that the report's counts (notes by
// source, submitted self-assessments) and the findings' prevalence come out the same. The report (its saved and published
// versions), findings, recommendations and examples stay. Copies of the purged text in the audit
// log are redacted, and the purge is recorded with its counts. It checks again that the review is
// due, under a lock, so two runs at once purge once.
func PurgeReview(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, now time.Time) (Purge, error) {
	var months *int
	var publishedAt *time.Time
	var held, purged bool
	err := tx.QueryRow(ctx, `SELECT t.retention_months, r.published_at, r.legal_hold_at IS NOT NULL,
			EXISTS (SELECT 1 FROM retention_purges p WHERE p.tenant_id = r.tenant_id AND p.review_id = r.id)
		FROM reviews r JOIN tenants t ON t.id = r.tenant_id
		WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'published' FOR UPDATE OF r`, tenantID, reviewID).
		Scan(&months, &publishedAt, &held, &purged)
	if errors.Is(err, pgx.ErrNoRows) {
		return Purge{}, ErrNotDue
	}
	if err != nil {
		return Purge{}, fmt.Errorf("retention: purge %s: %w", reviewID, err)
	}
	if months == nil || publishedAt == nil || held || purged || publishedAt.AddDate(0, *months, 0).After(now) {
		return Purge{}, ErrNotDue
	}
	p := Purge{At: now, Months: *months}
	// Notes first, then documents (the notes' links to them go with them), then self-assessments.
	notes, err := evidence.PurgeReview(ctx, tx, tenantID, reviewID, PurgedBody, now)
	if err != nil {
		return Purge{}, fmt.Errorf("retention: purge %s: %w", reviewID, err)
	}
	docs, err := document.PurgeReview(ctx, tx, tenantID, reviewID)
	if err != nil {
		return Purge{}, fmt.Errorf("retention: purge %s: %w", reviewID, err)
	}
	areas, err := selfassess.PurgeReview(ctx, tx, tenantID, reviewID)
	if err != nil {
		return Purge{}, fmt.Errorf("retention: purge %s: %w", reviewID, err)
	}
	p.Notes, p.Documents, p.SelfAssessments = len(notes), len(docs), len(areas)
	if _, err := tx.Exec(ctx, `INSERT INTO retention_purges (tenant_id, review_id, purged_at, months, notes, documents, self_assessments)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, reviewID, now, p.Months, p.Notes, p.Documents, p.SelfAssessments); err != nil {
		return Purge{}, fmt.Errorf("retention: record purge of %s: %w", reviewID, err)
	}
	reason := fmt.Sprintf("evidence purged under the %d-month retention policy", p.Months)
	for _, r := range []struct {
		objectType string
		ids        []string
		fields     []string
	}{
		{"evidence_note", notes, []string{"body", "tags", "filename"}},
		{"area_document", docs, []string{"title", "filename"}},
		{"self_assessment", areas, []string{"commentary", "reason"}},
	} {
		if len(r.ids) == 0 {
			continue
		}
		if _, err := audit.Redact(ctx, tx, audit.Redaction{TenantID: tenantID, ObjectType: r.objectType, ObjectIDs: r.ids,
			Fields: r.fields, Reason: reason}); err != nil {
			return Purge{}, err
		}
	}
	return p, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, Action: ActionPurged, ObjectType: "review", ObjectID: reviewID,
		After: map[string]any{"months": p.Months, "notes": p.Notes, "documents": p.Documents, "self_assessments": p.SelfAssessments,
			"purged_at": now.UTC().Format(time.RFC3339)}})
}
