package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"

	"github.com/jackc/pgx/v5"
)

// Single sign-on against a real OpenID provider run in process (mockoidc): it serves discovery,
// keys, the authorisation endpoint (checking PKCE) and the token endpoint, and signs ID tokens
// whose claims a test may change (tokenUser).

// tokenUser is a person at the provider whose ID token a test may spoil (audience, expiry,
// nonce) or add claims to (Entra's tid, oid, xms_edov).
type tokenUser struct {
	*mockoidc.MockUser
	tweak func(*mockoidc.IDTokenClaims)
	extra map[string]any
}

func (u *tokenUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.tweak != nil {
		u.tweak(c)
	}
	base, err := u.MockUser.Claims(scope, c)
	if err != nil || len(u.extra) == 0 {
		return base, err
	}
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range u.extra {
		m[k] = v
	}
	return m, nil
}

func person(sub, email string, verified bool) *tokenUser {
	return &tokenUser{MockUser: &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified, PreferredUsername: sub}}
}

// provider starts a mock OpenID provider for the test.
func provider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// ssoSetup is one organisation's provider as a test sets it (straight into the database).
type ssoSetup struct {
	slug            string
	domains         []string
	createMembers   bool
	requireForStaff bool
	entraTenant     string
}

func (e *env) configureSSO(m *mockoidc.MockOIDC, s ssoSetup) {
	e.t.Helper()
	if s.slug == "" {
		s.slug = demo.TenantSlug
	}
	if s.domains == nil {
		s.domains = []string{"demo.test"}
	}
	_, err := e.db.Super.Exec(context.Background(), `INSERT INTO sso_providers (tenant_id, name, issuer, client_id,
			client_secret, domains, create_members, default_role, require_for_staff, entra_tenant_id)
		SELECT id, 'Test Provider', $2, $3, $4, $5, $6, 'member', $7, $8 FROM tenants WHERE slug = $1
		ON CONFLICT (tenant_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
			client_secret = EXCLUDED.client_secret, domains = EXCLUDED.domains, create_members = EXCLUDED.create_members,
			require_for_staff = EXCLUDED.require_for_staff, entra_tenant_id = EXCLUDED.entra_tenant_id`,
		s.slug, m.Issuer(), m.ClientID, m.ClientSecret, s.domains, s.createMembers, s.requireForStaff, s.entraTenant)
	if err != nil {
		e.t.Fatal(err)
	}
}

