package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
	"thematic/internal/user"
)

// The people of a review, as commands: members and their roles, and pending invitations of people
// who have no membership of the tenant yet. Each opens one transaction scoped to sc (sc.ReviewID
// is the review) and records its change in the audit log.

// peopleStale is the refusal of a change made to a member someone else changed meanwhile.
const peopleStale = "Someone else changed this while you were looking at the page. Go back, reload the page to see the latest details, and try again."

// People is the people page's data.
type People struct {
	Review  Review
	Members []Member
	Invites []MemberInvite
}

// PeoplePage reads the review's members and pending invitations.
func PeoplePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (People, error) {
	var p People
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if p.Review, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if p.Members, err = ListMembers(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		p.Invites, err = ListMemberInvites(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return p, err
}

// PersonForm is what the add and change forms show: the review, the choices they offer and, on
// the change form, the member.
type PersonForm struct {
	Review  Review
	Options MemberOptions
	Member  Member
}

func loadPersonForm(ctx context.Context, tx pgx.Tx, sc db.Scope, memberID string) (PersonForm, error) {
	var f PersonForm
	var err error
	if f.Review, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return f, err
	}
	if memberID != "" {
		if f.Member, err = GetMember(ctx, tx, sc.TenantID, sc.ReviewID, memberID); err != nil {
			return f, err
		}
	}
	f.Options, err = LoadMemberOptions(ctx, tx, sc.TenantID, sc.ReviewID)
	return f, err
}

// PersonFormPage reads the add form's data (memberID "") or the change form's for a member.
func PersonFormPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, memberID string) (PersonForm, error) {
	var f PersonForm
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		f, err = loadPersonForm(ctx, tx, sc, memberID)
		return err
	})
	return f, err
}

// checkArea refuses an area that is not one of the review's (removed meanwhile, or never
// offered) and returns the area's name.
func checkArea(d MemberDetails, areas []AreaOption, errs *form.Errors) string {
	if d.Role != auth.ReviewContact || d.AreaID == "" || errs.Has("area") {
		return ""
	}
	for _, o := range areas {
		if o.ID == d.AreaID {
			return o.Name
		}
	}
	errs.Add("area", "Select an area of this review")
	return ""
}

// auditOfMember is what the audit log keeps of a member.
func auditOfMember(m Member) map[string]string {
	return map[string]string{"review": m.ReviewID, "user": m.UserID, "email": m.Email, "role": string(m.Role),
		"area": m.AreaID, "inspectorate": m.Inspectorate, "job_title": m.JobTitle}
}

// Inviter is who adds people and where the invitation's link points.
type Inviter struct {
	Name, TenantName string
	BaseURL          string
	Now              time.Time
}

// PersonAdded is what adding a person came to: the form's data (to show it again when refused)
// and either the member added or the address invited.
type PersonAdded struct {
	Form    PersonForm
	Member  Member // added at once: an active member of the tenant
	Invited string // or invited: the address the invitation went to
}

