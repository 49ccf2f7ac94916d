// Package coverage holds the coverage page: matrices of areas × action areas and areas × lines of
// enquiry, a theme frequency table, and charts whose data tables stand beside them.
package coverageview

import (
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	cov "thematic/internal/coverage"
	"thematic/internal/form"
	"thematic/internal/text"
)

// View is the coverage page.
type View struct {
	ReviewID  string
	Cov       cov.Coverage
	Lead      bool   // may set the threshold
	Threshold string // the threshold field as typed (or as stored)
	By        string // which view: ByActionAreas, ByLines or ByThemes
	Errors    *form.Errors
}

// The page's views: one matrix or the themes at a time, so that a national review's page stays
// a readable size.
const (
	ByActionAreas = "action-areas"
	ByLines       = "lines"
	ByThemes      = "themes"
)

// ParseBy reads the ?by= parameter; anything else gives the action areas.
func ParseBy(s string) string {
	switch s {
	case ByLines, ByThemes:
		return s
	}
	return ByActionAreas
}

type tab struct {
	label   string
	href    templ.SafeURL
	current bool
}

func (v View) tabs() []tab {
	base := string(reviewURL(v.ReviewID, "coverage"))
	return []tab{
		{"Action areas", templ.SafeURL(base), v.By == ByActionAreas},
		{"Lines of enquiry", templ.SafeURL(base + "?by=" + ByLines), v.By == ByLines},
		{"Themes", templ.SafeURL(base + "?by=" + ByThemes), v.By == ByThemes},
	}
}

func (v View) errs() *form.Errors {
	if v.Errors == nil {
		return &form.Errors{}
	}
	return v.Errors
}

func reviewURL(id string, parts ...string) templ.SafeURL {
	s := "/reviews/" + url.PathEscape(id)
	for _, p := range parts {
		s += "/" + p
	}
	return templ.SafeURL(s)
}

func (v View) evidenceURL(q url.Values) templ.SafeURL {
	u := string(reviewURL(v.ReviewID, "evidence"))
	if e := q.Encode(); e != "" {
		u += "?" + e
	}
	return templ.SafeURL(u)
}

// count is one figure of a cell: its link to the notes it counts, or plain text for none.
type count struct {
	n         int
	one, many string
	href      templ.SafeURL
}

func counts(v View, area, param, col string, c cov.Counts) []count {
	return []count{
		{c.Total(), "note", "notes", v.evidenceURL(cov.Query(area, param, col, ""))},
		{c.Strength, "strength", "strengths", v.evidenceURL(cov.Query(area, param, col, "strength"))},
		{c.Development, "for development", "for development", v.evidenceURL(cov.Query(area, param, col, "development"))},
	}
}

func themeCounts(v View, t cov.Theme) []count {
	return []count{
		{t.Strength, "", "", v.evidenceURL(cov.ThemeQuery(t.Name, "strength"))},
		{t.Development, "", "", v.evidenceURL(cov.ThemeQuery(t.Name, "development"))},
		{t.Neutral, "", "", v.evidenceURL(cov.ThemeQuery(t.Name, "neutral"))},
		{t.Total(), "", "", v.evidenceURL(cov.ThemeQuery(t.Name, ""))},
	}
}

func (c count) text() string {
	if c.one == "" {
		return strconv.Itoa(c.n)
	}
	return text.Plural(c.n, c.one, c.many)
}

func itoa(n int) string { return strconv.Itoa(n) }
