package e2e

import (
	"context"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyRecordNoteWithoutJavaScriptHelpers records a note through the plain form (which
// needs no script), answers the personal data guard, reads the note and its history, deletes it
// and undoes that; axe checks every page.
func TestJourneyRecordNoteWithoutJavaScriptHelpers(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, sunderland, _, _ := visReview(t, env)
	var tenantID, visitID string
	ctx := context.Background()
	if err := env.DB.Super.QueryRow(ctx, `SELECT tenant_id FROM reviews WHERE id = $1`, reviewID).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
		VALUES ($1, $2, $3, '2025-03-10', 2) RETURNING id`, tenantID, reviewID, sunderland).Scan(&visitID); err != nil {
		t.Fatal(err)
	}
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit("/reviews/" + reviewID + "/visits/" + visitID)
	b.ClickLink("Record a note")
	b.Expect("Record a note")
	b.Check("source")
	b.Fill("note-date-day", "11")
	b.Fill("body", "Mrs Smith said the hub was easy to reach.")
	b.Fill("tags", "Access")
	b.Check("judgement")
	b.Submit("button[value=save]")
	b.Expect("There is a problem")
	b.Expect("I have checked: this is not personal data, keep it")
	b.Check("confirm-personal-data")
	b.Submit("button[value=save]")
	b.Expect("Note saved")
	b.Expect("Mrs Smith said the hub was easy to reach.")
	b.Expect("Recorded by Ira Inspector")
	note := b.Path()
	b.ClickLink("Change the note")
	b.Expect("Change the note")
	b.Visit(note)
	b.Submit("form[action$='/delete'] button")
	b.Expect("Note deleted")
	b.Submit("form[action$='/restore'] button")
	b.Expect("Note restored")
	b.Expect("Deleted by Ira Inspector")
}
