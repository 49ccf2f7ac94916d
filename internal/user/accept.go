package user

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
)

// Accepting is an invitation being accepted: by a new account (Name and PasswordHash) or by the
// existing account UserID, whose password the caller checked.
type Accepting struct {
	Invitation         Invitation
	Name, PasswordHash string // a new account
	UserID             string // an existing account
	// Release are sign-in throttling keys whose attempt, counted before the password was checked,
	// is taken back: the password was right.
	Release []string
	// SignIn signs the user in to the invitation's tenant (no second factor is owed), recorded
	// as StartSession records one, by the method "invitation".
	SignIn bool
	Now    time.Time
}

// Accepted is what an acceptance made.
type Accepted struct {
	UserID  string
	Session Session        // with SignIn: the sign-in to the invitation's tenant
	Tenants []TenantChoice // with SignIn: the user's organisations, the one joined first
}

// AcceptPlaces are placeholders of the acceptance's statement, for another package's writes in it.
type AcceptPlaces struct {
	Tenant, User, Email string // the tenant, the account and its address (text)
	RequestID, IP       string // audit.MetaFrom's, for entries of audit.InsertFrom
}

// AcceptMore gives another package's writes to the acceptance's statement: data-modifying CTEs
// (after a comma) that run only when the CTE named accepted has a row, given the statement's
// parameters so far. review gives the places in reviews the invitation carries.
type AcceptMore func(p AcceptPlaces, args []any) (string, []any)

