package db_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// coreTenantTables are the tenant-owned tables the fixture fills. Tests that read "every tenant
// table" discover the list from the catalogue instead (tenantTables), so new tables are covered.
var coreTenantTables = []string{"memberships", "invitations", "audit_log"}

// fixture is two tenants, A and B, with different numbers of members, invitations and audit
// entries, a user who belongs to both, a user who belongs to neither, and one audit entry outside
// any tenant.
type fixture struct {
	A, B string // tenant ids

	AdminA, MemberA string // members of A only
	AdminB          string // member of B only
	Shared          string // member of A and of B
	Loner           string // member of no tenant

	InvTokenA, InvTokenB []byte // the token hash of one invitation in each tenant

	// want[tenant][table] is the number of rows the tenant owns, as the superuser counts them.
	want map[string]map[string]int
}

func (f *fixture) other(tenantID string) string {
	if tenantID == f.A {
		return f.B
	}
	return f.A
}

func newUUID(t testing.TB) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func tokenHash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// setup fills d with the fixture, writing as the owner inside each tenant's scope, as the command
// line does.
func setup(t testing.TB, d *dbtest.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{A: newUUID(t), B: newUUID(t)}
	expires := time.Now().Add(72 * time.Hour)
	rec := func(tx pgx.Tx, tenantID, actor, action, obj string) error {
		return audit.Record(audit.WithMeta(ctx, audit.Meta{RequestID: "setup-" + action, IP: "192.0.2.1"}), tx, audit.Event{
			TenantID: tenantID, ActorID: actor, Action: action, ObjectType: "user", ObjectID: obj,
			After: map[string]string{"tenant": tenantID},
		})
	}

	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: f.A}, func(tx pgx.Tx) error {
		var err error
		if err = tenant.Create(ctx, tx, f.A, "alpha", "Alpha Inspectorate"); err != nil {
			return err
		}
		if f.AdminA, err = user.Create(ctx, tx, "admin-a@example.test", "Admin A", "hash-admin-a"); err != nil {
			return err
		}
		if f.MemberA, err = user.Create(ctx, tx, "member-a@example.test", "Member A", "hash-member-a"); err != nil {
			return err
		}
		if f.Shared, err = user.Create(ctx, tx, "shared@example.test", "Shared Person", "hash-shared"); err != nil {
			return err
		}
		if f.Loner, err = user.Create(ctx, tx, "loner@example.test", "Loner", "hash-loner"); err != nil {
			return err
		}
		for _, m := range []struct {
			id   string
			role auth.Role
		}{{f.AdminA, auth.RoleAdmin}, {f.MemberA, auth.RoleMember}, {f.Shared, auth.RoleMember}} {
			if err := user.AddMember(ctx, tx, f.A, m.id, m.role); err != nil {
				return err
			}
			if err := rec(tx, f.A, f.AdminA, "membership.added", m.id); err != nil {
				return err
			}
		}
		f.InvTokenA = tokenHash("invite-a-1")
		for i, tok := range [][]byte{f.InvTokenA, tokenHash("invite-a-2")} {
			inv := user.Invitation{TenantID: f.A, Email: fmt.Sprintf("new-a-%d@example.test", i), Name: "New A",
				Role: auth.RoleMember, ExpiresAt: expires}
			if _, err := user.CreateInvitation(ctx, tx, inv, f.AdminA, tok); err != nil {
				return err
			}
		}
		return rec(tx, f.A, f.AdminA, "invitation.created", "")
	})
	if err != nil {
		t.Fatalf("setup tenant A: %v", err)
	}

	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: f.B}, func(tx pgx.Tx) error {
		var err error
		if err = tenant.Create(ctx, tx, f.B, "bravo", "Bravo Inspectorate"); err != nil {
			return err
		}
		if f.AdminB, err = user.Create(ctx, tx, "admin-b@example.test", "Admin B", "hash-admin-b"); err != nil {
			return err
		}
		if err := user.AddMember(ctx, tx, f.B, f.AdminB, auth.RoleAdmin); err != nil {
			return err
		}
		if err := user.AddMember(ctx, tx, f.B, f.Shared, auth.RoleAdmin); err != nil {
			return err
		}
		f.InvTokenB = tokenHash("invite-b-1")
		inv := user.Invitation{TenantID: f.B, Email: "new-b@example.test", Name: "New B", Role: auth.RoleAdmin, ExpiresAt: expires}
		if _, err := user.CreateInvitation(ctx, tx, inv, f.AdminB, f.InvTokenB); err != nil {
			return err
		}
		return rec(tx, f.B, f.AdminB, "membership.added", f.Shared)
	})
	if err != nil {
		t.Fatalf("setup tenant B: %v", err)
	}

	// An entry outside any tenant (a failed sign-in for an unknown address): no scope may read it.
	err = db.InTx(ctx, d.Owner, db.Scope{}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{ActorEmail: "nobody@example.test", Action: "auth.sign_in_failed"})
	})
	if err != nil {
		t.Fatalf("setup untenanted audit entry: %v", err)
	}

	f.want = map[string]map[string]int{f.A: {}, f.B: {}}
	for _, table := range coreTenantTables {
		for _, id := range []string{f.A, f.B} {
			var n int
			q := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` WHERE tenant_id = $1`
			if err := d.Super.QueryRow(ctx, q, id).Scan(&n); err != nil {
				t.Fatalf("count %s: %v", table, err)
			}
			if n == 0 {
				t.Fatalf("fixture: tenant %s has no rows in %s", id, table)
			}
			f.want[id][table] = n
		}
		if f.want[f.A][table] == f.want[f.B][table] {
			t.Fatalf("fixture: A and B have the same number of %s rows (%d); counts would not tell them apart",
				table, f.want[f.A][table])
		}
	}
	return f
}

