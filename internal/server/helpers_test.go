package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"thematic/internal/config"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/server"
	"thematic/internal/testenv"
)

// env is a running server on its own database, seeded with the demo data.
type env struct {
	t   *testing.T
	db  *dbtest.DB
	srv *server.Server
	ts  *httptest.Server
	cfg config.Config
}

// newEnv starts a server over a fresh database with the demo data. mod may change the config.
func newEnv(t *testing.T, mod ...func(*config.Config)) *env {
	t.Helper()
	e := testenv.New(t, mod...)
	return &env{t: t, db: e.DB, srv: e.Server, ts: e.HTTP, cfg: e.Config}
}

// client is a browser-like client: a cookie jar, no automatic redirects.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// resp is a finished response with its body read.
type resp struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: string(b), Header: res.Header, Location: res.Header.Get("Location")}
}

func (c *client) get(path string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.e.ts.URL+path, nil)
	return c.do(req)
}

// post sends a form with the session's CSRF token added (taken from a GET of csrfFrom, or "/sign-in").
func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.csrf())
	}
	return c.postRaw(path, form)
}

// postRaw sends a form exactly as given.
func (c *client) postRaw(path string, form url.Values) resp {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the session's token from a page that has a form.
func (c *client) csrf() string {
	c.t.Helper()
	for _, p := range []string{"/account", "/sign-in"} {
		r := c.get(p)
		if m := csrfRE.FindStringSubmatch(r.Body); m != nil {
			return m[1]
		}
	}
	c.t.Fatal("no CSRF token found")
	return ""
}

// signIn signs in with the demo password and fails the test unless it works.
func (c *client) signIn(email string) {
	c.t.Helper()
	r := c.post("/sign-in", url.Values{"email": {email}, "password": {demo.Password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d\n%s", email, r.Status, r.Body)
	}
}

// signedIn returns a client signed in as email.
func (e *env) signedIn(email string) *client {
	c := e.client()
	c.signIn(email)
	return c
}

// auditCount counts audit entries of an action, read as the superuser (RLS hides them otherwise).
func (e *env) auditCount(action string) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
