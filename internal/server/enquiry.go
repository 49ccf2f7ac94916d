package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
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

// enqLoad reads the review and its lines of enquiry into a view.
func (s *Server) enqLoad(r *http.Request, v *reviewview.EnquiryView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v.Lead = a.Review.Role == auth.ReviewLead
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	return s.tx(r, func(tx pgx.Tx) error { return enqLoadTx(r, tx, v) })
}

// enqLoadTx reads what the enquiry page needs in a transaction already open.
func enqLoadTx(r *http.Request, tx pgx.Tx, v *reviewview.EnquiryView) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v.Lead = a.Review.Role == auth.ReviewLead
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	var err error
	if v.Review, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
		return err
	}
	v.Enquiry, err = review.LoadEnquiry(ctx, tx, a.TenantID, a.Review.ReviewID)
	return err
}

// enqGroupIn reports whether the view's review has the group.
func enqGroupIn(v reviewview.EnquiryView, groupID string) bool {
	for _, g := range v.Enquiry.Groups {
		if g.ID == groupID {
			return true
		}
	}
	return false
}

func (s *Server) enqRender(w http.ResponseWriter, r *http.Request, v reviewview.EnquiryView) error {
	p := s.rvPage(r, "Lines of enquiry")
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, reviewview.Enquiry(p, v))
	}
	return s.ok(w, r, reviewview.Enquiry(p, v))
}

func (s *Server) enqAudit(r *http.Request, tx pgx.Tx, action, objectType, id string, before, after any) error {
	a := actorFrom(r.Context())
	return audit.Record(r.Context(), tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, ObjectType: objectType, ObjectID: id, Before: before, After: after})
}

func (s *Server) enquiryPage(w http.ResponseWriter, r *http.Request) error {
	var v reviewview.EnquiryView
	if err := s.enqLoad(r, &v); err != nil {
		return err
	}
	return s.enqRender(w, r, v)
}

// --- Groups ---

func (s *Server) enquiryAddGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	typed := r.PostFormValue("title")
	title, problem := review.CheckEnquiryTitle(typed)
	if problem != "" {
		v := reviewview.EnquiryView{NewGroupTitle: typed, Errors: &form.Errors{}}
		v.Errors.Add("group-title", problem)
		if err := s.enqLoad(r, &v); err != nil {
			return err
		}
		return s.enqRender(w, r, v)
	}
	var g review.EnquiryGroup
	var created bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if g, created, err = review.AddEnquiryGroup(ctx, tx, a.TenantID, a.Review.ReviewID, title); err != nil || !created {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.group_added", "enquiry_group", g.ID, nil,
			map[string]any{"review_id": a.Review.ReviewID, "title": g.Title, "position": g.Position})
	})
	if err != nil {
		return err
	}
	if !created {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, g.ID), "There is already a group called “"+g.Title+"”")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, g.ID), "Group “"+g.Title+"” added")
}

func (s *Server) enquiryRenameGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	typed := r.PostFormValue("title")
	title, problem := review.CheckEnquiryTitle(typed)
	var before review.EnquiryGroup
	if problem == "" {
		err = s.tx(r, func(tx pgx.Tx) error {
			var err error
			before, err = review.RenameEnquiryGroup(ctx, tx, a.TenantID, a.Review.ReviewID, id, r.PostFormValue("was"), title)
			if errors.Is(err, review.ErrGroupTitleTaken) {
				problem = "There is already a group called “" + title + "”"
				return nil
			}
			if err != nil || before.Title == title {
				return err
			}
			return s.enqAudit(r, tx, "enquiry.group_renamed", "enquiry_group", id,
				map[string]string{"title": before.Title}, map[string]string{"title": title})
		})
		if err != nil {
			return err
		}
	}
	if problem != "" {
		v := reviewview.EnquiryView{RenameGroup: id, RenameTitle: typed, OpenGroup: id, Errors: &form.Errors{}}
		if err := s.enqLoad(r, &v); err != nil {
			return err
		}
		if !enqGroupIn(v, id) {
			return apperr.NotFound("")
		}
		v.Errors.Add("title-"+id, problem)
		return s.enqRender(w, r, v)
	}
	if before.Title == title {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Nothing changed")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Group renamed “"+title+"”")
}

