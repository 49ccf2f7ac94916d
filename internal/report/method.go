package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"thematic/internal/text"
)

// The methodology's sentences, worked out from the visits one by one. Each states only what
// every visit it speaks of bears out: a range where visits differ, nothing of when the visits
// were while any start is unknown, nothing of days on site where they are not known.

// AreasSentence introduces the list of areas visited.
func (f Facts) AreasSentence() string {
	switch len(f.Areas) {
	case 0:
		return ""
	case 1:
		return "The review visited one local area:"
	}
	return "The review visited " + num(len(f.Areas)) + " local areas:"
}

// Fieldwork says in which months the visits were: "August 2023", "August and September 2023",
// "December 2023 and January 2024", "between November 2023 and February 2024". It is "" when
// any visit's start is not known, since the months it would give might be wrong.
func (f Facts) Fieldwork() string {
	months := f.months()
	switch len(months) {
	case 0:
		return ""
	case 1:
		return months[0].Format("January 2006")
	}
	first, last := months[0], months[len(months)-1]
	switch {
	case len(months) == 2 && first.Year() == last.Year():
		return first.Format("January") + " and " + last.Format("January 2006")
	case len(months) == 2:
		return first.Format("January 2006") + " and " + last.Format("January 2006")
	case first.Year() == last.Year():
		return "between " + first.Format("January") + " and " + last.Format("January 2006")
	}
	return "between " + first.Format("January 2006") + " and " + last.Format("January 2006")
}

