package e2e

import (
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneySingleSignOn: the tenant admin sets up single sign-on with the organisation's
// identity provider (a real OpenID provider run in process), then a member signs in through it
// from the organisation's sign-in page, and signs out. Every page is checked with axe.
func TestJourneySingleSignOn(t *testing.T) {
	t.Parallel()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	b := newB(t, testenv.New(t))

	b.signIn("admin@demo.test", demo.Password)
	b.Visit("/admin/settings")
	b.ClickLink("Set up single sign-on")
	b.Expect("Register this service with your provider")
	// A form sent without the secret says so, and keeps what was typed.
	b.Fill("name", "Test Provider")
	b.Fill("issuer", m.Issuer())
	b.Fill("client_id", m.ClientID)
	b.Fill("domains", "demo.test")
	b.Check("create_members-2")
	b.Check("require_for_staff-2")
	b.Submit("form[action='/admin/single-sign-on'] button[type=submit]")
	b.Expect("There is a problem")
	b.Expect("Enter the client secret the provider gave this service")
	if v, _ := b.value("client_id"); v != m.ClientID {
		t.Fatalf("client id not kept: %q", v)
	}
	b.Fill("client_secret", m.ClientSecret)
	b.Submit("form[action='/admin/single-sign-on'] button[type=submit]")
	b.Expect("Single sign-on settings saved")
	b.Expect("A client secret is set")
	b.Submit("form[action='/sign-out'] button")

	// Lee signs in through the provider from the organisation's sign-in page.
	m.QueueUser(&mockoidc.MockUser{Subject: "lee", Email: "lead@demo.test", EmailVerified: true})
	b.Visit("/sign-in?organisation=" + demo.TenantSlug)
	b.ClickLink("Sign in with Test Provider")
	if p := b.Path(); p != "/" {
		t.Fatalf("after single sign-on at %s", p)
	}
	b.Expect("Signed in as Lee Lead")
	b.Submit("form[action='/sign-out'] button")
	b.Expect("You have been signed out")
}
