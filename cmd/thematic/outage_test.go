package main

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"thematic/internal/devdb"
)

// TestDatabaseOutageDuringNoteLoad: while notes are saved at a steady rate, PostgreSQL is killed
// (immediate shutdown, as in a crash) and started again on the same port. During the outage saves
// and /readyz answer 503; afterwards the server recovers by itself, and every note whose save was
// acknowledged is stored exactly once. THEMATIC_FAULT_LONG=1 runs the full scenario
// (60 s at 50 saves a second, 10 s outage); by default it is 8 s at 20 a second with a 3 s outage.
func TestDatabaseOutageDuringNoteLoad(t *testing.T) {
	t.Parallel()
	total, outageAt, outage, rate := 8*time.Second, 2*time.Second, 3*time.Second, 20
	if os.Getenv("THEMATIC_FAULT_LONG") != "" {
		total, outageAt, outage, rate = 60*time.Second, 20*time.Second, 10*time.Second, 50
	}
	bg := context.Background()
	d := startDrill(t, "outage", devdb.Options{})
	dir, srv, base := d.dir, d.srv, d.base
	load := newNoteLoad(t, base, srv.SuperURL(devdb.Database))

	var mu sync.Mutex
	var downSeen bool
	var killedAt, restartedAt time.Time
	began := time.Now()
	go func() {
		time.Sleep(outageAt)
		if err := devdb.Kill(dir); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		killedAt = time.Now()
		mu.Unlock()
		// /readyz reports the outage while it lasts.
		for time.Since(killedAt) < outage {
			if r, err := http.Get(base + "/readyz"); err == nil {
				r.Body.Close()
				if r.StatusCode == http.StatusServiceUnavailable {
					mu.Lock()
					downSeen = true
					mu.Unlock()
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		if _, err := devdb.Ensure(bg, devdb.Options{Dir: dir, Port: srv.Port}); err != nil {
			t.Error(err)
		}
		mu.Lock()
		restartedAt = time.Now()
		mu.Unlock()
	}()
	// The load runs for total and, however slowly PostgreSQL starts again on a busy machine, for
	// recoverFor after the restart (at most total+30 s in all), so that recovery is always seen.
	const recoverFor = 3 * time.Second
	going := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(began) < total {
			return true
		}
		return (restartedAt.IsZero() || time.Since(restartedAt) < recoverFor) && time.Since(began) < total+30*time.Second
	}
	load.run("outage", rate, going)
	if err := d.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	statuses := load.statuses
	t.Logf("saves by status: %v; outage %s", statuses, restartedAt.Sub(killedAt).Round(time.Millisecond))
	for s, n := range statuses {
		if s != http.StatusSeeOther && s != http.StatusServiceUnavailable {
			t.Errorf("%d saves answered %d: during an outage only 503 is expected", n, s)
		}
	}
	if !downSeen {
		t.Error("/readyz never reported the outage")
	}
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Error("no save was refused during the outage")
	}
	if !load.ackedAfter(restartedAt) {
		t.Error("no save succeeded after PostgreSQL came back: the server did not recover by itself")
	}
	if stored, dup := load.stored(srv.SuperURL(devdb.Database)); stored != len(load.acked) || dup != 0 {
		t.Fatalf("%d acknowledged saves, %d stored, %d twice", len(load.acked), stored, dup)
	}
}
