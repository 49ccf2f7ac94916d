package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
)

// A review's stage governs what may change in it. Every write to the review's content names the
// kind of change it is and asks EnsureAllows, in its own transaction, before it writes.

// Change is a kind of change to what a review holds. Changes to its people (members, roles,
// invitations) are not among them: they are allowed at every stage.
type Change int

const (
	// ChangeSetup is the review's set-up: its framework, lines of enquiry, local areas, visits
	// and their teams, the self-assessment template and the review's own vocabularies
	// (sources, roles, addressees, team roles).
	ChangeSetup Change = iota + 1
	// ChangeEvidence is the evidence: notes (recorded, edited, deleted, restored, with their
	// tags and links), the areas' self-assessments and their questionnaire results, which the
	// report's methodology counts.
	ChangeEvidence
	// ChangeSynthesis is what the lead draws from the evidence: findings and the notes linked to
	// them, good-practice examples, recommendations and the quantifier scale.
	ChangeSynthesis
	// ChangeReport is the report's own words: its authored texts.
	ChangeReport
)

// Changes lists every kind of change.
var Changes = []Change{ChangeSetup, ChangeEvidence, ChangeSynthesis, ChangeReport}

// String names the kind of change, as messages use it.
func (c Change) String() string {
	switch c {
	case ChangeSetup:
		return "the review’s set-up"
	case ChangeEvidence:
		return "the evidence"
	case ChangeSynthesis:
		return "the findings, examples and recommendations"
	case ChangeReport:
		return "the report"
	}
	return "change " + strconv.Itoa(int(c))
}

// stageAllows is the rule table: the kinds of change each stage allows. Drafting refuses the
// evidence by locking it (reviews.evidence_locked_at) as the review enters drafting; a lead who
// lifts the lock lets late notes in until the review moves on (Verdict).
var stageAllows = map[Status][]Change{
	StatusSetup:     Changes,
	StatusFieldwork: Changes,
	StatusAnalysis:  Changes,
	StatusDrafting:  {ChangeSetup, ChangeSynthesis, ChangeReport},
	StatusQA:        nil,
	StatusPublished: nil,
}

// Allows reports whether the stage allows a kind of change.
func (s Status) Allows(c Change) bool { return slices.Contains(stageAllows[s], c) }

// Locks lists the kinds of change the stage refuses.
func (s Status) Locks() []Change {
	var out []Change
	for _, c := range Changes {
		if !s.Allows(c) {
			out = append(out, c)
		}
	}
	return out
}

// EvidenceLockedMessage is why a change to the evidence is refused while it is locked.
const EvidenceLockedMessage = "The evidence for this review is locked"

// StageError is a change the review's stage refuses, with a message that names the stage and
// what to do. It is an apperr.Forbidden error.
type StageError struct {
	Status  Status
	Change  Change
	Message string
}

func (e *StageError) Error() string { return e.Message }

// Unwrap makes a refused change a 403 with its message.
func (e *StageError) Unwrap() error { return apperr.Forbidden("%s", e.Message) }

// Verdict says whether a review at stage s, with its evidence locked or not, allows a change:
// nil, or a *StageError. A locked evidence refuses evidence changes at any stage; at drafting,
// evidence the lead has unlocked may change.
func (s Status) Verdict(c Change, evidenceLocked bool) error {
	if c == ChangeEvidence && (s == StatusDrafting || s.Allows(c)) {
		if !evidenceLocked {
			return nil
		}
		msg := EvidenceLockedMessage + ": nothing can be added to it or changed. A lead can unlock it to let late evidence in"
		if s == StatusDrafting {
			msg += ", or move the review back to analysis"
		}
		return &StageError{Status: s, Change: c, Message: msg + "."}
	}
	if s.Allows(c) {
		return nil
	}
	var msg string
	switch s {
	case StatusQA:
		msg = fmt.Sprintf("The review is at quality assurance: nothing in %s can change until the second lead has decided. "+
			"Move it back to drafting to make changes.", c)
	case StatusPublished:
		msg = fmt.Sprintf("The review is published: nothing in %s can change. "+
			"A lead can correct it, which moves the review back to drafting, with a reason.", c)
	default:
		msg = fmt.Sprintf("The review is %s: %s cannot change.", s.Where(), c)
	}
	return &StageError{Status: s, Change: c, Message: msg}
}

