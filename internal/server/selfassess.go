package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/reminder"
	"thematic/internal/selfassess"
	"thematic/templates/selfassessview"
)

// Self-assessments. Before a visit each area's local authority contact rates the area against the
// review's self-assessment template, one question page per element, checks the answers and
// submits them; the review's lead may fill in too, and reopens a submitted self-assessment with a
// reason the contact sees. Inspectors and observers read. A contact of another area gets 404
// everywhere (areaParam).

// saCanFill reports whether the actor may answer for an area: its own contact or the lead.
func saCanFill(a *auth.Actor, areaID string) bool {
	return a.Review.Role == auth.ReviewLead || (a.Review.Role == auth.ReviewContact && a.Review.SeesArea(areaID))
}

// saState is what every page of an area's self-assessment reads.
type saState struct {
	ctx  selfassessview.Context
	tpl  selfassess.Template
	area selfassess.Area
}

func (s *Server) saLoad(r *http.Request, tx pgx.Tx, areaID string) (saState, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var st saState
	pg, err := selfassess.LoadPage(ctx, tx, a.TenantID, a.Review.ReviewID, areaID)
	if err != nil {
		return st, err
	}
	st.ctx = selfassessview.Context{ReviewID: a.Review.ReviewID, ReviewTitle: pg.ReviewTitle, AreaID: areaID,
		AreaName: area.DisplayName(pg.AreaName)}
	st.tpl, st.area = pg.Template, pg.Area
	return st, nil
}

func (s *Server) saAudit(r *http.Request, tx pgx.Tx, action, objectType, objectID string, before, after any) error {
	a := actorFrom(r.Context())
	return audit.Record(r.Context(), tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, ObjectType: objectType, ObjectID: objectID, Before: before, After: after})
}

func (s *Server) saStartRender(w http.ResponseWriter, r *http.Request, status int, st saState, reason string, errs *form.Errors) error {
	a := actorFrom(r.Context())
	v := selfassessview.StartView{Ctx: st.ctx, Template: st.tpl, Area: st.area, CanEdit: saCanFill(a, st.ctx.AreaID),
		IsLead: a.Review.Role == auth.ReviewLead, Reason: reason, Errors: errs}
	p := s.page(r, "Self-assessment for "+st.ctx.AreaName)
	p.HasError = errs.Any()
	s.render(w, r, status, selfassessview.Start(p, v))
	return nil
}

func (s *Server) saStart(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var st saState
	if err := s.tx(r, func(tx pgx.Tx) error { st, err = s.saLoad(r, tx, id); return err }); err != nil {
		return err
	}
	return s.saStartRender(w, r, http.StatusOK, st, "", &form.Errors{})
}

// saElement finds the element a question page is about: ?element=, or the first.
func saElement(t selfassess.Template, id string) (selfassess.Element, int, error) {
	for i, e := range t.Elements {
		if id == "" || e.ID == id {
			return e, i + 1, nil
		}
	}
	return selfassess.Element{}, 0, apperr.NotFound("")
}

func (s *Server) saQuestionRender(w http.ResponseWriter, r *http.Request, status int, st saState, el selfassess.Element, n int,
	answer selfassess.Response, conflict string, errs *form.Errors) error {
	a := actorFrom(r.Context())
	v := selfassessview.QuestionView{Ctx: st.ctx, Template: st.tpl, Element: el, Number: n, Answer: answer,
		CanEdit: saCanFill(a, st.ctx.AreaID), Submitted: st.area.Submission.Submitted(), Conflict: conflict, Errors: errs}
	p := s.page(r, el.Title+" – self-assessment for "+st.ctx.AreaName)
	p.HasError = errs.Any() || conflict != ""
	s.render(w, r, status, selfassessview.Question(p, v))
	return nil
}

func (s *Server) saQuestion(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var st saState
	if err := s.tx(r, func(tx pgx.Tx) error { st, err = s.saLoad(r, tx, id); return err }); err != nil {
		return err
	}
	el, n, err := saElement(st.tpl, strings.ToLower(r.URL.Query().Get("element")))
	if err != nil {
		return err
	}
	return s.saQuestionRender(w, r, http.StatusOK, st, el, n, st.area.Responses[el.ID], "", &form.Errors{})
}

