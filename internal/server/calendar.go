package server

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/visit"
	"thematic/templates/visitview"
)

// The private calendar feed: each user may have one secret address, per organisation, from which a
// calendar program reads their visits with no session. Only the token's hash is stored; the
// address is shown once, when it is made. Making a new one, or stopping the feed, ends the old one.

// calTokenRE is the form auth.NewToken gives: 32 random bytes, base64url without padding.
var calTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func (s *Server) calendarView(r *http.Request) (visitview.CalendarView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v visitview.CalendarView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v.Created, err = visit.Feed(ctx, tx, a.TenantID, a.UserID)
		return err
	})
	return v, err
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

// calendarCreate makes a new address, replacing any earlier one (an upsert on the user's row, so a
// double click leaves one working address: the last one shown).
func (s *Server) calendarCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	token, hash := auth.NewToken()
	var v visitview.CalendarView
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Replaced, err = visit.SaveFeed(ctx, tx, a.TenantID, a.UserID, hash); err != nil {
			return err
		}
		if v.Created, err = visit.Feed(ctx, tx, a.TenantID, a.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "calendar_feed.created", ObjectType: "user", ObjectID: a.UserID,
			After: map[string]bool{"replaced_earlier": v.Replaced}})
	})
	if err != nil {
		return err
	}
	v.FeedURL = s.cfg.BaseURL + "/calendar/" + token + ".ics"
	p := s.page(r, "Your visits in your calendar")
	p.Nav = "account"
	return s.ok(w, r, visitview.Calendar(p, v))
}

func (s *Server) calendarRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var had bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if had, err = visit.RevokeFeed(ctx, tx, a.TenantID, a.UserID); err != nil || !had {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "calendar_feed.revoked", ObjectType: "user", ObjectID: a.UserID})
	})
	if err != nil {
		return err
	}
	if !had {
		return s.redirect(w, r, "/account/calendar", "You have no calendar feed")
	}
	return s.redirect(w, r, "/account/calendar", "Your calendar feed has stopped. Its address no longer works.")
}

// calendarFeed serves the feed at /calendar/{token}.ics. The owner is found with the SECURITY
// DEFINER look-up (before any tenant is known); their visits are then read in their own scope.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := strings.TrimSuffix(chi.URLParam(r, "token"), ".ics")
	if !calTokenRE.MatchString(token) {
		return apperr.NotFound("")
	}
	var tenantID, userID string
	err := s.txScope(ctx, db.Scope{}, func(tx pgx.Tx) error {
		var err error
		tenantID, userID, err = visit.FeedOwner(ctx, tx, auth.HashToken(token))
		return err
	})
	if err != nil {
		return err
	}
	var cal visit.Calendar
	err = s.txScope(ctx, db.Scope{TenantID: tenantID, UserID: userID}, func(tx pgx.Tx) error {
		visits, err := visit.ForUser(ctx, tx, tenantID, userID)
		if err != nil {
			return err
		}
		name, err := visit.TenantName(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		cal = visit.FeedFor("Visits – "+name, visits, userID, s.cfg.BaseURL, s.now())
		return nil
	})
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
