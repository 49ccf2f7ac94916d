package apitoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// List reads a user's tokens in a tenant, newest first.
func List(ctx context.Context, q db.Querier, tenantID, userID string) ([]Token, error) {
	rows, err := q.Query(ctx, `SELECT id, name, scope, created_at, expires_at, revoked_at, last_used_at
		FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC, id`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("apitoken: list %s/%s: %w", tenantID, userID, err)
	}
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[Token])
	if err != nil {
		return nil, fmt.Errorf("apitoken: list %s/%s: %w", tenantID, userID, err)
	}
	return ts, nil
}

// insert stores a new token's hash.
func insert(ctx context.Context, q db.Querier, tenantID, userID string, in Input, hash []byte, expires time.Time) (Token, error) {
	var t Token
	rows, err := q.Query(ctx, `INSERT INTO api_tokens (tenant_id, user_id, name, scope, token_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id, name, scope, created_at, expires_at, revoked_at, last_used_at`,
		tenantID, userID, in.Name, in.Scope, hash, expires)
	if err == nil {
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Token])
	}
	if err != nil {
		return Token{}, fmt.Errorf("apitoken: insert for %s/%s: %w", tenantID, userID, err)
	}
	return t, nil
}

// revoke ends one of the user's tokens; NotFound when it is not theirs or already revoked.
func revoke(ctx context.Context, q db.Querier, tenantID, userID, id string, now time.Time) (string, error) {
	if !db.ValidUUID(id) {
		return "", apperr.NotFound("Token not found")
	}
	var name string
	err := q.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = $4
		WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL RETURNING name`,
		tenantID, userID, id, now).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("Token not found")
	}
	if err != nil {
		return "", fmt.Errorf("apitoken: revoke %s: %w", id, err)
	}
	return name, nil
}

// Use is a request's token once api_token_use has found and counted it.
type Use struct {
	TokenID, TenantID, UserID, Scope string
	State                            string // live, revoked or expired
	WindowStart                      time.Time
	Requests                         int // this window's requests, this one included
}

// use finds the token with this hash and, when it is live, counts the request (api_token_use).
// It must run outside any transaction: the function scopes its own statement to the tenant.
func use(ctx context.Context, q db.Querier, hash []byte, now time.Time) (Use, error) {
	var u Use
	err := q.QueryRow(ctx, `SELECT token_id, tenant_id, user_id, scope, state, window_start, requests
		FROM api_token_use($1, $2)`, hash, now).Scan(&u.TokenID, &u.TenantID, &u.UserID, &u.Scope, &u.State, &u.WindowStart, &u.Requests)
	if errors.Is(err, pgx.ErrNoRows) {
		return Use{}, apperr.Unauthenticated("The token is not known.")
	}
	if err != nil {
		return Use{}, fmt.Errorf("apitoken: use: %w", err)
	}
	return u, nil
}
