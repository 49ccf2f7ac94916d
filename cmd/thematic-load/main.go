// Command thematic-load drives a running thematic server over HTTP, scenario by scenario, as
// `make bench` does: inspectors saving notes through the real form (closed loop, and open loop at
// a fixed rate), the same saves through the bare baseline handler of a -tags loadbase build, the
// lead's evidence pages while notes are saved, and the report build. Each scenario reports its
// throughput, latency percentiles, errors by kind and the server's peak resident memory; the
// whole run prints a Markdown table and writes the same as JSON.
//
// It starts the server itself from --serve-binary (measuring start to ready and stopping it
// with SIGTERM at the end), or drives one already running at --url (with --pid for memory).
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/devdb"
	"thematic/internal/loadbase"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "thematic-load:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	manifest, url, serveBinary, dataDir, dbURL, appDBURL, out, serverLog string
	pid                                                                  int
	clients                                                              int
	closedFor, saveFor, pageFor                                          time.Duration
	saveRate, pageRate, pageSaveRate                                     float64
	reportRuns                                                           int
	rssEvery, timeout                                                    time.Duration
	rare, common                                                         string
	scenarios                                                            string
	check, removeCluster, settle                                         bool
	superURL                                                             string
	updateBenchmarks, data                                               string
	log                                                                  io.Writer
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("thematic-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.manifest, "manifest", ".data/bench/manifest.json", "manifest written by `thematic seed scale`")
	fs.StringVar(&o.url, "url", "", "base URL of a running server (instead of --serve-binary)")
	fs.IntVar(&o.pid, "pid", 0, "PID of the running server at --url, to sample its memory")
	fs.StringVar(&o.serveBinary, "serve-binary", "", "thematic binary to start with `serve` (built with -tags loadbase for the baseline)")
	fs.StringVar(&o.dataDir, "data-dir", "", "private PostgreSQL folder (thematic db start --dir) the server uses")
	fs.StringVar(&o.dbURL, "database-url", "", "owner database URL (instead of --data-dir): passed to the server, and used to look up user ids")
	fs.StringVar(&o.appDBURL, "app-database-url", "", "application-role database URL for the server (with --database-url)")
	fs.StringVar(&o.out, "out", ".data/bench/results.json", "where to write the results as JSON")
	fs.StringVar(&o.serverLog, "server-log", ".data/bench/server.log", "where the started server's output goes")
	fs.IntVar(&o.clients, "clients", 50, "concurrent clients of the closed-loop scenarios")
	fs.DurationVar(&o.closedFor, "closed-duration", 30*time.Second, "length of each closed-loop save scenario")
	fs.Float64Var(&o.saveRate, "save-rate", 200, "saves a second of the open-loop save scenario")
	fs.DurationVar(&o.saveFor, "save-duration", 30*time.Second, "length of the open-loop save scenario")
	fs.Float64Var(&o.pageRate, "page-rate", 20, "page requests a second of each page scenario")
	fs.Float64Var(&o.pageSaveRate, "page-save-rate", 20, "saves a second in the background of each page scenario")
	fs.DurationVar(&o.pageFor, "page-duration", 30*time.Second, "length of each page scenario")
	fs.IntVar(&o.reportRuns, "report-runs", 20, "sequential builds of the report in each format")
	fs.DurationVar(&o.rssEvery, "rss-every", 75*time.Millisecond, "how often the server's resident memory is sampled")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.StringVar(&o.rare, "rare", "podcast for new fathers", "a rare phrase to search for")
	fs.StringVar(&o.common, "common", "parents", "common words to search for")
	fs.StringVar(&o.scenarios, "scenarios", "all", "comma-separated scenario groups to run: bare,domain,save,save-rate,pages,report (baseline means bare,domain)")
	fs.StringVar(&o.updateBenchmarks, "update-benchmarks", "", "write the run's table into this file's <!-- bench:start --> … <!-- bench:end --> section (make bench: BENCHMARKS.md)")
	fs.StringVar(&o.data, "data", "", "how the scale data came about, for the table's heading: fresh or reused")
	fs.BoolVar(&o.settle, "settle", false, "before the scenarios, VACUUM (ANALYZE) the database and CHECKPOINT (as the superuser with --data-dir), so that a bulk load just made is not vacuumed or written out during the run")
	fs.BoolVar(&o.removeCluster, "remove-cluster", false, "only stop and delete the PostgreSQL cluster of --data-dir (make bench does so before generating fresh data)")
	fs.BoolVar(&o.check, "check-manifest", false, "only check that the database (--data-dir or --database-url) holds the manifest's review: exit 0 if so, 1 if not")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.check || o.removeCluster {
		return o, nil
	}
	if o.data != "" && o.data != "fresh" && o.data != "reused" {
		return o, errors.New("--data is fresh or reused")
	}
	if (o.url == "") == (o.serveBinary == "") {
		return o, errors.New("give either --serve-binary (the harness starts the server) or --url")
	}
	if o.clients < 1 || o.saveRate <= 0 || o.pageRate <= 0 || o.pageSaveRate < 0 || o.reportRuns < 0 {
		return o, errors.New("--clients, --save-rate and --page-rate must be positive")
	}
	return o, nil
}

