package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/finding"
	"thematic/internal/practice"
	"thematic/internal/recommendation"
	"thematic/internal/report"
)

// demoFinding is a finding of the demo review, in the project's own words and consistent with the
// published report. Its supporting notes are the demo notes tagged to its action area with any of
// its themes (and, when set, the judgement); notes with the themes and the opposite judgement are
// linked as cutting against it when against is set. Prevalence is then computed, not typed.
type demoFinding struct {
	aa        string
	themes    string // ";"-separated
	judgement string // "" for any
	against   bool
	style     string
	body      string
}

var demoFindings = []demoFinding{
	{"seam", "data sharing", jD, false, finding.StyleWord,
		"In {areas}, separate record systems held by health, early help and social care meant that families had to repeat their story to each new professional."},
	{"seam", "infant feeding", jS, false, finding.StyleWord,
		"Infant feeding support was well established in {areas}, and peer supporters from the community extended the reach of the hubs."},
	{"seam", "perinatal mental health", "", false, finding.StyleWord,
		"In {areas}, there was a strong focus on the mental health of expectant and new parents."},
	{"seam", "fathers", "", false, finding.StyleCount,
		"Hubs in {areas} were making deliberate efforts to include fathers, and fathers told us they felt welcome."},
	{"hub", "stigma", "", false, finding.StyleWord,
		"In {areas}, some families saw the hub as a place for families in trouble until they came to an activity and found it was for everyone."},
	{"hub", "home learning", "", false, finding.StyleWord,
		"The home learning offer for children under 2 was the least developed part of the programme in {areas}."},
	{"hub", "SEND access", "", false, finding.StyleWord,
		"In {areas}, parents of babies with special educational needs and/or disabilities said that buildings and sessions did not always meet their needs."},
	{"hub", "outreach;rural access", jS, false, finding.StyleWord,
		"In {areas}, outreach beyond the hub buildings helped to reach families who were isolated by distance or circumstance."},
	{"info", "digital offer", jD, true, finding.StyleWord,
		"The digital offer was still being built in {areas}, with websites under construction and information hard to find."},
	{"work", "workforce capacity", "", false, finding.StyleWord,
		"In {areas}, vacancies in health visiting and midwifery limited the time professionals could give to joint and preventative work."},
	{"work", "volunteers", "", false, finding.StyleWord,
		"Volunteers and charities played an important part in {areas}, and some volunteers had gone on to paid work or training."},
	{"impr", "data sharing", "", false, finding.StyleWord,
		"In {areas}, leaders wanted a common set of outcomes: current reporting counted activity rather than the difference services made to families."},
	{"lead", "workforce capacity", "", false, finding.StyleWord,
		"In {areas}, leaders said that short-term funding made it hard to plan services, keep trained staff and build families' trust."},
	{"lead", "co-location", "", false, finding.StyleWord,
		"Leaders in {areas} were using the family hub model to bring services together in places families already used."},
}

// demoExample is a good-practice example written from a candidate note, found by its area, action
// area and the start of its text. The example's words are the lead's, and never name the area.
type demoExample struct {
	area, aa, note, body string
}

var demoExamples = []demoExample{
	{aSunderland, "seam", "Specialist midwife described the vulnerable pregnancy pathway",
		"In one area, a vulnerable pregnancy pathway gave families one plan shared by maternity, health visiting, the hub and children's social care, so that agencies no longer duplicated or contradicted each other's work."},
	{aDurham, "hub", "Early years champion explained the language builder course",
		"In one area, early years champions helped settings to check young children's language early and offered parents a short language course where a delay was suspected. Referrals to speech and language services have fallen."},
	{aSunderland, "hub", "GP drop-in clinic",
		"In one area, a GP held a twice-weekly drop-in clinic in the family hub, next to a group for parents of babies. Families who found it hard to get to a surgery could talk about their own and their baby's health without an appointment."},
	{aTorbay, "hub", "Registrar's office inside the hub",
		"In one area, registrars based in the hub brought new parents, and many fathers, through the door for the first time; each family was then offered a key person in the hub."},
	{aNorthumberland, "info", "Saw laminated posters with QR codes",
		"In one area, posters with QR codes in shops, post offices and surgeries took families who never visit a hub straight to its timetable and the infant feeding helpline."},
	{aWight, "work", "Family worker described a mother with postnatal depression",
		"In one area, a family worker built trust with a mother with postnatal depression who had refused help, then brought health visiting, nursery and school staff together around the family."},
	{aSunderland, "impr", "Volunteer doula project",
		"One local area's volunteer doula project supports isolated women through labour and after the birth. Early figures suggest fewer emergency caesarean sections and more women starting to breastfeed."},
}

