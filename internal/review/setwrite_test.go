package review_test

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/review"
)

// stmtCounter counts the statements a pool sends.
type stmtCounter struct{ n atomic.Int64 }

func (c *stmtCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *stmtCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// bigTemplate is the built-in template with every list made times as long (titles kept unique).
func bigTemplate(t review.Template, times int) review.Template {
	out := t
	out.Framework.Groups, out.LinesOfEnquiry = nil, nil
	out.Vocabulary = review.Vocabulary{}
	for i := 1; i <= times; i++ {
		sfx := fmt.Sprintf(" (%d)", i)
		for _, g := range t.Framework.Groups {
			g.Title += sfx
			areas := append([]review.FileArea(nil), g.ActionAreas...)
			for j := range areas {
				areas[j].Title += sfx
			}
			g.ActionAreas = areas
			out.Framework.Groups = append(out.Framework.Groups, g)
		}
		for _, l := range t.LinesOfEnquiry {
			l.Title += sfx
			qs := append([]string(nil), l.Questions...)
			for j := range qs {
				qs[j] += sfx
			}
			l.Questions = qs
			out.LinesOfEnquiry = append(out.LinesOfEnquiry, l)
		}
		for _, s := range t.Vocabulary.Sources {
			s.Name += sfx
			out.Vocabulary.Sources = append(out.Vocabulary.Sources, s)
		}
		out.Vocabulary.Roles = appendSuffixed(out.Vocabulary.Roles, t.Vocabulary.Roles, sfx)
		out.Vocabulary.Inspectorates = appendSuffixed(out.Vocabulary.Inspectorates, t.Vocabulary.Inspectorates, sfx)
		out.Vocabulary.TeamRoles = appendSuffixed(out.Vocabulary.TeamRoles, t.Vocabulary.TeamRoles, sfx)
		out.Vocabulary.Addressees = appendSuffixed(out.Vocabulary.Addressees, t.Vocabulary.Addressees, sfx)
	}
	return out
}

func appendSuffixed(to, from []string, sfx string) []string {
	for _, s := range from {
		to = append(to, s+sfx)
	}
	return to
}

// TestApplyTemplateSendsOneStatementWhateverItsSize applies the built-in template and one four
// times as long, each twice to a review (the second time after what the first wrote), counts the
// statements and reads back what was written: the template's groups, action areas, lines and
// values in its order, numbered after what the review had.
func TestApplyTemplateSendsOneStatementWhateverItsSize(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	tpls, err := review.Templates()
	w.must(err)
	small := tpls[review.StartForLife]
	pc, err := pgxpool.ParseConfig(w.d.AppURL)
	w.must(err)
	counter := &stmtCounter{}
	pc.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(w.ctx, pc)
	w.must(err)
	t.Cleanup(pool.Close)
	for _, tpl := range []review.Template{small, bigTemplate(small, 4)} {
		id := w.create(w.tenantID, w.leadID, "Review of "+fmt.Sprint(len(tpl.Framework.Groups))+" groups")
		var before, after int64
		for range 2 {
			w.must(db.InTx(w.ctx, pool, db.Scope{TenantID: w.tenantID}, func(tx pgx.Tx) error {
				before = counter.n.Load()
				err := review.ApplyTemplate(w.ctx, tx, w.tenantID, id, tpl)
				after = counter.n.Load()
				return err
			}))
			if n := after - before; n > review.ApplyTemplateBudget {
				t.Errorf("applying a template of %d groups sends %d statements, more than %d", len(tpl.Framework.Groups), n,
					review.ApplyTemplateBudget)
			}
		}
		var fw review.Framework
		var enq review.Enquiry
		var vocab review.Vocabulary
		w.must(w.tx(w.tenantID, func(tx pgx.Tx) (err error) {
			if fw, err = review.LoadFramework(w.ctx, tx, w.tenantID, id); err != nil {
				return err
			}
			if enq, err = review.LoadEnquiry(w.ctx, tx, w.tenantID, id); err != nil {
				return err
			}
			vocab, err = review.LoadVocabulary(w.ctx, tx, w.tenantID, id)
			return err
		}))
		want, _ := tpl.Framework.Check()
		if got, n := len(fw.Groups), 2*len(want.Groups); got != n {
			t.Fatalf("%d groups written, want %d", got, n)
		}
		for i, g := range fw.Groups {
			wg := want.Groups[i%len(want.Groups)]
			if g.Title != wg.Title || g.Position != i+1 || len(g.Areas) != len(wg.Areas) {
				t.Fatalf("group %d: %q at %d with %d areas, want %q at %d with %d", i, g.Title, g.Position, len(g.Areas), wg.Title, i+1, len(wg.Areas))
			}
			for j, a := range g.Areas {
				wa := wg.Areas[j]
				if a.Title != wa.Title || a.Quote != wa.Quote || a.Citation != wa.Citation || a.Position != j+1 || a.GroupID != g.ID {
					t.Fatalf("group %d area %d: %+v, want %+v at %d", i, j, a, wa, j+1)
				}
			}
		}
		wantEnq := tpl.EnquiryOf()
		if got, n := len(enq.Groups), 2*len(wantEnq.Groups); got != n || len(enq.Ungrouped) != 0 {
			t.Fatalf("%d enquiry groups (%d lines in none), want %d", got, len(enq.Ungrouped), n)
		}
		for i, g := range enq.Groups {
			wg := wantEnq.Groups[i%len(wantEnq.Groups)]
			if g.Title != wg.Title || g.Position != i+1 || len(g.Lines) != len(wg.Lines) {
				t.Fatalf("enquiry group %d: %q at %d with %d lines, want %q", i, g.Title, g.Position, len(g.Lines), wg.Title)
			}
			for j, l := range g.Lines {
				if l.Question != wg.Lines[j].Question || l.Position != j+1 {
					t.Fatalf("enquiry group %d line %d: %q at %d", i, j, l.Question, l.Position)
				}
			}
		}
		// Values already in the lists are kept once: the second application adds nothing.
		if !reflect.DeepEqual(vocab, tpl.Vocabulary) {
			t.Errorf("vocabularies:\n got %+v\nwant %+v", vocab, tpl.Vocabulary)
		}
	}
}
