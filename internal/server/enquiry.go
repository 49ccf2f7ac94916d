package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/reviewview"
)

// A review's lines of enquiry: its staff read them; its lead adds, renames, moves and deletes
// groups and lines. Every change is audited ("enquiry.*") in the transaction that makes it.

// enqPath is the lines of enquiry page, optionally at a group's heading.
func enqPath(reviewID, groupID string) string {
	p := reviewview.ReviewPath(reviewID) + "enquiry"
	if groupID != "" {
		p += "#group-" + groupID
	}
	return p
}

// enqLinePath is the lines of enquiry page at the heading a line is under: its group's, or that
// of the lines in no group.
func enqLinePath(reviewID, groupID string) string {
	if groupID == "" {
		return reviewview.ReviewPath(reviewID) + "enquiry#" + reviewview.UngroupedID
	}
	return enqPath(reviewID, groupID)
}

// enqAmong names where a line is, for messages: its group, or the lines in no group.
func enqAmong(groupID string) string {
	if groupID == "" {
		return "the lines not in a group"
	}
	return "its group"
}

// enqParam reads an id from the path; anything that is not a UUID cannot name a row.
func enqParam(r *http.Request, name string) (string, error) {
	id := chi.URLParam(r, name)
	if !db.ValidUUID(id) {
		return "", apperr.NotFound("")
	}
	return id, nil
}

// enqDirection reads the move buttons' direction.
func enqDirection(r *http.Request) (up bool, err error) {
	switch r.PostFormValue("direction") {
	case "up":
		return true, nil
	case "down":
		return false, nil
	}
	return false, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
}

// enqView maps the lines of enquiry page into its view.
func enqView(r *http.Request, pg review.EnquiryPage, v *reviewview.EnquiryView) {
	v.Lead = actorFrom(r.Context()).Review.Role == auth.ReviewLead
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	v.Review, v.Enquiry = pg.Review, pg.Enquiry
}

func (s *Server) enqRender(w http.ResponseWriter, r *http.Request, v reviewview.EnquiryView) error {
	p := s.rvPage(r, "Lines of enquiry")
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, reviewview.Enquiry(p, v))
	}
	return s.ok(w, r, reviewview.Enquiry(p, v))
}

// enqRefused shows the page again with a refused change's errors.
func (s *Server) enqRefused(w http.ResponseWriter, r *http.Request, pg review.EnquiryPage, v reviewview.EnquiryView, refused *form.Refused) error {
	enqView(r, pg, &v)
	v.Errors = refused.Errors
	return s.enqRender(w, r, v)
}

func (s *Server) enquiryPage(w http.ResponseWriter, r *http.Request) error {
	pg, err := review.LoadEnquiryPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	var v reviewview.EnquiryView
	enqView(r, pg, &v)
	return s.enqRender(w, r, v)
}

// --- Groups ---

func (s *Server) enquiryAddGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	typed := r.PostFormValue("title")
	c, err := review.EnquiryAddGroup(r.Context(), s.pool, scopeOf(r), typed)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.enqRefused(w, r, c.Page, reviewview.EnquiryView{NewGroupTitle: typed}, refused)
	}
	if err != nil {
		return err
	}
	if !c.Created {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, c.Group.ID), "There is already a group called “"+c.Group.Title+"”")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, c.Group.ID), "Group “"+c.Group.Title+"” added")
}

func (s *Server) enquiryRenameGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	typed := r.PostFormValue("title")
	c, err := review.EnquiryRenameGroup(r.Context(), s.pool, scopeOf(r), id, r.PostFormValue("was"), typed)
	var refused *form.Refused
	if errors.As(err, &refused) {
		if !c.Page.HasGroup(id) {
			return apperr.NotFound("")
		}
		return s.enqRefused(w, r, c.Page, reviewview.EnquiryView{RenameGroup: id, RenameTitle: typed, OpenGroup: id}, refused)
	}
	if err != nil {
		return err
	}
	if c.Group.Title == c.Title {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Nothing changed")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Group renamed “"+c.Title+"”")
}

func (s *Server) enquiryMoveGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	c, err := review.EnquiryMoveGroup(r.Context(), s.pool, scopeOf(r), id, up)
	if err != nil {
		return err
	}
	if c.From == c.To {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "The group is already "+enqEnd(up)+" of the list")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Group moved to number "+strconv.Itoa(c.To))
}

