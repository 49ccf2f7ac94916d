package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
)

// Safeguarding concerns. A note marked as a concern is seen only by its author and the review's
// leads (the handlers check it, and a RESTRICTIVE row-level security policy enforces it for the
// server's role); it never reaches the evidence base, the coverage counts, exports or the report,
// open or closed. It records the actions taken and who took them until a lead closes it.

// MaxAction is the most characters an action taken, or a closing note, may hold.
const MaxAction = 5000

// CanSeeConcern reports whether a user sees a note marked as a concern: its author and the
// review's leads only. Any note that is not a concern is for the review's staff as usual.
func CanSeeConcern(n Note, userID string, lead bool) bool {
	return !n.Safeguarding || lead || n.AuthorID == userID
}

// Concern is a note marked as a safeguarding concern, as its page and the leads' list show it.
type Concern struct {
	NoteID      string
	VisitID     string
	AreaName    string
	RaisedAt    time.Time
	RaisedBy    string // name
	AuthorName  string
	ClosedAt    *time.Time
	ClosedBy    string
	Closing     string // the lead's closing note
	LastAction  *Action
	Actions     []Action // oldest first; only on GetConcern
	NoteDeleted bool
}

// Open reports whether the concern still needs action.
func (c Concern) Open() bool { return c.ClosedAt == nil }

// Action is one thing done about a concern.
type Action struct {
	Body       string
	RecordedBy string // name
	RecordedAt time.Time
}

