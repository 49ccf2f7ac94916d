package bulk_test

import (
	"context"
	"testing"

	"thematic/internal/bulk"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
)

// demoPeople returns the demo tenant, its lead and its inspectors.
func demoPeople(t testing.TB, d *dbtest.DB) (tenantID, leadID string, authors []string) {
	t.Helper()
	tenantID, leadID, authors, err := bulk.DemoPeople(context.Background(), d.Owner)
	if err != nil {
		t.Fatal(err)
	}
	return tenantID, leadID, authors
}

func TestLoadSpreadsNotesOverEverything(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	tenantID, leadID, authors := demoPeople(t, d)
	r, err := bulk.Load(ctx, d.Owner, tenantID, bulk.Options{Title: "Bulk", Areas: 20, Notes: 2500, Batch: 1000,
		LeadID: leadID, AuthorIDs: authors})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.AreaIDs) != 20 {
		t.Fatalf("areas: %d", len(r.AreaIDs))
	}
	checks := []struct {
		name string
		sql  string
		want int
	}{
		{"notes", `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, 2500},
		{"areas with notes", `SELECT count(DISTINCT area_id) FROM evidence_notes WHERE review_id = $1`, 20},
		{"authors", `SELECT count(DISTINCT author_id) FROM evidence_notes WHERE review_id = $1`, len(authors)},
		{"sources used", `SELECT count(DISTINCT source_id) FROM evidence_notes WHERE review_id = $1`, 7},
		{"judgements", `SELECT count(DISTINCT judgement) FROM evidence_notes WHERE review_id = $1`, 3},
		{"notes without an action area", `SELECT count(*) FROM evidence_notes n WHERE review_id = $1 AND NOT EXISTS
			(SELECT 1 FROM evidence_note_action_areas x WHERE x.note_id = n.id)`, 0},
		{"notes without a theme", `SELECT count(*) FROM evidence_notes n WHERE review_id = $1 AND NOT EXISTS
			(SELECT 1 FROM evidence_note_tags x WHERE x.note_id = n.id)`, 0},
		{"action areas used", `SELECT count(DISTINCT action_area_id) FROM evidence_note_action_areas WHERE review_id = $1`, 6},
		{"themes used", `SELECT count(DISTINCT x.tag_id) FROM evidence_note_tags x JOIN evidence_tags t ON t.id = x.tag_id
			WHERE t.review_id = $1`, len(bulk.Themes)},
		{"notes dated outside their visit", `SELECT count(*) FROM evidence_notes n JOIN visits v ON v.id = n.visit_id
			WHERE n.review_id = $1 AND (n.note_date < v.start_date OR n.note_date >= v.start_date + v.days)`, 0},
		{"distinct texts", `SELECT count(DISTINCT body) FROM evidence_notes WHERE review_id = $1`, 2500},
		{"safeguarding concerns", `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND safeguarding`, 1},
		{"deleted", `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NOT NULL`, 2500 / 89},
	}
	for _, c := range checks {
		var got int
		if err := d.Super.QueryRow(ctx, c.sql, r.ID).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
