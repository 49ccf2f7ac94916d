// Package review holds the pages of a review: the list of reviews, creating one, its overview,
// editing its details and status, and its lines of enquiry.
package reviewview

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/auth"
	domain "thematic/internal/review"
	"thematic/internal/text"
	"thematic/templates"
)

// reviewURL is a path under a review: reviewURL(id) is its overview, reviewURL(id, "enquiry") a page.
func reviewURL(id string, parts ...string) templ.SafeURL {
	p := "/reviews/" + url.PathEscape(id) + "/"
	for i, s := range parts {
		if i > 0 {
			p += "/"
		}
		p += url.PathEscape(s)
	}
	return templ.SafeURL(p)
}

// ReviewPath is the overview's path, for redirects.
func ReviewPath(id string) string { return string(reviewURL(id)) }

func tenantName(p templates.Page) string {
	if p.Actor == nil {
		return ""
	}
	return p.Actor.TenantName
}

// statusClass gives each stage its own tag colour.
func statusClass(s domain.Status) string {
	switch s {
	case domain.StatusSetup:
		return "govuk-tag govuk-tag--grey"
	case domain.StatusFieldwork:
		return "govuk-tag govuk-tag--blue"
	case domain.StatusAnalysis:
		return "govuk-tag govuk-tag--purple"
	case domain.StatusDrafting:
		return "govuk-tag govuk-tag--yellow"
	case domain.StatusQA:
		return "govuk-tag govuk-tag--orange"
	case domain.StatusPublished:
		return "govuk-tag govuk-tag--green"
	}
	return "govuk-tag"
}

func roleLabel(r auth.ReviewRole) string { return r.Label() }

// templateBrings says what a template gives a new review, from what it holds.
func templateBrings(t domain.Template) string {
	var lines, areas int
	for _, g := range t.LinesOfEnquiry {
		lines += len(g.Questions)
	}
	for _, g := range t.Framework.Groups {
		areas += len(g.ActionAreas)
	}
	var parts []string
	if t.KeyQuestion != "" {
		parts = append(parts, "its key question (unless you give one)")
	}
	if lines > 0 {
		parts = append(parts, text.Plural(lines, "line", "lines")+" of enquiry in "+text.Plural(len(t.LinesOfEnquiry), "group", "groups"))
	}
	if areas > 0 {
		parts = append(parts, "a framework of "+text.Plural(areas, "action area", "action areas")+" in "+
			text.Plural(len(t.Framework.Groups), "group", "groups")+" with their policy quotes")
	}
	var lists []string
	for _, k := range domain.VocabKinds {
		if n := len(t.Vocabulary.Names(k)); n > 0 {
			lists = append(lists, strconv.Itoa(n)+" "+strings.ToLower(k.Title()))
		}
	}
	if len(lists) > 0 {
		parts = append(parts, "its lists ("+text.JoinAnd(lists)+")")
	}
	if len(parts) == 0 {
		return t.Description
	}
	return strings.TrimSpace("Brings " + text.JoinAnd(parts) + ". " + t.Description)
}

// longDate is like "1 August 2023". Review dates are days, stored without a time zone.
func longDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2 January 2006")
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// fieldwork describes the fieldwork window.
func fieldwork(start, end *time.Time) string {
	switch {
	case start != nil && end != nil:
		return longDate(start) + " to " + longDate(end)
	case start != nil:
		return "From " + longDate(start)
	case end != nil:
		return "Until " + longDate(end)
	}
	return "Not set"
}

func orNotSet(s string) string {
	if strings.TrimSpace(s) == "" {
		return "Not set"
	}
	return s
}

func dateOrNotSet(t *time.Time) string {
	if t == nil {
		return "Not set"
	}
	return longDate(t)
}

func itoa(n int) string { return strconv.Itoa(n) }

// describedBy joins the ids of a field's hint and error.
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

// paragraphs splits typed text at blank lines (or single line breaks) into paragraphs.
func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
