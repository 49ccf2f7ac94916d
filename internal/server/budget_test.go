package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// requestBudget is the most SQL statements one request may send, everything included: the
// session read and write, the actor, transactions (BEGIN, set_config, COMMIT), the page's reads.
const requestBudget = 10

// overBudget lists the pages known to send more than requestBudget statements, with how many
// they send; BENCHMARKS.md says why each is over and what would bring it down. The test fails
// when one of them gets worse, or when another page goes over.
var overBudget = map[string]int64{}

// budgetQuery is the query string pages that need one are opened with.
var budgetQuery = map[string]string{
	"GET /reviews/{reviewID}/report/sections/edit": "?key=background",
	"GET /reviews/{reviewID}/report/compare":       "?from=1&to=1",
}

// countStatements requests path as c three times and returns the fewest statements one request
// sent (so that a background statement of the server cannot blur the figure), the SQL of that
// request, and its status.
func countStatements(t *testing.T, te *testenv.Env, c *client, method, path string) (int64, []string, int) {
	t.Helper()
	best, status := int64(-1), 0
	var sql []string
	for range 3 {
		before := te.Statements()
		var r resp
		if method == http.MethodGet {
			r = c.get(path)
		} else {
			r = c.post(path, nil)
		}
		n := te.Statements() - before
		if best < 0 || n < best {
			best, sql, status = n, te.StatementsSince(before), r.Status
		}
	}
	return best, sql, status
}

// TestEveryPageWithinTheStatementBudget requests every page a review's lead can open, and every
// page outside reviews as the tenant's admin, and counts the statements each sends.
func TestEveryPageWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	admin := e.signedIn("admin@demo.test")

	type page struct {
		key, path string
		c         *client
	}
	var pages []page
	for key, rule := range reviewAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method == http.MethodGet && rule.lead == ok {
			pages = append(pages, page{key, f.reviewPath(pattern, true) + budgetQuery[key], lead})
		}
	}
	for key, rule := range accessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet || strings.HasPrefix(pattern, "/assets/") || strings.HasPrefix(pattern, "/static/") {
			continue
		}
		switch {
		case rule.admin == ok:
			pages = append(pages, page{key, f.path(pattern), admin})
		case rule.member == ok:
			pages = append(pages, page{key, f.path(pattern), lead})
		}
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].key < pages[j].key })
	if len(pages) < 50 {
		t.Fatalf("only %d pages to measure", len(pages))
	}
	worst := int64(0)
	for _, p := range pages {
		n, sql, status := countStatements(t, te, p.c, http.MethodGet, p.path)
		if status >= 400 && status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", p.key, status)
			continue
		}
		worst = max(worst, n)
		limit, known := overBudget[p.key]
		if !known {
			limit = requestBudget
		}
		if n > limit {
			t.Errorf("%s sends %d statements, more than %d:\n  %s", p.key, n, limit, strings.Join(sql, "\n  "))
		}
		if known && n <= requestBudget {
			t.Errorf("%s is within the budget now (%d): take it out of overBudget", p.key, n)
		}
		t.Logf("%3d %s", n, p.key)
	}
	t.Logf("%d pages, the most statements one sent: %d", len(pages), worst)
}

