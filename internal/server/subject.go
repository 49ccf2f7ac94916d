package server

import (
	"encoding/csv"
	"net/http"
	"strings"

	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/subject"
	"thematic/templates/adminview"
)

// Subject access: a tenant admin finds every record that names a person (internal/subject).

// subjectSearch reads the query and, when it is valid, searches.
func (s *Server) subjectSearch(r *http.Request) (adminview.SubjectView, error) {
	q := r.URL.Query()
	v := adminview.SubjectView{Name: strings.TrimSpace(q.Get("name")), Email: strings.TrimSpace(q.Get("email")), Errors: &form.Errors{}}
	v.Searched = q.Has("name")
	if !v.Searched {
		return v, nil
	}
	qu := subject.Query{Name: v.Name, Email: v.Email}
	errs := qu.Validate()
	for _, f := range []string{"name", "email"} {
		if m, ok := errs[f]; ok {
			v.Errors.Add(f, m)
		}
	}
	if v.Errors.Any() {
		return v, nil
	}
	var err error
	v.Result, err = subject.SearchPage(r.Context(), s.pool, scopeOf(r), qu)
	return v, err
}

func (s *Server) subjectAccess(w http.ResponseWriter, r *http.Request) error {
	v, err := s.subjectSearch(r)
	if err != nil {
		return err
	}
	p := s.adminPage(r, "Find what we hold about a person", "subject")
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, adminview.SubjectAccess(p, v))
	}
	return s.ok(w, r, adminview.SubjectAccess(p, v))
}

// subjectAccessCSV writes the search's records as CSV, row by row.
func (s *Server) subjectAccessCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := s.subjectSearch(r)
	if err != nil {
		return err
	}
	if !v.Searched || v.Errors.Any() {
		return s.subjectAccess(w, r)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="subject-access.csv"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "id", "review", "when", "found by", "text", "link"})
	for i, hit := range v.Result.All() {
		_ = cw.Write([]string{hit.Kind, hit.ID, evidence.SafeCell(hit.ReviewTitle), hit.At.UTC().Format("2006-01-02T15:04:05Z"),
			evidence.SafeCell(hit.Match), evidence.SafeCell(hit.Excerpt), hit.Link})
		if i%100 == 99 {
			cw.Flush()
		}
	}
	cw.Flush()
	return nil
}
