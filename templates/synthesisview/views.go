// Package synthesis holds the views where the review lead turns tagged evidence into findings:
// the overview of the framework, the workspace of one action area, a finding with its notes, the
// finding form, and the review's quantifier scale.
package synthesisview

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	ev "thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/register"
	"thematic/internal/review"
	"thematic/internal/text"
)

// Base is what every synthesis page knows.
type Base struct {
	ReviewID    string
	ReviewTitle string
	Lead        bool // the viewer leads the review: may change findings and the scale
}

// OverviewView is GET /synthesis: the framework with what each action area has.
type OverviewView struct {
	Base
	Visited int
	Groups  []OverviewGroup
}

// OverviewGroup is a framework group with its action areas in order.
type OverviewGroup struct {
	Title string
	Areas []OverviewArea
}

// OverviewArea counts one action area's evidence and findings.
type OverviewArea struct {
	ID, Title  string
	Notes      int // tagged notes in the evidence base
	Candidates int // of which good-practice candidates
	Findings   int
	Flagged    int // findings that need the lead's attention
}

// WorkspaceView is one action area's evidence and findings.
type WorkspaceView struct {
	Base
	Area     review.ActionArea
	Findings []finding.Finding
	Visited  int
	Opts     ev.FilterOptions
	Query    url.Values
	Filter   ev.Filter
	Page     ev.Page
	Errors   *form.Errors // the filter's or the link form's
	Selected map[string]bool
	Stance   string
}

// FormView is the finding form, new (FindingID "") or an edit, as typed.
type FormView struct {
	Base
	Area        review.ActionArea
	FindingID   string
	Version     int
	Key         string // idempotency key of a new finding
	In          finding.Input
	Errors      *form.Errors
	Preview     finding.Finding // the input with the prevalence it has (or an example for a new one)
	Example     bool            // the preview's prevalence is an example
	Conflict    *finding.Finding
	Pattern     *finding.Pattern // the pattern a new finding is drafted from
	PatternGone bool             // the pattern asked for is no longer in the evidence
}

// PatternsView is an action area's patterns.
type PatternsView struct {
	Base
	Area     review.ActionArea
	Visited  int
	Scale    finding.Scale
	Patterns []finding.Pattern
}

// Widespread and Single split the patterns.
func (v PatternsView) Widespread() []finding.Pattern {
	var out []finding.Pattern
	for _, p := range v.Patterns {
		if p.Widespread() {
			out = append(out, p)
		}
	}
	return out
}

func (v PatternsView) Single() []finding.Pattern {
	var out []finding.Pattern
	for _, p := range v.Patterns {
		if !p.Widespread() {
			out = append(out, p)
		}
	}
	return out
}

// PatternSpread is "in 5 of 6 visited areas (most areas)": the count, and the review's own
// word for it when its scale has one.
func PatternSpread(p finding.Pattern, scale finding.Scale) string {
	unit := "visited areas"
	if p.Visited == 1 {
		unit = "visited area"
	}
	s := fmt.Sprintf("In %d of %d %s", p.Areas, p.Visited, unit)
	if word, ok := scale.Word(p.Areas, p.Visited); ok && word != "" {
		s += " (" + finding.Phrase(finding.StyleWord, word, p.Areas, p.Visited) + ")"
	}
	return s
}

// PatternKind names a pattern's kind.
func PatternKind(p finding.Pattern) string {
	if p.Kind == finding.PatternLine {
		return "Line of enquiry"
	}
	return "Theme"
}

// PatternJudgement names a pattern's judgement.
func PatternJudgement(p finding.Pattern) string {
	if p.Judgement == ev.Development {
		return "For development"
	}
	return "Strength"
}