func (s *Server) saSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	if !saCanFill(a, id) {
		return apperr.Forbidden("")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := selfassess.AnswerInput{ElementID: strings.ToLower(r.PostFormValue("element_id")), LevelID: strings.ToLower(r.PostFormValue("level")),
		Commentary: r.PostFormValue("commentary"), Version: version}
	if !db.ValidUUID(in.ElementID) {
		return apperr.Invalid("Choose an element to answer.")
	}
	later := r.PostFormValue("action") == "later"
	var st saState
	var el selfassess.Element
	var n int
	var errs *form.Errors
	var conflict string
	err = s.tx(r, func(tx pgx.Tx) error {
		if st, err = s.saLoad(r, tx, id); err != nil {
			return err
		}
		if el, n, err = saElement(st.tpl, in.ElementID); err != nil {
			return apperr.Invalid("That element is no longer in the self-assessment.")
		}
		if st.area.Submission.Submitted() {
			return selfassess.ErrSubmitted
		}
		if errs = in.Validate(st.tpl, !later); errs.Any() {
			return nil
		}
		before, after, changed, err := selfassess.SaveAnswer(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID, st.tpl, in)
		if apperr.Is(err, apperr.CodeConflict) && err != selfassess.ErrSubmitted {
			conflict = apperr.MessageOf(err)
			return nil
		}
		if err != nil || !changed {
			return err
		}
		return s.saAudit(r, tx, "selfassess.answer_saved", "self_assessment", id,
			map[string]any{"element": el.Title, "level": before.LevelID, "commentary": before.Commentary, "version": before.Version},
			map[string]any{"element": el.Title, "level": after.LevelID, "commentary": after.Commentary, "version": after.Version})
	})
	if err != nil {
		return err
	}
	if conflict != "" {
		var cur saState
		if err := s.tx(r, func(tx pgx.Tx) error { cur, err = s.saLoad(r, tx, id); return err }); err != nil {
			return err
		}
		return s.saQuestionRender(w, r, http.StatusConflict, cur, el, n, cur.area.Responses[el.ID], conflict, &form.Errors{})
	}
	if errs.Any() {
		return s.saQuestionRender(w, r, http.StatusUnprocessableEntity, st, el, n, selfassess.Response{ElementID: el.ID,
			LevelID: in.LevelID, Commentary: in.Commentary, Version: in.Version}, "", errs)
	}
	base := "/reviews/" + a.Review.ReviewID + "/areas/" + id + "/self-assessment"
	if later {
		return s.redirect(w, r, base, "Your answers have been saved. You can come back and finish at any time before the deadline.")
	}
	if n < len(st.tpl.Elements) {
		return s.redirect(w, r, base+"/question?element="+st.tpl.Elements[n].ID, "")
	}
	return s.redirect(w, r, base+"/check", "")
}

func (s *Server) saCheckRender(w http.ResponseWriter, r *http.Request, status int, st saState, errs *form.Errors) error {
	a := actorFrom(r.Context())
	v := selfassessview.CheckView{Ctx: st.ctx, Template: st.tpl, Area: st.area, CanEdit: saCanFill(a, st.ctx.AreaID), Errors: errs}
	p := s.page(r, "Check your answers – self-assessment for "+st.ctx.AreaName)
	p.HasError = errs.Any()
	s.render(w, r, status, selfassessview.Check(p, v))
	return nil
}

func (s *Server) saCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var st saState
	if err := s.tx(r, func(tx pgx.Tx) error { st, err = s.saLoad(r, tx, id); return err }); err != nil {
		return err
	}
	return s.saCheckRender(w, r, http.StatusOK, st, &form.Errors{})
}

func (s *Server) saSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	if !saCanFill(a, id) {
		return apperr.Forbidden("")
	}
	var missing *selfassess.MissingError
	var st saState
	var stErr error
	err = s.tx(r, func(tx pgx.Tx) error {
		done, err := selfassess.Submit(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID)
		if errors.As(err, &missing) {
			// The check page again, read in this transaction (rolled back: nothing changed; the
			// draft submission it may have started reads as none).
			st, stErr = s.saLoad(r, tx, id)
		}
		if err != nil || !done {
			return err
		}
		return s.saAudit(r, tx, "selfassess.submitted", "self_assessment", id, nil, map[string]string{"status": selfassess.StatusSubmitted})
	})
	if errors.As(err, &missing) {
		if stErr != nil {
			return stErr
		}
		errs := &form.Errors{}
		missing.Add(errs)
		return s.saCheckRender(w, r, http.StatusUnprocessableEntity, st, errs)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+id+"/self-assessment/submitted", "")
}