func enqEnd(up bool) string {
	if up {
		return "at the top"
	}
	return "at the bottom"
}

func (s *Server) enquiryDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	c, err := review.EnquiryDeleteGroup(r.Context(), s.pool, scopeOf(r), id)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.enqRefused(w, r, c.Page, reviewview.EnquiryView{OpenGroup: id}, refused)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, ""), "Group “"+c.Group.Title+"” deleted")
}

// --- Lines ---

func (s *Server) enquiryAddLine(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	groupID := r.PostFormValue("group_id") // "" puts the line in no group
	typed := r.PostFormValue("question")
	if groupID != "" && !db.ValidUUID(groupID) {
		return apperr.NotFound("")
	}
	c, err := review.EnquiryAddLine(r.Context(), s.pool, scopeOf(r), groupID, typed)
	var refused *form.Refused
	if errors.As(err, &refused) {
		if groupID != "" && !c.Page.HasGroup(groupID) {
			return apperr.NotFound("")
		}
		return s.enqRefused(w, r, c.Page, reviewview.EnquiryView{NewLineGroup: groupID, NewLine: typed}, refused)
	}
	if err != nil {
		return err
	}
	if !c.Created {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "That line of enquiry is already in "+enqAmong(groupID))
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "Line of enquiry added")
}

// enqLineForm maps a line's change page into its view.
func enqLineForm(lineID string, lf review.LineForm) reviewview.LineForm {
	l := lf.Line
	return reviewview.LineForm{LineID: lineID, Errors: &form.Errors{}, Review: lf.Review, Groups: lf.Groups,
		Was: l.Question, Question: l.Question, WasGroup: l.GroupID, GroupID: l.GroupID,
		GroupTitle: lf.GroupTitle, Number: lf.Number}
}

func (s *Server) enquiryLineForm(w http.ResponseWriter, r *http.Request) error {
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	lf, err := review.LoadLineForm(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	f := enqLineForm(id, lf)
	return s.ok(w, r, reviewview.EditLine(s.rvPage(r, "Change line of enquiry "+f.Number), f))
}

func (s *Server) enquiryEditLine(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	typed := r.PostFormValue("question")
	c := review.LineChange{WasQuestion: r.PostFormValue("was"), Question: typed, GroupID: r.PostFormValue("group_id"),
		WasGroupID: r.PostFormValue("was_group")}
	// The change page sends the group; a form without it leaves the line where it is.
	_, c.Regroup = r.PostForm["was_group"]
	if c.Regroup && c.GroupID != "" && !db.ValidUUID(c.GroupID) {
		return apperr.NotFound("")
	}
	e, err := review.EnquiryChangeLine(r.Context(), s.pool, scopeOf(r), id, c)
	var refused *form.Refused
	if errors.As(err, &refused) {
		f := enqLineForm(id, e.Form)
		f.Was, f.Question = c.WasQuestion, typed
		if c.Regroup {
			f.WasGroup, f.GroupID = c.WasGroupID, c.GroupID
		}
		f.Errors = refused.Errors
		p := s.rvPage(r, "Change line of enquiry "+f.Number)
		p.HasError = true
		return s.invalid(w, r, reviewview.EditLine(p, f))
	}
	if err != nil {
		return err
	}
	before := e.Line
	to := before.GroupID
	if c.Regroup {
		to = c.GroupID
	}
	c.Question, _ = review.CheckQuestion(typed)
	if !c.Changes(before) {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, to), "Nothing changed")
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, to), "Line of enquiry saved")
}

func (s *Server) enquiryMoveLine(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	e, err := review.EnquiryMoveLine(r.Context(), s.pool, scopeOf(r), id, up)
	if err != nil {
		return err
	}
	groupID := e.Line.GroupID
	if e.From == e.To {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "The line of enquiry is already "+enqEnd(up)+" of "+enqAmong(groupID))
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "Line of enquiry moved "+map[bool]string{true: "up", false: "down"}[up])
}

func (s *Server) enquiryDeleteLine(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	e, err := review.EnquiryDeleteLine(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, e.Line.GroupID), "Line of enquiry deleted")
}
