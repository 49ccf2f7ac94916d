package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"thematic/internal/apperr"
	"thematic/internal/config"
)

// TestErrorPagesNeverLeakInternals renders each kind of error and checks the GOV.UK page and status,
// and that an internal error's text reaches the log but never the page.
func TestErrorPagesNeverLeakInternals(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	s := &Server{cfg: cfg, log: slog.New(slog.NewJSONHandler(&logs, nil))}
	for _, c := range []struct {
		err     error
		status  int
		heading string
	}{
		{errors.New("pq: relation secret_table does not exist at 10.0.0.5"), 500, "Sorry, there is a problem with the service"},
		{apperr.NotFound("x"), 404, "Page not found"},
		{apperr.Forbidden(""), 403, "You do not have permission"},
		{apperr.Unavailable(errors.New("dial tcp 10.0.0.5:5432: connection refused")), 503, "Sorry, the service is unavailable"},
		{apperr.TooMany("Wait 15 minutes"), 429, "Too many attempts"},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/x", nil)
		s.adapt(func(http.ResponseWriter, *http.Request) error { return c.err })(w, r)
		body, _ := io.ReadAll(w.Body)
		if w.Code != c.status || !strings.Contains(string(body), c.heading) || !strings.Contains(string(body), "govuk-template") {
			t.Errorf("%v: status %d, want %d with %q", c.err, w.Code, c.status, c.heading)
		}
		for _, leak := range []string{"secret_table", "10.0.0.5", "pq:", "dial tcp"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("%v: page shows %q", c.err, leak)
			}
		}
	}
	if !strings.Contains(logs.String(), "secret_table") {
		t.Error("internal error not logged")
	}
}

func TestPanicBecomesThe500Page(t *testing.T) {
	cfg, _ := config.Load(func(string) string { return "" })
	s := &Server{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: secret detail") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret detail") {
		t.Fatalf("panic: %d %q", w.Code, w.Body.String())
	}
}
