package server_test

import (
	"context"
	"net/http"
	"net/url"
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

// invTenantID returns the id of a tenant by slug, read as the superuser.
func (e *env) invTenantID(slug string) string {
	e.t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM tenants WHERE slug = $1`, slug).Scan(&id); err != nil {
		e.t.Fatalf("tenant %s: %v", slug, err)
	}
	return id
}

// invNewTenant makes a second tenant, as the command line would.
func (e *env) invNewTenant(slug, name string) string {
	e.t.Helper()
	ctx := context.Background()
	var id string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: id}, func(tx pgx.Tx) error {
		return tenant.Create(ctx, tx, id, slug, name)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// invite stores an invitation to a tenant, from the demo admin, and returns its link's path.
func (e *env) invite(tenantID, email, name string, role auth.Role) string {
	e.t.Helper()
	ctx := context.Background()
	var adminID string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'admin@demo.test'`).Scan(&adminID); err != nil {
		e.t.Fatal(err)
	}
	token, hash := auth.NewToken()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		_, err := user.CreateInvitation(ctx, tx, user.Invitation{TenantID: tenantID, Email: email, Name: name, Role: role,
			ExpiresAt: time.Now().Add(7 * 24 * time.Hour)}, adminID, hash)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return "/invitations/" + token
}

// invRole returns a user's role in a tenant, or "" when they are not an active member.
func (e *env) invRole(tenantID, email string) string {
	e.t.Helper()
	var role string
	err := e.db.Super.QueryRow(context.Background(), `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND u.email = $2 AND m.deactivated_at IS NULL`, tenantID, email).Scan(&role)
	if err == pgx.ErrNoRows {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return role
}

func TestInvitationCreatesAnAccountAndSignsIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	demoID := e.invTenantID(demo.TenantSlug)
	link := e.invite(demoID, "new.person@demo.test", "Nia New", auth.RoleMember)
	c := e.client()

	page := c.get(link)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Create your account") ||
		!strings.Contains(page.Body, `value="Nia New"`) || !strings.Contains(page.Body, demo.TenantName) {
		t.Fatalf("invitation page: %d\n%s", page.Status, page.Body)
	}

	bad := c.post(link, url.Values{"name": {"Nia Newer"}, "password": {"a long enough phrase"}, "confirm": {"a different phrase"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "The passwords do not match") ||
		!strings.Contains(bad.Body, `value="Nia Newer"`) || strings.Contains(bad.Body, "a long enough phrase") {
		t.Fatalf("mismatched passwords: %d", bad.Status)
	}
	if r := c.post(link, url.Values{"name": {""}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter your full name") {
		t.Fatalf("empty name: %d", r.Status)
	}

	ok := c.post(link, url.Values{"name": {"Nia New"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}})
	if ok.Status != http.StatusSeeOther || ok.Location != "/" {
		t.Fatalf("accept: %d %q", ok.Status, ok.Location)
	}
	home := c.get("/")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, "Nia New") || !strings.Contains(home.Body, "You have joined "+demo.TenantName) {
		t.Fatalf("home after accepting: %d", home.Status)
	}
	if role := e.invRole(demoID, "new.person@demo.test"); role != "member" {
		t.Fatalf("membership role = %q, want member", role)
	}
	if e.auditCount("invitation.accepted") != 1 || e.auditCount("membership.created") != len(demo.People)+len(demo.Inspectors)+1 {
		t.Errorf("acceptance not audited")
	}

	// The link works once, for anyone.
	for _, who := range []*client{c, e.client()} {
		if r := who.get(link); r.Status != http.StatusGone || !strings.Contains(r.Body, "already been accepted") {
			t.Fatalf("reused invitation: %d", r.Status)
		}
	}
	if r := e.client().post(link, url.Values{"name": {"X"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}}); r.Status != http.StatusGone {
		t.Fatalf("reused invitation POST: %d", r.Status)
	}
	// And the new account signs in with its password.
	if r := e.client().post("/sign-in", url.Values{"email": {"new.person@demo.test"}, "password": {"a long enough phrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new account: %d", r.Status)
	}
}

func TestInvitationForAnExistingUserAddsAMembership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	second := e.invNewTenant("second-inspectorate", "Second Inspectorate")
	link := e.invite(second, "lead@demo.test", "Lee Lead", auth.RoleAdmin)
	c := e.client()

	page := c.get(link)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Sign in to accept") || strings.Contains(page.Body, `name="confirm"`) {
		t.Fatalf("invitation page: %d\n%s", page.Status, page.Body)
	}
	wrong := c.post(link, url.Values{"password": {"not the password"}})
	if wrong.Status != http.StatusUnauthorized || !strings.Contains(wrong.Body, "govuk-error-summary") {
		t.Fatalf("wrong password: %d, want 401", wrong.Status)
	}
	if role := e.invRole(second, "lead@demo.test"); role != "" {
		t.Fatalf("membership added after a wrong password")
	}

	ok := c.post(link, url.Values{"password": {demo.Password}})
	if ok.Status != http.StatusSeeOther || ok.Location != "/" {
		t.Fatalf("accept: %d %q", ok.Status, ok.Location)
	}
	if role := e.invRole(second, "lead@demo.test"); role != "admin" {
		t.Fatalf("role in the second tenant = %q, want admin", role)
	}
	if role := e.invRole(e.invTenantID(demo.TenantSlug), "lead@demo.test"); role != "staff" {
		t.Fatalf("role in the demo tenant changed to %q", role)
	}
	home := c.get("/")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, "Second Inspectorate") {
		t.Fatalf("home after accepting is not in the new tenant: %d", home.Status)
	}
	if !strings.Contains(home.Body, "/account/organisation") {
		t.Errorf("no way to switch organisation after joining a second one")
	}
	if r := c.get(link); r.Status != http.StatusGone {
		t.Fatalf("reused invitation: %d", r.Status)
	}
}

func TestInvitationLinksThatCannotBeUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	demoID := e.invTenantID(demo.TenantSlug)
	c := e.client()

	if r := c.get("/invitations/no-such-token"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown invitation: %d, want 404", r.Status)
	}

	revoked := e.invite(demoID, "revoked@demo.test", "Rev", auth.RoleMember)
	expired := e.invite(demoID, "expired@demo.test", "Exp", auth.RoleMember)
	if _, err := e.db.Super.Exec(ctx, `UPDATE invitations SET revoked_at = now() WHERE email = 'revoked@demo.test'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'expired@demo.test'`); err != nil {
		t.Fatal(err)
	}
	for link, why := range map[string]string{revoked: "withdrawn", expired: "expired"} {
		for _, r := range []resp{c.get(link), c.post(link, url.Values{"name": {"X"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}})} {
			if r.Status != http.StatusGone || !strings.Contains(r.Body, why) || !strings.Contains(r.Body, "new invitation") {
				t.Fatalf("%s invitation: %d", why, r.Status)
			}
		}
	}
	if e.invRole(demoID, "revoked@demo.test") != "" || e.invRole(demoID, "expired@demo.test") != "" {
		t.Fatal("an unusable invitation made a membership")
	}
}

func TestInvitationAsksSomeoneElseToSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	link := e.invite(e.invTenantID(demo.TenantSlug), "someone.new@demo.test", "Sam", auth.RoleMember)
	c := e.signedIn("admin@demo.test")
	r := c.get(link)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Sign out to accept this invitation") || strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("signed in as someone else: %d", r.Status)
	}
	if r := c.post(link, url.Values{"name": {"Sam"}, "password": {"a long enough phrase"}, "confirm": {"a long enough phrase"}}); r.Status != http.StatusConflict {
		t.Fatalf("accept while signed in as someone else: %d, want 409", r.Status)
	}
	if r := e.client().get(link); r.Status != http.StatusOK || !strings.Contains(r.Body, "Create your account") {
		t.Fatalf("invitation used up by the refused attempt: %d", r.Status)
	}
}

func TestInvitationForAnAccountWithTwoFactorStillAsksForTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.db.Super.Exec(context.Background(),
		`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'observer@demo.test'`); err != nil {
		t.Fatal(err)
	}
	second := e.invNewTenant("second-inspectorate", "Second Inspectorate")
	link := e.invite(second, "observer@demo.test", "Olu Observer", auth.RoleMember)
	c := e.client()
	r := c.post(link, url.Values{"password": {demo.Password}})
	if r.Status != http.StatusSeeOther || r.Location != "/sign-in/two-factor" {
		t.Fatalf("accept with two-factor on: %d %q, want the code page", r.Status, r.Location)
	}
	if role := e.invRole(second, "observer@demo.test"); role != "member" {
		t.Fatalf("membership not added: %q", role)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Fatalf("signed in without the second factor: GET / = %d", home.Status)
	}
}
