package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/review"
	"thematic/internal/user"
	"thematic/templates"
	"thematic/templates/errorview"
	"thematic/web"
)

// handler is what every route's function looks like: it returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request) error

// errorView maps an error to what the user sees: never err.Error() of an internal error.
func errorView(err error) errorview.View {
	msg := apperr.MessageOf(err)
	switch apperr.CodeOf(err) {
	case apperr.CodeNotFound:
		return errorview.View{Status: http.StatusNotFound, Heading: "Page not found"}
	case apperr.CodeForbidden:
		var stage *review.StageError
		if errors.As(err, &stage) {
			// Allowed to the person, refused by the review's stage: the message says what to do.
			return errorview.View{Status: http.StatusForbidden, Heading: "This cannot be changed at the review’s stage", Message: msg}
		}
		return errorview.View{Status: http.StatusForbidden, Heading: "You do not have permission to see this page", Message: msg}
	case apperr.CodeInvalid:
		return errorview.View{Status: http.StatusBadRequest, Heading: "There is a problem with your request", Message: msg}
	case apperr.CodeConflict:
		return errorview.View{Status: http.StatusConflict, Heading: "Someone else made a change", Message: msg}
	case apperr.CodeTooMany:
		return errorview.View{Status: http.StatusTooManyRequests, Heading: "Too many attempts", Message: msg}
	case apperr.CodeUnavailable:
		return errorview.View{Status: http.StatusServiceUnavailable, Heading: "Sorry, the service is unavailable",
			Message: "We could not reach the database."}
	case apperr.CodeUnauthenticated:
		return errorview.View{Status: http.StatusUnauthorized, Heading: "You need to sign in", Message: msg}
	}
	return errorview.View{Status: http.StatusInternalServerError, Heading: "Sorry, there is a problem with the service"}
}

// renderError writes the GOV.UK error page for err, logging server faults with the request id.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	v := errorView(err)
	if v.Status >= 500 {
		s.logger(r.Context()).Error("request failed", "err", err, "status", v.Status)
	}
	s.renderStatus(w, r, v)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, v errorview.View) {
	p := s.page(r, v.Heading)
	p.Flash = ""
	s.render(w, r, v.Status, errorview.Page(p, v))
}

// adapt turns a handler into an http.Handler.
func (s *Server) adapt(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}
}

// render writes a templ component with a status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil && !errors.Is(err, context.Canceled) {
		s.logger(r.Context()).Error("render failed", "err", err)
	}
}

// ok renders a page with 200.
func (s *Server) ok(w http.ResponseWriter, r *http.Request, c templ.Component) error {
	s.render(w, r, http.StatusOK, c)
	return nil
}

// invalid renders a form again with 422 after validation failed.
func (s *Server) invalid(w http.ResponseWriter, r *http.Request, c templ.Component) error {
	s.render(w, r, http.StatusUnprocessableEntity, c)
	return nil
}

// redirect sends the browser on with 303 and an optional flash message for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.setFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// page builds the layout's values for this request. It takes the flash message, so call it once.
func (s *Server) page(r *http.Request, title string) templates.Page {
	ctx := r.Context()
	p := templates.Page{Title: title, Actor: actorFrom(ctx), Dev: s.cfg.Dev(), Asset: web.Path}
	if sessionLoaded(ctx) && offlineFetch(r) {
		// A copy for the service worker to keep: the flash stays for the page the user opens next.
		p.CSRF = s.csrfToken(ctx)
	} else if sessionLoaded(ctx) {
		p.CSRF = s.csrfToken(ctx)
		if m, ok := flashFrom(ctx); ok {
			p.Flash = m
		}
		if m := s.sessions.PopString(ctx, "flash"); m != "" {
			p.Flash = m
		}
		p.ManyTenants = s.sessions.GetBool(ctx, "many_tenants")
	}
	if p.Actor != nil && !offlineFetch(r) { // a kept copy, read offline, must not sign itself out
		p.IdleSeconds = int(s.cfg.IdleTimeout.Seconds())
	}
	if !offlineFetch(r) { // a copy to keep on a device says nothing of safeguarding
		s.concernsBanner(r, &p)
	}
	return p
}

// refuse answers 403 and records the refused access in the audit log.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, need auth.Permission) {
	a := actorFrom(r.Context())
	if a != nil {
		if err := user.RecordRefused(r.Context(), s.pool, scopeOf(r), r.Method+" "+r.URL.Path, need.String()); err != nil {
			s.logger(r.Context()).Error("audit refused access", "err", err)
		}
	}
	s.renderError(w, r, apperr.Forbidden(""))
}

// safeNext keeps a post-sign-in destination only when it is a path on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}

func (s *Server) logger(ctx context.Context) *slog.Logger {
	if id := requestIDFrom(ctx); id != "" {
		return s.log.With("request_id", id)
	}
	return s.log
}
