package practice

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/personal"
	"thematic/internal/review"
)

// The good-practice examples' commands and page queries: each opens its own transaction
// (db.InTx) for the scope it is given, checks and writes with its audit entry, and returns what
// the page needs.

// Audit is what the audit log keeps of an example.
func Audit(e Example) map[string]any {
	return map[string]any{"review_id": e.ReviewID, "action_area_id": e.ActionAreaID, "area_id": e.AreaID,
		"note_id": e.NoteID, "title": e.Title, "body": e.Body, "position": e.Position}
}

func validID(id string) error {
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	return nil
}

// ListData is the examples' page.
type ListData struct {
	Title      string
	Framework  review.Framework
	Filter     string // the action area the candidates are filtered by, when it is the review's
	Examples   []Example
	Names      []string // the review's local areas' names, for the examples' warnings
	Candidates []Candidate
	Photos     map[string][]Photo // the lead's chosen photos of the examples' notes, by note id
}

// ListPage reads the examples' page, with the candidate notes of action area filter (all when
// it is not one of the review's).
func ListPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, filter string) (ListData, error) {
	var d ListData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if d.Title, d.Framework, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		for _, g := range d.Framework.Groups {
			for _, aa := range g.Areas {
				if filter != "" && aa.ID == filter && aa.Title != "" {
					d.Filter = filter
				}
			}
		}
		if d.Examples, err = List(ctx, tx, sc.TenantID, sc.ReviewID, ""); err != nil {
			return err
		}
		if d.Names, err = AreaNames(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if d.Photos, err = ChosenPhotos(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		d.Candidates, err = Candidates(ctx, tx, sc.TenantID, sc.ReviewID, d.Filter)
		return err
	})
	return d, err
}

// FormData is what the example form shows besides what was typed: the review, the note (when
// written from one; a refused note leaves it out and says why in NoteError) and the local
// areas (without a note).
type FormData struct {
	Title     string
	Framework review.Framework
	Note      *Candidate
	NoteError string
	Areas     []Area
}

func formTx(ctx context.Context, tx pgx.Tx, sc db.Scope, noteID string, noteless bool) (FormData, error) {
	var fd FormData
	var err error
	if fd.Title, fd.Framework, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return fd, err
	}
	if noteID != "" {
		c, err := CandidateNote(ctx, tx, sc.TenantID, sc.ReviewID, noteID)
		var refused *Refused
		switch {
		case errors.As(err, &refused):
			fd.NoteError = refused.Errors.Get("note")
		case err != nil:
			return fd, err
		default:
			fd.Note = &c
		}
	}
	if noteless {
		fd.Areas, err = Areas(ctx, tx, sc.TenantID, sc.ReviewID)
	}
	return fd, err
}

// FormPage reads the form for a new example, written from note noteID or (noteID "") without.
func FormPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, noteID string) (FormData, error) {
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		fd, err = formTx(ctx, tx, sc, noteID, noteID == "")
		return err
	})
	return fd, err
}

// personalData checks an example for what looks like personal data (one statement, before the
// change, so that a refusal stays cheap) and answers what was found, for confirmed.
func personalData(ctx context.Context, tx pgx.Tx, sc db.Scope, in Input) ([]personal.Hit, error) {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	return CheckPersonalData(ctx, tx, sc.TenantID, sc.ReviewID, in)
}

// confirmed audits the writer's confirmation that what was found is not personal data.
func confirmed(ctx context.Context, tx pgx.Tx, sc db.Scope, id string, found []personal.Hit) error {
	if len(found) == 0 {
		return nil
	}
	var kinds []string
	for _, f := range found {
		if !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	return audit.Change(ctx, tx, sc, "example.personal_data_confirmed", "practice_example", id, nil, map[string]any{"personal_data_confirmed": kinds})
}

// Result is what saving the example form did: the example saved, or (refused or stale) the
// form to show again.
type Result struct {
	ID      string
	Current *Example  // the example as stored now (Change, refused or stale)
	Form    *FormData // with a *Refused or a *StaleError
}

// Add adds an example, audited (with the writer's confirmation that what looked like personal
// data is not). Refused, it comes with the form.
func Add(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in Input) (Result, error) {
	var res Result
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		found, err := personalData(ctx, tx, sc, in)
		if err != nil {
			return err
		}
		id, created, err := Create(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, in)
		res.ID = id
		if err != nil || !created {
			return err
		}
		e, err := Get(ctx, tx, sc.TenantID, sc.ReviewID, id)
		if err != nil {
			return err
		}
		if err := confirmed(ctx, tx, sc, id, found); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "example.created", "practice_example", id, nil, Audit(e))
	})
	var refused *Refused
	if errors.As(err, &refused) {
		fd, ferr := FormPage(ctx, pool, sc, in.NoteID)
		if ferr != nil {
			return res, ferr
		}
		res.Form = &fd
	}
	return res, err
}

