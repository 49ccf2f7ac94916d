package evidence_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
	"thematic/internal/user"
)

// The filter's authors are the tenant's people with a note of the review that counts as
// evidence (not deleted, not a safeguarding concern), and another tenant sees none of them.
func TestFilterChoicesAuthorsAreThoseWithNotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	f := newFixture(t, d, "authors")
	other := newFixture(t, d, "authorsother")
	r := f.review("Start for Life", "E06000057")
	f.mustCreate(r, r.input("ann-1", "Parents valued the drop-in."))
	// Bea's only note is deleted, Cal's is a safeguarding concern, Dee wrote nothing.
	var people []string
	f.must(f.tx(func(tx pgx.Tx) error {
		for _, name := range []string{"Bea Deleted", "Cal Concern", "Dee Nothing"} {
			id, err := user.Create(ctx, tx, fmt.Sprintf("person%d@authors.test", len(people)), name, "not-a-password-hash")
			if err == nil {
				err = user.AddMember(ctx, tx, f.tenant, id, auth.RoleStaff)
			}
			if err != nil {
				return err
			}
			people = append(people, id)
		}
		bea, _, err := evidence.Create(ctx, tx, f.tenant, r.id, people[0], r.input("bea-1", "The hub opened late."))
		if err == nil {
			err = evidence.SoftDelete(ctx, tx, f.tenant, r.id, bea, people[0])
		}
		if err == nil {
			in := r.input("cal-1", "A concern about a child.")
			in.Safeguarding = true
			_, _, err = evidence.Create(ctx, tx, f.tenant, r.id, people[1], in)
		}
		return err
	}))
	authors := func(tenantID string) string {
		t.Helper()
		var o evidence.FilterOptions
		err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID, UserID: f.author}, func(tx pgx.Tx) (err error) {
			o, err = evidence.FilterChoices(ctx, tx, tenantID, r.id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(o.Authors)
	}
	if got, want := authors(f.tenant), fmt.Sprint([]evidence.FilterOption{{ID: f.author, Name: "Ann Author"}}); got != want {
		t.Errorf("authors %s, want %s", got, want)
	}
	// The review's tenant asked for by another tenant's scope: nobody.
	var leaked string
	if err := db.InTx(ctx, d.App, db.Scope{TenantID: other.tenant, UserID: other.author}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT review_note_authors($1, $2)::text`, f.tenant, r.id).Scan(&leaked)
	}); err != nil {
		t.Fatal(err)
	}
	if leaked != "[]" {
		t.Errorf("another tenant read the authors %s", leaked)
	}
}
