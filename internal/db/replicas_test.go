package db_test

import (
	"context"
	"sync"
	"testing"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
)

// TestReplicasStartingTogetherMigrateOnce: three replicas starting at once on a fresh database
// each run the migrations; goose's advisory lock lets one apply them while the others wait and
// then find nothing pending. Every migration is applied once, and none fails.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	ownerURL := dbtest.Empty(t).OwnerURL
	ctx := context.Background()
	applied := make([]int, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			m, err := db.NewMigrator(ownerURL)
			if err != nil {
				errs[i] = err
				return
			}
			defer m.Close()
			res, err := m.Up(ctx)
			applied[i], errs[i] = len(res), err
		})
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	m, err := db.NewMigrator(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := len(status)
	if total != want {
		t.Errorf("the replicas applied %d migrations between them (%v), want %d, each once", total, applied, want)
	}
	pool, err := db.Open(ctx, ownerURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var rows, versions int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || versions != want {
		t.Errorf("goose_db_version holds %d rows of %d versions, want %d once each", rows, versions, want)
	}
}
