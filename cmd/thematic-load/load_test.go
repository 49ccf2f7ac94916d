package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"thematic/internal/devdb"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("p%g of 1..100 ms: %s, want %s", c.p, got, c.want)
		}
	}
	// Few values: p99 of 20 is the largest (a slow build is not averaged away).
	few := v[:20]
	if got := percentile(few, 99); got != 20*time.Millisecond {
		t.Errorf("p99 of 1..20 ms: %s, want 20ms", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing: %s", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one value: %s", got)
	}
}

func TestRecorderSummary(t *testing.T) {
	t.Parallel()
	r := newRecorder(0)
	for i := 100; i >= 1; i-- { // out of order: summarise sorts
		kind := ""
		if i%25 == 0 {
			kind = "status 503"
		}
		if i == 1 {
			kind = "timeout"
		}
		r.add(time.Duration(i)*time.Millisecond, kind)
	}
	s := r.summarise(2 * time.Second)
	if s.Requests != 100 || s.Throughput != 47.5 || s.P50 != 50 || s.P95 != 95 || s.P99 != 99 || s.Max != 100 {
		t.Errorf("summary %+v", s)
	}
	if s.Errors != 5 || s.ErrorKinds["status 503"] != 4 || s.ErrorKinds["timeout"] != 1 {
		t.Errorf("errors %d %v, want 5: 4 status 503, 1 timeout", s.Errors, s.ErrorKinds)
	}
	if got := kindsText(s.ErrorKinds); got != "4 status 503, 1 timeout" {
		t.Errorf("kinds text %q", got)
	}
}

func TestErrorKind(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status int
		err    error
		want   string
	}{
		{503, nil, "status 503"},
		{0, fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "connection refused"},
		{0, fmt.Errorf("read: %w", syscall.ECONNRESET), "connection reset"},
		{0, fmt.Errorf("Post: %w", os.ErrDeadlineExceeded), "timeout"},
		{0, errors.New("Post \"http://x\": EOF"), "connection closed (EOF)"},
		{0, errors.New("something else"), "transport error"},
	} {
		if got := errorKind(c.status, c.err); got != c.want {
			t.Errorf("errorKind(%d, %v) = %q, want %q", c.status, c.err, got, c.want)
		}
	}
}

// lagClock is the real clock whose first wait oversleeps by lag, as a stalled generator or
// machine would.
type lagClock struct {
	realClock
	lag   time.Duration
	waits int
}

func (c *lagClock) SleepUntil(t time.Time) {
	c.realClock.SleepUntil(t)
	if c.waits == 0 {
		time.Sleep(c.lag)
	}
	c.waits++
}

// The open loop sends rate×duration requests on schedule, and times each from when it was due:
// requests sent late because the generator stalled carry the delay in their latency, though the
// server (here) answers at once.
func TestOpenLoopCountsLateStarts(t *testing.T) {
	t.Parallel()
	c := &lagClock{lag: 40 * time.Millisecond}
	rec, took := openLoop(context.Background(), c, 100, 200*time.Millisecond, 100, func(context.Context, int, int) string {
		return ""
	})
	s := rec.summarise(took)
	if s.Requests != 20 {
		t.Fatalf("recorded %d; want 20 (100/s for 200 ms)", s.Requests)
	}
	// Request 0 was due at 0 and sent at 40 ms; those due at 10, 20 and 30 ms went with it.
	if s.Max < 40 {
		t.Errorf("max latency %.1f ms, want at least 40 (the late start of request 0)", s.Max)
	}
	late := 0
	for _, d := range rec.lat {
		if d >= 10*time.Millisecond {
			late++
		}
	}
	if late < 4 {
		t.Errorf("%d requests carry a delay of 10 ms or more, want at least 4 (those due before the stall ended): %v", late, rec.lat)
	}
	if took < 200*time.Millisecond {
		t.Errorf("run length %s, want at least the scheduled 200ms", took)
	}
}

