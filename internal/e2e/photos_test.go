package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/notefile"
	"thematic/internal/testenv"
)

// phPhoto writes a phone photo with EXIF (orientation, GPS, a device marker) to a file for the
// browser to upload, and returns its path.
func phPhoto(t *testing.T, name, marker string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, notefile.SampleJPEG(40, 20, 6, marker), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// phStored is the photos stored with the review's notes of this text: their bytes and display copies.
func phStored(t *testing.T, env *testenv.Env, reviewID, body string) [][]byte {
	t.Helper()
	rows, err := env.DB.Super.Query(context.Background(), `SELECT f.content, f.display FROM evidence_note_files f
		JOIN evidence_notes n ON n.id = f.note_id WHERE n.review_id = $1 AND n.body = $2`, reviewID, body)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var c, d []byte
		if err := rows.Scan(&c, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, c, d)
	}
	return out
}

func phNoExif(t *testing.T, stored [][]byte, marker string) {
	t.Helper()
	for _, b := range stored {
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte(marker)) {
			t.Errorf("a stored photo still carries its EXIF data (%s)", marker)
		}
	}
}

// TestJourneyAttachAPhotoToANote attaches a photo in the note form, with the page's script (sent
// in the background as multipart) and without it (the plain form): each note arrives with its
// photo, EXIF gone, and the note page shows it; axe checks every page.
func TestJourneyAttachAPhotoToANote(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := ntVisit(t, env)
	form := "/reviews/" + reviewID + "/visits/" + visitID + "/notes/new"

	// With JavaScript.
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit(form)
	b.waitJS(`document.querySelector('[data-note-status]') && !document.querySelector('[data-note-status]').hidden`, "the status line")
	b.Check("source")
	b.Fill("note-date-day", "11")
	const withJS = "The hub's noticeboard lists every session in four languages."
	b.Fill("body", withJS)
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#photos"), []string{phPhoto(t, "image.jpg", "JS-DEVICE-MARKER")}))
	b.do(chromedp.Click(chromedp.CSS("button[value=save]")))
	b.waitStatus("Saved")
	b.Axe()
	if n := ntCount(t, env, reviewID, withJS); n != 1 {
		t.Fatalf("the note was saved %d times", n)
	}
	stored := phStored(t, env, reviewID, withJS)
	if len(stored) != 2 {
		t.Fatalf("the note has %d photos, want 1", len(stored)/2)
	}
	phNoExif(t, stored, "JS-DEVICE-MARKER")
	if files, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.getElementById('photos').files.length`)); files != 0 {
		t.Error("the photo is still chosen for the next note")
	}

	// Without JavaScript.
	n := newB(t, env)
	n.noScript()
	n.signIn("inspector@demo.test", demo.Password)
	n.Visit(form)
	n.Check("source")
	n.Fill("note-date-day", "11")
	const noJS = "Parents photographed the buggy park by the hub's entrance."
	n.Fill("body", noJS)
	n.do(chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{phPhoto(t, "buggy.jpg", "NOJS-DEVICE-MARKER")}))
	n.Submit("button[value=save]")
	n.Expect("Note saved")
	n.Expect(noJS)
	n.Expect("Photos and files")
	if !n.Has(`img[alt="Photo 1 of 1 attached to this note"]`) {
		t.Fatal("the note page shows no photo")
	}
	if ok, _ := chromedp.Run(n.ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('img[alt^="Photo 1"]'); return i && i.complete && i.naturalWidth === 20 && i.naturalHeight === 40 })()`,
		chromedp.WithPollingInterval(100*time.Millisecond))); !ok {
		t.Error("the photo is not shown upright (20×40)")
	}
	phNoExif(t, phStored(t, env, reviewID, noJS), "NOJS-DEVICE-MARKER")
}

// TestJourneyOfflineQueueKeepsPhotos writes two notes, each with a photo, while the service is
// unreachable: both are queued in the browser with their photos; when the service is back both
// arrive once, each with its photo, EXIF gone from the stored bytes.
func TestJourneyOfflineQueueKeepsPhotos(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, visitID := ntVisit(t, env)
	form := "/reviews/" + reviewID + "/visits/" + visitID + "/notes/new"
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit(form)
	b.waitJS(`document.querySelector('[data-note-status]') && !document.querySelector('[data-note-status]').hidden`, "the status line")

	env.SetReachable(false)
	texts := []string{"Offline photo one: the hub's baby-weighing corner.", "Offline photo two: the breastfeeding room sign."}
	b.Check("source")
	b.Fill("note-date-day", "11")
	for i, text := range texts {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // GOV.UK Frontend's double-click guard
		}
		b.Fill("body", text)
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#photos"), []string{phPhoto(t, fmt.Sprintf("image%d.jpg", i), fmt.Sprintf("OFFLINE-MARKER-%d", i))}))
		b.do(chromedp.Click(chromedp.CSS("button[value=save]")))
		if i == 0 {
			b.waitStatus("Offline – 1 note waiting to send")
		} else {
			b.waitStatus("Offline – 2 notes waiting to send")
		}
	}
	b.Axe()
	if n, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`new Promise((resolve, reject) => {
		const r = indexedDB.open('thematic-notes', 1)
		r.onerror = () => reject(r.error)
		r.onsuccess = () => {
			const q = r.result.transaction('queue').objectStore('queue').getAll()
			q.onsuccess = () => { r.result.close(); resolve(q.result.filter((i) => i.files && i.files.length === 1 && i.files[0].file instanceof Blob).length) }
		}
	})`, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) })); n != 2 {
		t.Fatalf("%d queued notes hold their photo, want 2", n)
	}
	for _, text := range texts {
		if n := ntCount(t, env, reviewID, text); n != 0 {
			t.Fatalf("%q reached the database while offline", text)
		}
	}

	env.SetReachable(true)
	b.waitStatus("All notes sent (2 notes)")
	b.Axe()
	for i, text := range texts {
		if n := ntCount(t, env, reviewID, text); n != 1 {
			t.Errorf("%q saved %d times, want 1", text, n)
		}
		stored := phStored(t, env, reviewID, text)
		if len(stored) != 2 {
			t.Errorf("%q arrived with %d photos, want 1", text, len(stored)/2)
		}
		phNoExif(t, stored, fmt.Sprintf("OFFLINE-MARKER-%d", i))
	}
	if q := b.queueJSON(); q != "[]" {
		t.Errorf("queue after sending: %s", q)
	}
}