func (s *Server) saDone(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	var st saState
	if err := s.tx(r, func(tx pgx.Tx) error { st, err = s.saLoad(r, tx, id); return err }); err != nil {
		return err
	}
	if !st.area.Submission.Submitted() {
		http.Redirect(w, r, "/reviews/"+st.ctx.ReviewID+"/areas/"+id+"/self-assessment", http.StatusSeeOther)
		return nil
	}
	return s.ok(w, r, selfassessview.Done(s.page(r, "Self-assessment submitted"), selfassessview.DoneView{Ctx: st.ctx, Area: st.area}))
}

func (s *Server) saReopen(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	errs := &form.Errors{}
	switch {
	case reason == "":
		errs.Add("reason", "Enter the reason for reopening the self-assessment")
	case len([]rune(reason)) > 2000:
		errs.Add("reason", "The reason must be 2,000 characters or fewer")
	}
	if errs.Any() {
		var st saState
		if err := s.tx(r, func(tx pgx.Tx) error { st, err = s.saLoad(r, tx, id); return err }); err != nil {
			return err
		}
		return s.saStartRender(w, r, http.StatusUnprocessableEntity, st, reason, errs)
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		done, err := selfassess.Reopen(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID, reason)
		if err != nil || !done {
			return err
		}
		return s.saAudit(r, tx, "selfassess.reopened", "self_assessment", id,
			map[string]string{"status": selfassess.StatusSubmitted}, map[string]string{"status": selfassess.StatusDraft, "reason": reason})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+id+"/self-assessment", "The self-assessment has been reopened")
}

func (s *Server) saLeadRender(w http.ResponseWriter, r *http.Request, status int, typed map[string]string, errs *form.Errors) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := selfassessview.LeadView{IsLead: a.Review.Role == auth.ReviewLead, Typed: typed, Errors: errs}
	err := s.tx(r, func(tx pgx.Tx) error {
		title, tpl, err := selfassess.LoadTemplateTitled(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		v.Ctx, v.Template = selfassessview.Context{ReviewID: a.Review.ReviewID, ReviewTitle: title}, tpl
		areas, err := area.List(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		grid, err := selfassess.LoadGrid(ctx, tx, a.TenantID, a.Review.ReviewID, area.Today(s.now()))
		if err != nil {
			return err
		}
		for _, ar := range areas {
			la := saLeadArea(v.Template, ar, grid[ar.ID])
			v.Areas = append(v.Areas, la)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p := s.page(r, "Self-assessments")
	p.HasError = errs.Any()
	s.render(w, r, status, selfassessview.Lead(p, v))
	return nil
}

// saLeadArea is one area's row of the lead's page: deadline, status, lateness and, once
// submitted, its ratings in the template's order.
func saLeadArea(t selfassess.Template, ar area.Area, st *selfassess.AreaState) selfassessview.LeadArea {
	la := selfassessview.LeadArea{ID: ar.ID, Name: ar.Name, Status: selfassess.TaskNotStarted}
	if st == nil {
		return la
	}
	la.Status, la.Late, la.Submitted = st.Status, st.Late, st.Submitted
	if st.Submitted {
		la.Status = "Submitted"
		for _, e := range t.Elements {
			r := st.Responses[e.ID]
			c := selfassessview.LeadCell{Element: e.Title, Commentary: r.Commentary}
			if l, ok := t.Level(r.LevelID); ok {
				c.Label = l.Label
			}
			la.Cells = append(la.Cells, c)
		}
	}
	if d := st.Deadline; d != nil {
		la.Deadline = area.LongDate(*d)
		la.Day, la.Month, la.Year = strconv.Itoa(d.Day()), strconv.Itoa(int(d.Month())), strconv.Itoa(d.Year())
	}
	return la
}

func (s *Server) saLeadPage(w http.ResponseWriter, r *http.Request) error {
	return s.saLeadRender(w, r, http.StatusOK, nil, &form.Errors{})
}

func (s *Server) saLeadURL(r *http.Request) string {
	return "/reviews/" + actorFrom(r.Context()).Review.ReviewID + "/self-assessment"
}

// saPostID reads an id from the form: a bad one is a bad request (the page sent it).
func saPostID(r *http.Request, name string) (string, error) {
	if err := parseForm(r); err != nil {
		return "", err
	}
	id := strings.ToLower(r.PostFormValue(name))
	if !db.ValidUUID(id) {
		return "", apperr.Invalid("Choose what to change.")
	}
	return id, nil
}

// saRefused turns a refused change into the page with its message.
func (s *Server) saRefused(w http.ResponseWriter, r *http.Request, err error) error {
	var refused *selfassess.RefusedError
	if errors.As(err, &refused) {
		errs := &form.Errors{}
		errs.Add(refused.Field, refused.Message)
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, nil, errs)
	}
	return err
}

func (s *Server) saElementAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if err := parseForm(r); err != nil {
		return err
	}
	in := selfassess.ElementInput{Title: r.PostFormValue("title"), Guidance: r.PostFormValue("guidance")}
	if errs := in.Validate(); errs.Any() {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, map[string]string{"new-title": in.Title, "new-guidance": in.Guidance},
			saPrefix(errs, "new-"))
	}
	err := s.tx(r, func(tx pgx.Tx) error {
		if _, err := selfassess.Seed(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		id, err := selfassess.AddElement(ctx, tx, a.TenantID, a.Review.ReviewID, in)
		if err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.element_added", "sa_element", id, nil, map[string]string{"title": in.Title, "guidance": in.Guidance})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Element added: "+in.Title)
}

// saPrefix renames errors of a form's fields (title, guidance) to the ids of its inputs.
func saPrefix(errs *form.Errors, prefix string) *form.Errors {
	out := &form.Errors{}
	for _, e := range errs.List() {
		out.Add(prefix+e.Field, e.Message)
	}
	return out
}

func saSuffix(errs *form.Errors, suffix string) *form.Errors {
	out := &form.Errors{}
	for _, e := range errs.List() {
		out.Add(e.Field+suffix, e.Message)
	}
	return out
}

func (s *Server) saElementUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := selfassess.ElementInput{ID: id, Title: r.PostFormValue("title"), Guidance: r.PostFormValue("guidance"), Version: version}
	if errs := in.Validate(); errs.Any() {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, map[string]string{"title-" + id: in.Title, "guidance-" + id: in.Guidance},
			saSuffix(errs, "-"+id))
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		before, err := selfassess.UpdateElement(ctx, tx, a.TenantID, a.Review.ReviewID, in)
		if err != nil || (before.Title == in.Title && before.Guidance == in.Guidance) {
			return err
		}
		return s.saAudit(r, tx, "selfassess.element_changed", "sa_element", id,
			map[string]string{"title": before.Title, "guidance": before.Guidance}, map[string]string{"title": in.Title, "guidance": in.Guidance})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Element saved: "+in.Title)
}

func (s *Server) saElementDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	var gone selfassess.Element
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if gone, err = selfassess.DeleteElement(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.element_deleted", "sa_element", id, map[string]string{"title": gone.Title, "guidance": gone.Guidance}, nil)
	})
	if apperr.Is(err, apperr.CodeNotFound) {
		return s.redirect(w, r, s.saLeadURL(r), "") // removed already: a repeated request
	}
	if err != nil {
		return s.saRefused(w, r, err)
	}
	return s.redirect(w, r, s.saLeadURL(r), "Element removed: "+gone.Title)
}

