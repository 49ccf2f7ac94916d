// Package session keeps the service's sessions (scs) in PostgreSQL.
package session

import (
	"context"
	"errors"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is scs's PostgreSQL store with the request's context passed to its statements
// (scs uses the Ctx methods when a store has them), so that a session read is cancelled with
// its request and traced as part of it. The embedded store keeps its expiry clean-up.
type Store struct {
	*pgxstore.PostgresStore
	pool *pgxpool.Pool
}

// NewStore returns a Store that deletes expired sessions every cleanup.
func NewStore(pool *pgxpool.Pool, cleanup time.Duration) Store {
	return Store{pgxstore.NewWithCleanupInterval(pool, cleanup), pool}
}

// FindCtx returns the session's data, if it exists and has not expired.
func (s Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx saves the session's data until expiry.
func (s Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, token, b, expiry)
	return err
}

// DeleteCtx removes the session.
func (s Store) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return err
}
