package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/notefile"
	"thematic/internal/review"
	"thematic/internal/user"
	"thematic/templates/errorview"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyActor
	keySessionLoaded
	keyReviewLoaded
	keyFlash
)

func requestIDFrom(ctx context.Context) string { s, _ := ctx.Value(keyRequestID).(string); return s }

func actorFrom(ctx context.Context) *auth.Actor { a, _ := ctx.Value(keyActor).(*auth.Actor); return a }

func sessionLoaded(ctx context.Context) bool { b, _ := ctx.Value(keySessionLoaded).(bool); return b }

// requestID gives every request an id, in the logs, the audit log and the X-Request-Id header.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = audit.WithMeta(ctx, audit.Meta{RequestID: id, IP: clientIP(r)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// clientIP is the peer address. X-Forwarded-For is not trusted: a proxy in front should be
// configured to connect from a known address, and the limit is then per proxy, which is safe.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one JSON line per request. The path is logged without its query string, which
// may hold a token (password reset, invitation, calendar feed).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.logger(r.Context()).Info("request", "method", r.Method, "path", redactPath(r.URL.Path), "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// instrument counts each request and its time by route pattern for the metrics. It comes first,
// outside the recoverer, so a panic's 500 is counted too; the pattern is read after the handler
// ran, when chi has matched the route (and the raw path never becomes a label).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				route = rc.RoutePattern()
			}
			s.metrics.ObserveRequest(r.Method, route, status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// redactPath hides tokens carried in paths.
func redactPath(p string) string {
	for _, prefix := range []string{"/password/reset/", "/invitations/", "/calendar/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "[redacted]"
		}
	}
	return p
}

// recoverer turns a panic into the 500 page.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger(r.Context()).Error("panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.renderError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. The CSP allows no inline script and
// no third-party origin.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; "+
			"frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.TLS() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// uploadFieldBytes is the room a multipart upload has for its form fields besides the file.
const uploadFieldBytes = 64 << 10

// limitBody bounds request bodies while they are read; a larger one fails to parse and gets a 413
// page. A multipart form (a file upload) may be up to MaxUploadBytes plus room for its fields; one
// that says it is larger is refused before any of it is read.
// bodyLimit is how large r's body may be, and the page that says it was too large: uploads
// (multipart forms) may carry MaxUploadBytes of files, other posts MaxBodyBytes.
func (s *Server) bodyLimit(r *http.Request) (int64, errorview.View) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") && noteFormPath.MatchString(r.URL.Path) {
		return max(s.cfg.MaxBodyBytes, noteFormBytes), errorview.View{
			Status: http.StatusRequestEntityTooLarge, Heading: "The photos and files are too large",
			Message: fmt.Sprintf("A note can have up to %d photos or files, each smaller than %d MB.", notefile.MaxFiles, notefile.MaxFileSize>>20)}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return max(s.cfg.MaxBodyBytes, s.cfg.MaxUploadBytes+uploadFieldBytes), errorview.View{
			Status: http.StatusRequestEntityTooLarge, Heading: "The file is too large",
			Message: "The file must be smaller than " + humanBytes(s.cfg.MaxUploadBytes) + "."}
	}
	return s.cfg.MaxBodyBytes, tooLarge(s.cfg.MaxBodyBytes)
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, view := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.renderStatus(w, r, view)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-site unsafe requests (Sec-Fetch-Site / Origin) with the 403 page.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, apperr.Forbidden("The request came from another website, so it was refused."))
	}))
	return cop.Handler(next)
}

