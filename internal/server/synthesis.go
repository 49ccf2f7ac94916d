package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/text"
	"thematic/templates/synthesisview"
)

// synBase is what every synthesis page shows: the review and whether the viewer leads it.
func synBase(r *http.Request, title string) synthesisview.Base {
	a := actorFrom(r.Context())
	return synthesisview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: title, Lead: isReviewLead(a)}
}

func (s *Server) synOverview(w http.ResponseWriter, r *http.Request) error {
	o, err := finding.OverviewPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := synthesisview.OverviewView{Base: synBase(r, o.Title), Visited: o.Visited}
	type tally struct{ n, flagged int }
	byArea := map[string]tally{}
	for _, f := range o.Findings {
		t := byArea[f.ActionAreaID]
		t.n++
		if f.Flagged() {
			t.flagged++
		}
		byArea[f.ActionAreaID] = t
	}
	for _, g := range o.Framework.Groups {
		og := synthesisview.OverviewGroup{Title: g.Title}
		for _, aa := range g.Areas {
			st, t := o.Stats[aa.ID], byArea[aa.ID]
			og.Areas = append(og.Areas, synthesisview.OverviewArea{ID: aa.ID, Title: aa.Title, Notes: st.Notes,
				Candidates: st.Candidates, Findings: t.n, Flagged: t.flagged})
		}
		v.Groups = append(v.Groups, og)
	}
	return s.ok(w, r, synthesisview.Overview(s.page(r, "Synthesis – "+v.ReviewTitle), v))
}

// synWorkspaceFill fills the workspace's view from what finding.WorkspacePage read.
func synWorkspaceFill(r *http.Request, ws finding.Workspace, v *synthesisview.WorkspaceView) {
	v.Base = synBase(r, ws.Title)
	v.Area, v.Query, v.Filter, v.Findings, v.Visited, v.Opts, v.Page = ws.Area, ws.Query, ws.Filter, ws.Findings, ws.Visited, ws.Opts, ws.Page
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	for _, fe := range ws.Errors.List() {
		v.Errors.Add(fe.Field, fe.Message)
	}
}

func (s *Server) synWorkspaceRender(w http.ResponseWriter, r *http.Request, v synthesisview.WorkspaceView) error {
	p := s.page(r, v.Area.Title+" – Synthesis – "+v.ReviewTitle)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, synthesisview.Workspace(p, v))
	}
	return s.ok(w, r, synthesisview.Workspace(p, v))
}

func (s *Server) synWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := finding.WorkspacePage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "actionAreaID"), r.URL.Query())
	if err != nil {
		return err
	}
	v := synthesisview.WorkspaceView{Stance: finding.Supports}
	synWorkspaceFill(r, ws, &v)
	return s.synWorkspaceRender(w, r, v)
}

func findingKey() string { return noteKey() }

// findingReadForm reads the finding form as typed.
func findingReadForm(r *http.Request) finding.Input {
	in := finding.Input{Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), Style: r.PostFormValue("style"),
		WordOverride: r.PostFormValue("word-override"), OverrideReason: r.PostFormValue("override-reason"),
		Key: r.PostFormValue("idempotency_key"), Pattern: r.PostFormValue("pattern")}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return in
}

// findingPreview is the input as the report would print it: with the finding's prevalence, or
// for a new finding with an example (all but one of the visited areas).
func findingPreview(v *synthesisview.FormView, in finding.Input, cur *finding.Finding, visited int, scale finding.Scale) {
	f := finding.Finding{Body: in.Body, Style: in.Style, WordOverride: strings.TrimSpace(in.WordOverride)}
	if f.Style == "" {
		f.Style = finding.StyleWord
	}
	if cur != nil {
		f.Areas, f.Visited = cur.Areas, cur.Visited
	} else {
		f.Visited = visited
		if f.Visited == 0 {
			f.Visited = 6
		}
		f.Areas = max(f.Visited-1, 1)
		v.Example = true
	}
	f.ScaleWord, _ = scale.Word(f.Areas, f.Visited)
	f.ConfirmedAreas = f.Areas
	f.Quantifiers = scale.Quantifiers()
	v.Preview = f
}

