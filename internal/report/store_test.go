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
	// Versions 1 and 2 were saved above; publishing saved the third.
	if s.Status != report.StatusPublished || s.PublishedVersion != 3 || time.Since(s.At) > time.Minute {
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
