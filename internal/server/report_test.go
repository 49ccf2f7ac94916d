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

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/report":                   reviewReadStaff,
		"POST /reviews/{reviewID}/report/status":           reviewLeadWrite,
		"GET /reviews/{reviewID}/report/sections/edit":     reviewLeadWrite,
		"POST /reviews/{reviewID}/report/sections":         reviewLeadWrite,
		"GET /reviews/{reviewID}/report/versions":          reviewReadStaff,
		"POST /reviews/{reviewID}/report/versions":         reviewLeadWrite,
		"GET /reviews/{reviewID}/report/versions/{number}": reviewReadStaff,
		"GET /reviews/{reviewID}/report/compare":           reviewReadStaff,
		"GET /reviews/{reviewID}/report/check":             reviewReadStaff,
		"POST /reviews/{reviewID}/report/check/overrides":  reviewLeadWrite,
		"GET /reviews/{reviewID}/report/trail":             reviewReadStaff,
		"GET /reviews/{reviewID}/report/export/{format}":   reviewReadStaff,
	} {
		reviewAccessTable[k] = v
	}
}

// rpFixture is the review fixture with a second lead (qa.lead@demo.test) for quality assurance.
type rpFixture struct {
	reviewFixture
	e *env
}

func newRPFixture(t *testing.T, e *env) rpFixture {
	t.Helper()
	f := rpFixture{reviewFixture: newReviewFixture(t, e), e: e}
	ctx := context.Background()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			SELECT $1, $2, id, 'lead', 'Ofsted', 'Senior His Majesty''s Inspector' FROM users WHERE email = 'qa.lead@demo.test'`,
			f.tenantID, f.reviewID)
		if err != nil {
			return err
		}
		// The access fixture's saved version is not this test's: the report's versions start at 1.
		_, err = tx.Exec(ctx, `DELETE FROM report_versions WHERE tenant_id = $1 AND review_id = $2`, f.tenantID, f.reviewID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f rpFixture) path(parts ...string) string {
	return "/reviews/" + f.reviewID + "/report" + strings.Join(parts, "")
}

// text reads a section's stored text and version ("" and 0 when none).
func (f rpFixture) text(t *testing.T, key string) (string, int) {
	t.Helper()
	var body string
	var version int
	err := f.e.db.Super.QueryRow(context.Background(), `SELECT body, version FROM report_texts WHERE review_id = $1 AND key = $2`,
		f.reviewID, key).Scan(&body, &version)
	if err == pgx.ErrNoRows {
		return "", 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return body, version
}

// save saves a section's text from the version stored now and fails unless it is saved.
func (f rpFixture) save(t *testing.T, c *client, key, body string) {
	t.Helper()
	_, v := f.text(t, key)
	r := c.post(f.path("/sections"), url.Values{"key": {key}, "body": {body}, "version": {fmt.Sprint(v)}, "action": {"save"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save %s: %d\n%s", key, r.Status, r.Body)
	}
}

// step takes a workflow step as c from the report's current state.
func (f rpFixture) step(t *testing.T, c *client, to, note string) resp {
	t.Helper()
	var version int
	err := f.e.db.Super.QueryRow(context.Background(), `SELECT version FROM reports WHERE review_id = $1`, f.reviewID).Scan(&version)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return c.post(f.path("/status"), url.Values{"to": {to}, "note": {note}, "version": {fmt.Sprint(version)}})
}

func (f rpFixture) status(t *testing.T) (string, int) {
	t.Helper()
	var s string
	var pub *int
	err := f.e.db.Super.QueryRow(context.Background(), `SELECT status, published_version FROM reports WHERE review_id = $1`, f.reviewID).Scan(&s, &pub)
	if err == pgx.ErrNoRows {
		return report.StatusDraft, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	if pub == nil {
		return s, 0
	}
	return s, *pub
}

func TestReportPageShowsTheReportWithItsEvidenceAndProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	f.save(t, lead, "background", "The review looked at **family hubs^[A note about hubs.]")
	r := lead.get(f.path())
	if r.Status != http.StatusOK {
		t.Fatalf("report: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{
		`<h1 class="govuk-heading-xl">Access review</h1>`,
		`<h2 class="govuk-heading-l" id="background">Background</h2>`,
		`<h2 class="govuk-heading-l" id="methodology">Methodology</h2>`,
		"valued the feeding support.",
		`href="/reviews/` + f.reviewID + `/findings/` + f.findingID + `"`, // the finding's evidence
		`href="/reviews/` + f.reviewID + `/notes/` + f.noteID + `"`,       // and its note
		`href="/reviews/` + f.reviewID + `/report/sections/edit?key=background"`,
		`href="/reviews/` + f.reviewID + `/report/sections/edit?key=area%3A` + f.actionAreaID + `"`,
		"Background, line 1: ** for strong text is opened but not closed", // a problem of authored text
		"Executive summary", "Sections not written yet",
		`id="footnote-1"`, "A note about hubs.", "[footnote 1]",
		"The report can be sent for quality assurance once the review is at drafting", "Draft",
		`/report/export/docx"`,
	} {
		if !strings.Contains(r.Body, html.EscapeString(want)) && !strings.Contains(r.Body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	if n := strings.Count(r.Body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	// An inspector reads the report, with no edit links and no workflow buttons.
	insp := e.signedIn("inspector@demo.test").get(f.path())
	if insp.Status != http.StatusOK || strings.Contains(insp.Body, "/report/sections/edit") || strings.Contains(insp.Body, "Send for quality assurance") {
		t.Errorf("inspector's report page: %d, with lead-only controls", insp.Status)
	}
}

func TestReportSectionPreviewSaveAndStaleEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	r := lead.get(f.path("/sections/edit?key=summary"))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `for="body">Executive summary</label>`) || !strings.Contains(r.Body, "How to format the text") {
		t.Fatalf("edit page: %d\n%s", r.Status, r.Body)
	}
	// Preview: the blocks and the problems, nothing saved.
	r = lead.post(f.path("/sections"), url.Values{"key": {"summary"}, "version": {"0"}, "action": {"preview"},
		"body": {"## What we found\n\nFamilies valued _the hubs^[Seen in August.]\n\n- one\n- two"}})
	if r.Status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"Preview", "What we found</h2>", "<li>one</li>", "Seen in August.", "Line 3: _ for emphasis is opened but not closed"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if body, _ := f.text(t, "summary"); body != "" || e.auditCount("report.text_saved") != 0 {
		t.Fatal("the preview saved the text")
	}
	// Save.
	r = lead.post(f.path("/sections"), url.Values{"key": {"summary"}, "version": {"0"}, "action": {"save"}, "body": {"Families valued the hubs."}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, f.path()) {
		t.Fatalf("save: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	// The same form sent twice saves once.
	r = lead.post(f.path("/sections"), url.Values{"key": {"summary"}, "version": {"0"}, "action": {"save"}, "body": {"Families valued the hubs."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save sent twice: %d", r.Status)
	}
	if body, v := f.text(t, "summary"); body != "Families valued the hubs." || v != 1 || e.auditCount("report.text_saved") != 1 {
		t.Fatalf("saved %q version %d, %d audited", body, v, e.auditCount("report.text_saved"))
	}
	if !strings.Contains(lead.get(f.path()).Body, "Families valued the hubs.") {
		t.Error("the report does not show the saved summary")
	}
	// A stale save: someone saved version 1 meanwhile; this form still says 0.
	r = lead.post(f.path("/sections"), url.Values{"key": {"summary"}, "version": {"0"}, "action": {"save"}, "body": {"My other words."}})
	if r.Status != http.StatusConflict {
		t.Fatalf("stale save: %d", r.Status)
	}
	for _, want := range []string{"Someone else changed this section", "Families valued the hubs.", "My other words.", `name="version" value="1"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	if body, _ := f.text(t, "summary"); body != "Families valued the hubs." {
		t.Errorf("the stale save changed the text to %q", body)
	}
	// Keys: an unknown section, and an action area of another review.
	if r := lead.get(f.path("/sections/edit?key=appendix")); r.Status != http.StatusNotFound {
		t.Errorf("unknown key: %d", r.Status)
	}
	other := newNoteFixture(t, e).otherArea
	if r := lead.get(f.path("/sections/edit?key=area:" + other)); r.Status != http.StatusNotFound {
		t.Errorf("another review's action area: %d", r.Status)
	}
	if r := lead.post(f.path("/sections"), url.Values{"key": {"area:" + other}, "version": {"0"}, "body": {"x"}}); r.Status != http.StatusNotFound {
		t.Errorf("saving another review's action area: %d", r.Status)
	}
	// Too long.
	r = lead.post(f.path("/sections"), url.Values{"key": {"introduction"}, "version": {"0"}, "body": {strings.Repeat("a", report.MaxAuthored+1)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#body"`) {
		t.Errorf("too long: %d", r.Status)
	}
	// The methodology page shows the computed facts, read-only.
	r = lead.get(f.path("/sections/edit?key=methodology"))
	if !strings.Contains(r.Body, "Facts from the review’s data") || !strings.Contains(r.Body, "Northumberland") {
		t.Errorf("methodology page lacks its facts:\n%s", r.Body)
	}
}

func TestReportVersionsSaveListAndCompare(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	f.save(t, lead, "summary", "Families found the hubs welcoming and easy to reach.")
	if r := lead.post(f.path("/versions"), url.Values{"label": {"First draft"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save version: %d\n%s", r.Status, r.Body)
	}
	f.save(t, lead, "summary", "Families found the hubs welcoming but hard to reach.")
	if r := lead.post(f.path("/versions"), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("save version 2: %d", r.Status)
	}
	// Sent twice (nothing changed since): no third version.
	if r := lead.post(f.path("/versions"), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("save version again: %d", r.Status)
	}
	if n := e.auditCount("report.version_saved"); n != 2 {
		t.Errorf("%d versions audited", n)
	}
	r := e.signedIn("observer@demo.test").get(f.path("/versions"))
	for _, want := range []string{"Version 1", "Version 2", "First draft", "Lee Lead", `name="from"`, `value="current"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("versions page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Save a version") {
		t.Error("the observer may save a version")
	}
	if r := lead.get(f.path("/versions/1")); r.Status != http.StatusOK || !strings.Contains(r.Body, "easy to reach") {
		t.Errorf("version 1: %d", r.Status)
	}
	if r := lead.get(f.path("/versions/9")); r.Status != http.StatusNotFound {
		t.Errorf("version 9: %d", r.Status)
	}
	r = lead.get(f.path("/compare?from=1&to=2"))
	if r.Status != http.StatusOK {
		t.Fatalf("compare: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"1 line changed", `<del><span class="govuk-visually-hidden">removed: </span>and</del>`,
		`<ins><span class="govuk-visually-hidden">added: </span>but</ins>`, `<ins><span class="govuk-visually-hidden">added: </span>hard</ins>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
	if r := lead.get(f.path("/compare?from=2&to=current")); !strings.Contains(r.Body, "No changes.") {
		t.Errorf("version 2 and the current report differ:\n%s", r.Body)
	}
	if r := lead.get(f.path("/compare?from=x&to=7")); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad comparison: %d", r.Status)
	}
}

func TestReportCheckListsAnAreaAndKeepingItNeedsAReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	r := lead.get(f.path("/check"))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Nothing blocks publication") {
		t.Fatalf("check of a clean report: %d\n%s", r.Status, r.Body)
	}
	f.save(t, lead, "background", "Leaders in Torbay told us about their hubs.")
	r = lead.get(f.path("/check"))
	for _, want := range []string{"1 thing blocks publication", "Torbay", "Background (your text)", "Leaders in Torbay told us",
		`href="/reviews/` + f.reviewID + `/report/sections/edit?key=background"`, "Names a local authority"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("check lacks %q", want)
		}
	}
	if !strings.Contains(lead.get(f.path()).Body, "1 publication check hit blocks") {
		t.Error("the report page does not count the blocking hit")
	}
	key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if key == nil {
		t.Fatal("no override form")
	}
	r = lead.post(f.path("/check/overrides"), url.Values{"key": {key[1]}, "reason": {"  "}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Give a reason for keeping ‘Torbay’") ||
		!strings.Contains(r.Body, `href="#reason-`+key[1]+`"`) {
		t.Fatalf("override without a reason: %d\n%s", r.Status, r.Body)
	}
	if e.auditCount("report.check_overridden") != 0 {
		t.Fatal("an override without a reason was kept")
	}
	r = lead.post(f.path("/check/overrides"), url.Values{"key": {key[1]}, "reason": {"Torbay asked to be named."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("override: %d\n%s", r.Status, r.Body)
	}
	var term, reason string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT after->>'term', after->>'reason' FROM audit_log
		WHERE action = 'report.check_overridden'`).Scan(&term, &reason); err != nil || term != "Torbay" || reason != "Torbay asked to be named." {
		t.Errorf("audit: %q %q %v", term, reason, err)
	}
	r = lead.get(f.path("/check"))
	for _, want := range []string{"Nothing blocks publication", "Kept with a reason", "Torbay asked to be named.", "Lee Lead"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("check after keeping lacks %q", want)
		}
	}
}

func TestReportWorkflowQualityAssuranceAndPublishing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	qa := e.signedIn("qa.lead@demo.test")
	f.save(t, lead, "background", "We visited Torbay.")

	// The report goes for quality assurance from drafting: the lead moves the review there first.
	r := lead.get(f.path())
	if !strings.Contains(r.Body, "The report can be sent for quality assurance once the review is at drafting") ||
		strings.Contains(r.Body, ">Send for quality assurance<") {
		t.Error("the report at set-up offers to send it for quality assurance")
	}
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		if r := e.stMove(lead, f.reviewID, to, ""); r.Status != http.StatusSeeOther {
			t.Fatalf("move to %s: %d\n%s", to, r.Status, r.Body)
		}
	}
	if r := f.step(t, lead, report.StatusQA, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("send for QA: %d\n%s", r.Status, r.Body)
	}
	// The same form sent twice: one step.
	if r := lead.post(f.path("/status"), url.Values{"to": {report.StatusQA}, "version": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send for QA twice: %d", r.Status)
	}
	// The lead who sent it cannot approve it.
	r = lead.get(f.path())
	if !strings.Contains(r.Body, "Another lead of the review must quality assure the report") || strings.Contains(r.Body, ">Approve<") {
		t.Error("the sending lead is offered the quality assurance")
	}
	r = f.step(t, lead, report.StatusApproved, "")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Another lead must quality assure the report") {
		t.Fatalf("approval by the sender: %d\n%s", r.Status, r.Body)
	}
	// Requesting changes needs a note.
	if r := f.step(t, qa, report.StatusChangesRequested, ""); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Say what needs to change") {
		t.Errorf("changes without a note: %d", r.Status)
	}
	if r := f.step(t, qa, report.StatusApproved, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("approval by the QA lead: %d\n%s", r.Status, r.Body)
	}
	if s, _ := f.status(t); s != report.StatusApproved {
		t.Fatalf("status %s", s)
	}
	// Publishing is refused while the check finds Torbay, and the text cannot change in quality
	// assurance: the lead returns the report to draft, fixes it, and it is approved again.
	r = f.step(t, lead, report.StatusPublished, "")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The report cannot be published: the publication check found 1 thing") {
		t.Fatalf("publishing with a hit: %d\n%s", r.Status, r.Body)
	}
	if s, _ := f.status(t); s != report.StatusApproved {
		t.Fatalf("status %s after a refused publication", s)
	}
	_, v := f.text(t, "background")
	if r := lead.post(f.path("/sections"), url.Values{"key": {"background"}, "version": {fmt.Sprint(v)}, "body": {"Changed."},
		"action": {"save"}}); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "The review is at quality assurance") {
		t.Fatalf("saving text in quality assurance: %d", r.Status)
	}
	if r := f.step(t, lead, report.StatusDraft, "Torbay is named"); r.Status != http.StatusSeeOther {
		t.Fatalf("return to draft: %d\n%s", r.Status, r.Body)
	}
	f.save(t, lead, "background", "We visited six local areas.")
	if r := f.step(t, lead, report.StatusQA, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("send for QA again: %d\n%s", r.Status, r.Body)
	}
	if r := f.step(t, qa, report.StatusApproved, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("approval again: %d\n%s", r.Status, r.Body)
	}
	if r := f.step(t, lead, report.StatusPublished, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", r.Status, r.Body)
	}
	s, pub := f.status(t)
	if s != report.StatusPublished || pub != 5 {
		t.Fatalf("status %s, published version %d", s, pub)
	}
	e.stWant("publishing", f.reviewID, review.StatusPublished, report.StatusPublished)
	if n := e.auditCount("report.status_changed"); n != 6 {
		t.Errorf("%d steps audited", n)
	}
	// Locked.
	if r := lead.post(f.path("/sections"), url.Values{"key": {"background"}, "version": {"2"}, "body": {"Changed."}}); r.Status != http.StatusForbidden {
		t.Errorf("saving a published report's text: %d", r.Status)
	}
	if r := lead.get(f.path("/sections/edit?key=background")); r.Status != http.StatusForbidden {
		t.Errorf("editing a published report's text: %d", r.Status)
	}
	if r := lead.post(f.path("/versions"), nil); r.Status != http.StatusForbidden {
		t.Errorf("saving a version of a published report: %d", r.Status)
	}
	r = lead.get(f.path())
	if !strings.Contains(r.Body, "Published") || strings.Contains(r.Body, "/report/sections/edit") {
		t.Error("the published report still offers editing")
	}
	if !strings.Contains(r.Body, "Correct the published report") {
		t.Error("the published report offers no correction")
	}
}

func TestReportExports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	f.save(t, lead, "background", "Hubs matter.^[A footnote.]")
	for _, c := range []struct{ format, ctype, ext string }{
		{"html", "text/html; charset=utf-8", "html"},
		{"govspeak", "text/markdown; charset=utf-8", "md"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
	} {
		r := lead.get(f.path("/export/" + c.format))
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", c.format, r.Status, r.Body)
		}
		if got := r.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("%s: content type %q", c.format, got)
		}
		if got := r.Header.Get("Content-Disposition"); got != `attachment; filename="access-review.`+c.ext+`"` {
			t.Errorf("%s: disposition %q", c.format, got)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.format)
		}
		switch c.format {
		case "html":
			if !strings.Contains(r.Body, "<title>Access review</title>") || strings.Contains(r.Body, "data-origin") || strings.Contains(r.Body, f.noteID) {
				t.Errorf("html export: title missing or origins shown")
			}
		case "govspeak":
			if !strings.Contains(r.Body, "## Methodology") || !strings.Contains(r.Body, "[^1]") {
				t.Errorf("govspeak export:\n%s", r.Body)
			}
		case "docx":
			z, err := zip.NewReader(bytes.NewReader([]byte(r.Body)), int64(len(r.Body)))
			if err != nil {
				t.Fatalf("docx is not a zip: %v", err)
			}
			found := false
			for _, zf := range z.File {
				found = found || zf.Name == "word/document.xml"
			}
			if !found {
				t.Error("docx has no word/document.xml")
			}
		}
	}
	r := lead.get(f.path("/export/pdf"))
	if report.ChromiumPath() == "" {
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, html.EscapeString(report.ErrNoChromium.Error())) {
			t.Errorf("pdf without Chromium: %d", r.Status)
		}
	} else if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF") {
		t.Errorf("pdf: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r := lead.get(f.path("/export/rtf")); r.Status != http.StatusNotFound {
		t.Errorf("unknown format: %d", r.Status)
	}
	// The trail is a page of the app, for the team, with the notes linked.
	r = e.signedIn("observer@demo.test").get(f.path("/trail"))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "valued the feeding support.") ||
		!strings.Contains(r.Body, `/notes/`+f.noteID+`"`) || !strings.Contains(r.Body, "Northumberland") {
		t.Errorf("trail: %d\n%s", r.Status, r.Body)
	}
}

// reportStatementBudget is the most statements GET /report may send: the 14 of every lead's review
// page, and the report's reads (review, texts, framework, findings, their notes, the facts,
// examples and recommendations, the state, the check's terms and overrides).
const reportStatementBudget = 40

func TestReportStatementCountsDoNotGrowWithRows(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	f.save(t, lead, "background", "Background.")
	few, r := measure(t, te, lead, f.path())
	if !strings.Contains(r.Body, "valued the feeding support.") {
		t.Fatal("the measured page does not show the finding")
	}
	// 60 more findings over every action area, each supported by 5 of 100 new notes, and text
	// in every section.
	ctx := context.Background()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		stmts := []string{
			`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, source_id, note_date, body, judgement, idempotency_key, author_id)
			SELECT n.tenant_id, n.review_id, n.visit_id, n.area_id, n.source_id, n.note_date, 'Bulk note ' || g, n.judgement,
				'rp-bulk-' || g, n.author_id FROM evidence_notes n, generate_series(1, 100) g WHERE n.tenant_id = $1 AND n.id = $2`,
			`INSERT INTO evidence_note_action_areas (tenant_id, review_id, note_id, action_area_id)
			SELECT n.tenant_id, n.review_id, n.id, $2 FROM evidence_notes n WHERE n.tenant_id = $1 AND n.body LIKE 'Bulk note %'
			ON CONFLICT DO NOTHING`,
			`INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, idempotency_key, created_by)
			SELECT $1, f.review_id, aa.id, 10 + g, 'Bulk finding ' || g, 'rp-finding-' || aa.id || '-' || g, f.created_by
			FROM findings f, action_areas aa, generate_series(1, 10) g
			WHERE f.tenant_id = $1 AND f.id = $2 AND aa.tenant_id = $1 AND aa.review_id = f.review_id`,
			`INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
			SELECT $1, f.id, n.id, 'supports' FROM findings f
			JOIN LATERAL (SELECT id FROM evidence_notes WHERE tenant_id = $1 AND body LIKE 'Bulk note %' ORDER BY random() LIMIT 5) n ON true
			WHERE f.tenant_id = $1 AND f.body LIKE 'Bulk finding %'`,
			`INSERT INTO report_texts (tenant_id, review_id, key, body)
			SELECT $1, r.id, k, 'Text of ' || k FROM reviews r, unnest(ARRAY['summary', 'introduction', 'methodology', 'recommendations']) k
			WHERE r.tenant_id = $1 AND r.id = $2
			UNION ALL SELECT $1, aa.review_id, 'area:' || aa.id, 'Linking prose.' FROM action_areas aa WHERE aa.tenant_id = $1 AND aa.review_id = $2
			ON CONFLICT DO NOTHING`,
		}
		args := [][]any{{f.tenantID, f.noteID}, {f.tenantID, f.actionAreaID}, {f.tenantID, f.findingID}, {f.tenantID}, {f.tenantID, f.reviewID}}
		for i, s := range stmts {
			if _, err := tx.Exec(ctx, s, args[i]...); err != nil {
				return fmt.Errorf("statement %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	many, r := measure(t, te, lead, f.path())
	if strings.Count(strings.ToLower(r.Body), "bulk finding") < 60 {
		t.Fatalf("the page shows %d bulk findings", strings.Count(strings.ToLower(r.Body), "bulk finding"))
	}
	t.Logf("GET /report: %d statements with 1 finding, %d with 61 findings and 101 notes", few, many)
	if many != few {
		t.Errorf("GET /report: %d statements, then %d: a query runs per row", few, many)
	}
	if many > reportStatementBudget {
		t.Errorf("GET /report: %d statements, over the budget of %d", many, reportStatementBudget)
	}
}
