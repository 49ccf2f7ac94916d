package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// afUpload puts a file in the file input with the given id.
func (b *B) afUpload(id, path string) {
	b.t.Helper()
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#"+id), []string{path}))
}

// TestJourneyContactSendsDocumentsAndQuestionnaire: the local authority contact uploads a document
// and imports the family questionnaire for their own area, from the area page; the lead downloads
// the document and gets the very bytes uploaded; another area's pages answer "Page not found" to
// the contact. axe checks every page.
func TestJourneyContactSendsDocumentsAndQuestionnaire(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	var reviewID, own, other string
	if err := env.DB.Super.QueryRow(ctx, `SELECT r.id, a.id, b.id FROM reviews r
		JOIN review_areas a ON a.review_id = r.id AND a.ons_code = 'E06000057'
		JOIN review_areas b ON b.review_id = r.id AND b.ons_code = 'E08000024'
		WHERE r.title = $1`, demo.ReviewTitle).Scan(&reviewID, &own, &other); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := "%PDF-1.4\n% Family hub offer 2023\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	pdfPath := filepath.Join(dir, "hub-offer.pdf")
	csvPath := filepath.Join(dir, "questionnaire.csv")
	if err := os.WriteFile(pdfPath, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	csv := "question,answer,count\nHow easy was it to find the family hub?,Very easy,41\n" +
		"How easy was it to find the family hub?,Quite easy,23\nHow easy was it to find the family hub?,Not easy,9\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	area := "/reviews/" + reviewID + "/areas/" + own

	b := newB(t, env)
	b.signIn("la.contact@demo.test", demo.Password)
	b.Visit(area)
	b.ClickLink("Documents")
	b.Visit(area + "/documents/upload")
	b.afUpload("file-1", pdfPath)
	b.Fill("title-1", "Family hub offer 2023")
	b.Submit("form[enctype='multipart/form-data'] button[type=submit]")
	b.Expect("Family hub offer 2023")

	b.Visit(area)
	b.ClickLink("Family questionnaire results for Northumberland")
	b.afUpload("csv-file", csvPath)
	b.Submit("form[enctype='multipart/form-data'] button[type=submit]")
	b.Expect("How easy was it to find the family hub?")
	b.Expect("Very easy")
	b.Expect("41")

	// Another area is not there for this contact.
	b.Visit("/reviews/" + reviewID + "/areas/" + other + "/documents")
	b.Expect("Page not found")
	b.Visit("/reviews/" + reviewID + "/areas/" + other + "/questionnaire")
	b.Expect("Page not found")

	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	lead.Visit(area + "/documents")
	lead.Expect("Family hub offer 2023")
	var href string
	lead.evEval(`JSON.stringify((document.querySelector('a[download]') || {}).href || '')`, &href)
	if href == "" {
		t.Fatal("no download link on the documents page")
	}
	status, body := lead.evFetch(href)
	if status != 200 || body != pdf {
		t.Fatalf("download: status %d, %d bytes; want the %d bytes uploaded", status, len(body), len(pdf))
	}
}
