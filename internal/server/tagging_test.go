package server_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// tagNotes records n notes as tagged to an action area without writing whole notes: replica mode
// skips the foreign keys for this one transaction, so the rows need no real notes behind them.
func tagNotes(t *testing.T, super *pgxpool.Pool, actionAreaID string, n int) {
	t.Helper()
	ctx := context.Background()
	tx, err := super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id, note_created_at)
		SELECT tenant_id, gen_random_uuid(), id, review_id, now() FROM action_areas, generate_series(1, $2) WHERE id = $1`,
		actionAreaID, n); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
