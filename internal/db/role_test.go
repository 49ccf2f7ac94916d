package db_test

// The database role the server runs as, and the schema invariants row-level security depends on.
// The invariants are discovered from the catalogue, so tables, views and functions added by later
// migrations are checked without changing this file.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
)

// globalTables are the tables in public that hold no tenant's data and so have no tenant_id. A new
// table must either have tenant_id (and then every tenancy check applies to it) or be listed here
// after deciding that it is not tenant data.
var globalTables = []string{
	"auth_failures", "dev_mail", "goose_db_version", "password_resets", "recovery_codes", "sessions",
	"tenants", "users",
	"staff_names_generation", // one counter moved when anyone is renamed (migration 00035)
	"local_authorities",      // public reference data: the English local authorities
	// River's job queue (migrations/00013_river.sql): jobs of every tenant in one queue; a job's
	// args name its tenant and the worker does the tenant's work in a transaction scoped to it.
	"river_job", "river_leader", "river_migration", "river_notification", "river_queue",
}

func TestAppRoleCannotBypassRLS(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()

	var name string
	var super, bypass, createRole, createDB bool
	err := d.App.QueryRow(ctx, `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
		FROM pg_roles WHERE rolname = current_user`).Scan(&name, &super, &bypass, &createRole, &createDB)
	if err != nil {
		t.Fatal(err)
	}
	if name != "thematic_app" {
		t.Fatalf("app pool connects as %q", name)
	}
	if super || bypass || createRole || createDB {
		t.Errorf("thematic_app: superuser=%v bypassrls=%v createrole=%v createdb=%v, want all false", super, bypass, createRole, createDB)
	}

	// It owns nothing here: no table, view, sequence or index, no function, no schema, not the database.
	var owned []string
	rows, err := d.App.Query(ctx, `
		SELECT 'relation ' || c.relname || ' (' || c.relkind::text || ')' FROM pg_class c
			WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
		UNION ALL SELECT 'function ' || p.proname FROM pg_proc p
			WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
		UNION ALL SELECT 'schema ' || n.nspname FROM pg_namespace n
			WHERE n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
		UNION ALL SELECT 'database ' || datname FROM pg_database
			WHERE datname = current_database() AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)`)
	if err != nil {
		t.Fatal(err)
	}
	if owned, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(owned) > 0 {
		t.Errorf("thematic_app owns %v; owners are exempt from RLS unless it is FORCEd", owned)
	}

	// Nor may it act as a role that could: ownership is inherited through role membership.
	rows, err = d.App.Query(ctx, `SELECT r.rolname FROM pg_roles r
		WHERE r.rolname <> current_user AND pg_has_role(current_user, r.oid, 'MEMBER')
		AND (r.rolsuper OR r.rolbypassrls OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid))`)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) > 0 {
		t.Errorf("thematic_app is a member of %v, which can bypass row-level security", roles)
	}

	// TRUNCATE ignores row-level security; TRIGGER and REFERENCES are not needed; CREATE would let it
	// own tables.
	rows, err = d.Super.Query(ctx, `SELECT c.relname || ': ' || p
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
		     unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) p
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND has_table_privilege('thematic_app', c.oid, p)
		UNION ALL SELECT 'schema public: CREATE' WHERE has_schema_privilege('thematic_app', 'public', 'CREATE')
		UNION ALL SELECT 'database: CREATE' WHERE has_database_privilege('thematic_app', current_database(), 'CREATE')`)
	if err != nil {
		t.Fatal(err)
	}
	privs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(privs) > 0 {
		t.Errorf("thematic_app holds privileges it must not: %v", privs)
	}
}

func TestCheckAppRole(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := db.CheckAppRole(ctx, d.App); err != nil {
		t.Errorf("CheckAppRole(app) = %v, want nil", err)
	}
	if err := db.CheckAppRole(ctx, d.Owner); err == nil {
		t.Error("CheckAppRole(owner) = nil; the owner owns every table and must be refused")
	}
	if err := db.CheckAppRole(ctx, d.Super); err == nil {
		t.Error("CheckAppRole(superuser) = nil, want an error")
	}
}

