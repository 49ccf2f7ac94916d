package evidence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/notefile"
)

// Photos and files attached to a note (evidence_note_files). They are seen by exactly whoever
// sees the note: every read goes through Load (or the note's list query) first, and the table's
// restrictive policy applies the note's own row-level security besides. A deleted note's files
// are hidden with it; an erased or purged note loses them.

// Audit actions of a note's files.
const (
	ActionFileAdded     = "evidence.file_added"
	ActionFileRemoved   = "evidence.file_removed"
	ActionFilePractice  = "evidence.file_practice_chosen"
	ActionFileWithdrawn = "evidence.file_practice_withdrawn"
)

// NoteFile describes a stored file; its bytes are read separately.
type NoteFile struct {
	ID          string
	NoteID      string
	Name        string
	ContentType string
	Size        int64
	SHA256      []byte
	Width       int // 0 for a file that is not an image
	Height      int
	UploadedBy  string
	UploadedAt  time.Time
	PracticeOK  bool // the lead chose it as fit to show among good-practice examples
}

// IsImage reports whether f is a photo with a display copy.
func (f NoteFile) IsImage() bool { return f.Width > 0 }

// attachFiles stores files on a note and writes an audit entry for each, in one statement.
func attachFiles(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, files []notefile.File) error {
	if len(files) == 0 {
		return nil
	}
	n := len(files)
	names, types, sums, contents, displays := make([]string, n), make([]string, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
	widths, heights := make([]*int32, n), make([]*int32, n)
	for i, f := range files {
		names[i], types[i], sums[i], contents[i], displays[i] = f.Name, f.ContentType, f.SHA256, f.Content, f.Display
		if f.IsImage() {
			w, h := int32(f.Width), int32(f.Height)
			widths[i], heights[i] = &w, &h
		}
	}
	args := []any{tenantID, reviewID, noteID, actorID, names, types, sums, contents, displays, widths, heights}
	entry, args := audit.EntryFrom(ctx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: ActionFileAdded,
		ObjectType: "evidence_note"}, args, "$3::text", "NULL",
		`jsonb_build_object('file_id', ins.id, 'filename', ins.filename, 'content_type', ins.content_type,
			'size', ins.size, 'sha256', encode(ins.sha256, 'hex'))`, "ins")
	_, err := tx.Exec(ctx, `WITH base AS (
			SELECT coalesce(max(position) + 1, 0) AS p FROM evidence_note_files WHERE tenant_id = $1 AND note_id = $3),
		ins AS (INSERT INTO evidence_note_files (tenant_id, review_id, note_id, position, filename, content_type, size,
				sha256, content, display, width, height, uploaded_by)
			SELECT $1, $2, $3, base.p + f.ord - 1, f.name, f.type, length(f.content), f.sum, f.content, f.display,
				f.width, f.height, $4
			FROM base, unnest($5::text[], $6::text[], $7::bytea[], $8::bytea[], $9::bytea[], $10::int[], $11::int[])
				WITH ORDINALITY f (name, type, sum, content, display, width, height, ord)
			RETURNING id, filename, content_type, size, sha256)
		`+entry, args...)
	if err != nil {
		return fmt.Errorf("evidence: attach files to %s: %w", noteID, err)
	}
	return nil
}

const fileColumns = `f.id::text, f.note_id::text, f.filename, f.content_type, f.size, f.sha256, coalesce(f.width, 0),
	coalesce(f.height, 0), f.uploaded_by::text, f.uploaded_at, f.practice_ok`

func scanFile(row pgx.Row, extra ...any) (NoteFile, error) {
	var f NoteFile
	err := row.Scan(append([]any{&f.ID, &f.NoteID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Width, &f.Height,
		&f.UploadedBy, &f.UploadedAt, &f.PracticeOK}, extra...)...)
	return f, err
}

