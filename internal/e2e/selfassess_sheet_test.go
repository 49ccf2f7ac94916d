package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"thematic/internal/demo"
	"thematic/internal/selfassess"
	"thematic/internal/testenv"
)

// sheetDownload fetches a link with the browser's session and returns its status, headers and
// bytes (base64 on the way, so a binary file arrives intact).
func (b *B) sheetDownload(href string) (status int, header map[string]string, body []byte) {
	b.t.Helper()
	var r struct {
		Status      int    `json:"status"`
		Type        string `json:"type"`
		Disposition string `json:"disposition"`
		NoSniff     string `json:"nosniff"`
		Body        string `json:"body"`
	}
	b.evEval(fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(async r => {
		const bytes = new Uint8Array(await r.arrayBuffer());
		let bin = '';
		for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
		return JSON.stringify({status: r.status, type: r.headers.get('Content-Type') || '', disposition: r.headers.get('Content-Disposition') || '',
			nosniff: r.headers.get('X-Content-Type-Options') || '', body: btoa(bin)});
	})`, href), &r)
	body, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		b.t.Fatalf("download body: %v", err)
	}
	return r.Status, map[string]string{"Content-Type": r.Type, "Content-Disposition": r.Disposition, "X-Content-Type-Options": r.NoSniff}, body
}

// TestSelfAssessJourneyBySpreadsheet: the local authority contact for Northumberland (not
// started in the demo) downloads the self-assessment as a spreadsheet from the task list, fills
// it in, uploads a wrong file first and is told so, uploads the spreadsheet, checks what was
// read, uses it, lands on check your answers and submits. axe checks every page.
func TestSelfAssessJourneyBySpreadsheet(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	review := evDemoReview(t, env)
	area := saArea(t, env, review, "Northumberland")
	dir := t.TempDir()

	b := newB(t, env)
	b.signIn("la.contact@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/areas/" + area)
	b.ClickLink("Self-assessment for Northumberland")
	b.Expect("Not started")
	b.Expect("Fill it in using a spreadsheet")

	status, h, wb := b.sheetDownload(b.evHref("Download the self-assessment as a spreadsheet"))
	if status != 200 || h["Content-Type"] != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		h["X-Content-Type-Options"] != "nosniff" || !strings.HasPrefix(h["Content-Disposition"], "attachment;") {
		t.Fatalf("download: status %d, headers %v", status, h)
	}
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	answers := map[string]string{
		"C2": "Established", "D2": "Two family hubs share space with midwifery and health visiting.",
		"C3": "Developing", "D3": "Joint commissioning of health visiting started this year.",
		"C4": "Developing", "D4": "A data-sharing agreement covers the hubs and maternity services.",
		"C5": "Embedded", "D5": "A Start for Life board meets every quarter.",
	}
	for _, c := range []string{"A2", "A3", "A4", "A5"} {
		if v, _ := f.GetCellValue(selfassess.SheetAnswers, c); v == "" {
			t.Fatalf("cell %s names no element", c)
		}
	}
	for c, v := range answers {
		if err := f.SetCellStr(selfassess.SheetAnswers, c, v); err != nil {
			t.Fatal(err)
		}
	}
	filled := filepath.Join(dir, "northumberland-self-assessment.xlsx")
	if err := f.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	f.Close()
	notSheet := filepath.Join(dir, "notes.xlsx")
	if err := os.WriteFile(notSheet, []byte("%PDF-1.4\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	b.ClickLink("Upload a completed spreadsheet")
	b.Expect("Upload your completed self-assessment spreadsheet")
	// A file that is not a spreadsheet: the error summary and the field say so.
	b.afUpload("file", notSheet)
	b.Submit("form[enctype='multipart/form-data'] button[type=submit]")
	b.Expect("There is a problem")
	b.Expect("The selected file must be an Excel spreadsheet (.xlsx)")

	b.afUpload("file", filled)
	b.Submit("form[enctype='multipart/form-data'] button[type=submit]")
	b.Expect("Check what we read from your spreadsheet")
	b.Expect("northumberland-self-assessment.xlsx")
	b.Expect("4 answers are different from what is saved now")
	b.Expect("A Start for Life board meets every quarter.")
	b.Expect("Embedded")
	b.Submit("form[action$='/upload/confirm'] button[type=submit]")

	b.Expect("Check your answers")
	b.Expect("4 answers saved from your spreadsheet")
	b.Expect("Joint commissioning of health visiting started this year.")
	b.Expect("Established")
	if !strings.HasSuffix(b.Path(), "/self-assessment/check") {
		t.Fatalf("after using the answers the contact is at %s", b.Path())
	}
	b.Submit("form[action$='/self-assessment/submit'] button[type=submit]")
	b.Expect("Self-assessment submitted")
	b.ClickLink("Back to the self-assessment")
	b.Expect("Completed")
	if b.Has("a[href$='/self-assessment/upload']") {
		t.Error("the upload is still offered after submission")
	}
}
