package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"thematic/internal/archive"
	"thematic/internal/demo"
	"thematic/internal/testenv"
)

func init() {
	accessTable["GET /reviews/import"] = rule{signIn, ok, ok, ok} // the member persona is inspectorate staff
	accessTable["POST /reviews/import"] = rule{signIn, ok, ok, ok}
	accessTable["GET /archive/schema.json"] = signedIn
	reviewAccessTable["GET /reviews/{reviewID}/archive"] = reviewLeadWrite
}

// postArchive sends the import form as multipart: the file (unless nil), the title and the key.
func (c *client) postArchive(path string, file []byte, title, key string) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", c.csrf())
	_ = mw.WriteField("title", title)
	_ = mw.WriteField("key", key)
	if file != nil {
		fw, _ := mw.CreateFormFile("archive_file", "review-archive.json")
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestArchiveDownloadIsTheLeadsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_ = newFixture(t, e) // admin@other.test, of another tenant
	id := demoReviewID(t, e)
	path := "/reviews/" + id + "/archive"

	r := e.signedIn("lead@demo.test").get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("lead: status %d", r.Status)
	}
	// The demo review has documents: its archive is a ZIP file of the JSON and their bytes.
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="start-for-life-services-thematic-review-archive.zip"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	a, err := archive.Parse([]byte(r.Body))
	if err != nil {
		t.Fatalf("the download is not a valid archive: %v", err)
	}
	if a.Review.Title != demo.ReviewTitle || len(a.Notes) == 0 || len(a.Documents) == 0 || len(a.LeftOut) == 0 {
		t.Errorf("archive of %q with %d notes, %d documents, %d things left out", a.Review.Title, len(a.Notes), len(a.Documents), len(a.LeftOut))
	}
	if n := e.auditCount("review.archive_exported"); n != 1 {
		t.Errorf("%d review.archive_exported entries", n)
	}
	for email, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		if r := e.signedIn(email).get(path); r.Status != want {
			t.Errorf("%s: status %d, want %d", email, r.Status, want)
		}
	}
}

var reviewLinkRE = regexp.MustCompile(`href="(/reviews/[0-9a-f-]{36})"`)

// reviewLink is the new review an import answered: the result page's link, or the redirect of a
// form sent again.
func reviewLink(r resp) string {
	if r.Status == http.StatusSeeOther {
		return r.Location
	}
	if r.Status != http.StatusOK {
		return ""
	}
	if m := reviewLinkRE.FindStringSubmatch(r.Body); m != nil {
		return m[1]
	}
	return ""
}

// archiveJSON is a downloaded archive's JSON, from the ZIP file when it is one.
func archiveJSON(t *testing.T, data []byte) []byte {
	t.Helper()
	if !archive.IsZip(data) {
		return data
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == archive.JSONName {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("no archive.json in the ZIP file")
	return nil
}

func TestArchiveImportMakesANewReviewOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	data := []byte(lead.get("/reviews/" + demoReviewID(t, e) + "/archive").Body)

	form := lead.get("/reviews/import")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `enctype="multipart/form-data"`) {
		t.Fatalf("import form: %d", form.Status)
	}
	if list := lead.get("/reviews"); !strings.Contains(list.Body, `href="/reviews/import"`) {
		t.Error("the reviews list has no link to import a review")
	}
	if !strings.Contains(form.Body, "What an archive leaves out") || !strings.Contains(form.Body, "The audit log") {
		t.Error("the import form does not say what an archive leaves out")
	}
	// The import shows what it made and what the file says it left out.
	first := lead.postArchive("/reviews/import", data, "Start for Life (copy)", "import-key-1")
	if first.Status != http.StatusOK || reviewLink(first) == "" {
		t.Fatalf("import: status %d, location %q\n%.2000s", first.Status, first.Location, first.Body)
	}
	for _, want := range []string{"Review imported", "Start for Life (copy)", "What the archive left out", `id="left-out"`,
		"The audit log", "Invitation, password reset and calendar feed tokens", "Saved report versions", "Documents"} {
		if !strings.Contains(first.Body, want) {
			t.Errorf("the import's page does not say %q", want)
		}
	}
	if page := lead.get(reviewLink(first)); page.Status != http.StatusOK || !strings.Contains(page.Body, "Start for Life (copy)") {
		t.Fatalf("new review page: %d\n%.3000s", page.Status, page.Body)
	}
	// The same form sent again, and twice at once, makes no other review.
	if again := lead.postArchive("/reviews/import", data, "Start for Life (copy)", "import-key-1"); reviewLink(again) != reviewLink(first) {
		t.Errorf("sent again: status %d, location %q", again.Status, again.Location)
	}
	var wg sync.WaitGroup
	got := make([]resp, 2)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = lead.postArchive("/reviews/import", data, "Start for Life (second copy)", "import-key-2")
		}()
	}
	wg.Wait()
	if reviewLink(got[0]) == "" || reviewLink(got[0]) != reviewLink(got[1]) || reviewLink(got[0]) == reviewLink(first) {
		t.Errorf("double submit: %d %q and %d %q", got[0].Status, reviewLink(got[0]), got[1].Status, reviewLink(got[1]))
	}
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM reviews WHERE title LIKE 'Start for Life (%copy)'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d imported reviews (%v)", n, err)
	}
	if n := e.auditCount("review.imported"); n != 2 {
		t.Errorf("%d review.imported entries", n)
	}
	// The copy's notes are those of the demo review, in the same tenant: the same people are
	// members and the same evidence was recorded.
	copyData := lead.get(reviewLink(first) + "/archive").Body
	orig, err := archive.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := archive.Parse([]byte(copyData))
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.Notes) != len(orig.Notes) || len(cp.Findings) != len(orig.Findings) || len(cp.Members) != len(orig.Members) ||
		len(cp.Documents) != len(orig.Documents) || !reflect.DeepEqual(cp.Visits, orig.Visits) {
		t.Errorf("copy has %d notes, %d findings, %d members, %d documents; the original %d, %d, %d, %d", len(cp.Notes), len(cp.Findings),
			len(cp.Members), len(cp.Documents), len(orig.Notes), len(orig.Findings), len(orig.Members), len(orig.Documents))
	}
}