func saDirection(r *http.Request) int {
	if r.PostFormValue("direction") == "up" {
		return -1
	}
	return 1
}

func (s *Server) saElementMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	dir := saDirection(r)
	err = s.tx(r, func(tx pgx.Tx) error {
		if err := selfassess.MoveElement(ctx, tx, a.TenantID, a.Review.ReviewID, id, dir); err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.element_moved", "sa_element", id, nil, map[string]int{"direction": dir})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "")
}

func (s *Server) saLevelAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if err := parseForm(r); err != nil {
		return err
	}
	in := selfassess.LevelInput{Label: r.PostFormValue("label"), Description: r.PostFormValue("description")}
	if errs := in.Validate(); errs.Any() {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, map[string]string{"new-label": in.Label, "new-description": in.Description},
			saPrefix(errs, "new-"))
	}
	err := s.tx(r, func(tx pgx.Tx) error {
		if _, err := selfassess.Seed(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		id, err := selfassess.AddLevel(ctx, tx, a.TenantID, a.Review.ReviewID, in)
		if err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.level_added", "sa_level", id, nil, map[string]string{"label": in.Label, "description": in.Description})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level added: "+in.Label)
}

func (s *Server) saLevelUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := selfassess.LevelInput{ID: id, Label: r.PostFormValue("label"), Description: r.PostFormValue("description"), Version: version}
	if errs := in.Validate(); errs.Any() {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, map[string]string{"label-" + id: in.Label, "description-" + id: in.Description},
			saSuffix(errs, "-"+id))
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		before, err := selfassess.UpdateLevel(ctx, tx, a.TenantID, a.Review.ReviewID, in)
		if err != nil || (before.Label == in.Label && before.Description == in.Description) {
			return err
		}
		return s.saAudit(r, tx, "selfassess.level_changed", "sa_level", id,
			map[string]string{"label": before.Label, "description": before.Description}, map[string]string{"label": in.Label, "description": in.Description})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level saved: "+in.Label)
}

