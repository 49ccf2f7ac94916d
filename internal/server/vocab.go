package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/vocabview"
)

// A review's vocabularies (its lists): its staff read them; its lead adds, renames, moves, merges
// and removes values. The review package checks and audits every change.

// vocabKind reads {kind}; an unknown list answers 404.
func vocabKind(r *http.Request) (review.VocabKind, error) {
	k := review.VocabKind(chi.URLParam(r, "kind"))
	if !k.Valid() {
		return "", apperr.NotFound("")
	}
	return k, nil
}

// vocabTermParams reads {kind} and {termID}.
func vocabTermParams(r *http.Request) (review.VocabKind, string, error) {
	k, err := vocabKind(r)
	if err != nil {
		return "", "", err
	}
	id := chi.URLParam(r, "termID")
	if !db.ValidUUID(id) {
		return "", "", apperr.NotFound("")
	}
	return k, id, nil
}

// vocabVersion reads the hidden version of a value's forms.
func vocabVersion(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || n < 1 {
		return 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return n, nil
}

// vocabListsView maps the lists page into its view.
func vocabListsView(r *http.Request, pg review.ListsPage, v *vocabview.ListsView) {
	a := actorFrom(r.Context())
	v.ReviewID, v.Lead = a.Review.ReviewID, a.Review.Role == auth.ReviewLead
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.ReviewTitle, v.Lists = pg.ReviewTitle, pg.Lists
}

func (s *Server) vocabListsPage(w http.ResponseWriter, r *http.Request, v vocabview.ListsView) error {
	p := s.rvPage(r, "Lists – "+v.ReviewTitle)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, vocabview.Lists(p, v))
	}
	return s.ok(w, r, vocabview.Lists(p, v))
}

func (s *Server) vocabLists(w http.ResponseWriter, r *http.Request) error {
	pg, err := review.LoadListsPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	var v vocabview.ListsView
	vocabListsView(r, pg, &v)
	return s.vocabListsPage(w, r, v)
}

func (s *Server) vocabAdd(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	k, err := vocabKind(r)
	if err != nil {
		return err
	}
	typed, needsRole := r.PostFormValue("name"), r.PostFormValue("needs_role") == "yes"
	t, pg, err := review.AddListValue(r.Context(), s.pool, scopeOf(r), k, typed, needsRole)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := vocabview.ListsView{AddKind: k, AddName: typed, AddNeedsRole: needsRole, Errors: &form.Errors{}}
		v.Errors.Add(vocabview.AddField(k), refused.Errors.Get("name"))
		vocabListsView(r, pg, &v)
		return s.vocabListsPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "“"+t.Name+"” added to "+lowerFirst(k.Title()))
}

// vocabTermView maps a value's page into its view.
func vocabTermView(r *http.Request, k review.VocabKind, pg review.TermPage, v *vocabview.TermView) {
	v.ReviewID, v.Kind = actorFrom(r.Context()).Review.ReviewID, k
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.ReviewTitle, v.Term, v.Others = pg.ReviewTitle, pg.Term, pg.Others
}

func (s *Server) vocabTermPage(w http.ResponseWriter, r *http.Request, v vocabview.TermView) error {
	p := s.rvPage(r, v.Term.Name+" – "+v.Kind.Title())
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, vocabview.Term(p, v))
	}
	return s.ok(w, r, vocabview.Term(p, v))
}

func (s *Server) vocabTerm(w http.ResponseWriter, r *http.Request) error {
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	pg, err := review.LoadTermPage(r.Context(), s.pool, scopeOf(r), k, id)
	if err != nil {
		return err
	}
	var v vocabview.TermView
	vocabTermView(r, k, pg, &v)
	v.Name, v.NeedsRole, v.Version = v.Term.Name, v.Term.NeedsRole, v.Term.Version
	return s.vocabTermPage(w, r, v)
}

func (s *Server) vocabUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	v := vocabview.TermView{Name: r.PostFormValue("name"), NeedsRole: r.PostFormValue("needs_role") == "yes", Version: version}
	c, err := review.ChangeListValue(r.Context(), s.pool, scopeOf(r), k, id, version, v.Name, v.NeedsRole)
	var refused *form.Refused
	if errors.As(err, &refused) {
		// The value's page again, with the errors of the refused change and what was typed.
		v.Errors = refused.Errors
		vocabTermView(r, k, c.Page, &v)
		return s.vocabTermPage(w, r, v)
	}
	if err != nil {
		return err
	}
	msg := "“" + c.After.Name + "” saved"
	if c.Before.Name != c.After.Name {
		msg = "“" + c.Before.Name + "” renamed to “" + c.After.Name + "”"
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), msg)
}

func (s *Server) vocabMove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	if err := review.MoveListValue(r.Context(), s.pool, scopeOf(r), k, id, up); err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "")
}

func (s *Server) vocabMerge(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	v := vocabview.TermView{Into: r.PostFormValue("into"), Version: version}
	c, err := review.MergeListValue(r.Context(), s.pool, scopeOf(r), k, id, version, v.Into)
	var refused *form.Refused
	if errors.As(err, &refused) {
		vocabTermView(r, k, c.Page, &v)
		v.Name, v.NeedsRole, v.Errors = v.Term.Name, v.Term.NeedsRole, refused.Errors
		return s.vocabTermPage(w, r, v)
	}
	if err != nil {
		return err
	}
	from, into := c.Before, c.After
	msg := "“" + from.Name + "” merged into “" + into.Name + "”"
	if c.Moved > 0 {
		msg += ": " + mergedCount(k, c.Moved) + " now use “" + into.Name + "”"
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), msg)
}

func mergedCount(k review.VocabKind, n int) string {
	one, many := "person", "people"
	switch k {
	case review.VocabSources, review.VocabRoles:
		one, many = "note", "notes"
	case review.VocabAddressees:
		one, many = "recommendation", "recommendations"
	}
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (s *Server) vocabDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	c, err := review.RemoveListValue(r.Context(), s.pool, scopeOf(r), k, id, version)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := vocabview.TermView{Version: version, Errors: refused.Errors}
		vocabTermView(r, k, c.Page, &v)
		v.Name, v.NeedsRole = v.Term.Name, v.Term.NeedsRole
		return s.vocabTermPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "“"+c.Before.Name+"” removed from "+lowerFirst(k.Title()))
}

// lowerFirst lowers a heading's first letter for running text ("Team roles" → "team roles").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
