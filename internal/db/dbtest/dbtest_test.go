package dbtest_test

import (
	"context"
	"testing"

	"thematic/internal/db/dbtest"
)

func TestNewGivesSeparateMigratedDatabases(t *testing.T) {
	t.Parallel()
	a, b := dbtest.New(t), dbtest.New(t)
	ctx := context.Background()
	var nameA, nameB, who string
	if err := a.App.QueryRow(ctx, `SELECT current_database(), current_user`).Scan(&nameA, &who); err != nil {
		t.Fatal(err)
	}
	if err := b.App.QueryRow(ctx, `SELECT current_database()`).Scan(&nameB); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("two tests share database %s", nameA)
	}
	if who != "thematic_app" {
		t.Fatalf("app pool connects as %s, want thematic_app", who)
	}
	var n int
	if err := a.Owner.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("migrations not applied: n=%d err=%v", n, err)
	}
}
