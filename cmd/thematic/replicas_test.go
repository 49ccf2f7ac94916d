package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
)

// rpClient is a browser of sorts in front of the replicas: cookies kept, redirects not followed,
// the last page's CSRF token sent with each form.
type rpClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var (
	rpCSRF   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	rpKey    = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
	rpSource = regexp.MustCompile(`name="source" type="radio" value="([0-9a-f-]{36})"`)
)

func newRPClient(t *testing.T, base string) *rpClient {
	jar, _ := cookiejar.New(nil)
	return &rpClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *rpClient) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf_token", c.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := rpCSRF.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, string(b)
}

// TestReplicasServeOneJourney: three `thematic serve` processes' worth of servers start at once
// on a fresh database (each migrates: one applies, the others wait) and serve behind a round-robin
// proxy, so that no two requests in a row reach the same one. Across them: a session made on one
// is good on the others; a note's form sent twice records one note; the password reset's mail, a
// River job, is delivered once; the sign-in throttle counts failures wherever they land.
func TestReplicasServeOneJourney(t *testing.T) {
	t.Parallel()
	e := dbtest.Empty(t)
	env := map[string]string{"DATABASE_URL": e.OwnerURL, "APP_DATABASE_URL": e.AppURL, "ADDR": "127.0.0.1:0",
		"METRICS_ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": "10s"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 3
	done := make(chan error, n)
	logs := make([]*lockedBuffer, n)
	for i := range n {
		logs[i] = &lockedBuffer{}
		go func() { done <- run(ctx, []string{"serve"}, getenv, nil, io.Discard, logs[i]) }()
	}
	backends := make([]*httputil.ReverseProxy, n)
	for i := range n {
		u, err := url.Parse("http://" + waitForAddrWithin(t, logs[i], 2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		backends[i] = httputil.NewSingleHostReverseProxy(u)
	}
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	var next atomic.Int64
	var served [n]atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := next.Add(1) % n
		served[i].Add(1)
		backends[i].ServeHTTP(w, r)
	}))
	defer front.Close()

	super, err := db.Open(ctx, e.SuperURL, 2) // the superuser: row-level security binds the owner too
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	var reviewID, visitID, actionAreaID, noteDate string
	if err := super.QueryRow(ctx, `SELECT r.id, v.id, (SELECT id FROM action_areas WHERE review_id = r.id ORDER BY position, id LIMIT 1),
			to_char(v.start_date, 'YYYY-MM-DD')
		FROM reviews r JOIN review_areas a ON a.review_id = r.id AND a.ons_code = $2 JOIN visits v ON v.area_id = a.id
		WHERE r.title = $1`, demo.ReviewTitle, demo.LetterArea).Scan(&reviewID, &visitID, &actionAreaID, &noteDate); err != nil {
		t.Fatal(err)
	}

	// A session made on one replica is good on the next.
	c := newRPClient(t, front.URL)
	c.do("GET", "/sign-in", nil)
	if st, body := c.do("POST", "/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}}); st != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", st, body)
	}
	for range n {
		if st, body := c.do("GET", "/reviews", nil); st != http.StatusOK || !strings.Contains(body, demo.ReviewTitle) {
			t.Fatalf("reviews on another replica: %d\n%s", st, body)
		}
	}

	// A note's form sent twice, each time to another replica, records one note.
	st, body := c.do("GET", "/reviews/"+reviewID+"/visits/"+visitID+"/notes/new", nil)
	key, src := rpKey.FindStringSubmatch(body), rpSource.FindStringSubmatch(body)
	if st != http.StatusOK || key == nil || src == nil {
		t.Fatalf("note form: %d\n%s", st, body)
	}
	day, _ := time.Parse(time.DateOnly, noteDate)
	text := "Across replicas: the hub's outreach worker visits the traveller site every week."
	form := func() url.Values {
		return url.Values{"idempotency_key": {key[1]}, "source": {src[1]}, "note-date-day": {day.Format("2")},
			"note-date-month": {day.Format("1")}, "note-date-year": {day.Format("2006")}, "body": {text},
			"action_areas": {actionAreaID}, "judgement": {"strength"}, "action": {"save"}}
	}
	for i := range 2 {
		if st, body := c.do("POST", "/reviews/"+reviewID+"/visits/"+visitID+"/notes", form()); st != http.StatusSeeOther {
			t.Fatalf("note, sending %d: %d\n%s", i+1, st, body)
		}
	}
	if got := rpCount(t, super, `SELECT count(*) FROM evidence_notes WHERE body = $1`, text); got != 1 {
		t.Errorf("%d notes after the form was sent twice to two replicas, want 1", got)
	}

	// The reset mail is a River job that every replica's client could take: it is delivered once.
	reset := newRPClient(t, front.URL)
	reset.do("GET", "/password/forgot", nil)
	if st, body := reset.do("POST", "/password/forgot", url.Values{"email": {"lead@demo.test"}}); st >= 400 {
		t.Fatalf("forgot password: %d\n%s", st, body)
	}
	mails := func() int {
		return rpCount(t, super, `SELECT count(*) FROM dev_mail WHERE to_address = 'lead@demo.test'`)
	}
	deadline := time.Now().Add(30 * time.Second)
	for mails() == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a second delivery, were there to be one
	if got := mails(); got != 1 {
		t.Errorf("%d reset mails delivered, want 1", got)
	}

	// Five wrong passwords, spread over the replicas, lock the account on all of them.
	th := newRPClient(t, front.URL)
	th.do("GET", "/sign-in", nil)
	for i := range 5 {
		if st, _ := th.do("POST", "/sign-in", url.Values{"email": {"priya.shah@demo.test"}, "password": {"wrong-" + string(rune('a'+i))}}); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, st)
		}
	}
	if st, _ := th.do("POST", "/sign-in", url.Values{"email": {"priya.shah@demo.test"}, "password": {demo.Password}}); st != http.StatusTooManyRequests {
		t.Errorf("the right password after five failures on three replicas: %d, want 429", st)
	}

	for i := range n {
		if served[i].Load() == 0 {
			t.Errorf("replica %d served nothing", i)
		}
	}
	cancel()
	for range n {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a replica did not stop")
		}
	}
}

func rpCount(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
