package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/finding"
	"thematic/internal/report"
	"thematic/internal/testenv"
)

// TestDemoSynthesis: the demo review's findings are spread over the six action areas, each
// supported by notes from the areas whose notes carry its themes, with prevalence words from the
// default scale; the report's authored sections are written.
func TestDemoSynthesis(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	var tenantID, reviewID string
	if err := d.Super.QueryRow(ctx, `SELECT tenant_id, id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&tenantID, &reviewID); err != nil {
		t.Fatal(err)
	}
	var fs []finding.Finding
	var texts map[string]report.Authored
	var doc report.Doc
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) (err error) {
		if fs, err = finding.List(ctx, tx, tenantID, reviewID, ""); err != nil {
			return err
		}
		if texts, err = report.LoadTexts(ctx, tx, tenantID, reviewID); err != nil {
			return err
		}
		data, err := report.Load(ctx, tx, tenantID, reviewID)
		doc, _ = report.Build(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) < 12 {
		t.Fatalf("%d findings", len(fs))
	}
	perArea := map[string]int{}
	words := map[string]bool{}
	for _, f := range fs {
		perArea[f.ActionAreaID]++
		if f.Unsupported() || f.Stale() || f.Visited != 6 {
			t.Errorf("finding %q: areas %d confirmed %d visited %d", f.Body, f.Areas, f.ConfirmedAreas, f.Visited)
		}
		if strings.Contains(f.Text(), "{areas}") || f.Phrase() == "" {
			t.Errorf("finding text %q", f.Text())
		}
		words[f.Word()] = true
	}
	if len(perArea) != 6 {
		t.Errorf("findings in %d action areas, want 6", len(perArea))
	}
	if !words["all"] || len(words) < 3 {
		t.Errorf("prevalence words used: %v", words)
	}
	// The built report: 2 groups, 6 action area sections in the seed's order, examples that never
	// name their area, the 6 recommendations with their addressees, and footnotes numbered.
	var h2, h3, examples []string
	recs := 0
	for _, b := range doc.Blocks {
		switch {
		case b.Kind == report.Heading && b.Level == 2 && strings.HasPrefix(b.Origin.Section, "group:"):
			h2 = append(h2, b.Text.Plain())
		case b.Kind == report.Heading && b.Level == 3:
			h3 = append(h3, b.Text.Plain())
		case b.Origin.Kind == "example":
			examples = append(examples, b.Text.Plain())
			if b.Flag != "" {
				t.Errorf("example flagged: %s", b.Flag)
			}
		case b.Kind == report.Numbered && b.Origin.Kind == "recommendation":
			recs = len(b.Items)
		}
	}
	if len(h2) != 2 || strings.Join(h3, "|") != "Seamless support for families|A welcoming hub for families|The information families need when they need it|"+
		"An empowered Start for Life workforce|Continually improving the Start for Life offer|Leadership for change" {
		t.Errorf("groups %q sections %q", h2, h3)
	}
	if len(examples) < 6 || recs != 6 || len(doc.Footnotes) < 7 {
		t.Errorf("%d examples, %d recommendations, %d footnotes", len(examples), recs, len(doc.Footnotes))
	}
	for _, e := range examples {
		if !strings.HasPrefix(e, "In one area") && !strings.HasPrefix(e, "One local area") {
			t.Errorf("example not anonymised: %q", e)
		}
	}
	for _, k := range []string{report.TextBackground, report.TextSummary, report.TextIntroduction, report.TextMethodology} {
		if texts[k].Body == "" {
			t.Errorf("no %s text", k)
		}
	}
}
