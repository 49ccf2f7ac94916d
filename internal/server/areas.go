package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/areaview"
)

// The local areas of a review: the list (staff), the search and add (lead), an area's page (any
// member; a local authority contact only their own) and removing an area (lead).

func areasReviewOf(rv review.Review) areaview.Review {
	return areaview.Review{ID: rv.ID, Title: rv.Title}
}

func (s *Server) areasList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	rv, areas, err := area.ListPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := areaview.ListView{Today: area.Today(s.now()), Lead: a.Review.Role == auth.ReviewLead, Review: areasReviewOf(rv), Areas: areas,
		Pseudonyms: rv.AreaPseudonyms}
	return s.ok(w, r, areaview.List(s.page(r, "Areas"), v))
}

// areasPseudonyms turns the review's pseudonymous area labels on or off.
func (s *Server) areasPseudonyms(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("pseudonyms") == "on"
	if v := r.PostFormValue("pseudonyms"); v != "on" && v != "off" {
		return apperr.Invalid("Choose whether to show the areas’ names")
	}
	changed, err := area.SetPseudonyms(r.Context(), s.pool, scopeOf(r), on)
	if err != nil {
		return err
	}
	msg := "The evidence base, coverage and synthesis show the areas’ names"
	if on {
		msg = "The evidence base, coverage and synthesis show the areas as Area A, Area B…"
	}
	if !changed {
		msg = "Nothing changed: " + strings.ToLower(msg[:1]) + msg[1:]
	}
	return s.redirect(w, r, "/reviews/"+actorFrom(r.Context()).Review.ReviewID+"/areas#labels", msg)
}

// areasPseudonymsReveal shows the lead which area each label stands for; each look is audited,
// so it answers a POST and is never kept in the browser's history as a link.
func (s *Server) areasPseudonymsReveal(w http.ResponseWriter, r *http.Request) error {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len([]rune(reason)) > 500 {
		reason = string([]rune(reason)[:500])
	}
	title, shown, err := area.RevealPseudonyms(r.Context(), s.pool, scopeOf(r), reason)
	if err != nil {
		return err
	}
	v := areaview.PseudonymsView{Review: areaview.Review{ID: actorFrom(r.Context()).Review.ReviewID, Title: title}, Shown: shown}
	w.Header().Set("Cache-Control", "no-store")
	return s.ok(w, r, areaview.Pseudonyms(s.page(r, "Which area is which"), v))
}

// areasAddView is the search page for a query; errs holds what is wrong with it so far.
func areasAddView(f area.Found, query string, searched bool, errs *form.Errors) areaview.AddView {
	v := areaview.AddView{Query: query, Searched: searched, Errors: errs, Review: areasReviewOf(f.Review), Limited: f.Limited}
	for _, x := range f.Results {
		v.Results = append(v.Results, areaview.Result{Authority: x.Authority, InReview: x.InReview})
	}
	return v
}

func (s *Server) areasSearch(w http.ResponseWriter, r *http.Request) error {
	raw, searched := r.URL.Query()["q"]
	errs := &form.Errors{}
	var query string
	if searched {
		query = area.CheckQuery(raw[0], errs)
		if errs.Has("q") {
			query = strings.TrimSpace(raw[0])
		}
	}
	f, err := area.SearchPage(r.Context(), s.pool, scopeOf(r), query, searched, errs)
	if err != nil {
		return err
	}
	v := areasAddView(f, query, searched, errs)
	p := s.page(r, "Add an area")
	if errs.Any() {
		p.HasError = true
		return s.invalid(w, r, areaview.Add(p, v))
	}
	return s.ok(w, r, areaview.Add(p, v))
}

// areasAdd adds the local authority chosen from the search results. A second, double-submitted
// add meets the unique key (tenant_id, review_id, ons_code) and is told the area is already there.
func (s *Server) areasAdd(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := area.AddInput{Code: r.PostFormValue("ons_code"), Query: r.PostFormValue("q")}
	added, f, err := area.AddToReview(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		in.Validate() // the search as the command ran it
		p := s.page(r, "Add an area")
		p.HasError = true
		return s.invalid(w, r, areaview.Add(p, areasAddView(f, in.Query, in.Query != "", refused.Errors)))
	}
	if err != nil {
		return err
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

// areaShowView is what an area's page shows.
func (s *Server) areaShowView(r *http.Request, pg area.Page, errs *form.Errors) areaview.ShowView {
	a := actorFrom(r.Context())
	return areaview.ShowView{Today: area.Today(s.now()), Staff: a.Review.Role != auth.ReviewContact,
		Lead: a.Review.Role == auth.ReviewLead, Errors: errs, Review: areasReviewOf(pg.Review), Area: pg.Area,
		Visits: pg.Visits, Contacts: pg.Contacts}
}

func (s *Server) areaShow(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	pg, err := area.ShowPage(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	v := s.areaShowView(r, pg, &form.Errors{})
	return s.ok(w, r, areaview.Show(s.page(r, v.Area.Name), v))
}

// areaRemove takes an area out of the review, unless visits or people hold it: then the area's
// page says which.
func (s *Server) areaRemove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	removed, pg, err := area.RemoveFromReview(r.Context(), s.pool, scopeOf(r), id)
	var inUse *area.InUseError
	if errors.As(err, &inUse) {
		errs := &form.Errors{}
		errs.Add("remove", inUse.Reason())
		v := s.areaShowView(r, pg, errs)
		p := s.page(r, v.Area.Name)
		p.HasError = true
		return s.invalid(w, r, areaview.Show(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/areas", removed.Name+" has been removed from the review")
}
