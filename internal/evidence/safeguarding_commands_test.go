package evidence_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/form"
)

// The commands of concerns and of the lock check who acts (acc), answer a refused form with the
// note's or the lock's page, and write through the tx-taking functions they wrap.
func TestConcernCommandsCheckWhoActs(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-cmd")
	f, ctx := s.f, context.Background()
	sc := func(userID string) db.Scope { return db.Scope{TenantID: f.tenant, UserID: userID, ReviewID: s.r.id} }
	as := func(role auth.ReviewRole) *auth.ReviewAccess { return &auth.ReviewAccess{ReviewID: s.r.id, Role: role} }
	lead, inspector := as(auth.ReviewLead), as(auth.ReviewInspector)

	// The list: leads only.
	if _, err := evidence.ConcernsPage(ctx, f.d.App, sc(f.author), inspector); !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("an inspector lists concerns: %v", err)
	}
	l, err := evidence.ConcernsPage(ctx, f.d.App, sc(s.lead), lead)
	if err != nil || len(l.Concerns) != 1 || l.Concerns[0].NoteID != s.concern || l.Review.Title != "Start for Life" {
		t.Errorf("the lead's list = %+v, %v", l, err)
	}

	// Actions: the author and the leads; another inspector does not see the concern.
	if _, err := evidence.RecordConcernAction(ctx, f.d.App, sc(s.other), inspector, s.concern,
		evidence.ActionInput{Body: "Nosy", Key: "cmd-other"}); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("another inspector records: %v", err)
	}
	if _, err := evidence.RecordConcernAction(ctx, f.d.App, sc(f.author), inspector, s.plain,
		evidence.ActionInput{Body: "Not a concern", Key: "cmd-plain"}); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("an action on a note that is no concern: %v", err)
	}
	var refused *evidence.Refused
	out, err := evidence.RecordConcernAction(ctx, f.d.App, sc(f.author), inspector, s.concern, evidence.ActionInput{Body: " ", Key: "cmd-empty"})
	if !errors.As(err, &refused) || !refused.Errors.Has("action") || out.Page.Note.ID != s.concern || out.Page.Concern == nil {
		t.Errorf("an empty action: %+v, %v", out, err)
	}
	out, err = evidence.RecordConcernAction(ctx, f.d.App, sc(f.author), inspector, s.concern,
		evidence.ActionInput{Body: "Told the designated safeguarding lead.", Key: "cmd-author"})
	if err != nil || out.NoteID != s.concern {
		t.Fatalf("the author records: %+v, %v", out, err)
	}

	// Closing: leads only, with a closing note.
	if _, err := evidence.CloseConcernNote(ctx, f.d.App, sc(f.author), inspector, s.concern, "Done"); !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("the author closes: %v", err)
	}
	out, err = evidence.CloseConcernNote(ctx, f.d.App, sc(s.lead), lead, s.concern, "  ")
	if !errors.As(err, &refused) || !refused.Errors.Has("closing") || out.Page.Note.ID != s.concern {
		t.Errorf("closing without a note: %+v, %v", out, err)
	}
	if out, err = evidence.CloseConcernNote(ctx, f.d.App, sc(s.lead), lead, s.concern, "In hand."); err != nil || out.NoteID != s.concern {
		t.Fatalf("the lead closes: %+v, %v", out, err)
	}
	var n int
	f.must(f.tx(func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action IN
			('safeguarding.action_recorded', 'safeguarding.closed')`, s.concern).Scan(&n)
	}))
	if n != 2 {
		t.Errorf("%d audit entries of the action and the closing, want 2", n)
	}

	// The lock: leads only; refused before analysis with the page's data.
	if _, err := evidence.ChangeLock(ctx, f.d.App, sc(f.author), inspector, true); !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("an inspector locks: %v", err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE reviews SET status = 'fieldwork' WHERE id = $1`, s.r.id)
		return err
	}))
	var fr *form.Refused
	st, err := evidence.ChangeLock(ctx, f.d.App, sc(s.lead), lead, true)
	if !errors.As(err, &fr) || !fr.Errors.Has("lock") || st.Review.Title != "Start for Life" || st.Lock.Locked() {
		t.Errorf("locking at fieldwork: %+v, %v", st, err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE reviews SET status = 'drafting' WHERE id = $1`, s.r.id)
		return err
	}))
	if _, err := evidence.ChangeLock(ctx, f.d.App, sc(s.lead), lead, true); err != nil {
		t.Fatalf("locking at drafting: %v", err)
	}
	if st, err = evidence.LockPage(ctx, f.d.App, sc(s.lead)); err != nil || !st.Lock.Locked() || st.Lock.LockedBy != "Lee Lead" {
		t.Errorf("the lock's page = %+v, %v", st, err)
	}
}
