package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"thematic/internal/auth"
	"thematic/internal/demo"
)

// accountSuccessPaths are the forms of accounts, sign-in and invitations whose success paths
// sent more than ten statements (issue 17): accepting an invitation 17–27, turning two-factor
// sign-in off 17–22, the two-factor step of signing in 15, changing one's password 11–16, forgot
// password 12–13, a tenant admin's invitation 13–15, setting a password through a reset link 13.
var accountSuccessPaths = []successPath{
	{"accepting an invitation with a new account", func(t *testing.T, e *env) (*client, string, url.Values) {
		link := e.invite(e.invTenantID(demo.TenantSlug), "new.person@demo.test", "Nia New", auth.RoleMember)
		return e.client(), link, url.Values{"name": {"Nia New"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}}
	}, 0},
	{"accepting an invitation with an existing account", func(t *testing.T, e *env) (*client, string, url.Values) {
		second := e.invNewTenant("second-inspectorate", "Second Inspectorate")
		link := e.invite(second, "lead@demo.test", "Lee Lead", auth.RoleAdmin)
		return e.client(), link, url.Values{"password": {demo.Password}}
	}, 0},
	{"accepting an invitation with an account that has two-factor sign-in", func(t *testing.T, e *env) (*client, string, url.Values) {
		accTOTPOn(t, e, "observer@demo.test")
		second := e.invNewTenant("second-inspectorate", "Second Inspectorate")
		link := e.invite(second, "observer@demo.test", "Olu Observer", auth.RoleMember)
		return e.client(), link, url.Values{"password": {demo.Password}}
	}, 0},
	{"the two-factor step of signing in", func(t *testing.T, e *env) (*client, string, url.Values) {
		accTOTPOn(t, e, "lead@demo.test")
		c := accPasswordStep(t, e, "lead@demo.test")
		code, err := auth.TOTPCode(accSecret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c, "/sign-in/two-factor", url.Values{"code": {code}}
	}, 0},
	{"the two-factor step of signing in with a recovery code", func(t *testing.T, e *env) (*client, string, url.Values) {
		_, codes := setUpTwoFactor(t, e.signedIn("lead@demo.test"))
		c := accPasswordStep(t, e, "lead@demo.test")
		return c, "/sign-in/two-factor", url.Values{"method": {"recovery"}, "code": {codes[0]}}
	}, 0},
	{"turning two-factor sign-in off", func(t *testing.T, e *env) (*client, string, url.Values) {
		c := e.signedIn("lead@demo.test")
		setUpTwoFactor(t, c)
		return c, "/account/two-factor/disable", url.Values{"password": {demo.Password}}
	}, 0},
	{"changing one's password", func(t *testing.T, e *env) (*client, string, url.Values) {
		return e.signedIn("inspector@demo.test"), "/account/password", url.Values{"current_password": {demo.Password},
			"new_password": {"a much better passphrase"}, "confirm_password": {"a much better passphrase"}}
	}, 0},
	{"forgot password for an account", func(t *testing.T, e *env) (*client, string, url.Values) {
		return e.client(), "/password/forgot", url.Values{"email": {"lead@demo.test"}}
	}, http.StatusOK},
	{"forgot password for an address without an account", func(t *testing.T, e *env) (*client, string, url.Values) {
		return e.client(), "/password/forgot", url.Values{"email": {"nobody@demo.test"}}
	}, http.StatusOK},
	{"setting a password through a reset link", func(t *testing.T, e *env) (*client, string, url.Values) {
		c := e.client()
		if r := c.post("/password/forgot", url.Values{"email": {"lead@demo.test"}}); r.Status != http.StatusOK {
			t.Fatalf("forgot password: %d", r.Status)
		}
		return c, e.resetLink("lead@demo.test"), url.Values{"password": {"a much better passphrase"}, "confirm": {"a much better passphrase"}}
	}, 0},
	{"a tenant admin inviting someone", func(t *testing.T, e *env) (*client, string, url.Values) {
		return e.signedIn("admin@demo.test"), "/admin/users/invite", url.Values{"name": {"Nia New"}, "email": {"nia.new@demo.test"}, "role": {"member"}}
	}, 0},
	{"a tenant admin inviting someone again", func(t *testing.T, e *env) (*client, string, url.Values) {
		c := e.signedIn("admin@demo.test")
		if r := c.post("/admin/users/invite", url.Values{"name": {"Nia New"}, "email": {"nia.new@demo.test"}, "role": {"member"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("first invitation: %d", r.Status)
		}
		return c, "/admin/users/invite", url.Values{"name": {"Nia New"}, "email": {"nia.new@demo.test"}, "role": {"staff"}}
	}, 0},
}

// TestAccountSuccessPathsWithinTheStatementBudget sends each form of accountSuccessPaths valid
// and counts the statements of the request.
func TestAccountSuccessPathsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	checkSuccessPaths(t, accountSuccessPaths)
}

// accSecret is the authenticator secret accTOTPOn gives.
const accSecret = "JBSWY3DPEHPK3PXP"

// accTOTPOn turns two-factor sign-in on for email, with accSecret, as the superuser.
func accTOTPOn(t *testing.T, e *env, email string) {
	t.Helper()
	if _, err := e.db.Super.Exec(context.Background(),
		`UPDATE users SET totp_enabled = true, totp_secret = $2, totp_last_step = 0 WHERE email = $1`, email, accSecret); err != nil {
		t.Fatal(err)
	}
}

// accPasswordStep gives the password of email, which has two-factor sign-in on, and returns the
// client, now asked for the code.
func accPasswordStep(t *testing.T, e *env, email string) *client {
	t.Helper()
	c := e.client()
	if r := c.post("/sign-in", url.Values{"email": {email}, "password": {demo.Password}}); r.Location != "/sign-in/two-factor" {
		t.Fatalf("password step: %d %q", r.Status, r.Location)
	}
	return c
}
