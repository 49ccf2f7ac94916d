package server

import (
	"errors"
	"net/http"
	"strconv"

	"thematic/internal/auth"
	"thematic/internal/coverage"
	"thematic/internal/form"
	"thematic/templates/coverageview"
)

// coverageView loads the page's data: a handful of statements, whatever the size of the review.
func (s *Server) coverageView(r *http.Request) (coverageview.View, error) {
	a := actorFrom(r.Context())
	v := coverageview.View{ReviewID: a.Review.ReviewID, Lead: auth.Allowed(a, auth.ReviewLeadOnly), Errors: &form.Errors{},
		By: coverageview.ParseBy(r.URL.Query().Get("by"))}
	var err error
	v.Cov, err = coverage.Page(r.Context(), s.pool, scopeOf(r))
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
	a := actorFrom(r.Context())
	in := coverage.ThresholdInput{Value: r.PostFormValue("threshold")}
	n, err := coverage.ChangeThreshold(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		// Refused before any transaction: the page's one query is the request's only one.
		v, err := s.coverageView(r)
		if err != nil {
			return err
		}
		v.Threshold, v.Errors = in.Value, refused.Errors
		p := s.page(r, "Coverage of the evidence – "+v.Cov.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, coverageview.Page(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/coverage", "Threshold for thin cells set to "+strconv.Itoa(n))
}
