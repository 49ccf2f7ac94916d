package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// --- helpers for the tenant admin tests ---

func (e *env) admUserID(email string) string {
	e.t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		e.t.Fatalf("user %s: %v", email, err)
	}
	return id
}

func (e *env) admDemoTenant() string {
	e.t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// admOtherTenant makes a second tenant with one admin, through the owner pool as the command line
// would, and returns the tenant's and the admin's ids.
func (e *env) admOtherTenant() (tenantID, userID string) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantID); err != nil {
		e.t.Fatal(err)
	}
	pw, err := auth.HashPassword(demo.Password)
	if err != nil {
		e.t.Fatal(err)
	}
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, tenantID, "other-inspectorate", "Other Inspectorate"); err != nil {
			return err
		}
		if userID, err = user.Create(ctx, tx, "someone@other.test", "Sam Other", pw); err != nil {
			return err
		}
		return user.AddMember(ctx, tx, tenantID, userID, auth.RoleAdmin)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tenantID, userID
}

func (e *env) admScalar(dest any, sql string, args ...any) {
	e.t.Helper()
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(dest); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

func (e *env) admRole(userID string) (role string, active bool) {
	e.t.Helper()
	e.admScalar(&role, `SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = $2`, userID, e.admDemoTenant())
	e.admScalar(&active, `SELECT deactivated_at IS NULL FROM memberships WHERE user_id = $1 AND tenant_id = $2`, userID, e.admDemoTenant())
	return role, active
}

// admLastAudit returns the before and after of the newest entry of an action, compacted.
func (e *env) admLastAudit(action string) (objectID, before, after string) {
	e.t.Helper()
	var b, a []byte
	err := e.db.Super.QueryRow(context.Background(), `SELECT object_id, coalesce(before::text, ''), coalesce(after::text, '')
		FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`, action).Scan(&objectID, &b, &a)
	if err != nil {
		e.t.Fatalf("audit %s: %v", action, err)
	}
	return objectID, admCompact(e.t, b), admCompact(e.t, a)
}

func admCompact(t *testing.T, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

var admVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// admVersion reads the version a page's change form carries.
func admVersion(t *testing.T, body string) string {
	t.Helper()
	m := admVersionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no version field on the page")
	}
	return m[1]
}

// admSession is the session token the client's cookie jar holds.
func (c *client) admSession() string {
	c.t.Helper()
	u, _ := url.Parse(c.e.ts.URL)
	for _, k := range c.http.Jar.Cookies(u) {
		if strings.HasSuffix(k.Name, "thematic_session") {
			return k.Value
		}
	}
	return ""
}

func (e *env) admPendingInvitations(email string) int {
	e.t.Helper()
	var n int
	e.admScalar(&n, `SELECT count(*) FROM invitations WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, email)
	return n
}

// admInvite is a fresh invitation form (post adds the CSRF token to the map it is given).
func admInvite() url.Values {
	return url.Values{"name": {"Nia New"}, "email": {"Nia.New@Demo.test "}, "role": {"member"}}
}

// --- tests ---

func TestAdminListsUsersAndInvitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	if r := admin.post("/admin/users/invite", admInvite()); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", r.Status)
	}
	r := admin.get("/admin/users")
	if r.Status != http.StatusOK {
		t.Fatalf("users page: %d", r.Status)
	}
	for _, p := range demo.People {
		if !strings.Contains(r.Body, p.Email) || !strings.Contains(r.Body, html.EscapeString(p.Name)) {
			t.Errorf("users page lacks %s", p.Email)
		}
	}
	for _, want := range []string{"Tenant admin", "Member", "Active", "Off", `href="/admin/users/` + e.admUserID("lead@demo.test") + `"`,
		`href="/admin/users/invite"`, "Invite a user", "Pending invitations", "nia.new@demo.test", "Withdraw",
		"Invitation sent to nia.new@demo.test", `<caption class="govuk-table__caption govuk-table__caption--m">Members</caption>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	var invID string
	e.admScalar(&invID, `SELECT id FROM invitations WHERE email = 'nia.new@demo.test'`)
	if !strings.Contains(r.Body, `action="/admin/invitations/`+invID+`/revoke"`) {
		t.Error("no withdraw form for the invitation")
	}
	if strings.Count(r.Body, "<h1") != 1 {
		t.Error("want exactly one h1")
	}
	// A deactivated member shows as such.
	e.db.Super.Exec(context.Background(), `UPDATE memberships SET deactivated_at = now() WHERE user_id = $1`, e.admUserID("observer@demo.test"))
	if r := admin.get("/admin/users"); !strings.Contains(r.Body, "Deactivated") {
		t.Error("deactivated member not shown as deactivated")
	}
}

func TestInviteCreatesInvitationAndSendsMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	if r := admin.get("/admin/users/invite"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="email"`) {
		t.Fatalf("invite form: %d", r.Status)
	}
	r := admin.post("/admin/users/invite", url.Values{"name": {"Nia New"}, "email": {"Nia.New@Demo.test "}, "role": {"admin"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
		t.Fatalf("invite: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	var role string
	var hash []byte
	var expires time.Time
	err := e.db.Super.QueryRow(context.Background(), `SELECT role, token_hash, expires_at FROM invitations
		WHERE email = 'nia.new@demo.test' AND revoked_at IS NULL`).Scan(&role, &hash, &expires)
	if err != nil {
		t.Fatalf("invitation not stored: %v", err)
	}
	if role != "admin" {
		t.Errorf("role = %q", role)
	}
	if d := time.Until(expires); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Errorf("invitation expires in %v, want 7 days", d)
	}
	var to, subject, body string
	err = e.db.Super.QueryRow(context.Background(), `SELECT to_address, subject, body FROM dev_mail ORDER BY id DESC LIMIT 1`).
		Scan(&to, &subject, &body)
	if err != nil {
		t.Fatalf("no mail: %v", err)
	}
	if to != "nia.new@demo.test" || !strings.Contains(subject, demo.TenantName) {
		t.Errorf("mail to %q subject %q", to, subject)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(e.cfg.BaseURL+"/invitations/") + `([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("mail has no invitation link:\n%s", body)
	}
	if !bytes.Equal(auth.HashToken(m[1]), hash) {
		t.Error("the stored hash is not the hash of the mailed token")
	}
	if bytes.Contains(hash, []byte(m[1])) {
		t.Error("the token itself is stored")
	}
	// The link leads to the page where the invited person creates their account.
	if r := e.client().get("/invitations/" + m[1]); r.Status != http.StatusOK || !strings.Contains(r.Body, demo.TenantName) {
		t.Errorf("invitation link: %d", r.Status)
	}
	if e.auditCount("invitation.created") != 1 {
		t.Error("invitation not audited")
	}
	if _, _, after := e.admLastAudit("invitation.created"); !strings.Contains(after, `"role":"admin"`) || strings.Contains(after, m[1]) {
		t.Errorf("audit after = %s", after)
	}
}

func TestInvalidInviteKeepsTypedValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	r := admin.post("/admin/users/invite", url.Values{"name": {"  "}, "email": {"not an email"}, "role": {"boss"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", r.Status)
	}
	for _, want := range []string{"govuk-error-summary", "<title>Error: Invite a user", "Enter their full name",
		"Enter an email address in the correct format", "Select the role they will have", `value="not an email"`,
		`href="#name"`, `href="#email"`, `href="#role"`, "govuk-input--error"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("422 page lacks %q", want)
		}
	}
	// An active member's address is refused on the email field, with what was typed kept.
	r = admin.post("/admin/users/invite", url.Values{"name": {"Lee Again"}, "email": {"LEAD@demo.test"}, "role": {"admin"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "lead@demo.test is already a member of this organisation") {
		t.Fatalf("member's address: %d", r.Status)
	}
	if !strings.Contains(r.Body, `value="Lee Again"`) || !strings.Contains(r.Body, `value="admin" checked`) {
		t.Error("typed values not kept")
	}
	var n int
	e.admScalar(&n, `SELECT count(*) FROM invitations`)
	if n != 0 {
		t.Errorf("%d invitations made from invalid forms", n)
	}
}

func TestInviteTwiceLeavesOnePendingInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	form := url.Values{"name": {"Nia New"}, "email": {"nia.new@demo.test"}, "role": {"member"}, "csrf_token": {admin.csrf()}}
	for i := 0; i < 2; i++ {
		if r := admin.post("/admin/users/invite", form); r.Status != http.StatusSeeOther {
			t.Fatalf("post %d: %d", i, r.Status)
		}
	}
	if n := e.admPendingInvitations("nia.new@demo.test"); n != 1 {
		t.Fatalf("%d pending invitations after a double post, want 1", n)
	}
	if e.auditCount("invitation.revoked") != 1 {
		t.Error("replacing the first invitation not audited")
	}
	// At the same moment: the requests take turns.
	var wg sync.WaitGroup
	statuses := make(chan int, 5)
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.ts.URL+"/admin/users/invite", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := admin.http.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("concurrent invite: status %d", s)
		}
	}
	if n := e.admPendingInvitations("nia.new@demo.test"); n != 1 {
		t.Fatalf("%d pending invitations after concurrent posts, want 1", n)
	}
}

func TestWithdrawInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	admin.post("/admin/users/invite", admInvite())
	var id string
	e.admScalar(&id, `SELECT id FROM invitations WHERE email = 'nia.new@demo.test'`)
	r := admin.post("/admin/invitations/"+id+"/revoke", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
		t.Fatalf("withdraw: %d %q", r.Status, r.Location)
	}
	if e.admPendingInvitations("nia.new@demo.test") != 0 {
		t.Error("invitation still pending")
	}
	if obj, before, after := e.admLastAudit("invitation.revoked"); obj != id || !strings.Contains(before, `"status":"pending"`) ||
		after != `{"status":"revoked"}` {
		t.Errorf("audit: %s %s → %s", obj, before, after)
	}
	if !strings.Contains(admin.get("/admin/users").Body, "Invitation to nia.new@demo.test withdrawn") {
		t.Error("no confirmation")
	}
	// A second click is answered kindly and changes nothing.
	if r := admin.post("/admin/invitations/"+id+"/revoke", nil); r.Status != http.StatusSeeOther {
		t.Errorf("second withdraw: %d", r.Status)
	}
	if e.auditCount("invitation.revoked") != 1 {
		t.Error("second withdraw audited")
	}
	if r := admin.post("/admin/invitations/00000000-0000-0000-0000-000000000000/revoke", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown invitation: %d", r.Status)
	}
}

func TestRoleChangeIsAuditedAndRenewsTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leadID := e.admUserID("lead@demo.test")
	lead := e.signedIn("lead@demo.test")
	if r := lead.get("/admin/users"); r.Status != http.StatusForbidden {
		t.Fatalf("member on /admin/users: %d", r.Status)
	}
	before := lead.admSession()
	admin := e.signedIn("admin@demo.test")
	page := admin.get("/admin/users/" + leadID)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Lee Lead") {
		t.Fatalf("user page: %d", page.Status)
	}
	r := admin.post("/admin/users/"+leadID+"/role", url.Values{"role": {"admin"}, "version": {admVersion(t, page.Body)}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/users/"+leadID {
		t.Fatalf("change role: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if role, _ := e.admRole(leadID); role != "admin" {
		t.Fatalf("role = %s", role)
	}
	obj, b, a := e.admLastAudit("membership.role_changed")
	if obj != leadID || b != `{"role":"staff"}` || a != `{"role":"admin"}` {
		t.Errorf("audit: %s %s → %s", obj, b, a)
	}
	if !strings.Contains(admin.get("/admin/users/"+leadID).Body, "Lee Lead is now a tenant admin") {
		t.Error("no confirmation")
	}
	// The lead's next request renews their session token and carries the new role.
	next := lead.get("/admin/users")
	if next.Status != http.StatusOK {
		t.Fatalf("promoted lead on /admin/users: %d", next.Status)
	}
	renewed := cookieValue(next.Header)
	if renewed == "" || renewed == before {
		t.Fatalf("session not renewed: %q → %q", before, renewed)
	}
	// The old token no longer works.
	old := e.client()
	u, _ := url.Parse(e.ts.URL)
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: "thematic_session", Value: before, Path: "/"}})
	if r := old.get("/admin/users"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Errorf("old token still works: %d %q", r.Status, r.Location)
	}
}

func TestDeactivateEndsTheSessionAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.admUserID("inspector@demo.test")
	inspector := e.signedIn("inspector@demo.test")
	if r := inspector.get("/"); r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatal("inspector not signed in")
	}
	admin := e.signedIn("admin@demo.test")
	page := admin.get("/admin/users/" + id)
	if !strings.Contains(page.Body, `action="/admin/users/`+id+`/deactivate"`) {
		t.Fatal("no deactivate form")
	}
	r := admin.post("/admin/users/"+id+"/deactivate", url.Values{"version": {admVersion(t, page.Body)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d\n%s", r.Status, r.Body)
	}
	if _, active := e.admRole(id); active {
		t.Fatal("still active")
	}
	if obj, b, a := e.admLastAudit("membership.deactivated"); obj != id || b != `{"status":"active"}` || a != `{"status":"deactivated"}` {
		t.Errorf("audit: %s %s → %s", obj, b, a)
	}
	if r := inspector.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("deactivated user's next request: %d %q, want a redirect to sign in", r.Status, r.Location)
	}
	if r := e.client().post("/sign-in", url.Values{"email": {"inspector@demo.test"}, "password": {demo.Password}}); r.Status == http.StatusSeeOther {
		t.Error("a deactivated member could sign in")
	}
	page = admin.get("/admin/users/" + id)
	if !strings.Contains(page.Body, "Deactivated") || !strings.Contains(page.Body, "/reactivate") {
		t.Fatal("user page does not offer reactivation")
	}
	// Deactivating again is harmless.
	if r := admin.post("/admin/users/"+id+"/deactivate", url.Values{"version": {"1"}}); r.Status != http.StatusSeeOther {
		t.Errorf("second deactivate: %d", r.Status)
	}
	if e.auditCount("membership.deactivated") != 1 {
		t.Error("second deactivate audited")
	}
	r = admin.post("/admin/users/"+id+"/reactivate", url.Values{"version": {admVersion(t, page.Body)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", r.Status)
	}
	if obj, b, a := e.admLastAudit("membership.reactivated"); obj != id || b != `{"status":"deactivated"}` || a != `{"status":"active"}` {
		t.Errorf("audit: %s %s → %s", obj, b, a)
	}
	e.client().signIn("inspector@demo.test")
}

func TestCannotDeactivateSelfOrDemoteTheLastAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	adminID := e.admUserID("admin@demo.test")
	admin := e.signedIn("admin@demo.test")
	page := admin.get("/admin/users/" + adminID)
	if strings.Contains(page.Body, `/deactivate"`) {
		t.Error("the admin's own page offers to deactivate them")
	}
	v := admVersion(t, page.Body)
	r := admin.post("/admin/users/"+adminID+"/deactivate", url.Values{"version": {v}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You cannot deactivate your own account") ||
		!strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, `href="#status"`) || !strings.Contains(r.Body, `id="status"`) {
		t.Fatalf("deactivate self: %d", r.Status)
	}
	r = admin.post("/admin/users/"+adminID+"/role", url.Values{"role": {"member"}, "version": {v}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You cannot remove the last tenant admin") {
		t.Fatalf("demote last admin: %d", r.Status)
	}
	if role, active := e.admRole(adminID); role != "admin" || !active {
		t.Fatalf("the last admin was changed: %s %v", role, active)
	}
	for _, a := range []string{"membership.role_changed", "membership.deactivated"} {
		if e.auditCount(a) != 0 {
			t.Errorf("refused change audited as %s", a)
		}
	}
	// With a second admin, giving up one's own admin role is allowed.
	leadID := e.admUserID("lead@demo.test")
	lv := admVersion(t, admin.get("/admin/users/"+leadID).Body)
	if r := admin.post("/admin/users/"+leadID+"/role", url.Values{"role": {"admin"}, "version": {lv}}); r.Status != http.StatusSeeOther {
		t.Fatalf("promote lead: %d", r.Status)
	}
	r = admin.post("/admin/users/"+adminID+"/role", url.Values{"role": {"member"}, "version": {v}})
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("demote self with another admin: %d %q", r.Status, r.Location)
	}
	if r := admin.get("/admin/users"); r.Status != http.StatusForbidden {
		t.Errorf("demoted admin on /admin/users: %d", r.Status)
	}
	// Now the lead is the last admin.
	lead := e.signedIn("lead@demo.test")
	lv = admVersion(t, lead.get("/admin/users/"+leadID).Body)
	if r := lead.post("/admin/users/"+leadID+"/role", url.Values{"role": {"member"}, "version": {lv}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("demote the new last admin: %d", r.Status)
	}
}

func TestStaleVersionIsAConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.admUserID("observer@demo.test")
	admin := e.signedIn("admin@demo.test")
	v := admVersion(t, admin.get("/admin/users/"+id).Body)
	if r := admin.post("/admin/users/"+id+"/role", url.Values{"role": {"admin"}, "version": {v}}); r.Status != http.StatusSeeOther {
		t.Fatalf("first change: %d", r.Status)
	}
	r := admin.post("/admin/users/"+id+"/role", url.Values{"role": {"member"}, "version": {v}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else made a change") {
		t.Fatalf("stale change: %d", r.Status)
	}
	if role, _ := e.admRole(id); role != "admin" {
		t.Errorf("stale change applied: %s", role)
	}
	if r := admin.post("/admin/users/"+id+"/deactivate", url.Values{"version": {v}}); r.Status != http.StatusConflict {
		t.Errorf("stale deactivate: %d", r.Status)
	}
	if _, active := e.admRole(id); !active {
		t.Error("stale deactivate applied")
	}
	// Settings carry a version too.
	sv := admVersion(t, admin.get("/admin/settings").Body)
	if r := admin.post("/admin/settings", url.Values{"require_2fa": {"no"}, "version": {sv + "0"}}); r.Status != http.StatusConflict {
		t.Errorf("stale settings: %d", r.Status)
	}
}

func TestMemberIsRefusedEveryAdminRouteAndItIsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	csrf := lead.csrf()
	repl := strings.NewReplacer("{userID}", e.admUserID("inspector@demo.test"), "{invitationID}", "00000000-0000-0000-0000-000000000001")
	n := 0
	for key, p := range e.srv.Permissions() {
		if p != auth.ManageTenant {
			continue
		}
		method, pattern, _ := strings.Cut(key, " ")
		// The development mailbox is the one admin page outside /admin (development only).
		if !strings.HasPrefix(pattern, "/admin/") && pattern != "/dev/mail" {
			t.Errorf("%s needs tenant admin but is outside /admin", key)
		}
		path := repl.Replace(pattern)
		var r resp
		if method == http.MethodGet {
			r = lead.get(path)
		} else {
			r = lead.post(path, url.Values{"csrf_token": {csrf}, "role": {"admin"}, "version": {"1"}, "require_2fa": {"yes"},
				"name": {"X"}, "email": {"x@demo.test"}})
		}
		if r.Status != http.StatusForbidden {
			t.Errorf("%s %s as a member: %d, want 403", method, path, r.Status)
		}
		n++
	}
	if n < 11 {
		t.Errorf("only %d admin routes", n)
	}
	if got := e.auditCount("access.refused"); got != n {
		t.Errorf("%d refusals audited, want %d", got, n)
	}
	if role, _ := e.admRole(e.admUserID("lead@demo.test")); role != "staff" {
		t.Error("a member changed their own role")
	}
}

var admEntryRE = regexp.MustCompile(`data-entry-id="(\d+)"`)
var admOlderRE = regexp.MustCompile(`href="([^"]+)" rel="next"`)

func TestAuditLogFiltersAndPaginates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tid := e.admDemoTenant()
	// 60 entries of one action a second apart, and another tenant's entry with the same action.
	_, err := e.db.Super.Exec(ctx, `INSERT INTO audit_log (tenant_id, at, actor_email, action, object_type, object_id, before, after, request_id)
		SELECT $1, now() - make_interval(secs => g), 'bulk@demo.test', 'test.bulk', 'thing', 'obj-' || g,
			'{"n": 0}', jsonb_build_object('n', g), 'req' || g
		FROM generate_series(1, 60) g`, tid)
	if err != nil {
		t.Fatal(err)
	}
	otherTenant, _ := e.admOtherTenant()
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO audit_log (tenant_id, actor_email, action, object_id) VALUES ($1, 'spy@other.test', 'test.bulk', 'secret')`, otherTenant); err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("admin@demo.test")

	all := admin.get("/admin/audit")
	if all.Status != http.StatusOK || !strings.Contains(all.Body, "auth.signed_in") {
		t.Fatalf("audit log: %d", all.Status)
	}
	for _, col := range []string{"When", "Who", "What", "Object", "Details", "Request id"} {
		if !strings.Contains(all.Body, `<th scope="col" class="govuk-table__header">`+col+`</th>`) {
			t.Errorf("no %s column", col)
		}
	}

	page1 := admin.get("/admin/audit?action=test.bulk")
	ids1 := admEntryRE.FindAllStringSubmatch(page1.Body, -1)
	if page1.Status != http.StatusOK || len(ids1) != 50 {
		t.Fatalf("first page: %d with %d entries, want 50", page1.Status, len(ids1))
	}
	if strings.Contains(page1.Body, "spy@other.test") || strings.Contains(page1.Body, "auth.signed_in</code>") {
		t.Error("the filter let other entries through")
	}
	if !strings.Contains(page1.Body, `<code>{&#34;n&#34;:0}</code> → <code>{&#34;n&#34;:1}</code>`) {
		t.Error("before and after not shown compactly")
	}
	if !strings.Contains(page1.Body, "req1") || !strings.Contains(page1.Body, "bulk@demo.test") {
		t.Error("request id or actor not shown")
	}
	m := admOlderRE.FindStringSubmatch(page1.Body)
	if m == nil {
		t.Fatal("no Older entries link")
	}
	older := html.UnescapeString(m[1])
	if !strings.Contains(older, "action=test.bulk") || !strings.Contains(older, "before=") {
		t.Errorf("older link %q loses the filter or the cursor", older)
	}
	page2 := admin.get(older)
	ids2 := admEntryRE.FindAllStringSubmatch(page2.Body, -1)
	if len(ids2) != 10 {
		t.Fatalf("second page has %d entries, want 10", len(ids2))
	}
	if strings.Contains(page2.Body, `rel="next"`) || !strings.Contains(page2.Body, "Newest entries") {
		t.Error("last page links wrong")
	}
	seen := map[string]bool{}
	for _, id := range append(ids1, ids2...) {
		if seen[id[1]] {
			t.Errorf("entry %s on both pages", id[1])
		}
		seen[id[1]] = true
	}
	if !strings.Contains(page1.Body, "obj-1<") || !strings.Contains(page2.Body, "obj-60<") {
		t.Error("not newest first")
	}

	// Other filters.
	if r := admin.get("/admin/audit?object=obj-7"); len(admEntryRE.FindAllString(r.Body, -1)) != 1 {
		t.Error("object filter")
	}
	if r := admin.get("/admin/audit?actor=BULK%40demo"); len(admEntryRE.FindAllString(r.Body, -1)) != 50 {
		t.Error("actor filter")
	}
	today := time.Now().Format("2006-01-02")
	if r := admin.get("/admin/audit?action=test.bulk&from=1/1/2000&to=" + today); r.Status != http.StatusOK {
		t.Errorf("date filter: %d", r.Status)
	}
	if r := admin.get("/admin/audit?from=1/1/9999"); r.Status != http.StatusOK || !strings.Contains(r.Body, "No entries match these filters") {
		t.Errorf("future date filter: %d", r.Status)
	}
	bad := admin.get("/admin/audit?from=31/2/2026&to=yesterday")
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "From date must be a real date") ||
		!strings.Contains(bad.Body, "To date must be a real date") || !strings.Contains(bad.Body, "govuk-error-summary") ||
		!strings.Contains(bad.Body, `value="yesterday"`) {
		t.Errorf("invalid dates: %d", bad.Status)
	}
	if r := admin.get("/admin/audit?from=2/3/2026&to=1/3/2026"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("to before from: %d", r.Status)
	}
	if r := admin.get("/admin/audit?before=nonsense"); r.Status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", r.Status)
	}
}

func TestAnotherTenantsUserIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	otherTenant, otherUser := e.admOtherTenant()
	admin := e.signedIn("admin@demo.test")
	for _, r := range []resp{
		admin.get("/admin/users/" + otherUser),
		admin.get("/admin/users/not-a-uuid"),
		admin.post("/admin/users/"+otherUser+"/role", url.Values{"role": {"member"}, "version": {"1"}}),
		admin.post("/admin/users/"+otherUser+"/deactivate", url.Values{"version": {"1"}}),
		admin.post("/admin/users/"+otherUser+"/reactivate", url.Values{"version": {"1"}}),
	} {
		if r.Status != http.StatusNotFound {
			t.Errorf("status %d, want 404", r.Status)
		}
	}
	// Nor their invitations.
	ctx := context.Background()
	var invID string
	_, hash := auth.NewToken()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: otherTenant}, func(tx pgx.Tx) error {
		var err error
		invID, err = user.CreateInvitation(ctx, tx, user.Invitation{TenantID: otherTenant, Email: "x@other.test",
			Role: auth.RoleMember, ExpiresAt: time.Now().Add(time.Hour)}, otherUser, hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := admin.post("/admin/invitations/"+invID+"/revoke", nil); r.Status != http.StatusNotFound {
		t.Errorf("other tenant's invitation: %d", r.Status)
	}
	var role string
	var active, pending bool
	e.admScalar(&role, `SELECT role FROM memberships WHERE user_id = $1`, otherUser)
	e.admScalar(&active, `SELECT deactivated_at IS NULL FROM memberships WHERE user_id = $1`, otherUser)
	e.admScalar(&pending, `SELECT revoked_at IS NULL FROM invitations WHERE id = $1`, invID)
	if role != "admin" || !active || !pending {
		t.Error("another tenant's data was changed")
	}
	if r := admin.get("/admin/users"); strings.Contains(r.Body, "someone@other.test") {
		t.Error("another tenant's user listed")
	}
}

func TestSettingsRequireTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn("admin@demo.test")
	page := admin.get("/admin/settings")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Require two-factor sign-in for everyone in this organisation") {
		t.Fatalf("settings: %d", page.Status)
	}
	v := admVersion(t, page.Body)
	if r := admin.post("/admin/settings", url.Values{"version": {v}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "govuk-error-summary") {
		t.Errorf("no choice: %d", r.Status)
	}
	if r := admin.post("/admin/settings", url.Values{"require_2fa": {"yes"}, "version": {v}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	var req bool
	e.admScalar(&req, `SELECT require_2fa FROM tenants WHERE slug = $1`, demo.TenantSlug)
	if !req {
		t.Fatal("not saved")
	}
	if obj, b, a := e.admLastAudit("tenant.settings_changed"); obj != e.admDemoTenant() || b != `{"require_2fa":false}` || a != `{"require_2fa":true}` {
		t.Errorf("audit: %s %s → %s", obj, b, a)
	}
	// The admin has no two-factor sign-in yet, so is sent to set it up.
	if r := admin.get("/admin/settings"); r.Status != http.StatusSeeOther || r.Location != "/account/two-factor" {
		t.Errorf("after requiring 2FA: %d %q", r.Status, r.Location)
	}
}
