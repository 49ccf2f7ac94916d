package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/personal"
	"thematic/internal/practice"
	"thematic/internal/recommendation"
	"thematic/internal/review"
	"thematic/templates/practiceview"
)

// prParam reads an id from the path; anything that is not a UUID cannot name a row.
func prParam(r *http.Request, name string) (string, error) {
	id := chi.URLParam(r, name)
	if !db.ValidUUID(id) {
		return "", apperr.NotFound("")
	}
	return id, nil
}

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

func (s *Server) prAudit(r *http.Request, tx pgx.Tx, action, objectType, id string, before, after any) error {
	a := actorFrom(r.Context())
	return audit.Record(r.Context(), tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, ObjectType: objectType, ObjectID: id, Before: before, After: after})
}

// prFramework reads the review's title and its framework.
func prFramework(r *http.Request, tx pgx.Tx) (string, review.Framework, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	return review.LoadFrameworkTitled(ctx, tx, a.TenantID, a.Review.ReviewID)
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

func exampleAudit(e practice.Example) map[string]any {
	return map[string]any{"review_id": e.ReviewID, "action_area_id": e.ActionAreaID, "area_id": e.AreaID,
		"note_id": e.NoteID, "title": e.Title, "body": e.Body, "position": e.Position}
}

func (s *Server) examplesList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := practiceview.ExamplesView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly)}
	err := s.tx(r, func(tx pgx.Tx) error {
		title, fw, err := prFramework(r, tx)
		if err != nil {
			return err
		}
		v.ReviewTitle = title
		v.ActionAreas = actionAreaOptions(fw)
		titles := actionAreaTitles(fw)
		if f := r.URL.Query().Get("action-area"); titles[f] != "" {
			v.Filter = f
		}
		examples, err := practice.List(ctx, tx, a.TenantID, a.Review.ReviewID, "")
		if err != nil {
			return err
		}
		names, err := practice.AreaNames(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		byArea := map[string][]practiceview.ExampleRow{}
		for _, e := range examples {
			byArea[e.ActionAreaID] = append(byArea[e.ActionAreaID], practiceview.ExampleRow{Example: e, Warnings: e.Warnings(names)})
		}
		v.Count = len(examples)
		for _, g := range fw.Groups {
			for i, aa := range g.Areas {
				v.Sections = append(v.Sections, practiceview.Section{GroupTitle: g.Title, NewGroup: i == 0,
					ActionAreaID: aa.ID, Title: aa.Title, Examples: byArea[aa.ID]})
			}
		}
		cands, err := practice.Candidates(ctx, tx, a.TenantID, a.Review.ReviewID, v.Filter)
		if err != nil {
			return err
		}
		for _, c := range cands {
			row := practiceview.CandidateRow{Note: c}
			for _, id := range c.ActionAreas {
				row.ActionAreas = append(row.ActionAreas, titles[id])
			}
			v.Candidates = append(v.Candidates, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, practiceview.Examples(s.rvPage(r, "Good practice"), v))
}

// exampleForm loads what the example form shows besides what was typed: the review, the note
// (when written from one; a refused note leaves it out and says why), the action areas offered
// (the note's own, or all) and the local areas (without a note).
func (s *Server) exampleForm(r *http.Request, tx pgx.Tx, v *practiceview.ExampleFormView, noteID string, noteless bool) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.ReviewID = a.Review.ReviewID
	title, fw, err := prFramework(r, tx)
	if err != nil {
		return err
	}
	v.ReviewTitle = title
	all := actionAreaOptions(fw)
	v.ActionAreas = all
	if noteID != "" {
		c, err := practice.CandidateNote(ctx, tx, a.TenantID, a.Review.ReviewID, noteID)
		var refused *practice.Refused
		switch {
		case errors.As(err, &refused):
			if !v.Errors.Has("note") {
				v.Errors.Add("note", refused.Errors.Get("note"))
			}
		case err != nil:
			return err
		default:
			v.Note = &c
			if v.ExampleID == "" && len(c.ActionAreas) > 0 {
				titles := actionAreaTitles(fw)
				v.ActionAreas = nil
				for _, id := range c.ActionAreas {
					v.ActionAreas = append(v.ActionAreas, practiceview.Option{ID: id, Title: titles[id]})
				}
			}
		}
	}
	if len(v.ActionAreas) == 1 && v.In.ActionAreaID == "" {
		v.In.ActionAreaID = v.ActionAreas[0].ID
	}
	if noteless {
		areas, err := practice.Areas(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		for _, ar := range areas {
			v.Areas = append(v.Areas, practiceview.Option{ID: ar.ID, Title: ar.Name})
		}
	}
	return nil
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
	v := practiceview.ExampleFormView{Key: noteKey(), In: practice.Input{NoteID: noteID}}
	err := s.tx(r, func(tx pgx.Tx) error { return s.exampleForm(r, tx, &v, noteID, noteID == "") })
	if err != nil {
		return err
	}
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

// examplePersonalData refuses an example holding what looks like personal data unless the writer
// confirmed it is not (one statement, before the change, so that a refusal stays cheap). It
// answers what was confirmed, for exampleConfirmed.
func examplePersonalData(r *http.Request, tx pgx.Tx, in practice.Input) ([]personal.Hit, error) {
	a := actorFrom(r.Context())
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	return practice.CheckPersonalData(r.Context(), tx, a.TenantID, a.Review.ReviewID, in)
}

// exampleConfirmed audits the writer's confirmation that what was found is not personal data.
func (s *Server) exampleConfirmed(r *http.Request, tx pgx.Tx, id string, found []personal.Hit) error {
	if len(found) == 0 {
		return nil
	}
	return s.prAudit(r, tx, "example.personal_data_confirmed", "practice_example", id, nil,
		map[string]any{"personal_data_confirmed": evidence.Kinds(found)})
}

func (s *Server) exampleCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := exampleInput(r)
	var id string
	var created bool
	err := s.tx(r, func(tx pgx.Tx) error {
		found, err := examplePersonalData(r, tx, in)
		if err != nil {
			return err
		}
		if id, created, err = practice.Create(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, in); err != nil || !created {
			return err
		}
		e, err := practice.Get(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		if err := s.exampleConfirmed(r, tx, id, found); err != nil {
			return err
		}
		return s.prAudit(r, tx, "example.created", "practice_example", id, nil, exampleAudit(e))
	})
	var refused *practice.Refused
	if errors.As(err, &refused) {
		v := practiceview.ExampleFormView{Key: in.Key, In: in, Errors: refused.Errors, Findings: refused.Found}
		if err := s.tx(r, func(tx pgx.Tx) error { return s.exampleForm(r, tx, &v, in.NoteID, in.NoteID == "") }); err != nil {
			return err
		}
		return s.exampleFormPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.ExamplesPath(a.Review.ReviewID)+"#example-"+id, "Example saved")
}

func (s *Server) exampleLoad(r *http.Request, tx pgx.Tx) (practice.Example, error) {
	a := actorFrom(r.Context())
	id, err := prParam(r, "exampleID")
	if err != nil {
		return practice.Example{}, err
	}
	return practice.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID, id)
}

func (s *Server) exampleShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := practiceview.ExampleView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly)}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Example, err = s.exampleLoad(r, tx); err != nil {
			return err
		}
		title, fw, err := prFramework(r, tx)
		if err != nil {
			return err
		}
		v.ReviewTitle, v.ActionArea = title, actionAreaTitles(fw)[v.Example.ActionAreaID]
		names, err := practice.AreaNames(ctx, tx, a.TenantID, a.Review.ReviewID)
		v.Warnings = v.Example.Warnings(names)
		return err
	})
	if err != nil {
		return err
	}
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
	var v practiceview.ExampleFormView
	err := s.tx(r, func(tx pgx.Tx) error {
		e, err := s.exampleLoad(r, tx)
		if err != nil {
			return err
		}
		v.ExampleID, v.Version, v.In = e.ID, e.Version, exampleInputOf(e)
		if err := s.exampleForm(r, tx, &v, e.NoteID, e.NoteID == ""); err != nil {
			return err
		}
		v.Errors = &form.Errors{} // a note unflagged since does not stop an edit
		return nil
	})
	if err != nil {
		return err
	}
	return s.exampleFormPage(w, r, v)
}

