package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/retention"
	"thematic/internal/review"
	"thematic/templates/adminview"
	"thematic/templates/reviewview"
)

// Retention: the tenant's retention period (an admin setting), and a review's legal hold (its
// leads). The purge itself is a background job (internal/retention).

func (s *Server) legalHoldForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reviewview.HoldView{ReviewID: a.Review.ReviewID, Errors: &form.Errors{}}
	err := s.tx(r, func(tx pgx.Tx) error {
		rv, err := review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		st, err := retention.Load(ctx, tx, a.TenantID, a.Review.ReviewID)
		v.ReviewTitle, v.Reason, v.Held = rv.Title, st.HoldReason, st.Held()
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reviewview.LegalHold(s.rvPage(r, "Legal hold – "+v.ReviewTitle), v))
}

func (s *Server) legalHoldSet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reviewview.HoldView{ReviewID: a.Review.ReviewID, Reason: strings.TrimSpace(r.PostFormValue("reason")), Errors: &form.Errors{}}
	switch n := len([]rune(v.Reason)); {
	case n == 0:
		v.Errors.Add("reason", "Say why the review is on legal hold")
	case n > retention.MaxReason:
		v.Errors.Add("reason", "The reason must be "+strconv.Itoa(retention.MaxReason)+" characters or fewer")
	}
	var changed bool
	err := s.tx(r, func(tx pgx.Tx) error {
		if v.Errors.Any() {
			rv, err := review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
			v.ReviewTitle = rv.Title
			return err
		}
		var err error
		changed, err = retention.SetHold(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, a.Email, v.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if v.Errors.Any() {
		p := s.rvPage(r, "Legal hold – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reviewview.LegalHold(p, v))
	}
	msg := "The review is on legal hold: its evidence will not be purged"
	if !changed {
		msg = "Nothing changed"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/#retention", msg)
}

func (s *Server) legalHoldLift(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var changed bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		changed, err = retention.SetHold(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, a.Email, "")
		return err
	})
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
	ctx := r.Context()
	a := actorFrom(ctx)
	version, err := adminVersion(r)
	if err != nil {
		return err
	}
	f := adminview.RetentionForm{Keep: r.PostFormValue("retention"), Months: strings.TrimSpace(r.PostFormValue("months")),
		Version: version, Errors: &form.Errors{}}
	var months *int
	switch f.Keep {
	case "forever":
	case "months":
		n, err := strconv.Atoi(f.Months)
		switch {
		case f.Months == "":
			f.Errors.Add("months", "Enter how many months to keep evidence after a review is published")
		case err != nil:
			f.Errors.Add("months", "The number of months must be a whole number, like 12")
		case n < 1 || n > retention.MaxMonths:
			f.Errors.Add("months", "The number of months must be between 1 and "+strconv.Itoa(retention.MaxMonths))
		default:
			months = &n
		}
	default:
		f.Errors.Add("retention", "Select how long to keep evidence")
	}
	if f.Errors.Any() {
		return s.settingsPage(w, r, nil, &f)
	}
	var changed bool
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		changed, err = retention.SetMonths(ctx, tx, a.TenantID, a.UserID, a.Email, months, version)
		return err
	})
	if apperr.Is(err, apperr.CodeConflict) {
		return apperr.Conflict(staleForm)
	}
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
