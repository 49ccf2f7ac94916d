package evidence_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
	"thematic/internal/user"
)

// people adds users to the fixture's tenant and gives them a role in the review.
func (f *fixture) person(r rev, email, name, role string) string {
	f.t.Helper()
	ctx := context.Background()
	var id string
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		if id, err = user.Create(ctx, tx, email, name, "not-a-password-hash"); err != nil {
			return err
		}
		if err := user.AddMember(ctx, tx, f.tenant, id, auth.RoleStaff); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, $4)`,
			f.tenant, r.id, id, role)
		return err
	}))
	return id
}

// as runs fn as the server does: the application role, with RLS in full, for userID.
func (f *fixture) as(userID string, fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: userID}, fn)
}

type concernSet struct {
	f                        *fixture
	r                        rev
	lead, other, observer    string
	concern, plain, leadNote string
}

// newConcernSet is a review with its author (an inspector), a lead, another inspector and an
// observer, one note marked as a concern by its author (through the application role) and one
// ordinary note.
func newConcernSet(t *testing.T, slug string) *concernSet {
	t.Helper()
	f := newFixture(t, dbtest.New(t), slug)
	r := f.review("Start for Life", "E06000057")
	s := &concernSet{f: f, r: r}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'inspector')`,
			f.tenant, r.id, f.author)
		return err
	}))
	s.lead = f.person(r, "lead@"+slug+".test", "Lee Lead", "lead")
	s.other = f.person(r, "other@"+slug+".test", "Oli Other", "inspector")
	s.observer = f.person(r, "observer@"+slug+".test", "Obi Observer", "observer")
	in := r.input("concern-1", "A parent described harm to a child at home.")
	in.Safeguarding = true
	f.must(f.as(f.author, func(tx pgx.Tx) error {
		var err error
		s.concern, _, err = evidence.Create(context.Background(), tx, f.tenant, r.id, f.author, in)
		return err
	}))
	var err error
	if s.plain, _, err = f.create(r, r.input("plain-1", "Parents said the hub felt welcoming.")); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *concernSet) get(userID, noteID string) (evidence.Note, error) {
	var n evidence.Note
	err := s.f.as(userID, func(tx pgx.Tx) error {
		var err error
		n, err = evidence.Get(context.Background(), tx, s.f.tenant, s.r.id, noteID, true)
		return err
	})
	return n, db.MapError(err)
}

func TestConcernSeenOnlyByAuthorAndLeads(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-see")
	f, ctx := s.f, context.Background()
	for _, who := range []struct {
		name, id string
		sees     bool
	}{{"author", f.author, true}, {"lead", s.lead, true}, {"other inspector", s.other, false}, {"observer", s.observer, false}, {"nobody", "", false}} {
		n, err := s.get(who.id, s.concern)
		if who.sees && (err != nil || !n.Safeguarding) {
			t.Errorf("%s: %v %+v", who.name, err, n)
		}
		if !who.sees && !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("%s: want not found (row-level security), got %v", who.name, err)
		}
		if _, err := s.get(who.id, s.plain); who.id != "" && err != nil {
			t.Errorf("%s cannot see an ordinary note: %v", who.name, err)
		}
		var banner int
		f.must(f.as(who.id, func(tx pgx.Tx) error {
			var err error
			banner, err = evidence.OpenConcerns(ctx, tx, f.tenant, s.r.id)
			return err
		}))
		if want := map[bool]int{true: 1, false: 0}[who.sees]; banner != want {
			t.Errorf("%s: open concerns = %d, want %d", who.name, banner, want)
		}
	}
	// The owner (command line, seeding, benchmarks) is not bound by the safeguarding policy.
	if _, err := f.get(s.r, s.concern, false); err != nil {
		t.Errorf("owner: %v", err)
	}
	// Never in the evidence base, not even for a lead.
	f.must(f.as(s.lead, func(tx pgx.Tx) error {
		p, err := evidence.List(ctx, tx, f.tenant, s.r.id, evidence.Filter{})
		for _, n := range p.Rows {
			if n.ID == s.concern {
				t.Error("the concern is in the evidence base")
			}
		}
		return err
	}))
	// The audit log, which tenant admins read, never holds a concern's text.
	var leaked int
	f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND (after::text LIKE '%harm%' OR before::text LIKE '%harm%')`,
		s.concern).Scan(&leaked))
	if leaked != 0 {
		t.Errorf("%d audit entries hold the concern's text", leaked)
	}
	var raised int
	f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'safeguarding.raised' AND object_id = $1`, s.concern).Scan(&raised))
	if raised != 1 {
		t.Errorf("safeguarding.raised entries = %d", raised)
	}
}

