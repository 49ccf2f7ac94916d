package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/peopleview"
)

// The people of a review: members and their roles, and pending invitations of people who have no
// membership of the tenant yet. Staff read the list; only the lead changes it.

func peoplePath(a *auth.Actor) string {
	return "/reviews/" + url.PathEscape(a.Review.ReviewID) + "/people"
}

// peopleForm fills a form view with what the command read: the review and the form's choices.
func peopleForm(f review.PersonForm, v *peopleview.FormView) {
	v.Review = peopleview.Review{ID: f.Review.ID, Title: f.Review.Title}
	v.Member = f.Member
	v.Areas = make([]peopleview.AreaOption, len(f.Options.Areas))
	for i, ar := range f.Options.Areas {
		v.Areas[i] = peopleview.AreaOption{ID: ar.ID, Name: ar.Name}
	}
	v.Inspectorates, v.TeamRoles = f.Options.Inspectorates, f.Options.TeamRoles
}

func peopleInput(r *http.Request, adding bool) review.MemberInput {
	return review.MemberInput{Adding: adding, Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: r.PostFormValue("role"), AreaID: r.PostFormValue("area"), Inspectorate: r.PostFormValue("inspectorate"),
		JobTitle: r.PostFormValue("job_title")}
}

func (s *Server) peopleList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	p, err := review.PeoplePage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := peopleview.ListView{Lead: a.Review.Role == auth.ReviewLead, MemberID: a.Review.MemberID,
		Review: peopleview.Review{ID: p.Review.ID, Title: p.Review.Title}, Members: p.Members, Invites: p.Invites}
	return s.ok(w, r, peopleview.List(s.page(r, "People"), v))
}

func (s *Server) peopleAddForm(w http.ResponseWriter, r *http.Request) error {
	v := peopleview.FormView{Input: review.MemberInput{Adding: true}, Errors: &form.Errors{}}
	f, err := review.PersonFormPage(r.Context(), s.pool, scopeOf(r), "")
	if err != nil {
		return err
	}
	peopleForm(f, &v)
	return s.ok(w, r, peopleview.Add(s.page(r, "Add a person"), v))
}

// peopleAdd adds a person to the review, or invites them (review.AddPerson).
func (s *Server) peopleAdd(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := peopleInput(r, true)
	done, err := review.AddPerson(r.Context(), s.pool, scopeOf(r), in,
		review.Inviter{Name: a.Name, TenantName: a.TenantName, BaseURL: s.cfg.BaseURL, Now: s.now()})
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := peopleview.FormView{Input: in, Errors: refused.Errors}
		peopleForm(done.Form, &v)
		p := s.page(r, "Add a person")
		p.HasError = true
		return s.invalid(w, r, peopleview.Add(p, v))
	}
	if err != nil {
		return err
	}
	if done.Invited != "" {
		return s.redirect(w, r, peoplePath(a), "Invitation sent to "+done.Invited)
	}
	return s.redirect(w, r, peoplePath(a), done.Member.Name+" has been added to the review as "+
		strings.ToLower(adminArticled(done.Member.Role.Label())))
}

// peopleMemberParam reads {memberID}; a malformed id names no member.
func peopleMemberParam(r *http.Request) (string, error) {
	id := strings.ToLower(chi.URLParam(r, "memberID"))
	if !db.ValidUUID(id) {
		return "", apperr.NotFound("")
	}
	return id, nil
}

func (s *Server) peopleEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	f, err := review.PersonFormPage(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	v := peopleview.FormView{Errors: &form.Errors{}}
	peopleForm(f, &v)
	v.Input, v.Version = review.MemberInputOf(v.Member), v.Member.Version
	return s.ok(w, r, peopleview.Edit(s.page(r, v.Member.Name), v))
}

// peopleVersion reads the hidden version field of the change form: 0 when it cannot be read.
func peopleVersion(r *http.Request) int {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func (s *Server) peopleUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	version := peopleVersion(r)
	in := peopleInput(r, false)
	res, err := review.UpdatePerson(r.Context(), s.pool, scopeOf(r), id, version, in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := peopleview.FormView{Input: in, Version: version, Errors: refused.Errors}
		peopleForm(res.Form, &v)
		p := s.page(r, v.Member.Name)
		p.HasError = true
		return s.invalid(w, r, peopleview.Edit(p, v))
	}
	if err != nil {
		return err
	}
	switch {
	case res.Unchanged:
		return s.redirect(w, r, peoplePath(a), "Nothing changed for "+res.Form.Member.Name)
	case id == a.Review.MemberID && res.After.Role != auth.ReviewLead:
		// The lead gave up the role: the people pages are no longer theirs to change.
		return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/",
			"You are now "+strings.ToLower(adminArticled(res.After.Role.Label()))+" in this review")
	}
	return s.redirect(w, r, peoplePath(a), res.After.Name+"’s details have been changed")
}

// peopleRemove takes someone out of the review, unless they are its only lead or on a visit team.
func (s *Server) peopleRemove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := peopleMemberParam(r)
	if err != nil {
		return err
	}
	f, err := review.RemovePerson(r.Context(), s.pool, scopeOf(r), id)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := peopleview.FormView{Errors: refused.Errors}
		peopleForm(f, &v)
		v.Input, v.Version = review.MemberInputOf(v.Member), v.Member.Version
		p := s.page(r, v.Member.Name)
		p.HasError = true
		return s.invalid(w, r, peopleview.Edit(p, v))
	}
	if err != nil {
		return err
	}
	if id == a.Review.MemberID {
		return s.redirect(w, r, "/", "You have left the review")
	}
	return s.redirect(w, r, peoplePath(a), f.Member.Name+" has been removed from the review")
}

// peopleInviteRemove withdraws a pending invitation to the review (the tenant invitation stays).
func (s *Server) peopleInviteRemove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id := strings.ToLower(chi.URLParam(r, "inviteID"))
	if !db.ValidUUID(id) {
		return apperr.NotFound("")
	}
	inv, err := review.WithdrawPersonInvite(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	return s.redirect(w, r, peoplePath(a), "Invitation to "+inv.Email+" withdrawn from this review")
}
