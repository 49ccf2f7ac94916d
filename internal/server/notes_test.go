package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/document"
	"thematic/internal/review"
)

func init() {
	record := reviewRule{signIn, missing, ok, ok, forbid, forbid, forbid, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/visits/{visitID}/notes/new": record,
		"POST /reviews/{reviewID}/visits/{visitID}/notes":    record,
		"GET /reviews/{reviewID}/notes/{noteID}":             reviewReadStaff,
		"GET /reviews/{reviewID}/notes/{noteID}/edit":        record,
		"POST /reviews/{reviewID}/notes/{noteID}":            record,
		"POST /reviews/{reviewID}/notes/{noteID}/delete":     record,
		"GET /reviews/{reviewID}/notes/{noteID}/deleted":     record,
		"POST /reviews/{reviewID}/notes/{noteID}/restore":    record,
		"POST /reviews/{reviewID}/notes/{noteID}/erase":      reviewLeadWrite,
		// A note's files answer as the note; only its author removes one (the fixture's note is
		// the inspector's), only a lead chooses a photo for good practice.
		"GET /reviews/{reviewID}/notes/{noteID}/files/{fileID}":           reviewReadStaff,
		"GET /reviews/{reviewID}/notes/{noteID}/files/{fileID}/display":   reviewReadStaff,
		"POST /reviews/{reviewID}/notes/{noteID}/files/{fileID}/remove":   {signIn, missing, forbid, ok, forbid, forbid, forbid, missing},
		"POST /reviews/{reviewID}/notes/{noteID}/files/{fileID}/practice": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// noteFixture is the visit fixture with an action area and a line of enquiry in its review, and
// an action area of another review (for forged ids).
type noteFixture struct {
	*visitFixture
	area, line, otherArea string
}

func newNoteFixture(t *testing.T, e *env) *noteFixture {
	t.Helper()
	ctx := context.Background()
	f := &noteFixture{visitFixture: newVisitFixture(t, e)}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var g, eg, other, og string
		var err error
		q := func(dst *string, sql string, args ...any) {
			if err == nil {
				err = tx.QueryRow(ctx, sql, args...).Scan(dst)
			}
		}
		q(&g, `INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Access', 1) RETURNING id`, f.tenantID, f.reviewID)
		q(&f.area, `INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Family hubs', 1) RETURNING id`, f.tenantID, f.reviewID, g)
		q(&eg, `INSERT INTO enquiry_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Experiences', 1) RETURNING id`, f.tenantID, f.reviewID)
		q(&f.line, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position) VALUES ($1, $2, $3, 'How do families find help?', 1) RETURNING id`, f.tenantID, f.reviewID, eg)
		if err != nil {
			return err
		}
		if other, err = review.Create(ctx, tx, f.tenantID, f.users["lead@demo.test"], review.Review{Title: "Another review"}); err != nil {
			return err
		}
		q(&og, `INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Other', 1) RETURNING id`, f.tenantID, other)
		q(&f.otherArea, `INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Other area', 1) RETURNING id`, f.tenantID, other, og)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *noteFixture) newPath() string {
	return "/reviews/" + f.reviewID + "/visits/" + f.visitA + "/notes/new"
}
func (f *noteFixture) postPath() string {
	return "/reviews/" + f.reviewID + "/visits/" + f.visitA + "/notes"
}
func (f *noteFixture) notePath(id string, parts ...string) string {
	return "/reviews/" + f.reviewID + "/notes/" + id + strings.Join(parts, "")
}

func (f *noteFixture) notes() int {
	return f.count(`SELECT count(*) FROM evidence_notes WHERE review_id = $1`, f.reviewID)
}

var (
	ntKeyRE    = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
	ntSourceRE = regexp.MustCompile(`name="source" type="radio" value="([0-9a-f-]{36})"`)
	ntNoteRE   = regexp.MustCompile(`/notes/([0-9a-f-]{36})$`)
)

// ntForm opens the form and fills it with a valid note.
func (f *noteFixture) ntForm(t *testing.T, c *client) url.Values {
	t.Helper()
	r := c.get(f.newPath())
	vtWant(t, r, http.StatusOK, "Record a note", "Family hubs", "How do families find help?", `value="10"`)
	key := ntKeyRE.FindStringSubmatch(r.Body)
	src := ntSourceRE.FindStringSubmatch(r.Body)
	if key == nil || src == nil {
		t.Fatalf("form lacks a key or a source\n%s", r.Body)
	}
	return url.Values{"idempotency_key": {key[1]}, "source": {src[1]}, "note-date-day": {"11"}, "note-date-month": {"3"},
		"note-date-year": {"2025"}, "body": {"Parents said the hub\nwas easy to reach."}, "action_areas": {f.area},
		"lines": {f.line}, "tags": {"Access, outreach"}, "judgement": {"strength"}, "good_practice": {"yes"}, "action": {"save"}}
}

func TestNoteRecordThroughTheForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	m := ntNoteRE.FindStringSubmatch(r.Location)
	if m == nil {
		t.Fatalf("redirect to %q", r.Location)
	}
	vtWant(t, c.get(r.Location), http.StatusOK, "Note saved", "Parents said the hub", "<br>", "was easy to reach.",
		"Family hubs", "How do families find help?", "Access; outreach", "Strength", "11 March 2025", "Recorded by")
	// A double submit with the same key: one note.
	if r := c.post(f.postPath(), form); r.Status != http.StatusSeeOther || r.Location != f.notePath(m[1]) {
		t.Fatalf("second submit: %d %s", r.Status, r.Location)
	}
	if n := f.notes(); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	// The lead reads it, the observer too; the contact is refused.
	vtWant(t, e.signedIn("observer@demo.test").get(f.notePath(m[1])), http.StatusOK, "Parents said the hub")
	if r := e.signedIn("la.contact@demo.test").get(f.notePath(m[1])); r.Status != http.StatusForbidden {
		t.Errorf("contact reads a note: %d", r.Status)
	}
}

func TestNoteSaveAndAddAnother(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("lead@demo.test")
	form := f.ntForm(t, c)
	form.Set("action", "another")
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, f.newPath()+"?") {
		t.Fatalf("save and add another: %d %s", r.Status, r.Location)
	}
	next := c.get(r.Location)
	vtWant(t, next, http.StatusOK, "Note saved", `value="11"`, `value="`+form.Get("source")+`" checked`)
	if strings.Contains(next.Body, form.Get("idempotency_key")) {
		t.Error("the next form reuses the key")
	}
}

func TestNoteBadInputSavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	base := f.ntForm(t, c)
	for _, tc := range []struct {
		name, field, value, want, keep string
	}{
		{"empty text", "body", "  ", "Enter the evidence", ""},
		{"too long", "body", strings.Repeat("a", 20001), "20,000 characters or fewer", strings.Repeat("a", 100)},
		{"other review's action area", "action_areas", f.otherArea, "Select action areas of this review", "Parents said the hub"},
		{"date outside the visit", "note-date-day", "20", "must be during the visit", "Parents said the hub"},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		form.Set(tc.field, tc.value)
		vtWant(t, c.post(f.postPath(), form), http.StatusUnprocessableEntity, "There is a problem", tc.want, tc.keep)
	}
	forged := "/reviews/" + f.reviewID + "/visits/00000000-0000-4000-8000-000000000000/notes"
	if r := c.post(forged, base); r.Status != http.StatusNotFound {
		t.Errorf("forged visit: %d", r.Status)
	}
	if r := c.get(forged + "/new"); r.Status != http.StatusNotFound {
		t.Errorf("forged visit form: %d", r.Status)
	}
	if n := f.notes(); n != 0 {
		t.Fatalf("%d notes saved", n)
	}
}

func TestNotePersonalDataFlaggedThenConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("body", "Mrs Smith said staff emailed her at jane@example.com.")
	vtWant(t, c.post(f.postPath(), form), http.StatusUnprocessableEntity, "jane@example.com",
		"I have checked: this is not personal data, keep it", "Mrs Smith said staff")
	if n := f.notes(); n != 0 {
		t.Fatalf("%d notes saved before confirming", n)
	}
	form.Set("confirm_personal_data", "yes")
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", r.Status, r.Body)
	}
	if n := e.auditCount("evidence.personal_data_confirmed"); n != 1 {
		t.Errorf("%d confirmations audited", n)
	}
	vtWant(t, c.get(r.Location), http.StatusOK, "Possible personal data confirmed", "email")
}

func TestNoteStaleEditDeleteUndoHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	r := c.post(f.postPath(), f.ntForm(t, c))
	id := ntNoteRE.FindStringSubmatch(r.Location)[1]
	edit := c.get(f.notePath(id, "/edit"))
	vtWant(t, edit, http.StatusOK, "Change the note", `name="version" value="1"`, "Parents said the hub")
	form := f.ntForm(t, c)
	form.Del("idempotency_key")
	form.Set("version", "1")
	form.Set("body", "The lead's version of the note.")
	lead := e.signedIn("lead@demo.test")
	if r := lead.post(f.notePath(id), ntCopy(form)); r.Status != http.StatusSeeOther {
		t.Fatalf("lead edit: %d\n%s", r.Status, r.Body)
	}
	form.Set("body", "The inspector's late version.")
	vtWant(t, c.post(f.notePath(id), form), http.StatusConflict, "Your version", "Current version",
		"The lead&#39;s version of the note.", "The inspector&#39;s late version.", `name="version" value="2"`)
	vtWant(t, c.get(f.notePath(id)), http.StatusOK, "Changed by", "text")
	// Observers cannot write.
	obs := e.signedIn("observer@demo.test")
	if r := obs.post(f.notePath(id, "/delete"), url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("observer deletes: %d", r.Status)
	}
	// Delete, then undo.
	r = c.post(f.notePath(id, "/delete"), url.Values{})
	if r.Status != http.StatusSeeOther || r.Location != f.notePath(id, "/deleted") {
		t.Fatalf("delete: %d %s", r.Status, r.Location)
	}
	vtWant(t, c.get(r.Location), http.StatusOK, "Note deleted", "Undo")
	if n := f.count(`SELECT count(*) FROM evidence_notes WHERE id = $1 AND deleted_at IS NOT NULL`, id); n != 1 {
		t.Fatal("not deleted")
	}
	if r := c.post(f.notePath(id, "/restore"), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.Status)
	}
	vtWant(t, c.get(f.notePath(id)), http.StatusOK, "Deleted by", "Restored by", "Change the note")
}

func TestNoteRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	newFixture(t, e) // admin@other.test, of another tenant
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	r := c.post(f.postPath(), ntCopy(form))
	id := ntNoteRE.FindStringSubmatch(r.Location)[1]
	for _, tc := range []struct {
		email string
		want  int
	}{
		{"observer@demo.test", http.StatusForbidden},
		{"la.contact@demo.test", http.StatusForbidden},
		{"admin@demo.test", http.StatusNotFound},
		{"admin@other.test", http.StatusNotFound},
	} {
		u := e.signedIn(tc.email)
		for _, r := range []resp{u.get(f.newPath()), u.post(f.postPath(), ntCopy(form)), u.get(f.notePath(id, "/edit")),
			u.post(f.notePath(id), ntCopy(form)), u.post(f.notePath(id, "/delete"), url.Values{})} {
			if r.Status != tc.want {
				t.Errorf("%s writing: %d, want %d", tc.email, r.Status, tc.want)
			}
		}
	}
	for _, email := range []string{"admin@demo.test", "admin@other.test"} {
		if r := e.signedIn(email).get(f.notePath(id)); r.Status != http.StatusNotFound {
			t.Errorf("%s reads: %d", email, r.Status)
		}
	}
	// The visit page offers the form to inspectors, not observers.
	vtWant(t, c.get("/reviews/"+f.reviewID+"/visits/"+f.visitA), http.StatusOK, "Record a note")
	if strings.Contains(e.signedIn("observer@demo.test").get("/reviews/"+f.reviewID+"/visits/"+f.visitA).Body, "Record a note") {
		t.Error("observer is offered to record a note")
	}
}

