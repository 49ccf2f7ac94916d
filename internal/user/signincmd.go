package user

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
// scopes the rest of the transaction to the tenant, so it sets no scope of its own.
func StartSession(ctx context.Context, pool *pgxpool.Pool, userID, tenantID, method string, now time.Time) (Session, error) {
	var sess Session
	err := db.InTxSelfScoped(ctx, pool, func(tx pgx.Tx) error {
		rq, err := LoadRequest(ctx, tx, userID, tenantID, "")
		if err != nil {
			return err
		}
		sess = rq.Session
		if err := ClearFailures(ctx, tx, "account:"+sess.Actor.Email, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: userID, ActorEmail: sess.Actor.Email,
			Action: "auth.signed_in", ObjectType: "user", ObjectID: userID, After: map[string]string{"method": method}})
	})
	return sess, err
}

// SecondFactor is what checking a two-factor code came to.
type SecondFactor struct {
	OK        bool           // the code was right (and is now used)
	Throttled bool           // too many wrong codes lately: not checked
	Tenants   []TenantChoice // when OK, the user's organisations
}

// CheckSecondFactor checks a code from the authenticator app, or a recovery code, for a user who
// gave a right password: at most limit wrong ones since since. A wrong code is counted and
// audited; a right one is used up, so it works once.
func CheckSecondFactor(ctx context.Context, pool *pgxpool.Pool, userID, code string, recovery bool, limit int, since, now time.Time) (SecondFactor, error) {
	var res SecondFactor
	accountKey := "account2fa:" + userID
	err := db.InTx(ctx, pool, db.Scope{UserID: userID}, func(tx pgx.Tx) error {
		// The key stays locked until this transaction, which records a wrong code, ends.
		allowed, err := AttemptAllowed(ctx, tx, accountKey, limit, since, false)
		if err != nil {
			return err
		}
		if !allowed {
			res.Throttled = true
			return nil
		}
		u, err := Get(ctx, tx, userID)
		if err != nil {
			return err
		}
		if recovery {
			res.OK, err = UseRecoveryCode(ctx, tx, userID, code)
		} else if step, match := auth.VerifyTOTP(u.TOTPSecret, code, now, u.TOTPLastStep); match {
			res.OK, err = UseTOTPStep(ctx, tx, userID, step)
		}
		if err != nil {
			return err
		}
		if !res.OK {
			if err := RecordFailure(ctx, tx, accountKey); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Event{ActorID: userID, ActorEmail: u.Email, Action: "auth.two_factor_failed"})
		}
		res.Tenants, err = Tenants(ctx, tx, userID)
		return err
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
