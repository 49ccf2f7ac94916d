package review

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
)

const reviewCols = `tenant_id, id, title, summary, key_question, fieldwork_start, fieldwork_end, planned_publication,
	status, evidence_locked_at IS NOT NULL, version, created_at, updated_at, area_pseudonyms`

func scanReview(r pgx.CollectableRow) (Review, error) {
	var v Review
	var status string
	err := r.Scan(&v.TenantID, &v.ID, &v.Title, &v.Summary, &v.KeyQuestion, &v.FieldworkStart, &v.FieldworkEnd,
		&v.PlannedPublication, &status, &v.EvidenceLocked, &v.Version, &v.CreatedAt, &v.UpdatedAt, &v.AreaPseudonyms)
	v.Status = Status(status)
	return v, err
}

// Get reads one review of the tenant.
func Get(ctx context.Context, q db.Querier, tenantID, id string) (Review, error) {
	if !db.ValidUUID(id) {
		return Review{}, apperr.NotFound("Review not found")
	}
	rows, err := q.Query(ctx, `SELECT `+reviewCols+` FROM reviews WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return Review{}, fmt.Errorf("review: get %s: %w", id, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanReview)
	if errors.Is(err, pgx.ErrNoRows) {
		return Review{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Review{}, fmt.Errorf("review: get %s: %w", id, err)
	}
	return v, nil
}

// Access reads the user's place in a review: NotFound when they are not a member, so that a
// review outside their scope looks the same as one that does not exist.
func Access(ctx context.Context, q db.Querier, tenantID, reviewID, userID string) (auth.ReviewAccess, error) {
	if !db.ValidUUID(reviewID) {
		return auth.ReviewAccess{}, apperr.NotFound("Review not found")
	}
	var a auth.ReviewAccess
	var role string
	var area *string
	err := q.QueryRow(ctx, `SELECT id, role, area_id FROM review_members
		WHERE tenant_id = $1 AND review_id = $2 AND user_id = $3`, tenantID, reviewID, userID).Scan(&a.MemberID, &role, &area)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.ReviewAccess{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return auth.ReviewAccess{}, fmt.Errorf("review: access %s: %w", reviewID, err)
	}
	a.ReviewID, a.Role = reviewID, auth.ReviewRole(role)
	if area != nil {
		a.AreaID = *area
	}
	return a, nil
}

// LoadFramework reads a review's groups and action areas in order, in one query.
func LoadFramework(ctx context.Context, q db.Querier, tenantID, reviewID string) (Framework, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.title, g.position, a.id, a.title, a.quote, a.citation, a.position
		FROM framework_groups g
		LEFT JOIN action_areas a ON a.tenant_id = g.tenant_id AND a.group_id = g.id
		WHERE g.tenant_id = $1 AND g.review_id = $2
		ORDER BY g.position, g.id, a.position, a.id`, tenantID, reviewID)
	if err != nil {
		return Framework{}, fmt.Errorf("review: load framework %s: %w", reviewID, err)
	}
	defer rows.Close()
	var fw Framework
	for rows.Next() {
		var g Group
		var aID, aTitle, aQuote, aCitation *string
		var aPos *int
		if err := rows.Scan(&g.ID, &g.Title, &g.Position, &aID, &aTitle, &aQuote, &aCitation, &aPos); err != nil {
			return Framework{}, fmt.Errorf("review: scan framework: %w", err)
		}
		if n := len(fw.Groups); n == 0 || fw.Groups[n-1].ID != g.ID {
			fw.Groups = append(fw.Groups, g)
		}
		if aID != nil {
			last := &fw.Groups[len(fw.Groups)-1]
			last.Areas = append(last.Areas, ActionArea{ID: *aID, GroupID: g.ID, Title: *aTitle, Quote: *aQuote,
				Citation: *aCitation, Position: *aPos})
		}
	}
	return fw, rows.Err()
}

