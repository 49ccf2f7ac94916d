package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/review"
)

// LockedMessage is why a change to a locked review's notes is refused (the refusal goes on to
// say what to do).
const LockedMessage = review.EvidenceLockedMessage

// Lock is where a review's evidence stands: locked (by whom, when) or not, and whether the review
// has moved far enough (past analysis) for a lead to lock it.
type Lock struct {
	Status   review.Status
	LockedAt *time.Time
	LockedBy string // the name of who locked it
}

// Locked reports whether the evidence is locked.
func (l Lock) Locked() bool { return l.LockedAt != nil }

// CanLock reports whether the review is past analysis, when its evidence may be locked.
func (l Lock) CanLock() bool { return l.Status.Index() > review.StatusAnalysis.Index() }

// CanUnlock reports whether the review is at drafting or before, when its evidence may be
// unlocked: at quality assurance and once published, the evidence stays locked.
func (l Lock) CanUnlock() bool { return l.Status.Index() <= review.StatusDrafting.Index() }

// GetLock reads the lock of a review's evidence.
func GetLock(ctx context.Context, q db.Querier, tenantID, reviewID string) (Lock, error) {
	var l Lock
	var status string
	var by *string
	err := q.QueryRow(ctx, `SELECT r.status, r.evidence_locked_at, u.name FROM reviews r
		LEFT JOIN users u ON u.id = r.evidence_locked_by
		WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID).Scan(&status, &l.LockedAt, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, apperr.NotFound("Review not found")
	}
	if err != nil {
		return l, fmt.Errorf("evidence: lock of %s: %w", reviewID, err)
	}
	l.Status = review.Status(status)
	if by != nil {
		l.LockedBy = *by
	}
	return l, nil
}

// ensureUnlocked refuses a change to the notes when the review's stage or its evidence lock does
// not allow it (review.EnsureAllows, which takes the review's row FOR KEY SHARE: a lock being
// taken or a stage move makes this wait and then see it, so that no note is created or changed
// under a lock that committed first).
func ensureUnlocked(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) error {
	return review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeEvidence)
}

// SetLock locks (lock true) or unlocks a review's evidence, by one of its leads (the caller checks
// the role). Locking is refused until the review is past analysis (entering drafting locks it),
// and unlocking once it is past drafting: quality assurance and publication change nothing.
// Doing it twice changes nothing and records nothing; changed says whether it did something.
func SetLock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, lock bool) (changed bool, err error) {
	var status string
	var lockedAt *time.Time
	err = tx.QueryRow(ctx, `SELECT status, evidence_locked_at FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
		tenantID, reviewID).Scan(&status, &lockedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, apperr.NotFound("Review not found")
	}
	if err != nil {
		return false, fmt.Errorf("evidence: lock %s: %w", reviewID, err)
	}
	if (lockedAt != nil) == lock {
		return false, nil
	}
	if !lock && !(Lock{Status: review.Status(status)}).CanUnlock() {
		return false, apperr.Invalid("The evidence can be unlocked while the review is at drafting. It is at %s: move it back to drafting first.",
			strings.ToLower(review.Status(status).Label()))
	}
	action := "evidence.unlocked"
	if lock {
		if (Lock{Status: review.Status(status)}).CanLock() == false {
			return false, apperr.Invalid("The evidence can be locked once the review has moved past analysis. It is at %s.",
				review.Status(status).Label())
		}
		action = "evidence.locked"
	}
	if err := review.SetEvidenceLock(ctx, tx, tenantID, reviewID, actorID, lock); err != nil {
		return false, err
	}
	return true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: action,
		ObjectType: "review", ObjectID: reviewID, Before: map[string]bool{"locked": !lock}, After: map[string]bool{"locked": lock}})
}
