package visit_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
	"thematic/internal/visit"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// world is a database with a tenant of its own and its people (not the demo tenant, whose review
// keeps its inspectors busy in August 2023).
type world struct {
	t      *testing.T
	d      *dbtest.DB
	tenant string
	users  map[string]string // email → id
}

var people = map[string]string{
	"lead@visits.test":          "Lee Lead",
	"inspector@visits.test":     "Ira Inspector",
	"cqc.inspector@visits.test": "Cass Carter",
	"observer@visits.test":      "Olu Observer",
	"la.contact@visits.test":    "Lou Contact",
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	w := &world{t: t, d: d, users: map[string]string{}}
	if err := d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&w.tenant); err != nil {
		t.Fatal(err)
	}
	w.must(w.tx(func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, w.tenant, "visit-tests", "Visit Tests Inspectorate"); err != nil {
			return err
		}
		for email, name := range people {
			id, err := user.Create(ctx, tx, email, name, "not-a-password-hash")
			if err != nil {
				return err
			}
			if err := user.AddMember(ctx, tx, w.tenant, id, auth.RoleStaff); err != nil {
				return err
			}
			w.users[email] = id
		}
		return nil
	}))
	return w
}

// tx runs fn in the tenant as the migration owner (RLS applies: it is FORCEd).
func (w *world) tx(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), w.d.Owner, db.Scope{TenantID: w.tenant}, fn)
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// review creates a review led by lead@visits.test with August 2023 as its fieldwork.
func (w *world) review(title string) string {
	w.t.Helper()
	start, end := day(2023, 8, 1), day(2023, 8, 31)
	var id string
	w.must(w.tx(func(tx pgx.Tx) error {
		var err error
		if id, err = review.Create(context.Background(), tx, w.tenant, w.users["lead@visits.test"],
			review.Review{Title: title, FieldworkStart: &start, FieldworkEnd: &end}); err != nil {
			return err
		}
		return review.SeedVocabulary(context.Background(), tx, w.tenant, id, review.StartForLifeVocabulary())
	}))
	return id
}

func (w *world) row(sql string, args ...any) string {
	w.t.Helper()
	var id string
	w.must(w.tx(func(tx pgx.Tx) error { return tx.QueryRow(context.Background(), sql, args...).Scan(&id) }))
	return id
}

