package sso

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// SettingsView is the admin's page: the provider as set (its secret left out) and where the
// provider must send people back to.
type SettingsView struct {
	Provider  Provider // ClientSecret is always ""
	HasSecret bool
	Slug      string
}

// Page reads the tenant's provider for its admin.
func Page(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (SettingsView, error) {
	var v SettingsView
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		t, err := tenant.Get(ctx, tx, sc.TenantID)
		if err != nil {
			return err
		}
		p, err := Get(ctx, tx, sc.TenantID)
		if err != nil {
			return err
		}
		v = SettingsView{Provider: p, HasSecret: p.ClientSecret != "", Slug: t.Slug}
		v.Provider.ClientSecret = ""
		return nil
	})
	return v, err
}

const staleSettings = "Someone else changed the single sign-on settings while you were editing them. Check them and save again."

// Save sets the tenant's provider as p (ClientSecret "" keeps the one set) if it is still at
// version, and records what changed (never the secret: only that it changed).
func Save(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, p Provider, version int) (unchanged bool, err error) {
	p.TenantID = sc.TenantID
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		old, err := Get(ctx, tx, sc.TenantID)
		if err != nil {
			return err
		}
		if old.Version != version {
			return apperr.Conflict(staleSettings)
		}
		secretChanged := p.ClientSecret != "" && p.ClientSecret != old.ClientSecret
		if old.Configured() && !secretChanged && auditable(old) == auditable(p) {
			unchanged = true
			return nil
		}
		ok, err := save(ctx, tx, p, version, sc.UserID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Conflict(staleSettings)
		}
		after := auditable(p)
		after.SecretChanged = secretChanged
		var before any
		if old.Configured() {
			before = auditable(old)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "tenant.sso_changed", ObjectType: "tenant", ObjectID: sc.TenantID, Before: before, After: after})
	})
	return unchanged, err
}

// auditEntry is a provider as the audit log keeps it: everything but the secret.
type auditEntry struct {
	Name            string `json:"name"`
	Issuer          string `json:"issuer"`
	ClientID        string `json:"client_id"`
	Domains         string `json:"domains"`
	CreateMembers   bool   `json:"create_members"`
	DefaultRole     string `json:"default_role"`
	RequireForStaff bool   `json:"require_for_staff"`
	EntraTenantID   string `json:"entra_tenant_id,omitempty"`
	SecretChanged   bool   `json:"client_secret_changed,omitempty"`
}

func auditable(p Provider) auditEntry {
	return auditEntry{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, Domains: strings.Join(p.Domains, " "),
		CreateMembers: p.CreateMembers, DefaultRole: string(p.DefaultRole), RequireForStaff: p.RequireForStaff,
		EntraTenantID: p.EntraTenantID}
}

// SignIn finds who id is in p's tenant: the user its link names; else a member of this tenant
// with the same (verified) email, whom it links; else, when the admin allows it, a new
// membership (and account, if there is none for the email) with the default role. A person with
// no active membership here who may not be added is a *Refusal. It then records the sign-in and
// reads the session as the password flow does (user.StartSessionIn), in the same transaction;
// many tells whether the user belongs to other organisations too.
func SignIn(ctx context.Context, pool *pgxpool.Pool, p Provider, id Identity, now time.Time) (sess user.Session, many bool, err error) {
	err = db.InTxSelfScoped(ctx, pool, func(tx pgx.Tx) error {
		f, err := lookup(ctx, tx, p.TenantID, id)
		if err != nil {
			return err
		}
		var userID string
		switch {
		case f.Linked != nil:
			userID = *f.Linked
		case f.ByEmail != nil:
			userID = *f.ByEmail
		}
		switch {
		case f.Member && !f.Active:
			return refuse("membership deactivated", "Your account in this organisation has been deactivated. Ask your organisation’s admin.")
		case !f.Member && !p.CreateMembers:
			return refuse("no membership", "You do not have an account in this organisation. Ask your organisation’s admin to invite you.")
		case !f.Member:
			if userID == "" {
				name := id.Name
				if !user.ValidName(name) {
					name, _, _ = strings.Cut(id.Email, "@")
				}
				// No password: the account signs in through the provider (or sets one by a reset).
				if userID, err = user.Create(ctx, tx, id.Email, name, ""); err != nil {
					return err
				}
			}
			if err := user.AddMember(ctx, tx, p.TenantID, userID, p.DefaultRole); err != nil {
				return err
			}
			f.Tenants++
			if err := audit.Record(ctx, tx, audit.Event{TenantID: p.TenantID, ActorID: userID, ActorEmail: id.Email,
				Action: "membership.created", ObjectType: "user", ObjectID: userID,
				After: map[string]string{"role": string(p.DefaultRole), "via": "single sign-on"}}); err != nil {
				return err
			}
		}
		if f.Linked == nil {
			if err := link(ctx, tx, p.TenantID, id, userID); err != nil {
				return err
			}
		}
		many = f.Tenants > 1
		sess, err = user.StartSessionIn(ctx, tx, userID, p.TenantID, "single sign-on", now)
		return err
	})
	var r *Refusal
	if errors.As(err, &r) {
		return user.Session{}, false, r
	}
	return sess, many, err
}

// RecordRefusal records a sign-in through the tenant's provider refused, in the tenant's audit
// log, as a sign-in failure (email may be "" when the token never got that far).
func RecordRefusal(ctx context.Context, pool *pgxpool.Pool, tenantID, email, reason string) error {
	return db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: email, Action: "auth.sign_in_failed",
			After: map[string]string{"reason": reason, "via": "single sign-on"}})
	})
}

// Staff is whether a tenant role is the inspectorate's own staff, whom a tenant may require to
// sign in through its provider. Tenant admins keep password sign-in, so that a provider set up
// wrongly or out of service cannot lock the organisation out of its own settings; external
// members (local authority contacts, observers) keep invitation, password and two-factor.
func Staff(r auth.Role) bool { return r == auth.RoleStaff }

// PasswordTenants leaves out of a user's organisations those that require their staff to sign in
// through the provider, where the user is staff, and returns those left out's sign-on entries.
// The rest may be signed in to with a password.
func PasswordTenants(ctx context.Context, q db.Querier, tenants []user.TenantChoice) ([]user.TenantChoice, []Entry, error) {
	var staffOf []string
	for _, t := range tenants {
		if Staff(t.Role) {
			staffOf = append(staffOf, t.ID)
		}
	}
	if len(staffOf) == 0 {
		return tenants, nil, nil
	}
	required, err := RequiredTenants(ctx, q, staffOf)
	if err != nil || len(required) == 0 {
		return tenants, nil, err
	}
	allowed := slices.DeleteFunc(slices.Clone(tenants), func(t user.TenantChoice) bool {
		return slices.ContainsFunc(required, func(e Entry) bool { return e.TenantID == t.ID })
	})
	return allowed, required, nil
}
