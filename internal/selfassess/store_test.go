package selfassess_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/selfassess"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

type fixture struct {
	t                          *testing.T
	d                          *dbtest.DB
	tenant, user, review, area string
}

func newFixture(t *testing.T, slug string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, d: dbtest.New(t)}
	if err := f.d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&f.tenant); err != nil {
		t.Fatal(err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, f.tenant, slug, slug+" Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "contact@"+slug+".test", "Cal Contact", "not-a-password-hash")
		if err != nil {
			return err
		}
		f.user = id
		if err := user.AddMember(ctx, tx, f.tenant, id, auth.RoleMember); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Start for Life') RETURNING id`, f.tenant).Scan(&f.review)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
				f.tenant, f.review).Scan(&f.area)
		}
		return err
	}))
	return f
}

func (f *fixture) tx(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), f.d.Owner, db.Scope{TenantID: f.tenant, UserID: f.user}, fn)
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) template() selfassess.Template {
	f.t.Helper()
	var tpl selfassess.Template
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		tpl, err = selfassess.LoadTemplate(context.Background(), tx, f.tenant, f.review)
		return err
	}))
	return tpl
}

func (f *fixture) save(tpl selfassess.Template, in selfassess.AnswerInput) (selfassess.Response, bool, error) {
	var after selfassess.Response
	var changed bool
	err := f.tx(func(tx pgx.Tx) error {
		var err error
		_, after, changed, err = selfassess.SaveAnswer(context.Background(), tx, f.tenant, f.review, f.area, f.user, tpl, in)
		return err
	})
	return after, changed, err
}

func TestSelfAssessSeedsDefaultsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sa-seed")
	ctx := context.Background()
	tpl := f.template()
	if len(tpl.Elements) != 4 || tpl.Elements[0].Title != "Co-location" || tpl.Elements[3].Title != "Governance" {
		t.Fatalf("elements = %+v", tpl.Elements)
	}
	if len(tpl.Levels) != 4 || tpl.Levels[0].Label != "Not yet started" || tpl.Levels[3].Label != "Embedded" {
		t.Fatalf("levels = %+v", tpl.Levels)
	}
	// The lead removes an element: using the template again must not bring it back.
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := selfassess.DeleteElement(ctx, tx, f.tenant, f.review, tpl.Elements[0].ID)
		return err
	}))
	f.must(f.tx(func(tx pgx.Tx) error {
		seeded, err := selfassess.Seed(ctx, tx, f.tenant, f.review)
		if seeded {
			t.Error("seeded twice")
		}
		return err
	}))
	if got := f.template(); len(got.Elements) != 3 || len(got.Levels) != 4 {
		t.Fatalf("after a second use: %d elements, %d levels", len(got.Elements), len(got.Levels))
	}
}

func TestSelfAssessSaveAnswerVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sa-version")
	tpl := f.template()
	el, lvl := tpl.Elements[0].ID, tpl.Levels[1].ID
	r, changed, err := f.save(tpl, selfassess.AnswerInput{ElementID: el, LevelID: lvl, Commentary: "First go", Version: 0})
	if err != nil || !changed || r.Version != 1 {
		t.Fatalf("first save: %+v %v %v", r, changed, err)
	}
	// The same form sent twice: no error, no change.
	if _, changed, err := f.save(tpl, selfassess.AnswerInput{ElementID: el, LevelID: lvl, Commentary: "First go", Version: 0}); err != nil || changed {
		t.Fatalf("repeat save: changed=%v err=%v", changed, err)
	}
	// Someone else edits at version 1; an edit from a stale form at version 0 is a conflict.
	if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: el, LevelID: lvl, Commentary: "Second go", Version: 1}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.save(tpl, selfassess.AnswerInput{ElementID: el, LevelID: tpl.Levels[2].ID, Commentary: "Stale", Version: 1})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale save: err = %v, want conflict", err)
	}
}

func TestSelfAssessSubmitAndReopen(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sa-submit")
	ctx := context.Background()
	tpl := f.template()
	submit := func() (bool, error) {
		var done bool
		err := f.tx(func(tx pgx.Tx) error {
			var err error
			done, err = selfassess.Submit(ctx, tx, f.tenant, f.review, f.area, f.user)
			return err
		})
		return done, err
	}
	// Only two of four answered: refused, naming the other two.
	for _, e := range tpl.Elements[:2] {
		if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: e.ID, LevelID: tpl.Levels[2].ID}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := submit()
	var missing *selfassess.MissingError
	if !errors.As(err, &missing) || len(missing.Elements) != 2 || missing.Elements[0].Title != "Data-sharing" {
		t.Fatalf("submit with two missing: %v", err)
	}
	var a selfassess.Area
	load := func() {
		f.must(f.tx(func(tx pgx.Tx) error {
			var err error
			a, err = selfassess.LoadArea(ctx, tx, f.tenant, f.review, f.area)
			return err
		}))
	}
	if load(); a.Submission.Submitted() {
		t.Fatal("submitted with answers missing")
	}
	for _, e := range tpl.Elements[2:] {
		if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: e.ID, LevelID: tpl.Levels[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	if done, err := submit(); err != nil || !done {
		t.Fatalf("submit: %v %v", done, err)
	}
	if done, err := submit(); err != nil || done {
		t.Fatalf("second submit: %v %v", done, err)
	}
	if load(); !a.Submission.Submitted() || a.Submission.SubmittedBy != "Cal Contact" {
		t.Fatalf("submission = %+v", a.Submission)
	}
	// Read-only once submitted; a level in use cannot be removed.
	if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: tpl.Elements[0].ID, LevelID: tpl.Levels[3].ID, Version: 1}); !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("save after submit: %v", err)
	}
	err = f.tx(func(tx pgx.Tx) error {
		_, err := selfassess.DeleteLevel(ctx, tx, f.tenant, f.review, tpl.Levels[0].ID)
		return err
	})
	var refused *selfassess.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("delete level in use: %v", err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := selfassess.Reopen(ctx, tx, f.tenant, f.review, f.area, f.user, "Please add the new hub in Hexham")
		return err
	}))
	if load(); a.Submission.Submitted() || a.Submission.ReopenReason != "Please add the new hub in Hexham" {
		t.Fatalf("after reopen: %+v", a.Submission)
	}
	if _, _, err := f.save(tpl, selfassess.AnswerInput{ElementID: tpl.Elements[0].ID, LevelID: tpl.Levels[3].ID, Version: 1}); err != nil {
		t.Fatalf("save after reopen: %v", err)
	}
}
