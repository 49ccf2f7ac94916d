package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/metrics"
	"thematic/internal/review"
	"thematic/internal/user"
	"thematic/templates/authview"
)

// invitationFromLink finds the invitation a link names. When it cannot be used, or someone else
// is signed in, it renders the page that says so and returns ok false.
func (s *Server) invitationFromLink(w http.ResponseWriter, r *http.Request) (user.Invitation, authview.InvitationForm, bool, error) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	var inv user.Invitation
	var err error
	if token == "" || len(token) > linkTokenMaxLen {
		err = apperr.NotFound("")
	} else {
		inv, err = review.InvitationByLink(ctx, s.pool, token)
	}
	f := authview.InvitationForm{Token: token, Email: inv.Email, TenantName: inv.TenantName,
		RoleLabel: strings.ToLower(inv.Role.Label()), Name: inv.Name, Errors: &form.Errors{}}
	switch {
	case apperr.Is(err, apperr.CodeNotFound):
		s.render(w, r, http.StatusNotFound, authview.InvitationUnusable(s.page(r, "This invitation link is not valid"),
			"This invitation link is not valid", "Check you copied the whole link from the invitation email."))
		return inv, f, false, nil
	case err != nil:
		return inv, f, false, err
	case !inv.Usable(s.now()):
		reason := "The invitation has expired."
		switch {
		case inv.AcceptedAt != nil:
			reason = "The invitation has already been accepted. Each invitation link works once."
		case inv.RevokedAt != nil:
			reason = "The invitation has been withdrawn."
		}
		s.render(w, r, http.StatusGone, authview.InvitationUnusable(s.page(r, "This invitation can no longer be used"),
			"This invitation can no longer be used", reason))
		return inv, f, false, nil
	}
	if a := actorFrom(ctx); a != nil && user.NormaliseEmail(a.Email) != inv.Email {
		status := http.StatusOK
		if r.Method != http.MethodGet {
			status = http.StatusConflict
		}
		s.render(w, r, status, authview.InvitationSignedInAsOther(s.page(r, "Sign out to accept this invitation"), f))
		return inv, f, false, nil
	}
	return inv, f, true, nil
}

func invitationTitle(inv user.Invitation) string {
	if inv.UserExists {
		return "Sign in to accept"
	}
	return "Create your account"
}

func (s *Server) invitationForm(w http.ResponseWriter, r *http.Request) error {
	inv, f, ok, err := s.invitationFromLink(w, r)
	if !ok || err != nil {
		return err
	}
	p := s.page(r, invitationTitle(inv))
	if inv.UserExists {
		return s.ok(w, r, authview.InvitationExistingAccount(p, f))
	}
	return s.ok(w, r, authview.InvitationNewAccount(p, f))
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, f, ok, err := s.invitationFromLink(w, r)
	if !ok || err != nil {
		return err
	}
	if inv.UserExists {
		return s.acceptAsExistingUser(w, r, inv, f)
	}
	return s.acceptAsNewUser(w, r, inv, f)
}

// acceptAsNewUser creates the account, its membership and signs the new user in.
func (s *Server) acceptAsNewUser(w http.ResponseWriter, r *http.Request, inv user.Invitation, f authview.InvitationForm) error {
	f.Name = r.PostFormValue("name")
	acc, err := review.AcceptAsNewUser(r.Context(), s.pool, inv, f.Name, r.PostFormValue("password"), r.PostFormValue("confirm"), s.now())
	var refused *form.Refused
	if errors.As(err, &refused) {
		f.Errors = refused.Errors
		p := s.page(r, invitationTitle(inv))
		p.HasError = true
		return s.invalid(w, r, authview.InvitationNewAccount(p, f))
	}
	if err != nil {
		return s.acceptFailed(w, r, err)
	}
	return s.signInInvited(w, r, inv, acc, false)
}

// acceptAsExistingUser checks the account's password, adds the membership and signs them in.
// Wrong passwords count towards the same throttle as the sign-in page.
func (s *Server) acceptAsExistingUser(w http.ResponseWriter, r *http.Request, inv user.Invitation, f authview.InvitationForm) error {
	ctx := r.Context()
	password := r.PostFormValue("password")
	fail := func(status int, msg string) error {
		f.Errors.Add("password", msg)
		p := s.page(r, invitationTitle(inv))
		p.HasError = true
		s.render(w, r, status, authview.InvitationExistingAccount(p, f))
		return nil
	}
	if password == "" {
		return fail(http.StatusUnprocessableEntity, "Enter your password")
	}
	accountKey, addressKey := "account:"+inv.Email, "ip:"+clientIP(r)
	cred, throttled, err := s.credentials(ctx, inv.Email, accountKey, addressKey)
	if err != nil {
		return err
	}
	if throttled {
		return fail(http.StatusTooManyRequests, "There have been too many attempts to sign in. Wait 15 minutes and try again, or reset your password.")
	}
	if !auth.CheckPassword(cred.PasswordHash, password) || cred.ID == "" {
		// credentials recorded the attempt as a failure already.
		s.metrics.SignInFailed(map[bool]string{true: metrics.UnknownEmail, false: metrics.WrongPassword}[cred.ID == ""])
		err := user.RecordSignInFailure(ctx, s.pool, cred.ID, inv.Email, map[string]string{"reason": "wrong password", "via": "invitation"})
		if err != nil {
			return err
		}
		return fail(http.StatusUnauthorized, "Enter the correct password for "+inv.Email)
	}
	// The password was right: the acceptance takes the attempt back, and signs in at once unless
	// a second factor is owed.
	acc, err := review.AcceptAsExistingUser(ctx, s.pool, inv, cred.ID, []string{accountKey, addressKey}, !cred.TOTPEnabled, s.now())
	if err != nil {
		return s.acceptFailed(w, r, err)
	}
	return s.signInInvited(w, r, inv, acc, cred.TOTPEnabled)
}

// acceptFailed answers an acceptance that lost a race: the invitation was used or withdrawn
// meanwhile, or an account for the address was made by another request.
func (s *Server) acceptFailed(w http.ResponseWriter, r *http.Request, err error) error {
	switch apperr.CodeOf(err) {
	case apperr.CodeInvalid:
		s.render(w, r, http.StatusGone, authview.InvitationUnusable(s.page(r, "This invitation can no longer be used"),
			"This invitation can no longer be used", "The invitation has already been accepted or has expired."))
		return nil
	case apperr.CodeConflict:
		return apperr.Conflict("An account for this email address was created meanwhile. Open the invitation link again to accept with that account.")
	}
	return err
}

// signInInvited sends someone who has just accepted on: signed in (the acceptance recorded it)
// to the organisation they joined, or, for an account with two-factor sign-in, to give its code.
func (s *Server) signInInvited(w http.ResponseWriter, r *http.Request, inv user.Invitation, acc user.Accepted, totp bool) error {
	ctx := r.Context()
	joined := "You have joined " + inv.TenantName + "."
	if totp {
		if err := s.sessions.RenewToken(ctx); err != nil {
			return err
		}
		s.sessions.Put(ctx, "pending_user", acc.UserID)
		s.sessions.Put(ctx, "pending_at", s.now().Unix())
		s.sessions.Put(ctx, "pending_next", "/")
		return s.redirect(w, r, "/sign-in/two-factor", joined+" Enter your code to finish signing in.")
	}
	s.sessions.Put(ctx, "flash", joined)
	return s.completeSignIn(w, r, acc.Session, acc.Tenants, "/")
}
