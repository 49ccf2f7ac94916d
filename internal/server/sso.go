package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/metrics"
	"thematic/internal/sso"
	"thematic/internal/tenant"
	"thematic/internal/user"
	"thematic/templates/adminview"
	"thematic/templates/authview"
)

// Single sign-on with an organisation's OpenID provider (internal/sso holds the rules).

// ssoPending is how long a sign-in sent to the provider may take to come back.
const ssoPending = 10 * time.Minute

// The session keys of a sign-in sent to the provider, and of the provider to offer signing out of.
var ssoKeys = []string{"sso_state", "sso_nonce", "sso_verifier", "sso_slug", "sso_at", "sso_next"}

// ssoRedirectURL is the callback the provider must send people back to (registered with it).
func (s *Server) ssoRedirectURL(slug string) string {
	return s.cfg.BaseURL + "/sign-in/sso/" + url.PathEscape(slug) + "/callback"
}

// ssoSignInURL is the organisation's sign-in page, which shows its button.
func (s *Server) ssoSignInURL(slug string) string {
	return s.cfg.BaseURL + "/sign-in?" + url.Values{"organisation": {slug}}.Encode()
}

func ssoStartPath(slug, next string) string {
	p := "/sign-in/sso/" + url.PathEscape(slug)
	if next != "" && next != "/" {
		p += "?" + url.Values{"next": {next}}.Encode()
	}
	return p
}

// ssoProvider reads the provider of the organisation the path names.
func (s *Server) ssoProvider(r *http.Request) (sso.Provider, error) {
	slug := chi.URLParam(r, "slug")
	if !tenant.ValidSlug(slug) {
		return sso.Provider{}, apperr.NotFound("")
	}
	return sso.BySlug(r.Context(), s.pool, slug)
}

// ssoStart sends the browser to the provider, remembering the state, nonce and PKCE verifier.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.ssoProvider(r)
	if err != nil {
		return err
	}
	slug := chi.URLParam(r, "slug")
	st, err := sso.Begin(ctx, p, s.ssoRedirectURL(slug))
	if err != nil {
		s.logger(ctx).Error("single sign-on: provider unavailable", "tenant", p.TenantID, "err", err)
		return apperr.Unavailable(err)
	}
	s.sessions.Put(ctx, "sso_state", st.State)
	s.sessions.Put(ctx, "sso_nonce", st.Nonce)
	s.sessions.Put(ctx, "sso_verifier", st.Verifier)
	s.sessions.Put(ctx, "sso_slug", slug)
	s.sessions.Put(ctx, "sso_at", s.now().Unix())
	s.sessions.Put(ctx, "sso_next", safeNext(r.URL.Query().Get("next")))
	http.Redirect(w, r, st.URL, http.StatusSeeOther)
	return nil
}

// ssoCallback is where the provider sends the browser back: the state must be this session's,
// then sso.Finish checks the code and ID token and sso.SignIn finds (or adds) the member; the
// session then starts as the password flow's does.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.ssoProvider(r)
	if err != nil {
		return err
	}
	slug := chi.URLParam(r, "slug")
	// What the start kept is used once, whatever happens now.
	kept := map[string]string{}
	for _, k := range ssoKeys {
		if k == "sso_at" {
			continue
		}
		kept[k] = s.sessions.PopString(ctx, k)
	}
	at := time.Unix(s.sessions.GetInt64(ctx, "sso_at"), 0)
	s.sessions.Remove(ctx, "sso_at")
	q := r.URL.Query()
	switch {
	case q.Get("error") != "":
		return s.ssoRefused(w, r, p, slug, "", &sso.Refusal{Reason: "provider answered " + truncate(q.Get("error"), 64),
			Message: "The identity provider did not sign you in."})
	case kept["sso_state"] == "" || kept["sso_slug"] != slug || s.now().Sub(at) > ssoPending ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(kept["sso_state"])) != 1:
		return s.ssoRefused(w, r, p, slug, "", &sso.Refusal{Reason: "state does not match",
			Message: "This sign-in was not started here, or took too long."})
	case q.Get("code") == "":
		return s.ssoRefused(w, r, p, slug, "", &sso.Refusal{Reason: "no code", Message: "The identity provider did not sign you in."})
	}
	id, logout, err := sso.Finish(ctx, p, s.ssoRedirectURL(slug), q.Get("code"), kept["sso_verifier"], kept["sso_nonce"])
	var refusal *sso.Refusal
	if errors.As(err, &refusal) {
		return s.ssoRefused(w, r, p, slug, id.Email, refusal)
	}
	if err != nil {
		s.logger(ctx).Error("single sign-on: provider unavailable", "tenant", p.TenantID, "err", err)
		return apperr.Unavailable(err)
	}
	sess, many, err := sso.SignIn(ctx, s.pool, p, id, s.now())
	if errors.As(err, &refusal) {
		return s.ssoRefused(w, r, p, slug, id.Email, refusal)
	}
	if err != nil {
		return err
	}
	// The session remembers the organisation signed in to through its provider (whose staff may
	// then work there) and the provider's sign-out, when it has one.
	more := map[string]string{"sso_tenant": p.TenantID}
	if u := logout.URL(s.cfg.BaseURL + "/sign-in"); u != "" {
		more["sso_logout"], more["sso_logout_name"] = u, p.Name
	}
	return s.signedIn(w, r, sess, many, safeNext(kept["sso_next"]), more)
}

