// Package demo creates the demo tenant and its users, for `make run` and the browser tests. It is
// idempotent: running it again changes nothing that exists.
package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// Password is every demo user's password. It is printed by `thematic seed demo`.
const Password = "demo-thematic-2026"

// TenantSlug and TenantName name the demo tenant.
const (
	TenantSlug = "demo-inspectorate"
	TenantName = "Demo Inspectorate"
)

// Person is a demo user.
type Person struct {
	Email string
	Name  string
	Role  auth.Role
	About string // what they are for, printed after seeding
}

// People are the demo users: one per role. Review roles (lead, inspector, observer, local
// authority contact) are given in the demo review; in the tenant they are members.
var People = []Person{
	{"admin@demo.test", "Alex Admin", auth.RoleAdmin, "tenant admin"},
	{"lead@demo.test", "Lee Lead", auth.RoleStaff, "review lead of the Start for Life review"},
	{"qa.lead@demo.test", "Hana Hughes", auth.RoleStaff, "second lead of the Start for Life review, for quality assurance of the report"},
	{"inspector@demo.test", "Ira Inspector", auth.RoleStaff, "inspector (Ofsted Early Years Inspector)"},
	{"cqc.inspector@demo.test", "Cass Carter", auth.RoleStaff, "inspector (CQC Children's Services Inspector)"},
	{"observer@demo.test", "Olu Observer", auth.RoleMember, "observer (Department for Education)"},
	{"la.contact@demo.test", "Lou Contact", auth.RoleMember, "local authority contact for Northumberland"},
}

// Seed creates the demo tenant and users with the owner pool.
func Seed(ctx context.Context, pool *pgxpool.Pool) error {
	var tenantID string
	err := pool.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, TenantSlug).Scan(&tenantID)
	if err == pgx.ErrNoRows {
		if err := pool.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantID); err != nil {
			return fmt.Errorf("demo: new id: %w", err)
		}
		err = db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
			return tenant.Create(ctx, tx, tenantID, TenantSlug, TenantName)
		})
	}
	if err != nil {
		return fmt.Errorf("demo: tenant: %w", err)
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	return db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		for _, p := range append(append([]Person{}, People...), Inspectors...) {
			id, created, err := user.Ensure(ctx, tx, p.Email, p.Name, hash)
			if err != nil {
				return err
			}
			if !created {
				continue
			}
			if err := user.AddMember(ctx, tx, tenantID, id, p.Role); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "seed", Action: "membership.created",
				ObjectType: "user", ObjectID: id, After: map[string]string{"email": p.Email, "role": string(p.Role)}}); err != nil {
				return err
			}
		}
		return seedReview(ctx, tx, tenantID, hash)
	})
}

// Seeded reports whether the demo tenant is there with the users the start banner names (the
// admin and the lead), so that it offers their sign-in only when it works. It reads across
// tenants: q is the owner's connection.
func Seeded(ctx context.Context, q db.Querier) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT count(DISTINCT u.email) = 2 FROM tenants t
		JOIN memberships m ON m.tenant_id = t.id AND m.deactivated_at IS NULL
		JOIN users u ON u.id = m.user_id
		WHERE t.slug = $1 AND u.email = ANY($2::text[])`, TenantSlug, []string{People[0].Email, People[1].Email}).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("demo: is it seeded: %w", err)
	}
	return ok, nil
}