// ssoSignIn goes through the provider as u for the organisation slug and returns the answer of
// the service's callback.
func (c *client) ssoSignIn(m *mockoidc.MockOIDC, slug string, u mockoidc.User) resp {
	c.t.Helper()
	start := c.get("/sign-in/sso/" + slug)
	if start.Status != http.StatusSeeOther || !strings.HasPrefix(start.Location, m.AuthorizationEndpoint()) {
		c.t.Fatalf("start: %d %q\n%s", start.Status, start.Location, start.Body)
	}
	q, _ := url.Parse(start.Location)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(k) == "" {
			c.t.Fatalf("authorisation request without %s: %s", k, start.Location)
		}
	}
	if q.Query().Get("code_challenge_method") != "S256" {
		c.t.Fatalf("PKCE method %q, want S256", q.Query().Get("code_challenge_method"))
	}
	m.QueueUser(u)
	// The browser at the provider, which sends it back with a code.
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(start.Location)
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || back.Path != "/sign-in/sso/"+slug+"/callback" {
		c.t.Fatalf("provider answered %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	return c.get(back.RequestURI())
}

// failures lists the reasons of single sign-on refusals recorded in the audit log.
func (e *env) failures() []string {
	e.t.Helper()
	rows, err := e.db.Super.Query(context.Background(), `SELECT after->>'reason' FROM audit_log
		WHERE action = 'auth.sign_in_failed' AND after->>'via' = 'single sign-on' ORDER BY at, id`)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestSSOSignInLinksAnExistingMemberByVerifiedEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := provider(t)
	e.configureSSO(m, ssoSetup{})
	c := e.client()
	page := c.get("/sign-in?organisation=" + demo.TenantSlug)
	if !strings.Contains(page.Body, "Sign in with Test Provider") || !strings.Contains(page.Body, `href="/sign-in/sso/`+demo.TenantSlug+`"`) {
		t.Fatalf("sign-in page of the organisation has no single sign-on button:\n%s", page.Body)
	}
	// A wrong password on the organisation's page shows its button again.
	wrong := c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {"wrong"}, "organisation": {demo.TenantSlug}})
	if wrong.Status != http.StatusUnauthorized || !strings.Contains(wrong.Body, "Sign in with Test Provider") ||
		!strings.Contains(wrong.Body, `name="organisation" value="`+demo.TenantSlug+`"`) {
		t.Fatalf("refused password on the organisation's page: %d", wrong.Status)
	}
	before := cookieValue(c.get("/sign-in").Header)
	r := c.ssoSignIn(m, demo.TenantSlug, person("idp-lead", "Lead@Demo.test", true))
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("callback: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if nc := cookieValue(r.Header); nc == "" || nc == before {
		t.Errorf("session token not renewed at sign-in")
	}
	home := c.get("/")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, "Lee Lead") {
		t.Fatalf("home after single sign-on: %d", home.Status)
	}
	var method string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT after->>'method' FROM audit_log
		WHERE action = 'auth.signed_in' ORDER BY at DESC LIMIT 1`).Scan(&method); err != nil || method != "single sign-on" {
		t.Errorf("sign-in recorded by %q (%v)", method, err)
	}
	if n := e.auditCount("auth.sso_linked"); n != 1 {
		t.Errorf("links recorded: %d", n)
	}
	// The second time the link is used; no new one is made, and the provider's email may change.
	c2 := e.client()
	if r := c2.ssoSignIn(m, demo.TenantSlug, person("idp-lead", "lee.lead@demo.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d\n%s", r.Status, r.Body)
	}
	if n := e.auditCount("auth.sso_linked"); n != 1 {
		t.Errorf("links recorded after the second sign-in: %d", n)
	}
	// A code is good once: the state was used up.
	if r := c2.get("/sign-in/sso/" + demo.TenantSlug + "/callback?state=x&code=y"); r.Status != http.StatusForbidden {
		t.Errorf("callback without a sign-in started: %d", r.Status)
	}
}

func TestSSORefusals(t *testing.T) {
	t.Parallel()
	past := func(c *mockoidc.IDTokenClaims) {
		c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
		c.NotBefore = c.IssuedAt
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	}
	cases := []struct {
		name   string
		user   *tokenUser
		reason string
	}{
		{"wrong audience", &tokenUser{MockUser: person("a1", "lead@demo.test", true).MockUser,
			tweak: func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"another-service"} }}, "ID token for another audience"},
		{"expired token", &tokenUser{MockUser: person("a2", "lead@demo.test", true).MockUser, tweak: past}, "ID token expired"},
		{"bad nonce", &tokenUser{MockUser: person("a3", "lead@demo.test", true).MockUser,
			tweak: func(c *mockoidc.IDTokenClaims) { c.Nonce = "not-the-nonce-sent" }}, "nonce does not match"},
		{"unverified email", person("a4", "lead@demo.test", false), "email not verified"},
		{"email domain not allowed", person("a5", "lead@elsewhere.test", true), "email domain not allowed"},
		{"no account and none made", person("a6", "stranger@demo.test", true), "no membership"},
	}
	e := newEnv(t)
	m := provider(t)
	e.configureSSO(m, ssoSetup{})
	for i, tc := range cases {
		c := e.client()
		r := c.ssoSignIn(m, demo.TenantSlug, tc.user)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "You could not be signed in") {
			t.Errorf("%s: %d %q", tc.name, r.Status, r.Location)
			continue
		}
		if home := c.get("/"); home.Status != http.StatusSeeOther || !strings.HasPrefix(home.Location, "/sign-in") {
			t.Errorf("%s: signed in after all (%d)", tc.name, home.Status)
		}
		got := e.failures()
		if len(got) != i+1 || got[i] != tc.reason {
			t.Errorf("%s: refusals recorded %q, want the last %q", tc.name, got, tc.reason)
		}
	}
	if n := e.auditCount("auth.sso_linked"); n != 0 {
		t.Errorf("links made by refused sign-ins: %d", n)
	}
	if n := e.scrape()[`thematic_sign_in_failures_total{reason="single_sign_on"}`]; n != float64(len(cases)) {
		t.Errorf("%v single sign-on refusals counted in the metrics, want %d", n, len(cases))
	}
	// A deactivated member is refused, linked or not.
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE memberships SET deactivated_at = now()
		WHERE user_id = (SELECT id FROM users WHERE email = 'observer@demo.test')`); err != nil {
		t.Fatal(err)
	}
	if r := e.client().ssoSignIn(m, demo.TenantSlug, person("obs", "observer@demo.test", true)); r.Status != http.StatusForbidden ||
		!strings.Contains(r.Body, "deactivated") {
		t.Errorf("deactivated member: %d", r.Status)
	}
}