// findingFormView is the form for the action area (new) or the finding (edit) with what was
// typed.
func findingFormView(r *http.Request, fd finding.FormData, in finding.Input) synthesisview.FormView {
	v := synthesisview.FormView{Base: synBase(r, fd.Title), Area: fd.Area, In: in, Errors: &form.Errors{},
		Pattern: fd.Pattern, PatternGone: fd.PatternGone}
	if fd.Current != nil {
		v.FindingID, v.Version = fd.Current.ID, fd.Current.Version
	}
	findingPreview(&v, in, fd.Current, fd.Visited, fd.Scale)
	return v
}

func (s *Server) findingFormRender(w http.ResponseWriter, r *http.Request, v synthesisview.FormView) error {
	p := s.page(r, v.Heading()+" – "+v.ReviewTitle)
	switch {
	case v.Conflict != nil:
		p.HasError = true
		s.render(w, r, http.StatusConflict, synthesisview.Form(p, v))
		return nil
	case v.Errors.Any():
		p.HasError = true
		return s.invalid(w, r, synthesisview.Form(p, v))
	}
	return s.ok(w, r, synthesisview.Form(p, v))
}

func (s *Server) findingNew(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("pattern")
	fd, err := finding.NewFormPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "actionAreaID"), key)
	if err != nil {
		return err
	}
	in := finding.Input{Style: finding.StyleWord}
	if fd.Pattern != nil {
		in.Pattern = key
	}
	v := findingFormView(r, fd, in)
	v.PatternGone = key != "" && fd.Pattern == nil
	v.Key = findingKey()
	return s.findingFormRender(w, r, v)
}

func (s *Server) findingCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := findingReadForm(r)
	in.ActionAreaID = chi.URLParam(r, "actionAreaID")
	res, err := finding.Add(r.Context(), s.pool, scopeOf(r), in, r.PostFormValue("action") == "preview")
	var refused *finding.Refused
	switch {
	case errors.As(err, &refused):
		res.Errors = refused.Errors
	case err != nil:
		return err
	}
	if res.ID == "" {
		// Errors, or the preview.
		in.ActionAreaID = res.Form.Area.ID
		v := findingFormView(r, res.Form, in)
		v.Key = in.Key
		if res.Errors != nil {
			v.Errors = res.Errors
		}
		return s.findingFormRender(w, r, v)
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+res.Form.Area.ID, findingSaved(res.Own))
}

// findingSaved is the message after saving: saving is never refused for the finding's own
// quantifier, but the lead is pointed at the warning beside it.
func findingSaved(own bool) string {
	if own {
		return "Finding saved. It already says how widespread it is: see the warning on it"
	}
	return "Finding saved"
}

func (s *Server) findingShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	sh, err := finding.ShowPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"))
	if err != nil {
		return err
	}
	v := synthesisview.FindingView{Base: synBase(r, sh.Title), Area: sh.Area, Finding: sh.Finding, Number: sh.Number, Notes: sh.Notes,
		FollowsUp: sh.FollowsUp}
	// A safeguarding concern is shown only to those who may see it: its author and the leads.
	if !isReviewLead(a) {
		kept := v.Notes[:0]
		for _, n := range v.Notes {
			if !n.Concern {
				kept = append(kept, n)
			}
		}
		v.Notes = kept
	}
	return s.ok(w, r, synthesisview.Show(s.page(r, fmt.Sprintf("Finding %d – %s", v.Number, v.Area.Title)), v))
}

func findingInputOf(f finding.Finding) finding.Input {
	return finding.Input{ActionAreaID: f.ActionAreaID, Body: f.Body, Style: f.Style, WordOverride: f.WordOverride,
		OverrideReason: f.OverrideReason, Version: f.Version}
}

func (s *Server) findingEdit(w http.ResponseWriter, r *http.Request) error {
	fd, err := finding.EditFormPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"))
	if err != nil {
		return err
	}
	return s.findingFormRender(w, r, findingFormView(r, fd, findingInputOf(*fd.Current)))
}

