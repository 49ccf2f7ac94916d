// Package testenv starts the whole service for tests: a fresh database with the demo data and the
// HTTP server on a random loopback port. Handler tests and browser tests share it.
package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"thematic/internal/config"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/mail"
	"thematic/internal/metrics"
	"thematic/internal/server"
)

// Env is a running service.
type Env struct {
	DB     *dbtest.DB
	Server *server.Server
	HTTP   *httptest.Server
	Config config.Config

	statements atomic.Int64
	log        *statementLog
	overMu     sync.Mutex
	over       []overBudget
	down       atomic.Bool
}

// URL is the service's base address, such as http://127.0.0.1:41234.
func (e *Env) URL() string { return e.HTTP.URL }

// Statements is how many SQL statements the service has sent so far: tests compare it before and
// after a request to prove a page runs a fixed number of queries, however many rows it shows.
func (e *Env) Statements() int64 { return e.statements.Load() }

// SetReachable makes the service unreachable (false): every new request has its connection
// dropped without an answer, as when the network is down. true brings it back.
func (e *Env) SetReachable(ok bool) { e.down.Store(!ok) }

// StatementsSince is the SQL text of the statements sent since the count was n (up to the last
// 200 kept), for a test to say which statements a request sent.
func (e *Env) StatementsSince(n int64) []string { return e.log.since(n, e.statements.Load()) }

// RequestBudget is the most statements one request should send (issue 7). Every request a test
// sends through the service is counted (statements run with the request's context: the
// session store's, the actor's, the handler's); those over the budget are reported when the
// test ends, in the test's log and, when THEMATIC_BUDGET_LOG names a file, as a line there.
const RequestBudget = 10

type requestCounter struct{}

func countForRequest(ctx context.Context) {
	if n, ok := ctx.Value(requestCounter{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// overBudget is a request that sent more than RequestBudget statements.
type overBudget struct {
	method, path string
	statements   int64
}

func (e *Env) noteRequest(r *http.Request, n int64) {
	if n <= RequestBudget {
		return
	}
	e.overMu.Lock()
	e.over = append(e.over, overBudget{r.Method, r.URL.Path, n})
	e.overMu.Unlock()
}

func (e *Env) reportRequests(t testing.TB) {
	e.overMu.Lock()
	defer e.overMu.Unlock()
	if len(e.over) == 0 {
		return
	}
	var b strings.Builder
	for _, o := range e.over {
		fmt.Fprintf(&b, "%d\t%s %s\t%s\n", o.statements, o.method, o.path, t.Name())
	}
	t.Logf("requests over the budget of %d statements:\n%s", RequestBudget, b.String())
	if name := os.Getenv("THEMATIC_BUDGET_LOG"); name != "" {
		if f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.WriteString(b.String())
			_ = f.Close()
		}
	}
}

// OverBudget is how many requests so far sent more than RequestBudget statements.
func (e *Env) OverBudget() int {
	e.overMu.Lock()
	defer e.overMu.Unlock()
	return len(e.over)
}

// statementLog keeps the text of the last statements sent, by their number.
type statementLog struct {
	mu  sync.Mutex
	sql [200]string
}

func (l *statementLog) add(n int64, sql string) {
	l.mu.Lock()
	l.sql[n%int64(len(l.sql))] = sql
	l.mu.Unlock()
}

func (l *statementLog) since(from, to int64) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	from = max(from, to-int64(len(l.sql)))
	var out []string
	for i := from + 1; i <= to; i++ {
		out = append(out, l.sql[i%int64(len(l.sql))])
	}
	return out
}

// counter is a pgx tracer that counts statements.
type counter struct {
	n   *atomic.Int64
	log *statementLog
}

func (c counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.log.add(c.n.Add(1), d.SQL)
	countForRequest(ctx)
	return ctx
}

func (c counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Statements sent in a batch count one each.
func (c counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c counter) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.log.add(c.n.Add(1), d.SQL)
	countForRequest(ctx)
}

func (c counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// demoSeed puts the demo data in the template database once. Its key is a hash of the test
// binary, so that any change to the code that writes the demo data makes a new template.
var demoSeed = dbtest.Seed{Key: "demo " + binaryHash(), Run: func(ctx context.Context, url string) error {
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	return demo.Seed(ctx, pool)
}}

// binaryHash is the SHA-256 of the running executable, or a unique value if it cannot be read.
func binaryHash() string {
	h := sha256.New()
	path, err := os.Executable()
	if err == nil {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			_, err = io.Copy(h, f)
			f.Close()
		}
	}
	if err != nil {
		return fmt.Sprintf("unread %d", time.Now().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DemoDB returns a fresh database holding the demo data (cloned from the shared template).
func DemoDB(t testing.TB) *dbtest.DB { return dbtest.New(t, demoSeed) }

// New starts the service over a fresh database with the demo data (cloned from a template); mods
// may change the configuration first. Everything stops when the test ends.
func New(t testing.TB, mods ...func(*config.Config)) *Env {
	t.Helper()
	d := dbtest.New(t, demoSeed)
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string { return map[string]string{"DATABASE_URL": d.OwnerURL}[k] })
	if err != nil {
		t.Fatalf("testenv: config: %v", err)
	}
	e := &Env{DB: d, Config: cfg, log: &statementLog{}}
	// The service gets its own application-role pool, traced, so that statements can be counted.
	pc, err := pgxpool.ParseConfig(d.AppURL)
	if err != nil {
		t.Fatalf("testenv: pool config: %v", err)
	}
	pc.MaxConns = 8
	db.Tune(pc)
	pc.ConnConfig.Tracer = counter{&e.statements, e.log}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatalf("testenv: pool: %v", err)
	}
	t.Cleanup(pool.Close)

	ts := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + ts.Listener.Addr().String()
	for _, m := range mods {
		m(&cfg)
	}
	e.Config = cfg
	ts.Config.ReadTimeout = cfg.ReadTimeout
	srv := server.New(cfg, pool, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(srv.Close)
	deliver := e.startMail(t, d.AppURL, cfg, srv.Metrics())
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.down.Load() {
			// Drop the connection without a response: the client sees a network error.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		n := new(atomic.Int64)
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestCounter{}, n)))
		e.noteRequest(r, n.Load())
		if r.Method != http.MethodGet && deliver != nil {
			deliver(t)
		}
	})
	ts.Start()
	t.Cleanup(func() { e.reportRequests(t) })
	t.Cleanup(ts.Close)
	e.Server, e.HTTP = srv, ts
	return e
}

