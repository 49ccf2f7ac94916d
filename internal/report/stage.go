package report

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/review"
	"thematic/internal/reviewnote"
)

// The review's stage and its report's status move together, so that they never disagree:
//
//	review stage                        report
//	set-up, fieldwork, analysis,        draft or changes requested
//	drafting
//	quality assurance                   in quality assurance or approved
//	published                           published
//
// Sending the report for quality assurance is moving the review to quality assurance; a request
// for changes, a withdrawal or a return to draft moves it back to drafting; publishing the report
// publishes the review; a correction of a published review reopens the report as a draft (the
// published version stays recorded). MoveStage (the review's stage form) and Move (the report's
// sign-off) are two doors to the same change, made in one transaction by apply.

// Moved says what a move did.
type Moved struct {
	From, To         review.Status // the review's stage before and after (the same when only the report moved)
	Report           State         // the report's state before
	ReportTo         string        // the report's status after, or "" when it did not move
	PublishedVersion int           // the version saved by publishing, or 0
	Version          int           // the version the report's step saved, or 0
	// Lapse is set when the report was approved but had changed since: it was returned to
	// drafting instead of taking the step asked for (signoff.go).
	Lapse *Lapse
}

// MoveStage moves the review to stage to, from the review's version the lead saw, with the report
// in step. A move back needs a reason, kept in the audit log. A refused move gives a *StepError
// (or a *review.StepError), a stale version apperr.Conflict.
func MoveStage(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, version int, to review.Status, reason string) (Moved, error) {
	// The review and its report locked and read in one statement.
	rv, cur, err := lockReviewAndState(ctx, tx, tenantID, reviewID)
	if err != nil {
		return Moved{}, err
	}
	if rv.Version != version {
		return Moved{}, apperr.Conflict(review.ReviewStaleMessage)
	}
	reason = strings.TrimSpace(reason)
	if err := review.CheckMove(rv.Status, to, reason); err != nil {
		return Moved{}, err
	}
	b := &builtOnce{withCheck: to == review.StatusPublished}
	if lp, err := lapseIfChanged(ctx, tx, rv, cur, actorID, b); err != nil || lp != nil {
		return lapsedMove(rv, cur, lp), err
	}
	// The report's step that goes with the move, if any.
	var reportTo string
	switch {
	case to == review.StatusQA:
		reportTo = StatusQA
	case to == review.StatusPublished:
		reportTo = StatusPublished
	case rv.Status == review.StatusQA && cur.Status == StatusQA && cur.By != actorID:
		reportTo = StatusChangesRequested // the quality assurer sends it back
	case rv.Status == review.StatusQA || rv.Status == review.StatusPublished:
		reportTo = StatusDraft // withdrawn, returned or reopened for a correction
	}
	switch {
	case reportTo == cur.Status || reportTo == StatusDraft && cur.Status == StatusChangesRequested:
		// The report is where the move takes it already: a review imported from an archive
		// keeps its stage but starts its report as a draft.
		reportTo = ""
	case reportTo != "":
		if _, err := allowedStep(cur, actorID, reportTo); err != nil {
			return Moved{}, err
		}
	}
	return apply(ctx, tx, rv, cur, actorID, reportTo, to, reason, b)
}

// Move takes a step of the report's sign-off from the report's state the actor saw (version),
// moving the review's stage with it. It returns what moved; a refused step gives a *StepError,
// a stale version apperr.Conflict.
func Move(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, to, note string, version int) (Moved, error) {
	rv, cur, err := lockReviewAndState(ctx, tx, tenantID, reviewID)
	if err != nil {
		return Moved{}, err
	}
	if cur.Version != version {
		return Moved{}, apperr.Conflict("Someone else moved the report on after you opened this page")
	}
	b := &builtOnce{withCheck: to == StatusPublished}
	if lp, err := lapseIfChanged(ctx, tx, rv, cur, actorID, b); err != nil || lp != nil {
		return lapsedMove(rv, cur, lp), err
	}
	step, err := allowedStep(cur, actorID, to)
	if err != nil {
		return Moved{}, err
	}
	if to == StatusApproved {
		// Every review note must be cleared first. The report's row is locked, as raising a note
		// locks it: none can be raised between the count and the approval.
		n, err := reviewnote.Uncleared(ctx, tx, tenantID, reviewID)
		if err != nil {
			return Moved{}, err
		}
		if n > 0 {
			return Moved{}, &StepError{Message: reviewnote.BlocksApproval(n), Field: FieldReviewNotes}
		}
	}
	note = strings.TrimSpace(note)
	if step.NeedNote && note == "" {
		return Moved{}, &StepError{Message: "Say what needs to change", Field: "note"}
	}
	stage := rv.Status
	switch to {
	case StatusQA, StatusApproved:
		stage = review.StatusQA
	case StatusPublished:
		stage = review.StatusPublished
	case StatusDraft, StatusChangesRequested:
		if rv.Status == review.StatusQA || rv.Status == review.StatusPublished {
			stage = review.StatusDrafting
		}
	}
	if stage == review.StatusQA && rv.Status != review.StatusQA && rv.Status != review.StatusDrafting {
		return Moved{}, &StepError{Message: fmt.Sprintf("The report can be sent for quality assurance once the review is at drafting. It is at %s.",
			strings.ToLower(rv.Status.Label()))}
	}
	if stage != rv.Status {
		if err := review.CheckMove(rv.Status, stage, note); err != nil {
			return Moved{}, &StepError{Message: err.Error()}
		}
	}
	return apply(ctx, tx, rv, cur, actorID, to, stage, note, b)
}