func (w *world) area(reviewID, ons string) string {
	return w.row(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3) RETURNING id`, w.tenant, reviewID, ons)
}

func (w *world) member(reviewID, email string, role auth.ReviewRole, areaID string) string {
	var area *string
	if areaID != "" {
		area = &areaID
	}
	return w.row(`INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
		VALUES ($1, $2, $3, $4, $5, 'Ofsted', 'Early Years Inspector') RETURNING id`, w.tenant, reviewID, w.users[email], string(role), area)
}

func (w *world) create(reviewID string, p visit.Plan) (string, error) {
	var id string
	err := w.tx(func(tx pgx.Tx) error {
		var err error
		id, _, err = visit.Create(context.Background(), tx, w.tenant, reviewID, p)
		return err
	})
	return id, err
}

func refused(t *testing.T, err error) *visit.Refused {
	t.Helper()
	var r *visit.Refused
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return r
}

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	w.must(w.d.Super.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestCreateListGetAndForUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.review("Start for Life review")
	sunderland := w.area(r, "E08000024")
	torbay := w.area(r, "E06000027")
	ira := w.member(r, "inspector@visits.test", auth.ReviewInspector, "")
	cass := w.member(r, "cqc.inspector@visits.test", auth.ReviewInspector, "")
	w.member(r, "la.contact@visits.test", auth.ReviewContact, sunderland)
	id, err := w.create(r, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 10), Days: 2, Notes: "Family hub first",
		Team: map[string][]time.Time{ira: {day(2023, 8, 10), day(2023, 8, 11)}, cass: {day(2023, 8, 11)}}})
	w.must(err)
	_, err = w.create(r, visit.Plan{AreaID: torbay, Start: day(2023, 8, 8), Days: 1, Team: map[string][]time.Time{}})
	w.must(err)
	if n := w.count(`SELECT count(*) FROM visit_days WHERE visit_id = $1 AND user_id = $2`, id, w.users["inspector@visits.test"]); n != 2 {
		t.Fatalf("Ira has %d days, want 2 (user_id copied from the membership)", n)
	}
	w.must(w.tx(func(tx pgx.Tx) error {
		all, err := visit.List(ctx, tx, w.tenant, r, "")
		if err != nil {
			return err
		}
		if len(all) != 2 || all[0].AreaName != "Torbay" || all[1].AreaName != "Sunderland" {
			t.Fatalf("list by date: %+v", all)
		}
		v := all[1]
		if v.DateRange() != "10–11 August 2023" || len(v.Team) != 2 || v.Team[0].Name != "Cass Carter" ||
			v.Team[0].DayList() != "11 August 2023" || v.Team[1].DayList() != "10 and 11 August 2023" {
			t.Fatalf("visit %+v", v)
		}
		mine, err := visit.List(ctx, tx, w.tenant, r, sunderland)
		if err != nil || len(mine) != 1 || mine[0].ID != id {
			t.Fatalf("one area's visits: %v %+v", err, mine)
		}
		got, err := visit.Get(ctx, tx, w.tenant, r, id)
		if err != nil || got.Notes != "Family hub first" || got.ReviewTitle != "Start for Life review" {
			t.Fatalf("get: %v %+v", err, got)
		}
		if _, err := visit.Get(ctx, tx, w.tenant, r, "not-a-uuid"); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("forged id: %v", err)
		}
		for email, want := range map[string]int{"inspector@visits.test": 1, "la.contact@visits.test": 1, "observer@visits.test": 0, "lead@visits.test": 0} {
			vs, err := visit.ForUser(ctx, tx, w.tenant, w.users[email])
			if err != nil || len(vs) != want {
				t.Fatalf("visits of %s: %v %d, want %d", email, err, len(vs), want)
			}
		}
		return nil
	}))
}

func TestClashInAnyReviewOfTheTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.review("Review A")
	b := w.review("Review B")
	sunderland := w.area(a, "E08000024")
	durham := w.area(a, "E06000047")
	northumberland := w.area(b, "E06000057")
	iraA := w.member(a, "inspector@visits.test", auth.ReviewInspector, "")
	iraB := w.member(b, "inspector@visits.test", auth.ReviewInspector, "")
	_, err := w.create(a, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 10), Days: 2,
		Team: map[string][]time.Time{iraA: {day(2023, 8, 10), day(2023, 8, 11)}}})
	w.must(err)

	// The same review.
	_, err = w.create(a, visit.Plan{AreaID: durham, Start: day(2023, 8, 9), Days: 2,
		Team: map[string][]time.Time{iraA: {day(2023, 8, 9), day(2023, 8, 10)}}})
	if got, want := refused(t, err).Errors.Get(visit.TeamField(iraA)),
		"Ira Inspector is on site at Sunderland (visit 10–11 August 2023) on 10 August 2023"; got != want {
		t.Fatalf("clash message %q, want %q", got, want)
	}
	// Another review of the tenant.
	_, err = w.create(b, visit.Plan{AreaID: northumberland, Start: day(2023, 8, 10), Days: 2,
		Team: map[string][]time.Time{iraB: {day(2023, 8, 10), day(2023, 8, 11)}}})
	if got, want := refused(t, err).Errors.Get(visit.TeamField(iraB)),
		"Ira Inspector is on site at Sunderland for Review A (visit 10–11 August 2023) on 10 and 11 August 2023"; got != want {
		t.Fatalf("clash message %q, want %q", got, want)
	}
	if n := w.count(`SELECT count(*) FROM visits WHERE review_id = $1`, b); n != 0 {
		t.Fatalf("a refused visit was written")
	}
	// The other days are free.
	_, err = w.create(b, visit.Plan{AreaID: northumberland, Start: day(2023, 8, 12), Days: 1,
		Team: map[string][]time.Time{iraB: {day(2023, 8, 12)}}})
	w.must(err)
}

func TestFieldworkWindowAndAreaChecks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.review("Review")
	other := w.review("Other review")
	sunderland := w.area(r, "E08000024")
	otherArea := w.area(other, "E06000027")
	observer := w.member(r, "observer@visits.test", auth.ReviewObserver, "")
	contact := w.member(r, "la.contact@visits.test", auth.ReviewContact, sunderland)
	outsider := w.member(other, "inspector@visits.test", auth.ReviewInspector, "")
	for _, c := range []struct {
		name         string
		p            visit.Plan
		field, error string
	}{
		{"ends after fieldwork", visit.Plan{AreaID: sunderland, Start: day(2023, 8, 31), Days: 3}, "days",
			"The visit ends on 2 September 2023, after fieldwork ends on 31 August 2023"},
		{"starts before fieldwork", visit.Plan{AreaID: sunderland, Start: day(2023, 7, 31), Days: 2}, "start-day",
			"The visit starts on 31 July 2023, before fieldwork starts on 1 August 2023"},
		{"wholly after fieldwork", visit.Plan{AreaID: sunderland, Start: day(2023, 9, 4), Days: 1}, "start-day",
			"The visit ends on 4 September 2023, after fieldwork ends on 31 August 2023"},
		{"area of another review", visit.Plan{AreaID: otherArea, Start: day(2023, 8, 8), Days: 1}, "area", "Select an area of this review"},
		{"forged area", visit.Plan{AreaID: "x", Start: day(2023, 8, 8), Days: 1}, "area", "Select an area of this review"},
		{"observer on the team", visit.Plan{AreaID: sunderland, Start: day(2023, 8, 8), Days: 1,
			Team: map[string][]time.Time{observer: {day(2023, 8, 8)}}}, "team",
			"Olu Observer is an observer of this review: only leads and inspectors can be on a visit team"},
		{"contact on the team", visit.Plan{AreaID: sunderland, Start: day(2023, 8, 8), Days: 1,
			Team: map[string][]time.Time{contact: {day(2023, 8, 8)}}}, "team",
			"Lou Contact is a local authority contact of this review: only leads and inspectors can be on a visit team"},
		{"member of another review", visit.Plan{AreaID: sunderland, Start: day(2023, 8, 8), Days: 1,
			Team: map[string][]time.Time{outsider: {day(2023, 8, 8)}}}, "team", "Choose people who are leads or inspectors of this review"},
	} {
		_, err := w.create(r, c.p)
		if got := refused(t, err).Errors.Get(c.field); got != c.error {
			t.Errorf("%s: %s = %q, want %q", c.name, c.field, got, c.error)
		}
	}
	if n := w.count(`SELECT count(*) FROM visits`); n != 0 {
		t.Fatalf("%d visits written", n)
	}
	// Two visits to one area cannot overlap.
	_, err := w.create(r, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 8), Days: 2})
	w.must(err)
	_, err = w.create(r, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 9), Days: 1})
	if got := refused(t, err).Errors.Get("start-day"); got != "Sunderland already has a visit on 8–9 August 2023" {
		t.Fatalf("overlap: %q", got)
	}
}

func TestCreateTwiceIsOneVisit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.review("Review")
	area := w.area(r, "E08000024")
	ira := w.member(r, "inspector@visits.test", auth.ReviewInspector, "")
	p := visit.Plan{AreaID: area, Start: day(2023, 8, 8), Days: 2, Team: map[string][]time.Time{ira: {day(2023, 8, 8)}}}
	first, err := w.create(r, p)
	w.must(err)
	var second string
	var dup bool
	w.must(w.tx(func(tx pgx.Tx) error {
		var err error
		second, dup, err = visit.Create(context.Background(), tx, w.tenant, r, p)
		return err
	}))
	if second != first || !dup {
		t.Fatalf("second create: %s dup=%v, want %s", second, dup, first)
	}
	if n := w.count(`SELECT count(*) FROM visits`); n != 1 {
		t.Fatalf("%d visits", n)
	}
}

// Two leads schedule the same person on the same day at the same moment, in two reviews: both
// checks pass, and the unique key refuses the second insert, which gets the clash message.
func TestConcurrentSchedulingHitsTheUniqueKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	a := w.review("Review A")
	b := w.review("Review B")
	areaA := w.area(a, "E08000024")
	areaB := w.area(b, "E06000057")
	iraA := w.member(a, "inspector@visits.test", auth.ReviewInspector, "")
	iraB := w.member(b, "inspector@visits.test", auth.ReviewInspector, "")

	tx1, err := w.d.Owner.Begin(ctx)
	w.must(err)
	defer func() { _ = tx1.Rollback(ctx) }()
	_, err = tx1.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, w.tenant)
	w.must(err)
	_, _, err = visit.Create(ctx, tx1, w.tenant, a, visit.Plan{AreaID: areaA, Start: day(2023, 8, 10), Days: 1,
		Team: map[string][]time.Time{iraA: {day(2023, 8, 10)}}})
	w.must(err)

	done := make(chan error, 1)
	go func() {
		_, err := w.create(b, visit.Plan{AreaID: areaB, Start: day(2023, 8, 10), Days: 1,
			Team: map[string][]time.Time{iraB: {day(2023, 8, 10)}}})
		done <- err
	}()
	// Wait until the second transaction is blocked on the first one's uncommitted row.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var waiting int
		w.must(w.d.Super.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO visit_days%'`).Scan(&waiting))
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("second insert finished before the first committed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("second insert never waited on the unique key")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.must(tx1.Commit(ctx))
	err = <-done
	if got, want := refused(t, err).Errors.Get(visit.TeamField(iraB)),
		"Ira Inspector is on site at Sunderland for Review A (visit 10 August 2023) on 10 August 2023"; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	if n := w.count(`SELECT count(*) FROM visits WHERE review_id = $1`, b); n != 0 {
		t.Fatal("the refused visit was kept")
	}
}

func TestUpdateAndDeleteCheckTheVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.review("Review")
	area := w.area(r, "E08000024")
	ira := w.member(r, "inspector@visits.test", auth.ReviewInspector, "")
	cass := w.member(r, "cqc.inspector@visits.test", auth.ReviewInspector, "")
	id, err := w.create(r, visit.Plan{AreaID: area, Start: day(2023, 8, 8), Days: 2, Team: map[string][]time.Time{ira: {day(2023, 8, 8)}}})
	w.must(err)
	p := visit.Plan{AreaID: area, Start: day(2023, 8, 9), Days: 2,
		Team: map[string][]time.Time{ira: {day(2023, 8, 9), day(2023, 8, 10)}, cass: {day(2023, 8, 10)}}}
	w.must(w.tx(func(tx pgx.Tx) error {
		before, changed, err := visit.Update(ctx, tx, w.tenant, r, id, 1, p)
		if err != nil || !changed || !before.Start.Equal(day(2023, 8, 8)) {
			t.Fatalf("update: %v %v %+v", err, changed, before)
		}
		return nil
	}))
	// Its own old days do not clash with it: moving by a day within itself worked above.
	if n := w.count(`SELECT count(*) FROM visit_days WHERE visit_id = $1`, id); n != 3 {
		t.Fatalf("%d team days after update", n)
	}
	// The same form again finds it done; another change from the old page is stale.
	w.must(w.tx(func(tx pgx.Tx) error {
		_, changed, err := visit.Update(ctx, tx, w.tenant, r, id, 1, p)
		if err != nil || changed {
			t.Fatalf("repeat: %v %v", err, changed)
		}
		return nil
	}))
	err = w.tx(func(tx pgx.Tx) error {
		_, _, err := visit.Update(ctx, tx, w.tenant, r, id, 1, visit.Plan{AreaID: area, Start: day(2023, 8, 20), Days: 1})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale update: %v", err)
	}
	err = w.tx(func(tx pgx.Tx) error { _, err := visit.Delete(ctx, tx, w.tenant, r, id, 1); return err })
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	w.must(w.tx(func(tx pgx.Tx) error { _, err := visit.Delete(ctx, tx, w.tenant, r, id, 2); return err }))
	if n := w.count(`SELECT count(*) FROM visit_days`); n != 0 {
		t.Fatalf("%d team days left after delete", n)
	}
	err = w.tx(func(tx pgx.Tx) error { _, err := visit.Delete(ctx, tx, w.tenant, r, id, 2); return err })
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("delete again: %v", err)
	}
}

