package audit

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
)

// Page reads the entries of sc's tenant that f selects, in a transaction of its own (the audit
// log page's one query).
func Page(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, f Filter) ([]Entry, error) {
	var list []Entry
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		list, err = List(ctx, tx, sc.TenantID, f)
		return err
	})
	return list, err
}
