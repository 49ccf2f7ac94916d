package archive_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/archive"
	"thematic/internal/db"
)

// countingTracer counts the statements a pool sends, one each in a batch too, and keeps their SQL.
type countingTracer struct {
	n   atomic.Int64
	sql []string
}

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.sql = append(c.sql, d.SQL)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *countingTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c *countingTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.n.Add(1)
	c.sql = append(c.sql, d.SQL)
}

func (c *countingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// tracedPool is a pool of the application role (row-level security in full, as the server) of
// one connection that counts its statements.
func (w *world) tracedPool() (*pgxpool.Pool, *countingTracer) {
	w.t.Helper()
	pc, err := pgxpool.ParseConfig(w.appURL)
	if err != nil {
		w.t.Fatal(err)
	}
	tr := &countingTracer{}
	pc.MaxConns = 1
	pc.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(w.ctx, pc)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(pool.Close)
	return pool, tr
}

// scaledTo is a copy of a with n notes: its first n, or its notes copied under new refs (with
// findings copied to cite the copies) until there are n. Links to notes left out are dropped.
func scaledTo(a *archive.Archive, n int) *archive.Archive {
	b := *a
	if n <= len(a.Notes) {
		b.Notes = append([]archive.Note(nil), a.Notes[:n]...)
	} else {
		b.Notes = append([]archive.Note(nil), a.Notes...)
		b.Findings = append([]archive.Finding(nil), a.Findings...)
		for c := 1; len(b.Notes) < n; c++ {
			suffix := fmt.Sprintf("-copy%d", c)
			for _, x := range a.Notes {
				if len(b.Notes) == n {
					break
				}
				x.Ref += suffix
				b.Notes = append(b.Notes, x)
			}
			for _, f := range a.Findings {
				f.Ref += suffix
				f.SupportingNotes = suffixed(f.SupportingNotes, suffix)
				f.ContradictingNotes = suffixed(f.ContradictingNotes, suffix)
				b.Findings = append(b.Findings, f)
			}
		}
	}
	kept := map[string]bool{}
	for _, x := range b.Notes {
		kept[x.Ref] = true
	}
	keep := func(refs []string) []string {
		out := []string{}
		for _, r := range refs {
			if kept[r] {
				out = append(out, r)
			}
		}
		return out
	}
	findings := append([]archive.Finding(nil), b.Findings...)
	for i := range findings {
		findings[i].SupportingNotes, findings[i].ContradictingNotes = keep(findings[i].SupportingNotes), keep(findings[i].ContradictingNotes)
	}
	b.Findings = findings
	b.Examples = append([]archive.Example(nil), a.Examples...)
	for i, x := range b.Examples {
		if x.Note != nil && !kept[*x.Note] {
			b.Examples[i].Note = nil
		}
	}
	b.Documents = append([]archive.Document(nil), a.Documents...)
	for i := range b.Documents {
		b.Documents[i].Notes = keep(b.Documents[i].Notes)
	}
	return &b
}

func suffixed(refs []string, suffix string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r + suffix
	}
	return out
}

// TestImportSendsAFixedNumberOfStatements imports the demo review cut to 5 notes and grown to 400
// (with three times its findings), as the import command does (its transaction and audit entry
// included), and counts the statements: the same for both, within archive.ImportReviewBudget.
func TestImportSendsAFixedNumberOfStatements(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, err := archive.Parse(w.export(w.tenant, w.review))
	if err != nil {
		t.Fatal(err)
	}
	pool, tr := w.tracedPool()
	sc := db.Scope{TenantID: w.other, UserID: w.lead, Email: "lead@demo.test"}
	counts := map[int]int64{}
	for _, notes := range []int{5, 400} {
		x := scaledTo(a, notes)
		before := tr.n.Load()
		from := len(tr.sql)
		res, err := archive.ImportReview(w.ctx, pool, sc, archive.Target{CreateKey: fmt.Sprintf("budget-%d", notes)}, x, time.Now())
		if err != nil {
			t.Fatalf("import of %d notes: %v", notes, err)
		}
		if res.Counts.Notes != notes {
			t.Fatalf("import of %d notes made %d", notes, res.Counts.Notes)
		}
		counts[notes] = tr.n.Load() - before
		t.Logf("import of %d notes, %d findings: %d statements", notes, len(x.Findings), counts[notes])
		if counts[notes] > archive.ImportReviewBudget {
			t.Errorf("import of %d notes sends %d statements, more than %d:\n  %s", notes, counts[notes], archive.ImportReviewBudget,
				strings.Join(tr.sql[from:], "\n  "))
		}
	}
	if counts[5] != counts[400] {
		t.Errorf("the import of 5 notes sends %d statements, of 400 notes %d: the count grows with the archive", counts[5], counts[400])
	}
}
