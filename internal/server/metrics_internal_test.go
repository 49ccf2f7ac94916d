package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"thematic/internal/metrics"
)

// TestPanicIsCountedAsA500UnderItsRoute: the metrics middleware sits outside the recoverer, so a
// handler that panics is counted as the 500 the user got, under the route's pattern.
func TestPanicIsCountedAsA500UnderItsRoute(t *testing.T) {
	t.Parallel()
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: metrics.New(nil, nil)}
	r := chi.NewRouter()
	r.Use(s.instrument, s.recoverer)
	r.Get("/boom/{id}", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom/42", nil))

	rec := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `thematic_http_requests_total{code="500",method="GET",route="/boom/{id}"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics do not say %s", want)
	}
}
