package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// The people commands' reads and writes in as few statements as the request budget allows
// (BENCHMARKS.md, "Ten statements a request"): one read of everything a change checks, and one
// statement that writes the change with its audit entry.

// optionsSQL are the people forms' choices as three columns (LoadMemberOptions reads the same).
const optionsSQL = `(SELECT coalesce(json_agg(json_build_object('ID', ra.id, 'Name', la.display_name) ORDER BY la.name, ra.id), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		coalesce((SELECT array_agg(name ORDER BY position, lower(name), id) FROM review_inspectorates
			WHERE tenant_id = $1 AND review_id = $2), '{}'),
		coalesce((SELECT array_agg(name ORDER BY position, lower(name), id) FROM review_team_roles
			WHERE tenant_id = $1 AND review_id = $2), '{}')`

// memberChange is a member locked for a change, with what the change checks.
type memberChange struct {
	Form  PersonForm // the review's title, the form's choices and the member as locked
	Leads int        // the review's leads, locked with the member
}

// lockMemberForChange locks the review's leads and the member (in id order, so that two changes
// take turns whichever rows they touch) and reads, in the same statement, the member as locked,
// the review's title and the forms' choices. A member of another review, or none, is NotFound.
// Whether they are on a visit team is read after, in a statement of its own (checkNotOnVisit):
// its snapshot then sees a visit team that a change committed while this one waited for the lock.
func lockMemberForChange(ctx context.Context, tx pgx.Tx, tenantID, reviewID, memberID string) (memberChange, error) {
	var c memberChange
	if !db.ValidUUID(memberID) {
		return c, apperr.NotFound("Member not found")
	}
	m := &c.Form.Member
	var role string
	var areaID, areaName *string
	err := tx.QueryRow(ctx, `WITH locked AS MATERIALIZED (
			SELECT id, review_id, user_id, role, area_id, inspectorate, job_title, version, created_at FROM review_members
			WHERE tenant_id = $1 AND review_id = $2 AND (role = 'lead' OR id = $3) ORDER BY id FOR UPDATE)
		SELECT m.id, m.review_id, m.user_id, u.name, u.email, m.role, m.area_id, la.display_name,
			coalesce(m.inspectorate, ''), coalesce(m.job_title, ''), m.version, m.created_at,
			(SELECT count(*) FROM locked WHERE role = 'lead'),
			rv.title, `+optionsSQL+`
		FROM locked m
		JOIN users u ON u.id = m.user_id
		JOIN reviews rv ON rv.tenant_id = $1 AND rv.id = $2
		LEFT JOIN review_areas ra ON ra.tenant_id = $1 AND ra.id = m.area_id
		LEFT JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE m.id = $3`, tenantID, reviewID, memberID).Scan(&m.ID, &m.ReviewID, &m.UserID, &m.Name, &m.Email, &role,
		&areaID, &areaName, &m.Inspectorate, &m.JobTitle, &m.Version, &m.CreatedAt, &c.Leads,
		&c.Form.Review.Title, &c.Form.Options.Areas, &c.Form.Options.Inspectorates, &c.Form.Options.TeamRoles)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.NotFound("Member not found")
	}
	if err != nil {
		return c, fmt.Errorf("review: lock member %s: %w", memberID, err)
	}
	m.Role = auth.ReviewRole(role)
	if areaID != nil {
		m.AreaID = *areaID
	}
	if areaName != nil {
		m.AreaName = *areaName
	}
	c.Form.Review.TenantID, c.Form.Review.ID = tenantID, reviewID
	return c, nil
}

// writeMember saves the member's new details with the audit entry, in one statement; the caller
// holds the member's lock (lockMemberForChange) and checked its version. It returns the new version.
func writeMember(ctx context.Context, tx pgx.Tx, sc db.Scope, memberID string, version int, d MemberDetails, e audit.Event) (int, error) {
	entry, args, err := audit.Insert(ctx, e, []any{sc.TenantID, sc.ReviewID, memberID, string(d.Role), areaOf(d), d.Inspectorate,
		d.JobTitle, version})
	if err != nil {
		return 0, err
	}
	var next int
	err = tx.QueryRow(ctx, `WITH entry AS (`+entry+`)
		UPDATE review_members SET role = $4, area_id = nullif($5, '')::uuid, inspectorate = nullif($6, ''), job_title = nullif($7, ''),
			version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 AND version = $8 RETURNING version`, args...).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, apperr.Conflict(peopleStale)
	}
	if err != nil {
		return 0, fmt.Errorf("review: update member %s: %w", memberID, err)
	}
	return next, nil
}

