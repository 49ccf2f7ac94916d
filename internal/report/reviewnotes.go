package report

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/reviewnote"
)

// The review notes' pages and commands live here, beside the report they are about: their pages
// show the report's state, and raising one shows the report's parts a note may be about.

// NotesPage reads the review's notes (all of them, cleared too) with the report's head.
func NotesPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Head, []reviewnote.Note, error) {
	var h Head
	var ns []reviewnote.Note
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if h, err = headTx(ctx, tx, sc); err != nil {
			return err
		}
		ns, err = reviewnote.List(ctx, tx, sc.TenantID, sc.ReviewID, true)
		return err
	})
	return h, ns, err
}

// NotePage reads a note's thread with the report's head.
func NotePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, noteID string) (Head, reviewnote.Note, error) {
	var h Head
	var n reviewnote.Note
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		h, n, err = notePageTx(ctx, tx, sc, noteID)
		return err
	})
	return h, n, err
}

func notePageTx(ctx context.Context, tx pgx.Tx, sc db.Scope, noteID string) (Head, reviewnote.Note, error) {
	h, err := headTx(ctx, tx, sc)
	if err != nil {
		return h, reviewnote.Note{}, err
	}
	n, err := reviewnote.Get(ctx, tx, sc.TenantID, sc.ReviewID, noteID)
	return h, n, err
}

// RaiseResult is what raising a note did, or the raise form's page when it was refused.
type RaiseResult struct {
	ID      string
	Created bool  // false when sent twice: the first raised it
	Page    *Page // the report built, when refused (a *reviewnote.Refused)
}

// RaiseNote raises a review note on the report (reviewnote.Raise, audited there). Refused
// input gives a *reviewnote.Refused with the report built for the form again, in one
// transaction.
func RaiseNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in reviewnote.RaiseInput) (RaiseResult, error) {
	var res RaiseResult
	page := func(tx pgx.Tx) error {
		p, err := readTx(ctx, tx, sc, PageOptions{})
		res.Page = &p
		return err
	}
	if errs := in.Validate(); errs.Any() {
		// What was typed will not do: the page only is read.
		refused := &reviewnote.Refused{Errors: errs}
		err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
			if err := page(tx); err != nil {
				return err
			}
			return refused
		})
		return res, err
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		res.ID, res.Created, err = reviewnote.Raise(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, in)
		var refused *reviewnote.Refused
		if errors.As(err, &refused) {
			if e := page(tx); e != nil {
				return e
			}
		}
		return err
	})
	return res, err
}

// NoteStepResult is what a step of a note's thread did, or the thread's page when it was
// refused.
type NoteStepResult struct {
	Before reviewnote.Note // the note before the step
	Done   bool            // false when sent twice: the first took the step
	// Head and Note are the thread's page, when refused (a *reviewnote.Refused).
	Head Head
	Note reviewnote.Note
}

// StepNote takes a step of a note's thread (reviewnote.Step, audited there). Refused input
// gives a *reviewnote.Refused with the thread's page, in one transaction.
func StepNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, action string, in reviewnote.StepInput) (NoteStepResult, error) {
	var res NoteStepResult
	page := func(tx pgx.Tx) (err error) {
		res.Head, res.Note, err = notePageTx(ctx, tx, sc, in.NoteID)
		return err
	}
	if errs := in.Validate(action); errs.Any() {
		refused := &reviewnote.Refused{Errors: errs}
		err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
			if err := page(tx); err != nil {
				return err
			}
			return refused
		})
		return res, err
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		res.Before, res.Done, err = reviewnote.Step(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, action, in)
		var refused *reviewnote.Refused
		if errors.As(err, &refused) {
			if e := page(tx); e != nil {
				return e
			}
		}
		return err
	})
	return res, err
}
