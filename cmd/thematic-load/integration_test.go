package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/server"
	"thematic/internal/testenv"
)

// demoManifest describes the demo review as `thematic seed scale` describes its own: the lead,
// and each demo inspector on one of the six visits.
func demoManifest(t *testing.T, e *testenv.Env) Manifest {
	t.Helper()
	ctx := context.Background()
	m := Manifest{LeadEmail: "lead@demo.test", Password: demo.Password, Areas: 6}
	if err := e.DB.Super.QueryRow(ctx, `SELECT r.tenant_id, r.id,
			(SELECT array_agg(id::text ORDER BY position) FROM action_areas a WHERE a.review_id = r.id),
			(SELECT array_agg(id::text ORDER BY id) FROM review_areas ra WHERE ra.review_id = r.id),
			(SELECT count(*) FROM evidence_notes n WHERE n.review_id = r.id)
		FROM reviews r JOIN tenants t ON t.id = r.tenant_id
		WHERE t.slug = 'demo-inspectorate' AND r.title LIKE '%Start for Life%' ORDER BY r.created_at LIMIT 1`).Scan(
		&m.TenantID, &m.ReviewID, &m.ActionAreaIDs, &m.AreaIDs, &m.Notes); err != nil {
		t.Fatal(err)
	}
	var source string
	if err := e.DB.Super.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE review_id = $1 AND NOT needs_role
		ORDER BY position LIMIT 1`, m.ReviewID).Scan(&source); err != nil {
		t.Fatal(err)
	}
	rows, err := e.DB.Super.Query(ctx, `SELECT v.id::text, v.area_id::text, v.start_date::text FROM visits v
		WHERE v.review_id = $1 ORDER BY v.start_date, v.id`, m.ReviewID)
	if err != nil {
		t.Fatal(err)
	}
	type visit struct{ id, area, day string }
	var visits []visit
	for rows.Next() {
		var v visit
		if err := rows.Scan(&v.id, &v.area, &v.day); err != nil {
			t.Fatal(err)
		}
		visits = append(visits, v)
	}
	if rows.Err() != nil || len(visits) == 0 {
		t.Fatalf("visits: %v (%d)", rows.Err(), len(visits))
	}
	emails := []string{"inspector@demo.test", "cqc.inspector@demo.test"}
	for _, p := range demo.Inspectors {
		emails = append(emails, p.Email)
	}
	for i, email := range emails {
		v := visits[i%len(visits)]
		m.Inspectors = append(m.Inspectors, Inspector{Email: email, VisitID: v.id, AreaID: v.area, NoteDate: v.day,
			SourceID: source, ActionAreaID: m.ActionAreaIDs[i%len(m.ActionAreaIDs)]})
	}
	return m
}

// The harness runs every scenario for a moment against the service with the demo data (the
// baseline mounted beside it through its constructor, as a -tags loadbase build mounts it),
// with signed-in inspectors saving through the real form, and reports figures for each.
func TestHarnessAgainstDemoService(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	baseline := server.BaselineHandler(e.DB.App)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == server.BaselinePath {
			baseline.ServeHTTP(w, r)
			return
		}
		e.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	m := demoManifest(t, e)
	dir := t.TempDir()
	b, _ := json.Marshal(m)
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--manifest", manifest, "--url", ts.URL, "--pid", strconv.Itoa(os.Getpid()),
		"--database-url", e.DB.OwnerURL, "--out", out, "--clients", "4", "--closed-duration", "1s",
		"--save-rate", "20", "--save-duration", "1s", "--page-rate", "10", "--page-save-rate", "5",
		"--page-duration", "1s", "--report-runs", "2", "--rare", "hypnobirthing", "--common", "parents"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, stderr.String(), stdout.String())
	}
	var rep Report
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	want := []string{"baseline-save", "save", "save-20", "evidence-list", "evidence-list (saves)", "evidence-filtered",
		"evidence-filtered (saves)", "search-rare", "search-rare (saves)", "search-common", "search-common (saves)",
		"coverage", "coverage (saves)", "synthesis", "synthesis (saves)", "report-html", "report-docx", "server memory (whole run)"}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, r.Scenario)
		if r.Scenario == "server memory (whole run)" {
			if r.PeakRSSMB <= 0 || r.Met == nil {
				t.Errorf("memory row %+v", r)
			}
			continue
		}
		if r.Requests == 0 || r.Errors != 0 || r.P99 <= 0 || r.Throughput <= 0 || r.PeakRSSMB <= 0 {
			t.Errorf("%s: %d requests, %d errors (%v), p99 %.1f ms, %.1f req/s, peak %.1f MB",
				r.Scenario, r.Requests, r.Errors, r.ErrorKinds, r.P99, r.Throughput, r.PeakRSSMB)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("scenarios\n%v\nwant\n%v", got, want)
	}
	if rep.SaveRatio <= 0 {
		t.Errorf("no save/baseline ratio: %v", rep.SaveRatio)
	}
	// The notes were stored: the baseline's and the form's, each once.
	var base, form int
	if err := e.DB.Super.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE idempotency_key LIKE '%-base-%'),
		count(*) FILTER (WHERE idempotency_key LIKE '%-save-%') FROM evidence_notes WHERE review_id = $1`, m.ReviewID).Scan(&base, &form); err != nil {
		t.Fatal(err)
	}
	if base != rep.Rows[0].Requests+1 || form != rep.Rows[1].Requests { // the baseline's probe, then its scenario
		t.Errorf("stored %d baseline notes and %d form notes; the run reported %d and %d", base, form, rep.Rows[0].Requests, rep.Rows[1].Requests)
	}
	if !strings.Contains(stdout.String(), "| save | ") {
		t.Errorf("no table on stdout:\n%s", stdout.String())
	}
	t.Logf("\n%s", stdout.String())

	// make bench reuses the data when the database holds the manifest's review, and seeds again
	// when not.
	if err := run(context.Background(), []string{"--check-manifest", "--manifest", manifest, "--database-url", e.DB.OwnerURL},
		&stdout, &stderr); err != nil {
		t.Errorf("check of the manifest the data came from: %v", err)
	}
	m.ReviewID = "00000000-0000-0000-0000-000000000000"
	b, _ = json.Marshal(m)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"--check-manifest", "--manifest", manifest, "--database-url", e.DB.OwnerURL},
		&stdout, &stderr); err == nil {
		t.Error("check of a manifest whose review is not there: no error")
	}
}
