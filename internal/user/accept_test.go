package user_test

import (
	"context"
	"testing"
	"time"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/testenv"
	"thematic/internal/user"
)

// An invitation accepted in one statement: the account, the membership and the sign-in's audit
// entries with it; one withdrawn after it was read writes nothing but still takes back the
// attempt of the right password.
func TestAcceptWritesAllOrOnlyTheRelease(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	var tenant, admin, lead string
	if err := d.Super.QueryRow(ctx, `SELECT m.tenant_id, m.user_id, (SELECT id FROM users WHERE email = 'lead@demo.test')
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'admin@demo.test'`).Scan(&tenant, &admin, &lead); err != nil {
		t.Fatal(err)
	}
	invite := func(email string) user.Invitation {
		t.Helper()
		token, hash := auth.NewToken()
		if _, err := d.Super.Exec(ctx, `INSERT INTO invitations (tenant_id, email, name, role, invited_by, token_hash, expires_at)
			VALUES ($1, $2, 'Someone', 'member', $3, $4, now() + interval '1 day')`, tenant, email, admin, hash); err != nil {
			t.Fatal(err)
		}
		inv, err := user.InvitationByToken(ctx, d.App, auth.HashToken(token))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := d.Super.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	inv := invite("nia.new@demo.test")
	acc, err := user.Accept(ctx, d.App, user.Accepting{Invitation: inv, Name: "Nia New", PasswordHash: "x", SignIn: true,
		Now: time.Now()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Session.Actor.Email != inv.Email || acc.Session.MemberVersion != 1 || acc.Session.UserVersion != 1 ||
		len(acc.Tenants) != 1 || acc.Tenants[0].ID != tenant {
		t.Errorf("accepted = %+v", acc)
	}
	if n := count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenant, acc.UserID); n != 1 {
		t.Errorf("%d memberships", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action IN
		('invitation.accepted', 'membership.created', 'auth.signed_in')`, acc.UserID); n != 3 {
		t.Errorf("%d audit entries, want 3", n)
	}

	gone := invite("lead@demo.test")
	if _, err := d.Super.Exec(ctx, `UPDATE invitations SET revoked_at = now() WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Super.Exec(ctx, `INSERT INTO auth_failures (key) VALUES ('account:lead@demo.test'), ('ip:192.0.2.1')`); err != nil {
		t.Fatal(err)
	}
	_, err = user.Accept(ctx, d.App, user.Accepting{Invitation: gone, UserID: lead, SignIn: true, Now: time.Now(),
		Release: []string{"account:lead@demo.test", "ip:192.0.2.1"}}, nil)
	if !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("withdrawn invitation: %v, want Invalid", err)
	}
	if n := count(`SELECT count(*) FROM auth_failures WHERE key IN ('account:lead@demo.test', 'ip:192.0.2.1')`); n != 0 {
		t.Errorf("%d attempts left counted after a right password", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE object_id = $1`, gone.ID); n != 0 {
		t.Errorf("the withdrawn invitation's acceptance was audited")
	}
}
