package scale

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Delete removes the scale tenants with every row they own, and the generated users who belong
// to no other tenant, in one transaction; other tenants are untouched.
//
// Under FORCEd row-level security the owner could not delete everything (memberships and the
// audit log have no delete policy, by design), so for this transaction only the owner lifts
// FORCE from the tables that have it, as migration 00008 does for its backfill: ALTER TABLE is
// transactional and holds an exclusive lock on each table until the commit, so no other session
// ever sees a table without FORCE; every statement names the tenants it deletes explicitly. The
// row triggers that move coverage counters and findings' counts as a note is deleted are disabled
// the same way (the counters of the deleted tenants go with them).
func Delete(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("scale: begin delete: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, _ := tx.Query(ctx, `SELECT id::text FROM tenants WHERE slug LIKE $1`, SlugPrefix+"%")
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("scale: scale tenants: %w", err)
	}
	if len(tenants) == 0 {
		return nil
	}
	rows, _ = tx.Query(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relforcerowsecurity ORDER BY 1`)
	forced, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("scale: forced tables: %w", err)
	}
	for _, t := range forced {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s NO FORCE ROW LEVEL SECURITY`, pgx.Identifier{t}.Sanitize())); err != nil {
			return fmt.Errorf("scale: lift force on %s: %w", t, err)
		}
	}
	for _, q := range []string{`ALTER TABLE evidence_notes DISABLE TRIGGER coverage_note_deleted`,
		`ALTER TABLE evidence_notes DISABLE TRIGGER finding_counts_note_removed`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("scale: disable note trigger: %w", err)
		}
	}
	tables, err := deleteOrder(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE tenant_id = ANY($1::uuid[])`, pgx.Identifier{t}.Sanitize()), tenants); err != nil {
			return fmt.Errorf("scale: delete from %s: %w", t, err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM users u WHERE u.email LIKE '%@' || $1 || '%.test'
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)`, SlugPrefix); err != nil {
		return fmt.Errorf("scale: delete users: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM tenants WHERE id = ANY($1::uuid[])`, tenants); err != nil {
		return fmt.Errorf("scale: delete tenants: %w", err)
	}
	for _, q := range []string{`ALTER TABLE evidence_notes ENABLE TRIGGER coverage_note_deleted`,
		`ALTER TABLE evidence_notes ENABLE TRIGGER finding_counts_note_removed`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("scale: enable note trigger: %w", err)
		}
	}
	for _, t := range forced {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s FORCE ROW LEVEL SECURITY`, pgx.Identifier{t}.Sanitize())); err != nil {
			return fmt.Errorf("scale: force on %s: %w", t, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("scale: commit delete: %w", err)
	}
	return nil
}

// deleteOrder lists the tables with a tenant_id column, each after every table whose foreign
// keys refer to it, so that deleting in this order never breaks a key.
func deleteOrder(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, _ := tx.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attname = 'tenant_id'
			AND NOT a.attisdropped AND c.relname <> 'tenants'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("scale: tenant tables: %w", err)
	}
	sort.Strings(tables)
	rows, _ = tx.Query(ctx, `SELECT DISTINCT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid <> c.confrelid AND c.connamespace = current_schema()::regnamespace`)
	type edge struct{ child, parent string }
	edges, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (edge, error) {
		var e edge
		return e, r.Scan(&e.child, &e.parent)
	})
	if err != nil {
		return nil, fmt.Errorf("scale: foreign keys: %w", err)
	}
	in := map[string]bool{}
	for _, t := range tables {
		in[t] = true
	}
	children := map[string]int{} // parent → number of children not yet placed
	for _, e := range edges {
		if in[e.child] && in[e.parent] {
			children[e.parent]++
		}
	}
	var out []string
	placed := map[string]bool{}
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if placed[t] || children[t] > 0 {
				continue
			}
			placed[t], progress = true, true
			out = append(out, t)
			for _, e := range edges {
				if e.child == t && in[e.parent] {
					children[e.parent]--
				}
			}
		}
		if !progress { // a cycle: the rest in name order (their keys cascade)
			for _, t := range tables {
				if !placed[t] {
					placed[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}
