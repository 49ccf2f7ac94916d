package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"thematic/internal/finding"
	"thematic/internal/text"
)

// Authored sections, by key in Data.Texts. Each framework group and action area may also have
// linking prose under "group:<id>" and "area:<id>".
const (
	TextBackground      = "background"
	TextSummary         = "summary"
	TextIntroduction    = "introduction"
	TextMethodology     = "methodology"
	TextRecommendations = "recommendations"
)

// Data is everything a report is built from.
type Data struct {
	ReviewID        string
	Title           string
	Published       *time.Time
	KeyQuestion     string
	Texts           map[string]string
	Groups          []Group
	Findings        []finding.Finding // in report order
	Examples        []Example         // in report order
	Recommendations []Recommendation  // in order
	Facts           Facts
	Linked          map[string][]finding.LinkedNote // notes behind each finding, for the trail (LoadTrail)
}

// Group is a framework group with its action areas.
type Group struct {
	ID, Title string
	Areas     []ActionArea
}

// ActionArea is one section of the report.
type ActionArea struct {
	ID, Title, Quote, Citation string
}

// Example is a good-practice example as the report prints it (never naming its area).
type Example struct {
	ID, ActionAreaID string
	Text             string // as printed
	AreaName         string // for the trail and the publication check only
	NoteID           string
	Warning          string // e.g. the text names an area
}

// Recommendation is one numbered recommendation.
type Recommendation struct {
	ID, Text, Addressee string
	FindingIDs          []string
}

// Missing lists authored sections with nothing written yet, for the lead.
func (d Data) Missing() []string {
	var out []string
	for _, k := range []struct{ key, name string }{{TextBackground, "Background"}, {TextSummary, "Executive summary"},
		{TextIntroduction, "Introduction"}, {TextMethodology, "Methodology"}} {
		if strings.TrimSpace(d.Texts[k.key]) == "" {
			out = append(out, k.name)
		}
	}
	return out
}

