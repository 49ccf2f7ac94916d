package finding_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/finding"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// world is a review with two action areas, four areas (three visited, one visit still to
// come) and notes in each visited area.
type world struct {
	t                  *testing.T
	d                  *dbtest.DB
	ctx                context.Context
	tenant, user       string
	review, other      string // other is a second review of the tenant
	aa1, aa2           string
	areas              []string // the three visited areas
	notes              map[string]string
	otherNote          string
	futureArea, source string
}

func newWorld(t *testing.T, slug string) *world {
	t.Helper()
	w := &world{t: t, d: dbtest.New(t), ctx: context.Background(), notes: map[string]string{}}
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
	g := q(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Access', 1) RETURNING id`, w.tenant, w.review)
	w.aa1 = q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'Seamless support', 1) RETURNING id`, w.tenant, w.review, g)
	w.aa2 = q(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, position) VALUES ($1, $2, $3, 'A welcoming hub', 2) RETURNING id`, w.tenant, w.review, g)
	w.source = q(`INSERT INTO evidence_sources (tenant_id, review_id, name, position) VALUES ($1, $2, 'Focus group', 1) RETURNING id`, w.tenant, w.review)
	for i, code := range []string{"E06000057", "E08000024", "E06000047", "E06000010"} {
		a := q(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3) RETURNING id`, w.tenant, w.review, code)
		start := "2023-08-01"
		if i == 3 {
			start = "2099-01-01"
			w.futureArea = a
		} else {
			w.areas = append(w.areas, a)
		}
		v := q(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, $4, 2) RETURNING id`, w.tenant, w.review, a, start)
		if i == 3 {
			continue
		}
		for j := 0; j < 2; j++ {
			key := fmt.Sprintf("a%dn%d", i, j)
			n := q(`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body, idempotency_key)
				VALUES ($1, $2, $3, $4, $5, $6, '2023-08-01', $7, $8) RETURNING id`, w.tenant, w.review, v, a, w.user, w.source, "Note "+key, slug+key)
			q(`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id) VALUES ($1, $2, $3, $4) RETURNING note_id`, w.tenant, n, w.aa1, w.review)
			w.notes[key] = n
		}
	}
	oa := q(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`, w.tenant, w.other)
	ov := q(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-01', 1) RETURNING id`, w.tenant, w.other, oa)
	os := q(`INSERT INTO evidence_sources (tenant_id, review_id, name, position) VALUES ($1, $2, 'Interview', 1) RETURNING id`, w.tenant, w.other)
	w.otherNote = q(`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, '2023-08-01', 'Elsewhere', $7) RETURNING id`, w.tenant, w.other, ov, oa, w.user, os, slug+"other")
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

func (w *world) create(body, key string) string {
	w.t.Helper()
	var id string
	w.must(w.tx(func(tx pgx.Tx) error {
		var err error
		id, _, err = finding.Create(w.ctx, tx, w.tenant, w.review, w.user, finding.Input{ActionAreaID: w.aa1, Body: body, Style: finding.StyleWord, Key: key})
		return err
	}))
	return id
}

func (w *world) get(id string) finding.Finding {
	w.t.Helper()
	var f finding.Finding
	w.must(w.tx(func(tx pgx.Tx) (err error) { f, err = finding.Get(w.ctx, tx, w.tenant, w.review, id); return err }))
	return f
}

func (w *world) link(id, stance string, keys ...string) error {
	ids := []string{}
	for _, k := range keys {
		if n, ok := w.notes[k]; ok {
			ids = append(ids, n)
		} else {
			ids = append(ids, k)
		}
	}
	return w.tx(func(tx pgx.Tx) error { return finding.Link(w.ctx, tx, w.tenant, w.review, id, stance, ids) })
}

