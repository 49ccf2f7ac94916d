package coverage

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/form"
)

// Page reads the coverage page of the scope's review, in its own transaction.
func Page(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Coverage, error) {
	var c Coverage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c, err = Load(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return c, err
}

// ChangeThreshold checks the threshold as typed and sets it on the scope's review, audited. A
// value that is not a whole number from 0 to 1000 is refused (*form.Refused) before any
// transaction opens. The audit entry names the actor by id and email.
func ChangeThreshold(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in ThresholdInput) (int, error) {
	n, errs := in.Parse()
	if errs.Any() {
		return 0, &form.Refused{Errors: errs}
	}
	return n, db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return setThreshold(ctx, tx, sc, n)
	})
}
