package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// citeFetchHex downloads href in the page (with the session) and returns its status and bytes in hex.
func (b *B) citeFetchHex(href string) (int, string) {
	b.t.Helper()
	var r struct {
		Status int    `json:"status"`
		Hex    string `json:"hex"`
	}
	b.evEval(fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(async r => JSON.stringify({status: r.status,
		hex: Array.from(new Uint8Array(await r.arrayBuffer())).map(x => x.toString(16).padStart(2, '0')).join('')}))`, href), &r)
	return r.Status, r.Hex
}

// TestCiteDocumentInNote: an inspector records a note from the demo visit to an area that sent
// documents, citing one of them (the note form's script sends it); the note page shows the
// document, and its download gives the very bytes the area sent. The lead's documents page counts
// the citing note and links to it in the evidence base. Axe checks every page.
func TestCiteDocumentInNote(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	review := evDemoReview(t, env)
	var file demo.DemoFile
	for _, f := range demo.DemoFiles() {
		if f.Key == "demo-doc-001" {
			file = f
		}
	}
	if file.Key == "" {
		t.Fatal("demo: no document demo-doc-001")
	}
	ctx := context.Background()
	var docID, areaID, areaName, visitID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT d.id::text, d.area_id::text, la.display_name,
			(SELECT v.id::text FROM visits v WHERE v.review_id = d.review_id AND v.area_id = d.area_id ORDER BY v.start_date LIMIT 1)
		FROM area_documents d JOIN review_areas ra ON ra.id = d.area_id JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE d.review_id = $1 AND d.idempotency_key = $2`, review, file.Key).Scan(&docID, &areaID, &areaName, &visitID); err != nil {
		t.Fatal(err)
	}

	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/visits/" + visitID + "/notes/new")
	b.waitJS(`document.querySelector('[data-note-status]') && !document.querySelector('[data-note-status]').hidden`, "the status line")
	b.Expect("Documents this note cites")
	b.Expect("Supporting documents sent by " + areaName)
	b.Expect(file.Title)
	b.Check("source")
	const text = "The hub timetable shows sessions on every weekday, with early openings for working parents."
	b.Fill("body", text)
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="document"][value=%q]`, docID))))
	b.do(chromedp.Click(chromedp.CSS("button[value=save]")))
	b.waitStatus("Saved")
	b.Axe()
	var noteID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT n.id::text FROM evidence_notes n
		JOIN evidence_note_documents c ON c.note_id = n.id AND c.document_id = $3
		WHERE n.review_id = $1 AND n.body = $2`, review, text, docID).Scan(&noteID); err != nil {
		t.Fatalf("the note citing the document: %v", err)
	}

	b.ClickLink("View the note")
	b.Expect(text)
	b.Expect("Documents cited")
	b.Expect(file.Title)
	var href string
	b.evEval(`JSON.stringify((document.querySelector('#cited-documents a') || {}).href || '')`, &href)
	if want := b.Env.URL() + "/reviews/" + review + "/areas/" + areaID + "/documents/" + docID; href != want {
		t.Fatalf("cited document link %q, want %q", href, want)
	}
	status, got := b.citeFetchHex(href)
	if status != 200 || got != hex.EncodeToString(file.Content) {
		t.Fatalf("download: status %d, %d bytes; want the %d bytes the area sent", status, len(got)/2, len(file.Content))
	}

	// The lead sees the citing note counted on the area's documents page and follows it.
	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	lead.Visit("/reviews/" + review + "/areas/" + areaID + "/documents")
	lead.Expect("Cited by")
	lead.ClickLink("1 note citing " + file.Title)
	lead.Expect("Showing 1 note")
	lead.Expect(text[:40])
	if !lead.Has(fmt.Sprintf(`a[href$=%q]`, "/notes/"+noteID)) {
		t.Errorf("the filtered evidence base does not link to the note %s", noteID)
	}
}