// EnsureAllows refuses, with a *StageError, a change the review's stage does not allow. Call it
// in the write's own transaction, before writing: it reads the review's row FOR KEY SHARE, so a
// stage move (which takes the row FOR UPDATE) waits for the write to commit, and a write that
// comes second waits for the move and then sees the new stage. Changes to the review's people
// need no check.
func EnsureAllows(ctx context.Context, q db.Querier, tenantID, reviewID string, c Change) error {
	if !db.ValidUUID(reviewID) {
		return apperr.NotFound("Review not found")
	}
	var status string
	var locked bool
	err := q.QueryRow(ctx, `SELECT status, evidence_locked_at IS NOT NULL FROM reviews
		WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE`, tenantID, reviewID).Scan(&status, &locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.NotFound("Review not found")
	}
	if err != nil {
		return fmt.Errorf("review: check stage of %s: %w", reviewID, err)
	}
	return Status(status).Verdict(c, locked)
}

// StageColumn reads the review's stage and evidence lock inside a statement of the write itself,
// with the row lock EnsureAllows takes, so that a write that counts its statements pays for no
// statement of its own: add it to the select list ($1 the tenant, $2 the review), scan it into a
// []string and pass that to CheckStage. A write made in the same statement as the check is
// undone with the transaction when the check refuses it.
const StageColumn = `(SELECT ARRAY[r.status, (r.evidence_locked_at IS NOT NULL)::text] FROM reviews r
	WHERE r.tenant_id = $1 AND r.id = $2 FOR KEY SHARE)`

// CheckStage is EnsureAllows's verdict on what StageColumn read (nil: no such review).
func CheckStage(stage []string, c Change) error {
	if len(stage) != 2 {
		return apperr.NotFound("Review not found")
	}
	return Status(stage[0]).Verdict(c, stage[1] == "true")
}

// Need is one thing moving on to a stage needs, and whether the review has it.
type Need struct {
	What string // "At least one local area"
	Have string // what the review has: "6 areas", "none yet"
	Met  bool
	Page string // the review's page where the lead meets it ("areas", "visits"…), or ""
}

// Needs lists what a review with counts c needs to move on to stage to, as far as its counts
// tell: the report's own needs (quality assurance, publication) are the report's to add.
func Needs(to Status, c Counts) []Need {
	need := func(what string, n int, one, many, page string) Need {
		have := "none yet"
		if n > 0 {
			have = strconv.Itoa(n) + " " + many
			if n == 1 {
				have = "1 " + one
			}
		}
		return Need{What: what, Have: have, Met: n > 0, Page: page}
	}
	switch to {
	case StatusFieldwork:
		return []Need{
			need("At least one local area", c.Areas, "area", "areas", "areas"),
			need("At least one visit", c.Visits, "visit", "visits", "visits"),
			need("At least one action area in the framework", c.ActionAreas, "action area", "action areas", "framework"),
		}
	case StatusAnalysis:
		return []Need{need("At least one evidence note", c.Notes, "note", "notes", "visits")}
	case StatusDrafting:
		return []Need{need("At least one finding", c.Findings, "finding", "findings", "synthesis")}
	}
	return nil
}

// Missing lists what of needs is not met, as one sentence's items.
func Missing(needs []Need) []string {
	var out []string
	for _, n := range needs {
		if !n.Met {
			out = append(out, n.What)
		}
	}
	return out
}

