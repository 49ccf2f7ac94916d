package server

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/visit"
	"thematic/templates/visitview"
)

// The private calendar feed: each user may have one secret address, per organisation, from which a
// calendar program reads their visits with no session. Only the token's hash is stored; the
// address is shown once, when it is made. Making a new one, or stopping the feed, ends the old one.

// calTokenRE is the form auth.NewToken gives: 32 random bytes, base64url without padding.
var calTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func (s *Server) calendarView(r *http.Request) (visitview.CalendarView, error) {
	st, err := visit.FeedPage(r.Context(), s.pool, scopeOf(r))
	return visitview.CalendarView{Created: st.Created}, err
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.calendarView(r)
	if err != nil {
		return err
	}
	p := s.page(r, "Your visits in your calendar")
	p.Nav = "account"
	return s.ok(w, r, visitview.Calendar(p, v))
}

// calendarCreate makes a new address, replacing any earlier one (visit.CreateFeed).
func (s *Server) calendarCreate(w http.ResponseWriter, r *http.Request) error {
	token, st, err := visit.CreateFeed(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := visitview.CalendarView{Created: st.Created, Replaced: st.Replaced, FeedURL: s.cfg.BaseURL + "/calendar/" + token + ".ics"}
	p := s.page(r, "Your visits in your calendar")
	p.Nav = "account"
	return s.ok(w, r, visitview.Calendar(p, v))
}

func (s *Server) calendarRevoke(w http.ResponseWriter, r *http.Request) error {
	had, err := visit.StopFeed(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	if !had {
		return s.redirect(w, r, "/account/calendar", "You have no calendar feed")
	}
	return s.redirect(w, r, "/account/calendar", "Your calendar feed has stopped. Its address no longer works.")
}

// calendarFeed serves the feed at /calendar/{token}.ics (visit.FeedByToken).
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := strings.TrimSuffix(chi.URLParam(r, "token"), ".ics")
	if !calTokenRE.MatchString(token) {
		return apperr.NotFound("")
	}
	cal, err := visit.FeedByToken(ctx, s.pool, token, s.cfg.BaseURL, s.now())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", `inline; filename="visits.ics"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(cal.Bytes())
	if err != nil {
		s.logger(ctx).Info("calendar feed write", "err", err)
	}
	return nil
}
