package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/auth"
	cs "thematic/internal/consistency"
	"thematic/internal/form"
	"thematic/templates/consistencyview"
)

// Consistency between inspectors: the lead draws a sample of notes for double coding, second
// coders code it blind, the lead moderates disagreements and chooses whether the methodology
// states the figures.

func (s *Server) csPage(w http.ResponseWriter, r *http.Request, v consistencyview.PageView) error {
	a := actorFrom(r.Context())
	v.ReviewID, v.Lead = a.Review.ReviewID, auth.Allowed(a, auth.ReviewLeadOnly)
	v.Coder = v.Page.Sample != nil && v.Page.Sample.IsCoder(a.Review.MemberID)
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	if v.In.Key == "" {
		v.In.Key = noteKey()
	}
	p := s.rvPage(r, "Consistency between inspectors")
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, consistencyview.Consistency(p, v))
	}
	return s.ok(w, r, consistencyview.Consistency(p, v))
}

func (s *Server) consistencyShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	lead := auth.Allowed(a, auth.ReviewLeadOnly)
	pg, err := cs.LoadPage(r.Context(), s.pool, scopeOf(r), lead)
	if err != nil {
		return err
	}
	in := cs.DrawInput{Method: cs.Random, Share: "10", Seed: strconv.FormatInt(newSeed(), 10)}
	if pg.Sample != nil {
		in.Method, in.Share, in.Seed = pg.Sample.Method, strconv.Itoa(pg.Sample.Share), strconv.FormatInt(pg.Sample.Seed, 10)
	}
	return s.csPage(w, r, consistencyview.PageView{Page: pg, In: in})
}

// newSeed is a fresh seed for the sample form: a number the lead may keep or change.
func newSeed() int64 {
	k := noteKey()
	n, _ := strconv.ParseInt(k[:8], 16, 64)
	return n
}

