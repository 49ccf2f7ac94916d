package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// expect is what one persona must get from one route.
type expect string

const (
	ok      expect = "ok"      // allowed: anything but 401, 403, 404 or a redirect to sign in
	signIn  expect = "sign-in" // GET: redirected to sign in; POST: 401
	forbid  expect = "403"
	missing expect = "404"
	raw     expect = "raw" // not a page of the session group (assets, probes): any 2xx/3xx/404
)

// rule gives the answer for each persona: nobody signed in, a tenant member, the tenant's admin,
// and the admin of another tenant (who must never reach this tenant's objects).
type rule struct {
	anon, member, admin, other expect
}

var (
	public     = rule{ok, ok, ok, ok}
	signedIn   = rule{signIn, ok, ok, ok}
	adminOnly  = rule{signIn, forbid, ok, ok}      // the other tenant's admin sees their own tenant
	adminObj   = rule{signIn, forbid, ok, missing} // an object of this tenant
	tokenRoute = rule{missing, missing, missing, missing}
)

// accessTable lists every route. A route registered but missing here fails the test, so no route
// can be added without deciding who may use it.
var accessTable = map[string]rule{
	"GET /static/*":            {raw, raw, raw, raw},
	"GET /assets/*":            {raw, raw, raw, raw},
	"GET /healthz":             public,
	"GET /readyz":              public,
	"GET /":                    signedIn,
	"GET /accessibility":       public,
	"GET /privacy":             public,
	"GET /sign-in":             public,
	"POST /sign-in":            {ok, ok, ok, ok},
	"GET /sign-in/two-factor":  public,
	"POST /sign-in/two-factor": public,
	"POST /sign-out":           public,
	// No organisation has single sign-on in the fixture: its pages are not found for anyone
	// (sso_test.go covers an organisation that has it).
	"GET /sign-in/sso/{slug}":                       {missing, missing, missing, missing},
	"GET /sign-in/sso/{slug}/callback":              {missing, missing, missing, missing},
	"GET /admin/single-sign-on":                     adminOnly,
	"POST /admin/single-sign-on":                    adminOnly,
	"POST /session/extend":                          signedIn,
	"GET /password/forgot":                          public,
	"POST /password/forgot":                         public,
	"GET /password/reset/{token}":                   tokenRoute,
	"POST /password/reset/{token}":                  tokenRoute,
	"GET /invitations/{token}":                      tokenRoute,
	"POST /invitations/{token}":                     tokenRoute,
	"GET /account":                                  signedIn,
	"GET /account/password":                         signedIn,
	"POST /account/password":                        signedIn,
	"GET /account/two-factor":                       signedIn,
	"POST /account/two-factor":                      signedIn,
	"POST /account/two-factor/disable":              signedIn,
	"POST /account/two-factor/recovery-codes":       signedIn,
	"GET /account/organisation":                     signedIn,
	"POST /account/organisation":                    signedIn,
	"GET /admin/users":                              adminOnly,
	"GET /admin/users/invite":                       adminOnly,
	"POST /admin/users/invite":                      adminOnly,
	"GET /admin/users/{userID}":                     adminObj,
	"POST /admin/users/{userID}/role":               adminObj,
	"POST /admin/users/{userID}/deactivate":         adminObj,
	"POST /admin/users/{userID}/reactivate":         adminObj,
	"POST /admin/invitations/{invitationID}/revoke": adminObj,
	"GET /admin/audit":                              adminOnly,
	"GET /admin/settings":                           adminOnly,
	"POST /admin/settings":                          adminOnly,
	"GET /dev/mail":                                 adminOnly,
	// The recommendations register: every signed-in member reads the rows of the reviews they
	// may read (register_test.go checks which); a row of this tenant is no one else's.
	"GET /dashboard":                              signedIn,
	"GET /search":                                 signedIn,
	"GET /register":                               signedIn,
	"GET /register.csv":                           signedIn,
	"GET /register.xlsx":                          signedIn,
	"GET /register/{recommendationID}":            {signIn, missing, missing, missing},
	"POST /register/{recommendationID}/status":    {signIn, missing, missing, missing},
	"POST /register/{recommendationID}/responses": {signIn, missing, missing, missing},
}

