// Package templates holds the page value every view receives. Views live in the sub-packages and
// take typed view models; they never query the database.
package templates

import "thematic/internal/auth"

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
	Asset       func(name string) string
}

// FullTitle is the document title in GOV.UK style.
func (p Page) FullTitle() string {
	t := p.Title + " – Thematic reviews"
	if p.HasError {
		t = "Error: " + t
	}
	return t
}

// SignedIn reports whether someone is signed in.
func (p Page) SignedIn() bool { return p.Actor != nil }

// IsAdmin reports whether the signed-in user administers the tenant.
func (p Page) IsAdmin() bool { return auth.Allowed(p.Actor, auth.ManageTenant) }