func TestSSOFirstSignInMakesAMembershipWhenAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := provider(t)
	e.configureSSO(m, ssoSetup{createMembers: true})
	c := e.client()
	u := person("new-1", "new.person@demo.test", true)
	u.extra = map[string]any{"name": "Nia New"}
	if r := c.ssoSignIn(m, demo.TenantSlug, u); r.Status != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d\n%s", r.Status, r.Body)
	}
	var role, name string
	err := e.db.Super.QueryRow(context.Background(), `SELECT m.role, u.name FROM memberships m JOIN users u ON u.id = m.user_id
		JOIN tenants t ON t.id = m.tenant_id WHERE u.email = 'new.person@demo.test' AND t.slug = $1`, demo.TenantSlug).Scan(&role, &name)
	if err != nil || role != string(auth.RoleMember) || name != "Nia New" {
		t.Fatalf("membership made: %q %q %v", role, name, err)
	}
	var entries int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'membership.created'
		AND after->>'via' = 'single sign-on'`).Scan(&entries); err != nil || entries != 1 {
		t.Errorf("membership audited %d times (%v)", entries, err)
	}
}

// A member of tenant A who comes through tenant B's provider is not signed in to A, nor to B
// (of which they are not a member), even though B's provider vouches for their email.
func TestSSOTenantAUserThroughTenantBsProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var tenantB string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantB); err != nil {
		t.Fatal(err)
	}
	pw, _ := auth.HashPassword(demo.Password)
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantB}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, tenantB, "other-inspectorate", "Other Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "admin@other.test", "Other Admin", pw)
		if err != nil {
			return err
		}
		return user.AddMember(ctx, tx, tenantB, id, auth.RoleAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	mA, mB := provider(t), provider(t)
	e.configureSSO(mA, ssoSetup{})
	e.configureSSO(mB, ssoSetup{slug: "other-inspectorate", domains: []string{"demo.test", "other.test"}})
	c := e.client()
	r := c.ssoSignIn(mB, "other-inspectorate", person("b-lead", "lead@demo.test", true))
	if r.Status != http.StatusForbidden {
		t.Fatalf("tenant A's user through B's provider: %d %q", r.Status, r.Location)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Fatalf("signed in after all: %d", home.Status)
	}
	// Nor does B's provider's token work for A: the state was started for B, and A's client id is
	// another audience.
	start := c.get("/sign-in/sso/other-inspectorate")
	q, _ := url.Parse(start.Location)
	back := c.get("/sign-in/sso/" + demo.TenantSlug + "/callback?" + url.Values{"state": {q.Query().Get("state")}, "code": {"x"}}.Encode())
	if back.Status != http.StatusForbidden {
		t.Fatalf("B's sign-in finished at A: %d %q", back.Status, back.Location)
	}
	if n := e.auditCount("auth.sso_linked"); n != 0 {
		t.Errorf("links: %d", n)
	}
	// B's own admin signs in through B's provider.
	if r := e.client().ssoSignIn(mB, "other-inspectorate", person("b-admin", "admin@other.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("B's admin: %d\n%s", r.Status, r.Body)
	}
}

func TestSSOEntraChecksTenantAndObjectID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := provider(t)
	tid := "72f988bf-86f1-41af-91ab-2d7cd011db47"
	e.configureSSO(m, ssoSetup{entraTenant: tid})
	entra := func(sub, tenantID, oid string, edov bool) *tokenUser {
		u := person(sub, "inspector@demo.test", false) // Entra sends no email_verified
		u.extra = map[string]any{"tid": tenantID, "oid": oid}
		if edov {
			u.extra["xms_edov"] = true
		}
		return u
	}
	if r := e.client().ssoSignIn(m, demo.TenantSlug, entra("p1", "0b7a4c3e-0000-4000-8000-000000000000", "oid-1", true)); r.Status != http.StatusForbidden {
		t.Errorf("another directory: %d", r.Status)
	}
	if r := e.client().ssoSignIn(m, demo.TenantSlug, entra("p2", tid, "oid-1", false)); r.Status != http.StatusForbidden {
		t.Errorf("email not verified by the domain owner: %d", r.Status)
	}
	if r := e.client().ssoSignIn(m, demo.TenantSlug, entra("p3", tid, "OID-1", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("Entra sign-in: %d\n%s", r.Status, r.Body)
	}
	var subject string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT subject FROM sso_links`).Scan(&subject); err != nil || subject != tid+":oid-1" {
		t.Errorf("linked as %q (%v), want tid:oid", subject, err)
	}
	// The pairwise sub may differ: the same tid and oid are the same person.
	if r := e.client().ssoSignIn(m, demo.TenantSlug, entra("p4", tid, "oid-1", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("Entra sign-in again: %d", r.Status)
	}
	if got := e.failures(); len(got) != 2 || got[0] != "wrong Entra tenant" || got[1] != "email not verified" {
		t.Errorf("refusals: %q", got)
	}
}

func TestSSORequiredForStaffRefusesTheirPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := provider(t)
	e.configureSSO(m, ssoSetup{requireForStaff: true})
	c := e.client()
	r := c.post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Sign in with Test Provider") {
		t.Fatalf("staff password sign-in: %d\n%s", r.Status, r.Body)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Fatalf("staff signed in with a password: %d", home.Status)
	}
	// External members (a local authority contact) and the tenant admin keep their password.
	for _, who := range []string{"la.contact@demo.test", "admin@demo.test"} {
		e.signedIn(who)
	}
	// Staff sign in through the provider.
	if r := c.ssoSignIn(m, demo.TenantSlug, person("insp", "inspector@demo.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("staff through the provider: %d\n%s", r.Status, r.Body)
	}
	if e.auditCount("auth.sign_in_failed") != 1 {
		t.Errorf("the refused password sign-in was not recorded")
	}
}

func TestSSOSettingsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := provider(t)
	admin := e.signedIn("admin@demo.test")
	page := admin.get("/admin/single-sign-on")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "/sign-in/sso/"+demo.TenantSlug+"/callback") {
		t.Fatalf("settings page: %d", page.Status)
	}
	bad := admin.post("/admin/single-sign-on", url.Values{"version": {"0"}, "name": {"Entra"}, "issuer": {"ftp://x"},
		"client_id": {"abc"}, "domains": {"demo.test"}, "create_members": {"no"}, "require_for_staff": {"no"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "govuk-error-summary") ||
		!strings.Contains(bad.Body, `value="abc"`) || !strings.Contains(bad.Body, "Enter the client secret") {
		t.Fatalf("refused form: %d\n%s", bad.Status, bad.Body)
	}
	form := url.Values{"version": {"0"}, "name": {"Test Provider"}, "issuer": {m.Issuer()}, "client_id": {m.ClientID},
		"client_secret": {m.ClientSecret}, "domains": {"Demo.test\nexample.org"}, "create_members": {"no"},
		"default_role": {"member"}, "require_for_staff": {"no"}}
	if r := admin.post("/admin/single-sign-on", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	page = admin.get("/admin/single-sign-on")
	if strings.Contains(page.Body, m.ClientSecret) || !strings.Contains(page.Body, "A client secret is set") {
		t.Errorf("the page shows the secret, or not that one is set")
	}
	// Saved again from the form first shown (version 0): someone else's change is not overwritten.
	if r := admin.post("/admin/single-sign-on", form); r.Status != http.StatusConflict {
		t.Errorf("stale form: %d", r.Status)
	}
	// Saved with the secret left empty: kept.
	form.Set("version", "1")
	form.Set("client_secret", "")
	form.Set("require_for_staff", "yes")
	if r := admin.post("/admin/single-sign-on", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save without secret: %d\n%s", r.Status, r.Body)
	}
	var secret string
	var domains []string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT client_secret, domains FROM sso_providers`).Scan(&secret, &domains); err != nil ||
		secret != m.ClientSecret || strings.Join(domains, " ") != "demo.test example.org" {
		t.Errorf("stored %v, secret kept %v (%v)", domains, secret == m.ClientSecret, err)
	}
	var entries int
	var leaked bool
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*), bool_or(coalesce(before::text, '') || after::text LIKE '%' || $1 || '%')
		FROM audit_log WHERE action = 'tenant.sso_changed'`, m.ClientSecret).Scan(&entries, &leaked); err != nil || entries != 2 || leaked {
		t.Errorf("audit entries %d, secret in them %v (%v)", entries, leaked, err)
	}
	// The button now signs people in.
	if r := e.client().ssoSignIn(m, demo.TenantSlug, person("s1", "admin@demo.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with the saved settings: %d\n%s", r.Status, r.Body)
	}
}

// The single sign-on routes for an organisation that has a provider, for every persona: the
// start and the callback are public (the callback refuses what it did not start); the settings
// are the tenant admin's, and another tenant's admin sees their own tenant's.
func TestSSOAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixture(t, e)
	_ = f
	m := provider(t)
	e.configureSSO(m, ssoSetup{})
	personas := []struct {
		name         string
		c            *client
		settings     int
		seesSettings bool
	}{
		{"anonymous", e.client(), http.StatusSeeOther, false},
		{"member", e.signedIn("lead@demo.test"), http.StatusForbidden, false},
		{"la contact", e.signedIn("la.contact@demo.test"), http.StatusForbidden, false},
		{"admin", e.signedIn("admin@demo.test"), http.StatusOK, true},
		{"other tenant's admin", e.signedIn("admin@other.test"), http.StatusOK, false},
	}
	for _, p := range personas {
		if r := p.c.get("/sign-in/sso/" + demo.TenantSlug); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, m.AuthorizationEndpoint()) {
			t.Errorf("%s: start %d %q", p.name, r.Status, r.Location)
		}
		if r := p.c.get("/sign-in/sso/" + demo.TenantSlug + "/callback?state=forged&code=x"); r.Status != http.StatusForbidden {
			t.Errorf("%s: forged callback %d", p.name, r.Status)
		}
		if r := p.c.get("/sign-in/sso/no-such-organisation"); r.Status != http.StatusNotFound {
			t.Errorf("%s: unknown organisation %d", p.name, r.Status)
		}
		r := p.c.get("/admin/single-sign-on")
		if r.Status != p.settings || strings.Contains(r.Body, m.ClientID) != p.seesSettings {
			t.Errorf("%s: settings %d, shows this tenant's client id %v", p.name, r.Status, !p.seesSettings)
		}
		if w := p.c.post("/admin/single-sign-on", url.Values{"version": {"1"}}); p.settings != http.StatusOK && w.Status != p.settings && w.Status != http.StatusUnauthorized {
			t.Errorf("%s: save settings %d", p.name, w.Status)
		}
	}
}

