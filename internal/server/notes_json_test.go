package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The note form's script sends the form with fetch and Accept: application/json; noteCreate then
// answers JSON. These tests hold the script's side of the contract.

// postJSON sends a form as the note form's script does, with the session's CSRF token unless the
// form carries one.
func (c *client) postJSON(path string, form url.Values) (resp, map[string]any) {
	c.t.Helper()
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.csrf())
	}
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	r := c.do(req)
	var body map[string]any
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			c.t.Fatalf("JSON answer: %v\n%s", err, r.Body)
		}
	}
	return r, body
}

const njsKey = "0b7f1c2e-4d5a-4e6f-9a8b-7c6d5e4f3a2b" // as crypto.randomUUID makes them

func TestNoteJSONCreateIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("idempotency_key", njsKey)
	r, body := c.postJSON(f.postPath(), form)
	if r.Status != http.StatusCreated || body == nil {
		t.Fatalf("create: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	id, _ := body["id"].(string)
	if id == "" || body["url"] != f.notePath(id) || body["created"] != true {
		t.Fatalf("answer = %v", body)
	}
	// The same key again (a replayed queue, a retry after a lost answer): the same note, 200.
	form.Del("csrf_token")
	r, body = c.postJSON(f.postPath(), form)
	if r.Status != http.StatusOK || body["id"] != id || body["url"] != f.notePath(id) {
		t.Fatalf("replay: %d %v", r.Status, body)
	}
	if n := f.notes(); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	var created int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'evidence.created' AND object_id = $1`, id).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if created != 1 {
		t.Errorf("%d evidence.created entries, want 1", created)
	}
	vtWant(t, c.get(f.notePath(id)), http.StatusOK, "Parents said the hub", "Access; outreach")
}

func TestNoteJSONInvalidAnswersFieldErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("body", " ")
	form.Set("note-date-day", "31")
	form.Set("note-date-month", "2")
	r, body := c.postJSON(f.postPath(), form)
	if r.Status != http.StatusUnprocessableEntity || body == nil {
		t.Fatalf("empty text: %d\n%s", r.Status, r.Body)
	}
	fields := map[string]string{}
	errs, _ := body["errors"].([]any)
	for _, x := range errs {
		m, _ := x.(map[string]any)
		fields[m["field"].(string)], _ = m["message"].(string)
	}
	if fields["body"] != "Enter the evidence" || fields["note-date"] == "" {
		t.Errorf("errors = %v", body["errors"])
	}
	// Personal data: 422 with what was found; confirmed, it saves.
	form = f.ntForm(t, c)
	form.Set("body", "Mrs Smith said the hub was easy to reach; call 07700 900123.")
	r, body = c.postJSON(f.postPath(), form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("personal data: %d\n%s", r.Status, r.Body)
	}
	found, _ := body["findings"].([]any)
	if len(found) < 2 || !strings.Contains(r.Body, `"text":"Mrs Smith"`) || !strings.Contains(r.Body, `"field":"body"`) {
		t.Errorf("findings = %s", r.Body)
	}
	// An action area of another review: refused by the store, 422 too.
	form.Set("confirm_personal_data", "yes")
	form["action_areas"] = []string{f.otherArea}
	form.Del("csrf_token")
	if r, _ := c.postJSON(f.postPath(), form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"action-areas"`) {
		t.Errorf("other review's area: %d %s", r.Status, r.Body)
	}
	if n := f.notes(); n != 0 {
		t.Fatalf("%d notes saved, want 0", n)
	}
	form["action_areas"] = []string{f.area}
	form.Del("csrf_token")
	if r, _ := c.postJSON(f.postPath(), form); r.Status != http.StatusCreated {
		t.Fatalf("confirmed: %d %s", r.Status, r.Body)
	}
}

var njsOwnerRE = regexp.MustCompile(`data-owner="([0-9a-f]+)"`)

func TestNoteJSONChecksCSRFAndOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("csrf_token", "forged")
	if r, _ := c.postJSON(f.postPath(), form); r.Status != http.StatusForbidden {
		t.Errorf("forged token: %d", r.Status)
	}
	form.Set("csrf_token", "")
	if r, _ := c.postJSON(f.postPath(), form); r.Status != http.StatusForbidden {
		t.Errorf("no token: %d", r.Status)
	}
	// Signed out: 401 for a JSON request (the script keeps the note queued and says so).
	anon := e.client()
	form.Del("csrf_token")
	if r, _ := anon.postJSON(f.postPath(), form); r.Status != http.StatusUnauthorized {
		t.Errorf("signed out: %d %s", r.Status, r.Location)
	}
	// A note queued by another user of this device is not theirs to send.
	m := njsOwnerRE.FindStringSubmatch(c.get(f.newPath()).Body)
	if m == nil {
		t.Fatal("the form has no owner key")
	}
	lead := e.signedIn("lead@demo.test")
	lm := njsOwnerRE.FindStringSubmatch(lead.get(f.newPath()).Body)
	if lm == nil || lm[1] == m[1] {
		t.Fatalf("owner keys %v %v", m, lm)
	}
	form.Set("owner_key", m[1])
	form.Del("csrf_token")
	r, body := lead.postJSON(f.postPath(), form)
	if r.Status != http.StatusConflict || body["code"] != "owner" {
		t.Errorf("another user's queued note: %d %s", r.Status, r.Body)
	}
	if n := f.notes(); n != 0 {
		t.Fatalf("%d notes saved, want 0", n)
	}
	form.Del("csrf_token")
	if r, _ := c.postJSON(f.postPath(), form); r.Status != http.StatusCreated {
		t.Fatalf("own note: %d %s", r.Status, r.Body)
	}
}

