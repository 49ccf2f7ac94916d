// Package sso holds single sign-on with OpenID Connect, per tenant: the tenant's identity
// provider, the checks an ID token's claims must pass, and who an identity at the provider is
// here (linked by verified email, or a membership made on first sign-in when the admin allows
// it). The OpenID mechanics (discovery, the authorisation code flow with PKCE, verifying the ID
// token) are in oidc.go; the server only does HTTP.
package sso

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"thematic/internal/auth"
	"thematic/internal/form"
)

// Provider is a tenant's identity provider.
type Provider struct {
	TenantID   string
	TenantName string
	Name       string // what the sign-in button calls it: "Sign in with <Name>"
	Issuer     string
	ClientID   string
	// ClientSecret is never shown on a page nor written to the audit log.
	ClientSecret    string
	Domains         []string // email domains allowed, lower case
	CreateMembers   bool     // a first sign-in with no account here makes a membership
	DefaultRole     auth.Role
	RequireForStaff bool   // inspectorate staff may not sign in with a password
	EntraTenantID   string // Microsoft Entra ID directory id: the tid every token must carry
	Version         int    // 0: none configured yet
}

// Configured reports whether the tenant has a provider.
func (p Provider) Configured() bool { return p.Version > 0 }

// Entra reports whether the provider is Microsoft Entra ID, whose tokens are checked as Entra
// documents them (tid, oid; email verified only by xms_edov or email_verified).
func (p Provider) Entra() bool { return p.EntraTenantID != "" }

// AllowsDomain reports whether an address's domain is one the tenant allows.
func (p Provider) AllowsDomain(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	return slices.Contains(p.Domains, strings.ToLower(email[at+1:]))
}

// Settings is the admin's form, as typed.
type Settings struct {
	Name, Issuer, ClientID string
	ClientSecret           string // "" keeps the one set
	Domains                string // one a line, or separated by commas or spaces
	CreateMembers          string // "yes", "no"
	DefaultRole            string // "member", "staff"
	RequireForStaff        string // "yes", "no"
	EntraTenantID          string
	Version                int
	// LocalHTTP allows an http:// issuer on this machine (localhost), for development and tests
	// only: a service reached over https never fetches a provider's keys over plain http.
	LocalHTTP bool
}

var (
	domainRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// entraMultiTenant is the path of Entra ID's issuers that stand for many directories: discovery
// there names the issuer "{tenantid}", so the tenant-specific issuer is used instead.
var entraMultiTenant = []string{"/common/v2.0", "/organizations/v2.0", "/consumers/v2.0"}

// Validate checks the form and returns the provider it sets (secret as typed, "" to keep).
// hasSecret tells whether a secret is already set.
func (s Settings) Validate(hasSecret bool) (Provider, *form.Errors) {
	errs := &form.Errors{}
	p := Provider{Name: strings.TrimSpace(s.Name), Issuer: strings.TrimSpace(s.Issuer), // exactly as the provider names itself (some end in "/")
		ClientID: strings.TrimSpace(s.ClientID), ClientSecret: strings.TrimSpace(s.ClientSecret),
		EntraTenantID: strings.ToLower(strings.TrimSpace(s.EntraTenantID)), Version: s.Version}
	switch n := len([]rune(p.Name)); {
	case n == 0:
		errs.Add("name", "Enter the name of the identity provider, as the sign-in button will show it")
	case n > 100:
		errs.Add("name", "The provider’s name must be 100 characters or fewer")
	}
	if u, err := url.Parse(p.Issuer); p.Issuer == "" {
		errs.Add("issuer", "Enter the issuer URL")
	} else if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "https" && !(s.LocalHTTP && u.Scheme == "http" && localHost(u.Hostname()))) || len(p.Issuer) > 500 {
		errs.Add("issuer", "Enter the issuer URL as the provider gives it, starting https://")
	} else if u.Host == "login.microsoftonline.com" && slices.Contains(entraMultiTenant, strings.TrimSuffix(u.Path, "/")) && p.EntraTenantID == "" {
		errs.Add("entra_tenant_id", "Enter your Microsoft Entra tenant ID: the issuer you gave serves many organisations")
	}
	if p.ClientID == "" || len(p.ClientID) > 500 {
		errs.Add("client_id", "Enter the client ID the provider gave this service")
	}
	if p.ClientSecret == "" && !hasSecret {
		errs.Add("client_secret", "Enter the client secret the provider gave this service")
	} else if len(p.ClientSecret) > 2000 {
		errs.Add("client_secret", "The client secret must be 2000 characters or fewer")
	}
	for _, d := range strings.FieldsFunc(strings.ToLower(s.Domains), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		d = strings.TrimPrefix(d, "@")
		if !domainRE.MatchString(d) {
			errs.Add("domains", "Enter email domains like inspectorate.gov.uk, one on each line")
			break
		}
		if !slices.Contains(p.Domains, d) {
			p.Domains = append(p.Domains, d)
		}
	}
	if len(p.Domains) == 0 && errs.Get("domains") == "" {
		errs.Add("domains", "Enter at least one email domain whose people may sign in this way")
	}
	if p.EntraTenantID != "" && !uuidRE.MatchString(p.EntraTenantID) {
		errs.Add("entra_tenant_id", "Enter the Microsoft Entra tenant ID as shown in the Entra admin centre, like 72f988bf-86f1-41af-91ab-2d7cd011db47")
	}
	switch s.CreateMembers {
	case "yes", "no":
		p.CreateMembers = s.CreateMembers == "yes"
	default:
		errs.Add("create_members", "Select yes if a first sign-in may add someone to this organisation")
	}
	switch r := auth.Role(s.DefaultRole); {
	case r == auth.RoleMember || r == auth.RoleStaff:
		p.DefaultRole = r
	case p.CreateMembers:
		errs.Add("default_role", "Select the role of people added on their first sign-in")
	default:
		p.DefaultRole = auth.RoleMember
	}
	switch s.RequireForStaff {
	case "yes", "no":
		p.RequireForStaff = s.RequireForStaff == "yes"
	default:
		errs.Add("require_for_staff", "Select yes if inspectorate staff must sign in with single sign-on")
	}
	return p, errs
}

