package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

var ctFeedRE = regexp.MustCompile(`value="(http://[^"]+/calendar/([A-Za-z0-9_-]{43})\.ics)"`)

// ctFeedPath makes the user's calendar address and returns its path.
func ctFeedPath(t *testing.T, c *client) string {
	t.Helper()
	r := c.post("/account/calendar", nil)
	vtWant(t, r, http.StatusOK, "Your calendar address is ready", "Subscribe from web", "Add calendar")
	m := ctFeedRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no feed address on the page:\n%s", r.Body)
	}
	return "/calendar/" + m[2] + ".ics"
}

func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	ctx := context.Background()

	// Ira Inspector also belongs to another tenant, where they are on a visit on 10 March 2025 too.
	var otherVisit string
	var otherTenant string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&otherTenant); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: otherTenant}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, otherTenant, "other-inspectorate", "Other Inspectorate"); err != nil {
			return err
		}
		ira := f.users["inspector@demo.test"]
		if err := user.AddMember(ctx, tx, otherTenant, ira, auth.RoleStaff); err != nil {
			return err
		}
		id, err := review.Create(ctx, tx, otherTenant, ira, review.Review{Title: "Secret review"})
		if err != nil {
			return err
		}
		var area, member string
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000046') RETURNING id`,
			otherTenant, id).Scan(&area); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM review_members WHERE tenant_id = $1 AND review_id = $2`, otherTenant, id).Scan(&member); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2025-03-10', 1) RETURNING id`,
			otherTenant, id, area).Scan(&otherVisit); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES ($1, $2, $3, $4, '2025-03-10')`,
			otherTenant, otherVisit, member, ira)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	ira := e.signedIn("inspector@demo.test")
	vtWant(t, ira.get("/account/calendar"), http.StatusOK, "Your visits in your calendar", "Make my calendar address")
	feed := ctFeedPath(t, ira)

	// No session: a calendar program.
	anon := e.client()
	r := anon.get(feed)
	if r.Status != http.StatusOK {
		t.Fatalf("feed: %d\n%s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	body := strings.ReplaceAll(r.Body, "\r\n ", "") // unfold
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "METHOD:PUBLISH\r\n", "X-WR-CALNAME:Visits – Demo Inspectorate\r\n",
		"UID:" + f.visitA + "-20250310@thematic\r\n", "DTSTART;VALUE=DATE:20250310\r\n", "DTEND;VALUE=DATE:20250312\r\n",
		"SUMMARY:Visit: Sunderland – " + vtTitle + "\r\n", "LOCATION:Sunderland\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("feed lacks %q", want)
		}
	}
	// Only Ira's visits: not Cass's visit to Torbay, not the other tenant's visit.
	for _, not := range []string{f.visitB, otherVisit, "Secret review"} {
		if strings.Contains(body, not) {
			t.Errorf("feed holds %q, which is not Ira's in this tenant", not)
		}
	}
	if e.auditCount("calendar_feed.created") != 1 {
		t.Error("making the address is not audited")
	}
	// The address itself is never stored.
	token := strings.TrimSuffix(strings.TrimPrefix(feed, "/calendar/"), ".ics")
	var n int
	if err := e.db.Super.QueryRow(ctx, `SELECT count(*) FROM calendar_feeds WHERE token_hash = $1`, auth.HashToken(token)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored hash: %v %d", err, n)
	}

	// Wrong or malformed tokens.
	for _, p := range []string{"/calendar/" + strings.Repeat("A", 43) + ".ics", "/calendar/nope.ics", "/calendar/" + token[:42] + ".ics"} {
		if r := anon.get(p); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.Status)
		}
	}

	// A new address ends the old one.
	feed2 := ctFeedPath(t, ira)
	if r := anon.get(feed); r.Status != http.StatusNotFound {
		t.Errorf("replaced address: %d, want 404", r.Status)
	}
	if r := anon.get(feed2); r.Status != http.StatusOK {
		t.Errorf("new address: %d", r.Status)
	}
	// Stopping the feed ends it.
	r = ira.post("/account/calendar/revoke", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if r := anon.get(feed2); r.Status != http.StatusNotFound {
		t.Errorf("revoked address: %d, want 404", r.Status)
	}
	if e.auditCount("calendar_feed.revoked") != 1 {
		t.Error("stopping the feed is not audited")
	}
	vtWant(t, ira.get("/account/calendar"), http.StatusOK, "Make my calendar address")
}

// A local authority contact's feed holds their area's visit; a deactivated member's feed stops.
func TestCalendarFeedContactAndDeactivated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	feed := ctFeedPath(t, contact)
	anon := e.client()
	r := anon.get(feed)
	body := strings.ReplaceAll(r.Body, "\r\n ", "")
	if r.Status != http.StatusOK || !strings.Contains(body, "UID:"+f.visitA+"-20250310@thematic") || strings.Contains(body, f.visitB) {
		t.Fatalf("contact's feed: %d\n%s", r.Status, r.Body)
	}
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE memberships SET deactivated_at = now() WHERE tenant_id = $1 AND user_id = $2`,
		f.tenantID, f.users["la.contact@demo.test"]); err != nil {
		t.Fatal(err)
	}
	if r := anon.get(feed); r.Status != http.StatusNotFound {
		t.Errorf("deactivated member's feed: %d, want 404", r.Status)
	}
}
