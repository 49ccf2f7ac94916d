package evidence_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/evidence"
)

func TestLockRefusesChangesToNotes(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "lock")
	f, ctx := s.f, context.Background()
	setLock := func(lock bool) (bool, error) {
		var changed bool
		err := f.as(s.lead, func(tx pgx.Tx) error {
			var err error
			changed, err = evidence.SetLock(ctx, tx, f.tenant, s.r.id, s.lead, lock)
			return err
		})
		return changed, err
	}
	// Not past analysis: refused with a message that says why.
	for _, status := range []string{"setup", "fieldwork", "analysis"} {
		f.must(f.tx(func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE reviews SET status = $2 WHERE id = $1`, s.r.id, status)
			return err
		}))
		if _, err := setLock(true); !apperr.Is(err, apperr.CodeInvalid) || apperr.MessageOf(err) == "" {
			t.Errorf("lock at %s: %v", status, err)
		}
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE reviews SET status = 'drafting' WHERE id = $1`, s.r.id)
		return err
	}))
	if changed, err := setLock(true); !changed || err != nil {
		t.Fatalf("lock: %v %v", changed, err)
	}
	if changed, err := setLock(true); changed || err != nil {
		t.Errorf("lock twice: %v %v", changed, err)
	}
	var l evidence.Lock
	f.must(f.as(s.lead, func(tx pgx.Tx) error {
		var err error
		l, err = evidence.GetLock(ctx, tx, f.tenant, s.r.id)
		return err
	}))
	if !l.Locked() || l.LockedBy != "Lee Lead" {
		t.Errorf("lock = %+v", l)
	}
	if n, err := s.get(f.author, s.plain); err != nil || n.LockedAt == nil {
		t.Errorf("a note of a locked review shows no lock: %v %+v", err, n.LockedAt)
	}
	as := func(fn func(tx pgx.Tx) error) error { return db.MapError(f.as(f.author, fn)) }
	refused := map[string]error{
		"create": as(func(tx pgx.Tx) error {
			_, _, err := evidence.Create(ctx, tx, f.tenant, s.r.id, f.author, s.r.input("locked-1", "Too late."))
			return err
		}),
		"update": as(func(tx pgx.Tx) error {
			_, err := evidence.Update(ctx, tx, f.tenant, s.r.id, s.plain, f.author, 1, s.r.input("", "Changed."))
			return err
		}),
		"delete":  as(func(tx pgx.Tx) error { return evidence.SoftDelete(ctx, tx, f.tenant, s.r.id, s.plain, f.author) }),
		"restore": as(func(tx pgx.Tx) error { return evidence.Undelete(ctx, tx, f.tenant, s.r.id, s.plain, f.author) }),
	}
	for what, err := range refused {
		if !apperr.Is(err, apperr.CodeForbidden) || !strings.HasPrefix(apperr.MessageOf(err), evidence.LockedMessage) {
			t.Errorf("%s on a locked review: %v", what, err)
		}
	}
	// Safeguarding actions can still be recorded.
	f.must(f.as(f.author, func(tx pgx.Tx) error {
		_, err := evidence.RecordAction(ctx, tx, f.tenant, s.r.id, s.concern, f.author, evidence.ActionInput{Body: "Followed up.", Key: "k"})
		return err
	}))
	if changed, err := setLock(false); !changed || err != nil {
		t.Fatalf("unlock: %v %v", changed, err)
	}
	if _, _, err := f.create(s.r, s.r.input("unlocked-1", "Back to work.")); err != nil {
		t.Errorf("create after unlock: %v", err)
	}
	for action, want := range map[string]int{"evidence.locked": 1, "evidence.unlocked": 1} {
		var n int
		f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, s.r.id).Scan(&n))
		if n != want {
			t.Errorf("%s entries = %d, want %d", action, n, want)
		}
	}
}

// TestEvidenceStaysLockedPastDrafting: at quality assurance and once published the evidence stays
// locked (and notes are refused by the stage besides).
func TestEvidenceStaysLockedPastDrafting(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "lockqa")
	f, ctx := s.f, context.Background()
	for _, status := range []string{"quality_assurance", "published"} {
		f.must(f.tx(func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE reviews SET status = $2, evidence_locked_at = now(), evidence_locked_by = $3 WHERE id = $1`,
				s.r.id, status, s.lead)
			return err
		}))
		err := f.as(s.lead, func(tx pgx.Tx) error {
			_, err := evidence.SetLock(ctx, tx, f.tenant, s.r.id, s.lead, false)
			return err
		})
		if !apperr.Is(err, apperr.CodeInvalid) || !strings.Contains(apperr.MessageOf(err), "move it back to drafting") {
			t.Errorf("unlock at %s: %v", status, err)
		}
		// Even with the lock lifted behind its back, the stage refuses new notes.
		f.must(f.tx(func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE reviews SET evidence_locked_at = NULL, evidence_locked_by = NULL WHERE id = $1`, s.r.id)
			return err
		}))
		err = db.MapError(f.as(f.author, func(tx pgx.Tx) error {
			_, _, err := evidence.Create(ctx, tx, f.tenant, s.r.id, f.author, s.r.input("late-"+status, "Too late."))
			return err
		}))
		if !apperr.Is(err, apperr.CodeForbidden) || !strings.Contains(apperr.MessageOf(err), "The review is") {
			t.Errorf("a note at %s: %v", status, err)
		}
	}
}
