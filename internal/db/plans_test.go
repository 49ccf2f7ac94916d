package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
)

// InTxGenericPlans scopes its transaction as InTx does and asks for generic plans in it only: the
// connection goes back to planning as usual (the pool hands the idle one out again).
func TestInTxGenericPlansOnlyForItsTransaction(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	setting := func(run func(context.Context, func(pgx.Tx) error) error) (mode, tenant string) {
		t.Helper()
		if err := run(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT current_setting('plan_cache_mode'), current_setting('app.tenant_id', true)`).Scan(&mode, &tenant)
		}); err != nil {
			t.Fatal(err)
		}
		return mode, tenant
	}
	scope := db.Scope{TenantID: "00000000-0000-4000-8000-000000000001"}
	generic := func(ctx context.Context, fn func(pgx.Tx) error) error {
		return db.InTxGenericPlans(ctx, d.App, scope, fn)
	}
	plain := func(ctx context.Context, fn func(pgx.Tx) error) error { return db.InTx(ctx, d.App, scope, fn) }
	if mode, tenant := setting(generic); mode != "force_generic_plan" || tenant != scope.TenantID {
		t.Errorf("InTxGenericPlans: plan_cache_mode %q, tenant %q", mode, tenant)
	}
	if mode, tenant := setting(plain); mode != "auto" || tenant != scope.TenantID {
		t.Errorf("InTx after it: plan_cache_mode %q, tenant %q", mode, tenant)
	}
}
