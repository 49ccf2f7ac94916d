package user

import (
	"context"
	"fmt"
	"time"

	"thematic/internal/db"
)

// RecentResets counts the password resets made for the user since since, to limit how much mail
// one account can be sent. It first takes a transaction-scoped advisory lock on the user's resets,
// so that concurrent requests count and create one after another and cannot exceed the limit.
func RecentResets(ctx context.Context, q db.Querier, userID string, since time.Time) (int, error) {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('password_resets:' || $1::text, 0))`, userID); err != nil {
		return 0, fmt.Errorf("user: lock resets of %s: %w", userID, err)
	}
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > $2`,
		userID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("user: count resets of %s: %w", userID, err)
	}
	return n, nil
}
