//go:build loadbase

package server_test

import (
	"net/http"
	"testing"
)

// The bare handler is outside the session group, like the probes: anyone may call it in a
// loadbase build (which is never deployed); an empty form is refused with 400.
func init() { accessTable["POST /_baseline/notes"] = rule{raw, raw, raw, raw} }

// A build with -tags loadbase (make bench) mounts the bare handler, outside the session: no
// sign-in, no CSRF token, and the note is stored.
// Run: go test -tags loadbase -run TestBaselineMounted ./internal/server/
func TestBaselineMountedWithLoadbaseTag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := baselineForm(t, e, "baseline-mounted-key", "Volunteers at the mounted hub welcomed the timetable.")
	if status, body := postBaseline(t, e.ts.URL, f); status != http.StatusNoContent {
		t.Fatalf("POST /_baseline/notes with -tags loadbase: %d %s", status, body)
	}
	assertBaselineNote(t, e, f)
}
