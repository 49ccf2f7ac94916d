package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/report/notes":                         reviewReadStaff,
		"GET /reviews/{reviewID}/report/notes/new":                     reviewLeadWrite,
		"POST /reviews/{reviewID}/report/notes":                        reviewLeadWrite,
		"GET /reviews/{reviewID}/report/notes/{reviewNoteID}":          reviewReadStaff,
		"POST /reviews/{reviewID}/report/notes/{reviewNoteID}/reply":   reviewLeadWrite,
		"POST /reviews/{reviewID}/report/notes/{reviewNoteID}/address": reviewLeadWrite,
		"POST /reviews/{reviewID}/report/notes/{reviewNoteID}/clear":   reviewLeadWrite,
		"POST /reviews/{reviewID}/report/notes/{reviewNoteID}/reopen":  reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

var rnKeyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
var rnVersionRE = regexp.MustCompile(`name="version" value="([0-9]+)"`)

// rnForm reads the idempotency key and version a thread page's forms carry.
func rnForm(t *testing.T, c *client, path string) (key, version string) {
	t.Helper()
	r := c.get(path)
	k, v := rnKeyRE.FindStringSubmatch(r.Body), rnVersionRE.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || k == nil || v == nil {
		t.Fatalf("%s: %d, no form\n%s", path, r.Status, r.Body)
	}
	return k[1], v[1]
}

