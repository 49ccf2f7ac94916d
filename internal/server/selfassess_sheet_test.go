package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"thematic/internal/selfassess"
)

func init() {
	fill := reviewRule{signIn, missing, ok, forbid, forbid, ok, missing, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment/spreadsheet":     fill,
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment/upload":          fill,
		"POST /reviews/{reviewID}/areas/{areaID}/self-assessment/upload":         fill, // no file: 422 for those allowed
		"POST /reviews/{reviewID}/areas/{areaID}/self-assessment/upload/confirm": fill, // no answers: 409 for those allowed
	} {
		reviewAccessTable[k] = v
	}
}

// sheetDownload downloads an area's workbook and checks it is served as an attachment.
func sheetDownload(t *testing.T, c *client, base string) []byte {
	t.Helper()
	r := c.get(base + "/spreadsheet")
	wantStatus(t, "download", r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("download lacks nosniff")
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	return []byte(r.Body)
}

// sheetFill sets cells of the answers sheet.
func sheetFill(t *testing.T, b []byte, cells map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	defer f.Close()
	for c, v := range cells {
		if err := f.SetCellStr(selfassess.SheetAnswers, c, v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// hiddenFields reads a page's hidden inputs (the check page's answers), leaving out the token.
func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		if m[1] != "csrf_token" {
			v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
	}
	return v
}

func (e *env) answerCount(areaID string) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM sa_responses WHERE area_id = $1`, areaID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestSelfAssessSheetJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"

	r := contact.get(base)
	for _, want := range []string{"Download the self-assessment as a spreadsheet", base + "/spreadsheet", "Upload a completed spreadsheet", base + "/upload"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("start page lacks %q", want)
		}
	}
	elements, levels := saIDs(t, e, f.reviewID)
	// One answer saved by form first: the workbook comes pre-filled with it.
	wantStatus(t, "answer", contact.post(base+"/question", url.Values{"element_id": {elements[1]}, "version": {"0"}, "level": {levels[0]},
		"commentary": {"Separate contracts"}, "action": {"later"}}), http.StatusSeeOther)
	wb := sheetDownload(t, contact, base)
	if r := contact.get(base + "/spreadsheet"); !strings.Contains(r.Header.Get("Content-Disposition"), `filename="Self-assessment Northumberland.xlsx"`) {
		t.Errorf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue(selfassess.SheetAnswers, "D3"); v != "Separate contracts" {
		t.Errorf("saved commentary not in the workbook: D3 = %q", v)
	}
	if v, _ := x.GetCellValue(selfassess.SheetAnswers, "C3"); v != "Not yet started" {
		t.Errorf("saved rating not in the workbook: C3 = %q", v)
	}
	x.Close()

	filled := sheetFill(t, wb, map[string]string{"C2": "Developing", "D2": "Two hubs open & a third <planned>",
		"C3": "Established", "D3": "Joint board since 2024", "C4": "Embedded", "D4": "Shared record", "C5": "Developing", "D5": "Board forming"})
	r = contact.upload(base+"/upload", nil, docFile{"file", "my answers.xlsx", filled})
	wantStatus(t, "upload", r, http.StatusOK)
	for _, want := range []string{"Check what we read from your spreadsheet", "my answers.xlsx", "Two hubs open &amp; a third &lt;planned&gt;",
		"Joint board since 2024", "Embedded", "Changed", "Saved now: Not yet started", "4 answers are different", "Use these answers"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("check page lacks %q", want)
		}
	}
	if n := e.answerCount(f.area1); n != 1 {
		t.Fatalf("the upload stored answers: %d, want the 1 saved before", n)
	}
	confirm := hiddenFields(r.Body)
	if len(confirm["element"]) != 4 || confirm.Get("version-"+elements[1]) != "1" || confirm.Get("level-"+elements[2]) != levels[3] {
		t.Fatalf("the check page's form carries %v", confirm)
	}
	r = contact.post(base+"/upload/confirm", confirm)
	if wantStatus(t, "confirm", r, http.StatusSeeOther); r.Location != base+"/check" {
		t.Errorf("confirm went to %s", r.Location)
	}
	r = contact.get(base + "/check")
	for _, want := range []string{"4 answers saved from your spreadsheet", "Two hubs open &amp; a third &lt;planned&gt;", "Joint board since 2024",
		"Board forming", "Submit self-assessment"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("check your answers lacks %q", want)
		}
	}
	var level, commentary string
	var version int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT level_id::text, commentary, version FROM sa_responses WHERE area_id = $1 AND element_id = $2`,
		f.area1, elements[1]).Scan(&level, &commentary, &version); err != nil || level != levels[2] || commentary != "Joint board since 2024" || version != 2 {
		t.Errorf("stored %q %q v%d %v", level, commentary, version, err)
	}
	if n := e.answerCount(f.area1); n != 4 {
		t.Errorf("%d answers stored, want 4", n)
	}
	if n := e.auditCount("selfassess.imported"); n != 1 {
		t.Errorf("%d import audit entries, want 1", n)
	}
	// The same confirm again (a double click) changes nothing and audits nothing.
	wantStatus(t, "confirm again", contact.post(base+"/upload/confirm", confirm), http.StatusSeeOther)
	if n := e.auditCount("selfassess.imported"); n != 1 {
		t.Errorf("a repeated confirm audited again: %d", n)
	}

	// Someone changes an answer between upload and confirm: a conflict, nothing saved.
	r = contact.upload(base+"/upload", nil, docFile{"file", "again.xlsx", sheetFill(t, filled, map[string]string{"D5": "Board met twice", "D2": "Three hubs"})})
	wantStatus(t, "second upload", r, http.StatusOK)
	stale := hiddenFields(r.Body)
	lead := e.signedIn("lead@demo.test")
	wantStatus(t, "lead edits", lead.post(base+"/question", url.Values{"element_id": {elements[3]}, "version": {"1"}, "level": {levels[2]},
		"commentary": {"Lead's view"}, "action": {"later"}}), http.StatusSeeOther)
	r = contact.post(base+"/upload/confirm", stale)
	if wantStatus(t, "stale confirm", r, http.StatusConflict); !strings.Contains(r.Body, "after you uploaded your spreadsheet") {
		t.Error("stale confirm does not say why")
	}
	if err := e.db.Super.QueryRow(context.Background(), `SELECT commentary FROM sa_responses WHERE area_id = $1 AND element_id = $2`,
		f.area1, elements[0]).Scan(&commentary); err != nil || commentary != "Two hubs open & a third <planned>" {
		t.Errorf("a stale confirm saved part of its answers: %q %v", commentary, err)
	}

	// Submitted: read-only, the spreadsheet route refuses.
	wantStatus(t, "submit", contact.post(base+"/submit", nil), http.StatusSeeOther)
	if r := contact.get(base); strings.Contains(r.Body, "Upload a completed spreadsheet") {
		t.Error("start page offers the upload after submission")
	}
	if r := contact.get(base + "/upload"); !strings.Contains(r.Body, "has been submitted") || strings.Contains(r.Body, `type="file"`) {
		t.Error("upload form offered after submission")
	}
	wantStatus(t, "upload when submitted", contact.upload(base+"/upload", nil, docFile{"file", "late.xlsx", filled}), http.StatusConflict)
	wantStatus(t, "confirm when submitted", contact.post(base+"/upload/confirm", confirm), http.StatusConflict)
	if n := e.auditCount("selfassess.imported"); n != 1 {
		t.Errorf("import audited after submission: %d", n)
	}
}

func TestSelfAssessSheetBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"
	good := sheetDownload(t, contact, base)
	// The lead's download for the other area.
	otherArea := sheetDownload(t, e.signedIn("lead@demo.test"), "/reviews/"+f.reviewID+"/areas/"+f.area2+"/self-assessment")

	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	rezip := func(extra map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, zf := range zr.File {
			if err := zw.Copy(zf); err != nil {
				t.Fatal(err)
			}
		}
		for name, content := range extra {
			w, _ := zw.Create(name)
			_, _ = w.Write(content)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	sheets := map[string][]byte{}
	for i := range 400 {
		sheets[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+10)] = []byte(`<worksheet/>`)
	}
	cases := []struct {
		name    string
		file    string
		content []byte
		want    []string
	}{
		{"empty", "answers.xlsx", []byte{}, []string{"The selected file is empty"}},
		{"a PDF named .xlsx", "answers.xlsx", docPDF, []string{"The selected file must be an Excel spreadsheet (.xlsx)"}},
		{"CSV", "answers.csv", docCSV, []string{"The selected file must be an Excel spreadsheet (.xlsx)"}},
		{"too large", "answers.xlsx", append(append([]byte{}, good...), make([]byte, selfassess.WorkbookMaxBytes)...),
			[]string{"The selected file must be smaller than 5 MB"}},
		{"zip bomb", "answers.xlsx", rezip(map[string][]byte{"xl/media/image1.bin": make([]byte, 80<<20)}), []string{"zip bomb"}},
		{"many sheets", "answers.xlsx", rezip(sheets), []string{"The selected spreadsheet has 404 sheets"}},
		{"another area", "answers.xlsx", otherArea, []string{"This spreadsheet is for Sunderland, not Northumberland"}},
		{"altered", "answers.xlsx", sheetFill(t, good, map[string]string{"C2": "Very good", "A4": "Sharing", "D3": strings.Repeat("a", 10001)}),
			[]string{"Cell C2 on sheet Self-assessment: “Very good” is not one of the ratings; choose one from the list",
				"Row 4 on sheet Self-assessment: expected the element “Data-sharing” but found “Sharing”",
				"Cell D3 on sheet Self-assessment: the commentary for “Commissioning” is 10001 characters long"}},
	}
	for _, c := range cases {
		r := contact.upload(base+"/upload", nil, docFile{"file", c.file, c.content})
		wantStatus(t, c.name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, `href="#file"`) || !strings.Contains(r.Body, `id="file-error"`) {
			t.Errorf("%s: no error summary linked to the file field", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(html.UnescapeString(r.Body), w) {
				t.Errorf("%s: page lacks %q", c.name, w)
			}
		}
	}
	r := contact.upload(base+"/upload", nil)
	if wantStatus(t, "no file", r, http.StatusUnprocessableEntity); !strings.Contains(r.Body, "Select the completed spreadsheet to upload") {
		t.Error("no file: message missing")
	}
	if n := e.answerCount(f.area1); n != 0 {
		t.Errorf("bad uploads stored %d answers", n)
	}
	if n := e.auditCount("selfassess.imported"); n != 0 {
		t.Errorf("bad uploads audited %d imports", n)
	}
	// A tampered confirm (a rating not on the scale) is refused whole.
	elements, _ := saIDs(t, e, f.reviewID)
	tampered := url.Values{}
	for _, id := range elements {
		tampered.Add("element", id)
		tampered.Set("version-"+id, "0")
		tampered.Set("level-"+id, elements[0])
		tampered.Set("commentary-"+id, "x")
	}
	wantStatus(t, "tampered confirm", contact.post(base+"/upload/confirm", tampered), http.StatusBadRequest)
	if n := e.answerCount(f.area1); n != 0 {
		t.Errorf("a tampered confirm stored %d answers", n)
	}
	// Another area's contact gets 404 on every route of the spreadsheet route.
	other := "/reviews/" + f.reviewID + "/areas/" + f.area2 + "/self-assessment"
	for _, r := range []resp{contact.get(other + "/spreadsheet"), contact.get(other + "/upload"),
		contact.upload(other+"/upload", nil, docFile{"file", "answers.xlsx", otherArea}), contact.post(other+"/upload/confirm", tampered)} {
		wantStatus(t, "another area", r, http.StatusNotFound)
	}
}
