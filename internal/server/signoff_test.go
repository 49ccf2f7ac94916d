package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/report"
	"thematic/internal/review"
)

func init() {
	reviewAccessTable["GET /reviews/{reviewID}/report/versions/{number}/export/{format}"] = reviewReadStaff
}

// soExec runs sql as the superuser: a change to the review's data by any path at all.
func (f rpFixture) soExec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.e.db.Super.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// soApproval reads what the report's row records of its approval.
func (f rpFixture) soApproval(t *testing.T) (hash string, version int) {
	t.Helper()
	var v *int
	if err := f.e.db.Super.QueryRow(context.Background(), `SELECT coalesce(approved_hash, ''), approved_version FROM reports
		WHERE review_id = $1`, f.reviewID).Scan(&hash, &v); err != nil {
		t.Fatal(err)
	}
	if v != nil {
		version = *v
	}
	return hash, version
}

// soLabels lists the labels of the report's saved versions, oldest first.
func (f rpFixture) soLabels(t *testing.T) []string {
	t.Helper()
	rows, err := f.e.db.Super.Query(context.Background(), `SELECT label FROM report_versions WHERE review_id = $1 ORDER BY number`, f.reviewID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func soWant(t *testing.T, what string, r resp, status int, says ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, r.Status, status, r.Body)
	}
	for _, s := range says {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("%s: the page does not say %q\n%s", what, s, r.Body)
		}
	}
}

// TestReportApprovalIsBoundToItsContent: each sign-off step saves a version; approval records
// the approved version and its hash; a finding changed after approval (behind the app's back,
// as any path might) makes the report page and the overview stop calling it approved and show
// what changed, and publishing is refused with the difference shown and returns the report and
// review to drafting, audited; sent and approved again, it publishes.
func TestReportApprovalIsBoundToItsContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	qa := e.signedIn("qa.lead@demo.test")
	f.save(t, lead, "summary", "Families found the hubs welcoming.")
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		soWant(t, "move to "+string(to), e.stMove(lead, f.reviewID, to, ""), http.StatusSeeOther)
	}
	soWant(t, "send for QA", f.step(t, lead, report.StatusQA, ""), http.StatusSeeOther)
	soWant(t, "approve", f.step(t, qa, report.StatusApproved, ""), http.StatusSeeOther)
	if got := strings.Join(f.soLabels(t), ", "); got != "Sent for quality assurance, Approved" {
		t.Fatalf("versions saved: %s", got)
	}
	hash, version := f.soApproval(t)
	if version != 2 || len(hash) != 64 {
		t.Fatalf("approval recorded version %d, hash %q", version, hash)
	}
	r := lead.get(f.path())
	soWant(t, "the approved report", r, http.StatusOK, `id="report-state">Approved<`, ">Publish<")
	if strings.Contains(r.Body, "Changed since approval") {
		t.Fatal("an unchanged report shows as changed")
	}

	// A finding changes after the approval.
	f.soExec(t, `UPDATE findings SET body = 'Parents valued the breastfeeding support.' WHERE id = $1`, f.findingID)
	r = lead.get(f.path())
	soWant(t, "the changed report", r, http.StatusOK, "Changed since approval", "is not approved any more",
		`id="report-state">Draft<`, "What changed since version 2 was approved", "1 line changed",
		"<ins><span class=\"govuk-visually-hidden\">added: </span>breastfeeding</ins>", ">Return to drafting<",
		"/report/compare?from=2&amp;to=current")
	if strings.Contains(r.Body, ">Publish<") || strings.Contains(r.Body, `id="report-state">Approved<`) {
		t.Fatal("a changed report is still offered for publication or shown as approved")
	}
	soWant(t, "the changed report, to an observer", e.signedIn("observer@demo.test").get(f.path()), http.StatusOK,
		"Changed since approval", `id="report-state">Draft<`)
	r = lead.get("/reviews/" + f.reviewID + "/")
	soWant(t, "the overview", r, http.StatusOK, `id="report-changed"`)
	if strings.Contains(r.Body, "Publish the report") {
		t.Fatal("the overview offers to publish a changed report")
	}

	// Publishing (from a page opened before the change): refused, with the difference shown, and
	// the report and review are back in drafting.
	r = f.step(t, lead, report.StatusPublished, "")
	soWant(t, "publishing the changed report", r, http.StatusUnprocessableEntity, "govuk-error-summary",
		"The report cannot be published: it changed after it was approved", "it has returned to drafting",
		"breastfeeding</ins>")
	e.stWant("the refused publication", f.reviewID, review.StatusDrafting, report.StatusDraft)
	if n := e.auditCount("report.approval_lapsed"); n != 1 {
		t.Errorf("%d lapses audited, want 1", n)
	}
	if _, pub := f.status(t); pub != 0 {
		t.Fatalf("published version %d after a refused publication", pub)
	}
	// Still drafting, the page keeps showing what changed since the approved version.
	soWant(t, "the report back in drafting", lead.get(f.path()), http.StatusOK, "has returned to drafting",
		"breastfeeding</ins>", ">Send for quality assurance<")

	// Sent again, approved again by the other lead: the new approval is recorded, and it publishes.
	soWant(t, "send for QA again", f.step(t, lead, report.StatusQA, ""), http.StatusSeeOther)
	if h, v := f.soApproval(t); h != "" || v != 0 {
		t.Errorf("sending again kept the old approval: %d %q", v, h)
	}
	soWant(t, "approve again", f.step(t, qa, report.StatusApproved, ""), http.StatusSeeOther)
	hash2, version2 := f.soApproval(t)
	if version2 != 4 || hash2 == hash || len(hash2) != 64 {
		t.Fatalf("second approval recorded version %d hash %q (first %q)", version2, hash2, hash)
	}
	soWant(t, "publish", f.step(t, lead, report.StatusPublished, ""), http.StatusSeeOther)
	if s, pub := f.status(t); s != report.StatusPublished || pub != 5 {
		t.Fatalf("status %s, published version %d", s, pub)
	}
	if got := strings.Join(f.soLabels(t), ", "); got != "Sent for quality assurance, Approved, Sent for quality assurance, Approved, Published" {
		t.Errorf("versions saved: %s", got)
	}
	if n := e.auditCount("report.version_saved"); n != 5 {
		t.Errorf("%d versions audited, want 5", n)
	}
}

