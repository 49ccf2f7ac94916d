package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/finding"
	"thematic/internal/testenv"
)

// prFindings writes two findings of the demo review directly, in the action area given.
func prFindings(t *testing.T, env *testenv.Env, reviewID, actionArea string) {
	t.Helper()
	ctx := context.Background()
	var tenantID, leadID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT tenant_id FROM reviews WHERE id = $1`, reviewID).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, env.DB.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		for i, body := range []string{"Parents valued the drop-in clinics in family hubs.", "Data systems were not joined up."} {
			if _, _, err := finding.Create(ctx, tx, tenantID, reviewID, leadID, finding.Input{ActionAreaID: actionArea, Body: body,
				Key: "e2e-practice-finding-" + string(rune('a'+i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The lead writes a good-practice example from a candidate note of the demo review and sees it
// under its action area without the area's name; then writes two recommendations answering
// findings and reorders them with the plain forms (no script runs in the tab), and the numbers
// change. axe checks every page.
func TestJourneyPracticeAndRecommendations(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	b.noScript()
	review := evDemoReview(t, env)
	ctx := context.Background()
	b.signIn("lead@demo.test", demo.Password)

	b.Visit("/reviews/" + review + "/")
	b.ClickLink("Good practice")
	b.Expect("Candidates")
	b.Submit("#candidate-list a[href*='/examples/new?note=']")
	b.Expect("Write a good practice example")
	if body, _ := b.value("body"); strings.TrimSpace(body) == "" {
		t.Fatal("the example's text is not prefilled with the note's")
	}
	noteID := strings.TrimPrefix(b.Path()[strings.Index(b.Path(), "?note="):], "?note=")
	var areaName string
	if err := env.DB.Super.QueryRow(ctx, `SELECT la.display_name FROM evidence_notes n JOIN review_areas ra ON ra.id = n.area_id
		JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE n.id = $1`, noteID).Scan(&areaName); err != nil {
		t.Fatal(err)
	}
	b.Fill("title", "Drop-in clinic")
	b.Fill("body", "A GP had set up a twice-weekly drop-in clinic in a family hub.")
	b.Check("action-area")
	b.Submit("form[action$='/examples'] button[type=submit]")
	b.Expect("Example saved")
	var exampleID, actionArea string
	if err := env.DB.Super.QueryRow(ctx, `SELECT id, action_area_id FROM practice_examples WHERE review_id = $1 AND note_id = $2`,
		review, noteID).Scan(&exampleID, &actionArea); err != nil {
		t.Fatal(err)
	}
	section := b.Text("#action-area-" + actionArea)
	if !strings.Contains(section, "In one area, a GP had set up a twice-weekly drop-in clinic in a family hub.") {
		t.Fatalf("the action area's section does not show the example as the report prints it:\n%s", section)
	}
	if strings.Contains(section, areaName) {
		t.Fatalf("the action area's section names %s:\n%s", areaName, section)
	}
	if b.Has("#candidate-" + noteID) {
		t.Fatal("the note written up is still a candidate")
	}
	// The example's page, and its form refusing an empty text (both axe-checked).
	b.Visit("/reviews/" + review + "/examples/" + exampleID)
	b.Expect("As the report prints it")
	b.Expect(areaName) // the staff see the area; the report text does not name it
	b.ClickLink("Change")
	b.Fill("body", " ")
	b.Submit("form[action$='/examples/" + exampleID + "'] button[type=submit]")
	b.Expect("Enter the example")
	// Personal data in the text: a warning to edit it or confirm it, the text kept (axe-checked).
	b.Fill("body", "Mrs Jane Smith said the drop-in clinic helped her.")
	b.Submit("form[action$='/examples/" + exampleID + "'] button[type=submit]")
	b.Expect("1 possible item of personal data: a person's name")
	b.Expect("I have checked: this is not personal data, keep it")
	if body, _ := b.value("body"); body != "Mrs Jane Smith said the drop-in clinic helped her." {
		t.Fatalf("the text typed was not kept: %q", body)
	}
	b.Check("confirm-personal-data")
	b.Submit("form[action$='/examples/" + exampleID + "'] button[type=submit]")
	b.Expect("Example saved")

	// Two recommendations answering findings.
	prFindings(t, env, review, actionArea)
	b.Visit("/reviews/" + review + "/")
	b.ClickLink("Recommendations")
	// The demo review may hold recommendations of its own: the new ones come after them.
	var n0 int
	if err := env.DB.Super.QueryRow(ctx, `SELECT count(*) FROM recommendations WHERE review_id = $1`, review).Scan(&n0); err != nil {
		t.Fatal(err)
	}
	num := func(k int) string { return strconv.Itoa(n0 + k) }
	b.ClickLink("Write a recommendation")
	b.Fill("body", "Central government fund family hubs for the long term.")
	b.Check("addressee")
	b.Check("findings")
	b.Submit("form[action$='/recommendations'] button[type=submit]")
	b.Expect("Recommendation saved")
	b.ClickLink("Write a recommendation")
	b.Fill("body", "Central and local government agree common outcome measures.")
	b.Check("addressee-2")
	b.Check("findings")
	b.Submit("form[action$='/recommendations'] button[type=submit]")
	b.Expect("Recommendation saved")
	ids := map[string]string{}
	rows, err := env.DB.Super.Query(ctx, `SELECT body, id::text FROM recommendations WHERE review_id = $1`, review)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var body, id string
		if err := rows.Scan(&body, &id); err != nil {
			t.Fatal(err)
		}
		ids[body] = id
	}
	first, second := ids["Central government fund family hubs for the long term."], ids["Central and local government agree common outcome measures."]
	if first == "" || second == "" {
		t.Fatalf("recommendations saved: %v", ids)
	}
	number := func(id string) string { return strings.TrimSpace(b.Text("#recommendation-" + id + " .app-rec-number")) }
	if number(first) != "Recommendation "+num(1) || number(second) != "Recommendation "+num(2) {
		t.Fatalf("numbers before the move: %q, %q", number(first), number(second))
	}
	if !strings.Contains(b.Text("#recommendation-"+second), "Central and local government") {
		t.Fatal("the second recommendation does not show its addressee")
	}
	b.Submit("form[action$='/recommendations/" + second + "/move'] button[type=submit]")
	b.Expect("Recommendation " + num(2) + " is now number " + num(1))
	if number(second) != "Recommendation "+num(1) || number(first) != "Recommendation "+num(2) {
		t.Fatalf("numbers after the move: second %q, first %q", number(second), number(first))
	}
	list := b.Text("#recommendation-list")
	if strings.Index(list, "common outcome measures") > strings.Index(list, "fund family hubs") {
		t.Fatal("the moved recommendation is not listed first")
	}
	// The edit form, a refused save, and the delete confirmation.
	b.Visit("/reviews/" + review + "/recommendations/" + first + "/edit")
	b.Expect("Change recommendation " + num(2))
	b.Check("addressee-other-choice")
	b.Fill("addressee-other", "")
	b.Submit("form[action$='/recommendations/" + first + "'] button[type=submit]")
	b.Expect("Enter who the recommendation is for")
	b.Submit("form[action$='/recommendations/" + first + "/delete'] button[type=submit]")
	b.Expect("Are you sure you want to delete recommendation " + num(2) + "?")
	b.Submit("form[action$='/recommendations/" + first + "/delete'] button[type=submit]")
	b.Expect("Recommendation " + num(2) + " deleted")
}
