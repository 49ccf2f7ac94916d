package review_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
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
)

// detWorld is a fresh database with one tenant and two of its users.
type detWorld struct {
	t               *testing.T
	d               *dbtest.DB
	tenantID        string
	leadID, otherID string
	ctx             context.Context
}

func detNew(t *testing.T) *detWorld {
	t.Helper()
	w := &detWorld{t: t, d: dbtest.New(t), ctx: context.Background()}
	w.tenantID, w.leadID, w.otherID = w.tenant("det-a")
	return w
}

// tenant makes a tenant with two staff members and returns their ids.
func (w *detWorld) tenant(slug string) (tenantID, a, b string) {
	w.t.Helper()
	if err := w.d.Super.QueryRow(w.ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantID); err != nil {
		w.t.Fatal(err)
	}
	err := db.InTx(w.ctx, w.d.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		if err := tenant.Create(w.ctx, tx, tenantID, slug, "Tenant "+slug); err != nil {
			return err
		}
		var err error
		if a, err = user.Create(w.ctx, tx, "a@"+slug+".test", "A "+slug, "x"); err != nil {
			return err
		}
		if b, err = user.Create(w.ctx, tx, "b@"+slug+".test", "B "+slug, "x"); err != nil {
			return err
		}
		if err := user.AddMember(w.ctx, tx, tenantID, a, auth.RoleStaff); err != nil {
			return err
		}
		return user.AddMember(w.ctx, tx, tenantID, b, auth.RoleStaff)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return tenantID, a, b
}

// tx runs fn as the application role in the tenant.
func (w *detWorld) tx(tenantID string, fn func(tx pgx.Tx) error) error {
	return db.InTx(w.ctx, w.d.App, db.Scope{TenantID: tenantID}, fn)
}

func (w *detWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// create makes a review led by userID.
func (w *detWorld) create(tenantID, userID, title string) string {
	w.t.Helper()
	var id string
	w.must(w.tx(tenantID, func(tx pgx.Tx) error {
		var err error
		id, err = review.Create(w.ctx, tx, tenantID, userID, review.Review{Title: title})
		return err
	}))
	return id
}

func TestUpdateChecksVersion(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "First title")
	start := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	var after review.Review
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		var err error
		_, after, err = review.Update(w.ctx, tx, w.tenantID, id, 1, review.Review{Title: "Second title", FieldworkStart: &start})
		return err
	}))
	if after.Title != "Second title" || after.Version != 2 || after.FieldworkStart == nil || !after.FieldworkStart.Equal(start) {
		t.Fatalf("after update: %+v", after)
	}
	// The same version again is stale.
	err := w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, _, err := review.Update(w.ctx, tx, w.tenantID, id, 1, review.Review{Title: "Third title"})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale update: %v, want a conflict", err)
	}
	// Another tenant cannot reach it.
	other, _, _ := w.tenant("det-b")
	err = w.tx(other, func(tx pgx.Tx) error {
		_, _, err := review.Update(w.ctx, tx, other, id, 2, review.Review{Title: "Stolen"})
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("update from another tenant: %v, want not found", err)
	}
	var title string
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT title FROM reviews WHERE id = $1`, id).Scan(&title))
	if title != "Second title" {
		t.Fatalf("title = %q", title)
	}
}

// TestEnsureAllowsReadsTheStage checks EnsureAllows against the stage stored, for every stage and
// kind of change, and the evidence lock SetStage keeps in step.
func TestEnsureAllowsReadsTheStage(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Stages")
	for _, st := range review.Statuses {
		var after review.Review
		w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
			if _, err := review.LockStage(w.ctx, tx, w.tenantID, id); err != nil {
				return err
			}
			var err error
			after, err = review.SetStage(w.ctx, tx, w.tenantID, id, w.leadID, st)
			return err
		}))
		if after.Status != st || after.EvidenceLocked != (st.Index() >= review.StatusDrafting.Index()) {
			t.Errorf("set %s: %+v", st, after)
		}
		for _, c := range review.Changes {
			err := w.tx(w.tenantID, func(tx pgx.Tx) error { return review.EnsureAllows(w.ctx, tx, w.tenantID, id, c) })
			if want := st.Allows(c); (err == nil) != want {
				t.Errorf("at %s, %s: %v, want allowed %v", st, c, err, want)
			}
			var se *review.StageError
			if err != nil && (!errors.As(err, &se) || !apperr.Is(err, apperr.CodeForbidden)) {
				t.Errorf("at %s, %s: %v, want a *StageError", st, c, err)
			}
		}
	}
	// Entering drafting locked the evidence, by the one who moved it; moving back to analysis
	// unlocks it.
	var by string
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT evidence_locked_by::text FROM reviews WHERE id = $1`, id).Scan(&by))
	if by != w.leadID {
		t.Errorf("locked by %s, want the lead", by)
	}
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.SetStage(w.ctx, tx, w.tenantID, id, w.otherID, review.StatusAnalysis)
		return err
	}))
	var locked bool
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT evidence_locked_at IS NOT NULL OR evidence_locked_by IS NOT NULL FROM reviews WHERE id = $1`, id).Scan(&locked))
	if locked {
		t.Error("back at analysis, the evidence is still locked")
	}
	// Another tenant, or no such review: not found.
	other, _, _ := w.tenant("det-b")
	for _, rid := range []string{id, "not-a-uuid", "00000000-0000-0000-0000-000000000000"} {
		err := w.tx(other, func(tx pgx.Tx) error { return review.EnsureAllows(w.ctx, tx, other, rid, review.ChangeSetup) })
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("review %s from another tenant: %v", rid, err)
		}
	}
}

// TestStageMoveAndWritesTakeTurns: a write checked while a stage move is under way waits for the
// move and then sees the new stage; a move waits for a write checked first.
func TestStageMoveAndWritesTakeTurns(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Turns")
	w.must(func() error {
		_, err := w.d.Super.Exec(w.ctx, `UPDATE reviews SET status = 'drafting' WHERE id = $1`, id)
		return err
	}())
	mover, err := w.d.App.Begin(w.ctx)
	w.must(err)
	defer func() { _ = mover.Rollback(w.ctx) }()
	_, err = mover.Exec(w.ctx, `SELECT set_config('app.tenant_id', $1, true)`, w.tenantID)
	w.must(err)
	_, err = review.LockStage(w.ctx, mover, w.tenantID, id)
	w.must(err)
	_, err = review.SetStage(w.ctx, mover, w.tenantID, id, w.leadID, review.StatusQA)
	w.must(err)
	done := make(chan error, 1)
	go func() {
		done <- w.tx(w.tenantID, func(tx pgx.Tx) error { return review.EnsureAllows(w.ctx, tx, w.tenantID, id, review.ChangeReport) })
	}()
	select {
	case err := <-done:
		t.Fatalf("the write did not wait for the stage move: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	w.must(mover.Commit(w.ctx))
	if err := <-done; !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("the write after the move to quality assurance: %v", err)
	}

	// The other way: a write checked first holds the move until it commits.
	writer, err := w.d.App.Begin(w.ctx)
	w.must(err)
	defer func() { _ = writer.Rollback(w.ctx) }()
	_, err = writer.Exec(w.ctx, `SELECT set_config('app.tenant_id', $1, true)`, w.tenantID)
	w.must(err)
	w.must(func() error {
		_, err := w.d.Super.Exec(w.ctx, `UPDATE reviews SET status = 'drafting' WHERE id = $1`, id)
		return err
	}())
	w.must(review.EnsureAllows(w.ctx, writer, w.tenantID, id, review.ChangeReport))
	moved := make(chan error, 1)
	go func() {
		moved <- w.tx(w.tenantID, func(tx pgx.Tx) error {
			_, err := review.LockStage(w.ctx, tx, w.tenantID, id)
			return err
		})
	}()
	select {
	case err := <-moved:
		t.Fatalf("the move did not wait for the write: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	w.must(writer.Commit(w.ctx))
	w.must(<-moved)
}

func TestListShowsOnlyTheUsersReviewsNewestFirst(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	old := w.create(w.tenantID, w.leadID, "Older")
	w.must(func() error {
		_, err := w.d.Super.Exec(w.ctx, `UPDATE reviews SET created_at = now() - interval '1 day' WHERE id = $1`, old)
		return err
	}())
	newer := w.create(w.tenantID, w.leadID, "Newer")
	theirs := w.create(w.tenantID, w.otherID, "Someone else's")
	// The other user is an inspector on the newer review.
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(w.ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'inspector')`,
			w.tenantID, newer, w.otherID)
		return err
	}))
	list := func(userID string) []review.Summary {
		var out []review.Summary
		w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
			var err error
			out, err = review.List(w.ctx, tx, w.tenantID, userID)
			return err
		}))
		return out
	}
	lead := list(w.leadID)
	if len(lead) != 2 || lead[0].ID != newer || lead[1].ID != old || lead[0].Role != auth.ReviewLead {
		t.Fatalf("lead's list: %+v", lead)
	}
	other := list(w.otherID)
	if len(other) != 2 || other[0].ID != theirs || other[1].ID != newer || other[1].Role != auth.ReviewInspector {
		t.Fatalf("other's list: %+v", other)
	}
	// Another tenant's transaction sees none of them, even asking for this tenant.
	otherTenant, _, _ := w.tenant("det-c")
	w.must(w.tx(otherTenant, func(tx pgx.Tx) error {
		out, err := review.List(w.ctx, tx, w.tenantID, w.leadID)
		if err == nil && len(out) != 0 {
			err = fmt.Errorf("another tenant sees %d reviews", len(out))
		}
		return err
	}))
}

