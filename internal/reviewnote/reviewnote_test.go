package reviewnote_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/reviewnote"
	"thematic/internal/testenv"
)

func TestParseTarget(t *testing.T) {
	id := "0190c0de-0000-7000-8000-000000000001"
	for _, tc := range []struct {
		in   string
		want reviewnote.Target
		ok   bool
	}{
		{"section:background", reviewnote.Target{Kind: "section", Key: "background"}, true},
		{"section:recommendations", reviewnote.Target{Kind: "section", Key: "recommendations"}, true},
		{"section:group:" + id, reviewnote.Target{Kind: "section", Key: "group:" + id}, true},
		{"section:area:" + strings.ToUpper(id), reviewnote.Target{Kind: "section", Key: "area:" + id}, true},
		{"finding:" + id, reviewnote.Target{Kind: "finding", ID: id}, true},
		{"example:" + id, reviewnote.Target{Kind: "example", ID: id}, true},
		{"recommendation:" + id, reviewnote.Target{Kind: "recommendation", ID: id}, true},
		{"section:footnotes", reviewnote.Target{}, false},
		{"section:group:nope", reviewnote.Target{}, false},
		{"finding:1", reviewnote.Target{}, false},
		{"note:" + id, reviewnote.Target{}, false},
		{"", reviewnote.Target{}, false},
	} {
		got, ok := reviewnote.ParseTarget(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok && got.String() != strings.ToLower(tc.in) {
			t.Errorf("%q round-trips as %q", tc.in, got.String())
		}
	}
}

// TestWhoMayDoWhat is the rules' table: the raiser A, the lead who addressed it B, another lead C.
func TestWhoMayDoWhat(t *testing.T) {
	open := reviewnote.Note{Status: reviewnote.StatusOpen, RaisedBy: "A"}
	addressed := reviewnote.Note{Status: reviewnote.StatusAddressed, RaisedBy: "A", AddressedBy: "B"}
	cleared := reviewnote.Note{Status: reviewnote.StatusCleared, RaisedBy: "A", AddressedBy: "B", ClearedBy: "C"}
	for _, tc := range []struct {
		what string
		got  bool
		want bool
	}{
		{"the raiser addresses their own note", open.CanAddress("A"), false},
		{"another lead addresses an open note", open.CanAddress("B"), true},
		{"an addressed note is addressed again", addressed.CanAddress("C"), false},
		{"the raiser withdraws an open note", open.CanClear("A"), true},
		{"another lead clears an open note", open.CanClear("B"), false},
		{"the raiser clears an addressed note", addressed.CanClear("A"), true},
		{"a third lead clears an addressed note", addressed.CanClear("C"), true},
		{"the lead who addressed it clears it", addressed.CanClear("B"), false},
		{"a cleared note is cleared again", cleared.CanClear("A"), false},
		{"the raiser reopens an addressed note", addressed.CanReopen("A"), true},
		{"the lead who addressed it reopens it", addressed.CanReopen("B"), false},
		{"an open note is reopened", open.CanReopen("A"), false},
		{"a reply to an open note", open.CanReply("B"), true},
		{"a reply to a cleared note", cleared.CanReply("A"), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		r     reviewnote.Report
		actor string
		ok    bool
	}{
		{reviewnote.Report{Status: report.StatusQA, By: "B"}, "A", true},
		{reviewnote.Report{Status: report.StatusQA, By: "A"}, "A", false},
		{reviewnote.Report{Status: report.StatusDraft}, "A", false},
		{reviewnote.Report{Status: report.StatusApproved, By: "B"}, "A", false},
		{reviewnote.Report{Status: report.StatusPublished, By: "B"}, "A", false},
	} {
		if why := reviewnote.CanRaise(tc.r, tc.actor); (why == "") != tc.ok {
			t.Errorf("CanRaise(%+v, %s) = %q, want allowed %v", tc.r, tc.actor, why, tc.ok)
		}
	}
}

// world is the demo review, its lead and a second lead, and a finding of it.
type world struct {
	t                     *testing.T
	ctx                   context.Context
	tenant, review        string
	lead, second, finding string
	in                    func(actor string, fn func(tx pgx.Tx) error) error
	count                 func(sql string, args ...any) int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := testenv.DemoDB(t)
	w := &world{t: t, ctx: context.Background()}
	q := func(dst *string, sql string, args ...any) {
		t.Helper()
		if err := d.Super.QueryRow(w.ctx, sql, args...).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(&w.review, `SELECT id::text FROM reviews WHERE title = $1`, demo.ReviewTitle)
	q(&w.tenant, `SELECT tenant_id::text FROM reviews WHERE id = $1`, w.review)
	q(&w.lead, `SELECT id::text FROM users WHERE email = 'lead@demo.test'`)
	q(&w.second, `SELECT id::text FROM users WHERE email = 'admin@demo.test'`)
	q(&w.finding, `SELECT id::text FROM findings WHERE review_id = $1 ORDER BY position LIMIT 1`, w.review)
	w.in = func(actor string, fn func(tx pgx.Tx) error) error {
		return db.InTx(w.ctx, d.App, db.Scope{TenantID: w.tenant, UserID: actor}, fn)
	}
	w.count = func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := d.Super.QueryRow(w.ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return w
}

func (w *world) raise(actor, target, body, key string) (string, bool, error) {
	var id string
	var created bool
	err := w.in(actor, func(tx pgx.Tx) (err error) {
		id, created, err = reviewnote.Raise(w.ctx, tx, w.tenant, w.review, actor, reviewnote.RaiseInput{Target: target, Body: body, Key: key})
		return err
	})
	return id, created, err
}

func (w *world) step(actor, action, id, body, key string) error {
	return w.in(actor, func(tx pgx.Tx) error {
		n, err := reviewnote.Get(w.ctx, tx, w.tenant, w.review, id)
		if err != nil {
			return err
		}
		_, _, err = reviewnote.Step(w.ctx, tx, w.tenant, w.review, actor, action, reviewnote.StepInput{NoteID: id, Version: n.Version, Body: body, Key: key})
		return err
	})
}

func (w *world) sign(actor, to string) error {
	return w.in(actor, func(tx pgx.Tx) error {
		s, err := report.LoadState(w.ctx, tx, w.tenant, w.review)
		if err != nil {
			return err
		}
		_, err = report.Move(w.ctx, tx, w.tenant, w.review, actor, to, "", s.Version)
		return err
	})
}

func (w *world) get(id string) reviewnote.Note {
	w.t.Helper()
	var n reviewnote.Note
	if err := w.in(w.lead, func(tx pgx.Tx) (err error) { n, err = reviewnote.Get(w.ctx, tx, w.tenant, w.review, id); return err }); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func refused(t *testing.T, what string, err error, part string) {
	t.Helper()
	if err == nil || !strings.Contains(apperr.MessageOf(err)+err.Error(), part) {
		t.Fatalf("%s: %v, want a refusal saying %q", what, err, part)
	}
}

// TestANoteFromRaiseToClearAndApproval walks one note through its life with the report's
// sign-off: raised in quality assurance by the second lead, answered, addressed, reopened,
// addressed again and cleared, and the approval refused until it is cleared.
func TestANoteFromRaiseToClearAndApproval(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	finding := "finding:" + w.finding

	_, _, err := w.raise(w.second, finding, "Say which areas.", "k-early")
	refused(t, "raising on a draft", err, "while the report is in quality assurance")

	must(t, "on to drafting", w.in(w.lead, func(tx pgx.Tx) error {
		rv, err := review.Get(w.ctx, tx, w.tenant, w.review)
		if err != nil {
			return err
		}
		_, err = report.MoveStage(w.ctx, tx, w.tenant, w.review, w.lead, rv.Version, review.StatusDrafting, "")
		return err
	}))
	must(t, "sent for quality assurance", w.sign(w.lead, report.StatusQA))

	_, _, err = w.raise(w.lead, finding, "My own point.", "k-sender")
	refused(t, "raised by the sender", err, "you sent the report")
	_, _, err = w.raise(w.second, "finding:0190c0de-0000-7000-8000-000000000001", "Which?", "k-other")
	var ref *reviewnote.Refused
	if !errors.As(err, &ref) || !ref.Errors.Has("target") {
		t.Fatalf("a finding of no review: %v, want a refusal of the target", err)
	}
	_, _, err = w.raise(w.second, finding, "  ", "k-empty")
	if !errors.As(err, &ref) || !ref.Errors.Has("body") {
		t.Fatalf("an empty note: %v, want a refusal of the body", err)
	}

	id, created, err := w.raise(w.second, finding, "Say how many areas this was seen in.", "k-1")
	must(t, "raise", err)
	again, createdAgain, err := w.raise(w.second, finding, "Say how many areas this was seen in.", "k-1")
	must(t, "raise again", err)
	if !created || createdAgain || again != id {
		t.Fatalf("raise twice with one key: %s %v, %s %v; want one note", id, created, again, createdAgain)
	}
	n := w.get(id)
	if n.Number != 1 || n.Status != reviewnote.StatusOpen || n.Target.Kind != "finding" || n.Target.ID != w.finding ||
		!strings.HasPrefix(n.TargetLabel, "Finding: ") || n.RaisedBy != w.second {
		t.Fatalf("raised note: %+v", n)
	}
	if c := w.count(`SELECT count(*) FROM review_notes WHERE review_id = $1`, w.review); c != 1 {
		t.Fatalf("%d notes, want 1", c)
	}

	err = w.sign(w.second, report.StatusApproved)
	var step *report.StepError
	if !errors.As(err, &step) || step.Field != report.FieldReviewNotes || !strings.Contains(step.Message, "while 1 review note is open") {
		t.Fatalf("approval with an open note: %v", err)
	}

	refused(t, "the raiser addresses it", w.step(w.second, reviewnote.ActionAddressed, id, "", "s-0"), "you raised it")
	refused(t, "an empty reply", w.step(w.lead, reviewnote.ActionReply, id, " ", "s-1"), "Enter your reply")
	must(t, "reply", w.step(w.lead, reviewnote.ActionReply, id, "Which finding do you mean?", "s-2"))
	must(t, "reply again with the same key", w.step(w.lead, reviewnote.ActionReply, id, "Which finding do you mean?", "s-2"))
	must(t, "address", w.step(w.lead, reviewnote.ActionAddressed, id, "Added the count.", "s-3"))
	refused(t, "the lead who addressed it clears it", w.step(w.lead, reviewnote.ActionCleared, id, "", "s-4"), "you addressed it")
	refused(t, "a reopening without a reason", w.step(w.second, reviewnote.ActionReopened, id, "", "s-5"), "Say why")
	must(t, "reopen", w.step(w.second, reviewnote.ActionReopened, id, "The count is for one area only.", "s-6"))
	if n := w.get(id); n.Status != reviewnote.StatusOpen || n.AddressedBy != "" {
		t.Fatalf("reopened note: %+v", n)
	}
	must(t, "address again", w.step(w.lead, reviewnote.ActionAddressed, id, "", "s-7"))

	// A step from a version someone else has moved on is a conflict.
	stale := w.get(id).Version - 1
	err = w.in(w.second, func(tx pgx.Tx) error {
		_, _, err := reviewnote.Step(w.ctx, tx, w.tenant, w.review, w.second, reviewnote.ActionCleared,
			reviewnote.StepInput{NoteID: id, Version: stale, Key: "s-8"})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("a stale clear: %v, want a conflict", err)
	}
	if err := w.sign(w.second, report.StatusApproved); !errors.As(err, &step) {
		t.Fatalf("approval with an addressed note: %v", err)
	}
	must(t, "clear", w.step(w.second, reviewnote.ActionCleared, id, "Thanks.", "s-9"))
	refused(t, "a reply to a cleared note", w.step(w.lead, reviewnote.ActionReply, id, "One more thing", "s-10"), "cleared")

	n = w.get(id)
	if n.Status != reviewnote.StatusCleared || n.ClearedBy != w.second || n.AddressedBy != w.lead {
		t.Fatalf("cleared note: %+v", n)
	}
	var actions []string
	for _, r := range n.Thread {
		actions = append(actions, r.Action)
	}
	if got := strings.Join(actions, " "); got != "reply addressed reopened addressed cleared" {
		t.Fatalf("thread: %s", got)
	}
	must(t, "approve", w.sign(w.second, report.StatusApproved))
	_, _, err = w.raise(w.second, finding, "Too late.", "k-late")
	refused(t, "raising on an approved report", err, "while the report is in quality assurance")

	for action, want := range map[string]int{"review_note.raised": 1, "review_note.replied": 1, "review_note.addressed": 2,
		"review_note.reopened": 1, "review_note.cleared": 1} {
		if got := w.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, id); got != want {
			t.Errorf("%s: %d audit entries, want %d", action, got, want)
		}
	}
	var open int
	must(t, "count", w.in(w.lead, func(tx pgx.Tx) (err error) {
		open, err = reviewnote.Uncleared(w.ctx, tx, w.tenant, w.review)
		return err
	}))
	if open != 0 {
		t.Errorf("%d notes not cleared, want 0", open)
	}

	// Row-level security: another tenant sees none of the notes.
	// The scope is another tenant's; the query names this one's: only the policy stands between.
	other := w.tenant
	w.tenant = "00000000-0000-4000-8000-000000000000"
	var list []reviewnote.Note
	must(t, "list as another tenant", w.in(w.lead, func(tx pgx.Tx) (err error) {
		list, err = reviewnote.List(w.ctx, tx, other, w.review, true)
		return err
	}))
	if len(list) != 0 {
		t.Errorf("another tenant's scope lists %d notes", len(list))
	}
}