// PatternFilter is the workspace's evidence filtered to the pattern's notes' theme or line and
// judgement.
func (v PatternsView) PatternFilter(p finding.Pattern) templ.SafeURL {
	q := url.Values{"judgement": {p.Judgement}}
	if p.Kind == finding.PatternLine {
		q.Set("line", p.ID)
	} else {
		q.Set("tag", p.Label)
	}
	return templ.SafeURL(string(v.url("synthesis", v.Area.ID)) + "?" + q.Encode() + "#evidence")
}

// PatternDraft is the finding form drafted from the pattern.
func (v PatternsView) PatternDraft(p finding.Pattern) templ.SafeURL {
	return templ.SafeURL(string(v.url("synthesis", v.Area.ID, "findings", "new")) + "?" + url.Values{"pattern": {p.Key()}}.Encode())
}

// FindingNumbers is "finding 1" or "findings 1 and 3".
func FindingNumbers(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "finding " + parts[0]
	}
	return "findings " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// FindingView is one finding with its notes.
type FindingView struct {
	Base
	Area    review.ActionArea
	Finding finding.Finding
	Number  int
	Notes   []finding.LinkedNote
	// FollowsUp are the earlier reviews' published recommendations the finding follows up.
	FollowsUp []register.Followed
}

// DeleteView asks before a finding is deleted.
type DeleteView struct {
	Base
	Area    review.ActionArea
	Finding finding.Finding
}

// ScaleView is the review's quantifier scale as typed.
type ScaleView struct {
	Base
	Bands    []BandRow
	Errors   *form.Errors
	Visited  int // the review's visited areas (the examples use 6 when there are none yet)
	Examples []Example
}

// BandRow is one band of the scale form.
type BandRow struct {
	ID, Label, Special string
	Percent, Areas     string
	Version            int
}

// Example is one line of the scale's example table.
type Example struct {
	Count  int
	Phrase string
}

func reviewURL(id string, parts ...string) templ.SafeURL {
	s := "/reviews/" + url.PathEscape(id)
	for _, p := range parts {
		s += "/" + url.PathEscape(p)
	}
	return templ.SafeURL(s)
}

func (b Base) url(parts ...string) templ.SafeURL { return reviewURL(b.ReviewID, parts...) }

func errs(e *form.Errors) *form.Errors {
	if e == nil {
		return &form.Errors{}
	}
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }

// Prevalence is "5 of 6 areas".
func Prevalence(f finding.Finding) string {
	unit := "areas"
	if f.Visited == 1 {
		unit = "area"
	}
	return fmt.Sprintf("%d of %d %s", f.Areas, f.Visited, unit)
}

// Words is what the report says about the prevalence.
func Words(f finding.Finding) string {
	switch {
	case f.Style == finding.StyleNone:
		return "Not stated"
	case f.Phrase() == "":
		return "No words yet"
	}
	return "‘" + f.Phrase() + "’"
}

// StyleLabel names a prevalence style.
func StyleLabel(s string) string {
	switch s {
	case finding.StyleCount:
		return "The count of areas"
	case finding.StyleNone:
		return "Do not state it"
	}
	return "The scale’s word"
}

