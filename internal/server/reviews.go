package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/overview"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/templates"
	"thematic/templates/reviewview"
)

// Reviews: the list of the user's reviews, creating one, its overview, its details and its stage.

func rvNewKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rvVersion reads the hidden version a change form carries.
func rvVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v < 0 {
		return 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return v, nil
}

// rvDetails reads the details fields of the create and edit forms, as typed.
func rvDetails(r *http.Request) review.Details {
	date := func(id string) review.DateInput {
		return review.DateInput{Day: r.PostFormValue(id + "-day"), Month: r.PostFormValue(id + "-month"),
			Year: r.PostFormValue(id + "-year")}
	}
	return review.Details{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"),
		KeyQuestion: r.PostFormValue("key_question"), FieldworkStart: date("fieldwork-start"),
		FieldworkEnd: date("fieldwork-end"), PlannedPublication: date("planned-publication")}
}

func rvDetailsOf(v review.Review) review.Details {
	return review.Details{Title: v.Title, Summary: v.Summary, KeyQuestion: v.KeyQuestion,
		FieldworkStart: review.DateInputOf(v.FieldworkStart), FieldworkEnd: review.DateInputOf(v.FieldworkEnd),
		PlannedPublication: review.DateInputOf(v.PlannedPublication), Version: v.Version}
}

// --- The list and creating a review ---

func (s *Server) reviewList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	v := reviewview.ListView{CanCreate: auth.Allowed(a, auth.CreateReview)}
	var err error
	if v.Reviews, err = review.ListFor(r.Context(), s.pool, scopeOf(r)); err != nil {
		return err
	}
	p := s.page(r, "Reviews")
	p.Nav = "reviews"
	return s.ok(w, r, reviewview.List(p, v))
}

func (s *Server) reviewNewForm(w http.ResponseWriter, r *http.Request) error {
	tpl, sources, err := review.NewForm(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	// Nothing is chosen for the lead: a blank review, a template and a copy differ too much.
	f := reviewview.NewForm{Key: rvNewKey(), Template: tpl, Sources: sources, Errors: &form.Errors{}}
	p := s.page(r, "Create a review")
	p.Nav = "reviews"
	return s.ok(w, r, reviewview.New(p, f))
}

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := review.StartInput{Details: rvDetails(r), Start: r.PostFormValue("start"), CopyFrom: r.PostFormValue("copy_from"),
		Key: r.PostFormValue("idempotency_key"), TenantName: a.TenantName}
	st, err := review.Start(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		f := reviewview.NewForm{Details: in.Details, Start: in.Start, CopyFrom: in.CopyFrom, Key: in.Key, Template: st.Template,
			Sources: st.Sources, Errors: refused.Errors}
		p := s.page(r, "Create a review")
		p.Nav = "reviews"
		p.HasError = true
		return s.invalid(w, r, reviewview.New(p, f))
	}
	if err != nil {
		return err
	}
	if st.Again {
		return s.redirect(w, r, reviewview.ReviewPath(st.ID), "This review had already been created")
	}
	return s.redirect(w, r, reviewview.ReviewPath(st.ID), "Review created. You are its lead.")
}

// --- The overview ---

func (s *Server) reviewOverview(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	if a.Review.Role == auth.ReviewContact {
		// A local authority contact sees the review's title and question and their own area only.
		v := reviewview.ContactView{AreaID: a.Review.AreaID}
		var err error
		if v.Review, v.AreaName, err = review.ContactPage(r.Context(), s.pool, scopeOf(r), a.Review.AreaID); err != nil {
			return err
		}
		return s.ok(w, r, reviewview.ContactOverview(s.rvPage(r, v.Review.Title), v))
	}
	o, err := overview.Page(r.Context(), s.pool, scopeOf(r), a.Review.Role == auth.ReviewLead, area.Today(s.now()))
	if err != nil {
		return err
	}
	v := rvOverviewOf(a, o)
	return s.ok(w, r, reviewview.Overview(s.rvPage(r, v.Review.Title), v))
}

