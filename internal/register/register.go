// Package register is the tenant's recommendations register: every recommendation of a review
// whose report is published, with its status (open, response received, accepted, in progress,
// implemented, not accepted) and the dates it changed, the responses received, and the findings
// of later reviews that follow it up.
//
// A recommendation enters the register when its report is published: the register reads
// recommendations through their report's status, so it always shows the published text, and a
// report taken back to draft for a correction leaves the register until it is published again.
// Who sees a row follows who may read its review: a member of the review other than a local
// authority contact (who reads only their own area in the portal, never the report's pages).
package register

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/form"
)

// Statuses of a recommendation in the register.
const (
	StatusOpen             = "open"
	StatusResponseReceived = "response_received"
	StatusAccepted         = "accepted"
	StatusInProgress       = "in_progress"
	StatusImplemented      = "implemented"
	StatusNotAccepted      = "not_accepted"
)

// Statuses lists the statuses in the order forms offer them.
var Statuses = []string{StatusOpen, StatusResponseReceived, StatusAccepted, StatusInProgress, StatusImplemented, StatusNotAccepted}

// StatusLabel is a status as people read it.
func StatusLabel(s string) string {
	return map[string]string{StatusOpen: "Open", StatusResponseReceived: "Response received", StatusAccepted: "Accepted",
		StatusInProgress: "In progress", StatusImplemented: "Implemented", StatusNotAccepted: "Not accepted"}[s]
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s string) bool { return StatusLabel(s) != "" }

// Entry is one recommendation in the register.
type Entry struct {
	ID          string // the recommendation's id
	ReviewID    string
	ReviewTitle string
	Number      int // as the review's report numbers it
	Body        string
	Addressee   string
	Status      string
	Version     int // of its register status: 0 while it has never changed
	PublishedAt time.Time
	ChangedAt   *time.Time // when its status last changed; nil while open from publication
	Lead        bool       // the reader leads its review
	Responses   []Response
	Changes     []Change
	FollowUps   []FollowUp
}

// Response is a response received to a recommendation.
type Response struct {
	Responder  string
	Body       string
	ReceivedOn string // YYYY-MM-DD
}

// Change is a dated change of status.
type Change struct {
	Status string
	At     time.Time
	ByName string
}

// FollowUp is a finding of a later review that follows a recommendation up (only findings of
// reviews the reader may read are listed).
type FollowUp struct {
	ReviewID    string
	ReviewTitle string
	FindingID   string
}

// Filter narrows the register.
type Filter struct {
	ReviewID  string
	Addressee string
	Status    string
	Q         string // words of the recommendation's text
	Year      int    // year of publication
}

// ParseFilter reads the filter from a query string; unknown values are dropped with a message.
func ParseFilter(q url.Values) (Filter, *form.Errors) {
	errs := &form.Errors{}
	f := Filter{ReviewID: strings.TrimSpace(q.Get("review")), Addressee: strings.TrimSpace(q.Get("addressee")),
		Status: strings.TrimSpace(q.Get("status")), Q: strings.TrimSpace(q.Get("q"))}
	if f.Status != "" && !ValidStatus(f.Status) {
		errs.Add("status", "Select a status from the list")
		f.Status = ""
	}
	if y := strings.TrimSpace(q.Get("year")); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 3000 {
			errs.Add("year", "Enter a year as 4 digits, like 2024")
		} else {
			f.Year = n
		}
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		errs.Add("q", "Words to search for must be 200 characters or fewer")
		f.Q = ""
	}
	if utf8.RuneCountInString(f.Addressee) > 200 {
		f.Addressee = ""
	}
	return f, errs
}

// Query is the filter as a query string (for the export links).
func (f Filter) Query() string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("review", f.ReviewID)
	set("addressee", f.Addressee)
	set("status", f.Status)
	set("q", f.Q)
	if f.Year != 0 {
		v.Set("year", strconv.Itoa(f.Year))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Options are the values the filter offers: the readable reviews with published reports, their
// addressees and the years of publication.
type Options struct {
	Reviews    []ReviewOption
	Addressees []string
	Years      []int
}

// ReviewOption is a review the filter offers.
type ReviewOption struct{ ID, Title string }

// ResponseInput is a response as the form sends it.
type ResponseInput struct {
	Responder  string
	Body       string
	ReceivedOn string // YYYY-MM-DD, or the day, month and year fields joined by the handler
	Key        string
}

// Validate checks a response.
func (in *ResponseInput) Validate(today time.Time) *form.Errors {
	errs := &form.Errors{}
	in.Responder = strings.TrimSpace(in.Responder)
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	switch {
	case in.Responder == "":
		errs.Add("responder", "Enter who responded")
	case utf8.RuneCountInString(in.Responder) > 200:
		errs.Add("responder", "Who responded must be 200 characters or fewer")
	}
	switch {
	case in.Body == "":
		errs.Add("body", "Enter what they said")
	case utf8.RuneCountInString(in.Body) > 5000:
		errs.Add("body", "The response must be 5,000 characters or fewer")
	}
	d, err := time.Parse("2006-01-02", in.ReceivedOn)
	switch {
	case err != nil:
		errs.Add("received", "Enter the date the response was received, like 27 3 2025")
	case d.After(today):
		errs.Add("received", "The date the response was received must be today or in the past")
	}
	return errs
}

// Followed is a recommendation a finding follows up, as the finding's page shows it.
type Followed struct {
	ID          string
	ReviewID    string
	ReviewTitle string
	Number      int
	Body        string
	Readable    bool // the reader may read its review (and open it in the register)
}
