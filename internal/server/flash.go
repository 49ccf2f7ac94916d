package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// A redirect's confirmation ("Note saved") travels to the page it leads to in a cookie, not in
// the session: a form that succeeds then writes the session row only when something else in it
// changed, which spares the save and the page after it an UPDATE and a commit each (issue 17).
// The cookie is signed with the session's CSRF secret, so no other site or session can plant a
// message, and it lasts a minute at most. Without a secret yet (a session just begun) the
// message goes in the session as before.

const flashCookieName = "thematic_flash"

func (s *Server) flashCookie() string {
	if s.cfg.TLS() {
		return "__Host-" + flashCookieName
	}
	return flashCookieName
}

func flashMAC(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setFlash leaves msg for the next page this browser is shown.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	secret := s.sessions.GetString(r.Context(), "csrf")
	if secret == "" {
		s.sessions.Put(r.Context(), "flash", msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.flashCookie(), Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.cfg.TLS(),
		SameSite: http.SameSiteLaxMode,
		Value:    base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + flashMAC(secret, msg)})
}

// readFlash answers the message of a cookie value signed for this session.
func (s *Server) readFlash(ctx context.Context, value string) (string, bool) {
	enc, mac, ok := strings.Cut(value, ".")
	secret := s.sessions.GetString(ctx, "csrf")
	if !ok || secret == "" {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || !hmac.Equal([]byte(mac), []byte(flashMAC(secret, string(raw)))) {
		return "", false
	}
	return string(raw), true
}

// flashes reads a flash cookie into the request's context for page to show, and clears it with
// the first answer that is not a redirect (a redirect passes it on to where it leads). It runs
// after the session is loaded.
func (s *Server) flashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.flashCookie())
		if err != nil || offlineFetch(r) { // the service worker's copy leaves the message for the user's next page
			next.ServeHTTP(w, r)
			return
		}
		msg, ok := s.readFlash(r.Context(), c.Value)
		ctx := r.Context()
		if ok {
			ctx = context.WithValue(ctx, keyFlash, msg)
		}
		next.ServeHTTP(&flashWriter{ResponseWriter: w, name: s.flashCookie(), pass: ok, secure: s.cfg.TLS()}, r.WithContext(ctx))
	})
}

// flashFrom answers the message flashes read for this request.
func flashFrom(ctx context.Context) (string, bool) {
	m, ok := ctx.Value(keyFlash).(string)
	return m, ok
}

type flashWriter struct {
	http.ResponseWriter
	name   string
	pass   bool // a valid message a redirect passes on
	secure bool
	done   bool
}

func (w *flashWriter) settle(code int) {
	if w.done {
		return
	}
	w.done = true
	if w.pass && code >= 300 && code < 400 {
		return
	}
	for _, c := range w.Header().Values("Set-Cookie") {
		if strings.HasPrefix(c, w.name+"=") {
			return // the handler left a new message
		}
	}
	http.SetCookie(w.ResponseWriter, &http.Cookie{Name: w.name, Path: "/", MaxAge: -1, HttpOnly: true, Secure: w.secure,
		SameSite: http.SameSiteLaxMode})
}

func (w *flashWriter) WriteHeader(code int) {
	w.settle(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *flashWriter) Write(b []byte) (int, error) {
	w.settle(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *flashWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
