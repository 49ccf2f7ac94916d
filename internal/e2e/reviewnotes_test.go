package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyReviewNotesHoldTheApproval: the lead sends the report for quality assurance; the
// second lead raises a review note on a finding, and approval is refused while it is open; the
// lead answers it and marks it addressed; the second lead clears it and approves the report. The
// overview counts the open notes, 1 then 0. axe checks every page.
func TestJourneyReviewNotesHoldTheApproval(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	base := "/reviews/" + review
	b.signIn("lead@demo.test", demo.Password)

	// The demo review is at analysis: on to drafting, then the report goes for quality assurance.
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at drafting")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status'] button")
	b.Expect("Report sent for quality assurance")

	// The second lead raises a note on a finding.
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.ClickLink("Raise a review note")
	b.Expect("Part of the report")
	b.Submit("form[action$='/report/notes'] button") // nothing chosen, nothing typed
	b.Expect("Select the part of the report the note is about")
	b.Expect("Enter the review note")
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('target').value =
		[...document.querySelectorAll('#target option')].find(o => o.value.startsWith('finding:')).value`))
	b.Fill("body", "Say in how many of the areas visited this was seen.")
	b.Submit("form[action$='/report/notes'] button")
	b.Expect("Review note raised")
	b.Expect("Review note 1")
	b.Expect("Finding: ")
	b.Visit(base + "/")
	if got := b.Text("#open-review-notes"); got != "1 open review note" {
		t.Fatalf("the overview says %q", got)
	}
	b.Visit(base + "/report")
	b.Expect("1 review note is open")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("The report cannot be approved while 1 review note is open")
	if !b.Has(`.govuk-error-summary a[href="#review-notes"]`) || !b.Has("#review-notes") {
		t.Fatal("the refusal does not link to the open review notes")
	}

	// The lead answers it and marks it addressed.
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.ClickLink("Review note 1")
	b.Fill("reply-body", "Seen in four of the six areas: the finding says so now.")
	b.Submit("form[action$='/reply'] button")
	b.Expect("Reply sent")
	b.Submit("form[action$='/address'] button")
	b.Expect("Review note marked as addressed")
	b.Expect("marked the note as addressed")

	// The second lead clears it and approves.
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report/notes")
	b.ClickLink("Review note 1")
	b.Fill("clear-body", "Thank you.")
	b.Submit("form[action$='/clear'] button")
	b.Expect("Review note cleared")
	b.Visit(base + "/")
	if got := b.Text("#open-review-notes"); got != "No open review notes" {
		t.Fatalf("the overview says %q after clearing", got)
	}
	b.Visit(base + "/report/notes?show=all")
	b.Expect("Cleared")
	b.Visit(base + "/report")
	b.Expect("No review notes are open.")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")
}
