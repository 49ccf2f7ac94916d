package finding

import "testing"

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
	if got := Render("Parents valued feeding groups.", "most areas"); got != "In most areas we visited, parents valued feeding groups." {
		t.Errorf("Render without placeholder: %q", got)
	}
	if got := Render("GPs ran clinics.", "some areas"); got != "In some areas we visited, GPs ran clinics." {
		t.Errorf("Render keeps an acronym: %q", got)
	}
	if got := Render("Across {areas}, hubs were welcoming.", "all areas"); got != "Across all areas, hubs were welcoming." {
		t.Errorf("Render with placeholder: %q", got)
	}
	if got := Render("Funding is short-term.", ""); got != "Funding is short-term." {
		t.Errorf("Render with no phrase: %q", got)
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