func TestMarkingAConcernOnEdit(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-mark")
	f, ctx := s.f, context.Background()
	in := s.r.input("", "Parents said the hub felt welcoming.")
	in.Safeguarding = true
	// Another inspector may not mark the author's note: they would lose sight of it.
	err := f.as(s.other, func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, s.r.id, s.plain, s.other, 1, in)
		return err
	})
	var refused *evidence.Refused
	if !errors.As(err, &refused) || !refused.Errors.Has("safeguarding") {
		t.Fatalf("another inspector marking: %v", err)
	}
	// A lead may.
	f.must(f.as(s.lead, func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, s.r.id, s.plain, s.lead, 1, in)
		return err
	}))
	if _, err := s.get(s.other, s.plain); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("the marked note is still seen by another inspector: %v", err)
	}
	c, err := func() (evidence.Concern, error) {
		var c evidence.Concern
		err := f.as(s.lead, func(tx pgx.Tx) error {
			var err error
			c, err = evidence.GetConcern(ctx, tx, f.tenant, s.r.id, s.plain)
			return err
		})
		return c, err
	}()
	if err != nil || c.RaisedBy != "Lee Lead" || !c.Open() {
		t.Errorf("concern = %+v, %v", c, err)
	}
	// A concern stays one: unticking on an edit keeps it.
	in.Safeguarding = false
	f.must(f.as(s.lead, func(tx pgx.Tx) error {
		n, err := evidence.Update(ctx, tx, f.tenant, s.r.id, s.plain, s.lead, 2, in)
		if err == nil && !n.Safeguarding {
			t.Error("the concern was unmarked by an edit")
		}
		return err
	}))
	// It cannot be deleted.
	err = f.as(f.author, func(tx pgx.Tx) error {
		return evidence.SoftDelete(ctx, tx, f.tenant, s.r.id, s.concern, f.author)
	})
	if !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("deleting a concern: %v", err)
	}
}

func TestConcernActionsAndClosing(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-act")
	f, ctx := s.f, context.Background()
	record := func(who, key, body string) (bool, error) {
		var ok bool
		err := f.as(who, func(tx pgx.Tx) error {
			var err error
			ok, err = evidence.RecordAction(ctx, tx, f.tenant, s.r.id, s.concern, who, evidence.ActionInput{Body: body, Key: key})
			return err
		})
		return ok, db.MapError(err)
	}
	if ok, err := record(f.author, "a-1", "Told the designated safeguarding lead on site."); !ok || err != nil {
		t.Fatalf("author records: %v %v", ok, err)
	}
	if ok, err := record(f.author, "a-1", "Told the designated safeguarding lead on site."); ok || err != nil {
		t.Errorf("the same key again: %v %v", ok, err)
	}
	if ok, err := record(s.lead, "a-2", "Referred to the local authority."); !ok || err != nil {
		t.Fatalf("lead records: %v %v", ok, err)
	}
	if _, err := record(s.other, "a-3", "Nosy"); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("another inspector records: %v", err)
	}
	var refused *evidence.Refused
	if _, err := record(f.author, "a-4", "   "); !errors.As(err, &refused) || !refused.Errors.Has("action") {
		t.Errorf("empty action: %v", err)
	}
	// Another user's view of the actions table: none (the policy follows the note's).
	var seen int
	f.must(f.as(s.other, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM safeguarding_actions`).Scan(&seen)
	}))
	if seen != 0 {
		t.Errorf("another inspector sees %d actions", seen)
	}
	closeIt := func(who, text string) (bool, error) {
		var ok bool
		err := f.as(who, func(tx pgx.Tx) error {
			var err error
			ok, err = evidence.CloseConcern(ctx, tx, f.tenant, s.r.id, s.concern, who, text)
			return err
		})
		return ok, err
	}
	if _, err := closeIt(s.lead, ""); !errors.As(err, &refused) || !refused.Errors.Has("closing") {
		t.Errorf("closing without a note: %v", err)
	}
	if ok, err := closeIt(s.lead, "The local authority has it in hand."); !ok || err != nil {
		t.Fatalf("close: %v %v", ok, err)
	}
	if ok, err := closeIt(s.lead, "Again"); ok || err != nil {
		t.Errorf("close twice: %v %v", ok, err)
	}
	if _, err := record(f.author, "a-5", "Too late"); !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("action on a closed concern: %v", err)
	}
	var c evidence.Concern
	var open int
	var list []evidence.Concern
	f.must(f.as(s.lead, func(tx pgx.Tx) error {
		var err error
		if c, err = evidence.GetConcern(ctx, tx, f.tenant, s.r.id, s.concern); err != nil {
			return err
		}
		if list, err = evidence.Concerns(ctx, tx, f.tenant, s.r.id); err != nil {
			return err
		}
		open, err = evidence.OpenConcerns(ctx, tx, f.tenant, s.r.id)
		return err
	}))
	if c.Open() || c.ClosedBy != "Lee Lead" || c.Closing != "The local authority has it in hand." || len(c.Actions) != 2 ||
		c.Actions[0].RecordedBy != "Ann Author" || c.Actions[1].Body != "Referred to the local authority." {
		t.Errorf("concern = %+v", c)
	}
	if open != 0 || len(list) != 1 || list[0].LastAction == nil || list[0].LastAction.RecordedBy != "Lee Lead" || list[0].AreaName == "" {
		t.Errorf("open = %d, list = %+v", open, list)
	}
	for action, want := range map[string]int{"safeguarding.action_recorded": 2, "safeguarding.closed": 1} {
		var n int
		f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, s.concern).Scan(&n))
		if n != want {
			t.Errorf("%s entries = %d, want %d", action, n, want)
		}
	}
	var leaked int
	f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE after::text LIKE '%local authority%'`).Scan(&leaked))
	if leaked != 0 {
		t.Errorf("the audit log holds an action's text")
	}
}

