package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/user"
)

// Limits on a member's details, shared with the database's checks.
const (
	MaxInspectorate = 100
	MaxJobTitle     = 200
)

// Member is a person's place in a review, with what the people page shows of them.
type Member struct {
	ID           string
	ReviewID     string
	UserID       string
	Name         string
	Email        string
	Role         auth.ReviewRole
	AreaID       string // a local authority contact's area; "" for other roles
	AreaName     string
	Inspectorate string
	JobTitle     string
	Version      int
	CreatedAt    time.Time
}

// MemberDetails is what the lead sets about a member: their role, the area of a local authority
// contact, their inspectorate and job title.
type MemberDetails struct {
	Role         auth.ReviewRole
	AreaID       string
	Inspectorate string
	JobTitle     string
}

// MemberInvite is a person invited to a review who has not yet joined the tenant.
type MemberInvite struct {
	ID           string
	ReviewID     string
	Email        string
	Name         string
	Role         auth.ReviewRole
	AreaID       string
	AreaName     string
	Inspectorate string
	JobTitle     string
	CreatedAt    time.Time
}

// TenantUser is an account as a member of the tenant, found by email.
type TenantUser struct {
	UserID string
	Name   string
	Email  string
	Active bool
}

// LastLeadMessage is what the lead reads when ErrLastLead refuses a change.
const LastLeadMessage = "A review must have at least one lead"

// The refusals of member changes, with the words the lead reads.
var (
	// ErrLastLead refuses taking away the review's only lead (LastLeadMessage says so).
	ErrLastLead = errors.New("review: a review must have at least one lead")
	// ErrAlreadyMember refuses adding someone twice.
	ErrAlreadyMember = errors.New("already a member of this review")
	// ErrAlreadyInvited refuses inviting an address twice.
	ErrAlreadyInvited = errors.New("already invited to this review")
)

// OnVisitError refuses removing (or making a contact or observer of) someone on a visit team,
// naming the visit.
type OnVisitError struct {
	Name  string
	Area  string
	Start *time.Time // nil while the visit's start is not known
}

func (e *OnVisitError) Error() string {
	when := " starting on " + e.Start.Format("2 January 2006")
	if e.Start == nil {
		when = " (dates not fixed yet)"
	}
	return e.Name + " is on the team for the visit to " + e.Area + when + ". Take them off the visit team first."
}

// memberSelect reads members with their name, email and area name in one statement.
const memberSelect = `SELECT m.id, m.review_id, m.user_id, u.name, u.email, m.role, m.area_id, la.display_name,
		coalesce(m.inspectorate, ''), coalesce(m.job_title, ''), m.version, m.created_at
	FROM review_members m
	JOIN users u ON u.id = m.user_id
	LEFT JOIN review_areas ra ON ra.tenant_id = m.tenant_id AND ra.id = m.area_id
	LEFT JOIN local_authorities la ON la.ons_code = ra.ons_code
	WHERE m.tenant_id = $1 AND m.review_id = $2`

func scanMember(r pgx.CollectableRow) (Member, error) {
	var m Member
	var role string
	var areaID, areaName *string
	err := r.Scan(&m.ID, &m.ReviewID, &m.UserID, &m.Name, &m.Email, &role, &areaID, &areaName,
		&m.Inspectorate, &m.JobTitle, &m.Version, &m.CreatedAt)
	m.Role = auth.ReviewRole(role)
	if areaID != nil {
		m.AreaID = *areaID
	}
	if areaName != nil {
		m.AreaName = *areaName
	}
	return m, err
}

// roleOrder sorts members as forms offer the roles.
const roleOrder = `array_position(ARRAY['lead', 'inspector', 'observer', 'la_contact'], m.role)`

// ListMembers reads a review's members, leads first, then by name, in one query.
func ListMembers(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Member, error) {
	rows, err := q.Query(ctx, memberSelect+` ORDER BY `+roleOrder+`, lower(u.name), u.email`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("review: members of %s: %w", reviewID, err)
	}
	list, err := pgx.CollectRows(rows, scanMember)
	if err != nil {
		return nil, fmt.Errorf("review: members of %s: %w", reviewID, err)
	}
	return list, nil
}

// GetMember reads one member of the review: NotFound for an id of another review or none.
func GetMember(ctx context.Context, q db.Querier, tenantID, reviewID, memberID string) (Member, error) {
	return getMember(ctx, q, tenantID, reviewID, memberID, "")
}

