package evidence

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
)

// Restore undoes the deletion of a note in one read: the note is read FOR UPDATE, shown to allow
// (which refuses, e.g. with NotFound, a note the actor may not see), and then restored as Undelete
// would. It returns the note as read. Restoring a note that is not deleted changes nothing.
func Restore(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, allow func(Note) error) (Note, error) {
	cur, err := getNote(ctx, tx, tenantID, reviewID, noteID, true, "FOR UPDATE OF n")
	if err != nil {
		return cur, err
	}
	if err := allow(cur); err != nil {
		return Note{}, err
	}
	if err := ensureUnlocked(ctx, tx, tenantID, reviewID); err != nil {
		return cur, err
	}
	if cur.LockedAt != nil {
		return cur, apperr.Forbidden("This note is locked and can no longer be changed")
	}
	if cur.DeletedAt == nil {
		return cur, nil // already so: an undo clicked twice
	}
	if cur.PurgedAt != nil {
		return cur, apperr.Conflict(ErasedMessage)
	}
	if _, err := tx.Exec(ctx, `UPDATE evidence_notes SET deleted_at = NULL, deleted_by = NULL, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, noteID); err != nil {
		return cur, fmt.Errorf("evidence: evidence.restored %s: %w", noteID, err)
	}
	return cur, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "evidence.restored",
		ObjectType: "evidence_note", ObjectID: noteID, Before: map[string]any{"deleted": true}, After: map[string]any{"deleted": false}})
}