func TestCalendarFeedOwner(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	user := w.users["inspector@visits.test"]
	_, hash := auth.NewToken()
	w.must(w.tx(func(tx pgx.Tx) error {
		replaced, err := visit.SaveFeed(ctx, tx, w.tenant, user, hash)
		if err != nil || replaced {
			t.Fatalf("save: %v %v", err, replaced)
		}
		return nil
	}))
	// The server's role finds the owner before any tenant is known.
	w.must(db.InTx(ctx, w.d.App, db.Scope{}, func(tx pgx.Tx) error {
		tenant, u, err := visit.FeedOwner(ctx, tx, hash)
		if err != nil || tenant != w.tenant || u != user {
			t.Fatalf("owner: %v %s %s", err, tenant, u)
		}
		if _, _, err := visit.FeedOwner(ctx, tx, auth.HashToken("other")); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		return nil
	}))
	_, hash2 := auth.NewToken()
	w.must(w.tx(func(tx pgx.Tx) error {
		replaced, err := visit.SaveFeed(ctx, tx, w.tenant, user, hash2)
		if err != nil || !replaced {
			t.Fatalf("replace: %v %v", err, replaced)
		}
		return nil
	}))
	w.must(db.InTx(ctx, w.d.App, db.Scope{}, func(tx pgx.Tx) error {
		if _, _, err := visit.FeedOwner(ctx, tx, hash); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("replaced token still works: %v", err)
		}
		return nil
	}))
}