// ssoRefused records a refused sign-in (audit and log) and says why, with a way to try again.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, p sso.Provider, slug, email string, refusal *sso.Refusal) error {
	ctx := r.Context()
	s.logger(ctx).Warn("single sign-on refused", "tenant", p.TenantID, "reason", refusal.Reason)
	s.metrics.SignInFailed(metrics.SingleSignOn)
	if err := sso.RecordRefusal(ctx, s.pool, p.TenantID, email, refusal.Reason); err != nil {
		return err
	}
	v := authview.SSORefusal{Provider: p.Name, Tenant: p.TenantName, Message: refusal.Message, RetryURL: s.ssoSignInURL(slug)}
	s.render(w, r, http.StatusForbidden, authview.SSORefused(s.page(r, "You could not be signed in"), v))
	return nil
}

// ssoButtons are the sign-in page's single sign-on buttons for the organisation its link names
// (slug; none for "").
func (s *Server) ssoButtons(r *http.Request, slug, next string) []authview.SSOButton {
	if slug == "" || !tenant.ValidSlug(slug) {
		return nil
	}
	p, err := sso.BySlug(r.Context(), s.pool, slug)
	if err != nil {
		if !apperr.Is(err, apperr.CodeNotFound) {
			s.logger(r.Context()).Error("single sign-on: read provider", "err", err)
		}
		return nil
	}
	return []authview.SSOButton{{Name: p.Name, URL: ssoStartPath(slug, next)}}
}

// --- The admin's settings ---

func (s *Server) ssoSettingsForm(w http.ResponseWriter, r *http.Request) error {
	return s.ssoSettingsPage(w, r, nil)
}

func (s *Server) ssoSettingsPage(w http.ResponseWriter, r *http.Request, typed *adminview.SSOForm) error {
	v, err := sso.Page(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	f := typed
	if f == nil {
		pr := v.Provider
		f = &adminview.SSOForm{Name: pr.Name, Issuer: pr.Issuer, ClientID: pr.ClientID, Domains: strings.Join(pr.Domains, "\n"),
			CreateMembers: adminYesNo(pr.CreateMembers), DefaultRole: string(pr.DefaultRole),
			RequireForStaff: adminYesNo(pr.RequireForStaff), EntraTenantID: pr.EntraTenantID, Version: pr.Version, Errors: &form.Errors{}}
	}
	f.HasSecret = v.HasSecret
	f.RedirectURL, f.SignInURL = s.ssoRedirectURL(v.Slug), s.ssoSignInURL(v.Slug)
	p := s.adminPage(r, "Single sign-on", "settings")
	if f.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, adminview.SingleSignOn(p, *f))
	}
	return s.ok(w, r, adminview.SingleSignOn(p, *f))
}

func (s *Server) saveSSOSettings(w http.ResponseWriter, r *http.Request) error {
	version, err := adminVersion(r)
	if err != nil {
		return err
	}
	in := sso.Settings{Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		ClientSecret: r.PostFormValue("client_secret"), Domains: r.PostFormValue("domains"),
		CreateMembers: r.PostFormValue("create_members"), DefaultRole: r.PostFormValue("default_role"),
		RequireForStaff: r.PostFormValue("require_for_staff"), EntraTenantID: r.PostFormValue("entra_tenant_id"), Version: version,
		LocalHTTP: !s.cfg.TLS()}
	// A provider saved (version > 0) always has a secret, which an empty field keeps.
	p, errs := in.Validate(version > 0)
	if !errs.Any() && !sso.Reachable(r.Context(), p) {
		errs.Add("issuer", "The provider’s OpenID configuration could not be read at this issuer URL. Check the URL and try again")
	}
	if errs.Any() {
		return s.ssoSettingsPage(w, r, &adminview.SSOForm{Name: in.Name, Issuer: in.Issuer, ClientID: in.ClientID,
			Domains: in.Domains, CreateMembers: in.CreateMembers, DefaultRole: in.DefaultRole, RequireForStaff: in.RequireForStaff,
			EntraTenantID: in.EntraTenantID, Version: version, Errors: errs})
	}
	unchanged, err := sso.Save(r.Context(), s.pool, scopeOf(r), p, version)
	if err != nil {
		return err
	}
	if unchanged {
		return s.redirect(w, r, "/admin/single-sign-on", "Nothing changed")
	}
	return s.redirect(w, r, "/admin/single-sign-on", "Single sign-on settings saved")
}

// ssoBlocks refuses to move a session signed in with a password into an organisation whose staff
// must sign in through its provider, when the user is staff there (role; "" when not known,
// which is read).
func (s *Server) ssoBlocks(ctx context.Context, userID, tenantID string, role auth.Role) error {
	if s.sessions.GetString(ctx, "sso_tenant") == tenantID {
		return nil
	}
	required, err := sso.RequiredTenants(ctx, s.pool, []string{tenantID})
	if err != nil || len(required) == 0 {
		return err
	}
	if role == "" {
		ts, err := user.TenantsPage(ctx, s.pool, userID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.ID == tenantID {
				role = t.Role
			}
		}
	}
	if !sso.Staff(role) {
		return nil
	}
	return apperr.Forbidden("This organisation asks its staff to sign in with %s. Sign out, then use “Sign in with %s” on its sign-in page: %s",
		required[0].Name, required[0].Name, s.ssoSignInURL(required[0].Slug))
}

// truncate keeps at most n bytes of what another site sent, for the log.
func truncate(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}
