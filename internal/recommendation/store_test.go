package recommendation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/finding"
	"thematic/internal/recommendation"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// world is a review with two findings (f2 in an earlier action area, so first in report order)
// and another review of the tenant with a finding of its own.
type world struct {
	t                  *testing.T
	d                  *dbtest.DB
	ctx                context.Context
	tenant, user       string
	review, other      string
	f1, f2, otherFound string
}

func newWorld(t *testing.T, slug string) *world {
	t.Helper()
	w := &world{t: t, d: dbtest.New(t), ctx: context.Background()}
	if err := w.d.Super.QueryRow(w.ctx, `SELECT gen_random_uuid()::text`).Scan(&w.tenant); err != nil {
		t.Fatal(err)
	}
	w.must(db.InTx(w.ctx, w.d.Owner, db.Scope{TenantID: w.tenant}, func(tx pgx.Tx) error {
		if err := tenant.Create(w.ctx, tx, w.tenant, slug, slug+" Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(w.ctx, tx, "lead@"+slug+".test", "Lee Lead", "not-a-password-hash")
		if err != nil {
			return err
		}
		w.user = id
		return user.AddMember(w.ctx, tx, w.tenant, id, auth.RoleStaff)
	}))
	q := func(sql string, args ...any) string {
		t.Helper()
		var id string
		if err := w.d.Super.QueryRow(w.ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return id
	}
	w.review = q(`INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Start for Life') RETURNING id`, w.tenant)
	w.other = q(`INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Another') RETURNING id`, w.tenant)
	for _, name := range []string{"Central government", "Local areas", "Ministers"} {
		q(`INSERT INTO review_addressees (tenant_id, review_id, name, position) VALUES ($1, $2, $3, 1) RETURNING id`, w.tenant, w.review, name)
	}
	g := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Access', 1) RETURNING id`, w.tenant, w.review)
	aa2 := q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Later', 2) RETURNING id`, w.tenant, w.review, g)
	aa1 := q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Earlier', 1) RETURNING id`, w.tenant, w.review, g)
	og := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Other', 1) RETURNING id`, w.tenant, w.other)
	oaa := q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Other', 1) RETURNING id`, w.tenant, w.other, og)
	w.must(w.tx(func(tx pgx.Tx) error {
		var err error
		mk := func(review, aa, body, key string) string {
			if err != nil {
				return ""
			}
			var id string
			id, _, err = finding.Create(w.ctx, tx, w.tenant, review, w.user, finding.Input{ActionAreaID: aa, Body: body, Key: key})
			return id
		}
		w.f1 = mk(w.review, aa2, "Data systems were separate.", slug+"f1")
		w.f2 = mk(w.review, aa1, "Families valued the hubs.", slug+"f2")
		w.otherFound = mk(w.other, oaa, "Elsewhere.", slug+"fo")
		return err
	}))
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) tx(fn func(tx pgx.Tx) error) error {
	return db.InTx(w.ctx, w.d.Owner, db.Scope{TenantID: w.tenant, UserID: w.user}, fn)
}

func (w *world) create(in recommendation.Input) (string, bool, error) {
	var id string
	var created bool
	err := w.tx(func(tx pgx.Tx) (err error) {
		id, created, err = recommendation.Create(w.ctx, tx, w.tenant, w.review, w.user, in)
		return err
	})
	return id, created, err
}

func (w *world) list() []recommendation.Recommendation {
	w.t.Helper()
	var rs []recommendation.Recommendation
	w.must(w.tx(func(tx pgx.Tx) (err error) { rs, err = recommendation.List(w.ctx, tx, w.tenant, w.review); return err }))
	return rs
}

func TestCreateIsIdempotentAndListsFindingsInReportOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "rcreate")
	in := recommendation.Input{Body: " Share data. ", Addressee: "Central government", FindingIDs: []string{w.f1, w.f2, w.f1}, Key: "k"}
	id, created, err := w.create(in)
	w.must(err)
	again, created2, err := w.create(in)
	w.must(err)
	if !created || created2 || again != id {
		t.Fatalf("double submit: created %v then %v, ids %s %s", created, created2, id, again)
	}
	_, _, err = w.create(recommendation.Input{Body: "Second.", Addressee: "Local areas", Key: "k2"})
	w.must(err)
	rs := w.list()
	if len(rs) != 2 {
		t.Fatalf("%d recommendations, want 2", len(rs))
	}
	r := rs[0]
	if r.ID != id || r.Number != 1 || r.Body != "Share data." || r.Addressee != "Central government" || r.Version != 1 {
		t.Fatalf("first = %+v", r)
	}
	if strings.Join(r.FindingIDs, ",") != w.f2+","+w.f1 {
		t.Fatalf("findings = %v, want f2 then f1 (report order), once each", r.FindingIDs)
	}
	if rs[1].Number != 2 || len(rs[1].FindingIDs) != 0 {
		t.Fatalf("second = %+v", rs[1])
	}
}