func TestOverviewCountsAndTemplate(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Counted")
	tpls, err := review.Templates()
	w.must(err)
	var c review.Counts
	var name string
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		if err := review.ApplyTemplate(w.ctx, tx, w.tenantID, id, tpls[review.StartForLife]); err != nil {
			return err
		}
		var area string
		if err := tx.QueryRow(w.ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
			w.tenantID, id).Scan(&area); err != nil {
			return err
		}
		if _, err := tx.Exec(w.ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-08', 2)`,
			w.tenantID, id, area); err != nil {
			return err
		}
		var err error
		if c, err = review.Overview(w.ctx, tx, w.tenantID, id); err != nil {
			return err
		}
		name, err = review.AreaName(w.ctx, tx, w.tenantID, id, area)
		return err
	}))
	// The template's lists: 7 sources, 6 roles, 2 inspectorates, 4 team roles and 4 addressees.
	want := review.Counts{Areas: 1, Visits: 1, Members: 1, FrameworkSets: 2, ActionAreas: 6, EnquiryGroups: 3, EnquiryLines: 11, Terms: 23}
	if c != want {
		t.Fatalf("counts = %+v, want %+v", c, want)
	}
	if name != "Northumberland" {
		t.Fatalf("area name = %q", name)
	}
}

func TestCreatedWithKey(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	var id string
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		if err := review.LockCreateKey(w.ctx, tx, w.tenantID, "k1"); err != nil {
			return err
		}
		if _, found, err := review.CreatedWithKey(w.ctx, tx, w.tenantID, "k1"); err != nil || found {
			return fmt.Errorf("before: found %v, %v", found, err)
		}
		var err error
		id, err = review.Create(w.ctx, tx, w.tenantID, w.leadID, review.Review{Title: "Keyed", CreateKey: "k1"})
		return err
	}))
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		got, found, err := review.CreatedWithKey(w.ctx, tx, w.tenantID, "k1")
		if err != nil || !found || got != id {
			return fmt.Errorf("after: %q %v %v", got, found, err)
		}
		return nil
	}))
	// The key is unique in the tenant: a second review with it is refused by the database.
	err := w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.Create(w.ctx, tx, w.tenantID, w.leadID, review.Review{Title: "Again", CreateKey: "k1"})
		return err
	})
	if err == nil {
		t.Fatal("a second review with the same key was created")
	}
	other, _, _ := w.tenant("det-d")
	w.must(w.tx(other, func(tx pgx.Tx) error {
		if _, found, err := review.CreatedWithKey(w.ctx, tx, other, "k1"); err != nil || found {
			return fmt.Errorf("another tenant finds the key: %v %v", found, err)
		}
		return nil
	}))
}

