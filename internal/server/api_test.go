package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"thematic/internal/apidoc"
	"thematic/internal/apitoken"
	"thematic/internal/db"
	"thematic/internal/demo"
)

// apiRule gives the answer of an API route for each persona, each with a read-and-write token of
// their own: nobody (no token); a tenant member outside the review (the tenant admin); the
// review's lead, inspector, observer and local authority contact; and another tenant's admin.
type apiRule struct {
	anon, outsider, lead, inspector, observer, contact, other expect
}

const unauth expect = "401"

var (
	apiPublic      = apiRule{ok, ok, ok, ok, ok, ok, ok}
	apiSignedIn    = apiRule{unauth, ok, ok, ok, ok, ok, ok}
	apiMember      = apiRule{unauth, missing, ok, ok, ok, ok, missing}
	apiStaff       = apiRule{unauth, missing, ok, ok, ok, forbid, missing}
	apiRecord      = apiRule{unauth, missing, ok, ok, forbid, forbid, missing}
	apiAccessTable = map[string]apiRule{
		"GET /api/v1/openapi.json":                       apiPublic,
		"GET /api/v1/docs":                               apiPublic,
		"GET /api/v1/reviews":                            apiSignedIn,
		"GET /api/v1/reviews/{reviewID}/":                apiMember,
		"GET /api/v1/reviews/{reviewID}/areas":           apiStaff,
		"GET /api/v1/reviews/{reviewID}/visits":          apiMember,
		"GET /api/v1/reviews/{reviewID}/notes":           apiStaff,
		"POST /api/v1/reviews/{reviewID}/notes":          apiRecord,
		"GET /api/v1/reviews/{reviewID}/findings":        apiStaff,
		"GET /api/v1/reviews/{reviewID}/recommendations": apiStaff,
		"GET /api/v1/reviews/{reviewID}/coverage":        apiStaff,
		"GET /api/v1/reviews/{reviewID}/report":          apiStaff,
	}
)

// The OpenAPI document, loaded once, and kin-openapi's router over it.
var (
	apiDocOnce   sync.Once
	apiDoc       *openapi3.T
	apiDocRouter routers.Router
	apiDocErr    error
)

func apiSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	apiDocOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.wordprocessingml.document", openapi3filter.FileBodyDecoder)
		apiDoc, apiDocErr = apidoc.Lint(context.Background())
		if apiDocErr != nil {
			return
		}
		// Route on paths alone: the test server's address is not the document's.
		apiDoc.Servers = openapi3.Servers{{URL: "http://api.test/api/v1"}}
		apiDocRouter, apiDocErr = legacy.NewRouter(apiDoc)
	})
	if apiDocErr != nil {
		t.Fatal(apiDocErr)
	}
	return apiDoc, apiDocRouter
}

// apiCall makes one API request with a token ("" for none) and validates the response against
// the OpenAPI document: its status must be documented for the operation, and its body must
// match the schema of its content type.
func apiCall(t *testing.T, e *env, token, method, path string, body any, header ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	r := e.client().do(req)
	apiValidate(t, method, path, r)
	return r
}

func apiValidate(t *testing.T, method, path string, r resp) {
	t.Helper()
	_, router := apiSpec(t)
	u, _ := url.Parse("http://api.test" + path)
	req := &http.Request{Method: method, URL: u, Header: http.Header{}}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if r.Status == http.StatusNotFound {
			return // a path the document does not have, answered as such
		}
		t.Errorf("%s %s: not in the OpenAPI document: %v", method, path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: r.Status, Header: r.Header, Body: io.NopCloser(strings.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: status %d does not match the OpenAPI document: %v\n%.600s", method, path, r.Status, err, r.Body)
	}
}

// apiTokenFor makes a token for a user in a tenant (by the user's email; the demo tenant unless
// tenantSlug is given) with the apitoken command, as the account page does.
func apiTokenFor(t *testing.T, e *env, email, scope string, tenantSlug ...string) string {
	t.Helper()
	ctx := context.Background()
	slug := demo.TenantSlug
	if len(tenantSlug) > 0 {
		slug = tenantSlug[0]
	}
	var sc db.Scope
	if err := e.db.Super.QueryRow(ctx, `SELECT m.tenant_id::text, u.id::text, u.email FROM users u
		JOIN memberships m ON m.user_id = u.id JOIN tenants t ON t.id = m.tenant_id WHERE u.email = $1 AND t.slug = $2`,
		email, slug).Scan(&sc.TenantID, &sc.UserID, &sc.Email); err != nil {
		t.Fatalf("token for %s: %v", email, err)
	}
	secret, _, err := apitoken.Create(ctx, e.db.Owner, sc, apitoken.Input{Name: "Test " + scope, Scope: scope, Days: 30}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestEveryAPIRouteIsInTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc, _ := apiSpec(t)
	have := map[string]bool{}
	for _, op := range apidoc.Operations(doc) {
		have[op.Method+" /api/v1"+op.Path] = true
	}
	for key := range apiAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if !have[method+" "+strings.TrimSuffix(pattern, "/")] {
			t.Errorf("%s is a route the OpenAPI document does not describe", key)
		}
		delete(have, method+" "+strings.TrimSuffix(pattern, "/"))
	}
	for op := range have {
		t.Errorf("the OpenAPI document describes %s, which is not a route", op)
	}
}

func TestAPIAccessMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	rw := apitoken.ReadWrite
	personas := []struct {
		name  string
		token string
		want  func(apiRule) expect
	}{
		{"nobody", "", func(r apiRule) expect { return r.anon }},
		{"tenant admin outside the review", apiTokenFor(t, e, "admin@demo.test", rw), func(r apiRule) expect { return r.outsider }},
		{"lead", apiTokenFor(t, e, "lead@demo.test", rw), func(r apiRule) expect { return r.lead }},
		{"inspector", apiTokenFor(t, e, "inspector@demo.test", rw), func(r apiRule) expect { return r.inspector }},
		{"observer", apiTokenFor(t, e, "observer@demo.test", rw), func(r apiRule) expect { return r.observer }},
		{"contact", apiTokenFor(t, e, "la.contact@demo.test", rw), func(r apiRule) expect { return r.contact }},
		{"other tenant's admin", apiTokenFor(t, e, "admin@other.test", rw, "other-inspectorate"), func(r apiRule) expect { return r.other }},
	}
	for key, rule := range apiAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		path := strings.TrimSuffix(strings.ReplaceAll(pattern, "{reviewID}", f.reviewID), "/")
		for _, p := range personas {
			var body any
			if method == http.MethodPost {
				body = map[string]any{}
			}
			r := apiCall(t, e, p.token, method, path, body)
			want := p.want(rule)
			if want == unauth {
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s as %s: want 401, got %d", method, path, p.name, r.Status)
				}
				continue
			}
			if msg := check(want, method, r); msg != "" {
				t.Errorf("%s %s as %s: %s\n%.300s", method, path, p.name, msg, r.Body)
			}
			if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %s: an error of type %q, not problem details", method, path, p.name, r.Header.Get("Content-Type"))
			}
		}
	}
}
