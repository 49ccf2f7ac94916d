package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// selectOption chooses the option of a select (by id) whose text is text.
func (b *B) peopleSelectOption(id, text string) {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const s = document.getElementById(%q)
		const o = s && Array.from(s.options).find(o => o.text.trim() === %q)
		if (!o) return false
		s.value = o.value
		s.dispatchEvent(new Event('change', {bubbles: true}))
		return true
	})()`, id, text)))
	if err != nil || !ok {
		b.t.Fatalf("select %q in #%s: %v", text, id, err)
	}
}

// journeyReview creates a review led by the demo lead, as the lead's create page would.
func peopleJourneyReview(t *testing.T, env *testenv.Env, title string) string {
	t.Helper()
	ctx := context.Background()
	var tenantID, leadID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	var id string
	err := db.InTx(ctx, env.DB.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var err error
		if id, err = review.Create(ctx, tx, tenantID, leadID, review.Review{Title: title}); err != nil {
			return err
		}
		v := review.StartForLifeVocabulary()
		v.TeamRoles = append(v.TeamRoles, "Head of Early Help")
		return review.SeedVocabulary(ctx, tx, tenantID, id, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestJourneyAddAreasAndPeople(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := peopleJourneyReview(t, env, "Family hubs: a second look")
	base := "/reviews/" + reviewID
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)

	// Two areas, found by the search.
	b.Visit(base + "/areas")
	b.Expect("No areas have been added to this review yet")
	b.Fill("q", "Sunderland")
	b.Submit("main form[method=get] button")
	b.Expect("Local authorities matching ‘Sunderland’")
	b.Submit("main form[method=post] button")
	if b.Path() != base+"/areas" {
		t.Fatalf("after adding at %s", b.Path())
	}
	b.Expect("Sunderland has been added to the review")
	b.Fill("q", "upon hull")
	b.Submit("main form[method=get] button")
	b.Expect("Kingston upon Hull")
	b.Submit("main form[method=post] button")
	b.Expect("Kingston upon Hull has been added to the review")
	b.Expect("2 areas in this review")
	b.Expect("No visit scheduled")

	// An existing user as an inspector.
	b.Visit(base + "/people")
	b.ClickLink("Add a person")
	b.Fill("email", "inspector@demo.test")
	b.Check("role-2")       // Inspector
	b.Check("inspectorate") // Ofsted, the first of the review's inspectorates
	b.peopleSelectOption("job-title", "Early Years Inspector")
	b.Submit("main button[type=submit]")
	b.Expect("Ira Inspector has been added to the review as an inspector")

	// A new person as the local authority contact for Hull: a mistake first (no area), then right.
	b.ClickLink("Add a person")
	b.Fill("email", "hana.hull@hull.example")
	b.Fill("name", "Hana Hull")
	b.Check("role-4")         // Local authority contact: reveals the area
	b.Check("inspectorate-3") // not from an inspectorate (after Ofsted and CQC)
	b.Submit("main button[type=submit]")
	b.Expect("Select the area they are the local authority contact for")
	if v, _ := b.value("email"); v != "hana.hull@hull.example" {
		t.Fatalf("email field = %q after the error", v)
	}
	b.peopleSelectOption("area", "Kingston upon Hull")
	b.Submit("main button[type=submit]")
	if b.Path() != base+"/people" {
		t.Fatalf("after inviting at %s:\n%s", b.Path(), b.Body())
	}
	b.Expect("Invitation sent to hana.hull@hull.example")
	b.Expect("Ira Inspector")
	b.Expect("Early Years Inspector")
	b.Expect("Pending invitations")
	b.Expect("hana.hull@hull.example")

	// She accepts, and her home in the review is her area's page.
	b.Submit("form[action='/sign-out'] button")
	b.Visit(b.mailLink("/invitations/"))
	const password = "hana's own long pass phrase"
	b.Fill("name", "Hana Hull")
	b.Fill("password", password)
	b.Fill("confirm", password)
	b.Submit("main button[type=submit]")
	b.Expect("Signed in as Hana Hull")
	var areaID string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E06000010'`,
		reviewID).Scan(&areaID); err != nil {
		t.Fatal(err)
	}
	b.Visit(base + "/areas/" + areaID)
	b.Expect("You are the local authority contact for Kingston upon Hull")
	b.Expect("No visit has been scheduled yet")

	// And the lead sees her among the members.
	b.Submit("form[action='/sign-out'] button")
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/people")
	b.Expect("Hana Hull")
	b.Expect("Local authority contact")
	b.Expect("There are no pending invitations")
}

func TestJourneyChangeAPersonAndRefusedRemovals(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := peopleJourneyReview(t, env, "Family hubs: changes")
	base := "/reviews/" + reviewID
	ctx := context.Background()
	var tenantID, areaID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, env.DB.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000027') RETURNING id`,
			tenantID, reviewID).Scan(&areaID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, job_title)
			SELECT $1::uuid, $2::uuid, id, 'la_contact', $3::uuid, 'Head of Early Help' FROM users WHERE email = 'la.contact@demo.test'
			UNION ALL
			SELECT $1::uuid, $2::uuid, id, 'inspector', NULL::uuid, 'Early Years Inspector' FROM users WHERE email = 'inspector@demo.test'`,
			tenantID, reviewID, areaID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)

	// Torbay cannot be removed while it has a contact; the page says why.
	b.Visit(base + "/areas/" + areaID)
	b.Submit("#remove")
	b.Expect("You cannot remove Torbay because it has a local authority contact (Lou Contact)")

	// The lead adds a team role to the review's list, gives it to Ira, and cannot remove themself,
	// the only lead.
	b.Visit(base + "/lists")
	b.Fill("name-team-roles", "Senior Early Years Inspector")
	b.Submit("form[action$='/lists/team-roles'] button")
	b.Expect("“Senior Early Years Inspector” added to team roles")
	b.Visit(base + "/people")
	b.ClickLink("Change Ira Inspector")
	b.peopleSelectOption("job-title", "Senior Early Years Inspector")
	b.Submit("main form:not([action$='/remove']) button[type=submit]")
	b.Expect("Ira Inspector’s details have been changed")
	b.Expect("Senior Early Years Inspector")
	b.ClickLink("Change Lee Lead")
	b.Submit("#remove")
	b.Expect("A review must have at least one lead")
}
