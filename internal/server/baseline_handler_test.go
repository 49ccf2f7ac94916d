package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/server"
)

// baselineForm is a note for the load harness's bare handler on a demo visit, by inspector@.
func baselineForm(t *testing.T, e *env, key, body string) url.Values {
	t.Helper()
	review := demoReviewID(t, e)
	var tenant, visit, author, source, actionArea, day string
	ctx := context.Background()
	if err := e.db.Super.QueryRow(ctx, `SELECT r.tenant_id, v.id, v.start_date::text,
			(SELECT id FROM users WHERE email = 'inspector@demo.test'),
			(SELECT id FROM evidence_sources s WHERE s.review_id = r.id AND NOT s.needs_role ORDER BY position LIMIT 1),
			(SELECT id FROM action_areas a WHERE a.review_id = r.id ORDER BY position LIMIT 1)
		FROM reviews r JOIN visits v ON v.review_id = r.id WHERE r.id = $1 ORDER BY v.start_date, v.id LIMIT 1`,
		review).Scan(&tenant, &visit, &day, &author, &source, &actionArea); err != nil {
		t.Fatal(err)
	}
	return url.Values{"tenant_id": {tenant}, "review_id": {review}, "visit_id": {visit}, "author_id": {author},
		"source_id": {source}, "action_area_id": {actionArea}, "note_date": {day}, "body": {body},
		"idempotency_key": {key}, "tags": {"Baseline load, Outreach"}, "judgement": {"strength"}}
}

// postBaseline posts f to base+server.DomainBaselinePath and answers the status and body.
func postBaseline(t *testing.T, base string, f url.Values) (int, string) {
	t.Helper()
	res, err := http.Post(base+server.DomainBaselinePath, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// assertBaselineNote checks that exactly one note holds body, with its tags and action area, by
// the author the form named, and no session or CSRF was needed.
func assertBaselineNote(t *testing.T, e *env, f url.Values) {
	t.Helper()
	var n, tags, areas int
	var author, judgement string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) OVER (), n.author_id::text, n.judgement,
			(SELECT count(*) FROM evidence_note_tags nt WHERE nt.note_id = n.id),
			(SELECT count(*) FROM evidence_note_action_areas na WHERE na.note_id = n.id AND na.action_area_id = $2)
		FROM evidence_notes n WHERE n.body = $1`, f.Get("body"), f.Get("action_area_id")).Scan(&n, &author, &judgement, &tags, &areas); err != nil {
		t.Fatalf("the note was not stored: %v", err)
	}
	if n != 1 || author != f.Get("author_id") || judgement != "strength" || tags != 2 || areas != 1 {
		t.Fatalf("stored %d notes by %s (%s) with %d tags and %d matching action areas; want one by %s, strength, 2, 1",
			n, author, judgement, tags, areas, f.Get("author_id"))
	}
}

// The harness's bare handler, reached through its constructor as make test runs it (a normal
// build does not mount it), saves the note as the form would, once per idempotency key, and
// answers errors with their status.
func TestBaselineHandlerSavesNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ts := httptest.NewServer(server.BaselineHandler(e.db.App))
	t.Cleanup(ts.Close)
	f := baselineForm(t, e, "baseline-test-key-1", "Parents at the baseline hub described the new timetable.")
	for range 2 { // the same key twice: one note
		if status, body := postBaseline(t, ts.URL, f); status != http.StatusNoContent {
			t.Fatalf("baseline save: %d %s", status, body)
		}
	}
	assertBaselineNote(t, e, f)

	bad := url.Values{}
	for k, v := range f {
		bad[k] = v
	}
	bad.Set("idempotency_key", "baseline-test-key-2")
	bad.Set("visit_id", "00000000-0000-0000-0000-000000000000")
	if status, _ := postBaseline(t, ts.URL, bad); status != http.StatusNotFound {
		t.Errorf("unknown visit: %d, want 404", status)
	}
	bad.Set("visit_id", f.Get("visit_id"))
	bad.Set("note_date", "1999-01-01")
	if status, _ := postBaseline(t, ts.URL, bad); status != http.StatusUnprocessableEntity {
		t.Errorf("date outside the visit: %d, want 422", status)
	}
	bad.Set("tenant_id", "not an id")
	if status, _ := postBaseline(t, ts.URL, bad); status != http.StatusBadRequest {
		t.Errorf("malformed tenant: %d, want 400", status)
	}
}
