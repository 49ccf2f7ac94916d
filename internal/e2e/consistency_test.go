package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// csCoderLinks lists the links to the sampled notes on a second coder's list.
func (b *B) csCoderLinks() []string {
	b.t.Helper()
	var links []string
	b.evEval(`Promise.resolve(JSON.stringify([...document.querySelectorAll('#coding-list a')].map(a => a.getAttribute('href'))))`, &links)
	return links
}

// csCode codes every sampled note as its coder: judgements[i] for the i-th note (by position),
// nothing else ticked, checking first that the form shows no coding (blind).
func (b *B) csCode(review string, judgements []string) {
	b.t.Helper()
	b.Visit("/reviews/" + review + "/consistency")
	b.ClickLink("Code your sample notes")
	links := b.csCoderLinks()
	if len(links) != len(judgements) {
		b.t.Fatalf("%d notes to code, want %d", len(links), len(judgements))
	}
	for i, l := range links {
		b.Visit(l)
		b.Expect(fmt.Sprintf("Code note %d", i+1))
		if b.Has("input:checked") {
			b.t.Fatal("the coder's form arrives with a coding ticked: the author's coding is not hidden")
		}
		id := map[string]string{"strength": "judgement", "development": "judgement-2", "neutral": "judgement-3"}[judgements[i]]
		b.Check(id)
		b.Submit("form[action*='/consistency/coding/'] button[type=submit]")
		b.Expect(fmt.Sprintf("Coding of note %d saved", i+1))
	}
}

// The lead draws a tenth of Sunderland's notes (seed 42) for double coding by two inspectors who
// did not visit Sunderland; each codes the three notes blind (no script runs in the tabs); the
// lead reads Fleiss' kappa on the judgement, worked out by hand below for this exact coding,
// records an agreed coding for a disagreement, and puts the figures in the report's
// methodology. axe checks every page.
func TestJourneyDoubleCoding(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	review := evDemoReview(t, env)
	lead := newB(t, env)
	lead.noScript()
	lead.signIn("lead@demo.test", demo.Password)

	lead.Visit("/reviews/" + review + "/")
	lead.ClickLink("Consistency between inspectors")
	lead.Expect("Hana Hughes: 15 of 15 coded") // the demo's own sample
	var sunderland, ira, cass string
	for _, q := range []struct {
		dst *string
		sql string
	}{
		{&sunderland, `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E08000024'`},
		{&ira, `SELECT m.id FROM review_members m JOIN users u ON u.id = m.user_id WHERE m.review_id = $1 AND u.email = 'inspector@demo.test'`},
		{&cass, `SELECT m.id FROM review_members m JOIN users u ON u.id = m.user_id WHERE m.review_id = $1 AND u.email = 'cqc.inspector@demo.test'`},
	} {
		if err := env.DB.Super.QueryRow(ctx, q.sql, review).Scan(q.dst); err != nil {
			t.Fatal(err)
		}
	}
	lead.Check("method-2")
	lead.do(chromedp.SetValue(chromedp.ID("area"), sunderland))
	lead.Fill("share", "10")
	lead.Fill("seed", "42")
	lead.do(chromedp.Click(chromedp.CSS("input[name=coders][value='" + ira + "']")))
	lead.do(chromedp.Click(chromedp.CSS("input[name=coders][value='" + cass + "']")))
	lead.Check("replace")
	lead.Submit("#draw-form button[type=submit]")
	lead.Expect("Sample drawn")
	lead.Expect("10% of the notes from Sunderland")
	if s := lead.Text("#sampled"); !strings.HasPrefix(s, "3 of ") {
		t.Fatalf("sampled %q, want 3 notes", s)
	}

	// The authors' judgements of the three notes, in the sample's order, as the demo data has
	// them (checked here so that a change to the demo data shows where the hand computation
	// below comes from).
	want := []string{"development", "development", "strength"}
	var original []string
	if err := env.DB.Super.QueryRow(ctx, `SELECT array_agg(sn.judgement ORDER BY sn.position) FROM consistency_sample_notes sn
		JOIN consistency_samples s ON s.id = sn.sample_id WHERE s.review_id = $1`, review).Scan(&original); err != nil {
		t.Fatal(err)
	}
	if strings.Join(original, " ") != strings.Join(want, " ") {
		t.Fatalf("the authors' judgements of the sampled notes are %v, not %v as the hand computation below assumes", original, want)
	}

	ib := newB(t, env)
	ib.noScript()
	ib.signIn("inspector@demo.test", demo.Password)
	ib.csCode(review, []string{"development", "development", "strength"})
	cb := newB(t, env)
	cb.noScript()
	cb.signIn("cqc.inspector@demo.test", demo.Password)
	cb.csCode(review, []string{"development", "strength", "strength"})

	lead.Visit("/reviews/" + review + "/consistency")
	lead.Expect("3 of 3 sampled notes coded by every coder (3 coders each")
	// By hand, Fleiss' kappa over 3 notes, 3 coders (author, Ira, Cass), D development, S strength:
	//   note 1: D D D → P₁ = 1;  note 2: D D S → P₂ = (2·1 + 1·0)/(3·2) = 1/3;  note 3: S S S → P₃ = 1.
	//   P̄ = (1 + 1/3 + 1)/3 = 7/9.  Totals D 5, S 4 of 9 → P̄ₑ = (5/9)² + (4/9)² = 41/81.
	//   κ = (7/9 − 41/81)/(1 − 41/81) = (22/81)/(40/81) = 0.55; all three agreed on 2 of 3 notes: 67%.
	if k, pct := lead.Text("#figure-judgement .app-kappa"), lead.Text("#figure-judgement .app-agreement"); k != "0.55" || pct != "67%" {
		t.Fatalf("judgement: κ %s, agreement %s; want 0.55 and 67%%", k, pct)
	}
	lead.Expect("Fleiss’ kappa")

	// Moderation: the first disagreement is given an agreed coding.
	lead.ClickLink("Moderate the 3 notes the coders disagreed on")
	var first string
	lead.evEval(`Promise.resolve(JSON.stringify(document.querySelector('[id^=disagreement-]').id.slice('disagreement-'.length)))`, &first)
	lead.Check("m-" + first + "-judgement-2")
	lead.Fill("m-"+first+"-comment", "Discussed at the moderation meeting.")
	lead.Submit("#disagreement-" + first + " form button[type=submit]")
	lead.Expect("Agreed coding recorded")
	if s := lead.Text("#disagreement-" + first); !strings.Contains(s, "Agreed (Lee Lead") || !strings.Contains(s, "Discussed at the moderation meeting.") {
		t.Fatalf("the agreed coding is not shown:\n%s", s)
	}

	// The methodology states the figures once the lead chooses.
	lead.Visit("/reviews/" + review + "/report")
	if strings.Contains(lead.Body(), "without sight of the first coding") {
		t.Fatal("the methodology speaks of double coding before the lead chose it")
	}
	lead.Visit("/reviews/" + review + "/consistency")
	lead.Submit("#methodology-button")
	lead.Expect("The methodology states the double coding’s figures")
	sentence := "was coded again, without sight of the first coding, by 2 other members of the review team; agreement on whether " +
		"evidence was a strength, an area for development or neither was κ = 0.55 (67% agreement), using Fleiss’ kappa."
	lead.Expect(sentence)
	lead.Visit("/reviews/" + review + "/report")
	lead.Expect("A sample of 3 evidence notes (")
	lead.Expect(sentence)
}
