package user

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
)

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invite is an invitation to make and the mail that tells of it.
type Invite struct {
	Email, Name string
	Role        auth.Role
	// KeepHigherRole keeps the role of an earlier pending invitation it replaces when that role
	// is higher (an invitation to a review never lowers one to the tenant).
	KeepHigherRole bool
	Expires        time.Time
	BaseURL        string            // the link is BaseURL + /invitations/ + token
	AuditAfter     map[string]string // more for the invitation.created entry (the review)
	// Mail writes the message, given the link and the role the invitation gives.
	Mail func(link string, role auth.Role) mail.Message
	// RefuseMember refuses an address that belongs to an active member of the tenant.
	RefuseMember bool
}

// InviteTx is the one way an invitation is made (tenant admins' and review leads' alike): it
// withdraws the address's pending invitations to the tenant (recording each), stores the new one
// with a fresh token, records it and queues its mail, all in tx. The caller must hold
// LockInvitationsFor. It returns the invitation's id and the role it gives.
//
// The mail's job is queued first (the role it names is read before, when KeepHigherRole may keep
// an earlier one); then one statement withdraws, stores and writes every audit entry. With
// RefuseMember, that statement first checks that the address is not an active member of the
// tenant, and InviteTx refuses it (on the email field) without writing: the caller's transaction
// must then roll back, which takes the mail's job with it.
func InviteTx(ctx context.Context, tx pgx.Tx, sc db.Scope, in Invite) (string, auth.Role, error) {
	role := in.Role
	if in.KeepHigherRole {
		var earlier []string
		err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(role), '{}') FROM invitations
			WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, sc.TenantID, in.Email).Scan(&earlier)
		if err != nil {
			return "", "", fmt.Errorf("user: pending invitations for %s: %w", in.Email, err)
		}
		for _, r := range earlier {
			if roleRank(auth.Role(r)) > roleRank(role) {
				role = auth.Role(r)
			}
		}
	}
	token, hash := auth.NewToken()
	m := in.Mail(in.BaseURL+"/invitations/"+token, role)
	m.To, m.Kind = in.Email, "invitation"
	queued, err := mail.EnqueueJob(ctx, tx, sc.TenantID, m)
	if err != nil {
		return "", "", err
	}
	after := map[string]string{"email": in.Email, "name": in.Name, "role": string(role),
		"expires_at": in.Expires.UTC().Format(time.RFC3339)}
	for k, v := range in.AuditAfter {
		after[k] = v
	}
	afterJSON, err := json.Marshal(after)
	if err != nil {
		return "", "", fmt.Errorf("user: invitation entry: %w", err)
	}
	meta := audit.MetaFrom(ctx)
	args := []any{sc.TenantID, in.Email, in.Name, string(role), sc.UserID, hash, in.Expires, sc.Email, afterJSON,
		meta.RequestID, meta.IP, in.RefuseMember}
	queuedEntry, args, err := audit.Insert(ctx, queued, args)
	if err != nil {
		return "", "", err
	}
	var member bool
	var id *string
	err = tx.QueryRow(ctx, `WITH member AS (SELECT $12 AND EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.tenant_id = $1 AND u.email = $2 AND m.deactivated_at IS NULL) AS yes),
			revoked AS (UPDATE invitations SET revoked_at = now()
				WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND NOT (SELECT yes FROM member)
				RETURNING id, email, role, created_at),
			inv AS (INSERT INTO invitations (tenant_id, email, name, role, invited_by, token_hash, expires_at)
				SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT (SELECT yes FROM member) RETURNING id),
			revoked_entries AS (`+audit.InsertFrom+`
				SELECT $1::uuid, $5::uuid, coalesce(nullif($8::text, ''), `+audit.ActorEmailSQL("$5::uuid")+`), 'invitation.revoked', 'invitation', r.id::text,
					jsonb_build_object('email', r.email, 'role', r.role, 'status', 'pending'),
					jsonb_build_object('status', 'revoked', 'reason', 'replaced by a new invitation'), $10, $11
				FROM revoked r ORDER BY r.created_at),
			created_entry AS (`+audit.InsertFrom+`
				SELECT $1::uuid, $5::uuid, coalesce(nullif($8::text, ''), `+audit.ActorEmailSQL("$5::uuid")+`), 'invitation.created', 'invitation', inv.id::text, NULL, $9::jsonb, $10, $11 FROM inv),
			queued_entry AS (`+queuedEntry+`)
			SELECT (SELECT yes FROM member), (SELECT id::text FROM inv)`, args...).Scan(&member, &id)
	if err != nil {
		return "", "", fmt.Errorf("user: invite %s: %w", in.Email, err)
	}
	if member || id == nil {
		return "", "", form.Refuse("email", in.Email+" is already a member of this organisation")
	}
	return *id, role, nil
}

