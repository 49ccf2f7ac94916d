//go:build !loadbase

package server_test

import (
	"context"
	"net/http"
	"testing"

	"thematic/internal/server"
)

// A normal build has no baseline routes: without a session the POST is refused (403, as any
// form without a CSRF token), and even signed in, with the token, the path is not found (404).
// Nothing is stored either way.
func TestBaselineRouteAbsentFromNormalBuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := baselineForm(t, e, "baseline-absent-key", "Practitioners at the absent hub described a timetable.")
	if status, _ := postBaseline(t, e.ts.URL, f); status != http.StatusForbidden {
		t.Errorf("POST %s with no session in a normal build: %d, want 403", server.DomainBaselinePath, status)
	}
	for _, path := range []string{server.DomainBaselinePath, server.BareBaselinePath} {
		f.Del("csrf_token") // each new session's own token
		if r := e.signedIn("lead@demo.test").post(path, f); r.Status != http.StatusNotFound {
			t.Errorf("POST %s signed in, in a normal build: %d, want 404", path, r.Status)
		}
	}
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE body = $1`,
		f.Get("body")).Scan(&n); err != nil || n != 0 {
		t.Fatalf("notes stored: %d (%v), want 0", n, err)
	}
}