func TestArchiveImportRefusesABadFileWithItsProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	data := []byte(lead.get("/reviews/" + demoReviewID(t, e) + "/archive").Body)
	count := func() int {
		var n int
		if err := e.db.Super.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM reviews) + (SELECT count(*) FROM evidence_notes)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	r := lead.postArchive("/reviews/import", nil, "", "k1")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose a review archive file to import") {
		t.Errorf("no file: status %d", r.Status)
	}
	r = lead.postArchive("/reviews/import", []byte(`{"format": "thematic-review-archive", "notes": [}`), "My title", "k2")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not valid JSON") || !strings.Contains(r.Body, `value="My title"`) {
		t.Errorf("not JSON: status %d\n%.3000s", r.Status, r.Body)
	}
	// 60 notes name a visit that does not exist: the page lists 50 problems and counts the rest.
	var m map[string]any
	if err := json.Unmarshal(archiveJSON(t, data), &m); err != nil {
		t.Fatal(err)
	}
	m["documents"] = []any{} // a JSON file alone carries no documents
	for i := range 60 {
		m["notes"].([]any)[i].(map[string]any)["visit"] = "visit-99"
	}
	bad, _ := json.Marshal(m)
	r = lead.postArchive("/reviews/import", bad, "", "k3")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("dangling refs: status %d", r.Status)
	}
	for _, want := range []string{"There is a problem", "The archive has 60 problems. Nothing was imported.",
		`notes[17].visit: no visit with ref &#34;visit-99&#34;`, "and 10 more problems", `href="#archive-file"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if strings.Contains(r.Body, "notes[50].visit") {
		t.Error("the page lists more than 50 problems")
	}
	if after := count(); after != before {
		t.Errorf("rows: %d before, %d after refused imports", before, after)
	}
	if n := e.auditCount("review.imported"); n != 0 {
		t.Errorf("%d review.imported entries", n)
	}
}

func TestArchiveSchemaIsPublished(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.signedIn("inspector@demo.test").get("/archive/schema.json")
	if r.Status != http.StatusOK || !json.Valid([]byte(r.Body)) || !strings.Contains(r.Body, "draft/2020-12") {
		t.Fatalf("schema: status %d", r.Status)
	}
	if r := e.client().get("/archive/schema.json"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: status %d", r.Status)
	}
}

// The archive download runs a fixed number of statements however many notes there are: the
// notes are one streamed query, never a query per note.
func TestArchiveDownloadStatementsDoNotGrowWithNotes(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	path := "/reviews/" + f.reviewID + "/archive"
	before, r := measure(t, te, lead, path)
	a1, err := archive.Parse([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	qcManyNotes(t, e, f)
	after, r := measure(t, te, lead, path)
	a2, err := archive.Parse([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if len(a2.Notes) < len(a1.Notes)+250 {
		t.Fatalf("%d notes, then %d", len(a1.Notes), len(a2.Notes))
	}
	if before != after {
		t.Errorf("statements: %d with %d notes, %d with %d notes", before, len(a1.Notes), after, len(a2.Notes))
	}
	t.Logf("%d statements for the download", after)
}

// TestArchiveImportStopsAtAHundredProblems: a crafted file of a hundred thousand notes that are
// nothing but a numeric ref is refused with the first 100 problems and says checking stopped.
func TestArchiveImportStopsAtAHundredProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	var b strings.Builder
	b.WriteString(`{"format":"thematic-review-archive","version":2,"notes":[`)
	for i := range 100000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"ref":` + strconv.Itoa(i) + `}`)
	}
	b.WriteString(`]}`)
	r := lead.postArchive("/reviews/import", []byte(b.String()), "", "k-crafted")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{"The archive has more than 100 problems (checking stopped after the first 100). Nothing was imported.",
		"notes[0].ref: must be a string"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}
