package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
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

// visReviewID is the review the request is about, as loadReview checked it.
func visReviewID(r *http.Request) string { return actorFrom(r.Context()).Review.ReviewID }

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

// visFormView loads what the form shows besides what was typed: the review, its areas and the
// people who may be on a team.
func (s *Server) visFormView(r *http.Request, tx pgx.Tx, visitID string, f visit.Form) (visitview.FormView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := visitview.FormView{VisitID: visitID, Form: f, Step: 1, Errors: &form.Errors{}}
	o, err := visit.FormLists(ctx, tx, a.TenantID, visReviewID(r))
	v.Review, v.Areas, v.Eligible, v.Inspectorates, v.TeamRoles = o.Review, o.Areas, o.Eligible, o.Inspectorates, o.TeamRoles
	return v, err
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

// visStepOf is the step whose fields hold the errors.
func visStepOf(errs *form.Errors) int {
	for _, f := range visit.DetailsFields {
		if errs.Has(f) {
			return 1
		}
	}
	return 2
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
	ctx := r.Context()
	a := actorFrom(ctx)
	contact := a.Review.Role == auth.ReviewContact
	v := visitview.ListView{Lead: a.Review.Role == auth.ReviewLead, Staff: !contact}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, err = visit.GetReview(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		area := ""
		if contact {
			area = a.Review.AreaID
			areas, err := visit.Areas(ctx, tx, a.TenantID, a.Review.ReviewID)
			if err != nil {
				return err
			}
			for _, x := range areas {
				if x.ID == area {
					v.Contact = x.Name
				}
			}
		}
		v.Visits, err = visit.List(ctx, tx, a.TenantID, a.Review.ReviewID, area)
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, visitview.List(s.page(r, "Visits – "+v.Review.Title), v))
}

// visLoad reads the visit named in the path, which the actor must be allowed to see.
func (s *Server) visLoad(r *http.Request, tx pgx.Tx) (visit.ReviewInfo, visit.Visit, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	rv, v, err := visit.GetWithReview(ctx, tx, a.TenantID, a.Review.ReviewID, chi.URLParam(r, "visitID"))
	if err != nil {
		return rv, v, err
	}
	if !a.Review.SeesArea(v.AreaID) {
		return rv, visit.Visit{}, apperr.NotFound("Visit not found")
	}
	return rv, v, nil
}

func (s *Server) visitShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	var v visitview.ShowView
	v.Lead = a.Review.Role == auth.ReviewLead
	v.Staff = a.Review.Role != auth.ReviewContact
	v.Record = a.Review.Role == auth.ReviewLead || a.Review.Role == auth.ReviewInspector
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, v.Visit, err = s.visLoad(r, tx); err != nil || !v.Staff {
			return err
		}
		if v.Notes, err = evidence.ForVisit(r.Context(), tx, a.TenantID, v.Visit.ID, a.UserID); err != nil || !v.Record {
			return err
		}
		l, err := evidence.GetLock(r.Context(), tx, a.TenantID, a.Review.ReviewID)
		v.Locked = l.Status.Verdict(review.ChangeEvidence, l.Locked()) != nil
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, visitview.Show(s.page(r, "Visit to "+v.Visit.AreaName), v))
}

func (s *Server) visitTimeline(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v visitview.TimelineView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, err = visit.GetReview(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		areas, err := visit.Areas(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		visits, err := visit.List(ctx, tx, a.TenantID, a.Review.ReviewID, "")
		if err != nil {
			return err
		}
		v.Timeline = visit.BuildTimeline(areas, visits)
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, visitview.Timeline(s.page(r, "Timeline of visits – "+v.Review.Title), v))
}

// --- Scheduling and changing ---

func (s *Server) visitNewForm(w http.ResponseWriter, r *http.Request) error {
	var v visitview.FormView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.visFormView(r, tx, "", visit.Form{})
		return err
	})
	if err != nil {
		return err
	}
	return s.visFormPage(w, r, v)
}

