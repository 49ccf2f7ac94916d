package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
	"thematic/internal/user"
	"thematic/templates/authview"
)

// Password resets: a link by email that works once, for an hour; at most a few emails an hour.
const (
	resetLinkLifetime = time.Hour
	resetMailWindow   = time.Hour
	resetMailLimit    = 3
	linkTokenMaxLen   = 128 // tokens are 43 characters; anything much longer is not one of ours
)

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.ok(w, r, authview.Forgot(s.page(r, "Reset your password"), authview.ForgotForm{Errors: &form.Errors{}}))
}

// forgot sends a reset link when the address has an account, and answers the same either way.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typed := r.PostFormValue("email")
	email := user.NormaliseEmail(typed)
	f := authview.ForgotForm{Email: typed, Errors: &form.Errors{}}
	switch {
	case email == "":
		f.Errors.Add("email", "Enter your email address")
	case !user.ValidEmail(email):
		f.Errors.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if f.Errors.Any() {
		p := s.page(r, "Reset your password")
		p.HasError = true
		return s.invalid(w, r, authview.Forgot(p, f))
	}

	var msg *mail.Message
	err := s.txScope(ctx, db.Scope{}, func(tx pgx.Tx) error {
		cred, err := user.CredentialsByEmail(ctx, tx, email)
		if err != nil || cred.ID == "" {
			return err
		}
		n, err := user.RecentResets(ctx, tx, cred.ID, s.now().Add(-resetMailWindow))
		if err != nil {
			return err
		}
		sent := n < resetMailLimit
		if sent {
			token, hash := auth.NewToken()
			if err := user.CreatePasswordReset(ctx, tx, cred.ID, hash, s.now().Add(resetLinkLifetime)); err != nil {
				return err
			}
			msg = &mail.Message{To: cred.Email, Subject: "Reset your Thematic reviews password", Body: resetMailBody(cred.Name, s.cfg.BaseURL+"/password/reset/"+token)}
		}
		return audit.Record(ctx, tx, audit.Event{ActorID: cred.ID, ActorEmail: cred.Email, Action: "auth.password_reset_requested",
			ObjectType: "user", ObjectID: cred.ID, After: map[string]bool{"email_sent": sent}})
	})
	if err != nil {
		return err
	}
	if msg != nil {
		if err := s.mail.Send(ctx, *msg); err != nil {
			// Saying so would tell that the account exists; the user can ask again.
			s.logger(ctx).Error("send password reset mail", "err", err)
		}
	}
	return s.ok(w, r, authview.ForgotSent(s.page(r, "Check your email"), email))
}

func resetMailBody(name, link string) string {
	return fmt.Sprintf(`Dear %s,

Someone asked to reset the password of your Thematic reviews account. If it was you, open this link to choose a new password:

%s

The link works once and stops working after 1 hour.

If you did not ask for this, you can ignore this email: your password has not changed.
`, name, link)
}

// resetFromLink finds the reset a link names. When it cannot be used it renders the page that
// says so and returns ok false.
func (s *Server) resetFromLink(w http.ResponseWriter, r *http.Request) (user.Reset, string, bool, error) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	var rs user.Reset
	var err error
	if token == "" || len(token) > linkTokenMaxLen {
		err = apperr.NotFound("")
	} else {
		err = s.txScope(ctx, db.Scope{}, func(tx pgx.Tx) error {
			rs, err = user.ResetByToken(ctx, tx, auth.HashToken(token))
			return err
		})
	}
	switch {
	case apperr.Is(err, apperr.CodeNotFound):
		s.resetUnusable(w, r, http.StatusNotFound)
		return rs, token, false, nil
	case err != nil:
		return rs, token, false, err
	case rs.UsedAt != nil || !s.now().Before(rs.ExpiresAt):
		s.resetUnusable(w, r, http.StatusGone)
		return rs, token, false, nil
	}
	return rs, token, true, nil
}

func (s *Server) resetUnusable(w http.ResponseWriter, r *http.Request, status int) {
	s.render(w, r, status, authview.ResetLinkUnusable(s.page(r, "This link has expired or has already been used")))
}

// resetUser reads the email of the user a reset is for: users may read themselves.
func (s *Server) resetUser(r *http.Request, rs user.Reset) (user.User, error) {
	var u user.User
	err := s.txScope(r.Context(), db.Scope{UserID: rs.UserID}, func(tx pgx.Tx) error {
		var err error
		u, err = user.Get(r.Context(), tx, rs.UserID)
		return err
	})
	return u, err
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	rs, token, ok, err := s.resetFromLink(w, r)
	if !ok || err != nil {
		return err
	}
	u, err := s.resetUser(r, rs)
	if err != nil {
		return err
	}
	return s.ok(w, r, authview.Reset(s.page(r, "Choose a new password"), token, authview.ResetForm{Email: u.Email, Errors: &form.Errors{}}))
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rs, token, ok, err := s.resetFromLink(w, r)
	if !ok || err != nil {
		return err
	}
	u, err := s.resetUser(r, rs)
	if err != nil {
		return err
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	f := authview.ResetForm{Email: u.Email, Errors: &form.Errors{}}
	checkChosenPassword(f.Errors, password, confirm, u.Email)
	if f.Errors.Any() {
		p := s.page(r, "Choose a new password")
		p.HasError = true
		return s.invalid(w, r, authview.Reset(p, token, f))
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	err = s.txScope(ctx, db.Scope{UserID: rs.UserID}, func(tx pgx.Tx) error {
		if err := user.UseReset(ctx, tx, rs); err != nil {
			return err
		}
		if err := user.SetPasswordByReset(ctx, tx, rs.UserID, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{ActorID: u.ID, ActorEmail: u.Email, Action: "auth.password_reset",
			ObjectType: "user", ObjectID: u.ID})
	})
	if apperr.Is(err, apperr.CodeInvalid) {
		// Used by another request meanwhile, or it expired while the form was open.
		s.resetUnusable(w, r, http.StatusGone)
		return nil
	}
	if err != nil {
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
	if password == "" {
		errs.Add("password", "Enter a new password")
	} else if err := auth.CheckNewPassword(password, email); err != nil {
		errs.Add("password", err.Error())
	}
	switch {
	case confirm == "":
		errs.Add("confirm", "Confirm your new password")
	case password != "" && confirm != password:
		errs.Add("confirm", "The passwords do not match")
	}
}
