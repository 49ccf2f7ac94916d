package visit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// Every statement names the tenant explicitly on top of row-level security. Names of areas, people
// and reviews are read by joins here rather than through other packages.

// Refused is a change the rules forbid (a clash, a day outside fieldwork, an area or person not of
// the review): the transaction must roll back, and the form is shown again with these errors.
type Refused struct {
	Errors *form.Errors
	raced  bool // the team's unique key refused a day someone took since the check; the transaction is spoilt
}

func (r *Refused) Error() string {
	var msgs []string
	for _, e := range r.Errors.List() {
		msgs = append(msgs, e.Field+": "+e.Message)
	}
	return "visit: refused: " + strings.Join(msgs, "; ")
}

// StaleMessage is what a version mismatch says.
const StaleMessage = "Someone else changed this visit while you were looking at it. Go back, reload the page to see the latest details, and try again."

// GetReview reads the review's title and fieldwork window.
func GetReview(ctx context.Context, q db.Querier, tenantID, reviewID string) (ReviewInfo, error) {
	if !db.ValidUUID(reviewID) {
		return ReviewInfo{}, apperr.NotFound("Review not found")
	}
	r := ReviewInfo{ID: reviewID}
	err := q.QueryRow(ctx, `SELECT title, fieldwork_start, fieldwork_end FROM reviews WHERE tenant_id = $1 AND id = $2`,
		tenantID, reviewID).Scan(&r.Title, &r.FieldworkStart, &r.FieldworkEnd)
	if errors.Is(err, pgx.ErrNoRows) {
		return ReviewInfo{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return ReviewInfo{}, fmt.Errorf("visit: review %s: %w", reviewID, err)
	}
	return r, nil
}

// Areas lists the review's areas by name.
func Areas(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Area, error) {
	rows, err := q.Query(ctx, `SELECT a.id, la.display_name, a.ons_code FROM review_areas a
		JOIN local_authorities la ON la.ons_code = a.ons_code
		WHERE a.tenant_id = $1 AND a.review_id = $2 ORDER BY la.display_name, a.id`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("visit: areas of %s: %w", reviewID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Area, error) {
		var a Area
		return a, r.Scan(&a.ID, &a.Name, &a.ONSCode)
	})
	if err != nil {
		return nil, fmt.Errorf("visit: areas of %s: %w", reviewID, err)
	}
	return out, nil
}

// EligibleMembers lists the review's leads and inspectors, who may be on a visit team, by name.
func EligibleMembers(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]TeamMember, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.user_id, u.name, m.role, coalesce(m.inspectorate, ''), coalesce(m.job_title, '')
		FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.role IN ('lead', 'inspector')
		ORDER BY u.name, m.id`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("visit: team members of %s: %w", reviewID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamMember, error) {
		var m TeamMember
		var role string
		err := r.Scan(&m.MemberID, &m.UserID, &m.Name, &role, &m.Inspectorate, &m.JobTitle)
		m.Role = auth.ReviewRole(role)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("visit: team members of %s: %w", reviewID, err)
	}
	return out, nil
}

const visitSelect = `SELECT v.id, v.review_id, r.title, v.area_id, la.display_name, la.ons_code, v.start_date, v.days, v.notes, v.version
	FROM visits v
	JOIN reviews r ON r.tenant_id = v.tenant_id AND r.id = v.review_id
	JOIN review_areas a ON a.tenant_id = v.tenant_id AND a.id = v.area_id
	JOIN local_authorities la ON la.ons_code = a.ons_code
	WHERE v.tenant_id = $1 `

// visitOrder puts visits by date, those whose start is not known yet last.
const visitOrder = ` ORDER BY v.start_date NULLS LAST, la.display_name, v.id`

func scanVisit(r pgx.CollectableRow) (Visit, error) {
	var v Visit
	var start *time.Time
	err := r.Scan(&v.ID, &v.ReviewID, &v.ReviewTitle, &v.AreaID, &v.AreaName, &v.ONSCode, &start, &v.Days, &v.Notes, &v.Version)
	if start != nil {
		v.Start = *start
	}
	return v, err
}

// teamRows is the (visit, member) pairs of a visit's team, for visits matching cond (on d and vm,
// the tables visit_days and visit_members, of tenant $1): everyone with a visit_members row, and
// anyone with days (the store writes both, but a person with days is on the team regardless).
func teamRows(cond string) string {
	return `(SELECT vm.visit_id, vm.member_id FROM visit_members vm WHERE vm.tenant_id = $1 AND ` + cond + `
		UNION SELECT d.visit_id, d.member_id FROM visit_days d WHERE d.tenant_id = $1 AND ` +
		strings.ReplaceAll(cond, "vm.", "d.") + `)`
}

// teamCols are a team member's columns, for t (a teamRows pair) joined to m (review_members), u
// (users) and o (their visit_members row, if any): the values on the visit, the visit's own values
// and their days on site.
const teamCols = `m.id, m.user_id, u.name, m.role,
	coalesce(o.inspectorate, m.inspectorate, '') AS inspectorate, coalesce(o.job_title, m.job_title, '') AS job_title,
	coalesce(o.inspectorate, '') AS visit_inspectorate, coalesce(o.job_title, '') AS visit_job_title,
	coalesce((SELECT array_agg(d.day ORDER BY d.day) FROM visit_days d
		WHERE d.tenant_id = m.tenant_id AND d.visit_id = t.visit_id AND d.member_id = t.member_id), '{}') AS days`

const teamJoins = `JOIN review_members m ON m.tenant_id = $1 AND m.id = t.member_id
	JOIN users u ON u.id = m.user_id
	LEFT JOIN visit_members o ON o.tenant_id = $1 AND o.visit_id = t.visit_id AND o.member_id = t.member_id`

// queryVisits runs a visit query and then reads every team of the result in one more query.
func queryVisits(ctx context.Context, q db.Querier, op, tenantID, sql string, args ...any) ([]Visit, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("visit: %s: %w", op, err)
	}
	visits, err := pgx.CollectRows(rows, scanVisit)
	if err != nil {
		return nil, fmt.Errorf("visit: %s: %w", op, err)
	}
	if len(visits) == 0 {
		return visits, nil
	}
	ids := make([]string, len(visits))
	for i, v := range visits {
		ids[i] = v.ID
	}
	teams, err := loadTeams(ctx, q, tenantID, ids)
	if err != nil {
		return nil, err
	}
	for i := range visits {
		visits[i].Team = teams[visits[i].ID]
	}
	return visits, nil
}

// loadTeams reads the teams of several visits in one query: visit id → members with their days.
func loadTeams(ctx context.Context, q db.Querier, tenantID string, visitIDs []string) (map[string][]TeamMember, error) {
	rows, err := q.Query(ctx, `SELECT t.visit_id, `+teamCols+`
		FROM `+teamRows(`vm.visit_id = ANY($2::uuid[])`)+` t `+teamJoins+`
		ORDER BY t.visit_id, u.name, m.id`, tenantID, visitIDs)
	if err != nil {
		return nil, fmt.Errorf("visit: teams: %w", err)
	}
	defer rows.Close()
	out := map[string][]TeamMember{}
	for rows.Next() {
		var visitID, role string
		var m TeamMember
		if err := rows.Scan(&visitID, &m.MemberID, &m.UserID, &m.Name, &role, &m.Inspectorate, &m.JobTitle,
			&m.VisitInspectorate, &m.VisitJobTitle, &m.Days); err != nil {
			return nil, fmt.Errorf("visit: scan team: %w", err)
		}
		m.Role = auth.ReviewRole(role)
		if len(m.Days) == 0 {
			m.Days = nil // as Get reads it
		}
		out[visitID] = append(out[visitID], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visit: teams: %w", err)
	}
	return out, nil
}

// List reads a review's visits by date with their areas and teams, in two queries. A non-empty
// areaID keeps only that area's visits (what a local authority contact sees).
func List(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) ([]Visit, error) {
	if areaID != "" {
		return queryVisits(ctx, q, "list "+reviewID, tenantID, visitSelect+`AND v.review_id = $2 AND v.area_id = $3`+visitOrder,
			tenantID, reviewID, areaID)
	}
	return queryVisits(ctx, q, "list "+reviewID, tenantID, visitSelect+`AND v.review_id = $2`+visitOrder, tenantID, reviewID)
}

// Get reads one visit of a review with its team, in one statement. A malformed or unknown id, or a
// visit of another review, is not found.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, visitID string) (Visit, error) {
	_, v, err := GetWithReview(ctx, q, tenantID, reviewID, visitID)
	return v, err
}

// teamJSON is a visit's team as JSON (members by name, each with their days), for one visit v of
// tenant $1: the same as loadTeams reads for several.
var teamJSON = `(SELECT json_agg(json_build_object('MemberID', x.id, 'UserID', x.user_id, 'Name', x.name, 'Role', x.role,
		'Inspectorate', x.inspectorate, 'JobTitle', x.job_title, 'VisitInspectorate', x.visit_inspectorate,
		'VisitJobTitle', x.visit_job_title, 'Days', x.days) ORDER BY x.name, x.id)
	FROM (SELECT ` + teamCols + `
		FROM ` + teamRows(`vm.visit_id = v.id`) + ` t ` + teamJoins + `) x)`

// memberList decodes team members from JSON, days given as YYYY-MM-DD (read as UTC midnight, as
// pgx reads a date).
type memberList []TeamMember

func (l *memberList) UnmarshalJSON(b []byte) error {
	var raw []struct {
		MemberID, UserID, Name, Role, Inspectorate, JobTitle string
		VisitInspectorate, VisitJobTitle                     string
		Days                                                 []string
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*l = nil
		return nil
	}
	out := make(memberList, len(raw))
	for i, m := range raw {
		out[i] = TeamMember{MemberID: m.MemberID, UserID: m.UserID, Name: m.Name, Role: auth.ReviewRole(m.Role),
			Inspectorate: m.Inspectorate, JobTitle: m.JobTitle, VisitInspectorate: m.VisitInspectorate,
			VisitJobTitle: m.VisitJobTitle}
		for _, d := range m.Days {
			day, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return err
			}
			out[i].Days = append(out[i].Days, day)
		}
	}
	*l = out
	return nil
}

// GetWithReview reads one visit of a review with its team, and the review's title and fieldwork
// window, in one statement. A malformed or unknown id, or a visit of another review, is not found.
func GetWithReview(ctx context.Context, q db.Querier, tenantID, reviewID, visitID string) (ReviewInfo, Visit, error) {
	if !db.ValidUUID(visitID) || !db.ValidUUID(reviewID) {
		return ReviewInfo{}, Visit{}, apperr.NotFound("Visit not found")
	}
	rv := ReviewInfo{ID: reviewID}
	var v Visit
	var start *time.Time
	var team memberList
	err := q.QueryRow(ctx, `SELECT v.id, v.review_id, r.title, v.area_id, la.display_name, la.ons_code, v.start_date,
			v.days, v.notes, v.version, r.fieldwork_start, r.fieldwork_end, `+teamJSON+`
		FROM visits v
		JOIN reviews r ON r.tenant_id = v.tenant_id AND r.id = v.review_id
		JOIN review_areas a ON a.tenant_id = v.tenant_id AND a.id = v.area_id
		JOIN local_authorities la ON la.ons_code = a.ons_code
		WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.id = $3`, tenantID, reviewID, visitID).
		Scan(&v.ID, &v.ReviewID, &v.ReviewTitle, &v.AreaID, &v.AreaName, &v.ONSCode, &start, &v.Days, &v.Notes,
			&v.Version, &rv.FieldworkStart, &rv.FieldworkEnd, &team)
	if errors.Is(err, pgx.ErrNoRows) {
		return ReviewInfo{}, Visit{}, apperr.NotFound("Visit not found")
	}
	if err != nil {
		return ReviewInfo{}, Visit{}, fmt.Errorf("visit: get %s: %w", visitID, err)
	}
	rv.Title, v.Team = v.ReviewTitle, team
	if start != nil {
		v.Start = *start
	}
	return rv, v, nil
}

// Options are what the visit form offers: the review's title and fieldwork window, its areas by
// name, the people who may be on a team (as Areas and EligibleMembers), and the review's lists of
// inspectorates and team roles, in their order.
type Options struct {
	Review        ReviewInfo
	Areas         []Area
	Eligible      []TeamMember
	Inspectorates []string
	TeamRoles     []string
}

// FormLists reads what the visit form offers, in one statement.
func FormLists(ctx context.Context, q db.Querier, tenantID, reviewID string) (Options, error) {
	if !db.ValidUUID(reviewID) {
		return Options{}, apperr.NotFound("Review not found")
	}
	o := Options{Review: ReviewInfo{ID: reviewID}}
	var members memberList
	err := q.QueryRow(ctx, `SELECT r.title, r.fieldwork_start, r.fieldwork_end,
			(SELECT coalesce(json_agg(json_build_object('ID', a.id, 'Name', la.display_name, 'ONSCode', a.ons_code)
				ORDER BY la.display_name, a.id), '[]')
				FROM review_areas a JOIN local_authorities la ON la.ons_code = a.ons_code
				WHERE a.tenant_id = $1 AND a.review_id = $2),
			(SELECT coalesce(json_agg(json_build_object('MemberID', m.id, 'UserID', m.user_id, 'Name', u.name,
					'Role', m.role, 'Inspectorate', m.inspectorate, 'JobTitle', m.job_title) ORDER BY u.name, m.id), '[]')
				FROM review_members m JOIN users u ON u.id = m.user_id
				WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.role IN ('lead', 'inspector')),
			(SELECT coalesce(array_agg(name ORDER BY position, lower(name), id), '{}') FROM review_inspectorates
				WHERE tenant_id = $1 AND review_id = $2),
			(SELECT coalesce(array_agg(name ORDER BY position, lower(name), id), '{}') FROM review_team_roles
				WHERE tenant_id = $1 AND review_id = $2)
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID).
		Scan(&o.Review.Title, &o.Review.FieldworkStart, &o.Review.FieldworkEnd, &o.Areas, &members, &o.Inspectorates,
			&o.TeamRoles)
	if errors.Is(err, pgx.ErrNoRows) {
		return Options{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Options{}, fmt.Errorf("visit: form lists of %s: %w", reviewID, err)
	}
	o.Eligible = members
	return o, nil
}

