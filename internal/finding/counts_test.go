package finding_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/finding"
)

// TestCountsStayExactUnderConcurrentChanges: links, unlinks, tags, safeguarding and finding moves
// on the same few notes and findings from several sessions at once; afterwards the kept counts
// equal a fresh count. (A deadlock between two such changes is resolved by PostgreSQL rolling one
// back, as a save would see a conflict; it must never leave a count wrong.)
func TestCountsStayExactUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "concurrent")
	fs := []string{w.create("Parents valued the feeding groups.", "k1"), w.create("Families found the hub.", "k2")}
	var notes []string
	for _, id := range w.notes {
		notes = append(notes, id)
	}
	ops := []func(r *rand.Rand, tx pgx.Tx) error{
		func(r *rand.Rand, tx pgx.Tx) error {
			stance := []string{finding.Supports, finding.Contradicts}[r.IntN(2)]
			return finding.Link(w.ctx, tx, w.tenant, w.review, fs[r.IntN(2)], stance, []string{notes[r.IntN(len(notes))], notes[r.IntN(len(notes))]})
		},
		func(r *rand.Rand, tx pgx.Tx) error {
			_, err := finding.Unlink(w.ctx, tx, w.tenant, w.review, fs[r.IntN(2)], notes[r.IntN(len(notes))])
			return err
		},
		func(r *rand.Rand, tx pgx.Tx) error {
			n, aa := notes[r.IntN(len(notes))], []string{w.aa1, w.aa2}[r.IntN(2)]
			tag, err := tx.Exec(w.ctx, `DELETE FROM evidence_note_action_areas WHERE tenant_id = $1 AND note_id = $2 AND action_area_id = $3`,
				w.tenant, n, aa)
			if err == nil && tag.RowsAffected() == 0 {
				_, err = tx.Exec(w.ctx, `INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
					VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, w.tenant, n, aa, w.review)
			}
			return err
		},
		func(r *rand.Rand, tx pgx.Tx) error {
			_, err := tx.Exec(w.ctx, `UPDATE evidence_notes SET safeguarding = NOT safeguarding WHERE tenant_id = $1 AND id = $2`,
				w.tenant, notes[r.IntN(len(notes))])
			return err
		},
		func(r *rand.Rand, tx pgx.Tx) error {
			_, err := tx.Exec(w.ctx, `UPDATE findings SET action_area_id = CASE WHEN action_area_id = $3 THEN $4::uuid ELSE $3::uuid END
				WHERE tenant_id = $1 AND id = $2`, w.tenant, fs[r.IntN(2)], w.aa1, w.aa2)
			return err
		},
		func(r *rand.Rand, tx pgx.Tx) error {
			_, err := tx.Exec(w.ctx, `UPDATE evidence_notes SET deleted_at = CASE WHEN deleted_at IS NULL THEN now() END,
				deleted_by = CASE WHEN deleted_at IS NULL THEN author_id END WHERE tenant_id = $1 AND id = $2`,
				w.tenant, notes[r.IntN(len(notes))])
			return err
		},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, deadlocks := 0, 0
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 17))
			for range 40 {
				op := ops[r.IntN(len(ops))]
				err := w.tx(func(tx pgx.Tx) error { return op(r, tx) })
				var refused *finding.Refused
				var pe *pgconn.PgError
				mu.Lock()
				switch {
				case err == nil:
					done++
				case errors.As(err, &refused):
				case errors.As(err, &pe) && pe.Code == "40P01":
					deadlocks++
				default:
					t.Errorf("change: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d changes made, %d rolled back by a deadlock", done, deadlocks)
	var drift int
	if err := w.d.Super.QueryRow(w.ctx, finding.CountsDrift).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Errorf("%d kept counts differ from a fresh count", drift)
	}
}

// TestCountsDoNotSerialiseUnrelatedSaves: while one transaction holds a finding's links and a new
// note of its own, another saves a new note tagged to the same action area and changes an
// unrelated note's tags and state without waiting for any lock (a lock shared by every save
// would time out here), with every trigger on: the findings' counts and the coverage counters'
// deltas (migration 00032; those of 00008 took an advisory lock per area and failed this test).
func TestCountsDoNotSerialiseUnrelatedSaves(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "nowait")
	f := w.create("Parents valued the feeding groups.", "k1")
	save := func(tx pgx.Tx, key string) error {
		var id string
		if err := tx.QueryRow(w.ctx, `INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id,
				note_date, body, idempotency_key)
			SELECT tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, 'A new note', $2
			FROM evidence_notes WHERE id = $1 RETURNING id`, w.notes["a0n0"], key).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if _, err := tx.Exec(w.ctx, `INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			VALUES ($1, $2, $3, $4), ($1, $2, $5, $4)`, w.tenant, id, w.aa1, w.review, w.aa2); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		return nil
	}
	held, err := w.d.Owner.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Rollback(w.ctx) }()
	if _, err := held.Exec(w.ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`, w.tenant, w.user); err != nil {
		t.Fatal(err)
	}
	if err := finding.Link(w.ctx, held, w.tenant, w.review, f, finding.Supports, []string{w.notes["a0n0"], w.notes["a1n0"]}); err != nil {
		t.Fatal(err)
	}
	if err := save(held, "held-new"); err != nil {
		t.Fatal(err)
	}
	// Meanwhile, with a short lock timeout: a new note, and another note untagged, retagged and
	// made a safeguarding concern.
	err = w.tx(func(tx pgx.Tx) error {
		if _, err := tx.Exec(w.ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
			return err
		}
		if err := save(tx, "other-new"); err != nil {
			return fmt.Errorf("new note: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM evidence_note_action_areas WHERE tenant_id = $1 AND note_id = $2 AND action_area_id = $3`,
			`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
				SELECT $1, $2, $3, review_id FROM evidence_notes WHERE id = $2 ON CONFLICT DO NOTHING`,
			`UPDATE evidence_notes SET safeguarding = true WHERE tenant_id = $1 AND id = $2 AND $3::uuid IS NOT NULL`,
		} {
			if _, err := tx.Exec(w.ctx, q, w.tenant, w.notes["a2n1"], w.aa1); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("a save beside another transaction's links waited or failed: %v", err)
	}
	if err := held.Commit(w.ctx); err != nil {
		t.Fatal(err)
	}
	var drift int
	if err := w.d.Super.QueryRow(w.ctx, finding.CountsDrift).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Errorf("%d kept counts differ from a fresh count", drift)
	}
}