// TestSavingANoteWithinTheStatementBudget counts the statements of the request inspectors send
// most: saving a note through the form.
func TestSavingANoteWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("csrf_token", c.csrf())
	before := te.Statements()
	r := c.post(f.postPath(), form)
	n := te.Statements() - before
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	sent := te.StatementsSince(before)
	t.Logf("saving a note: %d statements:\n  %s", n, strings.Join(sent, "\n  "))
	if n > requestBudget {
		t.Errorf("saving a note sends %d statements, more than %d", n, requestBudget)
	}
	// The save itself (issue 17): BEGIN, the scope, the checks' read, the write with its links
	// and audit entry, COMMIT; the request adds only the session and the actor's reads.
	begin, end := slices.Index(sent, "begin"), slices.Index(sent, "commit")
	if begin < 0 || end < begin || int64(len(sent)) != n {
		t.Fatalf("no single transaction in the save's statements (%d of %d logged)", len(sent), n)
	}
	if save := end - begin + 1; save > 5 {
		t.Errorf("the save's transaction sends %d statements, more than 5", save)
	}
	if n > 7 {
		t.Errorf("saving a note through the form sends %d statements, more than the session read, the actor's read "+
			"and the save's 5 (the confirmation goes to the next page in a cookie, not a session write)", n)
	}
	var audited int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log a JOIN evidence_notes n ON n.id::text = a.object_id
		WHERE a.action = 'evidence.created' AND n.body = $1 AND a.actor_email = 'inspector@demo.test'
		AND a.after->>'body' = n.body AND jsonb_array_length(a.after->'action_areas') > 0`, form.Get("body")).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("the save's audit entry: %d entries naming the note, its text and action areas (%v), want 1", audited, err)
	}
}

// formsOverBudget lists the forms known to send more than requestBudget statements when sent
// empty, with how many; BENCHMARKS.md says why.
var formsOverBudget = map[string]int64{}

// TestEveryFormSentEmptyWithinTheStatementBudget sends every form of a review, and every form
// outside reviews, empty: each answers with its errors (or its refusal) and counts its statements.
func TestEveryFormSentEmptyWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	var keys []string
	paths := map[string]string{}
	clients := map[string]*client{}
	for key, rule := range reviewAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method == http.MethodPost && rule.lead == ok {
			keys = append(keys, key)
			paths[key], clients[key] = f.reviewPath(pattern, true), lead
		}
	}
	admin, anon := e.signedIn("admin@demo.test"), e.client()
	for key, rule := range accessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodPost {
			continue
		}
		switch {
		case rule.admin == ok:
			keys = append(keys, key)
			paths[key], clients[key] = f.path(pattern), admin
		case rule.member == ok:
			keys = append(keys, key)
			paths[key], clients[key] = f.path(pattern), lead
		case rule.anon == ok:
			keys = append(keys, key)
			paths[key], clients[key] = f.path(pattern), anon
		}
	}
	sort.Strings(keys)
	// Forms that end the session go last.
	sort.SliceStable(keys, func(i, j int) bool { return !budgetEndsSession(keys[i]) && budgetEndsSession(keys[j]) })
	worst := int64(0)
	for _, key := range keys {
		c := clients[key]
		form := url.Values{"csrf_token": {c.csrf()}} // read before counting: it is a request of its own
		before := te.Statements()
		r := c.post(paths[key], form)
		n := te.Statements() - before
		worst = max(worst, n)
		limit, known := formsOverBudget[key]
		if !known {
			limit = requestBudget
		}
		if n > limit {
			t.Errorf("%s sent empty sends %d statements, more than %d:\n  %s", key, n, limit,
				strings.Join(te.StatementsSince(before), "\n  "))
		}
		if known && n <= requestBudget {
			t.Errorf("%s is within the budget now (%d): take it out of formsOverBudget", key, n)
		}
		t.Logf("%3d %d %s", n, r.Status, key)
	}
	t.Logf("%d forms, the most statements one sent: %d", len(keys), worst)
}

func budgetEndsSession(key string) bool {
	return strings.Contains(key, "sign-out") || strings.Contains(key, "sign-in") || strings.Contains(key, "/tenant")
}

// TestSigningInWithinTheStatementBudget counts a successful sign-in.
func TestSigningInWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	c := e.client()
	form := url.Values{"csrf_token": {c.csrf()}, "email": {"lead@demo.test"}, "password": {demo.Password}}
	before := te.Statements()
	r := c.post("/sign-in", form)
	n := te.Statements() - before
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.Status)
	}
	t.Logf("signing in: %d statements", n)
	if n > requestBudget {
		t.Errorf("signing in sends %d statements, more than %d:\n  %s", n, requestBudget,
			strings.Join(te.StatementsSince(before), "\n  "))
	}
}
