package devdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// traversableTempDir makes a folder under /tmp whose parents others can traverse (t.TempDir's
// parent is mode 0700, which would send ResolveDir elsewhere when running as root).
func traversableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "devdb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestResolveDirKeepsReachablePath(t *testing.T) {
	t.Parallel()
	base := traversableTempDir(t)
	want := filepath.Join(base, "pg")
	got, err := ResolveDir(want)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ResolveDir(%s) = %s, want it unchanged", want, got)
	}
	// A relative path comes back absolute.
	got, err = ResolveDir(".data/x")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got) {
		t.Errorf("ResolveDir(.data/x) = %s, want an absolute path", got)
	}
}

func TestResolveDirMovesUnreachablePathUnderTmp(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root relocates: the server then runs as the postgres user")
	}
	base := traversableTempDir(t)
	private := filepath.Join(base, "home")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "project", ".data", "dev")
	got, err := ResolveDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, filepath.Join(os.TempDir(), "thematic-pg-")) || filepath.Base(got) != "dev" {
		t.Errorf("ResolveDir(%s) = %s, want /tmp/thematic-pg-*/dev", dir, got)
	}
	again, _ := ResolveDir(dir)
	if again != got {
		t.Errorf("ResolveDir is not stable: %s then %s", got, again)
	}
	other, _ := ResolveDir(filepath.Join(private, "other", ".data", "dev"))
	if other == got {
		t.Errorf("two projects share %s", got)
	}
}

