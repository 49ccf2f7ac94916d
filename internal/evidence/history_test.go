package evidence_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
	"thematic/internal/review"
)

func TestLoadOptionsAndHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "history")
	r := f.review("Start for Life", "E06000057")
	id, _, err := f.create(r, r.input("k", "First words."))
	f.must(err)
	ctx := context.Background()
	f.must(f.tx(func(tx pgx.Tx) error {
		in := r.input("", "Second words.")
		_, err := evidence.Update(ctx, tx, f.tenant, r.id, id, f.author, 1, in)
		return err
	}))
	var o evidence.Options
	var h []evidence.Change
	var name string
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		if o, err = evidence.LoadOptions(ctx, tx, f.tenant, r.id); err != nil {
			return err
		}
		if name, err = evidence.UserName(ctx, tx, f.author); err != nil {
			return err
		}
		h, err = evidence.History(ctx, tx, f.tenant, id)
		return err
	}))
	if len(o.Sources) != len(review.GeneralVocabulary("").Sources) || len(o.Roles) != len(review.GeneralVocabulary("").Roles) ||
		fmt.Sprint(o.Tags) != "[fathers Infant feeding]" {
		t.Errorf("options %+v", o)
	}
	if name != "Ann Author" {
		t.Errorf("name %q", name)
	}
	if len(h) != 2 || h[0].Action != "evidence.created" || h[1].Action != "evidence.updated" ||
		fmt.Sprint(h[1].Fields) != "[body]" || h[1].Who != "Ann Author" {
		t.Errorf("history %+v", h)
	}
}
