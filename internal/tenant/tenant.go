// Package tenant holds the organisations that run reviews.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// Tenant is an organisation, an inspectorate.
type Tenant struct {
	ID         string
	Slug       string
	Name       string
	Require2FA bool
	Version    int
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidSlug reports whether s can name a tenant in URLs and commands.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// Get reads the current tenant.
func Get(ctx context.Context, q db.Querier, id string) (Tenant, error) {
	var t Tenant
	err := q.QueryRow(ctx, `SELECT id, slug, name, require_2fa, version FROM tenants WHERE id = $1`, id).
		Scan(&t.ID, &t.Slug, &t.Name, &t.Require2FA, &t.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, apperr.NotFound("Organisation not found")
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant: get %s: %w", id, err)
	}
	return t, nil
}

// Create inserts a tenant with a known id; the transaction's scope must be that id.
func Create(ctx context.Context, q db.Querier, id, slug, name string) error {
	_, err := q.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`, id, slug, name)
	if err != nil {
		return fmt.Errorf("tenant: create %s: %w", slug, err)
	}
	return nil
}

// SetRequire2FA changes whether everyone in the tenant must use two-factor sign-in, checking the
// version the admin saw.
func SetRequire2FA(ctx context.Context, q db.Querier, id string, require bool, version int) error {
	tag, err := q.Exec(ctx, `UPDATE tenants SET require_2fa = $2, version = version + 1 WHERE id = $1 AND version = $3`,
		id, require, version)
	if err != nil {
		return fmt.Errorf("tenant: set require 2fa %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.Conflict("Someone else changed these settings while you were editing them")
	}
	return nil
}

// SetRetentionMonths sets the tenant's retention period (nil keeps evidence until it is deleted)
// and moves its version on. The retention package checks the value and the version the admin saw,
// and writes the audit entry.
func SetRetentionMonths(ctx context.Context, q db.Querier, id string, months *int) error {
	if _, err := q.Exec(ctx, `UPDATE tenants SET retention_months = $2, version = version + 1 WHERE id = $1`, id, months); err != nil {
		return fmt.Errorf("tenant: set retention months %s: %w", id, err)
	}
	return nil
}

// IDBySlug finds a tenant by slug, as the command line does before it has a scope. It runs with the
// owner connection, so it works across tenants.
func IDBySlug(ctx context.Context, q db.Querier, slug string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("Organisation %q not found", slug)
	}
	if err != nil {
		return "", fmt.Errorf("tenant: id by slug %s: %w", slug, err)
	}
	return id, nil
}

// Add creates a tenant with a new id, for "thematic tenant create", and returns the id.
func Add(ctx context.Context, pool *pgxpool.Pool, slug, name string) (string, error) {
	var id string
	if err := pool.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&id); err != nil {
		return "", fmt.Errorf("tenant: new id: %w", err)
	}
	err := db.InTx(ctx, pool, db.Scope{TenantID: id}, func(tx pgx.Tx) error { return Create(ctx, tx, id, slug, name) })
	return id, err
}
