package questionnaire_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/questionnaire"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// fixture is a tenant with a user and a review of two areas.
type fixture struct {
	t                            *testing.T
	d                            *dbtest.DB
	tenant, user, review, a1, a2 string
}

func newFixture(t *testing.T, d *dbtest.DB, slug string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, d: d}
	if err := d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&f.tenant); err != nil {
		t.Fatal(err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, f.tenant, slug, slug+" Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "lead@"+slug+".test", "Lee Lead", "not-a-password-hash")
		if err != nil {
			return err
		}
		f.user = id
		if err := user.AddMember(ctx, tx, f.tenant, id, auth.RoleStaff); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Start for Life') RETURNING id`, f.tenant).Scan(&f.review)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
				f.tenant, f.review).Scan(&f.a1)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`,
				f.tenant, f.review).Scan(&f.a2)
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

func rowsOf(t *testing.T, csv string) []questionnaire.Row {
	t.Helper()
	rows, err := questionnaire.Parse([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (f *fixture) replace(area string, rows []questionnaire.Row) questionnaire.Import {
	f.t.Helper()
	var imp questionnaire.Import
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		imp, err = questionnaire.Replace(context.Background(), tx, f.tenant, f.review, area, f.user, rows)
		return err
	}))
	return imp
}

func (f *fixture) get(area string) questionnaire.Results {
	f.t.Helper()
	var res questionnaire.Results
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		res, err = questionnaire.Get(context.Background(), tx, f.tenant, f.review, area)
		return err
	}))
	return res
}

func TestQuestionnaireReplace(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := newFixture(t, d, "one")
	if res := f.get(f.a1); res.Import != nil || len(res.Questions) != 0 {
		t.Fatalf("before any import: %+v", res)
	}
	first := f.replace(f.a1, rowsOf(t, "question,answer,count\nHeard?,Health visitor,30\nHeard?,Friend,10\nUseful?,Yes,35\nUseful?,No,2\n"))
	if first.Rows != 4 || first.Total != 77 || first.Respondents != 40 {
		t.Errorf("first import = %+v", first)
	}
	res := f.get(f.a1)
	if res.Import == nil || res.Import.ImportedBy != "Lee Lead" || res.Import.Respondents != 40 {
		t.Fatalf("import = %+v", res.Import)
	}
	if len(res.Questions) != 2 || res.Questions[0].Text != "Heard?" || res.Questions[0].Total != 40 ||
		len(res.Questions[0].Answers) != 2 || res.Questions[0].Answers[1] != (questionnaire.Answer{Text: "Friend", Count: 10}) ||
		res.Questions[1].Text != "Useful?" || res.Questions[1].Total != 37 {
		t.Errorf("questions = %+v", res.Questions)
	}

	// A second import replaces the first: same import row, only the new counts.
	second := f.replace(f.a1, rowsOf(t, "question,answer,count\nUseful?,Yes,5\n"))
	if second.ID != first.ID {
		t.Errorf("a new import row: %s, was %s", second.ID, first.ID)
	}
	res = f.get(f.a1)
	if len(res.Questions) != 1 || res.Questions[0].Total != 5 || res.Import.Rows != 1 {
		t.Errorf("after replace: %+v %+v", res.Import, res.Questions)
	}
	var n int
	if err := d.Super.QueryRow(context.Background(), `SELECT count(*) FROM questionnaire_counts WHERE tenant_id = $1`, f.tenant).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d count rows stored, want 1", n)
	}
	// The other area is untouched.
	if res := f.get(f.a2); res.Import != nil {
		t.Errorf("area 2 has results: %+v", res)
	}
	// An area of no review of this tenant is not found.
	err := f.tx(func(tx pgx.Tx) error {
		_, err := questionnaire.Replace(context.Background(), tx, f.tenant, f.review, "00000000-0000-0000-0000-000000000000", f.user, rowsOf(t, "question,answer,count\nx,y,1\n"))
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("unknown area: err = %v", err)
	}
}

func TestQuestionnaireTotals(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := newFixture(t, d, "one")
	f.replace(f.a1, rowsOf(t, "question,answer,count\nHeard?,Health visitor,30\nHeard?,Friend,10\nUseful?,Yes,35\n"))
	var tot questionnaire.ReviewTotals
	read := func() {
		f.must(f.tx(func(tx pgx.Tx) error {
			var err error
			tot, err = questionnaire.Totals(context.Background(), tx, f.tenant, f.review)
			return err
		}))
	}
	read()
	if len(tot.Areas) != 2 || tot.Imported != 1 || tot.Respondents != 40 {
		t.Fatalf("totals = %+v", tot)
	}
	for _, a := range tot.Areas {
		switch a.AreaID {
		case f.a1:
			if !a.Imported || a.Respondents != 40 || a.Rows != 3 {
				t.Errorf("area 1 = %+v", a)
			}
		case f.a2:
			if a.Imported || a.Respondents != 0 {
				t.Errorf("area 2 = %+v", a)
			}
		}
	}
	f.replace(f.a2, rowsOf(t, "question,answer,count\nUseful?,Yes,7\nUseful?,No,5\n"))
	read()
	if tot.Imported != 2 || tot.Respondents != 52 {
		t.Errorf("totals = %+v", tot)
	}
}

func TestQuestionnaireTenancy(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	one, two := newFixture(t, d, "one"), newFixture(t, d, "two")
	one.replace(one.a1, rowsOf(t, "question,answer,count\nHeard?,Friend,10\n"))
	ctx := context.Background()
	err := two.tx(func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM questionnaire_imports) + (SELECT count(*) FROM questionnaire_counts)`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("tenant two sees %d rows of tenant one", n)
		}
		// Asking by tenant one's ids from tenant two's scope finds nothing either.
		res, err := questionnaire.Get(ctx, tx, one.tenant, one.review, one.a1)
		if err != nil {
			return err
		}
		if res.Import != nil {
			t.Errorf("tenant two read tenant one's results")
		}
		tot, err := questionnaire.Totals(ctx, tx, one.tenant, one.review)
		if err != nil {
			return err
		}
		if len(tot.Areas) != 0 {
			t.Errorf("tenant two read tenant one's totals: %+v", tot)
		}
		_, err = questionnaire.Replace(ctx, tx, two.tenant, one.review, one.a1, two.user, rowsOf(t, "question,answer,count\nx,y,1\n"))
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("replace another tenant's area: err = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := one.get(one.a1); res.Import == nil || res.Questions[0].Answers[0].Count != 10 {
		t.Errorf("tenant one's results changed: %+v", res)
	}
}
