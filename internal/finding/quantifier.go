package finding

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Band is one step of a review's quantifier scale.
type Band struct {
	ID         string
	Label      string // "most"
	Special    string // SpecialAll, SpecialOne or ""
	MinPercent int    // for ordinary bands: applies from this share of visited areas up
	MinAreas   int    // and to counts of at least this many areas
	Version    int
}

// Special bands.
const (
	SpecialAll = "all"
	SpecialOne = "one"
)

// DefaultBands is the default scale. It follows the published inspectorate vocabulary for
// proportions (Education Scotland's "almost all" over 90%, "most" 75–90%, "majority" 50–74%),
// with "some" for two or more areas below half and "one" for exactly one.
var DefaultBands = []Band{
	{Label: "all", Special: SpecialAll, MinAreas: 1},
	{Label: "almost all", MinPercent: 90, MinAreas: 1},
	{Label: "most", MinPercent: 75, MinAreas: 1},
	{Label: "the majority of", MinPercent: 50, MinAreas: 1},
	{Label: "some", MinPercent: 0, MinAreas: 2},
	{Label: "one", Special: SpecialOne, MinAreas: 1},
}

// Scale is a review's quantifier scale.
type Scale []Band

// Word is the scale's word for count areas out of visited, and whether one applies. None
// applies when count is 0 (the finding is flagged) or when the lead's bands leave a gap.
func (s Scale) Word(count, visited int) (string, bool) {
	if count <= 0 || visited <= 0 || count > visited {
		return "", false
	}
	for _, b := range s {
		if b.Special == SpecialAll && count == visited {
			return b.Label, true
		}
	}
	for _, b := range s {
		if b.Special == SpecialOne && count == 1 {
			return b.Label, true
		}
	}
	ordinary := make([]Band, 0, len(s))
	for _, b := range s {
		if b.Special == "" {
			ordinary = append(ordinary, b)
		}
	}
	sort.SliceStable(ordinary, func(i, j int) bool { return ordinary[i].MinPercent > ordinary[j].MinPercent })
	for _, b := range ordinary {
		// count*100 >= MinPercent*visited avoids rounding: 9 of 10 is exactly 90%.
		if count*100 >= b.MinPercent*visited && count >= b.MinAreas {
			return b.Label, true
		}
	}
	return "", false
}

// Problems checks a scale the lead has edited.
func (s Scale) Problems() []string {
	var out []string
	seen := map[string]bool{}
	specials := map[string]int{}
	for _, b := range s {
		l := strings.ToLower(strings.TrimSpace(b.Label))
		if l == "" {
			out = append(out, "Every band needs words")
		} else if seen[l] {
			out = append(out, fmt.Sprintf("%q is used by two bands", b.Label))
		}
		seen[l] = true
		if b.Special != "" {
			specials[b.Special]++
		}
		if b.MinPercent < 0 || b.MinPercent > 100 {
			out = append(out, fmt.Sprintf("The share for %q must be between 0 and 100", b.Label))
		}
	}
	if specials[SpecialAll] != 1 || specials[SpecialOne] != 1 {
		out = append(out, "The scale needs one band for every area and one for exactly one area")
	}
	return out
}

// Phrase is what the report says for a finding evidenced in count of visited areas: the band's
// word ("most areas", "one area", "all areas") or the count ("4 of the 6 areas": GOV.UK style
// writes numbers as numerals).
func Phrase(style, word string, count, visited int) string {
	switch style {
	case StyleCount:
		if count == visited && visited > 1 {
			return fmt.Sprintf("all %d areas", visited)
		}
		unit := "areas"
		if visited == 1 {
			unit = "area"
		}
		return fmt.Sprintf("%d of the %d %s", count, visited, unit)
	case StyleNone:
		return ""
	}
	if word == "" {
		return ""
	}
	if count == 1 && !strings.HasSuffix(strings.ToLower(word), " of") {
		return word + " area"
	}
	return word + " areas"
}

// usualQuantifiers are the words for how many areas a lead may type besides the scale's own.
var usualQuantifiers = []string{"all", "every", "each", "both", "almost all", "nearly all", "most", "many",
	"several", "some", "a few", "few", "a number of", "a minority of", "a majority of", "the majority of",
	"the vast majority of", "half", "none", "no", "a single", "all but one"}

// countWords are counts written out or in numerals ("4 of the 6 areas", "two areas").
const countWords = `\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve`

// Quantifiers recognises a finding that opens by saying how widespread it is: "In most areas",
// "Most areas", "Across all the areas we visited", "In 4 of the 6 areas", "Many areas"… The report
// would otherwise open it with its own words and say it twice. The zero value knows the default
// scale's words.
type Quantifiers struct{ re *regexp.Regexp }

var defaultQuantifiers = Scale(DefaultBands).Quantifiers()

// Quantifiers recognises the scale's words (they are the review's own and editable) and the
// usual ones, case-insensitively, at the start of a text.
func (s Scale) Quantifiers() Quantifiers {
	words := append([]string(nil), usualQuantifiers...)
	for _, b := range s {
		words = append(words, b.Label)
	}
	alts, seen := []string{countWords}, map[string]bool{}
	for _, w := range words {
		f := strings.Fields(strings.ToLower(w))
		for i := range f {
			f[i] = regexp.QuoteMeta(f[i])
		}
		if alt := strings.Join(f, `\s+`); alt != "" && !seen[alt] {
			seen[alt] = true
			alts = append(alts, alt)
		}
	}
	// A preposition, the quantifier, the small words around a count ("of the 6", "local"), then
	// the areas themselves: "Most parents…" is about parents, not areas, and is left alone.
	src := `^(?:(?:in|across|within|among|amongst|throughout|at|from|for)\s+)?(?:` + strings.Join(alts, "|") +
		`)(?:\s+(?:of|out\s+of|the|these|those|our|local|visited|participating|` + countWords +
		`))*\s+(?:areas?|authority|authorities)\b`
	return Quantifiers{re: regexp.MustCompile(`(?i)` + src)}
}

// Opens reports whether text opens by saying how many areas it is true of.
func (q Quantifiers) Opens(text string) bool {
	re := q.re
	if re == nil {
		re = defaultQuantifiers.re
	}
	return re.MatchString(strings.TrimSpace(text))
}

// Pattern is the expression Opens matches, without its case flag, for the form's script.
func (q Quantifiers) Pattern() string {
	re := q.re
	if re == nil {
		re = defaultQuantifiers.re
	}
	return strings.TrimPrefix(re.String(), `(?i)`)
}