// TestCheckAppRoleRefusesUnsafeRoles builds, in transactions that are rolled back, a role with
// each way round RLS, switches to it and asks CheckAppRole. Roles are cluster-wide, so the shared
// thematic_app role is never changed.
func TestCheckAppRoleRefusesUnsafeRoles(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	setup(t, d)
	ctx := context.Background()

	asRole := func(t *testing.T, attrs string, prepare []string, fn func(tx pgx.Tx)) {
		t.Helper()
		tx, err := d.Super.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		role := "check_role_" + strings.ReplaceAll(newUUID(t), "-", "")[:16]
		stmts := append([]string{
			`CREATE ROLE ` + role + ` NOLOGIN ` + attrs,
			`GRANT thematic_app TO ` + role,
		}, prepare...)
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, strings.ReplaceAll(s, "$ROLE", role)); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if _, err := tx.Exec(ctx, `SET LOCAL ROLE `+role); err != nil {
			t.Fatal(err)
		}
		fn(tx)
	}
	membershipsVisible := func(t *testing.T, tx pgx.Tx) int {
		t.Helper()
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("restricted", func(t *testing.T) {
		asRole(t, "NOSUPERUSER NOBYPASSRLS", nil, func(tx pgx.Tx) {
			if err := db.CheckAppRole(ctx, tx); err != nil {
				t.Errorf("a role like thematic_app refused: %v", err)
			}
			if n := membershipsVisible(t, tx); n != 0 {
				t.Errorf("restricted role sees %d memberships with no scope", n)
			}
		})
	})
	for _, c := range []struct {
		name    string
		attrs   string
		prepare []string
	}{
		{"bypassrls", "BYPASSRLS", nil},
		{"superuser", "SUPERUSER", nil},
		{"owns a table", "", []string{`CREATE TABLE check_role_owned (x int)`, `ALTER TABLE check_role_owned OWNER TO $ROLE`}},
		{"owns a view", "", []string{`CREATE VIEW check_role_view AS SELECT 1 AS x`, `ALTER VIEW check_role_view OWNER TO $ROLE`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			asRole(t, c.attrs, c.prepare, func(tx pgx.Tx) {
				if err := db.CheckAppRole(ctx, tx); err == nil {
					t.Errorf("CheckAppRole accepted a role that %s", c.name)
				}
			})
		})
	}
	// A member of the owner role inherits ownership, and with it exemption from RLS on tables that
	// are not FORCEd (tenants, users).
	t.Run("member of the owner role", func(t *testing.T) {
		asRole(t, "", []string{`GRANT thematic_owner TO $ROLE`}, func(tx pgx.Tx) {
			var tenants int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&tenants); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckAppRole(ctx, tx); err == nil {
				t.Errorf("CheckAppRole accepts a member of thematic_owner, which sees %d tenants "+
					"with no scope (want 0); role.go counts only relowner = r.oid, not inherited ownership", tenants)
			}
		})
	})
}