func (s *Server) findingUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := findingReadForm(r)
	if _, err := strconv.Atoi(r.PostFormValue("version")); err != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := finding.Change(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), in, r.PostFormValue("action") == "preview")
	var refused *finding.Refused
	var stale *finding.StaleError
	if res.Form.Current == nil {
		if err != nil {
			return err // the finding could not be read
		}
	}
	if res.Form.Current != nil {
		in.ActionAreaID = res.Form.Current.ActionAreaID
	}
	v := findingFormView(r, res.Form, in)
	v.Version = in.Version
	switch {
	case errors.As(err, &refused):
		v.Errors = refused.Errors
		return s.findingFormRender(w, r, v)
	case errors.As(err, &stale):
		cur := stale.Current
		v.Conflict = &cur
		v.Version = cur.Version // saving again overwrites the current version with what is in the form
		return s.findingFormRender(w, r, v)
	case err != nil:
		return err
	case res.ID == "":
		if res.Errors != nil {
			v.Errors = res.Errors
		}
		return s.findingFormRender(w, r, v)
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+res.ID, findingSaved(res.Own))
}

func (s *Server) findingDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	confirmed := r.PostFormValue("confirm") == "yes"
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	sh, err := finding.Remove(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), version, confirmed)
	if err != nil {
		return err
	}
	if !confirmed {
		v := synthesisview.DeleteView{Base: synBase(r, sh.Title), Area: sh.Area, Finding: sh.Finding}
		return s.ok(w, r, synthesisview.Delete(s.page(r, "Delete this finding? – "+v.ReviewTitle), v))
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+sh.Area.ID, "Finding deleted")
}

func (s *Server) findingMove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	dir := 0
	switch r.PostFormValue("dir") {
	case "up":
		dir = -1
	case "down":
		dir = 1
	default:
		return apperr.Invalid("Choose to move the finding up or down")
	}
	f, err := finding.Reorder(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), dir)
	if err != nil {
		return err
	}
	word := map[int]string{-1: "up", 1: "down"}[dir]
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+f.ActionAreaID+"#finding-"+f.ID, "Finding moved "+word)
}

func (s *Server) findingConfirm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	version, verr := strconv.Atoi(r.PostFormValue("version"))
	if verr != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	f, err := finding.ConfirmWords(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), version)
	if err != nil {
		return err
	}
	to := "/reviews/" + a.Review.ReviewID + "/synthesis/" + f.ActionAreaID + "#finding-" + f.ID
	if r.PostFormValue("from") == "finding" {
		to = "/reviews/" + a.Review.ReviewID + "/findings/" + f.ID
	}
	return s.redirect(w, r, to, "Words confirmed: "+fmt.Sprintf("%d of %d areas", f.Areas, f.Visited))
}

// synFilterQuery reads the workspace's filter carried by the link form, keeping only what the
// filter understands.
func synFilterQuery(raw string) url.Values {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return url.Values{}
	}
	f, errs := evidence.ParseFilter(q)
	if errs.Any() {
		return url.Values{}
	}
	out := f.Values()
	out.Del("action-area")
	if f.After != "" {
		out.Set("after", f.After)
	}
	if f.Before != "" {
		out.Set("before", f.Before)
	}
	if f.Limit > 0 {
		out.Set("limit", strconv.Itoa(f.Limit))
	}
	return out
}

func (s *Server) findingLink(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	noteIDs := r.PostForm["note"]
	stance := r.PostFormValue("stance")
	filter := synFilterQuery(r.PostFormValue("filter"))
	res, err := finding.LinkNotes(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), stance, noteIDs, filter)
	var refused *finding.Refused
	if errors.As(err, &refused) {
		// Back to the workspace with the message and the selection kept; nothing was stored.
		v := synthesisview.WorkspaceView{Stance: stance, Selected: map[string]bool{}, Errors: refused.Errors}
		synWorkspaceFill(r, *res.Workspace, &v)
		for _, id := range noteIDs {
			v.Selected[id] = true
		}
		return s.synWorkspaceRender(w, r, v)
	}
	if err != nil {
		return err
	}
	f := res.Finding
	n := len(text.Dedupe(noteIDs))
	msg := text.Plural(n, "note", "notes") + " linked to the finding"
	if stance == finding.Contradicts {
		msg = text.Plural(n, "note", "notes") + " linked to the finding as cutting against it"
	}
	to := "/reviews/" + a.Review.ReviewID + "/synthesis/" + f.ActionAreaID
	if q := filter.Encode(); q != "" {
		to += "?" + q
	}
	return s.redirect(w, r, to, msg)
}

