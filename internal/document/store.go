package document

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// Upload is a checked file ready to store.
type Upload struct {
	Title       string
	Filename    string // cleaned
	ContentType string // detected
	Content     []byte
	Key         string // idempotency key: the same key stores once
}

// Create stores a document that has passed the scanner as available. A second call by the same
// uploader with the same key stores nothing and returns the first document's id with created
// false; keys are each uploader's own, so another's key never answers with their document.
func Create(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, uploaderID string, u Upload) (string, bool, error) {
	sum := sha256.Sum256(u.Content)
	var id string
	err := q.QueryRow(ctx, `INSERT INTO area_documents (tenant_id, review_id, area_id, title, filename, content_type,
			size, sha256, content, scan_status, idempotency_key, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'clean', $10, $11)
		ON CONFLICT (tenant_id, idempotency_key, uploaded_by) DO NOTHING
		RETURNING id::text`,
		tenantID, reviewID, areaID, u.Title, u.Filename, u.ContentType, int64(len(u.Content)), sum[:], u.Content,
		u.Key, uploaderID).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("document: create: %w", err)
	}
	err = q.QueryRow(ctx, `SELECT id::text FROM area_documents WHERE tenant_id = $1 AND idempotency_key = $2 AND uploaded_by = $3`,
		tenantID, u.Key, uploaderID).Scan(&id)
	if err != nil {
		return "", false, fmt.Errorf("document: create: existing: %w", err)
	}
	return id, false, nil
}

// listColumns never include the content.
const listColumns = `d.id::text, d.review_id::text, d.area_id::text, d.title, d.filename, d.content_type, d.size,
	d.sha256, d.uploaded_by::text, u.name, d.uploaded_at`

// ListSQL is the list's statement (exported so a test can prove it never reads the content).
const ListSQL = `SELECT ` + listColumns + `
	FROM area_documents d JOIN users u ON u.id = d.uploaded_by
	WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = $3 AND d.deleted_at IS NULL AND d.scan_status = 'clean'
	ORDER BY d.uploaded_at DESC, d.id`

func scanDoc(r pgx.CollectableRow) (Document, error) {
	var d Document
	err := r.Scan(&d.ID, &d.ReviewID, &d.AreaID, &d.Title, &d.Filename, &d.ContentType, &d.Size, &d.SHA256,
		&d.UploadedBy, &d.Uploader, &d.UploadedAt)
	return d, err
}

// List reads an area's available documents, newest first, without their content.
func List(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) ([]Document, error) {
	rows, err := q.Query(ctx, ListSQL, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("document: list: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanDoc)
	if err != nil {
		return nil, fmt.Errorf("document: list: %w", err)
	}
	return list, nil
}

// Get reads one available document of an area, without its content.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, id string) (Document, error) {
	if !db.ValidUUID(id) {
		return Document{}, apperr.NotFound("Document not found")
	}
	rows, err := q.Query(ctx, `SELECT `+listColumns+`
		FROM area_documents d JOIN users u ON u.id = d.uploaded_by
		WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = $3 AND d.id = $4
			AND d.deleted_at IS NULL AND d.scan_status = 'clean'`, tenantID, reviewID, areaID, id)
	if err != nil {
		return Document{}, fmt.Errorf("document: get: %w", err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDoc)
	if errors.Is(err, pgx.ErrNoRows) {
		return Document{}, apperr.NotFound("Document not found")
	}
	if err != nil {
		return Document{}, fmt.Errorf("document: get: %w", err)
	}
	return d, nil
}

// ChunkSize is how much of a document one read fetches when it is streamed.
const ChunkSize = 1 << 20

// Chunk reads n bytes of an available document's content from offset (0-based). The column is
// stored uncompressed out of line (STORAGE EXTERNAL), so PostgreSQL fetches only the TOAST chunks
// the range needs.
func Chunk(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, id string, offset, n int64) ([]byte, error) {
	if !db.ValidUUID(id) {
		return nil, apperr.NotFound("Document not found")
	}
	var b []byte
	err := q.QueryRow(ctx, `SELECT substring(content FROM $5::int FOR $6::int) FROM area_documents
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3 AND id = $4 AND deleted_at IS NULL AND scan_status = 'clean'`,
		tenantID, reviewID, areaID, id, offset+1, n).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFound("Document not found")
	}
	if err != nil {
		return nil, fmt.Errorf("document: content: %w", err)
	}
	return b, nil
}

// Content reads an available document's whole content.
func Content(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, id string) ([]byte, error) {
	return Chunk(ctx, q, tenantID, reviewID, areaID, id, 0, 1<<31-1)
}

// Delete soft-deletes a document.
func Delete(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, id, by string) error {
	if !db.ValidUUID(id) {
		return apperr.NotFound("Document not found")
	}
	tag, err := q.Exec(ctx, `UPDATE area_documents SET deleted_at = now(), deleted_by = $5
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3 AND id = $4 AND deleted_at IS NULL`,
		tenantID, reviewID, areaID, id, by)
	if err != nil {
		return fmt.Errorf("document: delete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFound("Document not found")
	}
	return nil
}

// CitingCounts counts, per document of an area, the evidence notes citing it, as the evidence base
// lists them: not deleted, never a safeguarding concern (row-level security hides those from whoever
// may not read them; the evidence base shows none, so neither does the count). Documents no note
// cites are absent. One statement; for the review's staff only (a contact never sees notes).
func CitingCounts(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT nd.document_id::text, count(*)::int FROM evidence_note_documents nd
		JOIN area_documents d ON d.tenant_id = nd.tenant_id AND d.id = nd.document_id
		JOIN evidence_notes n ON n.tenant_id = nd.tenant_id AND n.id = nd.note_id
		WHERE nd.tenant_id = $1 AND d.review_id = $2 AND d.area_id = $3 AND n.review_id = $2
			AND n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY nd.document_id`, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("document: citing counts: %w", err)
	}
	out := map[string]int{}
	var id string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil }); err != nil {
		return nil, fmt.Errorf("document: citing counts: %w", err)
	}
	return out, nil
}

// PurgeReview deletes all of a review's documents, in tx (the retention purge; the notes' links to
// them go with them), and returns their ids for the caller to redact the audit log and record the
// purge.
func PurgeReview(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (ids []string, err error) {
	err = tx.QueryRow(ctx, `WITH d AS (DELETE FROM area_documents WHERE tenant_id = $1 AND review_id = $2 RETURNING id)
		SELECT coalesce(array_agg(id::text), '{}') FROM d`, tenantID, reviewID).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("document: purge documents of %s: %w", reviewID, err)
	}
	return ids, nil
}
