package scale

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tables the notes go into.
var noteTables = []string{"evidence_notes", "evidence_note_action_areas", "evidence_note_lines", "evidence_note_tags"}

// loadNotes writes every review's notes and links in one transaction, the way pg_restore loads
// a table: straight COPY into the tables, then their secondary indexes built and their foreign
// keys checked once each, set-wise, then the coverage counters computed with one GROUP BY.
// Inserting row by row instead costs, per note and link, a check of each foreign key, an
// insert into each index and the coverage triggers: several times slower.
//
// Inside the transaction, and only there:
//   - FORCE row-level security is lifted from the four tables (PostgreSQL refuses COPY into a
//     table whose policies apply to the copier) and from the tables their foreign keys refer to
//     (so that each key is checked by one join over all tenants, not row by row), as migration
//     00008 does for its backfill; every row carries its tenant_id explicitly;
//   - the coverage triggers are disabled, and the counters of the new reviews, counted while the
//     rows were generated (visible notes by area, action area, line and theme, per judgement:
//     what the triggers keep), copied in; a test compares them with a fresh aggregation;
//   - the tables' foreign keys and their indexes other than primary and unique keys are dropped,
//     and made again from their definitions as the catalogue gave them, before the commit.
//
// DDL is transactional: each ALTER TABLE holds an exclusive lock on its table until the commit,
// so no other session ever sees a table without its keys, indexes, triggers or FORCE, and a
// failure anywhere rolls everything back. The tables are unavailable to the service while this
// runs (a minute or two at the defaults): it is a seeding command.
func loadNotes(ctx context.Context, pool *pgxpool.Pool, reviews []*reviewData, log func(string, ...any)) error {
	gens := make([]*gen, 0, len(reviews))
	for _, r := range reviews {
		g, err := newGen(r)
		if err != nil {
			return err
		}
		gens = append(gens, g)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("scale: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	step := func(name string, t0 time.Time) { log("  %-24s %6.1fs", name, time.Since(t0).Seconds()) }
	t0 := time.Now()
	for _, set := range []string{`SET LOCAL maintenance_work_mem = '256MB'`, `SET LOCAL max_parallel_maintenance_workers = 2`,
		`SET LOCAL synchronous_commit = off`} {
		if _, err := tx.Exec(ctx, set); err != nil {
			return fmt.Errorf("scale: %s: %w", set, err)
		}
	}
	// The definitions to make again, read before anything is dropped.
	rows, _ := tx.Query(ctx, `SELECT format('DROP INDEX %I', c.relname), pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = ANY($1::text[]::regclass[])
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
		ORDER BY c.relname`, noteTables)
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ddl])
	if err != nil {
		return fmt.Errorf("scale: read index definitions: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid))
		FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid = ANY($1::text[]::regclass[])
		ORDER BY k.conrelid::regclass::text, k.conname`, noteTables)
	fkeys, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ddl])
	if err != nil {
		return fmt.Errorf("scale: read foreign keys: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT format('ALTER TABLE %s DISABLE TRIGGER %I', t.tgrelid::regclass, t.tgname),
			format('ALTER TABLE %s ENABLE TRIGGER %I', t.tgrelid::regclass, t.tgname)
		FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgenabled = 'O' AND t.tgrelid = ANY($1::text[]::regclass[])
		ORDER BY t.tgrelid::regclass::text, t.tgname`, noteTables)
	triggers, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ddl])
	if err != nil {
		return fmt.Errorf("scale: read triggers: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', c.relname),
			format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', c.relname)
		FROM pg_class c WHERE c.relforcerowsecurity AND (c.oid = ANY(($1::text[] || '{evidence_counts}')::regclass[])
			OR c.oid IN (SELECT k.confrelid FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid = ANY($1::text[]::regclass[])))
		ORDER BY c.relname`, noteTables)
	forced, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ddl])
	if err != nil {
		return fmt.Errorf("scale: read row-level security: %w", err)
	}
	for _, list := range [][]ddl{forced, triggers, fkeys, indexes} {
		for _, d := range list {
			if _, err := tx.Exec(ctx, d.Undo); err != nil {
				return fmt.Errorf("scale: %s: %w", d.Undo, err)
			}
		}
	}
	step("prepare", t0)

	t0 = time.Now()
	var notes int
	for _, g := range gens {
		n := 1
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if n > g.r.notes {
				return nil, nil
			}
			row := g.note(n, g.ids[n-1])
			n++
			return row, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evidence_notes"}, noteColumns, src); err != nil {
			return fmt.Errorf("scale: copy the notes of review %s: %w", g.r.id, err)
		}
		notes += g.r.notes
	}
	step(fmt.Sprintf("copy %d notes", notes), t0)
	for _, l := range []struct {
		table string
		cols  []string
		kind  byte
	}{
		{"evidence_note_action_areas", []string{"tenant_id", "note_id", "action_area_id", "review_id", "note_created_at"}, 'a'},
		{"evidence_note_lines", []string{"tenant_id", "note_id", "line_id", "review_id"}, 'l'},
		{"evidence_note_tags", []string{"tenant_id", "note_id", "tag_id"}, 't'},
	} {
		t0 = time.Now()
		n, err := tx.CopyFrom(ctx, pgx.Identifier{l.table}, l.cols, linkRows(gens, l.kind))
		if err != nil {
			return fmt.Errorf("scale: copy %s: %w", l.table, err)
		}
		step(fmt.Sprintf("copy %d %s", n, strings.TrimPrefix(l.table, "evidence_note_")), t0)
	}

	t0 = time.Now()
	for _, d := range indexes {
		if _, err := tx.Exec(ctx, d.Redo); err != nil {
			return fmt.Errorf("scale: %s: %w", d.Redo, err)
		}
	}
	step("indexes", t0)
	t0 = time.Now()
	for _, d := range fkeys {
		if _, err := tx.Exec(ctx, d.Redo); err != nil {
			return fmt.Errorf("scale: %s: %w", d.Redo, err)
		}
	}
	step("foreign keys", t0)
	t0 = time.Now()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evidence_counts"}, []string{"tenant_id", "review_id", "dimension",
		"area_id", "key_id", "strength", "development", "neutral"}, pgx.CopyFromRows(countRows(gens))); err != nil {
		return fmt.Errorf("scale: coverage counters: %w", err)
	}
	step("coverage counters", t0)
	t0 = time.Now()
	for _, list := range [][]ddl{triggers, forced} {
		for _, d := range list {
			if _, err := tx.Exec(ctx, d.Redo); err != nil {
				return fmt.Errorf("scale: %s: %w", d.Redo, err)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("scale: commit the notes: %w", err)
	}
	step("commit", t0)
	return nil
}

// ddl is a statement that undoes something for the load, and the one that redoes it.
type ddl struct{ Undo, Redo string }
