package visit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
)

// checkCols are the columns Check reads, for a statement whose parameters are $1 the tenant, $2
// the review, $3 the visit being changed (NULL for a new one) and planArgs from $4: the plan's
// area's name, the review's visit to that area on overlapping days, the team's people with
// whether their places are on the review's lists, and the days someone on the team is already on
// site elsewhere.
const checkCols = `(SELECT la.display_name FROM review_areas a JOIN local_authorities la ON la.ons_code = a.ons_code
		WHERE a.tenant_id = $1 AND a.review_id = $2 AND a.id = $4::uuid),
	(SELECT json_build_object('Start', b.start_date, 'Days', b.days) FROM visits b
		WHERE b.tenant_id = $1 AND b.review_id = $2 AND b.area_id = $4::uuid AND b.start_date <= $6::date
			AND b.start_date + (b.days - 1) >= $5::date AND b.id IS DISTINCT FROM $3::uuid
		ORDER BY b.start_date LIMIT 1),
	(SELECT coalesce(json_agg(json_build_object('ID', m.id, 'UserID', m.user_id, 'Role', m.role, 'Name', u.name,
			'Inspectorate', coalesce(m.inspectorate, ''), 'JobTitle', coalesce(m.job_title, ''),
			'InspOK', w.insp = '' OR EXISTS (SELECT 1 FROM review_inspectorates i
				WHERE i.tenant_id = $1 AND i.review_id = $2 AND i.name = w.insp),
			'RoleOK', w.job = '' OR EXISTS (SELECT 1 FROM review_team_roles tr
				WHERE tr.tenant_id = $1 AND tr.review_id = $2 AND tr.name = w.job)) ORDER BY u.name, m.id), '[]')
		FROM unnest($7::uuid[], $8::text[], $9::text[]) AS w (member_id, insp, job)
		JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.id = w.member_id
		JOIN users u ON u.id = m.user_id),
	(SELECT coalesce(json_agg(json_build_object('Member', c.member_id, 'Day', c.day, 'Visit', c.visit_id,
			'ReviewID', c.review_id, 'Review', c.title, 'Start', c.start_date, 'Days', c.days, 'Area', c.area, 'Name', c.name)
			ORDER BY c.name, c.member_id, c.start_date, c.visit_id, c.day), '[]')
		FROM (SELECT w.member_id, w.day, cv.id AS visit_id, cv.review_id, cr.title, cv.start_date, cv.days,
				cla.display_name AS area, cu.name
			FROM unnest($10::uuid[], $11::date[]) AS w (member_id, day)
			JOIN review_members cm ON cm.tenant_id = $1 AND cm.id = w.member_id
			JOIN visit_days cd ON cd.tenant_id = $1 AND cd.user_id = cm.user_id AND cd.day = w.day AND NOT cd.imported
			JOIN visits cv ON cv.tenant_id = $1 AND cv.id = cd.visit_id
			JOIN reviews cr ON cr.tenant_id = $1 AND cr.id = cv.review_id
			JOIN review_areas ca ON ca.tenant_id = $1 AND ca.id = cv.area_id
			JOIN local_authorities cla ON cla.ons_code = ca.ons_code
			JOIN users cu ON cu.id = cm.user_id
			WHERE cv.id IS DISTINCT FROM $3::uuid) c)`

// checkRead is what checkCols read.
type checkRead struct {
	areaName *string
	busy     *struct {
		Start string
		Days  int
	}
	team []struct {
		ID, UserID, Role, Name, Inspectorate, JobTitle string
		InspOK, RoleOK                                 bool
	}
	clashes []clashRow
}

type clashRow struct {
	Member, Day, Visit, ReviewID, Review, Start, Area, Name string
	Days                                                    int
}

func (c *checkRead) dest() []any { return []any{&c.areaName, &c.busy, &c.team, &c.clashes} }

// planArgs are the plan's parameters of checkCols ($4 to $11). A team naming an id that is not a
// UUID is checked without the database (badTeam).
func planArgs(p Plan) (args []any, badTeam bool) {
	var area, start, end any
	if db.ValidUUID(p.AreaID) {
		area = p.AreaID
	}
	if !p.Start.IsZero() {
		start, end = p.Start, p.End()
	}
	ids := p.OnTeam()
	insps, roles := make([]string, 0, len(ids)), make([]string, 0, len(ids))
	var members []string
	var days []time.Time
	for _, id := range ids {
		if !db.ValidUUID(id) {
			badTeam = true
		}
		insps = append(insps, p.Members[id].Inspectorate)
		roles = append(roles, p.Members[id].JobTitle)
	}
	for id, ds := range p.Team {
		if !db.ValidUUID(id) {
			badTeam = true
		}
		for _, d := range ds {
			members = append(members, id)
			days = append(days, d)
		}
	}
	if badTeam {
		ids, insps, roles, members, days = []string{}, []string{}, []string{}, []string{}, []time.Time{}
	}
	return []any{area, start, end, ids, insps, roles, members, days}, badTeam
}