// A request due when maxInFlight are still running is not sent: it counts as an error rather
// than silently stretching the schedule.
func TestOpenLoopOverloadCounted(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	done := make(chan *recorder)
	go func() {
		rec, _ := openLoop(context.Background(), realClock{}, 1000, 10*time.Millisecond, 3, func(context.Context, int, int) string {
			<-release
			return ""
		})
		done <- rec
	}()
	time.Sleep(100 * time.Millisecond)
	close(release)
	s := (<-done).summarise(time.Second)
	if s.Requests != 10 || s.ErrorKinds["not sent: 3 in flight"] != 7 {
		t.Errorf("requests %d, errors %v; want 10 with 7 not sent", s.Requests, s.ErrorKinds)
	}
}

func TestClosedLoopKeepsClientsBusy(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	perWorker := map[int]int{}
	rec, took := closedLoop(context.Background(), 4, 100*time.Millisecond, func(_ context.Context, w, _ int) string {
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		perWorker[w]++
		mu.Unlock()
		return ""
	})
	s := rec.summarise(took)
	if len(perWorker) != 4 || s.Requests < 40 || s.Requests > 84 {
		t.Errorf("%d workers sent %d requests in %s; want 4 sending about 80", len(perWorker), s.Requests, took)
	}
	if s.P50 < 5 {
		t.Errorf("p50 %.1f ms, want at least the 5 ms each request took", s.P50)
	}
}

const statusText = `Name:	thematic
Umask:	0022
State:	S (sleeping)
VmPeak:	 1822068 kB
VmSize:	 1756532 kB
VmHWM:	  150528 kB
VmRSS:	  102400 kB
RssAnon:	   61440 kB
Threads:	9
`

func TestProcStatus(t *testing.T) {
	t.Parallel()
	rss, hwm, err := procStatus(strings.NewReader(statusText))
	if err != nil || rss != 102400 || hwm != 150528 {
		t.Fatalf("rss %d hwm %d err %v; want 102400 150528", rss, hwm, err)
	}
	if mb(rss) != 100 || mb(hwm) != 147 {
		t.Errorf("MB: %v %v, want 100 147", mb(rss), mb(hwm))
	}
	for _, bad := range []string{"Name:\tkthreadd\nState:\tS\n", "VmRSS:\tlots kB\nVmHWM:\t1 kB\n", "VmRSS:\t1 MB\nVmHWM:\t1 kB\n"} {
		if _, _, err := procStatus(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// The real file of this process reads.
	if rss, hwm, err := readStatus(os.Getpid()); err != nil || rss <= 0 || hwm < rss {
		t.Errorf("own status: rss %d hwm %d err %v", rss, hwm, err)
	}
}

func TestRSSSamplerPeaks(t *testing.T) {
	t.Parallel()
	s := startRSS(os.Getpid(), 5*time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	s.reset()
	if p := s.scenarioPeak(); p <= 0 {
		t.Errorf("scenario peak %v MB, want > 0", p)
	}
	peak, hwm := s.close()
	if peak <= 0 || hwm < peak {
		t.Errorf("peak %v hwm %v", peak, hwm)
	}
	none := startRSS(0, time.Millisecond)
	if p, h := none.close(); p != 0 || h != 0 {
		t.Errorf("no pid: %v %v", p, h)
	}
}

func TestReportTableAndTargets(t *testing.T) {
	t.Parallel()
	r := &Report{Date: "2026-11-24T05:00:00Z", URL: "http://127.0.0.1:1", Review: "r", Areas: 153, Members: 400,
		Notes: 200000, OtherNotes: 800000, Tenants: 10, Clients: 50, StartToReadyMS: 420, PeakRSSMB: 120, VmHWMMB: 130}
	r.Rows = []Row{
		{Scenario: "bare-save", summary: summary{Requests: 1000, Throughput: 400, P50: 2, P95: 4, P99: 6, Max: 9}, kind: kindBare},
		{Scenario: "domain-save", summary: summary{Requests: 800, Throughput: 200, P50: 3, P95: 5, P99: 8, Max: 9}, kind: kindDomain},
		{Scenario: "save", summary: summary{Requests: 600, Throughput: 180, P50: 5, P95: 9, P99: 12, Max: 30}, kind: kindSave},
		{Scenario: "save-200", summary: summary{Requests: 6000, Throughput: 200, P99: 20, Errors: 2,
			ErrorKinds: map[string]int{"status 503": 2}}, kind: kindSaveRate},
		{Scenario: "coverage", summary: summary{Requests: 400, Throughput: 20, P99: 30}, kind: kindPage},
		{Scenario: "report-docx", summary: summary{Requests: 20, Throughput: 1, P99: 2500}, kind: kindReportDOCX},
		{Scenario: "skipped", Note: "not run: status 404", kind: kindDomain},
	}
	r.finish(true, true)
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), "out", "results.json")
	if err := r.write(&buf, path); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | peak RSS MB | target | met |",
		"| domain-save | 800 | 200.0 | 3.0 | 5.0 | 8.0 | 9.0 | 0 | — | reference (domain save, no HTTP session), 50% of bare-save | — |",
		"| save | 600 | 180.0 | 5.0 | 9.0 | 12.0 | 30.0 | 0 | — | ≥ 50% of bare-save req/s (45%) | no |",
		"| save-200 | 6000 | 200.0 | 0.0 | 0.0 | 20.0 | 0.0 | 2 (2 status 503) | — | p99 ≤ 25 ms, no errors | no |",
		"| coverage | 400 | 20.0 | 0.0 | 0.0 | 30.0 | 0.0 | 0 | — | p99 ≤ 50 ms, no errors | yes |",
		"| report-docx | 20 | 1.0 | 0.0 | 0.0 | 2500.0 | 0.0 | 0 | — | p99 ≤ 1000 ms | no |",
		"| skipped | — | — | — | — | — | — | — | — | not run: status 404 | — |",
		"| server memory | — | — | — | — | — | — | — | 130.0 | ≤ 150 MB (sampled peak 120.0, VmHWM 130.0) | yes |",
		"| start to ready | 1 | — | 420.0 | 420.0 | 420.0 | 420.0 | 0 | — | ≤ 1000 ms | yes |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("table lacks\n%s\nin\n%s", want, out)
		}
	}
	var back Report
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SaveRatio != 0.45 || back.DomainRatio != 0.5 || len(back.Rows) != 9 || back.Rows[2].P99 != 12 ||
		back.Rows[2].Met == nil || *back.Rows[2].Met {
		t.Errorf("JSON: ratios %v %v, %d rows, %+v", back.SaveRatio, back.DomainRatio, len(back.Rows), back.Rows[2])
	}
}