func (s *Server) rvPage(r *http.Request, title string) templates.Page {
	p := s.page(r, title)
	p.Nav = "reviews"
	return p
}

// rvOverviewOf is the staff overview as the actor sees it.
func rvOverviewOf(a *auth.Actor, o overview.Overview) reviewview.OverviewView {
	return reviewview.OverviewView{Lead: a.Review.Role == auth.ReviewLead, Errors: &form.Errors{}, Review: o.Review,
		Counts: o.Counts, Retention: o.Retention, Report: o.Report, ReportChanged: o.ReportChanged,
		LateSelfAssessments: o.LateSelfAssessments, Needs: o.Needs}
}

// --- Details and stage ---

func (s *Server) reviewEditForm(w http.ResponseWriter, r *http.Request) error {
	v, err := review.Read(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	f := reviewview.EditForm{ReviewID: v.ID, Caption: v.Title, Details: rvDetailsOf(v), Errors: &form.Errors{}}
	return s.ok(w, r, reviewview.Edit(s.rvPage(r, "Change the review’s details"), f))
}

func (s *Server) reviewEdit(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	version, err := rvVersion(r)
	if err != nil {
		return err
	}
	d := rvDetails(r)
	d.Version = version
	cur, err := review.ChangeDetails(r.Context(), s.pool, scopeOf(r), d)
	var refused *form.Refused
	if errors.As(err, &refused) {
		p := s.rvPage(r, "Change the review’s details")
		p.HasError = true
		return s.invalid(w, r, reviewview.Edit(p, reviewview.EditForm{ReviewID: cur.ID, Caption: cur.Title, Details: d, Errors: refused.Errors}))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), "The review’s details have been saved")
}

// reviewStatus moves the review's stage (overview.Move, which keeps the report in step): on
// from the overview, back from the move-back page with a reason.
func (s *Server) reviewStatus(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	version, err := rvVersion(r)
	if err != nil {
		return err
	}
	to := review.Status(r.PostFormValue("to"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	moved, err := overview.Move(r.Context(), s.pool, scopeOf(r), version, to, reason, area.Today(s.now()))
	var refused *overview.Refused
	switch {
	case errors.As(err, &refused) && refused.Field == "reason":
		// A move back without a good reason: the move-back page again, with what was typed.
		v := reviewview.StageBackView{Review: refused.Back.Review, Report: refused.Back.Report, Reason: reason, Errors: &form.Errors{}}
		v.Errors.Add("reason", refused.Message)
		p := s.rvPage(r, v.Heading())
		p.HasError = true
		return s.invalid(w, r, reviewview.StageBack(p, v))
	case errors.As(err, &refused):
		v := rvOverviewOf(a, refused.Overview)
		v.Errors.Add("to", refused.Message)
		p := s.rvPage(r, v.Review.Title)
		p.HasError = true
		return s.invalid(w, r, reviewview.Overview(p, v))
	case err != nil:
		return err
	case moved.Already:
		return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), "")
	}
	flash := "The review is now " + moved.To.Where()
	switch {
	case moved.ReportTo == report.StatusQA:
		flash += ": the report is sent for quality assurance"
	case moved.ReportTo == report.StatusPublished:
		flash += ": the report is published"
	case moved.Report.Status == report.StatusPublished:
		flash += ": the report is reopened for a correction"
	case moved.ReportTo == report.StatusChangesRequested:
		flash += ": changes to the report are requested"
	case moved.ReportTo == report.StatusDraft:
		flash += ": the report is back in draft"
	}
	return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), flash)
}

// reviewStatusBack is the page to move the review back a stage, with the reason it needs.
func (s *Server) reviewStatusBack(w http.ResponseWriter, r *http.Request) error {
	b, err := overview.BackPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := reviewview.StageBackView{Review: b.Review, Report: b.Report, Errors: &form.Errors{}}
	return s.ok(w, r, reviewview.StageBack(s.rvPage(r, v.Heading()), v))
}
