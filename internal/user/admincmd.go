package user

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Tenant admins' commands on users and invitations: each one transaction scoped to sc, audited.

// StaleMessage is what a version mismatch says: someone changed the thing since the page was shown.
const StaleMessage = "Someone else changed this while you were looking at the page. Go back, reload the page to see the latest details, and try again."

// UsersData is the users page: the tenant's members and pending invitations.
type UsersData struct {
	Members     []Member
	Invitations []Invitation
}

// UsersPage reads the tenant's members and pending invitations.
func UsersPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (UsersData, error) {
	var d UsersData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if d.Members, err = Members(ctx, tx, sc.TenantID); err != nil {
			return err
		}
		d.Invitations, err = PendingInvitations(ctx, tx, sc.TenantID)
		return err
	})
	return d, err
}

// MemberPage reads one member of the tenant.
func MemberPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, userID string) (Member, error) {
	var m Member
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		m, err = GetMember(ctx, tx, sc.TenantID, userID)
		return err
	})
	return m, err
}

// WithdrawInvitation withdraws a pending invitation. One accepted or withdrawn meanwhile (or a
// second click) reports gone; an id the tenant never had is NotFound.
func WithdrawInvitation(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (inv Invitation, gone bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		inv, err = RevokePendingInvitation(ctx, tx, sc.TenantID, id)
		if apperr.Is(err, apperr.CodeNotFound) {
			gone, err = InvitationExists(ctx, tx, sc.TenantID, id)
			if err == nil && !gone {
				err = apperr.NotFound("Invitation not found")
			}
			return err
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "invitation.revoked", ObjectType: "invitation", ObjectID: inv.ID,
			Before: map[string]string{"email": inv.Email, "role": string(inv.Role), "status": "pending"},
			After:  map[string]string{"status": "revoked"}})
	})
	return inv, gone, err
}

// MemberChange is what a change to a membership came to: the member as it was, and whether
// there was nothing to do. A refusal the admin can act on is a *form.Refused, with the member.
type MemberChange struct {
	Member    Member
	Unchanged bool
}

// lockForChange locks the tenant's active admins and the member, in that order in every command
// so that concurrent changes queue rather than deadlock.
func lockForChange(ctx context.Context, tx pgx.Tx, tenantID, userID string) (Member, []string, error) {
	admins, err := LockActiveAdmins(ctx, tx, tenantID)
	if err != nil {
		return Member{}, nil, err
	}
	m, err := LockMember(ctx, tx, tenantID, userID)
	return m, admins, err
}

// badVersion is the refusal of a form whose version field could not be read (version < 0).
func badVersion() error {
	return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
}

// ChangeRole gives a member another role, unless they are the last active tenant admin; version
// is the one the admin saw (below 0 when the form's could not be read).
func ChangeRole(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, userID string, version int, role auth.Role) (MemberChange, error) {
	var c MemberChange
	var refused *form.Refused
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var admins []string
		var err error
		if c.Member, admins, err = lockForChange(ctx, tx, sc.TenantID, userID); err != nil {
			return err
		}
		if version < 0 {
			return badVersion()
		}
		if version != c.Member.AuthVersion {
			return apperr.Conflict(StaleMessage)
		}
		switch {
		case !role.Valid():
			refused = form.Refuse("role", "Select a role")
			return nil
		case role == c.Member.Role:
			c.Unchanged = true
			return nil
		case c.Member.Role == auth.RoleAdmin && c.Member.Active() && len(admins) <= 1:
			refused = form.Refuse("role", "You cannot remove the last tenant admin. Make someone else a tenant admin first.")
			return nil
		}
		if err := SetRole(ctx, tx, sc.TenantID, userID, role); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "membership.role_changed", ObjectType: "user", ObjectID: userID,
			Before: map[string]string{"role": string(c.Member.Role)}, After: map[string]string{"role": string(role)}})
	})
	if err == nil && refused != nil {
		return c, refused
	}
	return c, err
}

// SetMemberActive deactivates (signing them out everywhere) or reactivates a member. An admin
// cannot deactivate themselves or the last tenant admin. Asking for what is already so is
// Unchanged (a second click, or another admin did it first).
func SetMemberActive(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, userID string, version int, active bool) (MemberChange, error) {
	status := map[bool]string{true: "active", false: "deactivated"}
	var c MemberChange
	var refused *form.Refused
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var admins []string
		var err error
		if c.Member, admins, err = lockForChange(ctx, tx, sc.TenantID, userID); err != nil {
			return err
		}
		if c.Member.Active() == active {
			c.Unchanged = true
			return nil
		}
		if version < 0 {
			return badVersion()
		}
		if version != c.Member.AuthVersion {
			return apperr.Conflict(StaleMessage)
		}
		if !active {
			switch {
			case userID == sc.UserID:
				refused = form.Refuse("status", "You cannot deactivate your own account. Ask another tenant admin to do it.")
				return nil
			case c.Member.Role == auth.RoleAdmin && len(admins) <= 1:
				refused = form.Refuse("status", "You cannot deactivate the last tenant admin. Make someone else a tenant admin first.")
				return nil
			}
		}
		if err := SetActive(ctx, tx, sc.TenantID, userID, active); err != nil {
			return err
		}
		action := "membership.deactivated"
		if active {
			action = "membership.reactivated"
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: action, ObjectType: "user", ObjectID: userID,
			Before: map[string]string{"status": status[!active]}, After: map[string]string{"status": status[active]}})
	})
	if err == nil && refused != nil {
		return c, refused
	}
	return c, err
}
