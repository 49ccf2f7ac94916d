package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// shellVisit is a visit running today and tomorrow, with Ira Inspector on its team, in a review
// whose fieldwork is under way.
func shellVisit(t *testing.T, env *testenv.Env) (reviewID, visitID string) {
	t.Helper()
	reviewID, sunderland, _, ira := visReview(t, env)
	ctx := context.Background()
	err := env.DB.Super.QueryRow(ctx, `WITH r AS (
			UPDATE reviews SET fieldwork_start = current_date - 10, fieldwork_end = current_date + 30 WHERE id = $1
			RETURNING tenant_id)
		INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
		SELECT tenant_id, $1, $2, current_date, 2 FROM r RETURNING id`, reviewID, sunderland).Scan(&visitID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Super.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day)
		SELECT m.tenant_id, $1, m.id, m.user_id, d FROM review_members m,
			(VALUES (current_date), (current_date + 1)) AS days(d) WHERE m.id = $2`, visitID, ira); err != nil {
		t.Fatal(err)
	}
	return reviewID, visitID
}

// eval runs a script (a promise is awaited) and decodes its JSON answer into dst.
func (b *B) eval(js string, dst any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(async () => JSON.stringify(await (`+js+`)))()`,
		func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.t.Fatalf("script %s: %v", js, err)
	}
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		b.t.Fatalf("script result %q: %v", raw, err)
	}
}

// keptURLs lists the paths the service worker keeps in Cache Storage.
func (b *B) keptURLs() []string {
	b.t.Helper()
	var out []string
	b.eval(`(async () => {
		const out = []
		for (const name of await caches.keys()) {
			for (const req of await (await caches.open(name)).keys()) out.push(name + ' ' + new URL(req.url).pathname)
		}
		return out
	})()`, &out)
	return out
}

// offline cuts the tab off the network and tells the page (navigator.onLine and the online and
// offline events); false brings it back. emulateOfflineServiceWorker is asked for too, but the
// worker's own fetches still went out in a trial (Chromium 156): the test also makes the service
// unreachable (testenv's SetReachable).
// emulateByRule is Network.emulateNetworkConditionsByRule with the parameters Chromium 148 reads.
var emulateByRule = cdp.Command[emulateByRuleParams, struct{}]{Method: network.CommandEmulateNetworkConditionsByRule}

type emulateByRuleParams struct {
	Offline                     bool                  `json:"offline"`
	EmulateOfflineServiceWorker bool                  `json:"emulateOfflineServiceWorker"`
	MatchedNetworkConditions    []*network.Conditions `json:"matchedNetworkConditions"`
}

func (b *B) offline(off bool) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		// Chromium 148 takes "offline" at the top level of the rule command (cdproto v0.159.0 has
		// it in each rule only), so the command is sent with both.
		if _, err := cdp.Call(ctx, t, emulateByRule, emulateByRuleParams{Offline: off, EmulateOfflineServiceWorker: off,
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			return fmt.Errorf("emulate by rule: %w", err)
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off,
			DownloadThroughput: -1, UploadThroughput: -1})
		if err != nil {
			return fmt.Errorf("override network state: %w", err)
		}
		return nil
	}))
}

