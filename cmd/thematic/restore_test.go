package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/devdb"
)

// TestRestoreDrill: notes are saved through the service, a backup is taken (thematic db backup),
// more notes are saved, the time is noted, more notes are saved; thematic db restore --to that
// time into a new folder gives a server holding exactly the notes acknowledged up to it.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	bg := context.Background()
	d := startDrill(t, "restore", devdb.Options{})
	dir, srv, into := d.dir, d.srv, d.dir+"-restored"
	t.Cleanup(func() {
		devdb.Stop(into)
		if r, err := devdb.ResolveDir(into); err == nil {
			os.RemoveAll(r)
		}
		os.RemoveAll(into)
	})
	cli := func(args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(bg, args, d.getenv, nil, &out, io.Discard); err != nil {
			t.Fatalf("thematic %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	load := newNoteLoad(t, d.base, srv.SuperURL(devdb.Database))
	phase := func(name string) {
		until := time.Now().Add(1500 * time.Millisecond)
		load.run(name, 20, func() bool { return time.Now().Before(until) })
	}

	phase("before-backup")
	t.Log(strings.TrimSpace(cli("db", "backup", "--dir", dir)))
	phase("after-backup")
	time.Sleep(300 * time.Millisecond)
	noted := time.Now()
	time.Sleep(300 * time.Millisecond)
	phase("after-noted-time")
	t.Log(strings.TrimSpace(cli("db", "restore", "--dir", dir, "--to", noted.UTC().Format(time.RFC3339Nano), "--into", into)))
	if err := d.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}

	rdir, err := devdb.ResolveDir(into)
	if err != nil {
		t.Fatal(err)
	}
	port, err := os.ReadFile(filepath.Join(rdir, "port"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(port)))
	restored := devdb.Server{Port: p, Password: srv.Password}
	pool, err := pgxpool.New(bg, restored.SuperURL(devdb.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(bg, `SELECT idempotency_key FROM evidence_notes WHERE idempotency_key LIKE 'before-backup-%'
		OR idempotency_key LIKE 'after-backup-%' OR idempotency_key LIKE 'after-noted-time-%'`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, k := range keys {
		got[k] = true
	}
	want, after := 0, 0
	for _, k := range load.acked {
		switch {
		case strings.HasPrefix(k, "after-noted-time-"):
			after++
			if got[k] {
				t.Errorf("%s, saved after the noted time, is in the restore", k)
			}
		default:
			want++
			if !got[k] {
				t.Errorf("%s, saved before the noted time, is missing from the restore", k)
			}
		}
	}
	t.Logf("restore drill: %d notes acknowledged before the noted time, %d after; the restore holds %d", want, after, len(keys))
	if want == 0 || after == 0 || len(keys) != want {
		t.Errorf("the restore holds %d notes, want exactly the %d saved before the noted time (and %d after it to leave out)", len(keys), want, after)
	}
}
