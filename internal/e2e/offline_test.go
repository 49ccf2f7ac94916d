package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// queueJSON reads the browser's queue of notes waiting to be sent, as JSON.
func (b *B) queueJSON() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`new Promise((resolve, reject) => {
		const r = indexedDB.open('thematic-notes', 1)
		r.onerror = () => reject(r.error)
		r.onsuccess = () => {
			const db = r.result
			const q = db.transaction('queue').objectStore('queue').getAll()
			q.onsuccess = () => { db.close(); resolve(JSON.stringify(q.result)) }
			q.onerror = () => reject(q.error)
		}
	})`, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.t.Fatalf("read the queue: %v", err)
	}
	return s
}

// queuePut puts notes (JSON, as queueJSON gives them) back into the browser's queue.
func (b *B) queuePut(items string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`new Promise((resolve, reject) => {
		const items = %s
		const r = indexedDB.open('thematic-notes', 1)
		r.onerror = () => reject(r.error)
		r.onsuccess = () => {
			const db = r.result
			const tx = db.transaction('queue', 'readwrite')
			for (const it of items) tx.objectStore('queue').put(it)
			tx.oncomplete = () => { db.close(); resolve(true) }
			tx.onerror = () => reject(tx.error)
		}
	})`, items), func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.t.Fatalf("fill the queue: %v", err)
	}
}

// TestJourneyOfflineQueueSendsEveryNoteOnce writes three notes while the service is unreachable:
// the form queues them in the browser and says so; when the service is back they are sent, each
// exactly once; replaying the same queue again (on another page of the app) makes no duplicates;
// a queued note the service refuses stays in the queue until it is opened back into the form.
func TestJourneyOfflineQueueSendsEveryNoteOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := ntVisit(t, env)
	form := "/reviews/" + reviewID + "/visits/" + visitID + "/notes/new"
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit(form)
	b.waitJS(`document.querySelector('[data-note-status]') && !document.querySelector('[data-note-status]').hidden`, "the status line")

	env.SetReachable(false)
	texts := []string{
		"Offline one: parents valued the drop-in sessions.",
		"Offline two: the midwife described joint visits.",
		"Offline three: the hub's opening hours suit working parents.",
	}
	b.Check("source")
	b.Fill("note-date-day", "11")
	for i, text := range texts {
		if i > 0 {
			// GOV.UK Frontend ignores a second click on a button within a second (a double click).
			time.Sleep(1100 * time.Millisecond)
		}
		b.Fill("body", text)
		b.do(chromedp.Click(chromedp.CSS("button[value=save]")))
		if i == 0 {
			b.waitStatus("Offline – 1 note waiting to send")
		} else {
			b.waitStatus(fmt.Sprintf("Offline – %d notes waiting to send", i+1))
		}
		if v, _ := b.value("body"); v != "" {
			t.Fatalf("the form still holds note %d: %q", i+1, v)
		}
		if v, _ := b.value("note-date-day"); v != "11" {
			t.Fatalf("the date was not kept: %q", v)
		}
	}
	b.Axe()
	queued := b.queueJSON()
	for _, text := range texts {
		if !strings.Contains(queued, text) {
			t.Fatalf("the queue lacks %q: %s", text, queued)
		}
		if n := ntCount(t, env, reviewID, text); n != 0 {
			t.Fatalf("%q reached the database while offline", text)
		}
	}

	// The service comes back: the queue is sent, every note once.
	env.SetReachable(true)
	b.waitStatus("All notes sent (3 notes)")
	b.Axe()
	for _, text := range texts {
		if n := ntCount(t, env, reviewID, text); n != 1 {
			t.Errorf("%q saved %d times, want 1", text, n)
		}
	}
	if q := b.queueJSON(); q != "[]" {
		t.Errorf("queue after sending: %s", q)
	}

	// The same queue replayed (as by a second tab or a lost answer), from another page of the app.
	b.queuePut(queued)
	b.Visit("/reviews/" + reviewID + "/visits/" + visitID)
	b.waitStatus("All notes sent (3 notes)")
	b.Axe()
	for _, text := range texts {
		if n := ntCount(t, env, reviewID, text); n != 1 {
			t.Errorf("after a replay %q saved %d times, want 1", text, n)
		}
	}
	var total int
	if err := env.DB.Super.QueryRow(b.ctx, `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, reviewID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 3 {
		t.Errorf("%d notes in the review, want 3", total)
	}

	// A queued note the service refuses (a date outside the visit) stays, needing attention, and
	// opens back into the form.
	var items []map[string]any
	if err := json.Unmarshal([]byte(queued), &items); err != nil || len(items) != 3 {
		t.Fatalf("queue %s: %v", queued, err)
	}
	item := items[0]
	item["key"] = "wrong-date-" + fmt.Sprint(item["key"])
	item["label"] = "Visit to Sunderland: Queued with a wrong date: the café session."
	fields, _ := item["fields"].([]any)
	for _, f := range fields {
		pair, _ := f.([]any)
		switch pair[0] {
		case "body":
			pair[1] = "Queued with a wrong date: the café session."
		case "note-date-day":
			pair[1] = "25"
		}
	}
	bad, _ := json.Marshal([]any{item})
	b.queuePut(string(bad))
	b.Visit("/reviews/" + reviewID + "/visits/" + visitID)
	b.waitStatus("1 queued note needs your attention")
	b.Axe()
	if strings.Contains(b.Body(), "Queued with a wrong date") {
		t.Error("a page that does not know who is signed in shows a queued note's text")
	}
	if q := b.queueJSON(); !strings.Contains(q, `"state":"attention"`) {
		t.Fatalf("the refused note left the queue: %s", q)
	}
	if !b.Has(`[data-note-queue] a[href*="/notes/new#queued-wrong-date-"]`) {
		t.Error("no link to open the queued note in its form")
	}
	// The form's page names it, with what the service said, and opens it into the form.
	b.Visit(form)
	b.waitStatus("1 queued note needs your attention")
	b.Expect("Visit to Sunderland: Queued with a wrong date: the café session.")
	b.do(chromedp.Click(chromedp.CSS("[data-note-queue] button")))
	b.waitJS(`document.getElementById('body').value.includes('Queued with a wrong date')`, "the queued note in the form")
	b.Axe()
	b.Expect("The queued note is in the form: check it and save it again.")
	if v, _ := b.value("note-date-day"); v != "25" {
		t.Errorf("the queued note's day: %q", v)
	}
	if q := b.queueJSON(); q != "[]" {
		t.Errorf("queue after opening the note: %s", q)
	}
	// Saving it shows the service's own error page, with the text kept.
	b.Submit("button[value=save]")
	b.Expect("There is a problem")
	if v, _ := b.value("body"); !strings.Contains(v, "Queued with a wrong date") {
		t.Errorf("text after the refusal: %q", v)
	}
	if n := ntCount(t, env, reviewID, "Queued with a wrong date: the café session."); n != 0 {
		t.Errorf("the refused note was saved %d times", n)
	}
}
