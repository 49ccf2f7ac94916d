package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyRecommendationFollowedUp: the lead links a finding of the Start for Life review to a
// recommendation of the demo's earlier, published review; the finding and the register each show
// the link; the register filters and offers its exports with the same filters.
func TestJourneyRecommendationFollowedUp(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	var laterID, findingID string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT r.id::text, f.id::text FROM reviews r
		JOIN findings f ON f.review_id = r.id AND f.idempotency_key = 'demo-finding-10' WHERE r.title = $1`, demo.ReviewTitle).Scan(&laterID, &findingID); err != nil {
		t.Fatal(err)
	}
	b.signIn("lead@demo.test", demo.Password)

	b.Visit("/reviews/" + laterID + "/findings/" + findingID)
	b.ClickLink("Link this finding to earlier recommendations")
	b.Fill("q", "workforce")
	b.Submit("form[method=get][action$='/follow-ups'] button[type=submit]")
	b.Expect("Recommendation 3 of " + demo.EarlierReviewTitle)
	if b.Has("form input[name=recommendation]") && strings.Contains(b.Body(), "Recommendation 4 of") {
		t.Error("the search kept a recommendation without its words")
	}
	b.Submit("form[method=post][action$='/follow-ups'] button[type=submit]")
	b.Expect("Recommendation linked")
	b.Expect("Follows up recommendation 3 of " + demo.EarlierReviewTitle)

	b.ClickLink("Follows up recommendation 3 of " + demo.EarlierReviewTitle)
	b.Expect("A finding of " + demo.ReviewTitle)
	b.Expect("Response received")

	// The register, filtered by status, with its exports carrying the filter.
	b.Visit("/register")
	b.Expect("4 recommendations")
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('status').value = 'response_received'`))
	b.Submit("form[action='/register'] button[type=submit]")
	b.Expect("1 recommendation")
	b.Expect(demo.ReviewTitle) // followed up by
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById('export-xlsx').getAttribute('href')`))
	if err != nil || href != "/register.xlsx?status=response_received" {
		t.Errorf("export link %q %v", href, err)
	}

	// The dashboard of the lead's reviews, and the search across them.
	b.ClickLink("Dashboard")
	b.Expect(demo.ReviewTitle)
	b.Expect(demo.EarlierReviewTitle)
	b.Expect("Notes recorded in the last 7 days")
	b.ClickLink("Search across these reviews")
	b.Fill("q", "fathers")
	b.Submit("form[action='/search'] button[type=submit]")
	b.Expect("Recommendation")
	b.Expect(demo.EarlierReviewTitle)
	if !b.Has(".app-search-result[data-kind=note]") || !b.Has(".app-search-result[data-kind=finding]") {
		t.Error("the search found no note or finding of the Start for Life review")
	}
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	b.do(chromedp.Click(chromedp.CSS(".app-search-result[data-kind=finding] a")))
	b.waitNewPage()
	b.Axe()
	b.Expect("As the report prints it")
}

// TestJourneyContactHasNoCrossReviewSearch: a local authority contact's dashboard and search show
// nothing of the review they are a contact of.
func TestJourneyContactHasNoCrossReviewSearch(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	b.signIn("la.contact@demo.test", demo.Password)
	b.Visit("/dashboard")
	b.Expect("You are not on the staff of any review")
	b.Visit("/search?q=fathers")
	b.Expect("Nothing matches")
	b.Visit("/register")
	b.Expect("No recommendations match")
}