func TestVisitWithNoStartAndPerVisitPlaces(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.review("Review")
	sunderland := w.area(r, "E08000024")
	ira := w.member(r, "inspector@visits.test", auth.ReviewInspector, "")
	cass := w.member(r, "cqc.inspector@visits.test", auth.ReviewInspector, "")

	// No start: a team with their places on this visit, and no days.
	id, err := w.create(r, visit.Plan{AreaID: sunderland, Days: 2, Members: map[string]visit.Place{
		ira:  {JobTitle: "Senior His Majesty's Inspector", Inspectorate: "CQC"},
		cass: {}}})
	w.must(err)
	if n := w.count(`SELECT count(*) FROM visits WHERE id = $1 AND start_date IS NULL`, id); n != 1 {
		t.Fatalf("start stored: %d visits with no start", n)
	}
	// A second visit with no start to the same area does not clash with the first.
	_, err = w.create(r, visit.Plan{AreaID: sunderland, Days: 1})
	w.must(err)
	w.must(w.tx(func(tx pgx.Tx) error {
		v, err := visit.Get(ctx, tx, w.tenant, r, id)
		if err != nil {
			return err
		}
		if v.HasStart() || v.DateRange() != visit.NotFixed || len(v.Team) != 2 {
			t.Fatalf("visit %+v", v)
		}
		c, i := v.Team[0], v.Team[1]
		if i.Name != "Ira Inspector" || i.About() != "CQC, Senior His Majesty's Inspector" || !i.OwnValues() ||
			i.VisitJobTitle != "Senior His Majesty's Inspector" || len(i.Days) != 0 {
			t.Fatalf("Ira on the visit: %+v", i)
		}
		if c.About() != "Ofsted, Early Years Inspector" || c.OwnValues() {
			t.Fatalf("Cass as on the People page: %+v", c)
		}
		all, err := visit.List(ctx, tx, w.tenant, r, "")
		if err != nil || len(all) != 2 || !reflect.DeepEqual(all[0].Team, v.Team) && !reflect.DeepEqual(all[1].Team, v.Team) {
			t.Fatalf("list: %v %+v", err, all)
		}
		mine, err := visit.ForUser(ctx, tx, w.tenant, w.users["inspector@visits.test"])
		if err != nil || len(mine) != 1 || mine[0].ID != id {
			t.Fatalf("Ira's visits: %v %+v", err, mine)
		}
		// The form shows it as it is, and sent back unchanged it is the same plan.
		p, errs := visit.FormOf(v).Validate()
		if errs.Any() || p.Members[ira].JobTitle != "Senior His Majesty's Inspector" || len(p.OnTeam()) != 2 {
			t.Fatalf("form of the visit: %+v %v", p, errs.List())
		}
		return nil
	}))

	// A value not on the review's lists is refused.
	_, err = w.create(r, visit.Plan{AreaID: sunderland, Days: 1, Members: map[string]visit.Place{ira: {JobTitle: "Chief"}}})
	if got := refused(t, err).Errors.Get(visit.RoleField(ira)); got != "Select a team role from the review’s list for Ira Inspector" {
		t.Fatalf("unknown role: %q", got)
	}

	// The start becomes known: the days can be chosen, and the places stay.
	var before int
	w.must(w.tx(func(tx pgx.Tx) error {
		v, err := visit.Get(ctx, tx, w.tenant, r, id)
		before = v.Version
		return err
	}))
	w.must(w.tx(func(tx pgx.Tx) error {
		_, _, err := visit.Update(ctx, tx, w.tenant, r, id, before, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 8), Days: 2,
			Team:    map[string][]time.Time{ira: {day(2023, 8, 8)}},
			Members: map[string]visit.Place{ira: {JobTitle: "Senior His Majesty's Inspector"}}})
		return err
	}))
	if n := w.count(`SELECT count(*) FROM visit_members WHERE visit_id = $1`, id); n != 1 {
		t.Fatalf("%d people on the team, want Ira alone", n)
	}
	if n := w.count(`SELECT count(*) FROM visit_members WHERE visit_id = $1 AND job_title = 'Senior His Majesty''s Inspector'
		AND inspectorate IS NULL`, id); n != 1 {
		t.Fatalf("Ira's place not saved")
	}
	// Renaming a list value renames it on the visit.
	w.must(w.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE review_team_roles SET name = 'Senior HMI' WHERE review_id = $1
			AND name = 'Senior His Majesty''s Inspector'`, r)
		return err
	}))
	if n := w.count(`SELECT count(*) FROM visit_members WHERE visit_id = $1 AND job_title = 'Senior HMI'`, id); n != 1 {
		t.Fatalf("rename did not reach the visit")
	}
}
