package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/visit"
	"thematic/templates/visitview"
)

// Visits: a review's visits, the form that schedules and changes them, the fieldwork timeline,
// and, outside any review, the user's own visits. A local authority contact sees only their own
// area's visits; anything else answers 404.
//
// The form has two steps and needs no JavaScript: first the area, start date (blank while it is
// not known), number of days and notes; then, for each person, "On the team", their team role and
// inspectorate on this visit and, once the start is known, a checkbox for each day, labelled
// "Day 1 (Tue 8 Aug)". Both steps post to the same address; the button pressed (action) says
// what to do, and each step carries the other's values in hidden fields.

// visReadForm reads the visit form as typed.
func visReadForm(r *http.Request) visit.Form {
	f := visit.Form{AreaID: r.PostFormValue("area"), Days: r.PostFormValue("days"), Notes: r.PostFormValue("notes"),
		Start: review.DateInput{Day: r.PostFormValue("start-day"), Month: r.PostFormValue("start-month"),
			Year: r.PostFormValue("start-year")},
		Team: r.PostForm["team"], On: r.PostForm["on"], Roles: map[string]string{}, Inspectorates: map[string]string{}}
	for k, vs := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "role-"); ok && len(vs) > 0 {
			f.Roles[id] = vs[0]
		}
		if id, ok := strings.CutPrefix(k, "inspectorate-"); ok && len(vs) > 0 {
			f.Inspectorates[id] = vs[0]
		}
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// visFormView is the form as typed with what it offers: the review, its areas and the people who
// may be on a team.
func visFormView(visitID string, f visit.Form, o visit.Options) visitview.FormView {
	v := visitview.FormView{VisitID: visitID, Form: f, Step: 1, Errors: &form.Errors{}}
	v.Review, v.Areas, v.Eligible, v.Inspectorates, v.TeamRoles = o.Review, o.Areas, o.Eligible, o.Inspectorates, o.TeamRoles
	return v
}

// visTeamStep turns a form view to its second step for a valid plan. While the start is not
// known there are no days to tick: anyone who had days stays on the team without them.
func visTeamStep(v *visitview.FormView, p visit.Plan) {
	v.Step, v.Plan = 2, p
	if p.Start.IsZero() && len(v.Form.Team) > 0 && !v.Errors.Has("team") {
		for _, t := range v.Form.Team {
			if id, _, ok := strings.Cut(t, ":"); ok && !slices.Contains(v.Form.On, id) {
				v.Form.On = append(v.Form.On, id)
			}
		}
		v.Form.Team = nil
	}
	for _, a := range v.Areas {
		if a.ID == p.AreaID {
			v.AreaName = a.Name
		}
	}
}

func (s *Server) visFormPage(w http.ResponseWriter, r *http.Request, v visitview.FormView) error {
	p := s.page(r, v.Heading())
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, visitview.Form(p, v))
	}
	return s.ok(w, r, visitview.Form(p, v))
}

// --- Listing, viewing, the timeline ---

func (s *Server) visitList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	l, err := visit.ListPage(r.Context(), s.pool, scopeOf(r), a.Review)
	if err != nil {
		return err
	}
	v := visitview.ListView{Lead: a.Review.Role == auth.ReviewLead, Staff: a.Review.Role != auth.ReviewContact,
		Review: l.Review, Contact: l.Contact, Visits: l.Visits}
	return s.ok(w, r, visitview.List(s.page(r, "Visits – "+v.Review.Title), v))
}

func (s *Server) visitShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	p, err := evidence.VisitPage(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "visitID"))
	if err != nil {
		return err
	}
	v := visitview.ShowView{Review: p.Review, Visit: p.Visit, Notes: p.Notes, Locked: p.Locked}
	v.Lead = a.Review.Role == auth.ReviewLead
	v.Staff = a.Review.Role != auth.ReviewContact
	v.Record = a.Review.Role == auth.ReviewLead || a.Review.Role == auth.ReviewInspector
	if offlineFetch(r) && v.Record && keptVisit(v.Visit, a.UserID, time.Now()) {
		// The copy the service worker keeps: the user's own notes, without safeguarding concerns.
		v.KeptAt = time.Now()
		latest := v.Notes.Latest[:0:0]
		for _, n := range v.Notes.Latest {
			if !n.Safeguarding {
				latest = append(latest, n)
			}
		}
		v.Notes.Latest, v.Notes.Mine = latest, len(latest)
		markKept(w)
	}
	return s.ok(w, r, visitview.Show(s.page(r, "Visit to "+v.Visit.AreaName), v))
}

