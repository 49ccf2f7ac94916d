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
	err := q.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolbypassrls,
			(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p', 'v', 'm'))
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