func getMember(ctx context.Context, q db.Querier, tenantID, reviewID, memberID, lock string) (Member, error) {
	if !db.ValidUUID(memberID) {
		return Member{}, apperr.NotFound("Member not found")
	}
	rows, err := q.Query(ctx, memberSelect+` AND m.id = $3`+lock, tenantID, reviewID, memberID)
	if err != nil {
		return Member{}, fmt.Errorf("review: member %s: %w", memberID, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMember)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, apperr.NotFound("Member not found")
	}
	if err != nil {
		return Member{}, fmt.Errorf("review: member %s: %w", memberID, err)
	}
	return m, nil
}

// lockLeads locks the review's lead rows, so that two leads taking each other's role away at the
// same moment take turns and the second sees the first one's change: a review keeps a lead.
func lockLeads(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT id FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND role = 'lead'
		ORDER BY id FOR UPDATE`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("review: lock leads of %s: %w", reviewID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("review: lock leads of %s: %w", reviewID, err)
	}
	return ids, nil
}

// FindTenantUser finds the tenant's member with an email address; found is false when the address
// has no membership of the tenant (it may still have an account elsewhere, which the tenant cannot
// see).
func FindTenantUser(ctx context.Context, q db.Querier, tenantID, email string) (u TenantUser, found bool, err error) {
	var deactivated *time.Time
	err = q.QueryRow(ctx, `SELECT u.id, u.name, u.email, m.deactivated_at FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND u.email = $2`, tenantID, normaliseEmail(email)).Scan(&u.UserID, &u.Name, &u.Email, &deactivated)
	if errors.Is(err, pgx.ErrNoRows) {
		return TenantUser{}, false, nil
	}
	if err != nil {
		return TenantUser{}, false, fmt.Errorf("review: tenant user by email: %w", err)
	}
	u.Active = deactivated == nil
	return u, true, nil
}

func normaliseEmail(s string) string { return user.NormaliseEmail(s) }

// AddMember adds an active member of the tenant, found by email, to the review. It answers
// ErrAlreadyMember when they are in the review already (the unique key on (tenant_id, review_id,
// user_id) makes a double-submitted form find the first), and NotFound when the address is not an
// active member of the tenant.
func AddMember(ctx context.Context, q db.Querier, tenantID, reviewID, email string, d MemberDetails) (Member, error) {
	u, found, err := FindTenantUser(ctx, q, tenantID, email)
	if err != nil {
		return Member{}, err
	}
	if !found || !u.Active {
		return Member{}, apperr.NotFound("No active member of the organisation has that email address")
	}
	var id string
	err = q.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
		VALUES ($1, $2, $3, $4, nullif($5, '')::uuid, nullif($6, ''), nullif($7, ''))
		ON CONFLICT (tenant_id, review_id, user_id) DO NOTHING RETURNING id`,
		tenantID, reviewID, u.UserID, string(d.Role), areaOf(d), d.Inspectorate, d.JobTitle).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, ErrAlreadyMember
	}
	if err != nil {
		return Member{}, fmt.Errorf("review: add member %s to %s: %w", u.UserID, reviewID, err)
	}
	return GetMember(ctx, q, tenantID, reviewID, id)
}

// areaOf is the area a member's row holds: only a local authority contact has one.
func areaOf(d MemberDetails) string {
	if d.Role != auth.ReviewContact {
		return ""
	}
	return d.AreaID
}

// UpdateMember changes a member's role, area, inspectorate and job title, when version is still
// the member's version (apperr.Conflict otherwise). Taking the lead role from the only lead answers
// ErrLastLead; making someone on a visit team a contact or observer answers *OnVisitError. It
// returns the member before and after.
func UpdateMember(ctx context.Context, q db.Querier, tenantID, reviewID, memberID string, version int, d MemberDetails) (before, after Member, err error) {
	leads, err := lockLeads(ctx, q, tenantID, reviewID)
	if err != nil {
		return Member{}, Member{}, err
	}
	if before, err = getMember(ctx, q, tenantID, reviewID, memberID, ` FOR UPDATE OF m`); err != nil {
		return Member{}, Member{}, err
	}
	if before.Version != version {
		return before, Member{}, apperr.Conflict("Someone else changed this person's details while you were looking at the page. Go back, reload the page and try again.")
	}
	if before.Role == auth.ReviewLead && d.Role != auth.ReviewLead && len(leads) <= 1 {
		return before, Member{}, ErrLastLead
	}
	if d.Role == auth.ReviewContact || d.Role == auth.ReviewObserver {
		if err := checkNotOnVisit(ctx, q, tenantID, before); err != nil {
			return before, Member{}, err
		}
	}
	tag, err := q.Exec(ctx, `UPDATE review_members SET role = $4, area_id = nullif($5, '')::uuid, inspectorate = nullif($6, ''), job_title = nullif($7, ''),
			version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 AND version = $8`,
		tenantID, reviewID, memberID, string(d.Role), areaOf(d), d.Inspectorate, d.JobTitle, version)
	if err != nil {
		return before, Member{}, fmt.Errorf("review: update member %s: %w", memberID, err)
	}
	if tag.RowsAffected() == 0 {
		return before, Member{}, apperr.Conflict("Someone else changed this person's details while you were looking at the page. Go back, reload the page and try again.")
	}
	after, err = GetMember(ctx, q, tenantID, reviewID, memberID)
	return before, after, err
}

