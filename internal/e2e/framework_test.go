package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// fwBlankReview creates a review with no framework, led by lead@demo.test, as the reviews form would.
func fwBlankReview(t *testing.T, env *testenv.Env, title string) string {
	t.Helper()
	ctx := context.Background()
	var tenantID, leadID, id string
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, env.DB.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var err error
		if id, err = review.Create(ctx, tx, tenantID, leadID, review.Review{Title: title}); err != nil {
			return err
		}
		return review.SeedVocabulary(ctx, tx, tenantID, id, review.StartForLifeVocabulary())
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// expectInOrder fails unless the page says every string, in this order.
func (b *B) expectInOrder(want ...string) {
	b.t.Helper()
	body := b.Body()
	at := 0
	for _, w := range want {
		i := strings.Index(body[at:], w)
		if i < 0 {
			b.t.Fatalf("page %s does not say %q after %q; it says:\n%s", b.Path(), w, body[:at], body)
		}
		at += i + len(w)
	}
}

func TestJourneyBuildFrameworkFromBlank(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	id := fwBlankReview(t, env, "Youth justice thematic review")
	base := "/reviews/" + id + "/framework"

	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base)
	b.Expect("This review has no framework yet")
	b.Expect("Add a group first")

	groups := []string{"Children’s experiences", "Working together", "Leadership"}
	for _, g := range groups {
		b.Fill("group-title", g)
		b.Submit(fmt.Sprintf("form[action='%s/groups'] button[type=submit]", base))
		b.Expect("Group added: " + g)
	}

	// A quote without its citation is refused, keeping what was typed.
	b.Check("area-group")
	b.Fill("area-title", "Being heard")
	b.Fill("area-quote", "Children should be listened to.")
	b.Submit(fmt.Sprintf("form[action='%s/areas'] button[type=submit]", base))
	b.Expect("There is a problem")
	b.Expect("Enter where the quote comes from, so the report can footnote it")
	if v, _ := b.value("area-title"); v != "Being heard" {
		t.Fatalf("title not kept: %q", v)
	}

	areas := []struct {
		radio, title, quote, citation string
	}{
		{"area-group", "Being heard", "Children should be listened to.", "‘Standards for children’, 2019"},
		{"area-group", "Getting help early", "", ""},
		{"area-group", "Safe places", "", ""},
		{"area-group-2", "Sharing information", "", ""},
		{"area-group-2", "Joint planning", "…plan services together.", "‘Working together’, 2023"},
		{"area-group-3", "Vision", "", ""},
		{"area-group-3", "Accountability", "", ""},
	}
	for _, a := range areas {
		b.Check(a.radio)
		b.Fill("area-title", a.title)
		b.Fill("area-quote", a.quote)
		b.Fill("area-citation", a.citation)
		b.Submit(fmt.Sprintf("form[action='%s/areas'] button[type=submit]", base))
		b.Expect("Action area added: " + a.title)
	}
	b.expectInOrder("Framework", "Children’s experiences", "1. Being heard", "Children should be listened to.",
		"‘Standards for children’, 2019", "2. Getting help early", "3. Safe places",
		"Working together", "4. Sharing information", "5. Joint planning", "…plan services together.", "‘Working together’, 2023",
		"Leadership", "6. Vision", "7. Accountability")

	// A second tab (each has its own time limit), signed in afresh, carries on from the framework page.
	b = newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base)

	// Move the last group up, and "Being heard" down.
	var lastGroup, beingHeard string
	ctx := context.Background()
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM framework_groups WHERE review_id = $1 AND position = 3`, id).Scan(&lastGroup); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM action_areas WHERE review_id = $1 AND title = 'Being heard'`, id).Scan(&beingHeard); err != nil {
		t.Fatal(err)
	}
	b.Submit(fmt.Sprintf("form[action='%s/groups/%s/move'] button[value=up]", base, lastGroup))
	b.Expect("Group moved up: Leadership")
	b.Submit(fmt.Sprintf("form[action='%s/areas/%s/move'] button[value=down]", base, beingHeard))
	b.Expect("Action area moved down: Being heard")
	b.expectInOrder("Children’s experiences", "1. Getting help early", "2. Being heard", "3. Safe places",
		"Leadership", "4. Vision", "5. Accountability", "Working together", "6. Sharing information", "7. Joint planning")

	// Change an action area through its own page.
	b.ClickLink("Change Accountability")
	b.Expect("Change action area")
	b.Fill("area-title", "Accountability and oversight")
	b.Submit(fmt.Sprintf("form[action='%s/areas/%s'] button[type=submit]", base, strings.TrimPrefix(b.Path(), base+"/areas/")[:36]))
	b.Expect("Action area changed: Accountability and oversight")

	// A third tab, for the same reason.
	b = newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base)

	// A broken file on the import page: every problem is listed, and nothing changes.
	b.ClickLink("Import a framework file")
	b.Expect("Import a framework")
	bad := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(bad, []byte(`{"format":"thematic","version":1,"groups":[{"title":"","action_areas":[{"title":"A","quote":"Q"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}))
	b.Check("mode-2")
	b.Submit("form[enctype] button[type=submit]")
	b.Expect("The file has 3 problems")
	b.Expect(`format must be "thematic-framework"`)
	b.Expect("groups[0].title must not be empty")
	b.Expect("groups[0].action_areas[0].citation must be given when there is a quote")
	b.ClickLink("Cancel")
	b.Expect("7. Joint planning")

	// From the review overview, its link leads to the same framework.
	b.Visit("/reviews/" + id + "/")
	b.Expect("3 groups")
	b.Expect("7 action areas")
	if !b.Has(fmt.Sprintf("a[href='%s']", base)) {
		t.Fatalf("the review overview has no link to the framework:\n%s", b.Body())
	}
	b.Submit(fmt.Sprintf("a[href='%s']", base))
	if b.Path() != base {
		t.Fatalf("the overview's link went to %s", b.Path())
	}
	b.expectInOrder("Youth justice thematic review", "Framework", "Children’s experiences", "1. Getting help early", "2. Being heard",
		"3. Safe places", "Leadership", "4. Vision", "5. Accountability and oversight", "Working together",
		"6. Sharing information", "7. Joint planning")
}
