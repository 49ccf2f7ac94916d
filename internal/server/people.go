package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/mail"
	"thematic/internal/review"
	"thematic/internal/user"
	"thematic/templates/peopleview"
)

// The people of a review: members and their roles, and pending invitations of people who have no
// membership of the tenant yet. Staff read the list; only the lead changes it.

func peoplePath(a *auth.Actor) string {
	return "/reviews/" + url.PathEscape(a.Review.ReviewID) + "/people"
}

// peopleReview reads the review for the page, in the request's transaction.
func (s *Server) peopleReview(r *http.Request, tx pgx.Tx) (review.Review, peopleview.Review, error) {
	a := actorFrom(r.Context())
	rv, err := review.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return rv, peopleview.Review{}, err
	}
	return rv, peopleview.Review{ID: rv.ID, Title: rv.Title}, nil
}

// peopleOptions reads what the people forms offer: the review's areas for the contact's area
// select, and its inspectorates and team roles.
func peopleOptions(r *http.Request, tx pgx.Tx, v *peopleview.FormView) error {
	a := actorFrom(r.Context())
	o, err := review.LoadMemberOptions(r.Context(), tx, a.TenantID, a.Review.ReviewID)
	v.Areas = make([]peopleview.AreaOption, len(o.Areas))
	for i, ar := range o.Areas {
		v.Areas[i] = peopleview.AreaOption{ID: ar.ID, Name: ar.Name}
	}
	v.Inspectorates, v.TeamRoles = o.Inspectorates, o.TeamRoles
	return err
}

// peopleCheckArea refuses an area that is not one of the review's (removed meanwhile, or never
// offered): the select offers only the review's own.
func peopleCheckArea(d review.MemberDetails, areas []peopleview.AreaOption, errs *form.Errors) string {
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

func peopleInput(r *http.Request, adding bool) review.MemberInput {
	return review.MemberInput{Adding: adding, Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: r.PostFormValue("role"), AreaID: r.PostFormValue("area"), Inspectorate: r.PostFormValue("inspectorate"),
		JobTitle: r.PostFormValue("job_title")}
}

func (s *Server) peopleList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := peopleview.ListView{Lead: a.Review.Role == auth.ReviewLead, MemberID: a.Review.MemberID}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if _, v.Review, err = s.peopleReview(r, tx); err != nil {
			return err
		}
		if v.Members, err = review.ListMembers(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		v.Invites, err = review.ListMemberInvites(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, peopleview.List(s.page(r, "People"), v))
}

func (s *Server) peopleAddForm(w http.ResponseWriter, r *http.Request) error {
	v := peopleview.FormView{Input: review.MemberInput{Adding: true}, Errors: &form.Errors{}}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if _, v.Review, err = s.peopleReview(r, tx); err != nil {
			return err
		}
		return peopleOptions(r, tx, &v)
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, peopleview.Add(s.page(r, "Add a person"), v))
}

// peopleAdded is what adding a person came to.
type peopleAdded struct {
	member  review.Member // added at once: an active member of the tenant
	invited string        // or invited: the address the invitation went to
}