// Build assembles the report from data. Problems in authored text are returned with the section
// they are in; the text is kept as written.
func Build(d Data) (Doc, map[string][]Problem) {
	doc := Doc{Title: d.Title, Kind: "Research and analysis", AppliesTo: "England"}
	if d.Published != nil {
		doc.Published = d.Published.Format("2 January 2006")
	}
	problems := map[string][]Problem{}
	heading := func(level int, id, title, section string) {
		doc.Blocks = append(doc.Blocks, Block{Kind: Heading, Level: level, ID: id, Text: Text{{Text: title}},
			Origin: Origin{Section: section, Kind: "heading"}})
	}
	authored := func(key string) {
		src := strings.TrimSpace(d.Texts[key])
		if src == "" {
			return
		}
		blocks, ps := Parse(src, Origin{Section: key, Kind: "authored"})
		if len(ps) > 0 {
			problems[key] = ps
		}
		doc.Blocks = append(doc.Blocks, blocks...)
	}
	for _, s := range []struct{ key, title string }{{TextBackground, "Background"}, {TextSummary, "Executive summary"},
		{TextIntroduction, "Introduction"}} {
		heading(2, s.key, s.title, s.key)
		authored(s.key)
	}
	heading(2, TextMethodology, "Methodology", TextMethodology)
	authored(TextMethodology)
	doc.Blocks = append(doc.Blocks, methodology(d)...)

	findings := map[string][]finding.Finding{}
	for _, f := range d.Findings {
		findings[f.ActionAreaID] = append(findings[f.ActionAreaID], f)
	}
	examples := map[string][]Example{}
	for _, e := range d.Examples {
		examples[e.ActionAreaID] = append(examples[e.ActionAreaID], e)
	}
	for _, g := range d.Groups {
		heading(2, "group-"+g.ID, g.Title, "group:"+g.ID)
		authored("group:" + g.ID)
		for _, aa := range g.Areas {
			section := "area:" + aa.ID
			heading(3, "area-"+aa.ID, aa.Title, section)
			q, c := strings.TrimSpace(aa.Quote), strings.TrimSpace(aa.Citation)
			switch {
			case q != "":
				t := Text{{Text: q}}
				if c != "" {
					t = append(t, Span{Note: c})
				}
				doc.Blocks = append(doc.Blocks, Block{Kind: Quote, Text: t, Origin: Origin{Section: section, Kind: "quote"}})
			case c != "":
				// A citation with no quote cites the whole section: a footnote on its heading,
				// rather than being lost.
				h := &doc.Blocks[len(doc.Blocks)-1]
				h.Text = append(h.Text, Span{Note: c})
			}
			authored(section)
			for _, f := range findings[aa.ID] {
				b := Block{Kind: Paragraph, Text: Text{{Text: f.Text()}},
					Origin: Origin{Section: section, Kind: "finding", ID: f.ID, Notes: f.NoteIDs}}
				b.Flag = findingFlag(f)
				doc.Blocks = append(doc.Blocks, b)
			}
			for _, e := range examples[aa.ID] {
				notes := []string{}
				if e.NoteID != "" {
					notes = append(notes, e.NoteID)
				}
				doc.Blocks = append(doc.Blocks, Block{Kind: Paragraph, Text: Text{{Text: e.Text}}, Flag: e.Warning,
					Origin: Origin{Section: section, Kind: "example", ID: e.ID, Notes: notes}})
			}
		}
	}
	heading(2, TextRecommendations, "Recommendations", TextRecommendations)
	if strings.TrimSpace(d.Texts[TextRecommendations]) != "" {
		authored(TextRecommendations)
	} else if len(d.Facts.Areas) > 0 {
		doc.Blocks = append(doc.Blocks, Block{Kind: Paragraph, Origin: Origin{Section: TextRecommendations, Kind: "facts"},
			Text: Text{{Text: recommendationsLead(len(d.Facts.Areas))}}})
	}
	if len(d.Recommendations) > 0 {
		list := Block{Kind: Numbered, Origin: Origin{Section: TextRecommendations, Kind: "recommendation"}}
		for _, r := range d.Recommendations {
			list.Items = append(list.Items, Text{{Text: recommendationText(r)}})
		}
		doc.Blocks = append(doc.Blocks, list)
	}
	if d.Linked != nil {
		doc.Trail = trail(d)
	}
	doc.Finish()
	return doc, problems
}

// recommendationText is the recommendation as printed: its text, with its addressee after it
// unless the text already begins with it ("Central government review…").
func recommendationText(r Recommendation) string {
	t := strings.TrimSpace(r.Text)
	a := strings.TrimSpace(r.Addressee)
	if a == "" || strings.HasPrefix(strings.ToLower(t), strings.ToLower(a)) {
		return t
	}
	return t + " (" + a + ")"
}

func findingFlag(f finding.Finding) string {
	switch {
	case f.Unsupported():
		return "No supporting evidence"
	case f.Stale():
		return fmt.Sprintf("Evidence changed: was %d areas, now %d", f.ConfirmedAreas, f.Areas)
	case f.OwnQuantifier():
		return "Already says how widespread it is: the report does not add ‘" + f.Opening() + "’"
	case f.Style == finding.StyleWord && f.Word() == "":
		return "No word on the scale for this share"
	}
	return ""
}