func roleRank(r auth.Role) int {
	switch r {
	case auth.RoleAdmin:
		return 3
	case auth.RoleStaff:
		return 2
	case auth.RoleMember:
		return 1
	}
	return 0
}

// TenantInvite is a tenant admin's invitation form.
type TenantInvite struct {
	Name, Email, Role string
	InviterName       string // for the mail
	TenantName        string
	BaseURL           string
	Now               time.Time
}

// InviteToTenant invites someone to the tenant with a role, unless they are already an active
// member (refused on the email field). Requests inviting the same address take turns, so a
// double-clicked button cannot leave two usable invitations: each new one withdraws those before
// it. The mail is queued in the same transaction. It returns the normalised address.
func InviteToTenant(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in TenantInvite) (string, error) {
	name := strings.TrimSpace(in.Name)
	email := NormaliseEmail(in.Email)
	role := auth.Role(in.Role)
	errs := &form.Errors{}
	switch {
	case name == "":
		errs.Add("name", "Enter their full name")
	case !ValidName(name):
		errs.Add("name", "Full name must be 200 characters or fewer")
	}
	switch {
	case email == "":
		errs.Add("email", "Enter their email address")
	case !ValidEmail(email):
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if !role.Valid() {
		errs.Add("role", "Select the role they will have")
	}
	if errs.Any() {
		return email, &form.Refused{Errors: errs}
	}
	expires := in.Now.Add(InvitationLifetime)
	// The scope and the lock on the address's invitations (LockInvitationsFor) in one statement.
	err := db.InTxSelfScoped(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
			`+lockInvitationsSQL("$1", "$3")+`::text`, sc.TenantID, sc.UserID, email); err != nil {
			return fmt.Errorf("user: scope and lock invitations for %s: %w", email, err)
		}
		_, _, err := InviteTx(ctx, tx, sc, Invite{Email: email, Name: name, Role: role, Expires: expires, BaseURL: in.BaseURL,
			RefuseMember: true,
			Mail: func(link string, role auth.Role) mail.Message {
				return mail.Message{Subject: "You are invited to join " + in.TenantName + " on Thematic reviews",
					Body: tenantInvitationBody(name, in.InviterName, in.TenantName, role, link, expires)}
			}})
		return err
	})
	return email, err
}

func tenantInvitationBody(name, inviter, tenantName string, role auth.Role, link string, expires time.Time) string {
	return fmt.Sprintf(`Dear %s,

%s has invited you to join %s on Thematic reviews, as %s.

Open this link to accept the invitation:

%s

The link works once and stops working on %s.

If you were not expecting this invitation, you can ignore this email.
`, name, inviter, tenantName, strings.ToLower(Articled(role.Label())), link, LongTime(expires))
}

// Articled puts "a" or "an" before a label: "an Inspector".
func Articled(label string) string {
	if label == "" {
		return label
	}
	switch strings.ToLower(label[:1]) {
	case "a", "e", "i", "o", "u":
		return "an " + label
	}
	return "a " + label
}

var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// LongTime is like "2:05pm on 3 March 2026", in UK time.
func LongTime(t time.Time) string {
	t = t.In(london)
	return t.Format("3:04pm") + " on " + t.Format("2 January 2006")
}