// peopleAdd adds an active member of the tenant to the review at once; anyone else is sent a
// tenant invitation and recorded as invited to the review, and joins it when they accept. Requests
// for the same address take turns (the invitations lock), and the unique keys on review_members
// (review, user) and review_member_invites (review, email) make a double-submitted form find the
// first one's result and say so, rather than add twice.
func (s *Server) peopleAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := peopleInput(r, true)
	d, errs := in.Validate()
	email := user.NormaliseEmail(in.Email)
	name := strings.TrimSpace(in.Name)
	v := peopleview.FormView{Input: in, Errors: errs}
	var done peopleAdded
	err := s.tx(r, func(tx pgx.Tx) error {
		rv, rview, err := s.peopleReview(r, tx)
		if err != nil {
			return err
		}
		v.Review = rview
		if err := peopleOptions(r, tx, &v); err != nil {
			return err
		}
		areaName := peopleCheckArea(d, v.Areas, errs)
		d.CheckLists(v.Inspectorates, v.TeamRoles, errs)
		if errs.Any() {
			return nil
		}
		if err := user.LockInvitationsFor(ctx, tx, a.TenantID, email); err != nil {
			return err
		}
		tu, found, err := review.FindTenantUser(ctx, tx, a.TenantID, email)
		if err != nil {
			return err
		}
		switch {
		case found && !tu.Active:
			errs.Add("email", tu.Name+"’s account in "+a.TenantName+" has been deactivated. Ask a tenant admin to reactivate it, then add them.")
			return nil
		case found:
			m, err := review.AddMember(ctx, tx, a.TenantID, a.Review.ReviewID, email, d)
			if errors.Is(err, review.ErrAlreadyMember) {
				errs.Add("email", tu.Name+" is already in this review")
				return nil
			}
			if err != nil {
				return err
			}
			done.member = m
			return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
				Action: "review_member.added", ObjectType: "review_member", ObjectID: m.ID, After: peopleAuditOf(m)})
		}
		return s.peopleInvite(r, tx, rv, email, name, d, areaName, errs, &done)
	})
	if err != nil {
		return err
	}
	if errs.Any() {
		p := s.page(r, "Add a person")
		p.HasError = true
		return s.invalid(w, r, peopleview.Add(p, v))
	}
	if done.invited != "" {
		return s.redirect(w, r, peoplePath(a), "Invitation sent to "+done.invited)
	}
	return s.redirect(w, r, peoplePath(a), done.member.Name+" has been added to the review as "+
		strings.ToLower(adminArticled(done.member.Role.Label())))
}

// peopleInvite invites someone with no membership of the tenant: a tenant invitation (the one the
// tenant admin's page makes: same store, same link, same lifetime) and the review's record of the
// place they will take.
func (s *Server) peopleInvite(r *http.Request, tx pgx.Tx, rv review.Review, email, name string, d review.MemberDetails,
	areaName string, errs *form.Errors, done *peopleAdded) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	invited, err := review.MemberInviteExists(ctx, tx, a.TenantID, a.Review.ReviewID, email)
	if err != nil {
		return err
	}
	if invited {
		errs.Add("email", email+" has already been invited to this review")
		return nil
	}
	if name == "" {
		errs.Add("name", "Enter their full name: "+email+" does not use this service in "+a.TenantName+" yet, so we will email them an invitation")
		return nil
	}
	// External people (contacts, observers) join the tenant as members; leads and inspectors as
	// inspectorate staff. An earlier pending invitation is replaced, never with a lesser role.
	role := auth.RoleMember
	if d.Role == auth.ReviewLead || d.Role == auth.ReviewInspector {
		role = auth.RoleStaff
	}
	earlier, err := user.RevokePendingInvitationsFor(ctx, tx, a.TenantID, email)
	if err != nil {
		return err
	}
	for _, inv := range earlier {
		if peopleRoleRank(inv.Role) > peopleRoleRank(role) {
			role = inv.Role
		}
		if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "invitation.revoked", ObjectType: "invitation", ObjectID: inv.ID,
			Before: map[string]string{"email": inv.Email, "role": string(inv.Role), "status": "pending"},
			After:  map[string]string{"status": "revoked", "reason": "replaced by a new invitation"}}); err != nil {
			return err
		}
	}
	token, hash := auth.NewToken()
	expires := s.now().Add(invitationLifetime)
	invID, err := user.CreateInvitation(ctx, tx, user.Invitation{TenantID: a.TenantID, Email: email, Name: name,
		Role: role, ExpiresAt: expires}, a.UserID, hash)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: "invitation.created", ObjectType: "invitation", ObjectID: invID,
		After: map[string]string{"email": email, "name": name, "role": string(role),
			"expires_at": expires.UTC().Format(time.RFC3339), "review": a.Review.ReviewID}}); err != nil {
		return err
	}
	id, err := review.AddMemberInvite(ctx, tx, a.TenantID, a.Review.ReviewID, email, name, d)
	if errors.Is(err, review.ErrAlreadyInvited) {
		// Cannot happen while the invitations lock is held; kept for safety. The error rolls back.
		return apperr.Conflict("%s has already been invited to this review", email)
	}
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: "review_member.invited", ObjectType: "review_member_invite", ObjectID: id,
		After: map[string]string{"review": a.Review.ReviewID, "email": email, "name": name, "role": string(d.Role),
			"area": d.AreaID, "inspectorate": d.Inspectorate, "job_title": d.JobTitle, "invitation": invID}}); err != nil {
		return err
	}
	done.invited = email
	// Sent last, inside the transaction: if it fails, no invitation is left that nobody was told of.
	return s.mail.Send(ctx, mail.Message{To: email, Subject: "You are invited to a review on Thematic reviews",
		Body: peopleMailBody(name, a.Name, a.TenantName, rv.Title, d.Role, areaName, s.cfg.BaseURL+"/invitations/"+token, expires)})
}

