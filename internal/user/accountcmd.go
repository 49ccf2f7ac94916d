package user

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// The signed-in user's own account, as commands: each scoped to sc (the user in their current
// tenant) and audited.

// AccountData is the account page's data.
type AccountData struct {
	Tenants      []TenantChoice
	RecoveryLeft int // with two-factor sign-in on
}

// AccountPage reads the user's active memberships and, when totp, how many recovery codes they
// have left. It runs with no tenant in scope, which is how row-level security lets a user see all
// their own memberships (and their recovery codes are theirs in any tenant).
func AccountPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, totp bool) (AccountData, error) {
	var d AccountData
	err := db.InTx(ctx, pool, db.Scope{UserID: sc.UserID}, func(tx pgx.Tx) error {
		var err error
		if d.Tenants, err = Tenants(ctx, tx, sc.UserID); err != nil || !totp {
			return err
		}
		d.RecoveryLeft, err = RecoveryCodesLeft(ctx, tx, sc.UserID)
		return err
	})
	return d, err
}

// reauthKey is the throttling key of a signed-in user's password confirmations.
func reauthKey(userID string) string { return "reauth:" + userID }

// ConfirmPassword checks the signed-in user's password before a change to how they sign in.
// Wrong passwords are counted (at most limit since since, then apperr TooMany) and audited with
// the purpose, so a session left open cannot be used to guess the password. The attempt is
// counted in the statement that reads the password's hash, outside any transaction
// (SignInAttempt), and a right password's stays counted until the change takes it back in its
// own statement (ChangeOwnPassword, TurnOffTwoFactor), or ReleaseReauth when the form is refused
// for another reason.
func ConfirmPassword(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, password, purpose string, limit int, since time.Time) (bool, error) {
	ok, err := CheckOwnPassword(ctx, pool, sc, password, limit, since)
	if ok || err != nil {
		return ok, err
	}
	return false, db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, passwordCheckFailed(sc, purpose))
	})
}

// CheckOwnPassword is ConfirmPassword without the audit entry of a wrong password, for a caller
// that writes it with what it reads next (TwoFactorPage's failedPurpose).
func CheckOwnPassword(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, password string, limit int, since time.Time) (bool, error) {
	cred, admitted, err := SignInAttempt(ctx, pool, sc.Email, []string{reauthKey(sc.UserID)}, []int{limit}, since)
	if err != nil {
		return false, db.MapError(err)
	}
	if !admitted {
		return false, apperr.TooMany("There have been too many wrong passwords. Wait 15 minutes and try again.")
	}
	// CheckPassword hashes whatever it is given, so a mismatched account takes as long.
	return auth.CheckPassword(cred.PasswordHash, password) && cred.ID == sc.UserID, nil
}

// passwordCheckFailed is the audit entry of a wrong password given to confirm a change.
func passwordCheckFailed(sc db.Scope, purpose string) audit.Event {
	return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
		Action: "user.password_check_failed", ObjectType: "user", ObjectID: sc.UserID,
		After: map[string]string{"purpose": purpose}}
}

// ReleaseReauth takes back the attempt of a password ConfirmPassword found right, when the change
// it was for is not made (its form refused for another reason).
func ReleaseReauth(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) error {
	return db.MapError(ReleaseAttempt(ctx, pool, reauthKey(sc.UserID)))
}

// ChangeOwnPassword sets the user's password to hash (the caller checked the current one and the
// rules) and returns their new auth version: their other sessions end. One statement sets it,
// clears the password confirmations counted (the one just made with them) and writes the audit
// entry.
func ChangeOwnPassword(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, hash string, now time.Time) (int, error) {
	var v int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		entry, args, err := audit.Insert(ctx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "user.password_changed", ObjectType: "user", ObjectID: sc.UserID},
			[]any{sc.UserID, hash, reauthKey(sc.UserID), now.Add(-24 * time.Hour)})
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `WITH u AS (UPDATE users SET password_hash = $2, auth_version = auth_version + 1,
				updated_at = now() WHERE id = $1 RETURNING auth_version),
			cleared AS (DELETE FROM auth_failures WHERE key = $3 OR at < $4),
			entry AS (`+entry+`)
			SELECT auth_version FROM u`, args...).Scan(&v)
		if err != nil {
			return fmt.Errorf("user: change password of %s: %w", sc.UserID, err)
		}
		return nil
	})
	return v, err
}

