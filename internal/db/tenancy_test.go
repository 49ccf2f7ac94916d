package db_test

// Tenancy isolation, tested against real PostgreSQL as the server's role (thematic_app). Every
// read here has no WHERE clause on tenant_id: only row-level security keeps tenants apart, so each
// test fails if RLS were disabled, a policy loosened, or the role able to bypass it.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/user"
)

func TestScopedReadsSeeOnlyOwnTenant(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	tables := tenantTables(t, d)

	for _, id := range []string{f.A, f.B} {
		want := f.want[id]
		want["tenants"] = 1
		err := db.InTx(ctx, d.App, db.Scope{TenantID: id}, func(tx pgx.Tx) error {
			for _, p := range scopeProblems(ctx, tx, id, append([]string{"tenants"}, tables...), want) {
				t.Error(p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The same with the signed-in user set too, as every request does: Shared is in both tenants
	// but in scope A sees only A.
	err := db.InTx(ctx, d.App, db.Scope{TenantID: f.A, UserID: f.Shared}, func(tx pgx.Tx) error {
		for _, p := range scopeProblems(ctx, tx, f.A, tables, f.want[f.A]) {
			t.Error("with user set: " + p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNoScopeSeesNoTenantRows(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	tables := append([]string{"tenants", "users"}, tenantTables(t, d)...)

	// Straight from the pool: no transaction, app.tenant_id never set on the connection.
	for _, p := range emptyProblems(ctx, d.App, tables) {
		t.Error("plain pool query: " + p)
	}
	// A transaction with an empty scope, as sign-in uses.
	err := db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		for _, p := range emptyProblems(ctx, tx, tables) {
			t.Error("empty scope: " + p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A user with no membership, signed in but in no tenant, sees no tenant data either.
	err = db.InTx(ctx, d.App, db.Scope{UserID: f.Loner}, func(tx pgx.Tx) error {
		for _, p := range emptyProblems(ctx, tx, append([]string{"tenants"}, tenantTables(t, d)...)) {
			t.Error("member of nothing: " + p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The superuser does see them, so the zeros above are not an empty fixture.
	var n int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM memberships`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("superuser sees %d memberships (err %v)", n, err)
	}
}

// With no tenant but a signed-in user (choosing a tenant after sign-in), the user sees their own
// memberships and the tenants they actively belong to, and nothing else.
func TestUserOnlyScopeSeesOwnMemberships(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()

	err := db.InTx(ctx, d.App, db.Scope{UserID: f.Shared}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT tenant_id::text, user_id::text FROM memberships`)
		if err != nil {
			return err
		}
		type m struct{ Tenant, User string }
		ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[m])
		if err != nil {
			return err
		}
		if len(ms) != 2 {
			t.Errorf("user-only scope sees %d memberships, want 2 (their own): %v", len(ms), ms)
		}
		for _, x := range ms {
			if x.User != f.Shared {
				t.Errorf("user-only scope sees another user's membership %v", x)
			}
		}
		tenants, err := visibleTenantIDs(ctx, tx, "tenants")
		if err != nil {
			return err
		}
		if got, want := uniq(tenants), uniq([]string{f.A, f.B}); !slices.Equal(got, want) {
			t.Errorf("user-only scope sees tenants %v, want %v", got, want)
		}
		for _, p := range emptyProblems(ctx, tx, []string{"invitations", "audit_log"}) {
			t.Error("user-only scope: " + p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Deactivated in B: B drops out of the tenants they can choose.
	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: f.B}, func(tx pgx.Tx) error {
		return user.SetActive(ctx, tx, f.B, f.Shared, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, d.App, db.Scope{UserID: f.Shared}, func(tx pgx.Tx) error {
		tenants, err := visibleTenantIDs(ctx, tx, "tenants")
		if err != nil {
			return err
		}
		if !slices.Equal(tenants, []string{f.A}) {
			t.Errorf("after deactivation in B, user-only scope sees tenants %v, want only A", tenants)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCrossTenantWritesRefused(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	before := snapshot(t, d, f.B)
	scopeA := db.Scope{TenantID: f.A, UserID: f.AdminA}

	// Each statement runs in its own transaction, since a refused statement aborts the transaction.
	exec := func(sql string, args ...any) (int64, error) {
		var n int64
		err := db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			n = tag.RowsAffected()
			return err
		})
		return n, err
	}
	refused := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: succeeded from scope A, want refusal", name)
		} else if sqlState(err) != "42501" {
			t.Errorf("%s: error %v (SQLSTATE %q), want 42501", name, err, sqlState(err))
		}
	}

	// INSERT with B's tenant id: the policies' WITH CHECK refuses the row.
	for _, c := range []struct {
		name string
		sql  string
		args []any
	}{
		{"insert membership for B", `INSERT INTO memberships (tenant_id, user_id) VALUES ($1, $2)`, []any{f.B, f.Loner}},
		{"insert invitation for B", `INSERT INTO invitations (tenant_id, email, name, role, invited_by, token_hash, expires_at)
			VALUES ($1, 'x@example.test', 'X', 'admin', $2, '\x01', now() + interval '1 day')`, []any{f.B, f.AdminA}},
		{"insert audit entry for B", `INSERT INTO audit_log (tenant_id, action) VALUES ($1, 'forged')`, []any{f.B}},
		{"insert audit entry with no tenant from a tenant scope", `INSERT INTO audit_log (tenant_id, action) VALUES (NULL, 'forged')`, nil},
		{"move A's memberships to B", `UPDATE memberships SET tenant_id = $1 WHERE tenant_id = $2`, []any{f.B, f.A}},
		{"move A's invitations to B", `UPDATE invitations SET tenant_id = $1`, []any{f.B}},
		{"re-key tenant A", `UPDATE tenants SET id = $1`, []any{newUUID(t)}},
		{"insert a tenant", `INSERT INTO tenants (slug, name) VALUES ('charlie', 'C')`, nil},
	} {
		_, err := exec(c.sql, c.args...)
		refused(c.name, err)
	}

	// The store functions, given B's id, are refused the same way.
	err := db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		return user.AddMember(ctx, tx, f.B, f.Loner, auth.RoleAdmin)
	})
	refused("user.AddMember into B", err)
	err = db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		return user.AddMember(ctx, tx, f.B, f.Shared, auth.RoleAdmin) // ON CONFLICT DO UPDATE of B's row
	})
	refused("user.AddMember upserting B's existing row", err)
	err = db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		_, err := user.CreateInvitation(ctx, tx, user.Invitation{TenantID: f.B, Email: "y@example.test", Name: "Y",
			Role: auth.RoleAdmin, ExpiresAt: time.Now().Add(time.Hour)}, f.AdminA, tokenHash("forged"))
		return err
	})
	refused("user.CreateInvitation in B", err)
	err = db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: f.B, Action: "forged"})
	})
	refused("audit.Record in B", err)
	err = db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		return user.SetRole(ctx, tx, f.B, f.AdminB, auth.RoleMember)
	})
	if !isNotFound(err) {
		t.Errorf("user.SetRole on B's member from scope A: %v, want not found", err)
	}

	// UPDATE and DELETE aimed at B's rows touch nothing: RLS hides them (or DELETE is not granted).
	for _, c := range []struct {
		name string
		sql  string
	}{
		{"update B's memberships", `UPDATE memberships SET role = 'admin', deactivated_at = now() WHERE tenant_id = $1`},
		{"update B's invitations", `UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1`},
		{"update tenant B", `UPDATE tenants SET name = 'pwned', require_2fa = true WHERE id = $1`},
		{"update B's member users", `UPDATE users SET name = 'pwned' WHERE id IN (SELECT user_id FROM memberships WHERE tenant_id = $1)`},
		{"delete B's memberships", `DELETE FROM memberships WHERE tenant_id = $1`},
		{"delete B's invitations", `DELETE FROM invitations WHERE tenant_id = $1`},
		{"delete B's audit entries", `DELETE FROM audit_log WHERE tenant_id = $1`},
	} {
		n, err := exec(c.sql, f.B)
		switch {
		case err != nil && sqlState(err) == "42501":
			// Not granted at all: refused before RLS is consulted.
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case n != 0:
			t.Errorf("%s: affected %d rows from scope A, want 0", c.name, n)
		}
	}

	// A statement with no WHERE clause at all touches only A's rows.
	n, err := exec(`UPDATE memberships SET updated_at = now()`)
	if err != nil || n != int64(f.want[f.A]["memberships"]) {
		t.Errorf("unfiltered UPDATE memberships from scope A: %d rows (err %v), want A's %d", n, err, f.want[f.A]["memberships"])
	}
	n, err = exec(`UPDATE invitations SET name = name`)
	if err != nil || n != int64(f.want[f.A]["invitations"]) {
		t.Errorf("unfiltered UPDATE invitations from scope A: %d rows (err %v), want A's %d", n, err, f.want[f.A]["invitations"])
	}
	n, err = exec(`UPDATE tenants SET name = name`)
	if err != nil || n != 1 {
		t.Errorf("unfiltered UPDATE tenants from scope A: %d rows (err %v), want 1", n, err)
	}

	if after := snapshot(t, d, f.B); after != before {
		t.Errorf("tenant B's data changed from scope A:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func isNotFound(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.CodeNotFound
}

func TestAuditLogAppendOnlyForApp(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	scopeA := db.Scope{TenantID: f.A, UserID: f.AdminA}

	err := db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: f.A, ActorID: f.AdminA, Action: "test.appended"})
	})
	if err != nil {
		t.Fatalf("app cannot append to the audit log in its own tenant: %v", err)
	}
	var before string
	if err := d.Super.QueryRow(ctx, `SELECT coalesce(string_agg(to_jsonb(a)::text, E'\n' ORDER BY id), '') FROM audit_log a`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET action = 'rewritten'`,
		`UPDATE audit_log SET before = NULL WHERE tenant_id = app_tenant()`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE tenant_id = app_tenant()`,
		`TRUNCATE audit_log`,
		`TRUNCATE audit_log CASCADE`,
	} {
		err := db.InTx(ctx, d.App, scopeA, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		})
		if err == nil || sqlState(err) != "42501" {
			t.Errorf("%s as the app: %v (SQLSTATE %q), want permission denied (42501)", sql, err, sqlState(err))
		}
	}
	var after string
	if err := d.Super.QueryRow(ctx, `SELECT coalesce(string_agg(to_jsonb(a)::text, E'\n' ORDER BY id), '') FROM audit_log a`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Error("the audit log changed after the app's refused updates and deletes")
	}
	// The privileges themselves, so that a grant added later fails here even if RLS would hide rows.
	for _, priv := range []string{"UPDATE", "DELETE", "TRUNCATE"} {
		var has bool
		if err := d.Super.QueryRow(ctx, `SELECT has_table_privilege('thematic_app', 'audit_log', $1)`, priv).Scan(&has); err != nil {
			t.Fatal(err)
		}
		if has {
			t.Errorf("thematic_app holds %s on audit_log", priv)
		}
	}
}

func TestConcurrentScopesDoNotLeak(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	pool, err := db.Open(ctx, d.AppURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tables := []string{"memberships", "audit_log", "invitations", "tenants"}
	want := map[string]map[string]int{}
	for _, id := range []string{f.A, f.B} {
		want[id] = map[string]int{"tenants": 1}
		for k, v := range f.want[id] {
			want[id][k] = v
		}
	}
	errRollback := errors.New("roll back on purpose")

	const workers, iterations = 64, 50
	var wg sync.WaitGroup
	var unscopedChecks atomic.Int64
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iterations {
				id := f.A
				if (g+i)%2 == 1 {
					id = f.B
				}
				rollback := i%5 == 4
				err := db.InTx(ctx, pool, db.Scope{TenantID: id, UserID: f.Shared}, func(tx pgx.Tx) error {
					for _, p := range scopeProblems(ctx, tx, id, tables, want[id]) {
						t.Errorf("worker %d iteration %d: %s", g, i, p)
					}
					if rollback {
						return errRollback
					}
					return nil
				})
				if rollback && !errors.Is(err, errRollback) || !rollback && err != nil {
					t.Errorf("worker %d iteration %d: %v", g, i, err)
				}
				// Straight after a scoped transaction, a plain query on the pool (whichever
				// connection it gets) must see no tenant: set_config(..., true) ended with the
				// transaction.
				if i%3 == 0 {
					unscopedChecks.Add(1)
					for _, p := range emptyProblems(ctx, pool, tables) {
						t.Errorf("worker %d iteration %d, unscoped after scope %s: %s", g, i, id, p)
					}
					var setting string
					if err := pool.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), '') ||
						'/' || coalesce(current_setting('app.user_id', true), '')`).Scan(&setting); err != nil {
						t.Errorf("worker %d: %v", g, err)
					} else if setting != "/" {
						t.Errorf("worker %d iteration %d: pooled connection carries settings %q after a transaction", g, i, setting)
					}
				}
			}
		}()
	}
	wg.Wait()
	if unscopedChecks.Load() == 0 {
		t.Error("no unscoped checks ran")
	}
	if st := pool.Stat(); st.TotalConns() > 4 {
		t.Errorf("pool grew to %d connections", st.TotalConns())
	}
}

func TestUsersVisibleOnlyWithinTenant(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()

	visibleUsers := func(s db.Scope) []string {
		t.Helper()
		var ids []string
		err := db.InTx(ctx, d.App, s, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id::text FROM users`)
			if err != nil {
				return err
			}
			ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return uniq(ids)
	}
	for _, c := range []struct {
		name  string
		scope db.Scope
		want  []string
	}{
		{"A's admin in A", db.Scope{TenantID: f.A, UserID: f.AdminA}, []string{f.AdminA, f.MemberA, f.Shared}},
		{"A's members with nobody signed in", db.Scope{TenantID: f.A}, []string{f.AdminA, f.MemberA, f.Shared}},
		{"B's admin in B", db.Scope{TenantID: f.B, UserID: f.AdminB}, []string{f.AdminB, f.Shared}},
		{"shared user in B", db.Scope{TenantID: f.B, UserID: f.Shared}, []string{f.AdminB, f.Shared}},
		// Not a member of A, yet signed in: sees A's members and themself, never B's.
		{"B's admin with A's scope", db.Scope{TenantID: f.A, UserID: f.AdminB}, []string{f.AdminA, f.MemberA, f.Shared, f.AdminB}},
		{"signed in, no tenant", db.Scope{UserID: f.AdminB}, []string{f.AdminB}},
		{"member of nothing", db.Scope{UserID: f.Loner}, []string{f.Loner}},
		{"no scope", db.Scope{}, nil},
	} {
		want := uniq(c.want)
		if got := visibleUsers(c.scope); !slices.Equal(got, want) {
			t.Errorf("%s: sees users %v, want %v", c.name, got, want)
		}
	}

	// user.Get of a user of another tenant is not found.
	err := db.InTx(ctx, d.App, db.Scope{TenantID: f.A, UserID: f.AdminA}, func(tx pgx.Tx) error {
		_, err := user.Get(ctx, tx, f.AdminB)
		return err
	})
	if !isNotFound(err) {
		t.Errorf("user.Get of B's admin from scope A: %v, want not found", err)
	}

	// A user may change only themself.
	before := snapshot(t, d, f.B)
	for _, target := range []string{f.AdminB, f.Shared, f.MemberA, f.Loner} {
		err := db.InTx(ctx, d.App, db.Scope{TenantID: f.A, UserID: f.AdminA}, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE users SET name = 'pwned', password_hash = 'x' WHERE id = $1`, target)
			if err == nil && tag.RowsAffected() != 0 {
				t.Errorf("A's admin updated user %s", target)
			}
			return err
		})
		if err != nil {
			t.Errorf("update user %s: %v", target, err)
		}
	}
	if after := snapshot(t, d, f.B); after != before {
		t.Error("B's users changed")
	}
	err = db.InTx(ctx, d.App, db.Scope{TenantID: f.A, UserID: f.AdminA}, func(tx pgx.Tx) error {
		_, err := user.SetOwnPassword(ctx, tx, f.AdminA, "new-hash")
		return err
	})
	if err != nil {
		t.Errorf("a user cannot change their own password: %v", err)
	}
}

func TestAuthUserByEmailWithoutScope(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()

	rows, err := d.App.Query(ctx, `SELECT * FROM auth_user_by_email($1)`, "  ADMIN-B@Example.TEST ")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, fd.Name)
	}
	rows.Close()
	if want := []string{"id", "email", "name", "password_hash", "totp_enabled"}; !slices.Equal(cols, want) {
		t.Errorf("auth_user_by_email returns columns %v, want only the credential columns %v", cols, want)
	}

	for _, s := range []db.Scope{{}, {TenantID: f.A}} { // no scope, and a tenant B's admin is not in
		var c user.Credentials
		err := db.InTx(ctx, d.App, s, func(tx pgx.Tx) error {
			var err error
			c, err = user.CredentialsByEmail(ctx, tx, "Admin-B@example.test")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != f.AdminB || c.Email != "admin-b@example.test" || c.PasswordHash != "hash-admin-b" {
			t.Errorf("scope %+v: credentials %+v, want B's admin", s, c)
		}
	}
	var n int
	if err := d.App.QueryRow(ctx, `SELECT count(*) FROM auth_user_by_email('nobody@example.test')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("unknown address: %d rows (err %v)", n, err)
	}
	// The look-up does not open the table: the app still sees no users without a scope.
	if err := d.App.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
		t.Errorf("app sees %d users with no scope (err %v)", n, err)
	}
}

