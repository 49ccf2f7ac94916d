package report

import (
	"context"
	"fmt"
	"time"

	"thematic/internal/consistency"
	"thematic/internal/db"
	"thematic/internal/finding"
)

// Facts are the methodology's facts, computed from what the review holds. The methodology's
// sentences are worked out from the visits one by one (see method.go), so that they state
// variation as it is rather than a typical visit.
type Facts struct {
	Areas          []string // visited areas, in the order of their first visit
	Visits         []Visit  // the visits that count: those that have begun, in date order
	Sources        []SourceCount
	Notes          int
	SelfAssessed   int // submitted self-assessments of visited areas
	Questionnaires int // areas with questionnaire results
	Respondents    int64
	// DoubleCoding is the sentence on the double coding of a sample of notes, when the lead chose
	// to state it ("" otherwise, or while no note has been coded by every coder).
	DoubleCoding string
}

// Visit is one visit that counts for the methodology.
type Visit struct {
	Area  string
	Start *time.Time // nil while the date is not known: the visit takes part but gives no month
	Days  int        // the visit's length, always known
	Team  []Member   // everyone on site; empty when no team is recorded
}

// Member is one person on a visit's team.
type Member struct {
	Inspectorate string // "" when not recorded
	Role         string // job title as the review's list writes it ("Early Years Inspector"); may be ""
	Days         int    // days on site during the visit; 0 when not known
}

// SourceCount is the number of notes from one kind of source.
type SourceCount struct {
	Source string
	Notes  int
}

// factsCols reads the methodology's facts as columns of one statement ($1 tenant, $2 review).
// Only visits that count, as for prevalence (finding.VisitCounts), are read: those that have
// begun, and those whose start is not known yet that have evidence; safeguarding concerns and
// deleted notes are never counted. A visit's team is its visit_members and anyone with days
// (visit_days), each with their inspectorate and role on that visit (the visit's own, or else
// the People page's); a member's days on site are their visit_days rows in the visit, 0 (not
// known) when they have none. The notes per source come from the coverage counters (dimension
// 'source', kept as notes change): counting the review's notes read every one of them, 0.4–1.7 s
// of a 200,000-note review's report (docs/profiles/report.md).
const factsCols = `(SELECT coalesce(json_agg(json_build_object('Area', la.display_name, 'Start', v.start_date, 'Days', v.days,
				'Team', (SELECT coalesce(json_agg(json_build_object('Inspectorate', x.inspectorate, 'Role', x.job_title, 'Days', x.n)
						ORDER BY x.inspectorate, x.job_title, x.id), '[]')
					FROM (SELECT m.id, coalesce(vm.inspectorate, m.inspectorate) AS inspectorate,
							coalesce(vm.job_title, m.job_title) AS job_title,
							(SELECT count(*) FROM visit_days vd WHERE vd.tenant_id = v.tenant_id AND vd.visit_id = v.id
								AND vd.member_id = t.member_id) AS n
						FROM (SELECT member_id FROM visit_members WHERE tenant_id = v.tenant_id AND visit_id = v.id
							UNION SELECT member_id FROM visit_days WHERE tenant_id = v.tenant_id AND visit_id = v.id) t
						JOIN review_members m ON m.tenant_id = v.tenant_id AND m.id = t.member_id
						LEFT JOIN visit_members vm ON vm.tenant_id = v.tenant_id AND vm.visit_id = v.id
							AND vm.member_id = t.member_id) x))
				ORDER BY v.start_date NULLS LAST, la.display_name, v.id), '[]')
			FROM visits v JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE v.tenant_id = $1 AND v.review_id = $2 AND ` + finding.VisitCounts + `),
		(SELECT coalesce(json_agg(json_build_object('Source', s.name, 'Notes', s.n) ORDER BY s.n DESC, s.position), 'null') FROM (
			SELECT s.name, s.position, sum(c.n)::bigint AS n FROM (
				SELECT key_id AS source_id, sum(strength + development + neutral) AS n FROM evidence_counts_live
				WHERE tenant_id = $1 AND review_id = $2 AND dimension = 'source'
				GROUP BY key_id HAVING sum(strength + development + neutral) <> 0) c
			JOIN evidence_sources s ON s.tenant_id = $1 AND s.id = c.source_id
			GROUP BY s.name, s.position) s),
		(SELECT count(*) FROM sa_submissions WHERE tenant_id = $1 AND review_id = $2 AND status = 'submitted'),
		(SELECT count(*) FROM questionnaire_imports WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(sum(respondents), 0) FROM questionnaire_imports WHERE tenant_id = $1 AND review_id = $2),
		` + consistency.MethodCol

// visitRow is one visit as factsCols reads it. The start is a JSON date or null, so that a visit
// whose start is not known yet reads as one.
type visitRow struct {
	Area  string
	Start *string
	Days  int
	Team  []Member
}

// factsRow holds the columns of factsCols.
type factsRow struct {
	f      Facts
	visits []visitRow
	coding *consistency.MethodData
}

func (r *factsRow) dest() []any {
	return []any{&r.visits, &r.f.Sources, &r.f.SelfAssessed, &r.f.Questionnaires, &r.f.Respondents, &r.coding}
}

// facts turns the columns read into Facts.
func (r *factsRow) facts() Facts {
	f := r.f
	for _, v := range r.visits {
		fv := Visit{Area: v.Area, Days: v.Days, Team: v.Team}
		if v.Start != nil {
			if t, err := time.Parse(time.DateOnly, *v.Start); err == nil {
				fv.Start = &t
			}
		}
		f.Visits = append(f.Visits, fv)
	}
	f.Areas = visitedAreas(f.Visits)
	f.Notes = 0
	for _, sc := range f.Sources {
		f.Notes += sc.Notes
	}
	if r.coding != nil {
		f.DoubleCoding = consistency.MethodSentence(r.coding.Figures(), f.Notes)
	}
	return f
}

// visitedAreas lists the visits' areas once each, in the order of their first visit.
func visitedAreas(visits []Visit) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range visits {
		if !seen[v.Area] {
			seen[v.Area] = true
			out = append(out, v.Area)
		}
	}
	return out
}

// LoadFacts reads the methodology's facts in one statement.
func LoadFacts(ctx context.Context, q db.Querier, tenantID, reviewID string) (Facts, error) {
	var r factsRow
	if err := q.QueryRow(ctx, `SELECT `+factsCols, tenantID, reviewID).Scan(r.dest()...); err != nil {
		return Facts{}, fmt.Errorf("report: facts: %w", err)
	}
	return r.facts(), nil
}
