// Package devdb runs a private PostgreSQL server from the installed binaries, for `make run` and
// for tests, so that a fresh machine needs no database set up by hand.
package devdb

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role names shared with the migrations: the owner runs migrations, the app role serves requests.
const (
	OwnerRole = "thematic_owner"
	AppRole   = "thematic_app"
	Database  = "thematic"
)

// Options say where the server lives and how durable it must be.
type Options struct {
	Dir  string // data folder, e.g. ".data/dev"
	Fast bool   // fsync off: for tests only
	Port int    // the port to listen on; 0 picks a free one
	Log  func(format string, args ...any)
	// Standbys is how many streaming replicas to keep beside the server (standby.go): a commit
	// then waits until one of them has it on disk. Not with Fast.
	Standbys int
}

// Server describes a running private server.
type Server struct {
	Dir      string
	Port     int
	Password string    // for the superuser and both roles: the server listens on loopback only
	Standbys []Standby // its streaming replicas, when asked for
}

// SuperURL connects as the bootstrap superuser.
func (s Server) SuperURL(db string) string { return s.url("postgres", db) }

// OwnerURL connects as the migration owner to the thematic database.
func (s Server) OwnerURL() string { return s.url(OwnerRole, Database) }

// AppURL connects as the restricted application role to the thematic database.
func (s Server) AppURL() string { return s.url(AppRole, Database) }

func (s Server) url(user, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, s.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// ErrNoBinaries is returned when no PostgreSQL server binaries can be found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (initdb, pg_ctl): install them, " +
	"for example `apt-get install postgresql` on Debian, or set DATABASE_URL, or use `docker compose up`")

// BinDir finds the folder holding initdb and pg_ctl: PATH first, then /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			// A link on PATH (/usr/local/bin/pg_ctl) stands for the folder of the whole set of
			// binaries (pg_basebackup too): follow it there.
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

// ResolveDir returns the folder to keep the cluster in. As root the server runs as the postgres
// user, which must be able to reach the folder; when it cannot (a mode-700 home, say), a folder
// under /tmp keyed by the requested path is used instead.
func ResolveDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("devdb: resolve %s: %w", dir, err)
	}
	if os.Geteuid() != 0 || reachableByOthers(filepath.Dir(abs)) {
		return abs, nil
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "thematic-pg-"+hex.EncodeToString(sum[:6]), filepath.Base(abs)), nil
}

// reachableByOthers reports whether every folder from / down to dir can be traversed by others.
func reachableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil && st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" || d == "." {
			return true
		}
	}
}

