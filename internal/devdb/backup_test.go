package devdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestRestoreToAPointInTime: rows written before a base backup, rows written after it up to a
// noted time, and rows written after that time; a restore to the noted time into a new folder
// holds exactly the rows up to it, replayed from the archived WAL.
func TestRestoreToAPointInTime(t *testing.T) {
	t.Parallel()
	if _, err := BinDir(); err != nil {
		t.Skip("PostgreSQL server binaries not installed")
	}
	base := traversableTempDir(t)
	dir, into := filepath.Join(base, "pg"), filepath.Join(base, "restored")
	t.Cleanup(func() {
		for _, d := range []string{dir, into} {
			if err := Stop(d); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	ctx := context.Background()
	srv, err := Ensure(ctx, Options{Dir: dir, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		c, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE notes (phase text, n int)`)
	exec(`INSERT INTO notes SELECT 'before the backup', g FROM generate_series(1, 100) g`)
	if _, err := Backup(ctx, Options{Dir: dir, Log: t.Logf}); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO notes SELECT 'after the backup', g FROM generate_series(1, 50) g`)
	time.Sleep(200 * time.Millisecond)
	noted := time.Now()
	time.Sleep(200 * time.Millisecond)
	exec(`INSERT INTO notes SELECT 'after the noted time', g FROM generate_series(1, 25) g`)

	restored, err := Restore(ctx, dir, noted, into, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, restored.SuperURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT phase, count(*)::int FROM notes GROUP BY phase`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	var phase string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&phase, &n}, func() error { got[phase] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	if got["before the backup"] != 100 || got["after the backup"] != 50 || got["after the noted time"] != 0 {
		t.Errorf("restored rows by phase %v, want 100 before the backup, 50 after it, none after the noted time", got)
	}
	// The restored server is a primary of its own: it takes writes.
	if _, err := c.Exec(ctx, `INSERT INTO notes VALUES ('restored', 1)`); err != nil {
		t.Errorf("a write on the restored server: %v", err)
	}
	// Restoring into a folder that holds a server is refused.
	if _, err := Restore(ctx, dir, noted, into, t.Logf); err == nil {
		t.Error("a second restore into the same folder was not refused")
	}
}
