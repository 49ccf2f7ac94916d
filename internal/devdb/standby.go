package devdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Standby is a streaming replica of the private server, in a folder of its own beside the
// primary's (standby1, standby2…), made with pg_basebackup and kept up to date by PostgreSQL's
// own replication.
type Standby struct {
	Name string // its application_name, which synchronous_standby_names lists
	Dir  string
	Port int
}

// FailoverURL connects as user to db on whichever of the primary and its standbys accepts
// writes (pgx tries the hosts in order with target_session_attrs=read-write), so that a client
// finds a promoted standby by itself after a failover.
func (s Server) FailoverURL(user, db string) string {
	hosts := []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))}
	for _, sb := range s.Standbys {
		hosts = append(hosts, net.JoinHostPort("127.0.0.1", strconv.Itoa(sb.Port)))
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, s.Password), Host: strings.Join(hosts, ","),
		Path: "/" + db, RawQuery: "sslmode=disable&target_session_attrs=read-write&connect_timeout=5"}
	return u.String()
}

// standbyNames is the primary's synchronous_standby_names for n standbys: a commit waits until
// any one of them has flushed it, so an acknowledged commit is on two servers' disks and one
// standby lost does not stop writes while another remains.
func standbyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "standby" + strconv.Itoa(i+1)
	}
	return "ANY 1 (" + strings.Join(names, ", ") + ")"
}

// ensureStandbys makes, starts or finds opts.Standbys replicas of srv and then makes the
// primary's commits synchronous to them. The primary's commits become synchronous only once a
// standby streams: before that they would wait for ever.
func ensureStandbys(ctx context.Context, bin string, srv *Server, opts Options) error {
	if opts.Standbys <= 0 {
		return nil
	}
	for i := 1; i <= opts.Standbys; i++ {
		sb := Standby{Name: "standby" + strconv.Itoa(i), Dir: filepath.Join(srv.Dir, "standby"+strconv.Itoa(i))}
		pgdata := filepath.Join(sb.Dir, "pgdata")
		if port, ok := runningPort(pgdata); ok {
			sb.Port = port
			srv.Standbys = append(srv.Standbys, sb)
			continue
		}
		if err := os.MkdirAll(sb.Dir, 0o755); err != nil {
			return fmt.Errorf("devdb: create %s: %w", sb.Dir, err)
		}
		if err := chownToPostgres(sb.Dir); err != nil {
			return err
		}
		if !isFile(filepath.Join(pgdata, "PG_VERSION")) {
			opts.Log("copying the primary into %s (pg_basebackup)", pgdata)
			conn := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres password=%s", srv.Port, srv.Password)
			out, err := asPostgres(filepath.Join(bin, "pg_basebackup"), "-d", conn, "-D", pgdata, "-X", "stream", "-R",
				"-c", "fast").CombinedOutput()
			if err != nil {
				return fmt.Errorf("devdb: pg_basebackup: %w: %s", err, out)
			}
			// -R wrote standby.signal and a primary_conninfo without a name: this one, later in the
			// file, wins, so that the primary knows the standby by the name it waits for.
			auto := fmt.Sprintf("\nprimary_conninfo = 'host=127.0.0.1 port=%d user=postgres password=%s application_name=%s'\n",
				srv.Port, srv.Password, sb.Name)
			f, err := os.OpenFile(filepath.Join(pgdata, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return fmt.Errorf("devdb: standby conf: %w", err)
			}
			_, err = f.WriteString(auto)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("devdb: standby conf: %w", err)
			}
		}
		var err error
		if sb.Port, err = choosePort(sb.Dir, 0, opts.Log); err != nil {
			return err
		}
		opts.Log("starting standby %s on 127.0.0.1:%d", sb.Name, sb.Port)
		conf := serverConf(sb.Port, "-c", "hot_standby=on")
		args := []string{"-D", pgdata, "-l", filepath.Join(sb.Dir, "postgres.log"), "-w", "-t", "60", "-o", shellJoin(conf), "start"}
		if out, err := asPostgres(filepath.Join(bin, "pg_ctl"), args...).CombinedOutput(); err != nil {
			return fmt.Errorf("devdb: pg_ctl start %s: %w: %s (see %s)", sb.Name, err, out, filepath.Join(sb.Dir, "postgres.log"))
		}
		srv.Standbys = append(srv.Standbys, sb)
	}
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect to the primary: %w", err)
	}
	defer conn.Close(ctx)
	// Wait until every standby streams, then make commits wait for one of them.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var streaming int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name LIKE 'standby%'`).
			Scan(&streaming); err != nil {
			return fmt.Errorf("devdb: replication state: %w", err)
		}
		if streaming >= opts.Standbys {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb: %d of %d standbys streaming after a minute (see their postgres.log)", streaming, opts.Standbys)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, q := range []string{`ALTER SYSTEM SET synchronous_standby_names = '` + standbyNames(opts.Standbys) + `'`,
		`ALTER SYSTEM SET synchronous_commit = 'on'`, `SELECT pg_reload_conf()`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("devdb: synchronous replication: %w", err)
		}
	}
	// The reload reaches the WAL senders a moment later: return once they say so.
	for {
		var synced int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')
			AND application_name LIKE 'standby%'`).Scan(&synced); err != nil {
			return fmt.Errorf("devdb: replication state: %w", err)
		}
		if synced >= opts.Standbys {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb: %d of %d standbys synchronous after a minute", synced, opts.Standbys)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Promote makes standby i (1-based) of the server in dir the primary, as a failover does once
// the primary is gone, and lets it accept writes without waiting for standbys it does not have.
// It returns the new primary's port.
func Promote(ctx context.Context, dir string, i int) (int, error) {
	rdir, err := ResolveDir(dir)
	if err != nil {
		return 0, err
	}
	bin, err := BinDir()
	if err != nil {
		return 0, err
	}
	sbDir := filepath.Join(rdir, "standby"+strconv.Itoa(i))
	pgdata := filepath.Join(sbDir, "pgdata")
	port, ok := runningPort(pgdata)
	if !ok {
		return 0, fmt.Errorf("devdb: standby %d is not running", i)
	}
	if out, err := asPostgres(filepath.Join(bin, "pg_ctl"), "-D", pgdata, "-w", "-t", "60", "promote").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("devdb: pg_ctl promote: %w: %s", err, out)
	}
	password, err := secret(filepath.Join(rdir, "password"))
	if err != nil {
		return 0, err
	}
	srv := Server{Dir: sbDir, Port: port, Password: password}
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		return 0, fmt.Errorf("devdb: connect to the promoted standby: %w", err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{`ALTER SYSTEM RESET synchronous_standby_names`, `SELECT pg_reload_conf()`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("devdb: promoted standby: %w", err)
		}
	}
	var recovering bool
	if err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovering); err != nil {
		return 0, fmt.Errorf("devdb: promoted standby: %w", err)
	}
	if recovering {
		return 0, errors.New("devdb: the standby is still in recovery after promotion")
	}
	return port, nil
}

// chownToPostgres gives a folder to the postgres OS user when we are root (the server runs as it).
func chownToPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	pw, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("devdb: running as root needs the postgres OS user: %w", err)
	}
	uid, _ := strconv.Atoi(pw.Uid)
	gid, _ := strconv.Atoi(pw.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("devdb: chown %s: %w", path, err)
	}
	return nil
}