func TestFindingPrevalenceFollowsTheEvidence(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "prev")
	id := w.create("Parents valued the feeding groups.", "k1")
	f := w.get(id)
	if f.Visited != 3 || f.Areas != 0 || !f.Unsupported() || f.Phrase() != "" {
		t.Fatalf("new finding: visited %d areas %d phrase %q", f.Visited, f.Areas, f.Phrase())
	}
	// Two notes from one area count once.
	w.must(w.link(id, finding.Supports, "a0n0", "a0n1"))
	if f = w.get(id); f.Areas != 1 || f.Phrase() != "one area" || f.Supporting != 2 {
		t.Fatalf("one area: %+v %q", f, f.Phrase())
	}
	w.must(w.link(id, finding.Supports, "a1n0", "a2n0"))
	f = w.get(id)
	if f.Areas != 3 || f.Word() != "all" || f.Text() != "In all areas we visited, parents valued the feeding groups." {
		t.Fatalf("all areas: %d %q %q", f.Areas, f.Word(), f.Text())
	}
	if !f.Stale() {
		t.Error("linking notes after saving should flag the finding until the lead confirms")
	}
	w.must(w.tx(func(tx pgx.Tx) error {
		_, err := finding.Confirm(w.ctx, tx, w.tenant, w.review, id, f.Version)
		return err
	}))
	if f = w.get(id); f.Stale() {
		t.Fatal("confirmed finding still flagged")
	}
	// A contradicting note does not count; an untagged note drops out and flags the finding.
	w.must(w.link(id, finding.Contradicts, "a1n1"))
	if _, err := w.d.Super.Exec(w.ctx, `DELETE FROM evidence_note_action_areas WHERE note_id = $1`, w.notes["a2n0"]); err != nil {
		t.Fatal(err)
	}
	f = w.get(id)
	if f.Areas != 2 || f.Contradicting != 1 || f.Word() != "the majority of" || !f.Stale() {
		t.Fatalf("after untagging: areas %d contra %d word %q stale %v", f.Areas, f.Contradicting, f.Word(), f.Stale())
	}
	// A deleted note and a safeguarding concern do not count either.
	if _, err := w.d.Super.Exec(w.ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = $2 WHERE id = $1`, w.notes["a1n0"], w.user); err != nil {
		t.Fatal(err)
	}
	if f = w.get(id); f.Areas != 1 {
		t.Fatalf("after deleting: areas %d", f.Areas)
	}
	// The count style and an override with its reason.
	w.must(w.tx(func(tx pgx.Tx) error {
		_, _, err := finding.Update(w.ctx, tx, w.tenant, w.review, id, finding.Input{Body: f.Body, Style: finding.StyleCount, Version: f.Version})
		return err
	}))
	if f = w.get(id); f.Phrase() != "1 of the 3 areas" || f.Stale() {
		t.Fatalf("count style: %q stale %v", f.Phrase(), f.Stale())
	}
}

func TestFindingLinksRefuseOtherReviewsNotes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "refuse")
	id := w.create("Hubs were welcoming.", "k1")
	for _, bad := range [][]string{{w.otherNote}, {"not-a-uuid"}, {"a0n0", w.otherNote}} {
		err := w.link(id, finding.Supports, bad...)
		var r *finding.Refused
		if !errors.As(err, &r) || r.Errors.Get("notes") != finding.NoteMessage {
			t.Errorf("link %v: %v", bad, err)
		}
	}
	var n int
	if err := w.d.Super.QueryRow(w.ctx, `SELECT count(*) FROM finding_notes`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("links stored after refusals: %d %v", n, err)
	}
	// Another review's finding is not found from this review.
	err := w.tx(func(tx pgx.Tx) error { _, err := finding.Get(w.ctx, tx, w.tenant, w.other, id); return err })
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("finding read through another review: %v", err)
	}
}

func TestFindingCreateIsIdempotentAndEditsAreVersioned(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "idem")
	var wg sync.WaitGroup
	ids := make([]string, 5)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = w.create("Staff were skilled.", "same-key")
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("double submission made two findings: %v", ids)
		}
	}
	f := w.get(ids[0])
	w.must(w.tx(func(tx pgx.Tx) error {
		_, _, err := finding.Update(w.ctx, tx, w.tenant, w.review, f.ID, finding.Input{Body: "Staff were highly skilled.", Version: f.Version})
		return err
	}))
	err := w.tx(func(tx pgx.Tx) error {
		_, _, err := finding.Update(w.ctx, tx, w.tenant, w.review, f.ID, finding.Input{Body: "Lost words", Version: f.Version})
		return err
	})
	var stale *finding.StaleError
	if !errors.As(err, &stale) || stale.Current.Body != "Staff were highly skilled." || !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale edit: %v", err)
	}
}

func TestFindingOrderAndMove(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "order")
	a, b, c := w.create("A", "ka"), w.create("B", "kb"), w.create("C", "kc")
	list := func() string {
		var fs []finding.Finding
		w.must(w.tx(func(tx pgx.Tx) (err error) { fs, err = finding.List(w.ctx, tx, w.tenant, w.review, w.aa1); return err }))
		s := ""
		for _, f := range fs {
			s += f.Body
		}
		return s
	}
	if got := list(); got != "ABC" {
		t.Fatalf("order %q", got)
	}
	w.must(w.tx(func(tx pgx.Tx) error { return finding.Move(w.ctx, tx, w.tenant, w.review, c, -1) }))
	w.must(w.tx(func(tx pgx.Tx) error { return finding.Move(w.ctx, tx, w.tenant, w.review, a, -1) })) // already first
	if got := list(); got != "ACB" {
		t.Fatalf("after moves %q", got)
	}
	fb := w.get(b)
	w.must(w.tx(func(tx pgx.Tx) error {
		_, err := finding.Delete(w.ctx, tx, w.tenant, w.review, b, fb.Version)
		return err
	}))
	if got := list(); got != "AC" {
		t.Fatalf("after delete %q", got)
	}
}

func TestScaleIsSeededOnceAndEditable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "scale")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.must(w.tx(func(tx pgx.Tx) error { _, err := finding.LoadScale(w.ctx, tx, w.tenant, w.review); return err }))
		}()
	}
	wg.Wait()
	var s finding.Scale
	w.must(w.tx(func(tx pgx.Tx) (err error) { s, err = finding.LoadScale(w.ctx, tx, w.tenant, w.review); return err }))
	if len(s) != len(finding.DefaultBands) {
		t.Fatalf("scale has %d bands after concurrent first reads", len(s))
	}
	edit := []finding.Band{}
	for _, b := range s {
		if b.Label == "some" {
			b.Label = "a few"
			edit = append(edit, b)
		}
	}
	w.must(w.tx(func(tx pgx.Tx) error { _, err := finding.SaveScale(w.ctx, tx, w.tenant, w.review, edit); return err }))
	id := w.create("Dads felt welcome.", "kd")
	w.must(w.link(id, finding.Supports, "a0n0", "a1n0"))
	if f := w.get(id); f.Word() != "the majority of" {
		t.Fatalf("2 of 3 is %q", f.Word())
	}
	// 2 of 3 is 66%: "the majority of". Make majority start at 70% so "a few" applies.
	w.must(w.tx(func(tx pgx.Tx) (err error) { s, err = finding.LoadScale(w.ctx, tx, w.tenant, w.review); return err }))
	for _, b := range s {
		if b.Label == "the majority of" {
			b.MinPercent = 70
			w.must(w.tx(func(tx pgx.Tx) error {
				_, err := finding.SaveScale(w.ctx, tx, w.tenant, w.review, []finding.Band{b})
				return err
			}))
		}
	}
	if f := w.get(id); f.Word() != "a few" {
		t.Fatalf("after editing the scale 2 of 3 is %q", f.Word())
	}
	// A stale band edit is a conflict; an edit that breaks the scale is refused.
	err := w.tx(func(tx pgx.Tx) error { _, err := finding.SaveScale(w.ctx, tx, w.tenant, w.review, edit); return err })
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale band edit: %v", err)
	}
}

// TestFirstLinksAreNotEvidenceChanged: a finding's first supporting links set the areas the lead
// sees, so it is not flagged straight away; links added after them and a note unlinked flag it as
// they always did, and so do links to a finding that had supporting evidence once.
func TestFirstLinksAreNotEvidenceChanged(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "first")
	unlink := func(id, key string) {
		t.Helper()
		w.must(w.tx(func(tx pgx.Tx) error {
			_, err := finding.Unlink(w.ctx, tx, w.tenant, w.review, id, w.notes[key])
			return err
		}))
	}
	// A note cutting against it first: still no supporting evidence, so the first supporting
	// links that follow are its first.
	id := w.create("Parents valued the feeding groups.", "k1")
	w.must(w.link(id, finding.Contradicts, "a2n1"))
	w.must(w.link(id, finding.Supports, "a0n0", "a1n0"))
	if f := w.get(id); f.Areas != 2 || f.ConfirmedAreas != 2 || f.Stale() || f.Flagged() {
		t.Fatalf("after its first links: areas %d confirmed %d stale %v", f.Areas, f.ConfirmedAreas, f.Stale())
	}
	w.must(w.link(id, finding.Supports, "a2n0"))
	if f := w.get(id); f.Areas != 3 || f.ConfirmedAreas != 2 || !f.Stale() {
		t.Fatalf("after further links: areas %d confirmed %d stale %v", f.Areas, f.ConfirmedAreas, f.Stale())
	}

	// Unlinking after the first links flags it too, even down to no evidence; linking again
	// after that is not a first link: the finding had evidence once.
	id2 := w.create("Hubs were welcoming.", "k2")
	w.must(w.link(id2, finding.Supports, "a0n0"))
	unlink(id2, "a0n0")
	if f := w.get(id2); f.Areas != 0 || f.ConfirmedAreas != 1 || !f.Stale() {
		t.Fatalf("after unlinking: areas %d confirmed %d stale %v", f.Areas, f.ConfirmedAreas, f.Stale())
	}
	w.must(w.link(id2, finding.Supports, "a1n0", "a2n0"))
	if f := w.get(id2); f.Areas != 2 || f.ConfirmedAreas != 1 || !f.Stale() {
		t.Fatalf("relinked: areas %d confirmed %d stale %v", f.Areas, f.ConfirmedAreas, f.Stale())
	}
}

// TestFindingThatSaysHowWidespreadItIs: the scale the finding is read with recognises its own
// quantifier, including words the lead gave the scale, and the report prints it as typed.
func TestFindingThatSaysHowWidespreadItIs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "own")
	id := w.create("In most areas, adult services were stretched.", "k1")
	w.must(w.link(id, finding.Supports, "a0n0", "a1n0", "a2n0"))
	f := w.get(id)
	if !f.OwnQuantifier() || f.Text() != "In most areas, adult services were stretched." || f.Opening() != "in all areas we visited" {
		t.Fatalf("own quantifier %v, text %q, opening %q", f.OwnQuantifier(), f.Text(), f.Opening())
	}
	// A word of this review's scale only.
	var s finding.Scale
	w.must(w.tx(func(tx pgx.Tx) (err error) { s, err = finding.LoadScale(w.ctx, tx, w.tenant, w.review); return err }))
	for _, b := range s {
		if b.Label == "some" {
			b.Label = "a handful of"
			w.must(w.tx(func(tx pgx.Tx) error {
				_, err := finding.SaveScale(w.ctx, tx, w.tenant, w.review, []finding.Band{b})
				return err
			}))
		}
	}
	id2 := w.create("In a handful of areas, hubs closed early.", "k2")
	w.must(w.link(id2, finding.Supports, "a0n0", "a1n0", "a2n0"))
	if f := w.get(id2); !f.OwnQuantifier() || f.Text() != f.Body {
		t.Fatalf("the review's own word: %v %q", f.OwnQuantifier(), f.Text())
	}
	id3 := w.create("Adult services were stretched.", "k3")
	w.must(w.link(id3, finding.Supports, "a0n0", "a1n0", "a2n0"))
	if f := w.get(id3); f.OwnQuantifier() || f.Text() != "In all areas we visited, adult services were stretched." {
		t.Fatalf("a plain finding: %v %q", f.OwnQuantifier(), f.Text())
	}
}

// An area whose visit has no start yet counts as visited once a live note that is not a
// safeguarding concern is recorded on the visit; before that, it does not.
func TestVisitedWithAVisitWhoseStartIsUnknown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "nostart")
	visited := func() int {
		t.Helper()
		var n int
		w.must(w.tx(func(tx pgx.Tx) (err error) { n, err = finding.Visited(w.ctx, tx, w.tenant, w.review); return err }))
		return n
	}
	var area, visit, note string
	if err := w.d.Super.QueryRow(w.ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000027')
		RETURNING id`, w.tenant, w.review).Scan(&area); err != nil {
		t.Fatal(err)
	}
	if err := w.d.Super.QueryRow(w.ctx, `INSERT INTO visits (tenant_id, review_id, area_id, days) VALUES ($1, $2, $3, 2)
		RETURNING id`, w.tenant, w.review, area).Scan(&visit); err != nil {
		t.Fatal(err)
	}
	if n := visited(); n != 3 {
		t.Fatalf("a visit with no start and no notes: %d visited, want 3", n)
	}
	if err := w.d.Super.QueryRow(w.ctx, `INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id,
			note_date, body, idempotency_key, safeguarding)
		VALUES ($1, $2, $3, $4, $5, $6, '2023-08-01', 'A concern', 'nostart-concern', true) RETURNING id`,
		w.tenant, w.review, visit, area, w.user, w.source).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if n := visited(); n != 3 {
		t.Fatalf("a safeguarding concern made the area visited: %d", n)
	}
	if _, err := w.d.Super.Exec(w.ctx, `UPDATE evidence_notes SET safeguarding = false WHERE id = $1`, note); err != nil {
		t.Fatal(err)
	}
	if n := visited(); n != 4 {
		t.Fatalf("a live note on the visit: %d visited, want 4", n)
	}
	// The finding's "all areas" follows.
	id := w.create("Parents valued the hubs.", "nostart-k1")
	if f := w.get(id); f.Visited != 4 {
		t.Fatalf("finding's visited areas %d", f.Visited)
	}
	if _, err := w.d.Super.Exec(w.ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE id = $1`, note); err != nil {
		t.Fatal(err)
	}
	if n := visited(); n != 3 {
		t.Fatalf("a deleted note still makes the area visited: %d", n)
	}
}
