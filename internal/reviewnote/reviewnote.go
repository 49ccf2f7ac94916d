// Package reviewnote holds review notes: points a second lead raises on the draft report during
// quality assurance (on an authored section, a finding, a good-practice example or a
// recommendation), each answered in a thread by the review's other leads. A note moves
// open → addressed → cleared; an addressed note may be reopened. The report cannot be approved
// while any note is not cleared (report.Move asks Uncleared in its transaction).
//
// Who may do what. Every action is for the review's leads (the routes check the role); the rules
// here say which lead, and when:
//
//	raise    while the report is in quality assurance, a lead other than the one who sent it
//	reply    any lead, on a note not cleared
//	address  an open note: any lead but the one who raised it (the authors answer the reviewer)
//	clear    an addressed note: any lead but the one who addressed it (a second pair of eyes),
//	         so the raiser or another lead; an open note: its raiser alone (withdrawn)
//	reopen   an addressed note, by whoever may clear it, saying why
//
// Nothing changes once the report is published.
package reviewnote

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/db"
	"thematic/internal/form"
)

// Note states.
const (
	StatusOpen      = "open"
	StatusAddressed = "addressed"
	StatusCleared   = "cleared"
)

// StatusLabel is a state as people read it.
func StatusLabel(s string) string {
	return map[string]string{StatusOpen: "Open", StatusAddressed: "Addressed", StatusCleared: "Cleared"}[s]
}

// Thread entries: a reply, or a step with what was said with it.
const (
	ActionReply     = "reply"
	ActionAddressed = "addressed"
	ActionReopened  = "reopened"
	ActionCleared   = "cleared"
)

// The report's states the rules need (report.StatusQA and report.StatusPublished: the report
// package reads this one, so this one cannot read it).
const (
	reportQA        = "quality_assurance"
	reportPublished = "published"
)

// MaxBody is the longest note or reply.
const MaxBody = 5000

// Target kinds.
const (
	KindSection        = "section"
	KindFinding        = "finding"
	KindExample        = "example"
	KindRecommendation = "recommendation"
)

// Target is what a note is about: an authored section of the report by its key (report.ValidKey),
// or a finding, example or recommendation by id. ID is "" when the target was deleted after the
// note was raised.
type Target struct {
	Kind string
	Key  string // the section's key (KindSection)
	ID   string // the object's id (the other kinds)
}

// String is the target as a form value: "section:<key>" or "<kind>:<id>".
func (t Target) String() string {
	if t.Kind == KindSection {
		return KindSection + ":" + t.Key
	}
	return t.Kind + ":" + t.ID
}

// fixedSections are the report's fixed sections by key, with their titles (report.Data.Sections).
var fixedSections = map[string]string{"background": "Background", "summary": "Executive summary",
	"introduction": "Introduction", "methodology": "Methodology", "recommendations": "Recommendations"}

// ParseTarget reads a form value written by Target.String. It checks the shape only; whether the
// target is one of the review's is for the store.
func ParseTarget(s string) (Target, bool) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Target{}, false
	}
	switch kind {
	case KindSection:
		if _, fixed := fixedSections[rest]; fixed {
			return Target{Kind: kind, Key: rest}, true
		}
		if k, id, ok := strings.Cut(rest, ":"); ok && (k == "group" || k == "area") && db.ValidUUID(id) {
			return Target{Kind: kind, Key: k + ":" + strings.ToLower(id)}, true
		}
	case KindFinding, KindExample, KindRecommendation:
		if db.ValidUUID(rest) {
			return Target{Kind: kind, ID: strings.ToLower(rest)}, true
		}
	}
	return Target{}, false
}

// Note is a review note, with its thread when read by Get.
type Note struct {
	ID, ReviewID  string
	Number        int
	Target        Target
	TargetLabel   string // what the target was called when the note was raised
	Body          string
	Status        string
	RaisedBy      string
	RaisedByName  string
	RaisedAt      time.Time
	AddressedBy   string // "" unless addressed (or cleared after being addressed)
	AddressedName string
	ClearedBy     string
	ClearedName   string
	Replies       int // the thread's length, in lists
	Version       int
	Thread        []Reply // with Get
}

// Reply is an entry of a note's thread.
type Reply struct {
	Action string // ActionReply, ActionAddressed, ActionReopened, ActionCleared
	Body   string
	By     string
	ByName string
	At     time.Time
}

// Open reports whether the note stops the report's approval: it is not cleared.
func (n Note) Open() bool { return n.Status != StatusCleared }

// Report is the report's state as the rules need it.
type Report struct {
	Status string // report.State.Status
	By     string // who took the last step: in quality assurance, who sent it
}

