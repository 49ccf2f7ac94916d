package review_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/review"
)

// fwStore is a test database with the demo data and one blank review of the demo tenant.
type fwStore struct {
	t                          *testing.T
	d                          *dbtest.DB
	tenantID, leadID, reviewID string
}

func newFwStore(t *testing.T) *fwStore {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	s := &fwStore{t: t, d: d}
	if err := d.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&s.tenantID); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&s.leadID); err != nil {
		t.Fatal(err)
	}
	s.reviewID = s.newReview("Framework store review")
	return s
}

func (s *fwStore) newReview(title string) string {
	s.t.Helper()
	var id string
	s.tx(func(tx pgx.Tx) error {
		var err error
		id, err = review.Create(context.Background(), tx, s.tenantID, s.leadID, review.Review{Title: title})
		return err
	})
	return id
}

// tx runs fn in the tenant's scope and fails the test on error.
func (s *fwStore) tx(fn func(tx pgx.Tx) error) {
	s.t.Helper()
	if err := s.try(fn); err != nil {
		s.t.Fatal(err)
	}
}

func (s *fwStore) try(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), s.d.Owner, db.Scope{TenantID: s.tenantID, UserID: s.leadID}, fn)
}

func (s *fwStore) load(reviewID string) review.Framework {
	s.t.Helper()
	var fw review.Framework
	s.tx(func(tx pgx.Tx) error {
		var err error
		fw, err = review.LoadFramework(context.Background(), tx, s.tenantID, reviewID)
		return err
	})
	return fw
}

// outline is the framework as "Group: area, area | Group: …", checking positions are 1..n.
func (s *fwStore) outline(reviewID string) string {
	s.t.Helper()
	fw := s.load(reviewID)
	var parts []string
	for gi, g := range fw.Groups {
		if g.Position != gi+1 {
			s.t.Fatalf("group %q at position %d, want %d", g.Title, g.Position, gi+1)
		}
		var areas []string
		for ai, a := range g.Areas {
			if a.Position != ai+1 {
				s.t.Fatalf("action area %q at position %d, want %d", a.Title, a.Position, ai+1)
			}
			areas = append(areas, a.Title)
		}
		parts = append(parts, g.Title+": "+strings.Join(areas, ", "))
	}
	return strings.Join(parts, " | ")
}

func (s *fwStore) addGroup(title string) review.Group {
	s.t.Helper()
	var g review.Group
	s.tx(func(tx pgx.Tx) error {
		var err error
		g, err = review.AddFrameworkGroup(context.Background(), tx, s.tenantID, s.reviewID, title)
		return err
	})
	return g
}

func (s *fwStore) addArea(groupID, title, quote, citation string) review.ActionArea {
	s.t.Helper()
	var a review.ActionArea
	s.tx(func(tx pgx.Tx) error {
		var err error
		a, err = review.AddActionArea(context.Background(), tx, s.tenantID, s.reviewID,
			review.ActionArea{GroupID: groupID, Title: title, Quote: quote, Citation: citation})
		return err
	})
	return a
}

