package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// Sign-in commands. They run before anyone is signed in (no tenant scope: row-level security
// shows no tenant's rows) or for the user signing in; the password itself is checked by the
// caller, outside any transaction.

// RecordSignInThrottled records a sign-in refused because the account or address failed too often.
func RecordSignInThrottled(ctx context.Context, pool *pgxpool.Pool, email string) error {
	return db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{ActorEmail: email, Action: "auth.sign_in_throttled"})
	})
}

// RecordSignInFailure records a failed sign-in (reason: "wrong password", "unknown email", ...;
// more, such as "via", go in the entry too). failKeys are counted as a failure again: an attempt
// whose right password had taken the count back (no active membership).
func RecordSignInFailure(ctx context.Context, pool *pgxpool.Pool, userID, email string, after map[string]string, failKeys ...string) error {
	return db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		if len(failKeys) > 0 {
			if err := RecordFailure(ctx, tx, failKeys...); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{ActorID: userID, ActorEmail: email, Action: "auth.sign_in_failed", After: after})
	})
}

// StartSession records a sign-in to tenantID by a method and reads what the new session keeps,
// clearing the account's failures of the last day. app_request reads the session's user and
// scopes the rest of the transaction to the tenant, so it sets no scope of its own; one statement
// then clears the failures and writes the audit entry.
func StartSession(ctx context.Context, pool *pgxpool.Pool, userID, tenantID, method string, now time.Time) (Session, error) {
	var sess Session
	err := db.InTxSelfScoped(ctx, pool, func(tx pgx.Tx) error {
		var err error
		sess, err = StartSessionIn(ctx, tx, userID, tenantID, method, now)
		return err
	})
	return sess, err
}

// StartSessionIn is StartSession in the caller's transaction, for a sign-in that writes more in
// it (single sign-on's first sign-in links the account). It leaves tx scoped to the tenant.
func StartSessionIn(ctx context.Context, tx pgx.Tx, userID, tenantID, method string, now time.Time) (Session, error) {
	rq, err := LoadRequest(ctx, tx, userID, tenantID, "")
	if err != nil {
		return Session{}, err
	}
	_, err = recordSignIn(ctx, tx, rq.Session, method, now, "")
	return rq.Session, err
}

// recordSignIn clears the failures of sess's account (and everyone's older than a day) and writes
// "auth.signed_in", in one statement, in tx scoped to the session's tenant. With uses (data-
// modifying CTEs whose last is named used, which use up a second factor, over args) it does so
// only when used has a row, and reports whether it had.
func recordSignIn(ctx context.Context, tx pgx.Tx, sess Session, method string, now time.Time, uses string, args ...any) (bool, error) {
	after, err := json.Marshal(map[string]string{"method": method})
	if err != nil {
		return false, fmt.Errorf("user: sign-in entry: %w", err)
	}
	meta := audit.MetaFrom(ctx)
	n := len(args)
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	args = append(args, sess.Actor.TenantID, sess.Actor.UserID, sess.Actor.Email, after, meta.RequestID, meta.IP,
		"account:"+sess.Actor.Email, now.Add(-24*time.Hour))
	if uses == "" {
		uses = "used AS (SELECT 1)"
	}
	var ok bool
	err = tx.QueryRow(ctx, `WITH `+uses+`,
		cleared AS (DELETE FROM auth_failures WHERE EXISTS (SELECT 1 FROM used) AND (key = `+p(7)+` OR at < `+p(8)+`)),
		entry AS (`+audit.InsertFrom+`
			SELECT `+p(1)+`::uuid, `+p(2)+`::uuid, `+p(3)+`, 'auth.signed_in', 'user', `+p(2)+`::text, NULL::jsonb,
				`+p(4)+`::jsonb, `+p(5)+`, `+p(6)+` WHERE EXISTS (SELECT 1 FROM used))
		SELECT EXISTS (SELECT 1 FROM used)`, args...).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("user: record sign-in of %s: %w", sess.Actor.UserID, err)
	}
	return ok, nil
}

// SecondFactor is what checking a two-factor code came to.
type SecondFactor struct {
	OK        bool           // the code was right (and is now used)
	Throttled bool           // too many wrong codes lately: not checked
	Tenants   []TenantChoice // when OK, the user's organisations
	Session   Session        // when OK with an organisation: the sign-in to the first, recorded
}