// allowedStep finds the step to `to` that actorID may take from cur, or says why not.
func allowedStep(cur State, actorID, to string) (Step, error) {
	for _, st := range Allowed(cur, actorID) {
		if st.To == to {
			return st, nil
		}
	}
	switch {
	case cur.Status == StatusQA && cur.By == actorID && (to == StatusApproved || to == StatusChangesRequested):
		return Step{}, &StepError{Message: "Another lead must quality assure the report: you sent it for quality assurance"}
	case to == StatusPublished:
		return Step{}, &StepError{Message: fmt.Sprintf("Only a report approved by a second lead can be published. It is %s.",
			strings.ToLower(StatusLabel(cur.Status)))}
	}
	return Step{}, &StepError{Message: fmt.Sprintf("A report that is %s cannot be moved to %s",
		strings.ToLower(StatusLabel(cur.Status)), strings.ToLower(StatusLabel(to)))}
}

// apply checks what a move on needs, then writes the report's step (publishing saves the
// published version first) and the review's stage, each with its audit entry. The review's row
// and the report's are locked by the caller (lockReviewAndState). The counts are read after the
// locks, in a statement of their own, so that they see a change committed while the move waited.
func apply(ctx context.Context, tx pgx.Tx, rv review.Review, cur State, actorID, reportTo string, stage review.Status, note string, b *builtOnce) (Moved, error) {
	tenantID, reviewID := rv.TenantID, rv.ID
	m := Moved{From: rv.Status, To: stage, Report: cur, ReportTo: reportTo}
	if stage.Index() > rv.Status.Index() {
		counts, err := review.Overview(ctx, tx, tenantID, reviewID)
		if err != nil {
			return m, err
		}
		if missing := review.Missing(review.Needs(stage, counts)); len(missing) > 0 {
			return m, &StepError{Message: fmt.Sprintf("The review cannot move on to %s yet. It needs: %s.",
				strings.ToLower(stage.Label()), strings.ToLower(strings.Join(missing, "; ")))}
		}
	}
	// Sending for quality assurance, approving and publishing each save the report as a version.
	saved, hash, err := stepVersion(ctx, tx, tenantID, reviewID, actorID, cur, reportTo, b)
	if err != nil {
		return m, err
	}
	m.Version = saved.Number
	if reportTo == StatusPublished {
		m.PublishedVersion = saved.Number
	}
	if reportTo != "" {
		var pub any
		if m.PublishedVersion > 0 {
			pub = m.PublishedVersion
		}
		after := map[string]any{"status": reportTo, "note": note}
		if m.PublishedVersion > 0 {
			after["published_version"] = m.PublishedVersion
		}
		if reportTo == StatusApproved {
			after["approved_version"], after["approved_hash"] = saved.Number, hash
		}
		entry, args, err := audit.Insert(ctx, audit.Event{TenantID: tenantID, ActorID: actorID,
			Action: "report.status_changed", ObjectType: "report", ObjectID: reviewID,
			Before: map[string]any{"status": cur.Status}, After: after},
			[]any{tenantID, reviewID, reportTo, note, actorID, pub, hash, saved.Number})
		if err != nil {
			return m, err
		}
		// Approving records what was approved; publishing keeps it; any other step clears it. The
		// audit entry is written in the same statement.
		if _, err := tx.Exec(ctx, `WITH entry AS (`+entry+`)
			UPDATE reports SET status = $3, status_note = $4, status_by = $5, status_at = now(),
				published_version = coalesce($6, published_version), version = version + 1,
				approved_hash = CASE $3 WHEN 'approved' THEN $7::text WHEN 'published' THEN approved_hash END,
				approved_version = CASE $3 WHEN 'approved' THEN $8::int WHEN 'published' THEN approved_version END
			WHERE tenant_id = $1 AND review_id = $2`, args...); err != nil {
			return m, fmt.Errorf("report: move: %w", err)
		}
	}
	if stage == rv.Status {
		return m, nil
	}
	return m, setStage(ctx, tx, rv, actorID, stage, note)
}

// setStage moves the review to stage, audited with the reason for a move back.
func setStage(ctx context.Context, tx pgx.Tx, rv review.Review, actorID string, stage review.Status, note string) error {
	// The evidence is locked from drafting on (review.SetStageAudited).
	now := review.Review{EvidenceLocked: stage.Index() >= review.StatusDrafting.Index()}
	before := map[string]any{"status": string(rv.Status)}
	after := map[string]any{"status": string(stage)}
	if stage.Index() < rv.Status.Index() {
		after["reason"] = note
	}
	if was, is := rv.EvidenceLocked, now.EvidenceLocked; was != is {
		before["evidence_locked"], after["evidence_locked"] = was, is
	}
	return review.SetStageAudited(ctx, tx, rv.TenantID, rv.ID, actorID, stage, audit.Event{TenantID: rv.TenantID, ActorID: actorID,
		Action: "review.status_changed", ObjectType: "review", ObjectID: rv.ID, Before: before, After: after})
}

// Needs lists what moving the review on to stage to needs: what its counts tell
// (review.Needs) and, for publication, the report's approval by a second lead.
func Needs(to review.Status, c review.Counts, st State) []review.Need {
	if to != review.StatusPublished {
		return review.Needs(to, c)
	}
	return []review.Need{{What: "The report approved by a second lead", Have: StatusLabel(st.Status),
		Met: st.Status == StatusApproved, Page: "report"}}
}