// loadActor reads the session's user and tenant on every request and checks they are still good:
// a deactivated membership ends the session at once; a changed role renews the session token.
// On a review's pages the actor's place in the review and a lead's open concerns come in the
// same statement (user.LoadRequest), for loadReview and the banner to use.
func (s *Server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), keySessionLoaded, true)
		userID := s.sessions.GetString(ctx, "user_id")
		tenantID := s.sessions.GetString(ctx, "tenant_id")
		if userID == "" || tenantID == "" {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if !s.stillActive(ctx, r.URL.Path) {
			s.endSession(ctx)
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		reviewID := reviewIDFromPath(r.URL.Path)
		rq, err := user.LoadRequest(ctx, s.pool, userID, tenantID, reviewID)
		err = db.MapError(err)
		sess := rq.Session
		switch {
		case apperr.Is(err, apperr.CodeNotFound):
			s.endSession(ctx)
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		case err != nil:
			s.renderError(w, r.WithContext(ctx), err)
			return
		}
		if sess.Deactivated || sess.UserVersion != s.sessions.GetInt(ctx, "user_ver") {
			// Deactivated here, or the password or two-factor set-up changed in another session.
			s.endSession(ctx)
			s.sessions.Put(ctx, "notice", "You have been signed out. Sign in again to continue.")
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if sess.MemberVersion != s.sessions.GetInt(ctx, "member_ver") {
			if err := s.sessions.RenewToken(ctx); err != nil {
				s.renderError(w, r.WithContext(ctx), err)
				return
			}
			s.sessions.Put(ctx, "member_ver", sess.MemberVersion)
		}
		a := sess.Actor
		ctx = context.WithValue(ctx, keyActor, &a)
		if reviewID != "" {
			ctx = context.WithValue(ctx, keyReviewLoaded, &reviewLoaded{reviewID: reviewID, access: rq.Review,
				concerns: rq.OpenConcerns})
		}
		if sess.Require2FA && !a.TOTP && !twoFactorSetupPath(r.URL.Path) {
			if r.Method == http.MethodGet {
				s.sessions.Put(ctx, "flash", "Your organisation requires two-factor sign-in. Set it up to continue.")
				http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
				return
			}
			s.renderError(w, r.WithContext(ctx), apperr.Forbidden("Set up two-factor sign-in first."))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if reviewID != "" && rq.Review == nil && r.Method == http.MethodGet {
			// A link into a review (from mail, say) that is not in the session's tenant: when the
			// review is in another of the user's tenants, switch there and open the link again.
			other, err := user.ReviewTenant(ctx, s.pool, userID, reviewID)
			if err != nil {
				s.renderError(w, r.WithContext(ctx), db.MapError(err))
				return
			}
			if other != "" && other != tenantID {
				if err := s.ssoBlocks(ctx, userID, other, ""); err != nil {
					s.renderError(w, r.WithContext(ctx), err)
					return
				}
				name, err := s.switchTenant(ctx, userID, a.Email, other, true)
				if err != nil {
					s.renderError(w, r.WithContext(ctx), err)
					return
				}
				s.sessions.Put(ctx, "flash", "You are now working in "+name+".")
				http.Redirect(w, r, r.URL.RequestURI(), http.StatusSeeOther)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// reviewLoaded is the actor's place in the review of the request's path, read with the actor.
type reviewLoaded struct {
	reviewID string
	access   *auth.ReviewAccess // nil: not a member of the review
	concerns int                // open safeguarding concerns for a lead's banner; -1 for others
}

func reviewLoadedFrom(ctx context.Context, reviewID string) *reviewLoaded {
	l, _ := ctx.Value(keyReviewLoaded).(*reviewLoaded)
	if l == nil || l.reviewID != reviewID {
		return nil
	}
	return l
}

// reviewIDFromPath is the review id of a path under /reviews/{reviewID}, or "".
func reviewIDFromPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/reviews/")
	if !ok || len(rest) < 36 || (len(rest) > 36 && rest[36] != '/') {
		return ""
	}
	if id := rest[:36]; db.ValidUUID(id) {
		return id
	}
	return ""
}

// seenStep is how stale the session's last-seen time may get before a request writes it again.
// The idle timeout is kept here rather than by the session manager, which would write the
// session to the database on every request just to move its expiry.
func (s *Server) seenStep() time.Duration { return min(time.Minute, s.cfg.IdleTimeout/10) }

// stillActive checks the idle timeout of a signed-in session and notes this request as its last
// activity, writing the session only when the time noted is more than seenStep old. A request for
// /session/extend always notes it.
func (s *Server) stillActive(ctx context.Context, path string) bool {
	now := s.now()
	seen := s.sessions.GetInt64(ctx, "seen")
	if seen != 0 && now.Sub(time.UnixMilli(seen)) > s.cfg.IdleTimeout {
		return false
	}
	if seen == 0 || now.Sub(time.UnixMilli(seen)) > s.seenStep() || path == "/session/extend" {
		s.sessions.Put(ctx, "seen", now.UnixMilli())
	}
	return true
}

// twoFactorSetupPath lists what a user who must set up two-factor sign-in may still reach.
func twoFactorSetupPath(p string) bool {
	return strings.HasPrefix(p, "/account/two-factor") || p == "/sign-out" || p == "/session/extend" ||
		p == "/accessibility" || p == "/privacy"
}

func (s *Server) endSession(ctx context.Context) {
	_ = s.sessions.Destroy(ctx)
}

// csrf checks the per-session token on every unsafe request, on top of the cross-origin check.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		want := s.sessions.GetString(r.Context(), "csrf")
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			if !s.readForm(w, r) {
				return
			}
			got = r.PostFormValue("csrf_token")
		}
		if !csrfMatches(want, got) {
			s.renderError(w, r, apperr.Forbidden("The form you sent has expired or was not sent from this service. Go back, reload the page and try again."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrfToken returns the session's token for a page, making one on first use. Pages are
// compressed, so the token is masked afresh for every page (a random pad, then the token XOR the
// pad): the secret's bytes never repeat from one response to the next, which a compression side
// channel (BREACH) would need.
func (s *Server) csrfToken(ctx context.Context) string {
	t := s.sessions.GetString(ctx, "csrf")
	if t == "" {
		t = newCSRFToken()
		s.sessions.Put(ctx, "csrf", t)
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return ""
	}
	masked := make([]byte, 2*len(raw))
	_, _ = rand.Read(masked[:len(raw)])
	for i, b := range raw {
		masked[len(raw)+i] = b ^ masked[i]
	}
	return base64.RawURLEncoding.EncodeToString(masked)
}

// csrfMatches reports whether got, a token masked by csrfToken, is the session's token want.
func csrfMatches(want, got string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(want)
	if want == "" || err != nil {
		return false
	}
	masked, err := base64.RawURLEncoding.DecodeString(got)
	if err != nil || len(masked) != 2*len(raw) {
		return false
	}
	unmasked := make([]byte, len(raw))
	for i := range raw {
		unmasked[i] = masked[i] ^ masked[len(raw)+i]
	}
	return subtle.ConstantTimeCompare(raw, unmasked) == 1
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// need guards a route with the permission the route table gives it.
func (s *Server) need(p auth.Permission, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		if !auth.Allowed(a, p) {
			if a == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/sign-in?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.renderError(w, r, apperr.Unauthenticated("Your session has ended. Sign in again."))
				return
			}
			if p.InReview() && a.Review == nil {
				s.renderError(w, r, apperr.NotFound(""))
				return
			}
			s.refuse(w, r, p)
			return
		}
		s.adapt(h)(w, r)
	}
}

// parseForm reads a urlencoded or multipart body once.
// readForm parses an unsafe request's form, url-encoded or multipart, once for every later
// reader. When the body cannot be read it answers and returns false: 413 when it is too large,
// 408 when the client sent it too slowly for the server's read timeout (a client's problem, so
// logged as a warning, not an error), 400 otherwise.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	err := parseForm(r)
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		_, view := s.bodyLimit(r)
		s.renderStatus(w, r, view)
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		s.logger(r.Context()).Warn("request body not received in time", "err", err)
		// The server cancelled the request's context when the read failed; the page can still
		// be written.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		s.renderStatus(w, r, errorview.View{Status: http.StatusRequestTimeout, Heading: "The request took too long",
			Message: "What you sent did not arrive in time. Check your connection and try again."})
	default:
		s.renderError(w, r, apperr.Invalid("The form could not be read."))
	}
	return false
}

// checkText refuses, with 400 and a page that says why, a request whose text holds a NUL or is
// not valid UTF-8: PostgreSQL stores neither in text, and would fail the request with a 500
// wherever the value reached a statement. It looks once, here, at the path, the query, the
// fields of url-encoded and multipart forms (with uploaded files' names, not their contents)
// and the headers the service reads as text.
func (s *Server) checkText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !s.readForm(w, r) {
				return
			}
		}
		if !requestTextValid(r) {
			s.renderError(w, r, apperr.Invalid("What you sent contains characters the service cannot accept, "+
				"such as a null character or bytes that are not UTF-8 text. Remove them and try again."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestTextValid reports whether every piece of r's text is valid UTF-8 without a NUL.
func requestTextValid(r *http.Request) bool {
	if !validText(r.URL.Path) || !validText(r.Header.Get("Referer")) {
		return false
	}
	// r.Form holds the query too once the form is parsed; a GET's query is read here.
	vals := r.Form
	if vals == nil {
		vals, _ = url.ParseQuery(r.URL.RawQuery) // what cannot be parsed reaches no handler
	}
	if !validValues(vals) {
		return false
	}
	if mf := r.MultipartForm; mf != nil {
		if !validValues(mf.Value) {
			return false
		}
		for name, files := range mf.File {
			if !validText(name) {
				return false
			}
			for _, f := range files {
				if !validText(f.Filename) {
					return false
				}
			}
		}
	}
	return true
}

func validValues(vals map[string][]string) bool {
	for k, vs := range vals {
		if !validText(k) {
			return false
		}
		for _, v := range vs {
			if !validText(v) {
				return false
			}
		}
	}
	return true
}

func validText(v string) bool { return utf8.ValidString(v) && !strings.ContainsRune(v, 0) }

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(8 << 20)
	}
	return r.ParseForm()
}

func tooLarge(limit int64) errorview.View {
	return errorview.View{Status: http.StatusRequestEntityTooLarge, Heading: "What you sent is too large",
		Message: fmt.Sprintf("The most this form accepts is %s.", humanBytes(limit))}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func scopeFor(tenantID, userID string) db.Scope { return db.Scope{TenantID: tenantID, UserID: userID} }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// loadReview finds the actor's place in the review named by {reviewID}. Someone outside the
// review gets no place, and the route's permission then answers 404.
func (s *Server) loadReview(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		if a == nil {
			next.ServeHTTP(w, r)
			return
		}
		reviewID := chi.URLParam(r, "reviewID")
		if l := reviewLoadedFrom(r.Context(), reviewID); l != nil {
			if l.access == nil {
				next.ServeHTTP(w, r)
				return
			}
			withReview := *a
			withReview.Review = l.access
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyActor, &withReview)))
			return
		}
		acc, err := review.AccessFor(r.Context(), s.pool, scopeOf(r), reviewID)
		switch {
		case apperr.Is(err, apperr.CodeNotFound):
			next.ServeHTTP(w, r)
			return
		case err != nil:
			s.renderError(w, r, err)
			return
		}
		withReview := *a
		withReview.Review = &acc
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyActor, &withReview)))
	})
}
