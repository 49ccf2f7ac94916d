// Package visit holds the fieldwork visits of a review: an area, a run of days, notes, and a team of
// the review's leads and inspectors, each on site on some of the visit's days. A person cannot be
// on site in two places on one day, in any review of the tenant; a visit stays inside the review's
// fieldwork window. The package also writes each user's private iCalendar feed of their visits.
package visit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/review"
)

// Limits shared with the database's checks.
const (
	MinDays  = 1
	MaxDays  = 10
	MaxNotes = 2000
)

// Visit is one visit to one area of a review.
type Visit struct {
	ID          string
	ReviewID    string
	ReviewTitle string
	AreaID      string
	AreaName    string
	ONSCode     string
	Start       time.Time // zero while the start is not known yet
	Days        int
	Notes       string
	Version     int
	Team        []TeamMember // ordered by name
}

// NotFixed is what a visit whose start is not known yet says instead of its dates.
const NotFixed = "Dates not fixed yet"

// HasStart reports whether the visit's start is known.
func (v Visit) HasStart() bool { return !v.Start.IsZero() }

// End is the visit's last day; zero while the start is not known.
func (v Visit) End() time.Time {
	if !v.HasStart() {
		return time.Time{}
	}
	return v.Start.AddDate(0, 0, v.Days-1)
}

// Dates are the visit's days in order; none while the start is not known.
func (v Visit) Dates() []time.Time {
	if !v.HasStart() {
		return nil
	}
	return DaysFrom(v.Start, v.Days)
}

// DateRange is the visit's dates as people write them: "8–9 August 2023", or NotFixed.
func (v Visit) DateRange() string {
	if !v.HasStart() {
		return NotFixed
	}
	return FormatRange(v.Start, v.End())
}

// OnSite lists who is on site on day.
func (v Visit) OnSite(day time.Time) []TeamMember {
	var out []TeamMember
	for _, m := range v.Team {
		if m.OnDay(day) {
			out = append(out, m)
		}
	}
	return out
}

// Member is the team member with this user id, if they are on the team.
func (v Visit) Member(userID string) (TeamMember, bool) {
	for _, m := range v.Team {
		if m.UserID == userID {
			return m, true
		}
	}
	return TeamMember{}, false
}

// Teammates is the team without userID.
func (v Visit) Teammates(userID string) []TeamMember {
	var out []TeamMember
	for _, m := range v.Team {
		if m.UserID != userID {
			out = append(out, m)
		}
	}
	return out
}

// TeamMember is a member of the review (a lead or an inspector) and the days they are on site. On a
// visit's team, Inspectorate and JobTitle are what the person is on that visit (the visit's own
// values, or else the People page's); VisitInspectorate and VisitJobTitle are the visit's own
// values, "" for "as on the People page".
type TeamMember struct {
	MemberID          string
	UserID            string
	Name              string
	Role              auth.ReviewRole
	Inspectorate      string
	JobTitle          string
	VisitInspectorate string
	VisitJobTitle     string
	Days              []time.Time // in order; empty for an eligible member not on a visit, or with no days yet
}

// OnDay reports whether the member is on site on day.
func (m TeamMember) OnDay(day time.Time) bool {
	return slices.ContainsFunc(m.Days, func(d time.Time) bool { return d.Equal(day) })
}

// About is the member's inspectorate and job title: "Ofsted, Early Years Inspector".
func (m TeamMember) About() string {
	var parts []string
	for _, s := range []string{m.Inspectorate, m.JobTitle} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return m.Role.Label()
	}
	return strings.Join(parts, ", ")
}

// DayList is the member's days as people write them: "8 and 9 August 2023".
func (m TeamMember) DayList() string { return FormatDays(m.Days) }

// OwnValues reports whether the member's role or inspectorate on the visit differs from the People page's.
func (m TeamMember) OwnValues() bool { return m.VisitInspectorate != "" || m.VisitJobTitle != "" }

// Area is one local area of a review.
type Area struct {
	ID      string
	Name    string
	ONSCode string
}

// ReviewInfo is what visit pages need to know of their review.
type ReviewInfo struct {
	ID             string
	Title          string
	FieldworkStart *time.Time
	FieldworkEnd   *time.Time
}

// Eligible reports whether a review role may be on a visit team: leads and inspectors.
func Eligible(r auth.ReviewRole) bool { return r == auth.ReviewLead || r == auth.ReviewInspector }