// AddPerson adds an active member of the tenant to the review at once; anyone else is sent a
// tenant invitation (user.InviteTx: the same store, link and lifetime as a tenant admin's) and
// recorded as invited to the review, and joins it when they accept. Requests for the same address
// take turns (the invitations lock), and the unique keys on review_members (review, user) and
// review_member_invites (review, email) make a double-submitted form find the first one's result
// and say so, rather than add twice. A refusal is a *form.Refused, returned with the form's data.
func AddPerson(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in MemberInput, by Inviter) (PersonAdded, error) {
	var res PersonAdded
	d, errs := in.Validate()
	email := user.NormaliseEmail(in.Email)
	name := strings.TrimSpace(in.Name)
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		// The lock first, so that the read after it sees what a request for the same address did.
		if err := user.LockInvitationsFor(ctx, tx, sc.TenantID, email); err != nil {
			return err
		}
		p, err := readPersonToAdd(ctx, tx, sc.TenantID, sc.ReviewID, email)
		if err != nil {
			return err
		}
		res.Form = p.Form
		areaName := checkArea(d, res.Form.Options.Areas, errs)
		d.CheckLists(res.Form.Options.Inspectorates, res.Form.Options.TeamRoles, errs)
		if errs.Any() {
			return &form.Refused{Errors: errs}
		}
		switch {
		case p.Found && !p.User.Active:
			return form.Refuse("email", p.User.Name+"’s account in "+by.TenantName+" has been deactivated. Ask a tenant admin to reactivate it, then add them.")
		case p.Found && p.IsMember:
			return form.Refuse("email", p.User.Name+" is already in this review")
		case p.Found:
			m := Member{ReviewID: sc.ReviewID, UserID: p.User.UserID, Email: p.User.Email, Role: d.Role, AreaID: areaOf(d),
				Inspectorate: d.Inspectorate, JobTitle: d.JobTitle}
			m, err := insertMember(ctx, tx, sc, p.User, d, auditOfMember(m))
			if errors.Is(err, ErrAlreadyMember) {
				return form.Refuse("email", p.User.Name+" is already in this review")
			}
			if err != nil {
				return err
			}
			m.AreaName = areaName
			res.Member = m
			return nil
		case p.Invited:
			return form.Refuse("email", email+" has already been invited to this review")
		}
		if err := invitePerson(ctx, tx, sc, res.Form.Review, email, name, d, areaName, by); err != nil {
			return err
		}
		res.Invited = email
		return nil
	})
	var refused *form.Refused
	if errors.As(err, &refused) {
		// Errors found before the transaction and in it are shown together.
		if refused.Errors != errs {
			for _, e := range refused.Errors.List() {
				errs.Add(e.Field, e.Message)
			}
		}
		return res, &form.Refused{Errors: errs}
	}
	return res, err
}

// invitePerson invites someone with no membership of the tenant: a tenant invitation and the
// review's record of the place they will take. External people (contacts, observers) join the
// tenant as members; leads and inspectors as inspectorate staff. An earlier pending invitation
// is replaced, never with a lesser role. The caller holds the invitations lock and found no
// invitation of the address to the review.
func invitePerson(ctx context.Context, tx pgx.Tx, sc db.Scope, rv Review, email, name string, d MemberDetails,
	areaName string, by Inviter) error {
	if name == "" {
		return form.Refuse("name", "Enter their full name: "+email+" does not use this service in "+by.TenantName+" yet, so we will email them an invitation")
	}
	role := auth.RoleMember
	if d.Role == auth.ReviewLead || d.Role == auth.ReviewInspector {
		role = auth.RoleStaff
	}
	expires := by.Now.Add(user.InvitationLifetime)
	invID, _, err := user.InviteTx(ctx, tx, sc, user.Invite{Email: email, Name: name, Role: role, KeepHigherRole: true,
		Expires: expires, BaseURL: by.BaseURL, AuditAfter: map[string]string{"review": sc.ReviewID},
		Mail: func(link string, _ auth.Role) mail.Message {
			return mail.Message{Subject: "You are invited to a review on Thematic reviews",
				Body: reviewInvitationBody(name, by.Name, by.TenantName, rv.Title, d.Role, areaName, link, expires)}
		}})
	if err != nil {
		return err
	}
	err = insertMemberInvite(ctx, tx, sc, email, name, d, map[string]string{"review": sc.ReviewID, "email": email, "name": name,
		"role": string(d.Role), "area": d.AreaID, "inspectorate": d.Inspectorate, "job_title": d.JobTitle, "invitation": invID})
	if errors.Is(err, ErrAlreadyInvited) {
		// Cannot happen while the invitations lock is held; kept for safety. The error rolls back.
		return apperr.Conflict("%s has already been invited to this review", email)
	}
	return err
}

func reviewInvitationBody(name, inviter, tenantName, reviewTitle string, role auth.ReviewRole, areaName, link string, expires time.Time) string {
	as := strings.ToLower(user.Articled(role.Label()))
	if role == auth.ReviewContact && areaName != "" {
		as = "the local authority contact for " + areaName
	}
	return fmt.Sprintf(`Dear %s,

%s has invited you to take part in the review "%s", run by %s on Thematic reviews, as %s.

Open this link to accept the invitation and join the review:

%s

The link works once and stops working on %s.

If you were not expecting this invitation, you can ignore this email.
`, name, inviter, reviewTitle, tenantName, as, link, user.LongTime(expires))
}

// PersonUpdated is what a change to a member came to.
type PersonUpdated struct {
	Form          PersonForm // the member as read before the change, and the form's choices
	Before, After Member
	Unchanged     bool
}