// TestJourneyOfflineAppShell: an inspector opens their visit with a connection; the service worker
// keeps the visit's page and note form. Offline, the reloaded visit page and the note form still
// open (kept copies), a page that was not kept shows the offline page listing the kept visit, and
// two notes are written and queued. One of them uses a source the lead removes meanwhile: back
// online (the kept page's token stale, as after a new session), the other arrives once, and this one comes back as needing attention with the reason,
// opens into the form, and is sent once after the inspector picks another source. Signing out
// with a note still on the device warns first (staying signed in keeps it), then leaves no cache,
// no queue and no worker. A kept page whose time is up is not shown.
func TestJourneyOfflineAppShell(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := shellVisit(t, env)
	visitPath := "/reviews/" + reviewID + "/visits/" + visitID
	formPath := visitPath + "/notes/new"
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit(visitPath)

	// The worker takes over and keeps the visit's page and form, and the shell.
	deadline := time.Now().Add(20 * time.Second)
	for {
		kept := strings.Join(b.keptURLs(), "\n")
		if strings.Contains(kept, " "+visitPath+"\n") && strings.Contains(kept, " "+formPath) && strings.Contains(kept, "thematic-shell /offline") &&
			strings.Contains(kept, "/offline/plan") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not keep the visit; Cache Storage holds:\n%s", kept)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var controlled bool
	b.eval(`navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)`, &controlled)
	if !controlled {
		b.do(chromedp.Reload())
	}
	statements := env.Statements()

	// No connection: the visit page and the note form open from the device.
	// The page's emulation does not reach the worker's own fetches (it is a target of its own: in
	// a trial the reload below reached the service through the worker), so the service is made
	// unreachable as well.
	b.offline(true)
	env.SetReachable(false)
	var pageFetch string
	b.eval(`fetch('/healthz').then(() => 'reached', () => 'failed')`, &pageFetch)
	if pageFetch != "failed" {
		t.Fatalf("the page still reaches the service: %s", pageFetch)
	}
	b.do(chromedp.Reload())
	b.Expect("Visit to Sunderland")
	b.Expect("kept on this device")
	b.Axe()
	b.Visit(formPath)
	b.Expect("Record a note")
	b.waitJS(`document.querySelector('input[name="idempotency_key"]').value !== ''`, "a fresh idempotency key")
	var entry struct{ Start, End string }
	b.eval(`caches.match('/offline/plan').then((r) => r.json()).then((p) => p.pages.find((x) => x.url === location.pathname))`, &entry)
	if today := time.Now().Format(time.DateOnly); entry.Start != today {
		t.Errorf("the kept plan's form entry: %+v", entry)
	}
	if v, _ := b.value("note-date-day"); v != time.Now().Format("2") {
		t.Errorf("the kept form offers day %q", v)
	}
	// A page that was not kept: the offline page, listing the kept visit.
	b.Visit("/reviews")
	b.Expect("You are offline")
	b.waitJS(`!!document.querySelector('[data-offline-list] a[href="`+visitPath+`"]')`, "the kept visit listed")
	b.Axe()
	// A kept page whose time is up is no longer shown, and goes (its time set in the past here).
	var expired bool
	b.eval(`(async () => {
		const name = (await caches.keys()).find((n) => n.startsWith('thematic-pages-'))
		const cache = await caches.open(name)
		const plan = await (await cache.match('/offline/plan')).json()
		plan.pages.find((p) => p.url === '`+visitPath+`').until = '2020-01-01T00:00:00Z'
		await cache.put('/offline/plan', new Response(JSON.stringify(plan)))
		return true
	})()`, &expired)
	b.Visit(visitPath)
	b.Expect("You are offline")
	if kept := strings.Join(b.keptURLs(), "\n"); strings.Contains(kept, " "+visitPath+"\n") {
		t.Errorf("the expired visit page is still kept:\n%s", kept)
	}
	b.Visit(formPath)

	// Two notes written offline; the second with a source the lead then removes.
	const first, second = "Offline shell one: the hub's café was busy with parents.", "Offline shell two: the questionnaire was on the wall."
	b.Check("source")
	b.Fill("body", first)
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#photos"), []string{phPhoto(t, "shell1.jpg", "SHELL-MARKER-1")}))
	b.do(chromedp.Click(chromedp.CSS("button[value=another]")))
	b.waitStatus("Offline – 1 note waiting to send")
	time.Sleep(1100 * time.Millisecond) // GOV.UK Frontend ignores a second click within a second
	var removed string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT id FROM evidence_sources WHERE review_id = $1 AND name = 'Questionnaire'`,
		reviewID).Scan(&removed); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[name=source][value="` + removed + `"]`)))
	b.Fill("body", second)
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#photos"), []string{phPhoto(t, "shell2.jpg", "SHELL-MARKER-2")}))
	b.do(chromedp.Click(chromedp.CSS("button[value=another]")))
	b.waitStatus("Offline – 2 notes waiting to send")
	b.Axe()
	if n := ntCount(t, env, reviewID, first) + ntCount(t, env, reviewID, second); n != 0 {
		t.Fatalf("%d notes reached the database while offline", n)
	}
	if env.Statements() != statements {
		t.Errorf("the service was reached while the browser was offline (%d statements)", env.Statements()-statements)
	}
	if _, err := env.DB.Super.Exec(context.Background(), `DELETE FROM evidence_sources WHERE id = $1`, removed); err != nil {
		t.Fatal(err)
	}

	// As for a form kept in an earlier session, the page's token is no longer the session's: the
	// queue asks for the current one before sending (notes.js keptCSRF).
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name="csrf_token"]').forEach((i) => { i.value = 'A'.repeat(86) })`))

	// Back online: the first arrives once; the second needs attention, with the reason.
	env.SetReachable(true)
	b.offline(false)
	b.waitStatus("1 queued note needs your attention")
	b.Axe()
	if n := ntCount(t, env, reviewID, first); n != 1 {
		t.Errorf("the first note saved %d times", n)
	}
	if n := ntCount(t, env, reviewID, second); n != 0 {
		t.Errorf("the note with the removed source saved %d times", n)
	}
	b.Expect("Offline shell two")
	if q := b.queueJSON(); !strings.Contains(q, `"state":"attention"`) || !strings.Contains(q, "source") {
		t.Errorf("queue: %s", q)
	}
	if reason := b.Text("[data-note-queue]"); !strings.Contains(reason, "Select where the evidence came from") {
		t.Errorf("the reason is not shown: %q", reason)
	}
	b.do(chromedp.Click(chromedp.CSS("[data-note-queue] button")))
	b.waitJS(`document.getElementById('body').value.includes('Offline shell two')`, "the queued note in the form")
	// Its photo comes back into the form with it: resolving the conflict loses nothing.
	b.waitJS(`document.getElementById('photos').files.length === 1`, "the queued note's photo in the form")
	b.Expect("attached again")
	time.Sleep(1100 * time.Millisecond)
	b.Check("source")
	b.do(chromedp.Click(chromedp.CSS("button[value=another]")))
	b.waitStatus("Saved.")
	if n := ntCount(t, env, reviewID, second); n != 1 {
		t.Errorf("the reopened note saved %d times", n)
	}
	// Each arrived with its photo (content and display copy), EXIF gone from the stored bytes.
	for i, body := range []string{first, second} {
		stored := phStored(t, env, reviewID, body)
		if len(stored) != 2 {
			t.Errorf("note %d arrived with %d stored images, want its photo and display copy", i+1, len(stored))
		}
		phNoExif(t, stored, fmt.Sprintf("SHELL-MARKER-%d", i+1))
	}
	if q := b.queueJSON(); q != "[]" {
		t.Errorf("queue after sending: %s", q)
	}

	// Signing out with a note still on the device: the page warns; going on clears everything.
	b.queuePut(`[{"key":"left-behind","action":"` + visitPath + `/notes","fields":[["body","Left behind"]],"owner":"x",` +
		`"label":"Left behind","state":"attention","queuedAt":1}]`)
	b.do(chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
	b.waitJS(`!!document.querySelector('[data-sign-out-warning]')`, "the warning about unsent notes")
	b.Expect("1 note on this device has not been sent")
	b.Axe()
	// Staying signed in keeps everything.
	b.do(chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Stay signed in" and ancestor::*[@data-sign-out-warning]]`)))
	b.waitJS(`!document.querySelector('[data-sign-out-warning]')`, "the warning gone")
	if q := b.queueJSON(); !strings.Contains(q, "left-behind") || b.Path() != formPath {
		t.Fatalf("after staying signed in, at %s the queue holds %s", b.Path(), q)
	}
	time.Sleep(1100 * time.Millisecond)
	b.do(chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
	b.waitJS(`!!document.querySelector('[data-sign-out-warning]')`, "the warning about unsent notes, again")
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	b.do(chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Sign out and lose the note"]`)))
	b.waitNewPage()
	b.Expect("You have been signed out.")
	var left struct {
		Caches  []string
		DBs     []string
		Storage []string
		Workers int
	}
	b.waitJS(`true`, "the page")
	time.Sleep(500 * time.Millisecond) // the page's own clearing, after the response's Clear-Site-Data
	b.eval(`(async () => ({
		Caches: await caches.keys(),
		DBs: (await indexedDB.databases()).map((d) => d.name),
		Storage: Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter((k) => k.startsWith('thematic-')),
		Workers: (await navigator.serviceWorker.getRegistrations()).length
	}))()`, &left)
	if len(left.Caches) != 0 || len(left.Storage) != 0 || left.Workers != 0 {
		t.Errorf("after signing out the device holds %+v", left)
	}
	for _, name := range left.DBs {
		if name == "thematic-notes" {
			t.Errorf("after signing out the notes database is still there: %+v", left)
		}
	}
}