// LockStage reads the review and locks its row FOR UPDATE until the transaction ends: a stage
// move holds it so that every write checked by EnsureAllows (FOR KEY SHARE) either commits before
// the move or waits and sees the new stage.
func LockStage(ctx context.Context, q db.Querier, tenantID, id string) (Review, error) {
	if !db.ValidUUID(id) {
		return Review{}, apperr.NotFound("Review not found")
	}
	rows, err := q.Query(ctx, `SELECT `+reviewCols+` FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id)
	if err != nil {
		return Review{}, fmt.Errorf("review: lock stage %s: %w", id, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanReview)
	if errors.Is(err, pgx.ErrNoRows) {
		return Review{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Review{}, fmt.Errorf("review: lock stage %s: %w", id, err)
	}
	return v, nil
}

// LockStageWith is LockStage that reads, in the same statement and after the review's lock, the
// extra columns (SQL that may use $1, the tenant, and $2, the review): a subquery there may lock
// rows of its own, after the review's, and reads their newest version. Rows it reads without a
// lock are as the statement began, before any wait for the lock.
func LockStageWith(ctx context.Context, q db.Querier, tenantID, id string, extra ...Columns) (Review, error) {
	if !db.ValidUUID(id) {
		return Review{}, apperr.NotFound("Review not found")
	}
	var v Review
	var status string
	cols := ""
	dest := []any{&v.TenantID, &v.ID, &v.Title, &v.Summary, &v.KeyQuestion, &v.FieldworkStart, &v.FieldworkEnd,
		&v.PlannedPublication, &status, &v.EvidenceLocked, &v.Version, &v.CreatedAt, &v.UpdatedAt, &v.AreaPseudonyms}
	for _, x := range extra {
		cols += ",\n\t\t\t" + x.SQL
		dest = append(dest, x.Dest...)
	}
	// The locking CTE is read first, so the review's row is locked before any row the columns lock.
	err := q.QueryRow(ctx, `WITH locked AS MATERIALIZED (SELECT * FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE)
		SELECT `+reviewCols+cols+` FROM locked`, tenantID, id).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Review{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Review{}, fmt.Errorf("review: lock stage %s: %w", id, err)
	}
	v.Status = Status(status)
	return v, nil
}

// MaxReason is the longest reason a move back may give.
const MaxReason = 2000

// CheckMove refuses, with a *StepError, a move that is not one step on or one step back, and a
// move back without a reason. What a move on needs is checked by the caller (Needs).
func CheckMove(from, to Status, reason string) error {
	if !from.CanMoveTo(to) {
		return &StepError{From: from, To: to}
	}
	if to == from.Back() {
		switch n := len([]rune(reason)); {
		case n == 0 && from == StatusPublished:
			return &StepError{From: from, To: to, Field: "reason", Message: "Say what needs correcting in the published report"}
		case n == 0:
			return &StepError{From: from, To: to, Field: "reason", Message: "Say why the review is moving back to " + strings.ToLower(to.Label())}
		case n > MaxReason:
			return &StepError{From: from, To: to, Field: "reason", Message: "The reason must be 2,000 characters or fewer"}
		}
	}
	return nil
}

// SetStage writes the review's new stage (the caller holds LockStage and has checked the move)
// and keeps the evidence lock in step: entering drafting or a later stage locks the evidence
// (by actorID) if it is not locked, and moving back to analysis unlocks it. It returns the review
// as it is now.
func SetStage(ctx context.Context, q db.Querier, tenantID, id, actorID string, to Status) (Review, error) {
	rows, err := q.Query(ctx, `UPDATE reviews SET status = $3, version = version + 1, updated_at = now(),
			evidence_locked_at = CASE WHEN $4 THEN coalesce(evidence_locked_at, now()) END,
			evidence_locked_by = CASE WHEN $4 THEN CASE WHEN evidence_locked_at IS NULL THEN $5::uuid ELSE evidence_locked_by END END
		WHERE tenant_id = $1 AND id = $2
		RETURNING `+reviewCols, tenantID, id, string(to), to.Index() >= StatusDrafting.Index(), actorID)
	if err != nil {
		return Review{}, fmt.Errorf("review: set stage %s: %w", id, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanReview)
	if errors.Is(err, pgx.ErrNoRows) {
		return Review{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Review{}, fmt.Errorf("review: set stage %s: %w", id, err)
	}
	return v, nil
}

// SetStageAudited is SetStage with the audit entry e written in the same statement. The entry is
// built before the write: the evidence is locked after it exactly when to is drafting or later.
func SetStageAudited(ctx context.Context, q db.Querier, tenantID, id, actorID string, to Status, e audit.Event) error {
	entry, args, err := audit.Insert(ctx, e, []any{tenantID, id, string(to), to.Index() >= StatusDrafting.Index(), actorID})
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `WITH entry AS (`+entry+`)
		UPDATE reviews SET status = $3, version = version + 1, updated_at = now(),
			evidence_locked_at = CASE WHEN $4 THEN coalesce(evidence_locked_at, now()) END,
			evidence_locked_by = CASE WHEN $4 THEN CASE WHEN evidence_locked_at IS NULL THEN $5::uuid ELSE evidence_locked_by END END
		WHERE tenant_id = $1 AND id = $2`, args...)
	if err != nil {
		return fmt.Errorf("review: set stage %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFound("Review not found")
	}
	return nil
}
