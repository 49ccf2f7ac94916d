package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/metrics"
	"thematic/internal/sso"
	"thematic/internal/user"
	"thematic/templates/authview"
)

// Sign-in throttling: per account and per client address, over a sliding window.
const (
	throttleWindow     = 15 * time.Minute
	maxAccountFailures = 5
	maxAddressFailures = 50
	pendingTwoFactor   = 5 * time.Minute // how long the password step stays good
)

// One message for every wrong credential: it never tells whether an email has an account.
const badCredentials = "Enter a correct email address and password"

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	if actorFrom(r.Context()) != nil {
		return s.redirect(w, r, "/", "")
	}
	f := authview.SignInForm{Errors: &form.Errors{}, Next: r.URL.Query().Get("next")}
	f.Notice = s.sessions.PopString(r.Context(), "notice")
	f.SignedOut = f.Notice == signedOutNotice
	f.Organisation = r.URL.Query().Get("organisation")
	f.SSO = s.ssoButtons(r, f.Organisation, f.Next)
	if u := s.sessions.PopString(r.Context(), "provider_logout"); u != "" && f.SignedOut {
		f.ProviderLogout = &authview.SSOButton{Name: s.sessions.PopString(r.Context(), "provider_logout_name"), URL: u}
	}
	if r.URL.Query().Get("timeout") != "" && f.Notice == "" {
		f.Notice = "You were signed out because you had not used the service for a while. Sign in again to continue."
	}
	return s.ok(w, r, authview.SignIn(s.page(r, "Sign in"), f))
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := user.NormaliseEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	f := authview.SignInForm{Email: r.PostFormValue("email"), Errors: &form.Errors{}, Next: r.PostFormValue("next"),
		Organisation: r.PostFormValue("organisation")}
	// A refused form shows the organisation's single sign-on button again (read only then).
	buttons := func() {
		if len(f.SSO) == 0 {
			f.SSO = s.ssoButtons(r, f.Organisation, f.Next)
		}
	}
	if email == "" {
		f.Errors.Add("email", "Enter your email address")
	}
	if password == "" {
		f.Errors.Add("password", "Enter your password")
	}
	if f.Errors.Any() {
		buttons()
		p := s.page(r, "Sign in")
		p.HasError = true
		return s.invalid(w, r, authview.SignIn(p, f))
	}

	accountKey, addressKey := "account:"+email, "ip:"+clientIP(r)
	cred, throttled, err := s.credentials(ctx, email, accountKey, addressKey)
	if err != nil {
		return err
	}
	if throttled {
		f.Errors.Add("email", "There have been too many attempts to sign in. Wait 15 minutes and try again, or reset your password.")
		p := s.page(r, "Sign in")
		p.HasError = true
		s.render(w, r, http.StatusTooManyRequests, authview.SignIn(p, f))
		return nil
	}

	// CheckPassword hashes even when the account does not exist, so timing tells nothing either.
	ok := auth.CheckPassword(cred.PasswordHash, password)
	var tenants []user.TenantChoice
	if ok {
		// Reading the memberships takes back the attempt, as the password was right.
		if tenants, err = user.TenantsOf(ctx, s.pool, cred.ID, accountKey, addressKey); err != nil {
			return db.MapError(err)
		}
	}
	if !ok || len(tenants) == 0 {
		reason, counted := "wrong password", metrics.WrongPassword
		if cred.ID == "" {
			reason, counted = "unknown email", metrics.UnknownEmail
		} else if ok {
			reason, counted = "no active membership", metrics.NoMembership
		}
		s.metrics.SignInFailed(counted)
		// The attempt was recorded as a failure when it was let through, and taken back only if
		// the password was right.
		var again []string
		if ok {
			again = []string{accountKey, addressKey}
		}
		if err := user.RecordSignInFailure(ctx, s.pool, cred.ID, email, map[string]string{"reason": reason}, again...); err != nil {
			return err
		}
		f.Errors.Add("email", badCredentials)
		f.Errors.Add("password", badCredentials)
		buttons()
		p := s.page(r, "Sign in")
		p.HasError = true
		s.render(w, r, http.StatusUnauthorized, authview.SignIn(p, f))
		return nil
	}

	// An organisation that requires its staff to sign in through its identity provider is not
	// signed in to with a password by its staff; with no other organisation, the page says so.
	tenants, required, err := sso.PasswordTenants(ctx, s.pool, tenants)
	if err != nil {
		return err
	}
	if len(tenants) == 0 {
		if err := user.RecordSignInFailure(ctx, s.pool, cred.ID, email, map[string]string{"reason": "single sign-on required"}); err != nil {
			return err
		}
		for _, e := range required {
			f.SSO = append(f.SSO, authview.SSOButton{Name: e.Name, URL: ssoStartPath(e.Slug, safeNext(f.Next))})
		}
		f.Errors.Add("email", "Your organisation asks its staff to sign in with single sign-on: use the “Sign in with "+required[0].Name+"” button")
		p := s.page(r, "Sign in")
		p.HasError = true
		s.render(w, r, http.StatusForbidden, authview.SignIn(p, f))
		return nil
	}

	if cred.TOTPEnabled {
		// The password was right; the session only remembers that for a few minutes, under a new
		// token, until the second factor is given.
		if err := s.sessions.RenewToken(ctx); err != nil {
			return err
		}
		s.sessions.Put(ctx, "pending_user", cred.ID)
		s.sessions.Put(ctx, "pending_at", s.now().Unix())
		s.sessions.Put(ctx, "pending_next", safeNext(f.Next))
		allowed := make([]string, len(tenants))
		for i, t := range tenants {
			allowed[i] = t.ID
		}
		s.sessions.Put(ctx, "pending_tenants", strings.Join(allowed, ","))
		return s.redirect(w, r, "/sign-in/two-factor", "")
	}
	sess, err := user.StartSession(ctx, s.pool, cred.ID, tenants[0].ID, "password", s.now())
	if err != nil {
		return err
	}
	return s.completeSignIn(w, r, sess, tenants, safeNext(f.Next))
}

