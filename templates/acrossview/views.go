// Package acrossview shows the dashboard of the user's reviews and the search across them.
package acrossview

import (
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/across"
	"thematic/internal/report"
	"thematic/internal/review"
)

// DashboardView is the dashboard.
type DashboardView struct {
	Rows []across.Row
}

// SearchView is the search page.
type SearchView struct {
	Q        string
	Error    string
	Searched bool
	Results  []across.Result
}

func itoa(n int) string { return strconv.Itoa(n) }

func reviewURL(id string) templ.SafeURL { return templ.SafeURL("/reviews/" + id) }

func day(t *time.Time) string {
	if t == nil {
		return "None"
	}
	return t.Format("2 January 2006")
}

func stageLabel(s string) string { return review.Status(s).Label() }

func reportLabel(s string) string {
	if s == "" {
		return "Not started"
	}
	return report.StatusLabel(s)
}

func (v DashboardView) total(f func(across.Row) int) int {
	n := 0
	for _, r := range v.Rows {
		n += f(r)
	}
	return n
}

func resultText(r across.Result) string { return strings.ReplaceAll(r.Text, "{areas}", "…") }

func resultsLabel(n int) string {
	switch {
	case n == 1:
		return "1 result"
	case n >= across.MaxResults:
		return "The first " + strconv.Itoa(n) + " results"
	}
	return strconv.Itoa(n) + " results"
}
