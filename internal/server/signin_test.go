package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignInRenewsSessionAndSignsOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	before := c.get("/sign-in")
	if before.Status != http.StatusOK || !strings.Contains(before.Body, "Sign in") {
		t.Fatalf("sign-in page: %d", before.Status)
	}
	oldCookie := cookieValue(before.Header)
	r := c.post("/sign-in", url.Values{"email": {"Admin@Demo.test "}, "password": {"demo-thematic-2026"}})
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("sign in: %d %q", r.Status, r.Location)
	}
	if nc := cookieValue(r.Header); nc == "" || nc == oldCookie {
		t.Fatalf("session token not renewed at sign-in: %q → %q", oldCookie, nc)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		// The redirect itself comes from a signed-out request; the next page must be no-store.
		home := c.get("/")
		if home.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("signed-in page Cache-Control = %q, want no-store", home.Header.Get("Cache-Control"))
		}
	}
	if e.auditCount("auth.signed_in") != 1 {
		t.Errorf("sign-in not audited")
	}
	out := c.post("/sign-out", nil)
	if out.Status != http.StatusSeeOther || out.Location != "/sign-in" {
		t.Fatalf("sign out: %d %q", out.Status, out.Location)
	}
	if got := c.get("/"); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/sign-in") {
		t.Fatalf("after sign-out / = %d %q, want redirect to sign-in", got.Status, got.Location)
	}
}

func TestWrongCredentialsSayTheSameThing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	wrong := c.post("/sign-in", url.Values{"email": {"admin@demo.test"}, "password": {"not-the-password"}})
	unknown := c.post("/sign-in", url.Values{"email": {"nobody@demo.test"}, "password": {"not-the-password"}})
	for _, r := range []resp{wrong, unknown} {
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "Enter a correct email address and password") {
			t.Fatalf("status %d, body lacks the one message", r.Status)
		}
		if !strings.Contains(r.Body, "govuk-error-summary") {
			t.Fatal("no error summary")
		}
	}
	if e.auditCount("auth.sign_in_failed") != 2 {
		t.Errorf("failed sign-ins not audited")
	}
}

func TestSignInThrottledPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for i := 0; i < 5; i++ {
		c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {"wrong password"}})
	}
	r := c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {"demo-thematic-2026"}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "too many attempts") {
		t.Fatalf("sixth attempt: %d", r.Status)
	}
	// Another account from another client is not affected by this account's limit.
	other := e.client()
	other.signIn("admin@demo.test")
}

func cookieValue(h http.Header) string {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if strings.HasSuffix(c.Name, "thematic_session") {
			return c.Value
		}
	}
	return ""
}