// completeSignIn renews the session token for a sign-in recorded (sess, to the first of tenants)
// and sends the user on.
func (s *Server) completeSignIn(w http.ResponseWriter, r *http.Request, sess user.Session, tenants []user.TenantChoice, next string) error {
	return s.signedIn(w, r, sess, len(tenants) > 1, next, nil)
}

// signedIn renews the session token for a sign-in recorded (sess; many: the user belongs to other
// organisations too), keeps more in the session (single sign-on's) and sends the user on. Every
// way of signing in ends here.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, sess user.Session, many bool, next string, more map[string]string) error {
	ctx := r.Context()
	userID := sess.Actor.UserID
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	for _, k := range []string{"pending_user", "pending_at", "pending_next", "pending_tenants", "sso_tenant", "sso_logout", "sso_logout_name"} {
		s.sessions.Remove(ctx, k)
	}
	for k, v := range more {
		s.sessions.Put(ctx, k, v)
	}
	// A new CSRF token with the new session token, written with it, so that the first page after
	// signing in need not write the session again to make one.
	s.sessions.Put(ctx, "csrf", newCSRFToken())
	s.sessions.Put(ctx, "user_id", userID)
	s.sessions.Put(ctx, "seen", s.now().UnixMilli())
	s.sessions.Put(ctx, "tenant_id", sess.Actor.TenantID)
	s.sessions.Put(ctx, "user_ver", sess.UserVersion)
	s.sessions.Put(ctx, "member_ver", sess.MemberVersion)
	s.sessions.Put(ctx, "many_tenants", many)
	if sess.Require2FA && !sess.Actor.TOTP {
		return s.redirect(w, r, "/account/two-factor", "Your organisation requires two-factor sign-in. Set it up to continue.")
	}
	return s.redirect(w, r, next, "")
}

// pendingUser returns the user who gave a right password and still owes a second factor.
func (s *Server) pendingUser(ctx context.Context) string {
	id := s.sessions.GetString(ctx, "pending_user")
	at := time.Unix(s.sessions.GetInt64(ctx, "pending_at"), 0)
	if id == "" || s.now().Sub(at) > pendingTwoFactor {
		return ""
	}
	return id
}

func (s *Server) twoFactorForm(w http.ResponseWriter, r *http.Request) error {
	if s.pendingUser(r.Context()) == "" {
		return s.redirect(w, r, "/sign-in", "")
	}
	f := authview.TwoFactorForm{Errors: &form.Errors{}, Recovery: r.URL.Query().Get("recovery") != ""}
	return s.ok(w, r, authview.TwoFactor(s.page(r, "Two-factor sign-in"), f))
}

