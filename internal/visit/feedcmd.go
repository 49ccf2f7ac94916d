package visit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// The private calendar feed as commands: each one transaction, the user's own (sc), audited.

// FeedState is the calendar page's data: when the user's address was made (nil: none) and, just
// after making one, whether it replaced an earlier one.
type FeedState struct {
	Created  *time.Time
	Replaced bool
}

// FeedPage reads when sc's user made their calendar address.
func FeedPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (FeedState, error) {
	var st FeedState
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		st.Created, err = Feed(ctx, tx, sc.TenantID, sc.UserID)
		return err
	})
	return st, err
}

// CreateFeed makes the user a new calendar address, replacing any earlier one (an upsert on the
// user's row, so a double click leaves one working address: the last one shown). It returns the
// token, which is shown once: only its hash is stored.
func CreateFeed(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (string, FeedState, error) {
	token, hash := auth.NewToken()
	var st FeedState
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if st.Replaced, err = SaveFeed(ctx, tx, sc.TenantID, sc.UserID, hash); err != nil {
			return err
		}
		if st.Created, err = Feed(ctx, tx, sc.TenantID, sc.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "calendar_feed.created", ObjectType: "user", ObjectID: sc.UserID,
			After: map[string]bool{"replaced_earlier": st.Replaced}})
	})
	return token, st, err
}

// StopFeed ends the user's calendar address; had is false when they had none.
func StopFeed(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (had bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if had, err = RevokeFeed(ctx, tx, sc.TenantID, sc.UserID); err != nil || !had {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "calendar_feed.revoked", ObjectType: "user", ObjectID: sc.UserID})
	})
	return had, err
}

// FeedByToken builds the calendar a feed address serves, with no session: the owner is found
// with the SECURITY DEFINER look-up (before any tenant is known), and the rest of the one
// transaction is then scoped to them to read their visits.
func FeedByToken(ctx context.Context, pool *pgxpool.Pool, token, baseURL string, now time.Time) (Calendar, error) {
	var cal Calendar
	err := db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		tenantID, userID, err := FeedOwner(ctx, tx, auth.HashToken(token))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`,
			tenantID, userID); err != nil {
			return fmt.Errorf("visit: scope the feed: %w", err)
		}
		visits, err := ForUser(ctx, tx, tenantID, userID)
		if err != nil {
			return err
		}
		name, err := TenantName(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		cal = FeedFor("Visits – "+name, visits, userID, baseURL, now)
		return nil
	})
	return cal, err
}