func (s *Server) enquiryMoveGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	var from, to int
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if from, to, err = review.MoveEnquiryGroup(ctx, tx, a.TenantID, a.Review.ReviewID, id, up); err != nil || from == to {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.group_moved", "enquiry_group", id,
			map[string]int{"position": from}, map[string]int{"position": to})
	})
	if err != nil {
		return err
	}
	if from == to {
		return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "The group is already "+enqEnd(up)+" of the list")
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, id), "Group moved to number "+strconv.Itoa(to))
}

func enqEnd(up bool) string {
	if up {
		return "at the top"
	}
	return "at the bottom"
}

func (s *Server) enquiryDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "enquiryGroupID")
	if err != nil {
		return err
	}
	var g review.EnquiryGroup
	var notEmpty bool
	v := reviewview.EnquiryView{OpenGroup: id, Errors: &form.Errors{}}
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		g, err = review.DeleteEnquiryGroup(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if errors.Is(err, review.ErrGroupNotEmpty) {
			notEmpty = true
			return enqLoadTx(r, tx, &v) // the page again, in this transaction
		}
		if err != nil {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.group_deleted", "enquiry_group", id,
			map[string]any{"review_id": a.Review.ReviewID, "title": g.Title, "position": g.Position}, nil)
	})
	if err != nil {
		return err
	}
	if notEmpty {
		lines := "1 line of enquiry"
		if n := len(g.Lines); n != 1 {
			lines = strconv.Itoa(n) + " lines of enquiry"
		}
		v.Errors.Add("delete-"+id, "You cannot delete “"+g.Title+"” while it has "+lines+". Delete its lines of enquiry first.")
		return s.enqRender(w, r, v)
	}
	return s.redirect(w, r, enqPath(a.Review.ReviewID, ""), "Group “"+g.Title+"” deleted")
}

// --- Lines ---

func (s *Server) enquiryAddLine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	groupID := r.PostFormValue("group_id") // "" puts the line in no group
	typed := r.PostFormValue("question")
	question, problem := review.CheckQuestion(typed)
	if groupID != "" && !db.ValidUUID(groupID) {
		return apperr.NotFound("")
	}
	if problem != "" {
		v := reviewview.EnquiryView{NewLineGroup: groupID, NewLine: typed, Errors: &form.Errors{}}
		if err := s.enqLoad(r, &v); err != nil {
			return err
		}
		if groupID != "" && !enqGroupIn(v, groupID) {
			return apperr.NotFound("")
		}
		v.Errors.Add("question", problem)
		return s.enqRender(w, r, v)
	}
	var l review.EnquiryLine
	var created bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if l, created, err = review.AddEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, groupID, question); err != nil || !created {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.line_added", "enquiry_line", l.ID, nil,
			map[string]any{"review_id": a.Review.ReviewID, "group_id": groupID, "question": l.Question, "position": l.Position})
	})
	if err != nil {
		return err
	}
	if !created {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "That line of enquiry is already in "+enqAmong(groupID))
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "Line of enquiry added")
}

// enqLineForm reads a line with the groups it may move to, for the change page.
func (s *Server) enqLineForm(r *http.Request, lineID string) (reviewview.LineForm, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	f := reviewview.LineForm{LineID: lineID, Errors: &form.Errors{}}
	err := s.tx(r, func(tx pgx.Tx) error {
		l, err := review.GetEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, lineID)
		if err != nil {
			return err
		}
		if f.Review, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		enq, err := review.LoadEnquiry(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		f.Groups = enq.Groups
		f.Was, f.Question, f.WasGroup, f.GroupID = l.Question, l.Question, l.GroupID, l.GroupID
		f.Number = strconv.Itoa(l.Position)
		for _, g := range enq.Groups {
			if g.ID == l.GroupID {
				f.GroupTitle = g.Title
				f.Number = strconv.Itoa(g.Position) + "." + strconv.Itoa(l.Position)
			}
		}
		return nil
	})
	return f, err
}