// CanRaise says why actorID may not raise a note on the report, or "".
func CanRaise(r Report, actorID string) string {
	switch {
	case r.Status != reportQA:
		return "Review notes are raised while the report is in quality assurance"
	case r.By == actorID:
		return "Another lead raises review notes: you sent the report for quality assurance"
	}
	return ""
}

// CanReply reports whether actorID may add to the note's thread.
func (n Note) CanReply(actorID string) bool { return n.Status != StatusCleared }

// CanAddress reports whether actorID may mark the note addressed.
func (n Note) CanAddress(actorID string) bool {
	return n.Status == StatusOpen && n.RaisedBy != actorID
}

// CanClear reports whether actorID may clear the note.
func (n Note) CanClear(actorID string) bool {
	switch n.Status {
	case StatusAddressed:
		return n.AddressedBy != actorID
	case StatusOpen:
		return n.RaisedBy == actorID
	}
	return false
}

// CanReopen reports whether actorID may reopen the note.
func (n Note) CanReopen(actorID string) bool {
	return n.Status == StatusAddressed && n.AddressedBy != actorID
}

// allowed checks a step of the thread against the rules, giving the reason to show.
func (n Note) allowed(action, actorID string) string {
	switch action {
	case ActionReply:
		if !n.CanReply(actorID) {
			return "This review note is cleared: its thread is closed"
		}
	case ActionAddressed:
		switch {
		case n.Status != StatusOpen:
			return "Only an open review note can be marked as addressed"
		case n.RaisedBy == actorID:
			return "Another lead answers your review note: you raised it"
		}
	case ActionCleared:
		switch {
		case n.Status == StatusCleared:
			return "This review note is cleared already"
		case n.Status == StatusOpen && n.RaisedBy != actorID:
			return "The review note must be addressed before it is cleared"
		case n.Status == StatusAddressed && n.AddressedBy == actorID:
			return "Another lead must clear the review note: you addressed it"
		}
	case ActionReopened:
		switch {
		case n.Status != StatusAddressed:
			return "Only an addressed review note can be reopened"
		case n.AddressedBy == actorID:
			return "Another lead must reopen the review note: you addressed it"
		}
	}
	return ""
}

// RaiseInput is the raise form as typed.
type RaiseInput struct {
	Target string // Target.String()
	Body   string
	Key    string // idempotency key
}

// Validate checks the form's fields.
func (in RaiseInput) Validate() *form.Errors {
	errs := &form.Errors{}
	if _, ok := ParseTarget(in.Target); !ok {
		errs.Add("target", "Select the part of the report the note is about")
	}
	checkBody(errs, "body", in.Body, "Enter the review note")
	return errs
}

// StepInput is a form of a note's thread: a reply, or a step with what is said with it.
type StepInput struct {
	NoteID  string
	Version int // the note's version the lead saw (steps only)
	Body    string
	Key     string // idempotency key
}

// Validate checks what was typed with the step action: a reply and a reopening say something.
func (in StepInput) Validate(action string) *form.Errors {
	errs := &form.Errors{}
	switch action {
	case ActionReply:
		checkBody(errs, "body", in.Body, "Enter your reply")
	case ActionReopened:
		checkBody(errs, "body", in.Body, "Say why you are reopening the note")
	default:
		checkBody(errs, "body", in.Body, "")
	}
	return errs
}

func checkBody(errs *form.Errors, field, body, empty string) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(body)); {
	case n == 0 && empty != "":
		errs.Add(field, empty)
	case n > MaxBody:
		errs.Add(field, "The text must be 5,000 characters or fewer")
	}
}

// Refused is input the store will not take, with a message per field.
type Refused struct{ Errors *form.Errors }

func (r *Refused) Error() string { return "reviewnote: refused: " + r.Errors.List()[0].Message }

func refuse(field, msg string) *Refused {
	errs := &form.Errors{}
	errs.Add(field, msg)
	return &Refused{errs}
}

// Steps are the actions of a note's thread, with the audit action each records.
var auditActions = map[string]string{ActionReply: "review_note.replied", ActionAddressed: "review_note.addressed",
	ActionCleared: "review_note.cleared", ActionReopened: "review_note.reopened"}

// statusAfter is the note's state after a step.
var statusAfter = map[string]string{ActionAddressed: StatusAddressed, ActionCleared: StatusCleared, ActionReopened: StatusOpen}

// BlocksApproval says why the report cannot be approved while n notes are not cleared.
func BlocksApproval(n int) string {
	if n == 1 {
		return "The report cannot be approved while 1 review note is open. It must be addressed and cleared first."
	}
	return "The report cannot be approved while " + strconv.Itoa(n) + " review notes are open. Each must be addressed and cleared first."
}
