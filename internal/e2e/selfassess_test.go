package e2e

import (
	"context"
	"testing"
	"time"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestSelfAssessJourney: the local authority contact for Northumberland in the demo review
// completes the self-assessment by form — one page per element, a save for later, check your
// answers with a change, submit — and the lead sees it submitted; axe checks every page.
func TestSelfAssessJourney(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	review := evDemoReview(t, env)
	b := newB(t, env)
	b.signIn("la.contact@demo.test", demo.Password)
	start := time.Now()
	b.Visit("/reviews/" + review + "/areas/" + saArea(t, env, review, "Northumberland"))
	b.ClickLink("Self-assessment for Northumberland")
	b.Expect("Self-assessment for Northumberland")
	b.Expect("Not started")
	b.Expect("Upload supporting documents")

	b.ClickLink("Complete the self-assessment")
	b.Expect("Co-location")
	// Save and continue without a rating: the error summary names the field.
	b.Submit("button[value=continue]")
	b.Expect("There is a problem")
	b.Expect("Select a rating")
	b.Check("level-3")
	b.Fill("commentary", "Two family hubs share space with midwifery and health visiting.")
	b.Submit("button[value=later]")
	b.Expect("Your answers have been saved")
	b.Expect("In progress")

	b.ClickLink("Complete the self-assessment")
	b.Expect("Commissioning")
	for i, text := range []string{"Joint commissioning of health visiting started this year.",
		"A data-sharing agreement covers the hubs and maternity services.",
		"A Start for Life board meets every quarter."} {
		b.Check([]string{"level-2", "level-3", "level-4"}[i])
		b.Fill("commentary", text)
		b.Submit("button[value=continue]")
	}
	b.Expect("Check your answers")
	b.Expect("A Start for Life board meets every quarter.")
	t.Logf("contact reached check your answers after %v", time.Since(start))
	b.ClickLink("Change rating for Governance")
	b.Expect("Governance")
	b.Check("level-3")
	b.Submit("button[value=continue]")
	b.Expect("Check your answers")
	b.Submit("form[action$='/self-assessment/submit'] button[type=submit]")
	b.Expect("Self-assessment submitted")
	b.ClickLink("Back to the self-assessment")
	b.Expect("Completed")
	b.Expect("Submitted by")
	t.Logf("contact submitted after %v", time.Since(start))

	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	lead.Visit("/reviews/" + review + "/")
	lead.ClickLink("Self-assessments")
	lead.Expect("Self-assessments")
	lead.Expect("Submitted")
	lead.ClickLink("Northumberland")
	lead.Expect("Submitted by")
	lead.Expect("Reopen this self-assessment")
}

// saArea is the id of a demo review's area by name.
func saArea(t *testing.T, env *testenv.Env, reviewID, name string) string {
	t.Helper()
	var id string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT ra.id FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE ra.review_id = $1 AND la.name = $2`, reviewID, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