func TestCreateRefusesAnotherReviewsFinding(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "rrefuse")
	for name, ids := range map[string][]string{
		"another review's finding": {w.f1, w.otherFound},
		"not an id":                {"nope"},
	} {
		_, _, err := w.create(recommendation.Input{Body: "x", Addressee: "Local areas", FindingIDs: ids, Key: "k-" + name})
		var r *recommendation.Refused
		if !errors.As(err, &r) || r.Errors.Get("findings") != recommendation.FindingMessage || !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("%s: err = %v, want the findings refused", name, err)
		}
	}
	_, _, err := w.create(recommendation.Input{Body: "", Addressee: "", Key: "empty"})
	var r *recommendation.Refused
	if !errors.As(err, &r) || !r.Errors.Has("body") || !r.Errors.Has("addressee") {
		t.Fatalf("empty form: %v", err)
	}
	if n := len(w.list()); n != 0 {
		t.Fatalf("%d recommendations written by refused creates", n)
	}
	// An edit is refused the same way.
	id, _, err := w.create(recommendation.Input{Body: "x", Addressee: "Local areas", Key: "ok"})
	w.must(err)
	err = w.tx(func(tx pgx.Tx) error {
		_, _, err := recommendation.Update(w.ctx, tx, w.tenant, w.review, id,
			recommendation.Input{Body: "x", Addressee: "Local areas", FindingIDs: []string{w.otherFound}, Version: 1})
		return err
	})
	if !errors.As(err, &r) {
		t.Fatalf("update with another review's finding: %v", err)
	}
}

func TestUpdateVersionMoveAndDeleteRenumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "rmove")
	var ids []string
	for _, k := range []string{"a", "b", "c"} {
		id, _, err := w.create(recommendation.Input{Body: "Rec " + k, Addressee: "Local areas", Key: k})
		w.must(err)
		ids = append(ids, id)
	}
	order := func() string {
		out := []string{}
		for _, r := range w.list() {
			out = append(out, strings.TrimPrefix(r.Body, "Rec "))
		}
		return strings.Join(out, "")
	}
	move := func(id string, up bool) (int, int) {
		var from, to int
		w.must(w.tx(func(tx pgx.Tx) (err error) {
			from, to, err = recommendation.Move(w.ctx, tx, w.tenant, w.review, id, up)
			return err
		}))
		return from, to
	}
	if from, to := move(ids[2], true); from != 3 || to != 2 || order() != "acb" {
		t.Fatalf("move c up: %d → %d, order %s", from, to, order())
	}
	if from, to := move(ids[0], true); from != 1 || to != 1 || order() != "acb" {
		t.Fatalf("move the first up: %d → %d, order %s", from, to, order())
	}
	if from, to := move(ids[0], false); from != 1 || to != 2 || order() != "cab" {
		t.Fatalf("move a down: %d → %d, order %s", from, to, order())
	}
	var before, after recommendation.Recommendation
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		before, after, err = recommendation.Update(w.ctx, tx, w.tenant, w.review, ids[1],
			recommendation.Input{Body: "Rec B", Addressee: "Ministers", FindingIDs: []string{w.f1}, Version: 1})
		return err
	}))
	if before.Body != "Rec b" || after.Body != "Rec B" || after.Addressee != "Ministers" || after.Version != 2 ||
		len(after.FindingIDs) != 1 || after.Number != 3 {
		t.Fatalf("update: before %+v after %+v", before, after)
	}
	err := w.tx(func(tx pgx.Tx) error {
		_, _, err := recommendation.Update(w.ctx, tx, w.tenant, w.review, ids[1],
			recommendation.Input{Body: "Old", Addressee: "Local areas", Version: 1})
		return err
	})
	var stale *recommendation.StaleError
	if !errors.As(err, &stale) || stale.Current.Body != "Rec B" || !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale update: %v", err)
	}
	w.must(w.tx(func(tx pgx.Tx) error {
		_, err := recommendation.Delete(w.ctx, tx, w.tenant, w.review, ids[2], 1)
		return err
	}))
	rs := w.list()
	if len(rs) != 2 || rs[0].Body != "Rec a" || rs[0].Number != 1 || rs[1].Number != 2 {
		t.Fatalf("after deleting the first: %+v", rs)
	}
	err = w.tx(func(tx pgx.Tx) error { _, err := recommendation.Get(w.ctx, tx, w.tenant, w.other, ids[0]); return err })
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("get through another review: %v", err)
	}
}
