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
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/practice"
	"thematic/internal/recommendation"
	"thematic/internal/review"
	"thematic/templates/practiceview"
)

// prVersion reads the version the form was opened at (0 when missing, which is never current).
func prVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return v
}

// prUp reads the move buttons' direction.
func prUp(r *http.Request) (bool, error) {
	switch r.PostFormValue("dir") {
	case "up":
		return true, nil
	case "down":
		return false, nil
	}
	return false, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
}

// actionAreaTitles maps the framework's action areas to their titles.
func actionAreaTitles(fw review.Framework) map[string]string {
	m := map[string]string{}
	for _, g := range fw.Groups {
		for _, aa := range g.Areas {
			m[aa.ID] = aa.Title
		}
	}
	return m
}

func actionAreaOptions(fw review.Framework) []practiceview.Option {
	var out []practiceview.Option
	for _, g := range fw.Groups {
		for _, aa := range g.Areas {
			out = append(out, practiceview.Option{ID: aa.ID, Title: aa.Title})
		}
	}
	return out
}

// --- Good-practice examples ---

func (s *Server) examplesList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	d, err := practice.ListPage(r.Context(), s.pool, scopeOf(r), r.URL.Query().Get("action-area"))
	if err != nil {
		return err
	}
	v := practiceview.ExamplesView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly),
		ReviewTitle: d.Title, ActionAreas: actionAreaOptions(d.Framework), Filter: d.Filter, Count: len(d.Examples)}
	titles := actionAreaTitles(d.Framework)
	byArea := map[string][]practiceview.ExampleRow{}
	for _, e := range d.Examples {
		byArea[e.ActionAreaID] = append(byArea[e.ActionAreaID], practiceview.ExampleRow{Example: e, Warnings: e.Warnings(d.Names),
			Photos: d.Photos[e.NoteID]})
	}
	for _, g := range d.Framework.Groups {
		for i, aa := range g.Areas {
			v.Sections = append(v.Sections, practiceview.Section{GroupTitle: g.Title, NewGroup: i == 0,
				ActionAreaID: aa.ID, Title: aa.Title, Examples: byArea[aa.ID]})
		}
	}
	for _, c := range d.Candidates {
		row := practiceview.CandidateRow{Note: c}
		for _, id := range c.ActionAreas {
			row.ActionAreas = append(row.ActionAreas, titles[id])
		}
		v.Candidates = append(v.Candidates, row)
	}
	return s.ok(w, r, practiceview.Examples(s.rvPage(r, "Good practice"), v))
}

// exampleForm fills what the example form shows besides what was typed: the review, the note
// (when written from one; a refused note leaves it out and says why), the action areas offered
// (the note's own, or all) and the local areas (without a note).
func exampleForm(r *http.Request, v *practiceview.ExampleFormView, fd practice.FormData) {
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.ReviewID = actorFrom(r.Context()).Review.ReviewID
	v.ReviewTitle = fd.Title
	v.ActionAreas = actionAreaOptions(fd.Framework)
	switch {
	case fd.NoteError != "":
		if !v.Errors.Has("note") {
			v.Errors.Add("note", fd.NoteError)
		}
	case fd.Note != nil:
		c := fd.Note
		v.Note = c
		if v.ExampleID == "" && len(c.ActionAreas) > 0 {
			titles := actionAreaTitles(fd.Framework)
			v.ActionAreas = nil
			for _, id := range c.ActionAreas {
				v.ActionAreas = append(v.ActionAreas, practiceview.Option{ID: id, Title: titles[id]})
			}
		}
	}
	if len(v.ActionAreas) == 1 && v.In.ActionAreaID == "" {
		v.In.ActionAreaID = v.ActionAreas[0].ID
	}
	for _, ar := range fd.Areas {
		v.Areas = append(v.Areas, practiceview.Option{ID: ar.ID, Title: ar.Name})
	}
}

func (s *Server) exampleFormPage(w http.ResponseWriter, r *http.Request, v practiceview.ExampleFormView) error {
	p := s.rvPage(r, v.Heading())
	switch {
	case v.Conflict != nil:
		p.HasError = true
		s.render(w, r, http.StatusConflict, practiceview.ExampleForm(p, v))
		return nil
	case v.Errors.Any():
		p.HasError = true
		return s.invalid(w, r, practiceview.ExampleForm(p, v))
	}
	return s.ok(w, r, practiceview.ExampleForm(p, v))
}

