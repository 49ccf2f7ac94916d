package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"thematic/internal/db"
)

// Facts are the methodology's facts, computed from what the review holds.
type Facts struct {
	Areas          []string    // visited areas in visiting order
	Months         []time.Time // first day of each month with a visit day
	VisitDays      []int       // lengths of the visits, in days
	Team           []TeamRole  // people on site per visit, by inspectorate and job title
	Sources        []SourceCount
	Notes          int
	SelfAssessed   int // submitted self-assessments of visited areas
	Questionnaires int // areas with questionnaire results
	Respondents    int64
}

// TeamRole is one kind of team member: how many were on a typical visit and for how many days.
type TeamRole struct {
	Inspectorate string
	JobTitle     string
	PerVisit     int // the most common number per visit
	Days         int // the most common number of days each was on site
}

// SourceCount is the number of notes from one kind of source.
type SourceCount struct {
	Source string
	Notes  int
}

// factsCols reads the methodology's facts as columns of one statement ($1 tenant, $2 review).
// Only visits that have begun count, as for prevalence; safeguarding concerns and deleted notes
// are never counted.
const factsCols = `(SELECT array_agg(x.name ORDER BY x.first, x.name) FROM (
			SELECT la.display_name AS name, min(v.start_date) AS first
			FROM visits v JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.start_date <= current_date
			GROUP BY la.display_name) x),
		(SELECT coalesce(array_agg(DISTINCT date_trunc('month', d)::date ORDER BY date_trunc('month', d)::date), '{}')
			FROM visits v, generate_series(v.start_date, v.start_date + v.days - 1, interval '1 day') d
			WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.start_date <= current_date),
		coalesce((SELECT array_agg(days ORDER BY start_date) FROM visits
			WHERE tenant_id = $1 AND review_id = $2 AND start_date <= current_date), '{}'),
		(SELECT coalesce(json_agg(json_build_object('Visit', t.visit_id, 'Insp', t.inspectorate, 'Title', t.job_title,
				'Member', t.member_id, 'N', t.n) ORDER BY t.visit_id, t.inspectorate, t.job_title, t.member_id), '[]') FROM (
			SELECT vd.visit_id, m.inspectorate, m.job_title, vd.member_id, count(*) AS n
			FROM visit_days vd
			JOIN visits v ON v.tenant_id = vd.tenant_id AND v.id = vd.visit_id
			JOIN review_members m ON m.tenant_id = vd.tenant_id AND m.id = vd.member_id
			WHERE vd.tenant_id = $1 AND v.review_id = $2 AND v.start_date <= current_date
			GROUP BY vd.visit_id, m.inspectorate, m.job_title, vd.member_id) t),
		(SELECT coalesce(json_agg(json_build_object('Source', s.name, 'Notes', s.n) ORDER BY s.n DESC, s.position), 'null') FROM (
			SELECT s.name, s.position, count(*) AS n FROM evidence_notes n
			JOIN evidence_sources s ON s.tenant_id = n.tenant_id AND s.id = n.source_id
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.deleted_at IS NULL AND NOT n.safeguarding
			GROUP BY s.name, s.position) s),
		(SELECT count(*) FROM sa_submissions WHERE tenant_id = $1 AND review_id = $2 AND status = 'submitted'),
		(SELECT count(*) FROM questionnaire_imports WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(sum(respondents), 0) FROM questionnaire_imports WHERE tenant_id = $1 AND review_id = $2)`

// teamRow is one member's days on site in one visit, by inspectorate and job title.
type teamRow struct {
	Visit, Insp, Title, Member string
	N                          int
}

// factsRow holds the columns of factsCols.
type factsRow struct {
	f    Facts
	team []teamRow
}

func (r *factsRow) dest() []any {
	return []any{&r.f.Areas, &r.f.Months, &r.f.VisitDays, &r.team, &r.f.Sources, &r.f.SelfAssessed, &r.f.Questionnaires,
		&r.f.Respondents}
}

