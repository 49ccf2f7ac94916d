package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() {
	for k, v := range map[string]rule{
		"GET /manifest.webmanifest": {raw, raw, raw, raw},
		"GET /sw.js":                {raw, raw, raw, raw},
		"GET /offline":              public,
		"GET /offline/plan":         signedIn,
		"GET /session/csrf":         signedIn,
	} {
		accessTable[k] = v
	}
}

type plan struct {
	User      string    `json:"user"`
	KeepUntil time.Time `json:"keepUntil"`
	Shell     []string  `json:"shell"`
	Pages     []struct {
		URL, Kind, Title string
		Until            time.Time
	} `json:"pages"`
}

// offlineFixture is the safeguarding fixture moved to today: visit 1 (Ira Inspector on its team)
// runs today and tomorrow, visit 2 (nobody's) starts in three days. On visit 1 Ira has an
// ordinary note and a safeguarding concern, and Cass Carter (another inspector) a note.
func newOfflineFixture(t *testing.T) *sgFixture {
	t.Helper()
	f := newSGFixture(t)
	ctx := context.Background()
	for _, sql := range []string{
		`UPDATE reviews SET fieldwork_end = current_date + 40 WHERE id = $1 AND $2::uuid IS NOT NULL`,
		`UPDATE visits SET start_date = CASE WHEN id = $2 THEN current_date ELSE current_date + 3 END WHERE review_id = $1`,
		`UPDATE visit_days SET day = day + (current_date - date '2023-08-03') WHERE visit_id = $2 AND $1::uuid IS NOT NULL`,
		`UPDATE evidence_notes SET note_date = current_date WHERE review_id = $1 AND $2::uuid IS NOT NULL`,
	} {
		if _, err := f.e.db.Super.Exec(ctx, sql, f.reviewID, f.visit1); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return f
}

func offlineNote(t *testing.T, f *sgFixture, c *client, key, body string, safeguarding bool) (location string) {
	t.Helper()
	today := time.Now().UTC()
	v := url.Values{"idempotency_key": {key}, "source": {f.sourceID}, "note-date-day": {today.Format("2")},
		"note-date-month": {today.Format("1")}, "note-date-year": {today.Format("2006")}, "body": {body},
		"judgement": {"neutral"}, "action": {"save"}}
	if safeguarding {
		v.Set("safeguarding", "yes")
	}
	r := c.post(f.path("/visits/", f.visit1, "/notes"), v)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("note %q: %d\n%s", body, r.Status, r.Body)
	}
	return r.Location
}

// keptGet asks for path as the service worker does for a copy to keep.
func (c *client) keptGet(path string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.e.ts.URL+path, nil)
	req.Header.Set("X-Thematic-Offline", "fetch")
	return c.do(req)
}

func (c *client) plan() plan {
	c.t.Helper()
	r := c.get("/offline/plan")
	if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
		c.t.Fatalf("plan: %d %v\n%s", r.Status, r.Header, r.Body)
	}
	var p plan
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		c.t.Fatalf("plan %s: %v", r.Body, err)
	}
	return p
}

