package recommendation

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/review"
)

// The recommendations' commands and page queries: each opens its own transaction (db.InTx) for
// the scope it is given, checks and writes with its audit entry, and returns what the page needs.

// Audit is what the audit log keeps of a recommendation.
func Audit(rec Recommendation) map[string]any {
	return map[string]any{"review_id": rec.ReviewID, "number": rec.Number, "body": rec.Body, "addressee": rec.Addressee,
		"finding_ids": rec.FindingIDs}
}

func validID(id string) error {
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	return nil
}

// Page is the recommendations' page: the review's findings (for the references) and its
// recommendations in order.
type Page struct {
	Title     string
	Framework review.Framework
	Findings  []finding.Finding
	Recs      []Recommendation
}

// ListPage reads the recommendations' page.
func ListPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if p.Title, p.Framework, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if p.Findings, err = finding.List(ctx, tx, sc.TenantID, sc.ReviewID, ""); err != nil {
			return err
		}
		p.Recs, err = List(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return p, err
}

// FormData is what the recommendation form shows besides what was typed.
type FormData struct {
	Title      string
	Framework  review.Framework
	Addressees []string
	Findings   []finding.Finding
}

func formTx(ctx context.Context, tx pgx.Tx, sc db.Scope) (FormData, error) {
	var fd FormData
	var err error
	if fd.Title, fd.Framework, fd.Addressees, err = review.LoadFrameworkTitledAddressees(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return fd, err
	}
	fd.Findings, err = finding.List(ctx, tx, sc.TenantID, sc.ReviewID, "")
	return fd, err
}

// FormPage reads the form for a new recommendation.
func FormPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (FormData, error) {
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		fd, err = formTx(ctx, tx, sc)
		return err
	})
	return fd, err
}

// EditPage reads recommendation id with its form.
func EditPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (Recommendation, FormData, error) {
	if err := validID(id); err != nil {
		return Recommendation{}, FormData{}, err
	}
	var rec Recommendation
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if rec, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return err
		}
		fd, err = formTx(ctx, tx, sc)
		return err
	})
	return rec, fd, err
}

// typedAddressee puts an addressee typed under "Someone else" in the list's spelling: it joins
// the list, or is matched to a value the list has. (One chosen from the list is spelled with the
// command's checks: checked.spell.)
func typedAddressee(ctx context.Context, tx pgx.Tx, sc db.Scope, in *Input) (listed bool, err error) {
	if strings.TrimSpace(in.Addressee) == "" || utf8.RuneCountInString(in.Addressee) > 200 {
		return false, nil // the recommendation's own checks refuse it
	}
	name, err := review.EnsureTerm(ctx, tx, sc, review.VocabAddressees, in.Addressee)
	in.Addressee = name
	return true, err
}

// Result is what saving the form did: the recommendation saved, or (refused or stale) the form
// to show again.
type Result struct {
	ID      string
	After   Recommendation // the recommendation saved (Change)
	Number  int            // the recommendation's number (Change, refused)
	Current *Recommendation
	Form    *FormData // with a *Refused or a *StaleError
}

// Add adds a recommendation, audited; other says the addressee was typed under "Someone else"
// (it joins the list). A chosen addressee is spelled as the list has it, read with the checks.
func Add(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in Input, other bool) (Result, error) {
	var res Result
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		// listed: a typed addressee may have joined the list (undone if the change is refused).
		listed := false
		if other {
			var err error
			if listed, err = typedAddressee(ctx, tx, sc, &in); err != nil {
				return err
			}
		}
		var err error
		res.ID, _, err = createAudited(ctx, tx, sc, in, !other, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID,
			ActorEmail: sc.Email, Action: "recommendation.created", ObjectType: "recommendation"})
		var refused *Refused
		if errors.As(err, &refused) && !listed {
			// Refused before anything was written: the form's lists are read in this transaction.
			fd, ferr := formTx(ctx, tx, sc)
			if ferr != nil {
				return ferr
			}
			res.Form = &fd
		}
		return err
	})
	var refused *Refused
	if errors.As(err, &refused) && res.Form == nil {
		// A typed addressee may have joined the list before the refusal: the form is read once
		// that is rolled back.
		fd, ferr := FormPage(ctx, pool, sc)
		if ferr != nil {
			return res, ferr
		}
		res.Form = &fd
	}
	return res, err
}

// Change saves recommendation id from the version the lead saw, audited. A refusal or a stale
// version comes with the form read in the same transaction (rolled back: nothing changed).
func Change(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, in Input, other bool) (Result, error) {
	if err := validID(id); err != nil {
		return Result{}, err
	}
	res := Result{ID: id}
	var viewErr error
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		var before Recommendation
		if other {
			_, err = typedAddressee(ctx, tx, sc, &in)
		}
		if err == nil {
			before, res.After, err = updateAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, in, !other, func(before, after Recommendation) audit.Event {
				return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "recommendation.updated",
					ObjectType: "recommendation", ObjectID: id, Before: Audit(before)}
			})
		}
		var refused *Refused
		var stale *StaleError
		switch {
		case errors.As(err, &stale):
			cur := stale.Current
			res.Current, res.Number = &cur, cur.Number
			fd, e := formTx(ctx, tx, sc)
			res.Form, viewErr = &fd, e
		case errors.As(err, &refused):
			cur, e := before, error(nil)
			if cur.ID == "" { // refused before it was read
				cur, e = Get(ctx, tx, sc.TenantID, sc.ReviewID, id)
			}
			res.Number = cur.Number
			if viewErr = e; e == nil {
				fd, e := formTx(ctx, tx, sc)
				res.Form, viewErr = &fd, e
			}
		}
		return err
	})
	if viewErr != nil {
		return res, viewErr
	}
	return res, err
}

// Remove deletes recommendation id from the version the lead saw, audited; unless confirmed it
// only reads the question's page (the recommendation and the review's title).
func Remove(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, version int, confirmed bool) (Recommendation, string, error) {
	if err := validID(id); err != nil {
		return Recommendation{}, "", err
	}
	var rec Recommendation
	var title string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if !confirmed {
			if rec, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
				return err
			}
			rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
			title = rv.Title
			return err
		}
		rec, err = deleteAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, version, func(before Recommendation) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "recommendation.deleted",
				ObjectType: "recommendation", ObjectID: id, Before: Audit(before)}
		})
		return err
	})
	return rec, title, err
}

// Reorder moves recommendation id up or down the list, audited when it moved.
func Reorder(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, up bool) (from, to int, err error) {
	if err := validID(id); err != nil {
		return 0, 0, err
	}
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		from, to, err = moveAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, up, func(from, to int) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "recommendation.moved",
				ObjectType: "recommendation", ObjectID: id, Before: map[string]int{"number": from}, After: map[string]int{"number": to}}
		})
		return err
	})
	return from, to, err
}