// ForUser reads, across the tenant's reviews, every visit the user is on the team of, and every
// visit to an area they are the local authority contact for, by date. Days imported with a copy
// of a review are a record of the original's visits, not plans: they are left out, so a person's
// list and calendar feed do not show a visit twice.
func ForUser(ctx context.Context, q db.Querier, tenantID, userID string) ([]Visit, error) {
	return queryVisits(ctx, q, "visits of user "+userID, tenantID, visitSelect+`AND (
			EXISTS (SELECT 1 FROM visit_days d WHERE d.tenant_id = $1 AND d.visit_id = v.id AND d.user_id = $2 AND NOT d.imported)
			OR EXISTS (SELECT 1 FROM visit_members vm JOIN review_members m ON m.tenant_id = vm.tenant_id AND m.id = vm.member_id
				WHERE vm.tenant_id = $1 AND vm.visit_id = v.id AND m.user_id = $2
				AND NOT EXISTS (SELECT 1 FROM visit_days d WHERE d.tenant_id = $1 AND d.visit_id = v.id AND d.member_id = vm.member_id AND d.imported))
			OR EXISTS (SELECT 1 FROM review_members m WHERE m.tenant_id = $1 AND m.review_id = v.review_id
				AND m.user_id = $2 AND m.role = 'la_contact' AND m.area_id = v.area_id))`+visitOrder, tenantID, userID)
}