func (s *Server) findingUnlink(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	f, removed, err := finding.UnlinkNote(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	msg := "Note removed from the finding"
	if !removed {
		msg = "That note was not linked to the finding"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+f.ID, msg)
}

// synScaleRows fills the scale page from the stored scale.
func synScaleRows(scale finding.Scale) []synthesisview.BandRow {
	rows := make([]synthesisview.BandRow, len(scale))
	for i, b := range scale {
		rows[i] = synthesisview.BandRow{ID: b.ID, Label: b.Label, Special: b.Special, Percent: strconv.Itoa(b.MinPercent),
			Areas: strconv.Itoa(b.MinAreas), Version: b.Version}
	}
	return rows
}

// synExamples phrases every count of visited areas with the scale.
func synExamples(scale finding.Scale, visited int) []synthesisview.Example {
	if visited <= 0 {
		visited = 6
	}
	var out []synthesisview.Example
	for n := visited; n >= 1; n-- {
		word, _ := scale.Word(n, visited)
		out = append(out, synthesisview.Example{Count: n, Phrase: finding.Phrase(finding.StyleWord, word, n, visited)})
	}
	return out
}

func (s *Server) synScale(w http.ResponseWriter, r *http.Request) error {
	d, err := finding.ScalePage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := synthesisview.ScaleView{Base: synBase(r, d.Title), Visited: d.Visited, Bands: synScaleRows(d.Scale),
		Examples: synExamples(d.Scale, d.Visited)}
	if p := d.Scale.Problems(); len(p) > 0 {
		v.Errors = &form.Errors{}
		v.Errors.Add("scale", strings.Join(p, ". "))
	}
	return s.ok(w, r, synthesisview.ScalePage(s.page(r, "Quantifier scale – "+v.ReviewTitle), v))
}

// synScaleMaxBands bounds the bands read from the scale's form.
const synScaleMaxBands = 50

func (s *Server) synScaleSave(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	var rows []finding.BandInput
	for i := 0; i < synScaleMaxBands; i++ {
		field := func(name string) string { return r.PostFormValue(fmt.Sprintf("band-%d-%s", i, name)) }
		if _, sent := r.PostForm[fmt.Sprintf("band-%d-id", i)]; !sent {
			break
		}
		rows = append(rows, finding.BandInput{ID: field("id"), Version: field("version"), Label: field("label"),
			Percent: field("percent"), Areas: field("areas")})
	}
	res, err := finding.SaveScaleForm(r.Context(), s.pool, scopeOf(r), rows)
	var refused *finding.Refused
	switch {
	case errors.As(err, &refused):
		res.Errors = refused.Errors
	case err != nil:
		return err
	case !res.Errors.Any():
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/scale", "Scale saved")
	}
	v := synthesisview.ScaleView{Base: synBase(r, res.Title), Visited: res.Visited, Errors: res.Errors, Bands: synScaleRows(res.Scale)}
	for i, row := range res.Rows {
		v.Bands[i].Label, v.Bands[i].Percent, v.Bands[i].Areas = row.Label, row.Percent, row.Areas
	}
	// The examples follow what was typed where it reads as a scale.
	v.Examples = synExamples(res.Typed, v.Visited)
	p := s.page(r, "Quantifier scale – "+v.ReviewTitle)
	p.HasError = true
	return s.invalid(w, r, synthesisview.ScalePage(p, v))
}

// synPatterns is the patterns the counts show under an action area, each with the notes behind
// it, from which the lead may draft a finding.
func (s *Server) synPatterns(w http.ResponseWriter, r *http.Request) error {
	d, err := finding.PatternsPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "actionAreaID"))
	if err != nil {
		return err
	}
	v := synthesisview.PatternsView{Base: synBase(r, d.Title), Area: d.Area, Visited: d.Visited, Scale: d.Scale, Patterns: d.Patterns}
	return s.ok(w, r, synthesisview.Patterns(s.page(r, "Patterns in the evidence – "+d.Area.Title+" – "+d.Title), v))
}
