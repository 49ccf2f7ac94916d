// Package finding holds the review lead's findings: statements under one action area, linked to
// the evidence notes that support them and those that cut against them, with their prevalence
// (how many visited areas the supporting notes come from) put into words by the review's
// quantifier scale.
package finding

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"thematic/internal/form"
)

// Prevalence styles: the scale's word ("most areas"), the count ("4 of the 6 areas"), or none
// (a finding that is not about how widespread something is).
const (
	StyleWord  = "word"
	StyleCount = "count"
	StyleNone  = "none"
)

// Stances of a linked note.
const (
	Supports    = "supports"
	Contradicts = "contradicts"
)

// Placeholder marks where the report puts a finding's prevalence words.
const Placeholder = "{areas}"

// Finding is one finding with its prevalence as the evidence stands now.
type Finding struct {
	ID             string
	ReviewID       string
	ActionAreaID   string
	Position       int
	Body           string
	Style          string
	WordOverride   string
	OverrideReason string
	ConfirmedAreas int
	Version        int

	Supporting    int // linked supporting notes (live ones)
	Contradicting int
	Areas         int      // visited areas among the supporting notes still tagged to the action area
	Visited       int      // visited areas of the review
	NoteIDs       []string // the supporting notes that count towards Areas (read by the whole review's list only)
	ScaleWord     string
	Quantifiers   Quantifiers // the review's words for how many areas, read with its scale
}

// Word is the word the report uses: the lead's override, else the scale's.
func (f Finding) Word() string {
	if f.WordOverride != "" {
		return f.WordOverride
	}
	return f.ScaleWord
}

// Phrase is the prevalence as the report says it ("most areas", "4 of the 6 areas").
func (f Finding) Phrase() string { return Phrase(f.Style, f.Word(), f.Areas, f.Visited) }

// Unsupported reports a finding with no supporting evidence: allowed as a draft, flagged, and
// blocked at publication.
func (f Finding) Unsupported() bool { return f.Areas == 0 }

// Stale reports a finding whose evidence has moved since the lead last confirmed its words (a
// note was untagged, deleted or unlinked, or another was linked).
func (f Finding) Stale() bool { return f.Areas != f.ConfirmedAreas }

// Text is the finding as the report prints it: the placeholder replaced by the prevalence, or,
// without one, the paragraph opened with "In most areas we visited, ", unless it says how
// widespread it is itself.
func (f Finding) Text() string { return Render(f.Body, f.Phrase(), f.Quantifiers) }

// OwnQuantifier reports a finding whose text already opens by saying how widespread it is ("In
// most areas, …") where the report would add its words: the report prints it as typed, and the
// lead is warned that the words worked out from the evidence are not used.
func (f Finding) OwnQuantifier() bool {
	return f.Style != StyleNone && !strings.Contains(f.Body, Placeholder) && f.Quantifiers.Opens(f.Body)
}

// Opening is what the report opens the finding with when its text has no placeholder ("in most
// areas we visited"); with no words yet, an example.
func (f Finding) Opening() string {
	p := f.Phrase()
	if p == "" {
		p = "most areas"
	}
	return "in " + p + " we visited"
}

// Render puts phrase into body: at the placeholder, or opening the paragraph. A body that opens
// by saying how widespread it is (q) is left as typed rather than given a second quantifier.
func Render(body, phrase string, q Quantifiers) string {
	body = strings.TrimSpace(body)
	if strings.Contains(body, Placeholder) {
		return strings.ReplaceAll(body, Placeholder, phrase)
	}
	if phrase == "" || q.Opens(body) {
		return body
	}
	return "In " + phrase + " we visited, " + lowerFirst(body)
}

// lowerFirst lowers a sentence's first letter when it starts an ordinary capitalised word
// ("Parents" → "parents"), and leaves acronyms and names that look like them ("GPs", "SEND").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	next, _ := utf8.DecodeRuneInString(s[n:])
	if n < len(s) && !unicode.IsLower(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// Input is what the finding form sends.
type Input struct {
	ActionAreaID   string
	Body           string
	Style          string
	WordOverride   string
	OverrideReason string
	Key            string // idempotency key of a new finding
	Version        int
	Pattern        string // a new finding's pattern (Pattern.Key), whose notes it is linked to
}

// Validate checks the form.
func (in *Input) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Body = strings.TrimSpace(in.Body)
	in.WordOverride = strings.TrimSpace(in.WordOverride)
	in.OverrideReason = strings.TrimSpace(in.OverrideReason)
	switch {
	case in.Body == "":
		errs.Add("body", "Enter the finding")
	case utf8.RuneCountInString(in.Body) > 5000:
		errs.Add("body", "The finding must be 5,000 characters or fewer")
	}
	switch in.Style {
	case StyleWord, StyleCount, StyleNone:
	case "":
		in.Style = StyleWord
	default:
		errs.Add("style", "Choose how the report states how widespread this is")
	}
	if utf8.RuneCountInString(in.WordOverride) > 60 {
		errs.Add("word-override", "Other words must be 60 characters or fewer")
	}
	if in.WordOverride != "" && in.OverrideReason == "" {
		errs.Add("override-reason", "Give a reason for using other words than the scale’s")
	} else if utf8.RuneCountInString(in.OverrideReason) > 1000 {
		errs.Add("override-reason", "The reason must be 1,000 characters or fewer")
	}
	if in.WordOverride == "" {
		in.OverrideReason = ""
	}
	return errs
}