// ReplaceFramework removes the review's framework and inserts fw in its place, in the caller's
// transaction, so an import is all or nothing.
func ReplaceFramework(ctx context.Context, q db.Querier, tenantID, reviewID string, fw Framework) error {
	if _, err := q.Exec(ctx, `DELETE FROM framework_groups WHERE tenant_id = $1 AND review_id = $2`, tenantID, reviewID); err != nil {
		return fmt.Errorf("review: clear framework %s: %w", reviewID, err)
	}
	return InsertFramework(ctx, q, tenantID, reviewID, fw)
}

// InsertFramework appends fw's groups after any the review has, in one statement.
func InsertFramework(ctx context.Context, q db.Querier, tenantID, reviewID string, fw Framework) error {
	var s setWrite
	s.framework(s.arg(tenantID)+"::uuid", s.arg(reviewID)+"::uuid", fw)
	return s.exec(ctx, q, "insert framework of "+reviewID)
}

// AccessFor reads the user's place in review reviewID (sc.UserID in sc.TenantID); someone outside
// the review gets apperr.NotFound.
func AccessFor(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, reviewID string) (auth.ReviewAccess, error) {
	var acc auth.ReviewAccess
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		acc, err = Access(ctx, tx, sc.TenantID, reviewID, sc.UserID)
		return err
	})
	return acc, err
}

// SetCoverageThreshold sets how many notes make an action area covered for the review, and
// returns the threshold it had (the same value: nothing written). The coverage package checks
// the value and writes the audit entry.
func SetCoverageThreshold(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, value int) (before int, err error) {
	err = tx.QueryRow(ctx, `SELECT coverage_threshold FROM reviews WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`,
		tenantID, reviewID).Scan(&before)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, apperr.NotFound("Review not found")
	}
	if err != nil {
		return 0, fmt.Errorf("review: read coverage threshold of %s: %w", reviewID, err)
	}
	if before == value {
		return before, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE reviews SET coverage_threshold = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, reviewID, value); err != nil {
		return 0, fmt.Errorf("review: set coverage threshold of %s: %w", reviewID, err)
	}
	return before, nil
}

// SetLegalHold puts the review on legal hold by userID for reason, or changes the reason of a hold
// already on (keeping when it was put on). The retention package checks the reason and writes the
// audit entry.
func SetLegalHold(ctx context.Context, tx pgx.Tx, tenantID, reviewID, userID, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE reviews SET legal_hold_reason = $3, legal_hold_by = $4,
		legal_hold_at = coalesce(legal_hold_at, now()) WHERE tenant_id = $1 AND id = $2`, tenantID, reviewID, reason, userID); err != nil {
		return fmt.Errorf("review: set legal hold of %s: %w", reviewID, err)
	}
	return nil
}

// LiftLegalHold lifts the review's legal hold. The retention package writes the audit entry.
func LiftLegalHold(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) error {
	if _, err := tx.Exec(ctx, `UPDATE reviews SET legal_hold_reason = NULL, legal_hold_at = NULL, legal_hold_by = NULL
		WHERE tenant_id = $1 AND id = $2`, tenantID, reviewID); err != nil {
		return fmt.Errorf("review: lift legal hold of %s: %w", reviewID, err)
	}
	return nil
}

// SetEvidenceLock locks the review's evidence, by userID, (lock true) or unlocks it. The evidence
// package checks the review's stage and writes the audit entry.
func SetEvidenceLock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, userID string, lock bool) error {
	sql := `UPDATE reviews SET evidence_locked_at = NULL, evidence_locked_by = NULL WHERE tenant_id = $1 AND id = $2`
	args := []any{tenantID, reviewID}
	if lock {
		sql = `UPDATE reviews SET evidence_locked_at = now(), evidence_locked_by = $3 WHERE tenant_id = $1 AND id = $2`
		args = append(args, userID)
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("review: set evidence lock of %s to %t: %w", reviewID, lock, err)
	}
	return nil
}
