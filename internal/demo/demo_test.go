package demo_test

import (
	"context"
	"testing"

	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
)

// TestDemoReviewMatchesTheSeeds checks the demo review against the published Start for Life
// review: 6 areas, 6 two-day visits in August 2023, 18 team places (two Early Years Inspectors on
// site both days and a CQC inspector one day), 6 action areas in 2 groups, and a member in every
// role. Seeding twice changes nothing.
func TestDemoReviewMatchesTheSeeds(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := demo.Seed(ctx, d.Owner); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := d.Super.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	checks := []struct {
		what string
		sql  string
		want int
	}{
		{"reviews", `SELECT count(*) FROM reviews`, 2},
		{"published reviews with their reports", `SELECT count(*) FROM reviews r JOIN reports p ON p.review_id = r.id AND p.status = 'published' WHERE r.status = 'published'`, 1},
		{"recommendations in the register", `SELECT count(*) FROM recommendations c JOIN reports p ON p.review_id = c.review_id AND p.status = 'published'`, 4},
		{"register statuses", `SELECT count(*) FROM recommendation_register`, 3},
		{"responses", `SELECT count(*) FROM recommendation_responses`, 4},
		{"a Start for Life finding follows one up", `SELECT count(*) FROM finding_follow_ups fu JOIN findings f ON f.id = fu.finding_id
			JOIN reviews r ON r.id = f.review_id WHERE r.title = 'Start for Life services: thematic review'`, 1},
		{"a closed factual-accuracy round of the letter, finished by the area", `SELECT count(*) FROM fact_checks WHERE finished_at IS NOT NULL AND deadline < current_date`, 1},
		{"its comments, one accepted and one not, with a reason", `SELECT count(*) FROM fact_check_comments WHERE answer = 'accepted'
			OR (answer = 'not_accepted' AND reason <> '')`, 2},
		{"the accepted comment changed the letter after the version sent", `SELECT count(*) FROM letter_texts t JOIN letter_versions v
			ON v.letter_id = t.letter_id AND v.label = 'Sent for a factual-accuracy check'
			WHERE t.body LIKE 'Outside the northern locality%' AND v.doc::text NOT LIKE '%Outside the northern locality%'`, 1},
		{"areas", `SELECT count(*) FROM review_areas`, 6},
		{"seed areas", `SELECT count(*) FROM review_areas WHERE ons_code IN ('E06000057','E08000024','E06000047','E06000010','E06000027','E06000046')`, 6},
		{"visits", `SELECT count(*) FROM visits`, 6},
		{"two-day visits in August 2023", `SELECT count(*) FROM visits WHERE days = 2 AND start_date BETWEEN '2023-08-01' AND '2023-08-30'`, 6},
		{"team places", `SELECT count(DISTINCT (visit_id, member_id)) FROM visit_days`, 18},
		{"inspector days", `SELECT count(*) FROM visit_days`, 30},
		{"Ofsted inspectors on site both days", `SELECT count(*) FROM (SELECT visit_id, member_id FROM visit_days vd
			JOIN review_members m ON m.id = vd.member_id WHERE m.inspectorate = 'Ofsted' GROUP BY 1, 2 HAVING count(*) = 2) x`, 12},
		{"CQC inspectors on site one day", `SELECT count(*) FROM (SELECT visit_id, member_id FROM visit_days vd
			JOIN review_members m ON m.id = vd.member_id WHERE m.inspectorate = 'CQC' GROUP BY 1, 2 HAVING count(*) = 1) x`, 6},
		{"framework groups", `SELECT count(*) FROM framework_groups`, 2},
		{"action areas", `SELECT count(*) FROM action_areas`, 6},
		{"action areas with quote and citation", `SELECT count(*) FROM action_areas WHERE quote <> '' AND citation LIKE '%1,001 critical days%'`, 6},
		{"enquiry groups", `SELECT count(*) FROM enquiry_groups`, 3},
		{"lines of enquiry", `SELECT count(*) FROM enquiry_lines`, 11},
		{"leads", `SELECT count(*) FROM review_members WHERE role = 'lead' AND review_id = (SELECT id FROM reviews WHERE title = 'Start for Life services: thematic review')`, 2},
		{"inspectors", `SELECT count(*) FROM review_members WHERE role = 'inspector' AND review_id = (SELECT id FROM reviews WHERE title = 'Start for Life services: thematic review')`, 6},
		{"observers", `SELECT count(*) FROM review_members WHERE role = 'observer' AND review_id = (SELECT id FROM reviews WHERE title = 'Start for Life services: thematic review')`, 1},
		{"contacts with an area", `SELECT count(*) FROM review_members WHERE role = 'la_contact' AND area_id IS NOT NULL`, 1},
	}
	for _, c := range checks {
		if got := count(c.sql); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	var key string
	if err := d.Super.QueryRow(ctx, `SELECT key_question FROM reviews WHERE title = 'Start for Life services: thematic review'`).Scan(&key); err != nil || key == "" {
		t.Errorf("key question %q, %v", key, err)
	}
	var order string
	if err := d.Super.QueryRow(ctx, `SELECT string_agg(a.title, ' | ' ORDER BY g.position, a.position) FROM action_areas a
		JOIN framework_groups g ON g.id = a.group_id`).Scan(&order); err != nil {
		t.Fatal(err)
	}
	want := "Seamless support for families | A welcoming hub for families | The information families need when they need it | " +
		"An empowered Start for Life workforce | Continually improving the Start for Life offer | Leadership for change"
	if order != want {
		t.Errorf("action areas in order:\n%s\nwant\n%s", order, want)
	}
}