func staleLine(f finding.Finding) string {
	return fmt.Sprintf("Evidence changed: was %s, now %d", text.Plural(f.ConfirmedAreas, "area", "areas"), f.Areas)
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (v WorkspaceView) err() *form.Errors { return errs(v.Errors) }

func (v WorkspaceView) checked(name, value string) bool {
	for _, s := range v.Query[name] {
		if s == value {
			return true
		}
	}
	return false
}

// filterQuery is the filter as query parameters, without the fixed action area.
func (v WorkspaceView) filterQuery() url.Values {
	q := v.Filter.Values()
	q.Del("action-area")
	if v.Filter.Limit > 0 {
		q.Set("limit", strconv.Itoa(v.Filter.Limit))
	}
	return q
}

func (v WorkspaceView) nextURL() templ.SafeURL {
	q := v.filterQuery()
	q.Set("after", v.Page.Next)
	return templ.SafeURL(string(v.url("synthesis", v.Area.ID)) + "?" + q.Encode())
}

func (v WorkspaceView) prevURL() templ.SafeURL {
	q := v.filterQuery()
	q.Set("before", v.Page.Prev)
	return templ.SafeURL(string(v.url("synthesis", v.Area.ID)) + "?" + q.Encode())
}

// pageURLs are the previous and next pages' links, each empty when there is no such page.
func (v WorkspaceView) pageURLs() (prev, next templ.SafeURL) {
	if v.Page.Prev != "" {
		prev = v.prevURL()
	}
	if v.Page.Next != "" {
		next = v.nextURL()
	}
	return prev, next
}

func (v WorkspaceView) countLine() string {
	s := "Showing " + text.Plural(len(v.Page.Rows), "note", "notes")
	if v.Page.Next != "" {
		return s + ". More notes on the next page."
	}
	return s + "."
}

func noteCheckID(i int) string {
	if i == 0 {
		return "notes"
	}
	return "notes-" + strconv.Itoa(i+1)
}

func areaCheckID(i int) string {
	if i == 0 {
		return "area"
	}
	return "area-" + strconv.Itoa(i+1)
}

func tagOptions(tags []string) []ev.FilterOption {
	out := make([]ev.FilterOption, len(tags))
	for i, t := range tags {
		out[i] = ev.FilterOption{ID: t, Name: t}
	}
	return out
}

func noteState(n finding.LinkedNote) (string, string) {
	switch {
	case n.Deleted:
		return "Deleted", "govuk-tag--red"
	case n.Concern:
		return "Safeguarding concern", "govuk-tag--red"
	case !n.Tagged:
		return "Untagged from this action area", "govuk-tag--orange"
	}
	return "Still tagged", "govuk-tag--green"
}

func stanceNotes(ns []finding.LinkedNote, stance string) []finding.LinkedNote {
	var out []finding.LinkedNote
	for _, n := range ns {
		if n.Stance == stance {
			out = append(out, n)
		}
	}
	return out
}

func (v FormView) err() *form.Errors { return errs(v.Errors) }

func (v FormView) postURL() templ.SafeURL {
	if v.FindingID != "" {
		return v.url("findings", v.FindingID)
	}
	return v.url("synthesis", v.Area.ID, "findings")
}

func (v FormView) backURL() templ.SafeURL {
	if v.FindingID != "" {
		return v.url("findings", v.FindingID)
	}
	return v.url("synthesis", v.Area.ID)
}

// Heading is the form's h1.
func (v FormView) Heading() string {
	switch {
	case v.Conflict != nil:
		return "This finding was changed by someone else"
	case v.FindingID != "":
		return "Change the finding"
	}
	return "Write a finding"
}

func (v ScaleView) err() *form.Errors { return errs(v.Errors) }

func bandName(b BandRow) string {
	switch b.Special {
	case finding.SpecialAll:
		return "Every area"
	case finding.SpecialOne:
		return "Exactly one area"
	}
	return "From " + b.Percent + "% of areas"
}

func bandID(i int, field string) string { return fmt.Sprintf("band-%d-%s", i, field) }

func describedBy(ids ...string) string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return strings.Join(out, " ")
}

func ifErr(e *form.Errors, id string) string {
	if e.Has(id) {
		return id + "-error"
	}
	return ""
}

// linkAction is the link form's default action: the first finding (each finding has its own
// button with its own formaction).
func (v WorkspaceView) linkAction() templ.SafeURL {
	if len(v.Findings) == 0 {
		return v.url("synthesis", v.Area.ID)
	}
	return v.url("findings", v.Findings[0].ID, "notes")
}

// areaName is the name of area id among the pattern's areas.
func areaName(p finding.Pattern, id string) string {
	for i, a := range p.AreaIDs {
		if a == id && i < len(p.AreaNames) {
			return p.AreaNames[i]
		}
	}
	return "an area"
}