// Shown is an example's page.
type Shown struct {
	Example   Example
	Title     string
	Framework review.Framework
	Names     []string
	Photos    []Photo // the lead's chosen photos of the example's note
}

// ShowPage reads example id's page.
func ShowPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (Shown, error) {
	if err := validID(id); err != nil {
		return Shown{}, err
	}
	var v Shown
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if v.Example, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return err
		}
		if v.Title, v.Framework, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if v.Names, err = AreaNames(ctx, tx, sc.TenantID, sc.ReviewID); err != nil || v.Example.NoteID == "" {
			return err
		}
		photos, err := ChosenPhotos(ctx, tx, sc.TenantID, sc.ReviewID)
		v.Photos = photos[v.Example.NoteID]
		return err
	})
	return v, err
}

// EditPage reads example id with its form.
func EditPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (Example, FormData, error) {
	if err := validID(id); err != nil {
		return Example{}, FormData{}, err
	}
	var e Example
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if e, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return err
		}
		fd, err = formTx(ctx, tx, sc, e.NoteID, e.NoteID == "")
		return err
	})
	return e, fd, err
}

// Change saves example id from the version the writer saw, audited. A refusal or a stale
// version comes with the form read in the same transaction (rolled back: nothing changed).
func Change(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, in Input) (Result, error) {
	if err := validID(id); err != nil {
		return Result{}, err
	}
	res := Result{ID: id}
	var viewErr error
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var before, after Example
		found, err := personalData(ctx, tx, sc, in)
		if err == nil {
			before, after, err = Update(ctx, tx, sc.TenantID, sc.ReviewID, id, in)
		}
		var refused *Refused
		var stale *StaleError
		switch {
		case errors.As(err, &stale):
			cur := stale.Current
			res.Current = &cur
			fd, e := formTx(ctx, tx, sc, cur.NoteID, cur.NoteID == "")
			res.Form, viewErr = &fd, e
		case errors.As(err, &refused):
			cur, e := Get(ctx, tx, sc.TenantID, sc.ReviewID, id)
			if viewErr = e; e == nil {
				res.Current = &cur
				fd, e := formTx(ctx, tx, sc, cur.NoteID, cur.NoteID == "")
				res.Form, viewErr = &fd, e
			}
		}
		if err != nil {
			return err
		}
		if err := confirmed(ctx, tx, sc, id, found); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "example.updated", "practice_example", id, Audit(before), Audit(after))
	})
	if viewErr != nil {
		return res, viewErr
	}
	return res, err
}

// Remove deletes example id from the version the writer saw, audited; unless confirmed it only
// reads the question's page (the example and the review's title).
func Remove(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, version int, confirm bool) (Example, string, error) {
	if err := validID(id); err != nil {
		return Example{}, "", err
	}
	var e Example
	var title string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if !confirm {
			if e, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
				return err
			}
			title, _, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
			return err
		}
		if e, err = Delete(ctx, tx, sc.TenantID, sc.ReviewID, id, version); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "example.deleted", "practice_example", id, Audit(e), nil)
	})
	return e, title, err
}

// Reorder moves example id up or down its action area, audited when it moved.
func Reorder(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, up bool) (from, to int, err error) {
	if err := validID(id); err != nil {
		return 0, 0, err
	}
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if from, to, err = Move(ctx, tx, sc.TenantID, sc.ReviewID, id, up); err != nil || from == to {
			return err
		}
		return audit.Change(ctx, tx, sc, "example.moved", "practice_example", id, map[string]int{"place": from}, map[string]int{"place": to})
	})
	return from, to, err
}