// checkNotOnVisit answers *OnVisitError when the member is on a visit team (visit_members), or
// has days on a visit.
func checkNotOnVisit(ctx context.Context, q db.Querier, tenantID string, m Member) error {
	var e OnVisitError
	err := q.QueryRow(ctx, `SELECT la.display_name, v.start_date FROM visits v
		JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE v.tenant_id = $1 AND v.id IN (
			SELECT visit_id FROM visit_members WHERE tenant_id = $1 AND member_id = $2
			UNION SELECT visit_id FROM visit_days WHERE tenant_id = $1 AND member_id = $2)
		ORDER BY v.start_date NULLS LAST, v.id LIMIT 1`, tenantID, m.ID).Scan(&e.Area, &e.Start)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("review: visits of member %s: %w", m.ID, err)
	}
	e.Name = m.Name
	return &e
}

// RemoveMember takes someone out of the review and returns them as they were. Removing the only
// lead answers ErrLastLead; removing someone on a visit team answers *OnVisitError naming the visit.
func RemoveMember(ctx context.Context, q db.Querier, tenantID, reviewID, memberID string) (Member, error) {
	leads, err := lockLeads(ctx, q, tenantID, reviewID)
	if err != nil {
		return Member{}, err
	}
	m, err := getMember(ctx, q, tenantID, reviewID, memberID, ` FOR UPDATE OF m`)
	if err != nil {
		return Member{}, err
	}
	if m.Role == auth.ReviewLead && len(leads) <= 1 {
		return m, ErrLastLead
	}
	if err := checkNotOnVisit(ctx, q, tenantID, m); err != nil {
		return m, err
	}
	if _, err := q.Exec(ctx, `DELETE FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, memberID); err != nil {
		return m, fmt.Errorf("review: remove member %s: %w", memberID, err)
	}
	return m, nil
}

// ListMemberInvites reads a review's pending invitations, by email, with the area's name.
func ListMemberInvites(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]MemberInvite, error) {
	rows, err := q.Query(ctx, `SELECT i.id, i.review_id, i.email, i.name, i.role, i.area_id, la.display_name, coalesce(i.inspectorate, ''),
			coalesce(i.job_title, ''), i.created_at
		FROM review_member_invites i
		LEFT JOIN review_areas ra ON ra.tenant_id = i.tenant_id AND ra.id = i.area_id
		LEFT JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE i.tenant_id = $1 AND i.review_id = $2
		ORDER BY i.email`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("review: invites of %s: %w", reviewID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberInvite, error) {
		var i MemberInvite
		var role string
		var areaID, areaName *string
		err := r.Scan(&i.ID, &i.ReviewID, &i.Email, &i.Name, &role, &areaID, &areaName, &i.Inspectorate, &i.JobTitle, &i.CreatedAt)
		i.Role = auth.ReviewRole(role)
		if areaID != nil {
			i.AreaID = *areaID
		}
		if areaName != nil {
			i.AreaName = *areaName
		}
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("review: invites of %s: %w", reviewID, err)
	}
	return list, nil
}

// AddMemberInvite records that someone without a membership of the tenant is invited to the
// review; they become a member when they accept the tenant invitation (ClaimInvites). A second
// invitation of the same address to the review answers ErrAlreadyInvited (unique key).
func AddMemberInvite(ctx context.Context, q db.Querier, tenantID, reviewID, email, name string, d MemberDetails) (string, error) {
	var id string
	err := q.QueryRow(ctx, `INSERT INTO review_member_invites (tenant_id, review_id, email, name, role, area_id, inspectorate, job_title)
		VALUES ($1, $2, $3, $4, $5, nullif($6, '')::uuid, nullif($7, ''), nullif($8, ''))
		ON CONFLICT (tenant_id, review_id, email) DO NOTHING RETURNING id`,
		tenantID, reviewID, normaliseEmail(email), strings.TrimSpace(name), string(d.Role), areaOf(d), d.Inspectorate, d.JobTitle).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrAlreadyInvited
	}
	if err != nil {
		return "", fmt.Errorf("review: invite %s to %s: %w", normaliseEmail(email), reviewID, err)
	}
	return id, nil
}

// MemberInviteExists reports whether the address has a pending invitation to the review.
func MemberInviteExists(ctx context.Context, q db.Querier, tenantID, reviewID, email string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM review_member_invites WHERE tenant_id = $1 AND review_id = $2 AND email = $3)`,
		tenantID, reviewID, normaliseEmail(email)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("review: invite exists: %w", err)
	}
	return ok, nil
}

