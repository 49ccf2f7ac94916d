package evidence

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/visit"
)

// The commands and page queries of safeguarding concerns and of the evidence lock: each opens its
// own transaction (db.InTx) for the scope sc, with acc the actor's place in the review (a lead, or
// the concern's author), and writes its own audit entries through RecordAction, CloseConcern and
// SetLock, which stay for code that composes them in one transaction.

// ConcernsList is the leads' list of a review's concerns.
type ConcernsList struct {
	Review   visit.ReviewInfo
	Concerns []Concern
}

// ConcernsPage reads the review's concerns (sc.ReviewID), for its leads only.
func ConcernsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess) (ConcernsList, error) {
	var l ConcernsList
	if !leads(acc) {
		return l, apperr.Forbidden("Only the review’s leads can see its safeguarding concerns")
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if l.Review, err = visit.GetReview(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		l.Concerns, err = Concerns(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return l, err
}

// ConcernDone is the outcome of RecordConcernAction and CloseConcernNote: the concern's note, or
// with a *Refused error the note's page to show again with the form's errors (Page), read in the
// same transaction.
type ConcernDone struct {
	NoteID string
	Page   NoteView
}

// concernNote reads a note that is a concern the actor may see, in tx.
func concernNote(ctx context.Context, tx pgx.Tx, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Note, error) {
	n, err := Load(ctx, tx, sc, acc, noteID, true)
	if err != nil {
		return n, err
	}
	if !n.Safeguarding {
		return Note{}, notFound()
	}
	return n, nil
}

// concernRefused reads the note's page for a refused form (nothing is written) and answers the
// refusal with it.
func concernRefused(ctx context.Context, tx pgx.Tx, sc db.Scope, acc *auth.ReviewAccess, noteID string, errs *form.Errors, out *ConcernDone) error {
	var err error
	if out.Page, err = LoadPage(ctx, tx, sc, acc, noteID); err != nil {
		return err
	}
	out.NoteID = out.Page.Note.ID
	return &Refused{Errors: errs}
}

// RecordConcernAction records an action taken on a concern, by its author or one of the review's
// leads (acc); the same idempotency key again records nothing more. An action missing or too long
// answers *Refused with the note's page.
func RecordConcernAction(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string, in ActionInput) (ConcernDone, error) {
	var out ConcernDone
	check := in // Validate tidies what it checks; RecordAction checks it again
	errs := check.Validate()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		n, err := concernNote(ctx, tx, sc, acc, noteID)
		if err != nil {
			return err
		}
		if n.AuthorID != sc.UserID && !leads(acc) {
			return apperr.Forbidden("Only the note’s author and the review’s leads can record actions on a safeguarding concern")
		}
		if errs.Any() {
			return concernRefused(ctx, tx, sc, acc, n.ID, errs, &out)
		}
		out.NoteID = n.ID
		_, err = RecordAction(ctx, tx, sc.TenantID, sc.ReviewID, n.ID, sc.UserID, in)
		return err
	})
	return out, err
}

// validateClosing checks a lead's closing note. Field id: closing.
func validateClosing(closing string) *form.Errors {
	errs := &form.Errors{}
	switch {
	case closing == "":
		errs.Add("closing", "Enter why the concern can be closed")
	case utf8.RuneCountInString(closing) > MaxAction:
		errs.Add("closing", "The closing note must be 5,000 characters or fewer")
	}
	return errs
}

// CloseConcernNote closes a concern with a closing note, by one of the review's leads (acc);
// closing it again changes nothing. A closing note missing or too long answers *Refused with the
// note's page.
func CloseConcernNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID, closing string) (ConcernDone, error) {
	var out ConcernDone
	errs := validateClosing(strings.TrimSpace(closing))
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		n, err := concernNote(ctx, tx, sc, acc, noteID)
		if err != nil {
			return err
		}
		if !leads(acc) {
			return apperr.Forbidden("Only the review’s leads can close a safeguarding concern")
		}
		if errs.Any() {
			return concernRefused(ctx, tx, sc, acc, n.ID, errs, &out)
		}
		out.NoteID = n.ID
		_, err = CloseConcern(ctx, tx, sc.TenantID, sc.ReviewID, n.ID, sc.UserID, closing)
		return err
	})
	return out, err
}

// LockState is the page of a review's evidence lock.
type LockState struct {
	Review visit.ReviewInfo
	Lock   Lock
}

func loadLockState(ctx context.Context, tx pgx.Tx, sc db.Scope) (LockState, error) {
	var l LockState
	var err error
	if l.Review, err = visit.GetReview(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return l, err
	}
	l.Lock, err = GetLock(ctx, tx, sc.TenantID, sc.ReviewID)
	return l, err
}

// LockPage reads the page of the review's evidence lock (sc.ReviewID).
func LockPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (LockState, error) {
	var l LockState
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		l, err = loadLockState(ctx, tx, sc)
		return err
	})
	return l, err
}

// ChangeLock locks (lock true) or unlocks the review's evidence, by one of its leads (acc). A
// review at a stage that does not allow it answers *form.Refused (field lock) with the page's
// data, read in the same transaction (nothing is written).
func ChangeLock(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, lock bool) (LockState, error) {
	var l LockState
	if !leads(acc) {
		return l, apperr.Forbidden("Only the review’s leads can lock or unlock its evidence")
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		_, err := SetLock(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, lock)
		if apperr.Is(err, apperr.CodeInvalid) {
			// Read what the page needs in this transaction (rolled back: nothing changed).
			var rerr error
			if l, rerr = loadLockState(ctx, tx, sc); rerr != nil {
				return rerr
			}
		}
		return err
	})
	if apperr.Is(err, apperr.CodeInvalid) {
		return l, form.Refuse("lock", apperr.MessageOf(err))
	}
	return l, err
}
