package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func init() {
	// The fixture's {noteID} is an ordinary note: the concern routes answer 404 for it even to
	// those who may use them (a concern is tested in TestSafeguardingConcern...).
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/safeguarding":                         reviewLeadWrite,
		"POST /reviews/{reviewID}/notes/{noteID}/safeguarding/actions": {signIn, missing, missing, missing, forbid, forbid, forbid, missing},
		"POST /reviews/{reviewID}/notes/{noteID}/safeguarding/close":   {signIn, missing, missing, forbid, forbid, forbid, forbid, missing},
		"GET /reviews/{reviewID}/evidence/lock":                        reviewLeadWrite,
		"POST /reviews/{reviewID}/evidence/lock":                       reviewLeadWrite,
		"POST /reviews/{reviewID}/evidence/unlock":                     reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

const sgBody = "A parent described harm to a toddler at home during the focus group."

// sgFixture is the review fixture with a second inspector (cqc.inspector@demo.test) in the review.
type sgFixture struct {
	reviewFixture
	e *env
}

func newSGFixture(t *testing.T) *sgFixture {
	t.Helper()
	e := newEnv(t)
	f := &sgFixture{reviewFixture: newReviewFixture(t, e), e: e}
	if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO review_members (tenant_id, review_id, user_id, role)
		SELECT $1, $2, id, 'inspector' FROM users WHERE email = 'cqc.inspector@demo.test'`, f.tenantID, f.reviewID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *sgFixture) path(parts ...string) string {
	return "/reviews/" + f.reviewID + strings.Join(parts, "")
}

// raise records a note marked as a concern through the form, as c, and returns its id.
func (f *sgFixture) raise(t *testing.T, c *client, key string) string {
	t.Helper()
	var source string
	if err := f.e.db.Super.QueryRow(context.Background(), `SELECT id FROM evidence_sources WHERE review_id = $1 AND NOT needs_role
		ORDER BY position LIMIT 1`, f.reviewID).Scan(&source); err != nil {
		t.Fatal(err)
	}
	r := c.post(f.path("/visits/", f.visit1, "/notes"), url.Values{"idempotency_key": {key}, "source": {source},
		"note-date-day": {"3"}, "note-date-month": {"8"}, "note-date-year": {"2023"}, "body": {sgBody},
		"judgement": {"neutral"}, "safeguarding": {"yes"}, "action": {"save"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("raise: %d\n%s", r.Status, r.Body)
	}
	m := ntNoteRE.FindStringSubmatch(r.Location)
	if m == nil {
		t.Fatalf("redirect to %q", r.Location)
	}
	return m[1]
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (f *sgFixture) mail(to string) []string {
	f.e.t.Helper()
	rows, err := f.e.db.Super.Query(context.Background(), `SELECT subject || E'\n' || body FROM dev_mail WHERE to_address = $1 ORDER BY id`, to)
	if err != nil {
		f.e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			f.e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSafeguardingConcernIsSeenByAuthorAndLeadsOnly(t *testing.T) {
	t.Parallel()
	f := newSGFixture(t)
	e := f.e
	author := e.signedIn("inspector@demo.test")
	lead := e.signedIn("lead@demo.test")
	form := author.get(f.path("/visits/", f.visit1, "/notes/new"))
	areasWantStatus(t, "form", form, http.StatusOK, `id="safeguarding"`, "This is a safeguarding concern", "Only you and the review’s leads will see this note")
	id := f.raise(t, author, "sg-access-1")
	// The same key again: one concern, one email.
	if again := f.raise(t, author, "sg-access-1"); again != id {
		t.Errorf("second submit made %s", again)
	}

	// Told at once: the lead's email names the review and who raised it, never the text.
	mails := f.mail("lead@demo.test")
	if len(mails) != 1 {
		t.Fatalf("lead got %d emails", len(mails))
	}
	if m := mails[0]; !strings.Contains(m, "Safeguarding concern raised in Access review") || !strings.Contains(m, "Ira Inspector has raised a safeguarding concern") ||
		!strings.Contains(m, "/reviews/"+f.reviewID+"/notes/"+id) || strings.Contains(m, "harm") || strings.Contains(m, "toddler") {
		t.Errorf("lead's email:\n%s", m)
	}
	if n := len(f.mail("inspector@demo.test")) + len(f.mail("cqc.inspector@demo.test")) + len(f.mail("observer@demo.test")); n != 0 {
		t.Errorf("%d emails to people who are not leads", n)
	}

	// The note and its pages: the author and the lead; 404 for everyone else in the review.
	note := f.path("/notes/", id)
	areasWantStatus(t, "author", author.get(note), http.StatusOK, sgBody, "This note is a safeguarding concern", "Record action taken")
	areasWantStatus(t, "lead", lead.get(note), http.StatusOK, sgBody, "Record action taken", "Close the concern")
	if r := author.get(note); strings.Contains(r.Body, "Close the concern") || strings.Contains(r.Body, "Delete the note") {
		t.Error("the author is offered to close or delete the concern")
	}
	others := map[string]int{
		"cqc.inspector@demo.test": http.StatusNotFound, "observer@demo.test": http.StatusNotFound,
		"admin@demo.test": http.StatusNotFound, "admin@other.test": http.StatusNotFound, "la.contact@demo.test": http.StatusForbidden,
	}
	for email, want := range others {
		c := e.signedIn(email)
		if r := c.get(note); r.Status != want || strings.Contains(r.Body, "toddler") {
			t.Errorf("%s reads the concern: %d", email, r.Status)
		}
	}
	other := e.signedIn("cqc.inspector@demo.test")
	for _, p := range []string{"/edit", "/deleted"} {
		if r := other.get(note + p); r.Status != http.StatusNotFound {
			t.Errorf("another inspector GET %s: %d", p, r.Status)
		}
	}
	for _, p := range []string{"", "/delete", "/restore", "/safeguarding/actions"} {
		if r := other.post(note+p, url.Values{"body": {"x"}, "action": {"x"}, "version": {"1"}, "idempotency_key": {"k"}}); r.Status != http.StatusNotFound {
			t.Errorf("another inspector POST %s: %d", p, r.Status)
		}
	}
	if r := e.signedIn("observer@demo.test").get(note + "/edit"); r.Status != http.StatusForbidden {
		t.Errorf("observer edits: %d", r.Status)
	}
	// The author cannot delete it.
	if r := author.post(note+"/delete", nil); r.Status != http.StatusForbidden {
		t.Errorf("author deletes a concern: %d", r.Status)
	}

	// Never in the evidence base or its export, for anyone.
	for _, c := range []*client{lead, author} {
		if r := c.get(f.path("/evidence")); r.Status != http.StatusOK || strings.Contains(r.Body, id) {
			t.Errorf("the concern is in the evidence base (%d)", r.Status)
		}
		if r := c.get(f.path("/evidence.csv")); r.Status != http.StatusOK || strings.Contains(r.Body, "toddler") || !strings.Contains(r.Body, "infant feeding") {
			t.Errorf("the concern is in the export (%d)\n%s", r.Status, r.Body)
		}
		if r := c.get(f.path("/evidence?q=toddler")); strings.Contains(r.Body, id) {
			t.Error("search finds the concern")
		}
	}

	// The banner: leads only, on the review's pages.
	areasWantStatus(t, "lead's banner", lead.get(f.path("/evidence")), http.StatusOK, "1 open safeguarding concern needs action",
		`href="/reviews/`+f.reviewID+`/safeguarding"`)
	if r := author.get(f.path("/evidence")); strings.Contains(r.Body, "safeguarding concern needs action") {
		t.Error("the author sees the leads' banner")
	}
	if r := lead.get("/reviews"); strings.Contains(r.Body, "needs action") {
		t.Error("the banner shows outside the review")
	}
	if n := e.auditCount("safeguarding.raised"); n != 1 {
		t.Errorf("safeguarding.raised = %d", n)
	}
}

func TestSafeguardingActionsAndClosing(t *testing.T) {
	t.Parallel()
	f := newSGFixture(t)
	e := f.e
	author := e.signedIn("inspector@demo.test")
	lead := e.signedIn("lead@demo.test")
	id := f.raise(t, author, "sg-actions-1")
	note := f.path("/notes/", id)

	// Empty: the page again with the error, 422.
	areasWantStatus(t, "empty action", author.post(note+"/safeguarding/actions", url.Values{"action": {"  "}, "idempotency_key": {"a0"}}),
		http.StatusUnprocessableEntity, "There is a problem", `href="#action"`, "Enter the action taken")
	// The author and the lead record actions; a double submit records one.
	for _, c := range []*client{author, author} {
		if r := c.post(note+"/safeguarding/actions", url.Values{"action": {"Told the on-site safeguarding lead."}, "idempotency_key": {"a1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("author records: %d\n%s", r.Status, r.Body)
		}
	}
	if r := lead.post(note+"/safeguarding/actions", url.Values{"action": {"Referred to children’s social care."}, "idempotency_key": {"a2"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("lead records: %d\n%s", r.Status, r.Body)
	}
	if n := e.auditCount("safeguarding.action_recorded"); n != 2 {
		t.Errorf("actions recorded = %d, want 2", n)
	}
	areasWantStatus(t, "note page", author.get(note), http.StatusOK, "Told the on-site safeguarding lead.", "Referred to children’s social care.", "Ira Inspector", "Lee Lead", "Open")

	// The leads' list.
	areasWantStatus(t, "list", lead.get(f.path("/safeguarding")), http.StatusOK, "Safeguarding concerns", "1 open concern", note, "Open", "Northumberland")
	// Only a lead closes it, with a note.
	if r := author.post(note+"/safeguarding/close", url.Values{"closing": {"Done"}}); r.Status != http.StatusForbidden {
		t.Errorf("author closes: %d", r.Status)
	}
	areasWantStatus(t, "close without a note", lead.post(note+"/safeguarding/close", url.Values{"closing": {""}}),
		http.StatusUnprocessableEntity, `href="#closing"`)
	if r := lead.post(note+"/safeguarding/close", url.Values{"closing": {"The local authority has taken it on."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", r.Status, r.Body)
	}
	areasWantStatus(t, "closed", lead.get(note), http.StatusOK, "Closed", "The local authority has taken it on.")
	if r := lead.get(note); strings.Contains(r.Body, "Record action taken") || strings.Contains(r.Body, "needs action") {
		t.Error("a closed concern still offers actions or shows the banner")
	}
	if r := author.post(note+"/safeguarding/actions", url.Values{"action": {"Late"}, "idempotency_key": {"a3"}}); r.Status != http.StatusConflict {
		t.Errorf("action after closing: %d", r.Status)
	}
	areasWantStatus(t, "list after closing", lead.get(f.path("/safeguarding")), http.StatusOK, "0 open concerns", "Closed")
	// Still out of the evidence base.
	if r := lead.get(f.path("/evidence.csv")); strings.Contains(r.Body, "toddler") {
		t.Error("a closed concern is in the export")
	}
	if n := e.auditCount("safeguarding.closed"); n != 1 {
		t.Errorf("safeguarding.closed = %d", n)
	}
}

func TestSafeguardingMarkedOnEdit(t *testing.T) {
	t.Parallel()
	f := newSGFixture(t)
	e := f.e
	author := e.signedIn("inspector@demo.test")
	note := f.path("/notes/", f.noteID)
	edit := author.get(note + "/edit")
	areasWantStatus(t, "edit form", edit, http.StatusOK, `id="safeguarding"`)
	var source string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT source_id FROM evidence_notes WHERE id = $1`, f.noteID).Scan(&source); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"version": {"1"}, "source": {source}, "note-date-day": {"3"}, "note-date-month": {"8"}, "note-date-year": {"2023"},
		"body": {"Parents at the baby group spoke about the infant feeding support."}, "action_areas": {f.actionAreaID},
		"judgement": {"neutral"}, "safeguarding": {"yes"}}
	// Another inspector may not mark it: they would lose sight of it.
	areasWantStatus(t, "another inspector marks", e.signedIn("cqc.inspector@demo.test").post(note, cloneValues(form)), http.StatusUnprocessableEntity,
		`href="#safeguarding"`)
	if r := author.post(note, form); r.Status != http.StatusSeeOther {
		t.Fatalf("author marks: %d\n%s", r.Status, r.Body)
	}
	if len(f.mail("lead@demo.test")) != 1 {
		t.Error("the lead was not told")
	}
	if r := e.signedIn("observer@demo.test").get(note); r.Status != http.StatusNotFound {
		t.Errorf("observer reads the marked note: %d", r.Status)
	}
}

