package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/letter"
)

// LetterArea is the area whose letter the demo review has drafted: the area of the demo's local
// authority contact.
const LetterArea = "E06000057"

// demoTemplate is the demo review's letter template ({area} and {review} are filled in per letter).
var demoTemplate = struct{ opening, closing, signatories string }{
	opening: "Dear leaders and partners in {area},\n\n" +
		"Thank you for welcoming us during the fieldwork for {review}. This letter sets out what we found " +
		"in {area}: the strengths we saw and the areas for development, under each of the review's action areas. " +
		"It goes with the overview report, which draws on all six areas visited and names none of them.",
	closing:     "Thank you to the families, practitioners and leaders in {area} who gave their time to the review.\n\nYours sincerely,",
	signatories: "The lead inspectors of the review",
}

// demoLetterTexts are the drafted sections of the demo letter, by action area short code
// (actionAreaTitles) and "s" (strengths) or "d" (areas for development), drawn from the area's
// notes.
var demoLetterTexts = []struct{ aa, kind, body string }{
	{"seam", "s", "Leaders in {area} have built a shared data platform that lets family hub staff, early help and the 0 to 19 service " +
		"see a common summary of a family's contacts. Referral from the hub to the perinatal mental health team is quick, " +
		"and fathers are invited to the hub by name at the first health visitor contact."},
	{"seam", "d", "Midwives still record on a maternity system that the hub cannot see, and parents using only universal services " +
		"told us they repeat their history at each appointment. Leaders should make sure that information follows the family."},
	{"hub", "s", "Satellite sessions in village halls bring the hub closer to families in rural parts of {area}, who would otherwise face a long bus journey."},
}

// The demo letter's factual-accuracy round: closed, the area's contact commented on two
// paragraphs before finishing early, and the lead accepted one comment (and changed the section,
// to demoCorrected) and not the other, with a reason.
var (
	demoCorrected = "Outside the northern locality, where maternity bookings have reached the hub since September, midwives still " +
		"record on a maternity system that the hub cannot see, and parents using only universal services told us they repeat their " +
		"history at each appointment. Leaders should make sure that information follows the family across the whole county."
	demoComments = []struct{ on, body, answer, reason string }{
		{"Midwives still record on a maternity system", "This is not accurate for the north of the county. Since September the " +
			"maternity system in the northern locality sends a summary of each booking to the hub, so hub staff there can see it. " +
			"The gap remains in the south and west.", letter.AnswerAccepted, ""},
		{"Satellite sessions in village halls", "The village hall sessions are run by our voluntary sector partner, not by the " +
			"council. Please say so.", letter.AnswerNotAccepted, "The letter describes what families receive through the hub, not " +
			"who delivers each part of it. The sessions are in the hub's published offer, so the sentence stands."},
	}
)

func demoDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

// seedLetters gives the demo review its letter template and a drafted letter to LetterArea, with
// a closed factual-accuracy round.
func seedLetters(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, ids map[string]string, areaIDs map[string]string) error {
	leadID := ids["lead@demo.test"]
	var areaName string
	if err := tx.QueryRow(ctx, `SELECT display_name FROM local_authorities WHERE ons_code = $1`, LetterArea).Scan(&areaName); err != nil {
		return fmt.Errorf("demo: letter area: %w", err)
	}
	texts := map[string]string{}
	for _, t := range demoLetterTexts {
		var aaID string
		if err := tx.QueryRow(ctx, `SELECT id FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND title = $3`,
			tenantID, reviewID, actionAreaTitles[t.aa]).Scan(&aaID); err != nil {
			return fmt.Errorf("demo: letter action area %s: %w", t.aa, err)
		}
		key := letter.StrengthsKey(aaID)
		if t.kind == "d" {
			key = letter.DevelopmentKey(aaID)
		}
		texts[key] = strings.ReplaceAll(t.body, "{area}", areaName)
	}
	tpl := letter.Template{Opening: demoTemplate.opening, Closing: demoTemplate.closing, Signatories: demoTemplate.signatories}
	letterID, err := letter.Seed(ctx, tx, tenantID, reviewID, areaIDs[LetterArea], leadID, tpl, texts)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "seed", Action: "letter.started",
		ObjectType: "letter", ObjectID: letterID, After: map[string]any{"review_id": reviewID, "area_id": areaIDs[LetterArea]}}); err != nil {
		return err
	}
	var aaID string
	if err := tx.QueryRow(ctx, `SELECT id FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND title = $3`,
		tenantID, reviewID, actionAreaTitles["seam"]).Scan(&aaID); err != nil {
		return fmt.Errorf("demo: letter action area: %w", err)
	}
	round := letter.SeedRound{SentAt: demoDay("2023-10-02"), Deadline: demoDay("2023-10-16"), FinishedAt: demoDay("2023-10-12"),
		Changes: map[string]string{letter.DevelopmentKey(aaID): demoCorrected}}
	for i, c := range demoComments {
		round.Comments = append(round.Comments, letter.SeedComment{On: c.on, Body: c.body, By: ids["la.contact@demo.test"],
			At: demoDay("2023-10-10").Add(time.Duration(i) * time.Hour), Answer: c.answer, Reason: c.reason, AnsweredAt: demoDay("2023-10-13")})
	}
	sc := db.Scope{TenantID: tenantID, ReviewID: reviewID, UserID: leadID, Email: "lead@demo.test"}
	if err := letter.SeedCheck(ctx, tx, sc, areaIDs[LetterArea], round); err != nil {
		return fmt.Errorf("demo: letter check: %w", err)
	}
	return nil
}
