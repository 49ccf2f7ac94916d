package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/internal/reviewnote"
	"thematic/templates/reportview"
)

// rnForms are the thread's forms by name, with the step each takes and what the next page says.
var rnForms = map[string]struct{ action, flash string }{
	"reply":   {reviewnote.ActionReply, "Reply sent"},
	"address": {reviewnote.ActionAddressed, "Review note marked as addressed"},
	"clear":   {reviewnote.ActionCleared, "Review note cleared"},
	"reopen":  {reviewnote.ActionReopened, "Review note reopened"},
}

// notesPanel reads the report page's list of notes not cleared, and whether the viewer may raise
// one now.
func notesPanel(r *http.Request, tx pgx.Tx, st report.State) (reportview.NotesPanel, error) {
	a := actorFrom(r.Context())
	v := reportview.NotesPanel{ReviewID: a.Review.ReviewID,
		CanRaise: isReviewLead(a) && reviewnote.CanRaise(reviewnote.Report{Status: st.Status, By: st.By}, a.UserID) == ""}
	var err error
	v.Open, err = reviewnote.List(r.Context(), tx, a.TenantID, a.Review.ReviewID, false)
	return v, err
}

// rnBase reads the review's title and the report's state for the notes' pages.
func rnBase(r *http.Request, tx pgx.Tx) (reportview.Base, report.State, error) {
	a := actorFrom(r.Context())
	title, st, err := reportHead(r, tx)
	return reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: title, Lead: isReviewLead(a), Locked: st.Locked()}, st, err
}

// rnWhy says why the actor may not raise a note now, or "".
func rnWhy(r *http.Request, st report.State) string {
	a := actorFrom(r.Context())
	if !isReviewLead(a) {
		return ""
	}
	return reviewnote.CanRaise(reviewnote.Report{Status: st.Status, By: st.By}, a.UserID)
}