// demoRecommendation is one of the demo report's recommendations; answers lists the findings it
// answers by their place in demoFindings (from 1).
type demoRecommendation struct {
	addressee, body string
	answers         []int
}

var demoRecommendations = []demoRecommendation{
	{"Central government", "The Start for Life offer is made available to families in every area and promoted nationally, so that using it carries no stigma and every baby has the best start.", []int{5, 8}},
	{"Central government", "The government commits to a minimum level of long-term funding for the programme, so that areas can plan services, keep trained staff and build parents' trust.", []int{13}},
	{"Central and local government", "Central and local government agree a common set of national outcomes, with room for each area to add its own.", []int{12}},
	{"Central government", "Central government reviews the reporting tied to funding, to lighten the load it places on local authorities.", []int{12}},
	{"Central government", "Central government supports local areas to develop shared recording systems, so that information moves across their partnerships.", []int{1}},
	{"Central government", "Central government works with the sector so that enough qualified health professionals work alongside Start for Life staff when families are given health advice.", []int{10}},
}

// demoTexts are the report's authored sections in the demo.
var demoTexts = map[string]string{
	report.TextBackground: "The Family Hubs and Start for Life programme was set up to meet the commitments in the government's " +
		"vision for the 1,001 critical days.^[‘The best start for life: a vision for the 1,001 critical days’, Department of Health " +
		"and Social Care, March 2021.] It is led jointly by the Department for Education and the Department of Health and Social Care.\n\n" +
		"The government asked Ofsted and the Care Quality Commission to review Start for Life services together, including how they are " +
		"provided through the family hub model. This report sets out what we found and makes recommendations for central and local government.",
	report.TextSummary: "The programme is still young. Families who use Start for Life services through a family hub have a good " +
		"experience, and parents told us they felt more confident about feeding their babies and looking after their own mental health.\n\n" +
		"Some parts of the programme are further on than others. Support after birth is more established than support during pregnancy, " +
		"and the home learning offer for the youngest children is the least developed part everywhere we went.\n\n" +
		"Professionals and families are held back by separate record systems, by vacancies in health visiting and midwifery, and by " +
		"funding that runs for too short a time to plan services well.",
	report.TextIntroduction: "Every family needs support at some point to help their baby thrive. The programme's ambition is that each " +
		"family gets the help it needs, when it needs it, from services that work together.\n\n" +
		"Our review looked at how families experience these services from conception until their child's second birthday, and at " +
		"whether the services are joined up.",
	report.TextMethodology: "We looked at the services open to all parents who need them — midwifery, health visiting, perinatal " +
		"mental health support and infant feeding support — and at how information moves between them. We also looked at safeguarding " +
		"and at the local offer for children with special educational needs and/or disabilities.\n\n" +
		"Inspectors observed activities in family hubs, spoke with health, education and social care professionals and with parents, " +
		"and read each local authority's self-assessment.",
}