// schemaProblems checks, from the catalogue, what tenancy relies on. It returns one line per
// problem; none means the schema is sound.
func schemaProblems(ctx context.Context, t testing.TB, d *dbtest.DB) []string {
	t.Helper()
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	q := d.Super
	tables := tenantTables(t, d)

	for _, table := range tables {
		var rls, force bool
		var policies int
		var tenantIndex bool
		err := q.QueryRow(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
				(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
				EXISTS (SELECT 1 FROM pg_index i
					JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
					WHERE i.indrelid = c.oid AND i.indisvalid AND a.attname = 'tenant_id')
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname = $1`, table).Scan(&rls, &force, &policies, &tenantIndex)
		if err != nil {
			t.Fatalf("catalogue for %s: %v", table, err)
		}
		if !rls {
			add("%s: row-level security not enabled", table)
		}
		if !force {
			add("%s: row-level security not FORCEd (the owner would see every tenant)", table)
		}
		if policies == 0 {
			add("%s: no policy", table)
		}
		if !tenantIndex {
			add("%s: no index whose first column is tenant_id", table)
		}
		// Every policy that applies to the server's role must depend on the tenant of the
		// transaction: USING (true) would pass the counts above while letting every tenant through.
		// Policies for other roles only (the owner's SECURITY DEFINER look-ups) are exempt.
		rows, err := q.Query(ctx, `SELECT p.polname::text,
				coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
			FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname = $1
				AND EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE r = 0 OR pg_has_role('thematic_app', r, 'USAGE'))`, table)
		if err != nil {
			t.Fatal(err)
		}
		type pol struct{ Name, Expr string }
		pols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pol])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pols {
			if !strings.Contains(p.Expr, "app_tenant()") {
				add("%s: policy %s does not test app_tenant(): %s", table, p.Name, strings.TrimSpace(p.Expr))
			}
		}
	}

	// A foreign key between two tenant tables must carry tenant_id into tenant_id, so a row can
	// never point at another tenant's row.
	rows, err := q.Query(ctx, `SELECT con.conname::text, con.conrelid::regclass::text, con.confrelid::regclass::text,
			EXISTS (SELECT 1
				FROM unnest(con.conkey, con.confkey) AS k(src, dst)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.src
				JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = k.dst
				WHERE a.attname = 'tenant_id' AND b.attname = 'tenant_id')
		FROM pg_constraint con
		JOIN pg_class s ON s.oid = con.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
		JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
		WHERE con.contype = 'f' AND sn.nspname = 'public' AND rn.nspname = 'public'
			AND s.relname = ANY($1) AND r.relname = ANY($1)`, tables)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct {
		Name, From, To string
		WithTenant     bool
	}
	fks, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fk])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range fks {
		if !k.WithTenant {
			add("%s: foreign key %s to %s does not include tenant_id = tenant_id", k.From, k.Name, k.To)
		}
	}

	// Views run with their owner's rights unless security_invoker is set, which would bypass RLS.
	// The one exception, evidence_note_matches (migration 00021), runs with its owner's rights on
	// purpose, like a SECURITY DEFINER function, so that search can use the text index; it must then
	// keep to the current tenant itself.
	ownerRights := map[string]bool{"evidence_note_matches": true}
	rows, err = q.Query(ctx, `SELECT c.relname::text, coalesce(c.reloptions, '{}'), pg_get_viewdef(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'v' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Name string
		Opts []string
		Def  string
	}
	views, err := pgx.CollectRows(rows, pgx.RowToStructByPos[view])
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		invoker := false
		for _, o := range v.Opts {
			k, val, _ := strings.Cut(strings.ToLower(o), "=")
			if k == "security_invoker" && slices.Contains([]string{"true", "on", "1", "yes"}, val) {
				invoker = true
			}
		}
		switch {
		case ownerRights[v.Name] && !strings.Contains(v.Def, "app_tenant()"):
			add("view %s: runs with its owner's rights but does not keep to app_tenant()", v.Name)
		case !invoker && !ownerRights[v.Name]:
			add("view %s: not security_invoker (options %v)", v.Name, v.Opts)
		}
	}

	// Materialized views have no row-level security at all: the app must not read one.
	rows, err = q.Query(ctx, `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'm' AND has_table_privilege('thematic_app', c.oid, 'SELECT')`)
	if err != nil {
		t.Fatal(err)
	}
	mvs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mvs {
		add("materialized view %s: readable by thematic_app, and RLS does not apply to it", m)
	}

	// SECURITY DEFINER functions run as their owner: each must pin search_path and not be
	// executable by PUBLIC (a NULL ACL means PUBLIC may execute).
	rows, err = q.Query(ctx, `SELECT p.oid::regprocedure::text,
			EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c WHERE c LIKE 'search_path=%'),
			p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type fn struct {
		Name       string
		SearchPath bool
		Public     bool
	}
	fns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fn])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		if !f.SearchPath {
			add("function %s: SECURITY DEFINER without SET search_path", f.Name)
		}
		if f.Public {
			add("function %s: SECURITY DEFINER and executable by PUBLIC", f.Name)
		}
	}

	// Every table is either tenant data (tenant_id) or listed as global on purpose.
	rows, err = q.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range all {
		if !slices.Contains(tables, table) && !slices.Contains(globalTables, table) {
			add("table %s: has no tenant_id and is not in globalTables (internal/db/role_test.go); "+
				"add tenant_id if it holds a tenant's data", table)
		}
	}
	return problems
}

func TestSchemaSupportsTenancy(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	for _, p := range schemaProblems(context.Background(), t, d) {
		t.Error(p)
	}
}

// TestSchemaChecksDetectMistakes adds to a test database the mistakes a later migration could
// make, and checks that schemaProblems reports each of them.
func TestSchemaChecksDetectMistakes(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for _, s := range []string{
		`ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY`,
		`ALTER TABLE invitations DISABLE ROW LEVEL SECURITY`,
		`DROP POLICY audit_log_read ON audit_log`,
		`CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (true)`,
		`CREATE POLICY memberships_app_all ON memberships FOR SELECT TO thematic_app USING (true)`,
		`CREATE POLICY memberships_owner_all ON memberships FOR SELECT TO thematic_owner USING (true)`,
		// A new tenant table with nothing set up, and one whose foreign key skips tenant_id.
		`CREATE TABLE widgets (tenant_id uuid NOT NULL, id uuid PRIMARY KEY)`,
		`CREATE TABLE gadgets (tenant_id uuid NOT NULL, widget_id uuid REFERENCES widgets (id))`,
		`CREATE INDEX gadgets_tenant_idx ON gadgets (tenant_id)`,
		`ALTER TABLE gadgets ENABLE ROW LEVEL SECURITY`,
		`ALTER TABLE gadgets FORCE ROW LEVEL SECURITY`,
		`CREATE POLICY gadgets_tenant ON gadgets USING (tenant_id = app_tenant())`,
		`CREATE VIEW member_names AS SELECT m.tenant_id, u.name FROM memberships m JOIN users u ON u.id = m.user_id`,
		`CREATE VIEW safe_names WITH (security_invoker = true) AS SELECT name FROM users`,
		`CREATE MATERIALIZED VIEW member_counts AS SELECT tenant_id, count(*) FROM memberships GROUP BY 1`,
		`GRANT SELECT ON member_counts TO thematic_app`,
		`CREATE FUNCTION leaky() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM memberships $$`,
		`CREATE TABLE notes (body text)`,
	} {
		if _, err := d.Super.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	problems := strings.Join(schemaProblems(ctx, t, d), "\n")
	for _, want := range []string{
		"memberships: row-level security not FORCEd",
		"invitations: row-level security not enabled",
		"audit_log: policy audit_log_read does not test app_tenant()",
		"memberships: policy memberships_app_all does not test app_tenant()",
		"widgets: row-level security not enabled",
		"widgets: row-level security not FORCEd",
		"widgets: no policy",
		"widgets: no index whose first column is tenant_id",
		"gadgets: foreign key gadgets_widget_id_fkey to widgets does not include tenant_id",
		"view member_names: not security_invoker",
		"materialized view member_counts",
		"function leaky(): SECURITY DEFINER without SET search_path",
		"function leaky(): SECURITY DEFINER and executable by PUBLIC",
		"table notes: has no tenant_id",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("not reported: %q; problems:\n%s", want, problems)
		}
	}
	for _, unwanted := range []string{"gadgets: row-level", "gadgets: no", "safe_names", "memberships_owner_all"} {
		if strings.Contains(problems, unwanted) {
			t.Errorf("reported %q though it is sound; problems:\n%s", unwanted, problems)
		}
	}
}

func TestMigrationsDownUp(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	m, err := db.NewMigrator(d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) == 0 {
		t.Fatal("no migrations")
	}
	latest, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if s.State != goose.StateApplied {
			t.Errorf("migration %d: %s, want applied", s.Source.Version, s.State)
		}
	}
	if got := status[len(status)-1].Source.Version; got != latest {
		t.Errorf("Latest() = %d, newest migration %d", latest, got)
	}
	if cur, err := db.Current(ctx, d.App); err != nil || cur != latest {
		t.Errorf("Current as the app = %d (err %v), want %d", cur, err, latest)
	}

	// Every down migration, newest first, must run cleanly and leave nothing behind.
	for range status {
		res, err := m.Down(ctx)
		if err != nil {
			t.Fatalf("down: %v", err)
		}
		t.Logf("down %d in %v", res.Source.Version, res.Duration)
	}
	if _, err := m.Down(ctx); !errors.Is(err, goose.ErrNoNextVersion) {
		t.Errorf("down past the first migration: %v, want ErrNoNextVersion", err)
	}
	var left []string
	rows, err := d.Super.Query(ctx, `SELECT c.relkind::text || ' ' || c.relname FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname NOT LIKE 'goose_db_version%'
		UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	if left, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("after migrating down, public still holds %v", left)
	}

	res, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("up again: %v", err)
	}
	if len(res) != len(status) {
		t.Errorf("up applied %d migrations, want %d", len(res), len(status))
	}
	if status, err = m.Status(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if s.State != goose.StateApplied {
			t.Errorf("after up, migration %d: %s", s.Source.Version, s.State)
		}
	}
	// The rebuilt schema is as sound as the first, and the app role still passes its check.
	for _, p := range schemaProblems(ctx, t, d) {
		t.Error("after down and up: " + p)
	}
	app, err := db.Open(ctx, d.AppURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := db.CheckAppRole(ctx, app); err != nil {
		t.Errorf("after down and up: %v", err)
	}
}

// TestLinesInNoGroupSurviveMigrationDown: rolling back 00022 (lines of enquiry in no group) puts
// such lines in a group of their own after their review's groups, rather than losing them.
func TestLinesInNoGroupSurviveMigrationDown(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	var tenant, review, group string
	if err := d.Super.QueryRow(ctx, `INSERT INTO tenants (slug, name) VALUES ('down', 'Down') RETURNING id::text`).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Terms first') RETURNING id::text`, tenant).Scan(&review); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(ctx, `INSERT INTO enquiry_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Families', 1)
		RETURNING id::text`, tenant, review).Scan(&group); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Super.Exec(ctx, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
		VALUES ($1, $2, $3, 'Grouped?', 1), ($1, $2, NULL, 'First?', 1), ($1, $2, NULL, 'Second?', 2)`, tenant, review, group); err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for {
		res, err := m.Down(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Source.Version <= 22 {
			break
		}
	}
	var got string
	if err := d.Super.QueryRow(ctx, `SELECT string_agg(g.title || ' ' || g.position || ': ' || l.question || ' ' || l.position, '|'
			ORDER BY g.position, l.position)
		FROM enquiry_lines l JOIN enquiry_groups g ON g.id = l.group_id WHERE l.review_id = $1`, review).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "Families 1: Grouped? 1|Not in a group 2: First? 1|Not in a group 2: Second? 2" {
		t.Fatalf("after rolling back: %s", got)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
