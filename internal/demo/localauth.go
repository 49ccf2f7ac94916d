package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/document"
	"thematic/internal/questionnaire"
	"thematic/internal/reminder"
	"thematic/internal/selfassess"
)

// What the local areas of the demo review sent before their visits, in the project's own words and
// consistent with the published Start for Life review: services were generally co-located in the
// hubs, while sharing data across separate systems was the weakest element everywhere.
//
// Northumberland (the area of la.contact@demo.test, whose journey the browser tests complete) has
// sent nothing: its self-assessment is not started, with no deadline, and it has no documents or
// questionnaire results. The Isle of Wight is late: its self-assessment is in progress and its
// deadline has passed. The other four areas have submitted.

// DeadlineBeforeVisit is how long before its visit an area's self-assessment is due.
const DeadlineBeforeVisit = 14 * 24 * time.Hour

// LateArea is the ONS code of the demo area whose self-assessment is late (in progress, not
// submitted, deadline passed).
const LateArea = "E06000046"

// NotStartedArea is the ONS code of the demo area that has sent nothing yet: Northumberland.
const NotStartedArea = "E06000057"

// saAnswer is an area's rating of one element (1 lowest to 4, the default scale's positions; 0
// unanswered) and its commentary.
type saAnswer struct {
	level      int
	commentary string
}

// demoSelfAssessments are the areas' answers to the default elements, in their order
// (Co-location, Commissioning, Data-sharing, Governance), and whether the area submitted.
var demoSelfAssessments = []struct {
	area      string
	submitted bool
	answers   [4]saAnswer
}{
	{"E08000024", true, [4]saAnswer{
		{4, "All five hubs host midwifery clinics, health visiting and infant feeding drop-ins, and the birth registrar sits in the central hub two days a week."},
		{3, "Health visiting and the early help offer are commissioned jointly with the integrated care board; maternity remains a separate contract."},
		{2, "Health and council staff still work on separate case systems. A sharing agreement is signed but practitioners mostly swap information in person at the hub."},
		{3, "A Start for Life board chaired by the director of children's services meets monthly; the parent carer panel is still being recruited."},
	}},
	{"E06000047", true, [4]saAnswer{
		{3, "Most hubs share space with health visiting; in the rural west of the county some sessions run from libraries and church halls instead."},
		{2, "Commissioning is moving to a joint approach, but infant feeding and perinatal mental health support are still bought separately."},
		{3, "A shared data platform lets hub, health visiting and early help staff see who else is working with a family, with consent recorded once."},
		{4, "The partnership board owns one Start for Life plan with named leads, and parents' feedback is a standing item at every meeting."},
	}},
	{"E06000010", true, [4]saAnswer{
		{3, "Three hubs offer midwifery and health visiting under one roof; a GP drop-in runs twice a week at one of them."},
		{3, "A pooled budget covers the hub offer, health visiting and parenting programmes, reviewed each year with health partners."},
		{1, "There is no agreement yet for sharing records between maternity, health visiting and the hubs; families often repeat their story."},
		{2, "Governance sits with the early help board for now; a dedicated Start for Life group is planned for next year."},
	}},
	{"E06000027", true, [4]saAnswer{
		{2, "The main hub building is too small for antenatal clinics, so midwives see families elsewhere; a move to a larger site is being planned."},
		{2, "Contracts for health visiting and the hub offer are separate, with joint outcomes agreed but not yet built into either contract."},
		{2, "Practitioners share information at weekly multi-agency meetings about vulnerable unborn babies, but records stay on separate systems."},
		{3, "A Start for Life steering group reports to the health and well-being board; a volunteer parent sits on it."},
	}},
	{LateArea, false, [4]saAnswer{
		{3, "Health visitors and infant feeding workers are based in both island hubs; midwifery clinics are held at one of them."},
		{0, "Draft: waiting for figures from the integrated care board before rating this element."},
		{}, {},
	}},
}

// DemoFile is a supporting document an area of the demo review sent: the ONS code of the area, the
// idempotency key, the file name, the title and the bytes.
type DemoFile struct {
	Area, Key, Name, Title string
	Content                []byte
}

// demoPDF is a minimal valid PDF with one empty page.
func demoPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	out := []byte("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = len(out)
		out = append(out, fmt.Sprintf("%d 0 obj\n%s\nendobj\n", i+1, o)...)
	}
	xref := len(out)
	out = append(out, fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)...)
	for _, off := range offsets {
		out = append(out, fmt.Sprintf("%010d 00000 n \n", off)...)
	}
	out = append(out, fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)...)
	return out
}

// DemoFiles are the documents of the demo review: a CSV of opening times and two small PDFs, for
// two areas.
func DemoFiles() []DemoFile {
	return []DemoFile{
		{"E08000024", "demo-doc-001", "family-hub-opening-times.csv", "Family hub opening times", []byte(
			"hub,days,opens,closes\r\n" +
				"City centre hub,Monday to Friday,08:30,17:00\r\n" +
				"Riverside hub,Monday to Thursday,09:00,16:30\r\n" +
				"Coast road hub,Tuesday and Thursday,09:30,15:00\r\n")},
		{"E08000024", "demo-doc-002", "start-for-life-offer-2023.pdf", "Start for Life offer 2023", demoPDF()},
		{"E06000047", "demo-doc-003", "data-sharing-platform-summary.pdf", "Shared data platform: summary for partners", demoPDF()},
	}
}