// TestActionKeysAreTheRecorders: an action sent with the key of an action someone else recorded
// is recorded, not dropped as a double submission.
func TestActionKeysAreTheRecorders(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-actkeys")
	f, ctx := s.f, context.Background()
	record := func(who, body string) bool {
		var ok bool
		f.must(f.as(who, func(tx pgx.Tx) error {
			var err error
			ok, err = evidence.RecordAction(ctx, tx, f.tenant, s.r.id, s.concern, who, evidence.ActionInput{Body: body, Key: "shared-key"})
			return err
		}))
		return ok
	}
	if !record(f.author, "Told the designated safeguarding lead on site.") {
		t.Fatal("the author's action not recorded")
	}
	if !record(s.lead, "Referred to the local authority.") {
		t.Error("the lead's action, sent with the author's key, was dropped")
	}
	if record(s.lead, "Referred to the local authority.") {
		t.Error("the lead's replay recorded a second action")
	}
}

func TestClaimNoticeOnce(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-notice")
	f, ctx := s.f, context.Background()
	claim := func() (evidence.Notice, bool) {
		var n evidence.Notice
		var ok bool
		f.must(f.as(f.author, func(tx pgx.Tx) error {
			var err error
			n, ok, err = evidence.ClaimNotice(ctx, tx, f.tenant, s.r.id, s.concern)
			return err
		}))
		return n, ok
	}
	n, ok := claim()
	if !ok || n.ReviewTitle != "Start for Life" || n.RaisedBy != "Ann Author" || len(n.Leads) != 1 || n.Leads[0].Name != "Lee Lead" ||
		!strings.HasPrefix(n.Leads[0].Email, "lead@") {
		t.Errorf("notice = %+v %v", n, ok)
	}
	if _, ok := claim(); ok {
		t.Error("the leads would be told twice")
	}
	var none bool
	f.must(f.as(f.author, func(tx pgx.Tx) error {
		_, none, _ = evidence.ClaimNotice(ctx, tx, f.tenant, s.r.id, s.plain)
		return nil
	}))
	if none {
		t.Error("an ordinary note gave a notice")
	}
}

// TestConcernThemesSeenOnlyByThoseWhoSeeTheConcern: a theme used only on a concern is in the
// theme lists (filter, note form, suggestions) of the concern's author and the review's leads
// only, and never in the audit log.
func TestConcernThemesSeenOnlyByThoseWhoSeeTheConcern(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-tags")
	f, ctx := s.f, context.Background()
	const secret = "Harm at the Mill Lane home"
	in := s.r.input("concern-tags", "A child described what happens at home.")
	in.Safeguarding = true
	in.Tags = []string{secret, "fathers"}
	var concern string
	f.must(f.as(f.author, func(tx pgx.Tx) error {
		var err error
		concern, _, err = evidence.Create(ctx, tx, f.tenant, s.r.id, f.author, in)
		return err
	}))
	for _, who := range []struct {
		name, id string
		sees     bool
	}{{"author", f.author, true}, {"lead", s.lead, true}, {"other inspector", s.other, false}, {"observer", s.observer, false}} {
		lists := map[string][]string{}
		f.must(f.as(who.id, func(tx pgx.Tx) error {
			fc, err := evidence.FilterChoices(ctx, tx, f.tenant, s.r.id)
			if err != nil {
				return err
			}
			lists["filter"] = fc.Tags
			if lists["suggestions"], err = evidence.TagSuggestions(ctx, tx, f.tenant, s.r.id, 0); err != nil {
				return err
			}
			o, err := evidence.LoadOptions(ctx, tx, f.tenant, s.r.id)
			if err != nil {
				return err
			}
			lists["form options"] = o.Tags
			for _, suggest := range []bool{false, true} {
				fl, err := evidence.LoadFormLists(ctx, tx, f.tenant, s.r.id, s.r.visit, suggest)
				if err != nil {
					return err
				}
				lists[map[bool]string{false: "form lists", true: "form suggestions"}[suggest]] = fl.Tags
			}
			return nil
		}))
		for place, tags := range lists {
			if !slices.Contains(tags, "fathers") {
				t.Errorf("%s, %s: %v lacks a theme of an ordinary note", who.name, place, tags)
			}
			if slices.Contains(tags, secret) != who.sees {
				t.Errorf("%s, %s: %v; want the concern's theme shown = %v", who.name, place, tags, who.sees)
			}
		}
	}
	var leaked int
	f.must(f.d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_id = $1
		AND (coalesce(after::text, '') LIKE '%Mill Lane%' OR coalesce(before::text, '') LIKE '%Mill Lane%')`,
		concern).Scan(&leaked))
	if leaked != 0 {
		t.Errorf("%d audit entries hold the concern's themes", leaked)
	}
}
