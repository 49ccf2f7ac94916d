package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"thematic/internal/config"
)

func init() {
	upload := reviewRule{signIn, missing, ok, forbid, forbid, ok, missing, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/areas/{areaID}/documents":              reviewAnyMember,
		"GET /reviews/{reviewID}/areas/{areaID}/documents/upload":       upload,
		"POST /reviews/{reviewID}/areas/{areaID}/documents":             upload, // no file: 422 for those allowed
		"GET /reviews/{reviewID}/areas/{areaID}/documents/{documentID}": reviewAnyMember,
		// The fixture's document was uploaded by the lead: only the lead (last to try) may delete it.
		"POST /reviews/{reviewID}/areas/{areaID}/documents/{documentID}/delete": {signIn, missing, ok, forbid, forbid, forbid, missing, missing},
	} {
		reviewAccessTable[k] = v
	}
}

// docFile is one file of an upload form.
type docFile struct {
	field, name string
	content     []byte
}

var (
	docPDF = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	docPNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), make([]byte, 40)...)
	docCSV = []byte("question,answer,count\nHow did you hear about us?,Health visitor,12\n")
	docEXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 100)...)
)

// upload posts a multipart form with the session's CSRF token.
func (c *client) upload(path string, fields url.Values, files ...docFile) resp {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf())
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = w.Write(f.content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func (e *env) docCount(areaID string) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(),
		`SELECT count(*) FROM area_documents WHERE area_id = $1 AND deleted_at IS NULL`, areaID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) docID(areaID, title string) string {
	e.t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(),
		`SELECT id::text FROM area_documents WHERE area_id = $1 AND title = $2 AND deleted_at IS NULL`, areaID, title).Scan(&id); err != nil {
		e.t.Fatalf("document %q: %v", title, err)
	}
	return id
}

func docBase(f reviewFixture, areaID string) string {
	return "/reviews/" + f.reviewID + "/areas/" + areaID + "/documents"
}

func TestDocumentUploadDownloadDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	base := docBase(f, f.area1)
	contact := e.signedIn("la.contact@demo.test")
	before := e.docCount(f.area1) // the access fixture's document

	// The form offers five rows and a key; the contact uploads two files at once.
	form := contact.get(base + "/upload")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `id="file-5"`) || !strings.Contains(form.Body, `name="key"`) {
		t.Fatalf("upload form: %d\n%s", form.Status, form.Body)
	}
	fields := url.Values{"key": {"form-key-1"}, "title-1": {"Self-assessment evidence"}}
	r := contact.upload(base, fields,
		docFile{"file-1", `C:\Users\carla\Self assessment.PDF`, docPDF},
		docFile{"file-2", "questionnaire counts.csv", docCSV})
	if r.Status != http.StatusSeeOther || r.Location != base {
		t.Fatalf("upload: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	// A double submit of the same form stores nothing more.
	r = contact.upload(base, fields,
		docFile{"file-1", `C:\Users\carla\Self assessment.PDF`, docPDF},
		docFile{"file-2", "questionnaire counts.csv", docCSV})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("second submit: %d\n%s", r.Status, r.Body)
	}
	if n := e.docCount(f.area1); n != before+2 {
		t.Fatalf("documents after a double submit: %d, want %d", n, before+2)
	}
	if n := e.auditCount("document.uploaded"); n != 2 {
		t.Errorf("document.uploaded audited %d times, want 2", n)
	}

	list := contact.get(base)
	for _, want := range []string{"Self-assessment evidence", "Self assessment.pdf", "questionnaire counts", "questionnaire counts.csv", "CSV", "PDF"} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	// The download is the same bytes, as an attachment of the detected type, not to be sniffed.
	pdfID := e.docID(f.area1, "Self-assessment evidence")
	for _, who := range []*client{contact, e.signedIn("inspector@demo.test"), e.signedIn("observer@demo.test")} {
		d := who.get(base + "/" + pdfID)
		if d.Status != http.StatusOK || d.Body != string(docPDF) {
			t.Fatalf("download: %d, %d bytes", d.Status, len(d.Body))
		}
		if got := d.Header.Get("Content-Disposition"); got != `attachment; filename="Self assessment.pdf"` {
			t.Errorf("Content-Disposition %q", got)
		}
		if d.Header.Get("Content-Type") != "application/pdf" || d.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers %v", d.Header)
		}
	}
	var sum []byte
	if err := e.db.Super.QueryRow(context.Background(), `SELECT sha256 FROM area_documents WHERE id = $1`, pdfID).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(docPDF); !bytes.Equal(sum, want[:]) {
		t.Errorf("stored sha256 %x, want %x", sum, want)
	}

	// The lead uploads to another area.
	lead := e.signedIn("lead@demo.test")
	// A file of several chunks (document.ChunkSize) streams back whole.
	large := append(append([]byte{}, docPDF...), make([]byte, 2<<20+12345)...)
	_, _ = rand.Read(large[len(docPDF):])
	r = lead.upload(docBase(f, f.area2), url.Values{"key": {"lead-key"}, "title-1": {"Large report"}},
		docFile{"file-1", "large.pdf", large}, docFile{"file-3", "site photo.png", docPNG})
	if r.Status != http.StatusSeeOther || e.docCount(f.area2) != 2 {
		t.Fatalf("lead upload: %d\n%s", r.Status, r.Body)
	}
	pngID := e.docID(f.area2, "site photo")
	if d := lead.get(docBase(f, f.area2) + "/" + pngID); d.Header.Get("Content-Type") != "image/png" || d.Body != string(docPNG) {
		t.Errorf("png download: %v", d.Header)
	}
	if d := lead.get(docBase(f, f.area2) + "/" + e.docID(f.area2, "Large report")); d.Status != http.StatusOK || d.Body != string(large) {
		t.Errorf("large download: %d, %d bytes, want %d identical", d.Status, len(d.Body), len(large))
	}

	// The contact of another area reaches none of it.
	for _, p := range []string{docBase(f, f.area2), docBase(f, f.area2) + "/upload", docBase(f, f.area2) + "/" + pngID,
		docBase(f, f.area1) + "/" + pngID} {
		if r := contact.get(p); r.Status != http.StatusNotFound {
			t.Errorf("contact GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := contact.upload(docBase(f, f.area2), nil, docFile{"file-1", "x.pdf", docPDF}); r.Status != http.StatusNotFound || e.docCount(f.area2) != 2 {
		t.Errorf("contact upload to another area: %d", r.Status)
	}

	// The contact may not delete the lead's document; they delete their own.
	if r := contact.post(base+"/"+f.documentID+"/delete", nil); r.Status != http.StatusForbidden {
		t.Errorf("contact deleting the lead's document: %d", r.Status)
	}
	if r := contact.post(base+"/"+pdfID+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	if r := contact.get(base + "/" + pdfID); r.Status != http.StatusNotFound {
		t.Errorf("deleted document downloads: %d", r.Status)
	}
	if n := e.auditCount("document.deleted"); n != 1 {
		t.Errorf("document.deleted audited %d times", n)
	}
}

// rejectAll is a scanner that refuses every file.
type rejectAll struct{ calls atomic.Int32 }

func (s *rejectAll) Scan(context.Context, string, []byte) error {
	s.calls.Add(1)
	return errors.New("EICAR test signature")
}

func TestDocumentUploadRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	base := docBase(f, f.area1)
	before := e.docCount(f.area1)

	// Inspectors and observers read only.
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		c := e.signedIn(email)
		if r := c.get(base + "/upload"); r.Status != http.StatusForbidden {
			t.Errorf("%s upload form: %d", email, r.Status)
		}
		if r := c.upload(base, nil, docFile{"file-1", "report.pdf", docPDF}); r.Status != http.StatusForbidden {
			t.Errorf("%s upload: %d", email, r.Status)
		}
		if r := c.get(base); r.Status != http.StatusOK || strings.Contains(r.Body, "Upload documents") {
			t.Errorf("%s list: %d, or offers an upload", email, r.Status)
		}
	}

	contact := e.signedIn("la.contact@demo.test")
	for _, tc := range []struct {
		name string
		file docFile
		want string
	}{
		{"nothing chosen", docFile{}, "Select a file to upload"},
		{"renamed EXE", docFile{"file-1", "minutes.pdf", docEXE}, "content does not match its type"},
		{"PDF named as a picture", docFile{"file-2", "photo.png", docPDF}, "content does not match its type"},
		{"program", docFile{"file-1", "setup.exe", docEXE}, "must be a PDF, DOCX, XLSX, ODT, ODS, CSV, PNG or JPEG"},
		{"empty", docFile{"file-1", "empty.pdf", []byte{}}, "The selected file is empty"},
	} {
		var files []docFile
		if tc.file.field != "" {
			files = append(files, tc.file)
		}
		// A good file beside a bad one is not stored either: all or nothing.
		files = append(files, docFile{"file-4", "good.pdf", docPDF})
		if tc.file.field == "" {
			files = nil
		}
		var fields url.Values
		if files != nil {
			fields = url.Values{"title-4": {"Kept title"}}
		}
		r := contact.upload(base, fields, files...)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: %d, want 422 with %q\n%s", tc.name, r.Status, tc.want, r.Body)
		}
		if tc.file.field != "" && !strings.Contains(r.Body, `value="Kept title"`) {
			t.Errorf("%s: the typed title was not kept", tc.name)
		}
	}

	// The scanner runs before a file is stored; a refusal stores nothing.
	sc := &rejectAll{}
	e.srv.SetScanner(sc)
	r := contact.upload(base, nil, docFile{"file-1", "report.pdf", docPDF})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "virus check") || sc.calls.Load() != 1 {
		t.Errorf("scanner refusal: %d, %d calls\n%s", r.Status, sc.calls.Load(), r.Body)
	}
	if n := e.docCount(f.area1); n != before {
		t.Errorf("refused uploads stored %d documents", n-before)
	}
	if n := e.auditCount("document.uploaded"); n != 0 {
		t.Errorf("refused uploads audited %d times", n)
	}
}

