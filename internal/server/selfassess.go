package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
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

// saStateOf maps an area's self-assessment page into what every page of it shows.
func saStateOf(r *http.Request, areaID string, pg selfassess.Page) saState {
	return saState{ctx: selfassessview.Context{ReviewID: actorFrom(r.Context()).Review.ReviewID, ReviewTitle: pg.ReviewTitle,
		AreaID: areaID, AreaName: area.DisplayName(pg.AreaName)}, tpl: pg.Template, area: pg.Area}
}

// saLoad reads an area's self-assessment page.
func (s *Server) saLoad(r *http.Request, areaID string) (saState, error) {
	pg, err := selfassess.LoadAreaPage(r.Context(), s.pool, scopeOf(r), areaID)
	if err != nil {
		return saState{}, err
	}
	return saStateOf(r, areaID, pg), nil
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
	st, err := s.saLoad(r, id)
	if err != nil {
		return err
	}
	return s.saStartRender(w, r, http.StatusOK, st, "", &form.Errors{})
}

// saElement finds the element a question page is about: ?element=, or the first.
func saElement(t selfassess.Template, id string) (selfassess.Element, int, error) {
	if el, n, ok := t.ElementAt(id); ok {
		return el, n, nil
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
	st, err := s.saLoad(r, id)
	if err != nil {
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
	res, err := selfassess.Answer(ctx, s.pool, scopeOf(r), id, in, !later)
	if err != nil {
		return err
	}
	st, el, n := saStateOf(r, id, res.Page), res.Element, res.Number
	if res.Conflict != "" {
		return s.saQuestionRender(w, r, http.StatusConflict, st, el, n, st.area.Responses[el.ID], res.Conflict, &form.Errors{})
	}
	if res.Errors.Any() {
		return s.saQuestionRender(w, r, http.StatusUnprocessableEntity, st, el, n, selfassess.Response{ElementID: el.ID,
			LevelID: in.LevelID, Commentary: in.Commentary, Version: in.Version}, "", res.Errors)
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
	st, err := s.saLoad(r, id)
	if err != nil {
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
	pg, err := selfassess.SubmitArea(ctx, s.pool, scopeOf(r), id)
	var missing *selfassess.MissingError
	if errors.As(err, &missing) {
		errs := &form.Errors{}
		missing.Add(errs)
		return s.saCheckRender(w, r, http.StatusUnprocessableEntity, saStateOf(r, id, pg), errs)
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
	st, err := s.saLoad(r, id)
	if err != nil {
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
	reason := r.PostFormValue("reason")
	pg, err := selfassess.ReopenArea(ctx, s.pool, scopeOf(r), id, reason)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saStartRender(w, r, http.StatusUnprocessableEntity, saStateOf(r, id, pg), strings.TrimSpace(reason), refused.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+id+"/self-assessment", "The self-assessment has been reopened")
}

// saLeadRender shows the lead's page; a refused change shows it again with 422, the errors and
// what was typed.
func (s *Server) saLeadRender(w http.ResponseWriter, r *http.Request, status int, pg selfassess.LeadPage, typed map[string]string, errs *form.Errors) error {
	a := actorFrom(r.Context())
	v := selfassessview.LeadView{IsLead: a.Review.Role == auth.ReviewLead, Typed: typed, Errors: errs,
		Ctx: selfassessview.Context{ReviewID: a.Review.ReviewID, ReviewTitle: pg.ReviewTitle}, Template: pg.Template}
	for _, ar := range pg.Areas {
		v.Areas = append(v.Areas, saLeadArea(v.Template, ar, pg.Grid[ar.ID]))
	}
	p := s.page(r, "Self-assessments")
	p.HasError = errs.Any()
	s.render(w, r, status, selfassessview.Lead(p, v))
	return nil
}

// saLeadRefused reads the lead's page and shows it with a refused form's errors (the form was
// refused before any transaction: this is the request's one).
func (s *Server) saLeadRefused(w http.ResponseWriter, r *http.Request, typed map[string]string, errs *form.Errors) error {
	pg, err := selfassess.LoadLeadPage(r.Context(), s.pool, scopeOf(r), area.Today(s.now()))
	if err != nil {
		return err
	}
	return s.saLeadRender(w, r, http.StatusUnprocessableEntity, pg, typed, errs)
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
	pg, err := selfassess.LoadLeadPage(r.Context(), s.pool, scopeOf(r), area.Today(s.now()))
	if err != nil {
		return err
	}
	return s.saLeadRender(w, r, http.StatusOK, pg, nil, &form.Errors{})
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

// saRefused shows the lead's page (read with the refusal) with a refused change's message.
func (s *Server) saRefused(w http.ResponseWriter, r *http.Request, pg selfassess.LeadPage, err error) error {
	var refused *selfassess.RefusedError
	if errors.As(err, &refused) {
		errs := &form.Errors{}
		errs.Add(refused.Field, refused.Message)
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, pg, nil, errs)
	}
	return err
}

func (s *Server) saElementAdd(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := selfassess.ElementInput{Title: r.PostFormValue("title"), Guidance: r.PostFormValue("guidance")}
	_, err := selfassess.AddTemplateElement(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRefused(w, r, map[string]string{"new-title": in.Title, "new-guidance": in.Guidance}, saPrefix(refused.Errors, "new-"))
	}
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
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := selfassess.ElementInput{ID: id, Title: r.PostFormValue("title"), Guidance: r.PostFormValue("guidance"), Version: version}
	err = selfassess.ChangeTemplateElement(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRefused(w, r, map[string]string{"title-" + id: in.Title, "guidance-" + id: in.Guidance}, saSuffix(refused.Errors, "-"+id))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Element saved: "+in.Title)
}

func (s *Server) saElementDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	gone, pg, err := selfassess.RemoveTemplateElement(r.Context(), s.pool, scopeOf(r), id, area.Today(s.now()))
	if apperr.Is(err, apperr.CodeNotFound) {
		return s.redirect(w, r, s.saLeadURL(r), "") // removed already: a repeated request
	}
	if err != nil {
		return s.saRefused(w, r, pg, err)
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
	id, err := saPostID(r, "element_id")
	if err != nil {
		return err
	}
	dir := saDirection(r)
	err = selfassess.MoveTemplateElement(r.Context(), s.pool, scopeOf(r), id, dir)
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "")
}

func (s *Server) saLevelAdd(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := selfassess.LevelInput{Label: r.PostFormValue("label"), Description: r.PostFormValue("description")}
	_, err := selfassess.AddTemplateLevel(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRefused(w, r, map[string]string{"new-label": in.Label, "new-description": in.Description}, saPrefix(refused.Errors, "new-"))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level added: "+in.Label)
}

func (s *Server) saLevelUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := selfassess.LevelInput{ID: id, Label: r.PostFormValue("label"), Description: r.PostFormValue("description"), Version: version}
	err = selfassess.ChangeTemplateLevel(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRefused(w, r, map[string]string{"label-" + id: in.Label, "description-" + id: in.Description}, saSuffix(refused.Errors, "-"+id))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level saved: "+in.Label)
}

func (s *Server) saLevelDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	gone, pg, err := selfassess.RemoveTemplateLevel(r.Context(), s.pool, scopeOf(r), id, area.Today(s.now()))
	if apperr.Is(err, apperr.CodeNotFound) {
		return s.redirect(w, r, s.saLeadURL(r), "")
	}
	if err != nil {
		return s.saRefused(w, r, pg, err)
	}
	return s.redirect(w, r, s.saLeadURL(r), "Level removed: "+gone.Label)
}

func (s *Server) saLevelMove(w http.ResponseWriter, r *http.Request) error {
	id, err := saPostID(r, "level_id")
	if err != nil {
		return err
	}
	dir := saDirection(r)
	err = selfassess.MoveTemplateLevel(r.Context(), s.pool, scopeOf(r), id, dir)
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "")
}

func (s *Server) saSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	err := selfassess.SetCommentary(r.Context(), s.pool, scopeOf(r), r.PostFormValue("commentary_required"))
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRefused(w, r, nil, refused.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Commentary setting saved")
}

func (s *Server) saDeadlines(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	sc, now := scopeOf(r), s.now()
	res, err := selfassess.ChangeDeadlines(r.Context(), s.pool, sc, selfassess.DeadlinesInput{Value: r.PostFormValue, Today: area.Today(now),
		// The reminders of the new deadlines, planned in the command's transaction.
		Schedule: func(ctx context.Context, tx pgx.Tx, due map[string]*time.Time) error {
			_, err := reminder.Schedule(ctx, tx, sc.TenantID, sc.ReviewID, due, now)
			return err
		}})
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.saLeadRender(w, r, http.StatusUnprocessableEntity, res.Page, res.Typed, refused.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.saLeadURL(r), "Deadlines saved")
}
