package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/notefile"
)

// nfPhoto is a phone photo, 40×20 pixels stored sideways with EXIF orientation 6 (turn clockwise),
// carrying a GPS tag and a device marker that must not be stored.
var nfPhoto = notefile.SampleJPEG(40, 20, 6, "PHONE-MAKER-SERIAL-1234")

// nfPost sends the note form with files, as the page does without JavaScript.
func nfPost(c *client, path string, form url.Values, files ...docFile) resp {
	c.t.Helper()
	return c.upload(path, ntCopy(form), files...)
}

// nfFiles is the stored files of the review's notes: name, content, width, height.
type nfFile struct {
	id, note, name, ctype string
	content, display      []byte
	width, height         int
}

func (f *noteFixture) nfFiles(t *testing.T) []nfFile {
	t.Helper()
	rows, err := f.e.db.Super.Query(context.Background(), `SELECT id::text, note_id::text, filename, content_type, content,
		display, coalesce(width, 0), coalesce(height, 0) FROM evidence_note_files WHERE review_id = $1 ORDER BY uploaded_at, position`, f.reviewID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []nfFile
	for rows.Next() {
		var x nfFile
		if err := rows.Scan(&x.id, &x.note, &x.name, &x.ctype, &x.content, &x.display, &x.width, &x.height); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// A photo taken on a phone and a PDF are attached with the note, in its transaction: the photo is
// stored upright with its EXIF (location, device) gone and a display copy, the PDF as it came;
// each addition is audited. The same form sent twice makes one note and one set of files. The
// note page shows the photo with alt text and links to the originals, served with safe headers.
func TestNoteFormAttachesPhotosAndFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	vtWant(t, c.get(f.newPath()), http.StatusOK, `enctype="multipart/form-data"`, `accept="image/*" capture="environment"`,
		`name="files" type="file" multiple`)
	files := []docFile{{field: "photo", name: "image.jpg", content: nfPhoto}, {field: "files", name: "plan.pdf", content: docPDF}}
	r := nfPost(c, f.postPath(), form, files...)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	again := nfPost(c, f.postPath(), form, files...) // a double submit
	if again.Status != http.StatusSeeOther || again.Location != r.Location {
		t.Fatalf("the same form again: %d %s, want the first note %s", again.Status, again.Location, r.Location)
	}
	if n := f.notes(); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	stored := f.nfFiles(t)
	if len(stored) != 2 {
		t.Fatalf("%d files stored, want 2 (one set)", len(stored))
	}
	photo, pdf := stored[0], stored[1]
	for _, b := range [][]byte{photo.content, photo.display} {
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("PHONE-MAKER-SERIAL-1234")) {
			t.Fatal("the stored photo still carries its EXIF data")
		}
	}
	if photo.width != 20 || photo.height != 40 || photo.ctype != "image/jpeg" || photo.display == nil {
		t.Errorf("photo stored %dx%d %s (display %d bytes), want upright 20x40 image/jpeg with a display copy",
			photo.width, photo.height, photo.ctype, len(photo.display))
	}
	if !bytes.Equal(pdf.content, docPDF) || pdf.display != nil || pdf.ctype != "application/pdf" {
		t.Errorf("the PDF was not stored as it came: %s, %d bytes", pdf.ctype, len(pdf.content))
	}
	if n := e.auditCount("evidence.file_added"); n != 2 {
		t.Errorf("%d evidence.file_added entries, want 2", n)
	}
	// The review's archive names them with their SHA-256 (their bytes stay in the service).
	archived := string(archiveJSON(t, []byte(e.signedIn("lead@demo.test").get("/reviews/"+f.reviewID+"/archive").Body)))
	for _, x := range stored {
		sum := sha256.Sum256(x.content)
		if !strings.Contains(archived, `"filename":"`+x.name+`"`) || !strings.Contains(archived, hex.EncodeToString(sum[:])) {
			t.Errorf("the archive does not name %s with its SHA-256", x.name)
		}
	}
	vtWant(t, c.get("/reviews/"+f.reviewID+"/visits/"+f.visitA), http.StatusOK, "2 photos and files")
	id := ntNoteRE.FindStringSubmatch(r.Location)[1]
	page := c.get(f.notePath(id))
	vtWant(t, page, http.StatusOK, `alt="Photo 1 of 1 attached to this note"`,
		f.notePath(id, "/files/"+photo.id+"/display"), f.notePath(id, "/files/"+pdf.id), "plan.pdf")
	d := c.get(f.notePath(id, "/files/"+photo.id+"/display"))
	if d.Status != http.StatusOK || d.Header.Get("Content-Type") != "image/jpeg" || d.Body != string(photo.display) {
		t.Errorf("display copy: %d %s", d.Status, d.Header.Get("Content-Type"))
	}
	o := c.get(f.notePath(id, "/files/"+pdf.id))
	h := o.Header
	if o.Status != http.StatusOK || o.Body != string(docPDF) || h.Get("Content-Type") != "application/pdf" ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "private, no-store" ||
		h.Get("Content-Disposition") != `attachment; filename=plan.pdf` {
		t.Errorf("download: %d %v", o.Status, h)
	}
}

// A file that is not what its name says is refused next to the field, with the note's text kept
// and nothing saved; so is a note with more files than allowed.
func TestNoteFormRefusesABadFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	r := nfPost(c, f.postPath(), form, docFile{field: "photo", name: "holiday.jpg", content: []byte("not a photo at all")})
	vtWant(t, r, http.StatusUnprocessableEntity, "There is a problem", `href="#photos"`,
		"holiday.jpg: The selected file’s content does not match its type", "Choose the photos and files again",
		`id="photos-error"`, "Parents said the hub")
	var many []docFile
	for range notefile.MaxFiles + 1 {
		many = append(many, docFile{field: "files", name: "plan.pdf", content: docPDF})
	}
	vtWant(t, nfPost(c, f.postPath(), form, many...), http.StatusUnprocessableEntity, "Select up to 10 photos or files")
	if n := f.notes(); n != 0 || len(f.nfFiles(t)) != 0 {
		t.Fatalf("%d notes saved with a bad file", n)
	}
}

