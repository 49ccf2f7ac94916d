package selfassess_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/selfassess"
)

func TestSelfAssessGridAndLate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sa-grid")
	ctx := context.Background()
	tpl := f.template()
	var draft, fresh string
	f.must(f.tx(func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000047') RETURNING id`,
			f.tenant, f.review).Scan(&draft)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000021') RETURNING id`,
				f.tenant, f.review).Scan(&fresh)
		}
		return err
	}))
	// f.area answers everything and submits; draft answers one element; fresh nothing.
	for i, el := range tpl.Elements {
		if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: el.ID, LevelID: tpl.Levels[i%4].ID, Commentary: "About " + el.Title}); err != nil {
			t.Fatal(err)
		}
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		if _, err := selfassess.Submit(ctx, tx, f.tenant, f.review, f.area, f.user); err != nil {
			return err
		}
		_, _, _, err := selfassess.SaveAnswer(ctx, tx, f.tenant, f.review, draft, f.user, tpl,
			selfassess.AnswerInput{ElementID: tpl.Elements[0].ID, LevelID: tpl.Levels[1].ID, Commentary: "Half done"})
		return err
	}))
	// Deadlines: submitted and draft areas were due in the past, fresh is due in the future.
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	if _, err := f.d.Super.Exec(ctx, `INSERT INTO sa_deadlines (tenant_id, area_id, review_id, due) VALUES
		($1, $3, $2, '2026-03-01'), ($1, $4, $2, '2026-03-09'), ($1, $5, $2, '2026-03-10')`,
		f.tenant, f.review, f.area, draft, fresh); err != nil {
		t.Fatal(err)
	}
	var grid map[string]*selfassess.AreaState
	var late int
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		if grid, err = selfassess.LoadGrid(ctx, tx, f.tenant, f.review, today); err != nil {
			return err
		}
		late, err = selfassess.LateCount(ctx, tx, f.tenant, f.review, today)
		return err
	}))
	if len(grid) != 3 {
		t.Fatalf("grid has %d areas, want 3", len(grid))
	}
	sub, dr, fr := grid[f.area], grid[draft], grid[fresh]
	if !sub.Submitted || sub.Status != selfassess.TaskCompleted || sub.Late || len(sub.Responses) != 4 {
		t.Errorf("submitted area = %+v", sub)
	}
	if r := sub.Responses[tpl.Elements[2].ID]; r.LevelID != tpl.Levels[2].ID || r.Commentary != "About "+tpl.Elements[2].Title {
		t.Errorf("submitted answer = %+v", r)
	}
	if dr.Submitted || dr.Status != selfassess.TaskInProgress || !dr.Late || dr.Responses[tpl.Elements[0].ID].Commentary != "Half done" {
		t.Errorf("draft area = %+v", dr)
	}
	if fr.Submitted || fr.Status != selfassess.TaskNotStarted || fr.Late || fr.Deadline == nil {
		t.Errorf("fresh area (due today) = %+v", fr)
	}
	if late != 1 {
		t.Errorf("late count = %d, want 1", late)
	}
	// The next day the fresh area is late too.
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		late, err = selfassess.LateCount(ctx, tx, f.tenant, f.review, today.AddDate(0, 0, 1))
		return err
	}))
	if late != 2 {
		t.Errorf("late count the next day = %d, want 2", late)
	}
}
