package visit

import (
	"strings"
	"time"
	"unicode/utf8"
)

// An iCalendar (RFC 5545) feed of all-day events. Lines end with CRLF and are folded at 75 octets,
// never inside a UTF-8 sequence; TEXT values are escaped.

// Calendar is a published calendar of all-day events.
type Calendar struct {
	Name   string // X-WR-CALNAME: what calendar programs call the subscription
	Events []Event
}

// Event is one all-day event.
type Event struct {
	UID         string
	Stamp       time.Time // DTSTAMP, written in UTC
	Start       time.Time // the first day
	End         time.Time // the day after the last: DTEND of an all-day event is exclusive
	Summary     string
	Description string
	Location    string
	URL         string
}

// ProdID names the program that made the calendar.
const ProdID = "-//Thematic reviews//Visits//EN"

// Bytes writes the calendar.
func (c Calendar) Bytes() []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(FoldLine(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:" + ProdID)
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + EscapeText(c.Name))
	// Ask calendar programs to check for changes every hour.
	line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	line("X-PUBLISHED-TTL:PT1H")
	for _, e := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:" + EscapeText(e.UID))
		line("DTSTAMP:" + e.Stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
		line("DTEND;VALUE=DATE:" + e.End.Format("20060102"))
		line("SUMMARY:" + EscapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + EscapeText(e.Description))
		}
		if e.Location != "" {
			line("LOCATION:" + EscapeText(e.Location))
		}
		if e.URL != "" {
			line("URL:" + e.URL)
		}
		line("TRANSP:OPAQUE")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

// EscapeText escapes a TEXT value: backslash, semicolon and comma get a backslash, and a line
// break becomes \n.
func EscapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			if r < 0x20 && r != '\t' || r == 0x7f {
				continue // control characters are not allowed in TEXT
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxOctets is the longest a content line may be, not counting its CRLF.
const maxOctets = 75

// FoldLine ends a content line with CRLF, first folding it so that no line is longer than 75
// octets: each continuation line starts with a space, and a fold never splits a UTF-8 sequence.
func FoldLine(s string) string {
	var b strings.Builder
	limit := maxOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxOctets - 1 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}

// FeedFor builds a user's calendar from their visits (as ForUser reads them). For each visit the
// user is on the team of, there is one event per run of consecutive days they are on site: a
// two-day visit is one two-day event, as calendar programs show a trip, and a person on days 1
// and 3 gets two events. Its UID is the visit id and the run's first day, so it stays the same
// when the visit is edited and calendars update the event rather than add another. A visit to an
// area the user is the local authority contact for is one event spanning the visit. A visit whose
// start is not known yet has no place in a calendar and is left out.
func FeedFor(name string, visits []Visit, userID, baseURL string, stamp time.Time) Calendar {
	c := Calendar{Name: name}
	for _, v := range visits {
		if !v.HasStart() {
			continue
		}
		summary := "Visit: " + v.AreaName + " – " + v.ReviewTitle
		link := baseURL + "/reviews/" + v.ReviewID + "/visits/" + v.ID
		team := teamText(v)
		me, onTeam := v.Member(userID)
		if !onTeam {
			c.Events = append(c.Events, Event{UID: uid(v.ID, v.Start), Stamp: stamp, Start: v.Start, End: v.End().AddDate(0, 0, 1),
				Summary: summary, Location: v.AreaName, URL: link,
				Description: "Visit to " + v.AreaName + ", " + v.DateRange() + ".\n" + team + "\n" + link})
			continue
		}
		desc := "You are on site on " + FormatDays(me.Days) + ".\n" + team + "\n" + link
		for _, run := range runs(me.Days) {
			c.Events = append(c.Events, Event{UID: uid(v.ID, run[0]), Stamp: stamp, Start: run[0],
				End: run[len(run)-1].AddDate(0, 0, 1), Summary: summary, Location: v.AreaName, URL: link, Description: desc})
		}
	}
	return c
}

func uid(visitID string, day time.Time) string {
	return visitID + "-" + day.Format("20060102") + "@thematic"
}

func teamText(v Visit) string {
	if len(v.Team) == 0 {
		return "Team: not chosen yet."
	}
	var b strings.Builder
	b.WriteString("Team:")
	for _, m := range v.Team {
		b.WriteString("\n" + m.Name + " (" + m.About() + "): " + FormatDays(m.Days))
	}
	return b.String()
}

// runs splits ordered days into runs of consecutive days.
func runs(days []time.Time) [][]time.Time {
	var out [][]time.Time
	for i, d := range days {
		if i > 0 && d.Equal(days[i-1].AddDate(0, 0, 1)) {
			out[len(out)-1] = append(out[len(out)-1], d)
			continue
		}
		out = append(out, []time.Time{d})
	}
	return out
}
