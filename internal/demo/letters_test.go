package demo_test

import (
	"context"
	"strings"
	"testing"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/letter"
)

// TestDemoLetter: the demo review has its letter template and a drafted letter to the contact's
// area, which names that area and passes the letter's publication check.
func TestDemoLetter(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	var tenantID, reviewID, areaID, name string
	var templates, texts int
	if err := d.Super.QueryRow(ctx, `SELECT rv.tenant_id, rv.id, ra.id, la.display_name,
			(SELECT count(*) FROM letter_templates t WHERE t.review_id = rv.id),
			(SELECT count(*) FROM letter_texts x JOIN letters l ON l.id = x.letter_id WHERE l.area_id = ra.id)
		FROM reviews rv JOIN review_areas ra ON ra.review_id = rv.id AND ra.ons_code = $2
		JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE rv.title = $1`, demo.ReviewTitle, demo.LetterArea).
		Scan(&tenantID, &reviewID, &areaID, &name, &templates, &texts); err != nil {
		t.Fatal(err)
	}
	if templates != 1 || texts < 3 {
		t.Fatalf("%d templates and %d texts", templates, texts)
	}
	b, err := letter.Read(ctx, d.Owner, db.Scope{TenantID: tenantID, ReviewID: reviewID}, areaID, letter.PageOptions{WithCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.State.Status != letter.StatusDraft {
		t.Errorf("status %q", b.State.Status)
	}
	var all strings.Builder
	for _, bl := range b.Doc.Blocks {
		all.WriteString(bl.Text.Plain() + "\n")
	}
	if !strings.Contains(all.String(), "Leaders in "+name) || !strings.Contains(all.String(), "Strengths") {
		t.Errorf("the demo letter:\n%s", all.String())
	}
	if hits := b.Hits(); len(hits) > 0 {
		t.Errorf("the demo letter has check hits: %+v", hits)
	}
}
