package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/demo"
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
	dir, err := filepath.Abs(filepath.Join("..", "..", ".data", "outage-"+strconv.Itoa(os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	// Not Fast: with fsync and synchronous commit off, a crash loses commits already acknowledged.
	srv, err := devdb.Ensure(bg, devdb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		devdb.Stop(dir)
		os.RemoveAll(srv.Dir)
		os.RemoveAll(dir)
	})
	env := map[string]string{"DATABASE_URL": srv.OwnerURL(), "APP_DATABASE_URL": srv.AppURL(), "ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": "10s", "METRICS_ADDR": "127.0.0.1:0"}
	getenv := func(k string) string { return env[k] }
	if err := run(bg, []string{"migrate", "up"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(bg, []string{"seed", "demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	super, err := pgxpool.New(bg, srv.SuperURL(devdb.Database))
	if err != nil {
		t.Fatal(err)
	}
	var reviewID, visitID, sourceID, start string
	err = super.QueryRow(bg, `SELECT v.review_id, v.id, v.start_date::text FROM visits v
		JOIN review_areas a ON a.id = v.area_id WHERE a.ons_code = 'E06000057'`).Scan(&reviewID, &visitID, &start)
	if err == nil {
		err = super.QueryRow(bg, `SELECT id FROM evidence_sources WHERE review_id = $1 ORDER BY position LIMIT 1`, reviewID).Scan(&sourceID)
	}
	super.Close()
	if err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse("2006-01-02", start)

	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, nil, io.Discard, logs) }()
	base := "http://" + waitForAddr(t, logs)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := func(path string) string {
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := stopCSRF.FindSubmatch(b)
		if m == nil {
			t.Fatalf("no CSRF token on %s", path)
		}
		return string(m[1])
	}
	res, err := c.PostForm(base+"/sign-in", url.Values{"csrf_token": {token("/sign-in")}, "email": {"inspector@demo.test"}, "password": {demo.Password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	csrf := token("/reviews/" + reviewID + "/visits/" + visitID + "/notes/new")
	post := base + "/reviews/" + reviewID + "/visits/" + visitID + "/notes"

	// Open loop: one save every 1/rate seconds, each in its own goroutine.
	var mu sync.Mutex
	acked, statuses := []string{}, map[int]int{}
	var downSeen, afterOK bool
	var killedAt, restartedAt time.Time
	var wg sync.WaitGroup
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
	tick := time.NewTicker(time.Second / time.Duration(rate))
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
	for i := 0; going(); i++ {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("outage-%06d", i)
			form := url.Values{"csrf_token": {csrf}, "idempotency_key": {key}, "source": {sourceID},
				"note-date-day": {fmt.Sprint(day.Day())}, "note-date-month": {fmt.Sprint(int(day.Month()))},
				"note-date-year": {fmt.Sprint(day.Year())}, "body": {"Parents said the hub was easy to reach. " + key},
				"judgement": {"strength"}, "action": {"save"}}
			res, err := c.PostForm(post, form)
			status := 0
			if err == nil {
				status = res.StatusCode
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			statuses[status]++
			if status == http.StatusSeeOther {
				acked = append(acked, key)
				if !restartedAt.IsZero() {
					afterOK = true
				}
			}
		}()
	}
	tick.Stop()
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
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
	if !afterOK {
		t.Error("no save succeeded after PostgreSQL came back: the server did not recover by itself")
	}
	super, err = pgxpool.New(bg, srv.SuperURL(devdb.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	var stored, dup int
	if err := super.QueryRow(bg, `SELECT count(*), count(*) - count(DISTINCT idempotency_key) FROM evidence_notes
		WHERE idempotency_key = ANY($1)`, acked).Scan(&stored, &dup); err != nil {
		t.Fatal(err)
	}
	if stored != len(acked) || dup != 0 {
		t.Fatalf("%d acknowledged saves, %d stored, %d twice", len(acked), stored, dup)
	}
}
