package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/areaview"
)

// The local areas of a review: the list (staff), the search and add (lead), an area's page (any
// member; a local authority contact only their own) and removing an area (lead).

// areaSearchLimit is how many local authorities a search shows.
const areaSearchLimit = 50

// areasReview reads the review's title for the page, in the request's transaction.
func (s *Server) areasReview(r *http.Request, tx pgx.Tx) (areaview.Review, error) {
	a := actorFrom(r.Context())
	rv, err := review.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return areaview.Review{}, err
	}
	return areaview.Review{ID: rv.ID, Title: rv.Title}, nil
}

func (s *Server) areasList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := areaview.ListView{Today: area.Today(s.now()), Lead: a.Review.Role == auth.ReviewLead}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, err = s.areasReview(r, tx); err != nil {
			return err
		}
		v.Areas, err = area.List(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, areaview.List(s.page(r, "Areas"), v))
}

// areasSearchView fills the search page for a query; errs holds what is wrong with it so far.
func (s *Server) areasSearchView(r *http.Request, tx pgx.Tx, query string, searched bool, errs *form.Errors) (areaview.AddView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := areaview.AddView{Query: query, Searched: searched, Errors: errs}
	var err error
	if v.Review, err = s.areasReview(r, tx); err != nil {
		return v, err
	}
	if !searched || query == "" || errs.Has("q") {
		return v, nil
	}
	found, err := area.Search(ctx, tx, query, areaSearchLimit+1)
	if err != nil {
		return v, err
	}
	if len(found) > areaSearchLimit {
		found, v.Limited = found[:areaSearchLimit], true
	}
	have, err := area.List(ctx, tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return v, err
	}
	in := map[string]bool{}
	for _, h := range have {
		in[h.ONSCode] = true
	}
	for _, la := range found {
		v.Results = append(v.Results, areaview.Result{Authority: la, InReview: in[la.ONSCode]})
	}
	return v, nil
}

// areasQuery checks a search as typed.
func areasQuery(raw string, errs *form.Errors) string {
	q := area.NormaliseQuery(raw)
	switch {
	case q == "":
		errs.Add("q", "Enter the name or ONS code of a local authority")
	case utf8.RuneCountInString(q) > area.MaxQuery:
		errs.Add("q", "Search must be 100 characters or fewer")
	}
	return q
}

func (s *Server) areasSearch(w http.ResponseWriter, r *http.Request) error {
	raw, searched := r.URL.Query()["q"]
	errs := &form.Errors{}
	var query string
	if searched {
		query = areasQuery(raw[0], errs)
		if errs.Has("q") {
			query = strings.TrimSpace(raw[0])
		}
	}
	var v areaview.AddView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.areasSearchView(r, tx, query, searched, errs)
		return err
	})
	if err != nil {
		return err
	}
	p := s.page(r, "Add an area")
	if errs.Any() {
		p.HasError = true
		return s.invalid(w, r, areaview.Add(p, v))
	}
	return s.ok(w, r, areaview.Add(p, v))
}

// areasAddForm is the chosen local authority, with the search it was found by (to show again).
type areasAddForm struct {
	Code  string
	Query string
}

// Validate checks the form before the code is looked up. Field id: ons-code (the results).
func (f *areasAddForm) Validate() *form.Errors {
	errs := &form.Errors{}
	f.Code, f.Query = area.NormaliseCode(f.Code), area.NormaliseQuery(f.Query)
	if utf8.RuneCountInString(f.Query) > area.MaxQuery {
		f.Query = ""
	}
	switch {
	case f.Code == "":
		errs.Add("ons-code", "Choose a local authority to add from the search results")
	case len(f.Code) > 9:
		errs.Add("ons-code", "Choose a local authority from the search results")
	}
	return errs
}

