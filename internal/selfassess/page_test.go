package selfassess_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/selfassess"
)

// TestLoadPageSeedsOnceAndReadsWhatTheSeparateReadsRead checks the self-assessment pages' one
// statement: it seeds the template the first time, then only reads (it runs in a read-only
// transaction), and it gives what LoadTemplate and LoadArea give, with the review's title and the
// area's name; an area of no review is not found.
func TestLoadPageSeedsOnceAndReadsWhatTheSeparateReadsRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sa-page")
	ctx := context.Background()
	var first selfassess.Page
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		first, err = selfassess.LoadPage(ctx, tx, f.tenant, f.review, f.area)
		return err
	}))
	if len(first.Template.Elements) != 4 || len(first.Template.Levels) != 4 || first.ReviewTitle != "Start for Life" ||
		first.AreaName != "Northumberland" || first.Area.Submission.Status != selfassess.StatusDraft {
		t.Fatalf("first page: %+v", first)
	}
	tpl := first.Template
	for _, e := range tpl.Elements {
		if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: e.ID, LevelID: tpl.Levels[1].ID, Commentary: "Some " + e.Title}); err != nil {
			t.Fatal(err)
		}
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sa_deadlines (tenant_id, review_id, area_id, due) VALUES ($1, $2, $3, '2023-09-01')`,
			f.tenant, f.review, f.area); err != nil {
			return err
		}
		_, err := selfassess.Submit(ctx, tx, f.tenant, f.review, f.area, f.user)
		return err
	}))
	f.must(f.tx(func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION READ ONLY`); err != nil {
			return err
		}
		p, err := selfassess.LoadPage(ctx, tx, f.tenant, f.review, f.area)
		if err != nil {
			return err
		}
		wantTpl, err := selfassess.LoadTemplate(ctx, tx, f.tenant, f.review)
		if err != nil {
			return err
		}
		wantArea, err := selfassess.LoadArea(ctx, tx, f.tenant, f.review, f.area)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(p.Template, wantTpl) || !reflect.DeepEqual(p.Area, wantArea) {
			t.Errorf("page\n%+v\nwant\n%+v\n%+v", p, wantTpl, wantArea)
		}
		if !p.Area.Submission.Submitted() || p.Area.Submission.SubmittedBy != "Cal Contact" || p.Area.Deadline == nil ||
			len(p.Area.Responses) != 4 || p.Template.Elements[0].Answered != 1 || p.Template.Levels[1].InUse != 4 {
			t.Errorf("page after answers: %+v", p)
		}
		_, err = selfassess.LoadPage(ctx, tx, f.tenant, f.review, "00000000-0000-0000-0000-000000000000")
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("unknown area: %v", err)
		}
		return nil
	}))
}
