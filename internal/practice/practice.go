// Package practice holds good-practice examples: short accounts the review lead writes from
// evidence notes flagged as good-practice candidates, each under one action area. An example
// knows the local area it came from, but the report never names it: it reads "In one area, …".
package practice

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"thematic/internal/form"
	"thematic/internal/personal"
)

// Example is one good-practice example.
type Example struct {
	ID           string
	ReviewID     string
	ActionAreaID string
	NoteID       string // "" when written without a note
	AreaID       string
	AreaName     string // for the review's staff only: the report never prints it
	Position     int
	Title        string
	Body         string
	Version      int
}

// Text is the example as the report prints it.
func (e Example) Text() string { return ReportText(e.Body) }

// anonymousOpenings are the ways the seed report opens an example without naming its area.
var anonymousOpenings = []string{
	"in one area", "one area", "in one local area", "one local area", "in another area",
	"in another local area", "another area", "another local area",
}

// Anonymous reports whether body already opens the way the report speaks of an area
// ("In one area, …", "One local area’s doula project …").
func Anonymous(body string) bool {
	lower := strings.ToLower(strings.TrimSpace(body))
	for _, o := range anonymousOpenings {
		if strings.HasPrefix(lower, o) {
			rest := lower[len(o):]
			r, _ := utf8.DecodeRuneInString(rest)
			if rest == "" || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return true
			}
		}
	}
	return false
}

// ReportText is an example's text as the report prints it: opened with "In one area, " unless it
// already speaks of "one area" in the report's way.
func ReportText(body string) string {
	body = strings.TrimSpace(body)
	if body == "" || Anonymous(body) {
		return body
	}
	return "In one area, " + lowerFirst(body)
}

// lowerFirst lowers a sentence's first letter when it starts an ordinary capitalised word
// ("A GP had…" → "a GP had…"), and leaves acronyms and names that look like them ("GPs", "SEND").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if n < len(s) {
		next, _ := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsLower(next) && !unicode.IsSpace(next) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// NamedAreas lists the area names that appear in text, compared without regard to case, each
// once, in the order of names.
func NamedAreas(text string, names []string) []string {
	lower := strings.ToLower(text)
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || contains(out, n) {
			continue
		}
		if strings.Contains(lower, strings.ToLower(n)) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Warnings are the problems the example's page shows (and publication will block on): an example
// whose title or text names an area of the review.
func (e Example) Warnings(areaNames []string) []string {
	var out []string
	for _, n := range NamedAreas(e.Title+"\n"+e.Body, areaNames) {
		out = append(out, "This example names "+n+"; the report never names areas")
	}
	return out
}

// Input is what the example form sends.
type Input struct {
	NoteID       string // the candidate note it is written from, or ""
	AreaID       string // the local area, when written without a note
	ActionAreaID string
	Title        string
	Body         string
	Key          string // idempotency key of a new example
	Version      int
	// ConfirmPersonalData is the writer's word that what the personal data check found is not
	// personal data.
	ConfirmPersonalData bool
}

// Validate checks the form's own fields (the store checks the ids against the review).
func (in *Input) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	if utf8.RuneCountInString(in.Title) > 200 {
		errs.Add("title", "The title must be 200 characters or fewer")
	}
	switch {
	case in.Body == "":
		errs.Add("body", "Enter the example")
	case utf8.RuneCountInString(in.Body) > 5000:
		errs.Add("body", "The example must be 5,000 characters or fewer")
	}
	if in.ActionAreaID == "" {
		errs.Add("action-area", "Choose the action area the example belongs to")
	}
	if in.NoteID == "" && in.AreaID == "" {
		errs.Add("area", "Choose the local area the example comes from")
	}
	return errs
}

// PersonalData finds what looks like personal data in the example's title and text, staff being
// the names of the review's people. errs has a message on each field with something found.
func (in Input) PersonalData(staff []string) (found []personal.Hit, errs *form.Errors) {
	errs = &form.Errors{}
	d := personal.New(staff, nil)
	for _, f := range []struct{ field, text string }{{"title", in.Title}, {"body", in.Body}} {
		hits := d.Find(f.text)
		if len(hits) > 0 {
			errs.Add(f.field, personal.Summary(hits)+". Change the text, or confirm it is not personal data")
			found = append(found, hits...)
		}
	}
	return found, errs
}
