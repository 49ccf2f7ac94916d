package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"thematic/internal/finding"
)

// seedTeam is a seed visit's team: two early years inspectors on site both days and a CQC
// inspector one day.
func seedTeam() []Member {
	return []Member{{"Ofsted", "Early Years Inspector", 2}, {"Ofsted", "Early Years Inspector", 2},
		{"CQC", "Children's Services Inspector", 1}}
}

func demoData() Data {
	aug8, aug15 := time.Date(2023, 8, 8, 0, 0, 0, 0, time.UTC), time.Date(2023, 8, 15, 0, 0, 0, 0, time.UTC)
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
			Areas:   []string{"Northumberland", "Sunderland"},
			Visits:  []Visit{{"Northumberland", &aug8, 2, seedTeam()}, {"Sunderland", &aug15, 2, seedTeam()}},
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
		"Each visit was carried out by 2 early years inspectors from Ofsted and a children's services inspector from CQC.",
		"The Ofsted inspectors were on site for both days and the CQC inspector for 1 day.", "Inspectors recorded 1,230 pieces of evidence:",
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
	sep := time.Date(2023, 9, 4, 0, 0, 0, 0, time.UTC)
	d.Facts.Visits[0].Days = 1
	d.Facts.Visits = append(d.Facts.Visits, Visit{"Torbay", &sep, 3, seedTeam()})
	d.Facts.Areas = append(d.Facts.Areas, "Torbay")
	doc, _ := Build(d)
	var all []string
	for _, b := range doc.Blocks {
		if b.Origin.Kind == "facts" {
			all = append(all, b.Text.Plain())
		}
	}
	s := strings.Join(all, "\n")
	for _, w := range []string{"The review visited 3 local areas:", "In August and September 2023", "over a period of between 1 and 3 days", "these 3 local areas"} {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q:\n%s", w, s)
		}
	}
}

// citedDoc is a small report whose framework has an action area with a citation and no quote
// (Area B) between two with quotes, and authored text with footnotes before and after it. Its
// footnotes, in reading order: the background's, Area A's quote, Area B's heading, Area B's
// prose, Area C's quote.
func citedDoc(t testing.TB) *Doc {
	t.Helper()
	doc, problems := Build(Data{
		Title: "Cited report",
		Texts: map[string]string{TextBackground: "Background.^[Background source]", "area:b": "Prose of B.^[Prose source]"},
		Groups: []Group{{ID: "g", Title: "The group", Areas: []ActionArea{
			{ID: "a", Title: "Area A", Quote: "‘Quote A.’", Citation: "Source A"},
			{ID: "b", Title: "Area B", Citation: " Source B, 2021 "},
			{ID: "c", Title: "Area C", Quote: "‘Quote C.’", Citation: "Source C"},
			{ID: "d", Title: "Area D", Citation: "  "},
		}}},
	})
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	return &doc
}

// citedNotes is the footnotes of citedDoc in order.
var citedNotes = []string{"Background source", "Source A", "Source B, 2021", "Prose source", "Source C"}

func TestBuildCitationWithoutQuoteFootnotesTheHeading(t *testing.T) {
	doc := citedDoc(t)
	var notes []string
	for _, f := range doc.Footnotes {
		notes = append(notes, f.Text.Plain())
	}
	if strings.Join(notes, "|") != strings.Join(citedNotes, "|") {
		t.Fatalf("footnotes %q, want %q", notes, citedNotes)
	}
	for _, b := range doc.Blocks {
		if b.Origin.Section == "area:b" && b.Kind == Quote {
			t.Errorf("a quote block for an area with no quote: %+v", b)
		}
		if b.Kind != Heading {
			continue
		}
		refs := 0
		for _, s := range b.Text {
			if s.Note != "" {
				refs++
				if b.ID != "area-b" || s.Ref != 3 || s.Note != "Source B, 2021" {
					t.Errorf("heading %q has footnote %d %q", b.Text.Plain(), s.Ref, s.Note)
				}
			}
		}
		if b.ID == "area-b" && (refs != 1 || b.Text.Plain() != "Area B") {
			t.Errorf("Area B's heading: %+v", b.Text)
		}
	}
	// The contents list names the heading without its footnote, which is counted once.
	var contents []string
	for _, c := range doc.Contents {
		for _, s := range c.Text {
			if s.Note != "" || s.Ref != 0 {
				t.Errorf("contents entry %q carries a footnote", c.Text.Plain())
			}
		}
		contents = append(contents, c.Text.Plain())
	}
	if got := strings.Join(contents, "|"); got != "Background|Executive summary|Introduction|Methodology|The group|Area A|Area B|Area C|Area D|Recommendations" {
		t.Errorf("contents %s", got)
	}
	doc.Finish() // finishing again numbers the same way
	if len(doc.Footnotes) != len(citedNotes) || doc.Footnotes[2].Text.Plain() != "Source B, 2021" {
		t.Errorf("footnotes after a second Finish: %+v", doc.Footnotes)
	}
}

func TestRecommendationsLeadReadsForAnyNumberOfAreas(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1: "Based on our visit to this local area, we recommend that:",
		2:   "Based on our visits to these 2 local areas, we recommend that:",
		153: "Based on our visits to these 153 local areas, we recommend that:"} {
		var areas []string
		for i := range n {
			areas = append(areas, fmt.Sprint("Area ", i))
		}
		doc, _ := Build(Data{Title: "T", Facts: Facts{Areas: areas}})
		found := false
		for _, b := range doc.Blocks {
			found = found || b.Text.Plain() == want
		}
		if !found {
			t.Errorf("%d areas: no %q", n, want)
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
