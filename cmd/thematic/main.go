// Command thematic serves the thematic review service and runs its chores: migrations, demo data,
// accounts and the local development database.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"thematic/internal/auth"
	"thematic/internal/bulk"
	"thematic/internal/config"
	"thematic/internal/coverage"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/devdb"
	"thematic/internal/mail"
	"thematic/internal/metrics"
	"thematic/internal/reminder"
	"thematic/internal/report"
	"thematic/internal/retention"
	"thematic/internal/server"
	"thematic/internal/tenant"
	"thematic/internal/user"
	"thematic/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "thematic:", err)
		os.Exit(1)
	}
}

const usage = `thematic: thematic reviews for inspectorates

Usage:
  thematic serve                       migrate, then serve HTTP on ADDR
  thematic migrate up|down|status      manage the database schema
  thematic seed demo                   create the demo tenant and users (idempotent; not in production)
  thematic seed national [--notes N]   add a review of every English area with N generated notes
  thematic seed scale [--manifest F]   generate national-scale tenants and 1,000,000 notes for load tests (not in production)
  thematic tenant create               create a tenant
  thematic user create                 create a user in a tenant
  thematic user set-password           set a user's password
  thematic report export               write a review's report as HTML, Govspeak, DOCX or PDF
  thematic review export|import        write a whole review to a JSON archive, or import one as a new review
  thematic db start|stop|url           start (--standby N: with streaming standbys), stop or print the URL of the private PostgreSQL
  thematic db promote                  make a standby of the private PostgreSQL the primary (after losing the primary)
  thematic db backup|restore           base backup with WAL archived; restore --to TIME --into DIR (point-in-time recovery)

Every command takes --help. Configuration comes from the environment (see README.md).
With DATABASE_URL unset, a private PostgreSQL is started in DATA_DIR (default .data/dev).
`

// run is the whole program, with its inputs passed in so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := newLogger(cfg.LogLevel, stderr)
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		sub, rest = rest[0], rest[1:]
	}
	switch cmd + " " + sub {
	case "serve ":
		return serve(ctx, cfg, logger, rest, stdout)
	case "migrate up", "migrate down", "migrate status":
		return migrate(ctx, cfg, sub, rest, stdout)
	case "seed national":
		return seedNational(ctx, cfg, rest, stdout)
	case "seed demo":
		return seedDemo(ctx, cfg, rest, stdout)
	case "seed scale":
		return seedScale(ctx, cfg, rest, stdout)
	case "tenant create":
		return tenantCreate(ctx, cfg, rest, stdout)
	case "user create", "user set-password":
		return userCommand(ctx, cfg, sub, rest, stdin, stdout)
	case "db start", "db stop", "db url", "db promote", "db backup", "db restore":
		return dbCommand(ctx, cfg, sub, rest, stdout)
	case "report export":
		return reportExport(ctx, cfg, rest, stdout)
	case "review export", "review import":
		return reviewArchive(ctx, cfg, sub, rest, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.TrimSpace(cmd+" "+sub))
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func flags(name, help string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: thematic %s\n\n%s\n", name, help)
		fs.PrintDefaults()
	}
	return fs
}

// databases returns the owner and application URLs: the configured ones, or those of the private
// server, which is started when needed.
func databases(ctx context.Context, cfg config.Config, stdout io.Writer) (owner, app string, err error) {
	if cfg.DatabaseURL != "" {
		app = cfg.AppDatabaseURL
		if app == "" {
			app = cfg.DatabaseURL
		}
		return cfg.DatabaseURL, app, nil
	}
	srv, err := devdb.Ensure(ctx, devdb.Options{Dir: cfg.DataDir, Log: func(f string, a ...any) {
		fmt.Fprintf(stdout, f+"\n", a...)
	}})
	if err != nil {
		return "", "", err
	}
	return srv.OwnerURL(), srv.AppURL(), nil
}

func migrateUp(ctx context.Context, ownerURL string) error {
	m, err := db.NewMigrator(ownerURL)
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = m.Up(ctx)
	return err
}

// demoSeeded asks the database, as its owner (the server's own role sees no tenant), whether the
// demo tenant and its users are there.
func demoSeeded(ctx context.Context, ownerURL string) (bool, error) {
	pool, err := db.Open(ctx, ownerURL, 1)
	if err != nil {
		return false, err
	}
	defer pool.Close()
	return demo.Seeded(ctx, pool)
}

