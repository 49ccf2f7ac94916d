// Package registerview shows the tenant's recommendations register, one recommendation of it
// with its status and responses, and a finding's links to earlier recommendations.
package registerview

import (
	"strconv"

	"github.com/a-h/templ"

	"thematic/internal/form"
	"thematic/internal/register"
	"thematic/templates/components"
)

// View is the register's page.
type View struct {
	Filter  register.Filter
	Errors  *form.Errors
	Options register.Options
	Entries []register.Entry
}

// EntryView is one recommendation's page.
type EntryView struct {
	Entry    register.Entry
	CanEdit  bool
	Status   string // chosen in the status form
	Version  int
	Conflict bool // the status changed since the editor opened the page
	Response register.ResponseInput
	Day      string
	Month    string
	Year     string
	Key      string
	Errors   *form.Errors
}

// FollowUpView is a finding's page of links to earlier recommendations.
type FollowUpView struct {
	ReviewID string
	Page     register.FollowUpPage
	Q        string
	Errors   *form.Errors
}

func itoa(n int) string { return strconv.Itoa(n) }

func entryURL(id string) templ.SafeURL { return templ.SafeURL("/register/" + id) }

func findingURL(reviewID, findingID string) templ.SafeURL {
	return templ.SafeURL("/reviews/" + reviewID + "/findings/" + findingID)
}

func followURL(reviewID, findingID string, parts ...string) templ.SafeURL {
	u := "/reviews/" + reviewID + "/findings/" + findingID + "/follow-ups"
	for _, p := range parts {
		u += "/" + p
	}
	return templ.SafeURL(u)
}

func statusOptions() []components.Radio {
	var out []components.Radio
	for _, s := range register.Statuses {
		out = append(out, components.Radio{Value: s, Label: register.StatusLabel(s)})
	}
	return out
}

func yearString(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

func rowsLabel(n int) string {
	if n == 1 {
		return "1 recommendation"
	}
	return strconv.Itoa(n) + " recommendations"
}
