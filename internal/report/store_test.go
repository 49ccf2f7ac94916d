package report_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

type demoWorld struct {
	t                    *testing.T
	ctx                  context.Context
	owner                func(fn func(tx pgx.Tx) error) error
	super                func(sql string, args ...any)
	super2               func(sql string, args ...any) ([][]string, error) // rows of text, as the superuser
	tenant, review, lead string
	second               string // another lead, for quality assurance
}

func newDemoWorld(t *testing.T) *demoWorld {
	t.Helper()
	d := testenv.DemoDB(t)
	w := &demoWorld{t: t, ctx: context.Background()}
	if err := d.Super.QueryRow(w.ctx, `SELECT r.tenant_id::text, r.id::text FROM reviews r WHERE r.title = $1`, demo.ReviewTitle).
		Scan(&w.tenant, &w.review); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(w.ctx, `SELECT id::text FROM users WHERE email = 'lead@demo.test'`).Scan(&w.lead); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(w.ctx, `SELECT id::text FROM users WHERE email = 'admin@demo.test'`).Scan(&w.second); err != nil {
		t.Fatal(err)
	}
	w.owner = func(fn func(tx pgx.Tx) error) error {
		return db.InTx(w.ctx, d.Owner, db.Scope{TenantID: w.tenant, UserID: w.lead}, fn)
	}
	w.super = func(sql string, args ...any) {
		t.Helper()
		if _, err := d.Super.Exec(w.ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	w.super2 = func(sql string, args ...any) ([][]string, error) {
		rows, err := d.Super.Query(w.ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]string, error) {
			vals, err := r.Values()
			out := make([]string, len(vals))
			for i, v := range vals {
				out[i] = fmt.Sprint(v)
			}
			return out, err
		})
	}
	return w
}

// step takes a step of the report's sign-off as actor, from the report's state now.
func (w *demoWorld) step(actor, to, note string) error {
	return w.owner(func(tx pgx.Tx) error {
		s, err := report.LoadState(w.ctx, tx, w.tenant, w.review)
		if err != nil {
			return err
		}
		_, err = report.Move(w.ctx, tx, w.tenant, w.review, actor, to, note, s.Version)
		return err
	})
}

// stage moves the review's stage as actor, from the review's version now, as its form does.
func (w *demoWorld) stage(actor string, to review.Status, reason string) error {
	return w.owner(func(tx pgx.Tx) error {
		rv, err := review.Get(w.ctx, tx, w.tenant, w.review)
		if err != nil {
			return err
		}
		_, err = report.MoveStage(w.ctx, tx, w.tenant, w.review, actor, rv.Version, to, reason)
		return err
	})
}

func (w *demoWorld) facts() report.Facts {
	w.t.Helper()
	var f report.Facts
	if err := w.owner(func(tx pgx.Tx) (err error) { f, err = report.LoadFacts(w.ctx, tx, w.tenant, w.review); return err }); err != nil {
		w.t.Fatal(err)
	}
	return f
}

