// Package overview holds the page query of a review's overview and the command that moves the
// review's stage. Both read across review, report, retention and self-assessment, packages that
// import review, so they live above them; each opens its own transaction (db.InTx) for the
// scope sc (sc.ReviewID the review).
package overview

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/report"
	"thematic/internal/retention"
	"thematic/internal/review"
	"thematic/internal/selfassess"
)

// Overview is what a review's staff overview shows: the review, its counts, the report's state,
// what moving on needs and, for the lead, late self-assessments.
type Overview struct {
	Review              review.Review
	Counts              review.Counts
	Retention           retention.Status
	Report              report.State
	ReportChanged       bool // the report changed after its approval (the lead at quality assurance)
	LateSelfAssessments int
	Needs               []review.Need
}

// load reads the overview in tx; lead reads what only the lead sees.
func load(ctx context.Context, tx pgx.Tx, sc db.Scope, lead bool, today time.Time) (Overview, error) {
	var v Overview
	err := func() error {
		var err error
		if v.Review, err = review.Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if v.Counts, v.Retention, err = retention.WithOverview(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if lead && v.Review.Status == review.StatusQA {
			// At quality assurance the report is approved only while it is what was approved: the
			// report is built and its hash compared (its state is read with it).
			l, err := report.LoadAll(ctx, tx, sc.TenantID, sc.ReviewID, report.LoadOptions{})
			if err != nil {
				return err
			}
			doc, _ := report.Build(l.Data)
			v.ReportChanged = l.State.Status == report.StatusApproved && !l.State.ApprovalHolds(&doc)
			v.Report = l.State.Shown(&doc)
			// No self-assessment can come in at quality assurance: no warning of late ones.
			return nil
		} else if v.Report, err = report.LoadState(ctx, tx, sc.TenantID, sc.ReviewID); err != nil || !lead {
			return err
		}
		if v.Review.Status == review.StatusPublished {
			return nil // nothing can come in either
		}
		v.LateSelfAssessments, err = selfassess.LateCount(ctx, tx, sc.TenantID, sc.ReviewID, today)
		return err
	}()
	if next := v.Review.Status.Next(); next != "" {
		v.Needs = report.Needs(next, v.Counts, v.Report)
	}
	return v, err
}

// Page reads a review's staff overview; lead says the reader leads the review.
func Page(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lead bool, today time.Time) (Overview, error) {
	var v Overview
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		v, err = load(ctx, tx, sc, lead, today)
		return err
	})
	return v, err
}

// Back is what the page to move a review back a stage shows: the review and its report's state.
type Back struct {
	Review review.Review
	Report report.State
}

func loadBack(ctx context.Context, tx pgx.Tx, sc db.Scope) (Back, error) {
	var b Back
	var err error
	if b.Review, err = review.Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return b, err
	}
	b.Report, err = report.LoadState(ctx, tx, sc.TenantID, sc.ReviewID)
	return b, err
}

// BackPage reads the page to move the review back a stage.
func BackPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Back, error) {
	var b Back
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		b, err = loadBack(ctx, tx, sc)
		return err
	})
	return b, err
}

// Refused is a stage move refused for a reason the lead can act on: Message, for Field ("to" or
// "reason"), with the page to show again (Back for a move back without a good reason, else
// Overview), read in the move's transaction.
type Refused struct {
	Field    string
	Message  string
	Overview Overview
	Back     Back
}

func (r *Refused) Error() string { return r.Message }

// Moved is a stage move done: what report.MoveStage moved, or Already when the same move was
// sent twice and the first press made it.
type Moved struct {
	report.Moved
	Already bool
}

// Move moves the review's stage to to, from the version the lead saw (report.MoveStage, which
// keeps the report in step and writes the audit log), with a reason for a move back. A refused
// move answers *Refused with the page to show again. A report changed after its approval is
// returned to drafting (committed) and the move to publication refused with
// report.ChangedMessage.
func Move(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, version int, to review.Status, reason string, today time.Time) (Moved, error) {
	var m Moved
	var refused *Refused
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		m.Moved, err = report.MoveStage(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, version, to, reason)
		if apperr.Is(err, apperr.CodeConflict) {
			// Sent twice: the first press moved the review already.
			if cur, e := review.Get(ctx, tx, sc.TenantID, sc.ReviewID); e == nil && cur.Status == to && cur.Version == version+1 {
				m.Already = true
				return nil
			}
			return err
		}
		var step *review.StepError
		var stepRep *report.StepError
		switch {
		case errors.As(err, &step):
			refused = &Refused{Field: step.Field, Message: step.Error()}
			if refused.Field == "" {
				refused.Field = "to"
			}
		case errors.As(err, &stepRep):
			refused = &Refused{Field: "to", Message: stepRep.Message}
		case err != nil:
			return err
		case m.Lapse != nil && to == review.StatusPublished:
			// The report changed after its approval: it is back in drafting (committed).
			refused = &Refused{Field: "to", Message: report.ChangedMessage}
		default:
			return nil
		}
		// The page again, read in this transaction: rolled back with a refusal, committed after a
		// lapse.
		var perr error
		if refused.Field == "reason" {
			refused.Back, perr = loadBack(ctx, tx, sc)
		} else {
			refused.Overview, perr = load(ctx, tx, sc, true, today)
		}
		if perr != nil || err != nil {
			return cmpOr(perr, refused)
		}
		return nil // the lapse commits
	})
	if err == nil && refused != nil {
		return m, refused
	}
	return m, err
}

func cmpOr(err error, r *Refused) error {
	if err != nil {
		return err
	}
	return r
}
