package e2e

import (
	"context"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyRetentionLegalHoldAndSubjectAccess sets a retention period (a wrong number first),
// puts the demo review on legal hold and lifts it, and searches for a person: every page passes
// axe, with and without errors.
func TestJourneyRetentionLegalHoldAndSubjectAccess(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var reviewID string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT r.id FROM reviews r JOIN tenants t ON t.id = r.tenant_id
		WHERE t.slug = $1 AND r.title = $2`, demo.TenantSlug, demo.ReviewTitle).Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	b := newB(t, env)
	b.signIn("admin@demo.test", demo.Password)
	b.Visit("/admin/settings")
	b.Check("retention-months")
	b.Fill("months", "0")
	b.Submit("form[action='/admin/settings/retention'] button")
	b.Expect("The number of months must be between 1 and 240")
	b.Fill("months", "12")
	b.Submit("form[action='/admin/settings/retention'] button")
	b.Expect("Evidence is now purged 12 months after a review is published")
	b.Visit("/admin/subject-access")
	b.Fill("name", "Ira Inspector")
	b.Submit("form[action='/admin/subject-access'] button")
	b.Expect("records name Ira Inspector")

	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	lead.Visit("/reviews/" + reviewID + "/")
	lead.Expect("Your organisation keeps evidence for 12 months after a review is published")
	lead.ClickLink("Put the review on legal hold")
	lead.Submit("form[action$='/legal-hold'] button")
	lead.Expect("Say why the review is on legal hold")
	lead.Fill("reason", "An information request is open")
	lead.Submit("form[action$='/legal-hold'] button")
	lead.Expect("On legal hold since")
	lead.Submit("form[action$='/legal-hold/lift'] button")
	lead.Expect("The legal hold is lifted")
}