// areasAdd adds the local authority chosen from the search results. A second, double-submitted
// add meets the unique key (tenant_id, review_id, ons_code) and is told the area is already there.
func (s *Server) areasAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	f := areasAddForm{Code: r.PostFormValue("ons_code"), Query: r.PostFormValue("q")}
	errs := f.Validate()
	var added area.Area
	var v areaview.AddView
	err := s.tx(r, func(tx pgx.Tx) error {
		if !errs.Any() {
			var err error
			added, err = area.Add(ctx, tx, a.TenantID, a.Review.ReviewID, f.Code)
			var dup *area.DuplicateError
			switch {
			case errors.Is(err, area.ErrUnknown):
				errs.Add("ons-code", "There is no English upper-tier local authority with the ONS code "+f.Code+". Choose one from the search results.")
			case errors.As(err, &dup):
				errs.Add("ons-code", dup.Error())
			case err != nil:
				return err
			default:
				return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
					Action: "review_area.added", ObjectType: "review_area", ObjectID: added.ID,
					After: map[string]string{"review": a.Review.ReviewID, "ons_code": added.ONSCode, "name": added.Name}})
			}
		}
		var err error
		v, err = s.areasSearchView(r, tx, f.Query, f.Query != "", errs)
		return err
	})
	if err != nil {
		return err
	}
	if errs.Any() {
		p := s.page(r, "Add an area")
		p.HasError = true
		return s.invalid(w, r, areaview.Add(p, v))
	}
	return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/areas", added.Name+" has been added to the review")
}

// areaParam reads {areaID}: a malformed id, or another area than a local authority contact's
// own, is not found.
func areaParam(r *http.Request) (string, error) {
	id := strings.ToLower(chi.URLParam(r, "areaID"))
	if !db.ValidUUID(id) || !actorFrom(r.Context()).Review.SeesArea(id) {
		return "", apperr.NotFound("")
	}
	return id, nil
}

// areaShowView reads what an area's page shows.
func (s *Server) areaShowView(r *http.Request, tx pgx.Tx, areaID string, errs *form.Errors) (areaview.ShowView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := areaview.ShowView{Today: area.Today(s.now()), Staff: a.Review.Role != auth.ReviewContact,
		Lead: a.Review.Role == auth.ReviewLead, Errors: errs}
	var err error
	if v.Review, err = s.areasReview(r, tx); err != nil {
		return v, err
	}
	if v.Area, err = area.Get(ctx, tx, a.TenantID, a.Review.ReviewID, areaID); err != nil {
		return v, err
	}
	return s.areaShowViewRest(r, tx, v)
}

// areaShowViewOf is areaShowView for an area already read.
func (s *Server) areaShowViewOf(r *http.Request, tx pgx.Tx, ar area.Area, errs *form.Errors) (areaview.ShowView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := areaview.ShowView{Today: area.Today(s.now()), Staff: a.Review.Role != auth.ReviewContact,
		Lead: a.Review.Role == auth.ReviewLead, Errors: errs, Area: ar}
	var err error
	if v.Review, err = s.areasReview(r, tx); err != nil {
		return v, err
	}
	return s.areaShowViewRest(r, tx, v)
}

func (s *Server) areaShowViewRest(r *http.Request, tx pgx.Tx, v areaview.ShowView) (areaview.ShowView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID := v.Area.ID
	var err error
	if v.Visits, err = area.Visits(ctx, tx, a.TenantID, a.Review.ReviewID, areaID); err != nil {
		return v, err
	}
	v.Contacts, err = area.Contacts(ctx, tx, a.TenantID, a.Review.ReviewID, areaID)
	return v, err
}

func (s *Server) areaShow(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var v areaview.ShowView
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.areaShowView(r, tx, id, &form.Errors{})
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, areaview.Show(s.page(r, v.Area.Name), v))
}

// areaRemove takes an area out of the review, unless visits or people hold it: then the area's
// page says which.
func (s *Server) areaRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var removed area.Area
	var v areaview.ShowView
	var viewErr error
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if removed, err = area.Remove(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
			var inUse *area.InUseError
			if errors.As(err, &inUse) {
				// The area's page again, read in this transaction (rolled back: nothing changed).
				errs := &form.Errors{}
				errs.Add("remove", inUse.Reason())
				v, viewErr = s.areaShowViewOf(r, tx, removed, errs)
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review_area.removed", ObjectType: "review_area", ObjectID: removed.ID,
			Before: map[string]string{"review": a.Review.ReviewID, "ons_code": removed.ONSCode, "name": removed.Name}})
	})
	var inUse *area.InUseError
	if errors.As(err, &inUse) {
		if viewErr != nil {
			return viewErr
		}
		p := s.page(r, v.Area.Name)
		p.HasError = true
		return s.invalid(w, r, areaview.Show(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/areas", removed.Name+" has been removed from the review")
}
