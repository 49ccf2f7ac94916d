package evidence_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
)

// TestTagSuggestionsMostUsedFirst orders a review's tags by the notes that use them (deleted notes
// and safeguarding concerns do not count), then by name; caps the list; never shows another
// review's tags.
func TestTagSuggestionsMostUsedFirst(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := newFixture(t, d, "tagsuggest")
	r := f.review("Start for Life", "E06000057")
	other := f.review("Other review", "E06000047")
	note := func(key string, tags ...string) string {
		in := r.input(key, "Parents said the hub felt welcoming.")
		in.Tags = tags
		id, _, err := f.create(r, in)
		f.must(err)
		return id
	}
	note("k1", "Access", "fathers")
	note("k2", "access", "Outreach")
	note("k3", "Access", "outreach")
	gone := note("k4", "Zebra")
	note("k5", "Zebra")
	ctx := context.Background()
	// k4 deleted: Zebra counts 1 use; Outreach 2, Access 3, fathers 1.
	if _, err := d.Super.Exec(ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	in := other.input("o1", "Another review's note.")
	in.Tags = []string{"Secret theme", "Secret theme 2", "Secret theme 3", "Secret theme 4"}
	if _, _, err := f.create(other, in); err != nil {
		t.Fatal(err)
	}
	var got []string
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		got, err = evidence.TagSuggestions(ctx, tx, f.tenant, r.id, 0)
		return err
	}))
	if fmt.Sprint(got) != "[Access Outreach fathers Zebra]" {
		t.Errorf("suggestions = %v, want [Access Outreach fathers Zebra]", got)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		got, err = evidence.TagSuggestions(ctx, tx, f.tenant, r.id, 2)
		return err
	}))
	if fmt.Sprint(got) != "[Access Outreach]" {
		t.Errorf("capped suggestions = %v", got)
	}
}