// tenantTables lists every base table in schema public with a tenant_id column, from
// information_schema (as the superuser, which sees every table), so tables added later are
// checked without changing the tests.
func tenantTables(t testing.TB, d *dbtest.DB) []string {
	t.Helper()
	rows, err := d.Super.Query(context.Background(), `SELECT c.table_name::text
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, core := range coreTenantTables {
		if !slices.Contains(names, core) {
			t.Fatalf("tenant table discovery missed %s (found %v)", core, names)
		}
	}
	return names
}

// visibleTenantIDs reads tenant_id of every row of table that q can see, with no WHERE clause:
// only row-level security narrows it. NULL reads as "<null>". For tenants and users, which have no
// tenant_id, it reads id.
func visibleTenantIDs(ctx context.Context, q db.Querier, table string) ([]string, error) {
	col := "tenant_id"
	if table == "tenants" || table == "users" {
		col = "id"
	}
	rows, err := q.Query(ctx, `SELECT coalesce(`+col+`::text, '<null>') FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return ids, nil
}

// scopeProblems reads each table with no filter through q, which acts for tenantID, and describes
// every row of another tenant and every count that differs from want. An empty result means the
// scope saw exactly its own rows.
func scopeProblems(ctx context.Context, q db.Querier, tenantID string, tables []string, want map[string]int) []string {
	var problems []string
	for _, table := range tables {
		ids, err := visibleTenantIDs(ctx, q, table)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		foreign := 0
		for _, id := range ids {
			if id != tenantID {
				foreign++
			}
		}
		if foreign > 0 {
			problems = append(problems, fmt.Sprintf("%s: scope %s sees %d rows of other tenants (of %d)", table, tenantID, foreign, len(ids)))
		}
		if n, ok := want[table]; ok && len(ids) != n {
			problems = append(problems, fmt.Sprintf("%s: scope %s sees %d rows, want %d", table, tenantID, len(ids), n))
		}
	}
	return problems
}

// emptyProblems describes every table in which q sees any row at all.
func emptyProblems(ctx context.Context, q db.Querier, tables []string) []string {
	var problems []string
	for _, table := range tables {
		ids, err := visibleTenantIDs(ctx, q, table)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if len(ids) > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d rows visible with no tenant set (tenants %s)",
				table, len(ids), strings.Join(uniq(ids), ", ")))
		}
	}
	return problems
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
}

// sqlState is the SQLSTATE of err, or "" when it did not come from PostgreSQL.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// snapshot renders every row of a tenant's data, as the superuser sees it, for before/after
// comparisons.
func snapshot(t testing.TB, d *dbtest.DB, tenantID string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT to_jsonb(x)::text FROM tenants x WHERE id = $1`,
		`SELECT to_jsonb(x)::text FROM memberships x WHERE tenant_id = $1 ORDER BY user_id`,
		`SELECT to_jsonb(x)::text FROM invitations x WHERE tenant_id = $1 ORDER BY id`,
		`SELECT to_jsonb(x)::text FROM audit_log x WHERE tenant_id = $1 ORDER BY id`,
		`SELECT to_jsonb(x)::text FROM users x WHERE id IN (SELECT user_id FROM memberships WHERE tenant_id = $1) ORDER BY id`,
	} {
		rows, err := d.Super.Query(context.Background(), q, tenantID)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.Join(lines, "\n"))
		b.WriteString("\n--\n")
	}
	return b.String()
}
