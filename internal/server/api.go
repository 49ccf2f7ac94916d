package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apidoc"
	"thematic/internal/apitoken"
	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/user"
	"thematic/templates/apiview"
)

// The public API under /api/v1 (api_handlers.go for its routes' handlers). A request carries a
// personal access token as "Authorization: Bearer thm_…" and acts as exactly that token's user in
// the token's tenant: the route table's permissions, the domain commands and row-level security
// decide as they do for pages. No cookie is read and no CSRF token is needed (a browser never
// sends the header by itself). Errors are RFC 9457 problem details.

// APIPrefix is where the API's routes sit.
const APIPrefix = "/api/v1"

const keyAPIToken ctxKey = 100

// apiCaller is the token a request came with.
type apiCaller struct {
	tokenID, scope string
}

func apiCallerFrom(ctx context.Context) *apiCaller {
	c, _ := ctx.Value(keyAPIToken).(*apiCaller)
	return c
}

// problem is an RFC 9457 problem details object. Errors lists a refused request's fields.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []fieldProblem `json:"errors,omitempty"`
}

type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// apiProblem answers err as problem details. Server faults are logged and say nothing more.
func (s *Server) apiProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := errorView(err).Status
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: apiInstance(r)}
	var refused *form.Refused
	var limited *apitoken.LimitedError
	switch {
	case errors.As(err, &refused):
		p.Status, p.Title, p.Type = http.StatusUnprocessableEntity, "The request was refused", "/api/v1/docs#problem-invalid"
		p.Detail = "Correct the fields listed and send it again."
		for _, e := range refused.Errors.List() {
			p.Errors = append(p.Errors, fieldProblem{Field: e.Field, Detail: e.Message})
		}
	case errors.As(err, &limited):
		p.Status, p.Title, p.Type = http.StatusTooManyRequests, "Too many requests", "/api/v1/docs#problem-rate-limit"
		p.Detail = "This token has made " + strconv.Itoa(apitoken.RatePerMinute) + " requests this minute. Wait and try again."
		w.Header().Set("Retry-After", strconv.Itoa(limited.RetrySeconds()))
	case status >= 500:
		s.logger(r.Context()).Error("api request failed", "err", err, "status", status)
		if status == http.StatusServiceUnavailable {
			p.Detail = "The database could not be reached."
		}
	default:
		p.Detail = apperr.MessageOf(err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="thematic"`)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// apiInstance names this occurrence of a problem by its request id (in the logs and audit log).
func apiInstance(r *http.Request) string {
	if id := requestIDFrom(r.Context()); id != "" {
		return "urn:thematic:request:" + id
	}
	return ""
}

// apiJSON writes v as the answer.
func apiJSON(w http.ResponseWriter, status int, v any) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// apiAuth reads the request's token: with none the request goes on as nobody's (the route's
// permission then answers 401 unless it is public); a token that is malformed, unknown, revoked
// or expired answers 401; one over its rate limit 429. The token's user and their place in the
// review of the path are read as loadActor reads a session's (user.LoadRequest).
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			s.apiProblem(w, r, apperr.Unauthenticated("Send a personal access token as \"Authorization: Bearer <token>\"."))
			return
		}
		use, err := apitoken.Authenticate(ctx, s.pool, strings.TrimSpace(secret), s.now(), apitoken.RatePerMinute)
		if err != nil {
			s.apiProblem(w, r, err)
			return
		}
		reviewID := reviewIDFromPath(strings.TrimPrefix(r.URL.Path, APIPrefix))
		rq, err := user.LoadRequest(ctx, s.pool, use.UserID, use.TenantID, reviewID)
		err = db.MapError(err)
		switch {
		case apperr.Is(err, apperr.CodeNotFound):
			s.apiProblem(w, r, apperr.Unauthenticated("The token's user is no longer a member of the organisation."))
			return
		case err != nil:
			s.apiProblem(w, r, err)
			return
		}
		sess := rq.Session
		if sess.Deactivated {
			s.apiProblem(w, r, apperr.Unauthenticated("The token's user is no longer a member of the organisation."))
			return
		}
		if sess.Require2FA && !sess.Actor.TOTP {
			// Pages send such a user to set up two-factor sign-in first; a token waits for that.
			s.apiProblem(w, r, apperr.Forbidden("Your organisation requires two-factor sign-in. Set it up in the service first."))
			return
		}
		a := sess.Actor
		ctx = context.WithValue(ctx, keyActor, &a)
		ctx = context.WithValue(ctx, keyAPIToken, &apiCaller{tokenID: use.TokenID, scope: use.Scope})
		if reviewID != "" {
			ctx = context.WithValue(ctx, keyReviewLoaded, &reviewLoaded{reviewID: reviewID, access: rq.Review, concerns: rq.OpenConcerns})
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// apiCheckText refuses (400) a path or query holding a NUL or bytes that are not UTF-8, as
// checkText does for pages: PostgreSQL stores neither in text. A JSON body is checked by its
// handler once decoded.
func (s *Server) apiCheckText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil || !validText(r.URL.Path) || !validValues(vals) {
			s.apiProblem(w, r, apperr.Invalid("The path or query contains characters the service cannot accept, such as a null character or bytes that are not UTF-8 text."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiLimitBody bounds a request body as limitBody does for pages, answering with a problem.
func (s *Server) apiLimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			writeProblem(w, problem{Type: "about:blank", Title: http.StatusText(http.StatusRequestEntityTooLarge),
				Status: http.StatusRequestEntityTooLarge, Detail: "The request body is too large.", Instance: apiInstance(r)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// apiRegistrar is registrar for the API: the same permissions table, answered with problems.
func (s *Server) apiRegistrar(r chi.Router, prefix string) routeFunc {
	return func(method, pattern string, p auth.Permission, h handler) {
		full := prefix + pattern
		s.perms[method+" "+full] = p
		r.Method(method, pattern, s.apiNeed(p, h))
	}
}

// apiNeed guards an API route with its permission, as need does a page's; a read-only token
// may make no change.
func (s *Server) apiNeed(p auth.Permission, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		if !auth.Allowed(a, p) {
			switch {
			case a == nil:
				s.apiProblem(w, r, apperr.Unauthenticated("Send a personal access token as \"Authorization: Bearer <token>\"."))
			case p.InReview() && a.Review == nil:
				s.apiProblem(w, r, apperr.NotFound("Review not found."))
			default:
				if err := user.RecordRefused(r.Context(), s.pool, scopeOf(r), r.Method+" "+r.URL.Path, p.String()); err != nil {
					s.logger(r.Context()).Error("audit refused access", "err", err)
				}
				s.apiProblem(w, r, apperr.Forbidden("Your role does not allow this."))
			}
			return
		}
		if c := apiCallerFrom(r.Context()); c != nil && c.scope != apitoken.ReadWrite && r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.apiProblem(w, r, apperr.Forbidden("This token may only read. Make a read and write token to change anything."))
			return
		}
		if err := h(w, r); err != nil {
			s.apiProblem(w, r, err)
		}
	}
}

// apiNotFound answers a path the API does not have.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiProblem(w, r, apperr.NotFound("There is no such path in the API. See /api/v1/docs."))
}

// apiOpenAPI serves the API's OpenAPI document.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(apidoc.JSON())
	return err
}

// apiDocs renders the API's reference page from the same document.
func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request) error {
	doc, err := apidoc.Load()
	if err != nil {
		return err
	}
	v := apiview.DocsView{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description,
		Operations: apidoc.Operations(doc), Schemas: apidoc.Schemas(doc), BaseURL: s.cfg.BaseURL}
	p := s.page(r, "API reference")
	s.render(w, r, http.StatusOK, apiview.Docs(p, v))
	return nil
}
