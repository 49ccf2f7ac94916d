// Package area holds the local areas of a review: the reference list of England's upper-tier local
// authorities (public data, identified by ONS code) and the areas each review takes part with, with
// the facts their status is computed from.
package area

import (
	"strconv"
	"strings"
	"time"
)

// Local authority types, as the reference table holds them.
const (
	TypeUnitary             = "unitary"
	TypeMetropolitanBorough = "metropolitan_borough"
	TypeLondonBorough       = "london_borough"
	TypeCounty              = "county"
)

// LocalAuthority is one row of the reference list.
type LocalAuthority struct {
	ONSCode string
	Name    string // the official name, such as "Kingston upon Hull, City of"
	DfECode int
	Region  string
	Type    string
}

// DisplayName is the name people use: "Kingston upon Hull, City of" reads "Kingston upon Hull".
func (la LocalAuthority) DisplayName() string { return DisplayName(la.Name) }

// TypeLabel is the authority's type as people read it.
func (la LocalAuthority) TypeLabel() string { return TypeLabel(la.Type) }

// DisplayName drops the ", City of" or ", County of" suffix official names carry.
func DisplayName(name string) string {
	for _, suffix := range []string{", City of", ", County of"} {
		if s, ok := strings.CutSuffix(name, suffix); ok {
			return s
		}
	}
	return name
}

// TypeLabel names a local authority type.
func TypeLabel(t string) string {
	switch t {
	case TypeUnitary:
		return "Unitary authority"
	case TypeMetropolitanBorough:
		return "Metropolitan borough"
	case TypeLondonBorough:
		return "London borough"
	case TypeCounty:
		return "County council"
	}
	return t
}

// Area is a local authority taking part in a review, with the facts its status is computed from.
type Area struct {
	ID        string
	ReviewID  string
	ONSCode   string
	Name      string // display name, without ", City of"
	Region    string
	Type      string
	CreatedAt time.Time

	Visits   []Span // the area's visits whose start is known, earliest first
	NotFixed int    // the area's visits whose start is not known yet
	Contacts int    // local authority contacts bound to the area
	Invites  int    // pending invitations of local authority contacts for the area
}

// Span is the days of one visit: Start and End (inclusive) are dates at midnight UTC.
type Span struct {
	Start time.Time
	End   time.Time
}

// TypeLabel is the area's local authority type as people read it.
func (a Area) TypeLabel() string { return TypeLabel(a.Type) }

// HasContact reports whether the area has a local authority contact.
func (a Area) HasContact() bool { return a.Contacts > 0 }

// FirstVisit is the start of the area's first visit, or nil.
func (a Area) FirstVisit() *time.Time {
	if len(a.Visits) == 0 {
		return nil
	}
	return &a.Visits[0].Start
}

// StatusKind is where an area stands, for the colour of its tag.
type StatusKind int

const (
	NoVisit StatusKind = iota
	Scheduled
	InProgress
	Visited
)

// Status says where the area stands on a day (a date at midnight UTC): "No visit scheduled",
// "Visit scheduled for 8 August 2023", "Visit in progress" or "Visited" (every visit ended before
// today). Evidence will add to it when evidence notes exist.
func (a Area) Status(today time.Time) (StatusKind, string) {
	if len(a.Visits) == 0 && a.NotFixed == 0 {
		return NoVisit, "No visit scheduled"
	}
	for _, v := range a.Visits {
		if v.End.Before(today) {
			continue
		}
		if v.Start.After(today) {
			return Scheduled, "Visit scheduled for " + LongDate(v.Start)
		}
		return InProgress, "Visit in progress"
	}
	if a.NotFixed > 0 {
		return Scheduled, "Visit scheduled, dates not fixed yet"
	}
	return Visited, "Visited"
}

// LongDate is like "8 August 2023".
func LongDate(t time.Time) string { return t.Format("2 January 2006") }

// Today is the date in the UK at the instant now, as midnight UTC, the form dates are read in.
func Today(now time.Time) time.Time {
	t := now.In(london)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// Visit is one visit to an area, with its team.
type Visit struct {
	ID    string
	Span  Span
	Days  int
	Team  []TeamMember
	Notes string
}

// TeamMember is one person on a visit team and the days they are on site.
type TeamMember struct {
	Name         string
	JobTitle     string
	Inspectorate string
	Days         []time.Time
}

// Contact is a local authority contact of an area.
type Contact struct {
	MemberID string
	Name     string
	Email    string
	JobTitle string
}

// InUseError says why an area cannot be removed from its review.
type InUseError struct {
	Area     string
	Visits   int
	Contacts []string // names of the area's local authority contacts
	Invites  []string // addresses with a pending invitation as the area's contact
}

func (e *InUseError) Error() string { return e.Reason() }

// Reason is the refusal as the lead reads it, naming what holds the area.
func (e *InUseError) Reason() string {
	var parts []string
	switch e.Visits {
	case 0:
	case 1:
		parts = append(parts, "1 visit")
	default:
		parts = append(parts, strconv.Itoa(e.Visits)+" visits")
	}
	if n := len(e.Contacts); n > 0 {
		s := "a local authority contact"
		if n > 1 {
			s = "local authority contacts"
		}
		parts = append(parts, s+" ("+strings.Join(e.Contacts, ", ")+")")
	}
	if n := len(e.Invites); n > 0 {
		s := "a pending invitation for a local authority contact"
		if n > 1 {
			s = "pending invitations for local authority contacts"
		}
		parts = append(parts, s+" ("+strings.Join(e.Invites, ", ")+")")
	}
	what := ""
	for i, p := range parts {
		switch {
		case i == 0:
		case i == len(parts)-1:
			what += " and "
		default:
			what += ", "
		}
		what += p
	}
	return "You cannot remove " + e.Area + " because it has " + what + ". Remove them from the area first."
}