// Files lists a note's files in the order they were attached. The caller has checked that the
// actor sees the note.
func Files(ctx context.Context, q db.Querier, tenantID, noteID string) ([]NoteFile, error) {
	rows, err := q.Query(ctx, `SELECT `+fileColumns+` FROM evidence_note_files f
		WHERE f.tenant_id = $1 AND f.note_id = $2 ORDER BY f.position`, tenantID, noteID)
	if err != nil {
		return nil, fmt.Errorf("evidence: files of %s: %w", noteID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (NoteFile, error) { return scanFile(r) })
	if err != nil {
		return nil, fmt.Errorf("evidence: files of %s: %w", noteID, err)
	}
	return out, nil
}

// fileNotFound is how a file the actor may not see answers: as its note would.
func fileNotFound() error { return apperr.NotFound("Note not found") }

// ReadFile reads a file of a note the actor sees (not a deleted one): its original, or with
// display its copy for pages (an image's; other files have none).
func ReadFile(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID, fileID string, display bool) (NoteFile, []byte, error) {
	var f NoteFile
	var content []byte
	if !db.ValidUUID(fileID) {
		return f, nil, fileNotFound()
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := Load(ctx, tx, sc, acc, noteID, false); err != nil {
			return err
		}
		var err error
		f, err = scanFile(tx.QueryRow(ctx, `SELECT `+fileColumns+`, CASE WHEN $4 THEN f.display ELSE f.content END
			FROM evidence_note_files f WHERE f.tenant_id = $1 AND f.note_id = $2 AND f.id = $3`,
			sc.TenantID, noteID, fileID, display), &content)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && content == nil) {
			return apperr.NotFound("File not found")
		}
		if err != nil {
			return fmt.Errorf("evidence: read file %s: %w", fileID, err)
		}
		return nil
	})
	return f, content, err
}

// RemoveFile takes a file off a note, for the note's author, while the note may still change.
func RemoveFile(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID, fileID string) (NoteFile, error) {
	var f NoteFile
	if !db.ValidUUID(fileID) {
		return f, fileNotFound()
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		n, err := Load(ctx, tx, sc, acc, noteID, false)
		if err != nil {
			return err
		}
		if n.AuthorID != sc.UserID {
			return apperr.Forbidden("Only the note’s author can remove its photos and files")
		}
		if err := ensureUnlocked(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if n.LockedAt != nil {
			return apperr.Forbidden("This note is locked and can no longer be changed")
		}
		f, err = scanFile(tx.QueryRow(ctx, `DELETE FROM evidence_note_files f
			WHERE f.tenant_id = $1 AND f.note_id = $2 AND f.id = $3 RETURNING `+fileColumns, sc.TenantID, noteID, fileID))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("File not found")
		}
		if err != nil {
			return fmt.Errorf("evidence: remove file %s: %w", fileID, err)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: ActionFileRemoved, ObjectType: "evidence_note", ObjectID: noteID,
			Before: fileEntry(f), After: map[string]any{"file_id": f.ID, "removed": true}})
	})
	return f, err
}

func fileEntry(f NoteFile) map[string]any {
	return map[string]any{"file_id": f.ID, "filename": f.Name, "content_type": f.ContentType, "size": f.Size,
		"sha256": fmt.Sprintf("%x", f.SHA256)}
}

// ChoosePractice records a lead's choice that a note's image may (ok) or may not be shown among
// the review's good-practice examples. Choosing what is chosen already changes nothing.
func ChoosePractice(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID, fileID string, ok bool) (NoteFile, error) {
	var f NoteFile
	if !db.ValidUUID(fileID) {
		return f, fileNotFound()
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := Load(ctx, tx, sc, acc, noteID, false); err != nil {
			return err
		}
		if !leads(acc) {
			return apperr.Forbidden("Only a review lead can choose the photos shown in good-practice examples")
		}
		var was bool
		var err error
		f, err = scanFile(tx.QueryRow(ctx, `WITH cur AS (SELECT id, practice_ok FROM evidence_note_files
				WHERE tenant_id = $1 AND note_id = $2 AND id = $3 AND width IS NOT NULL FOR UPDATE),
			up AS (UPDATE evidence_note_files f SET practice_ok = $4 FROM cur WHERE f.tenant_id = $1 AND f.id = cur.id
				RETURNING f.*)
			SELECT `+fileColumns+`, cur.practice_ok FROM up f, cur`, sc.TenantID, noteID, fileID, ok), &was)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("Photo not found")
		}
		if err != nil {
			return fmt.Errorf("evidence: choose file %s: %w", fileID, err)
		}
		if was == ok {
			return nil
		}
		action := ActionFilePractice
		if !ok {
			action = ActionFileWithdrawn
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: action, ObjectType: "evidence_note", ObjectID: noteID,
			Before: map[string]any{"file_id": f.ID, "practice_ok": was}, After: map[string]any{"file_id": f.ID, "practice_ok": ok}})
	})
	return f, err
}