func (s *Server) twoFactor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	userID := s.pendingUser(ctx)
	if userID == "" {
		s.sessions.Put(ctx, "notice", "That took too long. Sign in again.")
		return s.redirect(w, r, "/sign-in", "")
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	recovery := r.PostFormValue("method") == "recovery"
	f := authview.TwoFactorForm{Errors: &form.Errors{}, Recovery: recovery}
	if code == "" {
		f.Errors.Add("code", map[bool]string{false: "Enter the 6-digit code from your authenticator app", true: "Enter a recovery code"}[recovery])
		p := s.page(r, "Two-factor sign-in")
		p.HasError = true
		return s.invalid(w, r, authview.TwoFactor(p, f))
	}
	method := "password and authenticator app"
	if recovery {
		method = "password and recovery code"
	}
	// The organisations the password step allowed (none where staff must use single sign-on).
	var allowed []string
	if ids := s.sessions.GetString(ctx, "pending_tenants"); ids != "" {
		allowed = strings.Split(ids, ",")
	}
	res, err := user.CheckSecondFactor(ctx, s.pool, userID, code, recovery, maxAccountFailures, s.now().Add(-throttleWindow), s.now(), method, allowed)
	if err != nil {
		return err
	}
	ok, throttled, tenants := res.OK, res.Throttled, res.Tenants
	if !ok || throttled {
		s.metrics.SignInFailed(metrics.SecondFactor)
	}
	if throttled {
		return apperr.TooMany("There have been too many wrong codes. Wait 15 minutes and sign in again.")
	}
	if !ok {
		f.Errors.Add("code", map[bool]string{false: "The code is not correct or has already been used. Enter the code your app shows now",
			true: "That recovery code is not correct or has already been used"}[recovery])
		p := s.page(r, "Two-factor sign-in")
		p.HasError = true
		s.render(w, r, http.StatusUnauthorized, authview.TwoFactor(p, f))
		return nil
	}
	if len(tenants) == 0 {
		return s.redirect(w, r, "/sign-in", "")
	}
	return s.completeSignIn(w, r, res.Session, tenants, safeNext(s.sessions.GetString(ctx, "pending_next")))
}

const signedOutNotice = "You have been signed out."

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if a := actorFrom(ctx); a != nil {
		if err := user.RecordSignOut(ctx, s.pool, scopeOf(r)); err != nil {
			return err
		}
	}
	// The identity provider's own sign-out is offered on the next page, when it has one.
	providerLogout, providerName := s.sessions.GetString(ctx, "sso_logout"), s.sessions.GetString(ctx, "sso_logout_name")
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	if providerLogout != "" {
		s.sessions.Put(ctx, "provider_logout", providerLogout)
		s.sessions.Put(ctx, "provider_logout_name", providerName)
	}
	// Nothing of the session stays on the device: the service worker's caches, the notes queue and
	// drafts go (the page's script warned about unsent notes before the form was sent).
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	// A fresh session (new token) carries the notice to the sign-in page.
	s.sessions.Put(ctx, "notice", signedOutNotice)
	return s.redirect(w, r, "/sign-in", "")
}

// extendSession is the "Stay signed in" button: any request renews the idle deadline.
func (s *Server) extendSession(w http.ResponseWriter, r *http.Request) error {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write([]byte(`{"extended":true}` + "\n"))
		return err
	}
	back := r.Header.Get("Referer")
	if i := strings.Index(back, "://"); i >= 0 {
		if j := strings.Index(back[i+3:], "/"); j >= 0 {
			back = back[i+3+j:]
		}
	}
	return s.redirect(w, r, safeNext(back), "You are still signed in.")
}

// credentials looks up an account for a password check, unless the account or the address has
// failed too often lately; a refusal is audited. The attempt is counted as a failure before the
// password is checked, atomically with the count: the caller releases it when the password was
// right (user.ReleaseAttempt). Sign-in and accepting an invitation share it.
func (s *Server) credentials(ctx context.Context, email, accountKey, addressKey string) (cred user.Credentials, throttled bool, err error) {
	cred, admitted, err := user.SignInAttempt(ctx, s.pool, email, []string{accountKey, addressKey},
		[]int{maxAccountFailures, maxAddressFailures}, s.now().Add(-throttleWindow))
	if err != nil {
		return user.Credentials{}, false, db.MapError(err)
	}
	if !admitted {
		s.metrics.SignInFailed(metrics.Throttled)
		return user.Credentials{}, true, user.RecordSignInThrottled(ctx, s.pool, email)
	}
	return cred, false, nil
}