func TestReachableByOthers(t *testing.T) {
	t.Parallel()
	base := traversableTempDir(t)
	open := filepath.Join(base, "open", "deeper")
	if err := os.MkdirAll(open, 0o755); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(base, "closed")
	if err := os.Mkdir(closed, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(closed, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	if !reachableByOthers(open) {
		t.Errorf("%s (all 0755 under /tmp) reported unreachable", open)
	}
	if reachableByOthers(filepath.Join(closed, "inner")) {
		t.Errorf("a folder under a mode 0750 parent reported reachable")
	}
	if !reachableByOthers(filepath.Join(open, "not-yet-created")) {
		t.Errorf("a missing folder under reachable parents reported unreachable")
	}
}

func TestShellJoin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"-c", "port=5432"}, `-c 'port=5432'`},
		{[]string{"-c", "unix_socket_directories="}, `-c 'unix_socket_directories='`},
		{[]string{""}, `''`},
		{[]string{"plain", "-D"}, `'plain' -D`},
		{[]string{"$HOME;ls"}, `'$HOME;ls'`},
		{[]string{"a b"}, `'a b'`},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{`say "hi"`}, `'say "hi"'`},
		{[]string{"--flag=x"}, `--flag=x`},
	} {
		if got := shellJoin(c.in); got != c.want {
			t.Errorf("shellJoin(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestShellJoinRoundTrip runs the joined string through sh, as pg_ctl -o does, and checks that
// the words come back unchanged.
func TestShellJoinRoundTrip(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	args := []string{
		"-c", "listen_addresses=127.0.0.1", "-c", "port=54321", "-c", "unix_socket_directories=",
		"-c", "max_connections=300", "-c", "fsync=off", "", "it's", "a b", `"quoted"`,
	}
	out, err := exec.Command(sh, "-c", `for a in `+shellJoin(args)+`; do printf '%s\n' "[$a]"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		got = append(got, strings.TrimSuffix(strings.TrimPrefix(l, "["), "]"))
	}
	if !slices.Equal(got, args) {
		t.Errorf("through sh:\n got %q\nwant %q", got, args)
	}
}

func TestBinDir(t *testing.T) {
	t.Parallel()
	dir, err := BinDir()
	if errors.Is(err, ErrNoBinaries) {
		t.Skip("PostgreSQL server binaries not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "pg_ctl"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("BinDir() = %s, which lacks %s: %v", dir, name, err)
		} else if st.Mode()&0o111 == 0 {
			t.Errorf("%s in %s is not executable", name, dir)
		}
	}
}

// TestEnsureReusesAndStops creates a private cluster, checks that concurrent and later callers
// share one server, that the roles cannot bypass row-level security, and that Stop stops it.
func TestEnsureReusesAndStops(t *testing.T) {
	t.Parallel()
	if _, err := BinDir(); err != nil {
		t.Skip("PostgreSQL server binaries not installed")
	}
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	dir := filepath.Join(traversableTempDir(t), "pg")
	t.Cleanup(func() {
		if err := Stop(dir); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ctx := context.Background()

	// Two callers at once, as parallel test binaries are: the lock makes them share one cluster.
	var wg sync.WaitGroup
	servers := make([]Server, 2)
	errs := make([]error, 2)
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = Ensure(ctx, Options{Dir: dir, Fast: true})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := servers[0]
	if !reflect.DeepEqual(servers[1], srv) {
		t.Fatalf("concurrent Ensure gave two servers: %+v and %+v", servers[0], servers[1])
	}
	if srv.Dir != dir || srv.Port == 0 || srv.Password == "" {
		t.Fatalf("server %+v", srv)
	}
	var logs []string
	again, err := Ensure(ctx, Options{Dir: dir, Fast: true, Log: func(f string, _ ...any) { logs = append(logs, f) }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, srv) {
		t.Errorf("second Ensure = %+v, want the running %+v", again, srv)
	}
	if len(logs) > 0 {
		t.Errorf("reusing a running server logged %q", logs)
	}
	if st, err := os.Stat(filepath.Join(dir, "password")); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", st.Mode().Perm())
	}

	// The roles the application uses cannot get round row-level security.
	for _, url := range []string{srv.OwnerURL(), srv.AppURL()} {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var name string
		var super, bypass bool
		err = conn.QueryRow(ctx, `SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).
			Scan(&name, &super, &bypass)
		conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if super || bypass {
			t.Errorf("role %s: superuser=%v bypassrls=%v", name, super, bypass)
		}
	}
	// It listens on loopback only.
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	var listen string
	err = conn.QueryRow(ctx, `SELECT current_setting('listen_addresses')`).Scan(&listen)
	conn.Close(ctx)
	if err != nil || listen != "127.0.0.1" {
		t.Errorf("listen_addresses = %q (err %v)", listen, err)
	}

	if err := Stop(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := runningPort(filepath.Join(dir, "pgdata")); ok {
		t.Error("server still running after Stop")
	}
	if err := Stop(dir); err != nil {
		t.Errorf("Stop of a stopped server: %v", err)
	}
	// Started again, it keeps its password and data.
	restarted, err := Ensure(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if restarted.Password != srv.Password {
		t.Error("password changed across a restart")
	}
	// And its port, so that a running `thematic serve` finds it again.
	if restarted.Port != srv.Port {
		t.Errorf("port changed across a restart: %d then %d", srv.Port, restarted.Port)
	}
	conn, err = pgx.Connect(ctx, restarted.OwnerURL())
	if err != nil {
		t.Fatalf("owner cannot connect after restart: %v", err)
	}
	conn.Close(ctx)
}

// TestChoosePortKeepsTheFoldersPort checks that a data folder's port is reused while it is free,
// and replaced, with a word, when something else holds it.
func TestChoosePortKeepsTheFoldersPort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }

	first, err := choosePort(dir, 0, logf)
	if err != nil {
		t.Fatal(err)
	}
	again, err := choosePort(dir, 0, logf)
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(logs) > 0 {
		t.Fatalf("second choice %d (logs %q), want %d silently", again, logs, first)
	}

	// Something else takes the port: a new one is chosen, said, and kept from then on.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first)))
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", first, err)
	}
	moved, err := choosePort(dir, 0, logf)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	if moved == first {
		t.Fatalf("chose the taken port %d", first)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], strconv.Itoa(first)) {
		t.Errorf("logs %q, want one line naming port %d", logs, first)
	}
	if kept, err := choosePort(dir, 0, logf); err != nil || kept != moved {
		t.Errorf("after moving: %d (%v), want %d", kept, err, moved)
	}

	// A port asked for explicitly wins and is remembered.
	if got, err := choosePort(dir, moved, logf); err != nil || got != moved {
		t.Errorf("explicit port: %d (%v)", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "port"), []byte("nonsense"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := choosePort(dir, 0, logf); err != nil || got == 0 {
		t.Errorf("unreadable port file: %d (%v)", got, err)
	}
}
