package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/config"
	"thematic/internal/demo"
	"thematic/internal/server"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for _, p := range []string{"/sign-in", "/no-such-page", "/healthz", "/static/app.css"} {
		r := c.get(p)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", p, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
		if r.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", p)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", p)
		}
		if r.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", p)
		}
	}
	// No page has an inline script: every <script> has a src.
	body := c.get("/sign-in").Body
	for _, tag := range strings.Split(body, "<script")[1:] {
		if !strings.Contains(strings.SplitN(tag, ">", 2)[0], "src=") {
			t.Errorf("inline script on the sign-in page: <script%s", strings.SplitN(tag, "</script>", 2)[0])
		}
	}
}

func TestTLSCookiesAndHSTS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.BaseURL = "https://thematic.example" })
	// The test server speaks plain HTTP; what matters is what the service asks the browser to do.
	res, err := http.Get(e.ts.URL + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS when served over TLS")
	}
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-thematic_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("session cookie attributes: %+v", ck)
			}
		}
	}
	if !found {
		t.Errorf("no __Host- session cookie over TLS; got %v", res.Header["Set-Cookie"])
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.client().get("/sign-in")
	cookies := (&http.Response{Header: r.Header}).Cookies()
	if len(cookies) != 1 || cookies[0].Name != "thematic_session" || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies: %+v", cookies)
	}
}

func TestCSRFRefusedWithoutOrWithWrongToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("admin@demo.test")
	before := e.auditCount("auth.signed_out")
	for name, form := range map[string]url.Values{
		"missing": {},
		"wrong":   {"csrf_token": {"not-the-token"}},
	} {
		r := c.postRaw("/sign-out", form)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "expired") {
			t.Errorf("%s token: status %d", name, r.Status)
		}
	}
	if got := c.get("/"); got.Status != http.StatusOK {
		t.Fatalf("a refused sign-out still signed the user out: %d", got.Status)
	}
	if e.auditCount("auth.signed_out") != before {
		t.Error("a refused request changed something")
	}
	// A token from another session is no good either.
	other := e.signedIn("lead@demo.test")
	r := c.postRaw("/sign-out", url.Values{"csrf_token": {other.csrf()}})
	if r.Status != http.StatusForbidden {
		t.Errorf("another session's token: status %d", r.Status)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("admin@demo.test")
	form := url.Values{"csrf_token": {c.csrf()}}
	req, _ := http.NewRequest("POST", e.ts.URL+"/sign-out", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	r := c.do(req)
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "another website") {
		t.Fatalf("cross-site post: %d", r.Status)
	}
	if got := c.get("/"); got.Status != http.StatusOK {
		t.Fatal("cross-site post signed the user out")
	}
}

func TestOversizedBodyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.MaxBodyBytes = 4096 })
	c := e.client()
	form := url.Values{"csrf_token": {c.csrf()}, "email": {strings.Repeat("a", 10000)}, "password": {"x"}}
	r := c.postRaw("/sign-in", form)
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "4 KB") {
		t.Fatalf("oversized form: %d", r.Status)
	}
	// A body that lies about its length (chunked) is cut off as it is read.
	req, _ := http.NewRequest("POST", e.ts.URL+"/sign-in", io.MultiReader(strings.NewReader("csrf_token=x&email="), strings.NewReader(strings.Repeat("b", 10000))))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1
	if r := c.do(req); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked oversized form: %d", r.Status)
	}
}

func TestUnknownRouteIsAGOVUKPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []*client{e.client(), e.signedIn("lead@demo.test")} {
		r := c.get("/no/such/page")
		if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") || !strings.Contains(r.Body, "govuk-template") {
			t.Fatalf("unknown route: %d", r.Status)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	if r := c.get("/healthz"); r.Status != http.StatusOK {
		t.Fatalf("healthz %d", r.Status)
	}
	r := c.get("/readyz")
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || r.Status != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("readyz %d %s", r.Status, r.Body)
	}
	// A database whose schema is behind the binary is not ready.
	if _, err := e.db.Super.Exec(t.Context(), `UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/readyz"); r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "migrations") {
		t.Fatalf("readyz with old schema: %d %s", r.Status, r.Body)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	srv := server.New(e.cfg, e.db.App, server.Options{Logger: logger})
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := e.client()
	c.e = &env{t: t, db: e.db, srv: srv, ts: ts, cfg: e.cfg}
	c.signIn("admin@demo.test")
	c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {"a-wrong-secret-guess"}})
	c.get("/password/reset/some-secret-token-value")
	logs := buf.String()
	if !strings.Contains(logs, `"request_id"`) || !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("no JSON access log with request ids:\n%s", logs)
	}
	for _, secret := range []string{demo.Password, "a-wrong-secret-guess", "some-secret-token-value", cookieValue(c.get("/").Header)} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("log holds a secret %q", secret)
		}
	}
	for _, ck := range c.http.Jar.Cookies(mustURL(ts.URL)) {
		if strings.Contains(logs, ck.Value) {
			t.Errorf("log holds the session id")
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
