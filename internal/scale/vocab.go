package scale

import (
	"strings"

	"thematic/internal/bulk"
)

// The note texts are put together from parts, so that full-text search meets a realistic
// vocabulary: the parts bulk.go exports (each word of them in hundreds or thousands of notes), a
// sentence in one note of 7 from a list of 30 (each in about 1 note of 200), one in 101 notes
// from a list of 50 rarer sentences (each in about 1 note of 5,000), and one in 4,001 notes a word
// found almost nowhere else (a few notes each).
var (
	often = []string{"Health visitors carried caseloads above the recommended level.",
		"Families valued seeing the same practitioner each time.", "The hub was hard to reach by public transport.",
		"Partners did not share a single record of contacts.", "Leaflets were only available in English.",
		"Families were not told about the service until after the birth.", "Peer supporters had been trained recently.",
		"The waiting room was busy and noisy.", "Referrals were acknowledged within a week.",
		"Evening sessions were fully booked.", "Managers used a dashboard to track uptake.",
		"Staff turnover had disrupted the groups.", "Grandparents attended with many families.",
		"The online booking system was difficult to use.", "Outreach workers knew the families well.",
		"Breastfeeding rates at eight weeks had risen.", "Midwives handed over to health visitors in person.",
		"Some families felt judged when asking for help.", "The service had no budget beyond next March.",
		"Practitioners asked about mental health at every contact.", "Volunteers reflected the local community.",
		"Parents could self-refer by text message.", "Feedback forms were rarely returned.",
		"Dads said sessions were aimed at mums.", "The nursery shared the building with the hub.",
		"Safeguarding supervision was regular and recorded.", "Interpreters were booked in advance.",
		"The library ran rhyme time twice a week.", "A food bank operated from the same site.",
		"Young parents preferred messaging to phone calls."}
	rare = []string{"The allotment project grew vegetables with toddlers.", "A podcast for new fathers had been launched.",
		"Sign language classes for babies were oversubscribed.", "The mobile bus visited traveller sites monthly.",
		"A sensory room had been funded by the parish council.", "Swimming lessons for infants were subsidised.",
		"The chaplaincy supported bereaved parents.", "A lending library of slings was popular.",
		"Forest school sessions ran through the winter.", "The midwifery unit offered hypnobirthing.",
		"A choir for postnatal depression met weekly.", "Refugee families received welcome packs in Dari.",
		"The pharmacy offered vitamin D drops free of charge.", "Cooking classes used the community kitchen.",
		"A buddy scheme paired teenage mothers with mentors.", "The football club hosted a dads' breakfast.",
		"Nappy banks were run by volunteers.", "A WhatsApp group connected twins' parents.",
		"The ferry timetable limited attendance from the island.", "Home visits used an interpreter on video call.",
		"Kinship carers had their own support group.", "The museum held sessions for babies.",
		"Speech therapists trained nursery keyworkers.", "A Polish-speaking health visitor had been recruited.",
		"Oral health packs included toothbrushes.", "The mosque hosted antenatal classes.",
		"A tenancy officer attended the hub fortnightly.", "The prison visits centre offered baby weighing.",
		"Dental outreach visited the children's centre.", "The farm park gave free entry to families on benefits.",
		"A perinatal peer worker had lived experience.", "Gypsy and traveller families were visited by a named nurse.",
		"The leisure centre provided a crèche.", "A baby massage course was run by a volunteer.",
		"The housing association funded a family worker.", "A breastfeeding café opened on Saturdays.",
		"Care leavers who became parents had a named worker.", "The Sure Start building had been refurbished.",
		"Deaf parents used a British Sign Language service.", "Military families were supported at the garrison.",
		"Text reminders reduced missed appointments.", "A garden was built by the probation service.",
		"The stillbirth charity trained staff.", "A cycle scheme lent trailers for toddlers.",
		"Bilingual storytime ran in Urdu and English.", "The carnival committee raised funds for the hub.",
		"A nurse-led clinic checked tongue-tie.", "Fishermen's families were reached through the harbour office.",
		"A play van toured estates in the holidays.", "Street champions promoted the hub door to door."}
	unusual = []string{"kaleidoscope", "marram", "quoits", "sourdough", "tambourine", "zither", "bracken", "origami",
		"lighthouse", "hedgehog", "samphire", "wicker", "puffin", "tapestry", "juniper", "carousel", "moorland",
		"lantern", "heron", "ukulele"}
)

// Body is the text of note n.
func Body(n int) string {
	var b strings.Builder
	b.Grow(200)
	b.WriteString(bulk.Subjects[n%len(bulk.Subjects)])
	b.WriteByte(' ')
	b.WriteString(bulk.Verbs[(n/20)%len(bulk.Verbs)])
	b.WriteByte(' ')
	b.WriteString(bulk.Objects[(n/300)%len(bulk.Objects)])
	b.WriteString(". ")
	b.WriteString(bulk.Endings[(n/11)%len(bulk.Endings)])
	if n%7 == 0 {
		b.WriteByte(' ')
		b.WriteString(often[(n/7)%len(often)])
	}
	if n%101 == 0 {
		b.WriteByte(' ')
		b.WriteString(rare[(n/101)%len(rare)])
	}
	if n%4001 == 0 {
		b.WriteString(" Families mentioned the ")
		b.WriteString(unusual[(n/4001)%len(unusual)])
		b.WriteString(" session.")
	}
	return b.String()
}