// methodology is the computed part of the methodology.
func methodology(d Data) []Block {
	f := d.Facts
	o := Origin{Section: TextMethodology, Kind: "facts"}
	var out []Block
	if s := f.AreasSentence(); s != "" {
		out = append(out, Block{Kind: Paragraph, Origin: o, Text: Text{{Text: s}}})
		list := Block{Kind: Bullets, Origin: o}
		for _, a := range f.Areas {
			list.Items = append(list.Items, Text{{Text: a}})
		}
		out = append(out, list)
	}
	var visit []string
	if s := f.VisitSentence(); s != "" {
		visit = append(visit, s)
	}
	visit = append(visit, f.TeamSentences()...)
	if s := f.DaysSentence(); s != "" {
		visit = append(visit, s)
	}
	if len(visit) > 0 {
		out = append(out, Block{Kind: Paragraph, Origin: o, Text: Text{{Text: strings.Join(visit, " ")}}})
	}
	if q := strings.TrimSpace(d.KeyQuestion); q != "" {
		out = append(out, Block{Kind: Paragraph, Origin: o, Text: Text{{Text: "The review focused on answering one key question:"}}},
			Block{Kind: Quote, Origin: o, Text: Text{{Text: q}}})
	}
	if f.Notes > 0 {
		out = append(out, Block{Kind: Paragraph, Origin: o,
			Text: Text{{Text: fmt.Sprintf("Inspectors recorded %s pieces of evidence:", text.Thousands(int64(f.Notes)))}}})
		t := Block{Kind: Table, Origin: o, Rows: [][]Text{{{{Text: "Source of evidence"}}, {{Text: "Pieces of evidence"}}}}}
		for _, s := range f.Sources {
			t.Rows = append(t.Rows, []Text{{{Text: s.Source}}, {{Text: text.Thousands(int64(s.Notes))}}})
		}
		out = append(out, t)
	}
	var also []string
	if f.SelfAssessed > 0 {
		also = append(also, fmt.Sprintf("Inspectors reviewed %s %s from local authorities.", num(f.SelfAssessed),
			map[bool]string{true: "self-assessment", false: "self-assessments"}[f.SelfAssessed == 1]))
	}
	if f.Questionnaires > 0 {
		also = append(also, fmt.Sprintf("Questionnaires sent to families in %s local %s gathered %s responses.", num(f.Questionnaires),
			map[bool]string{true: "area", false: "areas"}[f.Questionnaires == 1], text.Thousands(f.Respondents)))
	}
	if len(also) > 0 {
		out = append(out, Block{Kind: Paragraph, Origin: o, Text: Text{{Text: strings.Join(also, " ")}}})
	}
	if f.DoubleCoding != "" {
		out = append(out, Block{Kind: Paragraph, Origin: o, Text: Text{{Text: f.DoubleCoding}}})
	}
	return out
}

// trail lists each finding and example with the notes and areas behind it.
func trail(d Data) []Trail {
	titles := map[string]string{}
	for _, g := range d.Groups {
		for _, aa := range g.Areas {
			titles[aa.ID] = aa.Title
		}
	}
	var out []Trail
	for _, f := range d.Findings {
		t := Trail{Kind: "finding", ID: f.ID, Section: titles[f.ActionAreaID], Text: f.Text()}
		areas := map[string]bool{}
		for _, n := range d.Linked[f.ID] {
			stance := "supports"
			if n.Stance == finding.Contradicts {
				stance = "cuts against"
			} else if !n.Counts() {
				stance = "not counted"
			}
			if n.Counts() {
				areas[n.AreaName] = true
			}
			t.Notes = append(t.Notes, TrailNote{ID: n.NoteID, Area: n.AreaName, Date: n.NoteDate.Format("2 January 2006"),
				Excerpt: text.Excerpt(n.Body, 160), Stance: stance})
		}
		for a := range areas {
			t.Areas = append(t.Areas, a)
		}
		sort.Strings(t.Areas)
		out = append(out, t)
	}
	for _, e := range d.Examples {
		t := Trail{Kind: "example", ID: e.ID, Section: titles[e.ActionAreaID], Text: e.Text, Areas: []string{e.AreaName}}
		if e.NoteID != "" {
			t.Notes = []TrailNote{{ID: e.NoteID, Area: e.AreaName, Stance: "source"}}
		}
		out = append(out, t)
	}
	return out
}

// recommendationsLead opens the list of recommendations when the lead writes no words of their own.
func recommendationsLead(areas int) string {
	if areas == 1 {
		return "Based on our visit to this local area, we recommend that:"
	}
	return "Based on our visits to these " + num(areas) + " local areas, we recommend that:"
}
