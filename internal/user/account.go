package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// OwnPasswordHash reads the signed-in user's password hash, so that they can confirm who they are
// before changing a sign-in fact (their password, or turning two-factor sign-in off). Row-level
// security lets a user read only their own row here, as the scope's user.
func OwnPasswordHash(ctx context.Context, q db.Querier, userID string) (string, error) {
	var hash string
	err := q.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1 AND id = app_user()`, userID).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("User not found")
	}
	if err != nil {
		return "", fmt.Errorf("user: password hash %s: %w", userID, err)
	}
	return hash, nil
}
