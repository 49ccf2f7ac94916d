package devdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backups of the private server, with PostgreSQL's own tools: a base backup (pg_basebackup) into
// DIR/backups/<time>, and every WAL segment archived as it is filled (archive_command) into
// DIR/wal, so that a restore can replay to any moment after a base backup (point-in-time
// recovery).

// walDir and backupsDir are where the archive and the base backups live in the server's folder.
func walDir(dir string) string     { return filepath.Join(dir, "wal") }
func backupsDir(dir string) string { return filepath.Join(dir, "backups") }

// backupStamp names a base backup by its start time (UTC), so that names sort in time order.
const backupStamp = "20060102T150405.000000000Z"

// Backup takes a base backup of the server in dir (started when needed) and returns its folder.
// The first backup turns on WAL archiving, which needs a restart of the server: said in log.
func Backup(ctx context.Context, opts Options) (string, error) {
	if opts.Log == nil {
		opts.Log = func(string, ...any) {}
	}
	srv, err := Ensure(ctx, opts)
	if err != nil {
		return "", err
	}
	if err := ensureArchiving(ctx, srv, opts); err != nil {
		return "", err
	}
	bin, err := BinDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(backupsDir(srv.Dir), 0o755); err != nil {
		return "", fmt.Errorf("devdb: backups folder: %w", err)
	}
	if err := chownToPostgres(backupsDir(srv.Dir)); err != nil {
		return "", err
	}
	dest := filepath.Join(backupsDir(srv.Dir), time.Now().UTC().Format(backupStamp))
	conn := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres password=%s", srv.Port, srv.Password)
	// -X stream: the backup holds the WAL it needs to be consistent, whatever the archive holds.
	out, err := asPostgres(filepath.Join(bin, "pg_basebackup"), "-d", conn, "-D", dest, "-X", "stream", "-c", "fast",
		"--label", "thematic backup").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("devdb: pg_basebackup: %w: %s", err, out)
	}
	opts.Log("base backup in %s; WAL is archived in %s", dest, walDir(srv.Dir))
	return dest, nil
}

// ensureArchiving turns WAL archiving on (into DIR/wal) unless it is on already, restarting the
// server, as archive_mode takes effect only at start.
func ensureArchiving(ctx context.Context, srv Server, opts Options) error {
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(ctx)
	var mode, command string
	if err := conn.QueryRow(ctx, `SELECT current_setting('archive_mode'), current_setting('archive_command')`).Scan(&mode, &command); err != nil {
		return fmt.Errorf("devdb: archive settings: %w", err)
	}
	wal := walDir(srv.Dir)
	want := "test ! -f " + wal + "/%f && cp %p " + wal + "/%f"
	if mode == "on" && command == want {
		return nil
	}
	if err := os.MkdirAll(wal, 0o755); err != nil {
		return fmt.Errorf("devdb: WAL archive folder: %w", err)
	}
	if err := chownToPostgres(wal); err != nil {
		return err
	}
	for _, q := range []string{`ALTER SYSTEM SET archive_mode = 'on'`, `ALTER SYSTEM SET archive_command = '` + want + `'`,
		`ALTER SYSTEM SET archive_timeout = '60s'`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("devdb: archive settings: %w", err)
		}
	}
	conn.Close(ctx)
	opts.Log("turning WAL archiving on (into %s): restarting PostgreSQL", wal)
	bin, err := BinDir()
	if err != nil {
		return err
	}
	// -l as at start: the server must not hold this command's output open.
	if out, err := asPostgres(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(srv.Dir, "pgdata"), "-l", filepath.Join(srv.Dir, "postgres.log"),
		"-w", "-t", "60", "-m", "fast", "restart").CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: pg_ctl restart: %w: %s", err, out)
	}
	return waitReady(ctx, srv)
}

