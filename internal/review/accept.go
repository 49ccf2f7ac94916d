package review

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/user"
)

// Accepting an invitation (the tenant's, with the review places it carries) lives here rather
// than in internal/user because the new member takes their places in the reviews they were
// invited to: user.Accept writes the account, the membership and the sign-in, and this package
// gives the places (claimPlaces) to the same statement.

// InvitationByLink reads the invitation a link's token names, before anyone is signed in: one
// statement outside any transaction, as auth_invitation_by_token needs no scope.
func InvitationByLink(ctx context.Context, pool *pgxpool.Pool, token string) (user.Invitation, error) {
	inv, err := user.InvitationByToken(ctx, pool, auth.HashToken(token))
	return inv, db.MapError(err)
}

// AcceptAsNewUser creates the account an invitation is for, with its name and password (checked:
// a *form.Refused), its membership and its review places, and signs the new user in to the
// invitation's tenant (user.Accept). An invitation used or withdrawn meanwhile is apperr Invalid;
// an account made meanwhile for the address a Conflict.
func AcceptAsNewUser(ctx context.Context, pool *pgxpool.Pool, inv user.Invitation, name, password, confirm string, now time.Time) (user.Accepted, error) {
	name = strings.TrimSpace(name)
	errs := &form.Errors{}
	switch {
	case name == "":
		errs.Add("name", "Enter your full name")
	case !user.ValidName(name):
		errs.Add("name", "Name must be 200 characters or fewer")
	}
	user.CheckChosenPassword(errs, password, confirm, inv.Email)
	if errs.Any() {
		return user.Accepted{}, &form.Refused{Errors: errs}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return user.Accepted{}, err
	}
	return user.Accept(ctx, pool, user.Accepting{Invitation: inv, Name: name, PasswordHash: hash, SignIn: true, Now: now},
		claimPlaces)
}

// AcceptAsExistingUser adds the membership an invitation gives, and its review places, to an
// existing account whose password the caller checked, taking back the attempts counted under
// release; with signIn it signs them in too. Errors as AcceptAsNewUser.
func AcceptAsExistingUser(ctx context.Context, pool *pgxpool.Pool, inv user.Invitation, userID string, release []string, signIn bool, now time.Time) (user.Accepted, error) {
	return user.Accept(ctx, pool, user.Accepting{Invitation: inv, UserID: userID, Release: release, SignIn: signIn, Now: now},
		claimPlaces)
}

// claimPlaces turns the tenant's pending review invitations for the address into places in those
// reviews (as ClaimInvites does), each audited "review_member.added", in the acceptance's
// statement: CTEs that run only when the invitation was accepted.
func claimPlaces(p user.AcceptPlaces, args []any) (string, []any) {
	return `,
		claimed AS (DELETE FROM review_member_invites WHERE tenant_id = ` + p.Tenant + ` AND email = ` + p.Email + `
				AND EXISTS (SELECT 1 FROM accepted)
			RETURNING review_id, role, area_id, inspectorate, job_title),
		placed AS (INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
			SELECT ` + p.Tenant + `, review_id, ` + p.User + `, role, area_id, inspectorate, job_title FROM claimed ORDER BY review_id
			ON CONFLICT (tenant_id, review_id, user_id) DO NOTHING
			RETURNING id, review_id, role, coalesce(area_id::text, '') AS area_id, coalesce(inspectorate, '') AS inspectorate,
				coalesce(job_title, '') AS job_title),
		placed_entries AS (` + audit.InsertFrom + `
			SELECT ` + p.Tenant + `::uuid, ` + p.User + `::uuid, ` + p.Email + `, 'review_member.added', 'review_member', placed.id::text,
				NULL, jsonb_build_object('review', placed.review_id::text, 'user', ` + p.User + `::text, 'email', ` + p.Email + `::text,
					'role', placed.role, 'area', placed.area_id, 'inspectorate', placed.inspectorate,
					'job_title', placed.job_title, 'via', 'invitation'), ` + p.RequestID + `, ` + p.IP + `
			FROM placed ORDER BY placed.review_id)`, args
}