// TestReviewNotesThroughTheForms raises a note on a finding as the quality assurer, with the
// approval refused until the authors have addressed it and the quality assurer has cleared it;
// forms sent twice make one note and one reply, a stale step gets the conflict page and a
// missing reply keeps what was typed.
func TestReviewNotesThroughTheForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	qa := e.signedIn("qa.lead@demo.test")
	insp := e.signedIn("inspector@demo.test")
	notes := f.path("/notes")

	// Before quality assurance nobody is offered the form.
	if r := qa.get(notes + "/new"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Review notes are raised while the report is in quality assurance") ||
		strings.Contains(r.Body, `name="target"`) {
		t.Fatalf("raise form on a draft: %d\n%s", r.Status, r.Body)
	}
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		if r := e.stMove(lead, f.reviewID, to, ""); r.Status != http.StatusSeeOther {
			t.Fatalf("move to %s: %d\n%s", to, r.Status, r.Body)
		}
	}
	if r := f.step(t, lead, report.StatusQA, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("send for QA: %d\n%s", r.Status, r.Body)
	}
	if r := lead.get(notes + "/new"); !strings.Contains(r.Body, "you sent the report for quality assurance") {
		t.Errorf("the sender is offered to raise a note: %d", r.Status)
	}

	// The form lists the report's parts, the finding among them.
	target := "finding:" + f.findingID
	r := qa.get(notes + "/new?target=" + url.QueryEscape(target))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `<option value="`+target+`" selected>`) ||
		!strings.Contains(r.Body, `<option value="section:background">`) {
		t.Fatalf("raise form: %d\n%s", r.Status, r.Body)
	}
	key := rnKeyRE.FindStringSubmatch(r.Body)[1]
	// Nothing typed: the error summary, and the target kept.
	r = qa.post(notes, url.Values{"target": {target}, "body": {" "}, "idempotency_key": {key}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the review note") ||
		!strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, `<option value="`+target+`" selected>`) {
		t.Fatalf("empty note: %d\n%s", r.Status, r.Body)
	}
	form := url.Values{"target": {target}, "body": {"Say in how many areas this was seen."}, "idempotency_key": {key}}
	r = qa.post(notes, form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, notes+"/") {
		t.Fatalf("raise: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	thread := r.Location
	if again := qa.post(notes, form); again.Status != http.StatusSeeOther || again.Location != thread {
		t.Fatalf("raise sent twice: %d %s", again.Status, again.Location)
	}
	if n := e.auditCount("review_note.raised"); n != 1 {
		t.Fatalf("%d raised, want 1", n)
	}

	// The report page lists it, the overview counts it, and approval is refused.
	if r := insp.get(f.path()); !strings.Contains(r.Body, "1 review note is open") || !strings.Contains(r.Body, `href="`+thread+`"`) {
		t.Errorf("report page lacks the open note:\n%s", r.Body)
	}
	if r := lead.get("/reviews/" + f.reviewID + "/"); !strings.Contains(r.Body, "1 open review note") {
		t.Errorf("overview lacks the count")
	}
	r = f.step(t, qa, report.StatusApproved, "")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The report cannot be approved while 1 review note is open") ||
		!strings.Contains(r.Body, `href="#review-notes"`) {
		t.Fatalf("approval with an open note: %d\n%s", r.Status, r.Body)
	}

	// The inspector reads the thread but has no forms; the raiser cannot address their own note.
	if r := insp.get(thread); r.Status != http.StatusOK || strings.Contains(r.Body, "<form method=\"post\" action=\""+thread) {
		t.Errorf("inspector's thread page: %d", r.Status)
	}
	if r := qa.get(thread); strings.Contains(r.Body, thread+"/address") {
		t.Error("the raiser is offered to address their own note")
	}

	// A reply with nothing in it keeps the page, then a reply sent twice is one reply.
	key, version := rnForm(t, lead, thread)
	r = lead.post(thread+"/reply", url.Values{"body": {""}, "idempotency_key": {key}, "version": {version}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your reply") || !strings.Contains(r.Body, `href="#reply-body"`) {
		t.Fatalf("empty reply: %d\n%s", r.Status, r.Body)
	}
	reply := url.Values{"body": {"Seen in 4 of 6 areas: added."}, "idempotency_key": {key}, "version": {version}}
	for range 2 {
		if r := lead.post(thread+"/reply", reply); r.Status != http.StatusSeeOther {
			t.Fatalf("reply: %d\n%s", r.Status, r.Body)
		}
	}
	if n := e.auditCount("review_note.replied"); n != 1 {
		t.Fatalf("%d replies, want 1", n)
	}
	key, version = rnForm(t, lead, thread)
	if r := lead.post(thread+"/address", url.Values{"idempotency_key": {key}, "version": {version}}); r.Status != http.StatusSeeOther {
		t.Fatalf("address: %d\n%s", r.Status, r.Body)
	}
	// A step from the version before is stale.
	if r := qa.post(thread+"/reopen", url.Values{"body": {"No"}, "idempotency_key": {"0123456789abcdef0123456789abcdef"}, "version": {version}}); r.Status != http.StatusConflict {
		t.Fatalf("stale reopen: %d\n%s", r.Status, r.Body)
	}
	// The lead who addressed it cannot clear it.
	key, version = rnForm(t, lead, thread)
	if r := lead.post(thread+"/clear", url.Values{"idempotency_key": {key}, "version": {version}}); r.Status != http.StatusBadRequest ||
		!strings.Contains(r.Body, "you addressed it") {
		t.Fatalf("clear by the lead who addressed it: %d\n%s", r.Status, r.Body)
	}
	key, version = rnForm(t, qa, thread)
	if r := qa.post(thread+"/clear", url.Values{"body": {"Thanks."}, "idempotency_key": {key}, "version": {version}}); r.Status != http.StatusSeeOther {
		t.Fatalf("clear: %d\n%s", r.Status, r.Body)
	}
	if r := qa.get(thread); !strings.Contains(r.Body, ">Cleared<") || !strings.Contains(r.Body, "cleared the note") {
		t.Errorf("cleared thread:\n%s", r.Body)
	}
	if r := lead.get(notes); !strings.Contains(r.Body, "No review notes are open.") {
		t.Errorf("open notes after clearing:\n%s", r.Body)
	}
	if r := lead.get(notes + "?show=all"); !strings.Contains(r.Body, `href="`+thread+`"`) {
		t.Errorf("all notes lack the cleared one")
	}
	if r := lead.get("/reviews/" + f.reviewID + "/"); !strings.Contains(r.Body, "No open review notes") {
		t.Errorf("overview count after clearing")
	}
	if r := f.step(t, qa, report.StatusApproved, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("approval: %d\n%s", r.Status, r.Body)
	}
	var count int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM review_note_replies`).Scan(&count); err != nil || count != 3 {
		t.Errorf("%d thread entries (%v), want 3", count, err)
	}
}

// TestReviewNoteFormsWithinTheStatementBudget counts the statements of raising a note and of a
// step of its thread, sent with what a lead types.
func TestReviewNoteFormsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newRPFixture(t, e)
	lead, qa := e.signedIn("lead@demo.test"), e.signedIn("qa.lead@demo.test")
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		e.stMove(lead, f.reviewID, to, "")
	}
	if r := f.step(t, lead, report.StatusQA, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("send for QA: %d", r.Status)
	}
	count := func(what string, c *client, path string, form url.Values) resp {
		t.Helper()
		form.Set("csrf_token", c.csrf())
		before := te.Statements()
		r := c.postRaw(path, form)
		n := te.Statements() - before
		t.Logf("%s: %d statements", what, n)
		if n > requestBudget {
			t.Errorf("%s sends %d statements, more than %d:\n  %s", what, n, requestBudget, strings.Join(te.StatementsSince(before), "\n  "))
		}
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", what, r.Status, r.Body)
		}
		return r
	}
	r := count("raise", qa, f.path("/notes"), url.Values{"target": {"section:background"}, "body": {"Shorter, please."},
		"idempotency_key": {"00000000000000000000000000000001"}})
	key, version := rnForm(t, lead, r.Location)
	count("address", lead, r.Location+"/address", url.Values{"body": {"Shortened."}, "idempotency_key": {key}, "version": {version}})
}
