package report

import (
	"strings"
	"testing"
	"time"

	"thematic/internal/finding"
)

func demoData() Data {
	aug := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	return Data{
		Title:       "Start for Life services: thematic review",
		KeyQuestion: "To what extent do families have a positive experience of Start for Life services?",
		Texts: map[string]string{
			TextBackground:   "The programme is jointly led.^[Department for Education]",
			TextSummary:      "Families have a positive experience.",
			TextIntroduction: "All families need support.",
			TextMethodology:  "Our review focused on the experiences of families.",
			"area:aa1":       "Linking prose.",
		},
		Groups: []Group{
			{ID: "g1", Title: "Ensuring families have access", Areas: []ActionArea{
				{ID: "aa1", Title: "Seamless support", Quote: "‘…a coherent joined up offer.’", Citation: "The best start for life, March 2021"},
				{ID: "aa2", Title: "A welcoming hub", Quote: "‘…a place for families.’", Citation: "The best start for life, March 2021"},
			}},
			{ID: "g2", Title: "Working together", Areas: []ActionArea{{ID: "aa3", Title: "Leadership for change"}}},
		},
		Findings: []finding.Finding{
			{ID: "f1", ActionAreaID: "aa1", Body: "Efforts were hindered by separate data systems.", Style: finding.StyleWord, ScaleWord: "all", Areas: 6, ConfirmedAreas: 6, Visited: 6},
			{ID: "f2", ActionAreaID: "aa2", Body: "Hubs were welcoming.", Style: finding.StyleCount, Areas: 4, ConfirmedAreas: 4, Visited: 6},
			{ID: "f3", ActionAreaID: "aa3", Body: "Funding is short-term.", Style: finding.StyleWord, Visited: 6},
		},
		Examples: []Example{{ID: "e1", ActionAreaID: "aa2", Text: "In one area, a GP had set up a drop-in clinic.", AreaName: "Torbay", NoteID: "n9"}},
		Recommendations: []Recommendation{
			{ID: "r1", Text: "Central government review reporting requirements.", Addressee: "Central government"},
			{ID: "r2", Text: "A common set of national outcomes be established.", Addressee: "Central and local government"},
		},
		Facts: Facts{
			Areas: []string{"Northumberland", "Sunderland"}, Months: []time.Time{aug}, VisitDays: []int{2, 2},
			Team:    []TeamRole{{"Ofsted", "Early Years Inspector", 2, 2}, {"CQC", "Children's Services Inspector", 1, 1}},
			Sources: []SourceCount{{"Focus group with parents", 1200}, {"Observation", 30}}, Notes: 1230,
			SelfAssessed: 2, Questionnaires: 2, Respondents: 340,
		},
		Linked: map[string][]finding.LinkedNote{"f1": {{NoteID: "n1", Stance: finding.Supports, Tagged: true, AreaName: "Torbay"}}},
	}
}

func TestBuildFollowsTheFrameworkAndNumbersFootnotes(t *testing.T) {
	doc, problems := Build(demoData())
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	var headings []string
	for _, b := range doc.Blocks {
		if b.Kind == Heading {
			headings = append(headings, b.Text.Plain())
		}
	}
	want := "Background|Executive summary|Introduction|Methodology|Ensuring families have access|Seamless support|A welcoming hub|Working together|Leadership for change|Recommendations"
	if got := strings.Join(headings, "|"); got != want {
		t.Fatalf("headings\n got %s\nwant %s", got, want)
	}
	// Footnotes: the background's first, then the two policy quotes'.
	if len(doc.Footnotes) != 3 || doc.Footnotes[0].Text.Plain() != "Department for Education" || doc.Footnotes[2].N != 3 {
		t.Fatalf("footnotes %+v", doc.Footnotes)
	}
	text := func(kind string) []string {
		var out []string
		for _, b := range doc.Blocks {
			if b.Origin.Kind == kind {
				if len(b.Text) > 0 {
					out = append(out, b.Text.Plain())
				}
				for _, it := range b.Items {
					out = append(out, it.Plain())
				}
			}
		}
		return out
	}
	f := text("finding")
	if len(f) != 3 || f[0] != "In all areas we visited, efforts were hindered by separate data systems." || f[1] != "In 4 of the 6 areas we visited, hubs were welcoming." {
		t.Fatalf("findings %q", f)
	}
	for _, b := range doc.Blocks {
		if b.Origin.ID == "f3" && b.Flag != "No supporting evidence" {
			t.Errorf("unsupported finding not flagged: %q", b.Flag)
		}
	}
	if e := text("example"); len(e) != 1 || strings.Contains(e[0], "Torbay") {
		t.Errorf("example %q", e)
	}
	r := text("recommendation")
	if len(r) != 2 || r[0] != "Central government review reporting requirements." || r[1] != "A common set of national outcomes be established. (Central and local government)" {
		t.Errorf("recommendations %q", r)
	}
	m := strings.Join(text("facts"), "\n")
	for _, w := range []string{"The review visited 2 local areas:", "Northumberland", "In August 2023, inspectors visited each of these local areas over a period of 2 days.",
		"Each visit was carried out by 2 Early Years Inspectors from Ofsted and 1 Children's Services Inspector from CQC.",
		"The Ofsted inspectors were on site for 2 days and the CQC inspector for 1 day.", "Inspectors recorded 1,230 pieces of evidence:",
		"Inspectors reviewed 2 self-assessments", "in 2 local areas gathered 340 responses", "Based on our visits to these 2 local areas"} {
		if !strings.Contains(m, w) {
			t.Errorf("methodology lacks %q:\n%s", w, m)
		}
	}
	if len(doc.Trail) != 4 || doc.Trail[0].Areas[0] != "Torbay" || doc.Trail[3].Kind != "example" {
		t.Errorf("trail %+v", doc.Trail)
	}
}

func TestFactsChangeTheMethodology(t *testing.T) {
	d := demoData()
	d.Facts.Months = append(d.Facts.Months, time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC))
	d.Facts.VisitDays = []int{1, 3}
	d.Facts.Areas = append(d.Facts.Areas, "Torbay")
	doc, _ := Build(d)
	var all []string
	for _, b := range doc.Blocks {
		if b.Origin.Kind == "facts" {
			all = append(all, b.Text.Plain())
		}
	}
	s := strings.Join(all, "\n")
	for _, w := range []string{"The review visited 3 local areas:", "In August and September 2023", "over a period of 1 to 3 days", "these 3 local areas"} {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q:\n%s", w, s)
		}
	}
}

// TestBuildKeepsAFindingsOwnQuantifier: a finding typed as "In most areas, …" is printed as
// typed, with no second quantifier, and flagged for the lead with the words left out; the trail
// says the same.
func TestBuildKeepsAFindingsOwnQuantifier(t *testing.T) {
	d := demoData()
	d.Findings[0].Body = "In most areas, adult services were stretched."
	d.Findings[0].Quantifiers = finding.Scale(finding.DefaultBands).Quantifiers()
	doc, _ := Build(d)
	for _, b := range doc.Blocks {
		if b.Origin.ID != "f1" {
			continue
		}
		if got := b.Text.Plain(); got != "In most areas, adult services were stretched." {
			t.Errorf("printed %q", got)
		}
		if b.Flag != "Already says how widespread it is: the report does not add ‘in all areas we visited’" {
			t.Errorf("flag %q", b.Flag)
		}
	}
	if doc.Trail[0].Text != "In most areas, adult services were stretched." {
		t.Errorf("trail %q", doc.Trail[0].Text)
	}
}
