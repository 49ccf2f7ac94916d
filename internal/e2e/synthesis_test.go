package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// syFinding finds a finding of the review by its text: its id and its number in its action area.
func syFinding(t *testing.T, env *testenv.Env, reviewID, body string) (string, int) {
	t.Helper()
	var id string
	var n int
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT f.id::text, (SELECT count(*) FROM findings o
			WHERE o.action_area_id = f.action_area_id AND o.position <= f.position)
		FROM findings f WHERE f.review_id = $1 AND f.body = $2`, reviewID, body).Scan(&id, &n); err != nil {
		t.Fatal(err)
	}
	return id, n
}

// TestJourneySynthesis: the lead opens the synthesis overview from the review, opens an action
// area's workspace, writes a finding with the preview following the typing (and warning about a
// finding that says how widespread it is itself), filters the evidence to three of the six areas
// and links the notes shown to the finding (its first evidence: not flagged), adds a fourth
// area's and sees "4 of 6 areas" with the scale's words and the change flagged, confirms them,
// switches to the count, writes a second finding and reorders the two; axe checks every page.
func TestJourneySynthesis(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	var title string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT aa.title FROM evidence_note_action_areas x
		JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		JOIN action_areas aa ON aa.tenant_id = x.tenant_id AND aa.id = x.action_area_id
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY aa.title ORDER BY count(DISTINCT n.area_id) DESC, count(*) DESC LIMIT 1`, review).Scan(&title); err != nil {
		t.Fatal(err)
	}
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/")
	b.ClickLink("Synthesis: findings from the evidence")
	b.Expect("Tagged notes")
	b.Expect("Findings flagged")
	b.ClickLink(title)
	b.Expect("Notes tagged to this action area")

	// Write a finding. One that says how widespread it is itself is printed as typed, with a
	// warning, as the lead types.
	const first = "Parents said the hub was welcoming once they had found it."
	b.ClickLink("Write a finding")
	if b.Has("#own-quantifier:not([hidden])") {
		t.Fatal("the empty form shows the warning")
	}
	b.Fill("body", "In most areas, parents said the hub was welcoming.")
	if got := b.Text("#preview"); strings.TrimSpace(got) != "In most areas, parents said the hub was welcoming." {
		t.Fatalf("live preview of a finding with its own quantifier says %q", got)
	}
	if got := b.Text("#own-quantifier"); !strings.Contains(got, "already says how widespread it is") || !strings.Contains(got, "in most areas we visited") {
		t.Fatalf("the warning says %q", got)
	}
	b.Fill("body", first)
	if b.Has("#own-quantifier:not([hidden])") {
		t.Fatal("the warning stays for a finding without its own quantifier")
	}
	// The preview follows the typing (JavaScript), and the Preview button renders it on the server.
	if got := b.Text("#preview"); !strings.Contains(got, "In most areas we visited, parents said the hub was welcoming") {
		t.Fatalf("live preview says %q", got)
	}
	b.Check("style-2")
	if got := b.Text("#preview"); !strings.Contains(got, "In 5 of the 6 areas we visited, parents said") {
		t.Fatalf("live preview with the count says %q", got)
	}
	b.Check("style")
	b.Submit("form[method=post] button[name=action][value=preview]")
	b.Expect("In most areas we visited, parents said the hub was welcoming once they had found it.")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect("Finding saved")
	id, num := syFinding(t, env, review, first)
	card := "#finding-" + id
	if got := b.Text(card); !strings.Contains(got, "0 of 6 areas") || !strings.Contains(got, "No supporting evidence") {
		t.Fatalf("the new finding says %q", got)
	}

	// Filter the evidence to three areas and link every note shown: the finding's first evidence,
	// so nothing is flagged.
	linkShown := func(areas ...string) {
		t.Helper()
		for _, a := range areas {
			b.Check(a)
		}
		b.Submit("form[method=get] button[type=submit]")
		b.Expect("Showing")
		b.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name=note]').forEach(c => c.click())`))
		b.Submit("button[formaction$='/findings/" + id + "/notes']")
		b.Expect("notes linked to the finding")
		if !strings.Contains(b.Path(), "area=") {
			t.Fatalf("the filter was lost after linking: %s", b.Path())
		}
	}
	linkShown("area", "area-2", "area-3")
	if got := b.Text(card); !strings.Contains(got, "3 of 6 areas") || strings.Contains(got, "Evidence changed") {
		t.Fatalf("after its first links the finding says %q", got)
	}
	// A fourth area's notes change its evidence: flagged until the lead confirms the words.
	linkShown("area-4")
	got := b.Text(card)
	for _, want := range []string{"4 of 6 areas", "‘the majority of areas’",
		"In the majority of areas we visited, parents said the hub was welcoming once they had found it.",
		"Evidence changed: was 3 areas, now 4"} {
		if !strings.Contains(got, want) {
			t.Fatalf("the finding does not say %q; it says %q", want, got)
		}
	}
	b.Submit("form[action$='/findings/" + id + "/confirm'] button")
	b.Expect("Words confirmed")
	if got := b.Text(card); strings.Contains(got, "Evidence changed") {
		t.Fatalf("the finding is still flagged after confirming its words: %q", got)
	}

	// The finding page lists its notes; the edit switches to the count.
	b.ClickLink("View finding " + strconv.Itoa(num) + " and its notes")
	b.Expect("Supporting notes")
	b.Expect("Still tagged")
	b.ClickLink("Edit the finding")
	b.Check("style-2")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect("Finding saved")
	b.Expect("In 4 of the 6 areas we visited, parents said the hub was welcoming once they had found it.")

	// A second finding, then reorder.
	b.ClickLink("Back to " + title)
	b.ClickLink("Write a finding")
	b.Fill("body", "In {areas}, fathers were rarely seen at the hub.")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect("Finding saved")
	second, _ := syFinding(t, env, review, "In {areas}, fathers were rarely seen at the hub.")
	body := b.Body()
	if strings.Index(body, "welcoming once") > strings.Index(body, "fathers were rarely") {
		t.Fatal("the second finding is not after the first")
	}
	b.Submit("form[action$='/findings/" + second + "/move'] button") // the last finding: "Move up"
	b.Expect("Finding moved up")
	body = b.Body()
	if strings.Index(body, "welcoming once") < strings.Index(body, "fathers were rarely") {
		t.Fatal("the findings did not swap")
	}

	// A stale edit shows both versions (axe-checked), then the finding is deleted after a warning.
	b.Visit("/reviews/" + review + "/findings/" + second + "/edit")
	if _, err := env.DB.Super.Exec(context.Background(), `UPDATE findings SET body = 'Fathers were seldom seen.', version = version + 1
		WHERE id = $1`, second); err != nil {
		t.Fatal(err)
	}
	b.Fill("body", "In {areas}, fathers were rarely seen at the hub, staff said.")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect("This finding was changed by someone else")
	b.Expect("Fathers were seldom seen.")
	b.Submit("form[method=post] button[data-prevent-double-click]")
	b.Expect("Finding saved")
	b.Expect("staff said")
	b.Submit("form[action$='/delete'] button")
	b.Expect("Delete this finding?")
	b.Submit("form[action$='/delete'] button")
	b.Expect("Finding deleted")
	b.Visit("/reviews/" + review + "/synthesis")

	// The scale, from the workspace.
	b.ClickLink(title)
	b.ClickLink("Quantifier scale")
	b.Expect("What the report says with 6 visited areas")
	b.Expect("most areas")
}