// months lists the first of each month in which a visit had a day, in order; nil when any
// visit's start is not known.
func (f Facts) months() []time.Time {
	var out []time.Time
	for _, v := range f.Visits {
		if v.Start == nil {
			return nil
		}
		for d := range max(v.Days, 1) {
			day := v.Start.AddDate(0, 0, d)
			m := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// VisitSentence says when the areas were visited and for how long: "In August 2023, inspectors
// visited each of these local areas over a period of 2 days."
func (f Facts) VisitSentence() string {
	if len(f.Visits) == 0 {
		return ""
	}
	lo, hi := f.Visits[0].Days, f.Visits[0].Days
	for _, v := range f.Visits {
		lo, hi = min(lo, v.Days), max(hi, v.Days)
	}
	areas := len(visitedAreas(f.Visits))
	var s string
	switch {
	case len(f.Visits) > areas: // some area had more than one visit
		these := "these " + num(areas) + " local areas"
		if areas == 1 {
			these = "this local area"
		}
		s = "inspectors made " + num(len(f.Visits)) + " visits to " + these + ", each lasting " + daysSpan(lo, hi)
	case areas == 1:
		s = "inspectors visited this local area " + period(lo, hi)
	default:
		s = "inspectors visited each of these local areas " + period(lo, hi)
	}
	switch when := f.Fieldwork(); {
	case when == "":
	case strings.HasPrefix(when, "between "):
		s = when + ", " + s
	default:
		s = "in " + when + ", " + s
	}
	return capital(s) + "."
}

// period is how long each visit lasted, as the seed report says it.
func period(lo, hi int) string {
	if hi == 1 {
		return "for 1 day"
	}
	return "over a period of " + daysSpan(lo, hi)
}

// TeamSentences say who carried out the visits, grouped by inspectorate and, within each, by
// role: "Each visit was carried out by 2 early years inspectors from Ofsted and a children's
// services inspector from CQC." Where teams differ, the sizes and counts are ranges and a role
// on only some visits says on how many. Nothing is said while any visit has no team recorded.
func (f Facts) TeamSentences() []string {
	t, ok := f.team()
	if !ok {
		return nil
	}
	each := "Each visit was"
	if t.visits == 1 {
		each = "The visit was"
	}
	if t.uniform() {
		return []string{each + " carried out by " + t.composition("and") + "."}
	}
	one, many := "person", "people"
	if t.inspectors {
		one, many = "inspector", "inspectors"
	}
	switch {
	case t.sizeHi == 1:
		return []string{each + " carried out by a single " + one + ": " + t.composition("or") + "."}
	case len(t.insps) == 1 && len(t.insps[0].roles) == 1: // one role: its sizes say it all
		g := t.insps[0]
		many = pluralTitle(g.roles[0].title)
		if g.name != "" {
			many += " from " + g.name
		}
		return []string{"Visits were carried out by teams of " + span(t.sizeLo, t.sizeHi) + " " + many + "."}
	case t.sizeLo == t.sizeHi:
		return []string{each + " carried out by a team of " + num(t.sizeLo) + " " + many + ".",
			"Teams were made up of " + t.composition("and") + "."}
	}
	return []string{"Visits were carried out by teams of " + span(t.sizeLo, t.sizeHi) + " " + many + ".",
		"Teams were made up of " + t.composition("and") + "."}
}

// DaysSentence says how long people were on site, by inspectorate, when not everyone was on site
// for the whole visit: "The Ofsted inspectors were on site for both days and the CQC inspector
// for 1 day." Inspectorates with the same days share a clause. Members whose days on site are
// not known are left out, and the sentence then says it speaks only of the others.
func (f Facts) DaysSentence() string {
	t, ok := f.team()
	if !ok {
		return ""
	}
	length := f.Visits[0].Days // the length of every visit, or 0 when they differ
	for _, v := range f.Visits {
		if v.Days != length {
			length = 0
		}
	}
	short, unknown := false, false
	for _, g := range t.insps {
		for _, m := range g.members {
			unknown = unknown || m.days == 0
			short = short || m.days != 0 && m.days != m.length
		}
	}
	if !short {
		return ""
	}
	type clause struct {
		groups []inspGroup
		onSite string
	}
	var clauses []clause
	for _, g := range t.insps {
		p, ok := g.onSite(length)
		if !ok {
			continue
		}
		i := slices.IndexFunc(clauses, func(c clause) bool { return g.name != "" && c.groups[0].name != "" && c.onSite == p })
		if i < 0 {
			clauses = append(clauses, clause{onSite: p})
			i = len(clauses) - 1
		}
		clauses[i].groups = append(clauses[i].groups, g)
	}
	var parts []string
	for i, c := range clauses {
		who, single := "", false
		switch {
		case len(clauses) == 1:
			who, single = everyone(c.groups)
		case len(c.groups) > 1:
			var names []string
			for _, g := range c.groups {
				names = append(names, g.name)
			}
			noun := "team members"
			if !slices.ContainsFunc(c.groups, func(g inspGroup) bool { return !g.inspectors() }) {
				noun = "inspectors"
			}
			who = "the " + noun + " from " + joinList(names, "and")
		default:
			who, single = c.groups[0].subject()
		}
		if i > 0 {
			parts = append(parts, who+" for "+c.onSite)
			continue
		}
		verb := " were"
		if single {
			verb = " was"
		}
		parts = append(parts, who+verb+" on site for "+c.onSite)
	}
	s := joinList(parts, "and")
	if unknown {
		s = "where days on site are known, " + s
	}
	return capital(s) + "."
}

// teamView is the visits' teams grouped by inspectorate and, within each, by role.
type teamView struct {
	visits         int
	sizeLo, sizeHi int
	inspectors     bool        // every member is an inspector by title, or has none
	insps          []inspGroup // most people first; members with no inspectorate last
}

// inspGroup is the members of one inspectorate over all visits.
type inspGroup struct {
	name    string // as first written; "" for members with no inspectorate
	roles   []roleGroup
	members []onSite
	total   int
}

// onSite is one member's days on site (0 when not known) in a visit of length days.
type onSite struct{ visit, days, length int }

// roleGroup is the members of one role in one inspectorate over all visits.
type roleGroup struct {
	title    string // the running title, "inspector" for members with none
	perVisit []int  // members in each visit
	lo, hi   int    // members per visit, over the visits where the role was present
	present  int    // visits where the role was present
}

// team groups the visits' teams; ok is false when there is no visit or a visit has no team.
func (f Facts) team() (teamView, bool) {
	t := teamView{visits: len(f.Visits), inspectors: true}
	if t.visits == 0 {
		return t, false
	}
	var names []string
	for _, v := range f.Visits {
		if len(v.Team) == 0 {
			return t, false
		}
		for _, m := range v.Team {
			if n := clean(m.Inspectorate); n != "" && !slices.ContainsFunc(names, func(s string) bool { return strings.EqualFold(s, n) }) {
				names = append(names, n)
			}
		}
	}
	type role struct{ insp, title string }
	titles := map[role]string{} // running titles, worked out once for each title
	t.sizeLo = len(f.Visits[0].Team)
	for vi, v := range f.Visits {
		t.sizeLo, t.sizeHi = min(t.sizeLo, len(v.Team)), max(t.sizeHi, len(v.Team))
		for _, m := range v.Team {
			name := clean(m.Inspectorate)
			if name == "" {
				name = titleInspectorate(m.Role, names)
			}
			gi := slices.IndexFunc(t.insps, func(g inspGroup) bool { return strings.EqualFold(g.name, name) })
			if gi < 0 {
				t.insps = append(t.insps, inspGroup{name: name})
				gi = len(t.insps) - 1
			}
			g := &t.insps[gi]
			title, ok := titles[role{g.name, m.Role}]
			if !ok {
				title = cmp.Or(runningTitle(m.Role, g.name, names), "inspector")
				titles[role{g.name, m.Role}] = title
			}
			ri := slices.IndexFunc(g.roles, func(r roleGroup) bool { return strings.EqualFold(r.title, title) })
			if ri < 0 {
				g.roles = append(g.roles, roleGroup{title: title, perVisit: make([]int, t.visits)})
				ri = len(g.roles) - 1
			}
			g.roles[ri].perVisit[vi]++
			g.total++
			g.members = append(g.members, onSite{visit: vi, days: m.Days, length: v.Days})
			t.inspectors = t.inspectors && inspectorTitle(title)
		}
	}
	for gi := range t.insps {
		g := &t.insps[gi]
		for ri := range g.roles {
			r := &g.roles[ri]
			for _, n := range r.perVisit {
				if n > 0 {
					r.lo, r.hi = cmp.Or(min(r.lo, n), n), max(r.hi, n)
					r.present++
				}
			}
		}
		// Roles on every visit first and, among them, the fewest first: "a lead inspector and 3
		// children's services inspectors".
		slices.SortStableFunc(g.roles, func(a, b roleGroup) int {
			return cmp.Or(-cmp.Compare(a.present, b.present), cmp.Compare(a.hi, b.hi),
				strings.Compare(strings.ToLower(a.title), strings.ToLower(b.title)))
		})
	}
	slices.SortStableFunc(t.insps, func(a, b inspGroup) int {
		return cmp.Or(cmp.Compare(unnamed(a), unnamed(b)), -cmp.Compare(a.total, b.total),
			strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)))
	})
	return t, true
}

// unnamed is 1 for the group of members with no inspectorate, which comes last.
func unnamed(g inspGroup) int {
	if g.name == "" {
		return 1
	}
	return 0
}

// titleInspectorate is the inspectorate a title begins with, for a member with none recorded:
// an "HMI Probation Inspector" is counted with HMI Probation, so that the sentence names it once.
func titleInspectorate(title string, names []string) string {
	title = clean(title)
	best := ""
	for _, n := range names {
		if len(n) > len(best) && len(title) > len(n) && strings.EqualFold(title[:len(n)], n) && title[len(n)] == ' ' {
			best = n
		}
	}
	return best
}

// uniform says whether every visit had the same team make-up.
func (t teamView) uniform() bool {
	for _, g := range t.insps {
		for _, r := range g.roles {
			if r.present < t.visits || r.lo != r.hi {
				return false
			}
		}
	}
	return true
}

// composition lists the members by inspectorate and role: "2 early years inspectors from Ofsted
// and a children's services inspector from CQC". conj joins alternatives when a visit had only
// one person.
func (t teamView) composition(conj string) string {
	var items []string
	for _, g := range t.insps {
		var roles []string
		for _, r := range g.roles {
			p := r.count()
			if r.present < t.visits && (len(g.roles) > 1 || g.name == "") {
				p += " (" + t.onSome(r.present) + ")"
			}
			roles = append(roles, p)
		}
		if g.name == "" {
			items = append(items, roles...)
			continue
		}
		s := joinList(roles, conj) + " from " + g.name
		if len(g.roles) == 1 && g.roles[0].present < t.visits {
			s += " (" + t.onSome(g.roles[0].present) + ")"
		}
		items = append(items, s)
	}
	return joinList(items, conj)
}

// onSome says on how many of the visits a role was present: "on 3 of the 6 visits".
func (t teamView) onSome(n int) string {
	if n == 1 {
		return "on one of the " + num(t.visits) + " visits"
	}
	return "on " + num(n) + " of the " + num(t.visits) + " visits"
}

// count is the role's members per visit: "a GP adviser", "2 early years inspectors", "3 or 4
// children's services inspectors".
func (r roleGroup) count() string {
	if r.hi == 1 {
		return oneOf(r.title)
	}
	return span(r.lo, r.hi) + " " + pluralTitle(r.title)
}

// onSite says for how long the group's members whose days are known were on site; length is the
// length of every visit, or 0 when visits differ. ok is false when no member's days are known.
func (g inspGroup) onSite(length int) (s string, ok bool) {
	lo, hi, whole := 0, 0, true
	for _, m := range g.members {
		if m.days == 0 {
			continue
		}
		lo, hi = cmp.Or(min(lo, m.days), m.days), max(hi, m.days)
		whole = whole && m.days == m.length
	}
	switch {
	case hi == 0:
		return "", false
	case !whole:
		return daysSpan(lo, hi), true
	case length == 2:
		return "both days", true
	case length > 2:
		return "all " + num(length) + " days", true
	}
	return "the whole visit", true
}

// single says whether the group never had more than one member with known days on a visit.
func (g inspGroup) single() bool {
	per := map[int]int{}
	for _, m := range g.members {
		if m.days != 0 {
			per[m.visit]++
			if per[m.visit] > 1 {
				return false
			}
		}
	}
	return true
}

// inspectors says whether every member of the group is an inspector by title.
func (g inspGroup) inspectors() bool {
	for _, r := range g.roles {
		if !inspectorTitle(r.title) {
			return false
		}
	}
	return true
}

// subject names the group in the days sentence: "the Ofsted inspectors", "the GP adviser from
// CQC", "the other inspectors"; single says it is one person.
func (g inspGroup) subject() (who string, single bool) {
	single = g.single()
	noun := "team member"
	switch {
	case g.inspectors():
		noun = "inspector"
	case g.name != "" && len(g.roles) == 1:
		noun = g.roles[0].title
	}
	if !single {
		noun = pluralTitle(noun)
	}
	switch {
	case g.name == "":
		return "the other " + noun, single
	case g.inspectors():
		return "the " + g.name + " " + noun, single
	}
	return "the " + noun + " from " + g.name, single
}

// everyone names all the groups together: "inspectors", "team members", or "the inspector"
// when there was only ever one person on site with known days.
func everyone(groups []inspGroup) (who string, single bool) {
	inspectors := true
	per := map[int]int{}
	single = true
	for _, g := range groups {
		inspectors = inspectors && g.inspectors()
		for _, m := range g.members {
			if m.days != 0 {
				per[m.visit]++
				single = single && per[m.visit] == 1
			}
		}
	}
	switch {
	case single && inspectors:
		return "the inspector", true
	case single:
		return "the team member", true
	case inspectors:
		return "inspectors", false
	}
	return "team members", false
}

// inspectorTitle says whether a running title is an inspector's.
func inspectorTitle(title string) bool {
	if strings.Contains(strings.ToLower(title), "inspector") {
		return true
	}
	return slices.ContainsFunc(strings.Fields(title), func(w string) bool { return core(w) == "HMI" })
}

// joinList joins items as a list in running text: "a, b and c". When an item holds the
// conjunction itself (other than in "between 3 and 5"), a comma comes before the last one too
// ("a and b from Ofsted, and c from CQC"), and when an item holds a comma, items are kept apart
// by semicolons.
func joinList(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	sep, last := ", ", " "+conj+" "
	for _, it := range items {
		if strings.Contains(it, ",") {
			sep, last = "; ", "; "+conj+" "
			break
		}
		if strings.Count(it, " "+conj+" ") > strings.Count(it, "between ") {
			last = ", " + conj + " "
		}
	}
	return strings.Join(items[:len(items)-1], sep) + last + items[len(items)-1]
}

// span is a range of counts: "3", "3 or 4", "between 3 and 5".
func span(lo, hi int) string {
	switch {
	case lo == hi:
		return num(lo)
	case hi == lo+1:
		return num(lo) + " or " + num(hi)
	}
	return "between " + num(lo) + " and " + num(hi)
}

// daysSpan is a range of days: "1 day", "2 days", "1 or 2 days", "between 3 and 5 days".
func daysSpan(lo, hi int) string {
	if hi == 1 {
		return "1 day"
	}
	return span(lo, hi) + " days"
}

// num writes a number as GOV.UK does: numerals, with commas from 1,000.
func num(n int) string { return text.Thousands(int64(n)) }

// clean is a name with its spaces tidied.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// capital begins a sentence with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
