package evidence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
)

// Notes saved at once that create the same new tags: each note gets every tag it names, though
// a tag another note created after its statement began is not in that statement's snapshot.
func TestConcurrentNotesCreatingTheSameTagsGetThemAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "tagrace")
	r := f.review("Start for Life", "E06000057")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := r.input(fmt.Sprintf("tag-race-%d", i), "Parents described the new hub.")
			in.Tags = []string{"Brand new theme", "another NEW theme"}
			errs[i] = db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: f.author}, func(tx pgx.Tx) error {
				_, created, err := evidence.Create(context.Background(), tx, f.tenant, r.id, f.author, in)
				if err == nil && !created {
					err = fmt.Errorf("not created")
				}
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	var notes, tags, links, perNote int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM evidence_notes WHERE tenant_id = $1),
		(SELECT count(*) FROM evidence_tags WHERE tenant_id = $1 AND lower(name) IN ('brand new theme', 'another new theme')),
		(SELECT count(*) FROM evidence_note_tags WHERE tenant_id = $1),
		(SELECT min(c) FROM (SELECT count(*) AS c FROM evidence_note_tags WHERE tenant_id = $1 GROUP BY note_id) x)`,
		f.tenant).Scan(&notes, &tags, &links, &perNote))
	if notes != n || tags != 2 || links != 2*n || perNote != 2 {
		t.Errorf("notes %d, tags %d, links %d, fewest tags on a note %d; want %d, 2, %d, 2", notes, tags, links, perNote, n, 2*n)
	}
	// The coverage counters agree with the links.
	var counted int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT coalesce(sum(strength + development + neutral), 0)
		FROM evidence_counts WHERE tenant_id = $1 AND dimension = 'tag'`, f.tenant).Scan(&counted))
	if counted != 2*n {
		t.Errorf("tag counters add up to %d, want %d", counted, 2*n)
	}
}