func (s *Server) exampleUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := prParam(r, "exampleID")
	if err != nil {
		return err
	}
	in := exampleInput(r)
	var after practice.Example
	var refused *practice.Refused
	var stale *practice.StaleError
	// When refused, the form again is read in the same transaction (rolled back: nothing changed).
	var v practiceview.ExampleFormView
	var viewErr error
	err = s.tx(r, func(tx pgx.Tx) error {
		var before practice.Example
		var err error
		found, err := examplePersonalData(r, tx, in)
		if err == nil {
			before, after, err = practice.Update(ctx, tx, a.TenantID, a.Review.ReviewID, id, in)
		}
		if err != nil {
			switch {
			case errors.As(err, &stale):
				cur := stale.Current
				v = practiceview.ExampleFormView{ExampleID: id, Version: cur.Version, In: in, Mine: in, Conflict: &cur}
				v.In.NoteID = cur.NoteID
				viewErr = s.exampleForm(r, tx, &v, cur.NoteID, cur.NoteID == "")
			case errors.As(err, &refused):
				v = practiceview.ExampleFormView{ExampleID: id, Version: in.Version, In: in}
				cur, err := practice.Get(ctx, tx, a.TenantID, a.Review.ReviewID, id)
				if err != nil {
					viewErr = err
				} else {
					viewErr = s.exampleForm(r, tx, &v, cur.NoteID, cur.NoteID == "")
					v.In.NoteID = cur.NoteID
				}
			}
			return err
		}
		if err := s.exampleConfirmed(r, tx, id, found); err != nil {
			return err
		}
		return s.prAudit(r, tx, "example.updated", "practice_example", id, exampleAudit(before), exampleAudit(after))
	})
	switch {
	case errors.As(err, &stale):
		if viewErr != nil {
			return viewErr
		}
		v.Errors = &form.Errors{}
		return s.exampleFormPage(w, r, v)
	case errors.As(err, &refused):
		if viewErr != nil {
			return viewErr
		}
		v.Errors, v.Findings = refused.Errors, refused.Found
		return s.exampleFormPage(w, r, v)
	case err != nil:
		return err
	}
	return s.redirect(w, r, practiceview.ExamplePath(a.Review.ReviewID, id), "Example saved")
}