func TestNoteTextsVaryAndPassTheGuard(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 200 {
		seen[noteBody(i)] = true
	}
	if len(seen) < 150 {
		t.Errorf("%d different texts in 200 notes", len(seen))
	}
}

// benchReport is a small finished run for the section tests.
func benchReport(date string, saveRate, saveP99 float64, more ...Row) *Report {
	r := &Report{Date: date, Areas: 153, Members: 400, Notes: 200000, OtherNotes: 800000, Tenants: 10, Clients: 50,
		ClosedFor: "30s", SaveFor: "30s", PageFor: "30s", StartToReadyMS: 40, PeakRSSMB: 90, VmHWMMB: 95,
		Machine: Machine{Cores: 2, MemoryGB: 23.5, Kernel: "Linux 6.1", PostgreSQL: "15.18", Commit: "abc1234", Data: "fresh"}}
	r.Rows = []Row{
		{Scenario: "bare-save", summary: summary{Requests: 60000, Throughput: 2000, P50: 20, P95: 40, P99: 45}, kind: kindBare},
		{Scenario: "save", summary: summary{Requests: 6000, Throughput: saveRate, P50: 200, P95: 300, P99: saveP99}, kind: kindSave},
	}
	r.Rows = append(r.Rows, more...)
	r.finish(true, true)
	return r
}

