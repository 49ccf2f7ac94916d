package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// LockMember reads one member of the tenant and locks the membership row until the transaction
// ends, so that a version check and the change that follows it cannot interleave with another
// admin's change. It answers NotFound for a user who is not a member of the tenant.
func LockMember(ctx context.Context, q db.Querier, tenantID, userID string) (Member, error) {
	rows, err := q.Query(ctx, `SELECT `+memberCols+` FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.user_id = $2 FOR UPDATE OF m`, tenantID, userID)
	if err != nil {
		return Member{}, fmt.Errorf("user: lock member %s/%s: %w", tenantID, userID, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMember)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, apperr.NotFound("User not found")
	}
	if err != nil {
		return Member{}, fmt.Errorf("user: lock member %s/%s: %w", tenantID, userID, err)
	}
	return m, nil
}

// LockActiveAdmins returns the ids of the tenant's active admins and locks their memberships until
// the transaction ends. Two admins demoting or deactivating each other at the same moment
// therefore take turns, and the second sees the first one's change: the tenant always keeps an
// active admin.
func LockActiveAdmins(ctx context.Context, q db.Querier, tenantID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM memberships
		WHERE tenant_id = $1 AND role = $2 AND deactivated_at IS NULL ORDER BY user_id FOR UPDATE`,
		tenantID, string(auth.RoleAdmin))
	if err != nil {
		return nil, fmt.Errorf("user: lock admins of %s: %w", tenantID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("user: lock admins of %s: %w", tenantID, err)
	}
	return ids, nil
}

// lockInvitationsSQL takes LockInvitationsFor's lock, for the tenant and the address the
// placeholders give.
func lockInvitationsSQL(tenant, email string) string {
	return `pg_advisory_xact_lock(hashtextextended('invitations:' || ` + tenant + `::text || ':' || ` + email + `::text, 0))`
}

// LockInvitationsFor takes a transaction-scoped lock on the tenant's invitations for one address,
// so that two requests inviting the same person (a double-clicked button) run one after the other.
func LockInvitationsFor(ctx context.Context, q db.Querier, tenantID, email string) error {
	_, err := q.Exec(ctx, `SELECT `+lockInvitationsSQL("$1", "$2"), tenantID, NormaliseEmail(email))
	if err != nil {
		return fmt.Errorf("user: lock invitations for %s: %w", NormaliseEmail(email), err)
	}
	return nil
}

// RevokePendingInvitation withdraws one pending invitation and returns it as it was. An unknown
// id, another tenant's, or one already accepted or withdrawn answers NotFound.
func RevokePendingInvitation(ctx context.Context, q db.Querier, tenantID, id string) (Invitation, error) {
	rows, err := q.Query(ctx, `UPDATE invitations SET revoked_at = now()
		WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
		RETURNING tenant_id, id, email, name, role, expires_at, created_at`, tenantID, id)
	if err != nil {
		return Invitation{}, fmt.Errorf("user: revoke invitation %s: %w", id, err)
	}
	inv, err := pgx.CollectExactlyOneRow(rows, scanInvitation)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation{}, apperr.NotFound("Invitation not found")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("user: revoke invitation %s: %w", id, err)
	}
	return inv, nil
}

// InvitationExists reports whether the tenant has an invitation with the id, in any state.
func InvitationExists(ctx context.Context, q db.Querier, tenantID, id string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invitations WHERE tenant_id = $1 AND id = $2)`,
		tenantID, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("user: invitation exists %s: %w", id, err)
	}
	return ok, nil
}

func scanInvitation(r pgx.CollectableRow) (Invitation, error) {
	var i Invitation
	var role string
	err := r.Scan(&i.TenantID, &i.ID, &i.Email, &i.Name, &role, &i.ExpiresAt, &i.CreatedAt)
	i.Role = auth.Role(role)
	return i, err
}