// Staff of two organisations, one of which requires single sign-on: a password signs them in to
// the other only, and does not take them into the first afterwards.
func TestSSORequiredInOneOfTwoOrganisations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var tenantB, inspector string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantB); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'inspector@demo.test'`).Scan(&inspector); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantB}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, tenantB, "other-inspectorate", "Other Inspectorate"); err != nil {
			return err
		}
		return user.AddMember(ctx, tx, tenantB, inspector, auth.RoleStaff)
	})
	if err != nil {
		t.Fatal(err)
	}
	m := provider(t)
	e.configureSSO(m, ssoSetup{requireForStaff: true}) // the demo organisation, first by name
	c := e.signedIn("inspector@demo.test")
	var tenantA string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&tenantA); err != nil {
		t.Fatal(err)
	}
	if home := c.get("/"); home.Status != http.StatusOK || !strings.Contains(home.Body, "Other Inspectorate") {
		t.Fatalf("signed in to: %d", home.Status)
	}
	if r := c.post("/account/organisation", url.Values{"tenant_id": {tenantA}}); r.Status != http.StatusForbidden ||
		!strings.Contains(r.Body, "Sign in with Test Provider") {
		t.Fatalf("switch to the organisation requiring single sign-on: %d\n%s", r.Status, r.Body)
	}
	lastSignIn := func() string {
		var id string
		if err := e.db.Super.QueryRow(ctx, `SELECT tenant_id::text FROM audit_log WHERE action = 'auth.signed_in'
			ORDER BY at DESC, id DESC LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := lastSignIn(); got != tenantB {
		t.Fatalf("password signed in to %s, want the other organisation %s", got, tenantB)
	}
	// With two-factor sign-in, the second step keeps to the organisations the password may enter.
	_, codes := setUpTwoFactor(t, c)
	c.post("/sign-out", nil)
	if r := c.post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}}); r.Location != "/sign-in/two-factor" {
		t.Fatalf("password step: %d %q", r.Status, r.Location)
	}
	before := e.auditCount("auth.signed_in")
	if r := c.post("/sign-in/two-factor", url.Values{"code": {codes[0]}, "method": {"recovery"}}); r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("second step: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if e.auditCount("auth.signed_in") != before+1 {
		t.Fatalf("the second step recorded no sign-in")
	}
	if got := lastSignIn(); got != tenantB {
		t.Fatalf("two-factor signed in to %s, want the other organisation %s", got, tenantB)
	}
	// Signed in through the provider, they may move between both.
	s := e.client()
	if r := s.ssoSignIn(m, demo.TenantSlug, person("insp", "inspector@demo.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("through the provider: %d", r.Status)
	}
	if r := s.post("/account/organisation", url.Values{"tenant_id": {tenantB}}); r.Status != http.StatusSeeOther {
		t.Fatalf("switch to the other: %d", r.Status)
	}
	if r := s.post("/account/organisation", url.Values{"tenant_id": {tenantA}}); r.Status != http.StatusSeeOther {
		t.Fatalf("switch back: %d\n%s", r.Status, r.Body)
	}
}