// startMail runs the mail outbox's worker on a River client of its own (its own pool, so its
// statements are not counted), working only the mail queue, as the service does. With no SMTP_URL
// the mail goes to the development mailbox, and the returned function waits until every queued
// message has been delivered: the test server calls it after each request that is not a GET, so
// that a test finds the mail of a request in dev_mail as soon as the response arrives. With an
// SMTP_URL (a test's own SMTP server) it returns nil and the mail goes when it goes. Deliveries
// are counted in m, the server's metrics, as the service counts them.
func (e *Env) startMail(t testing.TB, appURL string, cfg config.Config, m *metrics.Metrics) func(testing.TB) {
	t.Helper()
	ctx := context.Background()
	pool, err := db.Open(ctx, appURL, 4)
	if err != nil {
		t.Fatalf("testenv: mail pool: %v", err)
	}
	t.Cleanup(pool.Close)
	sender, err := mail.New(cfg.SMTPURL, cfg.MailFrom, pool)
	if err != nil {
		t.Fatalf("testenv: mail sender: %v", err)
	}
	workers := river.NewWorkers()
	if err := mail.AddWorker(workers, pool, sender, nil, m); err != nil {
		t.Fatalf("testenv: mail worker: %v", err)
	}
	var c *river.Client[pgx.Tx]
	start := func(t testing.TB) {
		var err error
		c, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
			Queues:              map[string]river.QueueConfig{mail.Queue: {MaxWorkers: 2}},
			Workers:             workers,
			FetchPollInterval:   50 * time.Millisecond,
			FetchCooldown:       10 * time.Millisecond,
			Logger:              slog.New(slog.NewTextHandler(io.Discard, nil)),
			ReindexerIndexNames: []string{},
		})
		if err != nil {
			t.Fatalf("testenv: mail client: %v", err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatalf("testenv: start mail client: %v", err)
		}
	}
	t.Cleanup(func() {
		if c == nil {
			return
		}
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.StopAndCancel(stop)
	})
	if cfg.SMTPURL != "" {
		start(t)
		return nil
	}
	// Most tests send no mail: the client starts with the first message queued.
	var once sync.Once
	return func(t testing.TB) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE queue = $1 AND state IN ('available', 'running')`, mail.Queue).Scan(&n)
			if err == nil && n > 0 {
				once.Do(func() { start(t) })
			}
			if err != nil || n == 0 || time.Now().After(deadline) {
				if n > 0 {
					t.Errorf("testenv: %d messages still queued after 10s", n)
				}
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