func TestNoteFormSuggestsTagsMostUsedFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	var last string
	for i, tags := range []string{"Access, outreach", "outreach", "Zebra crossing, Outreach"} {
		form := f.ntForm(t, c)
		form.Set("tags", tags)
		form.Set("idempotency_key", njsKey[:35]+string(rune('a'+i)))
		r, v := c.postJSON(f.postPath(), form)
		if r.Status != http.StatusCreated {
			t.Fatalf("note %d: %d %s", i, r.Status, r.Body)
		}
		last, _ = v["url"].(string)
	}
	body := c.get(f.newPath()).Body
	want := `<datalist id="tags-list"><option value="outreach"></option><option value="Access"></option><option value="Zebra crossing"></option></datalist>`
	if !strings.Contains(body, want) || !strings.Contains(body, `list="tags-list"`) {
		t.Errorf("no datalist of tags most used first in\n%s", body)
	}
	// The form that changes a note suggests them in the same order.
	if edit := c.get(last + "/edit").Body; !strings.Contains(edit, want) {
		t.Errorf("the change form does not suggest the tags most used first")
	}
	if !strings.Contains(body, "Most used in this review: outreach, Access, Zebra crossing.") {
		t.Errorf("hint does not name the most used themes")
	}
}

// TestNotesSavedInTheBrowserNameTheirAuthorInTheAuditLog: a note saved by the plain form and one
// saved by the page's script are logged with their author's email, and the audit log's email
// filter finds both.
func TestNotesSavedInTheBrowserNameTheirAuthorInTheAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	r := c.post(f.postPath(), f.ntForm(t, c))
	m := ntNoteRE.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("form: %d %s", r.Status, r.Location)
	}
	byForm := m[1]
	form := f.ntForm(t, c)
	form.Set("idempotency_key", njsKey)
	r, body := c.postJSON(f.postPath(), form)
	byScript, _ := body["id"].(string)
	if r.Status != http.StatusCreated || byScript == "" {
		t.Fatalf("script: %d %s", r.Status, r.Body)
	}
	for path, id := range map[string]string{"form": byForm, "script": byScript} {
		var email string
		if err := e.db.Super.QueryRow(context.Background(), `SELECT actor_email FROM audit_log
			WHERE action = 'evidence.created' AND object_id = $1`, id).Scan(&email); err != nil {
			t.Fatal(err)
		}
		if email != "inspector@demo.test" {
			t.Errorf("note saved by the %s: logged with actor email %q", path, email)
		}
	}
	page := e.signedIn("admin@demo.test").get("/admin/audit?action=evidence.created&actor=" + url.QueryEscape("inspector@demo.test"))
	if page.Status != http.StatusOK {
		t.Fatalf("audit log: %d", page.Status)
	}
	for path, id := range map[string]string{"form": byForm, "script": byScript} {
		if !strings.Contains(page.Body, id) {
			t.Errorf("the email filter misses the note saved by the %s", path)
		}
	}
	if regexp.MustCompile(`<td class="govuk-table__cell">\s*System\s*</td>`).MatchString(page.Body) {
		t.Error("an entry of the inspector's is shown as System")
	}
}

// TestAnotherAuthorsKeyNeitherReachesTheirNoteNorDropsOne: a note sent with the idempotency key of
// another author's note is saved as a note of its own, by the form and by the script, and the
// redirect or answer names the sender's note, never the other author's.
func TestAnotherAuthorsKeyNeitherReachesTheirNoteNorDropsOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	inspector := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, inspector)
	r := inspector.post(f.postPath(), form)
	m := ntNoteRE.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("inspector's note: %d %s", r.Status, r.Location)
	}
	theirs := m[1]
	lead := e.signedIn("lead@demo.test")
	leadForm := f.ntForm(t, lead)
	leadForm.Set("idempotency_key", form.Get("idempotency_key"))
	leadForm.Set("body", "The lead's own note, sent with the inspector's key.")
	r = lead.post(f.postPath(), leadForm)
	m = ntNoteRE.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil || m[1] == theirs {
		t.Fatalf("lead's note by the form: %d %s, want a note of its own (not %s)", r.Status, r.Location, theirs)
	}
	vtWant(t, lead.get(r.Location), http.StatusOK, "The lead&#39;s own note")
	// The same by the script, with a key the inspector used there.
	jsForm := f.ntForm(t, inspector)
	jsForm.Set("idempotency_key", njsKey)
	if r, _ := inspector.postJSON(f.postPath(), jsForm); r.Status != http.StatusCreated {
		t.Fatalf("inspector's note by the script: %d %s", r.Status, r.Body)
	}
	leadJS := f.ntForm(t, lead)
	leadJS.Set("idempotency_key", njsKey)
	r, body := lead.postJSON(f.postPath(), leadJS)
	if r.Status != http.StatusCreated || body["created"] != true {
		t.Fatalf("lead's note by the script: %d %s, want 201 and a note of its own", r.Status, r.Body)
	}
	if n := f.notes(); n != 4 {
		t.Errorf("%d notes, want 4", n)
	}
}
