package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// submitXPath clicks the button an XPath finds, waits for the next page and checks it with axe.
func (b *B) submitXPath(xpath string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	b.do(chromedp.Click(chromedp.Search(xpath)))
	b.waitNewPage()
	b.Axe()
}

var overviewPathRE = regexp.MustCompile(`^/reviews/[0-9a-f-]{36}/$`)

func TestJourneyCreateReviewFromTemplate(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.signIn("lead@demo.test", demo.Password)

	// From the home page to the create form.
	b.ClickLink("Create a review")
	if p := b.Path(); p != "/reviews/new" {
		t.Fatalf("at %s, want the create form", p)
	}
	// Mistakes first: the end of fieldwork is not a real date, and nothing is chosen to start
	// from (there is no default). What was typed stays.
	if b.Has("input[name=start]:checked") {
		t.Fatal("a start choice is made for the lead")
	}
	b.Fill("title", "Start for Life services: second review")
	b.Fill("fieldwork-start-day", "1")
	b.Fill("fieldwork-start-month", "8")
	b.Fill("fieldwork-start-year", "2025")
	b.Fill("fieldwork-end-day", "31")
	b.Fill("fieldwork-end-month", "9")
	b.Fill("fieldwork-end-year", "2025")
	b.Submit("form[action='/reviews'] button[type=submit]")
	b.Expect("There is a problem")
	b.Expect("End of fieldwork must be a real date")
	b.Expect("Select what the review starts from")
	if v, _ := b.value("title"); v != "Start for Life services: second review" {
		t.Fatalf("title field = %q after the error, want what was typed", v)
	}
	b.Check("start-2") // the Start for Life template
	b.Fill("fieldwork-end-day", "30")
	b.Submit("form[action='/reviews'] button[type=submit]")

	if p := b.Path(); !overviewPathRE.MatchString(p) {
		t.Fatalf("after creating, at %s, want the review's overview", p)
	}
	b.Expect("Review created")
	b.Expect("Start for Life services: second review")
	b.Expect("6 action areas")
	b.Expect("11 lines of enquiry")
	b.Expect("1 August 2025 to 30 September 2025")

	// The lines of enquiry: add one to the third group, then move it up to the top of its group.
	b.ClickLink("Lines of enquiry")
	b.Expect("3. Inspection of Start for Life services")
	b.evSelect("group-id", "3. Inspection of Start for Life services")
	b.Fill("question", "Do fathers feel included in Start for Life services?")
	b.Submit("form[action$='/enquiry/lines'] button[type=submit]")
	b.Expect("Line of enquiry added")
	b.Expect("Do fathers feel included in Start for Life services?")

	b.submitXPath(`//button[contains(normalize-space(.), 'Move up line 3.2')]`)
	b.Expect("Line of enquiry moved up")
	first := b.Text(`#main-content section:nth-of-type(3) tbody tr:first-child td:nth-child(2)`)
	if !strings.Contains(first, "Do fathers feel included") {
		t.Fatalf("first line of group 3 is %q, want the one moved up", first)
	}
	number := b.Text(`#main-content section:nth-of-type(3) tbody tr:first-child td:first-child`)
	if strings.TrimSpace(number) != "3.1" {
		t.Fatalf("the moved line is numbered %q, want 3.1", number)
	}

	// Change the line on its own page.
	b.ClickLink("Change line 3.1")
	b.Expect("Change line of enquiry 3.1")
	b.Fill("question", "Do fathers and partners feel included?")
	b.Submit("main form button[type=submit]:not(.govuk-button--warning)")
	b.Expect("Line of enquiry saved")
	b.Expect("Do fathers and partners feel included?")

	// A line in no group: it is the first choice of the form, listed before the groups and
	// numbered on its own; its change page moves it into a group.
	b.evSelect("group-id", "Not in a group")
	b.Fill("question", "What do the terms of reference ask first?")
	b.Submit("form[action$='/enquiry/lines'] button[type=submit]")
	b.Expect("Line of enquiry added")
	if got := b.Text("#ungrouped"); strings.TrimSpace(got) != "Not in a group" {
		t.Fatalf("the heading of the lines in no group is %q", got)
	}
	first = b.Text(`#main-content section:nth-of-type(1) tbody tr:first-child`)
	if !strings.Contains(first, "What do the terms of reference ask first?") || !strings.HasPrefix(strings.TrimSpace(first), "1") {
		t.Fatalf("the first line listed is %q, want the line in no group numbered 1", first)
	}
	b.ClickLink("Change line 1")
	b.Expect("Change line of enquiry 1")
	b.Expect("Not in a group.")
	b.evSelect("group-id", "1. Experiences of families")
	b.Submit("main form button[type=submit]:not(.govuk-button--warning)")
	b.Expect("Line of enquiry saved")
	if b.Has("#ungrouped") {
		t.Fatal("the heading of the lines in no group stays with none left")
	}
	b.Expect("1.7")

	// A group with lines cannot be deleted: the page says why.
	b.do(chromedp.Click(chromedp.Search(`//summary[contains(normalize-space(.), 'Rename or delete group 3')]`)))
	b.submitXPath(`//button[normalize-space(.)='Delete group 3']`)
	b.Expect("There is a problem")
	b.Expect("while it has 2 lines of enquiry")

	// Back to the overview, which now counts 13, and on to change the details.
	b.ClickLink("Back to the review")
	b.Expect("13 lines of enquiry")
	b.ClickLink("Change details")
	b.Expect("Change the review’s details")
	b.Fill("title", "")
	b.Submit("form[action$='/edit'] button[type=submit]")
	b.Expect("Enter a title for the review")
	b.Fill("title", "Start for Life services: the second review")
	b.Submit("form[action$='/edit'] button[type=submit]")
	b.Expect("The review’s details have been saved")
	// Moving on to fieldwork needs areas and visits, which the template does not bring.
	b.Submit("#to")
	b.Expect("There is a problem")
	b.Expect("The review cannot move on to fieldwork yet. It needs: at least one local area; at least one visit.")
}

func TestJourneyContactSeesOnlyTheirArea(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.signIn("la.contact@demo.test", demo.Password)
	b.ClickLink(demo.ReviewTitle)
	b.Expect("Your area")
	b.Expect("Northumberland")
	for _, never := range []string{"Sunderland", "Lines of enquiry", "Framework", "People"} {
		if strings.Contains(b.Body(), never) {
			t.Fatalf("the contact's overview shows %q", never)
		}
	}
	// Another area's page does not exist for them, and the framework editor is not theirs.
	var reviewID, sunderland string
	err := b.Env.DB.Super.QueryRow(context.Background(), `SELECT r.id, a.id FROM reviews r
		JOIN review_areas a ON a.review_id = r.id AND a.ons_code = 'E08000024' WHERE r.title = $1`, demo.ReviewTitle).Scan(&reviewID, &sunderland)
	if err != nil {
		t.Fatal(err)
	}
	b.Visit("/reviews/" + reviewID + "/areas/" + sunderland)
	b.Expect("Page not found")
	b.Visit("/reviews/" + reviewID + "/framework")
	b.Expect("You do not have permission to see this page")
	b.Visit("/reviews/" + reviewID + "/framework/import")
	b.Expect("You do not have permission to see this page")
}
