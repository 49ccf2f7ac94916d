package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
)

// lockedBuffer is written by the server goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func envFor(d *dbtest.DB, extra map[string]string) func(string) string {
	m := map[string]string{"DATABASE_URL": d.OwnerURL, "APP_DATABASE_URL": d.AppURL, "ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": "10s",
		"METRICS_ADDR": "127.0.0.1:0"} // tests run servers side by side: each on ports of its own
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func TestHelpForEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "up", "--help"}, {"seed", "demo", "--help"},
		{"tenant", "create", "--help"}, {"user", "create", "--help"}, {"user", "set-password", "--help"}, {"db", "start", "--help"}, {"db", "stop", "--help"}, {"report", "export", "--help"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard)
		if err != nil && err.Error() != "flag: help requested" {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage") {
			t.Errorf("%v printed no usage: %q", args, out.String())
		}
	}
}

func TestSeedUserCommandsAndIdempotence(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	getenv := envFor(d, nil)
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		if err := run(ctx, []string{"seed", "demo"}, getenv, nil, &out, io.Discard); err != nil {
			t.Fatalf("seed demo (run %d): %v", i+1, err)
		}
		if !strings.Contains(out.String(), "admin@demo.test") || !strings.Contains(out.String(), "demo-thematic-2026") {
			t.Fatalf("seed output lacks sign-in details: %s", out.String())
		}
	}
	var users, members int
	if err := d.Super.QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)`).Scan(&users, &members); err != nil {
		t.Fatal(err)
	}
	if users != 11 || members != 11 {
		t.Fatalf("after two seeds: %d users, %d memberships; want 11 and 11", users, members)
	}
	err := run(ctx, []string{"user", "create", "--tenant", "demo-inspectorate", "--email", "New.User@demo.test", "--name", "New User",
		"--role", "admin", "--password-stdin"}, getenv, strings.NewReader("a long pass phrase for a new user\n"), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"user", "create", "--tenant", "demo-inspectorate", "--email", "weak@demo.test", "--name", "Weak",
		"--password-stdin"}, getenv, strings.NewReader("password\n"), io.Discard, io.Discard)
	if err == nil {
		t.Fatal("a common password was accepted")
	}
	if err := run(ctx, []string{"user", "set-password", "--email", "new.user@demo.test", "--password-stdin"}, getenv,
		strings.NewReader("another long pass phrase\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var role string
	if err := d.Super.QueryRow(ctx, `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'new.user@demo.test'`).Scan(&role); err != nil || role != "admin" {
		t.Fatalf("new user role %q, %v", role, err)
	}
}

// With APP_ENV=production the seeds refuse before touching the database, saying why and what
// overrides it; with --i-know they run.
func TestSeedsRefuseProductionUnlessIKnow(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	getenv := envFor(d, map[string]string{"APP_ENV": "production"})
	tenants := func() int {
		t.Helper()
		var n int
		if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	manifest := filepath.Join(t.TempDir(), "manifest.json")
	scaleArgs := []string{"--tenants", "1", "--areas", "2", "--members", "62", "--notes", "10", "--other-notes", "0",
		"--findings", "1", "--manifest", manifest}
	for _, args := range [][]string{{"seed", "demo"}, append([]string{"seed", "scale"}, scaleArgs...), {"seed", "national", "--notes", "10", "--areas", "2"}} {
		var out bytes.Buffer
		err := run(ctx, args, getenv, nil, &out, io.Discard)
		if err == nil {
			t.Fatalf("%v ran with APP_ENV=production and no --i-know", args[:2])
		}
		want := strings.Join(args[:2], " ") + " refused: APP_ENV is production"
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--i-know") {
			t.Errorf("%v: error %q; want it to contain %q and name --i-know", args[:2], err, want)
		}
	}
	if n := tenants(); n != 0 {
		t.Fatalf("refused seeds left %d tenants", n)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "demo", "--i-know"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("seed demo --i-know: %v", err)
	}
	if !strings.Contains(out.String(), "admin@demo.test") {
		t.Fatalf("seed demo --i-know printed no sign-in details: %s", out.String())
	}
	if err := run(ctx, append([]string{"seed", "scale", "--i-know"}, scaleArgs...), getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed scale --i-know: %v", err)
	}
	var demoTenants, scaleTenants int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FILTER (WHERE slug = 'demo-inspectorate'), count(*) FILTER (WHERE slug LIKE 'scale-%')
		FROM tenants`).Scan(&demoTenants, &scaleTenants); err != nil {
		t.Fatal(err)
	}
	if demoTenants != 1 || scaleTenants != 1 {
		t.Fatalf("after the seeds with --i-know: %d demo and %d scale tenants; want 1 and 1", demoTenants, scaleTenants)
	}

	// In development no flag is needed (TestSeedUserCommandsAndIdempotence seeds without it).
}

func TestServeRefusesARoleThatBypassesRLS(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	getenv := envFor(d, map[string]string{"APP_DATABASE_URL": d.OwnerURL})
	err := run(context.Background(), []string{"serve"}, getenv, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "APP_DATABASE_URL") {
		t.Fatalf("serve as the table owner: %v", err)
	}
}