// countingReader is an endless request body that counts what the transport read from it.
type countingReader struct{ n atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

func TestDocumentUploadTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.MaxUploadBytes = 2048 })
	f := newReviewFixture(t, e)
	base := docBase(f, f.area1)
	before := e.docCount(f.area1)
	contact := e.signedIn("la.contact@demo.test")

	// Just over the limit: the request fits the body limit, the file does not.
	big := append(append([]byte{}, docPDF...), bytes.Repeat([]byte("x"), 2048)...)
	r := contact.upload(base, nil, docFile{"file-1", "big.pdf", big})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The file must be smaller than 2 KB") {
		t.Errorf("file over the limit: %d\n%s", r.Status, r.Body)
	}
	// Far over: refused from its length, before the body is read.
	huge := append(append([]byte{}, docPDF...), bytes.Repeat([]byte("x"), 1<<20)...)
	r = contact.upload(base, nil, docFile{"file-1", "huge.pdf", huge})
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "The file must be smaller than 2 KB") {
		t.Errorf("request over the limit: %d\n%s", r.Status, r.Body)
	}
	if n := e.docCount(f.area1); n != before {
		t.Errorf("oversized uploads stored %d documents", n-before)
	}

	// A 64 MB body is answered without being read to its end.
	body := &countingReader{}
	const size = 64 << 20
	req, _ := http.NewRequest("POST", e.ts.URL+base, io.LimitReader(body, size))
	req.ContentLength = size
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	res, err := contact.http.Do(req)
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "2 KB") {
			t.Errorf("streamed oversize: %d", res.StatusCode)
		}
	}
	if got := body.n.Load(); got >= size {
		t.Errorf("the whole body was read (%d bytes)", got)
	}
}
