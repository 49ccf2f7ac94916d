package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func init() {
	for k, v := range map[string]rule{
		"GET /account/tokens":                   signedIn,
		"POST /account/tokens":                  signedIn, // an empty form: 422
		"POST /account/tokens/{tokenID}/revoke": {signIn, missing, missing, missing},
	} {
		accessTable[k] = v
	}
}

var tokenSecretRE = regexp.MustCompile(`value="(thm_[A-Za-z0-9_-]{43})"`)

// atMakeToken makes a token on the account page and returns its secret.
func atMakeToken(t *testing.T, c *client, name, scope string) string {
	t.Helper()
	r := c.post("/account/tokens", url.Values{"name": {name}, "scope": {scope}, "expiry": {"30"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Your token is ready") {
		t.Fatalf("make token: status %d\n%s", r.Status, r.Body)
	}
	m := tokenSecretRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no token on the page:\n%s", r.Body)
	}
	return m[1]
}

var tokenRevokeRE = regexp.MustCompile(`action="(/account/tokens/[0-9a-f-]{36}/revoke)"`)

func TestAccountTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("inspector@demo.test")

	r := c.get("/account")
	if !strings.Contains(r.Body, `href="/account/tokens"`) {
		t.Fatal("the account page does not link to the tokens page")
	}
	r = c.post("/account/tokens", url.Values{"name": {""}, "scope": {"admin"}, "expiry": {"3"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an empty form: status %d", r.Status)
	}
	for _, msg := range []string{"Enter a name for the token", "Select what the token may do", "Select when the token expires"} {
		if !strings.Contains(r.Body, msg) {
			t.Errorf("the refused form does not say %q", msg)
		}
	}

	secret := atMakeToken(t, c, "Reporting script", "read")
	if e.auditCount("api_token.created") != 1 {
		t.Error("making a token was not audited")
	}
	var stored int
	if err := e.db.Super.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE token_hash = sha256($1::bytea)`, []byte(secret)).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Fatal("the token's hash is not what is stored")
	}
	var plain int
	if err := e.db.Super.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE position($1::bytea in token_hash) > 0`, []byte(secret)).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain != 0 {
		t.Fatal("the secret is stored")
	}

	// Shown once: the list shows its name and "Never" used, not the secret.
	r = c.get("/account/tokens")
	if strings.Contains(r.Body, secret) {
		t.Fatal("the secret is shown again")
	}
	for _, want := range []string{"Reporting script", "Read only", "Never"} {
		if !strings.Contains(html.UnescapeString(r.Body), want) {
			t.Errorf("the list does not show %q", want)
		}
	}
	m := tokenRevokeRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no revoke button")
	}
	// Another user cannot revoke it.
	if r := e.signedIn("lead@demo.test").post(m[1], nil); r.Status != http.StatusNotFound {
		t.Errorf("another user revoking: status %d", r.Status)
	}
	r = c.post(m[1], nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", r.Status)
	}
	if e.auditCount("api_token.revoked") != 1 {
		t.Error("revoking was not audited")
	}
	r = c.get("/account/tokens")
	if !strings.Contains(r.Body, "Revoked") || tokenRevokeRE.MatchString(r.Body) {
		t.Error("the revoked token is not shown as revoked")
	}
}
