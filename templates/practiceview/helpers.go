// Package practice holds the pages of good-practice examples and recommendations.
package practiceview

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/form"
	"thematic/internal/personal"
	domain "thematic/internal/practice"
	"thematic/internal/recommendation"
)

// reviewURL is a path under the review: reviewURL(id, "examples", x) = /reviews/id/examples/x.
func reviewURL(id string, parts ...string) templ.SafeURL {
	p := "/reviews/" + url.PathEscape(id)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return templ.SafeURL(p)
}

// ExamplesPath is the examples page of a review.
func ExamplesPath(reviewID string) string { return string(reviewURL(reviewID, "examples")) }

// ExamplePath is one example's page.
func ExamplePath(reviewID, id string) string { return string(reviewURL(reviewID, "examples", id)) }

// RecommendationsPath is the recommendations page of a review.
func RecommendationsPath(reviewID string) string {
	return string(reviewURL(reviewID, "recommendations"))
}

// FindingPath is a finding's page.
func FindingPath(reviewID, id string) templ.SafeURL { return reviewURL(reviewID, "findings", id) }

func itoa(n int) string { return strconv.Itoa(n) }

func dateText(t time.Time) string { return t.Format("2 January 2006") }

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// short cuts a long text at a word for a list.
func short(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// Option is a choice in a form: an action area or a local area.
type Option struct {
	ID    string
	Title string
}

// Section is one action area of the examples page, under its framework group.
type Section struct {
	GroupTitle   string
	NewGroup     bool // the first action area of its group: the page shows the group's heading
	ActionAreaID string
	Title        string
	Examples     []ExampleRow
}

// ExampleRow is an example in the list with what its page warns about.
type ExampleRow struct {
	Example  domain.Example
	Warnings []string
	Photos   []domain.Photo // chosen by a lead to be shown with the example
}

// CandidateRow is a candidate note with the titles of its action areas.
type CandidateRow struct {
	Note        domain.Candidate
	ActionAreas []string
}

// ExamplesView is GET /reviews/{id}/examples.
type ExamplesView struct {
	ReviewID, ReviewTitle string
	Lead                  bool
	Sections              []Section
	Count                 int
	Candidates            []CandidateRow
	ActionAreas           []Option // for the candidates' filter
	Filter                string   // the action area the candidates are narrowed to
}

// ExampleView is GET /reviews/{id}/examples/{exampleID}.
type ExampleView struct {
	ReviewID, ReviewTitle string
	Lead                  bool
	Example               domain.Example
	ActionArea            string
	Warnings              []string
	Photos                []domain.Photo
}

// ExampleFormView is the form that writes or edits an example.
type ExampleFormView struct {
	ReviewID, ReviewTitle string
	ExampleID             string // "" for a new example
	Version               int
	Key                   string
	In                    domain.Input
	Note                  *domain.Candidate // the note it is written from
	ActionAreas           []Option
	Areas                 []Option // local areas, for an example without a note
	Errors                *form.Errors
	Conflict              *domain.Example // the example as someone else saved it
	Mine                  domain.Input    // what the editor sent, on a conflict
	Findings              []personal.Hit  // personal data found in the title or text, to confirm
}

func (v ExampleFormView) heading() string {
	if v.ExampleID != "" {
		return "Change a good practice example"
	}
	return "Write a good practice example"
}

// Heading is the form page's title.
func (v ExampleFormView) Heading() string { return v.heading() }

func (v ExampleFormView) action() templ.SafeURL {
	if v.ExampleID != "" {
		return reviewURL(v.ReviewID, "examples", v.ExampleID)
	}
	return reviewURL(v.ReviewID, "examples")
}

// ExampleDeleteView is the confirmation before deleting an example.
type ExampleDeleteView struct {
	ReviewID, ReviewTitle string
	Example               domain.Example
}

// FindingRef is a finding offered or linked, with its action area's title.
type FindingRef struct {
	ID         string
	ActionArea string
	Text       string
}

// FindingGroup is one action area's findings, for the recommendation form's checkboxes.
type FindingGroup struct {
	ActionAreaID string
	Title        string
	Findings     []FindingRef
}

// RecRow is a recommendation in the list with the findings it answers.
type RecRow struct {
	Rec      recommendation.Recommendation
	Findings []FindingRef
	Last     bool
}

// RecsView is GET /reviews/{id}/recommendations.
type RecsView struct {
	ReviewID, ReviewTitle string
	Lead                  bool
	Recs                  []RecRow
}

// RecFormView is the form that writes or edits a recommendation.
type RecFormView struct {
	ReviewID, ReviewTitle string
	RecID                 string
	Number                int
	Version               int
	Key                   string
	Body                  string
	Choice                string // an addressee of the review's list, or "other"
	Other                 string // the addressee typed under "Someone else"
	AddresseeList         []string
	Checked               map[string]bool
	Groups                []FindingGroup
	Errors                *form.Errors
	Conflict              *recommendation.Recommendation
}

// Addressees are the review's addressees, in order.
func (v RecFormView) Addressees() []string { return v.AddresseeList }

func (v RecFormView) heading() string {
	if v.RecID != "" {
		return "Change recommendation " + itoa(v.Number)
	}
	return "Write a recommendation"
}

// Heading is the form page's title.
func (v RecFormView) Heading() string { return v.heading() }

func (v RecFormView) action() templ.SafeURL {
	if v.RecID != "" {
		return reviewURL(v.ReviewID, "recommendations", v.RecID)
	}
	return reviewURL(v.ReviewID, "recommendations")
}

func (v RecFormView) hasFindings() bool {
	for _, g := range v.Groups {
		if len(g.Findings) > 0 {
			return true
		}
	}
	return false
}

// firstFinding is the id of the first checkbox, which the error summary links to.
func (v RecFormView) firstFinding() string {
	for _, g := range v.Groups {
		for _, f := range g.Findings {
			return f.ID
		}
	}
	return ""
}

func findingBoxID(v RecFormView, id string) string {
	if id == v.firstFinding() {
		return "findings"
	}
	return "finding-" + id
}

// RecDeleteView is the confirmation before deleting a recommendation.
type RecDeleteView struct {
	ReviewID, ReviewTitle string
	Rec                   recommendation.Recommendation
}

func joinTitles(ts []string) string { return strings.Join(ts, "; ") }

func optionID(id string, i int) string {
	if i == 0 {
		return id
	}
	return id + "-" + strconv.Itoa(i+1)
}

// photoURL is the display copy of a photo of an example's note (served with the note's rules).
func photoURL(reviewID string, ph domain.Photo) string {
	return "/reviews/" + url.PathEscape(reviewID) + "/notes/" + url.PathEscape(ph.NoteID) + "/files/" + url.PathEscape(ph.ID) + "/display"
}
