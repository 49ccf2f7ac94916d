package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyFactCheck: the lead reads the demo letter's closed first round, then sends the
// letter (to the area of the demo's local authority contact) for a second round with a deadline;
// the contact opens it from the area's page and comments on a paragraph, attaching the minutes
// that show it; the lead answers "accepted and changed"; once the deadline has passed by the
// server's clock the contact sees comments closed and no form. axe checks each page.
func TestJourneyFactCheck(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	review := evDemoReview(t, env)
	ctx := context.Background()
	var areaID, areaName string
	if err := env.DB.Super.QueryRow(ctx, `SELECT ra.id, la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.review_id = $1 AND ra.ons_code = $2`, review, demo.LetterArea).Scan(&areaID, &areaName); err != nil {
		t.Fatal(err)
	}
	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	lead.Visit("/reviews/" + review + "/letters/" + areaID)
	lead.ClickLink("Factual-accuracy check")
	// The demo's first round is over: the area finished early, and both comments are answered.
	lead.Expect("Closed: the area said it had no more comments")
	lead.Expect("2 of 2 comments")
	lead.Expect("The gap remains in the south and west.")
	lead.Axe()
	lead.Fill("deadline", time.Now().AddDate(0, 0, 10).Format(time.DateOnly))
	lead.Submit("form[action$='/factcheck'] button[type=submit]")
	lead.Expect("Letter sent for a factual-accuracy check")
	lead.Expect("Open")
	lead.Expect("2, version 2 of the letter")

	// The first paragraph of the frozen letter.
	var doc struct {
		Blocks []struct {
			Kind string `json:"kind"`
			Text []struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	var raw []byte
	if err := env.DB.Super.QueryRow(ctx, `SELECT v.doc FROM fact_checks c JOIN letter_versions v ON v.letter_id = c.letter_id
		AND v.number = c.version_number ORDER BY c.round DESC LIMIT 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	block := -1
	for i, b := range doc.Blocks {
		if b.Kind == "paragraph" {
			block = i
			break
		}
	}
	if block < 0 {
		t.Fatal("no paragraph in the frozen letter")
	}
	n := strconv.Itoa(block)

	contact := newB(t, env)
	contact.signIn("la.contact@demo.test", demo.Password)
	contact.Visit("/reviews/" + review + "/areas/" + areaID)
	contact.ClickLink("Factual-accuracy check of the letter to " + areaName)
	contact.Expect("Factual-accuracy check")
	contact.Axe()
	// An empty comment is refused by the field.
	contact.Submit("form:has(input[name=block][value='" + n + "']) button[type=submit]")
	contact.Expect("There is a problem")
	contact.Expect("Enter your comment")
	contact.Axe()
	comment := "This is inaccurate because the figures are for last year."
	contact.Fill("body-"+n, comment)
	// The evidence: the minutes that show it, attached with the comment.
	minutes := filepath.Join(t.TempDir(), "board-minutes.csv")
	if err := os.WriteFile(minutes, []byte("meeting,decision\n2026-03-04,Plan signed by every partner\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	contact.do(chromedp.Click(chromedp.CSS("form:has(input[name=block][value='" + n + "']) summary")))
	contact.afUpload("file-"+n, minutes)
	contact.Submit("form:has(input[name=block][value='" + n + "']) button[type=submit]")
	contact.Expect("Comment sent")
	contact.Expect(comment)
	contact.Expect("Not answered yet")
	contact.Expect("board-minutes")

	lead.Visit("/reviews/" + review + "/letters/" + areaID + "/factcheck")
	lead.Expect(comment)
	lead.Expect("board-minutes")
	lead.Axe()
	lead.Check(lead.firstAnswerID(t))
	lead.Submit("form[action$='/factcheck/answers'] button[type=submit]")
	lead.Expect("Answer saved")
	lead.Expect("1 of 1 comments")

	contact.Visit("/reviews/" + review + "/areas/" + areaID + "/factcheck")
	contact.Expect("Accepted and changed")

	// The deadline passes by the server's clock (the round's date moved into the past).
	if _, err := env.DB.Super.Exec(ctx, `UPDATE fact_checks SET deadline = current_date - 1`); err != nil {
		t.Fatal(err)
	}
	contact.Visit("/reviews/" + review + "/areas/" + areaID + "/factcheck")
	contact.Expect("Closed: the deadline has passed")
	if contact.Has("textarea") {
		t.Error("the comment form is still shown after the deadline")
	}
	contact.Axe()
}

// firstAnswerID is the id of the "accepted" radio of the first comment on the lead's page.
func (b *B) firstAnswerID(t *testing.T) string {
	t.Helper()
	id, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("input[name=answer][value=accepted]").id`))
	if err != nil || id == "" {
		t.Fatal("no answer form")
	}
	return id
}