func (o options) wants(group string) bool {
	if o.scenarios == "all" {
		return true
	}
	for _, g := range strings.Split(o.scenarios, ",") {
		if g = strings.TrimSpace(g); g == group || g == "baseline" && (group == "bare" || group == "domain") {
			return true
		}
	}
	return false
}

func (o options) logf(format string, args ...any) {
	if o.log != nil {
		fmt.Fprintf(o.log, "thematic-load: "+format+"\n", args...)
	}
}

// run is the whole command; it answers an error only when the harness itself failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	o.log = stderr
	if o.removeCluster {
		return removeCluster(o.dataDir)
	}
	m, err := readManifest(o.manifest)
	if err != nil {
		return err
	}
	if o.dataDir != "" {
		srv, err := devdb.Ensure(ctx, devdb.Options{Dir: o.dataDir})
		if err != nil {
			return fmt.Errorf("database in %s: %w", o.dataDir, err)
		}
		o.dbURL, o.appDBURL, o.superURL = srv.OwnerURL(), srv.AppURL(), srv.SuperURL(devdb.Database)
	}
	if o.check {
		return checkManifest(ctx, o.dbURL, m)
	}
	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), Clients: o.clients, Review: m.ReviewID,
		Notes: m.Notes, OtherNotes: m.OtherNotes, Areas: m.Areas, Members: m.Members, Tenants: m.Tenants,
		ClosedFor: o.closedFor.String(), SaveFor: o.saveFor.String(), PageFor: o.pageFor.String(),
		Machine: describeMachine(ctx, o.dbURL, o.data)}
	if o.wants("bare") {
		// The bare insert's tables, made afresh as the owner before the server starts.
		if o.dbURL == "" {
			o.logf("bare-save: no --data-dir or --database-url to create its tables with")
		} else if err := loadbase.Prepare(ctx, o.dbURL); err != nil {
			o.logf("bare-save: %v", err)
		}
	}
	if err := lookUpUsers(ctx, o.dbURL, &m); err != nil {
		o.logf("baseline: %v", err)
	}

	if o.settle {
		t0 := time.Now()
		done, err := settle(ctx, cmp.Or(o.superURL, o.dbURL))
		if err != nil {
			o.logf("settle: %v", err)
		}
		if done != "" {
			rep.Settled = fmt.Sprintf("%s, %.1f s", done, time.Since(t0).Seconds())
			o.logf("settled the database: %s", rep.Settled)
		}
	}

	// The server: started here, or the one at --url.
	base, pid := strings.TrimRight(o.url, "/"), o.pid
	var srv *serverProc
	if o.serveBinary != "" {
		var ready time.Duration
		if srv, base, ready, err = startServer(ctx, o); err != nil {
			return err
		}
		pid = srv.cmd.Process.Pid
		rep.StartToReadyMS = ms(ready)
		o.logf("server started (pid %d) and ready in %s", pid, ready.Round(time.Millisecond))
		defer stopServer(srv, o)
	}
	rep.URL = base
	rss := startRSS(pid, o.rssEvery)
	failed, err := drive(ctx, o, &m, base, rss, rep)
	if peak, hwm := rss.close(); !rep.memBeforeRefs {
		rep.PeakRSSMB, rep.VmHWMMB = peak, hwm
	}
	if srv != nil {
		rep.ShutdownMS, rep.ShutdownErr = stopServer(srv, o)
	}
	rep.finish(pid != 0, o.serveBinary != "")
	if werr := rep.write(stdout, o.out); werr != nil && err == nil {
		err = werr
	}
	if o.updateBenchmarks != "" && err == nil {
		if err = updateBenchmarks(o.updateBenchmarks, rep); err == nil {
			o.logf("wrote the table into %s", o.updateBenchmarks)
		}
	}
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("every request of %s failed: see the table", strings.Join(failed, ", "))
	}
	return nil
}