// deleteMember takes the member out of the review with the audit entry, in one statement; the
// caller holds the member's lock.
func deleteMember(ctx context.Context, tx pgx.Tx, sc db.Scope, memberID string, e audit.Event) error {
	entry, args, err := audit.Insert(ctx, e, []any{sc.TenantID, sc.ReviewID, memberID})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `WITH entry AS (`+entry+`)
		DELETE FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, args...); err != nil {
		return fmt.Errorf("review: remove member %s: %w", memberID, err)
	}
	return nil
}

// personToAdd is what adding someone checks, read in one statement: the review's title, the
// forms' choices, the tenant's account with the address (if any), whether they are in the review
// already and whether the address is invited to it.
type personToAdd struct {
	Form     PersonForm
	User     TenantUser
	Found    bool // the address has a membership of the tenant
	IsMember bool // and a place in the review
	Invited  bool // the address has a pending invitation to the review
}

func readPersonToAdd(ctx context.Context, tx pgx.Tx, tenantID, reviewID, email string) (personToAdd, error) {
	var p personToAdd
	var userID, name, address *string
	var deactivated *bool
	err := tx.QueryRow(ctx, `SELECT rv.title, `+optionsSQL+`,
			u.id::text, u.name, u.email, mb.deactivated_at IS NOT NULL,
			EXISTS (SELECT 1 FROM review_members rm WHERE rm.tenant_id = $1 AND rm.review_id = $2 AND rm.user_id = u.id),
			EXISTS (SELECT 1 FROM review_member_invites i WHERE i.tenant_id = $1 AND i.review_id = $2 AND i.email = $3)
		FROM reviews rv
		LEFT JOIN (memberships mb JOIN users u ON u.id = mb.user_id) ON mb.tenant_id = $1 AND u.email = $3
		WHERE rv.tenant_id = $1 AND rv.id = $2`, tenantID, reviewID, email).Scan(&p.Form.Review.Title,
		&p.Form.Options.Areas, &p.Form.Options.Inspectorates, &p.Form.Options.TeamRoles,
		&userID, &name, &address, &deactivated, &p.IsMember, &p.Invited)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.NotFound("Review not found")
	}
	if err != nil {
		return p, fmt.Errorf("review: read the person to add to %s: %w", reviewID, err)
	}
	p.Form.Review.TenantID, p.Form.Review.ID = tenantID, reviewID
	if userID != nil {
		p.Found = true
		p.User = TenantUser{UserID: *userID, Name: *name, Email: *address, Active: deactivated != nil && !*deactivated}
	}
	return p, nil
}

// insertMember adds the tenant's user to the review with the audit entry ("review_member.added",
// after), in one statement. ErrAlreadyMember when they are in the review already (a form sent
// twice: the unique key finds the first).
func insertMember(ctx context.Context, tx pgx.Tx, sc db.Scope, u TenantUser, d MemberDetails, after map[string]string) (Member, error) {
	m := Member{ReviewID: sc.ReviewID, UserID: u.UserID, Name: u.Name, Email: u.Email, Role: d.Role, AreaID: areaOf(d),
		Inspectorate: d.Inspectorate, JobTitle: d.JobTitle}
	meta := audit.MetaFrom(ctx)
	js, err := json.Marshal(after)
	if err != nil {
		return Member{}, fmt.Errorf("review: audit of member: %w", err)
	}
	err = tx.QueryRow(ctx, `WITH ins AS (
			INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
			VALUES ($1, $2, $3, $4, nullif($5, '')::uuid, nullif($6, ''), nullif($7, ''))
			ON CONFLICT (tenant_id, review_id, user_id) DO NOTHING RETURNING id, version, created_at),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, nullif($8::text, '')::uuid, coalesce(nullif($9::text, ''), `+audit.ActorEmailSQL("nullif($8::text, '')::uuid")+`),
				'review_member.added', 'review_member', ins.id::text, NULL, $10::jsonb, $11, $12 FROM ins)
		SELECT id, version, created_at FROM ins`,
		sc.TenantID, sc.ReviewID, u.UserID, string(d.Role), areaOf(d), d.Inspectorate, d.JobTitle,
		sc.UserID, sc.Email, js, meta.RequestID, meta.IP).Scan(&m.ID, &m.Version, &m.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, ErrAlreadyMember
	}
	if err != nil {
		return Member{}, fmt.Errorf("review: add member %s to %s: %w", u.UserID, sc.ReviewID, err)
	}
	return m, nil
}

// insertMemberInvite records the review's invitation of an address with its audit entry
// ("review_member.invited", after gets the invitation's id), in one statement.
// ErrAlreadyInvited when the address is invited already.
func insertMemberInvite(ctx context.Context, tx pgx.Tx, sc db.Scope, email, name string, d MemberDetails, after map[string]string) error {
	meta := audit.MetaFrom(ctx)
	js, err := json.Marshal(after)
	if err != nil {
		return fmt.Errorf("review: audit of invitation: %w", err)
	}
	var id string
	err = tx.QueryRow(ctx, `WITH ins AS (
			INSERT INTO review_member_invites (tenant_id, review_id, email, name, role, area_id, inspectorate, job_title)
			VALUES ($1, $2, $3, $4, $5, nullif($6, '')::uuid, nullif($7, ''), nullif($8, ''))
			ON CONFLICT (tenant_id, review_id, email) DO NOTHING RETURNING id),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, nullif($9::text, '')::uuid, coalesce(nullif($10::text, ''), `+audit.ActorEmailSQL("nullif($9::text, '')::uuid")+`),
				'review_member.invited', 'review_member_invite', ins.id::text, NULL, $11::jsonb, $12, $13 FROM ins)
		SELECT id FROM ins`,
		sc.TenantID, sc.ReviewID, email, name, string(d.Role), areaOf(d), d.Inspectorate, d.JobTitle,
		sc.UserID, sc.Email, js, meta.RequestID, meta.IP).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrAlreadyInvited
	}
	if err != nil {
		return fmt.Errorf("review: invite %s to %s: %w", email, sc.ReviewID, err)
	}
	return nil
}