func TestDemoMethodologyFacts(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	f := w.facts()
	if got := strings.Join(f.Areas, ", "); got != "Northumberland, Sunderland, County Durham, Kingston upon Hull, Torbay, Isle of Wight" {
		t.Errorf("areas %s", got)
	}
	// The seed's methodology, told truly: the CQC inspector was on site for one of the two days.
	want := []string{
		"The review visited 6 local areas:",
		"In August 2023, inspectors visited each of these local areas over a period of 2 days.",
		"Each visit was carried out by 2 early years inspectors from Ofsted and a children's services inspector from CQC.",
		"The Ofsted inspectors were on site for both days and the CQC inspector for 1 day.",
	}
	if got := sentences(f); !slices.Equal(got, want) {
		t.Errorf("methodology\n got %q\nwant %q", got, want)
	}
	if f.Notes != demo.NoteCount() || len(f.Sources) < 3 || f.SelfAssessed != 4 || f.Questionnaires != 4 || f.Respondents == 0 {
		t.Errorf("notes %d sources %d self-assessed %d questionnaires %d respondents %d", f.Notes, len(f.Sources), f.SelfAssessed, f.Questionnaires, f.Respondents)
	}
	// Change the data and the facts follow: a note deleted, a visit moved to September and
	// lengthened, a self-assessment reopened.
	w.super(`UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id
		WHERE id = (SELECT id FROM evidence_notes WHERE tenant_id = $1 ORDER BY id LIMIT 1)`, w.tenant)
	w.super(`UPDATE visits SET start_date = '2023-09-04', days = 3 WHERE tenant_id = $1 AND area_id =
		(SELECT ra.id FROM review_areas ra WHERE ra.tenant_id = $1 AND ra.ons_code = 'E06000046')`, w.tenant)
	w.super(`UPDATE sa_submissions SET status = 'draft' WHERE tenant_id = $1 AND area_id =
		(SELECT area_id FROM sa_submissions WHERE tenant_id = $1 AND status = 'submitted' LIMIT 1)`, w.tenant)
	g := w.facts()
	if g.Notes != f.Notes-1 || g.SelfAssessed != 3 {
		t.Errorf("after changes: notes %d self-assessed %d", g.Notes, g.SelfAssessed)
	}
	want = []string{
		"The review visited 6 local areas:",
		"In August and September 2023, inspectors visited each of these local areas over a period of 2 or 3 days.",
		"Each visit was carried out by 2 early years inspectors from Ofsted and a children's services inspector from CQC.",
		"The Ofsted inspectors were on site for 2 days and the CQC inspector for 1 day.",
	}
	if got := sentences(g); !slices.Equal(got, want) {
		t.Errorf("methodology after changes\n got %q\nwant %q", got, want)
	}
}

// sentences are the methodology's sentences about the visits, in order.
func sentences(f report.Facts) []string {
	out := []string{f.AreasSentence(), f.VisitSentence()}
	out = append(out, f.TeamSentences()...)
	return append(out, f.DaysSentence())
}

func TestReportTextsVersionsAndWorkflow(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.owner(func(tx pgx.Tx) error {
		_, err := report.SaveText(w.ctx, tx, w.tenant, w.review, w.lead, report.TextRecommendations, "Based on our visits, we recommend that:", 0)
		return err
	}))
	// A second save from version 0 is stale.
	err := w.owner(func(tx pgx.Tx) error {
		_, err := report.SaveText(w.ctx, tx, w.tenant, w.review, w.lead, report.TextRecommendations, "Lost", 0)
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale text save: %v", err)
	}
	err = w.owner(func(tx pgx.Tx) error {
		_, err := report.SaveText(w.ctx, tx, w.tenant, w.review, w.lead, "area:not-a-uuid", "x", 0)
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("bad key: %v", err)
	}
	// Versions number in order and keep the document.
	doc := report.Doc{Title: "One", Blocks: []report.Block{{Kind: report.Paragraph, Text: report.Text{{Text: "Hello"}}}}}
	for i := 1; i <= 2; i++ {
		must(w.owner(func(tx pgx.Tx) error {
			v, err := report.SaveVersion(w.ctx, tx, w.tenant, w.review, w.lead, "", &doc)
			if err == nil && v.Number != i {
				t.Errorf("version number %d, want %d", v.Number, i)
			}
			return err
		}))
	}
	var v report.Version
	must(w.owner(func(tx pgx.Tx) (err error) { v, err = report.LoadVersion(w.ctx, tx, w.tenant, w.review, 2); return err }))
	if v.Doc.Blocks[0].Text.Plain() != "Hello" {
		t.Fatalf("version doc %+v", v.Doc)
	}
	// Workflow: the lead sends for QA, cannot approve their own report; another lead approves.
	// The demo review is at analysis: the report goes for QA from drafting only.
	if err := w.step(w.lead, report.StatusQA, ""); err == nil || !strings.Contains(err.Error(), "once the review is at drafting") {
		t.Fatalf("send for QA at analysis: %v", err)
	}
	must(w.stage(w.lead, review.StatusDrafting, ""))
	step := w.step
	must(step(w.lead, report.StatusQA, ""))
	if err := step(w.lead, report.StatusApproved, ""); err == nil || !strings.Contains(err.Error(), "Another lead") {
		t.Fatalf("self approval: %v", err)
	}
	if err := step(w.second, report.StatusChangesRequested, ""); err == nil || !strings.Contains(err.Error(), "Say what") {
		t.Fatalf("changes without a note: %v", err)
	}
	must(step(w.second, report.StatusChangesRequested, "Tighten the summary"))
	must(step(w.lead, report.StatusQA, ""))
	must(step(w.second, report.StatusApproved, ""))
	if err := step(w.lead, report.StatusQA, ""); !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("approved back to QA: %v", err)
	}
	must(step(w.lead, report.StatusPublished, ""))
	// Published: locked.
	err = w.owner(func(tx pgx.Tx) error {
		_, err := report.SaveText(w.ctx, tx, w.tenant, w.review, w.lead, report.TextRecommendations, "Late edit", 1)
		return err
	})
	if !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("edit after publication: %v", err)
	}
	var s report.State
	must(w.owner(func(tx pgx.Tx) (err error) { s, err = report.LoadState(w.ctx, tx, w.tenant, w.review); return err }))
	// Versions 1 and 2 were saved above; sending for quality assurance twice saved 3 and 4,
	// approving 5, publishing 6.
	if s.Status != report.StatusPublished || s.PublishedVersion != 6 || time.Since(s.At) > time.Minute {
		t.Fatalf("state %+v", s)
	}
}

