// Package letterview holds the pages of the letters to each area of a review: the list of areas
// with their letters, the review's letter template, a letter with its sections and the evidence
// beside them, a section's authoring page, the publication check and the saved versions.
package letterview

import (
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/form"
	"thematic/internal/letter"
	"thematic/internal/report"
)

// Base is what every letter page shares.
type Base struct {
	ReviewID, ReviewTitle string
	AreaID, AreaName      string // "" on the pages of the review's letters as a whole
	Lead                  bool
}

func (b Base) url(parts ...string) templ.SafeURL {
	s := "/reviews/" + url.PathEscape(b.ReviewID) + "/letters"
	for _, p := range parts {
		s += "/" + url.PathEscape(p)
	}
	return templ.SafeURL(s)
}

func (b Base) letterURL(parts ...string) templ.SafeURL {
	return b.url(append([]string{b.AreaID}, parts...)...)
}

// ListView is the list of the review's areas with their letters.
type ListView struct {
	Base
	Template bool
	Areas    []letter.AreaLetter
}

// TemplateView is the review's letter template form.
type TemplateView struct {
	Base
	Template letter.Template
	Errors   *form.Errors
	Conflict *letter.Template // the template someone else saved meanwhile
}

// SectionItem is one section of a letter on its page: its text and the evidence beside it.
type SectionItem struct {
	Key, Title string
	HTML       string // the section's text as the letter prints it ("" when empty)
	Notes      []letter.Note
}

// ActionAreaItem is one action area of a letter's page.
type ActionAreaItem struct {
	ID, Title, Group string
	Strengths        SectionItem
	Development      SectionItem
	Findings         []letter.FindingEvidence
}

// LetterView is a letter's page.
type LetterView struct {
	Base
	State     letter.State
	Summary   SectionItem
	Areas     []ActionAreaItem
	Missing   []string
	Blocking  int
	Kept      int
	Steps     []report.Step
	WaitQA    bool // the lead sent it: another lead signs it off
	Preview   string
	Errors    *form.Errors
	Notes     map[string]string // the note typed per step, kept on a refusal
	Problems  int
	Versions  int
	Formats   []report.Format
	SignedOff bool
}

// SectionView is a section's authoring page.
type SectionView struct {
	Base
	Key, Title string
	Body       string
	Version    int
	Errors     *form.Errors
	Conflict   *letter.Authored // someone else's text, on a conflict
	Evidence   *letter.Evidence
	Strength   bool // a strengths section (else areas for development or the summary)
	Summary    bool
}

// HitItem is one hit of the check with where it is.
type HitItem struct {
	report.Hit
	Place  string
	FixURL templ.SafeURL
	Fix    string
}

// CheckView is the letter's publication check.
type CheckView struct {
	Base
	Locked  bool
	Hits    []HitItem
	Errors  *form.Errors
	Reasons map[string]string
}

// VersionsView is the letter's saved versions.
type VersionsView struct {
	Base
	Locked   bool
	Versions []letter.Version
	Label    string
	Errors   *form.Errors
}

// VersionView is one saved version.
type VersionView struct {
	Base
	Version letter.Version
	HTML    string
}

func errs(e *form.Errors) *form.Errors {
	if e == nil {
		return &form.Errors{}
	}
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 January 2006 at 3:04pm")
}

func statusTag(s string) string {
	switch s {
	case letter.StatusSignedOff:
		return "govuk-tag govuk-tag--green"
	case letter.StatusQA:
		return "govuk-tag govuk-tag--blue"
	case letter.StatusChangesRequested:
		return "govuk-tag govuk-tag--orange"
	case "":
		return "govuk-tag govuk-tag--grey"
	}
	return "govuk-tag govuk-tag--yellow"
}

func judgementLabel(j string) string {
	if j == "strength" {
		return "Strength"
	}
	return "For development"
}

// The template's placeholders, as the template page shows them.
const (
	phArea   = "{area}"
	phReview = "{review}"
)

// typedOr is what was typed in a field on a refused form, else the stored value.
func (v FactCheckView) typedOr(field, stored string) string {
	if t, ok := v.Typed[field]; ok {
		return t
	}
	return stored
}