// Check finds what is wrong with a plan that only the database can tell, in one statement: the
// area is not one of the review's; a person on the team is not a lead or inspector of it; a day
// is outside the review's fieldwork window; the area already has a visit on those days; or
// someone is already on site elsewhere on one of their days, in any visit of the tenant.
// exceptVisitID ("" for a new visit) is the visit being changed, whose own days do not count.
// With no team (the first step of the form) only the area and dates are checked.
func Check(ctx context.Context, q db.Querier, tenantID, reviewID, exceptVisitID string, p Plan) (*form.Errors, error) {
	if !db.ValidUUID(reviewID) {
		return nil, apperr.NotFound("Review not found")
	}
	args, badTeam := planArgs(p)
	var rv ReviewInfo
	var c checkRead
	err := q.QueryRow(ctx, `SELECT r.fieldwork_start, r.fieldwork_end, `+checkCols+`
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		append([]any{tenantID, reviewID, nullID(exceptVisitID)}, args...)...).
		Scan(append([]any{&rv.FieldworkStart, &rv.FieldworkEnd}, c.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFound("Review not found")
	}
	if err != nil {
		return nil, fmt.Errorf("visit: check plan in %s: %w", reviewID, err)
	}
	return c.errors(reviewID, rv, p, badTeam), nil
}

// errors is Check's verdict on what it read.
func (c checkRead) errors(reviewID string, rv ReviewInfo, p Plan, badTeam bool) *form.Errors {
	errs := &form.Errors{}
	areaName := ""
	if c.areaName != nil {
		areaName = *c.areaName
	}
	if areaName == "" {
		errs.Add("area", "Select an area of this review")
	}
	known := !p.Start.IsZero()
	if known && rv.FieldworkStart != nil && p.Start.Before(*rv.FieldworkStart) {
		errs.Add("start-day", fmt.Sprintf("The visit starts on %s, before fieldwork starts on %s",
			FormatDate(p.Start), FormatDate(*rv.FieldworkStart)))
	}
	if known && rv.FieldworkEnd != nil && p.End().After(*rv.FieldworkEnd) {
		field := "days"
		if p.Start.After(*rv.FieldworkEnd) {
			field = "start-day"
		}
		errs.Add(field, fmt.Sprintf("The visit ends on %s, after fieldwork ends on %s",
			FormatDate(p.End()), FormatDate(*rv.FieldworkEnd)))
	}
	if areaName != "" && known && c.busy != nil {
		if start, err := time.Parse(time.DateOnly, c.busy.Start); err == nil {
			errs.Add("start-day", fmt.Sprintf("%s already has a visit on %s", areaName,
				FormatRange(start, start.AddDate(0, 0, c.busy.Days-1))))
		}
	}
	ids := p.OnTeam()
	if len(ids) == 0 {
		return errs
	}
	if badTeam {
		errs.Add("team", "Choose people who are leads or inspectors of this review")
		return errs
	}
	for _, m := range c.team {
		if !m.RoleOK {
			errs.Add(RoleField(m.ID), "Select a team role from the review’s list for "+m.Name)
		}
		if !m.InspOK {
			errs.Add(InspectorateField(m.ID), "Select an inspectorate from the review’s list for "+m.Name)
		}
		if r := auth.ReviewRole(m.Role); !Eligible(r) {
			errs.Add("team", fmt.Sprintf("%s is %s of this review: only leads and inspectors can be on a visit team",
				m.Name, articled(strings.ToLower(r.Label()))))
		}
	}
	if len(c.team) != len(ids) {
		errs.Add("team", "Choose people who are leads or inspectors of this review")
	}
	if errs.Any() {
		// Clashes are only worth reporting for a team whose people and days are right.
		return errs
	}
	addClashes(errs, reviewID, c.clashes)
	return errs
}

// addClashes adds an error for each person already on site elsewhere on one of their days, naming
// the other visit; rows come by person, then visit, then day.
func addClashes(errs *form.Errors, reviewID string, rows []clashRow) {
	type key struct{ member, visit string }
	var order []key
	days := map[key][]time.Time{}
	first := map[key]clashRow{}
	for _, r := range rows {
		k := key{r.Member, r.Visit}
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			continue
		}
		if _, ok := first[k]; !ok {
			first[k] = r
			order = append(order, k)
		}
		days[k] = append(days[k], day)
	}
	for _, k := range order {
		c := first[k]
		start, err := time.Parse(time.DateOnly, c.Start)
		if err != nil {
			continue
		}
		where := c.Area
		if c.ReviewID != reviewID {
			where += " for " + c.Review
		}
		errs.Add(TeamField(k.member), fmt.Sprintf("%s is on site at %s (visit %s) on %s", c.Name, where,
			FormatRange(start, start.AddDate(0, 0, c.Days-1)), FormatDays(days[k])))
	}
}

// planned is the visit a plan makes, as Get would read it once written (for the audit entry and
// the answer, without reading it again): its team from what the checks read of its people.
func (c checkRead) planned(id, reviewID string, p Plan) Visit {
	v := Visit{ID: id, ReviewID: reviewID, AreaID: p.AreaID, Start: p.Start, Days: p.Days, Notes: p.Notes}
	if c.areaName != nil {
		v.AreaName = *c.areaName
	}
	for _, m := range c.team {
		place := p.Members[m.ID]
		t := TeamMember{MemberID: m.ID, UserID: m.UserID, Name: m.Name, Role: auth.ReviewRole(m.Role),
			Inspectorate: cmp.Or(place.Inspectorate, m.Inspectorate), JobTitle: cmp.Or(place.JobTitle, m.JobTitle),
			VisitInspectorate: place.Inspectorate, VisitJobTitle: place.JobTitle}
		t.Days = slices.Clone(p.Team[m.ID])
		slices.SortFunc(t.Days, time.Time.Compare)
		v.Team = append(v.Team, t)
	}
	return v
}
