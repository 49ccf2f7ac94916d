package reportview

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"thematic/internal/form"
	"thematic/internal/reviewnote"
)

// NotesPanel is the report page's list of the review notes not cleared yet.
type NotesPanel struct {
	ReviewID string
	Open     []reviewnote.Note
	CanRaise bool // the viewer may raise a note now
}

// NotesView is GET /report/notes: the review's notes, open ones or all.
type NotesView struct {
	Base
	All      bool
	Notes    []reviewnote.Note
	Counts   reviewnote.Counts
	CanRaise bool
	Why      string // why the viewer may not raise a note now, for a lead
}

// NoteView is GET /report/notes/{id}: a note, its thread and the forms the viewer may use.
type NoteView struct {
	Base
	Note    reviewnote.Note
	UserID  string
	Key     string // idempotency key of the forms
	Form    string // the form the errors and Body are for: "reply", "address", "clear", "reopen"
	Body    string
	Errors  *form.Errors
	Changes bool // the report is not published: the thread may change
}

// Can reports whether the viewer may use the form of action.
func (v NoteView) Can(action string) bool {
	if !v.Lead || !v.Changes {
		return false
	}
	switch action {
	case "reply":
		return v.Note.CanReply(v.UserID)
	case "address":
		return v.Note.CanAddress(v.UserID)
	case "clear":
		return v.Note.CanClear(v.UserID)
	case "reopen":
		return v.Note.CanReopen(v.UserID)
	}
	return false
}

// body is what was typed into the form of action, kept when it was refused.
func (v NoteView) body(action string) string {
	if v.Form == action {
		return v.Body
	}
	return ""
}

// NoteFieldID is the id of the text box of a thread's form, by the form's name.
func NoteFieldID(form string) string { return form + "-body" }

func fieldID(form string) string { return NoteFieldID(form) }

// RaiseView is GET /report/notes/new and the answer to a refused POST /report/notes.
type RaiseView struct {
	Base
	Groups []TargetGroup
	In     reviewnote.RaiseInput
	Errors *form.Errors
	Why    string // why the viewer may not raise a note now, or ""
}

// TargetGroup is a section of the report with the parts of it a note may be about.
type TargetGroup struct {
	Title   string
	Targets []TargetOption
}

// TargetOption is one part of the report a note may be about.
type TargetOption struct {
	Value string // reviewnote.Target.String()
	Label string
}

// NotesPath is the list of a review's notes.
func NotesPath(reviewID string) string {
	return "/reviews/" + url.PathEscape(reviewID) + "/report/notes"
}

// NotePath is a note's thread.
func NotePath(reviewID, noteID string) string {
	return NotesPath(reviewID) + "/" + url.PathEscape(noteID)
}

// TargetURL is where a note's target is shown: the report page at a section's heading, or the
// finding, example or recommendation. It is "" when the target was deleted.
func TargetURL(reviewID string, t reviewnote.Target) templ.SafeURL {
	base := "/reviews/" + url.PathEscape(reviewID)
	switch t.Kind {
	case reviewnote.KindSection:
		if k, id, ok := strings.Cut(t.Key, ":"); ok {
			return templ.SafeURL(base + "/report#" + k + "-" + id)
		}
		return templ.SafeURL(base + "/report#" + t.Key)
	case reviewnote.KindFinding:
		if t.ID != "" {
			return templ.SafeURL(base + "/findings/" + t.ID)
		}
	case reviewnote.KindExample:
		if t.ID != "" {
			return templ.SafeURL(base + "/examples/" + t.ID)
		}
	case reviewnote.KindRecommendation:
		if t.ID != "" {
			return templ.SafeURL(base + "/recommendations#recommendation-" + t.ID)
		}
	}
	return ""
}

func noteStatusClass(s string) string {
	switch s {
	case reviewnote.StatusOpen:
		return "govuk-tag--red"
	case reviewnote.StatusAddressed:
		return "govuk-tag--yellow"
	}
	return "govuk-tag--green"
}

// threadEntry says what an entry of the thread did.
func threadEntry(r reviewnote.Reply) string {
	switch r.Action {
	case reviewnote.ActionAddressed:
		return r.ByName + " marked the note as addressed"
	case reviewnote.ActionCleared:
		return r.ByName + " cleared the note"
	case reviewnote.ActionReopened:
		return r.ByName + " reopened the note"
	}
	return r.ByName + " replied"
}

// paragraphs splits typed text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// describedBy links a thread form's text box to its hint and error, when it has them.
func describedBy(action string, hint, err bool) templ.Attributes {
	var ids []string
	if hint {
		ids = append(ids, fieldID(action)+"-hint")
	}
	if err {
		ids = append(ids, fieldID(action)+"-error")
	}
	if len(ids) == 0 {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": strings.Join(ids, " ")}
}

func targetDescribedBy(err bool) string {
	if err {
		return "target-hint target-error"
	}
	return "target-hint"
}
