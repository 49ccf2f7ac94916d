package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
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

// seedLetters gives the demo review its letter template and a drafted letter to LetterArea.
func seedLetters(ctx context.Context, tx pgx.Tx, tenantID, reviewID, leadID string, areaIDs map[string]string) error {
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
	return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "seed", Action: "letter.started",
		ObjectType: "letter", ObjectID: letterID, After: map[string]any{"review_id": reviewID, "area_id": areaIDs[LetterArea]}})
}
