package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/evidence"
)

// Judgements, short.
const (
	jS = evidence.Strength
	jD = evidence.Development
	jN = evidence.Neutral
)

// demoNote is one evidence note of the demo review, written in the project's own words and
// consistent with what the published Start for Life report found. who is the author on the visit's
// team: 0 and 1 the Early Years Inspectors, 2 the CQC inspector (dated on their one day on site,
// whatever day says). aa lists action areas by short code (see actionAreaTitles), lines lists lines
// of enquiry by their number in the review (1 to 11, in order), tags are separated by ";".
type demoNote struct {
	area   string
	who    int
	day    int
	src    string
	role   string
	aa     string
	lines  string
	tags   string
	j      string
	gp, fw bool
	text   string
}

// actionAreaTitles maps the short codes of demoNote.aa to the template's action area titles.
var actionAreaTitles = map[string]string{
	"seam": "Seamless support for families",
	"hub":  "A welcoming hub for families",
	"info": "The information families need when they need it",
	"work": "An empowered Start for Life workforce",
	"impr": "Continually improving the Start for Life offer",
	"lead": "Leadership for change",
}

// sourceNames maps the short codes of demoNote.src to the template's sources.
var sourceNames = map[string]string{
	"fg":  "Focus group with parents",
	"int": "Interview with a professional",
	"obs": "Observation of an activity",
	"doc": "Document or self-assessment review",
	"q":   "Questionnaire",
	"fb":  "Feedback session",
	"oth": "Other",
}

// roleNames maps the short codes of demoNote.role to the template's professional roles.
var roleNames = map[string]string{
	"hv":  "Health visitor",
	"mw":  "Midwife",
	"sw":  "Social worker",
	"fhw": "Family hub worker",
	"vol": "Volunteer",
	"ldr": "Leader",
}

// NoteCount is the number of evidence notes in the demo review.
func NoteCount() int { return len(demoNotes) }

// noteKey is a fresh idempotency key for the demo review's i-th note (from 0): its number, for
// whoever reads the table, and 128 random bits, so that no one can guess a demo note's key. The
// demo review is seeded once, with its notes, in one transaction, so the keys need not be fixed.
func noteKey(i int) string { return fmt.Sprintf("demo-note-%03d-%s", i+1, rand.Text()) }

// NoteTexts returns the texts of the demo notes, for tests.
func NoteTexts() []string {
	out := make([]string, len(demoNotes))
	for i, n := range demoNotes {
		out[i] = n.text
	}
	return out
}

// seedNotes records the demo notes through evidence.Create, after copying the default sources and
// roles into the review. visitIDs are by ONS code, userIDs by email. Each note has a random
// idempotency key (noteKey).
func seedNotes(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, visitIDs, userIDs map[string]string) error {
	byName := func(sql string) (map[string]string, error) {
		rows, _ := tx.Query(ctx, sql, tenantID, reviewID)
		m := map[string]string{}
		var k, v string
		_, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { m[k] = v; return nil })
		return m, err
	}
	areas, err := byName(`SELECT title, id::text FROM action_areas WHERE tenant_id = $1 AND review_id = $2`)
	if err != nil {
		return fmt.Errorf("demo: action areas: %w", err)
	}
	sources, err := byName(`SELECT name, id::text FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2`)
	if err != nil {
		return fmt.Errorf("demo: sources: %w", err)
	}
	roles, err := byName(`SELECT name, id::text FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2`)
	if err != nil {
		return fmt.Errorf("demo: roles: %w", err)
	}
	lines, err := byName(`SELECT (row_number() OVER (ORDER BY g.position, l.position))::text, l.id::text
		FROM enquiry_lines l JOIN enquiry_groups g ON g.tenant_id = l.tenant_id AND g.id = l.group_id
		WHERE l.tenant_id = $1 AND l.review_id = $2`)
	if err != nil {
		return fmt.Errorf("demo: lines of enquiry: %w", err)
	}
	teams := map[string]demoVisit{}
	for _, v := range visits {
		teams[v.area] = v
	}
	for i, n := range demoNotes {
		v, ok := teams[n.area]
		if !ok {
			return fmt.Errorf("demo: note %d: no visit to %s", i+1, n.area)
		}
		author, day := noteAuthorDay(v, n)
		in := evidence.NoteInput{
			VisitID: visitIDs[n.area], SourceID: sources[sourceNames[n.src]], NoteDate: day, Body: n.text,
			Tags: strings.Split(n.tags, ";"), Judgement: n.j, GoodPractice: n.gp, FamilyWords: n.fw, Key: noteKey(i),
		}
		if n.role != "" {
			in.RoleID = roles[roleNames[n.role]]
		}
		for _, a := range strings.Fields(n.aa) {
			id, ok := areas[actionAreaTitles[a]]
			if !ok {
				return fmt.Errorf("demo: note %d: no action area %q", i+1, a)
			}
			in.ActionAreas = append(in.ActionAreas, id)
		}
		for _, l := range strings.Fields(n.lines) {
			id, ok := lines[l]
			if !ok {
				return fmt.Errorf("demo: note %d: no line of enquiry %s", i+1, l)
			}
			in.Lines = append(in.Lines, id)
		}
		if _, _, err := evidence.Create(ctx, tx, tenantID, reviewID, userIDs[author], in); err != nil {
			return fmt.Errorf("demo: note %d: %w", i+1, err)
		}
	}
	return nil
}

