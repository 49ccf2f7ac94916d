package server

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/visit"
	"thematic/templates"
	"thematic/templates/evidenceview"
)

// Safeguarding concerns and the lock on a review's evidence. A note marked as a concern is seen
// by its author and the review's leads only (noteLoad answers 404 to anyone else, and row-level
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

// safeguardingNotify did, after the note's transaction, what evidence.raise now does inside it:
// the leads' mail is queued (mail outbox) in the transaction that raises the concern. It does
// nothing and goes once notes.go no longer calls it.
func (s *Server) safeguardingNotify(*http.Request, string) {}

// notePage builds a note's page: the note, its history, the lock and, for a concern, its actions.
func (s *Server) notePage(r *http.Request, tx pgx.Tx) (evidenceview.NotePage, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v evidenceview.NotePage
	var err error
	if v.Note, err = noteLoad(r, tx, true); err != nil {
		return v, err
	}
	fv, lock, err := s.noteFormData(r, tx, v.Note.VisitID, false)
	if err != nil {
		return v, err
	}
	v.Review, v.Visit, v.Opts, v.Framework, v.Enquiry, v.Lock = fv.Review, fv.Visit, fv.Opts, fv.Framework, fv.Enquiry, lock
	if v.Author, v.History, err = evidence.NoteTrail(ctx, tx, a.TenantID, v.Note.ID, v.Note.AuthorID); err != nil {
		return v, err
	}
	v.IsLead = isReviewLead(a)
	v.CanWrite = auth.Allowed(a, auth.ReviewRecord)
	if v.Note.Safeguarding {
		c, err := evidence.GetConcern(ctx, tx, a.TenantID, a.Review.ReviewID, v.Note.ID)
		if err != nil {
			return v, err
		}
		v.Concern = &c
		v.CanAct = v.IsLead || v.Note.AuthorID == a.UserID
		v.ActionKey = noteKey()
	}
	return v, nil
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
	ctx := r.Context()
	a := actorFrom(ctx)
	var v evidenceview.ConcernsView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, err = visit.GetReview(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		v.Concerns, err = evidence.Concerns(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, evidenceview.Concerns(s.page(r, "Safeguarding concerns – "+v.Review.Title), v))
}

// safeguardingAction records an action taken on a concern: its author or a lead.
func (s *Server) safeguardingAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := evidence.ActionInput{Body: r.PostFormValue("action"), Key: r.PostFormValue("idempotency_key")}
	var n evidence.Note
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if n, err = noteLoad(r, tx, true); err != nil {
			return err
		}
		if !n.Safeguarding {
			return apperr.NotFound("Note not found")
		}
		if n.AuthorID != a.UserID && !isReviewLead(a) {
			return apperr.Forbidden("Only the note’s author and the review’s leads can record actions on a safeguarding concern")
		}
		_, err = evidence.RecordAction(ctx, tx, a.TenantID, a.Review.ReviewID, n.ID, a.UserID, in)
		return err
	})
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		return s.safeguardingFormAgain(w, r, refused.Errors, in.Body, "")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID, "Action recorded")
}

// safeguardingClose closes a concern: leads only.
func (s *Server) safeguardingClose(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	closing := r.PostFormValue("closing")
	var n evidence.Note
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if n, err = noteLoad(r, tx, true); err != nil {
			return err
		}
		if !n.Safeguarding {
			return apperr.NotFound("Note not found")
		}
		_, err = evidence.CloseConcern(ctx, tx, a.TenantID, a.Review.ReviewID, n.ID, a.UserID, closing)
		return err
	})
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		return s.safeguardingFormAgain(w, r, refused.Errors, "", closing)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID, "Concern closed")
}

// safeguardingFormAgain shows the note's page again with the form's errors and what was typed.
func (s *Server) safeguardingFormAgain(w http.ResponseWriter, r *http.Request, errs *form.Errors, action, closing string) error {
	var v evidenceview.NotePage
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.notePage(r, tx)
		return err
	})
	if err != nil {
		return err
	}
	v.Errors, v.ActionText, v.ClosingText = errs, action, closing
	if k := r.PostFormValue("idempotency_key"); k != "" {
		v.ActionKey = k
	}
	return s.notePageRender(w, r, v)
}

func (s *Server) evidenceLockView(r *http.Request, tx pgx.Tx) (evidenceview.LockView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := evidenceview.LockView{Errors: &form.Errors{}}
	var err error
	if v.Review, err = visit.GetReview(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
		return v, err
	}
	v.Lock, err = evidence.GetLock(ctx, tx, a.TenantID, a.Review.ReviewID)
	return v, err
}

func (s *Server) evidenceLockPage(w http.ResponseWriter, r *http.Request) error {
	var v evidenceview.LockView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.evidenceLockView(r, tx)
		return err
	})
	if err != nil {
		return err
	}
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
	ctx := r.Context()
	a := actorFrom(ctx)
	var v evidenceview.LockView
	var viewErr error
	err := s.tx(r, func(tx pgx.Tx) error {
		_, err := evidence.SetLock(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, lock)
		if apperr.Is(err, apperr.CodeInvalid) {
			// Read what the page needs again in this transaction (rolled back: nothing changed).
			v, viewErr = s.evidenceLockView(r, tx)
		}
		return err
	})
	if apperr.Is(err, apperr.CodeInvalid) {
		// Not past analysis yet: the page again, saying why.
		if viewErr != nil {
			return viewErr
		}
		v.Errors.Add("lock", apperr.MessageOf(err))
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