// The harness owns only the marked section of BENCHMARKS.md: a run replaces it with its table,
// headed by date, machine, commit and data, and with the figures of the run it replaces beside
// its own; the text around it is untouched, and a file without the markers is refused.
func TestBenchmarksSectionCarriesThePreviousRun(t *testing.T) {
	t.Parallel()
	before := "# Benchmarks\n\n## Load\n\nWhat the harness does.\n\n"
	after := "\n\n## Faults\n\nHand-written | table | stays.\n"
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(before+benchStart+"\nNo run recorded yet.\n"+benchEnd+after), 0o600); err != nil {
		t.Fatal(err)
	}

	if err := updateBenchmarks(path, benchReport("2026-12-07T10:00:00Z", 178, 300)); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	for _, want := range []string{
		"**Run of 7 December 2026 10:00 UTC.** Machine: 2 cores, 23.5 GB memory, Linux 6.1, PostgreSQL 15.18. Commit `abc1234`. Data generated afresh for this run: 153 areas, 400 members, 200,000 notes in the review (800,000 more in 9 other tenants).",
		"No previous run was recorded here.",
		"| save | 6000 | 178.0 | 200.0 | 300.0 | 300.0 | 0 | — | ≥ 50% of bare-save req/s (9%) | **no** |\n",
	} {
		if !strings.Contains(string(first), want) {
			t.Errorf("first run's section lacks\n%s\nin\n%s", want, first)
		}
	}
	if strings.Contains(string(first), "No run recorded yet.") {
		t.Error("the old section's text is still there")
	}

	second := benchReport("2026-12-08T09:30:00Z", 1500, 20,
		Row{Scenario: "synthesis", summary: summary{Requests: 600, Throughput: 20, P99: 30}, kind: kindPage})
	second.Machine.Commit = "def5678 (dirty)"
	if err := updateBenchmarks(path, second); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(path)
	got := string(doc)
	for _, want := range []string{
		"In brackets: the previous run's figure (7 December 2026 10:00 UTC, commit `abc1234`).",
		"| bare-save | 60000 | 2000.0 (2000.0) | 20.0 | 40.0 | 45.0 (45.0) | 0 (0) | — | reference for save | — |\n",
		"| save | 6000 | 1500.0 (178.0) | 200.0 | 300.0 | 20.0 (300.0) | 0 (0) | — | ≥ 50% of bare-save req/s (75%) | yes |\n",
		"| synthesis | 600 | 20.0 (—) | 0.0 | 0.0 | 30.0 (—) | 0 (—) | — | p99 ≤ 50 ms, no errors | yes |\n",
		"| server memory | — | — | — | — | — | — | 95.0 (95.0) | ≤ 150 MB (sampled peak 90.0, VmHWM 95.0) | yes |\n",
		"Commit `def5678 (dirty)`.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("second run's section lacks\n%s\nin\n%s", want, got)
		}
	}
	if !strings.HasPrefix(got, before+benchStart+"\n") || !strings.HasSuffix(got, benchEnd+after) {
		t.Errorf("text outside the markers changed:\n%s", got)
	}
	if strings.Count(got, benchStart) != 1 || strings.Count(got, "<!-- bench:figures ") != 1 {
		t.Errorf("one section with one set of figures wanted:\n%s", got)
	}

	for _, doc := range []string{"no markers at all\n", benchEnd + " before " + benchStart, benchStart + benchEnd + benchStart + benchEnd} {
		if _, err := replaceSection(doc, func(*figures) string { return "x" }); err == nil {
			t.Errorf("replaced the section of %q", doc)
		}
	}
}

// --remove-cluster (make bench's fresh start) deletes the cluster of the data folder, where devdb
// keeps it, and nothing else; a folder with no cluster is left alone.
func TestRemoveClusterDeletesOnlyTheCluster(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bench")
	resolved, err := devdb.ResolveDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(resolved) })
	keep := filepath.Join(resolved, "manifest.json")
	if err := os.MkdirAll(filepath.Join(resolved, "pgdata"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeCluster(dir); err != nil { // no PG_VERSION: not a cluster
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(resolved, "pgdata")); err != nil {
		t.Fatalf("a folder without a cluster was deleted: %v", err)
	}
	if err := os.WriteFile(filepath.Join(resolved, "pgdata", "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeCluster(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(resolved, "pgdata")); !os.IsNotExist(err) {
		t.Errorf("the cluster is still there: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the manifest beside the cluster was deleted: %v", err)
	}
	if err := removeCluster(""); err == nil {
		t.Error("no folder given: no error")
	}
}