// TestOfflinePlanListsOnlyTheInspectorsOwnVisits: the plan of an inspector on a visit's team
// lists that visit's page and note form, nothing else; the copies the worker asks for carry the
// keep header and hold the inspector's own notes without any safeguarding concern or anyone
// else's note; the ordinary pages, and the pages of a visit they are not on, carry no keep header.
func TestOfflinePlanListsOnlyTheInspectorsOwnVisits(t *testing.T) {
	t.Parallel()
	f := newOfflineFixture(t)
	e := f.e
	ira := e.signedIn("inspector@demo.test")
	cass := e.signedIn("cqc.inspector@demo.test")
	const mine, others = "Own ordinary note: the hub opens at eight.", "Another inspector's note: the clinic is full."
	offlineNote(t, f, ira, "offline-concern", sgBody, true)
	offlineNote(t, f, cass, "offline-other", others, false)
	saved := offlineNote(t, f, ira, "offline-mine", mine, false)
	// The worker's fetch between the save and the next page leaves the flash for that page.
	ira.keptGet(f.path("/visits/", f.visit1))
	if r := ira.get(saved); !strings.Contains(r.Body, "Note saved") {
		t.Error("the worker's fetch took the flash message")
	}

	p := ira.plan()
	visit1 := f.path("/visits/", f.visit1)
	if len(p.Pages) != 2 || p.Pages[0].URL != visit1 || p.Pages[1].URL != visit1+"/notes/new" {
		t.Fatalf("Ira's plan pages: %+v", p.Pages)
	}
	var iraID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM users WHERE email = 'inspector@demo.test'`).Scan(&iraID); err != nil {
		t.Fatal(err)
	}
	if p.User != iraID {
		t.Errorf("plan user %q, want %q", p.User, iraID)
	}
	if d := time.Until(p.KeepUntil); d < 13*24*time.Hour || d > 15*24*time.Hour {
		t.Errorf("keep until %v", p.KeepUntil)
	}
	// The visit ends tomorrow: kept until two days after its last day.
	wantUntil := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 4)
	if !p.Pages[0].Until.Equal(wantUntil) {
		t.Errorf("visit kept until %v, want %v", p.Pages[0].Until, wantUntil)
	}
	if !strings.Contains(strings.Join(p.Shell, " "), "/static/app.") || !strings.Contains(strings.Join(p.Shell, " "), ".woff2") {
		t.Errorf("shell: %v", p.Shell)
	}

	kept := ira.keptGet(visit1)
	if kept.Status != http.StatusOK || kept.Header.Get("X-Thematic-Offline") != "keep" {
		t.Fatalf("kept visit page: %d %v", kept.Status, kept.Header)
	}
	if !strings.Contains(kept.Body, "Own ordinary note") {
		t.Errorf("the kept visit page lacks Ira's own note")
	}
	for _, never := range []string{"harm to a toddler", "safeguarding concern", "clinic is full"} {
		if strings.Contains(kept.Body, never) {
			t.Errorf("the kept visit page holds %q", never)
		}
	}
	if !strings.Contains(kept.Body, "data-kept-copy") || strings.Contains(kept.Body, "data-idle-seconds") {
		t.Error("the kept visit page does not say it is a kept copy, or would sign itself out")
	}
	// The page as the inspector reads it online is not to be kept (it lists the concern).
	online := ira.get(visit1)
	if online.Header.Get("X-Thematic-Offline") != "" || !strings.Contains(online.Body, "harm to a toddler") {
		t.Errorf("the online visit page: keep header %q", online.Header.Get("X-Thematic-Offline"))
	}
	form := ira.keptGet(visit1 + "/notes/new")
	if form.Status != http.StatusOK || form.Header.Get("X-Thematic-Offline") != "keep" {
		t.Fatalf("kept note form: %d %v", form.Status, form.Header)
	}
	if !strings.Contains(form.Body, `name="idempotency_key" value=""`) {
		t.Error("the kept note form has an idempotency key written in")
	}
	if h := ira.get(visit1 + "/notes/new").Header.Get("X-Thematic-Offline"); h != "" {
		t.Errorf("the online note form says keep: %q", h)
	}
	// A visit Ira is not on, and the other pages of the review, are never kept.
	for _, path := range []string{f.path("/visits/", f.visit2), f.path("/visits/", f.visit2, "/notes/new"), f.path("/evidence"),
		f.path("/notes/", f.noteID), "/", "/visits"} {
		if r := ira.keptGet(path); r.Header.Get("X-Thematic-Offline") != "" {
			t.Errorf("%s carries the keep header (%d)", path, r.Status)
		}
	}

	// The lead (not on the team), the contact and the other tenant's admin keep no pages; a
	// lead's copy has no safeguarding banner.
	lead := e.signedIn("lead@demo.test")
	for email, c := range map[string]*client{"lead": lead, "contact": e.signedIn("la.contact@demo.test"),
		"other tenant": e.signedIn("admin@other.test"), "cass": cass} {
		if p := c.plan(); len(p.Pages) != 0 {
			t.Errorf("%s's plan: %+v", email, p.Pages)
		}
		if r := c.keptGet(visit1); r.Header.Get("X-Thematic-Offline") != "" || strings.Contains(r.Body, "harm to a toddler") {
			t.Errorf("%s: visit 1 kept or holds the concern (%d)", email, r.Status)
		}
	}
	if r := lead.get(visit1); !strings.Contains(r.Body, "1 open safeguarding concern") {
		t.Error("the lead's ordinary page lost its banner")
	}
	if r := lead.keptGet(visit1); strings.Contains(r.Body, "safeguarding concern") {
		t.Error("a copy for the device names a safeguarding concern")
	}
	// Signed out: the plan sends to sign in, which the worker takes as "clear everything".
	if r := e.client().get("/offline/plan"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Errorf("anonymous plan: %d %s", r.Status, r.Location)
	}
}

// TestOfflineShellFiles: the worker at the root with its headers, the manifest, the offline page
// (kept, the same for everyone), the session's token for a kept form, and sign-out's
// Clear-Site-Data.
func TestOfflineShellFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	sw := anon.get("/sw.js")
	if sw.Status != http.StatusOK || !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") ||
		sw.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(sw.Body, "addEventListener('fetch'") {
		t.Errorf("sw.js: %d %v", sw.Status, sw.Header)
	}
	if csp := sw.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "worker-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP: %s", csp)
	}
	m := anon.get("/manifest.webmanifest")
	var man struct {
		Name, ShortName, StartURL, Scope, Display, ThemeColor string
		Icons                                                 []struct{ Src, Sizes, Purpose string }
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer(`"short_name"`, `"ShortName"`, `"start_url"`, `"StartURL"`,
		`"theme_color"`, `"ThemeColor"`).Replace(m.Body)), &man); err != nil || m.Header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest: %v %v", err, m.Header)
	}
	if man.StartURL != "/" || man.Scope != "/" || man.Display != "standalone" || man.ShortName == "" || len(man.Icons) != 3 {
		t.Errorf("manifest: %+v", man)
	}
	for _, icon := range man.Icons {
		r := anon.get(icon.Src)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Thematic-Offline") != "keep" {
			t.Errorf("icon %s: %d %v", icon.Src, r.Status, r.Header)
		}
	}

	ira := e.signedIn("inspector@demo.test")
	home := ira.get("/")
	if !strings.Contains(home.Body, `<link rel="manifest" href="/manifest.webmanifest">`) || !strings.Contains(home.Body, `rel="apple-touch-icon"`) {
		t.Error("the layout does not link the manifest")
	}
	off := ira.get("/offline")
	if off.Status != http.StatusOK || off.Header.Get("X-Thematic-Offline") != "keep" || strings.Contains(off.Body, "Ira") ||
		strings.Contains(off.Body, "csrf_token") {
		t.Errorf("offline page: %d %v", off.Status, off.Header)
	}

	// The session's token, as a kept form asks for it before sending its queue.
	tok := ira.get("/session/csrf")
	var body struct{ Token string }
	if err := json.Unmarshal([]byte(tok.Body), &body); err != nil || body.Token == "" || tok.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("session token: %s %v", tok.Body, err)
	}
	if r := ira.postRaw("/session/extend", url.Values{"csrf_token": {body.Token}}); r.Status != http.StatusSeeOther {
		t.Errorf("a post with the fresh token: %d", r.Status)
	}

	out := ira.post("/sign-out", nil)
	if out.Status != http.StatusSeeOther || out.Header.Get("Clear-Site-Data") != `"cache", "storage"` {
		t.Errorf("sign-out: %d Clear-Site-Data %q", out.Status, out.Header.Get("Clear-Site-Data"))
	}
	if r := ira.get("/sign-in"); !strings.Contains(r.Body, "data-signed-out") {
		t.Error("the page after signing out is not marked for the script to clear the device")
	}
	if r := ira.get("/offline/plan"); r.Status != http.StatusSeeOther {
		t.Errorf("plan after sign-out: %d", r.Status)
	}
}
