// Package evidence holds the views of evidence notes: the form that records and edits a note, the
// conflict page of a stale edit, a note with its history, and the page that offers to undo a delete.
package evidenceview

import (
	"fmt"
	"strings"
	"time"

	"github.com/a-h/templ"

	ev "thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/visit"
)

// FormView is the note form, new (NoteID "") or an edit, as typed.
type FormView struct {
	Review    visit.ReviewInfo
	Visit     visit.Visit
	NoteID    string
	Version   int
	Key       string // idempotency key of a new note
	Opts      ev.Options
	Framework review.Framework
	Enquiry   review.Enquiry
	In        ev.NoteInput
	Date      review.DateInput
	TagsText  string
	Errors    *form.Errors
	Findings  []ev.Finding // personal data found in the text, to confirm
	Conflict  *ConflictView
	Files     []ev.NoteFile // the note's photos and files, on its edit page
	CanRemove bool          // the note's author: may remove them
}

// ConflictView is a stale edit: what the user sent and the note as it is now.
type ConflictView struct {
	Current ev.Note
	Mine    ev.NoteInput
	Changed []string // labels of the fields that differ
}

// ShowView is one note with its history.
type ShowView struct {
	Review    visit.ReviewInfo
	Visit     visit.Visit
	Note      ev.Note
	Author    string
	Opts      ev.Options
	Framework review.Framework
	Enquiry   review.Enquiry
	History   []ev.Change
	CanWrite  bool
	Confirmed []string // kinds of personal data the author confirmed were not
	Files     []ev.NoteFile
}

// DeletedView offers to undo a delete.
type DeletedView struct {
	Review   visit.ReviewInfo
	NoteID   string
	VisitID  string
	ErasedAt *time.Time // set once the note is erased for good
	CanErase bool       // the viewer is a review lead
	Reason   string     // the reason typed, kept when the form is refused
	Errors   *form.Errors
}

func reviewURL(id string, parts ...string) templ.SafeURL {
	return templ.SafeURL("/reviews/" + id + "/" + strings.Join(parts, "/"))
}

func (v FormView) postURL() templ.SafeURL {
	if v.NoteID != "" {
		return reviewURL(v.Review.ID, "notes", v.NoteID)
	}
	return reviewURL(v.Review.ID, "visits", v.Visit.ID, "notes")
}

func (v FormView) backURL() templ.SafeURL {
	if v.NoteID != "" {
		return reviewURL(v.Review.ID, "notes", v.NoteID)
	}
	return reviewURL(v.Review.ID, "visits", v.Visit.ID)
}

// Heading is the form's h1.
func (v FormView) Heading() string {
	if v.Conflict != nil {
		return "This note was changed by someone else"
	}
	if v.NoteID != "" {
		return "Change the note"
	}
	return "Record a note"
}

func (v FormView) err(field string) string {
	if v.Errors == nil {
		return ""
	}
	return v.Errors.Get(field)
}

func has(list []string, id string) bool {
	for _, x := range list {
		if strings.EqualFold(x, id) {
			return true
		}
	}
	return false
}

func sourceName(o ev.Options, id string) string {
	for _, s := range o.Sources {
		if s.ID == id {
			return s.Name
		}
	}
	return "Unknown"
}

func roleName(o ev.Options, id string) string {
	for _, r := range o.Roles {
		if r.ID == id {
			return r.Name
		}
	}
	return ""
}

func areaTitles(fw review.Framework, ids []string) []string {
	var out []string
	for _, g := range fw.Groups {
		for _, a := range g.Areas {
			if has(ids, a.ID) {
				out = append(out, a.Title)
			}
		}
	}
	return out
}

func lineQuestions(e review.Enquiry, ids []string) []string {
	var out []string
	for _, l := range e.Lines() {
		if has(ids, l.ID) {
			out = append(out, l.Question)
		}
	}
	return out
}

func judgementLabel(j string) string {
	switch j {
	case ev.Strength:
		return "Strength"
	case ev.Development:
		return "Area for development"
	}
	return "Neutral"
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func lines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }

func orNone(list []string) string {
	if len(list) == 0 {
		return "None"
	}
	return strings.Join(list, "; ")
}

func checkID(base string, i int) string {
	if i == 0 {
		return base
	}
	return fmt.Sprintf("%s-%d", base, i+1)
}

func actionLabel(a string) string {
	switch a {
	case "evidence.created":
		return "Recorded"
	case "evidence.updated":
		return "Changed"
	case "evidence.deleted":
		return "Deleted"
	case "evidence.restored":
		return "Restored"
	case "evidence.note_erased":
		return "Erased for good"
	case "audit.redacted":
		return "Text taken out of the audit log"
	case "evidence.personal_data_confirmed":
		return "Confirmed possible personal data is not personal data"
	}
	return a
}

var fieldLabels = map[string]string{
	"visit_id": "visit", "source_id": "source", "role_id": "professional role", "note_date": "date",
	"body": "text", "judgement": "judgement", "good_practice": "good-practice example",
	"family_words": "family's own words", "safeguarding": "safeguarding", "action_areas": "action areas",
	"lines": "lines of enquiry", "tags": "themes", "deleted": "deleted", "personal_data_confirmed": "personal data confirmed",
	"documents": "cited documents",
}

func fieldList(fields []string) string {
	var out []string
	for _, f := range fields {
		if l, ok := fieldLabels[f]; ok {
			out = append(out, l)
		} else {
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

func when(c ev.Change) string { return c.At.Format("2 January 2006 at 3:04pm") }

func optSources(o ev.Options) []ev.SourceOption { return o.Sources }

func needsRoleHint(o ev.Options) string {
	var n []string
	for _, s := range o.Sources {
		if s.NeedsRole {
			n = append(n, strings.ToLower(s.Name))
		}
	}
	if len(n) == 0 {
		return ""
	}
	return "Needed for: " + strings.Join(n, ", ")
}

func (v DeletedView) erasedOn() string { return v.ErasedAt.Format("2 January 2006") }
