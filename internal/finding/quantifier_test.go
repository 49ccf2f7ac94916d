package finding

import (
	"strings"
	"testing"
)

func TestDefaultScaleWords(t *testing.T) {
	s := Scale(DefaultBands)
	cases := []struct {
		count, visited int
		want           string
		ok             bool
	}{
		{6, 6, "all", true},
		{0, 6, "", false},
		{1, 6, "one", true},
		{1, 1, "all", true},
		{1, 2, "one", true},
		{2, 6, "some", true},
		{3, 6, "the majority of", true},
		{4, 6, "the majority of", true},
		{5, 6, "most", true},
		{9, 10, "almost all", true},
		{89, 100, "most", true},
		{90, 100, "almost all", true},
		{75, 100, "most", true},
		{74, 100, "the majority of", true},
		{50, 100, "the majority of", true},
		{49, 100, "some", true},
		{2, 153, "some", true},
		{152, 153, "almost all", true},
		{153, 153, "all", true},
		{7, 6, "", false},
	}
	for _, c := range cases {
		got, ok := s.Word(c.count, c.visited)
		if got != c.want || ok != c.ok {
			t.Errorf("Word(%d, %d) = %q, %v; want %q, %v", c.count, c.visited, got, ok, c.want, c.ok)
		}
	}
}

func TestScaleGapGivesNoWord(t *testing.T) {
	s := Scale{{Label: "all", Special: SpecialAll}, {Label: "one", Special: SpecialOne}, {Label: "most", MinPercent: 75, MinAreas: 1}}
	if w, ok := s.Word(2, 6); ok {
		t.Errorf("2 of 6 with no band below 75%% gave %q", w)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("problems %v", p)
	}
	bad := Scale{{Label: "all", Special: SpecialAll}, {Label: "All"}, {Label: " "}}
	if p := bad.Problems(); len(p) != 3 {
		t.Errorf("want 3 problems (duplicate, empty, no one band), got %v", p)
	}
}

func TestPhraseAndRender(t *testing.T) {
	cases := []struct {
		style, word    string
		count, visited int
		want           string
	}{
		{StyleWord, "most", 5, 6, "most areas"},
		{StyleWord, "one", 1, 6, "one area"},
		{StyleWord, "the majority of", 4, 6, "the majority of areas"},
		{StyleCount, "", 4, 6, "4 of the 6 areas"},
		{StyleCount, "", 6, 6, "all 6 areas"},
		{StyleNone, "most", 5, 6, ""},
		{StyleWord, "", 0, 6, ""},
	}
	for _, c := range cases {
		if got := Phrase(c.style, c.word, c.count, c.visited); got != c.want {
			t.Errorf("Phrase(%q, %q, %d, %d) = %q, want %q", c.style, c.word, c.count, c.visited, got, c.want)
		}
	}
	if got := Render("Parents valued feeding groups.", "most areas", Quantifiers{}); got != "In most areas we visited, parents valued feeding groups." {
		t.Errorf("Render without placeholder: %q", got)
	}
	if got := Render("GPs ran clinics.", "some areas", Quantifiers{}); got != "In some areas we visited, GPs ran clinics." {
		t.Errorf("Render keeps an acronym: %q", got)
	}
	if got := Render("Across {areas}, hubs were welcoming.", "all areas", Quantifiers{}); got != "Across all areas, hubs were welcoming." {
		t.Errorf("Render with placeholder: %q", got)
	}
	if got := Render("Funding is short-term.", "", Quantifiers{}); got != "Funding is short-term." {
		t.Errorf("Render with no phrase: %q", got)
	}
}