// ntCopy copies a form, so that each client adds its own CSRF token.
func ntCopy(form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		if k != "csrf_token" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// ntDocument stores an available document of an area of the fixture's review, uploaded by the lead.
func (f *noteFixture) ntDocument(t *testing.T, areaID, title string, content []byte) string {
	t.Helper()
	var id string
	err := db.InTx(context.Background(), f.e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		id, _, err = document.Create(context.Background(), tx, f.tenantID, f.reviewID, areaID, f.users["lead@demo.test"],
			document.Upload{Title: title, Filename: strings.ToLower(strings.ReplaceAll(title, " ", "-")) + ".csv",
				ContentType: document.TypeCSV, Content: content, Key: "doc-" + title})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *noteFixture) citations() int {
	return f.count(`SELECT count(*) FROM evidence_note_documents d JOIN evidence_notes n ON n.id = d.note_id WHERE n.review_id = $1`, f.reviewID)
}

// A note cites its area's documents: the form offers them only when the area has some, a document
// of another area is refused (by form and by script) with nothing stored, the note page lists the
// cited document with its download, and the area's documents page counts the citing notes for
// the review's staff only, linking to exactly those notes in the evidence base.
func TestNoteCitesAreaDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	if r := c.get(f.newPath()); r.Status != http.StatusOK || strings.Contains(r.Body, "Documents this note cites") ||
		strings.Contains(r.Body, `name="document"`) {
		t.Fatalf("the form offers documents the area has not sent: %d", r.Status)
	}
	own := f.ntDocument(t, f.sunderland, "Hub timetable", []byte("day,session\nMonday,Stay and play\n"))
	other := f.ntDocument(t, f.torbay, "Torbay outreach plan", []byte("week,visits\n1,12\n"))
	form := f.ntForm(t, c)
	r := c.get(f.newPath())
	vtWant(t, r, http.StatusOK, "Documents this note cites", "Supporting documents sent by Sunderland",
		`name="document" type="checkbox" value="`+own+`"`, "Hub timetable", "CSV")
	if strings.Contains(r.Body, other) {
		t.Error("the form offers another area's document")
	}

	// Another area's document: 422 with the message, nothing stored; the same by script.
	form.Set("document", other)
	vtWant(t, c.post(f.postPath(), form), http.StatusUnprocessableEntity, "There is a problem",
		"Choose documents sent by Sunderland", "Parents said the hub")
	jr, body := c.postJSON(f.postPath(), form)
	if jr.Status != http.StatusUnprocessableEntity || !strings.Contains(jr.Body, `"field":"documents"`) ||
		!strings.Contains(jr.Body, "Choose documents sent by Sunderland") {
		t.Errorf("script post citing another area's document: %d %v", jr.Status, body)
	}
	if n, l := f.notes(), f.citations(); n != 0 || l != 0 {
		t.Fatalf("%d notes and %d citations stored after refusals", n, l)
	}

	// The script's path carries the repeated field as the form does.
	form.Set("document", own)
	jr, body = c.postJSON(f.postPath(), form)
	if jr.Status != http.StatusCreated {
		t.Fatalf("script post citing the area's document: %d %s", jr.Status, jr.Body)
	}
	id, _ := body["id"].(string)
	if f.citations() != 1 {
		t.Fatalf("%d citations after the script's post", f.citations())
	}
	page := c.get(f.notePath(id))
	vtWant(t, page, http.StatusOK, "Documents cited", "Hub timetable", "CSV",
		`href="/reviews/`+f.reviewID+`/areas/`+f.sunderland+`/documents/`+own+`"`)
	if d := c.get("/reviews/" + f.reviewID + "/areas/" + f.sunderland + "/documents/" + own); d.Status != http.StatusOK ||
		d.Body != "day,session\nMonday,Stay and play\n" {
		t.Errorf("download of the cited document: %d %q", d.Status, d.Body)
	}
	// The edit form keeps it ticked; unticking it drops the link.
	vtWant(t, c.get(f.notePath(id, "/edit")), http.StatusOK, `value="`+own+`" checked`)
	edit := url.Values{}
	for k, v := range form {
		edit[k] = v
	}
	edit.Del("idempotency_key")
	edit.Del("document")
	edit.Set("version", "1")
	edit.Set("document", other)
	vtWant(t, c.post(f.notePath(id), edit), http.StatusUnprocessableEntity, "Choose documents sent by Sunderland")
	if f.citations() != 1 {
		t.Fatalf("a refused edit changed the citations: %d", f.citations())
	}
	edit.Del("document")
	if r := c.post(f.notePath(id), edit); r.Status != http.StatusSeeOther {
		t.Fatalf("edit without the document: %d\n%s", r.Status, r.Body)
	}
	if f.citations() != 0 {
		t.Fatalf("unticking left %d citations", f.citations())
	}
	vtWant(t, c.get(f.notePath(id)), http.StatusOK, "cited documents") // the history names the change
	edit.Set("document", own)
	edit.Set("version", "2")
	if r := c.post(f.notePath(id), edit); r.Status != http.StatusSeeOther || f.citations() != 1 {
		t.Fatalf("citing again: %d, %d citations", r.Status, f.citations())
	}

	// Documents page: the lead sees one citing note, linking to the filtered evidence base.
	docs := "/reviews/" + f.reviewID + "/areas/" + f.sunderland + "/documents"
	filtered := "/reviews/" + f.reviewID + "/evidence?document=" + own
	vtWant(t, e.signedIn("lead@demo.test").get(docs), http.StatusOK, "Cited by", `href="`+filtered+`"`, "1 note")
	vtWant(t, e.signedIn("observer@demo.test").get(docs), http.StatusOK, "Cited by", "1 note")
	base := c.get(filtered)
	vtWant(t, base, http.StatusOK, "Showing 1 note", "Parents said the hub", "Supporting document cited", `/notes/`+id)
	vtWant(t, c.get("/reviews/"+f.reviewID+"/evidence?document="+other), http.StatusOK, "No notes match these filters")
	// The contact of the area sees their documents, never how notes cite them.
	cr := e.signedIn("la.contact@demo.test").get(docs)
	vtWant(t, cr, http.StatusOK, "Hub timetable")
	if strings.Contains(cr.Body, "Cited by") || strings.Contains(cr.Body, "1 note") || strings.Contains(cr.Body, "/evidence") {
		t.Error("the contact's documents page shows citing notes")
	}
}

// A note on a visit whose start is not known yet may have any date, and the evidence base says
// the visit's dates are not fixed.
func TestNoteOnAVisitWithNoStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	if _, err := e.db.Super.Exec(context.Background(), `WITH d AS (DELETE FROM visit_days WHERE visit_id = $1)
		UPDATE visits SET start_date = NULL WHERE id = $1`, f.visitA); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("inspector@demo.test")
	r := c.get(f.newPath())
	vtWant(t, r, http.StatusOK, "Record a note", "The visit’s dates are not fixed yet", "its dates are not fixed yet.")
	if strings.Contains(r.Body, ", Dates not fixed yet") {
		t.Error("the note form says \"Dates not fixed yet\" mid-sentence")
	}
	key := ntKeyRE.FindStringSubmatch(r.Body)
	src := ntSourceRE.FindStringSubmatch(r.Body)
	if key == nil || src == nil {
		t.Fatalf("form lacks a key or a source\n%s", r.Body)
	}
	form := url.Values{"idempotency_key": {key[1]}, "source": {src[1]}, "note-date-day": {"20"}, "note-date-month": {"4"},
		"note-date-year": {"2025"}, "body": {"Parents said the hub was near."}, "action_areas": {f.area},
		"lines": {f.line}, "judgement": {"strength"}, "action": {"save"}}
	r = c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	vtWant(t, c.get(r.Location), http.StatusOK, "Note saved", "20 April 2025")
	vtWant(t, c.get("/reviews/"+f.reviewID+"/evidence"), http.StatusOK, "Parents said the hub was near", "Dates not fixed yet")
	if r := c.get("/reviews/" + f.reviewID + "/evidence.csv"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Parents said the hub was near") {
		t.Fatalf("export: %d\n%s", r.Status, r.Body)
	}
}