func peopleRoleRank(r auth.Role) int {
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

func peopleMailBody(name, inviter, tenantName, reviewTitle string, role auth.ReviewRole, areaName, link string, expires time.Time) string {
	as := strings.ToLower(adminArticled(role.Label()))
	if role == auth.ReviewContact && areaName != "" {
		as = "the local authority contact for " + areaName
	}
	return fmt.Sprintf(`Dear %s,

%s has invited you to take part in the review "%s", run by %s on Thematic reviews, as %s.

Open this link to accept the invitation and join the review:

%s

The link works once and stops working on %s.

If you were not expecting this invitation, you can ignore this email.
`, name, inviter, reviewTitle, tenantName, as, link, adminLongTime(expires))
}

// peopleAuditOf is what the audit log keeps of a member.
func peopleAuditOf(m review.Member) map[string]string {
	return map[string]string{"review": m.ReviewID, "user": m.UserID, "email": m.Email, "role": string(m.Role),
		"area": m.AreaID, "inspectorate": m.Inspectorate, "job_title": m.JobTitle}
}

// peopleMemberParam reads {memberID}; a malformed id names no member.
func peopleMemberParam(r *http.Request) (string, error) {
	id := strings.ToLower(chi.URLParam(r, "memberID"))
	if !db.ValidUUID(id) {
		return "", apperr.NotFound("")
	}
	return id, nil
}

// peopleEditView reads the member and what the change form offers.
func (s *Server) peopleEditView(r *http.Request, tx pgx.Tx, memberID string, v *peopleview.FormView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var err error
	if _, v.Review, err = s.peopleReview(r, tx); err != nil {
		return err
	}
	if v.Member, err = review.GetMember(ctx, tx, a.TenantID, a.Review.ReviewID, memberID); err != nil {
		return err
	}
	return peopleOptions(r, tx, v)
}

func (s *Server) peopleEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	v := peopleview.FormView{Errors: &form.Errors{}}
	if err := s.tx(r, func(tx pgx.Tx) error { return s.peopleEditView(r, tx, id, &v) }); err != nil {
		return err
	}
	v.Input, v.Version = review.MemberInputOf(v.Member), v.Member.Version
	return s.ok(w, r, peopleview.Edit(s.page(r, v.Member.Name), v))
}

