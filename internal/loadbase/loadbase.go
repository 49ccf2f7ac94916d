// Package loadbase is the load harness's bare reference for saving a note: a chi handler on a
// plain pgx pool that does only the database work a save cannot avoid — one INSERT of the note
// row (its search vector computed by the table, as evidence_notes computes it) and its
// action-area link rows, in one transaction — into tables of the same shape as evidence_notes and
// evidence_note_action_areas but with no triggers, row-level security, foreign keys, audit or
// session. `make bench` measures the product's save against it (issue 17).
//
// The tables are not part of the product's migrations: Prepare creates them afresh, as the
// database owner, before the harness starts the server; a server built with -tags loadbase
// mounts BareHandler (internal/server/baseline.go).
package loadbase

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/devdb"
)

// The bare tables, copies of the shape of the product's.
const (
	NotesTable = "bench_notes"
	LinksTable = "bench_note_action_areas"
)

// Prepare drops and creates the bare tables through the owner URL: LIKE copies the columns, NOT
// NULL and CHECK constraints, defaults, the generated search column and every index (primary and
// unique keys included), and never triggers, policies or foreign keys. They are made afresh on
// every run so that a change to the product's tables is followed, and they start empty.
func Prepare(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("loadbase: connect as owner: %w", err)
	}
	defer conn.Close(ctx)
	const like = "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING INDEXES"
	stmts := []string{
		`DROP TABLE IF EXISTS ` + LinksTable + `, ` + NotesTable,
		`CREATE TABLE ` + NotesTable + ` (LIKE evidence_notes ` + like + `)`,
		`CREATE TABLE ` + LinksTable + ` (LIKE evidence_note_action_areas ` + like + `)`,
		`GRANT SELECT, INSERT ON ` + NotesTable + `, ` + LinksTable + ` TO ` + devdb.AppRole,
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", strings.SplitN(s, "(", 2)[0], err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loadbase: create the bare tables: %w", err)
	}
	return nil
}

// insertNote writes the note and its links in one statement; a repeated idempotency key by the
// same author writes nothing, as the product's save does.
const insertNote = `WITH n AS (
	INSERT INTO bench_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body,
		judgement, idempotency_key)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
	ON CONFLICT DO NOTHING
	RETURNING tenant_id, id, review_id, created_at)
INSERT INTO bench_note_action_areas (tenant_id, note_id, action_area_id, review_id, note_created_at)
SELECT n.tenant_id, n.id, a, n.review_id, n.created_at FROM n, unnest($11::uuid[]) a`

// BareHandler saves a note from form fields (tenant_id, review_id, visit_id, area_id, author_id,
// source_id, note_date YYYY-MM-DD, body, judgement, idempotency_key, and action_area_id, which
// may repeat) with BEGIN, the one INSERT above and COMMIT on pool. It answers 204; 400 for
// missing or malformed fields or a row the table's checks refuse; 500 otherwise.
func BareHandler(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		f := r.PostForm.Get
		ids := []string{f("tenant_id"), f("review_id"), f("visit_id"), f("area_id"), f("author_id"), f("source_id")}
		for _, id := range append(ids, r.PostForm["action_area_id"]...) {
			if !db.ValidUUID(id) {
				http.Error(w, "tenant_id, review_id, visit_id, area_id, author_id, source_id and action_area_id must be ids",
					http.StatusBadRequest)
				return
			}
		}
		day, err := time.Parse(time.DateOnly, f("note_date"))
		if err != nil {
			http.Error(w, "note_date must be YYYY-MM-DD", http.StatusBadRequest)
			return
		}
		judgement := f("judgement")
		if judgement == "" {
			judgement = "neutral"
		}
		body := strings.ReplaceAll(f("body"), "\r\n", "\n")
		err = pgx.BeginFunc(r.Context(), pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(r.Context(), insertNote, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], day, body,
				judgement, f("idempotency_key"), r.PostForm["action_area_id"])
			return err
		})
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")):
			http.Error(w, "not saved: "+pgErr.Message, http.StatusBadRequest)
		case err != nil:
			http.Error(w, "not saved: "+err.Error(), http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}