// --- Dates ---

// DaysFrom is n consecutive days from start.
func DaysFrom(start time.Time, n int) []time.Time {
	out := make([]time.Time, 0, max(n, 0))
	for i := range n {
		out = append(out, start.AddDate(0, 0, i))
	}
	return out
}

// FormatDate is "8 August 2023".
func FormatDate(t time.Time) string { return t.Format("2 January 2006") }

// FormatShort is "Tue 8 Aug".
func FormatShort(t time.Time) string { return t.Format("Mon 2 Jan") }

// ISODate is "2023-08-08".
func ISODate(t time.Time) string { return t.Format(time.DateOnly) }

// FormatRange is a run of days: "8 August 2023", "8–9 August 2023", "31 August – 1 September 2023"
// or "31 December 2023 – 1 January 2024".
func FormatRange(start, end time.Time) string {
	switch {
	case !end.After(start):
		return FormatDate(start)
	case start.Year() != end.Year():
		return FormatDate(start) + " – " + FormatDate(end)
	case start.Month() != end.Month():
		return start.Format("2 January") + " – " + FormatDate(end)
	}
	return strconv.Itoa(start.Day()) + "–" + FormatDate(end)
}

// FormatDays lists days: "8 August 2023", "8 and 9 August 2023", "8, 9 and 11 August 2023"; days in
// different months or years are written in full.
func FormatDays(days []time.Time) string {
	switch len(days) {
	case 0:
		return ""
	case 1:
		return FormatDate(days[0])
	}
	sameMonth := true
	for _, d := range days[1:] {
		if d.Year() != days[0].Year() || d.Month() != days[0].Month() {
			sameMonth = false
		}
	}
	parts := make([]string, len(days))
	for i, d := range days {
		if sameMonth && i < len(days)-1 {
			parts[i] = strconv.Itoa(d.Day())
		} else {
			parts[i] = FormatDate(d)
		}
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// DayLabel labels a checkbox for the i-th day (from 0): "Day 1 (Tue 8 Aug)".
func DayLabel(i int, day time.Time) string {
	return fmt.Sprintf("Day %d (%s)", i+1, FormatShort(day))
}

// --- The form ---

// Form is the visit form as typed. Team holds the ticked day checkboxes, each
// "memberID:YYYY-MM-DD"; On the member ids ticked "On the team"; Roles and Inspectorates a
// person's team role and inspectorate on this visit, by member id ("" for as on the People page).
// Field ids: area, start-day, days, notes, team, team-<memberID> for a person's first day,
// on-<memberID>, role-<memberID> and inspectorate-<memberID>.
type Form struct {
	AreaID        string
	Start         review.DateInput
	Days          string
	Notes         string
	Team          []string
	On            []string
	Roles         map[string]string
	Inspectorates map[string]string
	Version       int
}

// Plan is a valid form: what to write. A person with days in Team is on the team even if Members
// does not name them.
type Plan struct {
	AreaID  string
	Start   time.Time // zero: not known yet, and then nobody has days
	Days    int
	Notes   string
	Team    map[string][]time.Time // member id → days on site, in order
	Members map[string]Place       // member id → their place on the team
}

// Place is what a person is on one visit: "" for as on the People page.
type Place struct {
	Inspectorate string
	JobTitle     string
}

// OnTeam lists the ids of everyone on the planned team, in order.
func (p Plan) OnTeam() []string {
	var ids []string
	for id := range p.Members {
		ids = append(ids, id)
	}
	for id, days := range p.Team {
		if len(days) > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// End is the planned visit's last day; zero while the start is not known.
func (p Plan) End() time.Time {
	if p.Start.IsZero() {
		return time.Time{}
	}
	return p.Start.AddDate(0, 0, p.Days-1)
}

// Dates are the planned visit's days; none while the start is not known.
func (p Plan) Dates() []time.Time {
	if p.Start.IsZero() {
		return nil
	}
	return DaysFrom(p.Start, p.Days)
}

// OnField, RoleField and InspectorateField are the ids of a person's "On the team" checkbox and
// their two selects.
func OnField(memberID string) string           { return "on-" + memberID }
func RoleField(memberID string) string         { return "role-" + memberID }
func InspectorateField(memberID string) string { return "inspectorate-" + memberID }

// NoStartDays is what days ticked for a visit with no start date say.
const NoStartDays = "Days on site can only be chosen once the start date is known: enter the start date, or untick the days"

// TeamValue is a checkbox's value for a member and a day.
func TeamValue(memberID string, day time.Time) string { return memberID + ":" + ISODate(day) }

// TeamField is the id of a member's first day checkbox, which errors about them link to.
func TeamField(memberID string) string { return "team-" + memberID }

// DetailsFields are the fields of the first step of the form (area, dates, notes).
var DetailsFields = []string{"area", "start-day", "days", "notes"}

// Validate checks what can be checked without the database: the area is chosen, the start date
// is real or left blank (not known yet), the number of days is 1 to 10, the notes are not too long,
// and each team choice names a day of the visit, which needs a start. The store checks the rest
// (see Check).
func (f Form) Validate() (Plan, *form.Errors) {
	errs := &form.Errors{}
	p := Plan{AreaID: strings.TrimSpace(f.AreaID), Notes: strings.TrimSpace(strings.ReplaceAll(f.Notes, "\r\n", "\n")),
		Team: map[string][]time.Time{}, Members: map[string]Place{}}
	if p.AreaID == "" {
		errs.Add("area", "Select the area to visit")
	}
	if f.Start.Empty() {
		// Not known yet.
	} else if t, ok := f.Start.Parse(); !ok {
		errs.Add("start-day", "Start date must be a real date, for example 8 8 2023")
	} else {
		p.Start = t
	}
	days := strings.TrimSpace(f.Days)
	if days == "" {
		errs.Add("days", "Enter the number of days on site, from 1 to 10")
	} else if n, err := strconv.Atoi(days); err != nil || n < MinDays || n > MaxDays {
		errs.Add("days", "Number of days must be a whole number from 1 to 10")
	} else {
		p.Days = n
	}
	if utf8.RuneCountInString(p.Notes) > MaxNotes {
		errs.Add("notes", "Notes must be 2,000 characters or fewer")
	}
	for _, id := range f.On {
		if id = strings.TrimSpace(id); id != "" {
			p.Members[id] = Place{}
		}
	}
	if p.Start.IsZero() && f.Start.Empty() && len(f.Team) > 0 {
		errs.Add("team", NoStartDays)
	}
	if p.Start.IsZero() || p.Days == 0 {
		p.place(f)
		return p, errs
	}
	valid := map[string]time.Time{}
	for _, d := range p.Dates() {
		valid[ISODate(d)] = d
	}
	for _, v := range f.Team {
		member, day, ok := strings.Cut(v, ":")
		d, inVisit := valid[day]
		if !ok || member == "" || !inVisit {
			errs.Add("team", "Choose days that are part of the visit")
			continue
		}
		if !slices.ContainsFunc(p.Team[member], d.Equal) {
			p.Team[member] = append(p.Team[member], d)
		}
	}
	for id := range p.Team {
		slices.SortFunc(p.Team[id], time.Time.Compare)
	}
	p.place(f)
	return p, errs
}

// place gives everyone on the planned team their role and inspectorate on the visit.
func (p *Plan) place(f Form) {
	for _, id := range p.OnTeam() {
		p.Members[id] = Place{Inspectorate: strings.TrimSpace(f.Inspectorates[id]), JobTitle: strings.TrimSpace(f.Roles[id])}
	}
}

// IsOn reports whether the form has a person on the team: ticked "On the team", or with a day.
func (f Form) IsOn(memberID string) bool {
	if slices.Contains(f.On, memberID) {
		return true
	}
	return slices.ContainsFunc(f.Team, func(v string) bool { return strings.HasPrefix(v, memberID+":") })
}

// Ticked reports whether the form has the checkbox for a member and day ticked.
func (f Form) Ticked(memberID string, day time.Time) bool {
	return slices.Contains(f.Team, TeamValue(memberID, day))
}

// StartDate is the typed start date when it is a real date.
func (f Form) StartDate() (time.Time, bool) { return f.Start.Parse() }

// FormOf fills the form from a visit, for editing.
func FormOf(v Visit) Form {
	f := Form{AreaID: v.AreaID, Days: strconv.Itoa(v.Days), Notes: v.Notes, Version: v.Version,
		Roles: map[string]string{}, Inspectorates: map[string]string{}}
	if v.HasStart() {
		f.Start = review.DateInputOf(&v.Start)
	}
	for _, m := range v.Team {
		f.On = append(f.On, m.MemberID)
		if m.VisitJobTitle != "" {
			f.Roles[m.MemberID] = m.VisitJobTitle
		}
		if m.VisitInspectorate != "" {
			f.Inspectorates[m.MemberID] = m.VisitInspectorate
		}
		for _, d := range m.Days {
			f.Team = append(f.Team, TeamValue(m.MemberID, d))
		}
	}
	return f
}

// Snapshot is a visit as the audit log records it.
func Snapshot(v Visit) map[string]any {
	team := map[string]string{}
	for _, m := range v.Team {
		days := make([]string, len(m.Days))
		for i, d := range m.Days {
			days[i] = ISODate(d)
		}
		s := strings.Join(days, ",")
		if m.OwnValues() {
			s += " as " + m.About()
		}
		team[m.Name+" ("+m.UserID+")"] = s
	}
	start := ""
	if v.HasStart() {
		start = ISODate(v.Start)
	}
	return map[string]any{"review_id": v.ReviewID, "area": v.AreaName, "area_id": v.AreaID, "start": start,
		"days": v.Days, "notes": v.Notes, "team": team}
}

// --- The fieldwork timeline ---

// Timeline is who is on site where, day by day: one table per week, with a row for each area
// visited that week and a column for each day of the week that any visit covers.
type Timeline struct {
	Weeks     []Week
	Unvisited []Area  // areas of the review with no visit yet
	NotFixed  []Visit // visits whose start is not known yet, which have no place in the weeks
}

// Week is one week of the timeline.
type Week struct {
	Monday time.Time
	Days   []time.Time // the days of this week that have a visit, in order
	Rows   []TimelineRow
}

// TimelineRow is one area's week.
type TimelineRow struct {
	Area  Area
	Cells []TimelineCell // one per day of the week, in the order of Week.Days
}

// TimelineCell is one area on one day.
type TimelineCell struct {
	Day     time.Time
	VisitID string   // "" when the area has no visit that day
	People  []string // names of the people on site
}

// Monday is the Monday of day's week.
func Monday(day time.Time) time.Time {
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// BuildTimeline lays out a review's visits (as List reads them) against its areas.
func BuildTimeline(areas []Area, visits []Visit) Timeline {
	var tl Timeline
	visited := map[string]bool{}
	days := map[time.Time]bool{}
	for _, v := range visits {
		visited[v.AreaID] = true
		if !v.HasStart() {
			tl.NotFixed = append(tl.NotFixed, v)
		}
		for _, d := range v.Dates() {
			days[d] = true
		}
	}
	for _, a := range areas {
		if !visited[a.ID] {
			tl.Unvisited = append(tl.Unvisited, a)
		}
	}
	sorted := make([]time.Time, 0, len(days))
	for d := range days {
		sorted = append(sorted, d)
	}
	slices.SortFunc(sorted, time.Time.Compare)
	for _, d := range sorted {
		if n := len(tl.Weeks); n == 0 || !tl.Weeks[n-1].Monday.Equal(Monday(d)) {
			tl.Weeks = append(tl.Weeks, Week{Monday: Monday(d)})
		}
		w := &tl.Weeks[len(tl.Weeks)-1]
		w.Days = append(w.Days, d)
	}
	order := append([]Area{}, areas...)
	for _, v := range visits {
		if !slices.ContainsFunc(order, func(a Area) bool { return a.ID == v.AreaID }) {
			order = append(order, Area{ID: v.AreaID, Name: v.AreaName, ONSCode: v.ONSCode})
		}
	}
	for i := range tl.Weeks {
		w := &tl.Weeks[i]
		for _, a := range order {
			row := TimelineRow{Area: a}
			any := false
			for _, d := range w.Days {
				cell := TimelineCell{Day: d}
				for _, v := range visits {
					if v.AreaID != a.ID || !v.HasStart() || d.Before(v.Start) || d.After(v.End()) {
						continue
					}
					cell.VisitID = v.ID
					any = true
					for _, m := range v.OnSite(d) {
						cell.People = append(cell.People, m.Name)
					}
				}
				row.Cells = append(row.Cells, cell)
			}
			if any {
				w.Rows = append(w.Rows, row)
			}
		}
	}
	return tl
}