// CheckSecondFactor checks a code from the authenticator app, or a recovery code, for a user who
// gave a right password: at most limit wrong ones since since. A wrong code is counted and
// audited; a right one is used up, so it works once, and signs the user in to the first of their
// organisations by method (StartSession's record, in the same transaction); with only
// non-nil, only organisations it lists count.
//
// One statement counts the attempt (its key locked until the transaction ends, which records a
// wrong code) and reads the secret, whether the recovery code is unused and the organisations;
// for a right code app_request scopes the rest to the first organisation and reads the session,
// and one statement uses the code up, clears the failures and records the sign-in.
func CheckSecondFactor(ctx context.Context, pool *pgxpool.Pool, userID, code string, recovery bool, limit int, since, now time.Time, method string, only []string) (SecondFactor, error) {
	var res SecondFactor
	accountKey := "account2fa:" + userID
	codeHash := auth.HashToken(auth.NormaliseRecoveryCode(code))
	err := db.InTx(ctx, pool, db.Scope{UserID: userID}, func(tx pgx.Tx) error {
		var allowed, codeUnused bool
		var email, secret string
		var lastStep int64
		var tenants []byte
		err := tx.QueryRow(ctx, `SELECT auth_attempt(ARRAY[$2::text], ARRAY[$3::int], $4, false), u.email, u.totp_secret,
				u.totp_last_step, $5 AND EXISTS (SELECT 1 FROM recovery_codes c
					WHERE c.user_id = u.id AND c.code_hash = $6 AND c.used_at IS NULL),
				(SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'role', m.role) ORDER BY t.name), '[]')
					FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = u.id AND m.deactivated_at IS NULL)
			FROM users u WHERE u.id = $1`, userID, accountKey, limit, since, recovery, codeHash).
			Scan(&allowed, &email, &secret, &lastStep, &codeUnused, &tenants)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("User not found")
		}
		if err != nil {
			return fmt.Errorf("user: read second factor of %s: %w", userID, err)
		}
		if !allowed {
			res.Throttled = true
			return nil
		}
		failed := func() error {
			if err := RecordFailure(ctx, tx, accountKey); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Event{ActorID: userID, ActorEmail: email, Action: "auth.two_factor_failed"})
		}
		step, ok := int64(0), codeUnused
		if !recovery {
			step, ok = auth.VerifyTOTP(secret, code, now, lastStep)
		}
		if !ok {
			return failed()
		}
		if err := json.Unmarshal(tenants, &res.Tenants); err != nil {
			return fmt.Errorf("user: organisations of %s: %w", userID, err)
		}
		if only != nil {
			// Only the organisations the password may sign in to (single sign-on may be required
			// in the others).
			res.Tenants = slices.DeleteFunc(res.Tenants, func(t TenantChoice) bool { return !slices.Contains(only, t.ID) })
		}
		// The code is used up only if no other request used it meanwhile.
		uses := `step_used AS (UPDATE users SET totp_last_step = $2 WHERE id = $1 AND NOT $3 AND totp_last_step < $2 RETURNING 1),
			code_used AS (UPDATE recovery_codes SET used_at = now() WHERE $3 AND user_id = $1 AND code_hash = $4 AND used_at IS NULL
				RETURNING 1),
			used AS (SELECT 1 FROM step_used UNION ALL SELECT 1 FROM code_used)`
		args := []any{userID, step, recovery, codeHash}
		if len(res.Tenants) == 0 {
			// No organisation to sign in to: the code is used up all the same.
			err := tx.QueryRow(ctx, `WITH `+uses+` SELECT EXISTS (SELECT 1 FROM used)`, args...).Scan(&res.OK)
			if err != nil {
				return fmt.Errorf("user: use second factor of %s: %w", userID, err)
			}
		} else {
			rq, err := LoadRequest(ctx, tx, userID, res.Tenants[0].ID, "")
			if err != nil {
				return err
			}
			res.Session = rq.Session
			if res.OK, err = recordSignIn(ctx, tx, res.Session, method, now, uses, args...); err != nil {
				return err
			}
			if !res.OK {
				// Back out of the organisation's scope: the failure is recorded outside any tenant.
				if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', '', true)`); err != nil {
					return fmt.Errorf("user: scope to %s: %w", userID, err)
				}
			}
		}
		if !res.OK {
			res.Tenants, res.Session = nil, Session{}
			return failed()
		}
		return nil
	})
	return res, err
}

// RecordSignOut records that sc's user signed out.
func RecordSignOut(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "auth.signed_out", ObjectType: "user", ObjectID: sc.UserID})
	})
}

// TenantsPage reads the organisations a user belongs to, in their own scope.
func TenantsPage(ctx context.Context, pool *pgxpool.Pool, userID string) ([]TenantChoice, error) {
	var ts []TenantChoice
	err := db.InTx(ctx, pool, db.Scope{UserID: userID}, func(tx pgx.Tx) error {
		var err error
		ts, err = Tenants(ctx, tx, userID)
		return err
	})
	return ts, err
}
