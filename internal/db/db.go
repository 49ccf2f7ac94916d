// Package db holds the connection pool and the transaction helper that sets the tenant for
// row-level security.
package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
)

// Querier is what store methods need: a pool or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Tune sets what every pool of the server asks of its sessions. No parallel workers unless the
// URL asks for them: the server's queries are small ones answered side by side, and a worker
// takes a core from another request (with the area statistics of migration 00040 the filtered
// evidence page was planned with one: 86 ms against 18 without, on two cores).
func Tune(cfg *pgxpool.Config) {
	if _, set := cfg.ConnConfig.RuntimeParams["max_parallel_workers_per_gather"]; !set {
		cfg.ConnConfig.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	}
}

// Open builds a pool and checks that the database answers.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	Tune(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

// Scope is who a command acts for, in which tenant and which review: the one value every domain
// command and query takes (docs/architecture.md). Row-level security reads TenantID and UserID;
// the audit log records UserID and Email; ReviewID names the review the work is about.
type Scope struct {
	TenantID string // "" for work outside any tenant (sign-in); RLS then shows no tenant rows
	UserID   string // "" when nobody is signed in
	Email    string // the actor's email, for the audit log ("" when not known)
	ReviewID string // "" for work outside any review
}

// InTx runs fn in a transaction whose first statement sets app.tenant_id and app.user_id for this
// transaction only (set_config(..., true)), so a pooled connection never carries a tenant over.
func InTx(ctx context.Context, pool *pgxpool.Pool, s Scope, fn func(tx pgx.Tx) error) error {
	return inTx(ctx, pool, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`, s, fn)
}

// InTxGenericPlans is InTx for the write sent most (saving a note): its statements, and those of
// the triggers and foreign keys they fire, run with their generic plans (plan_cache_mode), made
// once per connection, where PostgreSQL may otherwise plan a prepared statement afresh for each
// call's values. Only for statements whose best plan does not depend on the values: lookups by
// key, inserts.
func InTxGenericPlans(ctx context.Context, pool *pgxpool.Pool, s Scope, fn func(tx pgx.Tx) error) error {
	return inTx(ctx, pool, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
		set_config('plan_cache_mode', 'force_generic_plan', true)`, s, fn)
}

func inTx(ctx context.Context, pool *pgxpool.Pool, scope string, s Scope, fn func(tx pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return MapError(fmt.Errorf("db: begin: %w", err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, scope, s.TenantID, s.UserID); err != nil {
		return MapError(fmt.Errorf("db: set scope: %w", err))
	}
	if err := fn(tx); err != nil {
		return MapError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return MapError(fmt.Errorf("db: commit: %w", err))
	}
	return nil
}

// InTxSelfScoped runs fn in a transaction that sets no scope of its own: fn's first statement
// must set it (app_request does, for the rest of the transaction). Until then row-level
// security shows no tenant's rows. It saves the set_config statement of InTx.
func InTxSelfScoped(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return MapError(fmt.Errorf("db: begin: %w", err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return MapError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return MapError(fmt.Errorf("db: commit: %w", err))
	}
	return nil
}

// MapError turns database errors users can act on into apperr values, in one place.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &apperr.Error{Code: apperr.CodeConflict, Message: "That already exists", Err: err}
		case "23503":
			return &apperr.Error{Code: apperr.CodeNotFound, Message: "A linked record was not found", Err: err}
		case "42501":
			return &apperr.Error{Code: apperr.CodeNotFound, Message: "Not found", Err: err}
		case "40P01", "40001":
			// Two changes that lock the same rows in opposite orders (a finding moved while a note
			// it cites is edited): PostgreSQL rolled this one back whole.
			return &apperr.Error{Code: apperr.CodeConflict, Err: err,
				Message: "Someone else was saving a change to the same evidence at that moment, so nothing was saved. Send it again."}
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return apperr.Unavailable(err)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &apperr.Error{Code: apperr.CodeNotFound, Message: "Not found", Err: err}
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		// The server went away (a crash, a restart, a dropped connection): the request can be
		// tried again once it is back.
		return apperr.Unavailable(err)
	}
	return err
}

// ValidUUID reports whether s is a UUID in its usual text form, so that a malformed id in a URL
// answers "not found" rather than a database error.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