// Accept accepts an invitation in one transaction of one write: the invitation used up, the
// account made (a new one), the membership, the attempt taken back, more's writes and the audit
// entries ("invitation.accepted", "membership.created" and, with SignIn, "auth.signed_in" after
// the account's failures are cleared); with SignIn for an existing account one more statement
// reads their organisations. An invitation used or withdrawn meanwhile is apperr Invalid; an
// account made meanwhile for the address a Conflict.
func Accept(ctx context.Context, pool *pgxpool.Pool, in Accepting, more AcceptMore) (Accepted, error) {
	inv := in.Invitation
	out := Accepted{UserID: in.UserID}
	newAccount := in.UserID == ""
	if newAccount {
		id, err := newUUID()
		if err != nil {
			return out, err
		}
		out.UserID = id
	}
	entries, err := acceptEntries(inv, out.UserID, in.SignIn)
	if err != nil {
		return out, err
	}
	meta := audit.MetaFrom(ctx)
	clearKey := ""
	if in.SignIn {
		clearKey = "account:" + inv.Email
	}
	args := []any{inv.TenantID, inv.ID, out.UserID, inv.Email, newAccount, in.Name, in.PasswordHash, string(inv.Role),
		in.Release, clearKey, in.Now.Add(-24 * time.Hour), entries, meta.RequestID, meta.IP}
	extra := ""
	if more != nil {
		extra, args = more(AcceptPlaces{Tenant: "$1", User: "$3", Email: "$4", RequestID: "$13", IP: "$14"}, args)
	}
	// Scoped to the tenant and to the account (a new one too), so that the statement may read
	// back the account it makes.
	gone := false // the invitation was used or withdrawn meanwhile
	err = db.InTx(ctx, pool, db.Scope{TenantID: inv.TenantID, UserID: out.UserID}, func(tx pgx.Tx) error {
		var ok bool
		var userVersion, memberVersion *int
		var totp, require2FA *bool
		var name, tenantName *string
		err := tx.QueryRow(ctx, `WITH accepted AS (UPDATE invitations SET accepted_at = now()
				WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
				RETURNING id),
			account AS (INSERT INTO users (id, email, name, password_hash) SELECT $3, $4, $6, $7 FROM accepted WHERE $5
				RETURNING auth_version, totp_enabled, name),
			member AS (INSERT INTO memberships (tenant_id, user_id, role) SELECT $1, $3, $8 FROM accepted
				ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role, deactivated_at = NULL,
					auth_version = memberships.auth_version + 1, updated_at = now()
				RETURNING auth_version),
			released AS (DELETE FROM auth_failures WHERE ctid IN (
					SELECT DISTINCT ON (key) ctid FROM auth_failures WHERE key = ANY($9) ORDER BY key, at DESC)
				OR (EXISTS (SELECT 1 FROM accepted) AND $10 <> '' AND (key = $10 OR at < $11))),
			entries AS (`+audit.InsertFrom+`
				SELECT $1::uuid, $3::uuid, $4, e.action, e.object_type,
					CASE e.object_type WHEN 'invitation' THEN accepted.id::text ELSE $3::text END, NULL, e.after, $13, $14
				FROM accepted CROSS JOIN LATERAL jsonb_to_recordset($12::jsonb) e (n int, action text, object_type text, after jsonb)
				ORDER BY e.n)`+extra+`
			SELECT EXISTS (SELECT 1 FROM accepted), u.auth_version, u.totp_enabled, u.name,
				(SELECT auth_version FROM member), t.require_2fa, t.name
			FROM (SELECT auth_version, totp_enabled, name FROM account
				UNION ALL SELECT auth_version, totp_enabled, name FROM users WHERE id = $3 AND NOT $5) u
			RIGHT JOIN tenants t ON true WHERE t.id = $1`, args...).
			Scan(&ok, &userVersion, &totp, &name, &memberVersion, &require2FA, &tenantName)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("user: accept invitation %s: %w", inv.ID, err)
		}
		if gone = !ok || userVersion == nil || memberVersion == nil; gone {
			// Nothing was written but the attempt taken back (the password was right): commit that.
			return nil
		}
		if !in.SignIn {
			return nil
		}
		out.Session = Session{UserVersion: *userVersion, MemberVersion: *memberVersion, Require2FA: *require2FA}
		out.Session.Actor.UserID, out.Session.Actor.Email, out.Session.Actor.Name = out.UserID, inv.Email, *name
		out.Session.Actor.TenantID, out.Session.Actor.TenantName, out.Session.Actor.Role = inv.TenantID, *tenantName, inv.Role
		out.Session.Actor.TOTP, out.Session.Actor.TwoFactorRequired = *totp, *require2FA
		joined := TenantChoice{ID: inv.TenantID, Name: *tenantName, Role: inv.Role}
		out.Tenants = []TenantChoice{joined}
		if newAccount {
			return nil // no other organisation
		}
		// The user's organisations: app_tenants scopes the rest of the transaction to the user
		// alone, which shows all their memberships. The one joined comes first.
		others, err := TenantsOf(ctx, tx, out.UserID)
		if err != nil {
			return err
		}
		for _, t := range others {
			if t.ID != inv.TenantID {
				out.Tenants = append(out.Tenants, t)
			}
		}
		return nil
	})
	if err == nil && gone {
		return Accepted{}, apperr.Invalid("This invitation has already been used or has expired")
	}
	return out, err
}

// acceptEntries are the audit entries of an acceptance, for jsonb_to_recordset: what each says
// after the change, in order.
func acceptEntries(inv Invitation, userID string, signIn bool) ([]byte, error) {
	type entry struct {
		N          int               `json:"n"`
		Action     string            `json:"action"`
		ObjectType string            `json:"object_type"`
		After      map[string]string `json:"after"`
	}
	list := []entry{
		{1, "invitation.accepted", "invitation", map[string]string{"email": inv.Email, "role": string(inv.Role)}},
		{2, "membership.created", "user", map[string]string{"email": inv.Email, "role": string(inv.Role), "invitation": inv.ID}},
	}
	if signIn {
		list = append(list, entry{3, "auth.signed_in", "user", map[string]string{"method": "invitation"}})
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("user: acceptance entries: %w", err)
	}
	return b, nil
}

// newUUID is a random (version 4) UUID, for an account whose id its transaction's scope names
// before the account exists.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("user: new id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
