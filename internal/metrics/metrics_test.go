package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCountsAndLabels: a failed attempt is counted as failed, the last one as given up too; an
// odd method and a request of no route get fixed labels; a nil *Metrics counts nothing quietly.
func TestCountsAndLabels(t *testing.T) {
	t.Parallel()
	m := New(nil, nil) // no pool: its statistics and River's queues are left out
	relay := errors.New("relay says no")
	m.MailDelivered("invitation", nil, false)
	m.MailDelivered("invitation", relay, false)
	m.MailDelivered("invitation", relay, true)
	for name, c := range map[string]struct {
		got  float64
		want float64
	}{
		"sent":     {testutil.ToFloat64(m.mailSent.WithLabelValues("invitation")), 1},
		"failed":   {testutil.ToFloat64(m.mailFailed.WithLabelValues("invitation")), 2},
		"given up": {testutil.ToFloat64(m.mailGivenUp.WithLabelValues("invitation")), 1},
	} {
		if c.got != c.want {
			t.Errorf("mail %s: %v, want %v", name, c.got, c.want)
		}
	}
	m.ObserveRequest("BREW", "", 418, time.Millisecond)
	m.ObserveRequest("GET", "/reviews/{reviewID}", 200, time.Millisecond)
	if v := testutil.ToFloat64(m.requests.WithLabelValues("other", Unmatched, "418")); v != 1 {
		t.Errorf("an odd method of no route: %v, want 1 under other/unmatched", v)
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("GET", "/reviews/{reviewID}", "200")); v != 1 {
		t.Errorf("a route's request: %v, want 1", v)
	}
	if n := testutil.CollectAndCount(m.signInFailures); n != len(reasons) {
		t.Errorf("%d sign-in failure series before any failure, want one per reason (%d)", n, len(reasons))
	}
	var none *Metrics
	none.ObserveRequest("GET", "/", 200, time.Millisecond)
	none.MailDelivered("invitation", relay, true)
	none.SignInFailed(WrongPassword)
}

// TestScrapeWithTheDatabaseDown: when River's queues cannot be read, the scrape still answers,
// with thematic_river_scrape_ok 0 and the pool's and every other series.
func TestScrapeWithTheDatabaseDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: the pool connects only when used, and then fails at once.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2&pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	m := New(pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d\n%s", rec.Code, body)
	}
	for _, want := range []string{"thematic_river_scrape_ok 0", "thematic_db_pool_max_conns 3", "thematic_db_pool_acquired_conns 0",
		`thematic_sign_in_failures_total{reason="throttled"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape does not say %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "thematic_river_jobs") {
		t.Error("River's series are there though the database did not answer")
	}
}
