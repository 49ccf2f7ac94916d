package user

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
)

// Password resets: a link by email that works once, for an hour; at most a few emails an hour.
const (
	ResetLinkLifetime = time.Hour
	resetMailWindow   = time.Hour
	resetMailLimit    = 3
)

// ErrResetUnusable is a reset link that was used already or has expired (a known link: an
// unknown one is apperr NotFound).
var ErrResetUnusable = errors.New("user: the reset link has been used or has expired")

// RequestReset queues a reset link by email when the address has an account and fewer than
// resetMailLimit were sent in the last hour, records the request either way (for an account),
// and says nothing of whether the account exists: a refusal is only for a malformed address.
func RequestReset(ctx context.Context, pool *pgxpool.Pool, typed, baseURL string, now time.Time) (string, error) {
	email := NormaliseEmail(typed)
	switch {
	case email == "":
		return email, form.Refuse("email", "Enter your email address")
	case !ValidEmail(email):
		return email, form.Refuse("email", "Enter an email address in the correct format, like name@example.com")
	}
	return email, db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		// The account, and a lock on its resets: requests for it count and create one after
		// another, so that they cannot exceed the limit. The count comes after the lock.
		var cred Credentials
		err := tx.QueryRow(ctx, `SELECT u.id, u.email, u.name,
				pg_advisory_xact_lock(hashtextextended('password_resets:' || u.id::text, 0))::text
			FROM auth_user_by_email($1) u`, email).Scan(&cred.ID, &cred.Email, &cred.Name, new(string))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("user: reset for %s: %w", email, err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > $2`,
			cred.ID, now.Add(-resetMailWindow)).Scan(&n); err != nil {
			return fmt.Errorf("user: count resets of %s: %w", cred.ID, err)
		}
		sent := n < resetMailLimit
		// The mail's job first, then one statement with the reset and the audit entries.
		var args []any
		var sql, entry string
		if sent {
			token, hash := auth.NewToken()
			queued, err := mail.EnqueueJob(ctx, tx, "", mail.Message{To: cred.Email, Kind: "password_reset",
				Subject: "Reset your Thematic reviews password", Body: resetMailBody(cred.Name, baseURL+"/password/reset/"+token)})
			if err != nil {
				return err
			}
			args = []any{cred.ID, hash, now.Add(ResetLinkLifetime)}
			sql = `reset AS (INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, $3)),`
			if entry, args, err = audit.Insert(ctx, queued, args); err != nil {
				return err
			}
			sql += ` queued AS (` + entry + `),`
		}
		entry, args, err = audit.Insert(ctx, audit.Event{ActorID: cred.ID, ActorEmail: cred.Email, Action: "auth.password_reset_requested",
			ObjectType: "user", ObjectID: cred.ID, After: map[string]bool{"email_sent": sent}}, args)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH `+sql+` requested AS (`+entry+`) SELECT 1`, args...); err != nil {
			return fmt.Errorf("user: record reset of %s: %w", cred.ID, err)
		}
		return nil
	})
}

func resetMailBody(name, link string) string {
	return fmt.Sprintf(`Dear %s,

Someone asked to reset the password of your Thematic reviews account. If it was you, open this link to choose a new password:

%s

The link works once and stops working after 1 hour.

If you did not ask for this, you can ignore this email: your password has not changed.
`, name, link)
}

// resetOf reads the reset the token names and its user, in tx: NotFound for an unknown token,
// ErrResetUnusable for one used or expired. It scopes the rest of tx to the user (who may read
// themselves).
func resetOf(ctx context.Context, tx pgx.Tx, token string, now time.Time) (Reset, User, error) {
	rs, err := ResetByToken(ctx, tx, auth.HashToken(token))
	if err != nil {
		return rs, User{}, err
	}
	if rs.UsedAt != nil || !now.Before(rs.ExpiresAt) {
		return rs, User{}, ErrResetUnusable
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('app.user_id', $1, true)`, rs.UserID); err != nil {
		return rs, User{}, fmt.Errorf("user: scope to %s: %w", rs.UserID, err)
	}
	u, err := Get(ctx, tx, rs.UserID)
	return rs, u, err
}

// ResetLink reads the user a reset link is for, to show the form: see resetOf for its errors.
func ResetLink(ctx context.Context, pool *pgxpool.Pool, token string, now time.Time) (User, error) {
	var u User
	err := db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		var err error
		_, u, err = resetOf(ctx, tx, token, now)
		return err
	})
	return u, err
}

// ResetPassword sets a new password through a reset link and uses the link up. The password is
// checked against the rules and its confirmation (a *form.Refused, returned with the user, whose
// email the form shows); the link as in ResetLink, and ErrResetUnusable also when another request
// used it meanwhile.
func ResetPassword(ctx context.Context, pool *pgxpool.Pool, token, password, confirm string, now time.Time) (User, error) {
	// Hashed before the transaction (when it can be right), so as not to hold it open meanwhile.
	var hash string
	if password != "" && password == confirm {
		var err error
		if hash, err = auth.HashPassword(password); err != nil {
			return User{}, err
		}
	}
	var u User
	err := db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		var rs Reset
		var err error
		if rs, u, err = resetOf(ctx, tx, token, now); err != nil {
			return err
		}
		errs := &form.Errors{}
		CheckChosenPassword(errs, password, confirm, u.Email)
		if errs.Any() {
			return &form.Refused{Errors: errs}
		}
		// One statement uses the link up (and the user's other open links), sets the password
		// (ending every session) and writes the audit entry.
		entry, args, err := audit.Insert(ctx, audit.Event{ActorID: u.ID, ActorEmail: u.Email, Action: "auth.password_reset",
			ObjectType: "user", ObjectID: u.ID}, []any{rs.ID, rs.UserID, hash})
		if err != nil {
			return err
		}
		var used bool
		err = tx.QueryRow(ctx, `WITH used AS (UPDATE password_resets SET used_at = now()
				WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id),
			others AS (UPDATE password_resets SET used_at = now()
				WHERE user_id = $2 AND used_at IS NULL AND id <> $1 AND EXISTS (SELECT 1 FROM used)),
			set AS (SELECT auth_set_password(user_id, $3) FROM used),
			entry AS (`+entry+`)
			SELECT EXISTS (SELECT 1 FROM used), (SELECT count(*) FROM set)`, args...).Scan(&used, new(int))
		if err != nil {
			return fmt.Errorf("user: reset password of %s: %w", rs.UserID, err)
		}
		if !used {
			// Used by another request meanwhile, or it expired while the form was open.
			return ErrResetUnusable
		}
		return nil
	})
	return u, err
}

// CheckChosenPassword applies the rules to a new password and its confirmation.
func CheckChosenPassword(errs *form.Errors, password, confirm, email string) {
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
