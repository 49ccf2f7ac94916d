package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"thematic/internal/mail"
	"thematic/internal/reminder"
)

func init() {
	comment := reviewRule{signIn, missing, forbid, forbid, forbid, ok, missing, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/letters/{areaID}/factcheck":            reviewReadStaff,
		"POST /reviews/{reviewID}/letters/{areaID}/factcheck":           reviewLeadWrite,
		"POST /reviews/{reviewID}/letters/{areaID}/factcheck/answers":   reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}/factcheck/export.csv": reviewReadStaff,
		"GET /reviews/{reviewID}/areas/{areaID}/factcheck":              reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/factcheck/comments":    comment,
		"POST /reviews/{reviewID}/areas/{areaID}/factcheck/finish":      comment,
	} {
		reviewAccessTable[k] = v
	}
}

// fcComments counts the comments on the letters of a review ($1); the demo review has its own.
const (
	fcCommentIDs = `SELECT m.id FROM fact_check_comments m JOIN fact_checks c ON c.id = m.check_id JOIN letters l ON l.id = c.letter_id
		WHERE l.review_id = $1`
	fcComments = `SELECT count(*) FROM (` + fcCommentIDs + `) x`
)

var (
	fcKeyRE     = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f-]{36})"`)
	fcCommentRE = regexp.MustCompile(`name="comment_id" value="([0-9a-f-]{36})"`)
	fcBlockRE   = regexp.MustCompile(`name="block" value="(\d+)"`)
)

func TestFactCheckRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	contact := e.signedIn("la.contact@demo.test")
	check := f.letters("/", f.area1, "/factcheck")
	area := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/factcheck"
	// Write a paragraph the contact will comment on.
	key := "strengths:" + f.actionAreaID
	if r := lead.post(f.letters("/", f.area1, "/sections"), url.Values{"key": {key}, "version": {"0"},
		"body": {"Partners share one plan for families."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d\n%s", r.Status, r.Body)
	}
	// Nothing sent yet: the contact sees no form.
	if r := contact.get(area); r.Status != http.StatusOK || !strings.Contains(r.Body, "has not been sent") {
		t.Fatalf("contact before sending: %d\n%s", r.Status, r.Body)
	}
	// A deadline today or before is refused by the field, keeping what was typed.
	today := time.Now().Format(time.DateOnly)
	r := lead.post(check, url.Values{"deadline": {today}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The deadline must be in the future") || !strings.Contains(r.Body, today) {
		t.Fatalf("past deadline: %d\n%s", r.Status, r.Body)
	}
	deadline := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	if r := lead.post(check, url.Values{"deadline": {deadline}, "extracts": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	// A second round cannot open while this one is open.
	if r := lead.post(check, url.Values{"deadline": {deadline}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "already out for a check") {
		t.Fatalf("second send: %d\n%s", r.Status, r.Body)
	}
	if n := f.count(t, `SELECT count(*) FROM letter_versions v JOIN letters l ON l.id = v.letter_id
		WHERE l.review_id = $1 AND v.label = 'Sent for a factual-accuracy check'`, f.reviewID); n != 1 {
		t.Errorf("%d frozen versions, want 1", n)
	}
	// The contact reads the frozen letter and comments on the paragraph.
	r = contact.get(area)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Partners share one plan for families.") {
		t.Fatalf("contact page: %d\n%s", r.Status, r.Body)
	}
	// The overview's finding this area's note supports is sent beside the letter.
	var finding string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT body FROM findings WHERE id = $1`, f.findingID).Scan(&finding); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Body, "Extracts from the overview report") || !strings.Contains(r.Body, html.EscapeString(finding)) {
		t.Errorf("the extracts are not sent (finding %q):\n%s", finding, r.Body)
	}
	var block string
	for _, m := range fcBlockRE.FindAllStringSubmatch(r.Body, -1) {
		i := strings.Index(r.Body, "Partners share one plan")
		j := strings.Index(r.Body, `name="block" value="`+m[1]+`"`)
		if j > i {
			block = m[1]
			break
		}
	}
	km := fcKeyRE.FindStringSubmatch(r.Body)
	if block == "" || km == nil {
		t.Fatalf("no comment form:\n%s", r.Body)
	}
	// An empty comment is refused by the field.
	if r := contact.post(area+"/comments", url.Values{"block": {block}, "idempotency_key": {km[1]}, "body": {"  "}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter your comment") {
		t.Fatalf("empty comment: %d\n%s", r.Status, r.Body)
	}
	form := url.Values{"block": {block}, "idempotency_key": {km[1]}, "body": {"This is inaccurate because the plan covers two partners only."}}
	for i := range 2 {
		if r := contact.post(area+"/comments", form); r.Status != http.StatusSeeOther {
			t.Fatalf("comment %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	if n := f.count(t, fcComments, f.reviewID); n != 1 {
		t.Errorf("%d comments after a double submit, want 1", n)
	}
	// Another area's page is not the contact's; staff do not comment.
	other := "/reviews/" + f.reviewID + "/areas/" + f.area2 + "/factcheck"
	if r := contact.get(other); r.Status != http.StatusNotFound {
		t.Errorf("other area's check: %d", r.Status)
	}
	if r := contact.post(other+"/comments", form); r.Status != http.StatusNotFound {
		t.Errorf("comment on another area: %d", r.Status)
	}
	if r := lead.post(area+"/comments", form); r.Status != http.StatusForbidden {
		t.Errorf("lead comments: %d", r.Status)
	}
	// The lead answers: not accepted needs a reason; a stale answer is a conflict.
	r = lead.get(check)
	cm := fcCommentRE.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || cm == nil || !strings.Contains(r.Body, "the plan covers two partners only") {
		t.Fatalf("lead's page: %d\n%s", r.Status, r.Body)
	}
	r = lead.post(check+"/answers", url.Values{"comment_id": {cm[1]}, "version": {"1"}, "answer": {"not_accepted"}, "reason": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter why the comment is not accepted") {
		t.Fatalf("no reason: %d\n%s", r.Status, r.Body)
	}
	if r := lead.post(check+"/answers", url.Values{"comment_id": {cm[1]}, "version": {"1"}, "answer": {"accepted"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.Status, r.Body)
	}
	r = lead.post(check+"/answers", url.Values{"comment_id": {cm[1]}, "version": {"1"}, "answer": {"not_accepted"}, "reason": {"Stale"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("stale answer: %d\n%s", r.Status, r.Body)
	}
	if r := contact.get(area); !strings.Contains(r.Body, "Accepted and changed") {
		t.Errorf("the contact does not see the answer:\n%s", r.Body)
	}
	// The export holds the comment and its answer.
	r = lead.get(check + "/export.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Body, "Partners share one plan for families.") || !strings.Contains(r.Body, "the plan covers two partners only") ||
		!strings.Contains(r.Body, "Accepted and changed") || !strings.HasPrefix(r.Body, "Round,Deadline,Paragraph") {
		t.Fatalf("export: %d\n%s", r.Status, r.Body)
	}
	// The deadline passes: the form is gone, a comment is refused, the lead can still answer.
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE fact_checks SET deadline = current_date - 1`); err != nil {
		t.Fatal(err)
	}
	r = contact.get(area)
	if r.Status != http.StatusOK || strings.Contains(r.Body, `name="idempotency_key"`) || !strings.Contains(r.Body, "Closed: the deadline has passed") {
		t.Fatalf("closed page: %d\n%s", r.Status, r.Body)
	}
	form.Set("idempotency_key", "11111111-2222-3333-4444-555555555555")
	if r := contact.post(area+"/comments", form); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Comments on this letter are closed") {
		t.Fatalf("late comment: %d\n%s", r.Status, r.Body)
	}
	if r := lead.post(check+"/answers", url.Values{"comment_id": {cm[1]}, "version": {"2"}, "answer": {"not_accepted"},
		"reason": {"On reflection the plan covers all partners."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("answer after the deadline: %d\n%s", r.Status, r.Body)
	}
	// A new round may open now that the first is closed.
	if r := lead.post(check, url.Values{"deadline": {deadline}}); r.Status != http.StatusSeeOther {
		t.Fatalf("second round: %d\n%s", r.Status, r.Body)
	}
	for action, want := range map[string]int{"letter.factcheck_sent": 2, "letter.factcheck_commented": 1, "letter.factcheck_answered": 2} {
		if n := e.auditCount(action); n != want {
			t.Errorf("%d %s entries, want %d", n, action, want)
		}
	}
	// The record is kept across rounds.
	if r := lead.get(check + "/export.csv"); strings.Count(r.Body, "the plan covers two partners only") != 1 || !strings.Contains(r.Body, "On reflection") {
		t.Errorf("export after a new round:\n%s", r.Body)
	}
}

func TestFactCheckFinishEarly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	contact := e.signedIn("la.contact@demo.test")
	check := f.letters("/", f.area1, "/factcheck")
	area := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/factcheck"
	if r := lead.post(check, url.Values{"deadline": {time.Now().AddDate(0, 0, 7).Format(time.DateOnly)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	if r := contact.post(area+"/finish", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("finish: %d\n%s", r.Status, r.Body)
	}
	if r := contact.get(area); !strings.Contains(r.Body, "Closed: the area said it had no more comments") || strings.Contains(r.Body, `name="idempotency_key"`) {
		t.Errorf("after finishing:\n%s", r.Body)
	}
	if e.auditCount("letter.factcheck_finished") != 1 {
		t.Error("finishing is not audited")
	}
}

// factOutbox keeps the messages a worker sends.
type factOutbox struct{ msgs []mail.Message }

func (o *factOutbox) Send(_ context.Context, m mail.Message) error {
	o.msgs = append(o.msgs, m)
	return nil
}

// TestFactCheckReminders sends a round through the lead's page and finds its reminder jobs in
// River's table (7 days and 1 day before, in the sending's transaction), works one (the area's
// contact is mailed once, audited) and, once the area has finished, works the other (no mail).
func TestFactCheckReminders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	contact := e.signedIn("la.contact@demo.test")
	due := time.Now().AddDate(0, 0, 20)
	if r := lead.post(f.letters("/", f.area1, "/factcheck"), url.Values{"deadline": {due.Format(time.DateOnly)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	rows, err := e.db.Super.Query(context.Background(), `SELECT args FROM river_job WHERE kind = 'factcheck_reminder'
		AND args->>'area_id' = $1 ORDER BY scheduled_at`, f.area1)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := pgx.CollectRows(rows, pgx.RowTo[reminder.FactArgs])
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].DaysBefore != 7 || jobs[1].DaysBefore != 1 {
		t.Fatalf("jobs %+v, want the 7-day and 1-day reminders", jobs)
	}
	box := &factOutbox{}
	w := &reminder.FactWorker{Worker: &reminder.Worker{Pool: e.db.App, Mail: box, BaseURL: "https://thematic.test"}}
	work := func(a reminder.FactArgs) {
		t.Helper()
		if err := w.Work(context.Background(), &river.Job[reminder.FactArgs]{JobRow: &rivertype.JobRow{}, Args: a}); err != nil {
			t.Fatal(err)
		}
	}
	work(jobs[0])
	work(jobs[0]) // a retried job mails no one twice
	if len(box.msgs) != 1 || box.msgs[0].To != "la.contact@demo.test" || !strings.Contains(box.msgs[0].Body, "/areas/"+f.area1+"/factcheck") {
		t.Fatalf("messages %+v, want one to the contact with the link", box.msgs)
	}
	if e.auditCount(reminder.FactAction) != 1 {
		t.Error("the reminder is not audited once")
	}
	if r := contact.post("/reviews/"+f.reviewID+"/areas/"+f.area1+"/factcheck/finish", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("finish: %d\n%s", r.Status, r.Body)
	}
	work(jobs[1])
	if len(box.msgs) != 1 {
		t.Errorf("a reminder was sent after the area finished: %+v", box.msgs)
	}
}

// A comment carries evidence: a document the area sent before, and a file attached with the
// comment, which joins the area's documents. A double submit stores one comment and one file; a
// file refused by its type, or a document of another area, refuses the comment and keeps the text.
func TestFactCheckEvidenceDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	contact := e.signedIn("la.contact@demo.test")
	check := f.letters("/", f.area1, "/factcheck")
	area := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/factcheck"
	if r := lead.post(f.letters("/", f.area1, "/sections"), url.Values{"key": {"strengths:" + f.actionAreaID}, "version": {"0"},
		"body": {"Partners share one plan for families."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d\n%s", r.Status, r.Body)
	}
	if r := lead.post(check, url.Values{"deadline": {time.Now().AddDate(0, 0, 14).Format(time.DateOnly)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	docs := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/documents"
	if r := contact.upload(docs, url.Values{"key": {"fc-doc-1"}, "title-1": {"Partnership plan 2026"}},
		docFile{"file-1", "plan.pdf", docPDF}); r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.Status, r.Body)
	}
	before := e.docCount(f.area1)
	// A document of the other area, which the contact may not cite.
	if r := lead.upload("/reviews/"+f.reviewID+"/areas/"+f.area2+"/documents", url.Values{"key": {"fc-doc-2"}, "title-1": {"Elsewhere"}},
		docFile{"file-1", "elsewhere.pdf", docPDF}); r.Status != http.StatusSeeOther {
		t.Fatalf("upload to the other area: %d\n%s", r.Status, r.Body)
	}
	var planID, otherID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT
		(SELECT id::text FROM area_documents WHERE title = 'Partnership plan 2026'), (SELECT id::text FROM area_documents WHERE title = 'Elsewhere')`).
		Scan(&planID, &otherID); err != nil {
		t.Fatal(err)
	}
	r := contact.get(area)
	km := fcKeyRE.FindStringSubmatch(r.Body)
	bm := fcBlockRE.FindAllStringSubmatch(r.Body, -1)
	if r.Status != http.StatusOK || km == nil || len(bm) == 0 || !strings.Contains(r.Body, `value="`+planID+`"`) ||
		!strings.Contains(r.Body, "Partnership plan 2026") || strings.Contains(r.Body, otherID) || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
		t.Fatalf("the comment form does not offer the area's documents: %d\n%s", r.Status, r.Body)
	}
	var block string
	for _, m := range bm {
		if strings.Index(r.Body, `name="block" value="`+m[1]+`"`) > strings.Index(r.Body, "Partners share one plan") {
			block = m[1]
			break
		}
	}
	body := "Inaccurate: the plan was signed by every partner in March."
	fields := url.Values{"block": {block}, "idempotency_key": {km[1]}, "body": {body}, "documents": {planID}}
	// A program is not accepted as evidence: the comment is refused, nothing is stored, the text is kept.
	r = contact.upload(area+"/comments", fields, docFile{"file", "minutes.exe", docEXE})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="file-`+block+`-error"`) ||
		!strings.Contains(r.Body, html.EscapeString(body)) || !regexp.MustCompile(`value="`+planID+`" checked`).MatchString(r.Body) {
		t.Fatalf("a refused file: %d\n%s", r.Status, r.Body)
	}
	// Another area's document cannot be cited.
	bad := url.Values{"block": {block}, "idempotency_key": {km[1]}, "body": {body}, "documents": {otherID}}
	if r := contact.upload(area+"/comments", bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose documents from the list") {
		t.Fatalf("another area's document: %d\n%s", r.Status, r.Body)
	}
	if n := f.count(t, fcComments, f.reviewID); n != 0 {
		t.Fatalf("refused comments stored %d", n)
	}
	for i := range 2 {
		if r := contact.upload(area+"/comments", fields, docFile{"file", "minutes.csv", docCSV}); r.Status != http.StatusSeeOther {
			t.Fatalf("comment %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	if n := f.count(t, fcComments, f.reviewID); n != 1 {
		t.Errorf("%d comments after a double submit, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM fact_check_comment_documents WHERE comment_id IN (`+fcCommentIDs+`)`, f.reviewID); n != 2 {
		t.Errorf("%d documents linked to the comment, want 2", n)
	}
	if n := e.docCount(f.area1); n != before+1 {
		t.Errorf("the area has %d documents, want %d (the attached file joins them)", n, before+1)
	}
	var minutesID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM area_documents WHERE filename = 'minutes.csv'`).Scan(&minutesID); err != nil {
		t.Fatal(err)
	}
	// The lead reads the comment with links to both documents, and downloads one.
	r = lead.get(check)
	for _, id := range []string{planID, minutesID} {
		if !strings.Contains(r.Body, `href="`+docs+`/`+id+`"`) {
			t.Errorf("the lead's page does not link document %s:\n%s", id, r.Body)
		}
	}
	if d := lead.get(docs + "/" + minutesID); d.Status != http.StatusOK || d.Body != string(docCSV) {
		t.Errorf("download: %d %q", d.Status, d.Body)
	}
	// The export names the evidence, and the audit log holds the comment's documents and the upload.
	r = lead.get(check + "/export.csv")
	if !strings.Contains(r.Body, "Evidence documents") || !strings.Contains(r.Body, "Partnership plan 2026 (plan.pdf)") ||
		!strings.Contains(r.Body, "(minutes.csv)") {
		t.Errorf("export:\n%s", r.Body)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'letter.factcheck_commented' AND jsonb_array_length(after -> 'documents') = 2`); n != 1 {
		t.Errorf("%d comment audit entries naming two documents, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.uploaded' AND after ->> 'fact_check_comment_id' IS NOT NULL`); n != 1 {
		t.Errorf("%d uploads audited with the comment, want 1", n)
	}
	// A document the area removes later is still named, without a link.
	if r := contact.post(docs+"/"+minutesID+"/delete", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	if r := lead.get(check); strings.Contains(r.Body, `href="`+docs+`/`+minutesID+`"`) || !strings.Contains(r.Body, "removed from the area") {
		t.Errorf("a removed document:\n%s", r.Body)
	}
}