// noteAuthorDay returns the email of a note's author and the note's date (YYYY-MM-DD).
func noteAuthorDay(v demoVisit, n demoNote) (string, string) {
	day1 := *date(v.start)
	switch {
	case n.who == 2 && v.cqcDay2, n.who != 2 && n.day == 2:
		day1 = day1.AddDate(0, 0, 1)
	}
	author := v.cqc
	if n.who < 2 {
		author = v.eyi[n.who]
	}
	return author, day1.Format("2006-01-02")
}

// Area codes, short.
const (
	aNorthumberland = "E06000057"
	aSunderland     = "E08000024"
	aDurham         = "E06000047"
	aHull           = "E06000010"
	aTorbay         = "E06000027"
	aWight          = "E06000046"
)

// demoNotes are the demo review's notes, about 25 an area. Good-practice candidates echo the
// report's examples; the Isle of Wight has one note on continually improving the offer, on purpose,
// so that the coverage matrix shows a thin cell.
var demoNotes = []demoNote{
	// Northumberland: large rural area; digital offer better developed; QR codes; shared data platform.
	{aNorthumberland, 0, 1, "fg", "", "seam hub", "3", "infant feeding;volunteers", jS, false, true,
		`Breastfeeding group at the market town hub. Parents credited the peer supporters with keeping them feeding through the first weeks. One mother said: "I was ready to give up on day four, and the peer supporter sat with me until it worked."`},
	{aNorthumberland, 0, 1, "obs", "", "info", "1 2", "digital offer;rural access", jS, true, false,
		`Saw laminated posters with QR codes in a village shop, the post office and a GP waiting room. Scanning one opens the hub timetable and the infant feeding helpline. Staff say families who never come to a hub have found groups this way.`},
	{aNorthumberland, 1, 1, "int", "hv", "work", "7", "workforce capacity", jD, false, false,
		`Health visiting team carrying several vacancies. Caseloads are high and the team has had to pull back from some preventative contacts to cover mandated reviews.`},
	{aNorthumberland, 1, 1, "int", "ldr", "seam impr", "8", "data sharing", jS, true, false,
		`Head of service demonstrated a shared data platform that lets family hub staff, early help and the 0 to 19 service see a common summary of a family's contacts. Consent is recorded at first contact.`},
	{aNorthumberland, 2, 0, "int", "mw", "seam work", "7 8", "data sharing;workforce capacity", jD, false, false,
		`Community midwife still records on the maternity system, which the hub cannot see. She rarely has time to attend hub sessions because of staffing on the labour ward rota.`},
	{aNorthumberland, 0, 2, "fg", "", "hub", "1", "stigma;outreach", jD, false, true,
		`Several parents had not heard of the family hub until a health visitor brought them. One parent said: "I thought it was where social services send you. Nobody told me it was for everyone."`},
	{aNorthumberland, 1, 2, "obs", "", "hub", "2", "rural access;outreach", jS, false, false,
		`Stay and play held in a village hall as a satellite of the main hub. Families had travelled a few miles rather than the hour it would take to reach the town centre by bus.`},
	{aNorthumberland, 0, 2, "doc", "", "impr lead", "10", "data sharing", jD, false, false,
		`Self-assessment rates data-sharing as emerging. Outcome measures are mostly counts of attendance; the area notes it cannot yet show longer-term impact on families.`},
	{aNorthumberland, 1, 2, "int", "fhw", "seam", "9", "fathers", jS, false, false,
		`Family hub worker runs a Saturday group for dads and babies. Fathers are invited by name at the first health visitor contact rather than through the mother.`},
	{aNorthumberland, 0, 1, "int", "ldr", "lead", "9", "workforce capacity", jD, false, false,
		`Director spoke of the short-term grant making it hard to offer permanent contracts. Two outreach posts have already been lost to jobs with longer security.`},
	{aNorthumberland, 1, 1, "q", "", "info impr", "5", "digital offer", jS, false, false,
		`Parent questionnaire returns: most respondents found information online or by phone. The virtual antenatal sessions were rated highly by parents in outlying villages.`},
	{aNorthumberland, 2, 0, "int", "hv", "seam", "7", "perinatal mental health", jS, false, false,
		`Specialist health visitor for perinatal mental health sees mothers at the hub. Referral to the perinatal mental health team is quick, and both teams attend a monthly joint meeting.`},
	{aNorthumberland, 0, 2, "obs", "", "work", "", "volunteers;infant feeding", jS, false, false,
		`Volunteer peer supporters shadowing an infant feeding lead at a clinic. Two volunteers are working towards a level 2 qualification funded by the hub.`},
	{aNorthumberland, 1, 2, "fg", "", "seam", "7", "data sharing", jD, false, true,
		`Parents using universal services only said they repeat their history at each appointment. One mother said: "Every new person asks me the same questions about the birth. I've told it six times."`},
	{aNorthumberland, 0, 1, "doc", "", "hub", "2", "home learning", jD, false, false,
		`Programme plan: the home learning strand for under-2s is a single chatting and reading group, not yet running at every hub.`},
	{aNorthumberland, 1, 1, "obs", "", "hub", "3", "antenatal offer", jD, false, false,
		`Antenatal timetable is thin: one course a month, held in the main town only. Postnatal groups run most days.`},
	{aNorthumberland, 0, 2, "fb", "", "impr lead", "11", "workforce capacity", jN, false, false,
		`End-of-visit feedback: leaders welcome an ungraded inspection looking at the area as a whole, not single hubs. They also want the grant reporting return simplified.`},
	{aNorthumberland, 1, 2, "int", "vol", "work", "", "volunteers", jS, false, true,
		`Volunteer who first came to the hub as an isolated new parent now co-runs a baby massage group. She said: "They got me out of the house when I couldn't face anything. Now I do that for other mums."`},
	{aNorthumberland, 0, 1, "int", "sw", "seam", "8", "data sharing;co-location", jS, false, false,
		`Social worker based at the hub one day a week. Being in the same building means quick conversations with the health visitor before a visit rather than waiting for an email.`},
	{aNorthumberland, 1, 1, "doc", "", "impr", "5 6", "outreach", jD, false, false,
		`Parent carer panel terms of reference: recruitment is by written application form. Panel members are mostly mothers; no fathers and nobody from the rural west of the county.`},
	{aNorthumberland, 2, 0, "int", "ldr", "lead", "10", "data sharing", jN, false, false,
		`Integrated care board lead shares the vision for joined-up services but says the health and council outcome frameworks still measure different things.`},
	{aNorthumberland, 0, 2, "oth", "", "info", "1", "digital offer", jS, false, false,
		`Checked the Start for Life web pages: clear, in plain language and updated this month. A phone line offers a call back the same day.`},
	{aNorthumberland, 1, 2, "q", "", "hub work", "3", "stigma", jS, false, false,
		`Questionnaire comments praise the warmth of hub staff. Parents describe being treated with respect and not judged.`},
	{aNorthumberland, 0, 1, "obs", "", "lead", "9", "co-location", jS, false, false,
		`Partnership board meeting observed: health, education and social care leaders discussed the hub plan with a shared picture of local need drawn from the joint strategic needs assessment.`},
	{aNorthumberland, 1, 2, "int", "fhw", "work impr", "", "workforce capacity", jN, false, false,
		`Hub manager says joint training with health visitors has helped staff understand each other's roles, but releasing staff for training is hard with current numbers.`},

	// Sunderland: urban; GP drop-in in a hub; vulnerable pregnancy pathway; doula project.
	{aSunderland, 0, 1, "obs", "", "hub seam", "2", "co-location;outreach", jS, true, false,
		`GP drop-in clinic held twice a week in the hub alongside the 0 to 2 group. Parents can raise their own or their baby's health worries without an appointment; the GP has time for the whole picture.`},
	{aSunderland, 1, 1, "int", "ldr", "hub", "2", "co-location", jS, false, false,
		`The GP who set up the drop-in said it reaches families who struggle with surgery phone lines or forms, and that issues come up earlier than in surgery.`},
	{aSunderland, 2, 0, "int", "mw", "seam", "7 8", "perinatal mental health;data sharing", jS, true, false,
		`Specialist midwife described the vulnerable pregnancy pathway: one plan shared across maternity, health visiting, the hub and children's social care, so agencies do not duplicate or contradict each other.`},
	{aSunderland, 0, 1, "fg", "", "seam", "7", "perinatal mental health", jS, false, true,
		`Parents on the pathway were positive. One mother said: "For once I didn't have to explain everything again. They all already knew and they all said the same thing."`},
	{aSunderland, 1, 1, "int", "vol", "impr work", "10", "volunteers;antenatal offer", jS, true, false,
		`Volunteer doula project: volunteers support isolated women through labour and after the birth. The project's own figures suggest fewer emergency caesareans and more women starting breastfeeding.`},
	{aSunderland, 0, 2, "doc", "", "impr", "10", "volunteers", jS, false, false,
		`Doula project report: around half of women supported are from ethnic minority groups, and volunteers are actively recruited from the same communities. Several former volunteers are now training as midwives.`},
	{aSunderland, 1, 2, "obs", "", "hub", "1", "birth registration;fathers", jS, false, false,
		`Registrar sits in the hub two days a week. Saw staff greet a couple after registration and walk them round the groups; the father picked up the dads' group leaflet.`},
	{aSunderland, 0, 1, "int", "hv", "work", "", "workforce capacity", jD, false, false,
		`Health visitor said unfilled posts mean the team concentrates on families at risk; universal preventative contacts, such as the antenatal visit, are often missed.`},
	{aSunderland, 1, 1, "fg", "", "info", "1 4", "digital offer", jD, false, true,
		`Parents could not find the hub timetable online. One parent said: "The website just says coming soon. I found out about baby sensory from another mum at the clinic."`},
	{aSunderland, 0, 2, "oth", "", "info", "1", "digital offer", jD, false, false,
		`Reviewed the council's family hub web pages: several sections still under construction and no Start for Life page yet. No virtual groups on offer.`},
	{aSunderland, 1, 2, "obs", "", "seam hub", "3", "infant feeding", jS, false, false,
		`Infant feeding cafe run by the specialist feeding team and peer supporters. Mothers were helped with positioning, and the group doubled as a social space for new parents.`},
	{aSunderland, 0, 1, "fg", "", "seam", "", "fathers", jS, false, true,
		`Dads' focus group. One father said: "At the scan I felt like furniture. Here they talk to me, not just to her." Fathers feel included in hub activities.`},
	{aSunderland, 2, 0, "int", "hv", "work impr", "9", "workforce capacity", jN, false, false,
		`Joint training between health visitors and hub staff on perinatal mental health has started. Health visitors welcome it but say protected time is scarce.`},
	{aSunderland, 1, 2, "doc", "", "lead", "9 10", "workforce capacity", jD, false, false,
		`Self-assessment and funding plan: the area flags the 2025 end of grant as its main risk and has not yet agreed how posts will be sustained.`},
	{aSunderland, 0, 2, "int", "ldr", "lead", "9", "co-location", jS, false, false,
		`Assistant director set out a clear 0 to 19 vision built on the former children's centres, with health partners signed up to a shared plan.`},
	{aSunderland, 1, 1, "q", "", "hub", "1", "stigma", jD, false, false,
		`Questionnaire: a fair share of respondents said they first thought the hub was only for families with a social worker.`},
	{aSunderland, 0, 1, "obs", "", "hub", "3", "home learning", jD, false, false,
		`Home learning: one weekly rhyme time for under-2s at the main hub. Staff have no resources to lend and no plan yet for home visits on early learning.`},
	{aSunderland, 1, 2, "int", "fhw", "seam work", "8", "data sharing;co-location", jN, false, false,
		`Hub worker has no access to health records; she relies on talking to the health visitor in the shared office. Works well when both are in, less so otherwise.`},
	{aSunderland, 0, 2, "fb", "", "impr", "11", "data sharing", jN, false, false,
		`Feedback session: leaders asked for a common national set of outcomes, with room for local measures, and for less time spent on the grant return.`},
	{aSunderland, 1, 1, "int", "mw", "seam", "", "antenatal offer;workforce capacity", jD, false, false,
		`Midwife said antenatal education was cut back during the pandemic and has not recovered; the hub has space but maternity cannot staff sessions there.`},
	{aSunderland, 0, 1, "doc", "", "impr", "5 6", "outreach", jD, false, false,
		`Parent carer panel has met twice. Membership is small and mostly parents already active at the hub; the area plans outreach to recruit seldom-heard parents.`},
	{aSunderland, 1, 2, "fg", "", "work", "3", "perinatal mental health", jS, false, true,
		`Parents valued the skill of the hub's health staff. One mother said: "When I was low after the birth, the nurse at the hub noticed before I did."`},
	{aSunderland, 2, 0, "int", "sw", "lead", "10", "data sharing", jD, false, false,
		`Social care team manager: leaders want prevention, but most casework is still reactive because of staff shortages.`},
	{aSunderland, 0, 2, "q", "", "info", "4", "digital offer", jD, false, false,
		`Questionnaire: only a minority of parents had used any online service from the hub; most relied on word of mouth or the health visitor.`},
	{aSunderland, 1, 2, "obs", "", "hub", "2", "SEND access", jD, false, false,
		`Main hub building has a narrow entrance and a first-floor group room with no lift. A parent using a wheelchair would not reach the baby group.`},

	// County Durham: rural and former coalfield; play vans; meetings on unborn babies; language builder.
	{aDurham, 0, 1, "obs", "", "hub info", "2", "rural access;outreach", jS, true, false,
		`Play van parked at a village green: toys, a changing area and two hub workers. Families who cannot get to a hub came for play and advice, and were signposted to the feeding group.`},
	{aDurham, 1, 1, "fg", "", "hub", "2", "rural access", jS, false, true,
		`Parents in an outlying village said the play van ended their isolation. One mother said: "There's no bus on a Sunday and hardly one on a weekday. The van coming to us changed everything."`},
	{aDurham, 2, 0, "int", "hv", "seam", "8", "data sharing", jS, true, false,
		`Health visitor described monthly multi-agency meetings on unborn babies where there may be vulnerability. Midwifery, health visiting, social care and the hub agree who will do what before the birth.`},
	{aDurham, 0, 1, "int", "fhw", "hub work", "3", "home learning", jS, true, false,
		`Early years champion explained the language builder course: settings carry out baseline checks and, where a delay is suspected, parent and child join a short course. Speech and language referrals have fallen.`},
	{aDurham, 1, 1, "doc", "", "hub", "2", "home learning", jD, false, false,
		`Plan shows home learning support for under-2s is still mostly group-based; nothing yet reaches families at home for babies under one.`},
	{aDurham, 0, 2, "oth", "", "info", "1", "digital offer;rural access", jS, false, false,
		`Tried the hub's phone line and online booking: both worked. Virtual infant feeding and baby massage sessions run weekly for families far from a hub.`},
	{aDurham, 1, 2, "q", "", "info", "1 4", "digital offer", jS, false, false,
		`Questionnaire: many parents in rural wards said they used the online sessions and the telephone advice line.`},
	{aDurham, 0, 1, "int", "mw", "work", "", "workforce capacity", jD, false, false,
		`Midwife said maternity staffing leaves little time for joint work with the hub. Antenatal classes are run by the hub team with midwives joining when they can.`},
	{aDurham, 1, 1, "fg", "", "seam", "3", "infant feeding;volunteers", jS, false, false,
		`Parents at the feeding group described quick help from peer supporters by text and in person. Several now meet outside the group.`},
	{aDurham, 2, 0, "int", "ldr", "lead", "10", "outreach", jD, false, false,
		`Strategic lead explained that only part of the county receives the trailblazer funding, so some projects cannot be extended county-wide and families are offered different things.`},
	{aDurham, 0, 2, "doc", "", "impr", "10", "data sharing", jD, false, false,
		`Performance report tracks attendance and reach but little about difference made. The area wants measures built around families' experience.`},
	{aDurham, 1, 2, "obs", "", "hub", "2", "rural access;co-location", jS, false, false,
		`Community centre in a former pit village used as an outreach base one morning a week, with health visitor weighing and a hub worker.`},
	{aDurham, 0, 1, "int", "hv", "work", "9", "workforce capacity", jD, false, false,
		`Health visitor vacancies across the locality; agency staff cover some clinics. Team says the breadth of the hub offer helps keep staff.`},
	{aDurham, 1, 2, "fg", "", "seam", "7", "data sharing", jD, false, true,
		`Parents described repeating their story between maternity and health visiting. One father said: "The midwife and the health visitor don't seem to talk. We had to explain the baby's jaundice twice."`},
	{aDurham, 0, 2, "obs", "", "seam", "", "fathers", jS, false, false,
		`Dads and tots session on a Saturday, run by a male hub worker. Fathers chatted about sleep and returning to work.`},
	{aDurham, 1, 1, "int", "vol", "work", "", "volunteers", jS, false, false,
		`Peer support volunteer gained a level 2 qualification through the hub and has applied for a paid family support post.`},
	{aDurham, 0, 1, "doc", "", "impr", "5 6", "fathers", jD, false, false,
		`Parent carer panel list: recruitment under way; the area recognises fathers and young parents are not represented yet.`},
	{aDurham, 2, 0, "int", "sw", "seam lead", "9", "co-location", jS, false, false,
		`Social worker values being based near the hub; step-down from social care to the hub team is smooth and families keep a familiar face.`},
	{aDurham, 1, 2, "fb", "", "lead impr", "11", "workforce capacity", jN, false, false,
		`Feedback session: leaders said short-term funding makes it hard to plan beyond next year; they support inspection of the local partnership rather than individual hubs.`},
	{aDurham, 0, 2, "fg", "", "hub", "1", "stigma", jD, false, true,
		`Some parents had avoided the hub at first. One mother said: "My sister said it was for people in trouble. I only came because of the weighing clinic."`},
	{aDurham, 1, 2, "obs", "", "hub", "3", "antenatal offer", jD, false, false,
		`Antenatal programme observed: one evening course, well run but oversubscribed; postnatal groups are far more numerous.`},
	{aDurham, 0, 1, "q", "", "work", "3", "key person", jS, false, false,
		`Questionnaire: nearly all respondents said staff were respectful and gave advice at the right time.`},
	{aDurham, 1, 1, "int", "ldr", "lead", "9", "co-location", jS, false, false,
		`Director of children's services described a well understood picture of local need and a partnership plan owned jointly with the NHS trust.`},
	{aDurham, 2, 0, "doc", "", "seam", "8", "data sharing", jD, false, false,
		`Information-sharing agreement reviewed: signed, but there is still no shared record; each service keeps its own system.`},
	{aDurham, 0, 2, "int", "fhw", "info", "1", "outreach", jN, false, false,
		`Outreach worker visits workplaces and food banks with leaflets. She thinks many families still do not know what the hub offers.`},

	// Kingston upon Hull: urban; young people with SEND as 'inspectors'; dad champions; factory outreach.
	{aHull, 0, 1, "int", "fhw", "hub impr", "5 6", "SEND access", jS, true, false,
		`Hub manager described inviting young people with SEND to visit hubs as 'inspectors'. Their feedback led to a quiet room, clearer signs and changing facilities for older children.`},
	{aHull, 1, 1, "fg", "", "hub", "2", "SEND access", jD, false, true,
		`Parents of babies with additional needs said hubs do not always feel made for them. One mother said: "I can't get the pushchair and the equipment through the door at our nearest one."`},
	{aHull, 0, 1, "obs", "", "seam hub", "", "fathers", jS, true, false,
		`Dad champion ran an evening session for expectant and new fathers. Fathers practised bathing a doll and talked openly about their own mental health.`},
	{aHull, 1, 2, "fg", "", "seam", "3", "fathers;perinatal mental health", jS, false, true,
		`Fathers' focus group. One father said: "The dad champion rang me after the birth to see how I was doing. Nobody had ever asked me that."`},
	{aHull, 2, 0, "int", "mw", "hub seam", "2", "antenatal offer;outreach", jS, true, false,
		`Midwife runs information sessions in the canteen of a large local factory employing many pregnant women who rarely booked early, and holds a clinic at a charity supporting women seeking asylum.`},
	{aHull, 0, 2, "doc", "", "impr", "5 6", "outreach", jS, true, false,
		`Contract with a local voluntary group commissioned to bring seldom-heard parents into the parent carer panel and to gather their views.`},
	{aHull, 1, 1, "int", "ldr", "lead", "9", "co-location", jN, false, false,
		`Leader noted families on the city boundary: one side of a road gets the trailblazer offer, the neighbouring authority's side does not. Leaders worry about fairness of access.`},
	{aHull, 0, 1, "int", "hv", "work", "", "workforce capacity", jD, false, false,
		`Health visiting is short of staff; the team says preventative contacts are squeezed and new parent groups are run by nursery nurses.`},
	{aHull, 1, 2, "obs", "", "seam", "3", "infant feeding", jS, false, false,
		`Specialist breastfeeding clinic and peer support group in the same room; a tongue-tie assessment was arranged on the spot.`},
	{aHull, 2, 0, "int", "sw", "seam", "7 8", "data sharing", jD, false, false,
		`Social worker cannot see health records; she phones the health visitor for updates. Families on universal services repeat their story.`},
	{aHull, 0, 2, "oth", "", "info", "1", "digital offer", jD, false, false,
		`Online family hub directory is incomplete and most Start for Life pages are placeholders. Leaders acknowledge the website is still being built.`},
	{aHull, 1, 2, "q", "", "info", "4", "digital offer", jD, false, false,
		`Questionnaire: parents asked for a simple way to see what is on each week; few had used online support.`},
	{aHull, 0, 1, "obs", "", "hub", "2", "SEND access", jD, false, false,
		`Older hub building: no accessible toilet on the ground floor and no clinical room, so midwives cannot hold appointments there.`},
	{aHull, 1, 1, "doc", "", "hub", "3", "home learning", jD, false, false,
		`Home learning offer for under-2s limited to a book-gifting scheme; the self-assessment rates it as not yet started.`},
	{aHull, 0, 2, "fg", "", "hub", "1", "stigma;outreach", jD, false, true,
		`Parents found the hub by chance. One mother said: "I walked past it for a year. I didn't know I could just go in."`},
	{aHull, 1, 2, "int", "vol", "work", "", "volunteers", jS, false, false,
		`Volunteer described the charity partners as the glue between services; she now leads a weekly group after completing her training at the hub.`},
	{aHull, 2, 0, "int", "ldr", "lead impr", "10", "data sharing", jD, false, false,
		`Public health lead would like shared outcome measures for the first 1,001 days; current returns do not show impact over time.`},
	{aHull, 0, 1, "doc", "", "work", "9", "workforce capacity", jS, false, false,
		`Training log: multi-agency courses on infant mental health and parent-infant relationships attended by hub, nursery and health staff.`},
	{aHull, 1, 1, "obs", "", "seam", "", "antenatal offer", jD, false, false,
		`Antenatal group attended by three couples. Staff say expectant parents rarely know the hub exists before the birth.`},
	{aHull, 0, 2, "fb", "", "impr lead", "11", "workforce capacity", jN, false, false,
		`Feedback session: leaders would welcome an ungraded area-wide inspection that raises the profile of the partnership, and want the monitoring return slimmed down.`},
	{aHull, 1, 2, "int", "fhw", "work", "", "co-location", jS, false, false,
		`Hub worker says sharing an office with the health visitors means she can pass on a worry the same day and understand what health visitors can and cannot do.`},
	{aHull, 0, 1, "q", "", "work seam", "3", "key person", jS, false, false,
		`Questionnaire: parents consistently describe staff as kind, respectful and practical.`},
	{aHull, 1, 1, "doc", "", "lead", "9", "co-location", jS, false, false,
		`Strategy document sets out a clear 0 to 19 vision, a map of need by ward and an agreed plan with health and social care partners.`},
	{aHull, 2, 0, "int", "hv", "info", "", "perinatal mental health", jN, false, false,
		`Health visitor uses text messaging to keep in touch with mothers with low mood between visits; there is no wider virtual offer yet.`},
	{aHull, 0, 2, "obs", "", "lead", "10", "workforce capacity", jD, false, false,
		`Partnership meeting: discussion dominated by families in crisis; the preventative plan was deferred for lack of staff.`},

	// Torbay: coastal towns; birth registrars and a key person after registration; parenting courses.
	{aTorbay, 0, 1, "obs", "", "hub", "1", "birth registration;fathers", jS, true, false,
		`Registrar's office inside the hub. After registering, parents are introduced to the hub and many fathers come in for the first time this way.`},
	{aTorbay, 1, 1, "int", "fhw", "hub seam", "1 4", "key person;birth registration", jS, true, false,
		`Each family registering a birth is given a key person in the hub who welcomes them, rings to say what is on and acts as a single point of contact.`},
	{aTorbay, 0, 1, "fg", "", "hub", "2", "key person", jS, false, true,
		`Parents spoke warmly of their key person. One mother said: "Having someone who knew my name made it easier to walk in the first time."`},
	{aTorbay, 1, 2, "obs", "", "hub", "3", "home learning", jS, true, false,
		`Early talkers course for parents of babies: staff model talking during everyday routines and parents practise at home between sessions.`},
	{aTorbay, 0, 2, "fg", "", "hub", "3", "home learning;fathers", jS, false, true,
		`Parents who had done the babies course described new confidence. One mother said: "My partner never read to her before. Now he does the bedtime story every night."`},
	{aTorbay, 1, 1, "doc", "", "hub", "2", "home learning", jD, false, false,
		`Self-assessment: home learning for under-2s is rated as developing; courses reach only a small number of families.`},
	{aTorbay, 2, 0, "int", "hv", "work", "", "workforce capacity", jD, false, false,
		`Health visitor recruitment is difficult in the bay; the team holds several vacancies and has suspended some drop-in clinics.`},
	{aTorbay, 0, 1, "int", "mw", "seam", "8", "antenatal offer;data sharing", jD, false, false,
		`Midwife explained antenatal referrals to the hub depend on individual midwives remembering; there is no routine route, and maternity records are separate.`},
	{aTorbay, 1, 2, "obs", "", "seam", "3", "infant feeding", jS, false, false,
		`Baby feeding group: specialist feeding adviser and two peer supporters. Mothers compared notes and arranged to meet for a walk.`},
	{aTorbay, 0, 2, "oth", "", "info", "1", "digital offer", jD, false, false,
		`Looked at the local offer website: the family hub pages are under construction and hard to find from the council home page.`},
	{aTorbay, 1, 1, "fg", "", "info", "4", "digital offer", jD, false, true,
		`Parents said they rely on social media groups run by other parents. One mother said: "I found out more from the mums' group chat than from any website."`},
	{aTorbay, 2, 0, "int", "ldr", "lead", "9", "workforce capacity", jD, false, false,
		`Leader described the mismatch between the strategy they want and what a short-term grant allows; recruiting to fixed-term posts is hard.`},
	{aTorbay, 0, 1, "doc", "", "impr", "10", "data sharing", jD, false, false,
		`Outcomes framework draft: mostly output counts; leaders want a small national set of outcomes with local additions.`},
	{aTorbay, 1, 2, "int", "vol", "work", "", "volunteers;infant feeding", jS, false, false,
		`Breastfeeding peer supporter trained through the hub now works part time as a family support worker.`},
	{aTorbay, 0, 2, "fb", "", "impr", "11", "workforce capacity", jN, false, false,
		`Feedback session: leaders support an ungraded inspection of the area's whole offer, focused on outcomes for babies and families.`},
	{aTorbay, 1, 1, "obs", "", "hub", "2", "SEND access", jD, false, false,
		`Satellite hub in an older building: steep ramp, no lift to the first floor and nowhere private for health appointments.`},
	{aTorbay, 0, 1, "int", "sw", "seam", "7", "data sharing", jN, false, false,
		`Social worker said complex cases are well coordinated through core groups, but for universal families there is no shared record and stories get repeated.`},
	{aTorbay, 1, 2, "q", "", "hub", "1", "stigma", jD, false, false,
		`Questionnaire: some parents said they did not know which services the hub offered until they attended a group.`},
	{aTorbay, 2, 0, "int", "fhw", "work", "9", "perinatal mental health", jS, false, false,
		`Hub worker completed multi-agency perinatal mental health training with health visitors and now feels able to spot and refer low mood.`},
	{aTorbay, 0, 2, "obs", "", "seam", "", "fathers", jS, false, false,
		`Dads' walking group leaves from the hub on Saturday mornings; fathers described it as a place to talk.`},
	{aTorbay, 1, 1, "doc", "", "impr", "5 6", "outreach", jD, false, false,
		`Parent carer panel: a handful of members, mostly mothers already using the hub; the area is trying informal coffee mornings instead of application forms.`},
	{aTorbay, 0, 1, "int", "ldr", "lead", "9", "co-location", jS, false, false,
		`Head of early help has a clear picture of need across the bay's towns and a partnership plan agreed with the NHS trust.`},
	{aTorbay, 1, 2, "q", "", "work", "3", "key person", jS, false, false,
		`Questionnaire: parents praise staff for being non-judgemental and for giving advice that helped at home.`},
	{aTorbay, 2, 0, "doc", "", "lead impr", "10", "workforce capacity", jD, false, false,
		`Grant monitoring return reviewed: long and time-consuming; it asks little about families' experience or long-term impact.`},
	{aTorbay, 0, 2, "int", "hv", "info", "1", "antenatal offer", jN, false, false,
		`Health visitor uses the antenatal contact to tell parents about the hub, but many do not receive that contact because of vacancies.`},

	// Isle of Wight: island and rural; family worker and a mother with postnatal depression; step-down
	// support. One note only on continually improving the offer, so that the matrix shows a thin cell.
	{aWight, 0, 1, "int", "fhw", "work seam", "3", "perinatal mental health;key person", jS, true, false,
		`Family worker described a mother with postnatal depression who had refused help. Through regular short visits she built trust, then brought in the health visitor, nursery and school to support the children.`},
	{aWight, 1, 1, "fg", "", "work", "3", "perinatal mental health", jS, false, true,
		`Parents described patient, consistent staff. One mother said: "She kept coming back even when I didn't answer the door. That's why I'm here today."`},
	{aWight, 2, 0, "int", "sw", "seam", "8", "data sharing", jS, true, false,
		`Social worker explained step-down: when social care closes a case the hub keeps working with the family for up to six weeks, with a plan reviewed at set points. Re-referrals have fallen.`},
	{aWight, 0, 2, "fg", "", "seam", "3", "perinatal mental health", jS, false, true,
		`Parents who had been stepped down from social care valued not being dropped. One father said: "We weren't on our own the day the social worker finished."`},
	{aWight, 1, 2, "oth", "", "info", "1 2", "digital offer;rural access", jS, false, false,
		`Online and phone offer checked: video infant feeding support, a text advice service and virtual antenatal sessions for families away from the main towns.`},
	{aWight, 0, 1, "q", "", "info", "4", "digital offer", jS, false, false,
		`Questionnaire: parents in rural parts of the island say the virtual groups and phone line help when the ferry, bus or weather stops them travelling.`},
	{aWight, 1, 1, "obs", "", "hub", "2", "rural access;outreach", jS, false, false,
		`Baby group in a rural church hall run by hub staff, one of several community venues used across the island.`},
	{aWight, 0, 2, "int", "mw", "work", "", "workforce capacity;antenatal offer", jD, false, false,
		`Midwife said maternity capacity is stretched; she cannot attend hub antenatal sessions as often as planned.`},
	{aWight, 2, 0, "int", "hv", "work", "9", "workforce capacity", jD, false, false,
		`Health visiting recruitment on the island is hard; several posts have stayed vacant for months and universal checks are sometimes late.`},
	{aWight, 1, 2, "obs", "", "seam hub", "3", "infant feeding;volunteers", jS, false, false,
		`Infant feeding drop-in with peer supporters; mothers with latch problems were seen straight away and followed up by phone.`},
	{aWight, 0, 1, "fg", "", "hub", "1", "stigma", jD, false, true,
		`Parents had heard the hub described as a place for families in trouble. One mother said: "I nearly didn't come. I'm glad I did, it's nothing like that."`},
	{aWight, 1, 1, "doc", "", "hub", "2", "home learning", jD, false, false,
		`Self-assessment: home learning for under-2s is the least developed strand; no course is running for parents of babies.`},
	{aWight, 0, 2, "obs", "", "hub", "2", "SEND access", jD, false, false,
		`Main hub building: the clinic room has no sink and the upstairs rooms are not accessible, so some health services cannot be offered there.`},
	{aWight, 2, 0, "int", "ldr", "lead", "9", "co-location", jS, false, false,
		`Leader described a thorough knowledge of the island's needs and a plan agreed with the NHS trust, built on the former children's centres.`},
	{aWight, 1, 2, "fb", "", "lead", "11", "workforce capacity", jN, false, false,
		`Feedback session: leaders said the grant ending in 2025 makes it hard to promise families services will continue; they favour area-wide ungraded inspection.`},
	{aWight, 0, 1, "int", "vol", "work", "", "volunteers", jS, false, false,
		`Volunteer home-start style befriender supports isolated mothers before and after birth; she was once supported by the same scheme.`},
	{aWight, 1, 1, "obs", "", "seam", "", "fathers", jS, false, false,
		`Fathers' session observed; staff address dads directly and the group covers mental health as well as practical care.`},
	{aWight, 0, 2, "int", "hv", "seam", "7", "data sharing", jD, false, false,
		`Health visitor said there is no shared record with maternity; she relies on phone calls and families repeat information.`},
	{aWight, 1, 2, "fg", "", "info", "1", "antenatal offer", jD, false, true,
		`Expectant parents knew little about what the hub offered before the birth. One parent said: "We only found the antenatal group after the baby came."`},
	{aWight, 0, 1, "doc", "", "lead", "10", "data sharing", jD, false, false,
		`Partnership plan: shared outcomes are not yet agreed between the council and health partners.`},
	{aWight, 1, 2, "doc", "", "impr", "5 6", "outreach", jD, false, false,
		`Parent carer panel is being set up; recruitment so far relies on forms handed out in groups, and the area knows this misses seldom-heard families.`},
	{aWight, 2, 0, "obs", "", "hub", "1", "co-location", jS, false, false,
		`Health visitor clinic and hub worker sessions running side by side in the hub; staff introduced parents to each other's services.`},
	{aWight, 0, 2, "q", "", "work", "3", "key person", jS, false, false,
		`Questionnaire: parents say staff treated them with respect and gave advice that made a difference at home.`},
	{aWight, 1, 1, "int", "ldr", "lead", "10", "workforce capacity", jD, false, false,
		`Service lead said staff shortages and funding push the team towards crisis work when they want to prevent problems.`},
	{aWight, 0, 1, "obs", "", "info", "2", "digital offer", jS, false, false,
		`Watched a virtual baby massage session with families joining from across the island; the facilitator checked in with each parent.`},
}
