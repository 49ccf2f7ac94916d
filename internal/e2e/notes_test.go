package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// ntVisit is visReview's review with a two-day visit to Sunderland (10 and 11 March 2025).
func ntVisit(t *testing.T, env *testenv.Env) (reviewID, visitID string) {
	t.Helper()
	reviewID, sunderland, _, _ := visReview(t, env)
	var tenantID string
	ctx := context.Background()
	if err := env.DB.Super.QueryRow(ctx, `SELECT tenant_id FROM reviews WHERE id = $1`, reviewID).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
		VALUES ($1, $2, $3, '2025-03-10', 2) RETURNING id`, tenantID, reviewID, sunderland).Scan(&visitID); err != nil {
		t.Fatal(err)
	}
	return reviewID, visitID
}

// noScript stops the tab's pages from running any script of their own (before its first page), as
// for a user without JavaScript: every script file is blocked, and the Content-Security-Policy
// forbids inline scripts and handlers. (Emulation.setScriptExecutionDisabled would also stop
// axe-core, which the test runs on every page: its promise never settles.)
func (b *B) noScript() {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/*.js", Block: true}}})
		return err
	}))
}

// waitJS waits until a JavaScript expression is true in the page.
func (b *B) waitJS(expr, what string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		status, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('[data-note-status]') || {}).textContent || ''`))
		b.t.Fatalf("waiting for %s: %v (status line: %q)", what, err, status)
	}
}

// waitStatus waits until the note status line says want.
func (b *B) waitStatus(want string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`((document.querySelector('[data-note-status]') || {}).textContent || '').includes(%q)`, want), fmt.Sprintf("the status %q", want))
}

