package user

import (
	"context"
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
}

// InviteTx is the one way an invitation is made (tenant admins' and review leads' alike): it
// withdraws the address's pending invitations to the tenant (recording each), stores the new one
// with a fresh token, records it and queues its mail, all in tx. The caller must hold
// LockInvitationsFor. It returns the invitation's id and the role it gives.
func InviteTx(ctx context.Context, tx pgx.Tx, sc db.Scope, in Invite) (string, auth.Role, error) {
	role := in.Role
	earlier, err := RevokePendingInvitationsFor(ctx, tx, sc.TenantID, in.Email)
	if err != nil {
		return "", "", err
	}
	for _, inv := range earlier {
		if in.KeepHigherRole && roleRank(inv.Role) > roleRank(role) {
			role = inv.Role
		}
		if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "invitation.revoked", ObjectType: "invitation", ObjectID: inv.ID,
			Before: map[string]string{"email": inv.Email, "role": string(inv.Role), "status": "pending"},
			After:  map[string]string{"status": "revoked", "reason": "replaced by a new invitation"}}); err != nil {
			return "", "", err
		}
	}
	token, hash := auth.NewToken()
	id, err := CreateInvitation(ctx, tx, Invitation{TenantID: sc.TenantID, Email: in.Email, Name: in.Name,
		Role: role, ExpiresAt: in.Expires}, sc.UserID, hash)
	if err != nil {
		return "", "", err
	}
	after := map[string]string{"email": in.Email, "name": in.Name, "role": string(role),
		"expires_at": in.Expires.UTC().Format(time.RFC3339)}
	for k, v := range in.AuditAfter {
		after[k] = v
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
		Action: "invitation.created", ObjectType: "invitation", ObjectID: id, After: after}); err != nil {
		return "", "", err
	}
	m := in.Mail(in.BaseURL+"/invitations/"+token, role)
	m.To, m.Kind = in.Email, "invitation"
	return id, role, mail.Enqueue(ctx, tx, sc.TenantID, m)
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
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if err := LockInvitationsFor(ctx, tx, sc.TenantID, email); err != nil {
			return err
		}
		member, err := ActiveMemberByEmail(ctx, tx, sc.TenantID, email)
		if err != nil {
			return err
		}
		if member {
			return form.Refuse("email", email+" is already a member of this organisation")
		}
		_, _, err = InviteTx(ctx, tx, sc, Invite{Email: email, Name: name, Role: role, Expires: expires, BaseURL: in.BaseURL,
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
