package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// mailLink opens the development mailbox, as the tenant's admin in a browser of their own, and
// returns the newest link containing part.
func (b *B) mailLink(part string) string {
	b.t.Helper()
	admin := newB(b.t, b.Env)
	admin.signIn("admin@demo.test", demo.Password)
	admin.Visit("/dev/mail")
	href, err := chromedp.Run(admin.ctx, chromedp.Evaluate[string](
		`(Array.from(document.querySelectorAll('main a[href*="`+part+`"]'))[0] || {href: ''}).href`))
	if err != nil || href == "" {
		b.t.Fatalf("no %s link in the mailbox: %v\n%s", part, err, admin.Body())
	}
	return strings.TrimPrefix(href, b.Env.URL())
}

func TestJourneyPasswordResetThroughMailbox(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.Visit("/sign-in")
	b.ClickLink("I have forgotten my password")
	b.Fill("email", "lead@demo.test")
	b.Submit("main button[type=submit]")
	b.Expect("lead@demo.test")

	b.Visit(b.mailLink("/password/reset/"))
	const newPassword = "a brand new pass phrase for the lead"
	b.Fill("password", newPassword)
	b.Fill("confirm", newPassword)
	b.Submit("main button[type=submit]")
	if !strings.HasPrefix(b.Path(), "/sign-in") {
		t.Fatalf("after reset at %s", b.Path())
	}
	b.Expect("Your password has been changed")

	b.signIn("lead@demo.test", demo.Password)
	b.Expect("Enter a correct email address and password")
	b.signIn("lead@demo.test", newPassword)
	if b.Path() != "/" {
		t.Fatalf("signed in with the new password but at %s", b.Path())
	}
	b.Expect("Signed in as Lee Lead")
}

func TestJourneyAdminInvitesUserWhoAcceptsAndSignsIn(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.signIn("admin@demo.test", demo.Password)
	b.ClickLink("Users")
	b.ClickLink("Invite a user")
	b.Fill("name", "Nia Newcomer")
	b.Fill("email", "nia.newcomer@demo.test")
	b.Check("role")
	b.Submit("main button[type=submit]")
	if b.Path() != "/admin/users" {
		t.Fatalf("after inviting at %s", b.Path())
	}
	b.Expect("Invitation sent")
	b.Expect("nia.newcomer@demo.test")
	b.Submit("form[action='/sign-out'] button")

	b.Visit(b.mailLink("/invitations/"))
	b.Expect("Demo Inspectorate")
	const password = "nia's own long pass phrase"
	b.Fill("password", password)
	b.Fill("confirm", password)
	b.Submit("main button[type=submit]")
	if b.Path() != "/" {
		t.Fatalf("after accepting at %s:\n%s", b.Path(), b.Body())
	}
	b.Expect("Signed in as Nia Newcomer")

	// And again later, with the password chosen.
	b.Submit("form[action='/sign-out'] button")
	b.signIn("nia.newcomer@demo.test", password)
	b.Expect("Signed in as Nia Newcomer")
}