func (s *Server) exampleNew(w http.ResponseWriter, r *http.Request) error {
	noteID := r.URL.Query().Get("note")
	fd, err := practice.FormPage(r.Context(), s.pool, scopeOf(r), noteID)
	if err != nil {
		return err
	}
	v := practiceview.ExampleFormView{Key: noteKey(), In: practice.Input{NoteID: noteID}}
	exampleForm(r, &v, fd)
	if v.Errors.Has("note") {
		return apperr.Invalid("%s", v.Errors.Get("note"))
	}
	if v.Note != nil {
		v.In.Body = v.Note.Body
	}
	return s.exampleFormPage(w, r, v)
}

// exampleInput reads the example form as typed.
func exampleInput(r *http.Request) practice.Input {
	return practice.Input{NoteID: strings.TrimSpace(r.PostFormValue("note")), AreaID: r.PostFormValue("area"),
		ActionAreaID: r.PostFormValue("action_area"), Title: r.PostFormValue("title"),
		Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), Key: r.PostFormValue("idempotency_key"),
		Version: prVersion(r), ConfirmPersonalData: r.PostFormValue("confirm_personal_data") == "yes"}
}

func (s *Server) exampleCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := exampleInput(r)
	res, err := practice.Add(r.Context(), s.pool, scopeOf(r), in)
	var refused *practice.Refused
	if errors.As(err, &refused) {
		v := practiceview.ExampleFormView{Key: in.Key, In: in, Errors: refused.Errors, Findings: refused.Found}
		exampleForm(r, &v, *res.Form)
		return s.exampleFormPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.ExamplesPath(a.Review.ReviewID)+"#example-"+res.ID, "Example saved")
}

func (s *Server) exampleShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	sh, err := practice.ShowPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "exampleID"))
	if err != nil {
		return err
	}
	v := practiceview.ExampleView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly), Example: sh.Example,
		ReviewTitle: sh.Title, ActionArea: actionAreaTitles(sh.Framework)[sh.Example.ActionAreaID], Warnings: sh.Example.Warnings(sh.Names),
		Photos: sh.Photos}
	t := v.Example.Title
	if t == "" {
		t = "Good practice example"
	}
	return s.ok(w, r, practiceview.Example(s.rvPage(r, t), v))
}

func exampleInputOf(e practice.Example) practice.Input {
	return practice.Input{NoteID: e.NoteID, AreaID: e.AreaID, ActionAreaID: e.ActionAreaID, Title: e.Title, Body: e.Body,
		Version: e.Version}
}

func (s *Server) exampleEdit(w http.ResponseWriter, r *http.Request) error {
	e, fd, err := practice.EditPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "exampleID"))
	if err != nil {
		return err
	}
	v := practiceview.ExampleFormView{ExampleID: e.ID, Version: e.Version, In: exampleInputOf(e)}
	exampleForm(r, &v, fd)
	v.Errors = &form.Errors{} // a note unflagged since does not stop an edit
	return s.exampleFormPage(w, r, v)
}

func (s *Server) exampleUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "exampleID")
	in := exampleInput(r)
	res, err := practice.Change(r.Context(), s.pool, scopeOf(r), id, in)
	var refused *practice.Refused
	var stale *practice.StaleError
	switch {
	case errors.As(err, &stale):
		cur := *res.Current
		v := practiceview.ExampleFormView{ExampleID: id, Version: cur.Version, In: in, Mine: in, Conflict: &cur}
		v.In.NoteID = cur.NoteID
		exampleForm(r, &v, *res.Form)
		v.Errors = &form.Errors{}
		return s.exampleFormPage(w, r, v)
	case errors.As(err, &refused):
		v := practiceview.ExampleFormView{ExampleID: id, Version: in.Version, In: in}
		exampleForm(r, &v, *res.Form)
		v.In.NoteID = res.Current.NoteID
		v.Errors, v.Findings = refused.Errors, refused.Found
		return s.exampleFormPage(w, r, v)
	case err != nil:
		return err
	}
	return s.redirect(w, r, practiceview.ExamplePath(a.Review.ReviewID, id), "Example saved")
}

