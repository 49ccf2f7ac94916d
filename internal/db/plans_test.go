package db_test

import (
	"context"
	"strings"
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

// TestOpenAsksForNoParallelWorkers: the server's pools plan without parallel workers, unless
// their URL sets the number itself.
func TestOpenAsksForNoParallelWorkers(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	workers := func(url string) string {
		t.Helper()
		pool, err := db.Open(ctx, url, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var n string
		if err := pool.QueryRow(ctx, `SHOW max_parallel_workers_per_gather`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := workers(d.AppURL); n != "0" {
		t.Errorf("max_parallel_workers_per_gather %s, want 0", n)
	}
	sep := "?"
	if strings.Contains(d.AppURL, "?") {
		sep = "&"
	}
	if n := workers(d.AppURL + sep + "max_parallel_workers_per_gather=2"); n != "2" {
		t.Errorf("with the URL's own setting: %s, want 2", n)
	}
}