func localHost(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

// Refusal is a sign-in through the provider refused: Reason goes to the audit log and the
// service's log, Message to the person.
type Refusal struct {
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return "sso: sign-in refused: " + r.Reason }

func refuse(reason, message string) *Refusal { return &Refusal{Reason: reason, Message: message} }

// Identity is who the provider says signed in, once the ID token passed every check.
type Identity struct {
	Issuer  string
	Subject string // sub, or "tid:oid" for Entra ID
	Email   string // verified, lower case, in an allowed domain
	Name    string
}

// claims are the ID token's claims this service reads. email_verified and xms_edov may come as a
// boolean or as the string "true" (Entra's optional claims have done both).
type claims struct {
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
	Name          string   `json:"name"`
	TID           string   `json:"tid"`
	OID           string   `json:"oid"`
	XMSEdov       flexBool `json:"xms_edov"`
}

type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	*b = flexBool(string(data) == "true" || string(data) == `"true"` || string(data) == `"1"` || string(data) == "1")
	return nil
}

// check applies the tenant's rules to a verified ID token's claims.
func (p Provider) check(issuer, sub string, c claims) (Identity, *Refusal) {
	id := Identity{Issuer: issuer, Subject: sub, Email: strings.ToLower(strings.TrimSpace(c.Email)), Name: strings.TrimSpace(c.Name)}
	verified := bool(c.EmailVerified)
	if p.Entra() {
		// Entra ID: the token must come from the configured directory; oid within tid is the
		// stable identity. Entra does not verify the email claim by default: it counts as verified
		// only with email_verified or the optional claim xms_edov (domain owner verified).
		if !strings.EqualFold(c.TID, p.EntraTenantID) {
			return id, refuse("wrong Entra tenant", "Your account belongs to a different organisation’s directory.")
		}
		if c.OID == "" {
			return id, refuse("no oid claim", "The identity provider did not say who you are.")
		}
		id.Subject = strings.ToLower(c.TID) + ":" + strings.ToLower(c.OID)
		verified = verified || bool(c.XMSEdov)
	}
	if id.Email == "" {
		return id, refuse("no email", "The identity provider did not give your email address.")
	}
	if !verified {
		return id, refuse("email not verified", "The identity provider has not verified your email address.")
	}
	if !p.AllowsDomain(id.Email) {
		return id, refuse("email domain not allowed", "Your email address is not one this organisation lets sign in this way.")
	}
	return id, nil
}