// --- Checks ---

func articled(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func nullID(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// --- Changes ---

// Create schedules a visit after checking it, and returns its id. A form sent twice finds the
// visit the first request made (same area, dates, notes and team) and returns it with duplicate
// set, writing nothing: the review lock makes the two requests take turns.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, p Plan) (id string, duplicate bool, err error) {
	v, duplicate, err := create(ctx, tx, tenantID, reviewID, p, nil, true)
	return v.ID, duplicate, err
}

// create schedules a visit in three statements: one locks the review (so that a form sent twice
// takes turns) and draws the new id, one looks for the same visit made already and reads
// everything the checks need, one writes the visit, its team and, when entry is given, the audit
// entry it makes of the visit. It answers the visit as written (only its id when a duplicate).
func create(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, p Plan, entry func(Visit) audit.Event, savepoint bool) (v Visit, duplicate bool, err error) {
	if !db.ValidUUID(reviewID) {
		return Visit{}, false, apperr.NotFound("Review not found")
	}
	var stage []string
	var id string
	err = tx.QueryRow(ctx, `SELECT ARRAY[status, (evidence_locked_at IS NOT NULL)::text], gen_random_uuid()::text
		FROM reviews WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, tenantID, reviewID).Scan(&stage, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Visit{}, false, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Visit{}, false, fmt.Errorf("visit: lock review %s: %w", reviewID, err)
	}
	if err := review.Status(stage[0]).Verdict(review.ChangeSetup, stage[1] == "true"); err != nil {
		return Visit{}, false, err
	}
	args, badTeam := planArgs(p)
	var rv ReviewInfo
	var c checkRead
	var same []struct {
		ID   string
		Team memberList
	}
	err = tx.QueryRow(ctx, `SELECT r.fieldwork_start, r.fieldwork_end,
			(SELECT coalesce(json_agg(json_build_object('ID', v.id, 'Team', coalesce(`+teamJSON+`, '[]'::json))), '[]')
				FROM visits v WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.area_id = $4::uuid
				AND v.start_date IS NOT DISTINCT FROM $5::date AND v.days = $12 AND v.notes = $13),
			`+checkCols+`
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		append(append([]any{tenantID, reviewID, nil}, args...), p.Days, p.Notes)...).
		Scan(append([]any{&rv.FieldworkStart, &rv.FieldworkEnd, &same}, c.dest()...)...)
	if err != nil {
		return Visit{}, false, fmt.Errorf("visit: check plan in %s: %w", reviewID, err)
	}
	for _, s := range same {
		if sameTeam(s.Team, p) {
			return Visit{ID: s.ID}, true, nil
		}
	}
	if errs := c.errors(reviewID, rv, p, badTeam); errs.Any() {
		return Visit{}, false, &Refused{Errors: errs}
	}
	v = c.planned(id, reviewID, p)
	wargs := []any{tenantID, reviewID, id, p.AreaID, startOf(p), p.Days, p.Notes, args[3], args[4], args[5], args[6], args[7]}
	write := `SELECT 1`
	if entry != nil {
		if write, wargs, err = audit.Insert(ctx, entry(v), wargs); err != nil {
			return Visit{}, false, err
		}
	}
	members := args[6].([]string)
	// The team's rows wait for the visit's (they read its count): their keys refer to it.
	nMembers, nDays, err := writeVisit(ctx, tx, savepoint, tenantID, reviewID, "", p, `WITH v AS (INSERT INTO visits (id, tenant_id, review_id, area_id, start_date, days, notes)
			VALUES ($3, $1, $2, $4, $5, $6, $7) RETURNING 1),
		new_members AS (INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, inspectorate, job_title)
			SELECT $1, $3, m.id, $2, nullif(w.insp, ''), nullif(w.job, '')
			FROM unnest($8::uuid[], $9::text[], $10::text[]) AS w (member_id, insp, job)
			JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.id = w.member_id
				AND m.role IN ('lead', 'inspector')
			WHERE (SELECT count(*) FROM v) = 1
			RETURNING 1),
		new_days AS (INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day)
			SELECT $1, $3, m.id, m.user_id, w.day FROM unnest($11::uuid[], $12::date[]) AS w (member_id, day)
			JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.id = w.member_id
				AND m.role IN ('lead', 'inspector')
			WHERE (SELECT count(*) FROM v) = 1
			RETURNING 1),
		entry AS (`+write+`)
		SELECT (SELECT count(*) FROM new_members), (SELECT count(*) FROM new_days)`, wargs...)
	if err != nil {
		return Visit{}, false, err
	}
	if nMembers != len(p.OnTeam()) || nDays != len(members) {
		// A member was removed from the review or changed role since the check.
		errs := &form.Errors{}
		errs.Add("team", "Choose people who are leads or inspectors of this review")
		return Visit{}, false, &Refused{Errors: errs}
	}
	return v, false, nil
}

// writeVisit runs the statement that writes a visit and its team (sql, answering how many
// members and days it wrote). A day someone else took since the check breaks the unique key on
// people's days: with savepoint the statement runs in one, rolled back to find the clash as the
// checks tell it (two more statements, for callers that do not count them); without, the refusal
// says raced and the transaction cannot be used again.
func writeVisit(ctx context.Context, tx pgx.Tx, savepoint bool, tenantID, reviewID, exceptVisitID string, p Plan, sql string, args ...any) (nMembers, nDays int, err error) {
	q := tx
	if savepoint {
		if q, err = tx.Begin(ctx); err != nil {
			return 0, 0, fmt.Errorf("visit: savepoint: %w", err)
		}
		defer func() { _ = q.Rollback(ctx) }()
	}
	err = q.QueryRow(ctx, sql, args...).Scan(&nMembers, &nDays)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23503":
		errs := &form.Errors{}
		errs.Add("team", "Someone else changed the review’s lists at the same time. Check the team and try again.")
		return 0, 0, &Refused{Errors: errs, raced: !savepoint}
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		errs := &form.Errors{}
		if savepoint {
			if err := q.Rollback(ctx); err != nil {
				return 0, 0, fmt.Errorf("visit: roll back to savepoint: %w", err)
			}
			if errs, err = Check(ctx, tx, tenantID, reviewID, exceptVisitID, p); err != nil {
				return 0, 0, err
			}
		}
		if !errs.Any() {
			errs.Add("team", "Someone else changed a visit of one of these people at the same time. Check the team and try again.")
		}
		return 0, 0, &Refused{Errors: errs, raced: !savepoint}
	case err != nil:
		return 0, 0, fmt.Errorf("visit: write visit in %s: %w", reviewID, err)
	}
	if savepoint {
		if err := q.Commit(ctx); err != nil {
			return 0, 0, fmt.Errorf("visit: release savepoint: %w", err)
		}
	}
	return nMembers, nDays, nil
}