func TestAuthSetPasswordChangesOnlyThatUser(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()

	type row struct {
		ID, Hash string
		Version  int
	}
	all := func() map[string]row {
		rows, err := d.Super.Query(ctx, `SELECT id::text, password_hash, auth_version FROM users`)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]row{}
		for _, r := range rs {
			m[r.ID] = r
		}
		return m
	}
	before := all()
	err := db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		return user.SetPasswordByReset(ctx, tx, f.AdminB, "reset-hash")
	})
	if err != nil {
		t.Fatalf("auth_set_password as the app with no scope: %v", err)
	}
	after := all()
	if len(after) != len(before) {
		t.Fatalf("user count changed: %d → %d", len(before), len(after))
	}
	for id, b := range before {
		a := after[id]
		if id == f.AdminB {
			if a.Hash != "reset-hash" || a.Version != b.Version+1 {
				t.Errorf("target user: hash %q version %d, want reset-hash and %d", a.Hash, a.Version, b.Version+1)
			}
		} else if a != b {
			t.Errorf("user %s changed by another user's reset: %+v → %+v", id, b, a)
		}
	}
}

// Accepting an invitation starts before anyone is signed in or any tenant is known: the look-up by
// token must find the invitation with no scope.
func TestAuthInvitationByTokenWithoutScope(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()

	var inv user.Invitation
	err := db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		var err error
		inv, err = user.InvitationByToken(ctx, tx, f.InvTokenB)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inv.TenantID != f.B || inv.Email != "new-b@example.test" || inv.TenantName != "Bravo Inspectorate" {
		t.Errorf("invitation by token: %+v", inv)
	}
	err = db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		inv, err = user.InvitationByToken(ctx, tx, f.InvTokenA)
		return err
	})
	if err != nil || inv.TenantID != f.A || inv.TenantName != "Alpha Inspectorate" {
		t.Errorf("A's invitation by token: %+v (err %v)", inv, err)
	}
	err = db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		_, err := user.InvitationByToken(ctx, tx, tokenHash("no such token"))
		return err
	})
	if !isNotFound(err) {
		t.Errorf("unknown token: %v, want not found", err)
	}
	// It returns that one invitation only: the app still cannot list invitations without a scope.
	for _, p := range emptyProblems(ctx, d.App, []string{"invitations"}) {
		t.Error(p)
	}
}

// TestIsolationChecksDetectLeaks proves the helpers above notice a leak: with RLS switched off on
// one table and a policy loosened on another, they report both.
func TestIsolationChecksDetectLeaks(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	f := setup(t, d)
	ctx := context.Background()
	for _, s := range []string{
		`ALTER TABLE memberships DISABLE ROW LEVEL SECURITY`,
		`DROP POLICY audit_log_read ON audit_log`,
		`CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (true)`,
	} {
		if _, err := d.Super.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var problems []string
	err := db.InTx(ctx, d.App, db.Scope{TenantID: f.A}, func(tx pgx.Tx) error {
		problems = scopeProblems(ctx, tx, f.A, coreTenantTables, f.want[f.A])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	for _, table := range []string{"memberships", "audit_log"} {
		if !strings.Contains(joined, table+": scope") {
			t.Errorf("leak in %s not reported; problems:\n%s", table, joined)
		}
	}
	if strings.Contains(joined, "invitations") {
		t.Errorf("invitations reported though untouched:\n%s", joined)
	}
	if p := emptyProblems(ctx, d.App, []string{"memberships"}); len(p) == 0 {
		t.Error("unscoped leak in memberships not reported")
	}
}
