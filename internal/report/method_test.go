package report

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// on is a visit's start.
func on(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// after is a visit's start n days after a date.
func after(s string, n int) *time.Time {
	t := on(s).AddDate(0, 0, n)
	return &t
}

// crew is n members of one inspectorate and role, each on site for days.
func crew(n int, insp, role string, days int) []Member {
	var out []Member
	for range n {
		out = append(out, Member{insp, role, days})
	}
	return out
}

func team(parts ...[]Member) []Member {
	var out []Member
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// factsOf are the facts of visits, with their areas as LoadFacts lists them.
func factsOf(visits ...Visit) Facts {
	return Facts{Visits: visits, Areas: visitedAreas(visits)}
}

// each makes n visits to n areas.
func each(n int, visit func(i int) Visit) []Visit {
	var out []Visit
	for i := range n {
		v := visit(i)
		v.Area = fmt.Sprintf("Area %d", i+1)
		out = append(out, v)
	}
	return out
}

// paragraph is the methodology's sentences about the visits, in order, leaving out those it does
// not say.
func paragraph(f Facts) []string {
	out := []string{f.AreasSentence(), f.VisitSentence()}
	out = append(out, f.TeamSentences()...)
	out = append(out, f.DaysSentence())
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

var seedAreas = []string{"Northumberland", "Sunderland", "County Durham", "Kingston upon Hull", "Torbay", "Isle of Wight"}

// jtai is a joint targeted area inspection of area i: four inspectorates, five-day visits,
// teams of 10 or 11 whose members were on site for different numbers of days.
func jtai(i int) Visit {
	return Visit{Start: on([]string{"2023-09-11", "2023-09-25", "2023-10-09", "2023-10-23", "2023-11-06", "2023-11-20"}[i]), Days: 5,
		Team: team(crew(1, "Ofsted", "Lead Inspector", 5), crew(3+i%2, "Ofsted", "Children's Services Inspector", 5),
			crew(1, "CQC", "Children's Services Inspector", 4), crew(1, "CQC", "Children's Services Inspector", 5),
			crew(1, "HMICFRS", "Inspector", 3+i%3), crew(1, "HMICFRS", "Inspector", 5),
			crew(1, "HMI Probation", "HMI Probation Inspector", 5-i%3), crew(1, "HMI Probation", "HMI Probation Inspector", 4))}
}

func TestMethodologySentences(t *testing.T) {
	seed := func(areas []string, start func(i int) *time.Time) []Visit {
		var out []Visit
		for i, a := range areas {
			out = append(out, Visit{a, start(i), 2, team(crew(2, "Ofsted", "Early Years Inspector", 2),
				crew(1, "CQC", "Children's Services Inspector", 1))})
		}
		return out
	}
	august := func(i int) *time.Time { return on(fmt.Sprintf("2023-08-%02d", 7+i)) }
	unknown := func(int) *time.Time { return nil }
	partly := func(i int) *time.Time {
		if i == 2 {
			return nil
		}
		return august(i)
	}
	undated := func(vs []Visit) []Visit { // days on site are not known where the dates are not
		for i := range vs {
			for j := range vs[i].Team {
				if vs[i].Start == nil {
					vs[i].Team[j].Days = 0
				}
			}
		}
		return vs
	}
	seedTeam := "Each visit was carried out by 2 early years inspectors from Ofsted and a children's services inspector from CQC."
	seedDays := "The Ofsted inspectors were on site for both days and the CQC inspector for 1 day."
	cases := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"seed: 6 areas, 2 days in August, 2 inspectorates", factsOf(seed(seedAreas, august)...), []string{
			"The review visited 6 local areas:",
			"In August 2023, inspectors visited each of these local areas over a period of 2 days.",
			seedTeam, seedDays}},
		{"1 area, 1 day, 1 inspector with no title", factsOf(Visit{"Torbay", on("2024-03-05"), 1, crew(1, "Ofsted", "", 1)}), []string{
			"The review visited one local area:",
			"In March 2024, inspectors visited this local area for 1 day.",
			"The visit was carried out by an inspector from Ofsted."}},
		{"2 areas, 10 days across a year end, everyone on site throughout", factsOf(
			Visit{"Torbay", on("2023-12-04"), 10, team(crew(1, "Ofsted", "His Majesty's Inspector", 10), crew(2, "Ofsted", "Early years inspector", 10))},
			Visit{"Sunderland", on("2024-01-08"), 10, team(crew(1, "Ofsted", "His Majesty's Inspector", 10), crew(2, "Ofsted", "Early years inspector", 10))}),
			[]string{
				"The review visited 2 local areas:",
				"In December 2023 and January 2024, inspectors visited each of these local areas over a period of 10 days.",
				"Each visit was carried out by one of His Majesty's Inspectors and 2 early years inspectors from Ofsted."}},
		{"153 areas from September to March, a lead on a third of the visits", factsOf(each(153, func(i int) Visit {
			tm := crew(2, "Ofsted", "Early Years Inspector", 2)
			if i%3 == 0 {
				tm = append(tm, Member{"Ofsted", "Lead Inspector", 1})
			}
			return Visit{Start: after("2023-09-04", i), Days: 2, Team: tm}
		})...), []string{
			"The review visited 153 local areas:",
			"Between September 2023 and February 2024, inspectors visited each of these local areas over a period of 2 days.",
			"Visits were carried out by teams of 2 or 3 inspectors.",
			"Teams were made up of 2 early years inspectors and a lead inspector (on 51 of the 153 visits) from Ofsted.",
			"Inspectors were on site for 1 or 2 days."}},
		{"joint inspection: 4 inspectorates, teams of 10 or 11, days on site varying", factsOf(each(6, jtai)...), []string{
			"The review visited 6 local areas:",
			"Between September and November 2023, inspectors visited each of these local areas over a period of 5 days.",
			"Visits were carried out by teams of 10 or 11 inspectors.",
			"Teams were made up of a lead inspector and 3 or 4 children's services inspectors from Ofsted, 2 children's services inspectors from CQC, 2 inspectors from HMI Probation, and 2 inspectors from HMICFRS.",
			"The Ofsted inspectors were on site for all 5 days, the CQC inspectors for 4 or 5 days, and the inspectors from HMI Probation and HMICFRS for between 3 and 5 days."}},
		{"5 inspectorates, uniform teams, on site throughout", factsOf(each(2, func(i int) Visit {
			return Visit{Start: after("2024-05-13", 7*i), Days: 5, Team: team(
				crew(1, "Ofsted", "Lead inspector", 5), crew(2, "Ofsted", "Social care inspector", 5), crew(1, "Ofsted", "Early years inspector", 5),
				crew(1, "CQC", "Adult Social Care Inspector", 5), crew(1, "CQC", "GP adviser", 5),
				crew(2, "HMICFRS", "Inspector", 5), crew(1, "HMI Probation", "HMI Probation Inspector", 5), crew(1, "Estyn", "", 5))}
		})...), []string{
			"The review visited 2 local areas:",
			"In May 2024, inspectors visited each of these local areas over a period of 5 days.",
			"Each visit was carried out by an early years inspector, a lead inspector and 2 social care inspectors from Ofsted; an adult social care inspector and a GP adviser from CQC; 2 inspectors from HMICFRS; an inspector from Estyn; and an inspector from HMI Probation."}},
		{"teams of the same size, made up differently", factsOf(
			Visit{"Torbay", on("2023-08-07"), 2, team(crew(2, "Ofsted", "Early Years Inspector", 2), crew(1, "CQC", "Children's Services Inspector", 2))},
			Visit{"Hull", on("2023-08-14"), 2, team(crew(1, "Ofsted", "Early Years Inspector", 2), crew(2, "CQC", "Children's Services Inspector", 2))}),
			[]string{
				"The review visited 2 local areas:",
				"In August 2023, inspectors visited each of these local areas over a period of 2 days.",
				"Each visit was carried out by a team of 3 inspectors.",
				"Teams were made up of 1 or 2 children's services inspectors from CQC and 1 or 2 early years inspectors from Ofsted."}},
		{"teams of between 8 and 12, visits of 1 to 10 days in two months", factsOf(each(3, func(i int) Visit {
			return Visit{Start: on([]string{"2023-08-21", "2023-09-04", "2023-09-18"}[i]), Days: []int{1, 10, 5}[i],
				Team: crew([]int{8, 12, 10}[i], "Ofsted", "Inspector", []int{1, 10, 5}[i])}
		})...), []string{
			"The review visited 3 local areas:",
			"In August and September 2023, inspectors visited each of these local areas over a period of between 1 and 10 days.",
			"Visits were carried out by teams of between 8 and 12 inspectors from Ofsted."}},
		{"one inspector a visit, from one inspectorate or another", factsOf(each(3, func(i int) Visit {
			if i == 1 {
				return Visit{Start: on("2023-10-02"), Days: 1, Team: crew(1, "CQC", "Children's Services Inspector", 1)}
			}
			return Visit{Start: after("2023-10-02", 7*i), Days: 1, Team: crew(1, "Ofsted", "Early Years Inspector", 1)}
		})...), []string{
			"The review visited 3 local areas:",
			"In October 2023, inspectors visited each of these local areas for 1 day.",
			"Each visit was carried out by a single inspector: an early years inspector from Ofsted (on 2 of the 3 visits) or a children's services inspector from CQC (on one of the 3 visits)."}},
		{"partly unknown dates: no month, days on site only where known", factsOf(undated(seed(seedAreas[:3], partly))...), []string{
			"The review visited 3 local areas:",
			"Inspectors visited each of these local areas over a period of 2 days.",
			seedTeam,
			"Where days on site are known, the Ofsted inspectors were on site for both days and the CQC inspector for 1 day."}},
		{"all dates unknown", factsOf(undated(seed(seedAreas, unknown))...), []string{
			"The review visited 6 local areas:",
			"Inspectors visited each of these local areas over a period of 2 days.",
			seedTeam}},
		{"a visit over a month end", factsOf(seed(seedAreas[:1], func(int) *time.Time { return on("2023-11-30") })...), []string{
			"The review visited one local area:",
			"In November and December 2023, inspectors visited this local area over a period of 2 days.",
			"The visit was carried out by 2 early years inspectors from Ofsted and a children's services inspector from CQC.",
			seedDays}},
		{"two visits to one area", factsOf(
			Visit{"Torbay", on("2023-08-07"), 1, crew(2, "Ofsted", "Early Years Inspector", 1)},
			Visit{"Torbay", on("2023-09-11"), 2, crew(2, "Ofsted", "Early Years Inspector", 2)}),
			[]string{
				"The review visited one local area:",
				"In August and September 2023, inspectors made 2 visits to this local area, each lasting 1 or 2 days.",
				"Each visit was carried out by 2 early years inspectors from Ofsted."}},
		{"a visit with no team recorded: nothing said of teams", factsOf(
			Visit{"Torbay", on("2023-08-07"), 2, seed(seedAreas[:1], august)[0].Team},
			Visit{"Hull", on("2023-08-14"), 2, nil}),
			[]string{
				"The review visited 2 local areas:",
				"In August 2023, inspectors visited each of these local areas over a period of 2 days."}},
		{"people with no inspectorate or role, titles with acronyms and names", factsOf(each(2, func(i int) Visit {
			return Visit{Start: after("2024-02-05", 7*i), Days: 3, Team: team(
				crew(2, "Ofsted", "Early Years Inspector", 3), crew(1, "CQC", "SEND Adviser", 3), crew(1+i, "", "", 2),
				crew(1, "", "HMI Probation Inspector", 3), crew(1, "", "Deputy", 1), crew(2, "", "Social Care Staff", 3))}
		})...), []string{
			"The review visited 2 local areas:",
			"In February 2024, inspectors visited each of these local areas over a period of 3 days.",
			"Visits were carried out by teams of 8 or 9 people.",
			"Teams were made up of 2 early years inspectors from Ofsted, a SEND adviser from CQC, a deputy, an HMI Probation inspector, 1 or 2 inspectors and 2 social care staff.",
			"The team members from Ofsted and CQC were on site for all 3 days, and the other team members for between 1 and 3 days."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := paragraph(c.facts)
			if !slices.Equal(got, c.want) {
				t.Errorf("\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
		})
	}
}

var (
	numberRe = regexp.MustCompile(`\d[\d,]*`)
	monthRe  = regexp.MustCompile(`(January|February|March|April|May|June|July|August|September|October|November|December)( \d{4})?`)
	onSomeRe = regexp.MustCompile(`on (one|[\d,]+) of the ([\d,]+) visits`)
	articles = regexp.MustCompile(`\ba [aeiou]|\ban [b-df-hj-np-tv-z]|\b1 (days|visits|inspectors)\b`)
)

// numbers are the numerals in s.
func numbers(s string) []int {
	var out []int
	for _, m := range numberRe.FindAllString(s, -1) {
		n, err := strconv.Atoi(strings.ReplaceAll(m, ",", ""))
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return out
}

// generated makes a review's visits from r: areas areas, dates known, partly known or unknown,
// 1 to 5 inspectorates, visits of 1 to 10 days, teams and days on site uniform or varying.
func generated(r *rand.Rand, areas int) Facts {
	insps := []string{"Ofsted", "CQC", "HMICFRS", "HMI Probation", "Estyn", ""}
	roles := []string{"", "Lead inspector", "Children's Services Inspector", "Early Years Inspector", "GP adviser",
		"His Majesty's Inspector", "SEND Adviser", "Deputy", "Social care staff", "HMI Probation Inspector"}
	ninsp := 1 + r.IntN(5)
	used := insps[:ninsp]
	if r.IntN(4) == 0 { // some people with no inspectorate
		used = append(used[:ninsp:ninsp], "")
	}
	dates := r.IntN(3) // 0 all known, 1 partly, 2 none
	length := []int{1, 2, 5, 10}[r.IntN(4)]
	varyLength, varyTeam, varyDays := r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0
	base := time.Date(2023, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	spread := []int{0, 20, 60, 300}[r.IntN(4)] // days over which visits start
	type slot struct {
		insp, role string
		n          int
	}
	var usual []slot
	partOnSite := map[string]bool{} // inspectorates whose members may be on site for part of a visit
	for _, insp := range used {
		partOnSite[insp] = varyDays && r.IntN(2) == 0
		for _, role := range roles {
			if r.IntN(4) == 0 && !(role == "HMI Probation Inspector" && insp != "HMI Probation" && insp != "") {
				usual = append(usual, slot{insp, role, 1 + r.IntN(3)})
			}
		}
	}
	if len(usual) == 0 {
		usual = append(usual, slot{used[0], "", 1 + r.IntN(3)})
	}
	solo := r.IntN(8) == 0 // one person a visit
	var visits []Visit
	for a := range areas {
		for range 1 + r.IntN(2)*r.IntN(2) { // now and then a second visit to an area
			v := Visit{Area: fmt.Sprintf("Area %d", a+1), Days: length}
			if varyLength {
				v.Days = 1 + r.IntN(10)
			}
			if dates == 0 || dates == 1 && r.IntN(3) > 0 {
				v.Start = after(base.Format(time.DateOnly), r.IntN(spread+1))
			}
			one := r.IntN(len(usual))
			for i, s := range usual {
				n := s.n
				switch {
				case solo && i == one:
					n = 1
				case solo:
					n = 0
				case varyTeam:
					n = r.IntN(s.n + 2)
				}
				for range n {
					d := v.Days
					if partOnSite[s.insp] {
						d = 1 + r.IntN(v.Days)
					}
					if v.Start == nil || r.IntN(20) == 0 {
						d = 0
					}
					v.Team = append(v.Team, Member{s.insp, s.role, d})
				}
			}
			visits = append(visits, v)
		}
	}
	return factsOf(visits...)
}

// TestMethodologyClaimsOnlyWhatTheVisitsSupport checks generated reviews: no sentence states a
// number or month the visits do not bear out, or names an inspectorate twice.
func TestMethodologyClaimsOnlyWhatTheVisitsSupport(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 5))
	nameRes := map[string]*regexp.Regexp{}
	for _, name := range []string{"Ofsted", "CQC", "HMICFRS", "HMI Probation", "Estyn"} {
		nameRes[name] = regexp.MustCompile(`\b` + name + `\b`)
	}
	for n := range 1000 {
		f := generated(r, []int{1, 2, 6, 153}[n%4])
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("review %d: %s\n%s", n, fmt.Sprintf(format, args...), strings.Join(paragraph(f), "\n"))
		}
		// What the visits bear out.
		lenLo, lenHi, sizeLo, sizeHi, dayLo, dayHi := 99, 0, 999, 0, 99, 0
		months, known, teams, short, unknownDays := map[time.Time]bool{}, true, true, false, false
		lengths := map[int]bool{}
		for _, v := range f.Visits {
			lenLo, lenHi = min(lenLo, v.Days), max(lenHi, v.Days)
			lengths[v.Days] = true
			sizeLo, sizeHi = min(sizeLo, len(v.Team)), max(sizeHi, len(v.Team))
			teams = teams && len(v.Team) > 0
			if v.Start == nil {
				known = false
			} else {
				for d := range v.Days {
					day := v.Start.AddDate(0, 0, d)
					months[time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)] = true
				}
			}
			for _, m := range v.Team {
				if m.Days == 0 {
					unknownDays = true
					continue
				}
				dayLo, dayHi = min(dayLo, m.Days), max(dayHi, m.Days)
				short = short || m.Days != v.Days
			}
		}
		names := map[string]bool{}
		for _, v := range f.Visits {
			for _, m := range v.Team {
				if m.Inspectorate != "" {
					names[m.Inspectorate] = true
				}
			}
		}
		within := func(what, s string, lo, hi int, both bool) {
			t.Helper()
			got := numbers(s)
			for _, x := range got {
				if x < lo || x > hi {
					fail("%s: %d is outside %d to %d", what, x, lo, hi)
				}
			}
			if both && (!slices.Contains(got, lo) || !slices.Contains(got, hi)) {
				fail("%s: %v does not give %d to %d", what, got, lo, hi)
			}
		}
		all := paragraph(f)
		for _, s := range all {
			if m := articles.FindString(s); m != "" {
				fail("%q in %q", m, s)
			}
			if strings.Count(s, " Inspector") != strings.Count(s, " Majesty's Inspector") {
				fail("a job title in capitals: %q", s)
			}
			for name := range names {
				if c := len(nameRes[name].FindAllString(s, -1)); c > 1 {
					fail("%s named %d times in %q", name, c, s)
				}
			}
		}

		// The areas.
		if want := len(visitedAreas(f.Visits)); f.AreasSentence() != "The review visited one local area:" || want != 1 {
			within("areas", f.AreasSentence(), want, want, true)
		}

		// When and for how long.
		s := f.VisitSentence()
		when, rest, found := strings.Cut(s, ", inspectors")
		if !found {
			when, rest = "", s
		}
		if !known && monthRe.MatchString(s) {
			fail("a month printed though a start is unknown")
		}
		if known {
			var printed []time.Time
			ms := monthRe.FindAllStringSubmatch(when, -1)
			for i, m := range ms {
				year := ""
				for _, later := range ms[i:] {
					if year = strings.TrimSpace(later[2]); year != "" {
						break
					}
				}
				p, err := time.Parse("January 2006", m[1]+" "+year)
				if err != nil {
					fail("month %q: %v", m[0], err)
					continue
				}
				printed = append(printed, p)
				if !months[p] {
					fail("%s printed but no visit was then", m[0])
				}
			}
			sorted := slices.SortedFunc(maps.Keys(months), time.Time.Compare)
			if len(printed) == 0 || !printed[0].Equal(sorted[0]) || !printed[len(printed)-1].Equal(sorted[len(sorted)-1]) ||
				strings.HasPrefix(when, "In") && len(printed) != len(sorted) {
				fail("months %v printed for %v", printed, sorted)
			}
		}
		if made := regexp.MustCompile(`made ([\d,]+) visits to (these ([\d,]+) local areas|this local area)`).FindStringSubmatch(rest); made != nil {
			within("visits", made[1], len(f.Visits), len(f.Visits), true)
			rest = strings.Replace(rest, made[0], "", 1)
		}
		within("visit length", rest, lenLo, lenHi, true)

		// Teams.
		ts := f.TeamSentences()
		if !teams {
			if len(ts) > 0 || f.DaysSentence() != "" {
				fail("teams described though a visit has none")
			}
			continue
		}
		if len(ts) == 0 {
			fail("no team sentence")
		}
		if len(ts) == 2 || strings.HasPrefix(ts[0], "Visits were carried out by teams of") {
			within("team size", ts[0], sizeLo, sizeHi, true)
		}
		composition := ts[len(ts)-1]
		for _, m := range onSomeRe.FindAllStringSubmatch(composition, -1) {
			if numbers(m[2])[0] != len(f.Visits) || m[1] != "one" && numbers(m[1])[0] >= len(f.Visits) {
				fail("%q with %d visits", m[0], len(f.Visits))
			}
		}
		within("team make-up", onSomeRe.ReplaceAllString(composition, ""), 1, sizeHi, false)
		for name := range names {
			if !strings.Contains(composition, name) {
				fail("%s missing from the team", name)
			}
		}

		// Days on site.
		d := f.DaysSentence()
		switch {
		case !short && d != "":
			fail("days on site given though everyone was there throughout")
		case short && d == "":
			fail("no days on site though some were not there throughout")
		case d == "":
			continue
		}
		if unknownDays != strings.HasPrefix(d, "Where days on site are known, ") {
			fail("unknown days on site %v, but %q", unknownDays, d)
		}
		if strings.Contains(d, "both days") && (len(lengths) != 1 || !lengths[2]) {
			fail("both days, with visits of %v days", lengths)
		}
		if all := regexp.MustCompile(`all ([\d,]+) days`).FindStringSubmatch(d); all != nil {
			if len(lengths) != 1 || !lengths[numbers(all[1])[0]] {
				fail("%s, with visits of %v days", all[0], lengths)
			}
			d = strings.ReplaceAll(d, all[0], "")
		}
		within("days on site", d, dayLo, dayHi, false)
	}
}