func TestFrameworkStoreEditing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFwStore(t)
	g1 := s.addGroup("Access")
	g2 := s.addGroup("System")
	a1 := s.addArea(g1.ID, "Seamless support", "…joined up…", "Best start, 2021")
	a2 := s.addArea(g1.ID, "Welcoming hub", "", "")
	a3 := s.addArea(g1.ID, "Information", "", "")
	s.addArea(g2.ID, "Workforce", "", "")
	if got, want := s.outline(s.reviewID), "Access: Seamless support, Welcoming hub, Information | System: Workforce"; got != want {
		t.Fatalf("after adding:\n got %s\nwant %s", got, want)
	}

	// Titles already in the framework are refused, whatever their case.
	err := s.try(func(tx pgx.Tx) error {
		_, err := review.AddFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, "ACCESS")
		return err
	})
	var dup *review.FrameworkDuplicateError
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate group title: %v", err)
	}
	err = s.try(func(tx pgx.Tx) error {
		_, err := review.AddActionArea(ctx, tx, s.tenantID, s.reviewID, review.ActionArea{GroupID: g2.ID, Title: "welcoming hub"})
		return err
	})
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate action area title: %v", err)
	}

	// Moves swap neighbours; a stale position changes nothing; the ends cannot go further.
	s.tx(func(tx pgx.Tx) error {
		_, to, err := review.MoveActionArea(ctx, tx, s.tenantID, s.reviewID, a3.ID, 3, true)
		if err == nil && to != 2 {
			err = fmt.Errorf("moved to %d, want 2", to)
		}
		return err
	})
	if got, want := s.outline(s.reviewID), "Access: Seamless support, Information, Welcoming hub | System: Workforce"; got != want {
		t.Fatalf("after moving up:\n got %s\nwant %s", got, want)
	}
	err = s.try(func(tx pgx.Tx) error {
		_, _, err := review.MoveActionArea(ctx, tx, s.tenantID, s.reviewID, a3.ID, 3, true)
		return err
	})
	if apperr.CodeOf(err) != apperr.CodeConflict {
		t.Fatalf("stale move: %v, want a conflict", err)
	}
	err = s.try(func(tx pgx.Tx) error {
		_, _, err := review.MoveActionArea(ctx, tx, s.tenantID, s.reviewID, a1.ID, 1, true)
		return err
	})
	if apperr.CodeOf(err) != apperr.CodeInvalid {
		t.Fatalf("moving the first up: %v, want invalid", err)
	}
	s.tx(func(tx pgx.Tx) error {
		_, _, err := review.MoveFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, g1.ID, 1, false)
		return err
	})
	if got, want := s.outline(s.reviewID), "System: Workforce | Access: Seamless support, Information, Welcoming hub"; got != want {
		t.Fatalf("after moving a group down:\n got %s\nwant %s", got, want)
	}

	// Renaming needs the version the page showed.
	g1now := s.load(s.reviewID).Groups[1]
	s.tx(func(tx pgx.Tx) error {
		_, after, err := review.RenameFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, g1.ID, g1now.Version(), "Access to services")
		if err == nil && after.Title != "Access to services" {
			err = fmt.Errorf("renamed to %q", after.Title)
		}
		return err
	})
	err = s.try(func(tx pgx.Tx) error {
		_, _, err := review.RenameFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, g1.ID, g1now.Version(), "Again")
		return err
	})
	if apperr.CodeOf(err) != apperr.CodeConflict {
		t.Fatalf("stale rename: %v, want a conflict", err)
	}

	// Moving an action area to another group puts it last there and closes the gap it leaves.
	s.tx(func(tx pgx.Tx) error {
		_, after, err := review.UpdateActionArea(ctx, tx, s.tenantID, s.reviewID, a1.ID, a1.Version(),
			review.ActionArea{GroupID: g2.ID, Title: "Seamless support for families", Quote: "…joined up…", Citation: "Best start, 2021"})
		if err == nil && (after.Position != 2 || after.GroupID != g2.ID) {
			err = fmt.Errorf("after the move: %+v", after)
		}
		return err
	})
	if got, want := s.outline(s.reviewID), "System: Workforce, Seamless support for families | Access to services: Information, Welcoming hub"; got != want {
		t.Fatalf("after moving to another group:\n got %s\nwant %s", got, want)
	}
	err = s.try(func(tx pgx.Tx) error {
		_, _, err := review.UpdateActionArea(ctx, tx, s.tenantID, s.reviewID, a1.ID, a1.Version(), review.ActionArea{GroupID: g2.ID, Title: "X"})
		return err
	})
	if apperr.CodeOf(err) != apperr.CodeConflict {
		t.Fatalf("stale update: %v, want a conflict", err)
	}

	// A group with action areas cannot be deleted; the message says how many.
	g1now = s.load(s.reviewID).Groups[1]
	err = s.try(func(tx pgx.Tx) error {
		_, err := review.DeleteFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, g1.ID, g1now.Version())
		return err
	})
	var inUse *review.FrameworkInUseError
	if !errors.As(err, &inUse) || !strings.Contains(inUse.Message, "2 action areas") {
		t.Fatalf("deleting a group with action areas: %v", err)
	}
	for _, a := range s.load(s.reviewID).Groups[1].Areas {
		s.tx(func(tx pgx.Tx) error {
			_, err := review.DeleteActionArea(ctx, tx, s.tenantID, s.reviewID, a.ID, a.Version())
			return err
		})
	}
	_ = a2
	s.tx(func(tx pgx.Tx) error {
		_, err := review.DeleteFrameworkGroup(ctx, tx, s.tenantID, s.reviewID, g1.ID, g1now.Version())
		return err
	})
	if got, want := s.outline(s.reviewID), "System: Workforce, Seamless support for families"; got != want {
		t.Fatalf("after deleting:\n got %s\nwant %s", got, want)
	}
	// Deleting the first action area renumbers the rest from 1.
	first := s.load(s.reviewID).Groups[0].Areas[0]
	s.tx(func(tx pgx.Tx) error {
		_, err := review.DeleteActionArea(ctx, tx, s.tenantID, s.reviewID, first.ID, first.Version())
		return err
	})
	if got, want := s.outline(s.reviewID), "System: Seamless support for families"; got != want {
		t.Fatalf("after deleting the first:\n got %s\nwant %s", got, want)
	}
}

func TestFrameworkStoreOtherReviewIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFwStore(t)
	g := s.addGroup("Mine")
	a := s.addArea(g.ID, "Area", "", "")
	other := s.newReview("Another review")
	for name, fn := range map[string]func(tx pgx.Tx) error{
		"get group": func(tx pgx.Tx) error {
			_, err := review.GetFrameworkGroup(ctx, tx, s.tenantID, other, g.ID)
			return err
		},
		"rename group": func(tx pgx.Tx) error {
			_, _, err := review.RenameFrameworkGroup(ctx, tx, s.tenantID, other, g.ID, g.Version(), "X")
			return err
		},
		"move group": func(tx pgx.Tx) error {
			_, _, err := review.MoveFrameworkGroup(ctx, tx, s.tenantID, other, g.ID, 1, false)
			return err
		},
		"delete group": func(tx pgx.Tx) error {
			_, err := review.DeleteFrameworkGroup(ctx, tx, s.tenantID, other, g.ID, g.Version())
			return err
		},
		"add to another review's group": func(tx pgx.Tx) error {
			_, err := review.AddActionArea(ctx, tx, s.tenantID, other, review.ActionArea{GroupID: g.ID, Title: "X"})
			return err
		},
		"get area": func(tx pgx.Tx) error {
			_, err := review.GetActionArea(ctx, tx, s.tenantID, other, a.ID)
			return err
		},
		"update area": func(tx pgx.Tx) error {
			_, _, err := review.UpdateActionArea(ctx, tx, s.tenantID, other, a.ID, a.Version(), review.ActionArea{GroupID: g.ID, Title: "X"})
			return err
		},
		"move area into another review's group": func(tx pgx.Tx) error {
			og, err := review.AddFrameworkGroup(ctx, tx, s.tenantID, other, "Theirs")
			if err != nil {
				return err
			}
			_, _, err = review.UpdateActionArea(ctx, tx, s.tenantID, s.reviewID, a.ID, a.Version(), review.ActionArea{GroupID: og.ID, Title: "Area"})
			return err
		},
		"delete area": func(tx pgx.Tx) error {
			_, err := review.DeleteActionArea(ctx, tx, s.tenantID, other, a.ID, a.Version())
			return err
		},
		"not a uuid": func(tx pgx.Tx) error {
			_, err := review.GetActionArea(ctx, tx, s.tenantID, s.reviewID, "nope")
			return err
		},
	} {
		if err := s.try(fn); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if got := s.outline(s.reviewID); got != "Mine: Area" {
		t.Fatalf("framework changed: %s", got)
	}
}

func TestTaggedNoteCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFwStore(t)
	g := s.addGroup("G")
	a := s.addArea(g.ID, "Tagged", "", "")
	b := s.addArea(g.ID, "Untagged", "", "")
	count := func(id string) int {
		var n int
		s.tx(func(tx pgx.Tx) error {
			var err error
			n, err = review.TaggedNoteCount(ctx, tx, s.tenantID, id)
			return err
		})
		return n
	}
	if n := count(a.ID); n != 0 {
		t.Fatalf("no tagging table: %d notes", n)
	}
	// Two notes tagged to the action area, without writing whole notes: replica mode skips the
	// foreign keys for this one transaction.
	tx, err := s.d.Super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a failure must not leave the test database in use
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id, note_created_at)
		SELECT tenant_id, gen_random_uuid(), id, review_id, now() FROM action_areas, generate_series(1, 2) WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(a.ID); n != 2 {
		t.Fatalf("tagged: %d notes, want 2", n)
	}
	var total int
	s.tx(func(tx pgx.Tx) error {
		var err error
		total, err = review.FrameworkTaggedNoteCount(ctx, tx, s.tenantID, s.reviewID)
		return err
	})
	if total != 2 {
		t.Fatalf("framework: %d notes, want 2", total)
	}
	err = s.try(func(tx pgx.Tx) error {
		_, err := review.DeleteActionArea(ctx, tx, s.tenantID, s.reviewID, a.ID, a.Version())
		return err
	})
	var inUse *review.FrameworkInUseError
	if !errors.As(err, &inUse) || !strings.HasPrefix(inUse.Message, "2 notes are tagged to this action area") {
		t.Fatalf("deleting a tagged action area: %v", err)
	}
	s.tx(func(tx pgx.Tx) error {
		_, err := review.DeleteActionArea(ctx, tx, s.tenantID, s.reviewID, b.ID, b.Version())
		return err
	})
	if got := s.outline(s.reviewID); got != "G: Tagged" {
		t.Fatalf("framework: %s", got)
	}
}

func TestFrameworkImportStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFwStore(t)
	fw, probs := fwTemplate(t).Framework.Check()
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	s.addGroup("Existing")
	if clash := s.load(s.reviewID).TitleClashes(fw); len(clash) != 0 {
		t.Fatalf("clashes with an unrelated framework: %v", clash)
	}
	s.tx(func(tx pgx.Tx) error {
		if err := review.LockFramework(ctx, tx, s.tenantID, s.reviewID); err != nil {
			return err
		}
		return review.InsertFramework(ctx, tx, s.tenantID, s.reviewID, fw)
	})
	got := s.load(s.reviewID)
	if len(got.Groups) != 3 || got.AreaCount() != 6 || got.Groups[0].Title != "Existing" {
		t.Fatalf("after adding: %s", s.outline(s.reviewID))
	}
	s.outline(s.reviewID) // positions 1..n
	if clash := got.TitleClashes(fw); len(clash) != 8 {
		t.Fatalf("adding the same file again clashes on %v, want all 8 titles", clash)
	}
	s.tx(func(tx pgx.Tx) error { return review.ReplaceFramework(ctx, tx, s.tenantID, s.reviewID, fw) })
	got = s.load(s.reviewID)
	if len(got.Groups) != 2 || got.AreaCount() != 6 {
		t.Fatalf("after replacing: %s", s.outline(s.reviewID))
	}
	b1, _ := fw.MarshalFile()
	b2, _ := got.MarshalFile()
	if string(b1) != string(b2) {
		t.Fatal("the stored framework exports differently from the file")
	}
}

func TestActionAreaWithFindingsIsNotDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFwStore(t)
	g := s.addGroup("G")
	a := s.addArea(g.ID, "With a finding", "", "")
	var userID string
	if err := s.d.Super.QueryRow(ctx, `SELECT id FROM users LIMIT 1`).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.d.Super.Exec(ctx, `INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, idempotency_key, created_by)
		VALUES ($1, $2, $3, 1, 'Hubs were welcoming.', 'k1', $4)`, s.tenantID, s.reviewID, a.ID, userID); err != nil {
		t.Fatal(err)
	}
	err := s.try(func(tx pgx.Tx) error {
		_, err := review.DeleteActionArea(ctx, tx, s.tenantID, s.reviewID, a.ID, a.Version())
		return err
	})
	var inUse *review.FrameworkInUseError
	if !errors.As(err, &inUse) || !strings.HasPrefix(inUse.Message, "This action area has 1 finding or example") {
		t.Fatalf("deleting an action area with a finding: %v", err)
	}
	if got := s.outline(s.reviewID); got != "G: With a finding" {
		t.Fatalf("framework: %s", got)
	}
}