// OpenConcerns counts a review's open concerns, for its leads' banner: one read of a small
// partial index.
func OpenConcerns(ctx context.Context, q db.Querier, tenantID, reviewID string) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM evidence_notes
		WHERE tenant_id = $1 AND review_id = $2 AND safeguarding AND safeguarding_closed_at IS NULL`,
		tenantID, reviewID).Scan(&n); err != nil {
		return 0, fmt.Errorf("evidence: open concerns of %s: %w", reviewID, err)
	}
	return n, nil
}

const concernColumns = `n.id, n.visit_id, la.name, coalesce(n.safeguarding_raised_at, n.created_at),
	coalesce(rb.name, au.name, ''), coalesce(au.name, ''), n.safeguarding_closed_at, coalesce(cb.name, ''),
	n.safeguarding_closing, n.deleted_at IS NOT NULL,
	la_act.body, la_act.who, la_act.at`

const concernFrom = ` FROM evidence_notes n
	JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	LEFT JOIN users au ON au.id = n.author_id
	LEFT JOIN users rb ON rb.id = n.safeguarding_raised_by
	LEFT JOIN users cb ON cb.id = n.safeguarding_closed_by
	LEFT JOIN LATERAL (SELECT a.body, coalesce(u.name, '') AS who, a.recorded_at AS at FROM safeguarding_actions a
		LEFT JOIN users u ON u.id = a.recorded_by
		WHERE a.tenant_id = n.tenant_id AND a.note_id = n.id ORDER BY a.recorded_at DESC, a.id DESC LIMIT 1) la_act ON true`

func scanConcern(row pgx.Row) (Concern, error) {
	var c Concern
	var body, who *string
	var at *time.Time
	err := row.Scan(&c.NoteID, &c.VisitID, &c.AreaName, &c.RaisedAt, &c.RaisedBy, &c.AuthorName, &c.ClosedAt, &c.ClosedBy,
		&c.Closing, &c.NoteDeleted, &body, &who, &at)
	if err == nil && body != nil {
		c.LastAction = &Action{Body: *body, RecordedBy: *who, RecordedAt: *at}
	}
	return c, err
}

// Concerns lists a review's concerns, open ones first, newest first, each with its last action, in
// one query. Only a lead sees them all: row-level security shows others their own only.
func Concerns(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Concern, error) {
	rows, err := q.Query(ctx, `SELECT `+concernColumns+concernFrom+`
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.safeguarding
		ORDER BY n.safeguarding_closed_at IS NOT NULL, coalesce(n.safeguarding_raised_at, n.created_at) DESC, n.id`,
		tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("evidence: concerns of %s: %w", reviewID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Concern, error) { return scanConcern(r) })
	if err != nil {
		return nil, fmt.Errorf("evidence: concerns of %s: %w", reviewID, err)
	}
	return out, nil
}

// GetConcern reads one concern with all its actions, in two queries.
func GetConcern(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string) (Concern, error) {
	if !db.ValidUUID(noteID) {
		return Concern{}, apperr.NotFound("Note not found")
	}
	c, err := scanConcern(q.QueryRow(ctx, `SELECT `+concernColumns+concernFrom+`
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3 AND n.safeguarding`, tenantID, reviewID, noteID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Concern{}, apperr.NotFound("Note not found")
	}
	if err != nil {
		return Concern{}, fmt.Errorf("evidence: concern %s: %w", noteID, err)
	}
	rows, _ := q.Query(ctx, `SELECT a.body, coalesce(u.name, ''), a.recorded_at FROM safeguarding_actions a
		LEFT JOIN users u ON u.id = a.recorded_by
		WHERE a.tenant_id = $1 AND a.note_id = $2 ORDER BY a.recorded_at, a.id`, tenantID, noteID)
	if c.Actions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Action]); err != nil {
		return Concern{}, fmt.Errorf("evidence: actions of concern %s: %w", noteID, err)
	}
	return c, nil
}

// ActionInput is an action taken, as typed; Key makes a double submission record one action.
type ActionInput struct {
	Body string
	Key  string
}

// Validate checks the action's text. Field id: action.
func (in *ActionInput) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "":
		errs.Add("action", "Enter the action taken")
	case utf8.RuneCountInString(in.Body) > MaxAction:
		errs.Add("action", "The action taken must be 5,000 characters or fewer")
	}
	return errs
}

// concernForUpdate locks a concern's note and reports whether it is closed; a note that is not a
// concern, or that the user may not see, is not found.
func concernForUpdate(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID string) (closed bool, err error) {
	if !db.ValidUUID(noteID) {
		return false, apperr.NotFound("Note not found")
	}
	err = tx.QueryRow(ctx, `SELECT safeguarding_closed_at IS NOT NULL FROM evidence_notes
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 AND safeguarding FOR UPDATE`, tenantID, reviewID, noteID).Scan(&closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, apperr.NotFound("Note not found")
	}
	if err != nil {
		return false, fmt.Errorf("evidence: concern %s: %w", noteID, err)
	}
	return closed, nil
}

// RecordAction adds an action taken to an open concern, by its author or a lead (the caller checks
// who). It works on a locked review too. A second call by the same actor with the same key records
// nothing more; keys are each actor's own, so another's key neither blocks nor drops an action.
func RecordAction(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, in ActionInput) (recorded bool, err error) {
	if errs := in.Validate(); errs.Any() {
		return false, &Refused{Errors: errs}
	}
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > MaxKey {
		return false, apperr.Invalid("The form has expired. Copy what you wrote, reload the page and try again.")
	}
	closed, err := concernForUpdate(ctx, tx, tenantID, reviewID, noteID)
	if err != nil {
		return false, err
	}
	if closed {
		return false, apperr.Conflict("This concern has been closed: no more actions can be recorded")
	}
	var id string
	err = tx.QueryRow(ctx, `INSERT INTO safeguarding_actions (tenant_id, review_id, note_id, body, recorded_by, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, idempotency_key, recorded_by) DO NOTHING RETURNING id::text`,
		tenantID, reviewID, noteID, in.Body, actorID, in.Key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // sent twice
	}
	if err != nil {
		return false, fmt.Errorf("evidence: record action on %s: %w", noteID, err)
	}
	// The audit log keeps that an action was recorded, not what it says.
	return true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "safeguarding.action_recorded",
		ObjectType: "safeguarding_concern", ObjectID: noteID, After: map[string]string{"action_id": id}})
}

// CloseConcern closes an open concern with a lead's closing note (the caller checks the role).
// Closing a closed concern again changes nothing.
func CloseConcern(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID, closing string) (closed bool, err error) {
	closing = strings.TrimSpace(closing)
	if errs := validateClosing(closing); errs.Any() {
		return false, &Refused{Errors: errs}
	}
	already, err := concernForUpdate(ctx, tx, tenantID, reviewID, noteID)
	if err != nil || already {
		return false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE evidence_notes SET safeguarding_closed_at = now(), safeguarding_closed_by = $4,
		safeguarding_closing = $5 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, noteID, actorID, closing); err != nil {
		return false, fmt.Errorf("evidence: close concern %s: %w", noteID, err)
	}
	return true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "safeguarding.closed",
		ObjectType: "safeguarding_concern", ObjectID: noteID, Before: map[string]bool{"open": true}, After: map[string]bool{"open": false}})
}

// OpenConcernsCount counts the review's open concerns (sc.ReviewID) for its leads' banner, in a
// transaction of its own.
func OpenConcernsCount(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (int, error) {
	var n int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		n, err = OpenConcerns(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return n, err
}

// Recipient is someone to tell of a concern.
type Recipient struct {
	Name   string
	Email  string
	UserID string
}

// Notice is what the leads are told of a newly raised concern: never the note's text.
type Notice struct {
	ReviewTitle string
	RaisedBy    string
	AreaName    string
	Leads       []Recipient
}

// ClaimNotice marks a concern's leads as told and returns whom to tell, once: a second call (a
// retried request) finds nothing to do (ok false). raise calls it, in the transaction that raises
// the concern, and queues the mail there.
func ClaimNotice(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID string) (Notice, bool, error) {
	var n Notice
	err := tx.QueryRow(ctx, `UPDATE evidence_notes n SET safeguarding_notified_at = now()
		FROM reviews r, review_areas ra, local_authorities la
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3 AND n.safeguarding AND n.safeguarding_notified_at IS NULL
			AND r.tenant_id = n.tenant_id AND r.id = n.review_id
			AND ra.tenant_id = n.tenant_id AND ra.id = n.area_id AND la.ons_code = ra.ons_code
		RETURNING r.title, coalesce((SELECT name FROM users WHERE id = coalesce(n.safeguarding_raised_by, n.author_id)), ''), la.name`,
		tenantID, reviewID, noteID).Scan(&n.ReviewTitle, &n.RaisedBy, &n.AreaName)
	if errors.Is(err, pgx.ErrNoRows) {
		return n, false, nil
	}
	if err != nil {
		return n, false, fmt.Errorf("evidence: claim notice of %s: %w", noteID, err)
	}
	rows, _ := tx.Query(ctx, `SELECT u.name, u.email, u.id::text FROM review_members m
		JOIN users u ON u.id = m.user_id
		JOIN memberships ms ON ms.tenant_id = m.tenant_id AND ms.user_id = m.user_id
		WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.role = 'lead' AND ms.deactivated_at IS NULL
		ORDER BY u.email`, tenantID, reviewID)
	if n.Leads, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Recipient]); err != nil {
		return n, false, fmt.Errorf("evidence: leads of %s: %w", reviewID, err)
	}
	return n, true, nil
}

// raise records that a note became a concern (created as one, or marked on an edit).
func raise(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string) error {
	if _, err := tx.Exec(ctx, `UPDATE evidence_notes SET safeguarding_raised_at = now(), safeguarding_raised_by = $4
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, noteID, actorID); err != nil {
		return fmt.Errorf("evidence: raise concern %s: %w", noteID, err)
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "safeguarding.raised",
		ObjectType: "safeguarding_concern", ObjectID: noteID, After: map[string]bool{"open": true}}); err != nil {
		return err
	}
	return queueNotice(ctx, tx, tenantID, reviewID, noteID, actorID)
}

