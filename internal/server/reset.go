package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/user"
	"thematic/templates/authview"
)

// Password resets (user.RequestReset, user.ResetPassword): a link by email that works once, for
// an hour; at most a few emails an hour.

const linkTokenMaxLen = 128 // tokens are 43 characters; anything much longer is not one of ours

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.ok(w, r, authview.Forgot(s.page(r, "Reset your password"), authview.ForgotForm{Errors: &form.Errors{}}))
}

// forgot sends a reset link when the address has an account, and answers the same either way.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	typed := r.PostFormValue("email")
	email, err := user.RequestReset(r.Context(), s.pool, typed, s.cfg.BaseURL, s.now())
	var refused *form.Refused
	if errors.As(err, &refused) {
		p := s.page(r, "Reset your password")
		p.HasError = true
		return s.invalid(w, r, authview.Forgot(p, authview.ForgotForm{Email: typed, Errors: refused.Errors}))
	}
	if err != nil {
		return err
	}
	return s.ok(w, r, authview.ForgotSent(s.page(r, "Check your email"), email))
}

// resetToken reads the link's token: one that cannot be ours is not found.
func resetToken(r *http.Request) (string, error) {
	token := chi.URLParam(r, "token")
	if token == "" || len(token) > linkTokenMaxLen {
		return token, apperr.NotFound("")
	}
	return token, nil
}

// resetLinkError renders the page that says a link cannot be used and reports true, when err says so.
func (s *Server) resetLinkError(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case apperr.Is(err, apperr.CodeNotFound):
		s.resetUnusable(w, r, http.StatusNotFound)
	case errors.Is(err, user.ErrResetUnusable):
		s.resetUnusable(w, r, http.StatusGone)
	default:
		return false
	}
	return true
}

func (s *Server) resetUnusable(w http.ResponseWriter, r *http.Request, status int) {
	s.render(w, r, status, authview.ResetLinkUnusable(s.page(r, "This link has expired or has already been used")))
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	token, err := resetToken(r)
	var u user.User
	if err == nil {
		u, err = user.ResetLink(r.Context(), s.pool, token, s.now())
	}
	if s.resetLinkError(w, r, err) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.ok(w, r, authview.Reset(s.page(r, "Choose a new password"), token, authview.ResetForm{Email: u.Email, Errors: &form.Errors{}}))
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token, err := resetToken(r)
	var u user.User
	if err == nil {
		u, err = user.ResetPassword(ctx, s.pool, token, r.PostFormValue("password"), r.PostFormValue("confirm"), s.now())
	}
	var refused *form.Refused
	switch {
	case s.resetLinkError(w, r, err):
		return nil
	case errors.As(err, &refused):
		p := s.page(r, "Choose a new password")
		p.HasError = true
		return s.invalid(w, r, authview.Reset(p, token, authview.ResetForm{Email: u.Email, Errors: refused.Errors}))
	case err != nil:
		return err
	}
	// Whoever was signed in in this browser is signed out; the new password must be used to sign in.
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "notice", "Your password has been changed. Sign in with your new password.")
	return s.redirect(w, r, "/sign-in", "")
}

// checkChosenPassword applies the rules to a new password and its confirmation.
func checkChosenPassword(errs *form.Errors, password, confirm, email string) {
	user.CheckChosenPassword(errs, password, confirm, email)
}