// startOf is the plan's start for the database: NULL while it is not known.
func startOf(p Plan) *time.Time {
	if p.Start.IsZero() {
		return nil
	}
	return &p.Start
}

// sameTeam reports whether a visit's team is the planned one: the same people, days and places.
func sameTeam(team []TeamMember, p Plan) bool {
	if len(team) != len(p.OnTeam()) {
		return false
	}
	for _, m := range team {
		place, on := p.Members[m.MemberID]
		if !on && len(p.Team[m.MemberID]) == 0 || !slices.EqualFunc(m.Days, p.Team[m.MemberID], time.Time.Equal) ||
			m.VisitInspectorate != place.Inspectorate || m.VisitJobTitle != place.JobTitle {
			return false
		}
	}
	return true
}

// Update changes a visit after checking it, if version is still the visit's; it returns the visit
// as it was. A form sent twice finds the visit already as asked: changed is then false and
// nothing is written. seesArea (nil: any) says whether the actor may see the visit's area.
// Two statements: one locks the review and the visit and reads the visit with everything the
// checks need, one writes the visit and its team.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, visitID string, version int, p Plan) (before Visit, changed bool, err error) {
	return update(ctx, tx, tenantID, reviewID, visitID, version, p, nil, true)
}

func update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, visitID string, version int, p Plan, seesArea func(string) bool, savepoint bool) (before Visit, changed bool, err error) {
	if !db.ValidUUID(visitID) || !db.ValidUUID(reviewID) {
		return Visit{}, false, apperr.NotFound("Visit not found")
	}
	args, badTeam := planArgs(p)
	var rv ReviewInfo
	var start *time.Time
	var team memberList
	var stage []string
	var c checkRead
	err = tx.QueryRow(ctx, `SELECT v.id, v.review_id, r.title, v.area_id, la.display_name, la.ons_code, v.start_date,
			v.days, v.notes, v.version, r.fieldwork_start, r.fieldwork_end, `+teamJSON+`,
			(SELECT ARRAY[rl.status, (rl.evidence_locked_at IS NOT NULL)::text] FROM reviews rl
				WHERE rl.tenant_id = $1 AND rl.id = $2 FOR NO KEY UPDATE),
			`+checkCols+`
		FROM visits v
		JOIN reviews r ON r.tenant_id = v.tenant_id AND r.id = v.review_id
		JOIN review_areas a ON a.tenant_id = v.tenant_id AND a.id = v.area_id
		JOIN local_authorities la ON la.ons_code = a.ons_code
		WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.id = $3
		FOR UPDATE OF v`, append([]any{tenantID, reviewID, visitID}, args...)...).
		Scan(append([]any{&before.ID, &before.ReviewID, &before.ReviewTitle, &before.AreaID, &before.AreaName, &before.ONSCode,
			&start, &before.Days, &before.Notes, &before.Version, &rv.FieldworkStart, &rv.FieldworkEnd, &team, &stage},
			c.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Visit{}, false, apperr.NotFound("Visit not found")
	}
	if err != nil {
		return Visit{}, false, fmt.Errorf("visit: read %s to change: %w", visitID, err)
	}
	before.Team = team
	if start != nil {
		before.Start = *start
	}
	if seesArea != nil && !seesArea(before.AreaID) {
		return Visit{}, false, apperr.NotFound("Visit not found")
	}
	if len(stage) != 2 {
		return Visit{}, false, apperr.NotFound("Review not found")
	}
	if err := review.Status(stage[0]).Verdict(review.ChangeSetup, stage[1] == "true"); err != nil {
		return Visit{}, false, err
	}
	if before.Version != version {
		if before.AreaID == p.AreaID && before.Start.Equal(p.Start) && before.Days == p.Days && before.Notes == p.Notes && sameTeam(before.Team, p) {
			return before, false, nil
		}
		return Visit{}, false, apperr.Conflict(StaleMessage)
	}
	if errs := c.errors(reviewID, rv, p, badTeam); errs.Any() {
		return Visit{}, false, &Refused{Errors: errs}
	}
	// The old team goes before the new one is written (the inserts read the deletes' counts, so
	// that they run after them): a person's days are unique, this visit's included.
	ids, insps, roles, members, days := args[3], args[4], args[5], args[6], args[7]
	nMembers, nDays, err := writeVisit(ctx, tx, savepoint, tenantID, reviewID, visitID, p, `WITH v AS (UPDATE visits SET area_id = $4, start_date = $5, days = $6, notes = $7, version = version + 1
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3),
		old_days AS (DELETE FROM visit_days WHERE tenant_id = $1 AND visit_id = $3 RETURNING 1),
		old_members AS (DELETE FROM visit_members WHERE tenant_id = $1 AND visit_id = $3 RETURNING 1),
		new_members AS (INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, inspectorate, job_title)
			SELECT $1, $3, m.id, $2, nullif(w.insp, ''), nullif(w.job, '')
			FROM unnest($8::uuid[], $9::text[], $10::text[]) AS w (member_id, insp, job)
			JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.id = w.member_id
				AND m.role IN ('lead', 'inspector')
			WHERE (SELECT count(*) FROM old_members) >= 0
			RETURNING 1),
		new_days AS (INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day)
			SELECT $1, $3, m.id, m.user_id, w.day FROM unnest($11::uuid[], $12::date[]) AS w (member_id, day)
			JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.id = w.member_id
				AND m.role IN ('lead', 'inspector')
			WHERE (SELECT count(*) FROM old_days) >= 0
			RETURNING 1)
		SELECT (SELECT count(*) FROM new_members), (SELECT count(*) FROM new_days)`,
		tenantID, reviewID, visitID, p.AreaID, startOf(p), p.Days, p.Notes, ids, insps, roles, members, days)
	if err != nil {
		return Visit{}, false, err
	}
	if nMembers != len(p.OnTeam()) || nDays != len(members.([]string)) {
		// A member was removed from the review or changed role since the check.
		errs := &form.Errors{}
		errs.Add("team", "Choose people who are leads or inspectors of this review")
		return Visit{}, false, &Refused{Errors: errs}
	}
	return before, true, nil
}

// Delete removes a visit and its team days, if version is still the visit's; it returns the visit
// as it was.
func Delete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, visitID string, version int) (Visit, error) {
	return remove(ctx, tx, tenantID, reviewID, visitID, version, nil, nil)
}

