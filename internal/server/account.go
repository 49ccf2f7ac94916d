package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"rsc.io/qr"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/user"
	"thematic/templates/accountview"
	"thematic/templates/components"
)

// totpIssuer names the service in authenticator apps.
const totpIssuer = "Thematic"

// recoveryCodeCount is how many recovery codes a user is given at a time.
const recoveryCodeCount = 10

// The signed-in user's own account: details, password, two-factor sign-in and organisation.

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	d, err := user.AccountPage(ctx, s.pool, scopeOf(r), a.TOTP)
	if err != nil {
		return err
	}
	tenants, left := d.Tenants, d.RecoveryLeft
	many := len(tenants) > 1
	if many != s.sessions.GetBool(ctx, "many_tenants") {
		s.sessions.Put(ctx, "many_tenants", many) // a membership was added or ended since sign-in
	}
	p := s.page(r, "Your account")
	p.Nav = "account"
	p.ManyTenants = many
	return s.ok(w, r, accountview.Account(p, accountview.Summary{Name: a.Name, Email: a.Email, Organisation: a.TenantName,
		Role: a.Role.Label(), TwoFactor: a.TOTP, RecoveryLeft: left, ManyTenants: many}))
}

// ownTenants lists the user's active memberships (in no tenant's scope: all their own).
func (s *Server) ownTenants(ctx context.Context, userID string) ([]user.TenantChoice, error) {
	return user.TenantsPage(ctx, s.pool, userID)
}

// confirmPassword checks the signed-in user's password before a change to how they sign in
// (user.ConfirmPassword: wrong ones are counted and audited; a right one stays counted until the
// change, or user.ReleaseReauth).
func (s *Server) confirmPassword(r *http.Request, password, purpose string) (bool, error) {
	return user.ConfirmPassword(r.Context(), s.pool, scopeOf(r), password, purpose, maxAccountFailures, s.now().Add(-throttleWindow))
}

// keepSession ends the user's other sessions but keeps this one: the session gets a new
// token and the new auth version, which the middleware compares on every request.
func (s *Server) keepSession(ctx context.Context, userVersion int) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "user_ver", userVersion)
	return nil
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "Change your password")
	p.Nav = "account"
	return s.ok(w, r, accountview.Password(p, accountview.PasswordForm{Errors: &form.Errors{}}))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	current := r.PostFormValue("current_password")
	next := r.PostFormValue("new_password")
	confirm := r.PostFormValue("confirm_password")
	f := accountview.PasswordForm{Errors: &form.Errors{}}
	right := false // the current password, whose attempt stays counted until the change takes it back
	if current == "" {
		f.Errors.Add("current_password", "Enter your current password")
	} else {
		ok, err := s.confirmPassword(r, current, "change password")
		if err != nil {
			return err
		}
		right = ok
		if !ok {
			f.Errors.Add("current_password", "Your current password is not correct")
		} else if next == current {
			f.Errors.Add("new_password", "Your new password must be different from your current password")
		}
	}
	if next == "" {
		f.Errors.Add("new_password", "Enter a new password")
	} else if err := auth.CheckNewPassword(next, a.Email); err != nil {
		f.Errors.Add("new_password", err.Error())
	}
	switch {
	case next != "" && confirm == "":
		f.Errors.Add("confirm_password", "Confirm your new password")
	case confirm != next:
		f.Errors.Add("confirm_password", "The passwords do not match: enter the same new password twice")
	}
	if f.Errors.Any() {
		if right {
			if err := user.ReleaseReauth(ctx, s.pool, scopeOf(r)); err != nil {
				return err
			}
		}
		p := s.page(r, "Change your password")
		p.Nav = "account"
		p.HasError = true
		return s.invalid(w, r, accountview.Password(p, f))
	}

	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	v, err := user.ChangeOwnPassword(ctx, s.pool, scopeOf(r), hash, s.now())
	if err != nil {
		return err
	}
	if err := s.keepSession(ctx, v); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "Your password has been changed. You have been signed out everywhere else.")
}

// twoFactorState is what the two-factor pages read about the user and their organisation.
type twoFactorState struct {
	user         user.User
	required     bool
	recoveryLeft int
}

// loadTwoFactor reads the user's two-factor set-up (user.TwoFactorPage).
func (s *Server) loadTwoFactor(r *http.Request, pending bool) (twoFactorState, error) {
	return s.loadTwoFactorAfter(r, pending, "")
}