// DeleteMemberInvite withdraws a pending invitation to the review and returns it as it was:
// NotFound for an id of another review or none.
func DeleteMemberInvite(ctx context.Context, q db.Querier, tenantID, reviewID, inviteID string) (MemberInvite, error) {
	if !db.ValidUUID(inviteID) {
		return MemberInvite{}, apperr.NotFound("Invitation not found")
	}
	var i MemberInvite
	var role string
	var areaID *string
	err := q.QueryRow(ctx, `DELETE FROM review_member_invites WHERE tenant_id = $1 AND review_id = $2 AND id = $3
		RETURNING id, review_id, email, name, role, area_id, coalesce(inspectorate, ''), coalesce(job_title, ''), created_at`, tenantID, reviewID, inviteID).
		Scan(&i.ID, &i.ReviewID, &i.Email, &i.Name, &role, &areaID, &i.Inspectorate, &i.JobTitle, &i.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return MemberInvite{}, apperr.NotFound("Invitation not found")
	}
	if err != nil {
		return MemberInvite{}, fmt.Errorf("review: delete invite %s: %w", inviteID, err)
	}
	i.Role = auth.ReviewRole(role)
	if areaID != nil {
		i.AreaID = *areaID
	}
	return i, nil
}

// ClaimInvites turns the tenant's pending review invitations for an address into memberships of
// those reviews, for the user who has just joined the tenant with it, and audits each
// ("review_member.added"). Call it in the transaction that accepts the tenant invitation, after the
// membership exists. A review the user is already in keeps the place they have. It returns how
// many memberships it made.
func ClaimInvites(ctx context.Context, q db.Querier, tenantID, email, userID string) (int, error) {
	rows, err := q.Query(ctx, `WITH claimed AS (
			DELETE FROM review_member_invites WHERE tenant_id = $1 AND email = $2
			RETURNING id, review_id, role, area_id, inspectorate, job_title)
		INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
		SELECT $1, review_id, $3, role, area_id, inspectorate, job_title FROM claimed ORDER BY review_id
		ON CONFLICT (tenant_id, review_id, user_id) DO NOTHING
		RETURNING id, review_id, role, coalesce(area_id::text, ''), coalesce(inspectorate, ''), coalesce(job_title, '')`,
		tenantID, normaliseEmail(email), userID)
	if err != nil {
		return 0, fmt.Errorf("review: claim invites for %s: %w", normaliseEmail(email), err)
	}
	type claim struct{ id, reviewID, role, areaID, inspectorate, jobTitle string }
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
		var c claim
		err := r.Scan(&c.id, &c.reviewID, &c.role, &c.areaID, &c.inspectorate, &c.jobTitle)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("review: claim invites for %s: %w", normaliseEmail(email), err)
	}
	for _, c := range claims {
		if err := audit.Record(ctx, q, audit.Event{TenantID: tenantID, ActorID: userID, ActorEmail: normaliseEmail(email),
			Action: "review_member.added", ObjectType: "review_member", ObjectID: c.id,
			After: map[string]string{"review": c.reviewID, "user": userID, "email": normaliseEmail(email), "role": c.role,
				"area": c.areaID, "inspectorate": c.inspectorate, "job_title": c.jobTitle, "via": "invitation"}}); err != nil {
			return 0, err
		}
	}
	return len(claims), nil
}

