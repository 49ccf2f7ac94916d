package sso

import (
	"strings"
	"testing"

	"thematic/internal/auth"
)

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	good := Settings{Name: "Microsoft Entra ID", Issuer: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/",
		ClientID: "abc", ClientSecret: "s3cret", Domains: "Inspectorate.gov.uk, @example.org\nexample.org",
		CreateMembers: "yes", DefaultRole: "staff", RequireForStaff: "no"}
	p, errs := good.Validate(false)
	if errs.Any() {
		t.Fatalf("good settings refused: %v", errs.List())
	}
	if p.Issuer != "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/" ||
		strings.Join(p.Domains, " ") != "inspectorate.gov.uk example.org" || p.DefaultRole != auth.RoleStaff || !p.CreateMembers {
		t.Errorf("parsed %+v", p)
	}
	cases := []struct {
		field string
		edit  func(*Settings)
	}{
		{"name", func(s *Settings) { s.Name = " " }},
		{"issuer", func(s *Settings) { s.Issuer = "http://idp.example.org" }},
		{"issuer", func(s *Settings) { s.Issuer = "https://idp.example.org?x=1" }},
		{"client_id", func(s *Settings) { s.ClientID = "" }},
		{"client_secret", func(s *Settings) { s.ClientSecret = "" }},
		{"domains", func(s *Settings) { s.Domains = "" }},
		{"domains", func(s *Settings) { s.Domains = "not a domain!" }},
		{"entra_tenant_id", func(s *Settings) { s.EntraTenantID = "contoso" }},
		{"entra_tenant_id", func(s *Settings) { s.Issuer = "https://login.microsoftonline.com/common/v2.0" }},
		{"create_members", func(s *Settings) { s.CreateMembers = "" }},
		{"default_role", func(s *Settings) { s.DefaultRole = "admin" }},
		{"require_for_staff", func(s *Settings) { s.RequireForStaff = "maybe" }},
	}
	for _, c := range cases {
		s := good
		c.edit(&s)
		if _, errs := s.Validate(false); !errs.Has(c.field) {
			t.Errorf("%+v: no error on %s (%v)", s, c.field, errs.List())
		}
	}
	// A secret already set is kept when the field is empty; local providers may use http.
	s := good
	s.ClientSecret, s.Issuer = "", "http://127.0.0.1:8081/oidc"
	if _, errs := s.Validate(true); !errs.Has("issuer") {
		t.Errorf("local http issuer allowed in production")
	}
	s.LocalHTTP = true
	if _, errs := s.Validate(true); errs.Any() {
		t.Errorf("keeping the secret, local issuer: %v", errs.List())
	}
}

func TestClaimsChecks(t *testing.T) {
	t.Parallel()
	p := Provider{Domains: []string{"demo.test"}}
	entra := Provider{Domains: []string{"demo.test"}, EntraTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"}
	cases := []struct {
		name   string
		p      Provider
		c      claims
		reason string
		sub    string
	}{
		{"verified", p, claims{Email: "A@Demo.test", EmailVerified: true}, "", "sub"},
		{"unverified", p, claims{Email: "a@demo.test"}, "email not verified", ""},
		{"no email", p, claims{EmailVerified: true}, "no email", ""},
		{"other domain", p, claims{Email: "a@demo.test.evil.example", EmailVerified: true}, "email domain not allowed", ""},
		{"entra", entra, claims{Email: "a@demo.test", TID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47", OID: "O1", XMSEdov: true}, "",
			"72f988bf-86f1-41af-91ab-2d7cd011db47:o1"},
		{"entra other directory", entra, claims{Email: "a@demo.test", TID: "00000000-0000-4000-8000-000000000000", OID: "o1", XMSEdov: true},
			"wrong Entra tenant", ""},
		{"entra no oid", entra, claims{Email: "a@demo.test", TID: entra.EntraTenantID, XMSEdov: true}, "no oid claim", ""},
		{"entra email not verified", entra, claims{Email: "a@demo.test", TID: entra.EntraTenantID, OID: "o1"}, "email not verified", ""},
	}
	for _, c := range cases {
		id, r := c.p.check("https://idp", "sub", c.c)
		switch {
		case c.reason == "" && r != nil:
			t.Errorf("%s: refused (%s)", c.name, r.Reason)
		case c.reason != "" && (r == nil || r.Reason != c.reason):
			t.Errorf("%s: %v, want %q", c.name, r, c.reason)
		case c.reason == "" && (id.Subject != c.sub || id.Email != "a@demo.test"):
			t.Errorf("%s: identity %+v", c.name, id)
		}
	}
}

func TestFlexBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{`true`: true, `"true"`: true, `false`: false, `"false"`: false, `1`: true, `null`: false} {
		var b flexBool
		if err := b.UnmarshalJSON([]byte(in)); err != nil || bool(b) != want {
			t.Errorf("%s: %v", in, b)
		}
	}
}

func TestEntraDiscoveryUsesTheTenantsIssuer(t *testing.T) {
	t.Parallel()
	p := Provider{Issuer: "https://login.microsoftonline.com/organizations/v2.0", EntraTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"}
	if got := p.discoveryIssuer(); got != "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0" {
		t.Errorf("discovery at %s", got)
	}
	if got := (Provider{Issuer: "https://idp.example.org"}).discoveryIssuer(); got != "https://idp.example.org" {
		t.Errorf("discovery at %s", got)
	}
	lo := Logout{Endpoint: "https://idp.example.org/logout?x=1", ClientID: "abc"}
	if u := lo.URL("https://service/sign-in"); !strings.Contains(u, "client_id=abc") || !strings.Contains(u, "post_logout_redirect_uri=https%3A%2F%2Fservice%2Fsign-in") || !strings.Contains(u, "x=1") {
		t.Errorf("logout URL %s", u)
	}
}
