// Package visit holds the pages of a review's visits (list, form, visit, timeline), the user's own
// visits, and their private calendar feed. Import it as visitview.
package visitview

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/form"
	domain "thematic/internal/visit"
)

// reviewURL is a path under the review: reviewURL(id, "visits", "new").
func reviewURL(reviewID string, parts ...string) templ.SafeURL {
	p := "/reviews/" + reviewID + "/"
	if len(parts) > 0 {
		p += strings.Join(parts, "/")
	}
	return templ.SafeURL(p)
}

func visitURL(reviewID, visitID string, parts ...string) templ.SafeURL {
	return reviewURL(reviewID, append([]string{"visits", visitID}, parts...)...)
}

func itoa(n int) string { return strconv.Itoa(n) }

// names lists people: "Ira Inspector, Cass Carter".
func names(team []domain.TeamMember) string {
	out := make([]string, len(team))
	for i, m := range team {
		out[i] = m.Name
	}
	return strings.Join(out, ", ")
}

// fieldwork describes the review's fieldwork window.
func fieldwork(r domain.ReviewInfo) string {
	switch {
	case r.FieldworkStart != nil && r.FieldworkEnd != nil:
		return domain.FormatRange(*r.FieldworkStart, *r.FieldworkEnd)
	case r.FieldworkStart != nil:
		return "From " + domain.FormatDate(*r.FieldworkStart)
	case r.FieldworkEnd != nil:
		return "Until " + domain.FormatDate(*r.FieldworkEnd)
	}
	return "Not set"
}

func isoDate(t time.Time) string { return domain.ISODate(t) }

// describedBy joins the ids an input is described by, skipping empty ones.
func describedBy(ids ...string) string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return strings.Join(out, " ")
}

func when(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// dayID is the id of a member's checkbox for the i-th day: the first is the member's field id,
// which error messages link to.
func dayID(memberID string, i int) string {
	if i == 0 {
		return domain.TeamField(memberID)
	}
	return domain.TeamField(memberID) + "-" + strconv.Itoa(i+1)
}

// paragraphs splits notes into paragraphs at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func errorsOrEmpty(e *form.Errors) *form.Errors {
	if e == nil {
		return &form.Errors{}
	}
	return e
}

func longDateTime(t time.Time) string {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(l)
	}
	return t.Format("3:04pm") + " on " + t.Format("2 January 2006")
}

// orNone is a value, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// teamOrNone is the team's names, or "not chosen yet".
func teamOrNone(team []domain.TeamMember) string {
	if len(team) == 0 {
		return "not chosen yet"
	}
	return names(team)
}