func (s *Server) visitEditForm(w http.ResponseWriter, r *http.Request) error {
	var v visitview.FormView
	err := s.tx(r, func(tx pgx.Tx) error {
		_, cur, err := s.visLoad(r, tx)
		if err != nil {
			return err
		}
		if v, err = s.visFormView(r, tx, cur.ID, visit.FormOf(cur)); err != nil {
			return err
		}
		// The dates are known: start with the team, with a button back to the details.
		plan, _ := v.Form.Validate()
		visTeamStep(&v, plan)
		return nil
	})
	if err != nil {
		return err
	}
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
	ctx := r.Context()
	a := actorFrom(ctx)
	f := visReadForm(r)
	action := r.PostFormValue("action")
	var v visitview.FormView
	var saved visit.Visit
	var done, changed bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if visitID != "" {
			// The visit must exist in this review, whatever step this is.
			if _, _, err := s.visLoad(r, tx); err != nil {
				return err
			}
		}
		if v, err = s.visFormView(r, tx, visitID, f); err != nil {
			return err
		}
		if action == "details" {
			return nil // back to the first step, as typed
		}
		plan, errs := f.Validate()
		if action == "team" {
			// From the first step to the second: only the details count yet.
			details := &form.Errors{}
			for _, e := range errs.List() {
				if e.Field != "team" {
					details.Add(e.Field, e.Message)
				}
			}
			if !details.Any() {
				if details, err = visit.Check(ctx, tx, a.TenantID, v.Review.ID, visitID, visit.Plan{AreaID: plan.AreaID,
					Start: plan.Start, Days: plan.Days}); err != nil {
					return err
				}
			}
			if details.Any() {
				v.Errors = details
				return nil
			}
			visTeamStep(&v, plan)
			return nil
		}
		if errs.Any() {
			v.Errors = errs
			if visStepOf(errs) == 2 {
				visTeamStep(&v, plan)
			}
			return nil
		}
		id := visitID
		var before visit.Visit
		if visitID == "" {
			var dup bool
			if id, dup, err = visit.Create(ctx, tx, a.TenantID, v.Review.ID, plan); err != nil {
				return err
			}
			changed = !dup
		} else {
			if before, changed, err = visit.Update(ctx, tx, a.TenantID, v.Review.ID, visitID, f.Version, plan); err != nil {
				return err
			}
		}
		done = true
		if saved, err = visit.Get(ctx, tx, a.TenantID, v.Review.ID, id); err != nil || !changed {
			return err
		}
		e := audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email, Action: "visit.created",
			ObjectType: "visit", ObjectID: id, After: visit.Snapshot(saved)}
		if visitID != "" {
			e.Action, e.Before = "visit.updated", visit.Snapshot(before)
		}
		return audit.Record(ctx, tx, e)
	})
	var refused *visit.Refused
	if errors.As(err, &refused) {
		// Nothing was written: the transaction rolled back. Show the form again as typed.
		plan, _ := f.Validate()
		v.Errors = refused.Errors
		if visStepOf(refused.Errors) == 2 {
			visTeamStep(&v, plan)
		} else {
			v.Step = 1
		}
		return s.visFormPage(w, r, v)
	}
	if err != nil {
		return err
	}
	if !done {
		return s.visFormPage(w, r, v)
	}
	to := "/reviews/" + v.Review.ID + "/visits/" + saved.ID
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
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			v.Review, v.Visit, err = s.visLoad(r, tx)
			return err
		})
		if err != nil {
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
	var gone visit.Visit
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if _, _, err = s.visLoad(r, tx); err != nil {
			return err
		}
		if gone, err = visit.Delete(ctx, tx, a.TenantID, a.Review.ReviewID, chi.URLParam(r, "visitID"), version); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "visit.deleted", ObjectType: "visit", ObjectID: gone.ID, Before: visit.Snapshot(gone)})
	})
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
	ctx := r.Context()
	a := actorFrom(ctx)
	v := visitview.MineView{UserID: a.UserID}
	err := s.tx(r, func(tx pgx.Tx) error {
		visits, err := visit.ForUser(ctx, tx, a.TenantID, a.UserID)
		if err != nil {
			return err
		}
		for _, x := range visits {
			if _, on := x.Member(a.UserID); on {
				v.OnTeam = append(v.OnTeam, x)
			} else {
				v.AreaVisits = append(v.AreaVisits, x)
			}
		}
		created, err := visit.Feed(ctx, tx, a.TenantID, a.UserID)
		v.HasFeed = created != nil
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, visitview.Mine(s.page(r, "Your visits"), v))
}