// MemberInput is the people form as typed. Field ids: email, name, role, area, inspectorate,
// job-title. Inspectorate is the radio chosen: one of the review's inspectorates, or "none";
// JobTitle is one of the review's team roles, or "" (MemberDetails.CheckLists checks them).
type MemberInput struct {
	Adding       bool // the add form, with email and name; the edit form has neither
	Email        string
	Name         string
	Role         string
	AreaID       string
	Inspectorate string
	JobTitle     string
}

// MemberInputOf fills the edit form from a member.
func MemberInputOf(m Member) MemberInput {
	in := MemberInput{Role: string(m.Role), AreaID: m.AreaID, Inspectorate: m.Inspectorate, JobTitle: m.JobTitle}
	if in.Inspectorate == "" {
		in.Inspectorate = "none"
	}
	return in
}

// Validate checks the form and returns the details it sets, with field errors. Whether the area
// belongs to the review, and whether a name is needed (no account yet), the caller checks.
func (in MemberInput) Validate() (MemberDetails, *form.Errors) {
	errs := &form.Errors{}
	d := MemberDetails{Role: auth.ReviewRole(in.Role), AreaID: strings.ToLower(strings.TrimSpace(in.AreaID)),
		JobTitle: strings.TrimSpace(in.JobTitle)}
	if in.Adding {
		email := normaliseEmail(in.Email)
		switch {
		case email == "":
			errs.Add("email", "Enter their email address")
		case !user.ValidEmail(email):
			errs.Add("email", "Enter an email address in the correct format, like name@example.com")
		}
		if utf8.RuneCountInString(strings.TrimSpace(in.Name)) > maxName {
			errs.Add("name", "Full name must be 200 characters or fewer")
		}
	}
	if !d.Role.Valid() {
		errs.Add("role", "Select their role in this review")
	}
	switch {
	case d.Role == auth.ReviewContact && d.AreaID == "":
		errs.Add("area", "Select the area they are the local authority contact for")
	case d.Role == auth.ReviewContact && !db.ValidUUID(d.AreaID):
		errs.Add("area", "Select an area from the list")
	case d.Role != auth.ReviewContact && d.AreaID != "":
		errs.Add("area", "Only a local authority contact has an area: leave the area blank for other roles")
		d.AreaID = ""
	}
	if in.Inspectorate != "none" {
		d.Inspectorate = strings.TrimSpace(in.Inspectorate)
	}
	return d, errs
}

// CheckLists refuses an inspectorate or team role that is not in the review's lists (removed
// meanwhile, or never offered): the form offers only the review's own.
func (d *MemberDetails) CheckLists(inspectorates, teamRoles []string, errs *form.Errors) {
	if d.Inspectorate != "" && !slices.Contains(inspectorates, d.Inspectorate) {
		errs.Add("inspectorate", "Select their inspectorate from the list")
		d.Inspectorate = ""
	}
	if d.JobTitle != "" && !slices.Contains(teamRoles, d.JobTitle) {
		errs.Add("job-title", "Select their team role from the list")
		d.JobTitle = ""
	}
}

// MemberOptions are what the people forms offer: the review's areas (for a local authority
// contact) by name, its inspectorates and its team roles, in order.
type MemberOptions struct {
	Areas         []AreaOption
	Inspectorates []string
	TeamRoles     []string
}

// AreaOption is one of the review's areas.
type AreaOption struct {
	ID, Name string
}

// LoadMemberOptions reads the people forms' choices in one statement.
func LoadMemberOptions(ctx context.Context, q db.Querier, tenantID, reviewID string) (MemberOptions, error) {
	var o MemberOptions
	err := q.QueryRow(ctx, `SELECT
		(SELECT coalesce(json_agg(json_build_object('ID', ra.id, 'Name', la.display_name) ORDER BY la.name, ra.id), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		coalesce((SELECT array_agg(name ORDER BY position, lower(name), id) FROM review_inspectorates
			WHERE tenant_id = $1 AND review_id = $2), '{}'),
		coalesce((SELECT array_agg(name ORDER BY position, lower(name), id) FROM review_team_roles
			WHERE tenant_id = $1 AND review_id = $2), '{}')`, tenantID, reviewID).Scan(&o.Areas, &o.Inspectorates, &o.TeamRoles)
	if err != nil {
		return o, fmt.Errorf("review: people form options of %s: %w", reviewID, err)
	}
	return o, nil
}

const maxName = 200