// TwoFactorState is what the two-factor pages read about the user and their organisation.
type TwoFactorState struct {
	User         User
	Required     bool // the tenant requires two-factor sign-in
	RecoveryLeft int
}

// TwoFactorPage reads the user's two-factor set-up, the tenant's rule and the recovery codes
// left in one statement. With pending, a user who has not turned it on gets a secret to set up,
// kept across reloads until they confirm it. With failedPurpose, the same statement records that
// the password given for it was wrong (CheckOwnPassword), for the page that says so.
func TwoFactorPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, pending bool, failedPurpose string) (TwoFactorState, error) {
	var st TwoFactorState
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		u := &st.User
		args := []any{sc.UserID, sc.TenantID}
		with := ""
		if failedPurpose != "" {
			entry, more, err := audit.Insert(ctx, passwordCheckFailed(sc, failedPurpose), args)
			if err != nil {
				return err
			}
			with, args = `WITH failed AS (`+entry+`) `, more
		}
		err := tx.QueryRow(ctx, with+`SELECT u.id, u.email, u.name, u.totp_enabled, u.totp_secret, u.totp_last_step,
				u.auth_version, u.created_at,
				coalesce((SELECT t.require_2fa FROM tenants t WHERE t.id = nullif($2, '')::uuid), false),
				(SELECT count(*) FROM recovery_codes c WHERE c.user_id = u.id AND c.used_at IS NULL)
			FROM users u WHERE u.id = $1`, args...).Scan(&u.ID, &u.Email, &u.Name, &u.TOTPEnabled,
			&u.TOTPSecret, &u.TOTPLastStep, &u.AuthVersion, &u.CreatedAt, &st.Required, &st.RecoveryLeft)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("User not found")
		}
		if err != nil {
			return fmt.Errorf("user: two-factor set-up of %s: %w", sc.UserID, err)
		}
		if st.User.TOTPEnabled {
			return nil
		}
		st.RecoveryLeft = 0
		if pending && st.User.TOTPSecret == "" {
			st.User.TOTPSecret = auth.NewTOTPSecret()
			return SetTOTPSecret(ctx, tx, sc.UserID, st.User.TOTPSecret)
		}
		return nil
	})
	return st, err
}

// TwoFactorOn is the outcome of TurnOnTwoFactor.
type TwoFactorOn struct {
	Version  int  // the user's new auth version, once on
	NotReady bool // already on, or no secret set up: nothing done, start from the set-up page
	Wrong    bool // the code is not the one the app shows now: nothing done
	// What the set-up page shows again after a wrong code.
	Secret, Email string
	Required      bool // the tenant requires two-factor sign-in
}

// TurnOnTwoFactor turns two-factor sign-in on when code is the one the pending secret gives at
// now, with recovery codes, audited: the user locked and read, then one statement that turns it on,
// replaces the recovery codes and writes the audit entry.
func TurnOnTwoFactor(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, code string, now time.Time, codes []string) (TwoFactorOn, error) {
	var out TwoFactorOn
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var enabled bool
		var secret string
		err := tx.QueryRow(ctx, `SELECT u.totp_enabled, u.totp_secret, u.email,
				coalesce((SELECT t.require_2fa FROM tenants t WHERE t.id = nullif($2, '')::uuid), false)
			FROM users u WHERE u.id = $1 FOR UPDATE OF u`, sc.UserID, sc.TenantID).Scan(&enabled, &secret, &out.Email, &out.Required)
		if err != nil {
			return fmt.Errorf("user: read two-factor set-up: %w", err)
		}
		if out.NotReady = enabled || secret == ""; out.NotReady {
			return nil
		}
		step, ok := auth.VerifyTOTP(secret, code, now, 0)
		if out.Wrong = !ok; out.Wrong {
			out.Secret = secret
			return nil
		}
		entry, args, err := audit.Insert(ctx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "user.two_factor_enabled", ObjectType: "user", ObjectID: sc.UserID},
			[]any{sc.UserID, step, hashCodes(codes)})
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `WITH u AS (UPDATE users SET totp_enabled = true, totp_last_step = $2,
				auth_version = auth_version + 1, updated_at = now() WHERE id = $1 AND totp_secret <> '' RETURNING auth_version),
			old AS (DELETE FROM recovery_codes WHERE user_id = $1 RETURNING 1),
			codes AS (INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($3::bytea[])
				WHERE (SELECT count(*) FROM old) >= 0),
			entry AS (`+entry+`)
			SELECT auth_version FROM u`, args...).Scan(&out.Version)
		if err != nil {
			return fmt.Errorf("user: turn on two-factor: %w", err)
		}
		return nil
	})
	return out, err
}