// ArchiveNow closes the current WAL segment of the server in dir and waits until the archive
// holds it, so that a restore can reach the present moment.
func ArchiveNow(ctx context.Context, dir string) error {
	rdir, err := ResolveDir(dir)
	if err != nil {
		return err
	}
	port, ok := runningPort(filepath.Join(rdir, "pgdata"))
	if !ok {
		return errors.New("devdb: the server is not running")
	}
	password, err := secret(filepath.Join(rdir, "password"))
	if err != nil {
		return err
	}
	srv := Server{Dir: rdir, Port: port, Password: password}
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(ctx)
	var segment string
	if err := conn.QueryRow(ctx, `SELECT pg_walfile_name(pg_switch_wal())`).Scan(&segment); err != nil {
		return fmt.Errorf("devdb: switch WAL: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !isFile(filepath.Join(walDir(rdir), segment)) {
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb: WAL segment %s not archived after a minute (see postgres.log)", segment)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// Restore makes a new server in into from the newest base backup of dir taken before to, with
// the archived WAL replayed up to to (point-in-time recovery), and starts it. What was committed
// after to is not there. The server in dir is left as it is; when it runs, its current WAL is
// archived first so that the restore can reach to.
func Restore(ctx context.Context, dir string, to time.Time, into string, log func(string, ...any)) (Server, error) {
	if log == nil {
		log = func(string, ...any) {}
	}
	rdir, err := ResolveDir(dir)
	if err != nil {
		return Server{}, err
	}
	if _, ok := runningPort(filepath.Join(rdir, "pgdata")); ok {
		if err := ArchiveNow(ctx, dir); err != nil {
			return Server{}, err
		}
	}
	names, _ := filepath.Glob(filepath.Join(backupsDir(rdir), "*"))
	sort.Strings(names)
	var base string
	for _, n := range names {
		at, err := time.Parse(backupStamp, filepath.Base(n))
		if err == nil && at.Before(to) {
			base = n
		}
	}
	if base == "" {
		return Server{}, fmt.Errorf("devdb: no base backup in %s was taken before %s", backupsDir(rdir), to.UTC().Format(time.RFC3339))
	}
	out, err := ResolveDir(into)
	if err != nil {
		return Server{}, err
	}
	pgdata := filepath.Join(out, "pgdata")
	if isFile(filepath.Join(pgdata, "PG_VERSION")) {
		return Server{}, fmt.Errorf("devdb: %s holds a server already: restore into a new folder", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Server{}, fmt.Errorf("devdb: create %s: %w", out, err)
	}
	if err := chownToPostgres(out); err != nil {
		return Server{}, err
	}
	log("restoring %s into %s, replaying WAL to %s", base, pgdata, to.UTC().Format(time.RFC3339Nano))
	if b, err := asPostgres("cp", "-a", base, pgdata).CombinedOutput(); err != nil {
		return Server{}, fmt.Errorf("devdb: copy the base backup: %w: %s", err, b)
	}
	password, err := secret(filepath.Join(rdir, "password"))
	if err != nil {
		return Server{}, err
	}
	if err := os.WriteFile(filepath.Join(out, "password"), []byte(password), 0o600); err != nil {
		return Server{}, fmt.Errorf("devdb: write password: %w", err)
	}
	// A restored server recovers to the target and becomes a primary of its own; it archives
	// nothing (the archive is the source's) and waits for no standby.
	conf := fmt.Sprintf("\nrestore_command = 'cp %s/%%f %%p'\nrecovery_target_time = '%s'\nrecovery_target_action = 'promote'\n"+
		"archive_mode = 'off'\nsynchronous_standby_names = ''\n", walDir(rdir), to.UTC().Format("2006-01-02 15:04:05.999999")+"+00")
	for _, f := range []struct{ name, text string }{{"postgresql.auto.conf", conf}, {"recovery.signal", ""}} {
		if err := appendAsPostgres(filepath.Join(pgdata, f.name), f.text); err != nil {
			return Server{}, err
		}
	}
	_ = os.Remove(filepath.Join(pgdata, "standby.signal"))
	srv := Server{Dir: out, Password: password}
	if srv.Port, err = choosePort(out, 0, log); err != nil {
		return Server{}, err
	}
	bin, err := BinDir()
	if err != nil {
		return Server{}, err
	}
	args := []string{"-D", pgdata, "-l", filepath.Join(out, "postgres.log"), "-w", "-t", "120", "-o",
		shellJoin(serverConf(srv.Port)), "start"}
	if b, err := asPostgres(filepath.Join(bin, "pg_ctl"), args...).CombinedOutput(); err != nil {
		return Server{}, fmt.Errorf("devdb: pg_ctl start: %w: %s\n%s", err, b, logTail(filepath.Join(out, "postgres.log")))
	}
	if err := waitReady(ctx, srv); err != nil {
		return Server{}, err
	}
	// Ready for queries while still replaying: wait until the recovery has ended.
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return Server{}, fmt.Errorf("devdb: connect to the restored server: %w", err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var recovering bool
		if err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovering); err != nil {
			return Server{}, fmt.Errorf("devdb: restored server: %w", err)
		}
		if !recovering {
			return srv, nil
		}
		if time.Now().After(deadline) {
			return Server{}, fmt.Errorf("devdb: the restored server is still recovering after two minutes (see %s)", filepath.Join(out, "postgres.log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTail is the end of a server's log, for an error that needs it read.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log at " + path + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return path + ":\n" + strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// appendAsPostgres appends text to a file of a cluster, which belongs to the postgres OS user.
func appendAsPostgres(path, text string) error {
	cmd := asPostgres("sh", "-c", `cat >> "$0"`, path)
	cmd.Stdin = strings.NewReader(text)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: write %s: %w: %s", path, err, b)
	}
	return nil
}