// seedSynthesis writes the demo's findings and report texts.
func seedSynthesis(ctx context.Context, tx pgx.Tx, tenantID, reviewID, leadID string) error {
	rows, err := tx.Query(ctx, `SELECT title, id::text FROM action_areas WHERE tenant_id = $1 AND review_id = $2`, tenantID, reviewID)
	if err != nil {
		return fmt.Errorf("demo: action areas: %w", err)
	}
	areas := map[string]string{}
	var title, id string
	if _, err := pgx.ForEachRow(rows, []any{&title, &id}, func() error { areas[title] = id; return nil }); err != nil {
		return fmt.Errorf("demo: action areas: %w", err)
	}
	var findingIDs []string
	for i, f := range demoFindings {
		aa := areas[actionAreaTitles[f.aa]]
		if aa == "" {
			return fmt.Errorf("demo: finding %d: no action area %q", i+1, f.aa)
		}
		fid, _, err := finding.Create(ctx, tx, tenantID, reviewID, leadID,
			finding.Input{ActionAreaID: aa, Body: f.body, Style: f.style, Key: fmt.Sprintf("demo-finding-%02d", i+1)})
		if err != nil {
			return fmt.Errorf("demo: finding %d: %w", i+1, err)
		}
		findingIDs = append(findingIDs, fid)
		support, against, err := demoFindingNotes(ctx, tx, tenantID, reviewID, aa, f)
		if err != nil {
			return err
		}
		if len(support) > 0 {
			if err := finding.Link(ctx, tx, tenantID, reviewID, fid, finding.Supports, support); err != nil {
				return fmt.Errorf("demo: finding %d: %w", i+1, err)
			}
		}
		if len(against) > 0 {
			if err := finding.Link(ctx, tx, tenantID, reviewID, fid, finding.Contradicts, against); err != nil {
				return fmt.Errorf("demo: finding %d: %w", i+1, err)
			}
		}
		cur, err := finding.Get(ctx, tx, tenantID, reviewID, fid)
		if err != nil {
			return err
		}
		if _, err := finding.Confirm(ctx, tx, tenantID, reviewID, fid, cur.Version); err != nil {
			return fmt.Errorf("demo: finding %d: %w", i+1, err)
		}
	}
	for i, e := range demoExamples {
		var noteID, areaID string
		err := tx.QueryRow(ctx, `SELECT n.id::text, n.area_id::text FROM evidence_notes n
			JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND ra.ons_code = $3 AND n.good_practice AND starts_with(n.body, $4)`,
			tenantID, reviewID, e.area, e.note).Scan(&noteID, &areaID)
		if err != nil {
			return fmt.Errorf("demo: example %d: note: %w", i+1, err)
		}
		_, _, err = practice.Create(ctx, tx, tenantID, reviewID, leadID, practice.Input{NoteID: noteID, AreaID: areaID,
			ActionAreaID: areas[actionAreaTitles[e.aa]], Body: e.body, Key: fmt.Sprintf("demo-example-%02d", i+1)})
		if err != nil {
			return fmt.Errorf("demo: example %d: %w", i+1, err)
		}
	}
	for i, r := range demoRecommendations {
		var ids []string
		for _, n := range r.answers {
			ids = append(ids, findingIDs[n-1])
		}
		_, _, err := recommendation.Create(ctx, tx, tenantID, reviewID, leadID, recommendation.Input{Body: r.body, Addressee: r.addressee,
			FindingIDs: ids, Key: fmt.Sprintf("demo-recommendation-%02d", i+1)})
		if err != nil {
			return fmt.Errorf("demo: recommendation %d: %w", i+1, err)
		}
	}
	for key, body := range demoTexts {
		if _, err := report.SaveText(ctx, tx, tenantID, reviewID, leadID, key, body, 0); err != nil {
			return fmt.Errorf("demo: report %s: %w", key, err)
		}
	}
	return nil
}

// demoFindingNotes picks a finding's notes by action area, themes and judgement.
func demoFindingNotes(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actionAreaID string, f demoFinding) (support, against []string, err error) {
	rows, err := tx.Query(ctx, `SELECT n.id::text, n.judgement FROM evidence_notes n
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.deleted_at IS NULL AND NOT n.safeguarding
			AND EXISTS (SELECT 1 FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = $3)
			AND EXISTS (SELECT 1 FROM evidence_note_tags nt JOIN evidence_tags t ON t.tenant_id = nt.tenant_id AND t.id = nt.tag_id
				WHERE nt.tenant_id = n.tenant_id AND nt.note_id = n.id AND lower(t.name) = ANY($4))
		ORDER BY n.note_date, n.id`, tenantID, reviewID, actionAreaID, strings.Split(strings.ToLower(f.themes), ";"))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: finding notes: %w", err)
	}
	var id, j string
	_, err = pgx.ForEachRow(rows, []any{&id, &j}, func() error {
		switch {
		case f.judgement == "" || j == f.judgement:
			support = append(support, id)
		case f.against && j != "neutral":
			against = append(against, id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: finding notes: %w", err)
	}
	return support, against, nil
}
