package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// httpTimeout bounds each call to a provider (discovery, keys, code exchange).
const httpTimeout = 10 * time.Second

var client = &http.Client{Timeout: httpTimeout}

// discoveryIssuer is where the provider's discovery document is read. For Entra ID's issuers that
// stand for many directories it is the configured directory's own issuer, whose tokens name it.
func (p Provider) discoveryIssuer() string {
	if p.Entra() {
		if u, err := url.Parse(p.Issuer); err == nil && u.Host == "login.microsoftonline.com" && slices.Contains(entraMultiTenant, strings.TrimSuffix(u.Path, "/")) {
			return "https://login.microsoftonline.com/" + p.EntraTenantID + "/v2.0"
		}
	}
	return p.Issuer
}

// discover reads the provider's discovery document (each time: nothing is kept in the process).
func (p Provider) discover(ctx context.Context) (*oidc.Provider, context.Context, error) {
	ctx = oidc.ClientContext(ctx, client)
	op, err := oidc.NewProvider(ctx, p.discoveryIssuer())
	if err != nil {
		return nil, ctx, fmt.Errorf("sso: discovery of %s: %w", p.discoveryIssuer(), err)
	}
	return op, ctx, nil
}

// Reachable reports whether the provider's discovery document can be read at its issuer, for the
// admin's form: a typing mistake shows there, not at the next sign-in.
func Reachable(ctx context.Context, p Provider) bool {
	_, _, err := p.discover(ctx)
	return err == nil
}

func (p Provider) oauth(op *oidc.Provider, redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: redirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Start is a sign-in sent to the provider: what the session keeps to check the way back.
type Start struct {
	URL      string // where to send the browser
	State    string
	Nonce    string
	Verifier string // the PKCE code verifier (S256)
}

// Begin makes the redirect to the provider: the authorisation code flow with a fresh state,
// nonce and PKCE verifier, challenged with S256.
func Begin(ctx context.Context, p Provider, redirectURL string) (Start, error) {
	op, _, err := p.discover(ctx)
	if err != nil {
		return Start{}, err
	}
	s := Start{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier()}
	s.URL = p.oauth(op, redirectURL).AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier))
	return s, nil
}

// Finish exchanges the code (with the PKCE verifier), verifies the ID token (signature by the
// provider's keys, issuer, audience = the client id, expiry), checks its nonce and applies the
// tenant's rules to its claims. A token or claim refused is a *Refusal; a provider that cannot be
// reached is another error. It also returns the provider's end-session endpoint, if it has one.
func Finish(ctx context.Context, p Provider, redirectURL, code, verifier, nonce string) (Identity, Logout, error) {
	op, ctx, err := p.discover(ctx)
	if err != nil {
		return Identity{}, Logout{}, err
	}
	tok, err := p.oauth(op, redirectURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Identity{}, Logout{}, refuse("code exchange refused: "+re.ErrorCode, "The identity provider did not confirm your sign-in.")
		}
		return Identity{}, Logout{}, fmt.Errorf("sso: exchange code with %s: %w", p.Issuer, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, Logout{}, refuse("no ID token", "The identity provider did not confirm your sign-in.")
	}
	idt, err := op.VerifierContext(ctx, &oidc.Config{ClientID: p.ClientID}).Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			return Identity{}, Logout{}, refuse("ID token expired", "Your sign-in at the identity provider took too long. Try again.")
		case strings.Contains(err.Error(), "audience"):
			return Identity{}, Logout{}, refuse("ID token for another audience", "The identity provider’s answer was not meant for this service.")
		}
		return Identity{}, Logout{}, refuse("ID token not valid: "+err.Error(), "The identity provider’s answer could not be checked.")
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Identity{}, Logout{}, refuse("nonce does not match", "The identity provider’s answer was not for this sign-in. Try again.")
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return Identity{}, Logout{}, refuse("claims not readable", "The identity provider’s answer could not be read.")
	}
	id, refusal := p.check(idt.Issuer, idt.Subject, c)
	if refusal != nil {
		return id, Logout{}, refusal
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	lo := Logout{}
	if op.Claims(&meta) == nil && (strings.HasPrefix(meta.EndSession, "https://") || strings.HasPrefix(meta.EndSession, "http://")) {
		lo = Logout{Endpoint: meta.EndSession, ClientID: p.ClientID}
	}
	return id, lo, nil
}

// Logout is the provider's end-session endpoint (RP-initiated logout), when it has one. The ID
// token is not sent as a hint: it would sit in the link, and so in the browser's history.
type Logout struct {
	Endpoint, ClientID string
}

// URL is the link that signs the person out of the provider and brings them back to back (a URL registered with the provider).
func (l Logout) URL(back string) string {
	if l.Endpoint == "" {
		return ""
	}
	u, err := url.Parse(l.Endpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", l.ClientID)
	q.Set("post_logout_redirect_uri", back)
	u.RawQuery = q.Encode()
	return u.String()
}
