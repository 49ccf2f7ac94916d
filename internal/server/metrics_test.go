package server_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// scrape reads the server's metrics as Prometheus would, through the handler main serves on
// METRICS_ADDR, into a map from series ("name{label="value",...}", labels as the text format
// writes them: in order of name, a histogram bucket's le last) to value.
func (e *env) scrape() map[string]float64 {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.srv.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		e.t.Fatalf("scrape: %d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	got := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("scrape: line %q: %v", line, err)
		}
		got[line[:i]] = v
	}
	return got
}

// TestMetricsCountRequestsByRoutePattern: requests are counted by method, route pattern and
// status, and timed, under the pattern (never the raw path; "unmatched" for a 404 of no route);
// the pool's statistics, River's queues, mail delivered and refused sign-ins are there with their
// values; the public address has no /metrics.
func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	if r := c.get("/sign-in"); r.Status != http.StatusOK {
		t.Fatalf("sign-in page: %d", r.Status)
	}
	if r := c.get("/no-such-page/secret-token"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", r.Status)
	}
	if r := c.get("/metrics"); r.Status != http.StatusNotFound || strings.Contains(r.Body, "thematic_http_requests_total") {
		t.Fatalf("the public address serves /metrics: %d", r.Status)
	}
	// A route in the review's subrouter, not signed in: sent to sign in, under its full pattern.
	if r := c.get("/reviews/00000000-0000-4000-8000-00000000cafe/report"); r.Status == http.StatusOK {
		t.Fatalf("a review's report, not signed in: %d", r.Status)
	}
	if r := c.get("/password/reset/not-a-real-token"); r.Status == http.StatusOK {
		t.Fatalf("a made-up reset link: %d", r.Status)
	}
	if r := c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {"not the password"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.Status)
	}
	if r := c.post("/sign-in", url.Values{"email": {"nobody@demo.test"}, "password": {"not the password"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("unknown email: %d", r.Status)
	}
	// A reset link is mailed; the test server waits until the worker has delivered it.
	if r := c.post("/password/forgot", url.Values{"email": {"lead@demo.test"}}); r.Status != http.StatusOK {
		t.Fatalf("forgot password: %d\n%s", r.Status, r.Body)
	}
	// River's queue: a job waiting an hour in a queue no worker works, and one that failed for good.
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO river_job (state, attempt, max_attempts, kind, queue, args, errors, finalized_at, scheduled_at)
		VALUES ('available', 0, 3, 'metrics_test', 'metrics_test', '{}', NULL, NULL, now() - interval '1 hour'),
			('discarded', 3, 3, 'metrics_test', 'metrics_test', '{}', ARRAY['{"error": "boom"}'::jsonb], now(), now())`); err != nil {
		t.Fatal(err)
	}

	m := e.scrape()
	want := map[string]float64{
		`thematic_http_requests_total{code="200",method="GET",route="/sign-in"}`:                          4, // the page, and the CSRF token read before each post
		`thematic_http_requests_total{code="404",method="GET",route="unmatched"}`:                         2,
		`thematic_http_requests_total{code="401",method="POST",route="/sign-in"}`:                         2,
		`thematic_http_requests_total{code="200",method="POST",route="/password/forgot"}`:                 1,
		`thematic_http_request_duration_seconds_count{method="POST",route="/sign-in"}`:                    2,
		`thematic_sign_in_failures_total{reason="wrong_password"}`:                                        1,
		`thematic_sign_in_failures_total{reason="unknown_email"}`:                                         1,
		`thematic_sign_in_failures_total{reason="throttled"}`:                                             0,
		`thematic_sign_in_failures_total{reason="single_sign_on"}`:                                        0,
		`thematic_mail_sent_total{kind="password_reset"}`:                                                 1,
		`thematic_db_pool_max_conns`:                                                                      8,
		`thematic_river_jobs{queue="metrics_test",state="available"}`:                                     1,
		`thematic_river_jobs{queue="metrics_test",state="discarded"}`:                                     1,
		`thematic_river_jobs{queue="metrics_test",state="retryable"}`:                                     0,
		`thematic_river_jobs_with_errors{queue="metrics_test",state="discarded"}`:                         1,
		`thematic_river_jobs_with_errors{queue="metrics_test",state="available"}`:                         0,
		`thematic_river_jobs{queue="mail",state="available"}`:                                             0,
		`thematic_river_scrape_ok`:                                                                        1,
		`thematic_http_requests_total{code="404",method="GET",route="/password/reset/{token}"}`:           1,
		`thematic_http_request_duration_seconds_bucket{method="GET",route="/sign-in",le="+Inf"}`:          4,
		`thematic_http_request_duration_seconds_count{method="POST",route="/password/forgot"}`:            1,
		`thematic_http_request_duration_seconds_bucket{method="GET",route="unmatched",le="+Inf"}`:         2,
		`thematic_http_request_duration_seconds_bucket{method="POST",route="/sign-in",le="+Inf"}`:         2,
		`thematic_http_request_duration_seconds_bucket{method="POST",route="/password/forgot",le="+Inf"}`: 1,
	}
	for series, v := range want {
		got, ok := m[series]
		if !ok {
			t.Errorf("no series %s", series)
		} else if got != v {
			t.Errorf("%s = %v, want %v", series, got, v)
		}
	}
	if m[`thematic_http_request_duration_seconds_sum{method="POST",route="/sign-in"}`] <= 0 {
		t.Error("the sign-in posts took no time")
	}
	if v := m[`thematic_river_oldest_available_seconds{queue="metrics_test"}`]; v < 3500 {
		t.Errorf("oldest available job waited %vs, want about an hour", v)
	}
	for _, series := range []string{"thematic_db_pool_acquires_total", "thematic_db_pool_total_conns", "thematic_db_pool_idle_conns",
		"thematic_db_pool_acquired_conns", "thematic_db_pool_acquire_duration_seconds_total", "thematic_db_pool_empty_acquires_total"} {
		if _, ok := m[series]; !ok {
			t.Errorf("no series %s", series)
		}
	}
	if m["thematic_db_pool_acquires_total"] < 1 {
		t.Error("the pool counts no acquires")
	}
	nested := false
	for series := range m {
		nested = nested || strings.HasPrefix(series, `thematic_http_requests_total{code="303",method="GET",route="/reviews/{reviewID}/report"}`)
		if strings.Contains(series, "secret-token") || strings.Contains(series, "not-a-real-token") || strings.Contains(series, "cafe") {
			t.Errorf("a raw path is a label: %s", series)
		}
	}
	if !nested {
		t.Error("no series for the review's report under its full route pattern")
	}
}
