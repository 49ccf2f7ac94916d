package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// fixture is a tenant with one author and a review set up for evidence.
type fixture struct {
	t      *testing.T
	d      *dbtest.DB
	tenant string
	author string
}

// rev is a review with an area, a two-day visit (1 and 2 August 2023), an action area, a line of
// enquiry and the default sources and roles.
type rev struct {
	id, visit, actionArea, line, source, interview, role string
}

func newFixture(t *testing.T, d *dbtest.DB, slug string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, d: d}
	if err := d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&f.tenant); err != nil {
		t.Fatal(err)
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, f.tenant, slug, slug+" Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "author@"+slug+".test", "Ann Author", "not-a-password-hash")
		if err != nil {
			return err
		}
		f.author = id
		return user.AddMember(ctx, tx, f.tenant, id, auth.RoleStaff)
	}))
	return f
}

func (f *fixture) tx(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), f.d.Owner, db.Scope{TenantID: f.tenant, UserID: f.author}, fn)
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) review(title, ons string) rev {
	f.t.Helper()
	ctx := context.Background()
	var r rev
	f.must(f.tx(func(tx pgx.Tx) error {
		var area, group, egroup string
		err := tx.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, $2) RETURNING id`, f.tenant, title).Scan(&r.id)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3) RETURNING id`,
				f.tenant, r.id, ons).Scan(&area)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
				VALUES ($1, $2, $3, '2023-08-01', 2) RETURNING id`, f.tenant, r.id, area).Scan(&r.visit)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO framework_groups (tenant_id, review_id, title, position)
				VALUES ($1, $2, 'Access', 1) RETURNING id`, f.tenant, r.id).Scan(&group)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO action_areas (tenant_id, review_id, group_id, title, position)
				VALUES ($1, $2, $3, 'A welcoming hub for families', 1) RETURNING id`, f.tenant, r.id, group).Scan(&r.actionArea)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO enquiry_groups (tenant_id, review_id, title, position)
				VALUES ($1, $2, 'Experiences of families', 1) RETURNING id`, f.tenant, r.id).Scan(&egroup)
		}
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
				VALUES ($1, $2, $3, 'How do families find services?', 1) RETURNING id`, f.tenant, r.id, egroup).Scan(&r.line)
		}
		if err != nil {
			return err
		}
		if err := review.SeedVocabulary(ctx, tx, f.tenant, r.id, review.GeneralVocabulary("")); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT
			(SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND NOT needs_role ORDER BY position LIMIT 1),
			(SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND needs_role LIMIT 1),
			(SELECT id FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2 AND name = 'Midwife')`,
			f.tenant, r.id).Scan(&r.source, &r.interview, &r.role)
		return err
	}))
	return r
}

func (r rev) input(key, body string) evidence.NoteInput {
	return evidence.NoteInput{
		VisitID: r.visit, SourceID: r.source, NoteDate: "2023-08-02", Body: body,
		ActionAreas: []string{r.actionArea}, Lines: []string{r.line}, Tags: []string{"Infant feeding", "fathers"},
		Judgement: evidence.Strength, GoodPractice: true, FamilyWords: true, Key: key,
	}
}

func (f *fixture) create(r rev, in evidence.NoteInput) (string, bool, error) {
	var id string
	var created bool
	err := f.tx(func(tx pgx.Tx) error {
		var err error
		id, created, err = evidence.Create(context.Background(), tx, f.tenant, r.id, f.author, in)
		return err
	})
	return id, created, err
}

func (f *fixture) get(r rev, id string, withDeleted bool) (evidence.Note, error) {
	var n evidence.Note
	err := f.tx(func(tx pgx.Tx) error {
		var err error
		n, err = evidence.Get(context.Background(), tx, f.tenant, r.id, id, withDeleted)
		return err
	})
	return n, err
}

func TestCreateAndReadBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "create")
	r := f.review("Start for Life", "E06000057")
	in := r.input("key-1", "Parents said the hub felt welcoming.")
	in.Tags = append(in.Tags, "INFANT FEEDING")
	id, created, err := f.create(r, in)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	n, err := f.get(r, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if n.Body != in.Body || n.Judgement != evidence.Strength || !n.GoodPractice || !n.FamilyWords || n.Version != 1 ||
		n.AuthorID != f.author || n.NoteDate.Format("2006-01-02") != "2023-08-02" || n.RoleID != "" {
		t.Errorf("note = %+v", n)
	}
	if fmt.Sprint(n.ActionAreas) != fmt.Sprint([]string{r.actionArea}) || fmt.Sprint(n.Lines) != fmt.Sprint([]string{r.line}) {
		t.Errorf("links = %v %v", n.ActionAreas, n.Lines)
	}
	if fmt.Sprint(n.Tags) != "[fathers Infant feeding]" {
		t.Errorf("tags = %v", n.Tags)
	}
	// A second note reuses the tag whatever its case.
	in2 := r.input("key-2", "Fathers felt left out of antenatal classes.")
	in2.Tags = []string{"FATHERS"}
	if _, _, err := f.create(r, in2); err != nil {
		t.Fatal(err)
	}
	var tags int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_tags WHERE review_id = $1`, r.id).Scan(&tags))
	if tags != 2 {
		t.Errorf("tags in review = %d, want 2", tags)
	}
	// An interview needs a role.
	in3 := r.input("key-3", "The midwife described the referral pathway.")
	in3.SourceID = r.interview
	_, _, err = f.create(r, in3)
	var ref *evidence.Refused
	if !errors.As(err, &ref) || !ref.Errors.Has("role") {
		t.Fatalf("interview without role: %v", err)
	}
	in3.RoleID = r.role
	id3, _, err := f.create(r, in3)
	if err != nil {
		t.Fatal(err)
	}
	if n3, _ := f.get(r, id3, false); n3.RoleID != r.role {
		t.Errorf("role = %q", n3.RoleID)
	}
	var action string
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT action FROM audit_log WHERE object_id = $1`, id).Scan(&action))
	if action != "evidence.created" {
		t.Errorf("audit = %q", action)
	}
}

func TestCreateIsIdempotentUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "idem")
	r := f.review("Start for Life", "E06000057")
	in := r.input("same-key", "A note sent twenty times.")
	in.Tags = []string{"retry", "Offline"}
	var wg sync.WaitGroup
	ids := make([]string, 20)
	createdN := make([]bool, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: f.author}, func(tx pgx.Tx) error {
				var err error
				ids[i], createdN[i], err = evidence.Create(context.Background(), tx, f.tenant, r.id, f.author, in)
				return err
			})
			errs[i] = err
		}()
	}
	wg.Wait()
	created := 0
	for i := range 20 {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("call %d gave %s, want %s", i, ids[i], ids[0])
		}
		if createdN[i] {
			created++
		}
	}
	var notes, tags int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM evidence_notes WHERE tenant_id = $1),
		(SELECT count(*) FROM evidence_note_tags WHERE tenant_id = $1)`, f.tenant).Scan(&notes, &tags))
	if notes != 1 || created != 1 || tags != 2 {
		t.Errorf("notes = %d, created = %d, note tags = %d; want 1, 1, 2", notes, created, tags)
	}
}

// TestIdempotencyKeysAreTheAuthors: a note sent with another author's key is saved as a note of its
// own, and each author's replay of the key finds their own note.
func TestIdempotencyKeysAreTheAuthors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "idemauthor")
	r := f.review("Start for Life", "E06000057")
	other := f.person(r, "other@idemauthor.test", "Oli Other", "inspector")
	create := func(author, body string) (string, bool) {
		var id string
		var created bool
		f.must(db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: author}, func(tx pgx.Tx) error {
			var err error
			id, created, err = evidence.Create(context.Background(), tx, f.tenant, r.id, author, r.input("shared-key", body))
			return err
		}))
		return id, created
	}
	mine, created := create(f.author, "The author's note.")
	if !created {
		t.Fatal("first note not created")
	}
	theirs, created := create(other, "Another inspector's note, sent with the same key.")
	if !created || theirs == mine {
		t.Fatalf("the second author's note: id %s (first %s), created %v; want a note of its own", theirs, mine, created)
	}
	if id, created := create(f.author, "The author's note."); id != mine || created {
		t.Errorf("the author's replay: %s %v, want %s false", id, created, mine)
	}
	if id, created := create(other, "Another inspector's note, sent with the same key."); id != theirs || created {
		t.Errorf("the other's replay: %s %v, want %s false", id, created, theirs)
	}
	n, err := f.get(r, theirs, false)
	f.must(err)
	if n.AuthorID != other || n.Body != "Another inspector's note, sent with the same key." {
		t.Errorf("second note = %s by %s", n.Body, n.AuthorID)
	}
}

func TestCreateRefusesWhatBelongsToAnotherReview(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "other")
	r := f.review("Start for Life", "E06000057")
	o := f.review("Another review", "E08000024")
	// A tag of the same name in the other review is not linked: names are per review.
	if _, _, err := f.create(o, o.input("other-1", "A note in the other review.")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, field string
		edit        func(*evidence.NoteInput)
	}{
		{"action area", "action-areas", func(in *evidence.NoteInput) { in.ActionAreas = []string{r.actionArea, o.actionArea} }},
		{"line", "lines", func(in *evidence.NoteInput) { in.Lines = []string{o.line} }},
		{"source", "source", func(in *evidence.NoteInput) { in.SourceID = o.source }},
		{"role", "role", func(in *evidence.NoteInput) { in.SourceID, in.RoleID = r.interview, o.role }},
		{"date before the visit", "note-date", func(in *evidence.NoteInput) { in.NoteDate = "2023-07-31" }},
		{"date after the visit", "note-date", func(in *evidence.NoteInput) { in.NoteDate = "2023-08-03" }},
		{"empty body", "body", func(in *evidence.NoteInput) { in.Body = "  " }},
		{"visit", "", func(in *evidence.NoteInput) { in.VisitID = o.visit }},
		{"forged visit", "", func(in *evidence.NoteInput) { in.VisitID = "not-a-uuid" }},
	}
	for i, c := range cases {
		in := r.input(fmt.Sprintf("bad-%d", i), "Evidence that must not be saved.")
		c.edit(&in)
		_, _, err := f.create(r, in)
		if c.field == "" {
			if !apperr.Is(err, apperr.CodeNotFound) {
				t.Errorf("%s: err = %v, want not found", c.name, err)
			}
			continue
		}
		var ref *evidence.Refused
		if !errors.As(err, &ref) || !ref.Errors.Has(c.field) || !apperr.Is(err, apperr.CodeInvalid) {
			t.Errorf("%s: err = %v, want a message on %s", c.name, err, c.field)
		}
	}
	var n int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE review_id = $1`, r.id).Scan(&n))
	if n != 0 {
		t.Errorf("%d notes saved", n)
	}
	id, _, err := f.create(r, r.input("good", "Fine."))
	if err != nil {
		t.Fatal(err)
	}
	var tagReview string
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT DISTINCT t.review_id FROM evidence_note_tags nt
		JOIN evidence_tags t ON t.id = nt.tag_id WHERE nt.note_id = $1`, id).Scan(&tagReview))
	if tagReview != r.id {
		t.Errorf("tag linked from review %s", tagReview)
	}
}

func TestDatabaseRefusesLongBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "long")
	r := f.review("Start for Life", "E06000057")
	long := strings.Repeat("é", evidence.MaxBody+1)
	err := f.tx(func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id,
			source_id, note_date, body, idempotency_key)
			SELECT tenant_id, review_id, id, area_id, $2, $3, start_date, $4, 'long' FROM visits WHERE id = $1`,
			r.visit, f.author, r.source, long)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "evidence_notes_body_check") {
		t.Errorf("insert of %d characters: %v", evidence.MaxBody+1, err)
	}
	if _, _, err := f.create(r, r.input("long-2", long)); !apperr.Is(err, apperr.CodeInvalid) {
		t.Errorf("create: %v", err)
	}
	if _, _, err := f.create(r, r.input("max", strings.Repeat("é", evidence.MaxBody))); err != nil {
		t.Errorf("create at the limit: %v", err)
	}
}

func TestUpdateChecksVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "update")
	r := f.review("Start for Life", "E06000057")
	id, _, err := f.create(r, r.input("k", "First words."))
	if err != nil {
		t.Fatal(err)
	}
	update := func(version int, body string) (evidence.Note, error) {
		var n evidence.Note
		err := f.tx(func(tx pgx.Tx) error {
			in := r.input("", body)
			in.Tags = []string{"stigma"}
			in.Judgement = evidence.Development
			var err error
			n, err = evidence.Update(context.Background(), tx, f.tenant, r.id, id, f.author, version, in)
			return err
		})
		return n, err
	}
	n, err := update(1, "Second words.")
	if err != nil {
		t.Fatal(err)
	}
	if n.Version != 2 || n.Body != "Second words." || fmt.Sprint(n.Tags) != "[stigma]" || n.Judgement != evidence.Development {
		t.Errorf("after update: %+v", n)
	}
	_, err = update(1, "Stale words.")
	var stale *evidence.StaleError
	if !errors.As(err, &stale) || !apperr.Is(err, apperr.CodeConflict) || stale.Current.Version != 2 || stale.Current.Body != "Second words." {
		t.Fatalf("stale update: %v", err)
	}
	var before, after string
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT before::text, after::text FROM audit_log
		WHERE object_id = $1 AND action = 'evidence.updated'`, id).Scan(&before, &after))
	if !strings.Contains(before, "First words.") || !strings.Contains(after, "Second words.") ||
		strings.Contains(after, "visit_id") || !strings.Contains(after, "stigma") {
		t.Errorf("audit before %s after %s", before, after)
	}
}

func TestSoftDeleteAndUndelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "delete")
	r := f.review("Start for Life", "E06000057")
	id, _, err := f.create(r, r.input("k", "A note to delete."))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f.must(f.tx(func(tx pgx.Tx) error { return evidence.SoftDelete(ctx, tx, f.tenant, r.id, id, f.author) }))
	if _, err := f.get(r, id, false); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if n, err := f.get(r, id, true); err != nil || n.DeletedAt == nil {
		t.Errorf("get deleted when asked: %v %v", n.DeletedAt, err)
	}
	f.must(f.tx(func(tx pgx.Tx) error { return evidence.Undelete(ctx, tx, f.tenant, r.id, id, f.author) }))
	if n, err := f.get(r, id, false); err != nil || n.DeletedAt != nil {
		t.Errorf("get restored: %v %v", n.DeletedAt, err)
	}
	var actions string
	f.must(f.d.Super.QueryRow(ctx, `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE object_id = $1`, id).Scan(&actions))
	if actions != "evidence.created,evidence.deleted,evidence.restored" {
		t.Errorf("audit = %s", actions)
	}
	// The application role cannot delete a note outright.
	err = db.InTx(ctx, f.d.App, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM evidence_notes WHERE id = $1`, id)
		return err
	})
	if err == nil {
		t.Error("thematic_app deleted a note")
	}
}

func TestFullTextSearchStems(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "search")
	r := f.review("Start for Life", "E06000057")
	id, _, err := f.create(r, r.input("k1", "Health visitors made home visits and ran breastfeeding support groups every week."))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.create(r, r.input("k2", "The self-assessment was out of date.")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"visit", "breastfeeding support", "group"} {
		var got []string
		f.must(f.tx(func(tx pgx.Tx) error {
			rows, _ := tx.Query(context.Background(), `SELECT id::text FROM evidence_notes
				WHERE tenant_id = $1 AND search @@ websearch_to_tsquery('english', $2)`, f.tenant, q)
			var err error
			got, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}))
		if len(got) != 1 || got[0] != id {
			t.Errorf("search %q = %v, want [%s]", q, got, id)
		}
	}
}

func TestNotesInvisibleToAnotherTenant(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	a := newFixture(t, d, "tenant-a")
	b := newFixture(t, d, "tenant-b")
	r := a.review("Start for Life", "E06000057")
	id, _, err := a.create(r, r.input("k", "Tenant A's evidence."))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = db.InTx(ctx, d.App, db.Scope{TenantID: b.tenant, UserID: b.author}, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM evidence_notes) + (SELECT count(*) FROM evidence_tags)
			+ (SELECT count(*) FROM evidence_note_action_areas) + (SELECT count(*) FROM evidence_sources)`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("tenant B sees %d evidence rows", n)
		}
		if _, err := evidence.Get(ctx, tx, a.tenant, r.id, id, true); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("get from B: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Tenant A's own scope sees it through the application role.
	err = db.InTx(ctx, d.App, db.Scope{TenantID: a.tenant, UserID: a.author}, func(tx pgx.Tx) error {
		_, err := evidence.Get(ctx, tx, a.tenant, r.id, id, false)
		return err
	})
	if err != nil {
		t.Errorf("get from A: %v", err)
	}
}

func TestTaggedNoteCountCountsNotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "tagged")
	r := f.review("Start for Life", "E06000057")
	for i := range 3 {
		if _, _, err := f.create(r, r.input(fmt.Sprintf("k%d", i), "Evidence on the hub.")); err != nil {
			t.Fatal(err)
		}
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		ctx := context.Background()
		n, err := review.TaggedNoteCount(ctx, tx, f.tenant, r.actionArea)
		if err != nil {
			return err
		}
		all, err := review.FrameworkTaggedNoteCount(ctx, tx, f.tenant, r.id)
		if err != nil {
			return err
		}
		if n != 3 || all != 3 {
			t.Errorf("TaggedNoteCount = %d, FrameworkTaggedNoteCount = %d, want 3", n, all)
		}
		return nil
	}))
}
