package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyPatternsToAFinding: the lead opens an action area's patterns from its workspace,
// finds the first pattern's spread equal to the areas the test counts itself from the notes,
// drafts a finding from it, writes the text (the form writes none) and saves: the workspace shows
// the finding with that many areas.
func TestJourneyPatternsToAFinding(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	var aaID, title string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT aa.id::text, aa.title FROM evidence_note_action_areas x
		JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		JOIN action_areas aa ON aa.tenant_id = x.tenant_id AND aa.id = x.action_area_id
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY 1, 2 ORDER BY count(DISTINCT n.area_id) DESC, count(*) DESC LIMIT 1`, review).Scan(&aaID, &title); err != nil {
		t.Fatal(err)
	}
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/synthesis/" + aaID)
	b.ClickLink("Patterns in the evidence")
	b.Expect("In more than half of the visited areas")
	label := strings.TrimSpace(b.Text(".app-pattern .govuk-summary-card__title"))
	kind := "Theme"
	if strings.HasPrefix(label, "Line of enquiry") {
		kind = "Line of enquiry"
	}
	label = strings.TrimSpace(strings.TrimPrefix(label, kind))
	judgement := "strength"
	if strings.Contains(b.Text(".app-pattern"), "For development") {
		judgement = "development"
	}
	// The test's own count of the areas behind it.
	join := `JOIN evidence_note_tags nt ON nt.note_id = n.id JOIN evidence_tags k ON k.id = nt.tag_id AND k.name = $3`
	if kind == "Line of enquiry" {
		join = `JOIN evidence_note_lines nl ON nl.note_id = n.id JOIN enquiry_lines k ON k.id = nl.line_id AND k.question = $3`
	}
	var areas int
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT count(DISTINCT n.area_id) FROM evidence_notes n
		JOIN evidence_note_action_areas x ON x.note_id = n.id AND x.action_area_id = $2 `+join+`
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding AND n.judgement = $4`,
		review, aaID, label, judgement).Scan(&areas); err != nil {
		t.Fatal(err)
	}
	spread := regexp.MustCompile(`In (\d+) of 6 visited areas`).FindStringSubmatch(b.Text(".app-pattern"))
	if spread == nil || spread[1] != strconv.Itoa(areas) {
		t.Fatalf("the first pattern %q (%s) says %v; the notes show %d areas", label, judgement, spread, areas)
	}
	b.ClickLink("Draft a finding from these notes: " + label)
	b.Expect("Drafted from a pattern in the evidence")
	if v, err := b.value("body"); err != nil || v != "" {
		t.Fatalf("the form wrote the finding: %q (%v)", v, err)
	}
	const text = "Parents spoke well of the help they were given."
	b.Fill("body", text)
	b.Check("style-2")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect(strings.ToLower(text[:1]) + text[1:])
	b.Expect(strconv.Itoa(areas) + " of 6 areas")
}

// TestJourneyAreaPseudonyms: the lead turns on pseudonyms from the areas page; the evidence
// base's area filter and the coverage table then show "Area A"… and no area's name; the lead looks
// up which is which; turning them off brings the names back. Axe checks every page.
func TestJourneyAreaPseudonyms(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	var name string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT min(la.display_name) FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE ra.review_id = $1`, review).Scan(&name); err != nil {
		t.Fatal(err)
	}
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/evidence")
	if !strings.Contains(b.Text("#area"), name) && !strings.Contains(b.Body(), name) {
		t.Fatalf("the evidence base does not name %s before pseudonyms", name)
	}
	b.Visit("/reviews/" + review + "/areas")
	b.Expect("Area names while drafting")
	b.Submit(`form[action$="/areas/pseudonyms"] button`)
	b.Expect("show the areas as Area A, Area B")

	b.Visit("/reviews/" + review + "/evidence")
	filters := b.Text("form[method=get]")
	if strings.Contains(filters, name) || !strings.Contains(filters, "Area A") {
		t.Fatalf("with pseudonyms the evidence filter says:\n%s", filters)
	}
	b.Visit("/reviews/" + review + "/coverage")
	if cov := b.Text("main"); strings.Contains(cov, name) || !strings.Contains(cov, "Area F") {
		t.Fatalf("with pseudonyms the coverage page says:\n%s", cov)
	}

	b.Visit("/reviews/" + review + "/areas")
	b.Fill("reason", "Checking a quotation")
	b.Submit(`form[action$="/areas/pseudonyms/reveal"] button`)
	b.Expect("Which area is which")
	b.Expect(name)

	b.Visit("/reviews/" + review + "/areas")
	b.Submit(`form[action$="/areas/pseudonyms"] button`)
	b.Expect("show the areas’ names")
	b.Visit("/reviews/" + review + "/evidence")
	if filters := b.Text("form[method=get]"); !strings.Contains(filters, name) || strings.Contains(filters, "Area A") {
		t.Fatalf("with pseudonyms off the evidence filter says:\n%s", filters)
	}
}
