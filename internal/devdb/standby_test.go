package devdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStandbyIsSynchronousAndTakesOver: a server with one standby waits for it on every commit
// (the primary lists it as a quorum standby, and its copy holds every acknowledged row); when the
// primary is killed and the standby promoted, a client on the failover URL finds the new primary
// by itself, with every acknowledged row there and writes accepted.
func TestStandbyIsSynchronousAndTakesOver(t *testing.T) {
	t.Parallel()
	if _, err := BinDir(); err != nil {
		t.Skip("PostgreSQL server binaries not installed")
	}
	dir := filepath.Join(traversableTempDir(t), "pg")
	t.Cleanup(func() {
		if err := Stop(dir); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ctx := context.Background()
	srv, err := Ensure(ctx, Options{Dir: dir, Standbys: 1, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Standbys) != 1 || srv.Standbys[0].Port == 0 || srv.Standbys[0].Port == srv.Port {
		t.Fatalf("standbys %+v", srv.Standbys)
	}
	primary, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	var name, state, mode string
	if err := primary.QueryRow(ctx, `SELECT application_name, sync_state, current_setting('synchronous_commit')
		FROM pg_stat_replication`).Scan(&name, &state, &mode); err != nil {
		t.Fatal(err)
	}
	if name != "standby1" || state != "quorum" || mode != "on" {
		t.Fatalf("replication %s %s, synchronous_commit %s: want standby1 quorum on", name, state, mode)
	}
	if _, err := primary.Exec(ctx, `CREATE TABLE acked (n int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for n := range 200 {
		if _, err := primary.Exec(ctx, `INSERT INTO acked VALUES ($1)`, n); err != nil {
			t.Fatal(err)
		}
	}
	primary.Close(ctx)
	if err := Kill(dir); err != nil {
		t.Fatal(err)
	}
	port, err := Promote(ctx, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if port != srv.Standbys[0].Port {
		t.Errorf("promoted on %d, want the standby's %d", port, srv.Standbys[0].Port)
	}
	// The failover URL names the dead primary first: the client moves on to the new one.
	c, err := pgx.Connect(ctx, srv.FailoverURL("postgres", "postgres"))
	if err != nil {
		t.Fatalf("failover URL: %v", err)
	}
	defer c.Close(ctx)
	var rows int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM acked`).Scan(&rows); err != nil || rows != 200 {
		t.Fatalf("%d rows on the new primary (%v), want the 200 acknowledged", rows, err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO acked VALUES (200)`); err != nil {
		t.Fatalf("a write on the new primary: %v", err)
	}
}