// peopleVersion reads the hidden version field of the change form.
func peopleVersion(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || n < 1 {
		return 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return n, nil
}

func (s *Server) peopleUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	version, versionErr := peopleVersion(r)
	in := peopleInput(r, false)
	d, errs := in.Validate()
	v := peopleview.FormView{Input: in, Version: version, Errors: errs}
	var before, after review.Member
	var unchanged bool
	err = s.tx(r, func(tx pgx.Tx) error {
		if err := s.peopleEditView(r, tx, id, &v); err != nil {
			return err
		}
		if versionErr != nil {
			return versionErr
		}
		peopleCheckArea(d, v.Areas, errs)
		d.CheckLists(v.Inspectorates, v.TeamRoles, errs)
		if errs.Any() {
			return nil
		}
		if v.Member.Version != version {
			return apperr.Conflict(staleForm)
		}
		m := v.Member
		if m.Role == d.Role && m.AreaID == d.AreaID && m.Inspectorate == d.Inspectorate && m.JobTitle == d.JobTitle {
			unchanged = true
			return nil
		}
		var err error
		before, after, err = review.UpdateMember(ctx, tx, a.TenantID, a.Review.ReviewID, id, version, d)
		var onVisit *review.OnVisitError
		switch {
		case errors.Is(err, review.ErrLastLead):
			errs.Add("role", review.LastLeadMessage+". Make someone else a lead first.")
			return nil
		case errors.As(err, &onVisit):
			errs.Add("role", onVisit.Error())
			return nil
		case err != nil:
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review_member.updated", ObjectType: "review_member", ObjectID: id,
			Before: peopleAuditOf(before), After: peopleAuditOf(after)})
	})
	if err != nil {
		return err
	}
	switch {
	case errs.Any():
		p := s.page(r, v.Member.Name)
		p.HasError = true
		return s.invalid(w, r, peopleview.Edit(p, v))
	case unchanged:
		return s.redirect(w, r, peoplePath(a), "Nothing changed for "+v.Member.Name)
	case id == a.Review.MemberID && after.Role != auth.ReviewLead:
		// The lead gave up the role: the people pages are no longer theirs to change.
		return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/",
			"You are now "+strings.ToLower(adminArticled(after.Role.Label()))+" in this review")
	}
	return s.redirect(w, r, peoplePath(a), after.Name+"’s details have been changed")
}

// peopleRemove takes someone out of the review, unless they are its only lead or on a visit team.
func (s *Server) peopleRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	errs := &form.Errors{}
	var removed review.Member
	v := peopleview.FormView{Errors: errs}
	// The member's page again, when refused: read in this transaction, with the member as read.
	again := func(tx pgx.Tx) error {
		var err error
		if _, v.Review, err = s.peopleReview(r, tx); err != nil {
			return err
		}
		v.Member = removed
		return peopleOptions(r, tx, &v)
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		removed, err = review.RemoveMember(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		var onVisit *review.OnVisitError
		switch {
		case errors.Is(err, review.ErrLastLead):
			errs.Add("remove", review.LastLeadMessage+". Make someone else a lead before removing "+removed.Name+".")
			return again(tx)
		case errors.As(err, &onVisit):
			errs.Add("remove", onVisit.Error())
			return again(tx)
		case err != nil:
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review_member.removed", ObjectType: "review_member", ObjectID: id, Before: peopleAuditOf(removed)})
	})
	if err != nil {
		return err
	}
	if errs.Any() {
		v.Input, v.Version = review.MemberInputOf(v.Member), v.Member.Version
		p := s.page(r, v.Member.Name)
		p.HasError = true
		return s.invalid(w, r, peopleview.Edit(p, v))
	}
	if id == a.Review.MemberID {
		return s.redirect(w, r, "/", "You have left the review")
	}
	return s.redirect(w, r, peoplePath(a), removed.Name+" has been removed from the review")
}

// peopleInviteRemove withdraws a pending invitation to the review. The tenant invitation sent with
// it stays, as it may have been sent for another reason too: a tenant admin can withdraw it.
func (s *Server) peopleInviteRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id := strings.ToLower(chi.URLParam(r, "inviteID"))
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	var inv review.MemberInvite
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if inv, err = review.DeleteMemberInvite(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review_member.invite_withdrawn", ObjectType: "review_member_invite", ObjectID: id,
			Before: map[string]string{"review": inv.ReviewID, "email": inv.Email, "name": inv.Name, "role": string(inv.Role),
				"area": inv.AreaID, "inspectorate": inv.Inspectorate, "job_title": inv.JobTitle}})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, peoplePath(a), "Invitation to "+inv.Email+" withdrawn from this review")
}