// Signing out ends the session here and, when the provider's discovery names an end-session
// endpoint, the signed-out page offers to sign out there too.
func TestSSOSignOutOffersTheProvidersLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// mockoidc's discovery has no end_session_endpoint: add one, as Entra ID's has.
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			doc := map[string]any{}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			doc["end_session_endpoint"] = m.Issuer() + "/logout"
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	e.configureSSO(m, ssoSetup{})
	c := e.client()
	if r := c.ssoSignIn(m, demo.TenantSlug, person("l", "lead@demo.test", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", r.Status, r.Body)
	}
	if out := c.post("/sign-out", nil); out.Status != http.StatusSeeOther || out.Location != "/sign-in" {
		t.Fatalf("sign out: %d %q", out.Status, out.Location)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Fatalf("still signed in: %d", home.Status)
	}
	page := c.get("/sign-in")
	want := `href="` + m.Issuer() + `/logout?client_id=` + m.ClientID
	if !strings.Contains(page.Body, "Sign out of Test Provider too") || !strings.Contains(page.Body, want) {
		t.Fatalf("signed-out page offers no sign-out at the provider (want %s):\n%s", want, page.Body)
	}
	// A password sign-in offers none.
	p := e.signedIn("admin@demo.test")
	p.post("/sign-out", nil)
	if page := p.get("/sign-in"); strings.Contains(page.Body, "Sign out of") {
		t.Errorf("password sign-out offers the provider's")
	}
}

func TestSSOSettingsRefuseAnIssuerWithoutDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	r := admin.post("/admin/single-sign-on", url.Values{"version": {"0"}, "name": {"IdP"}, "issuer": {e.ts.URL + "/no-provider-here"},
		"client_id": {"abc"}, "client_secret": {"s"}, "domains": {"demo.test"}, "create_members": {"no"}, "require_for_staff": {"no"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "could not be read at this issuer URL") {
		t.Fatalf("issuer without discovery: %d", r.Status)
	}
}