// TestQuantifiersAtTheStart: a finding that opens by saying how widespread it is, with the
// scale's words or the usual ones, is recognised; one that only mentions areas later, uses a
// quantifier about something else, or a word that merely starts like one, is not.
func TestQuantifiersAtTheStart(t *testing.T) {
	def := Scale(DefaultBands).Quantifiers()
	// A review that renamed its bands: "every" and "a handful of" are its own words.
	own := Scale{{Label: "every", Special: SpecialAll}, {Label: "a handful of", MinPercent: 0, MinAreas: 2},
		{Label: "a single", Special: SpecialOne}}.Quantifiers()
	cases := []struct {
		q    Quantifiers
		body string
		want bool
	}{
		{def, "In most areas, adult services were stretched.", true},
		{def, "Most areas had a family hub.", true},
		{def, "most areas had a family hub.", true},
		{def, "IN ALL THE AREAS WE VISITED, hubs were busy.", true},
		{def, "In all the areas we visited, hubs were busy.", true},
		{def, "In one area, a GP ran a drop-in.", true},
		{def, "One of the areas had no hub.", true},
		{def, "In a few areas, fathers were seen.", true},
		{def, "Across all areas, staff were stretched.", true},
		{def, "In 4 of the 6 areas, midwives were short.", true},
		{def, "In four out of six areas, midwives were short.", true},
		{def, "Many areas lacked data.", true},
		{def, "In the majority of areas, leaders knew families.", true},
		{def, "The majority of the local areas shared data.", true},
		{def, "Almost all areas used the red book.", true},
		{def, "  In some local authorities, hubs opened late.", true},
		{def, "Two areas had no midwife.", true},
		{def, "None of the areas had a plan.", true},
		{def, "In {areas}, parents said hubs were welcoming.", false}, // the placeholder is handled first
		{def, "Parents valued the feeding groups.", false},
		{def, "Most parents valued the feeding groups.", false},
		{def, "Some families said they repeated their story.", false},
		{def, "In most cases, records were shared.", false},
		{def, "Mostly, areas shared data.", false},
		{def, "Leaders in all areas knew their families.", false},
		{def, "Areas with a hub did better.", false},
		{def, "", false},
		{own, "In every area, hubs were open.", true},
		{own, "In a handful of areas, hubs closed early.", true},
		{own, "A single area had no hub.", true},
		{own, "In most areas, hubs were open.", true}, // the usual words still count
		{own, "In A HANDFUL OF the areas, hubs closed.", true},
		{Quantifiers{}, "In the majority of areas, hubs were open.", true}, // the zero value is the default scale
	}
	for _, c := range cases {
		if got := c.q.Opens(c.body); got != c.want {
			t.Errorf("Opens(%q) = %v, want %v", c.body, got, c.want)
		}
	}
}

// TestRenderLeavesTheFindingsOwnQuantifier: the report adds no second quantifier, whatever the
// style, and a finding with the placeholder still gets its words.
func TestRenderLeavesTheFindingsOwnQuantifier(t *testing.T) {
	q := Scale(DefaultBands).Quantifiers()
	cases := []struct {
		body, phrase, want string
	}{
		{"In most areas, adult services were stretched.", "all areas", "In most areas, adult services were stretched."},
		{"Most areas had a hub.", "4 of the 6 areas", "Most areas had a hub."},
		{"In {areas}, adult services were stretched.", "all areas", "In all areas, adult services were stretched."},
		{"Adult services were stretched.", "all areas", "In all areas we visited, adult services were stretched."},
	}
	for _, c := range cases {
		if got := Render(c.body, c.phrase, q); got != c.want {
			t.Errorf("Render(%q, %q) = %q, want %q", c.body, c.phrase, got, c.want)
		}
	}
	f := Finding{Body: "In most areas, adult services were stretched.", Style: StyleWord, Areas: 6, Visited: 6, ScaleWord: "all", Quantifiers: q}
	if !f.OwnQuantifier() || f.Text() != f.Body || f.Opening() != "in all areas we visited" {
		t.Errorf("own quantifier %v, text %q, opening %q", f.OwnQuantifier(), f.Text(), f.Opening())
	}
	for _, g := range []Finding{
		{Body: "In {areas}, adult services were stretched.", Style: StyleWord, Quantifiers: q},
		{Body: "In most areas, services were stretched.", Style: StyleNone, Quantifiers: q}, // nothing is added
		{Body: "Adult services were stretched.", Style: StyleWord, Quantifiers: q},
	} {
		if g.OwnQuantifier() {
			t.Errorf("%q (%s) is flagged as saying how widespread it is", g.Body, g.Style)
		}
	}
}

// TestQuantifierPatternIsPlain: the script of the finding form compiles the same expression, so
// it keeps to syntax JavaScript reads the same way (no inline flags).
func TestQuantifierPatternIsPlain(t *testing.T) {
	p := Scale(DefaultBands).Quantifiers().Pattern()
	if strings.Contains(p, "(?i)") || !strings.HasPrefix(p, "^") || !strings.Contains(p, "the\\s+majority\\s+of") {
		t.Errorf("pattern %s", p)
	}
}

func TestInputValidate(t *testing.T) {
	in := Input{Body: "  ", Style: "loud", WordOverride: "nearly every"}
	errs := in.Validate()
	for _, f := range []string{"body", "style", "override-reason"} {
		if !errs.Has(f) {
			t.Errorf("no error for %s", f)
		}
	}
	ok := Input{Body: "Hubs were welcoming.", WordOverride: "", OverrideReason: "left over"}
	if errs := ok.Validate(); errs.Any() || ok.Style != StyleWord || ok.OverrideReason != "" {
		t.Errorf("valid input: %v %+v", errs.List(), ok)
	}
}
