package server

import (
	"net/http"
	"time"

	"thematic/internal/across"
	"thematic/templates/acrossview"
)

// The dashboard of the user's reviews and the search across them (internal/across).

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	rows, err := across.Dashboard(r.Context(), s.pool, scopeOf(r), time.Now())
	if err != nil {
		return err
	}
	p := s.page(r, "Dashboard")
	p.Nav = "dashboard"
	return s.ok(w, r, acrossview.Dashboard(p, acrossview.DashboardView{Rows: rows}))
}

func (s *Server) searchAcross(w http.ResponseWriter, r *http.Request) error {
	raw, asked := r.URL.Query()["q"]
	v := acrossview.SearchView{}
	if asked {
		v.Searched = true
		q, ok := across.CleanQuery(raw[0])
		v.Q = q
		switch {
		case !ok && q == "":
			v.Error = "Enter words to search for"
		case !ok:
			v.Error = "Words to search for must be 200 characters or fewer"
		default:
			res, err := across.Search(r.Context(), s.pool, scopeOf(r), q)
			if err != nil {
				return err
			}
			v.Results = res
		}
	}
	p := s.page(r, "Search across reviews")
	p.Nav = "search"
	p.HasError = v.Error != ""
	return s.ok(w, r, acrossview.Search(p, v))
}