// facts works out the typical team and the number of notes from the columns read.
func (r *factsRow) facts() Facts {
	f := r.f
	// Team make-up: for each visit, people on site by inspectorate and job title and their days.
	type key struct{ insp, title string }
	perVisit := map[key]map[string]int{} // role → visit → people
	days := map[key]map[int]int{}        // role → days on site → how often
	order := []key{}
	for _, t := range r.team {
		k := key{t.Insp, t.Title}
		if perVisit[k] == nil {
			perVisit[k], days[k] = map[string]int{}, map[int]int{}
			order = append(order, k)
		}
		perVisit[k][t.Visit]++
		days[k][t.N]++
	}
	for _, k := range order {
		counts := map[int]int{}
		for _, n := range perVisit[k] {
			counts[n]++
		}
		f.Team = append(f.Team, TeamRole{Inspectorate: k.insp, JobTitle: k.title, PerVisit: mode(counts), Days: mode(days[k])})
	}
	sort.SliceStable(f.Team, func(i, j int) bool {
		a, b := f.Team[i], f.Team[j]
		if a.PerVisit*a.Days != b.PerVisit*b.Days {
			return a.PerVisit*a.Days > b.PerVisit*b.Days
		}
		return a.Inspectorate+a.JobTitle < b.Inspectorate+b.JobTitle
	})
	f.Notes = 0
	for _, sc := range f.Sources {
		f.Notes += sc.Notes
	}
	return f
}

// LoadFacts reads the methodology's facts in one statement.
func LoadFacts(ctx context.Context, q db.Querier, tenantID, reviewID string) (Facts, error) {
	var r factsRow
	if err := q.QueryRow(ctx, `SELECT `+factsCols, tenantID, reviewID).Scan(r.dest()...); err != nil {
		return Facts{}, fmt.Errorf("report: facts: %w", err)
	}
	return r.facts(), nil
}

// mode is the most common value (the larger on a tie).
func mode(counts map[int]int) int {
	best, bestN := 0, -1
	for v, n := range counts {
		if n > bestN || n == bestN && v > best {
			best, bestN = v, n
		}
	}
	return best
}

// Fieldwork says when the visits happened: "August 2023", "August and September 2023",
// "between November 2023 and February 2024".
func (f Facts) Fieldwork() string {
	switch len(f.Months) {
	case 0:
		return ""
	case 1:
		return f.Months[0].Format("January 2006")
	}
	first, last := f.Months[0], f.Months[len(f.Months)-1]
	if len(f.Months) == 2 && first.Year() == last.Year() {
		return first.Format("January") + " and " + last.Format("January 2006")
	}
	if first.Year() == last.Year() {
		return "between " + first.Format("January") + " and " + last.Format("January 2006")
	}
	return "between " + first.Format("January 2006") + " and " + last.Format("January 2006")
}

// VisitLength says how long visits lasted: "2 days", "1 to 3 days".
func (f Facts) VisitLength() string {
	if len(f.VisitDays) == 0 {
		return ""
	}
	lo, hi := f.VisitDays[0], f.VisitDays[0]
	for _, d := range f.VisitDays {
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo == hi {
		return days(lo)
	}
	return fmt.Sprintf("%d to %s", lo, days(hi))
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// plural makes a job title plural ("Early Years Inspector" → "Early Years Inspectors").
func plural(title string, n int) string {
	if n == 1 || title == "" || strings.HasSuffix(title, "s") {
		return title
	}
	return title + "s"
}

// TeamSentence describes a typical team: "Each visit was carried out by 2 Early Years Inspectors
// from Ofsted and 1 Children's Services Inspector from CQC."
func (f Facts) TeamSentence() string {
	var parts []string
	for _, r := range f.Team {
		p := fmt.Sprintf("%d %s", r.PerVisit, plural(r.JobTitle, r.PerVisit))
		if r.JobTitle == "" {
			p = fmt.Sprintf("%d %s", r.PerVisit, map[bool]string{true: "inspector", false: "inspectors"}[r.PerVisit == 1])
		}
		if r.Inspectorate != "" {
			p += " from " + r.Inspectorate
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Each visit was carried out by " + joinAnd(parts) + "."
}

// DaysSentence says how long each kind of inspector was on site, when that differs from the
// visit's length: "The Ofsted inspectors were on site for 2 days and the CQC inspector for 1 day."
func (f Facts) DaysSentence() string {
	var parts []string
	for i, r := range f.Team {
		who := "the " + strings.TrimSpace(r.Inspectorate+" "+map[bool]string{true: "inspector", false: "inspectors"}[r.PerVisit == 1])
		if i == 0 {
			parts = append(parts, who+" were on site for "+days(r.Days))
			if r.PerVisit == 1 {
				parts[0] = who + " was on site for " + days(r.Days)
			}
			continue
		}
		parts = append(parts, who+" for "+days(r.Days))
	}
	if len(parts) < 2 {
		return ""
	}
	s := joinAnd(parts) + "."
	return strings.ToUpper(s[:1]) + s[1:]
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
