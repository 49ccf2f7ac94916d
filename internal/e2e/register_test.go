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
}
