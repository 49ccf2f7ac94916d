package practice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/practice"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// world is a review with two framework groups (the second holding aa1, so report order differs
// from creation order), two visited areas (Northumberland and Sunderland), candidate and
// ordinary notes, a deleted candidate, a concern, and a second review with a candidate note.
type world struct {
	t                       *testing.T
	d                       *dbtest.DB
	ctx                     context.Context
	tenant, user            string
	review, other           string
	aa1, aa2, aaOther       string
	north, sunder           string
	candidate, candidate2   string // Northumberland, tagged aa1; Sunderland, tagged aa2
	plain, deleted, concern string
	otherNote               string
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
	g2 := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'System', 2) RETURNING id`, w.tenant, w.review)
	g1 := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Access', 1) RETURNING id`, w.tenant, w.review)
	w.aa1 = q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Workforce', 1) RETURNING id`, w.tenant, w.review, g2)
	w.aa2 = q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'A welcoming hub', 1) RETURNING id`, w.tenant, w.review, g1)
	src := q(`INSERT INTO evidence_sources (tenant_id, review_id, name, position) VALUES ($1, $2, 'Focus group', 1) RETURNING id`, w.tenant, w.review)
	note := func(review, visit, area, source, key, body string, gp, concern, deleted bool, aa string) string {
		n := q(`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body,
				idempotency_key, good_practice, safeguarding, deleted_at, deleted_by)
			VALUES ($1, $2, $3, $4, $5, $6, '2023-08-01', $7, $8, $9, $10,
				CASE WHEN $11 THEN now() END, CASE WHEN $11 THEN $5::uuid END) RETURNING id`,
			w.tenant, review, visit, area, w.user, source, body, slug+key, gp, concern, deleted)
		if aa != "" {
			q(`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id) VALUES ($1, $2, $3, $4) RETURNING note_id`,
				w.tenant, n, aa, review)
		}
		return n
	}
	w.north = q(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`, w.tenant, w.review)
	w.sunder = q(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`, w.tenant, w.review)
	vn := q(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-01', 2) RETURNING id`, w.tenant, w.review, w.north)
	vs := q(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-08', 2) RETURNING id`, w.tenant, w.review, w.sunder)
	w.candidate = note(w.review, vn, w.north, src, "c1", "A GP had set up a twice-weekly drop-in clinic in the family hub.", true, false, false, w.aa1)
	w.candidate2 = note(w.review, vs, w.sunder, src, "c2", "Play vans took the hub to rural families.", true, false, false, w.aa2)
	w.plain = note(w.review, vn, w.north, src, "p", "Parents found the hub welcoming.", false, false, false, w.aa1)
	w.deleted = note(w.review, vn, w.north, src, "d", "A deleted candidate.", true, false, true, w.aa1)
	w.concern = note(w.review, vn, w.north, src, "s", "A concern.", true, true, false, w.aa1)
	oa := q(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`, w.tenant, w.other)
	ov := q(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-01', 1) RETURNING id`, w.tenant, w.other, oa)
	os := q(`INSERT INTO evidence_sources (tenant_id, review_id, name, position) VALUES ($1, $2, 'Interview', 1) RETURNING id`, w.tenant, w.other)
	og := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Other', 1) RETURNING id`, w.tenant, w.other)
	w.aaOther = q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Other', 1) RETURNING id`, w.tenant, w.other, og)
	w.otherNote = note(w.other, ov, oa, os, "o", "Elsewhere, good practice.", true, false, false, w.aaOther)
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

func (w *world) create(in practice.Input) (string, bool, error) {
	var id string
	var created bool
	err := w.tx(func(tx pgx.Tx) (err error) {
		id, created, err = practice.Create(w.ctx, tx, w.tenant, w.review, w.user, in)
		return err
	})
	return id, created, err
}

func (w *world) list(actionArea string) []practice.Example {
	w.t.Helper()
	var es []practice.Example
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		es, err = practice.List(w.ctx, tx, w.tenant, w.review, actionArea)
		return err
	}))
	return es
}

func fieldError(t *testing.T, err error, field, want string) {
	t.Helper()
	var r *practice.Refused
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a refusal on %s", err, field)
	}
	if got := r.Errors.Get(field); got != want {
		t.Fatalf("refusal on %s = %q, want %q (all: %v)", field, got, want, r.Errors.List())
	}
	if !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("refusal is not a 422: %v", err)
	}
}

