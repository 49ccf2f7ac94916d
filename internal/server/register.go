package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/register"
	"thematic/templates/registerview"
)

// The recommendations register across the tenant's reviews (internal/register).

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) error {
	f, errs := register.ParseFilter(r.URL.Query())
	pg, err := register.RegisterPage(r.Context(), s.pool, scopeOf(r), f)
	if err != nil {
		return err
	}
	p := s.page(r, "Recommendations register")
	p.Nav = "register"
	p.HasError = errs.Any()
	return s.ok(w, r, registerview.Page(p, registerview.View{Filter: f, Errors: errs, Options: pg.Options, Entries: pg.Entries}))
}

// registerExport streams the register, filtered as the page is, as CSV or XLSX.
func (s *Server) registerExport(xlsx bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		f, errs := register.ParseFilter(r.URL.Query())
		if errs.Any() {
			return s.registerPage(w, r)
		}
		type writer interface {
			Write(register.Entry) error
			Close() error
		}
		var out writer
		started := false
		start := func() error {
			started = true
			w.Header().Set("Cache-Control", "no-store")
			var err error
			if xlsx {
				w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
				w.Header().Set("Content-Disposition", `attachment; filename="recommendations-register.xlsx"`)
				out, err = register.NewXLSX(w)
			} else {
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", `attachment; filename="recommendations-register.csv"`)
				out, err = register.NewCSV(w)
			}
			return err
		}
		err := register.Export(ctx, s.pool, scopeOf(r), f, func(e register.Entry) error {
			if out == nil {
				if err := start(); err != nil {
					return err
				}
			}
			return out.Write(e)
		})
		if err == nil && out == nil {
			err = start() // no rows: the headings alone
		}
		if err == nil {
			err = out.Close()
		}
		if err != nil && started {
			s.logger(ctx).Error("register export failed", "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
}

func (s *Server) registerEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := register.EntryPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "recommendationID"))
	if err != nil {
		return err
	}
	v := registerview.EntryView{Entry: e, Status: e.Status, Version: e.Version, Key: rvNewKey(), Errors: &form.Errors{}}
	return s.registerEntryRender(w, r, http.StatusOK, v)
}

func (s *Server) registerEntryRender(w http.ResponseWriter, r *http.Request, status int, v registerview.EntryView) error {
	a := actorFrom(r.Context())
	v.CanEdit = v.Entry.Lead || auth.Allowed(a, auth.ManageTenant)
	p := s.page(r, fmt.Sprintf("Recommendation %d – %s", v.Entry.Number, v.Entry.ReviewTitle))
	p.Nav = "register"
	p.HasError = v.Errors.Any() || v.Conflict
	s.render(w, r, status, registerview.Entry(p, v))
	return nil
}

func (s *Server) registerStatus(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "recommendationID")
	if err := register.CheckID(id); err != nil {
		return err
	}
	version, verr := strconv.Atoi(r.PostFormValue("version"))
	if verr != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	status := r.PostFormValue("status")
	cur, err := register.ChangeStatus(r.Context(), s.pool, scopeOf(r), auth.Allowed(a, auth.ManageTenant), id, status, version)
	var stale *register.StaleError
	var refused *form.Refused
	switch {
	case errors.As(err, &stale):
		v := registerview.EntryView{Entry: stale.Current, Status: status, Version: stale.Current.Version, Conflict: true,
			Key: rvNewKey(), Errors: &form.Errors{}}
		return s.registerEntryRender(w, r, http.StatusConflict, v)
	case errors.As(err, &refused):
		if cur.ID == "" {
			if cur, err = register.EntryPage(r.Context(), s.pool, scopeOf(r), id); err != nil {
				return err
			}
		}
		errs := &form.Errors{}
		errs.Add("status", "Select a status")
		v := registerview.EntryView{Entry: cur, Status: cur.Status, Version: cur.Version, Key: rvNewKey(), Errors: errs}
		return s.registerEntryRender(w, r, http.StatusUnprocessableEntity, v)
	case err != nil:
		return err
	}
	return s.redirect(w, r, "/register/"+id, "Status saved")
}

func (s *Server) registerResponse(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "recommendationID")
	if err := register.CheckID(id); err != nil {
		return err
	}
	day, month, year := strings.TrimSpace(r.PostFormValue("received_day")), strings.TrimSpace(r.PostFormValue("received_month")),
		strings.TrimSpace(r.PostFormValue("received_year"))
	in := register.ResponseInput{Responder: r.PostFormValue("responder"), Body: r.PostFormValue("body"),
		ReceivedOn: joinDate(day, month, year), Key: r.PostFormValue("idempotency_key")}
	cur, err := register.RecordResponse(r.Context(), s.pool, scopeOf(r), auth.Allowed(a, auth.ManageTenant), id, in, time.Now())
	var refused *form.Refused
	if errors.As(err, &refused) {
		in.Validate(time.Now()) // the trimmed values to show again
		v := registerview.EntryView{Entry: cur, Status: cur.Status, Version: cur.Version, Response: in, Day: day, Month: month,
			Year: year, Key: in.Key, Errors: refused.Errors}
		return s.registerEntryRender(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/register/"+id, "Response recorded")
}

// joinDate makes YYYY-MM-DD of a date typed in three fields ("" when a part is not a number).
func joinDate(day, month, year string) string {
	d, err1 := strconv.Atoi(day)
	m, err2 := strconv.Atoi(month)
	y, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || y < 1000 || y > 9999 {
		return ""
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "" // 31 2 2025
	}
	return t.Format("2006-01-02")
}

// A finding's links to the earlier recommendations it follows up.

func (s *Server) followUpsPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	a := actorFrom(r.Context())
	pg, err := register.FollowUps(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "findingID"), register.Filter{Q: q})
	if err != nil {
		return err
	}
	p := s.page(r, "Earlier recommendations this finding follows up")
	return s.ok(w, r, registerview.FollowUps(p, registerview.FollowUpView{ReviewID: a.Review.ReviewID, Page: pg, Q: q, Errors: &form.Errors{}}))
}

func (s *Server) followUpLink(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	findingID := chi.URLParam(r, "findingID")
	pg, err := register.Link(r.Context(), s.pool, scopeOf(r), findingID, r.PostFormValue("recommendation"))
	var refused *form.Refused
	if errors.As(err, &refused) {
		p := s.page(r, "Earlier recommendations this finding follows up")
		p.HasError = true
		s.render(w, r, http.StatusUnprocessableEntity, registerview.FollowUps(p,
			registerview.FollowUpView{ReviewID: a.Review.ReviewID, Page: pg, Errors: refused.Errors}))
		return nil
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+findingID+"#follows-up", "Recommendation linked")
}

func (s *Server) followUpUnlink(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	findingID := chi.URLParam(r, "findingID")
	err := register.Unlink(r.Context(), s.pool, scopeOf(r), findingID, chi.URLParam(r, "recommendationID"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+findingID+"/follow-ups", "Link removed")
}