func TestEvidenceLock(t *testing.T) {
	t.Parallel()
	f := newSGFixture(t)
	e := f.e
	lead := e.signedIn("lead@demo.test")
	author := e.signedIn("inspector@demo.test")
	concern := f.raise(t, author, "sg-lock-1")
	areasWantStatus(t, "lock page before analysis", lead.get(f.path("/evidence/lock")), http.StatusOK, "Lock the evidence", "moved past analysis")
	areasWantStatus(t, "lock before analysis", lead.post(f.path("/evidence/lock"), nil), http.StatusUnprocessableEntity,
		"There is a problem", "past analysis")
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE reviews SET status = 'drafting' WHERE id = $1`, f.reviewID); err != nil {
		t.Fatal(err)
	}
	areasWantStatus(t, "evidence base link", lead.get(f.path("/evidence")), http.StatusOK, `href="/reviews/`+f.reviewID+`/evidence/lock"`)
	if r := lead.post(f.path("/evidence/lock"), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("lock: %d\n%s", r.Status, r.Body)
	}
	areasWantStatus(t, "locked page", lead.get(f.path("/evidence/lock")), http.StatusOK, "The evidence is locked", "The evidence for this review is locked by Lee")
	note := f.path("/notes/", f.noteID)
	r := author.get(note)
	areasWantStatus(t, "locked note", r, http.StatusOK, "The evidence for this review is locked")
	if strings.Contains(r.Body, "Change the note") || strings.Contains(r.Body, "Delete the note") {
		t.Error("a locked note offers changes")
	}
	if r := author.get(note + "/edit"); r.Status != http.StatusForbidden {
		t.Errorf("edit form of a locked note: %d", r.Status)
	}
	if r := author.post(note+"/delete", nil); r.Status != http.StatusForbidden {
		t.Errorf("delete a locked note: %d", r.Status)
	}
	before := 0
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, f.reviewID).Scan(&before); err != nil {
		t.Fatal(err)
	}
	var source string
	_ = e.db.Super.QueryRow(context.Background(), `SELECT source_id FROM evidence_notes WHERE id = $1`, f.noteID).Scan(&source)
	if r := author.post(f.path("/visits/", f.visit1, "/notes"), url.Values{"idempotency_key": {"sg-lock-new"}, "source": {source},
		"note-date-day": {"3"}, "note-date-month": {"8"}, "note-date-year": {"2023"}, "body": {"Too late."}, "judgement": {"neutral"}}); r.Status != http.StatusForbidden {
		t.Errorf("new note on a locked review: %d", r.Status)
	}
	// Actions on a concern can still be recorded.
	if r := author.post(f.path("/notes/", concern, "/safeguarding/actions"), url.Values{"action": {"Followed up."}, "idempotency_key": {"l1"}}); r.Status != http.StatusSeeOther {
		t.Errorf("action on a locked review: %d", r.Status)
	}
	if r := lead.post(f.path("/evidence/unlock"), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d", r.Status)
	}
	if r := author.get(note + "/edit"); r.Status != http.StatusOK {
		t.Errorf("edit after unlocking: %d", r.Status)
	}
	if e.auditCount("evidence.locked") != 1 || e.auditCount("evidence.unlocked") != 1 {
		t.Error("lock and unlock not audited")
	}
	after := 0
	_ = e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, f.reviewID).Scan(&after)
	if after != before {
		t.Errorf("a note was saved on a locked review")
	}
}

// TestConcernThemesShownOnlyToThoseWhoSeeTheConcern: a theme used only on a concern is in the
// evidence base's filter, the note form's themes and the synthesis workspace's filter of the
// concern's author and the leads, never of another inspector or an observer; never on the
// coverage page (concerns are not evidence) nor in the audit log the tenant admin reads.
func TestConcernThemesShownOnlyToThoseWhoSeeTheConcern(t *testing.T) {
	t.Parallel()
	f := newSGFixture(t)
	e := f.e
	const secret = "Mill Lane harm"
	author := e.signedIn("inspector@demo.test")
	var source string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM evidence_sources WHERE review_id = $1 AND NOT needs_role
		ORDER BY position LIMIT 1`, f.reviewID).Scan(&source); err != nil {
		t.Fatal(err)
	}
	for _, n := range []url.Values{
		{"idempotency_key": {"sg-tags-0"}, "body": {"Parents found the hub easy to reach."}, "tags": {"Open theme"}},
		{"idempotency_key": {"sg-tags-1"}, "body": {sgBody}, "tags": {secret}, "safeguarding": {"yes"}},
	} {
		for k, v := range map[string]string{"source": source, "note-date-day": "3", "note-date-month": "8", "note-date-year": "2023",
			"judgement": "neutral", "action_areas": f.actionAreaID, "action": "save"} {
			n.Set(k, v)
		}
		if r := author.post(f.path("/visits/", f.visit1, "/notes"), n); r.Status != http.StatusSeeOther {
			t.Fatalf("note: %d\n%s", r.Status, r.Body)
		}
	}
	pages := map[string]string{
		"evidence base": f.path("/evidence"),
		"note form":     f.path("/visits/", f.visit1, "/notes/new"),
		"synthesis":     f.path("/synthesis/", f.actionAreaID),
	}
	for _, who := range []struct {
		email string
		sees  bool
	}{{"inspector@demo.test", true}, {"lead@demo.test", true}, {"cqc.inspector@demo.test", false}, {"observer@demo.test", false}} {
		c := e.signedIn(who.email)
		for place, path := range pages {
			r := c.get(path)
			if r.Status == http.StatusForbidden && who.email == "observer@demo.test" && place == "note form" {
				continue // an observer records nothing
			}
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "Open theme") {
				t.Errorf("%s, %s: %d, or no theme of an ordinary note", who.email, place, r.Status)
				continue
			}
			if strings.Contains(r.Body, secret) != who.sees {
				t.Errorf("%s, %s: the concern's theme shown = %v, want %v", who.email, place, !who.sees, who.sees)
			}
		}
		if r := c.get(f.path("/coverage")); r.Status != http.StatusOK || strings.Contains(r.Body, secret) {
			t.Errorf("%s, coverage: %d, or the concern's theme", who.email, r.Status)
		}
	}
	if r := e.signedIn("admin@demo.test").get("/admin/audit"); r.Status != http.StatusOK || strings.Contains(r.Body, secret) {
		t.Errorf("audit log: %d, or the concern's theme", r.Status)
	}
}