func TestCreateFromCandidateTakesTheNotesAreaAndIsIdempotent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "pcreate")
	in := practice.Input{NoteID: w.candidate, AreaID: w.sunder, ActionAreaID: w.aa1, Title: " GP drop-in ",
		Body: "A GP had set up a twice-weekly drop-in clinic.", Key: "k1"}
	id, created, err := w.create(in)
	w.must(err)
	if !created {
		t.Fatal("first create: created = false")
	}
	again, created, err := w.create(in)
	w.must(err)
	if created || again != id {
		t.Fatalf("double submit: id %s created %v, want %s and false", again, created, id)
	}
	var n int
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, w.review).Scan(&n))
	if n != 1 {
		t.Fatalf("%d examples after a double submit, want 1", n)
	}
	es := w.list("")
	if len(es) != 1 {
		t.Fatalf("listed %d examples", len(es))
	}
	e := es[0]
	if e.AreaID != w.north || e.AreaName != "Northumberland" || e.NoteID != w.candidate || e.Title != "GP drop-in" || e.Version != 1 {
		t.Fatalf("example = %+v: want the note's area (Northumberland), its note and the trimmed title", e)
	}
	if got, want := e.Text(), "In one area, a GP had set up a twice-weekly drop-in clinic."; got != want {
		t.Fatalf("Text() = %q, want %q", got, want)
	}
	// Used, the note is no longer a candidate to write up.
	var cs []practice.Candidate
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		cs, err = practice.Candidates(w.ctx, tx, w.tenant, w.review, "")
		return err
	}))
	if len(cs) != 1 || cs[0].NoteID != w.candidate2 {
		t.Fatalf("candidates after use = %+v, want only the Sunderland note", cs)
	}
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "prefuse")
	cases := []struct {
		name       string
		in         practice.Input
		field, msg string
	}{
		{"note of another review", practice.Input{NoteID: w.otherNote, ActionAreaID: w.aa1, Body: "x"}, "note", practice.NoteMessage},
		{"not a candidate", practice.Input{NoteID: w.plain, ActionAreaID: w.aa1, Body: "x"}, "note", practice.NotCandidateMessage},
		{"deleted note", practice.Input{NoteID: w.deleted, ActionAreaID: w.aa1, Body: "x"}, "note", practice.NoteMessage},
		{"safeguarding concern", practice.Input{NoteID: w.concern, ActionAreaID: w.aa1, Body: "x"}, "note", practice.NoteMessage},
		{"made-up note", practice.Input{NoteID: "not-a-uuid", ActionAreaID: w.aa1, Body: "x"}, "note", practice.NoteMessage},
		{"action area of another review", practice.Input{NoteID: w.candidate, ActionAreaID: w.aaOther, Body: "x"}, "action-area", practice.ActionAreaMessage},
		{"no note, area of no review", practice.Input{AreaID: w.aaOther, ActionAreaID: w.aa1, Body: "x"}, "area", practice.AreaMessage},
		{"no note, no area", practice.Input{ActionAreaID: w.aa1, Body: "x"}, "area", "Choose the local area the example comes from"},
		{"empty text", practice.Input{NoteID: w.candidate, ActionAreaID: w.aa1, Body: "  "}, "body", "Enter the example"},
	}
	for i, c := range cases {
		c.in.Key = fmt.Sprintf("refused-%d", i)
		_, _, err := w.create(c.in)
		t.Run(c.name, func(t *testing.T) { fieldError(t, err, c.field, c.msg) })
	}
	var n int
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT count(*) FROM practice_examples`).Scan(&n))
	if n != 0 {
		t.Fatalf("%d examples written by refused creates", n)
	}
	// Without a note, the lead chooses the area.
	_, _, err := w.create(practice.Input{AreaID: w.sunder, ActionAreaID: w.aa2, Body: "One local area’s doula project helped.", Key: "free"})
	w.must(err)
	es := w.list(w.aa2)
	if len(es) != 1 || es[0].AreaID != w.sunder || es[0].NoteID != "" || es[0].Text() != "One local area’s doula project helped." {
		t.Fatalf("example without a note = %+v", es)
	}
}

func TestListInReportOrderAndMove(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "porder")
	mk := func(aa, body, key string) string {
		id, _, err := w.create(practice.Input{AreaID: w.north, ActionAreaID: aa, Body: body, Key: key})
		w.must(err)
		return id
	}
	a := mk(w.aa1, "First in workforce.", "a") // group 2
	b := mk(w.aa1, "Second in workforce.", "b")
	c := mk(w.aa2, "Only in the hub.", "c") // group 1: first in the report
	ids := func(es []practice.Example) string {
		out := []string{}
		for _, e := range es {
			out = append(out, map[string]string{a: "a", b: "b", c: "c"}[e.ID])
		}
		return strings.Join(out, ",")
	}
	if got := ids(w.list("")); got != "c,a,b" {
		t.Fatalf("report order = %s, want c,a,b", got)
	}
	move := func(id string, up bool) (int, int) {
		var from, to int
		w.must(w.tx(func(tx pgx.Tx) (err error) {
			from, to, err = practice.Move(w.ctx, tx, w.tenant, w.review, id, up)
			return err
		}))
		return from, to
	}
	if from, to := move(b, true); from != 2 || to != 1 {
		t.Fatalf("move b up: %d → %d, want 2 → 1", from, to)
	}
	if got := ids(w.list("")); got != "c,b,a" {
		t.Fatalf("after moving b up = %s, want c,b,a", got)
	}
	if from, to := move(b, true); from != 1 || to != 1 {
		t.Fatalf("moving the first up: %d → %d, want no move", from, to)
	}
	if from, to := move(c, false); from != 1 || to != 1 {
		t.Fatalf("moving the only one down: %d → %d, want no move", from, to)
	}
	if got := ids(w.list(w.aa1)); got != "b,a" {
		t.Fatalf("one action area = %s, want b,a", got)
	}
	err := w.tx(func(tx pgx.Tx) error {
		_, _, err := practice.Move(w.ctx, tx, w.tenant, w.other, a, true)
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("moving through another review: %v, want not found", err)
	}
}

func TestUpdateChecksVersionAndDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "pupdate")
	id, _, err := w.create(practice.Input{NoteID: w.candidate, ActionAreaID: w.aa1, Body: "Text one.", Key: "u"})
	w.must(err)
	_, _, err = w.create(practice.Input{AreaID: w.north, ActionAreaID: w.aa2, Body: "Already in the hub.", Key: "u2"})
	w.must(err)
	var before, after practice.Example
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		before, after, err = practice.Update(w.ctx, tx, w.tenant, w.review, id,
			practice.Input{ActionAreaID: w.aa2, AreaID: w.sunder, Title: "T", Body: "Text two.", Version: 1})
		return err
	}))
	if before.Body != "Text one." || after.Body != "Text two." || after.Version != 2 || after.ActionAreaID != w.aa2 {
		t.Fatalf("update: before %+v after %+v", before, after)
	}
	if after.AreaID != w.north {
		t.Fatal("an example written from a note changed its area")
	}
	if after.Position != 2 {
		t.Fatalf("moved to another action area at position %d, want last (2)", after.Position)
	}
	err = w.tx(func(tx pgx.Tx) error {
		_, _, err := practice.Update(w.ctx, tx, w.tenant, w.review, id, practice.Input{Body: "Stale.", Version: 1})
		return err
	})
	var stale *practice.StaleError
	if !errors.As(err, &stale) || stale.Current.Body != "Text two." || !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale update: %v, want a conflict carrying the current text", err)
	}
	err = w.tx(func(tx pgx.Tx) error { _, err := practice.Delete(w.ctx, tx, w.tenant, w.review, id, 1); return err })
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale delete: %v, want a conflict", err)
	}
	w.must(w.tx(func(tx pgx.Tx) error { _, err := practice.Delete(w.ctx, tx, w.tenant, w.review, id, 2); return err }))
	err = w.tx(func(tx pgx.Tx) error { _, err := practice.Get(w.ctx, tx, w.tenant, w.review, id); return err })
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestAreaNameWarning(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "pwarn")
	var names []string
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		names, err = practice.AreaNames(w.ctx, tx, w.tenant, w.review)
		return err
	}))
	if strings.Join(names, ",") != "Northumberland,Sunderland" {
		t.Fatalf("area names = %v", names)
	}
	e := practice.Example{Title: "A clinic", Body: "In SUNDERLAND a GP set up a clinic, unlike northumberland."}
	got := e.Warnings(names)
	want := []string{"This example names Northumberland; the report never names areas",
		"This example names Sunderland; the report never names areas"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("warnings = %q, want %q", got, want)
	}
	if w := (practice.Example{Body: "In one area, a GP set up a clinic."}).Warnings(names); len(w) != 0 {
		t.Fatalf("anonymous example warned: %v", w)
	}
}

func TestReportText(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"A GP had set up a drop-in clinic.":                  "In one area, a GP had set up a drop-in clinic.",
		"In one area, a GP had set up a drop-in clinic.":     "In one area, a GP had set up a drop-in clinic.",
		"In one area we visited, a GP had set up a clinic.":  "In one area we visited, a GP had set up a clinic.",
		"One local area’s doula project ensured support.":    "One local area’s doula project ensured support.",
		"One area displayed QR codes.":                       "One area displayed QR codes.",
		"  GPs ran a clinic.  ":                              "In one area, GPs ran a clinic.",
		"One areawide scheme ran.":                           "In one area, one areawide scheme ran.",
		"Young people with SEND had been invited into hubs.": "In one area, young people with SEND had been invited into hubs.",
	} {
		if got := practice.ReportText(body); got != want {
			t.Errorf("ReportText(%q) = %q, want %q", body, got, want)
		}
	}
}
