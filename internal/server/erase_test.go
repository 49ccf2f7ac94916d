package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/audit"
	"thematic/internal/evidence"
	"thematic/internal/testenv"
)

// An inspector records a note holding an NHS number and an email address and edits it, so that the
// audit log holds copies of them; it is deleted, and a lead erases it for good: the note and the
// audit log no longer hold them, and the audit log says who took them out and why.
func TestEraseADeletedNoteForGood(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newNoteFixture(t, e)
	const nhs, email, reason = "943 476 5919", "jo.bloggs@example.org", "Personal data recorded by mistake"
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("body", "Mother gave her NHS number "+nhs+" and asked to be emailed at "+email+".")
	form.Set("tags", "Referral from "+email)
	form.Set("confirm_personal_data", "yes")
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	id := ntNoteRE.FindStringSubmatch(r.Location)[1]
	edit := ntCopy(form)
	edit.Del("idempotency_key")
	edit.Set("version", "1")
	edit.Set("body", "Mother gave her NHS number "+nhs+" again, and her email "+email+".")
	if r := c.post(f.notePath(id), edit); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	holding := func(s string) int {
		return f.count(`SELECT count(*) FROM audit_log WHERE before::text LIKE '%'||$1||'%' OR after::text LIKE '%'||$1||'%'`, s)
	}
	if n := holding(nhs); n < 2 {
		t.Fatalf("%d audit entries hold the NHS number before erasing, want 2 or more", n)
	}

	lead := e.signedIn("lead@demo.test")
	// A note not deleted cannot be erased.
	vtWant(t, lead.post(f.notePath(id, "/erase"), url.Values{"reason": {reason}}), http.StatusConflict, evidence.NotDeletedMessage)
	if r := c.post(f.notePath(id, "/delete"), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	// The inspector sees the undo but not the erasure; the lead sees both.
	if p := c.get(f.notePath(id, "/deleted")); strings.Contains(p.Body, "Erase this note for good") {
		t.Error("the inspector is offered the erasure")
	}
	if r := c.post(f.notePath(id, "/erase"), url.Values{"reason": {reason}}); r.Status != http.StatusForbidden {
		t.Errorf("the inspector erases: %d", r.Status)
	}
	vtWant(t, lead.get(f.notePath(id, "/deleted")), http.StatusOK, "Note deleted", "Undo", "Erase this note for good",
		"govuk-warning-text", "govuk-button--warning")
	// No reason: the error, and nothing erased.
	vtWant(t, lead.post(f.notePath(id, "/erase"), url.Values{"reason": {"  "}}), http.StatusUnprocessableEntity,
		"There is a problem", "Say why the note is erased", `href="#reason"`)
	if n := f.count(`SELECT count(*) FROM evidence_notes WHERE id = $1 AND purged_at IS NULL AND body LIKE '%'||$2||'%'`, id, nhs); n != 1 {
		t.Fatal("the note was changed without a reason")
	}
	long := strings.Repeat("a", evidence.MaxEraseReason+1)
	vtWant(t, lead.post(f.notePath(id, "/erase"), url.Values{"reason": {long}}), http.StatusUnprocessableEntity,
		strconv.Itoa(evidence.MaxEraseReason)+" characters or fewer", long)

	form = url.Values{"reason": {reason}, "csrf_token": {lead.csrf()}}
	before := te.Statements()
	r = lead.post(f.notePath(id, "/erase"), form)
	if n := te.Statements() - before; n > requestBudget {
		t.Errorf("erasing sends %d statements, more than %d:\n  %s", n, requestBudget, strings.Join(te.StatementsSince(before), "\n  "))
	}
	if r.Status != http.StatusSeeOther || r.Location != "/reviews/"+f.reviewID+"/visits/"+f.visitA {
		t.Fatalf("erase: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	vtWant(t, lead.get(r.Location), http.StatusOK, "Note erased for good")
	if n := f.count(`SELECT count(*) FROM evidence_notes WHERE id = $1 AND body = $2 AND purged_at IS NOT NULL
		AND deleted_at IS NOT NULL AND version = 4 AND search::text NOT LIKE '%bloggs%'`, id, evidence.ErasedBody); n != 1 {
		t.Error("the note is not erased")
	}
	if n := f.count(`SELECT count(*) FROM evidence_note_tags WHERE note_id = $1`, id); n != 0 {
		t.Errorf("%d themes left on the note", n)
	}
	if n := f.count(`SELECT count(*) FROM evidence_tags WHERE review_id = $1 AND name LIKE '%bloggs%'`, f.reviewID); n != 0 {
		t.Error("the theme naming the email address is left")
	}
	if n := f.count(`SELECT count(*) FROM evidence_tags WHERE review_id = $1`, f.reviewID); n != 0 {
		t.Errorf("%d themes left that only the erased note used", n)
	}
	for _, gone := range []string{nhs, email, "jo.bloggs"} {
		if n := holding(gone); n != 0 {
			t.Errorf("%d audit entries still hold %q", n, gone)
		}
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND action IN ('evidence.created', 'evidence.updated')
		AND (before::text LIKE '%by Lee Lead: '||$2||')%' OR after::text LIKE '%by Lee Lead: '||$2||')%')`, id, reason); n != 2 {
		t.Errorf("%d of the note's entries show the redaction, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = $2 AND after->>'reason' = $3`,
		id, audit.RedactedAction, reason); n != 1 {
		t.Errorf("%d audit.redacted entries, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = $2 AND after->>'reason' = $3`,
		id, evidence.ActionErased, reason); n != 1 {
		t.Errorf("%d %s entries, want 1", n, evidence.ActionErased)
	}
	// Its page says it was erased, without its words, and it cannot come back.
	shown := c.get(f.notePath(id))
	vtWant(t, shown, http.StatusOK, "erased for good", evidence.ErasedBody, "Erased for good by Lee Lead", "Text taken out of the audit log")
	if strings.Contains(shown.Body, "bloggs") || strings.Contains(shown.Body, nhs) {
		t.Error("the erased note's page shows its text or themes")
	}
	erased := lead.get(f.notePath(id, "/deleted"))
	vtWant(t, erased, http.StatusOK, "Note erased", "erased for good on")
	if strings.Contains(erased.Body, "Undo") || strings.Contains(erased.Body, `name="reason"`) {
		t.Error("the erased note's page offers an undo or a second erasure")
	}
	vtWant(t, c.post(f.notePath(id, "/restore"), url.Values{}), http.StatusConflict, evidence.ErasedMessage)
	// Erasing twice changes nothing more.
	if r := lead.post(f.notePath(id, "/erase"), url.Values{"reason": {reason}}); r.Status != http.StatusSeeOther {
		t.Errorf("second erase: %d", r.Status)
	}
	if n := e.auditCount(evidence.ActionErased); n != 1 {
		t.Errorf("%d erasures recorded after a second click, want 1", n)
	}
	// The audit page shows the marker, not the text.
	page := e.signedIn("admin@demo.test").get("/admin/audit?object=" + id)
	vtWant(t, page, http.StatusOK, "Redacted", "by Lee Lead: "+reason)
	if strings.Contains(page.Body, nhs) || strings.Contains(page.Body, "jo.bloggs") {
		t.Error("the audit page shows the erased text")
	}
}