// devBanner tells a developer how to sign in: as the demo's users when the demo is loaded,
// otherwise how to create a tenant and its first user, or load the demo.
func devBanner(w io.Writer, baseURL string, seeded bool) {
	if seeded {
		fmt.Fprintf(w, "Sign in as %s (tenant admin) or %s (review lead), password %q.\n", demo.People[0].Email, demo.People[1].Email, demo.Password)
	} else {
		fmt.Fprint(w, `The demo organisation is not loaded. To sign in, create an organisation and its first user:
  thematic tenant create --slug my-inspectorate --name "My Inspectorate"
  thematic user create --tenant my-inspectorate --email you@example.org --name "Your Name" --role admin
or load the demo organisation, its users and its review: thematic seed demo
`)
	}
	fmt.Fprintf(w, "Mail the service sends is kept at %s/dev/mail (for a tenant admin). Stop with Ctrl+C.\n\n", baseURL)
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := flags("serve", "Apply pending migrations, then serve HTTP on ADDR until SIGTERM or SIGINT.", stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	if limit, ok := memoryLimit(cfg, os.Getenv("GOMEMLIMIT")); ok {
		// Restored on return: tests run the server inside their own process.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	}
	ownerURL, appURL, err := databases(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	if err := migrateUp(ctx, ownerURL); err != nil {
		return err
	}
	pool, err := db.Open(ctx, appURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.CheckAppRole(ctx, pool); err != nil {
		return err
	}
	if !web.HasGOVUK() {
		logger.Warn("GOV.UK Frontend assets are missing: run `make assets` (npm ci) before building")
	}
	mailer, err := mail.New(cfg.SMTPURL, cfg.MailFrom, pool)
	if err != nil {
		return err
	}
	// One set of metrics for the server and the background jobs (mail delivery), served below on
	// METRICS_ADDR.
	m := metrics.New(pool, logger)
	srv := server.New(cfg, pool, server.Options{Logger: logger, SessionCleanup: 5 * time.Minute, Metrics: m})
	defer srv.Close()
	// Background jobs (self-assessment reminders) run beside HTTP on the same pool; their queue is
	// in the database, so jobs due while the service was down run when it is back.
	// The retention purge runs daily (and at start) on the same client, the coverage counters'
	// deltas are folded every two seconds, and the mail outbox's
	// worker delivers the mail commands queue (its own queue, so mail waits for no other job).
	jobs, err := reminder.NewClient(pool, reminder.Options{Mail: mailer, BaseURL: cfg.BaseURL, Logger: logger,
		More: func(w *river.Workers) error {
			if err := mail.AddWorker(w, pool, mailer, logger, m); err != nil {
				return err
			}
			if err := river.AddWorkerSafely(w, &coverage.FoldWorker{Pool: pool, Logger: logger}); err != nil {
				return err
			}
			return river.AddWorkerSafely(w, &retention.Worker{Pool: pool, Logger: logger})
		},
		Periodic: []*river.PeriodicJob{retention.Periodic(), coverage.FoldPeriodic()},
		Queues:   map[string]river.QueueConfig{mail.Queue: {MaxWorkers: 2}}})
	if err != nil {
		return err
	}
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	defer func() { // on any return: cancel jobs still running, so the pool can close
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = jobs.StopAndCancel(c)
	}()
	httpSrv := &http.Server{
		Addr: cfg.Addr, Handler: srv,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: cfg.ReadTimeout, WriteTimeout: 120 * time.Second,
		IdleTimeout: 120 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		// Prometheus scrapes its own address, never the public one: the public router has no /metrics.
		ml, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { _ = metricsSrv.Serve(ml) }()
		defer metricsSrv.Close()
		logger.Info("metrics", "addr", ml.Addr().String())
	}
	logger.Info("serving", "addr", ln.Addr().String(), "startup_ms", time.Since(start).Milliseconds(), "env", cfg.Env)
	fmt.Fprintf(stdout, "\nThematic is running at %s\n", cfg.BaseURL)
	if cfg.Dev() {
		seeded, err := demoSeeded(ctx, ownerURL)
		if err != nil {
			logger.Warn("could not tell whether the demo is loaded", "err", err.Error())
		}
		devBanner(stdout, cfg.BaseURL, seeded)
	}
	if cfg.PprofAddr != "" {
		// The profiler on its own address (make bench's profiles), never the public one.
		pl, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			return fmt.Errorf("listen on PPROF_ADDR %s: %w", cfg.PprofAddr, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		ps := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ps.Serve(pl) }()
		defer ps.Close()
		logger.Info("profiler", "addr", pl.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Finish requests in flight, then stop.
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if metricsSrv != nil {
		// A scrape in flight finishes; Prometheus notes the target gone at the next.
		if err := metricsSrv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown metrics: %w", err)
		}
	}
	// Then let jobs in flight finish (a job stopped part way is retried after the next start).
	if err := jobs.Stop(sctx); err != nil {
		return fmt.Errorf("stop background jobs: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func migrate(ctx context.Context, cfg config.Config, sub string, args []string, stdout io.Writer) error {
	fs := flags("migrate "+sub, "Manage the schema with the owner role (DATABASE_URL).", stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ownerURL, _, err := databases(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	m, err := db.NewMigrator(ownerURL)
	if err != nil {
		return err
	}
	defer m.Close()
	switch sub {
	case "up":
		res, err := m.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(time.Millisecond))
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(stdout, "no pending migrations")
		}
		return err
	case "down":
		r, err := m.Down(ctx)
		if r != nil {
			fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
		}
		return err
	default:
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-40s %s\n", s.Source.Path, applied)
		}
		return nil
	}
}

func ownerPool(ctx context.Context, cfg config.Config, stdout io.Writer) (*pgxpool.Pool, error) {
	ownerURL, _, err := databases(ctx, cfg, stdout)
	if err != nil {
		return nil, err
	}
	if err := migrateUp(ctx, ownerURL); err != nil {
		return nil, err
	}
	return db.Open(ctx, ownerURL, 4)
}

// iKnowFlag adds --i-know, which lets a seed command run with APP_ENV=production.
func iKnowFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("i-know", false, "run even with APP_ENV=production (it adds users whose password is published)")
}

// refuseInProduction stops a seed command before it touches a production database: the seeds create
// tenants whose users all share a password written in the source code and the README. --i-know
// lets it run, for a database that is really a demonstration or a load-test one.
func refuseInProduction(cfg config.Config, command, password string, iKnow bool) error {
	if cfg.Env != "production" || iKnow {
		return nil
	}
	return fmt.Errorf("%s refused: APP_ENV is production, and it would add users whose password (%q) is published; "+
		"if this database really is for a demonstration or a load test, run it again with --i-know", command, password)
}

func seedDemo(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("seed demo [--i-know]", "Create the demo tenant and one user per role. Running it again changes nothing. "+
		"Refused with APP_ENV=production unless --i-know.", stdout)
	iKnow := iKnowFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := refuseInProduction(cfg, "seed demo", demo.Password, *iKnow); err != nil {
		return err
	}
	pool, err := ownerPool(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := demo.Seed(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo tenant %q is ready. Every demo user's password is %q:\n", demo.TenantName, demo.Password)
	for _, p := range demo.People {
		fmt.Fprintf(stdout, "  %-26s %s\n", p.Email, p.About)
	}
	fmt.Fprintf(stdout, "The review %q has 6 areas, 6 visits in August 2023 and these inspectors too:\n", demo.ReviewTitle)
	for _, p := range demo.Inspectors {
		fmt.Fprintf(stdout, "  %-26s %s\n", p.Email, p.About)
	}
	return nil
}

func seedNational(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("seed national [--notes N] [--areas N] [--i-know]", "Add to the demo tenant a review of English local areas "+
		"with generated evidence notes, for measuring the service at national scale. "+
		"Refused with APP_ENV=production unless --i-know (it seeds the demo tenant first).", stdout)
	notes := fs.Int("notes", 200000, "evidence notes to generate")
	areas := fs.Int("areas", 153, "local areas taking part (at most 153)")
	iKnow := iKnowFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := refuseInProduction(cfg, "seed national", demo.Password, *iKnow); err != nil {
		return err
	}
	pool, err := ownerPool(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := demo.Seed(ctx, pool); err != nil {
		return err
	}
	tenantID, leadID, authors, err := bulk.DemoPeople(ctx, pool)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("National review (%d generated notes)", *notes)
	r, err := bulk.Load(ctx, pool, tenantID, bulk.Options{Title: title, Areas: *areas, Notes: *notes,
		LeadID: leadID, AuthorIDs: authors})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %q (%d areas, %d notes) in %s: sign in as lead@demo.test to see it.\n",
		title, len(r.AreaIDs), *notes, r.Took.Round(time.Second))
	return nil
}

func tenantCreate(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("tenant create --slug SLUG --name NAME", "Create a tenant (an inspectorate).", stdout)
	slug := fs.String("slug", "", "short name for the tenant: lower-case letters, digits and dashes")
	name := fs.String("name", "", "the organisation's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !tenant.ValidSlug(*slug) || strings.TrimSpace(*name) == "" {
		fs.Usage()
		return errors.New("give --slug (a-z, 0-9, -) and --name")
	}
	pool, err := ownerPool(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer pool.Close()
	id, err := tenant.Add(ctx, pool, *slug, strings.TrimSpace(*name))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created tenant %s (%s)\n", *slug, id)
	return nil
}

func readPassword(stdin io.Reader, stdout io.Writer, fromStdin bool) (string, error) {
	if !fromStdin {
		fmt.Fprint(stdout, "Password (input is shown; pipe it with --password-stdin to keep it off screen): ")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userCommand(ctx context.Context, cfg config.Config, sub string, args []string, stdin io.Reader, stdout io.Writer) error {
	help := map[string]string{
		"create":       "Create a user in a tenant (or add an existing one to it). The password is read from standard input.",
		"set-password": "Set a user's password. The password is read from standard input.",
	}[sub]
	fs := flags("user "+sub, help, stdout)
	email := fs.String("email", "", "the user's email address")
	name := fs.String("name", "", "the user's full name (create)")
	slug := fs.String("tenant", "", "the tenant's slug (create)")
	role := fs.String("role", "member", "tenant role: admin or member (create)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input without a prompt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr := user.NormaliseEmail(*email)
	if !user.ValidEmail(addr) {
		fs.Usage()
		return errors.New("give a valid --email")
	}
	if sub == "create" && (*slug == "" || !user.ValidName(*name) || !auth.Role(*role).Valid()) {
		fs.Usage()
		return errors.New("give --tenant, --name and --role (admin or member)")
	}
	password, err := readPassword(stdin, stdout, *fromStdin)
	if err != nil {
		return err
	}
	if err := auth.CheckNewPassword(password, addr); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	pool, err := ownerPool(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer pool.Close()
	if sub == "set-password" {
		found, err := user.SetPasswordByEmail(ctx, pool, addr, hash)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("no user has the email %s", addr)
		}
		fmt.Fprintf(stdout, "password set for %s; their sessions have ended\n", addr)
		return nil
	}
	tenantID, err := tenant.IDBySlug(ctx, pool, *slug)
	if err != nil {
		return err
	}
	created, err := user.AddFromCommandLine(ctx, pool, tenantID, addr, strings.TrimSpace(*name), hash, auth.Role(*role))
	if err != nil {
		return err
	}
	verb := "added existing user"
	if created {
		verb = "created user"
	}
	fmt.Fprintf(stdout, "%s %s to %s as %s\n", verb, addr, *slug, *role)
	return nil
}

func dbCommand(ctx context.Context, cfg config.Config, sub string, args []string, stdout io.Writer) error {
	fs := flags("db "+sub, "Start or stop the private PostgreSQL kept in DATA_DIR (used when DATABASE_URL is unset).", stdout)
	dir := fs.String("dir", cfg.DataDir, "data folder")
	fast := fs.Bool("fast", false, "turn off fsync (for tests only: data may be lost in a crash)")
	standbys := fs.Int("standby", 0, "start: keep N streaming standbys beside the server, commits waiting for one of them; promote: which standby (default 1)")
	to := fs.String("to", "", "restore: the moment to recover to, RFC 3339 (2026-12-08T09:30:00Z)")
	into := fs.String("into", "", "restore: a new data folder for the restored server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logTo := func(f string, a ...any) { fmt.Fprintf(stdout, f+"\n", a...) }
	switch sub {
	case "backup":
		path, err := devdb.Backup(ctx, devdb.Options{Dir: *dir, Log: logTo})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup taken: %s\n", path)
		return nil
	case "restore":
		at, err := time.Parse(time.RFC3339Nano, *to)
		if err != nil || *into == "" {
			fs.Usage()
			return errors.New("give --to with a time such as 2026-12-08T09:30:00Z and --into with a new folder")
		}
		srv, err := devdb.Restore(ctx, *dir, at, *into, logTo)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored to %s: PostgreSQL is running in %s on 127.0.0.1:%d\nDATABASE_URL=%s\nAPP_DATABASE_URL=%s\n",
			at.UTC().Format(time.RFC3339Nano), srv.Dir, srv.Port, srv.OwnerURL(), srv.AppURL())
		return nil
	}
	if sub == "url" {
		// The owner's URL, for pg_dump and psql; it holds the local password.
		srv, err := devdb.Ensure(ctx, devdb.Options{Dir: *dir})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, srv.OwnerURL())
		return nil
	}
	if sub == "promote" {
		n := max(*standbys, 1)
		port, err := devdb.Promote(ctx, *dir, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "standby%d is the primary now, on 127.0.0.1:%d; servers on the failover URL find it by themselves\n", n, port)
		return nil
	}
	if sub == "stop" {
		if err := devdb.Stop(*dir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "stopped PostgreSQL in %s\n", *dir)
		return nil
	}
	srv, err := devdb.Ensure(ctx, devdb.Options{Dir: *dir, Fast: *fast, Standbys: *standbys,
		Log: func(f string, a ...any) { fmt.Fprintf(stdout, f+"\n", a...) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "PostgreSQL is running in %s on 127.0.0.1:%d\n", srv.Dir, srv.Port)
	if len(srv.Standbys) > 0 {
		for _, sb := range srv.Standbys {
			fmt.Fprintf(stdout, "standby %s streams from it on 127.0.0.1:%d (synchronous: a commit waits for one standby)\n", sb.Name, sb.Port)
		}
		// The URLs that find whichever server accepts writes, for serve after a failover.
		fmt.Fprintf(stdout, "DATABASE_URL=%s\nAPP_DATABASE_URL=%s\n", srv.FailoverURL(devdb.OwnerRole, devdb.Database),
			srv.FailoverURL(devdb.AppRole, devdb.Database))
	}
	return nil
}

// reportExport writes a review's report, built from its data as the service builds it, in one of
// the published formats: to --out, or to standard output.
func reportExport(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("report export --review ID --format html|govspeak|docx|pdf [--out FILE]",
		"Write a review's report for publication (without flags or the evidence trail). PDF needs Chromium.", stdout)
	reviewID := fs.String("review", "", "the review's id")
	format := fs.String("format", "", "html, govspeak, docx or pdf")
	out := fs.String("out", "", "the file to write (standard output when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !db.ValidUUID(*reviewID) {
		fs.Usage()
		return errors.New("give --review with the review's id")
	}
	if _, ok := report.FormatOf(*format); !ok {
		fs.Usage()
		return errors.New("give --format " + report.FormatNames(", ", " or "))
	}
	// When the report goes to standard output, nothing else may: starting the private database
	// says nothing then.
	logTo := stdout
	if *out == "" {
		logTo = io.Discard
	}
	pool, err := ownerPool(ctx, cfg, logTo)
	if err != nil {
		return err
	}
	defer pool.Close()
	tenantID, err := reviewTenant(ctx, pool, *reviewID)
	if err != nil {
		return err
	}
	var doc report.Doc
	err = db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		data, err := report.Load(ctx, tx, tenantID, *reviewID)
		if err != nil {
			return err
		}
		doc, _ = report.Build(data)
		return nil
	})
	if err != nil {
		return fmt.Errorf("build the report: %w", err)
	}
	write := func(w io.Writer) error { return report.Export(ctx, w, *format, &doc) }
	if *out == "" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// reviewTenant finds the tenant of a review: row-level security shows a tenant's reviews only
// inside its scope, so each tenant (the owner sees them all) is asked in turn.
func reviewTenant(ctx context.Context, pool *pgxpool.Pool, reviewID string) (string, error) {
	rows, err := pool.Query(ctx, `SELECT id::text FROM tenants ORDER BY created_at`)
	if err != nil {
		return "", fmt.Errorf("list tenants: %w", err)
	}
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("list tenants: %w", err)
	}
	for _, t := range tenants {
		var found bool
		err := db.InTx(ctx, pool, db.Scope{TenantID: t}, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reviews WHERE tenant_id = $1 AND id = $2)`, t, reviewID).Scan(&found)
		})
		if err != nil {
			return "", fmt.Errorf("find the review: %w", err)
		}
		if found {
			return t, nil
		}
	}
	return "", fmt.Errorf("no review has the id %s", reviewID)
}

// memoryLimit is the soft memory limit serve sets from MEMORY_LIMIT_MB: none when GOMEMLIMIT is
// set (the runtime has applied it) or the limit is 0. Near the limit the garbage collector runs
// more often instead of letting the heap grow to twice what is live, which bursts of short-lived
// allocations (a password's hashing takes 19 MiB) otherwise turn into resident memory.
func memoryLimit(cfg config.Config, gomemlimit string) (int64, bool) {
	if gomemlimit != "" || cfg.MemoryLimitMB <= 0 {
		return 0, false
	}
	return cfg.MemoryLimitMB << 20, true
}
