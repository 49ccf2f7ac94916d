package db

import (
	"context"
	"fmt"
)

// CheckAppRole refuses to serve with a role that could get round row-level security: a superuser,
// a BYPASSRLS role, or one owning tables (owners are exempt from RLS unless it is FORCEd).
func CheckAppRole(ctx context.Context, q Querier) error {
	var name string
	var super, bypass bool
	var owned int
	// Ownership and RLS bypass also come through membership of another role, so both checks
	// look at every role the current one is a member of.
	err := q.QueryRow(ctx, `SELECT r.rolname,
			EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolsuper AND pg_has_role(r.oid, g.oid, 'MEMBER')),
			EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolbypassrls AND pg_has_role(r.oid, g.oid, 'MEMBER')),
			(SELECT count(*) FROM pg_class c WHERE pg_has_role(r.oid, c.relowner, 'MEMBER') AND c.relkind IN ('r', 'p', 'v', 'm'))
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&name, &super, &bypass, &owned)
	if err != nil {
		return fmt.Errorf("db: check role: %w", err)
	}
	if super || bypass || owned > 0 {
		return fmt.Errorf("db: the server's database role %q can bypass row-level security (superuser=%v, bypassrls=%v, owns %d tables); "+
			"set APP_DATABASE_URL to the restricted thematic_app role", name, super, bypass, owned)
	}
	return nil
}
