package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// postFrom sends a form with the CSRF token read from page, for users who cannot reach /account.
func (c *client) postFrom(page, path string, form url.Values) resp {
	c.t.Helper()
	m := csrfRE.FindStringSubmatch(c.get(page).Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s", page)
	}
	form.Set("csrf_token", m[1])
	return c.postRaw(path, form)
}

var (
	secretRE   = regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`)
	qrRE       = regexp.MustCompile(`<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"[^>]* alt="QR code[^"]+"`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2})</code></li>`)
)

// setUpTwoFactor turns two-factor sign-in on for the client's user and returns the secret and
// the recovery codes shown.
func setUpTwoFactor(t *testing.T, c *client) (string, []string) {
	t.Helper()
	page := c.get("/account/two-factor")
	if page.Status != http.StatusOK {
		t.Fatalf("set-up page: %d", page.Status)
	}
	m := secretRE.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no secret on the set-up page:\n%s", page.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if !qrRE.MatchString(page.Body) {
		t.Fatal("no QR code image with alt text on the set-up page")
	}
	if !strings.Contains(page.Body, "otpauth://totp/") {
		t.Fatal("no otpauth URI on the set-up page")
	}
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := c.postFrom("/account/two-factor", "/account/two-factor", url.Values{"code": {code}})
	if r.Status != http.StatusOK {
		t.Fatalf("enable two-factor: %d\n%s", r.Status, r.Body)
	}
	var codes []string
	for _, m := range recoveryRE.FindAllStringSubmatch(r.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("got %d recovery codes, want 10", len(codes))
	}
	return secret, codes
}

func TestAccountPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")
	r := c.get("/account")
	if r.Status != http.StatusOK {
		t.Fatalf("account: %d", r.Status)
	}
	for _, want := range []string{"Lee Lead", "lead@demo.test", demo.TenantName, "Inspectorate staff", "Off",
		`href="/account/password"`, `href="/account/two-factor"`, `aria-current="page"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, `href="/account/organisation"`) {
		t.Error("switch organisation offered to a member of one organisation")
	}
	if n := strings.Count(r.Body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
}

func TestChangePasswordWrongCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")
	r := c.post("/account/password", url.Values{"current_password": {"not my password"},
		"new_password": {"a much better passphrase"}, "confirm_password": {"a much better passphrase"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", r.Status)
	}
	if !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, "Your current password is not correct") {
		t.Fatal("no error summary for the wrong current password")
	}
	for _, pw := range []string{"not my password", "a much better passphrase"} {
		if strings.Contains(r.Body, pw) {
			t.Fatal("password echoed back")
		}
	}
	if e.auditCount("user.password_check_failed") != 1 {
		t.Error("the wrong current password not audited")
	}
	// The password did not change.
	c2 := e.client()
	c2.signIn("lead@demo.test")
}

func TestChangePasswordRefusesCommonAndMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")
	r := c.post("/account/password", url.Values{"current_password": {demo.Password},
		"new_password": {"password1"}, "confirm_password": {"password1"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Password is too common") {
		t.Fatalf("common password: %d", r.Status)
	}
	r = c.post("/account/password", url.Values{"current_password": {demo.Password},
		"new_password": {"a much better passphrase"}, "confirm_password": {"a different passphrase"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The passwords do not match") {
		t.Fatalf("mismatched confirmation: %d", r.Status)
	}
	r = c.post("/account/password", url.Values{})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your current password") {
		t.Fatalf("empty form: %d", r.Status)
	}
}

func TestChangePasswordKeepsThisSessionEndsOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("inspector@demo.test")
	other := e.signedIn("inspector@demo.test")
	if r := other.get("/account"); r.Status != http.StatusOK {
		t.Fatalf("other session before: %d", r.Status)
	}
	before := c.get("/account")
	oldCookie := cookieValue(before.Header)
	next := strings.Repeat("correct horse battery staple ", 7) // 203 characters, as pasted
	r := c.post("/account/password", url.Values{"current_password": {demo.Password},
		"new_password": {next}, "confirm_password": {next}})
	if r.Status != http.StatusSeeOther || r.Location != "/account" {
		t.Fatalf("change password: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if nc := cookieValue(r.Header); nc == "" || nc == oldCookie {
		t.Error("session token not renewed after a password change")
	}
	if got := c.get("/account"); got.Status != http.StatusOK || !strings.Contains(got.Body, "Your password has been changed") {
		t.Fatalf("this session after the change: %d", got.Status)
	}
	if got := other.get("/account"); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/sign-in") {
		t.Fatalf("other session after the change: %d %q, want sent to sign in", got.Status, got.Location)
	}
	if e.auditCount("user.password_changed") != 1 {
		t.Error("password change not audited")
	}
	var after string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT coalesce(after::text, '') FROM audit_log
		WHERE action = 'user.password_changed'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(after, "horse") {
		t.Error("the password is in the audit log")
	}
	// The old password no longer works; the new one does.
	old := e.client()
	if r := old.post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password: %d", r.Status)
	}
	fresh := e.client()
	if r := fresh.post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {next}}); r.Status != http.StatusSeeOther {
		t.Fatalf("new password: %d", r.Status)
	}
}

func TestTwoFactorJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")

	// Reloading the set-up page keeps the same pending secret.
	first := secretRE.FindStringSubmatch(c.get("/account/two-factor").Body)
	second := secretRE.FindStringSubmatch(c.get("/account/two-factor").Body)
	if first == nil || second == nil || first[1] != second[1] {
		t.Fatal("the pending secret changed on reload")
	}
	// A wrong code is refused.
	if r := c.post("/account/two-factor", url.Values{"code": {"000000"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "govuk-error-summary") {
		t.Fatalf("wrong set-up code: %d", r.Status)
	}
	other := e.signedIn("lead@demo.test")
	secret, codes := setUpTwoFactor(t, c)
	if e.auditCount("user.two_factor_enabled") != 1 {
		t.Error("two-factor set-up not audited")
	}
	// This session goes on; the other one ends.
	manage := c.get("/account/two-factor")
	if manage.Status != http.StatusOK || !strings.Contains(manage.Body, `id="recovery-left">10<`) {
		t.Fatalf("manage page: %d", manage.Status)
	}
	if r := other.get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("other session after two-factor set-up: %d", r.Status)
	}

	// Signing in now asks for a code.
	if r := c.post("/sign-out", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.Status)
	}
	r := c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {demo.Password}})
	if r.Status != http.StatusSeeOther || r.Location != "/sign-in/two-factor" {
		t.Fatalf("sign in with two-factor: %d %q", r.Status, r.Location)
	}
	if r := c.post("/sign-in/two-factor", url.Values{"code": {"123456"}}); r.Status != http.StatusUnauthorized &&
		r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", r.Status)
	}
	// The step used to set up cannot be used again, so use the next one.
	code, _ := auth.TOTPCode(secret, time.Now().Add(30*time.Second))
	if r := c.post("/sign-in/two-factor", url.Values{"code": {code}}); r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("right code: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if r := c.get("/account"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Recovery codes left") {
		t.Fatalf("account after two-factor sign-in: %d", r.Status)
	}

	// A recovery code works once.
	useRecovery := func(code string) resp {
		cl := e.client()
		if r := cl.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {demo.Password}}); r.Location != "/sign-in/two-factor" {
			t.Fatalf("sign in: %d %q", r.Status, r.Location)
		}
		return cl.post("/sign-in/two-factor", url.Values{"method": {"recovery"}, "code": {strings.ToUpper(code)}})
	}
	if r := useRecovery(codes[3]); r.Status != http.StatusSeeOther {
		t.Fatalf("recovery code first use: %d", r.Status)
	}
	if r := useRecovery(codes[3]); r.Status != http.StatusUnauthorized {
		t.Fatalf("recovery code second use: %d, want 401", r.Status)
	}
	if r := c.get("/account/two-factor"); !strings.Contains(r.Body, `id="recovery-left">9<`) {
		t.Fatal("recovery codes left not 9 after one was used")
	}

	// New recovery codes replace the old ones.
	r = c.post("/account/two-factor/recovery-codes", nil)
	if r.Status != http.StatusOK || len(recoveryRE.FindAllString(r.Body, -1)) != 10 {
		t.Fatalf("new recovery codes: %d", r.Status)
	}
	if r := useRecovery(codes[4]); r.Status != http.StatusUnauthorized {
		t.Fatalf("old recovery code after replacement: %d, want 401", r.Status)
	}

	// Turning it off needs the password.
	if r := c.post("/account/two-factor/disable", url.Values{"password": {"wrong password"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("disable with a wrong password: %d", r.Status)
	}
	if e.auditCount("user.password_check_failed") != 1 {
		t.Error("the wrong password to turn two-factor sign-in off not audited")
	}
	if r := c.post("/account/two-factor/disable", url.Values{"password": {demo.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if e.auditCount("user.two_factor_disabled") != 1 {
		t.Error("turning off two-factor not audited")
	}
	if r := c.get("/account"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Two-factor sign-in is off") {
		t.Fatalf("account after turning off: %d", r.Status)
	}
	c2 := e.client()
	c2.signIn("lead@demo.test")
	if r := c2.get("/account"); r.Status != http.StatusOK {
		t.Fatalf("sign in without a code after turning off: %d", r.Status)
	}
}

func TestTenantRequiringTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE tenants SET require_2fa = true WHERE slug = $1`, demo.TenantSlug); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	r := c.post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}})
	if r.Status != http.StatusSeeOther || r.Location != "/account/two-factor" {
		t.Fatalf("sign in: %d %q, want sent to set up two-factor", r.Status, r.Location)
	}
	for _, p := range []string{"/", "/account", "/account/password", "/account/organisation"} {
		if r := c.get(p); r.Status != http.StatusSeeOther || r.Location != "/account/two-factor" {
			t.Errorf("GET %s before set-up: %d %q", p, r.Status, r.Location)
		}
	}
	if r := c.postFrom("/account/two-factor", "/account/password", url.Values{"current_password": {demo.Password},
		"new_password": {"a much better passphrase"}, "confirm_password": {"a much better passphrase"}}); r.Status != http.StatusForbidden {
		t.Errorf("POST /account/password before set-up: %d, want 403", r.Status)
	}
	page := c.get("/account/two-factor")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Your organisation requires two-factor sign-in") {
		t.Fatalf("set-up page: %d", page.Status)
	}
	setUpTwoFactor(t, c)
	if r := c.get("/account"); r.Status != http.StatusOK {
		t.Fatalf("account after set-up: %d", r.Status)
	}
	manage := c.get("/account/two-factor")
	if strings.Contains(manage.Body, `action="/account/two-factor/disable"`) {
		t.Error("turning off offered where the organisation requires it")
	}
	if r := c.post("/account/two-factor/disable", url.Values{"password": {demo.Password}}); r.Status != http.StatusForbidden {
		t.Fatalf("turning off where required: %d, want 403", r.Status)
	}
	if e.auditCount("user.two_factor_disabled") != 0 {
		t.Error("two-factor turned off where required")
	}
}

func TestSwitchOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var leadID string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	newTenant := func(slug, name string, member bool) string {
		var id string
		if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: id}, func(tx pgx.Tx) error {
			if err := tenant.Create(ctx, tx, id, slug, name); err != nil {
				return err
			}
			if !member {
				return nil
			}
			return user.AddMember(ctx, tx, id, leadID, auth.RoleAdmin)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	second := newTenant("second-inspectorate", "Second Inspectorate", true)
	stranger := newTenant("stranger-inspectorate", "Stranger Inspectorate", false)

	c := e.signedIn("lead@demo.test")
	acc := c.get("/account")
	if !strings.Contains(acc.Body, `href="/account/organisation"`) {
		t.Fatal("no switch organisation link for a member of two organisations")
	}
	form := c.get("/account/organisation")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, "Second Inspectorate") ||
		strings.Contains(form.Body, "Stranger Inspectorate") {
		t.Fatalf("organisation form: %d", form.Status)
	}
	if r := c.post("/account/organisation", url.Values{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no choice: %d", r.Status)
	}
	if r := c.post("/account/organisation", url.Values{"tenant_id": {stranger}}); r.Status != http.StatusNotFound {
		t.Fatalf("switch to an organisation the user is not in: %d, want 404", r.Status)
	}
	if r := c.post("/account/organisation", url.Values{"tenant_id": {"not-a-uuid"}}); r.Status != http.StatusNotFound {
		t.Fatalf("switch to nonsense: %d, want 404", r.Status)
	}
	oldCookie := cookieValue(c.get("/account").Header)
	r := c.post("/account/organisation", url.Values{"tenant_id": {second}})
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("switch: %d %q", r.Status, r.Location)
	}
	if nc := cookieValue(r.Header); nc == "" || nc == oldCookie {
		t.Error("session token not renewed when switching organisation")
	}
	acc = c.get("/account")
	if acc.Status != http.StatusOK || !strings.Contains(acc.Body, "Second Inspectorate") || !strings.Contains(acc.Body, "Tenant admin") {
		t.Fatalf("account after switching: %d", acc.Status)
	}
	var n int
	if err := e.db.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'auth.tenant_switched'
		AND tenant_id = $1`, second).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("switch audited %d times in the new organisation, want 1", n)
	}
}
