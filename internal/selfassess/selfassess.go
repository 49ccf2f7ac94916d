// Package selfassess holds a review's self-assessment template (elements, rating scale,
// commentary rule, deadlines per area) and each area's answers and submission. The template is
// data, seeded lazily from the Start for Life defaults the first time a review needs it.
package selfassess

import (
	"strings"
	"time"

	"thematic/internal/form"
)

// DefaultElement is one element of the default template.
type DefaultElement struct{ Title, Guidance string }

// DefaultElements are the Family hub model framework elements named by the Start for Life terms of
// reference, in the project's own words.
var DefaultElements = []DefaultElement{
	{"Co-location", "How far services for families with babies and young children are delivered from shared, " +
		"accessible places, so that families can reach midwifery, health visiting, infant feeding and early " +
		"help support in one visit."},
	{"Commissioning", "How services are planned and bought together across the local authority and health " +
		"partners, so that the Start for Life offer is joined up rather than a set of separate contracts."},
	{"Data-sharing", "How partners share information about families safely and in time, so that families tell " +
		"their story once and practitioners can see who else is helping them."},
	{"Governance", "How leaders across the partnership oversee the family hub model: who is accountable, how " +
		"decisions are made, and how the views of families shape the offer."},
}

// DefaultLevel is one level of the default rating scale.
type DefaultLevel struct{ Label, Description string }

// DefaultLevels is the default four-level maturity scale, lowest first.
var DefaultLevels = []DefaultLevel{
	{"Not yet started", "Work on this element has not begun, or is at the stage of early discussion."},
	{"Developing", "Plans are agreed and some work is under way, but it does not yet reach most families."},
	{"Established", "The arrangements are in place and working for most families, with some gaps left."},
	{"Embedded", "The arrangements are routine, reach all families and are reviewed and improved over time."},
}

// Element is one thing an area rates itself on.
type Element struct {
	ID       string
	Title    string
	Guidance string
	Position int
	Version  int
	Answered int // how many areas have an answer to it
}

// Level is one level of the rating scale.
type Level struct {
	ID          string
	Label       string
	Description string
	Position    int
	Version     int
	InUse       int // how many answers choose it
}

// Template is a review's self-assessment template.
type Template struct {
	CommentaryRequired bool
	Version            int // of the settings
	Elements           []Element
	Levels             []Level
}

// Level finds a level by id.
func (t Template) Level(id string) (Level, bool) {
	for _, l := range t.Levels {
		if l.ID == id {
			return l, true
		}
	}
	return Level{}, false
}

// Element finds an element by id.
func (t Template) Element(id string) (Element, bool) {
	for _, e := range t.Elements {
		if e.ID == id {
			return e, true
		}
	}
	return Element{}, false
}

// Status of an area's self-assessment.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
)

// Submission is where an area's self-assessment stands.
type Submission struct {
	Status       string // draft when nothing is stored
	SubmittedAt  *time.Time
	SubmittedBy  string // name
	ReopenedAt   *time.Time
	ReopenedBy   string // name
	ReopenReason string
	Version      int
}

// Submitted reports whether the self-assessment is submitted (and so read-only).
func (s Submission) Submitted() bool { return s.Status == StatusSubmitted }

// Response is an area's answer to one element.
type Response struct {
	ElementID  string
	LevelID    string // "" when not rated yet
	Commentary string
	Version    int // 0 when nothing is stored
}

// Area is one area's self-assessment.
type Area struct {
	Deadline   *time.Time
	Submission Submission
	Responses  map[string]Response // by element id
}

// Complete reports whether the answer to an element is complete under the template's rules.
func (t Template) Complete(r Response) bool {
	return r.LevelID != "" && (!t.CommentaryRequired || strings.TrimSpace(r.Commentary) != "")
}

// Missing lists the elements whose answers are not complete, in order.
func (t Template) Missing(a Area) []Element {
	var out []Element
	for _, e := range t.Elements {
		if !t.Complete(a.Responses[e.ID]) {
			out = append(out, e)
		}
	}
	return out
}

// Task statuses of the task list.
const (
	TaskNotStarted = "Not started"
	TaskInProgress = "In progress"
	TaskCompleted  = "Completed"
)

// TaskStatus is the status of "Complete the self-assessment".
func (t Template) TaskStatus(a Area) string {
	if a.Submission.Submitted() {
		return TaskCompleted
	}
	for _, r := range a.Responses {
		if r.LevelID != "" || strings.TrimSpace(r.Commentary) != "" {
			return TaskInProgress
		}
	}
	return TaskNotStarted
}

// MissingError is a submission refused because required answers are missing.
type MissingError struct{ Elements []Element }

func (e *MissingError) Error() string {
	names := make([]string, len(e.Elements))
	for i, el := range e.Elements {
		names[i] = el.Title
	}
	return "self-assessment: answers missing for " + strings.Join(names, ", ")
}

// Messages are the messages an error summary shows, one per missing element.
func (e *MissingError) Add(errs *form.Errors) {
	for _, el := range e.Elements {
		errs.Add("element-"+el.ID, "Answer "+el.Title)
	}
}

// AnswerInput is what the question page sends.
type AnswerInput struct {
	ElementID  string
	LevelID    string
	Commentary string
	Version    int
}

// Validate checks an answer against the template. Saving a partial answer ("come back later") is
// allowed; finishing needs the rating (and commentary when required).
func (in *AnswerInput) Validate(t Template, finishing bool) *form.Errors {
	errs := &form.Errors{}
	in.Commentary = strings.TrimSpace(in.Commentary)
	if in.LevelID != "" {
		if _, ok := t.Level(in.LevelID); !ok {
			errs.Add("level", "Select a rating from the list")
		}
	} else if finishing {
		errs.Add("level", "Select a rating")
	}
	if len(in.Commentary) > 10000 {
		errs.Add("commentary", "Commentary must be 10,000 characters or fewer")
	} else if finishing && t.CommentaryRequired && in.Commentary == "" {
		errs.Add("commentary", "Enter your commentary")
	}
	return errs
}

// ElementInput is what the lead sends to add or change an element.
type ElementInput struct {
	ID       string
	Title    string
	Guidance string
	Version  int
}

// Validate checks an element.
func (in *ElementInput) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Title, in.Guidance = strings.TrimSpace(in.Title), strings.TrimSpace(in.Guidance)
	switch {
	case in.Title == "":
		errs.Add("title", "Enter a title for the element")
	case len([]rune(in.Title)) > 200:
		errs.Add("title", "Title must be 200 characters or fewer")
	}
	if len([]rune(in.Guidance)) > 2000 {
		errs.Add("guidance", "Guidance must be 2,000 characters or fewer")
	}
	return errs
}

// LevelInput is what the lead sends to add or change a level.
type LevelInput struct {
	ID          string
	Label       string
	Description string
	Version     int
}

// Validate checks a level.
func (in *LevelInput) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Label, in.Description = strings.TrimSpace(in.Label), strings.TrimSpace(in.Description)
	switch {
	case in.Label == "":
		errs.Add("label", "Enter a label for the level")
	case len([]rune(in.Label)) > 100:
		errs.Add("label", "Label must be 100 characters or fewer")
	}
	if len([]rune(in.Description)) > 1000 {
		errs.Add("description", "Description must be 1,000 characters or fewer")
	}
	return errs
}