// TestPublishedReportExportsAreFrozen: once published, every export of the report is its
// published version, the same bytes on every download, whatever changes in the review's data
// afterwards (a finding and the summary edited, the evidence note purged); each saved version
// downloads as it was saved too, also after a correction reopens the report.
func TestPublishedReportExportsAreFrozen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	qa := e.signedIn("qa.lead@demo.test")
	f.save(t, lead, "summary", "Families found the hubs welcoming.^[A footnote.]")
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		soWant(t, "move to "+string(to), e.stMove(lead, f.reviewID, to, ""), http.StatusSeeOther)
	}
	soWant(t, "send for QA", f.step(t, lead, report.StatusQA, ""), http.StatusSeeOther)
	soWant(t, "approve", f.step(t, qa, report.StatusApproved, ""), http.StatusSeeOther)
	soWant(t, "publish", f.step(t, lead, report.StatusPublished, ""), http.StatusSeeOther)
	_, pub := f.status(t)
	formats := []string{"html", "govspeak", "docx"}
	if report.ChromiumPath() != "" {
		formats = append(formats, "pdf")
	}
	download := func(path string) string {
		t.Helper()
		r := lead.get(path)
		if r.Status != http.StatusOK || r.Body == "" {
			t.Fatalf("%s: %d\n%s", path, r.Status, r.Body)
		}
		return r.Body
	}
	first := map[string]string{}
	for _, format := range formats {
		first[format] = download(f.path("/export/" + format))
		if v := download(f.path("/versions/" + strconv.Itoa(pub) + "/export/" + format)); v != first[format] {
			t.Errorf("%s: the published version's own download differs from the report's", format)
		}
	}
	if !strings.Contains(first["html"], "valued the feeding support.") {
		t.Fatal("the published HTML lacks the finding")
	}
	soWant(t, "the published report's page", lead.get(f.path()), http.StatusOK,
		"The downloads are the published version ("+strconv.Itoa(pub)+"), exactly as it was published.")

	// The review's data changes after publication, by any path.
	f.soExec(t, `UPDATE findings SET body = 'Parents valued nothing at all.' WHERE id = $1`, f.findingID)
	f.soExec(t, `UPDATE report_texts SET body = 'Rewritten later.' WHERE review_id = $1 AND key = 'summary'`, f.reviewID)
	f.soExec(t, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE id = $1`, f.noteID)
	for _, format := range formats {
		if again := download(f.path("/export/" + format)); again != first[format] {
			t.Errorf("%s: the published report's download changed with the review's data", format)
		}
	}
	// A correction reopens the report: the report's downloads are the draft again, while the
	// published version still downloads as it was.
	soWant(t, "a correction", e.stMove(lead, f.reviewID, review.StatusDrafting, "A figure is wrong"), http.StatusSeeOther)
	if draft := download(f.path("/export/html")); !strings.Contains(draft, "Rewritten later.") {
		t.Error("the reopened report's download is not the report as it is now")
	}
	for _, format := range formats {
		if v := download(f.path("/versions/" + strconv.Itoa(pub) + "/export/" + format)); v != first[format] {
			t.Errorf("%s: the published version's download changed after the correction", format)
		}
	}
	soWant(t, "the published version's page", lead.get(f.path("/versions/"+strconv.Itoa(pub))), http.StatusOK,
		"Download this version", "/report/versions/"+strconv.Itoa(pub)+"/export/docx")
	if r := lead.get(f.path("/versions/99/export/html")); r.Status != http.StatusNotFound {
		t.Errorf("a version that does not exist: %d", r.Status)
	}
	if r := lead.get(f.path("/versions/1/export/rtf")); r.Status != http.StatusNotFound {
		t.Errorf("an unknown format: %d", r.Status)
	}
	// The published version's PDF was printed once and kept: it is the file every download gives
	// (the browser is never asked again, so its next print cannot differ).
	if report.ChromiumPath() != "" {
		var kept int
		if err := f.e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM report_version_pdfs WHERE review_id = $1 AND number = $2`,
			f.reviewID, pub).Scan(&kept); err != nil || kept != 1 {
			t.Fatalf("%d kept PDFs of the published version (%v), want 1", kept, err)
		}
		f.soExec(t, `UPDATE report_version_pdfs SET pdf = convert_to('%PDF-kept', 'UTF8') WHERE review_id = $1`, f.reviewID)
		if got := download(f.path("/versions/" + strconv.Itoa(pub) + "/export/pdf")); got != "%PDF-kept" {
			t.Errorf("the version's PDF was printed again (%d bytes), not the kept file given", len(got))
		}
	}
}
