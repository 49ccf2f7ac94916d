package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/internal/reviewnote"
	"thematic/internal/text"
	"thematic/templates/reportview"
)

// rnForms are the thread's forms by name, with the step each takes and what the next page says.
var rnForms = map[string]struct{ action, flash string }{
	"reply":   {reviewnote.ActionReply, "Reply sent"},
	"address": {reviewnote.ActionAddressed, "Review note marked as addressed"},
	"clear":   {reviewnote.ActionCleared, "Review note cleared"},
	"reopen":  {reviewnote.ActionReopened, "Review note reopened"},
}

// notesPanel is the report page's list of notes not cleared (open), and whether the viewer may
// raise one now.
func notesPanel(r *http.Request, st report.State, open []reviewnote.Note) reportview.NotesPanel {
	a := actorFrom(r.Context())
	return reportview.NotesPanel{ReviewID: a.Review.ReviewID, Open: open,
		CanRaise: isReviewLead(a) && reviewnote.CanRaise(reviewnote.Report{Status: st.Status, By: st.By}, a.UserID) == ""}
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
	v := reportview.NotesView{All: r.URL.Query().Get("show") == "all"}
	h, all, err := report.NotesPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v.Base = reportHeadBase(r, h)
	v.Why = rnWhy(r, h.State)
	v.CanRaise = v.Lead && v.Why == ""
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
	return s.ok(w, r, reportview.Notes(s.page(r, "Review notes – Report – "+v.ReviewTitle), v))
}

// rnRaiseView is the raise form's page: the report's parts a note may be about, by section, and
// why the actor may not raise one now ("" when they may).
func rnRaiseView(r *http.Request, pg report.Page, in reviewnote.RaiseInput) (reportview.RaiseView, string) {
	b := builtOf(pg.Built)
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
		plain := bl.Text.Plain()
		if plain == "" && len(bl.Items) > 0 {
			plain = bl.Items[0].Plain()
		}
		v.Groups[i].Targets = append(v.Groups[i].Targets, reportview.TargetOption{
			Value: reviewnote.Target{Kind: k.kind, ID: bl.Origin.ID}.String(), Label: k.label + ": " + text.Excerpt(plain, 90)})
	}
	return v, reviewnote.CanRaise(reviewnote.Report{Status: b.state.Status, By: b.state.By}, actorFrom(r.Context()).UserID)
}

func (s *Server) rnNew(w http.ResponseWriter, r *http.Request) error {
	pg, err := report.Read(r.Context(), s.pool, scopeOf(r), report.PageOptions{})
	if err != nil {
		return err
	}
	v, why := rnRaiseView(r, pg, reviewnote.RaiseInput{Target: r.URL.Query().Get("target"), Key: noteKey()})
	v.Why = why
	return s.ok(w, r, reportview.NoteRaise(s.page(r, "Raise a review note – Report – "+v.ReviewTitle), v))
}

func (s *Server) rnRaise(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := reviewnote.RaiseInput{Target: r.PostFormValue("target"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Key: r.PostFormValue("idempotency_key")}
	res, err := report.RaiseNote(r.Context(), s.pool, scopeOf(r), in)
	var refused *reviewnote.Refused
	if errors.As(err, &refused) {
		v, why := rnRaiseView(r, *res.Page, in)
		v.Why, v.Errors = why, refused.Errors
		p := s.page(r, "Raise a review note – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.NoteRaise(p, v))
	}
	if err != nil {
		return err
	}
	flash := "Review note raised"
	if !res.Created {
		flash = "This review note had been raised already"
	}
	return s.redirect(w, r, reportview.NotePath(a.Review.ReviewID, res.ID), flash)
}

// rnThread fills a note's page from what report.NotePage read.
func rnThread(r *http.Request, v *reportview.NoteView, h report.Head, n reviewnote.Note) {
	v.Base = reportHeadBase(r, h)
	v.UserID, v.Changes = actorFrom(r.Context()).UserID, h.State.Status != report.StatusPublished
	v.Note = n
}

func (s *Server) rnShow(w http.ResponseWriter, r *http.Request) error {
	v := reportview.NoteView{Key: noteKey(), Errors: &form.Errors{}}
	h, n, err := report.NotePage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "reviewNoteID"))
	if err != nil {
		return err
	}
	rnThread(r, &v, h, n)
	return s.ok(w, r, reportview.Note(s.page(r, v.Note.Name()+" – Report – "+v.ReviewTitle), v))
}

// rnStep takes a step of a note's thread by its form's name: a stale version gives the conflict
// page, a step the rules refuse the error page with the reason, a missing reply the thread page
// again with what was typed.
func (s *Server) rnStep(name string) handler {
	f := rnForms[name]
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actorFrom(r.Context())
		in := reviewnote.StepInput{NoteID: chi.URLParam(r, "reviewNoteID"), Key: r.PostFormValue("idempotency_key"),
			Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")}
		version, err := strconv.Atoi(r.PostFormValue("version"))
		if err != nil && f.action != reviewnote.ActionReply {
			return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
		}
		in.Version = version
		res, err := report.StepNote(r.Context(), s.pool, scopeOf(r), f.action, in)
		var refused *reviewnote.Refused
		if errors.As(err, &refused) {
			v := reportview.NoteView{Key: in.Key, Form: name, Body: in.Body, Errors: &form.Errors{}}
			rnThread(r, &v, res.Head, res.Note)
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
		if !res.Done {
			flash = "" // sent twice: the first took the step
		}
		return s.redirect(w, r, reportview.NotePath(a.Review.ReviewID, res.Before.ID), flash)
	}
}
