package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// createReviewBudget is the most statements creating a review sends, whatever it starts from and
// however large the template or the review copied: the session's read and write, the actor, and
// review.Start's own budget (which says how it is made up). Before it was set-based, creating
// from the template sent 40 to 44.
const createReviewBudget = 3 + review.StartBudget

// TestCreatingAReviewWithinItsBudget creates a review from the template, blank, and as a copy of
// the demo review, and counts the statements of each request.
func TestCreatingAReviewWithinItsBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	var demoID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&demoID); err != nil {
		t.Fatal(err)
	}
	lead := e.signedIn("lead@demo.test")
	for _, c := range []struct {
		name   string
		mod    func(url.Values)
		budget int64
	}{
		{"from the template", func(f url.Values) { f.Set("start", "template") }, createReviewBudget},
		{"blank", func(f url.Values) { f.Set("start", "blank") }, createReviewBudget},
		{"as a copy", func(f url.Values) { f.Set("start", "copy"); f.Set("copy_from", demoID) }, createReviewBudget},
	} {
		f := rvtNewForm(lead)
		c.mod(f)
		n, sql, r := measured(t, te, lead, "/reviews", f)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("creating a review %s: %d\n%s", c.name, r.Status, r.Body)
		}
		t.Logf("creating a review %s: %d statements", c.name, n)
		if n > c.budget {
			t.Errorf("creating a review %s sends %d statements, more than %d:\n  %s", c.name, n, c.budget, strings.Join(sql, "\n  "))
		}
	}
}