func (s *Server) exampleDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if r.PostFormValue("confirm") != "yes" {
		v := practiceview.ExampleDeleteView{ReviewID: a.Review.ReviewID}
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if v.Example, err = s.exampleLoad(r, tx); err != nil {
				return err
			}
			v.ReviewTitle, _, err = prFramework(r, tx)
			return err
		})
		if err != nil {
			return err
		}
		return s.ok(w, r, practiceview.ExampleDelete(s.rvPage(r, "Delete this example"), v))
	}
	id, err := prParam(r, "exampleID")
	if err != nil {
		return err
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		e, err := practice.Delete(ctx, tx, a.TenantID, a.Review.ReviewID, id, prVersion(r))
		if err != nil {
			return err
		}
		return s.prAudit(r, tx, "example.deleted", "practice_example", id, exampleAudit(e), nil)
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.ExamplesPath(a.Review.ReviewID), "Example deleted")
}

func (s *Server) exampleMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := prParam(r, "exampleID")
	if err != nil {
		return err
	}
	up, err := prUp(r)
	if err != nil {
		return err
	}
	var from, to int
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if from, to, err = practice.Move(ctx, tx, a.TenantID, a.Review.ReviewID, id, up); err != nil || from == to {
			return err
		}
		return s.prAudit(r, tx, "example.moved", "practice_example", id, map[string]int{"place": from}, map[string]int{"place": to})
	})
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

func recAudit(rec recommendation.Recommendation) map[string]any {
	return map[string]any{"review_id": rec.ReviewID, "number": rec.Number, "body": rec.Body, "addressee": rec.Addressee,
		"finding_ids": rec.FindingIDs}
}

// recFindings reads the review's findings by action area, and each one's reference by id.
func recFindings(r *http.Request, tx pgx.Tx) (string, []practiceview.FindingGroup, map[string]practiceview.FindingRef, error) {
	title, fw, err := prFramework(r, tx)
	if err != nil {
		return "", nil, nil, err
	}
	groups, refs, err := recFindingGroups(r, tx, fw)
	return title, groups, refs, err
}