// loadTwoFactorAfter is loadTwoFactor recording, with the read, that the password given for
// failedPurpose was wrong ("" for none).
func (s *Server) loadTwoFactorAfter(r *http.Request, pending bool, failedPurpose string) (twoFactorState, error) {
	st, err := user.TwoFactorPage(r.Context(), s.pool, scopeOf(r), pending, failedPurpose)
	return twoFactorState{user: st.User, required: st.Required, recoveryLeft: st.RecoveryLeft}, err
}

func (s *Server) twoFactorSetupForm(w http.ResponseWriter, r *http.Request) error {
	st, err := s.loadTwoFactor(r, true)
	if err != nil {
		return err
	}
	if st.user.TOTPEnabled {
		p := s.page(r, "Two-factor sign-in")
		p.Nav = "account"
		return s.ok(w, r, accountview.Manage(p, accountview.TwoFactorManage{RecoveryLeft: st.recoveryLeft,
			Required: st.required, Errors: &form.Errors{}}))
	}
	return s.renderSetup(w, r, http.StatusOK, st, &form.Errors{})
}

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, st twoFactorState, errs *form.Errors) error {
	uri := auth.TOTPURI(st.user.TOTPSecret, totpIssuer, st.user.Email)
	img, err := qrDataURI(uri)
	if err != nil {
		return err
	}
	p := s.page(r, "Set up two-factor sign-in")
	p.Nav = "account"
	p.HasError = errs.Any()
	s.render(w, r, status, accountview.Setup(p, accountview.TwoFactorSetup{Secret: groupsOf4(st.user.TOTPSecret),
		URI: uri, QR: img, Required: st.required, Errors: errs}))
	return nil
}

func (s *Server) enableTwoFactor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := strings.TrimSpace(r.PostFormValue("code"))
	codes := auth.NewRecoveryCodes(recoveryCodeCount)
	var res user.TwoFactorOn
	if code != "" {
		var err error
		if res, err = user.TurnOnTwoFactor(ctx, s.pool, scopeOf(r), code, s.now(), codes); err != nil {
			return err
		}
	}
	if res.NotReady {
		// Already on, or the set-up page was never shown: start from the page.
		return s.redirect(w, r, "/account/two-factor", "")
	}
	if code == "" {
		st, err := s.loadTwoFactor(r, false)
		if err != nil {
			return err
		}
		if st.user.TOTPEnabled || st.user.TOTPSecret == "" {
			return s.redirect(w, r, "/account/two-factor", "")
		}
		errs := &form.Errors{}
		errs.Add("code", "Enter the 6-digit code from your authenticator app")
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, st, errs)
	}
	if res.Wrong {
		// Not on: the set-up page again, with why (TurnOnTwoFactor read what it shows).
		errs := &form.Errors{}
		errs.Add("code", "The code is not correct. Check that your app has the key shown on this page, then enter the code it shows now")
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, twoFactorState{user: user.User{Email: res.Email,
			TOTPSecret: res.Secret}, required: res.Required}, errs)
	}
	if err := s.keepSession(ctx, res.Version); err != nil {
		return err
	}
	// Shown once, not redirected: the codes are never stored where they could be read again.
	p := s.page(r, "Save your recovery codes")
	p.Nav = "account"
	p.Flash = "Two-factor sign-in is on. You will be asked for a code from your app when you sign in."
	return s.ok(w, r, accountview.Codes(p, accountview.RecoveryCodes{Codes: codes}))
}

func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	codes := auth.NewRecoveryCodes(recoveryCodeCount)
	enabled, err := user.NewRecoveryCodes(ctx, s.pool, scopeOf(r), codes)
	if err != nil {
		return err
	}
	if !enabled {
		return s.redirect(w, r, "/account/two-factor", "")
	}
	p := s.page(r, "Save your recovery codes")
	p.Nav = "account"
	p.Flash = "You have new recovery codes. Your old ones no longer work."
	return s.ok(w, r, accountview.Codes(p, accountview.RecoveryCodes{Codes: codes}))
}

