package server

import (
	"errors"
	"net/http"
	"strings"

	"thematic/internal/form"
	"thematic/internal/retention"
	"thematic/templates/adminview"
	"thematic/templates/reviewview"
)

// Retention: the tenant's retention period (an admin setting), and a review's legal hold (its
// leads). The commands are internal/retention's; the purge itself is a background job there.

func (s *Server) legalHoldForm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	d, err := retention.HoldPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := reviewview.HoldView{ReviewID: a.Review.ReviewID, ReviewTitle: d.ReviewTitle, Reason: d.Status.HoldReason,
		Held: d.Status.Held(), Errors: &form.Errors{}}
	return s.ok(w, r, reviewview.LegalHold(s.rvPage(r, "Legal hold – "+v.ReviewTitle), v))
}

func (s *Server) legalHoldSet(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	v := reviewview.HoldView{ReviewID: a.Review.ReviewID, Reason: strings.TrimSpace(r.PostFormValue("reason")), Errors: &form.Errors{}}
	title, changed, err := retention.PlaceHold(r.Context(), s.pool, scopeOf(r), v.Reason)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v.ReviewTitle, v.Errors = title, refused.Errors
		p := s.rvPage(r, "Legal hold – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reviewview.LegalHold(p, v))
	}
	if err != nil {
		return err
	}
	msg := "The review is on legal hold: its evidence will not be purged"
	if !changed {
		msg = "Nothing changed"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/#retention", msg)
}

func (s *Server) legalHoldLift(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	changed, err := retention.LiftHold(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	msg := "The legal hold is lifted"
	if !changed {
		msg = "The review was not on legal hold"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/#retention", msg)
}

// saveRetention sets the tenant's retention period.
func (s *Server) saveRetention(w http.ResponseWriter, r *http.Request) error {
	version, err := adminVersion(r)
	if err != nil {
		return err
	}
	f := adminview.RetentionForm{Keep: r.PostFormValue("retention"), Months: strings.TrimSpace(r.PostFormValue("months")),
		Version: version}
	months, errs := retention.ParseMonths(f.Keep, f.Months)
	f.Errors = errs
	if errs.Any() {
		return s.settingsPage(w, r, nil, &f)
	}
	changed, err := retention.SaveMonths(r.Context(), s.pool, scopeOf(r), months, version)
	if err != nil {
		return err
	}
	msg := "Evidence is now kept until it is deleted"
	switch {
	case !changed:
		msg = "Nothing changed"
	case months != nil:
		msg = "Evidence is now purged " + retention.Period(months) + " after a review is published"
	}
	return s.redirect(w, r, "/admin/settings", msg)
}