// queueNotice tells the review's leads of a concern just raised, once, by mail queued in the
// transaction that raised it (the mail outbox): the claim and the mail commit with the concern or
// not at all. The lead who raised it is not told; the email never holds the note's text. Outside
// a request (no base URL for the link: the demo seed, an import) nobody is told and the concern
// stays unclaimed.
func queueNotice(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string) error {
	base := mail.BaseURL(ctx)
	if base == "" {
		return nil
	}
	n, ok, err := ClaimNotice(ctx, tx, tenantID, reviewID, noteID)
	if err != nil || !ok {
		return err
	}
	link := base + "/reviews/" + reviewID + "/notes/" + noteID
	for _, l := range n.Leads {
		if l.UserID == actorID {
			continue // the lead who raised it knows
		}
		if err := mail.Enqueue(ctx, tx, tenantID, mail.Message{To: l.Email, Kind: "safeguarding_concern",
			Subject: "Safeguarding concern raised in " + n.ReviewTitle, Body: noticeBody(l.Name, n, link)}); err != nil {
			return err
		}
	}
	return nil
}

func noticeBody(name string, n Notice, link string) string {
	return fmt.Sprintf(`Dear %s,

%s has raised a safeguarding concern in the review "%s" (visit to %s).

Sign in and open this link to read it and record the action taken:

%s

This email does not contain the concern itself.
`, name, n.RaisedBy, n.ReviewTitle, n.AreaName, link)
}

// isLead reports whether a user leads the review.
func isLead(ctx context.Context, q db.Querier, tenantID, reviewID, userID string) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM review_members WHERE tenant_id = $1 AND review_id = $2
		AND user_id = $3 AND role = 'lead')`, tenantID, reviewID, userID).Scan(&ok); err != nil {
		return false, fmt.Errorf("evidence: lead of %s: %w", reviewID, err)
	}
	return ok, nil
}