// NewRecoveryCodes replaces the user's recovery codes with codes; enabled is false (and nothing
// changes) when two-factor sign-in is off.
func NewRecoveryCodes(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, codes []string) (enabled bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		u, err := Get(ctx, tx, sc.UserID)
		if err != nil {
			return err
		}
		if enabled = u.TOTPEnabled; !enabled {
			return nil
		}
		if err := ReplaceRecoveryCodes(ctx, tx, sc.UserID, codes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "user.recovery_codes_replaced", ObjectType: "user", ObjectID: sc.UserID})
	})
	return enabled, err
}

// TurnOffTwoFactor turns two-factor sign-in off, forgets the secret and recovery codes, takes
// back the password confirmation just made (ConfirmPassword) and writes the audit entry, in one
// statement. It returns the new auth version, or done false when nothing changed: two-factor
// sign-in was off already, or the tenant requires it (both changed since the request began).
func TurnOffTwoFactor(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (v int, done bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		meta := audit.MetaFrom(ctx)
		var version *int
		err := tx.QueryRow(ctx, `WITH u AS (UPDATE users SET totp_enabled = false, totp_secret = '', totp_last_step = 0,
				auth_version = auth_version + 1, updated_at = now()
				WHERE id = $1 AND totp_enabled
					AND NOT coalesce((SELECT t.require_2fa FROM tenants t WHERE t.id = nullif($2, '')::uuid), false)
				RETURNING auth_version),
			codes AS (DELETE FROM recovery_codes WHERE user_id = $1 AND EXISTS (SELECT 1 FROM u)),
			released AS (`+releaseSQL("ARRAY[$4::text]")+`),
			entry AS (`+audit.InsertFrom+`
				SELECT nullif($2, '')::uuid, $1::uuid, $3, 'user.two_factor_disabled', 'user', $1::text, NULL::jsonb,
					NULL::jsonb, $5, $6 FROM u)
			SELECT (SELECT auth_version FROM u)`, sc.UserID, sc.TenantID, sc.Email, reauthKey(sc.UserID),
			meta.RequestID, meta.IP).Scan(&version)
		if err != nil {
			return fmt.Errorf("user: turn off two-factor for %s: %w", sc.UserID, err)
		}
		if version != nil {
			v, done = *version, true
		}
		return nil
	})
	return v, done, err
}

// SwitchTenant records that the user moves to another of their tenants and reads the session
// there; a deactivated membership is NotFound. The caller has checked that they belong to it.
func SwitchTenant(ctx context.Context, pool *pgxpool.Pool, userID, email, tenantID string) (Session, error) {
	var sess Session
	err := db.InTx(ctx, pool, db.Scope{TenantID: tenantID, UserID: userID}, func(tx pgx.Tx) error {
		var err error
		if sess, err = LoadSession(ctx, tx, userID, tenantID); err != nil {
			return err
		}
		if sess.Deactivated {
			return apperr.NotFound("")
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: userID, ActorEmail: email,
			Action: "auth.tenant_switched", ObjectType: "tenant", ObjectID: tenantID})
	})
	return sess, err
}
