package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/report"
	"thematic/internal/testenv"
)

// rpText reads the stored text of a review's report section ("" when none).
func rpText(t *testing.T, env *testenv.Env, reviewID, key string) string {
	t.Helper()
	var s string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT coalesce((SELECT body FROM report_texts
		WHERE review_id = $1 AND key = $2), '')`, reviewID, key).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// rpWrite writes a section of the report through its authoring page and saves it.
func (b *B) rpWrite(reviewID, key, text string) {
	b.t.Helper()
	b.Visit("/reviews/" + reviewID + "/report/sections/edit?key=" + key)
	b.Fill("body", text)
	b.Submit("button[name=action][value=save]")
}

func (b *B) rpSignInAs(email string) {
	b.t.Helper()
	b.Submit("form[action='/sign-out'] button")
	b.signIn(email, demo.Password)
}

// TestJourneyReportAuthoringVersionsCheckAndSignOff: the lead writes the background with a
// footnote and previews it, saves it, reads the report, saves version 1, changes the summary,
// saves version 2 and compares them. axe checks every page. (The sign-off, which moves the
// review through its stages, is TestJourneyReportSignOffMovesTheStages: one journey per browser
// tab keeps each within the tab's time on a busy machine.)
func TestJourneyReportAuthoringVersionsCheckAndSignOff(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	base := "/reviews/" + review
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/")
	b.ClickLink("Report")
	b.Expect("Draft")
	before := rpText(t, env, review, "background")

	// The background with a footnote: previewed first, which saves nothing.
	b.ClickLink("Edit the text of Background")
	b.Expect("How to format the text")
	b.Fill("body", "Families told us how they find help.^[Family hubs programme guidance, 2023.]\n\n## What we looked at\n\nThe **Start for Life** offer.")
	b.Submit("button[name=action][value=preview]")
	b.Expect("Preview")
	b.Expect("[footnote 1]")
	b.Expect("Family hubs programme guidance, 2023.")
	if rpText(t, env, review, "background") != before {
		t.Fatal("the preview saved the text")
	}
	b.Submit("button[name=action][value=save]")
	b.Expect("Background saved")
	b.Visit(base + "/report/sections/edit?key=methodology")
	b.Expect("Facts from the review’s data")
	b.Visit(base + "/report")
	b.Expect("Families told us how they find help.")
	b.Expect("What we looked at")

	// Versions: 1, a change to the summary, 2, and the comparison of the two.
	b.rpWrite(review, "summary", "Families found the hubs welcoming and easy to reach.")
	b.ClickLink("Saved versions and comparison")
	b.Fill("label", "First draft")
	b.Submit("form[action$='/report/versions'] button")
	b.Expect("Version 1 saved")
	b.rpWrite(review, "summary", "Families found the hubs welcoming but hard to reach.")
	b.ClickLink("Saved versions and comparison")
	b.Submit("form[action$='/report/versions'] button")
	b.Expect("Version 2 saved")
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('from').value = '1'; document.getElementById('to').value = '2'`))
	b.Submit("form[action$='/report/compare'] button")
	b.Expect("Compare version 1 with version 2")
	b.Expect("1 line changed")
	if !b.Has("del") || !b.Has("ins") {
		t.Fatal("the comparison marks no words")
	}
	if del, ins := strings.Join(strings.Fields(b.Text("del")), " "), strings.Join(strings.Fields(b.Text("ins")), " "); del != "removed: and" || ins != "added: but" {
		t.Errorf("the first changed words are %q and %q", del, ins)
	}

}

// TestJourneyReportSignOffMovesTheStages: the lead names Torbay in the introduction, moves the
// review on from analysis to drafting from its overview and sends the report for quality
// assurance, which the QA lead approves; publishing is refused while the check finds Torbay and
// the text cannot change in quality assurance, so the lead returns the report to draft (the
// review to drafting), fixes it from the check's link and sends it again from the overview's
// stage form; once approved it is published; the pages read after publishing, and every download
// through the browser's session with its type. axe checks every page.
func TestJourneyReportSignOffMovesTheStages(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	base := "/reviews/" + review
	b.signIn("lead@demo.test", demo.Password)

	// A visited area named outside the methodology. The demo review is at analysis: the report
	// goes for quality assurance from drafting, so the lead moves it on from the overview first.
	b.rpWrite(review, "introduction", "We visited Torbay and five other local areas.")
	b.Expect("The report can be sent for quality assurance once the review is at drafting")
	b.Visit(base + "/")
	b.Expect("Next: Drafting")
	b.Expect("At least one finding")
	b.Submit("#to")
	b.Expect("The review is now at drafting")
	b.Expect("The evidence is locked")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status'] button")
	b.Expect("Report sent for quality assurance. The review is now at quality assurance")
	b.Expect("Another lead of the review must quality assure the report")
	b.Expect("nothing in the report can change until the second lead has decided")
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.Expect("In quality assurance")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=published]) button")
	b.Expect("The report cannot be published: the publication check found 1 thing")
	b.ClickLink("Publication check")
	b.Expect("1 thing blocks publication")
	b.Expect("Torbay")
	b.Expect("Introduction (your text)")
	// The words cannot change in quality assurance: back to draft, saying what needs changing.
	b.Visit(base + "/report")
	b.Fill("step-draft", "The introduction names Torbay.")
	b.Submit("form[action$='/report/status']:has(input[value=draft]) button")
	b.Expect("Report returned to draft. The review is now at drafting")
	b.ClickLink("Publication check")
	b.ClickLink("Edit the text to fix hit 1")
	b.Fill("body", "We visited six local areas.")
	b.Submit("button[name=action][value=save]")
	b.ClickLink("Publication check")
	b.Expect("Nothing blocks publication")
	// Sent again from the overview's stage form, approved, and published.
	b.Visit(base + "/")
	b.Expect("Moving on sends the report for quality assurance")
	b.Submit("#to")
	b.Expect("The review is now at quality assurance: the report is sent for quality assurance")
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=published]) button")
	b.Expect("Report published. The review is now published")
	// Each step saved a version: sent (1), approved (2), sent again (3), approved again (4), published (5).
	b.Expect("The report is published (version 5)")

	// The pages read after publishing: a saved version, the evidence trail, the methodology's facts.
	b.Visit(base + "/report/versions/5")
	b.Expect("Version 5 (Published)")
	b.Visit(base + "/report/trail")
	b.Expect("never part of the published report")
	b.Visit(base + "/report/check")
	b.Expect("Nothing blocks publication")

	// Every download, through the browser's session.
	for _, c := range []struct{ format, ctype string }{
		{"html", "text/html; charset=utf-8"},
		{"govspeak", "text/markdown; charset=utf-8"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"pdf", "application/pdf"},
	} {
		var got struct {
			Status      int    `json:"status"`
			Type        string `json:"type"`
			Disposition string `json:"disposition"`
			Size        int    `json:"size"`
		}
		b.evEval(fmt.Sprintf(`fetch(%q).then(async r => JSON.stringify({status: r.status, type: r.headers.get('content-type'),
			disposition: r.headers.get('content-disposition') || '', size: (await r.arrayBuffer()).byteLength}))`,
			base+"/report/export/"+c.format), &got)
		if c.format == "pdf" && report.ChromiumPath() == "" {
			if got.Status != 503 {
				t.Errorf("pdf without Chromium: %d", got.Status)
			}
			continue
		}
		if got.Status != 200 || got.Type != c.ctype || got.Size == 0 || got.Disposition == "" {
			t.Errorf("%s download: %+v", c.format, got)
		}
	}
}