func (s *Server) exampleDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	confirmed := r.PostFormValue("confirm") == "yes"
	e, title, err := practice.Remove(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "exampleID"), prVersion(r), confirmed)
	if err != nil {
		return err
	}
	if !confirmed {
		v := practiceview.ExampleDeleteView{ReviewID: a.Review.ReviewID, ReviewTitle: title, Example: e}
		return s.ok(w, r, practiceview.ExampleDelete(s.rvPage(r, "Delete this example"), v))
	}
	return s.redirect(w, r, practiceview.ExamplesPath(a.Review.ReviewID), "Example deleted")
}

func (s *Server) exampleMove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "exampleID")
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	up, err := prUp(r)
	if err != nil {
		return err
	}
	from, to, err := practice.Reorder(r.Context(), s.pool, scopeOf(r), id, up)
	if err != nil {
		return err
	}
	dest := practiceview.ExamplesPath(a.Review.ReviewID) + "#example-" + id
	if from == to {
		return s.redirect(w, r, dest, "The example is already "+enqEnd(up)+" of its action area")
	}
	return s.redirect(w, r, dest, "Example moved to number "+strconv.Itoa(to)+" in its action area")
}

// --- Recommendations ---

// recFindingGroups groups the review's findings by action area in the framework's order, with
// each one's reference by id.
func recFindingGroups(fw review.Framework, fs []finding.Finding) ([]practiceview.FindingGroup, map[string]practiceview.FindingRef) {
	titles := actionAreaTitles(fw)
	refs := map[string]practiceview.FindingRef{}
	byArea := map[string][]practiceview.FindingRef{}
	for _, f := range fs {
		ref := practiceview.FindingRef{ID: f.ID, ActionArea: titles[f.ActionAreaID], Text: f.Text()}
		refs[f.ID] = ref
		byArea[f.ActionAreaID] = append(byArea[f.ActionAreaID], ref)
	}
	var groups []practiceview.FindingGroup
	for _, g := range fw.Groups {
		for _, aa := range g.Areas {
			groups = append(groups, practiceview.FindingGroup{ActionAreaID: aa.ID, Title: aa.Title, Findings: byArea[aa.ID]})
		}
	}
	return groups, refs
}

func (s *Server) recsList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	d, err := recommendation.ListPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := practiceview.RecsView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly), ReviewTitle: d.Title}
	_, refs := recFindingGroups(d.Framework, d.Findings)
	for i, rec := range d.Recs {
		row := practiceview.RecRow{Rec: rec, Last: i == len(d.Recs)-1}
		for _, id := range rec.FindingIDs {
			row.Findings = append(row.Findings, refs[id])
		}
		v.Recs = append(v.Recs, row)
	}
	return s.ok(w, r, practiceview.Recommendations(s.rvPage(r, "Recommendations"), v))
}

// recForm fills the recommendation form's page from what the command read.
func recForm(r *http.Request, v *practiceview.RecFormView, fd recommendation.FormData) {
	v.ReviewID = actorFrom(r.Context()).Review.ReviewID
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.ReviewTitle, v.AddresseeList = fd.Title, fd.Addressees
	v.Groups, _ = recFindingGroups(fd.Framework, fd.Findings)
}

func (s *Server) recFormPage(w http.ResponseWriter, r *http.Request, v practiceview.RecFormView) error {
	p := s.rvPage(r, v.Heading())
	switch {
	case v.Conflict != nil:
		p.HasError = true
		s.render(w, r, http.StatusConflict, practiceview.RecForm(p, v))
		return nil
	case v.Errors.Any():
		p.HasError = true
		return s.invalid(w, r, practiceview.RecForm(p, v))
	}
	return s.ok(w, r, practiceview.RecForm(p, v))
}

func (s *Server) recNew(w http.ResponseWriter, r *http.Request) error {
	fd, err := recommendation.FormPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := practiceview.RecFormView{Key: noteKey()}
	recForm(r, &v, fd)
	return s.recFormPage(w, r, v)
}