func (s *Server) rnList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reportview.NotesView{All: r.URL.Query().Get("show") == "all"}
	err := s.tx(r, func(tx pgx.Tx) error {
		var st report.State
		var err error
		if v.Base, st, err = rnBase(r, tx); err != nil {
			return err
		}
		v.Why = rnWhy(r, st)
		v.CanRaise = v.Lead && v.Why == ""
		all, err := reviewnote.List(ctx, tx, a.TenantID, a.Review.ReviewID, true)
		for _, n := range all {
			switch n.Status {
			case reviewnote.StatusOpen:
				v.Counts.Open++
			case reviewnote.StatusAddressed:
				v.Counts.Addressed++
			default:
				v.Counts.Cleared++
			}
			if v.All || n.Open() {
				v.Notes = append(v.Notes, n)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Notes(s.page(r, "Review notes – Report – "+v.ReviewTitle), v))
}

// rnRaiseView reads the raise form's page: the report's parts a note may be about, by section.
func rnRaiseView(r *http.Request, tx pgx.Tx, in reviewnote.RaiseInput) (reportview.RaiseView, string, error) {
	b, err := reportBuild(r, tx, report.LoadOptions{})
	if err != nil {
		return reportview.RaiseView{}, "", err
	}
	v := reportview.RaiseView{Base: reportBase(r, b), In: in, Errors: &form.Errors{}}
	bySection := map[string]int{}
	for _, sec := range b.data.Sections() {
		bySection[sec.Key] = len(v.Groups)
		v.Groups = append(v.Groups, reportview.TargetGroup{Title: sec.Title, Targets: []reportview.TargetOption{
			{Value: reviewnote.Target{Kind: reviewnote.KindSection, Key: sec.Key}.String(), Label: sec.Title + ": the section’s own text"}}})
	}
	kinds := map[string]struct{ kind, label string }{"finding": {reviewnote.KindFinding, "Finding"},
		"example": {reviewnote.KindExample, "Good practice example"}, "recommendation": {reviewnote.KindRecommendation, "Recommendation"}}
	seen := map[string]bool{}
	for _, bl := range b.doc.Blocks {
		k, ok := kinds[bl.Origin.Kind]
		i, inSection := bySection[bl.Origin.Section]
		if !ok || !inSection || bl.Origin.ID == "" || seen[bl.Origin.ID] {
			continue
		}
		seen[bl.Origin.ID] = true
		text := bl.Text.Plain()
		if text == "" && len(bl.Items) > 0 {
			text = bl.Items[0].Plain()
		}
		v.Groups[i].Targets = append(v.Groups[i].Targets, reportview.TargetOption{
			Value: reviewnote.Target{Kind: k.kind, ID: bl.Origin.ID}.String(), Label: k.label + ": " + excerptOf(text, 90)})
	}
	return v, reviewnote.CanRaise(reviewnote.Report{Status: b.state.Status, By: b.state.By}, actorFrom(r.Context()).UserID), nil
}

func (s *Server) rnNew(w http.ResponseWriter, r *http.Request) error {
	var v reportview.RaiseView
	var why string
	err := s.tx(r, func(tx pgx.Tx) (err error) {
		v, why, err = rnRaiseView(r, tx, reviewnote.RaiseInput{Target: r.URL.Query().Get("target"), Key: noteKey()})
		return err
	})
	if err != nil {
		return err
	}
	v.Why = why
	return s.ok(w, r, reportview.NoteRaise(s.page(r, "Raise a review note – Report – "+v.ReviewTitle), v))
}

func (s *Server) rnRaise(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := reviewnote.RaiseInput{Target: r.PostFormValue("target"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Key: r.PostFormValue("idempotency_key")}
	var id string
	var created bool
	var err error
	if errs := in.Validate(); errs.Any() {
		err = &reviewnote.Refused{Errors: errs} // what was typed will not do: no need to ask the database
	} else {
		err = s.tx(r, func(tx pgx.Tx) (err error) {
			id, created, err = reviewnote.Raise(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, in)
			return err
		})
	}
	var refused *reviewnote.Refused
	if errors.As(err, &refused) {
		var v reportview.RaiseView
		if err := s.tx(r, func(tx pgx.Tx) (err error) { v, v.Why, err = rnRaiseView(r, tx, in); return err }); err != nil {
			return err
		}
		v.Errors = refused.Errors
		p := s.page(r, "Raise a review note – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.NoteRaise(p, v))
	}
	if err != nil {
		return err
	}
	flash := "Review note raised"
	if !created {
		flash = "This review note had been raised already"
	}
	return s.redirect(w, r, reportview.NotePath(a.Review.ReviewID, id), flash)
}

// rnThread reads a note's page.
func (s *Server) rnThread(r *http.Request, v *reportview.NoteView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	return s.tx(r, func(tx pgx.Tx) error {
		var st report.State
		var err error
		if v.Base, st, err = rnBase(r, tx); err != nil {
			return err
		}
		v.UserID, v.Changes = a.UserID, st.Status != report.StatusPublished
		v.Note, err = reviewnote.Get(ctx, tx, a.TenantID, a.Review.ReviewID, chi.URLParam(r, "reviewNoteID"))
		return err
	})
}

func (s *Server) rnShow(w http.ResponseWriter, r *http.Request) error {
	v := reportview.NoteView{Key: noteKey(), Errors: &form.Errors{}}
	if err := s.rnThread(r, &v); err != nil {
		return err
	}
	return s.ok(w, r, reportview.Note(s.page(r, v.Note.Name()+" – Report – "+v.ReviewTitle), v))
}

// rnStep takes a step of a note's thread by its form's name: a stale version gives the conflict
// page, a step the rules refuse the error page with the reason, a missing reply the thread page
// again with what was typed.
func (s *Server) rnStep(name string) handler {
	f := rnForms[name]
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		a := actorFrom(ctx)
		in := reviewnote.StepInput{NoteID: chi.URLParam(r, "reviewNoteID"), Key: r.PostFormValue("idempotency_key"),
			Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")}
		version, err := strconv.Atoi(r.PostFormValue("version"))
		if err != nil && f.action != reviewnote.ActionReply {
			return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
		}
		in.Version = version
		var done bool
		var before reviewnote.Note
		if errs := in.Validate(f.action); errs.Any() {
			err = &reviewnote.Refused{Errors: errs}
		} else {
			err = s.tx(r, func(tx pgx.Tx) (err error) {
				before, done, err = reviewnote.Step(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, f.action, in)
				return err
			})
		}
		var refused *reviewnote.Refused
		if errors.As(err, &refused) {
			v := reportview.NoteView{Key: in.Key, Form: name, Body: in.Body, Errors: &form.Errors{}}
			if err := s.rnThread(r, &v); err != nil {
				return err
			}
			for _, e := range refused.Errors.List() {
				v.Errors.Add(reportview.NoteFieldID(name), e.Message)
			}
			p := s.page(r, v.Note.Name()+" – Report – "+v.ReviewTitle)
			p.HasError = true
			return s.invalid(w, r, reportview.Note(p, v))
		}
		if err != nil {
			return err
		}
		flash := f.flash
		if !done {
			flash = "" // sent twice: the first took the step
		}
		return s.redirect(w, r, reportview.NotePath(a.Review.ReviewID, before.ID), flash)
	}
}
