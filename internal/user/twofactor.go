package user

import (
	"context"
	"fmt"

	"thematic/internal/auth"
	"thematic/internal/db"
)

// SetTOTPSecret stores a secret being set up (not yet enabled) for the signed-in user.
func SetTOTPSecret(ctx context.Context, q db.Querier, userID, secret string) error {
	_, err := q.Exec(ctx, `UPDATE users SET totp_secret = $2, updated_at = now() WHERE id = $1 AND NOT totp_enabled`, userID, secret)
	if err != nil {
		return fmt.Errorf("user: set totp secret: %w", err)
	}
	return nil
}

// EnableTOTP turns two-factor sign-in on, remembering the step used to confirm it, and replaces the
// recovery codes. It returns the user's new auth version (other sessions end).
func EnableTOTP(ctx context.Context, q db.Querier, userID string, step int64, codes []string) (int, error) {
	var v int
	err := q.QueryRow(ctx, `UPDATE users SET totp_enabled = true, totp_last_step = $2, auth_version = auth_version + 1,
		updated_at = now() WHERE id = $1 AND totp_secret <> '' RETURNING auth_version`, userID, step).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("user: enable totp: %w", err)
	}
	return v, ReplaceRecoveryCodes(ctx, q, userID, codes)
}

// UseTOTPStep records the step of a code just accepted, so it cannot be replayed. It fails when a
// concurrent sign-in used the same or a later step.
func UseTOTPStep(ctx context.Context, q db.Querier, userID string, step int64) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, userID, step)
	if err != nil {
		return false, fmt.Errorf("user: use totp step: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReplaceRecoveryCodes stores hashes of new codes, dropping the old ones.
func ReplaceRecoveryCodes(ctx context.Context, q db.Querier, userID string, codes []string) error {
	// One statement: the insert reads the delete's count, so that it runs after it.
	if _, err := q.Exec(ctx, `WITH old AS (DELETE FROM recovery_codes WHERE user_id = $1 RETURNING 1)
		INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])
		WHERE (SELECT count(*) FROM old) >= 0`, userID, hashCodes(codes)); err != nil {
		return fmt.Errorf("user: store recovery codes: %w", err)
	}
	return nil
}

// hashCodes are recovery codes as stored.
func hashCodes(codes []string) [][]byte {
	out := make([][]byte, len(codes))
	for i, c := range codes {
		out[i] = auth.HashToken(auth.NormaliseRecoveryCode(c))
	}
	return out
}

// UseRecoveryCode spends one unused code; it reports false when the code is unknown or spent.
func UseRecoveryCode(ctx context.Context, q db.Querier, userID, code string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
		userID, auth.HashToken(auth.NormaliseRecoveryCode(code)))
	if err != nil {
		return false, fmt.Errorf("user: use recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RecoveryCodesLeft counts the unused codes.
func RecoveryCodesLeft(ctx context.Context, q db.Querier, userID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("user: count recovery codes: %w", err)
	}
	return n, nil
}
