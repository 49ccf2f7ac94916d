package sso

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

const providerCols = `name, issuer, client_id, client_secret, domains, create_members, default_role, require_for_staff,
	entra_tenant_id, version`

func scanProvider(row pgx.Row, p *Provider, extra ...any) error {
	var role string
	err := row.Scan(append([]any{&p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, &p.Domains, &p.CreateMembers,
		&role, &p.RequireForStaff, &p.EntraTenantID, &p.Version}, extra...)...)
	p.DefaultRole = auth.Role(role)
	return err
}

// Get reads the tenant's provider, zero (Version 0) when it has none. It runs in the tenant's scope.
func Get(ctx context.Context, q db.Querier, tenantID string) (Provider, error) {
	p := Provider{TenantID: tenantID}
	err := scanProvider(q.QueryRow(ctx, `SELECT `+providerCols+` FROM sso_providers WHERE tenant_id = $1`, tenantID), &p)
	if errors.Is(err, pgx.ErrNoRows) {
		return Provider{TenantID: tenantID, DefaultRole: auth.RoleMember}, nil
	}
	if err != nil {
		return Provider{}, fmt.Errorf("sso: provider of %s: %w", tenantID, err)
	}
	return p, nil
}

// BySlug reads the provider of the tenant a sign-in page names, before anyone is signed in (a
// SECURITY DEFINER look-up). NotFound when the tenant has none.
func BySlug(ctx context.Context, q db.Querier, slug string) (Provider, error) {
	var p Provider
	err := scanProvider(q.QueryRow(ctx, `SELECT `+providerCols+`, tenant_id, tenant_name FROM sso_provider_by_slug($1)`, slug),
		&p, &p.TenantID, &p.TenantName)
	if errors.Is(err, pgx.ErrNoRows) {
		return Provider{}, apperr.NotFound("This organisation has not set up single sign-on")
	}
	if err != nil {
		return Provider{}, fmt.Errorf("sso: provider of %q: %w", slug, err)
	}
	return p, nil
}

// save writes the tenant's provider if its version is still version (0: none yet); it reports
// false when someone else saved meanwhile. An empty secret keeps the one stored.
func save(ctx context.Context, q db.Querier, p Provider, version int, by string) (bool, error) {
	args := []any{p.TenantID, p.Name, p.Issuer, p.ClientID, p.ClientSecret, p.Domains, p.CreateMembers, string(p.DefaultRole),
		p.RequireForStaff, p.EntraTenantID, by}
	sql := `INSERT INTO sso_providers (tenant_id, name, issuer, client_id, client_secret, domains, create_members,
			default_role, require_for_staff, entra_tenant_id, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (tenant_id) DO NOTHING`
	if version > 0 {
		sql = `UPDATE sso_providers SET name = $2, issuer = $3, client_id = $4,
			client_secret = coalesce(nullif($5, ''), client_secret), domains = $6, create_members = $7, default_role = $8,
			require_for_staff = $9, entra_tenant_id = $10, updated_by = $11, updated_at = now(), version = version + 1
		WHERE tenant_id = $1 AND version = $12`
		args = append(args, version)
	}
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return false, fmt.Errorf("sso: save provider of %s: %w", p.TenantID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// found is who an identity at the provider is in the tenant, as sso_lookup reads it.
type found struct {
	Linked, ByEmail *string // the user its link names; the account with its email
	Member, Active  bool    // that user's membership of the tenant
	Tenants         int     // that user's active memberships, of any tenant
}

// lookup reads who an identity is; it leaves tx scoped to the tenant (sso_lookup).
func lookup(ctx context.Context, tx pgx.Tx, tenantID string, id Identity) (found, error) {
	var f found
	err := tx.QueryRow(ctx, `SELECT linked_user::text, email_user::text, member_found, member_active, tenants
		FROM sso_lookup($1, $2, $3, $4)`, tenantID, id.Issuer, id.Subject, id.Email).
		Scan(&f.Linked, &f.ByEmail, &f.Member, &f.Active, &f.Tenants)
	if err != nil {
		return found{}, fmt.Errorf("sso: look up %s in %s: %w", id.Subject, tenantID, err)
	}
	return f, nil
}

// link records who an identity at the provider is here, and its audit entry ("auth.sso_linked"),
// in one statement.
func link(ctx context.Context, q db.Querier, tenantID string, id Identity, userID string) error {
	args := []any{tenantID, id.Issuer, id.Subject, userID}
	entry, args := audit.EntryFrom(ctx, audit.Event{TenantID: tenantID, ActorID: userID, ActorEmail: id.Email,
		Action: "auth.sso_linked", ObjectType: "user"}, args, "l.user_id::text", "NULL::jsonb",
		"jsonb_build_object('issuer', l.issuer, 'subject', l.subject)", "l")
	_, err := q.Exec(ctx, `WITH l AS (INSERT INTO sso_links (tenant_id, issuer, subject, user_id) VALUES ($1, $2, $3, $4)
			RETURNING user_id, issuer, subject),
		entry AS (`+entry+`)
		SELECT 1`, args...)
	if err != nil {
		return fmt.Errorf("sso: link %s to %s in %s: %w", id.Subject, userID, tenantID, err)
	}
	return nil
}

// Entry is a tenant's single sign-on as a sign-in page offers it.
type Entry struct {
	TenantID string
	Slug     string
	Name     string // the provider's name, for "Sign in with <Name>"
}

// RequiredTenants returns which of the tenants require their staff to sign in through their
// provider, before anyone is signed in (a SECURITY DEFINER look-up).
func RequiredTenants(ctx context.Context, q db.Querier, tenantIDs []string) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id::text, slug, name FROM sso_required_tenants($1::uuid[])`, tenantIDs)
	if err != nil {
		return nil, fmt.Errorf("sso: tenants requiring single sign-on: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.TenantID, &e.Slug, &e.Name)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("sso: tenants requiring single sign-on: %w", err)
	}
	return out, nil
}