func (s *Server) consistencyDraw(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return err
	}
	in := cs.DrawInput{Method: r.PostFormValue("method"), Share: strings.TrimSpace(r.PostFormValue("share")),
		AreaID: r.PostFormValue("area"), ActionID: r.PostFormValue("action_area"), Seed: strings.TrimSpace(r.PostFormValue("seed")),
		Coders: r.PostForm["coders"], Key: r.PostFormValue("idempotency_key"), Replace: r.PostFormValue("replace") == "yes"}
	pg, err := cs.Draw(r.Context(), s.pool, scopeOf(r), in)
	var refused *cs.Refused
	if errors.As(err, &refused) {
		return s.csPage(w, r, consistencyview.PageView{Page: pg, In: in, Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, consistencyview.Path(a.Review.ReviewID)+"#sample", "Sample drawn")
}

func (s *Server) consistencyMethod(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	include := r.PostFormValue("include") == "yes"
	if err := cs.SetMethodology(r.Context(), s.pool, scopeOf(r), include, prVersion(r)); err != nil {
		return err
	}
	msg := "The methodology leaves out the double coding"
	if include {
		msg = "The methodology states the double coding’s figures"
	}
	return s.redirect(w, r, consistencyview.Path(a.Review.ReviewID), msg)
}

// codingInput reads a coding form.
func codingInput(r *http.Request) cs.CodingInput {
	_ = r.ParseForm()
	return cs.CodingInput{ActionAreas: r.PostForm["action_areas"], Judgement: r.PostFormValue("judgement"),
		GoodPractice: r.PostFormValue("good_practice") == "yes", Comment: r.PostFormValue("comment"), Version: prVersion(r)}
}

func (s *Server) consistencyCoding(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	pg, err := cs.LoadCoder(r.Context(), s.pool, scopeOf(r), a.Review.MemberID, "")
	if err != nil {
		return err
	}
	v := consistencyview.CoderView{ReviewID: a.Review.ReviewID, Page: pg, Errors: &form.Errors{}}
	return s.ok(w, r, consistencyview.CoderList(s.rvPage(r, "Your sample notes"), v))
}

func (s *Server) consistencyCodeForm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	pg, err := cs.LoadCoder(r.Context(), s.pool, scopeOf(r), a.Review.MemberID, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	v := consistencyview.CoderView{ReviewID: a.Review.ReviewID, Page: pg, Errors: &form.Errors{}}
	if pg.Note.Coded {
		c := pg.Note.Coding
		v.In = cs.CodingInput{ActionAreas: c.ActionAreas, Judgement: c.Judgement, GoodPractice: c.GoodPractice, Version: pg.Note.Version}
	}
	return s.ok(w, r, consistencyview.CoderForm(s.rvPage(r, "Code note "+strconv.Itoa(pg.Note.Position)), v))
}

func (s *Server) consistencyCode(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	noteID := chi.URLParam(r, "noteID")
	in := codingInput(r)
	pg, err := cs.SaveCoding(r.Context(), s.pool, scopeOf(r), a.Review.MemberID, noteID, in)
	var refused *cs.Refused
	var stale *cs.StaleError
	switch {
	case errors.As(err, &refused):
		v := consistencyview.CoderView{ReviewID: a.Review.ReviewID, Page: pg, In: in, Errors: refused.Errors}
		p := s.rvPage(r, "Code note "+strconv.Itoa(pg.Note.Position))
		p.HasError = true
		return s.invalid(w, r, consistencyview.CoderForm(p, v))
	case errors.As(err, &stale):
		if pg.Note == nil {
			return err
		}
		v := consistencyview.CoderView{ReviewID: a.Review.ReviewID, Page: pg, In: in, Errors: &form.Errors{}, Conflict: true}
		v.In.Version = pg.Note.Version
		p := s.rvPage(r, "Code note "+strconv.Itoa(pg.Note.Position))
		p.HasError = true
		s.render(w, r, http.StatusConflict, consistencyview.CoderForm(p, v))
		return nil
	case err != nil:
		return err
	}
	next := consistencyview.CodingPath(a.Review.ReviewID, "")
	if pg.Next != "" {
		next = consistencyview.CodingPath(a.Review.ReviewID, pg.Next)
	}
	return s.redirect(w, r, next, "Coding of note "+strconv.Itoa(pg.Note.Position)+" saved")
}

func (s *Server) consistencyModeration(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	m, err := cs.LoadModeration(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := consistencyview.ModerationView{ReviewID: a.Review.ReviewID, M: m, Errors: &form.Errors{}}
	return s.ok(w, r, consistencyview.Moderation(s.rvPage(r, "Moderate disagreements"), v))
}

func (s *Server) consistencyAgree(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	noteID := chi.URLParam(r, "noteID")
	in := codingInput(r)
	m, err := cs.RecordAgreed(r.Context(), s.pool, scopeOf(r), noteID, in)
	var refused *cs.Refused
	var stale *cs.StaleError
	switch {
	case errors.As(err, &refused):
		// The note's fields carry its id, so that the summary's links land on them.
		errs := &form.Errors{}
		for _, e := range refused.Errors.List() {
			errs.Add("m-"+noteID+"-"+e.Field, e.Message)
		}
		v := consistencyview.ModerationView{ReviewID: a.Review.ReviewID, M: m, NoteID: noteID, In: in, Errors: errs}
		p := s.rvPage(r, "Moderate disagreements")
		p.HasError = true
		return s.invalid(w, r, consistencyview.Moderation(p, v))
	case errors.As(err, &stale):
		v := consistencyview.ModerationView{ReviewID: a.Review.ReviewID, M: m, Errors: &form.Errors{}, Conflict: true}
		p := s.rvPage(r, "Moderate disagreements")
		p.HasError = true
		s.render(w, r, http.StatusConflict, consistencyview.Moderation(p, v))
		return nil
	case err != nil:
		return err
	}
	return s.redirect(w, r, consistencyview.ModerationPath(a.Review.ReviewID)+"#disagreement-"+noteID, "Agreed coding recorded")
}