// positions reads the review's lines of enquiry, checking that positions run 1, 2, 3… without
// gaps: of the groups, of each group's lines and of the lines in no group.
func (w *detWorld) positions(reviewID string) review.Enquiry {
	w.t.Helper()
	var e review.Enquiry
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		var err error
		e, err = review.LoadEnquiry(w.ctx, tx, w.tenantID, reviewID)
		return err
	}))
	for li, l := range e.Ungrouped {
		if l.Position != li+1 || l.GroupID != "" {
			w.t.Fatalf("line %q in no group at position %d (group %q), want %d", l.Question, l.Position, l.GroupID, li+1)
		}
	}
	for gi, g := range e.Groups {
		if g.Position != gi+1 {
			w.t.Fatalf("group %q at position %d, want %d", g.Title, g.Position, gi+1)
		}
		for li, l := range g.Lines {
			if l.Position != li+1 {
				w.t.Fatalf("line %q at position %d, want %d", l.Question, l.Position, li+1)
			}
		}
	}
	return e
}

func TestEnquiryEditingKeepsPositionsContiguous(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Enquiry")
	do := func(fn func(tx pgx.Tx) error) { w.t.Helper(); w.must(w.tx(w.tenantID, fn)) }
	var a, b, c review.EnquiryGroup
	do(func(tx pgx.Tx) error {
		var err error
		if a, _, err = review.AddEnquiryGroup(w.ctx, tx, w.tenantID, id, "A"); err != nil {
			return err
		}
		if b, _, err = review.AddEnquiryGroup(w.ctx, tx, w.tenantID, id, "B"); err != nil {
			return err
		}
		c, _, err = review.AddEnquiryGroup(w.ctx, tx, w.tenantID, id, "C")
		return err
	})
	// The same title again (in another case) adds nothing.
	do(func(tx pgx.Tx) error {
		g, created, err := review.AddEnquiryGroup(w.ctx, tx, w.tenantID, id, "b")
		if err == nil && (created || g.ID != b.ID) {
			err = fmt.Errorf("second B: created %v, id %s", created, g.ID)
		}
		return err
	})
	var lines []review.EnquiryLine
	do(func(tx pgx.Tx) error {
		for _, q := range []string{"a1?", "a2?", "a3?"} {
			l, _, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, id, a.ID, q)
			if err != nil {
				return err
			}
			lines = append(lines, l)
		}
		l, created, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, id, a.ID, "A2?")
		if err == nil && (created || l.ID != lines[1].ID) {
			err = fmt.Errorf("second a2: created %v", created)
		}
		return err
	})
	gs := w.positions(id).Groups
	if len(gs) != 3 || len(gs[0].Lines) != 3 {
		t.Fatalf("after adding: %+v", gs)
	}

	// Move C up to the top, and a3 up to the top of A.
	do(func(tx pgx.Tx) error {
		for range 2 {
			if _, _, err := review.MoveEnquiryGroup(w.ctx, tx, w.tenantID, id, c.ID, true); err != nil {
				return err
			}
		}
		from, to, err := review.MoveEnquiryGroup(w.ctx, tx, w.tenantID, id, c.ID, true)
		if err == nil && from != to {
			err = fmt.Errorf("moved past the top: %d → %d", from, to)
		}
		if err != nil {
			return err
		}
		if _, _, err := review.MoveEnquiryLine(w.ctx, tx, w.tenantID, id, lines[2].ID, true); err != nil {
			return err
		}
		_, _, err = review.MoveEnquiryLine(w.ctx, tx, w.tenantID, id, lines[2].ID, true)
		return err
	})
	gs = w.positions(id).Groups
	if gs[0].Title != "C" || gs[1].Title != "A" || gs[2].Title != "B" {
		t.Fatalf("order after moves: %s %s %s", gs[0].Title, gs[1].Title, gs[2].Title)
	}
	if q := gs[1].Lines; q[0].Question != "a3?" || q[1].Question != "a1?" || q[2].Question != "a2?" {
		t.Fatalf("lines after moves: %+v", q)
	}

	// Deleting the middle line and an empty group renumbers the rest.
	do(func(tx pgx.Tx) error {
		if _, err := review.DeleteEnquiryLine(w.ctx, tx, w.tenantID, id, lines[0].ID); err != nil {
			return err
		}
		_, err := review.DeleteEnquiryGroup(w.ctx, tx, w.tenantID, id, c.ID)
		return err
	})
	gs = w.positions(id).Groups
	if len(gs) != 2 || gs[0].Title != "A" || len(gs[0].Lines) != 2 {
		t.Fatalf("after deletes: %+v", gs)
	}

	// A group with lines is not deleted.
	err := w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.DeleteEnquiryGroup(w.ctx, tx, w.tenantID, id, a.ID)
		return err
	})
	if !errors.Is(err, review.ErrGroupNotEmpty) {
		t.Fatalf("delete non-empty group: %v", err)
	}

	// Rename and edit check what the form was shown with.
	do(func(tx pgx.Tx) error {
		if _, err := review.RenameEnquiryGroup(w.ctx, tx, w.tenantID, id, a.ID, "A", "Experiences of families"); err != nil {
			return err
		}
		_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[1].ID, review.LineChange{WasQuestion: "a2?", Question: "To what extent?"})
		return err
	})
	err = w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.RenameEnquiryGroup(w.ctx, tx, w.tenantID, id, a.ID, "A", "Stale")
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale rename: %v", err)
	}
	err = w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.RenameEnquiryGroup(w.ctx, tx, w.tenantID, id, a.ID, "Experiences of families", "b")
		return err
	})
	if !errors.Is(err, review.ErrGroupTitleTaken) {
		t.Fatalf("rename to another group's title: %v", err)
	}
	err = w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[1].ID, review.LineChange{WasQuestion: "a2?", Question: "Stale"})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("stale line edit: %v", err)
	}
}

