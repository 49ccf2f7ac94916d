package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/evidence"
	"thematic/internal/report"
	"thematic/internal/retention"
	"thematic/internal/testenv"
)

func init() {
	accessTable["POST /admin/settings/retention"] = adminOnly
	accessTable["GET /admin/subject-access"] = adminOnly
	accessTable["GET /admin/subject-access.csv"] = adminOnly
	reviewAccessTable["GET /reviews/{reviewID}/legal-hold"] = reviewLeadWrite
	reviewAccessTable["POST /reviews/{reviewID}/legal-hold"] = reviewLeadWrite
	reviewAccessTable["POST /reviews/{reviewID}/legal-hold/lift"] = reviewLeadWrite
}

// demoIDs are the demo tenant's, its review's and some people's ids.
type demoIDs struct{ tenant, review, lead, inspector, admin string }

func loadDemoIDs(t *testing.T, e *env) demoIDs {
	t.Helper()
	ctx := context.Background()
	var d demoIDs
	if err := e.db.Super.QueryRow(ctx, `SELECT t.id, r.id FROM tenants t JOIN reviews r ON r.tenant_id = t.id
		WHERE t.slug = $1 AND r.title = $2`, demo.TenantSlug, demo.ReviewTitle).Scan(&d.tenant, &d.review); err != nil {
		t.Fatal(err)
	}
	for email, id := range map[string]*string{"lead@demo.test": &d.lead, "inspector@demo.test": &d.inspector, "admin@demo.test": &d.admin} {
		if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// publishDemo publishes the demo review as it stands: a version of its report is saved and
// becomes the published one. It returns when it was published.
func publishDemo(t *testing.T, e *env, d demoIDs) (time.Time, int) {
	t.Helper()
	ctx := context.Background()
	var v report.Version
	err := db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.lead}, func(tx pgx.Tx) error {
		l, err := report.LoadAll(ctx, tx, d.tenant, d.review, report.LoadOptions{})
		if err != nil {
			return err
		}
		doc, _ := report.Build(l.Data)
		v, err = report.SaveVersion(ctx, tx, d.tenant, d.review, d.lead, "Published", &doc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO reports (tenant_id, review_id, status, published_version) VALUES ($1, $2, 'published', $3)
		ON CONFLICT (tenant_id, review_id) DO UPDATE SET status = 'published', published_version = EXCLUDED.published_version`,
		d.tenant, d.review, v.Number); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if err := e.db.Super.QueryRow(ctx, `UPDATE reviews SET status = 'published' WHERE tenant_id = $1 AND id = $2 RETURNING published_at`,
		d.tenant, d.review).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at, v.Number
}

// exports renders the published version as stored, and the live exports, in HTML and DOCX.
func exports(t *testing.T, e *env, d demoIDs, lead *client, number int) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	err := db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.lead}, func(tx pgx.Tx) error {
		v, err := report.LoadVersion(ctx, tx, d.tenant, d.review, number)
		if err != nil {
			return err
		}
		var h, x bytes.Buffer
		if err := report.WriteHTML(&h, v.Doc, report.HTMLOptions{}); err != nil {
			return err
		}
		if err := report.WriteDOCX(&x, v.Doc); err != nil {
			return err
		}
		out["stored html"], out["stored docx"] = h.Bytes(), x.Bytes()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"html", "docx"} {
		r := lead.get("/reviews/" + d.review + "/report/export/" + f)
		if r.Status != http.StatusOK {
			t.Fatalf("export %s: %d", f, r.Status)
		}
		out["live "+f] = []byte(r.Body)
	}
	return out
}

// docxParts is every part of a DOCX file, named, in order.
func docxParts(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(f.Name + "\n")
		if _, err := io.Copy(&out, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return out.Bytes()
}

func count(t *testing.T, e *env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestRetentionPurgesEvidenceAfterThePeriodUnlessHeld(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	d := loadDemoIDs(t, e)
	admin, lead := e.signedIn("admin@demo.test"), e.signedIn("lead@demo.test")
	// The demo's other, earlier published review is held, so the counts below are this review's.
	if _, err := e.db.Super.Exec(ctx, `UPDATE reviews SET legal_hold_reason = 'Kept for this test', legal_hold_by = $3,
		legal_hold_at = now() WHERE tenant_id = $1 AND id <> $2`, d.tenant, d.review, d.lead); err != nil {
		t.Fatal(err)
	}

	// The admin sets 12 months; a bad number is refused with what was typed kept.
	version := strconv.Itoa(count(t, e, `SELECT version FROM tenants WHERE id = $1`, d.tenant))
	r := admin.post("/admin/settings/retention", url.Values{"version": {version}, "retention": {"months"}, "months": {"twelve"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The number of months must be a whole number") ||
		!strings.Contains(r.Body, `value="twelve"`) || !strings.Contains(r.Body, "govuk-error-summary") {
		t.Fatalf("bad months: %d\n%s", r.Status, r.Body)
	}
	r = admin.post("/admin/settings/retention", url.Values{"version": {version}, "retention": {"months"}, "months": {"12"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("set 12 months: %d\n%s", r.Status, r.Body)
	}
	if n := e.auditCount(retention.ActionChanged); n != 1 {
		t.Errorf("%d tenant.retention_changed entries, want 1", n)
	}
	if r := admin.get("/admin/settings"); !strings.Contains(r.Body, `value="12"`) {
		t.Error("the settings page does not show 12 months")
	}

	// A note written through the store (so audited), with a theme, and an answer's audit entry.
	const secret = "Spoke with the family liaison about the drop-in timetable (unique phrase Wyvern7731)."
	var noteID, areaID string
	err := db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.inspector}, func(tx pgx.Tx) error {
		var in evidence.NoteInput
		var role *string
		if err := tx.QueryRow(ctx, `SELECT visit_id::text, source_id::text, role_id::text, note_date::text FROM evidence_notes
			WHERE tenant_id = $1 AND review_id = $2 AND author_id = $3 AND NOT safeguarding LIMIT 1`, d.tenant, d.review, d.inspector).
			Scan(&in.VisitID, &in.SourceID, &role, &in.NoteDate); err != nil {
			return err
		}
		if role != nil {
			in.RoleID = *role
		}
		in.Body, in.Judgement, in.Tags, in.Key = secret, evidence.Strength, []string{"Liaison Wyvern7731"}, "retention-test"
		var err error
		noteID, _, err = evidence.Create(ctx, tx, d.tenant, d.review, d.inspector, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A photo on the note, with its audit entry naming it.
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO evidence_note_files (tenant_id, review_id, note_id, position, filename,
		content_type, size, sha256, content, display, width, height, uploaded_by) VALUES ($1, $2, $3, 0, 'Wyvern7731.jpg',
		'image/jpeg', 3, sha256('\xffd8ff'::bytea), '\xffd8ff'::bytea, '\xffd8ff'::bytea, 1, 1, $4)`,
		d.tenant, d.review, noteID, d.inspector); err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.inspector}, func(tx pgx.Tx) error {
		return logEntry(ctx, tx, d.tenant, d.inspector, "evidence.file_added", "evidence_note", noteID,
			map[string]any{"filename": "Wyvern7731.jpg"})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.lead}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT area_id::text FROM sa_responses WHERE tenant_id = $1 AND review_id = $2 LIMIT 1`,
			d.tenant, d.review).Scan(&areaID); err != nil {
			return err
		}
		return logEntry(ctx, tx, d.tenant, d.lead, "selfassess.answer_saved", "self_assessment", areaID,
			map[string]any{"element": "E", "commentary": "Commentary Wyvern7731"})
	})
	if err != nil {
		t.Fatal(err)
	}

	notes := count(t, e, `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, d.review)
	docs := count(t, e, `SELECT count(*) FROM area_documents WHERE review_id = $1`, d.review)
	answers := count(t, e, `SELECT count(*) FROM sa_responses WHERE review_id = $1`, d.review)
	guarded := count(t, e, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND safeguarding`, d.review)
	if docs == 0 || answers == 0 || notes < 100 {
		t.Fatalf("the demo review has %d notes, %d documents, %d answers", notes, docs, answers)
	}

	publishedAt, number := publishDemo(t, e, d)
	before := exports(t, e, d, lead, number)
	purgeOn := retention.LongDate(publishedAt.AddDate(0, 12, 0))
	if r := lead.get("/reviews/" + d.review + "/"); !strings.Contains(r.Body, "Evidence will be purged on "+purgeOn+" under the retention policy") {
		t.Errorf("the overview does not say the evidence will be purged on %s", purgeOn)
	}

	run := func(at time.Time) int {
		t.Helper()
		n, err := retention.Run(ctx, e.db.App, at)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Before the date: nothing.
	if n := run(publishedAt.AddDate(0, 11, 27)); n != 0 {
		t.Fatalf("purged %d reviews before the date", n)
	}
	if got := count(t, e, `SELECT count(*) FROM area_documents WHERE review_id = $1`, d.review); got != docs {
		t.Fatalf("documents before the date: %d, want %d", got, docs)
	}

	// On legal hold: nothing, whenever.
	if r := lead.post("/reviews/"+d.review+"/legal-hold", url.Values{"reason": {""}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Say why the review is on legal hold") {
		t.Errorf("a hold with no reason: %d", r.Status)
	}
	if r := lead.post("/reviews/"+d.review+"/legal-hold", url.Values{"reason": {"A complaint is open"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("hold: %d\n%s", r.Status, r.Body)
	}
	if r := lead.get("/reviews/" + d.review + "/"); !strings.Contains(r.Body, "On legal hold since") || !strings.Contains(r.Body, "A complaint is open") {
		t.Error("the overview does not say the review is on legal hold")
	}
	if n := run(publishedAt.AddDate(2, 0, 0)); n != 0 {
		t.Fatalf("purged %d reviews on legal hold", n)
	}
	if r := lead.post("/reviews/"+d.review+"/legal-hold/lift", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("lift: %d", r.Status)
	}
	if e.auditCount(retention.ActionHoldSet) != 1 || e.auditCount(retention.ActionHoldLifted) != 1 {
		t.Error("the hold and its lifting are not both audited")
	}

	// After the date, through the job with its clock set 13 months on.
	w := &retention.Worker{Pool: e.db.App, Now: func() time.Time { return publishedAt.AddDate(0, 13, 0) }}
	if err := w.Work(ctx, &river.Job[retention.Args]{}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, e, `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, d.review); got != notes {
		t.Errorf("notes after the purge: %d rows, want %d kept (without their text)", got, notes)
	}
	if got := count(t, e, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND NOT safeguarding AND (body <> $2 OR purged_at IS NULL)`,
		d.review, retention.PurgedBody); got != 0 {
		t.Errorf("%d notes keep their text", got)
	}
	if got := count(t, e, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND safeguarding AND purged_at IS NULL`, d.review); got != guarded {
		t.Errorf("safeguarding concerns kept: %d, want %d", got, guarded)
	}
	if got := count(t, e, `SELECT count(*) FROM evidence_note_tags x JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		WHERE n.review_id = $1 AND NOT n.safeguarding`, d.review); got != 0 {
		t.Errorf("%d themes left on purged notes", got)
	}
	if got := count(t, e, `SELECT count(*) FROM area_documents WHERE review_id = $1`, d.review); got != 0 {
		t.Errorf("%d documents left", got)
	}
	if got := count(t, e, `SELECT count(*) FROM evidence_note_files x JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		WHERE n.review_id = $1 AND NOT n.safeguarding`, d.review); got != 0 {
		t.Errorf("%d photos and files left on purged notes", got)
	}
	if got := count(t, e, `SELECT count(*) FROM sa_responses WHERE review_id = $1`, d.review); got != 0 {
		t.Errorf("%d self-assessment answers left", got)
	}
	// A word no id can hold (ids are hex digits and numbers), so only the secret matches.
	for _, gone := range []string{"Wyvern7731"} {
		if got := count(t, e, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND (before::text LIKE '%'||$2||'%' OR after::text LIKE '%'||$2||'%')`,
			d.tenant, gone); got != 0 {
			t.Errorf("%d audit entries still hold %q", got, gone)
			logHolding(t, e, d.tenant, gone)
		}
	}
	if got := count(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'evidence.created' AND after->>'body' LIKE '(redacted on %'`,
		noteID); got != 1 {
		t.Errorf("the note's creation entry is not kept with its text redacted (%d)", got)
	}
	if e.auditCount(audit.RedactedAction) == 0 || e.auditCount(retention.ActionPurged) != 1 {
		t.Errorf("audit.redacted %d, retention.purged %d", e.auditCount(audit.RedactedAction), e.auditCount(retention.ActionPurged))
	}
	// The published report comes out the same, stored and live, in both formats.
	after := exports(t, e, d, lead, number)
	for k, b := range before {
		if strings.HasSuffix(k, "docx") {
			// A DOCX is a ZIP whose entries carry the time it was written: its parts must be the same.
			b, after[k] = docxParts(t, b), docxParts(t, after[k])
		}
		if !bytes.Equal(b, after[k]) {
			t.Errorf("%s export changed by the purge (%d bytes, then %d)", k, len(b), len(after[k]))
		}
	}
	wantLine := "Evidence purged on " + retention.LongDate(publishedAt.AddDate(0, 13, 0)) + " under the organisation’s 12-month retention: " +
		strconv.Itoa(notes-guarded) + " notes, " + strconv.Itoa(docs) + " documents"
	page := lead.get("/reviews/" + d.review + "/")
	if !strings.Contains(page.Body, wantLine) {
		t.Errorf("the overview does not say %q", wantLine)
	}
	if strings.Contains(page.Body, "Put the review on legal hold") {
		t.Error("a purged review still offers a legal hold")
	}
	// The audit log page shows the redaction.
	if r := admin.get("/admin/audit?object=" + noteID); !strings.Contains(r.Body, "Redacted") ||
		!strings.Contains(r.Body, "by the service: evidence purged under the 12-month retention policy") {
		t.Errorf("the audit log does not show the redaction:\n%s", r.Body)
	}
	// Once purged, a run purges nothing more.
	if n := run(publishedAt.AddDate(0, 14, 0)); n != 0 {
		t.Errorf("a second run purged %d", n)
	}
}

func TestRemovingPersonalDataFromTheReportRedactsTheAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := loadDemoIDs(t, e)
	lead := e.signedIn("lead@demo.test")
	const nhs, email = "943 476 5919", "jo.bloggs@example.org"
	save := func(body string, version int) {
		t.Helper()
		r := lead.post("/reviews/"+d.review+"/report/sections", url.Values{"key": {"background"}, "body": {body},
			"version": {strconv.Itoa(version)}, "action": {"save"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
	}
	v := count(t, e, `SELECT coalesce(max(version), 0) FROM report_texts WHERE review_id = $1 AND key = 'background'`, d.review)
	save("The review began after a referral (NHS number "+nhs+", contact "+email+").", v)
	save("The review began after a referral (NHS number "+nhs+", contact "+email+"). More.", v+1)
	if got := count(t, e, `SELECT count(*) FROM audit_log WHERE action = 'report.text_saved' AND after::text LIKE '%'||$1||'%'`, nhs); got != 2 {
		t.Fatalf("%d entries hold the NHS number before it is removed, want 2", got)
	}
	save("The review began after a referral.", v+2)
	for _, gone := range []string{nhs, email} {
		if got := count(t, e, `SELECT count(*) FROM audit_log WHERE before::text LIKE '%'||$1||'%' OR after::text LIKE '%'||$1||'%'`, gone); got != 0 {
			t.Errorf("%d audit entries still hold %q", got, gone)
			logHolding(t, e, d.tenant, gone)
		}
	}
	if got := count(t, e, `SELECT count(*) FROM audit_log WHERE action = 'report.text_saved'
		AND (before::text LIKE '%by Lee Lead: personal data removed from the report)%' OR after::text LIKE '%: personal data removed from the report)%')`); got != 3 {
		t.Errorf("%d report.text_saved entries show the redaction, want 3", got)
	}
	if got := e.auditCount(audit.RedactedAction); got != 1 {
		t.Errorf("%d audit.redacted entries, want 1", got)
	}
	admin := e.signedIn("admin@demo.test")
	r := admin.get("/admin/audit?action=report.text_saved")
	if !strings.Contains(r.Body, "Redacted") || !strings.Contains(r.Body, "personal data removed from the report") || strings.Contains(r.Body, nhs) {
		t.Errorf("the audit log page does not show the redaction")
	}
}

func TestSubjectAccessFindsNotesAndAuditEntriesAndExportsCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	d := loadDemoIDs(t, e)
	var noteID string
	err := db.InTx(ctx, e.db.App, db.Scope{TenantID: d.tenant, UserID: d.inspector}, func(tx pgx.Tx) error {
		var in evidence.NoteInput
		var role *string
		if err := tx.QueryRow(ctx, `SELECT visit_id::text, source_id::text, role_id::text, note_date::text FROM evidence_notes
			WHERE tenant_id = $1 AND review_id = $2 AND author_id = $3 AND NOT safeguarding LIMIT 1`, d.tenant, d.review, d.inspector).
			Scan(&in.VisitID, &in.SourceID, &role, &in.NoteDate); err != nil {
			return err
		}
		if role != nil {
			in.RoleID = *role
		}
		in.Body, in.Judgement, in.Key = "Mrs Quillfeather said the group had helped her settle.", evidence.Neutral, "subject-test"
		var err error
		noteID, _, err = evidence.Create(ctx, tx, d.tenant, d.review, d.inspector, in)
		if err != nil {
			return err
		}
		return logEntry(ctx, tx, d.tenant, d.inspector, "evidence.updated", "evidence_note", noteID,
			map[string]any{"body": "Asked ANNA QUILLFEATHER (anna.q@example.org) to call."})
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("admin@demo.test")
	if r := admin.get("/admin/subject-access?name=&email=nope"); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter the person’s name") || !strings.Contains(r.Body, "Enter an email address in the correct format") {
		t.Errorf("empty name: %d", r.Status)
	}
	r := admin.get("/admin/subject-access?name=Anna+Quillfeather&email=anna.q%40example.org")
	if r.Status != http.StatusOK {
		t.Fatalf("search: %d", r.Status)
	}
	for _, want := range []string{"/reviews/" + d.review + "/notes/" + noteID, "detected: Mrs Quillfeather", "Evidence note", "Audit entry", ">name<"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the results do not show %q", want)
		}
	}
	if r := admin.get("/admin/subject-access?name=Zebedee+Quillfeather"); strings.Contains(r.Body, noteID) && !strings.Contains(r.Body, "detected") {
		t.Error("a different first name matched other than by the detector")
	}
	c := admin.get("/admin/subject-access.csv?name=Anna+Quillfeather&email=anna.q%40example.org")
	if c.Status != http.StatusOK || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(c.Body, "kind,id,review,when,found by,text,link") || !strings.Contains(c.Body, noteID) {
		t.Errorf("CSV: %d %s\n%s", c.Status, c.Header.Get("Content-Type"), c.Body)
	}
	// Another tenant's admin finds nothing of this tenant.
	newFixture(t, e)
	other := e.signedIn("admin@other.test")
	if r := other.get("/admin/subject-access?name=Anna+Quillfeather"); strings.Contains(r.Body, noteID) || !strings.Contains(r.Body, "0 records") {
		t.Error("another tenant's admin found this tenant's records")
	}
}

// TestSubjectAccessWithinTheStatementBudget counts the statements of a search that finds
// records, as a page and as CSV: a fixed number, whatever it finds.
func TestSubjectAccessWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	admin := e.signedIn("admin@demo.test")
	for _, path := range []string{"/admin/subject-access?name=Ira+Inspector&email=inspector%40demo.test",
		"/admin/subject-access.csv?name=Ira+Inspector&email=inspector%40demo.test"} {
		n, sql, status := countStatements(t, te, admin, http.MethodGet, path)
		if status != http.StatusOK {
			t.Errorf("%s: %d", path, status)
		}
		if n > requestBudget {
			t.Errorf("%s sends %d statements:\n  %s", path, n, strings.Join(sql, "\n  "))
		}
		t.Logf("%d statements: %s", n, path)
	}
	if r := admin.get("/admin/subject-access?name=Ira+Inspector&email=inspector%40demo.test"); !strings.Contains(r.Body, "email (who)") {
		t.Error("the search finds no audit entry by the person")
	}
}

// logHolding logs the tenant's audit entries that still hold text, to tell a missed redaction
// from a late writer.
func logHolding(t *testing.T, e *env, tenantID, text string) {
	t.Helper()
	rows, err := e.db.Super.Query(context.Background(), `SELECT action, object_type, object_id,
			left(coalesce(before::text, '') || ' | ' || coalesce(after::text, ''), 300)
		FROM audit_log WHERE tenant_id = $1 AND (before::text LIKE '%'||$2||'%' OR after::text LIKE '%'||$2||'%') LIMIT 5`, tenantID, text)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, objectType, objectID, held string
		if err := rows.Scan(&action, &objectType, &objectID, &held); err != nil {
			t.Fatal(err)
		}
		t.Logf("still holds %q: %s %s %s: %s", text, action, objectType, objectID, held)
	}
}

// logEntry writes an audit entry as fixture data, in tx: the log as an earlier change would have
// left it, holding the text the test looks for.
func logEntry(ctx context.Context, tx pgx.Tx, tenantID, actorID, action, objectType, objectID string, after map[string]any) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (tenant_id, actor_id, actor_email, action, object_type, object_id, after)
		VALUES ($1, $2, '', $3, $4, $5, $6)`, tenantID, actorID, action, objectType, objectID, after)
	return err
}