// ntCount counts a review's notes with this text.
func ntCount(t *testing.T, env *testenv.Env, reviewID, body string) int {
	t.Helper()
	var n int
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND body = $2`,
		reviewID, body).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJourneyRecordNoteWithoutJavaScriptHelpers records a note through the plain form with
// JavaScript turned off in the browser, answers the personal data guard, reads the note and its
// history, deletes it and undoes that; a double click on save makes one note; axe checks every page.
func TestJourneyRecordNoteWithoutJavaScriptHelpers(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := ntVisit(t, env)
	b := newB(t, env)
	b.noScript()
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit("/reviews/" + reviewID + "/visits/" + visitID)
	if js, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.body.classList.contains('js-enabled')`)); js {
		t.Fatal("the page ran its scripts")
	}
	b.ClickLink("Record a note")
	b.Expect("Record a note")
	b.Check("source")
	b.Fill("note-date-day", "11")
	b.Fill("body", "Mrs Smith said the hub was easy to reach.")
	b.Fill("tags", "Access")
	b.Check("judgement")
	b.Submit("button[value=save]")
	b.Expect("There is a problem")
	b.Expect("I have checked: this is not personal data, keep it")
	b.Check("confirm-personal-data")
	b.Submit("button[value=save]")
	b.Expect("Note saved")
	b.Expect("Mrs Smith said the hub was easy to reach.")
	b.Expect("Recorded by Ira Inspector")
	note := b.Path()
	b.ClickLink("Change the note")
	b.Expect("Change the note")
	b.Visit(note)
	b.Submit("form[action$='/delete'] button")
	b.Expect("Note deleted")
	b.Submit("form[action$='/restore'] button")
	b.Expect("Note restored")
	b.Expect("Deleted by Ira Inspector")
	if b.Has("[data-note-status]:not([hidden])") || b.Has("body.js-enabled") {
		t.Error("the page ran its scripts")
	}

	// A double click on "Save note" posts the form twice with one idempotency key: one note.
	b.Visit("/reviews/" + reviewID + "/visits/" + visitID + "/notes/new")
	b.Check("source")
	b.Fill("body", "Two clicks, one note about the stay and play session.")
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	b.do(chromedp.DoubleClick(chromedp.CSS("button[value=save]")))
	b.waitNewPage()
	b.Axe()
	b.Expect("Note saved")
	if n := ntCount(t, env, reviewID, "Two clicks, one note about the stay and play session."); n != 1 {
		t.Fatalf("%d notes after a double click, want 1", n)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestJourneyRecordNoteWithJavaScript saves notes in the background ("Saved", the form ready for
// the next note with source and date kept), suggests themes as they are typed, keeps a draft
// through a reload, and makes one note of a double click; axe checks every state.
func TestJourneyRecordNoteWithJavaScript(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := ntVisit(t, env)
	form := "/reviews/" + reviewID + "/visits/" + visitID + "/notes/new"
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit(form)
	b.waitJS(`document.querySelector('[data-note-status]') && !document.querySelector('[data-note-status]').hidden`, "the status line")
	keyOf := func() string {
		k, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('input[name="idempotency_key"]').value`))
		return k
	}
	firstKey := keyOf()
	b.Check("source")
	b.Fill("note-date-day", "11")
	const text = "Parents said the hub was easy to reach by bus."
	b.Fill("body", text)
	b.Fill("tags", "Access, Outreach")
	b.Check("judgement")
	b.do(chromedp.Click(chromedp.CSS("button[value=save]")))
	b.waitStatus("Saved")
	b.Axe()
	if p := b.Path(); p != form {
		t.Errorf("the page changed to %s", p)
	}
	if n := ntCount(t, env, reviewID, text); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	// Ready for the next note: text cleared, source and date kept, a fresh key.
	body, _ := b.value("body")
	day, _ := b.value("note-date-day")
	key := keyOf()
	source, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById('source').checked`))
	if body != "" || day != "11" || !source || key == firstKey || !uuidRE.MatchString(key) {
		t.Errorf("after saving: body %q, day %q, source kept %v, key %q (was %q)", body, day, source, key, firstKey)
	}
	if d, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`Object.keys(localStorage).filter(k => k.startsWith('thematic-draft:')).length`)); d != 0 {
		t.Errorf("%d drafts left after saving", d)
	}
	b.ClickLink("View the note")
	b.Expect(text)
	b.Expect("Access; Outreach")

	// A double click on save: one note.
	b.Visit(form)
	b.Check("source")
	const twice = "Clicked twice: the note about the baby massage group."
	b.Fill("body", twice)
	b.do(chromedp.DoubleClick(chromedp.CSS("button[value=save]")))
	b.waitStatus("Saved")
	b.Axe()
	if n := ntCount(t, env, reviewID, twice); n != 1 {
		t.Fatalf("%d notes after a double click, want 1", n)
	}

	// Ctrl+Enter in the text saves the note, as "Save and add another", and the text keeps the
	// focus for the next one; the shortcut is said on the page and to assistive technology.
	b.Visit(form)
	b.Check("source")
	const keyed = "Saved from the keyboard: the stay-and-play session was full."
	b.Fill("body", keyed)
	b.Expect("Shortcut: press Ctrl and Enter (Cmd and Enter on a Mac) to save and add another.")
	if k, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('button[value=another]').getAttribute('aria-keyshortcuts')`)); k != "Control+Enter Meta+Enter" {
		t.Errorf("aria-keyshortcuts %q", k)
	}
	b.do(chromedp.Focus(chromedp.CSS("#body")), chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	b.waitStatus("Saved")
	if n := ntCount(t, env, reviewID, keyed); n != 1 {
		t.Fatalf("%d notes after Ctrl+Enter, want 1", n)
	}
	if id, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.id`)); id != "body" {
		t.Errorf("after Ctrl+Enter the focus is on %q, want the text", id)
	}
	if v, _ := b.value("body"); v != "" {
		t.Errorf("text after Ctrl+Enter: %q", v)
	}
	b.Axe()

	// A draft survives a reload, and can be discarded.
	b.Visit(form)
	const draft = "Half-written note about the toy library"
	b.Fill("body", draft)
	b.Fill("tags", "Play")
	b.waitJS(fmt.Sprintf(`Object.keys(localStorage).some(k => k.startsWith('thematic-draft:') && localStorage.getItem(k).includes(%q))`, draft), "the draft to be kept")
	b.do(chromedp.Reload())
	b.waitJS(`!!document.querySelector('[data-draft-notice]')`, "the draft to be restored")
	b.Axe()
	b.Expect("Draft restored from this device")
	if v, _ := b.value("body"); v != draft {
		t.Errorf("restored text %q, want %q", v, draft)
	}
	if v, _ := b.value("tags"); v != "Play" {
		t.Errorf("restored themes %q", v)
	}

	// Themes: each suggestion completes the theme being typed, most used first.
	b.Fill("tags", "Play, out")
	opts, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#tags-list option'), o => o.value)`))
	if err != nil || len(opts) == 0 || opts[0] != "Play, Outreach" {
		t.Errorf("suggestions for %q: %v %v", "Play, out", opts, err)
	}
	b.Fill("tags", "")
	b.do(chromedp.SendKeys(chromedp.CSS("#tags"), "ac"))
	opts, _ = chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#tags-list option'), o => o.value)`))
	if len(opts) == 0 || opts[0] != "Access" || strings.Contains(strings.Join(opts, "|"), "Play") {
		t.Errorf("suggestions for %q: %v", "ac", opts)
	}

	b.do(chromedp.Click(chromedp.CSS("[data-draft-notice] button")))
	b.waitJS(`!document.querySelector('[data-draft-notice]')`, "the draft notice to go")
	b.Axe()
	if v, _ := b.value("body"); v != "" {
		t.Errorf("text after discarding the draft: %q", v)
	}
	if d, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`Object.keys(localStorage).filter(k => k.startsWith('thematic-draft:')).length`)); d != 0 {
		t.Errorf("%d drafts left after discarding", d)
	}
}
