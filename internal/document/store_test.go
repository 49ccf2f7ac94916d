package document_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/document"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// fixture is a tenant with one user and a review with one area.
type fixture struct {
	t                          *testing.T
	d                          *dbtest.DB
	tenant, user, review, area string
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
		id, err := user.Create(ctx, tx, "contact@"+slug+".test", "Carla Contact", "not-a-password-hash")
		if err != nil {
			return err
		}
		f.user = id
		if err := user.AddMember(ctx, tx, f.tenant, id, auth.RoleMember); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Documents') RETURNING id`, f.tenant).Scan(&f.review)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
				f.tenant, f.review).Scan(&f.area)
		}
		return err
	}))
	return f
}

func (f *fixture) tx(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), f.d.Owner, db.Scope{TenantID: f.tenant, UserID: f.user}, fn)
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) upload(key string, content []byte) (string, bool) {
	f.t.Helper()
	var id string
	var created bool
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		id, created, err = document.Create(context.Background(), tx, f.tenant, f.review, f.area, f.user, document.Upload{
			Title: "Self-assessment", Filename: "self-assessment.pdf", ContentType: document.TypePDF, Content: content, Key: key})
		return err
	}))
	return id, created
}

func TestDocumentStore(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	f := newFixture(t, d, "docs-a")
	other := newFixture(t, d, "docs-b")
	content := []byte("%PDF-1.7\nhello\n%%EOF\n")

	id, created := f.upload("form-1:0", content)
	if !created {
		t.Fatal("first upload not created")
	}
	// The same key again (a double submit) stores nothing new.
	id2, created := f.upload("form-1:0", content)
	if created || id2 != id {
		t.Fatalf("second upload: id %s created %v; want %s, false", id2, created, id)
	}

	f.must(f.tx(func(tx pgx.Tx) error {
		list, err := document.List(ctx, tx, f.tenant, f.review, f.area)
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].ID != id || list[0].Size != int64(len(content)) || list[0].Uploader != "Carla Contact" {
			t.Errorf("list = %+v", list)
		}
		sum := sha256.Sum256(content)
		if !bytes.Equal(list[0].SHA256, sum[:]) {
			t.Errorf("sha256 = %x, want %x", list[0].SHA256, sum)
		}
		b, err := document.Content(ctx, tx, f.tenant, f.review, f.area, id)
		if err != nil {
			return err
		}
		if !bytes.Equal(b, content) {
			t.Errorf("content = %q", b)
		}
		return nil
	}))

	// Another tenant reads nothing, even by id and even without the tenant filter (RLS).
	other.must(other.tx(func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM area_documents`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("other tenant sees %d documents", n)
		}
		if _, err := document.Content(ctx, tx, f.tenant, f.review, f.area, id); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("other tenant content: %v", err)
		}
		list, err := document.List(ctx, tx, f.tenant, f.review, f.area)
		if err != nil || len(list) != 0 {
			t.Errorf("other tenant list: %v %v", list, err)
		}
		return nil
	}))

	// Soft delete: gone from the list and the download, still in the table.
	f.must(f.tx(func(tx pgx.Tx) error { return document.Delete(ctx, tx, f.tenant, f.review, f.area, id, f.user) }))
	f.must(f.tx(func(tx pgx.Tx) error {
		if err := document.Delete(ctx, tx, f.tenant, f.review, f.area, id, f.user); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, err := document.Get(ctx, tx, f.tenant, f.review, f.area, id); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("get deleted: %v", err)
		}
		list, err := document.List(ctx, tx, f.tenant, f.review, f.area)
		if err != nil || len(list) != 0 {
			t.Errorf("list after delete: %v %v", list, err)
		}
		return nil
	}))
	var n int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM area_documents WHERE id = $1 AND deleted_at IS NOT NULL`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("soft-deleted row: %d %v", n, err)
	}
}

// TestDocumentListNeverReadsContent asks PostgreSQL which columns the list reads.
func TestDocumentListNeverReadsContent(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := newFixture(t, d, "docs-plan")
	rows, err := d.Super.Query(context.Background(), `EXPLAIN (VERBOSE, COSTS OFF) `+document.ListSQL, f.tenant, f.review, f.area)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// The top node's output is what the statement returns (a scan below may pass whole rows up
	// by pointer, which does not fetch a TOASTed value).
	plan := strings.Join(lines, "\n")
	var top string
	for _, l := range lines {
		if strings.Contains(l, "Output:") {
			top = l
			break
		}
	}
	if !strings.Contains(top, "d.content_type") {
		t.Fatalf("plan does not show its output columns:\n%s", plan)
	}
	if strings.Contains(strings.ReplaceAll(top, "d.content_type", ""), "d.content") {
		t.Errorf("the list reads the content column:\n%s", plan)
	}
}

// TestDocumentKeysAreTheUploaders: a document sent with another uploader's key is stored as a
// document of its own, and each uploader's replay finds their own.
func TestDocumentKeysAreTheUploaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "docs-keys")
	first, created := f.upload("demo-doc-001", []byte("%PDF-1.7\nfirst\n%%EOF\n"))
	if !created {
		t.Fatal("first upload not created")
	}
	uploader := f.user
	f.must(f.tx(func(tx pgx.Tx) error {
		id, err := user.Create(context.Background(), tx, "other@docs-keys.test", "Oli Other", "not-a-password-hash")
		if err == nil {
			err = user.AddMember(context.Background(), tx, f.tenant, id, auth.RoleMember)
		}
		f.user = id
		return err
	}))
	second, created := f.upload("demo-doc-001", []byte("%PDF-1.7\nsecond\n%%EOF\n"))
	if !created || second == first {
		t.Fatalf("the other uploader's document: %s created %v; want a document of its own (not %s)", second, created, first)
	}
	if again, created := f.upload("demo-doc-001", []byte("%PDF-1.7\nsecond\n%%EOF\n")); again != second || created {
		t.Errorf("the other's replay: %s %v, want %s false", again, created, second)
	}
	f.user = uploader
	if again, created := f.upload("demo-doc-001", []byte("%PDF-1.7\nfirst\n%%EOF\n")); again != first || created {
		t.Errorf("the first uploader's replay: %s %v, want %s false", again, created, first)
	}
}
