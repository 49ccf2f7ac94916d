package bulk_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/bulk"
	"thematic/internal/db"
	"thematic/internal/report"
	"thematic/internal/testenv"
)

func TestSynthesisBuildsAReport(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	tenantID, leadID, authors := demoPeople(t, d)
	r, err := bulk.Load(ctx, d.Owner, tenantID, bulk.Options{Title: "Bulk", Areas: 30, Notes: 3000, Batch: 1000,
		LeadID: leadID, AuthorIDs: authors})
	if err != nil {
		t.Fatal(err)
	}
	if err := bulk.Synthesis(ctx, d.Owner, tenantID, r.ID, leadID, 60, 40); err != nil {
		t.Fatal(err)
	}
	var doc report.Doc
	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		data, err := report.Load(ctx, tx, tenantID, r.ID)
		if err != nil {
			return err
		}
		if len(data.Findings) != 60 || len(data.Recommendations) != 10 || len(data.Examples) < 6 {
			t.Errorf("%d findings, %d recommendations, %d examples", len(data.Findings), len(data.Recommendations), len(data.Examples))
		}
		for _, f := range data.Findings {
			if f.Unsupported() || f.Stale() || f.Word() == "" {
				t.Errorf("finding %q: %d areas, confirmed %d, word %q", f.Body, f.Areas, f.ConfirmedAreas, f.Word())
				break
			}
		}
		doc, _ = report.Build(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Footnotes) < 4 || len(doc.Blocks) < 80 {
		t.Errorf("%d blocks, %d footnotes", len(doc.Blocks), len(doc.Footnotes))
	}
}