// lookUpUsers fills the inspectors' user ids, which the baseline posts, from their emails when the
// manifest does not carry them.
func lookUpUsers(ctx context.Context, dbURL string, m *Manifest) error {
	var emails []string
	for _, in := range m.Inspectors {
		if in.UserID == "" {
			emails = append(emails, strings.ToLower(in.Email))
		}
	}
	if len(emails) == 0 {
		return nil
	}
	if dbURL == "" {
		return errors.New("the manifest has no user ids and no database was given to look them up: the baseline is skipped")
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("look up user ids: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT lower(email), id::text FROM users WHERE lower(email) = ANY($1)`, emails)
	if err != nil {
		return fmt.Errorf("look up user ids: %w", err)
	}
	ids := map[string]string{}
	for rows.Next() {
		var e, id string
		if err := rows.Scan(&e, &id); err != nil {
			return fmt.Errorf("look up user ids: %w", err)
		}
		ids[e] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up user ids: %w", err)
	}
	for i, in := range m.Inspectors {
		if in.UserID == "" {
			m.Inspectors[i].UserID = ids[strings.ToLower(in.Email)]
		}
	}
	return nil
}

// checkManifest answers an error unless the database holds the manifest's tenant, review and its
// lead, with at least the notes the manifest says were generated.
func checkManifest(ctx context.Context, dbURL string, m Manifest) error {
	if dbURL == "" {
		return errors.New("--check-manifest needs --data-dir or --database-url")
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Row-level security binds the owner too: the tenant is set first, for this connection.
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, m.TenantID); err != nil {
		return fmt.Errorf("check the manifest: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reviews WHERE tenant_id = $1::uuid AND id = $2::uuid) AND
		EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($3)) AND
		(SELECT count(*) FROM evidence_notes WHERE tenant_id = $1::uuid AND review_id = $2::uuid) >= $4`,
		m.TenantID, m.ReviewID, m.LeadEmail, m.Notes).Scan(&ok); err != nil {
		return fmt.Errorf("check the manifest: %w", err)
	}
	if !ok {
		return errors.New("the database does not hold the manifest's review")
	}
	return nil
}

// settle vacuums and analyses the whole database and asks for a checkpoint, so that the
// autovacuum of freshly generated data and the writing out of its pages happen before the
// figures are taken rather than during them. A role that may not checkpoint (the owner, with
// --database-url) only vacuums the tables it owns.
// It answers what was done.
func settle(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return "", fmt.Errorf("vacuum: %w", err)
	}
	if _, err := conn.Exec(ctx, `CHECKPOINT`); err != nil {
		return "VACUUM (ANALYZE) without CHECKPOINT", fmt.Errorf("checkpoint: %w", err)
	}
	return "VACUUM (ANALYZE) and CHECKPOINT", nil
}

// removeCluster stops the private PostgreSQL of dir and deletes its cluster (pgdata, where devdb
// keeps it: for root it may be under /tmp), so that the next start creates an empty one. Nothing
// else is deleted, and a folder without a cluster is left alone.
func removeCluster(dir string) error {
	if dir == "" {
		return errors.New("--remove-cluster needs --data-dir")
	}
	resolved, err := devdb.ResolveDir(dir)
	if err != nil {
		return err
	}
	pgdata := filepath.Join(resolved, "pgdata")
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); err != nil {
		return nil // no cluster
	}
	if err := devdb.Stop(dir); err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %w", dir, err)
	}
	if err := os.RemoveAll(pgdata); err != nil {
		return fmt.Errorf("delete the cluster in %s: %w", pgdata, err)
	}
	return nil
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startServer runs `serve` from the binary against the database, with its output in the server
// log, and waits for /readyz to answer 200: the time from exec to that answer is start to ready.
func startServer(ctx context.Context, o options) (*serverProc, string, time.Duration, error) {
	if o.dbURL == "" {
		return nil, "", 0, errors.New("--serve-binary needs --data-dir or --database-url")
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", 0, err
	}
	base := "http://" + addr
	if err := os.MkdirAll(filepath.Dir(o.serverLog), 0o755); err != nil {
		return nil, "", 0, err
	}
	logf, err := os.Create(o.serverLog)
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.Command(o.serveBinary, "serve")
	env := []string{}
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "DATABASE_URL", "APP_DATABASE_URL", "ADDR", "BASE_URL", "APP_ENV", "DATA_DIR", "SMTP_URL", "METRICS_ADDR":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "DATABASE_URL="+o.dbURL, "APP_DATABASE_URL="+o.appDBURL, "ADDR="+addr,
		"BASE_URL="+base, "APP_ENV=production", "METRICS_ADDR=127.0.0.1:0") // a port of its own, as ADDR
	cmd.Stdout, cmd.Stderr = logf, logf
	probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", 0, fmt.Errorf("start %s: %w", o.serveBinary, err)
	}
	srv := &serverProc{cmd: cmd, done: make(chan struct{})}
	go func() { srv.err = cmd.Wait(); logf.Close(); close(srv.done) }()
	for {
		res, err := probe.Get(base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return srv, base, time.Since(t0), nil
			}
		}
		if srv.exited() || time.Since(t0) > 60*time.Second || ctx.Err() != nil {
			_ = cmd.Process.Kill()
			return nil, "", 0, fmt.Errorf("the server did not become ready (see %s)", o.serverLog)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// server is a started server process.
type serverProc struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when it has exited
	err     error         // how it exited, once done
	stopped sync.Once
}

func (s *serverProc) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stopServer sends SIGTERM and waits for the server to exit (killing it after 30 s); it answers
// how long that took and how it exited when not cleanly. Calling it again does nothing.
func stopServer(s *serverProc, o options) (took float64, problem string) {
	s.stopped.Do(func() {
		t0 := time.Now()
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			problem = "killed after 30 s without exiting"
		}
		took = ms(time.Since(t0))
		if problem == "" && s.err != nil {
			problem = s.err.Error() + " (see " + o.serverLog + ")"
		}
	})
	return took, problem
}

// runID makes this run's idempotency keys its own.
func runID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func key(run, scenario string, i int) string { return run + "-" + scenario + "-" + strconv.Itoa(i) }