func (s *Server) visitTimeline(w http.ResponseWriter, r *http.Request) error {
	rv, t, err := visit.TimelinePage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := visitview.TimelineView{Review: rv, Timeline: t}
	return s.ok(w, r, visitview.Timeline(s.page(r, "Timeline of visits – "+v.Review.Title), v))
}

// --- Scheduling and changing ---

func (s *Server) visitNewForm(w http.ResponseWriter, r *http.Request) error {
	o, err := visit.NewForm(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	return s.visFormPage(w, r, visFormView("", visit.Form{}, o))
}

func (s *Server) visitEditForm(w http.ResponseWriter, r *http.Request) error {
	cur, o, err := visit.EditForm(r.Context(), s.pool, scopeOf(r), actorFrom(r.Context()).Review, chi.URLParam(r, "visitID"))
	if err != nil {
		return err
	}
	v := visFormView(cur.ID, visit.FormOf(cur), o)
	// The dates are known: start with the team, with a button back to the details.
	plan, _ := v.Form.Validate()
	visTeamStep(&v, plan)
	return s.visFormPage(w, r, v)
}

func (s *Server) visitCreate(w http.ResponseWriter, r *http.Request) error {
	return s.visitSave(w, r, "")
}

func (s *Server) visitUpdate(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "visitID")
	if !db.ValidUUID(id) {
		return apperr.NotFound("Visit not found")
	}
	return s.visitSave(w, r, id)
}

// visitSave handles both steps of the form, for a new visit (visitID "") or a change.
func (s *Server) visitSave(w http.ResponseWriter, r *http.Request, visitID string) error {
	f := visReadForm(r)
	res, err := visit.Save(r.Context(), s.pool, scopeOf(r), actorFrom(r.Context()).Review, visitID, f, r.PostFormValue("action"))
	if err != nil {
		return err
	}
	if !res.Done {
		v := visFormView(visitID, f, res.Options)
		v.Errors = res.Errors
		if res.Step == 2 {
			visTeamStep(&v, res.Plan)
		}
		return s.visFormPage(w, r, v)
	}
	saved := res.Visit
	to := "/reviews/" + res.Options.Review.ID + "/visits/" + saved.ID
	if visitID == "" {
		if !saved.HasStart() {
			return s.redirect(w, r, to, "Visit to "+saved.AreaName+" scheduled: its dates are not fixed yet")
		}
		return s.redirect(w, r, to, "Visit to "+saved.AreaName+" scheduled for "+saved.DateRange())
	}
	return s.redirect(w, r, to, "Visit to "+saved.AreaName+" saved")
}

func (s *Server) visitDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if r.PostFormValue("confirm") != "yes" {
		// First ask: the visit page's button leads here.
		var v visitview.DeleteView
		var err error
		if v.Review, v.Visit, err = visit.DeletePage(ctx, s.pool, scopeOf(r), a.Review, chi.URLParam(r, "visitID")); err != nil {
			return err
		}
		v.Version = v.Visit.Version
		if n, err := strconv.Atoi(r.PostFormValue("version")); err == nil {
			v.Version = n
		}
		return s.ok(w, r, visitview.Delete(s.page(r, "Delete the visit to "+v.Visit.AreaName), v))
	}
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	gone, err := visit.Remove(ctx, s.pool, scopeOf(r), a.Review, chi.URLParam(r, "visitID"), version)
	if err != nil {
		return err
	}
	if !gone.HasStart() {
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/visits", "Visit to "+gone.AreaName+" deleted")
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/visits", "Visit to "+gone.AreaName+" on "+gone.DateRange()+" deleted")
}

// --- The user's own visits ---

func (s *Server) myVisits(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	m, err := visit.MinePage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := visitview.MineView{UserID: a.UserID, OnTeam: m.OnTeam, AreaVisits: m.AreaVisits, HasFeed: m.HasFeed}
	return s.ok(w, r, visitview.Mine(s.page(r, "Your visits"), v))
}
