//go:build loadbase

package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"thematic/internal/loadbase"
	"thematic/internal/server"
)

// The reference routes are outside the session group, like the probes: anyone may call them in a
// loadbase build (which is never deployed); an empty form is refused with 400.
func init() {
	accessTable["POST "+server.DomainBaselinePath] = rule{raw, raw, raw, raw}
	accessTable["POST "+server.BareBaselinePath] = rule{raw, raw, raw, raw}
}

// A build with -tags loadbase (make bench) mounts both references, outside the session: no
// sign-in, no CSRF token, and the note is stored.
// Run: go test -tags loadbase -run TestBaselineMounted ./internal/server/
func TestBaselineMountedWithLoadbaseTag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := baselineForm(t, e, "baseline-mounted-key", "Volunteers at the mounted hub welcomed the timetable.")
	if status, body := postBaseline(t, e.ts.URL, f); status != http.StatusNoContent {
		t.Fatalf("POST %s with -tags loadbase: %d %s", server.DomainBaselinePath, status, body)
	}
	assertBaselineNote(t, e, f)

	ctx := context.Background()
	if err := loadbase.Prepare(ctx, e.db.OwnerURL); err != nil {
		t.Fatal(err)
	}
	var area string
	if err := e.db.Super.QueryRow(ctx, `SELECT area_id FROM visits WHERE id = $1`, f.Get("visit_id")).Scan(&area); err != nil {
		t.Fatal(err)
	}
	bare := url.Values{}
	for k, v := range f {
		bare[k] = v
	}
	bare.Set("area_id", area)
	bare.Set("idempotency_key", "bare-mounted-key")
	res, err := http.PostForm(e.ts.URL+server.BareBaselinePath, bare)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var n int
	if err := e.db.Super.QueryRow(ctx, `SELECT count(*) FROM bench_notes n JOIN bench_note_action_areas l
		ON l.tenant_id = n.tenant_id AND l.note_id = n.id WHERE n.idempotency_key = 'bare-mounted-key'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusNoContent || n != 1 {
		t.Errorf("POST %s: %d, %d note links stored; want 204 and 1", server.BareBaselinePath, res.StatusCode, n)
	}
}
