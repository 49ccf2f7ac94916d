package evidence_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
)

func TestEraseOnlyDeletedNotesAndKeepsSharedThemes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "erase")
	r := f.review("Erasure review", "E06000057")
	ctx := context.Background()
	id, _, err := f.create(r, r.input("erase-1", "A note to erase."))
	f.must(err)
	other := r.input("erase-2", "A note that stays.")
	other.Tags = []string{"fathers"}
	_, _, err = f.create(r, other)
	f.must(err)
	allow := func(evidence.Note) error { return nil }
	erase := func(reason string, allow func(evidence.Note) error) (bool, error) {
		var erased bool
		err := f.tx(func(tx pgx.Tx) error {
			var err error
			_, erased, err = evidence.Erase(ctx, tx, f.tenant, r.id, id, f.author, "", reason, allow)
			return err
		})
		return erased, err
	}
	if _, err := erase("Recorded by mistake", allow); !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("erasing a note not deleted: %v", err)
	}
	f.must(f.tx(func(tx pgx.Tx) error { return evidence.SoftDelete(ctx, tx, f.tenant, r.id, id, f.author) }))
	if _, err := erase(" ", allow); !apperr.Is(err, apperr.CodeInvalid) {
		t.Errorf("no reason: %v", err)
	}
	// A refusal rolls the erasure back.
	refuse := func(evidence.Note) error { return apperr.NotFound("Note not found") }
	if _, err := erase("Recorded by mistake", refuse); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("refused: %v", err)
	}
	if n, err := f.get(r, id, true); err != nil || n.PurgedAt != nil || n.Body != "A note to erase." || len(n.Tags) != 2 {
		t.Fatalf("after a refusal: %+v %v", n, err)
	}
	if erased, err := erase("Recorded by mistake", allow); err != nil || !erased {
		t.Fatalf("erase: %v %v", erased, err)
	}
	n, err := f.get(r, id, true)
	if err != nil || n.PurgedAt == nil || n.Body != evidence.ErasedBody || len(n.Tags) != 0 {
		t.Fatalf("after erasing: %+v %v", n, err)
	}
	var themes []string
	f.must(f.d.Super.QueryRow(ctx, `SELECT array_agg(name ORDER BY name) FROM evidence_tags WHERE review_id = $1`, r.id).Scan(&themes))
	if len(themes) != 1 || themes[0] != "fathers" {
		t.Errorf("themes left: %v, want the one the other note uses", themes)
	}
	if erased, err := erase("Again", allow); err != nil || erased {
		t.Errorf("a second erasure: %v %v", erased, err)
	}
	err = f.tx(func(tx pgx.Tx) error { return evidence.Undelete(ctx, tx, f.tenant, r.id, id, f.author) })
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("restoring an erased note: %v", err)
	}
}
