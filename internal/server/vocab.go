package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

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

func (s *Server) vocabListsView(r *http.Request, tx pgx.Tx, v *vocabview.ListsView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v.ReviewID, v.Lead = a.Review.ReviewID, a.Review.Role == auth.ReviewLead
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	return tx.QueryRow(ctx, `SELECT r.title, `+review.ListsCols()+` FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		a.TenantID, a.Review.ReviewID).Scan(append([]any{&v.ReviewTitle}, v.Lists.Dest()...)...)
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
	var v vocabview.ListsView
	if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabListsView(r, tx, &v) }); err != nil {
		return err
	}
	return s.vocabListsPage(w, r, v)
}

func (s *Server) vocabAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	k, err := vocabKind(r)
	if err != nil {
		return err
	}
	typed, needsRole := r.PostFormValue("name"), r.PostFormValue("needs_role") == "yes"
	var t review.Term
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		t, err = review.AddTerm(ctx, tx, scopeOf(r), k, typed, needsRole)
		return err
	})
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := vocabview.ListsView{AddKind: k, AddName: typed, AddNeedsRole: needsRole, Errors: &form.Errors{}}
		v.Errors.Add(vocabview.AddField(k), refused.Errors.Get("name"))
		if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabListsView(r, tx, &v) }); err != nil {
			return err
		}
		return s.vocabListsPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "“"+t.Name+"” added to "+lowerFirst(k.Title()))
}

// vocabTermView reads a value and what its page offers.
func (s *Server) vocabTermView(r *http.Request, tx pgx.Tx, k review.VocabKind, id string, v *vocabview.TermView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v.ReviewID, v.Kind = a.Review.ReviewID, k
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	var terms []review.Term
	err := tx.QueryRow(ctx, `SELECT r.title, `+review.TermsCol(k)+` FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		a.TenantID, a.Review.ReviewID).Scan(&v.ReviewTitle, &terms)
	if err != nil {
		return err
	}
	found := false
	for _, t := range terms {
		if t.ID == id {
			v.Term, found = t, true
		} else {
			v.Others = append(v.Others, t)
		}
	}
	if !found {
		return apperr.NotFound("That %s is not in this review’s list", k.One())
	}
	return nil
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
	var v vocabview.TermView
	if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabTermView(r, tx, k, id, &v) }); err != nil {
		return err
	}
	v.Name, v.NeedsRole, v.Version = v.Term.Name, v.Term.NeedsRole, v.Term.Version
	return s.vocabTermPage(w, r, v)
}

// vocabRefused shows a value's page again with the errors of a refused change and what was typed.
func (s *Server) vocabRefused(w http.ResponseWriter, r *http.Request, k review.VocabKind, id string, v vocabview.TermView, refused *form.Refused) error {
	v.Errors = refused.Errors
	if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabTermView(r, tx, k, id, &v) }); err != nil {
		return err
	}
	return s.vocabTermPage(w, r, v)
}

func (s *Server) vocabUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	v := vocabview.TermView{Name: r.PostFormValue("name"), NeedsRole: r.PostFormValue("needs_role") == "yes", Version: version}
	var before, after review.Term
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		before, after, err = review.UpdateTerm(ctx, tx, scopeOf(r), k, id, version, v.Name, v.NeedsRole)
		return err
	})
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.vocabRefused(w, r, k, id, v, refused)
	}
	if err != nil {
		return err
	}
	msg := "“" + after.Name + "” saved"
	if before.Name != after.Name {
		msg = "“" + before.Name + "” renamed to “" + after.Name + "”"
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), msg)
}

func (s *Server) vocabMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	if err := s.tx(r, func(tx pgx.Tx) error { return review.MoveTerm(ctx, tx, scopeOf(r), k, id, up) }); err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "")
}

func (s *Server) vocabMerge(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	v := vocabview.TermView{Into: r.PostFormValue("into"), Version: version}
	var from, into review.Term
	var moved int
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		from, into, moved, err = review.MergeTerm(ctx, tx, scopeOf(r), k, id, version, v.Into)
		return err
	})
	var refused *form.Refused
	if errors.As(err, &refused) {
		v.Name, v.NeedsRole = "", false
		rv := v
		if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabTermView(r, tx, k, id, &rv) }); err != nil {
			return err
		}
		rv.Name, rv.NeedsRole, rv.Errors = rv.Term.Name, rv.Term.NeedsRole, refused.Errors
		return s.vocabTermPage(w, r, rv)
	}
	if err != nil {
		return err
	}
	msg := "“" + from.Name + "” merged into “" + into.Name + "”"
	if moved > 0 {
		msg += ": " + mergedCount(k, moved) + " now use “" + into.Name + "”"
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
	ctx := r.Context()
	a := actorFrom(ctx)
	k, id, err := vocabTermParams(r)
	if err != nil {
		return err
	}
	version, err := vocabVersion(r)
	if err != nil {
		return err
	}
	var gone review.Term
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		gone, err = review.DeleteTerm(ctx, tx, scopeOf(r), k, id, version)
		return err
	})
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := vocabview.TermView{Version: version, Errors: refused.Errors}
		if err := s.tx(r, func(tx pgx.Tx) error { return s.vocabTermView(r, tx, k, id, &v) }); err != nil {
			return err
		}
		v.Name, v.NeedsRole = v.Term.Name, v.Term.NeedsRole
		return s.vocabTermPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, vocabview.ListsPath(a.Review.ReviewID, k), "“"+gone.Name+"” removed from "+lowerFirst(k.Title()))
}

// lowerFirst lowers a heading's first letter for running text ("Team roles" → "team roles").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