// UpdatePerson changes a member's role, area, inspectorate and team role. version is the form's
// (below 1 when it could not be read); a member changed since is a conflict. A refusal is a
// *form.Refused, returned with the form's data.
func UpdatePerson(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, memberID string, version int, in MemberInput) (PersonUpdated, error) {
	var res PersonUpdated
	d, errs := in.Validate()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		c, err := lockMemberForChange(ctx, tx, sc.TenantID, sc.ReviewID, memberID)
		res.Form = c.Form
		if err != nil {
			return err
		}
		if version < 1 {
			return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
		}
		areaName := checkArea(d, res.Form.Options.Areas, errs)
		d.CheckLists(res.Form.Options.Inspectorates, res.Form.Options.TeamRoles, errs)
		if errs.Any() {
			return &form.Refused{Errors: errs}
		}
		m := res.Form.Member
		if m.Version != version {
			return apperr.Conflict(peopleStale)
		}
		if m.Role == d.Role && m.AreaID == d.AreaID && m.Inspectorate == d.Inspectorate && m.JobTitle == d.JobTitle {
			res.Unchanged = true
			return nil
		}
		if m.Role == auth.ReviewLead && d.Role != auth.ReviewLead && c.Leads <= 1 {
			errs.Add("role", LastLeadMessage+". Make someone else a lead first.")
			return &form.Refused{Errors: errs}
		}
		if d.Role == auth.ReviewContact || d.Role == auth.ReviewObserver {
			var onVisit *OnVisitError
			if err := checkNotOnVisit(ctx, tx, sc.TenantID, m); errors.As(err, &onVisit) {
				errs.Add("role", onVisit.Error())
				return &form.Refused{Errors: errs}
			} else if err != nil {
				return err
			}
		}
		after := m
		after.Role, after.AreaID, after.AreaName, after.Inspectorate, after.JobTitle = d.Role, areaOf(d), areaName, d.Inspectorate, d.JobTitle
		after.Version, err = writeMember(ctx, tx, sc, memberID, version, d, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID,
			ActorEmail: sc.Email, Action: "review_member.updated", ObjectType: "review_member", ObjectID: memberID,
			Before: auditOfMember(m), After: auditOfMember(after)})
		res.Before, res.After = m, after
		return err
	})
	return res, err
}

// RemovePerson takes someone out of the review, unless they are its only lead or on a visit team:
// then it is refused (*form.Refused, on the "remove" field) with the member's form data.
func RemovePerson(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, memberID string) (PersonForm, error) {
	var f PersonForm
	var refused *form.Refused
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		c, err := lockMemberForChange(ctx, tx, sc.TenantID, sc.ReviewID, memberID)
		if err != nil {
			return err
		}
		f = c.Form
		m := c.Form.Member
		if m.Role == auth.ReviewLead && c.Leads <= 1 {
			refused = form.Refuse("remove", LastLeadMessage+". Make someone else a lead before removing "+m.Name+".")
			return nil
		}
		var onVisit *OnVisitError
		if err := checkNotOnVisit(ctx, tx, sc.TenantID, m); errors.As(err, &onVisit) {
			refused = form.Refuse("remove", onVisit.Error())
			return nil
		} else if err != nil {
			return err
		}
		return deleteMember(ctx, tx, sc, memberID, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review_member.removed", ObjectType: "review_member", ObjectID: memberID, Before: auditOfMember(m)})
	})
	if err == nil && refused != nil {
		return f, refused
	}
	return f, err
}

// WithdrawPersonInvite withdraws a pending invitation to the review. The tenant invitation sent
// with it stays, as it may have been sent for another reason too: a tenant admin can withdraw it.
func WithdrawPersonInvite(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, inviteID string) (MemberInvite, error) {
	var inv MemberInvite
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if inv, err = DeleteMemberInvite(ctx, tx, sc.TenantID, sc.ReviewID, inviteID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review_member.invite_withdrawn", ObjectType: "review_member_invite", ObjectID: inviteID,
			Before: map[string]string{"review": inv.ReviewID, "email": inv.Email, "name": inv.Name, "role": string(inv.Role),
				"area": inv.AreaID, "inspectorate": inv.Inspectorate, "job_title": inv.JobTitle}})
	})
	return inv, err
}
