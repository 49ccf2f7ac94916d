package subject

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
)

// SearchPage finds every record of sc's tenant that names the person q describes, in a
// transaction of its own. Validate q first.
func SearchPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, q Query) (Result, error) {
	var res Result
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		res, err = Search(ctx, tx, sc.TenantID, q)
		return err
	})
	return res, err
}