func TestEnquiryOfAnotherReviewIsNotFound(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	mine := w.create(w.tenantID, w.leadID, "Mine")
	theirs := w.create(w.tenantID, w.otherID, "Theirs")
	var g review.EnquiryGroup
	var l review.EnquiryLine
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) error {
		var err error
		if g, _, err = review.AddEnquiryGroup(w.ctx, tx, w.tenantID, theirs, "Theirs"); err != nil {
			return err
		}
		l, _, err = review.AddEnquiryLine(w.ctx, tx, w.tenantID, theirs, g.ID, "Theirs?")
		return err
	}))
	var own review.EnquiryLine // a line of mine in no group
	w.must(w.tx(w.tenantID, func(tx pgx.Tx) (err error) {
		own, _, err = review.AddEnquiryLine(w.ctx, tx, w.tenantID, mine, "", "Mine?")
		return err
	}))
	attempts := map[string]func(tx pgx.Tx) error{
		"move my line into their group": func(tx pgx.Tx) error {
			_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, mine, own.ID,
				review.LineChange{WasQuestion: "Mine?", Question: "Mine?", Regroup: true, GroupID: g.ID})
			return err
		},
		"rename group": func(tx pgx.Tx) error {
			_, err := review.RenameEnquiryGroup(w.ctx, tx, w.tenantID, mine, g.ID, "Theirs", "Mine now")
			return err
		},
		"delete group": func(tx pgx.Tx) error {
			_, err := review.DeleteEnquiryGroup(w.ctx, tx, w.tenantID, mine, g.ID)
			return err
		},
		"move group": func(tx pgx.Tx) error {
			_, _, err := review.MoveEnquiryGroup(w.ctx, tx, w.tenantID, mine, g.ID, true)
			return err
		},
		"add line": func(tx pgx.Tx) error {
			_, _, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, mine, g.ID, "Mine?")
			return err
		},
		"edit line": func(tx pgx.Tx) error {
			_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, mine, l.ID, review.LineChange{WasQuestion: "Theirs?", Question: "Mine?"})
			return err
		},
		"move line": func(tx pgx.Tx) error {
			_, _, err := review.MoveEnquiryLine(w.ctx, tx, w.tenantID, mine, l.ID, false)
			return err
		},
		"delete line": func(tx pgx.Tx) error {
			_, err := review.DeleteEnquiryLine(w.ctx, tx, w.tenantID, mine, l.ID)
			return err
		},
		"bad id": func(tx pgx.Tx) error {
			_, err := review.GetEnquiryLine(w.ctx, tx, w.tenantID, mine, "nope")
			return err
		},
	}
	for name, fn := range attempts {
		if err := w.tx(w.tenantID, fn); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	gs := w.positions(theirs).Groups
	if len(gs) != 1 || gs[0].Title != "Theirs" || len(gs[0].Lines) != 1 || gs[0].Lines[0].Question != "Theirs?" {
		t.Fatalf("their enquiry changed: %+v", gs)
	}
}

