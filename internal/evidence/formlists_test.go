package evidence_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/document"
	"thematic/internal/evidence"
	"thematic/internal/review"
)

// TestFormListsReadWhatTheSeparateReadsRead checks that the note form's one-statement read gives
// exactly what the reads it replaces give: the form lists (alphabetical tags or suggestions), the
// visit's area's available documents, the framework, the lines of enquiry and the lock; and that
// NoteTrail gives the author's name and the history.
func TestFormListsReadWhatTheSeparateReadsRead(t *testing.T) {
	t.Parallel()
	f := newCiteFixture(t, "formlists")
	ctx := context.Background()
	in := f.r.input("fl-1", "The hub's leaflet lists every session.")
	in.Documents = []string{f.docA}
	id, _, err := f.create(f.r, in)
	f.must(err)
	in = f.r.input("fl-2", "Fathers feel welcome.")
	in.Tags = []string{"fathers", "Welcome"}
	_, _, err = f.create(f.r, in)
	f.must(err)
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, f.r.id, id, f.author, 1, f.r.input("", "Changed words."))
		return err
	}))
	var areaID string
	f.must(f.d.Super.QueryRow(ctx, `SELECT area_id::text FROM visits WHERE id = $1`, f.r.visit).Scan(&areaID))

	for _, suggest := range []bool{false, true} {
		var got evidence.FormLists
		var want evidence.FormLists
		f.must(f.tx(func(tx pgx.Tx) error {
			var err error
			if got, err = evidence.LoadFormLists(ctx, tx, f.tenant, f.r.id, f.r.visit, suggest); err != nil {
				return err
			}
			if want.Options, err = evidence.LoadOptions(ctx, tx, f.tenant, f.r.id); err != nil {
				return err
			}
			if suggest {
				if want.Tags, err = evidence.TagSuggestions(ctx, tx, f.tenant, f.r.id, evidence.MaxSuggestions); err != nil {
					return err
				}
			}
			if want.Documents, err = document.List(ctx, tx, f.tenant, f.r.id, areaID); err != nil {
				return err
			}
			if want.Framework, err = review.LoadFramework(ctx, tx, f.tenant, f.r.id); err != nil {
				return err
			}
			if want.Enquiry, err = review.LoadEnquiry(ctx, tx, f.tenant, f.r.id); err != nil {
				return err
			}
			want.Lock, err = evidence.GetLock(ctx, tx, f.tenant, f.r.id)
			return err
		}))
		if len(got.Documents) != 2 || len(got.Framework.Groups) != 1 || len(got.Enquiry.Groups) != 1 || len(got.Tags) != 3 {
			t.Errorf("suggest %v: %d documents, %d groups, %d enquiry groups, tags %v", suggest, len(got.Documents),
				len(got.Framework.Groups), len(got.Enquiry.Groups), got.Tags)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("suggest %v: one statement read\n%+v\nthe separate reads\n%+v", suggest, got, want)
		}
	}

	var author, wantAuthor string
	var h, wantH []evidence.Change
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		if author, h, err = evidence.NoteTrail(ctx, tx, f.tenant, id, f.author); err != nil {
			return err
		}
		if wantAuthor, err = evidence.UserName(ctx, tx, f.author); err != nil {
			return err
		}
		wantH, err = evidence.History(ctx, tx, f.tenant, id)
		return err
	}))
	if author != wantAuthor || author == "" || len(h) != 2 || !reflect.DeepEqual(h, wantH) {
		t.Errorf("trail %q %+v, want %q %+v", author, h, wantAuthor, wantH)
	}
}
