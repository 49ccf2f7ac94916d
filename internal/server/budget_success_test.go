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

// successPaths are forms whose success paths sent more than ten statements before each was
// brought within the budget (BENCHMARKS.md, "Ten statements a request"): changing a note 24,
// changing a visit 26, scheduling one 23, deleting one 12, changing a finding 21, setting up
// two-factor sign-in 25.
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
	{"deleting a visit", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newVisitFixture(t, e)
		return e.signedIn("lead@demo.test"), f.path("/", f.visitA, "/delete"), url.Values{"version": {"1"}, "confirm": {"yes"}}
	}, 0},
}

// TestEverySuccessPathWithinTheStatementBudget sends each form of successPaths valid and counts
// the statements of the request.
func TestEverySuccessPathWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	checkSuccessPaths(t, successPaths)
}

// checkSuccessPaths sends each form of paths valid, each in a test environment of its own, and
// fails when its request sends more than requestBudget statements.
func checkSuccessPaths(t *testing.T, paths []successPath) {
	t.Helper()
	for _, sp := range paths {
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
