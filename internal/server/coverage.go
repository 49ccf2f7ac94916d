package server

import (
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/coverage"
	"thematic/internal/form"
	"thematic/templates/coverageview"
)

// coverageView loads the page's data: a handful of statements, whatever the size of the review.
func (s *Server) coverageView(r *http.Request) (coverageview.View, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := coverageview.View{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly), Errors: &form.Errors{},
		By: coverageview.ParseBy(r.URL.Query().Get("by"))}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v.Cov, err = coverage.Load(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	v.Threshold = strconv.Itoa(v.Cov.Threshold)
	return v, err
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.coverageView(r)
	if err != nil {
		return err
	}
	return s.ok(w, r, coverageview.Page(s.page(r, "Coverage of the evidence – "+v.Cov.ReviewTitle), v))
}

// coverageThreshold sets the threshold below which a cell is thin (a whole number, 0 to 1000).
func (s *Server) coverageThreshold(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := coverage.ThresholdInput{Value: r.PostFormValue("threshold")}
	n, errs := in.Parse()
	if errs.Any() {
		v, err := s.coverageView(r)
		if err != nil {
			return err
		}
		v.Threshold, v.Errors = in.Value, errs
		p := s.page(r, "Coverage of the evidence – "+v.Cov.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, coverageview.Page(p, v))
	}
	if err := s.tx(r, func(tx pgx.Tx) error {
		return coverage.SetThreshold(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, n)
	}); err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/coverage", "Threshold for thin cells set to "+strconv.Itoa(n))
}
