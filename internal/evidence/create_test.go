package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
)

// Notes saved at once that create the same new tags: each note gets every tag it names, though
// a tag another note created after its statement began is not in that statement's snapshot.
func TestConcurrentNotesCreatingTheSameTagsGetThemAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "tagrace")
	r := f.review("Start for Life", "E06000057")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := r.input(fmt.Sprintf("tag-race-%d", i), "Parents described the new hub.")
			in.Tags = []string{"Brand new theme", "another NEW theme"}
			errs[i] = db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: f.author}, func(tx pgx.Tx) error {
				_, created, err := evidence.Create(context.Background(), tx, f.tenant, r.id, f.author, in)
				if err == nil && !created {
					err = fmt.Errorf("not created")
				}
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	var notes, tags, links, perNote int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM evidence_notes WHERE tenant_id = $1),
		(SELECT count(*) FROM evidence_tags WHERE tenant_id = $1 AND lower(name) IN ('brand new theme', 'another new theme')),
		(SELECT count(*) FROM evidence_note_tags WHERE tenant_id = $1),
		(SELECT min(c) FROM (SELECT count(*) AS c FROM evidence_note_tags WHERE tenant_id = $1 GROUP BY note_id) x)`,
		f.tenant).Scan(&notes, &tags, &links, &perNote))
	if notes != n || tags != 2 || links != 2*n || perNote != 2 {
		t.Errorf("notes %d, tags %d, links %d, fewest tags on a note %d; want %d, 2, %d, 2", notes, tags, links, perNote, n, 2*n)
	}
	// The coverage counters agree with the links.
	var counted int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT coalesce(sum(strength + development + neutral), 0)
		FROM evidence_counts_live WHERE tenant_id = $1 AND dimension = 'tag'`, f.tenant).Scan(&counted))
	if counted != 2*n {
		t.Errorf("tag counters add up to %d, want %d", counted, 2*n)
	}
}

// The guard reads the review's people (members, and people invited who have no account yet, local
// authority contacts among them) as staff, and anyone else named as a person.
func TestCreateCheckedNamesTheReviewsPeopleAsStaff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, dbtest.New(t), "pdstaff")
	r := f.review("Start for Life", "E06000057")
	_, err := f.d.Super.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'inspector')`,
		f.tenant, r.id, f.author)
	f.must(err)
	_, err = f.d.Super.Exec(ctx, `INSERT INTO review_member_invites (tenant_id, review_id, email, name, role, area_id)
		SELECT $1, $2, 'wendy@council.test', 'Wendy Contact', 'la_contact', id FROM review_areas WHERE tenant_id = $1 AND review_id = $2`,
		f.tenant, r.id)
	f.must(err)
	in := r.input("pd-staff", "Ann Author and Wendy Contact met Sarah Jones at the hub.")
	err = f.tx(func(tx pgx.Tx) error {
		_, _, err := evidence.CreateChecked(ctx, tx, f.tenant, r.id, f.author, in, evidence.PersonalData{Scan: true})
		return err
	})
	var refused *evidence.Refused
	if !errors.As(err, &refused) {
		t.Fatalf("want a refusal, got %v", err)
	}
	var got []string
	for _, h := range refused.Found {
		got = append(got, h.Kind+":"+h.Text)
	}
	want := []string{"staff_name:Ann Author", "staff_name:Wendy Contact", "name:Sarah Jones"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if msg := refused.Errors.Get("body"); !strings.Contains(msg, "2 names of members of staff") {
		t.Errorf("message %q", msg)
	}
}

// The guard keeps a review's people's names between saves: a person invited, renamed or no
// longer invited is seen by the next note saved.
func TestCreateCheckedSeesTheReviewsPeopleAsTheyChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, dbtest.New(t), "pdchange")
	r := f.review("Start for Life", "E06000057")
	change := func(sql string, args ...any) {
		t.Helper()
		_, err := f.d.Super.Exec(ctx, sql, args...)
		f.must(err)
	}
	change(`INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'inspector')`, f.tenant, r.id, f.author)
	found := func(key string) string {
		t.Helper()
		in := r.input(key, "Ann Author and Wendy Contact met Annabel Writer at the hub.")
		err := f.tx(func(tx pgx.Tx) error {
			_, _, err := evidence.CreateChecked(ctx, tx, f.tenant, r.id, f.author, in, evidence.PersonalData{Scan: true})
			return err
		})
		var refused *evidence.Refused
		if !errors.As(err, &refused) {
			t.Fatalf("%s: want a refusal, got %v", key, err)
		}
		var got []string
		for _, h := range refused.Found {
			got = append(got, h.Kind+":"+h.Text)
		}
		return strings.Join(got, ", ")
	}
	steps := []struct {
		change func()
		want   string
	}{
		{func() {}, "staff_name:Ann Author, name:Wendy Contact, name:Annabel Writer"},
		{func() {
			change(`INSERT INTO review_member_invites (tenant_id, review_id, email, name, role)
				VALUES ($1, $2, 'wendy@council.test', 'Wendy Contact', 'inspector')`, f.tenant, r.id)
		}, "staff_name:Ann Author, staff_name:Wendy Contact, name:Annabel Writer"},
		{func() { change(`UPDATE users SET name = 'Annabel Writer' WHERE id = $1`, f.author) },
			"name:Ann Author, staff_name:Wendy Contact, staff_name:Annabel Writer"},
		{func() {
			change(`DELETE FROM review_member_invites WHERE tenant_id = $1 AND review_id = $2`, f.tenant, r.id)
		},
			"name:Ann Author, name:Wendy Contact, staff_name:Annabel Writer"},
		{func() { change(`DELETE FROM review_members WHERE tenant_id = $1 AND review_id = $2`, f.tenant, r.id) },
			"name:Ann Author, name:Wendy Contact, name:Annabel Writer"},
	}
	for i, s := range steps {
		s.change()
		// Twice: the second save is checked against the names the first one kept.
		for j := range 2 {
			if got := found(fmt.Sprintf("pd-change-%d-%d", i, j)); got != s.want {
				t.Errorf("step %d, save %d: found %q, want %q", i, j, got, s.want)
			}
		}
	}
}
