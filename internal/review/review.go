// Package review holds a thematic review: its details and status, its lines of enquiry, its
// framework of action areas, and its members. Everything a review is organised by is data.
package review

import (
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/form"
)

// Status is where a review stands: its stage. It moves one step at a time, on or back, by a lead
// (stage.go says what each stage allows).
type Status string

const (
	StatusSetup     Status = "setup"
	StatusFieldwork Status = "fieldwork"
	StatusAnalysis  Status = "analysis"
	StatusDrafting  Status = "drafting"
	StatusQA        Status = "quality_assurance"
	StatusPublished Status = "published"
)

// Statuses are in their order of progress.
var Statuses = []Status{StatusSetup, StatusFieldwork, StatusAnalysis, StatusDrafting, StatusQA, StatusPublished}

// Label is the status as users read it.
func (s Status) Label() string {
	switch s {
	case StatusSetup:
		return "Set-up"
	case StatusFieldwork:
		return "Fieldwork"
	case StatusAnalysis:
		return "Analysis"
	case StatusDrafting:
		return "Drafting"
	case StatusQA:
		return "Quality assurance"
	case StatusPublished:
		return "Published"
	}
	return string(s)
}

// Where is the status as a phrase after "the review is": "at drafting", "published".
func (s Status) Where() string {
	switch s {
	case StatusPublished:
		return "published"
	case StatusSetup:
		return "at set-up"
	case StatusQA:
		return "at quality assurance"
	}
	return "at " + string(s)
}

// Index is the status's place in Statuses, or -1.
func (s Status) Index() int {
	for i, x := range Statuses {
		if x == s {
			return i
		}
	}
	return -1
}

// Next is the following status, or "" at the end.
func (s Status) Next() Status {
	if i := s.Index(); i >= 0 && i+1 < len(Statuses) {
		return Statuses[i+1]
	}
	return ""
}

// Previous is the status before, or "" at the start.
func (s Status) Previous() Status {
	if i := s.Index(); i > 0 {
		return Statuses[i-1]
	}
	return ""
}

// Back is the status a move back from s goes to, or "" at the start: the one before, except that
// a published review goes back to drafting, as a correction reopens its report.
func (s Status) Back() Status {
	if s == StatusPublished {
		return StatusDrafting
	}
	return s.Previous()
}

// CanMoveTo reports whether a review may go from s to t: one step on, or back (Back).
func (s Status) CanMoveTo(t Status) bool {
	return t != "" && (s.Next() == t || s.Back() == t)
}

// Review is one thematic review.
type Review struct {
	TenantID           string
	ID                 string
	Title              string
	Summary            string
	KeyQuestion        string
	FieldworkStart     *time.Time
	FieldworkEnd       *time.Time
	PlannedPublication *time.Time
	Status             Status
	EvidenceLocked     bool // entering drafting locks the evidence; a lead may unlock it
	AreaPseudonyms     bool // evidence, coverage and synthesis show areas as "Area A"…
	Version            int
	CreateKey          string // the idempotency key of the form that created it, if any
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// InFieldwork reports whether day lies in the review's fieldwork window (open ends allow any day).
func (r Review) InFieldwork(day time.Time) bool {
	if r.FieldworkStart != nil && day.Before(*r.FieldworkStart) {
		return false
	}
	if r.FieldworkEnd != nil && day.After(*r.FieldworkEnd) {
		return false
	}
	return true
}

// Details is what the lead types about a review, as typed: dates are kept as the day, month and
// year fields so that a wrong date can be shown back.
type Details struct {
	Title              string
	Summary            string
	KeyQuestion        string
	FieldworkStart     DateInput
	FieldworkEnd       DateInput
	PlannedPublication DateInput
	Version            int
}

// DateInput is a GOV.UK date input's three fields.
type DateInput struct {
	Day, Month, Year string
}

// Empty reports whether nothing was typed.
func (d DateInput) Empty() bool {
	return strings.TrimSpace(d.Day+d.Month+d.Year) == ""
}

// Parse reads the date; ok is false when it is incomplete or not a real date.
func (d DateInput) Parse() (time.Time, bool) {
	var day, month, year int
	for _, p := range []struct {
		s string
		n *int
	}{{d.Day, &day}, {d.Month, &month}, {d.Year, &year}} {
		s := strings.TrimSpace(p.s)
		if s == "" || len(s) > 4 {
			return time.Time{}, false
		}
		for _, c := range s {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			*p.n = *p.n*10 + int(c-'0')
		}
	}
	if year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// DateInputOf fills the three fields from a date.
func DateInputOf(t *time.Time) DateInput {
	if t == nil {
		return DateInput{}
	}
	return DateInput{Day: itoa(t.Day()), Month: itoa(int(t.Month())), Year: itoa(t.Year())}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Limits on what a review's text fields hold, shared with the database's checks.
const (
	MaxTitle       = 200
	MaxSummary     = 5000
	MaxKeyQuestion = 1000
)

// Validate checks the details and returns them as a Review (dates parsed) with field errors.
// Field ids: title, summary, key-question, fieldwork-start-day, fieldwork-end-day,
// planned-publication-day.
func (d Details) Validate() (Review, *form.Errors) {
	errs := &form.Errors{}
	r := Review{Title: strings.TrimSpace(d.Title), Summary: strings.TrimSpace(d.Summary),
		KeyQuestion: strings.TrimSpace(d.KeyQuestion), Version: d.Version}
	switch n := utf8.RuneCountInString(r.Title); {
	case n == 0:
		errs.Add("title", "Enter a title for the review")
	case n > MaxTitle:
		errs.Add("title", "Title must be 200 characters or fewer")
	}
	if utf8.RuneCountInString(r.Summary) > MaxSummary {
		errs.Add("summary", "Summary must be 5,000 characters or fewer")
	}
	if utf8.RuneCountInString(r.KeyQuestion) > MaxKeyQuestion {
		errs.Add("key-question", "Key question must be 1,000 characters or fewer")
	}
	date := func(in DateInput, id, name string) *time.Time {
		if in.Empty() {
			return nil
		}
		t, ok := in.Parse()
		if !ok {
			errs.Add(id, name+" must be a real date, for example 1 8 2023")
			return nil
		}
		return &t
	}
	r.FieldworkStart = date(d.FieldworkStart, "fieldwork-start-day", "Start of fieldwork")
	r.FieldworkEnd = date(d.FieldworkEnd, "fieldwork-end-day", "End of fieldwork")
	r.PlannedPublication = date(d.PlannedPublication, "planned-publication-day", "Planned publication")
	if r.FieldworkStart != nil && r.FieldworkEnd != nil && r.FieldworkEnd.Before(*r.FieldworkStart) {
		errs.Add("fieldwork-end-day", "End of fieldwork must be the same as or after the start")
	}
	if r.PlannedPublication != nil && r.FieldworkEnd != nil && r.PlannedPublication.Before(*r.FieldworkEnd) {
		errs.Add("planned-publication-day", "Planned publication must be after fieldwork ends")
	}
	return r, errs
}