// A note's files answer exactly as the note: its readers get them; a contact, a member outside the
// review, another tenant and, for a safeguarding concern, an inspector who is neither its author
// nor a lead get the note's answer. A deleted note's files are hidden with it; erased, they are gone.
func TestNoteFilesFollowTheNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	newFixture(t, e) // admin@other.test, of another tenant
	c := e.signedIn("inspector@demo.test")
	post := func(safeguarding bool) (string, string) {
		t.Helper()
		form := f.ntForm(t, c)
		if safeguarding {
			form.Set("safeguarding", "yes")
		}
		r := nfPost(c, f.postPath(), form, docFile{field: "photo", name: "image.jpg", content: nfPhoto})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
		id := ntNoteRE.FindStringSubmatch(r.Location)[1]
		var fileID string
		if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM evidence_note_files WHERE note_id = $1`, id).Scan(&fileID); err != nil {
			t.Fatal(err)
		}
		return id, fileID
	}
	plain, plainFile := post(false)
	concern, concernFile := post(true)
	for _, tc := range []struct {
		email          string
		plain, concern int
	}{
		{"inspector@demo.test", http.StatusOK, http.StatusOK},
		{"lead@demo.test", http.StatusOK, http.StatusOK},
		{"observer@demo.test", http.StatusOK, http.StatusNotFound},
		{"cqc.inspector@demo.test", http.StatusOK, http.StatusNotFound},
		{"la.contact@demo.test", http.StatusForbidden, http.StatusForbidden},
		{"admin@demo.test", http.StatusNotFound, http.StatusNotFound},
		{"admin@other.test", http.StatusNotFound, http.StatusNotFound},
	} {
		u := e.signedIn(tc.email)
		for _, x := range []struct {
			note, file string
			want       int
		}{{plain, plainFile, tc.plain}, {concern, concernFile, tc.concern}} {
			note := u.get(f.notePath(x.note))
			for _, suffix := range []string{"", "/display"} {
				r := u.get(f.notePath(x.note, "/files/"+x.file+suffix))
				if r.Status != x.want || r.Status != note.Status {
					t.Errorf("%s reads file%s: %d (the note: %d), want %d", tc.email, suffix, r.Status, note.Status, x.want)
				}
			}
		}
	}
	// Deleted: hidden with the note; erased by the lead: gone, and its name redacted in the audit log.
	if r := c.post(f.notePath(plain, "/delete"), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := c.get(f.notePath(plain, "/files/"+plainFile)); r.Status != http.StatusNotFound {
		t.Errorf("a deleted note's file: %d, want 404", r.Status)
	}
	if r := e.signedIn("lead@demo.test").post(f.notePath(plain, "/erase"), url.Values{"reason": {"Asked by the family"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("erase: %d\n%s", r.Status, r.Body)
	}
	if n := f.count(`SELECT count(*) FROM evidence_note_files WHERE note_id = $1`, plain); n != 0 {
		t.Errorf("%d files left on the erased note", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'evidence.file_added' AND after->>'filename' = 'image.jpg'`, plain); n != 0 {
		t.Errorf("the erased note's file name is still in %d audit entries", n)
	}
}