// recRead reads the recommendation form as typed: the addressee is a suggestion, or "other" with
// the words typed under it.
func recRead(r *http.Request) (recommendation.Input, practiceview.RecFormView) {
	v := practiceview.RecFormView{Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Choice: r.PostFormValue("addressee"), Other: r.PostFormValue("addressee_other"),
		Key: r.PostFormValue("idempotency_key"), Version: prVersion(r), Checked: map[string]bool{}}
	in := recommendation.Input{Body: v.Body, Addressee: v.Choice, FindingIDs: r.PostForm["findings"], Key: v.Key, Version: v.Version}
	if v.Choice == "other" {
		in.Addressee = v.Other
	}
	for _, id := range in.FindingIDs {
		v.Checked[id] = true
	}
	return in, v
}

// recErrors moves an empty "other" addressee's error to its text box.
func recErrors(errs *form.Errors, choice string) *form.Errors {
	if choice != "other" {
		return errs
	}
	out := &form.Errors{}
	for _, fe := range errs.List() {
		if fe.Field == "addressee" {
			out.Add("addressee-other", strings.Replace(fe.Message, "Choose", "Enter", 1))
		} else {
			out.Add(fe.Field, fe.Message)
		}
	}
	return out
}

func (s *Server) recCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in, v := recRead(r)
	res, err := recommendation.Add(r.Context(), s.pool, scopeOf(r), in, v.Choice == "other")
	var refused *recommendation.Refused
	if errors.As(err, &refused) {
		v.Errors = recErrors(refused.Errors, v.Choice)
		recForm(r, &v, *res.Form)
		return s.recFormPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID)+"#recommendation-"+res.ID, "Recommendation saved")
}

// recFormOf fills the form with a stored recommendation.
func recFormOf(v *practiceview.RecFormView, rec recommendation.Recommendation) {
	v.RecID, v.Number, v.Version, v.Body = rec.ID, rec.Number, rec.Version, rec.Body
	v.Choice, v.Other = rec.Addressee, ""
	v.Checked = map[string]bool{}
	for _, id := range rec.FindingIDs {
		v.Checked[id] = true
	}
}

func (s *Server) recEdit(w http.ResponseWriter, r *http.Request) error {
	rec, fd, err := recommendation.EditPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "recommendationID"))
	if err != nil {
		return err
	}
	var v practiceview.RecFormView
	recFormOf(&v, rec)
	recForm(r, &v, fd)
	return s.recFormPage(w, r, v)
}

func (s *Server) recUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "recommendationID")
	in, v := recRead(r)
	v.RecID = id
	res, err := recommendation.Change(r.Context(), s.pool, scopeOf(r), id, in, v.Choice == "other")
	var refused *recommendation.Refused
	var stale *recommendation.StaleError
	switch {
	case errors.As(err, &stale):
		v.Conflict, v.Version, v.Number = res.Current, res.Current.Version, res.Current.Number
		recForm(r, &v, *res.Form)
		return s.recFormPage(w, r, v)
	case errors.As(err, &refused):
		v.Errors, v.Number = recErrors(refused.Errors, v.Choice), res.Number
		recForm(r, &v, *res.Form)
		return s.recFormPage(w, r, v)
	case err != nil:
		return err
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID)+"#recommendation-"+id,
		"Recommendation "+strconv.Itoa(res.After.Number)+" saved")
}

func (s *Server) recDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	confirmed := r.PostFormValue("confirm") == "yes"
	rec, title, err := recommendation.Remove(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "recommendationID"), prVersion(r), confirmed)
	if err != nil {
		return err
	}
	if !confirmed {
		v := practiceview.RecDeleteView{ReviewID: a.Review.ReviewID, ReviewTitle: title, Rec: rec}
		return s.ok(w, r, practiceview.RecDelete(s.rvPage(r, "Delete recommendation "+strconv.Itoa(v.Rec.Number)), v))
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID), "Recommendation "+strconv.Itoa(rec.Number)+" deleted")
}

func (s *Server) recMove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "recommendationID")
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	up, err := prUp(r)
	if err != nil {
		return err
	}
	from, to, err := recommendation.Reorder(r.Context(), s.pool, scopeOf(r), id, up)
	if err != nil {
		return err
	}
	dest := practiceview.RecommendationsPath(a.Review.ReviewID) + "#recommendation-" + id
	if from == to {
		return s.redirect(w, r, dest, "Recommendation "+strconv.Itoa(from)+" is already "+enqEnd(up)+" of the list")
	}
	return s.redirect(w, r, dest, "Recommendation "+strconv.Itoa(from)+" is now number "+strconv.Itoa(to))
}
