package report_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/finding"
	"thematic/internal/practice"
	"thematic/internal/recommendation"
	"thematic/internal/report"
	"thematic/internal/review"
)

// TestLoadAllReadsWhatTheDomainPackagesRead checks the one statement of LoadAll against the
// reads of the domain packages it stands for, on the demo review with a report state, an
// override and a flagged note.
func TestLoadAllReadsWhatTheDomainPackagesRead(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	w.super(`UPDATE evidence_notes SET body = body || ' Call 07700 900123.' WHERE id = (
		SELECT id FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 AND deleted_at IS NULL ORDER BY id LIMIT 1)`, w.tenant, w.review)
	w.super(`INSERT INTO audit_log (tenant_id, action, object_type, object_id)
		SELECT tenant_id, 'evidence.personal_data_confirmed', 'evidence_note', id::text FROM evidence_notes
		WHERE tenant_id = $1 AND review_id = $2 AND body LIKE '%07700 900123%'`, w.tenant, w.review)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.owner(func(tx pgx.Tx) error {
		_, err := report.AddOverride(w.ctx, tx, w.tenant, w.review, w.lead, report.Hit{Key: "area:torbay", Term: "Torbay"}, "Named on purpose")
		return err
	}))
	must(w.stage(w.lead, review.StatusDrafting, ""))
	must(w.step(w.lead, report.StatusQA, ""))
	must(w.owner(func(tx pgx.Tx) error {
		l, err := report.LoadAll(w.ctx, tx, w.tenant, w.review, report.LoadOptions{WithCheck: true, WithTrail: true})
		if err != nil {
			return err
		}
		same := func(what string, want, got any) {
			t.Helper()
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s:\nwant %+v\ngot  %+v", what, want, got)
			}
		}
		rv, err := review.Get(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("title", rv.Title, l.Data.Title)
		same("publication", rv.PlannedPublication, l.Data.Published)
		same("key question", rv.KeyQuestion, l.Data.KeyQuestion)
		fw, err := review.LoadFramework(w.ctx, tx, w.tenant, w.review)
		must(err)
		var groups []report.Group
		for _, g := range fw.Groups {
			rg := report.Group{ID: g.ID, Title: g.Title}
			for _, a := range g.Areas {
				rg.Areas = append(rg.Areas, report.ActionArea{ID: a.ID, Title: a.Title, Quote: a.Quote, Citation: a.Citation})
			}
			groups = append(groups, rg)
		}
		same("framework", groups, l.Data.Groups)
		fs, err := finding.List(w.ctx, tx, w.tenant, w.review, "")
		must(err)
		same("findings", fs, l.Data.Findings)
		linked, err := finding.Notes(w.ctx, tx, w.tenant, w.review, nil)
		must(err)
		same("linked notes", linked, l.Data.Linked)
		examples, err := practice.List(w.ctx, tx, w.tenant, w.review, "")
		must(err)
		names, err := practice.AreaNames(w.ctx, tx, w.tenant, w.review)
		must(err)
		var ex []report.Example
		for _, e := range examples {
			ex = append(ex, report.Example{ID: e.ID, ActionAreaID: e.ActionAreaID, Text: e.Text(), AreaName: e.AreaName,
				NoteID: e.NoteID, Warning: strings.Join(e.Warnings(names), " ")})
		}
		same("examples", ex, l.Data.Examples)
		recs, err := recommendation.List(w.ctx, tx, w.tenant, w.review)
		must(err)
		var rs []report.Recommendation
		for _, r := range recs {
			rs = append(rs, report.Recommendation{ID: r.ID, Text: r.Body, Addressee: r.Addressee, FindingIDs: r.FindingIDs})
		}
		same("recommendations", rs, l.Data.Recommendations)
		texts, err := report.LoadTexts(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("texts", texts, l.Texts)
		for k, a := range texts {
			same("text "+k, a.Body, l.Data.Texts[k])
		}
		st, err := report.LoadState(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("state", st, l.State)
		ov, err := report.Overrides(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("overrides", ov, l.Overrides)
		facts, err := report.LoadFacts(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("facts", facts, l.Data.Facts)
		terms, err := report.LoadTerms(w.ctx, tx, w.tenant, w.review)
		must(err)
		same("terms", terms, l.Terms)
		if len(l.Data.Findings) == 0 || len(l.Data.Examples) == 0 || len(l.Data.Recommendations) == 0 || len(l.Overrides) != 1 ||
			l.State.Status != report.StatusQA || len(l.Data.Linked) == 0 || len(l.Terms.Personal) == 0 {
			t.Errorf("the demo misses data: %d findings, %d examples, %d recommendations, %d overrides, state %q, %d linked, personal %v",
				len(l.Data.Findings), len(l.Data.Examples), len(l.Data.Recommendations), len(l.Overrides), l.State.Status,
				len(l.Data.Linked), l.Terms.Personal)
		}
		return nil
	}))
}

func TestLoadAllWithoutTheCheckOrTrail(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	if err := w.owner(func(tx pgx.Tx) error {
		l, err := report.LoadAll(w.ctx, tx, w.tenant, w.review, report.LoadOptions{})
		if err != nil {
			return err
		}
		if l.State.Status != report.StatusDraft || l.Overrides != nil || l.Data.Linked != nil || len(l.Terms.Authorities) != 0 {
			t.Errorf("state %+v, overrides %v, linked %d, authorities %d", l.State, l.Overrides, len(l.Data.Linked), len(l.Terms.Authorities))
		}
		_, err = report.LoadAll(w.ctx, tx, w.tenant, "00000000-0000-0000-0000-000000000000", report.LoadOptions{})
		if err == nil {
			t.Error("a review that does not exist loads")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