// recFindingGroups reads the review's findings, grouped by action area in the framework's order.
func recFindingGroups(r *http.Request, tx pgx.Tx, fw review.Framework) ([]practiceview.FindingGroup, map[string]practiceview.FindingRef, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	fs, err := finding.List(ctx, tx, a.TenantID, a.Review.ReviewID, "")
	if err != nil {
		return nil, nil, err
	}
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
	return groups, refs, nil
}

func (s *Server) recsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := practiceview.RecsView{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly)}
	err := s.tx(r, func(tx pgx.Tx) error {
		title, _, refs, err := recFindings(r, tx)
		if err != nil {
			return err
		}
		v.ReviewTitle = title
		recs, err := recommendation.List(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			row := practiceview.RecRow{Rec: rec, Last: i == len(recs)-1}
			for _, id := range rec.FindingIDs {
				row.Findings = append(row.Findings, refs[id])
			}
			v.Recs = append(v.Recs, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, practiceview.Recommendations(s.rvPage(r, "Recommendations"), v))
}

func (s *Server) recFormLoad(r *http.Request, v *practiceview.RecFormView) error {
	return s.tx(r, func(tx pgx.Tx) error { return recFormLoadTx(r, tx, v) })
}

// recFormLoadTx is recFormLoad in the caller's transaction.
func recFormLoadTx(r *http.Request, tx pgx.Tx, v *practiceview.RecFormView) error {
	v.ReviewID = actorFrom(r.Context()).Review.ReviewID
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	a := actorFrom(r.Context())
	var fw review.Framework
	var err error
	if v.ReviewTitle, fw, v.AddresseeList, err = review.LoadFrameworkTitledAddressees(r.Context(), tx, a.TenantID, a.Review.ReviewID); err != nil {
		return err
	}
	v.Groups, _, err = recFindingGroups(r, tx, fw)
	return err
}

// recAddressee puts the addressee in the list's spelling: one chosen from the list must still be
// in it; one typed under "Someone else" joins the list (or is matched to a value it has).
func recAddressee(r *http.Request, tx pgx.Tx, in *recommendation.Input, choice string) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if strings.TrimSpace(in.Addressee) == "" || utf8.RuneCountInString(in.Addressee) > 200 {
		return nil // the recommendation's own checks refuse it
	}
	if choice == "other" {
		name, err := review.EnsureTerm(ctx, tx, scopeOf(r), review.VocabAddressees, in.Addressee)
		in.Addressee = name
		return err
	}
	name, found, err := review.FindTerm(ctx, tx, a.TenantID, a.Review.ReviewID, review.VocabAddressees, in.Addressee)
	if err != nil {
		return err
	}
	if !found {
		errs := &form.Errors{}
		errs.Add("addressee", "Choose who the recommendation is for: the list of addressees has changed")
		return &recommendation.Refused{Errors: errs}
	}
	in.Addressee = name
	return nil
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
	v := practiceview.RecFormView{Key: noteKey()}
	if err := s.recFormLoad(r, &v); err != nil {
		return err
	}
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
	ctx := r.Context()
	a := actorFrom(ctx)
	in, v := recRead(r)
	var id string
	var created bool
	err := s.tx(r, func(tx pgx.Tx) error {
		if err := recAddressee(r, tx, &in, v.Choice); err != nil {
			return err
		}
		var err error
		if id, created, err = recommendation.Create(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, in); err != nil || !created {
			return err
		}
		rec, err := recommendation.Get(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		return s.prAudit(r, tx, "recommendation.created", "recommendation", id, nil, recAudit(rec))
	})
	var refused *recommendation.Refused
	if errors.As(err, &refused) {
		v.Errors = recErrors(refused.Errors, v.Choice)
		if err := s.recFormLoad(r, &v); err != nil {
			return err
		}
		return s.recFormPage(w, r, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID)+"#recommendation-"+id, "Recommendation saved")
}

func (s *Server) recLoad(r *http.Request, tx pgx.Tx) (recommendation.Recommendation, error) {
	a := actorFrom(r.Context())
	id, err := prParam(r, "recommendationID")
	if err != nil {
		return recommendation.Recommendation{}, err
	}
	return recommendation.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID, id)
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
	var v practiceview.RecFormView
	err := s.tx(r, func(tx pgx.Tx) error {
		rec, err := s.recLoad(r, tx)
		recFormOf(&v, rec)
		if err != nil {
			return err
		}
		return recFormLoadTx(r, tx, &v)
	})
	if err != nil {
		return err
	}
	return s.recFormPage(w, r, v)
}

func (s *Server) recUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := prParam(r, "recommendationID")
	if err != nil {
		return err
	}
	in, v := recRead(r)
	v.RecID = id
	var after recommendation.Recommendation
	var refused *recommendation.Refused
	var stale *recommendation.StaleError
	// When refused, the form again is read in the same transaction (rolled back: nothing changed).
	var viewErr error
	err = s.tx(r, func(tx pgx.Tx) error {
		var before recommendation.Recommendation
		err := recAddressee(r, tx, &in, v.Choice)
		if err == nil {
			before, after, err = recommendation.Update(ctx, tx, a.TenantID, a.Review.ReviewID, id, in)
		}
		if err != nil {
			switch {
			case errors.As(err, &stale):
				cur := stale.Current
				v.Conflict, v.Version, v.Number = &cur, cur.Version, cur.Number
				viewErr = recFormLoadTx(r, tx, &v)
			case errors.As(err, &refused):
				v.Errors = recErrors(refused.Errors, v.Choice)
				cur, err := recommendation.Get(ctx, tx, a.TenantID, a.Review.ReviewID, id)
				v.Number = cur.Number
				if viewErr = err; err == nil {
					viewErr = recFormLoadTx(r, tx, &v)
				}
			}
			return err
		}
		return s.prAudit(r, tx, "recommendation.updated", "recommendation", id, recAudit(before), recAudit(after))
	})
	switch {
	case errors.As(err, &stale), errors.As(err, &refused):
		if viewErr != nil {
			return viewErr
		}
		return s.recFormPage(w, r, v)
	case err != nil:
		return err
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID)+"#recommendation-"+id,
		"Recommendation "+strconv.Itoa(after.Number)+" saved")
}