// TestServeShutsDownGracefully starts the real server, holds a request in flight, sends the stop
// signal (cancels the context) and checks the request still gets its answer.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envFor(d, nil), nil, io.Discard, logs) }()

	addr := waitForAddr(t, logs)
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()

	// A request whose body is still arriving when the stop comes.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=a%40b.test&password=x"
	fmt.Fprintf(conn, "POST /password/forgot HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	fmt.Fprint(conn, body[:5])
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	fmt.Fprint(conn, body[5:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Fatalf("in-flight request answered %d", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no stop in logs: %s", logs.String())
	}
}

func waitForAddr(t *testing.T, logs *lockedBuffer) string {
	t.Helper()
	return waitForAddrWithin(t, logs, 20*time.Second)
}

func waitForAddrWithin(t *testing.T, logs *lockedBuffer, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "serving" {
				return m["addr"].(string)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return ""
}

func TestReportExportCommand(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	getenv := envFor(d, nil)
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var reviewID string
	if err := d.Super.QueryRow(ctx, `SELECT id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"report", "export", "--review", reviewID, "--format", "govspeak"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "## Methodology") || !strings.Contains(out.String(), "[^1]") {
		t.Errorf("govspeak on standard output:\n%s", out.String())
	}
	file := filepath.Join(t.TempDir(), "report.docx")
	out.Reset()
	if err := run(ctx, []string{"report", "export", "--review", reviewID, "--format", "docx", "--out", file}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(file)
	if err != nil {
		t.Fatalf("the DOCX is not a zip: %v", err)
	}
	defer z.Close()
	found := false
	for _, f := range z.File {
		found = found || f.Name == "word/document.xml"
	}
	if !found || !strings.Contains(out.String(), "wrote "+file) {
		t.Errorf("DOCX without word/document.xml, or no message: %q", out.String())
	}
	for _, args := range [][]string{
		{"report", "export", "--review", "not-an-id", "--format", "html"},
		{"report", "export", "--review", reviewID, "--format", "rtf"},
		{"report", "export", "--review", "00000000-0000-4000-8000-000000000000", "--format", "html"},
	} {
		if err := run(ctx, args, getenv, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// serveBanner starts the server on d, waits until it serves, stops it and returns what it printed.
func serveBanner(t *testing.T, d *dbtest.DB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envFor(d, nil), nil, out, logs) }()
	waitForAddr(t, logs)
	// The banner follows the "serving" log line.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Stop with Ctrl+C") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return out.String()
}

// TestServeBannerNamesTheDemoOnlyWhenItExists: in development the start banner offers the demo
// sign-in only on a database with the demo tenant; otherwise it says how to make a tenant and a
// user, or the demo.
func TestServeBannerNamesTheDemoOnlyWhenItExists(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	empty := serveBanner(t, d)
	for _, never := range []string{"@demo.test", demo.Password} {
		if strings.Contains(empty, never) {
			t.Errorf("with no demo data the banner says %q:\n%s", never, empty)
		}
	}
	for _, want := range []string{"Thematic is running at", "thematic tenant create", "thematic user create", "thematic seed demo"} {
		if !strings.Contains(empty, want) {
			t.Errorf("with no demo data the banner does not say %q:\n%s", want, empty)
		}
	}
	if err := demo.Seed(context.Background(), d.Owner); err != nil {
		t.Fatal(err)
	}
	seeded := serveBanner(t, d)
	for _, want := range []string{"admin@demo.test", "lead@demo.test", demo.Password, "/dev/mail"} {
		if !strings.Contains(seeded, want) {
			t.Errorf("with the demo the banner does not say %q:\n%s", want, seeded)
		}
	}
	if strings.Contains(seeded, "thematic seed demo") {
		t.Errorf("with the demo the banner still says to seed it:\n%s", seeded)
	}
}

// logAddr waits for the JSON log line msg and returns its addr.
func logAddr(t *testing.T, logs *lockedBuffer, msg string) (string, bool) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			a, _ := m["addr"].(string)
			return a, true
		}
	}
	return "", false
}

// TestServeServesMetricsOnItsOwnAddress: serve answers /metrics on METRICS_ADDR (with the public
// requests counted by route) and the public address does not; METRICS_ADDR=off serves none.
func TestServeServesMetricsOnItsOwnAddress(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	start := func(extra map[string]string) (logs *lockedBuffer, stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		logs = &lockedBuffer{}
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve"}, envFor(d, extra), nil, io.Discard, logs) }()
		return logs, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}

	logs, stop := start(nil)
	addr := waitForAddr(t, logs)
	maddr, ok := logAddr(t, logs, "metrics")
	if !ok {
		stop()
		t.Fatalf("no metrics address logged: %s", logs.String())
	}
	if code, _ := get("http://" + addr + "/readyz"); code != http.StatusOK {
		t.Errorf("readyz: %d", code)
	}
	if code, body := get("http://" + addr + "/metrics"); code != http.StatusNotFound || strings.Contains(body, "thematic_") {
		t.Errorf("the public address answers /metrics: %d", code)
	}
	code, body := get("http://" + maddr + "/metrics")
	for _, want := range []string{`thematic_http_requests_total{code="200",method="GET",route="/readyz"} 1`,
		`thematic_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		"thematic_db_pool_max_conns 20", "thematic_river_scrape_ok 1", `thematic_sign_in_failures_total{reason="wrong_password"} 0`,
		"go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics (%d) do not say %q:\n%s", code, want, body)
		}
	}
	if code, _ := get("http://" + maddr + "/"); code != http.StatusNotFound {
		t.Errorf("the metrics address answers / with %d: it serves /metrics only", code)
	}
	stop()

	logs, stop = start(map[string]string{"METRICS_ADDR": "off"})
	waitForAddr(t, logs)
	stop()
	if a, ok := logAddr(t, logs, "metrics"); ok {
		t.Errorf("METRICS_ADDR=off still serves metrics on %s", a)
	}
}