// remove is Delete in three statements: the review and the visit locked (the stage and the
// version checked), the visit read, and the delete with the audit entry entry makes (nil: none).
func remove(ctx context.Context, tx pgx.Tx, tenantID, reviewID, visitID string, version int, seesArea func(string) bool, entry func(Visit) audit.Event) (Visit, error) {
	if !db.ValidUUID(visitID) || !db.ValidUUID(reviewID) {
		return Visit{}, apperr.NotFound("Visit not found")
	}
	var stage []string
	var current int
	err := tx.QueryRow(ctx, `SELECT (SELECT ARRAY[r.status, (r.evidence_locked_at IS NOT NULL)::text] FROM reviews r
			WHERE r.tenant_id = $1 AND r.id = $2 FOR NO KEY UPDATE), v.version
		FROM visits v WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.id = $3 FOR UPDATE OF v`,
		tenantID, reviewID, visitID).Scan(&stage, &current)
	if errors.Is(err, pgx.ErrNoRows) {
		return Visit{}, apperr.NotFound("Visit not found")
	}
	if err != nil {
		return Visit{}, fmt.Errorf("visit: lock %s: %w", visitID, err)
	}
	before, err := Get(ctx, tx, tenantID, reviewID, visitID)
	if err != nil {
		return Visit{}, err
	}
	if seesArea != nil && !seesArea(before.AreaID) {
		return Visit{}, apperr.NotFound("Visit not found")
	}
	if len(stage) != 2 {
		return Visit{}, apperr.NotFound("Review not found")
	}
	if err := review.Status(stage[0]).Verdict(review.ChangeSetup, stage[1] == "true"); err != nil {
		return Visit{}, err
	}
	if current != version {
		return Visit{}, apperr.Conflict(StaleMessage)
	}
	sql, args := `SELECT 1`, []any{tenantID, reviewID, visitID}
	if entry != nil {
		if sql, args, err = audit.Insert(ctx, entry(before), args); err != nil {
			return Visit{}, err
		}
	}
	if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM visits WHERE tenant_id = $1 AND review_id = $2 AND id = $3),
		entry AS (`+sql+`)
		SELECT 1`, args...); err != nil {
		return Visit{}, fmt.Errorf("visit: delete %s: %w", visitID, err)
	}
	return before, nil
}

// --- Calendar feeds ---

// Feed says when the user's calendar feed token was made, or nil when they have none.
func Feed(ctx context.Context, q db.Querier, tenantID, userID string) (*time.Time, error) {
	var created time.Time
	err := q.QueryRow(ctx, `SELECT created_at FROM calendar_feeds WHERE tenant_id = $1 AND user_id = $2`,
		tenantID, userID).Scan(&created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("visit: calendar feed of %s: %w", userID, err)
	}
	return &created, nil
}

// SaveFeed stores the hash of the user's new feed token, replacing any earlier one (which stops
// working). It reports whether there was one.
func SaveFeed(ctx context.Context, q db.Querier, tenantID, userID string, hash []byte) (replaced bool, err error) {
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calendar_feeds WHERE tenant_id = $1 AND user_id = $2)`,
		tenantID, userID).Scan(&replaced)
	if err != nil {
		return false, fmt.Errorf("visit: read calendar feed of %s: %w", userID, err)
	}
	_, err = q.Exec(ctx, `INSERT INTO calendar_feeds (tenant_id, user_id, token_hash) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`,
		tenantID, userID, hash)
	if err != nil {
		return false, fmt.Errorf("visit: save calendar feed of %s: %w", userID, err)
	}
	return replaced, nil
}

// RevokeFeed deletes the user's feed token; it reports whether there was one.
func RevokeFeed(ctx context.Context, q db.Querier, tenantID, userID string) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM calendar_feeds WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	if err != nil {
		return false, fmt.Errorf("visit: revoke calendar feed of %s: %w", userID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// FeedOwner finds whose feed a token hash is, before any tenant is known, through the SECURITY
// DEFINER function calendar_feed_owner (an active membership only). Unknown: not found.
func FeedOwner(ctx context.Context, q db.Querier, hash []byte) (tenantID, userID string, err error) {
	err = q.QueryRow(ctx, `SELECT tenant_id, user_id FROM calendar_feed_owner($1)`, hash).Scan(&tenantID, &userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", apperr.NotFound("Calendar not found")
	}
	if err != nil {
		return "", "", fmt.Errorf("visit: calendar feed owner: %w", err)
	}
	return tenantID, userID, nil
}

// TenantName reads the tenant's name, for the calendar's name.
func TenantName(ctx context.Context, q db.Querier, tenantID string) (string, error) {
	var name string
	if err := q.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1`, tenantID).Scan(&name); err != nil {
		return "", fmt.Errorf("visit: tenant %s: %w", tenantID, err)
	}
	return name, nil
}
