package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"thematic/internal/config"
	"thematic/internal/demo"
)

// resetMailCount counts the mail in the development mailbox sent to an address.
func (e *env) resetMailCount(to string) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM dev_mail WHERE to_address = $1`, to).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// resetLink returns the path of the reset link in the newest mail to an address.
func (e *env) resetLink(to string) string {
	e.t.Helper()
	var body string
	err := e.db.Super.QueryRow(context.Background(), `SELECT body FROM dev_mail WHERE to_address = $1 ORDER BY id DESC LIMIT 1`, to).Scan(&body)
	if err != nil {
		e.t.Fatalf("no mail to %s: %v", to, err)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(e.cfg.BaseURL) + `(/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no reset link in mail:\n%s", body)
	}
	return m[1]
}

func TestForgotPasswordAnswersTheSameForKnownAndUnknownEmails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	if r := c.get("/password/forgot"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="email"`) {
		t.Fatalf("forgot form: %d", r.Status)
	}
	known := c.post("/password/forgot", url.Values{"email": {"admin@demo.test"}})
	unknown := c.post("/password/forgot", url.Values{"email": {"nobody@demo.test"}})
	if known.Status != http.StatusOK || unknown.Status != http.StatusOK {
		t.Fatalf("status known %d, unknown %d; want 200 both", known.Status, unknown.Status)
	}
	if !strings.Contains(known.Body, "If an account exists for <strong>admin@demo.test</strong>") {
		t.Fatalf("confirmation missing:\n%s", known.Body)
	}
	a := strings.ReplaceAll(known.Body, "admin@demo.test", "EMAIL")
	b := strings.ReplaceAll(unknown.Body, "nobody@demo.test", "EMAIL")
	if a != b {
		t.Fatalf("answers differ for a known and an unknown email:\n--- known\n%s\n--- unknown\n%s", a, b)
	}
	if n := e.resetMailCount("admin@demo.test"); n != 1 {
		t.Errorf("mail to the known address = %d, want 1", n)
	}
	if n := e.resetMailCount("nobody@demo.test"); n != 0 {
		t.Errorf("mail to the unknown address = %d, want 0", n)
	}
	if n := e.auditCount("auth.password_reset_requested"); n != 1 {
		t.Errorf("audit auth.password_reset_requested = %d, want 1", n)
	}
	var tenant *string
	if err := e.db.Super.QueryRow(context.Background(),
		`SELECT tenant_id::text FROM audit_log WHERE action = 'auth.password_reset_requested'`).Scan(&tenant); err != nil || tenant != nil {
		t.Errorf("reset request audited with tenant %v (err %v), want none", tenant, err)
	}
}

func TestForgotPasswordRefusesAnInvalidEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	for email, msg := range map[string]string{"": "Enter your email address", "not an email": "Enter an email address in the correct format"} {
		r := c.post("/password/forgot", url.Values{"email": {email}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msg) || !strings.Contains(r.Body, "govuk-error-summary") {
			t.Fatalf("email %q: %d, want 422 with %q", email, r.Status, msg)
		}
		if !strings.Contains(r.Body, "<title>Error: ") {
			t.Errorf("email %q: title lacks the Error: prefix", email)
		}
		if email != "" && !strings.Contains(r.Body, `value="not an email"`) {
			t.Errorf("typed value not kept")
		}
	}
}

func TestForgotPasswordSendsAtMostThreeMailsAnHour(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	var first string
	for i := 0; i < 5; i++ {
		r := c.post("/password/forgot", url.Values{"email": {"lead@demo.test"}})
		if r.Status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.Status)
		}
		if i == 0 {
			first = r.Body
		} else if r.Body != first {
			t.Fatalf("request %d answered differently", i+1)
		}
	}
	if n := e.resetMailCount("lead@demo.test"); n != 3 {
		t.Fatalf("mails sent = %d, want 3", n)
	}
	var resets int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM password_resets`).Scan(&resets); err != nil || resets != 3 {
		t.Fatalf("resets stored = %d (%v), want 3", resets, err)
	}
}

func TestPasswordResetSetsANewPasswordOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const email, newPassword = "inspector@demo.test", "correct horse battery staple"
	elsewhere := e.signedIn(email) // a session on another device, which must end
	if r := elsewhere.get("/"); r.Status != http.StatusOK {
		t.Fatalf("signed in home: %d", r.Status)
	}

	c := e.client()
	c.post("/password/forgot", url.Values{"email": {email}})
	link := e.resetLink(email)
	form := c.get(link)
	if form.Status != http.StatusOK || !strings.Contains(form.Body, email) || !strings.Contains(form.Body, `autocomplete="new-password"`) {
		t.Fatalf("reset form: %d\n%s", form.Status, form.Body)
	}

	for _, tc := range []struct{ password, confirm, msg string }{
		{"", "", "Enter a new password"},
		{"short", "short", "8 characters or more"},
		{"password123", "password123", "too common"},
		{newPassword, "something else entirely", "The passwords do not match"},
	} {
		r := c.post(link, url.Values{"password": {tc.password}, "confirm": {tc.confirm}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) {
			t.Fatalf("password %q: %d, want 422 with %q", tc.password, r.Status, tc.msg)
		}
		if tc.password != "" && strings.Contains(r.Body, `value="`+tc.password+`"`) {
			t.Fatalf("password echoed back")
		}
	}

	done := c.post(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	if done.Status != http.StatusSeeOther || done.Location != "/sign-in" {
		t.Fatalf("reset: %d %q, want redirect to sign-in", done.Status, done.Location)
	}
	if r := c.get("/sign-in"); !strings.Contains(r.Body, "Your password has been changed. Sign in with your new password.") {
		t.Fatalf("no notice on the sign-in page:\n%s", r.Body)
	}
	if r := c.get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("signed in automatically after a reset: GET / = %d", r.Status)
	}
	if n := e.auditCount("auth.password_reset"); n != 1 {
		t.Errorf("audit auth.password_reset = %d, want 1", n)
	}

	// The other session has ended.
	if r := elsewhere.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("old session still works after reset: %d %q", r.Status, r.Location)
	}

	// The old password no longer works; the new one does.
	if r := e.client().post("/sign-in", url.Values{"email": {email}, "password": {demo.Password}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password: %d, want 401", r.Status)
	}
	if r := e.client().post("/sign-in", url.Values{"email": {email}, "password": {newPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("new password: %d, want 303", r.Status)
	}

	// The link works once.
	if r := c.get(link); r.Status != http.StatusGone || !strings.Contains(r.Body, "This link has expired or has already been used") {
		t.Fatalf("reused link GET: %d", r.Status)
	}
	if r := c.post(link, url.Values{"password": {"another good pass phrase"}, "confirm": {"another good pass phrase"}}); r.Status != http.StatusGone {
		t.Fatalf("reused link POST: %d", r.Status)
	}
}

func TestPasswordResetRefusesExpiredAndUnknownLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.post("/password/forgot", url.Values{"email": {"observer@demo.test"}})
	link := e.resetLink("observer@demo.test")
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE password_resets SET expires_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	for _, r := range []resp{c.get(link), c.post(link, url.Values{"password": {"a fine new password"}, "confirm": {"a fine new password"}})} {
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "This link has expired or has already been used") ||
			!strings.Contains(r.Body, `href="/password/forgot"`) {
			t.Fatalf("expired link: %d", r.Status)
		}
	}
	if r := c.get("/password/reset/not-a-real-token"); r.Status != http.StatusNotFound ||
		!strings.Contains(r.Body, "This link has expired or has already been used") {
		t.Fatalf("unknown link: %d", r.Status)
	}
	if n := e.auditCount("auth.password_reset"); n != 0 {
		t.Errorf("expired link changed a password")
	}
}

func TestDevMailboxShowsMailInDevelopmentOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	empty := admin.get("/dev/mail")
	if empty.Status != http.StatusOK || !strings.Contains(empty.Body, "There is no mail yet") {
		t.Fatalf("empty mailbox: %d", empty.Status)
	}
	c := e.client()
	c.post("/password/forgot", url.Values{"email": {"admin@demo.test"}})
	// Mail to someone outside the tenant is not the tenant admin's to read.
	if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO dev_mail (to_address, subject, body)
		VALUES ('someone@elsewhere.test', 'Another tenant''s mail', 'secret link')`); err != nil {
		t.Fatal(err)
	}
	r := admin.get("/dev/mail")
	if r.Status != http.StatusOK {
		t.Fatalf("mailbox: %d", r.Status)
	}
	for _, want := range []string{"admin@demo.test", "Reset your Thematic reviews password", `aria-current="page"`,
		`<a class="govuk-link" href="` + e.cfg.BaseURL + `/password/reset/`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("mailbox lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "someone@elsewhere.test") {
		t.Error("the mailbox shows mail to someone outside the tenant")
	}
	// Nobody else reads it: not someone signed out, not a member who is not an admin.
	if r := c.get("/dev/mail"); r.Status != http.StatusSeeOther {
		t.Errorf("mailbox signed out: %d, want a redirect to sign in", r.Status)
	}
	lead := e.signedIn("lead@demo.test")
	if r := lead.get("/dev/mail"); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Errorf("mailbox for a member: %d", r.Status)
	}
	if strings.Contains(lead.get("/").Body, "/dev/mail") {
		t.Error("the mailbox is offered to a member who is not an admin")
	}

	prod := newEnv(t, func(c *config.Config) { c.Env = "production" })
	if r := prod.client().get("/dev/mail"); r.Status != http.StatusNotFound {
		t.Fatalf("mailbox in production: %d, want 404", r.Status)
	}
}

func TestHomeAndInformationPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.client()
	for path, want := range map[string]string{
		"/accessibility": "WCAG",
		"/privacy":       "IP address",
	} {
		r := anon.get(path)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, want) || strings.Count(r.Body, "<h1") != 1 {
			t.Errorf("%s: %d, want 200 with %q and one h1", path, r.Status, want)
		}
	}
	if r := anon.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("home signed out: %d %q", r.Status, r.Location)
	}
	c := e.signedIn("admin@demo.test")
	r := c.get("/")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, demo.TenantName) || !strings.Contains(r.Body, "Your reviews") {
		t.Fatalf("home: %d", r.Status)
	}
}