func (s *Server) disableTwoFactor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx) // read in this request, with the tenant's rule
	if !a.TOTP {
		return s.redirect(w, r, "/account/two-factor", "")
	}
	if a.TwoFactorRequired {
		return apperr.Forbidden("Your organisation requires two-factor sign-in, so you cannot turn it off.")
	}
	const purpose = "turn off two-factor sign-in"
	errs := &form.Errors{}
	failed := "" // the purpose a wrong password is recorded for, with the page's read
	if password := r.PostFormValue("password"); password == "" {
		errs.Add("password", "Enter your password")
	} else {
		ok, err := user.CheckOwnPassword(ctx, s.pool, scopeOf(r), password, maxAccountFailures, s.now().Add(-throttleWindow))
		if err != nil {
			return err
		}
		if !ok {
			errs.Add("password", "Your password is not correct")
			failed = purpose
		}
	}
	if errs.Any() {
		// The page again, read only now that it is needed.
		st, err := s.loadTwoFactorAfter(r, false, failed)
		if err != nil {
			return err
		}
		p := s.page(r, "Two-factor sign-in")
		p.Nav = "account"
		p.HasError = true
		return s.invalid(w, r, accountview.Manage(p, accountview.TwoFactorManage{RecoveryLeft: st.recoveryLeft,
			Required: st.required, Errors: errs}))
	}
	v, done, err := user.TurnOffTwoFactor(ctx, s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	if !done {
		// Turned off, or required by the organisation, since this request began.
		return s.redirect(w, r, "/account/two-factor", "")
	}
	if err := s.keepSession(ctx, v); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "Two-factor sign-in is off. You have been signed out everywhere else.")
}

func (s *Server) organisationForm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	tenants, err := s.ownTenants(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	return s.renderOrganisation(w, r, http.StatusOK, tenants, a.TenantID, &form.Errors{})
}

func (s *Server) renderOrganisation(w http.ResponseWriter, r *http.Request, status int, tenants []user.TenantChoice,
	selected string, errs *form.Errors) error {
	opts := make([]components.Radio, len(tenants))
	for i, t := range tenants {
		opts[i] = components.Radio{Value: t.ID, Label: t.Name, Hint: "Your role: " + t.Role.Label()}
	}
	p := s.page(r, "Switch organisation")
	p.Nav = "account"
	p.HasError = errs.Any()
	s.render(w, r, status, accountview.Organisation(p, accountview.Organisations{Options: opts, Selected: selected, Errors: errs}))
	return nil
}

func (s *Server) switchOrganisation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	tenants, err := s.ownTenants(ctx, a.UserID)
	if err != nil {
		return err
	}
	id := r.PostFormValue("tenant_id")
	if id == "" {
		errs := &form.Errors{}
		errs.Add("tenant_id", "Select the organisation you want to work in")
		return s.renderOrganisation(w, r, http.StatusUnprocessableEntity, tenants, "", errs)
	}
	var role auth.Role
	for _, t := range tenants {
		if t.ID == id {
			role = t.Role
		}
	}
	if role == "" {
		return apperr.NotFound("")
	}
	if err := s.ssoBlocks(ctx, a.UserID, id, role); err != nil {
		return err
	}
	tenantName, err := s.switchTenant(ctx, a.UserID, a.Email, id, len(tenants) > 1)
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/", "You are now working in "+tenantName+".")
}

// switchTenant moves the session to another of the user's tenants, audited, and returns the
// tenant's name. The caller has checked that the user belongs to it.
func (s *Server) switchTenant(ctx context.Context, userID, email, tenantID string, manyTenants bool) (string, error) {
	sess, err := user.SwitchTenant(ctx, s.pool, userID, email, tenantID)
	if err != nil {
		return "", err
	}
	// A new organisation is a new privilege level: the session gets a new token.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return "", err
	}
	s.sessions.Put(ctx, "tenant_id", tenantID)
	s.sessions.Put(ctx, "member_ver", sess.MemberVersion)
	s.sessions.Put(ctx, "user_ver", sess.UserVersion)
	s.sessions.Put(ctx, "many_tenants", manyTenants)
	return sess.Actor.TenantName, nil
}

// groupsOf4 spaces a TOTP secret for typing: ABCD EFGH ...
func groupsOf4(secret string) string {
	var b strings.Builder
	for i, c := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// qrDataURI draws text as a QR code in SVG, as a data: URI for an img element (the CSP allows
// data: images). Each row's runs of dark modules are one path segment, to keep it small.
func qrDataURI(text string) (string, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("account: qr code: %w", err)
	}
	const quiet = 4 // the quiet zone the QR standard asks for, in modules
	n := c.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			run := 0
			for x+run < c.Size && c.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(b.String())), nil
}
