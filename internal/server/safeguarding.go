package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"thematic/internal/auth"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/templates"
	"thematic/templates/evidenceview"
)

// Safeguarding concerns and the lock on a review's evidence. A note marked as a concern is seen
// by its author and the review's leads only (evidence.Load answers 404 to anyone else, and row-level
// security hides it from the server's role); the leads see a banner on the review's pages and get
// an email without the note's text; the author and the leads record the actions taken until a lead
// closes the concern. Once the review is past analysis a lead may lock its evidence.

func isReviewLead(a *auth.Actor) bool {
	return a != nil && a.Review != nil && a.Review.Role == auth.ReviewLead
}

// concernsBanner counts the review's open concerns for its leads' banner: one read of a partial
// index, only for a lead on a page of their review.
func (s *Server) concernsBanner(r *http.Request, p *templates.Page) {
	a := p.Actor
	if !isReviewLead(a) {
		return
	}
	p.ConcernsURL = "/reviews/" + a.Review.ReviewID + "/safeguarding"
	if l := reviewLoadedFrom(r.Context(), a.Review.ReviewID); l != nil && l.concerns >= 0 {
		p.OpenConcerns = l.concerns
		return
	}
	var err error
	if p.OpenConcerns, err = evidence.OpenConcernsCount(r.Context(), s.pool, scopeOf(r)); err != nil {
		s.logger(r.Context()).Error("count open safeguarding concerns", "err", err)
		p.ConcernsURL = ""
	}
}

func (s *Server) notePageRender(w http.ResponseWriter, r *http.Request, v evidenceview.NotePage) error {
	p := s.page(r, "Note from the visit to "+v.Visit.AreaName)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, evidenceview.Show(p, v))
	}
	return s.ok(w, r, evidenceview.Show(p, v))
}

func (s *Server) safeguardingList(w http.ResponseWriter, r *http.Request) error {
	l, err := evidence.ConcernsPage(r.Context(), s.pool, scopeOf(r), actorFrom(r.Context()).Review)
	if err != nil {
		return err
	}
	v := evidenceview.ConcernsView{Review: l.Review, Concerns: l.Concerns}
	return s.ok(w, r, evidenceview.Concerns(s.page(r, "Safeguarding concerns – "+v.Review.Title), v))
}

// safeguardingAction records an action taken on a concern: its author or a lead.
func (s *Server) safeguardingAction(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := evidence.ActionInput{Body: r.PostFormValue("action"), Key: r.PostFormValue("idempotency_key")}
	out, err := evidence.RecordConcernAction(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"), in)
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		return s.safeguardingFormAgain(w, r, out.Page, refused.Errors, in.Body, "")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+out.NoteID, "Action recorded")
}

// safeguardingClose closes a concern: leads only.
func (s *Server) safeguardingClose(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	closing := r.PostFormValue("closing")
	out, err := evidence.CloseConcernNote(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"), closing)
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		return s.safeguardingFormAgain(w, r, out.Page, refused.Errors, "", closing)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+out.NoteID, "Concern closed")
}

// safeguardingFormAgain shows the note's page again with the form's errors and what was typed.
func (s *Server) safeguardingFormAgain(w http.ResponseWriter, r *http.Request, page evidence.NoteView, errs *form.Errors, action, closing string) error {
	v := notePageOf(actorFrom(r.Context()), page)
	v.Errors, v.ActionText, v.ClosingText = errs, action, closing
	if k := r.PostFormValue("idempotency_key"); k != "" {
		v.ActionKey = k
	}
	return s.notePageRender(w, r, v)
}

func (s *Server) evidenceLockPage(w http.ResponseWriter, r *http.Request) error {
	l, err := evidence.LockPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := evidenceview.LockView{Review: l.Review, Lock: l.Lock, Errors: &form.Errors{}}
	title := "Lock the evidence"
	if v.Lock.Locked() {
		title = "The evidence is locked"
	}
	return s.ok(w, r, evidenceview.LockPage(s.page(r, title+" – "+v.Review.Title), v))
}

func (s *Server) evidenceLock(w http.ResponseWriter, r *http.Request) error {
	return s.evidenceSetLock(w, r, true)
}

func (s *Server) evidenceUnlock(w http.ResponseWriter, r *http.Request) error {
	return s.evidenceSetLock(w, r, false)
}

func (s *Server) evidenceSetLock(w http.ResponseWriter, r *http.Request, lock bool) error {
	a := actorFrom(r.Context())
	l, err := evidence.ChangeLock(r.Context(), s.pool, scopeOf(r), a.Review, lock)
	var refused *form.Refused
	if errors.As(err, &refused) {
		// Not at a stage that allows it: the page again, saying why.
		v := evidenceview.LockView{Review: l.Review, Lock: l.Lock, Errors: refused.Errors}
		p := s.page(r, "Lock the evidence – "+v.Review.Title)
		p.HasError = true
		return s.invalid(w, r, evidenceview.LockPage(p, v))
	}
	if err != nil {
		return err
	}
	flash := "The evidence is locked"
	if !lock {
		flash = "The evidence is unlocked"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/evidence/lock", flash)
}