func (s *Server) enquiryLineForm(w http.ResponseWriter, r *http.Request) error {
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	f, err := s.enqLineForm(r, id)
	if err != nil {
		return err
	}
	return s.ok(w, r, reviewview.EditLine(s.rvPage(r, "Change line of enquiry "+f.Number), f))
}

func (s *Server) enquiryEditLine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	typed := r.PostFormValue("question")
	c := review.LineChange{WasQuestion: r.PostFormValue("was"), GroupID: r.PostFormValue("group_id"), WasGroupID: r.PostFormValue("was_group")}
	// The change page sends the group; a form without it leaves the line where it is.
	_, c.Regroup = r.PostForm["was_group"]
	if c.Regroup && c.GroupID != "" && !db.ValidUUID(c.GroupID) {
		return apperr.NotFound("")
	}
	field, problem := "question", ""
	c.Question, problem = review.CheckQuestion(typed)
	var before review.EnquiryLine
	if problem == "" {
		err = s.tx(r, func(tx pgx.Tx) error {
			var err error
			before, err = review.UpdateEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, id, c)
			if errors.Is(err, review.ErrQuestionInGroup) {
				field, problem = "group-id", "That group has this line of enquiry already: choose another group or change the line"
				if c.GroupID == "" {
					problem = "A line not in a group says this already: choose a group or change the line"
				}
				return nil
			}
			if err != nil || !enqLineChanged(before, c) {
				return err
			}
			b, aft := map[string]string{"question": before.Question}, map[string]string{"question": c.Question}
			if c.Regroup && c.GroupID != before.GroupID {
				b["group_id"], aft["group_id"] = before.GroupID, c.GroupID
			}
			return s.enqAudit(r, tx, "enquiry.line_changed", "enquiry_line", id, b, aft)
		})
		if err != nil {
			return err
		}
	}
	if problem != "" {
		f, err := s.enqLineForm(r, id)
		if err != nil {
			return err
		}
		f.Was, f.Question = c.WasQuestion, typed
		if c.Regroup {
			f.WasGroup, f.GroupID = c.WasGroupID, c.GroupID
		}
		f.Errors.Add(field, problem)
		p := s.rvPage(r, "Change line of enquiry "+f.Number)
		p.HasError = true
		return s.invalid(w, r, reviewview.EditLine(p, f))
	}
	to := before.GroupID
	if c.Regroup {
		to = c.GroupID
	}
	if !enqLineChanged(before, c) {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, to), "Nothing changed")
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, to), "Line of enquiry saved")
}

// enqLineChanged reports whether a change changes the line as it was.
func enqLineChanged(before review.EnquiryLine, c review.LineChange) bool {
	return before.Question != c.Question || (c.Regroup && before.GroupID != c.GroupID)
}

func (s *Server) enquiryMoveLine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	up, err := enqDirection(r)
	if err != nil {
		return err
	}
	var from, to int
	var groupID string
	err = s.tx(r, func(tx pgx.Tx) error {
		l, err := review.GetEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		groupID = l.GroupID
		if from, to, err = review.MoveEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, id, up); err != nil || from == to {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.line_moved", "enquiry_line", id,
			map[string]any{"group_id": groupID, "position": from}, map[string]any{"group_id": groupID, "position": to})
	})
	if err != nil {
		return err
	}
	if from == to {
		return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "The line of enquiry is already "+enqEnd(up)+" of "+enqAmong(groupID))
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, groupID), "Line of enquiry moved "+map[bool]string{true: "up", false: "down"}[up])
}

func (s *Server) enquiryDeleteLine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := enqParam(r, "lineID")
	if err != nil {
		return err
	}
	var l review.EnquiryLine
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if l, err = review.DeleteEnquiryLine(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
			return err
		}
		return s.enqAudit(r, tx, "enquiry.line_deleted", "enquiry_line", id,
			map[string]any{"review_id": a.Review.ReviewID, "group_id": l.GroupID, "question": l.Question, "position": l.Position}, nil)
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, enqLinePath(a.Review.ReviewID, l.GroupID), "Line of enquiry deleted")
}
