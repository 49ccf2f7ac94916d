package area

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// The commands and page queries of a review's areas: each opens its own transaction (db.InTx) for
// the scope sc (sc.ReviewID the review) and writes its own audit entries.

// SearchLimit is how many local authorities a search shows.
const SearchLimit = 50

// ListPage reads the review and its areas.
func ListPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (review.Review, []Area, error) {
	var rv review.Review
	var areas []Area
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if rv, err = review.Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		areas, err = List(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return rv, areas, err
}

// CheckQuery checks a search as typed: it answers the search to run and, on errs, what is wrong.
func CheckQuery(raw string, errs *form.Errors) string {
	q := NormaliseQuery(raw)
	switch {
	case q == "":
		errs.Add("q", "Enter the name or ONS code of a local authority")
	case utf8.RuneCountInString(q) > MaxQuery:
		errs.Add("q", "Search must be 100 characters or fewer")
	}
	return q
}

// Result is a local authority found by a search, and whether the review has it already.
type Result struct {
	Authority LocalAuthority
	InReview  bool
}

// Found is the page of the search for areas to add: the review and what a search found (Limited:
// more than SearchLimit).
type Found struct {
	Review  review.Review
	Results []Result
	Limited bool
}

// search reads the search page in tx; a search not made, empty or with errors on q finds nothing.
func search(ctx context.Context, tx pgx.Tx, sc db.Scope, query string, searched bool, errs *form.Errors) (Found, error) {
	var f Found
	var err error
	if f.Review, err = review.Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return f, err
	}
	if !searched || query == "" || errs.Has("q") {
		return f, nil
	}
	found, err := Search(ctx, tx, query, SearchLimit+1)
	if err != nil {
		return f, err
	}
	if len(found) > SearchLimit {
		found, f.Limited = found[:SearchLimit], true
	}
	have, err := List(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return f, err
	}
	in := map[string]bool{}
	for _, h := range have {
		in[h.ONSCode] = true
	}
	for _, la := range found {
		f.Results = append(f.Results, Result{Authority: la, InReview: in[la.ONSCode]})
	}
	return f, nil
}

// SearchPage reads the search page for query (checked by CheckQuery into errs).
func SearchPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, query string, searched bool, errs *form.Errors) (Found, error) {
	var f Found
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		f, err = search(ctx, tx, sc, query, searched, errs)
		return err
	})
	return f, err
}

// AddInput is the local authority chosen from the search results, with the search it was found by
// (to show again).
type AddInput struct {
	Code  string
	Query string
}

// Validate tidies and checks the form before the code is looked up. Field id: ons-code (the
// results).
func (in *AddInput) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Code, in.Query = NormaliseCode(in.Code), NormaliseQuery(in.Query)
	if utf8.RuneCountInString(in.Query) > MaxQuery {
		in.Query = ""
	}
	switch {
	case in.Code == "":
		errs.Add("ons-code", "Choose a local authority to add from the search results")
	case len(in.Code) > 9:
		errs.Add("ons-code", "Choose a local authority from the search results")
	}
	return errs
}

// AddToReview adds the local authority chosen to the review and records it. A code refused (not
// chosen, unknown, or already in the review: a double-submitted add) answers *form.Refused with
// the search page again, read in the same transaction.
func AddToReview(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in AddInput) (Area, Found, error) {
	errs := in.Validate()
	var added Area
	var f Found
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if !errs.Any() {
			var err error
			added, err = Add(ctx, tx, sc.TenantID, sc.ReviewID, in.Code)
			var dup *DuplicateError
			switch {
			case errors.Is(err, ErrUnknown):
				errs.Add("ons-code", "There is no English upper-tier local authority with the ONS code "+in.Code+". Choose one from the search results.")
			case errors.As(err, &dup):
				errs.Add("ons-code", dup.Error())
			case err != nil:
				return err
			default:
				return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
					Action: "review_area.added", ObjectType: "review_area", ObjectID: added.ID,
					After: map[string]string{"review": sc.ReviewID, "ons_code": added.ONSCode, "name": added.Name}})
			}
		}
		var err error
		f, err = search(ctx, tx, sc, in.Query, in.Query != "", errs)
		return err
	})
	if err == nil && errs.Any() {
		err = &form.Refused{Errors: errs}
	}
	return added, f, err
}

// Page is an area's page: the review, the area, its visits and its contacts.
type Page struct {
	Review   review.Review
	Area     Area
	Visits   []Visit
	Contacts []Contact
}

func pageOf(ctx context.Context, tx pgx.Tx, sc db.Scope, a Area) (Page, error) {
	rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return Page{Area: a}, err
	}
	return pageRest(ctx, tx, sc, Page{Review: rv, Area: a})
}

// pageRest reads the visits and contacts of p.Area.
func pageRest(ctx context.Context, tx pgx.Tx, sc db.Scope, p Page) (Page, error) {
	var err error
	if p.Visits, err = Visits(ctx, tx, sc.TenantID, sc.ReviewID, p.Area.ID); err != nil {
		return p, err
	}
	p.Contacts, err = Contacts(ctx, tx, sc.TenantID, sc.ReviewID, p.Area.ID)
	return p, err
}

// ShowPage reads an area's page.
func ShowPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if p.Review, err = review.Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if p.Area, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return err
		}
		p, err = pageRest(ctx, tx, sc, p)
		return err
	})
	return p, err
}

// RemoveFromReview takes an area out of the review and records it, unless visits or people hold
// it: then it answers *InUseError with the area's page, read in the same transaction (rolled
// back: nothing changed).
func RemoveFromReview(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Area, Page, error) {
	var removed Area
	var p Page
	var pageErr error
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if removed, err = Remove(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			var inUse *InUseError
			if errors.As(err, &inUse) {
				p, pageErr = pageOf(ctx, tx, sc, removed)
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review_area.removed", ObjectType: "review_area", ObjectID: removed.ID,
			Before: map[string]string{"review": sc.ReviewID, "ons_code": removed.ONSCode, "name": removed.Name}})
	})
	var inUse *InUseError
	if errors.As(err, &inUse) && pageErr != nil {
		return removed, p, pageErr
	}
	return removed, p, err
}