func TestCheckTermsFromTheDemo(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	var terms report.Terms
	if err := w.owner(func(tx pgx.Tx) (err error) { terms, err = report.LoadTerms(w.ctx, tx, w.tenant, w.review); return err }); err != nil {
		t.Fatal(err)
	}
	has := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	if !has(terms.Areas, "Torbay") || !has(terms.Areas, "Kingston upon Hull, City of") || !has(terms.Authorities, "Reading") || !has(terms.People, "Lee Lead") {
		t.Fatalf("terms: areas %v people %d authorities %d", terms.Areas, len(terms.People), len(terms.Authorities))
	}
	doc := report.Doc{Title: "T", Blocks: []report.Block{{Kind: report.Paragraph, Text: report.Text{{Text: "In Torbay, Lee Lead met families."}},
		Origin: report.Origin{Section: "summary"}}}}
	doc.Finish()
	if hits := report.Check(&doc, terms, nil); report.Blocking(hits) != 2 {
		t.Fatalf("hits %+v", hits)
	}
}

// The methodology counts each person as what they were on the visit, and says less, never
// something false, when a visit's dates are not known.
func TestMethodologyPerVisitPlacesAndUnknownDates(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	// On one visit (Torbay), the CQC inspector was an Ofsted inspector.
	w.super(`INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, inspectorate, job_title)
		SELECT DISTINCT d.tenant_id, d.visit_id, d.member_id, v.review_id, 'Ofsted', 'Early Years Inspector'
		FROM visit_days d JOIN visits v ON v.id = d.visit_id JOIN review_areas ra ON ra.id = v.area_id
		JOIN review_members m ON m.id = d.member_id
		WHERE v.tenant_id = $1 AND ra.ons_code = 'E06000027' AND m.inspectorate = 'CQC'
		ON CONFLICT (tenant_id, visit_id, member_id) DO UPDATE SET inspectorate = EXCLUDED.inspectorate,
			job_title = EXCLUDED.job_title`, w.tenant)
	f := w.facts()
	var torbay report.Visit
	for _, v := range f.Visits {
		if v.Area == "Torbay" {
			torbay = v
		}
	}
	if len(torbay.Team) != 3 || slices.ContainsFunc(torbay.Team, func(m report.Member) bool { return m.Inspectorate != "Ofsted" }) {
		t.Fatalf("Torbay's team %+v, want 3 from Ofsted", torbay.Team)
	}
	want := []string{"Each visit was carried out by a team of 3 inspectors.",
		"Teams were made up of 2 or 3 early years inspectors from Ofsted and a children's services inspector from CQC (on 5 of the 6 visits)."}
	if got := f.TeamSentences(); !slices.Equal(got, want) {
		t.Errorf("team sentences\n got %q\nwant %q", got, want)
	}

	// A visit with no start and no evidence does not count; with a live note, it does.
	var area, visit, member string
	rows, err := w.super2(`WITH a AS (INSERT INTO review_areas (tenant_id, review_id, ons_code)
			SELECT $1, $2, la.ons_code FROM local_authorities la
			WHERE la.ons_code NOT IN (SELECT ons_code FROM review_areas WHERE review_id = $2) ORDER BY la.ons_code LIMIT 1
			RETURNING id)
		SELECT a.id::text, (SELECT id::text FROM review_members WHERE review_id = $2 AND role = 'lead' LIMIT 1) FROM a`, w.tenant, w.review)
	if err != nil || len(rows) != 1 {
		t.Fatal(err, rows)
	}
	area, member = rows[0][0], rows[0][1]
	rows, err = w.super2(`INSERT INTO visits (tenant_id, review_id, area_id, days) VALUES ($1, $2, $3, 2) RETURNING id::text`,
		w.tenant, w.review, area)
	if err != nil {
		t.Fatal(err)
	}
	visit = rows[0][0]
	w.super(`INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, job_title) VALUES ($1, $2, $3, $4, 'His Majesty''s Inspector')`,
		w.tenant, visit, member, w.review)
	if g := w.facts(); len(g.Areas) != 6 || len(g.Visits) != len(f.Visits) || g.Fieldwork() != "August 2023" {
		t.Fatalf("a visit with no start and no evidence counts: %d areas, fieldwork %q", len(g.Areas), g.Fieldwork())
	}
	// A safeguarding concern is not evidence.
	w.super(`UPDATE evidence_notes SET visit_id = $2, area_id = $3, safeguarding = true
		WHERE id = (SELECT id FROM evidence_notes WHERE tenant_id = $1 AND NOT safeguarding AND deleted_at IS NULL ORDER BY id LIMIT 1)`,
		w.tenant, visit, area)
	if g := w.facts(); len(g.Areas) != 6 {
		t.Fatalf("a safeguarding concern made the area visited: %d areas", len(g.Areas))
	}
	w.super(`UPDATE evidence_notes SET visit_id = $2, area_id = $3
		WHERE id = (SELECT id FROM evidence_notes WHERE tenant_id = $1 AND NOT safeguarding AND deleted_at IS NULL ORDER BY id LIMIT 1)`,
		w.tenant, visit, area)
	g := w.facts()
	if len(g.Areas) != 7 || len(g.Visits) != len(f.Visits)+1 || g.Visits[len(g.Visits)-1].Start != nil {
		t.Fatalf("the visit with evidence: %d areas, visits %+v", len(g.Areas), g.Visits)
	}
	last := g.Visits[len(g.Visits)-1]
	if len(last.Team) != 1 || last.Team[0].Role != "His Majesty's Inspector" || last.Team[0].Days != 0 {
		t.Fatalf("its team %+v", last.Team)
	}
	// The months are not said while a start is unknown, and days on site only where known.
	if g.Fieldwork() != "" {
		t.Errorf("fieldwork %q with a start unknown", g.Fieldwork())
	}
	for _, s := range sentences(g) {
		if strings.Contains(s, "August") {
			t.Errorf("a sentence gives months while a start is unknown: %q", s)
		}
	}
	if d := g.DaysSentence(); d != "" && !strings.HasPrefix(d, "Where days on site are known") {
		t.Errorf("days sentence %q", d)
	}
}
