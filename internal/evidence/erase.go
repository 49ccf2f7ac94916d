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
)

// ErasedBody stands in for an erased note's text. Like a note purged under the retention policy
// (purged_at marks both), the row stays, without its words.
const ErasedBody = "(erased for good)"

// MaxEraseReason is the longest reason for erasing a note: the audit log's redaction marker
// carries it, and the database takes 300 characters there.
const MaxEraseReason = 300

// ActionErased records a note erased for good.
const ActionErased = "evidence.note_erased"

// NotDeletedMessage is why a note that is not deleted cannot be erased.
const NotDeletedMessage = "Only a deleted note can be erased. Delete the note first."

// ErasedMessage is why an erased note cannot be restored.
const ErasedMessage = "This note was erased for good and cannot be restored"

// Erase erases a deleted note for good, for a review lead (the caller checks the role) with a
// reason: its text is replaced by ErasedBody, its photos and files are deleted and its themes go (with any theme no other note
// uses: a theme can say as much as the text), purged_at marks it, and the note's copies in the
// audit log (its text and themes, in every entry about it) are redacted with the reason. The note,
// as it was, is shown to allow, which refuses a note the actor may not see: on any error tx must
// be rolled back, since the note may be erased by then. A note not deleted is refused; a note
// already erased or purged changes nothing (erased reports false).
// Neither the review's stage nor the evidence lock stops it: the note is out of the evidence
// already, and erasure may be owed whatever stage the review is at.
func Erase(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID, actorEmail, reason string, allow func(Note) error) (n Note, erased bool, err error) {
	reason = strings.TrimSpace(reason)
	switch l := len([]rune(reason)); {
	case l == 0:
		return Note{}, false, apperr.Invalid("Say why the note is erased")
	case l > MaxEraseReason:
		return Note{}, false, apperr.Invalid("The reason must be %d characters or fewer", MaxEraseReason)
	}
	if !db.ValidUUID(noteID) {
		return Note{}, false, apperr.NotFound("Note not found")
	}
	// One statement locks the note, erases it if it is deleted and not erased yet, and reads it as
	// it was (the statement's snapshot), to stay within the request's statement budget. When allow
	// or the checks below refuse, the caller's transaction is rolled back with the erasure.
	var erasedNow bool
	n, err = scanNote(tx.QueryRow(ctx, `WITH cur AS (
			SELECT id, deleted_at, purged_at FROM evidence_notes
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE),
		up AS (UPDATE evidence_notes e SET body = $4, purged_at = now(), version = e.version + 1, updated_at = now()
			FROM cur WHERE e.tenant_id = $1 AND e.id = cur.id AND cur.deleted_at IS NOT NULL AND cur.purged_at IS NULL
			RETURNING e.id),
		nt AS (DELETE FROM evidence_note_tags x USING up WHERE x.tenant_id = $1 AND x.note_id = up.id RETURNING x.tag_id),
		nf AS (DELETE FROM evidence_note_files x USING up WHERE x.tenant_id = $1 AND x.note_id = up.id),
		tg AS (DELETE FROM evidence_tags t USING nt WHERE t.tenant_id = $1 AND t.review_id = $2 AND t.id = nt.tag_id
			AND NOT EXISTS (SELECT 1 FROM evidence_note_tags o WHERE o.tenant_id = t.tenant_id AND o.tag_id = t.id AND o.note_id <> $3)
			RETURNING t.id)
		SELECT `+noteColumns+`, EXISTS (SELECT 1 FROM up), (SELECT count(*) FROM tg) FROM evidence_notes n
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3`,
		tenantID, reviewID, noteID, ErasedBody), &erasedNow, new(int))
	if errors.Is(err, pgx.ErrNoRows) {
		return Note{}, false, apperr.NotFound("Note not found")
	}
	if err != nil {
		return Note{}, false, fmt.Errorf("evidence: erase note %s: %w", noteID, err)
	}
	if err := allow(n); err != nil {
		return Note{}, false, err
	}
	if n.DeletedAt == nil {
		return n, false, apperr.Conflict(NotDeletedMessage)
	}
	if !erasedNow {
		return n, false, nil // erased (or purged) already: the button pressed twice
	}
	// The marker reads "(redacted on ... by ...: reason)": round brackets in the reason would end
	// it early where the audit page looks for it.
	marker := strings.NewReplacer("(", "[", ")", "]").Replace(reason)
	if _, err := audit.Redact(ctx, tx, audit.Redaction{TenantID: tenantID, ActorID: actorID, ActorEmail: actorEmail,
		ObjectType: "evidence_note", ObjectIDs: []string{noteID}, Fields: []string{"body", "tags", "filename"}, Reason: marker}); err != nil {
		return n, false, err
	}
	return n, true, audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, ActorEmail: actorEmail,
		Action: ActionErased, ObjectType: "evidence_note", ObjectID: noteID,
		Before: map[string]any{"erased": false}, After: map[string]any{"erased": true, "reason": reason}})
}

// PurgeReview takes the words out of a review's evidence notes not purged yet, at at, in tx (the
// retention purge): each note keeps its row, so that counts and prevalence stay, but its text
// becomes body and it loses its themes, photos and files; then the review's themes no note uses any more go too (a
// theme can say as much as a note). Notes that row-level security hides (safeguarding concerns
// from the service) are left alone. It returns the ids of the notes it purged; the caller redacts
// the audit log and records the purge.
func PurgeReview(ctx context.Context, tx pgx.Tx, tenantID, reviewID, body string, at time.Time) (noteIDs []string, err error) {
	err = tx.QueryRow(ctx, `WITH n AS (
			UPDATE evidence_notes SET body = $3, purged_at = $4, version = version + 1, updated_at = $4
			WHERE tenant_id = $1 AND review_id = $2 AND purged_at IS NULL
			RETURNING id),
		nt AS (DELETE FROM evidence_note_tags x USING n WHERE x.tenant_id = $1 AND x.note_id = n.id),
		nf AS (DELETE FROM evidence_note_files x USING n WHERE x.tenant_id = $1 AND x.note_id = n.id)
		SELECT coalesce(array_agg(id::text), '{}') FROM n`, tenantID, reviewID, body, at).Scan(&noteIDs)
	if err != nil {
		return nil, fmt.Errorf("evidence: purge notes of %s: %w", reviewID, err)
	}
	// After the statement above, so that it sees the notes' themes gone.
	if _, err := tx.Exec(ctx, `DELETE FROM evidence_tags t WHERE t.tenant_id = $1 AND t.review_id = $2
		AND NOT EXISTS (SELECT 1 FROM evidence_note_tags x WHERE x.tenant_id = t.tenant_id AND x.tag_id = t.id)`, tenantID, reviewID); err != nil {
		return nil, fmt.Errorf("evidence: purge themes of %s: %w", reviewID, err)
	}
	return noteIDs, nil
}
