// Package templates holds the page value every view receives. Views live in the sub-packages and
// take typed view models; they never query the database.
package templates

import (
	"strconv"

	"thematic/internal/auth"
)

// Page is what the layout needs on every page.
type Page struct {
	Title       string      // the page's own title; the layout adds the service name
	Actor       *auth.Actor // nil when nobody is signed in
	CSRF        string      // token for every form
	Flash       string      // success message shown once in a notification banner
	Nav         string      // the current navigation item: "home", "admin", "account", "mail"
	Dev         bool        // development mode: show the mailbox link
	HasError    bool        // prefix the title with "Error: " (GOV.UK pattern)
	ManyTenants bool        // the user can switch organisation
	IdleSeconds int         // the session's idle timeout, for the timeout warning
	// OpenConcerns counts the open safeguarding concerns of the review the page is about, for its
	// leads only (0 for everyone else); ConcernsURL is their list.
	OpenConcerns int
	ConcernsURL  string
	Asset        func(name string) string
}

// FullTitle is the document title in GOV.UK style.
func (p Page) FullTitle() string {
	t := p.Title + " – Thematic reviews"
	if p.HasError {
		t = "Error: " + t
	}
	return t
}

// ConcernsLine is the leads' banner: "2 open safeguarding concerns need action".
func (p Page) ConcernsLine() string {
	if p.OpenConcerns == 1 {
		return "1 open safeguarding concern needs action"
	}
	return strconv.Itoa(p.OpenConcerns) + " open safeguarding concerns need action"
}

// SignedIn reports whether someone is signed in.
func (p Page) SignedIn() bool { return p.Actor != nil }

// IsAdmin reports whether the signed-in user administers the tenant.
func (p Page) IsAdmin() bool { return auth.Allowed(p.Actor, auth.ManageTenant) }
