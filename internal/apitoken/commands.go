package apitoken

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Page reads the user's tokens for their account page.
func Page(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) ([]Token, error) {
	var ts []Token
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		ts, err = List(ctx, tx, sc.TenantID, sc.UserID)
		return err
	})
	return ts, err
}

// Create makes a token for sc's user in sc's tenant and returns its secret, which is shown once.
// A form that fails validation returns a *form.Refused.
func Create(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in Input, now time.Time) (string, Token, error) {
	if errs := in.Validate(); errs.Any() {
		return "", Token{}, &form.Refused{Errors: errs}
	}
	secret, hash := newSecret()
	var t Token
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if t, err = insert(ctx, tx, sc.TenantID, sc.UserID, in, hash, now.AddDate(0, 0, in.Days)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "api_token.created", ObjectType: "api_token", ObjectID: t.ID,
			After: map[string]any{"name": t.Name, "scope": t.Scope, "expires_at": t.ExpiresAt}})
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Revoke ends one of sc's user's tokens at once.
func Revoke(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, now time.Time) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		name, err := revoke(ctx, tx, sc.TenantID, sc.UserID, id, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "api_token.revoked", ObjectType: "api_token", ObjectID: id, Before: map[string]string{"name": name}})
	})
}

// LimitedError is a request over the token's rate limit; RetryAfter is when its window ends.
type LimitedError struct{ RetryAfter time.Duration }

func (e *LimitedError) Error() string { return "apitoken: rate limit reached" }

// RetrySeconds is RetryAfter in whole seconds, at least 1 (for the Retry-After header).
func (e *LimitedError) RetrySeconds() int { return max(1, int(math.Ceil(e.RetryAfter.Seconds()))) }

// Authenticate finds the live token whose secret this is, counts the request against its rate
// limit and notes its use, in one statement (api_token_use) outside any transaction. An unknown,
// revoked or expired token (or one whose user's membership ended) is Unauthenticated; a token
// over its limit returns a *LimitedError wrapped as TooMany.
func Authenticate(ctx context.Context, pool *pgxpool.Pool, secret string, now time.Time, limit int) (Use, error) {
	if !WellFormed(secret) {
		return Use{}, apperr.Unauthenticated("The token is not known.")
	}
	u, err := use(ctx, pool, Hash(secret), now)
	if err != nil {
		return Use{}, db.MapError(err)
	}
	switch u.State {
	case "revoked":
		return Use{}, apperr.Unauthenticated("The token has been revoked.")
	case "expired":
		return Use{}, apperr.Unauthenticated("The token has expired.")
	}
	if u.Requests > limit {
		return u, &LimitedError{RetryAfter: u.WindowStart.Add(time.Minute).Sub(now)}
	}
	return u, nil
}