// Ensure starts the server in opts.Dir, creating the cluster and roles on first use, or reuses it
// when it is already running. A lock file makes concurrent callers (parallel test binaries) safe.
func Ensure(ctx context.Context, opts Options) (Server, error) {
	if opts.Log == nil {
		opts.Log = func(string, ...any) {}
	}
	dir, err := ResolveDir(opts.Dir)
	if err != nil {
		return Server{}, err
	}
	bin, err := BinDir()
	if err != nil {
		return Server{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Server{}, fmt.Errorf("devdb: create %s: %w", dir, err)
	}
	unlock, err := lock(filepath.Join(dir, "lock"))
	if err != nil {
		return Server{}, err
	}
	defer unlock()

	pgdata := filepath.Join(dir, "pgdata")
	srv := Server{Dir: dir}
	if srv.Password, err = secret(filepath.Join(dir, "password")); err != nil {
		return Server{}, err
	}
	if !isFile(filepath.Join(pgdata, "PG_VERSION")) {
		opts.Log("creating a PostgreSQL cluster in %s", pgdata)
		if err := initdb(bin, dir, pgdata, srv.Password); err != nil {
			return Server{}, err
		}
	}
	if port, ok := runningPort(pgdata); ok {
		srv.Port = port
		if err := waitReady(ctx, srv); err == nil {
			if err := bootstrap(ctx, srv); err != nil {
				return Server{}, err
			}
			return srv, ensureStandbys(ctx, bin, &srv, opts)
		}
	}
	if srv.Port, err = choosePort(dir, opts.Port, opts.Log); err != nil {
		return Server{}, err
	}
	opts.Log("starting PostgreSQL on 127.0.0.1:%d", srv.Port)
	conf := serverConf(srv.Port)
	if opts.Fast && opts.Standbys > 0 {
		return Server{}, errors.New("devdb: standbys need a durable server, not a fast one")
	}
	if opts.Fast {
		conf = append(conf, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	args := []string{"-D", pgdata, "-l", filepath.Join(dir, "postgres.log"), "-w", "-t", "60", "-o", shellJoin(conf), "start"}
	if out, err := asPostgres(filepath.Join(bin, "pg_ctl"), args...).CombinedOutput(); err != nil {
		return Server{}, fmt.Errorf("devdb: pg_ctl start: %w: %s (see %s)", err, out, filepath.Join(dir, "postgres.log"))
	}
	if err := waitReady(ctx, srv); err != nil {
		return Server{}, err
	}
	if err := bootstrap(ctx, srv); err != nil {
		return Server{}, err
	}
	return srv, ensureStandbys(ctx, bin, &srv, opts)
}

// serverConf is how every server here starts: on loopback only, at port, with room for the
// parallel tests' connections (a standby or a restored copy needs at least the primary's).
func serverConf(port int, more ...string) []string {
	return append([]string{"-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=", "-c", "max_connections=300"}, more...)
}

// Kill stops the server in dir at once, as a crash would (immediate shutdown: no checkpoint,
// recovery on the next start). Fault tests use it.
func Kill(dir string) error { return stop(dir, "immediate") }

// Stop stops the server in dir if it is running, and its standbys.
func Stop(dir string) error {
	if err := stop(dir, "fast"); err != nil {
		return err
	}
	rdir, err := ResolveDir(dir)
	if err != nil {
		return err
	}
	standbys, _ := filepath.Glob(filepath.Join(rdir, "standby*", "pgdata"))
	for _, pgdata := range standbys {
		if err := stopData(pgdata, "fast"); err != nil {
			return err
		}
	}
	return nil
}

func stop(dir, mode string) error {
	dir, err := ResolveDir(dir)
	if err != nil {
		return err
	}
	return stopData(filepath.Join(dir, "pgdata"), mode)
}

func stopData(pgdata, mode string) error {
	if _, ok := runningPort(pgdata); !ok {
		return nil
	}
	bin, err := BinDir()
	if err != nil {
		return err
	}
	out, err := asPostgres(filepath.Join(bin, "pg_ctl"), "-D", pgdata, "-m", mode, "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

func initdb(bin, dir, pgdata, password string) error {
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("devdb: write pwfile: %w", err)
	}
	defer os.Remove(pwfile)
	if os.Geteuid() == 0 {
		pw, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("devdb: running as root needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(pw.Uid)
		gid, _ := strconv.Atoi(pw.Gid)
		for _, p := range []string{dir, pwfile} {
			if err := os.Chown(p, uid, gid); err != nil {
				return fmt.Errorf("devdb: chown %s: %w", p, err)
			}
		}
		_ = os.Chown(filepath.Join(dir, "lock"), uid, gid)
	}
	out, err := asPostgres(filepath.Join(bin, "initdb"), "-D", pgdata, "-U", "postgres", "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: initdb: %w: %s", err, out)
	}
	return nil
}

// bootstrap creates the roles and database the application expects; it is idempotent.
func bootstrap(ctx context.Context, srv Server) error {
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	pw := "'" + srv.Password + "'" // hex from secret(), so safe as a literal
	stmts := []string{
		fmt.Sprintf(`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
				CREATE ROLE %[1]s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %[3]s;
			END IF;
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[2]s') THEN
				CREATE ROLE %[2]s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %[3]s;
			END IF;
		END $$`, OwnerRole, AppRole, pw),
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("devdb: bootstrap roles: %w", err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, Database).Scan(&exists); err != nil {
		return fmt.Errorf("devdb: check database: %w", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, Database, OwnerRole)); err != nil {
			return fmt.Errorf("devdb: create database: %w", err)
		}
	}
	return nil
}

func waitReady(ctx context.Context, srv Server) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
		if err == nil {
			c.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb: server on port %d not ready: %w", srv.Port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runningPort reads postmaster.pid and reports the port of a live server.
func runningPort(pgdata string) (int, bool) {
	f, err := os.Open(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 4 {
		return 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil || syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	return port, true
}

// choosePort picks the port to start on. A data folder keeps its port in the file "port" so that
// a stop and start brings the server back where a running `thematic serve` still looks for it; a
// new port is chosen only when there is none yet or the old one is taken, and that is said.
func choosePort(dir string, requested int, log func(string, ...any)) (int, error) {
	path := filepath.Join(dir, "port")
	port := requested
	if port == 0 {
		if b, err := os.ReadFile(path); err == nil {
			old, err := strconv.Atoi(strings.TrimSpace(string(b)))
			switch {
			case err != nil || old <= 0 || old > 65535:
				log("ignoring %s: not a port number", path)
			case portFree(old):
				port = old
			default:
				log("port %d, used last time, is taken: choosing another", old)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("devdb: read port: %w", err)
		}
	}
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return 0, err
		}
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("devdb: write port: %w", err)
	}
	return port, nil
}

// portFree reports whether nothing listens on the loopback port.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devdb: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// secret reads the password file, creating it on first use.
func secret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		return "", fmt.Errorf("devdb: write password: %w", err)
	}
	return s, nil
}

// asPostgres runs a PostgreSQL binary, as the postgres OS user when we are root (initdb refuses root).
func asPostgres(name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	// A server started here must outlive this process (make run, parallel tests).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if !strings.HasPrefix(a, "-") {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devdb: open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("devdb: lock: %w", err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
