package e2e

import (
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// signIn goes through the sign-in page as a person would.
func (b *B) signIn(email, password string) {
	b.t.Helper()
	b.Visit("/sign-in")
	b.Fill("email", email)
	b.Fill("password", password)
	b.Submit("form[action='/sign-in'] button[type=submit]")
}

func TestJourneySignInAndOut(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.Visit("/")
	if p := b.Path(); p != "/sign-in?next=%2F" {
		t.Fatalf("signed-out home went to %s, want the sign-in page", p)
	}
	b.signIn("admin@demo.test", demo.Password)
	if p := b.Path(); p != "/" {
		t.Fatalf("after sign-in at %s", p)
	}
	b.Expect("Signed in as Alex Admin")
	b.Submit("form[action='/sign-out'] button")
	if p := b.Path(); p != "/sign-in" {
		t.Fatalf("after sign-out at %s", p)
	}
	b.Expect("You have been signed out")
	b.Visit("/")
	if b.Path() == "/" {
		t.Fatal("home reachable after sign-out")
	}
}

func TestJourneyWrongPassword(t *testing.T) {
	t.Parallel()
	b := newB(t, testenv.New(t))
	b.signIn("admin@demo.test", "not my password")
	b.Expect("There is a problem")
	b.Expect("Enter a correct email address and password")
	if got := b.Text("#email-error"); got == "" {
		t.Fatal("no error message next to the email field")
	}
	// What was typed is kept, except the password.
	v, _ := b.value("email")
	if v != "admin@demo.test" {
		t.Fatalf("email field = %q, want what was typed", v)
	}
	if pw, _ := b.value("password"); pw != "" {
		t.Fatal("password echoed back")
	}
}