// TestEnquiryLinesInNoGroup: lines are added before any group exists, numbered among themselves
// and listed first; they move up and down, into a group and out of one through a change (each
// time to the end, the lines left behind closing up), and are deleted; a change from a stale page
// or into a group with the same question is refused. The one-statement read and a copy into
// another review see them too.
func TestEnquiryLinesInNoGroup(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Terms first")
	do := func(fn func(tx pgx.Tx) error) { w.t.Helper(); w.must(w.tx(w.tenantID, fn)) }
	var lines []review.EnquiryLine
	do(func(tx pgx.Tx) error {
		for _, q := range []string{"One?", "Two?", "Three?", "two?"} {
			l, created, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, id, "", q)
			if err != nil {
				return err
			}
			if created {
				lines = append(lines, l)
			} else if l.ID != lines[1].ID {
				return fmt.Errorf("%q again is not the first %q", q, lines[1].Question)
			}
		}
		return nil
	})
	e := w.positions(id)
	if len(e.Groups) != 0 || len(e.Ungrouped) != 3 || e.Ungrouped[2].Question != "Three?" {
		t.Fatalf("before any group: %+v", e)
	}
	var g review.EnquiryGroup
	do(func(tx pgx.Tx) error {
		if _, _, err := review.MoveEnquiryLine(w.ctx, tx, w.tenantID, id, lines[2].ID, true); err != nil {
			return err
		}
		var err error
		if g, _, err = review.AddEnquiryGroup(w.ctx, tx, w.tenantID, id, "Families"); err != nil {
			return err
		}
		if _, _, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, id, g.ID, "In the group?"); err != nil {
			return err
		}
		// "One?" moves into the group, to its end; the others close up.
		_, err = review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[0].ID,
			review.LineChange{WasQuestion: "One?", Question: "One, changed?", Regroup: true, GroupID: g.ID})
		return err
	})
	e = w.positions(id)
	if got := questions(e.Ungrouped); got != "Three?|Two?" {
		t.Fatalf("in no group after moves: %s", got)
	}
	if len(e.Groups) != 1 || questions(e.Groups[0].Lines) != "In the group?|One, changed?" {
		t.Fatalf("the group after moves: %+v", e.Groups)
	}
	if hs := e.Headed(); len(hs) != 2 || hs[0].ID != "" || hs[0].Title != review.UngroupedTitle || len(e.Lines()) != 4 {
		t.Fatalf("headed %+v, lines %+v", hs, e.Lines())
	}

	// Refused: a stale group, and a group that has the question.
	err := w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[0].ID,
			review.LineChange{WasQuestion: "One, changed?", Question: "One?", Regroup: true, WasGroupID: "", GroupID: ""})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("a change from a page that showed another group: %v", err)
	}
	do(func(tx pgx.Tx) error {
		_, _, err := review.AddEnquiryLine(w.ctx, tx, w.tenantID, id, g.ID, "Three?")
		return err
	})
	err = w.tx(w.tenantID, func(tx pgx.Tx) error {
		_, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[2].ID,
			review.LineChange{WasQuestion: "Three?", Question: "Three?", Regroup: true, GroupID: g.ID})
		return err
	})
	if !errors.Is(err, review.ErrQuestionInGroup) {
		t.Fatalf("into a group with the same question: %v", err)
	}

	// Out of the group again, to the end of the lines in no group; then a delete closes up.
	do(func(tx pgx.Tx) error {
		if _, err := review.UpdateEnquiryLine(w.ctx, tx, w.tenantID, id, lines[0].ID,
			review.LineChange{WasQuestion: "One, changed?", Question: "One, changed?", Regroup: true, WasGroupID: g.ID, GroupID: ""}); err != nil {
			return err
		}
		_, err := review.DeleteEnquiryLine(w.ctx, tx, w.tenantID, id, lines[2].ID)
		return err
	})
	e = w.positions(id)
	if got := questions(e.Ungrouped); got != "Two?|One, changed?" {
		t.Fatalf("in no group at the end: %s", got)
	}
	if questions(e.Groups[0].Lines) != "In the group?|Three?" {
		t.Fatalf("the group at the end: %+v", e.Groups[0].Lines)
	}

	// The one-statement read says the same; a copy brings the lines in no group.
	copyID := w.create(w.tenantID, w.leadID, "The copy")
	do(func(tx pgx.Tx) error {
		var got review.Enquiry
		if err := tx.QueryRow(w.ctx, `SELECT `+review.EnquiryJSON("$1", "$2"), w.tenantID, id).Scan(&got); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, e) {
			return fmt.Errorf("EnquiryJSON %+v, LoadEnquiry %+v", got, e)
		}
		return review.InsertEnquiry(w.ctx, tx, w.tenantID, copyID, e)
	})
	c := w.positions(copyID)
	if questions(c.Ungrouped) != "Two?|One, changed?" || len(c.Groups) != 1 || questions(c.Groups[0].Lines) != "In the group?|Three?" {
		t.Fatalf("the copy: %+v", c)
	}
}

func questions(ls []review.EnquiryLine) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Question)
	}
	return strings.Join(out, "|")
}
