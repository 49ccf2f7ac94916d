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
	"thematic/internal/loadbase"
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

// The harness runs every scenario for a moment against the service with the demo data (the two
// references mounted beside it through their constructors, as a -tags loadbase build mounts
// them), with signed-in inspectors saving through the real form, reports figures for each and
// writes them into the marked section of a copy of BENCHMARKS.md.
func TestHarnessAgainstDemoService(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	domain, bare := server.BaselineHandler(e.DB.App), loadbase.BareHandler(e.DB.App)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case server.DomainBaselinePath:
			domain.ServeHTTP(w, r)
		case server.BareBaselinePath:
			bare.ServeHTTP(w, r)
		default:
			e.Server.ServeHTTP(w, r)
		}
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
	benchmarks := filepath.Join(dir, "BENCHMARKS.md")
	if err := os.WriteFile(benchmarks, []byte("# Before\n\n"+benchStart+"\nNo run recorded yet.\n"+benchEnd+"\n\nAfter.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--manifest", manifest, "--url", ts.URL, "--pid", strconv.Itoa(os.Getpid()),
		"--database-url", e.DB.OwnerURL, "--out", out, "--clients", "4", "--closed-duration", "1s",
		"--save-rate", "20", "--save-duration", "1s", "--page-rate", "10", "--page-save-rate", "5",
		"--page-duration", "1s", "--report-runs", "2", "--rare", "hypnobirthing", "--common", "parents",
		"--update-benchmarks", benchmarks, "--data", "reused", "--settle"}, &stdout, &stderr)
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
	want := []string{"save", "save-20", "evidence-list", "evidence-list (saves)", "evidence-filtered",
		"evidence-filtered (saves)", "search-rare", "search-rare (saves)", "search-common", "search-common (saves)",
		"coverage", "coverage (saves)", "synthesis", "synthesis (saves)", "report-html", "report-docx", "bare-save", "domain-save",
		"server memory"}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, r.Scenario)
		if r.Scenario == "server memory" {
			if r.PeakRSSMB <= 0 || r.Met == nil || !strings.Contains(r.Target, "before the references") {
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
	if rep.SaveRatio <= 0 || rep.DomainRatio <= 0 {
		t.Errorf("no save/bare or domain/bare ratio: %v, %v", rep.SaveRatio, rep.DomainRatio)
	}
	// The notes were stored: the bare insert's (with their links), the domain save's and the
	// form's, each once; each reference's probe made one more.
	var bareNotes, bareLinks, domainNotes, form int
	if err := e.DB.Super.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM bench_notes WHERE review_id = $1 AND idempotency_key LIKE '%-bare-%'),
			(SELECT count(*) FROM bench_note_action_areas WHERE review_id = $1),
			count(*) FILTER (WHERE idempotency_key LIKE '%-domain-%'),
			count(*) FILTER (WHERE idempotency_key LIKE '%-save-%') FROM evidence_notes WHERE review_id = $1`,
		m.ReviewID).Scan(&bareNotes, &bareLinks, &domainNotes, &form); err != nil {
		t.Fatal(err)
	}
	saveRow, bareRow, domainRow := rep.Rows[0], rep.Rows[16], rep.Rows[17]
	if bareNotes != bareRow.Requests+1 || bareLinks != bareNotes || domainNotes != domainRow.Requests+1 || form != saveRow.Requests {
		t.Errorf("stored %d bare notes (%d links), %d domain notes and %d form notes; the run reported %d, %d and %d",
			bareNotes, bareLinks, domainNotes, form, bareRow.Requests, domainRow.Requests, saveRow.Requests)
	}
	doc, err := os.ReadFile(benchmarks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(doc), "# Before\n\n"+benchStart+"\n") || !strings.HasSuffix(string(doc), benchEnd+"\n\nAfter.\n") ||
		!strings.Contains(string(doc), "| save | ") || !strings.Contains(string(doc), "Data of an earlier run reused") ||
		!strings.Contains(string(doc), "Before the scenarios: VACUUM (ANALYZE)") ||
		strings.Contains(string(doc), "No run recorded yet.") {
		t.Errorf("the section written:\n%s", doc)
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
