// Package questionnaire holds the family questionnaire pages: an area's results with the import
// form, and the respondents of every area.
package questionnaireview

import (
	"net/url"
	"time"

	"github.com/a-h/templ"

	q "thematic/internal/questionnaire"
)

// Review is the review a page belongs to.
type Review struct {
	ID    string
	Title string
}

func (r Review) url(rest string) templ.SafeURL {
	return templ.SafeURL("/reviews/" + url.PathEscape(r.ID) + rest)
}

func (r Review) areaURL(id, rest string) templ.SafeURL {
	return r.url("/areas/" + url.PathEscape(id) + rest)
}

// AreaView is GET /reviews/{id}/areas/{areaID}/questionnaire.
type AreaView struct {
	Review    Review
	AreaID    string
	AreaName  string
	Staff     bool // the review's staff (not the area's contact)
	CanImport bool // the lead or the area's contact
	Results   q.Results

	// After a refused import: the field at fault ("csv-file" or "csv-text"), the message, the
	// problems by line, and the pasted text to show again.
	Field    string
	Message  string
	Problems []string
	Pasted   string
}

// TotalsView is GET /reviews/{id}/questionnaires.
type TotalsView struct {
	Review Review
	Totals q.ReviewTotals
}

func when(t time.Time) string {
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(loc)
	}
	return t.Format("2 January 2006 at 3:04pm")
}