// demoQuestionnaires are the family questionnaire counts of four areas: question, answer, count.
var demoQuestionnaires = map[string][]questionnaire.Row{
	"E08000024": qRows([3][]int{{58, 31, 9}, {44, 40, 14}, {37, 45, 16}}),
	"E06000047": qRows([3][]int{{49, 38, 12}, {61, 30, 8}, {52, 35, 12}}),
	"E06000010": qRows([3][]int{{33, 27, 15}, {21, 34, 20}, {28, 31, 16}}),
	"E06000027": qRows([3][]int{{26, 19, 11}, {30, 18, 8}, {17, 25, 14}}),
}

var demoQuestions = []struct {
	text    string
	answers [3]string
}{
	{"How easy was it to find out what the family hub offers?", [3]string{"Easy", "Quite easy", "Not easy"}},
	{"Did you have to tell your story again to a different professional?", [3]string{"No", "Once or twice", "Many times"}},
	{"Would you recommend the family hub to another parent?", [3]string{"Yes", "Maybe", "No"}},
}

func qRows(counts [3][]int) []questionnaire.Row {
	var rows []questionnaire.Row
	for i, q := range demoQuestions {
		for j, a := range q.answers {
			rows = append(rows, questionnaire.Row{Question: q.text, Answer: a, Count: counts[i][j]})
		}
	}
	return rows
}

// DemoQuestionnaires returns the areas' questionnaire rows by ONS code, for tests.
func DemoQuestionnaires() map[string][]questionnaire.Row { return demoQuestionnaires }

// seedLocalAuthorities records what the areas sent, through the domain stores: self-assessment
// deadlines, answers and submissions, documents and questionnaire results. areaIDs are by ONS code,
// userIDs by email; the lead enters what areas without a contact in the product sent by email.
func seedLocalAuthorities(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, areaIDs, userIDs map[string]string) error {
	lead := userIDs["lead@demo.test"]
	if _, err := selfassess.Seed(ctx, tx, tenantID, reviewID); err != nil {
		return err
	}
	t, err := selfassess.LoadTemplate(ctx, tx, tenantID, reviewID)
	if err != nil {
		return err
	}
	if len(t.Elements) != 4 || len(t.Levels) != 4 {
		return fmt.Errorf("demo: self-assessment template has %d elements and %d levels, want 4 and 4", len(t.Elements), len(t.Levels))
	}
	due := map[string]*time.Time{}
	for _, v := range visits {
		if v.area == NotStartedArea {
			continue
		}
		d := date(v.start).Add(-DeadlineBeforeVisit)
		due[areaIDs[v.area]] = &d
	}
	if err := selfassess.SetDeadlines(ctx, tx, tenantID, reviewID, due); err != nil {
		return err
	}
	if _, err := reminder.Schedule(ctx, tx, tenantID, reviewID, due, time.Now()); err != nil {
		return err
	}
	for _, sa := range demoSelfAssessments {
		areaID := areaIDs[sa.area]
		for i, a := range sa.answers {
			if a.level == 0 && a.commentary == "" {
				continue
			}
			in := selfassess.AnswerInput{ElementID: t.Elements[i].ID, Commentary: a.commentary}
			if a.level > 0 {
				in.LevelID = t.Levels[a.level-1].ID
			}
			if errs := in.Validate(t, sa.submitted); errs.Any() {
				return fmt.Errorf("demo: self-assessment of %s, element %d: %v", sa.area, i+1, errs)
			}
			if _, _, _, err := selfassess.SaveAnswer(ctx, tx, tenantID, reviewID, areaID, lead, t, in); err != nil {
				return fmt.Errorf("demo: self-assessment of %s: %w", sa.area, err)
			}
		}
		if sa.submitted {
			if _, err := selfassess.Submit(ctx, tx, tenantID, reviewID, areaID, lead); err != nil {
				return fmt.Errorf("demo: submit self-assessment of %s: %w", sa.area, err)
			}
		}
	}
	for _, f := range DemoFiles() {
		name := document.CleanName(f.Name)
		typ, err := document.Sniff(name, f.Content)
		if err != nil {
			return fmt.Errorf("demo: document %s: %w", f.Name, err)
		}
		if _, _, err := document.Create(ctx, tx, tenantID, reviewID, areaIDs[f.Area], lead, document.Upload{
			Title: f.Title, Filename: name, ContentType: typ, Content: f.Content, Key: f.Key,
		}); err != nil {
			return err
		}
	}
	for _, code := range Areas {
		rows, ok := demoQuestionnaires[code]
		if !ok {
			continue
		}
		if _, err := questionnaire.Replace(ctx, tx, tenantID, reviewID, areaIDs[code], lead, rows); err != nil {
			return err
		}
	}
	return nil
}
