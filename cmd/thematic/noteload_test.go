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
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/demo"
	"thematic/internal/devdb"
)

// noteLoad saves notes on the demo's Northumberland visit as its inspector, through the form, at
// a steady rate: the load of the fault drills (an outage, a failover).
type noteLoad struct {
	t          *testing.T
	c          *http.Client
	post, csrf string
	sourceID   string
	day        time.Time
	mu         sync.Mutex
	acked      []string
	ackedAt    []time.Time
	statuses   map[int]int
}

// newNoteLoad signs in on the server at base; superURL reads the demo's ids.
func newNoteLoad(t *testing.T, base, superURL string) *noteLoad {
	t.Helper()
	ctx := context.Background()
	super, err := pgxpool.New(ctx, superURL)
	if err != nil {
		t.Fatal(err)
	}
	var reviewID, visitID, sourceID, start string
	err = super.QueryRow(ctx, `SELECT v.review_id, v.id, v.start_date::text FROM visits v
		JOIN review_areas a ON a.id = v.area_id WHERE a.ons_code = 'E06000057'`).Scan(&reviewID, &visitID, &start)
	if err == nil {
		err = super.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE review_id = $1 ORDER BY position LIMIT 1`, reviewID).Scan(&sourceID)
	}
	super.Close()
	if err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse("2006-01-02", start)
	jar, _ := cookiejar.New(nil)
	l := &noteLoad{t: t, sourceID: sourceID, day: day, statuses: map[int]int{},
		c: &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	token := func(path string) string {
		res, err := l.c.Get(base + path)
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
	res, err := l.c.PostForm(base+"/sign-in", url.Values{"csrf_token": {token("/sign-in")}, "email": {"inspector@demo.test"}, "password": {demo.Password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	l.csrf = token("/reviews/" + reviewID + "/visits/" + visitID + "/notes/new")
	l.post = base + "/reviews/" + reviewID + "/visits/" + visitID + "/notes"
	return l
}

// run saves one note every 1/rate seconds, each in its own goroutine (an open loop), while going
// says so, and waits for the answers. Keys are prefix-000001 and on.
func (l *noteLoad) run(prefix string, rate int, going func() bool) {
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; going(); i++ {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("%s-%06d", prefix, i)
			form := url.Values{"csrf_token": {l.csrf}, "idempotency_key": {key}, "source": {l.sourceID},
				"note-date-day": {fmt.Sprint(l.day.Day())}, "note-date-month": {fmt.Sprint(int(l.day.Month()))},
				"note-date-year": {fmt.Sprint(l.day.Year())}, "body": {"Parents said the hub was easy to reach. " + key},
				"judgement": {"strength"}, "action": {"save"}}
			res, err := l.c.PostForm(l.post, form)
			status := 0
			if err == nil {
				status = res.StatusCode
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			l.statuses[status]++
			if status == http.StatusSeeOther {
				l.acked = append(l.acked, key)
				l.ackedAt = append(l.ackedAt, time.Now())
			}
		}()
	}
	wg.Wait()
}

// ackedAfter reports whether a save was acknowledged after t.
func (l *noteLoad) ackedAfter(t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, at := range l.ackedAt {
		if at.After(t) {
			return true
		}
	}
	return false
}

// longestGap is the longest time between two acknowledged saves (answers come back out of order).
func (l *noteLoad) longestGap() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	ats := slices.Clone(l.ackedAt)
	slices.SortFunc(ats, func(a, b time.Time) int { return a.Compare(b) })
	var gap time.Duration
	for i := 1; i < len(ats); i++ {
		gap = max(gap, ats[i].Sub(ats[i-1]))
	}
	return gap
}

// stored counts the acknowledged saves found in the database at superURL, and those stored twice.
func (l *noteLoad) stored(superURL string) (stored, twice int) {
	l.t.Helper()
	ctx := context.Background()
	super, err := pgxpool.New(ctx, superURL)
	if err != nil {
		l.t.Fatal(err)
	}
	defer super.Close()
	if err := super.QueryRow(ctx, `SELECT count(*), count(*) - count(DISTINCT idempotency_key) FROM evidence_notes
		WHERE idempotency_key = ANY($1)`, l.acked).Scan(&stored, &twice); err != nil {
		l.t.Fatal(err)
	}
	return stored, twice
}

// drill is what a fault drill runs on: a durable private PostgreSQL in .data/NAME-PID (fsync on:
// a fast cluster loses acknowledged commits in a crash), the demo loaded, and `thematic serve`
// serving on it.
type drill struct {
	dir    string
	srv    devdb.Server
	base   string // the server's URL
	getenv func(string) string
	stop   func() error // stops the server; serve's error
}

// startDrill makes the drill's database with opts (Dir is set here) and starts the server on it,
// through the failover URL when the database has standbys.
func startDrill(t *testing.T, name string, opts devdb.Options) *drill {
	t.Helper()
	bg := context.Background()
	dir, err := filepath.Abs(filepath.Join("..", "..", ".data", name+"-"+strconv.Itoa(os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	opts.Dir = dir
	srv, err := devdb.Ensure(bg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		devdb.Stop(dir)
		os.RemoveAll(srv.Dir)
		os.RemoveAll(dir)
	})
	owner, app := srv.OwnerURL(), srv.AppURL()
	if len(srv.Standbys) > 0 {
		owner, app = srv.FailoverURL(devdb.OwnerRole, devdb.Database), srv.FailoverURL(devdb.AppRole, devdb.Database)
	}
	env := map[string]string{"DATABASE_URL": owner, "APP_DATABASE_URL": app, "ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": "10s",
		"METRICS_ADDR": "127.0.0.1:0"}
	d := &drill{dir: dir, srv: srv, getenv: func(k string) string { return env[k] }}
	if err := run(bg, []string{"seed", "demo"}, d.getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	t.Cleanup(cancel)
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, d.getenv, nil, io.Discard, logs) }()
	d.base = "http://" + waitForAddr(t, logs)
	d.stop = func() error {
		cancel()
		return <-done
	}
	return d
}
