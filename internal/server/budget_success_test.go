package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"thematic/internal/auth"
	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// successPath is one form sent valid: set sets up the state it needs and returns the client,
// the path and the form; the request must answer with a redirect.
type successPath struct {
	name   string
	set    func(t *testing.T, e *env) (c *client, path string, form url.Values)
	status int // the answer: 0 for a redirect (303)
}

// measured sends form to path as c and returns the statements the request sent and their SQL.
func measured(t *testing.T, te *testenv.Env, c *client, path string, form url.Values) (int64, []string, resp) {
	t.Helper()
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.csrf()) // a request of its own: read before counting
	}
	before := te.Statements()
	r := c.postRaw(path, form)
	n := te.Statements() - before
	return n, te.StatementsSince(before), r
}

// successPaths are the forms whose success paths wrote several tables in more than ten
// statements (BENCHMARKS.md, "Ten statements a request").
var successPaths = []successPath{
	{"changing a note", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newNoteFixture(t, e)
		c := e.signedIn("inspector@demo.test")
		r := c.post(f.postPath(), f.ntForm(t, c))
		id := ntNoteRE.FindStringSubmatch(r.Location)[1]
		form := f.ntForm(t, c)
		form.Del("idempotency_key")
		form.Set("version", "1")
		form.Set("body", "The hub was easy to reach by bus.")
		form.Set("tags", "Access, transport")
		return c, f.notePath(id), form
	}, 0},
	{"changing a visit", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newVisitFixture(t, e)
		form := vtForm("save", f.sunderland, "10", "3", "2025", "2", f.inspector+":2025-03-10", f.cqc+":2025-03-11")
		form.Set("version", "1")
		form.Set("notes", "Meet at the family hub")
		return e.signedIn("lead@demo.test"), f.path("/", f.visitA), form
	}, 0},
	{"scheduling a visit", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newVisitFixture(t, e)
		form := vtForm("save", f.torbay, "20", "3", "2025", "1", f.inspector+":2025-03-20")
		return e.signedIn("lead@demo.test"), f.path(""), form
	}, 0},
	{"changing a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		var reviewID, findingID string
		var version int
		if err := e.db.Super.QueryRow(context.Background(), `SELECT f.review_id, f.id, f.version FROM findings f
			JOIN reviews r ON r.id = f.review_id WHERE r.title = $1 ORDER BY f.id LIMIT 1`, demo.ReviewTitle).
			Scan(&reviewID, &findingID, &version); err != nil {
			t.Fatal(err)
		}
		return e.signedIn("lead@demo.test"), "/reviews/" + reviewID + "/findings/" + findingID,
			url.Values{"version": {strconv.Itoa(version)}, "body": {"In {areas}, families found help close to home."}, "style": {"word"}}
	}, 0},
	{"setting up two-factor sign-in", func(t *testing.T, e *env) (*client, string, url.Values) {
		c := e.signedIn("lead@demo.test")
		m := secretRE.FindStringSubmatch(c.get("/account/two-factor").Body)
		if m == nil {
			t.Fatal("no secret on the set-up page")
		}
		code, err := auth.TOTPCode(strings.ReplaceAll(m[1], " ", ""), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c, "/account/two-factor", url.Values{"code": {code}}
	}, http.StatusOK},
	{"accepting an invitation as a new user", func(t *testing.T, e *env) (*client, string, url.Values) {
		link := e.invite(e.invTenantID(demo.TenantSlug), "new.person@demo.test", "Nia New", auth.RoleMember)
		c := e.client()
		c.get(link)
		return c, link, url.Values{"name": {"Nia New"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}}
	}, 0},
}

// TestEverySuccessPathWithinTheStatementBudget sends each form of successPaths valid and counts
// the statements of the request.
func TestEverySuccessPathWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	for _, sp := range successPaths {
		t.Run(strings.ReplaceAll(sp.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			te := testenv.New(t)
			e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
			c, path, form := sp.set(t, e)
			n, sql, r := measured(t, te, c, path, form)
			want := sp.status
			if want == 0 {
				want = http.StatusSeeOther
			}
			if r.Status != want {
				t.Fatalf("%s: %d\n%s", sp.name, r.Status, r.Body)
			}
			t.Logf("%s: %d statements", sp.name, n)
			if n > requestBudget {
				t.Errorf("%s sends %d statements, more than %d:\n  %s", sp.name, n, requestBudget, strings.Join(sql, "\n  "))
			}
		})
	}
}