// fixture holds the ids the route patterns are filled with.
type fixture struct {
	inspectorID  string
	invitationID string
}

func newFixture(t *testing.T, e *env) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	var tenantA string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&tenantA); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'inspector@demo.test'`).Scan(&f.inspectorID); err != nil {
		t.Fatal(err)
	}
	var adminID string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'admin@demo.test'`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	_, hash := auth.NewToken()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantA}, func(tx pgx.Tx) error {
		var err error
		f.invitationID, err = user.CreateInvitation(ctx, tx, user.Invitation{TenantID: tenantA, Email: "new.person@demo.test",
			Name: "New Person", Role: auth.RoleMember, ExpiresAt: time.Now().Add(time.Hour)}, adminID, hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another tenant with its own admin.
	var tenantB string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantB); err != nil {
		t.Fatal(err)
	}
	pw, _ := auth.HashPassword(demo.Password)
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantB}, func(tx pgx.Tx) error {
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
	return f
}

func (f fixture) path(pattern string) string {
	r := strings.NewReplacer("{userID}", f.inspectorID, "{invitationID}", f.invitationID,
		"{token}", "no-such-token", "{slug}", "demo-inspectorate", "/*", "/app.css")
	p := r.Replace(pattern)
	if strings.HasPrefix(pattern, "/assets/") {
		p = "/assets/images/favicon.ico"
	}
	return p
}

func TestEveryRouteIsInTheAccessTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := map[string]bool{}
	err := chi.Walk(e.srv.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		seen[key] = true
		_, inFoundation := accessTable[key]
		_, inReview := reviewAccessTable[key]
		_, inAPI := apiAccessTable[key]
		if !inFoundation && !inReview && !inAPI {
			t.Errorf("route %s is in none of accessTable, reviewAccessTable and apiAccessTable: decide who may use it", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range reviewAccessTable {
		if !seen[key] {
			t.Errorf("reviewAccessTable lists %s, which is not registered", key)
		}
	}
	for key := range apiAccessTable {
		if !seen[key] {
			t.Errorf("apiAccessTable lists %s, which is not registered", key)
		}
	}
	for key := range accessTable {
		if !seen[key] {
			t.Errorf("accessTable lists %s, which is not registered", key)
		}
	}
}

func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	for key, rule := range accessTable {
		method, pattern, _ := strings.Cut(key, " ")
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			f := newFixture(t, e)
			path := f.path(pattern)
			personas := []struct {
				name string
				want expect
				c    *client
			}{
				{"anonymous", rule.anon, e.client()},
				{"member", rule.member, e.signedIn("lead@demo.test")},
				{"admin", rule.admin, e.signedIn("admin@demo.test")},
				{"other tenant's admin", rule.other, e.signedIn("admin@other.test")},
			}
			for _, p := range personas {
				var r resp
				if method == http.MethodGet {
					r = p.c.get(path)
				} else {
					r = p.c.post(path, url.Values{})
				}
				if msg := check(p.want, method, r); msg != "" {
					t.Errorf("%s %s as %s: %s", method, path, p.name, msg)
				}
			}
		})
	}
}

func check(want expect, method string, r resp) string {
	toSignIn := r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/sign-in")
	switch want {
	case raw:
		if r.Status >= 500 || r.Status == 401 || r.Status == 403 {
			return "status " + http.StatusText(r.Status)
		}
	case ok:
		if r.Status == 401 || r.Status == 403 || r.Status == 404 || r.Status >= 500 {
			return "want allowed, got " + http.StatusText(r.Status)
		}
	case signIn:
		if method == http.MethodGet && !toSignIn {
			return "want a redirect to sign in, got " + http.StatusText(r.Status) + " " + r.Location
		}
		if method != http.MethodGet && r.Status != http.StatusUnauthorized {
			return "want 401, got " + http.StatusText(r.Status)
		}
	case forbid:
		if r.Status != http.StatusForbidden {
			return "want 403, got " + http.StatusText(r.Status)
		}
	case missing:
		if r.Status != http.StatusNotFound {
			return "want 404, got " + http.StatusText(r.Status)
		}
	}
	return ""
}
