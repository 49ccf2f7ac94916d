package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	"thematic/internal/testenv"
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

// apiDecode reads a JSON answer.
func apiDecode(t *testing.T, r resp, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %d: %v\n%s", r.Status, err, r.Body)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	ctx := context.Background()
	reviews := "/api/v1/reviews"

	// No token, a malformed one, an unknown one, another scheme: 401 with a challenge.
	for _, h := range []string{"", "Bearer nonsense", "Bearer thm_" + strings.Repeat("A", 43), "Basic dXNlcjpwYXNz"} {
		var r resp
		if h == "" {
			r = apiCall(t, e, "", "GET", reviews, nil)
		} else {
			r = apiCall(t, e, "", "GET", reviews, nil, "Authorization", h)
		}
		if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: status %d, challenge %q", h, r.Status, r.Header.Get("WWW-Authenticate"))
		}
		var p map[string]any
		apiDecode(t, r, &p)
		if p["status"] != float64(401) || p["title"] == "" || !strings.HasPrefix(p["instance"].(string), "urn:thematic:request:") {
			t.Errorf("Authorization %q: problem %v", h, p)
		}
	}

	// A read-only token reads, and is refused a change (403) before the route's checks.
	read := apiTokenFor(t, e, "inspector@demo.test", apitoken.Read)
	r := apiCall(t, e, read, "GET", reviews, nil)
	var list struct{ Reviews []map[string]any }
	apiDecode(t, r, &list)
	found := false
	for _, rv := range list.Reviews {
		found = found || (rv["id"] == f.reviewID && rv["role"] == "inspector")
	}
	if r.Status != http.StatusOK || !found {
		t.Fatalf("reviews: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Set-Cookie") != "" {
		t.Error("the API set a cookie")
	}
	r = apiCall(t, e, read, "POST", reviews+"/"+f.reviewID+"/notes", map[string]any{}, "Idempotency-Key", "k1")
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "may only read") {
		t.Errorf("a read-only token's change: %d %s", r.Status, r.Body)
	}

	// Its use is noted, once a minute at most.
	var used *time.Time
	if err := e.db.Super.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE token_hash = $1`, apitoken.Hash(read)).Scan(&used); err != nil {
		t.Fatal(err)
	}
	if used == nil {
		t.Fatal("last_used_at not set")
	}
	if !strings.Contains(e.signedIn("inspector@demo.test").get("/account/tokens").Body, "Test read") {
		t.Error("the account page does not list the token")
	}

	// The rate limit: the 601st request of a minute answers 429 with Retry-After.
	if _, err := e.db.Super.Exec(ctx, `UPDATE api_token_windows w SET requests = $1 FROM api_tokens t
		WHERE t.id = w.token_id AND t.token_hash = $2`, apitoken.RatePerMinute, apitoken.Hash(read)); err != nil {
		t.Fatal(err)
	}
	r = apiCall(t, e, read, "GET", reviews, nil)
	if r.Status == http.StatusOK {
		r = apiCall(t, e, read, "GET", reviews, nil) // the minute turned over between the two: once more
	}
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("over the limit: status %d", r.Status)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Another token of the same user has its own window.
	if r := apiCall(t, e, apiTokenFor(t, e, "inspector@demo.test", apitoken.Read), "GET", reviews, nil); r.Status != http.StatusOK {
		t.Errorf("another token: status %d", r.Status)
	}

	// Expired and revoked tokens answer 401.
	expired := apiTokenFor(t, e, "lead@demo.test", apitoken.Read)
	if _, err := e.db.Super.Exec(ctx, `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, apitoken.Hash(expired)); err != nil {
		t.Fatal(err)
	}
	if r := apiCall(t, e, expired, "GET", reviews, nil); r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "expired") {
		t.Errorf("expired: %d %s", r.Status, r.Body)
	}
	revoked := apiTokenFor(t, e, "lead@demo.test", apitoken.Read)
	var id string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM api_tokens WHERE token_hash = $1`, apitoken.Hash(revoked)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if r := e.signedIn("lead@demo.test").post("/account/tokens/"+id+"/revoke", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if r := apiCall(t, e, revoked, "GET", reviews, nil); r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "revoked") {
		t.Errorf("revoked: %d %s", r.Status, r.Body)
	}

	// An organisation that requires two-factor sign-in: a token of a user without it waits (403).
	obs := apiTokenFor(t, e, "observer@demo.test", apitoken.Read)
	if _, err := e.db.Super.Exec(ctx, `UPDATE tenants SET require_2fa = true WHERE slug = $1`, demo.TenantSlug); err != nil {
		t.Fatal(err)
	}
	if r := apiCall(t, e, obs, "GET", reviews, nil); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "two-factor") {
		t.Errorf("two-factor required: %d %s", r.Status, r.Body)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE tenants SET require_2fa = false WHERE slug = $1`, demo.TenantSlug); err != nil {
		t.Fatal(err)
	}

	// A deactivated member's token stops working.
	lead := apiTokenFor(t, e, "lead@demo.test", apitoken.Read)
	if _, err := e.db.Super.Exec(ctx, `UPDATE memberships SET deactivated_at = now() WHERE user_id = (SELECT id FROM users WHERE email = 'lead@demo.test')`); err != nil {
		t.Fatal(err)
	}
	if r := apiCall(t, e, lead, "GET", reviews, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("deactivated: %d", r.Status)
	}
}

func TestAPINotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	evidenceNotes(t, e, f, 5, func(i int) string { return "The hub welcomed fathers, visit " + strconv.Itoa(i) })
	base := "/api/v1/reviews/" + f.reviewID + "/notes"
	tok := apiTokenFor(t, e, "inspector@demo.test", apitoken.ReadWrite)

	// Keyset pages with the evidence base's filters.
	var page struct {
		Notes []struct {
			ID, Judgement string
			Tags          []string
		}
		Next    *string
		NextURL string `json:"next_url"`
	}
	r := apiCall(t, e, tok, "GET", base+"?tag=fathers&limit=2", nil)
	apiDecode(t, r, &page)
	if r.Status != http.StatusOK || len(page.Notes) != 2 || page.Next == nil {
		t.Fatalf("first page: %d %s", r.Status, r.Body)
	}
	seen := map[string]bool{}
	for pages := 1; ; pages++ {
		for _, n := range page.Notes {
			if seen[n.ID] {
				t.Fatalf("note %s twice", n.ID)
			}
			seen[n.ID] = true
		}
		if page.Next == nil {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		if !strings.Contains(page.NextURL, "tag=fathers") {
			t.Errorf("next_url %q loses the filter", page.NextURL)
		}
		r = apiCall(t, e, tok, "GET", page.NextURL, nil)
		page.Next, page.NextURL = nil, ""
		apiDecode(t, r, &page)
	}
	if len(seen) != 5 {
		t.Errorf("%d notes seen, want 5", len(seen))
	}
	r = apiCall(t, e, tok, "GET", base+"?judgement=development", nil)
	apiDecode(t, r, &page)
	if len(page.Notes) != 0 {
		t.Errorf("judgement filter: %d notes", len(page.Notes))
	}
	// A NUL or bytes that are not UTF-8 in the query: 400, before any statement sees them.
	for _, q := range []string{"q=%00", "tag=%ff", "q=%zz"} {
		if r := apiCall(t, e, tok, "GET", base+"?"+q, nil); r.Status != http.StatusBadRequest {
			t.Errorf("?%s: %d", q, r.Status)
		}
	}
	// A bad filter: 422 with the field.
	r = apiCall(t, e, tok, "GET", base+"?visit=nope", nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"visit"`) {
		t.Errorf("bad filter: %d %s", r.Status, r.Body)
	}

	// Recording a note: the form's command, idempotent by the header's key.
	note := map[string]any{"visit_id": f.visit1, "source_id": f.sourceID, "note_date": "2023-08-04",
		"body": "Staff described the new drop-in for fathers.", "action_areas": []string{f.actionAreaID},
		"tags": []string{"Fathers"}, "judgement": "strength"}
	r = apiCall(t, e, tok, "POST", base, note)
	if r.Status != http.StatusBadRequest {
		t.Errorf("no Idempotency-Key: %d", r.Status)
	}
	audited := e.auditCount("evidence.created")
	r = apiCall(t, e, tok, "POST", base, note, "Idempotency-Key", "api-note-1")
	var made struct {
		ID      string
		Created bool
	}
	apiDecode(t, r, &made)
	if r.Status != http.StatusCreated || !made.Created || r.Header.Get("Location") == "" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	first := made.ID
	r = apiCall(t, e, tok, "POST", base, note, "Idempotency-Key", "api-note-1")
	apiDecode(t, r, &made)
	if r.Status != http.StatusOK || made.Created || made.ID != first {
		t.Errorf("the same key again: %d %s", r.Status, r.Body)
	}
	if n := e.auditCount("evidence.created"); n != audited+1 {
		t.Errorf("the API's note was not audited as the form's is")
	}
	// Refused by the note's checks: 422 with the fields.
	bad := map[string]any{"visit_id": f.visit1, "source_id": f.sourceID, "note_date": "2023-08-04", "body": "", "judgement": "great"}
	r = apiCall(t, e, tok, "POST", base, bad, "Idempotency-Key", "api-note-2")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"body"`) || !strings.Contains(r.Body, `"field":"judgement"`) {
		t.Errorf("refused note: %d %s", r.Status, r.Body)
	}
	// Not JSON, unknown fields: 400.
	r = apiCall(t, e, tok, "POST", base, map[string]any{"visit": f.visit1}, "Idempotency-Key", "api-note-3")
	if r.Status != http.StatusBadRequest {
		t.Errorf("unknown field: %d", r.Status)
	}
}

func TestAPIReadsAndReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	base := "/api/v1/reviews/" + f.reviewID
	tok := apiTokenFor(t, e, "lead@demo.test", apitoken.Read)
	for _, c := range []struct{ path, want string }{
		{"", `"title":"Access review"`},
		{"/areas", `"ons_code":"E06000057"`},
		{"/visits", f.visit1},
		{"/findings", "Parents valued the feeding support."},
		{"/recommendations", "A fixture recommendation."},
		{"/coverage", `"action_areas"`},
	} {
		r := apiCall(t, e, tok, "GET", base+c.path, nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, c.want) {
			t.Errorf("GET %s: %d, want %q in\n%.500s", c.path, r.Status, c.want, r.Body)
		}
	}
	// The contact sees their own area's visits only.
	r := apiCall(t, e, apiTokenFor(t, e, "la.contact@demo.test", apitoken.Read), "GET", base+"/visits", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, f.visit1) || strings.Contains(r.Body, f.visit2) {
		t.Errorf("contact's visits: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ format, ctype string }{
		{"", "text/html"}, {"html", "text/html"}, {"govspeak", "text/markdown"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		r := apiCall(t, e, tok, "GET", base+"/report?format="+c.format, nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), c.ctype) ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("report %q: %d %s", c.format, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := apiCall(t, e, tok, "GET", base+"/report?format=rtf", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown format: %d", r.Status)
	}
	// A path the API does not have.
	if r := apiCall(t, e, tok, "GET", "/api/v1/nothing", nil); r.Status != http.StatusNotFound ||
		r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown path: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
}

func TestAPIDocumentAndPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := apiCall(t, e, "", "GET", "/api/v1/openapi.json", nil)
	var doc map[string]any
	apiDecode(t, r, &doc)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	r = apiCall(t, e, "", "GET", "/api/v1/docs", nil)
	for _, want := range []string{"govuk-template", "Thematic API", "List evidence notes (the evidence base)", "Idempotency-Key",
		`id="schema-note"`, "/api/v1/reviews/{reviewID}/notes"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the reference page does not show %q", want)
		}
	}
	if strings.Contains(r.Body, "<script src=\"http") {
		t.Error("the reference page loads script from elsewhere")
	}
}

// TestAPIWithinTheStatementBudget counts the statements of every API read, as
// TestEveryPageWithinTheStatementBudget does for pages: the token's look-up and count (one
// statement) and its user (one) come before the page's own.
func TestAPIWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	tok := apiTokenFor(t, e, "lead@demo.test", apitoken.Read)
	for key, rule := range apiAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet || rule.lead != ok {
			continue
		}
		path := strings.TrimSuffix(strings.ReplaceAll(pattern, "{reviewID}", f.reviewID), "/")
		best := int64(-1)
		var sql []string
		for range 3 {
			before := te.Statements()
			r := apiCall(t, e, tok, method, path, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", key, r.Status)
			}
			if n := te.Statements() - before; best < 0 || n < best {
				best, sql = n, te.StatementsSince(before)
			}
		}
		if best > requestBudget {
			t.Errorf("%s sends %d statements, more than %d:\n  %s", key, best, requestBudget, strings.Join(sql, "\n  "))
		}
		t.Logf("%3d %s", best, key)
	}
}