func (s *Server) recDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if r.PostFormValue("confirm") != "yes" {
		v := practiceview.RecDeleteView{ReviewID: a.Review.ReviewID}
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if v.Rec, err = s.recLoad(r, tx); err != nil {
				return err
			}
			rv, err := review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
			v.ReviewTitle = rv.Title
			return err
		})
		if err != nil {
			return err
		}
		return s.ok(w, r, practiceview.RecDelete(s.rvPage(r, "Delete recommendation "+strconv.Itoa(v.Rec.Number)), v))
	}
	id, err := prParam(r, "recommendationID")
	if err != nil {
		return err
	}
	var rec recommendation.Recommendation
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if rec, err = recommendation.Delete(ctx, tx, a.TenantID, a.Review.ReviewID, id, prVersion(r)); err != nil {
			return err
		}
		return s.prAudit(r, tx, "recommendation.deleted", "recommendation", id, recAudit(rec), nil)
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, practiceview.RecommendationsPath(a.Review.ReviewID), "Recommendation "+strconv.Itoa(rec.Number)+" deleted")
}

func (s *Server) recMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := prParam(r, "recommendationID")
	if err != nil {
		return err
	}
	up, err := prUp(r)
	if err != nil {
		return err
	}
	var from, to int
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if from, to, err = recommendation.Move(ctx, tx, a.TenantID, a.Review.ReviewID, id, up); err != nil || from == to {
			return err
		}
		return s.prAudit(r, tx, "recommendation.moved", "recommendation", id, map[string]int{"number": from}, map[string]int{"number": to})
	})
	if err != nil {
		return err
	}
	dest := practiceview.RecommendationsPath(a.Review.ReviewID) + "#recommendation-" + id
	if from == to {
		return s.redirect(w, r, dest, "Recommendation "+strconv.Itoa(from)+" is already "+enqEnd(up)+" of the list")
	}
	return s.redirect(w, r, dest, "Recommendation "+strconv.Itoa(from)+" is now number "+strconv.Itoa(to))
}