func (s *Server) saLevelDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	var gone selfassess.Level
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if gone, err = selfassess.DeleteLevel(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.level_deleted", "sa_level", id, map[string]string{"label": gone.Label, "description": gone.Description}, nil)
	})
	if apperr.Is(err, apperr.CodeNotFound) {
		return s.redirect(w, r, s.saLeadURL(r), "")
	}
	if err != nil {
		return s.saRefused(w, r, err)
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level removed: "+gone.Label)
}

func (s *Server) saLevelMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	dir := saDirection(r)
	err = s.tx(r, func(tx pgx.Tx) error {
		if err := selfassess.MoveLevel(ctx, tx, a.TenantID, a.Review.ReviewID, id, dir); err != nil {
			return err
		}
		return s.saAudit(r, tx, "selfassess.level_moved", "sa_level", id, nil, map[string]int{"direction": dir})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "")
}

func (s *Server) saSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostFormValue("commentary_required")
	if v != "yes" && v != "no" {
		errs := &form.Errors{}
		errs.Add("commentary_required", "Select whether commentary is required")
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, nil, errs)
	}
	err := s.tx(r, func(tx pgx.Tx) error {
		if _, err := selfassess.Seed(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		changed, err := selfassess.SetCommentaryRequired(ctx, tx, a.TenantID, a.Review.ReviewID, v == "yes")
		if err != nil || !changed {
			return err
		}
		return s.saAudit(r, tx, "selfassess.commentary_setting_changed", "review", a.Review.ReviewID, nil,
			map[string]bool{"commentary_required": v == "yes"})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Commentary setting saved")
}

func (s *Server) saDeadlines(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if err := parseForm(r); err != nil {
		return err
	}
	errs := &form.Errors{}
	typed := map[string]string{}
	due := map[string]*time.Time{}
	// One transaction: the areas are read, the dates checked against them, then saved.
	err := s.tx(r, func(tx pgx.Tx) error {
		areas, err := area.List(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		saDeadlinesRead(r, areas, errs, typed, due)
		if errs.Any() {
			return errDeadlinesInvalid
		}
		before, err := selfassess.Deadlines(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		if err := selfassess.SetDeadlines(ctx, tx, a.TenantID, a.Review.ReviewID, due); err != nil {
			return err
		}
		if _, err := reminder.Schedule(ctx, tx, a.TenantID, a.Review.ReviewID, due, s.now()); err != nil {
			return err
		}
		after := map[string]string{}
		for id, d := range due {
			if d != nil {
				after[id] = d.Format(time.DateOnly)
			}
		}
		b := map[string]string{}
		for id, d := range before {
			b[id] = d.Format(time.DateOnly)
		}
		return s.saAudit(r, tx, "selfassess.deadlines_changed", "review", a.Review.ReviewID, b, after)
	})
	if errs.Any() {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, typed, errs)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Deadlines saved")
}

// errDeadlinesInvalid rolls back a deadlines form that has errors.
var errDeadlinesInvalid = errors.New("selfassess: deadlines invalid")

// saDeadlinesRead reads the deadline of each area from the form.
func saDeadlinesRead(r *http.Request, areas []area.Area, errs *form.Errors, typed map[string]string, due map[string]*time.Time) {
	for _, ar := range areas {
		id := "deadline-" + ar.ID
		day := strings.TrimSpace(r.PostFormValue(id + "-day"))
		month := strings.TrimSpace(r.PostFormValue(id + "-month"))
		year := strings.TrimSpace(r.PostFormValue(id + "-year"))
		typed[id], typed[id+"-month"], typed[id+"-year"] = day, month, year
		if day == "" && month == "" && year == "" {
			due[ar.ID] = nil
			continue
		}
		d, ok := saDate(day, month, year)
		if !ok {
			errs.Add(id, "Deadline for "+ar.Name+" must be a real date, for example 27 3 2024")
			continue
		}
		due[ar.ID] = &d
	}
}

// saDate reads a GOV.UK date input.
func saDate(day, month, year string) (time.Time, bool) {
	d, err1 := strconv.Atoi(day)
	m, err2 := strconv.Atoi(month)
	y, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != time.Month(m) {
		return time.Time{}, false
	}
	return t, true
}
