package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyLetterToAnArea: the lead opens the letters from the review's overview, edits the
// review's letter template, starts the letter to a second area, writes its strengths under an
// action area beside the area's evidence, naming another area by mistake; the publication check
// finds that area (and not the letter's own), the lead fixes it from the check's link, saves a
// version and downloads the letter as HTML and Word. axe checks every page.
func TestJourneyLetterToAnArea(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	base := "/reviews/" + review
	ctx := context.Background()
	var areaID, areaName, otherName, aaID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT ra.id, la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.review_id = $1 AND ra.ons_code = $2`, review, demo.Areas[1]).Scan(&areaID, &areaName); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT display_name FROM local_authorities WHERE ons_code = $1`, demo.Areas[4]).Scan(&otherName); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM action_areas WHERE review_id = $1 ORDER BY position LIMIT 1`, review).Scan(&aaID); err != nil {
		t.Fatal(err)
	}
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/")
	b.ClickLink("Letters to each area")
	b.Expect("Letters to each area")
	b.Expect("Not started")

	// The template, shared by every letter of the review.
	b.ClickLink("Edit the letter template")
	b.Fill("opening", "Dear colleagues in {area},\n\nThis letter follows {review}.")
	b.Fill("signatories", "The review's lead inspectors")
	b.Submit("form[action$='/letters/template'] button[type=submit]")
	b.Expect("Letter template saved")

	// The letter to the second area, started once.
	b.Submit(fmt.Sprintf("form:has(input[name=area_id][value='%s']) button", areaID))
	b.Expect("Letter started")
	b.Expect("Letter to " + areaName)
	b.Expect("Dear colleagues in " + areaName + ",")

	// The strengths under the first action area, beside the area's evidence, naming another area.
	b.Visit(base + "/letters/" + areaID + "/sections/edit?key=strengths:" + aaID)
	b.Expect("Evidence from " + areaName)
	strength := "Leaders in " + areaName + " have joined up the front door for families."
	b.Fill("body", strength+" It works better than in "+otherName+".")
	b.Submit("form[action$='/sections'] button[type=submit]")
	b.Expect("saved")
	b.Expect(strength)

	b.ClickLink("Publication check")
	b.Expect("Names another area")
	b.Expect("‘" + otherName + "’")
	if strings.Contains(b.Body(), "‘"+areaName+"’") {
		t.Fatalf("the letter's own area is a hit:\n%s", b.Body())
	}
	b.ClickLink("Edit the text")
	b.Fill("body", strength)
	b.Submit("form[action$='/sections'] button[type=submit]")
	b.Expect("saved")
	b.ClickLink("Publication check")
	b.Expect("The check found nothing.")

	// A named version.
	b.Visit(base + "/letters/" + areaID)
	b.ClickLink("Saved versions")
	b.Fill("label", "First draft")
	b.Submit("form[action$='/versions'] button[type=submit]")
	b.Expect("Version 1 saved")
	b.Expect("First draft")

	// The downloads through the browser's session.
	for _, c := range []struct{ format, ctype string }{
		{"html", "text/html; charset=utf-8"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		var got struct {
			Status int    `json:"status"`
			Type   string `json:"type"`
			Body   string `json:"body"`
			Size   int    `json:"size"`
		}
		b.evEval(fmt.Sprintf(`fetch(%q).then(async r => { const buf = await r.arrayBuffer();
			return JSON.stringify({status: r.status, type: r.headers.get('content-type'), size: buf.byteLength,
				body: new TextDecoder().decode(buf)}) })`, base+"/letters/"+areaID+"/export/"+c.format), &got)
		if got.Status != 200 || got.Type != c.ctype || got.Size == 0 {
			t.Errorf("%s download: %d %q %d", c.format, got.Status, got.Type, got.Size)
		}
		if c.format == "html" && (!strings.Contains(got.Body, "have joined up the front door") || strings.Contains(got.Body, otherName)) {
			t.Errorf("the HTML letter lacks the strength or names %s:\n%s", otherName, got.Body)
		}
	}
}