// Only the note's author removes a file, from the note's edit page; only a lead chooses a photo
// for good-practice examples. Both are audited.
func TestNoteFileRemoveAndChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	lead := e.signedIn("lead@demo.test")
	r := nfPost(c, f.postPath(), f.ntForm(t, c), docFile{field: "photo", name: "image.jpg", content: nfPhoto},
		docFile{field: "files", name: "second.jpg", content: nfPhoto})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	id := ntNoteRE.FindStringSubmatch(r.Location)[1]
	stored := f.nfFiles(t)
	first, second := stored[0].id, stored[1].id
	vtWant(t, c.get(f.notePath(id, "/edit")), http.StatusOK, "Photos and files on this note", f.notePath(id, "/files/"+first+"/remove"))
	if strings.Contains(lead.get(f.notePath(id, "/edit")).Body, "/remove") {
		t.Error("the lead, not the author, is offered to remove a file")
	}
	if r := lead.post(f.notePath(id, "/files/"+first+"/remove"), url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("the lead removes the author's file: %d", r.Status)
	}
	if r := c.post(f.notePath(id, "/files/"+first+"/remove"), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", r.Status, r.Body)
	}
	if n := len(f.nfFiles(t)); n != 1 || e.auditCount("evidence.file_removed") != 1 {
		t.Errorf("after removing: %d files, %d entries", n, e.auditCount("evidence.file_removed"))
	}
	// The choice.
	if strings.Contains(c.get(f.notePath(id)).Body, "/practice") {
		t.Error("the inspector is offered the good-practice choice")
	}
	vtWant(t, lead.get(f.notePath(id)), http.StatusOK, "Allow photo 1 in good-practice examples")
	if r := c.post(f.notePath(id, "/files/"+second+"/practice"), url.Values{"practice": {"yes"}}); r.Status != http.StatusForbidden {
		t.Errorf("the inspector chooses: %d", r.Status)
	}
	if r := lead.post(f.notePath(id, "/files/"+second+"/practice"), url.Values{"practice": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("choose: %d\n%s", r.Status, r.Body)
	}
	if n := f.count(`SELECT count(*) FROM evidence_note_files WHERE id = $1 AND practice_ok`, second); n != 1 {
		t.Error("the lead's choice was not stored")
	}
	if n := e.auditCount("evidence.file_practice_chosen"); n != 1 {
		t.Errorf("%d evidence.file_practice_chosen entries, want 1", n)
	}
	vtWant(t, lead.get(f.notePath(id)), http.StatusOK, "May be shown in good-practice examples", "Do not show photo 1")
}

// The good-practice pages show a photo of an example's note only once a lead chose it; the report
// never shows one.
func TestGoodPracticeShowsOnlyChosenPhotos(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e) // its note is an example's, with a photo not chosen
	lead := e.signedIn("lead@demo.test")
	obs := e.signedIn("observer@demo.test")
	display := "/reviews/" + f.reviewID + "/notes/" + f.noteID + "/files/" + f.fileID + "/display"
	pages := []string{"/reviews/" + f.reviewID + "/examples", "/reviews/" + f.reviewID + "/examples/" + f.exampleID}
	for _, p := range pages {
		if r := lead.get(p); r.Status != http.StatusOK || strings.Contains(r.Body, "/files/") {
			t.Errorf("%s before the choice: %d, shows a photo: %v", p, r.Status, strings.Contains(r.Body, "/files/"))
		}
	}
	if r := lead.post("/reviews/"+f.reviewID+"/notes/"+f.noteID+"/files/"+f.fileID+"/practice", url.Values{"practice": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("choose: %d\n%s", r.Status, r.Body)
	}
	for _, c := range []*client{lead, obs} {
		for _, p := range pages {
			vtWant(t, c.get(p), http.StatusOK, `src="`+display+`"`, "chosen by a review lead")
		}
	}
	if r := lead.get("/reviews/" + f.reviewID + "/report"); strings.Contains(r.Body, "/files/") {
		t.Error("the report shows a photo")
	}
}
