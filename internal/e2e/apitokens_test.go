package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// An inspector makes a personal access token on their account page, a program uses it, and they
// revoke it; the API's reference page reads well at desktop width and at 320 px.
func TestJourneyAPIToken(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit("/account")
	b.ClickLink("Personal access tokens for the API")
	b.Expect("Make a new token")
	b.Fill("name", "Reporting script")
	b.Submit("form[action='/account/tokens'] button")
	b.Expect("Your token is ready")
	secret, err := b.value("token-secret")
	if err != nil || !strings.HasPrefix(secret, "thm_") {
		t.Fatalf("token %q: %v", secret, err)
	}
	use := func() int {
		req, _ := http.NewRequest("GET", env.URL()+"/api/v1/reviews", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := use(); s != http.StatusOK {
		t.Fatalf("using the token: %d", s)
	}
	b.Visit("/account/tokens")
	b.Expect("Reporting script")
	b.Submit("form[action$='/revoke'] button")
	b.Expect("The token has been revoked")
	if s := use(); s != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", s)
	}

	b.Visit("/api/v1/docs")
	b.Expect("List evidence notes (the evidence base)")
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(crawlNarrow, 900)); err != nil {
		t.Fatal(err)
	}
	var over struct {
		ScrollWidth int
		Out         []string
	}
	if err := b.crawlEval(crawlOverflowJS, &over); err != nil {
		t.Fatal(err)
	}
	if over.ScrollWidth > crawlNarrow {
		t.Errorf("the reference scrolls sideways at %d px (%d px wide):\n  %s", crawlNarrow, over.ScrollWidth, strings.Join(over.Out, "\n  "))
	}
	b.Axe()
}
