package area

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/review"
)

// MaxQuery is the longest search the local authority search accepts.
const MaxQuery = 100

// ErrUnknown says an ONS code names no local authority in the reference list.
var ErrUnknown = errors.New("area: no local authority with that ONS code")

// DuplicateError says the local authority is already one of the review's areas.
type DuplicateError struct{ Name string }

func (e *DuplicateError) Error() string { return e.Name + " is already in this review" }

// NormaliseQuery trims a search and collapses its spaces.
func NormaliseQuery(s string) string { return strings.Join(strings.Fields(s), " ") }

// NormaliseCode upper-cases and trims an ONS code as typed.
func NormaliseCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Search finds local authorities whose name contains the query, case-insensitively (the official
// name, or its "City of Bristol" form), or whose ONS code starts with it. Names that start with the
// query come first. A blank query finds nothing.
func Search(ctx context.Context, q db.Querier, query string, limit int) ([]LocalAuthority, error) {
	query = NormaliseQuery(query)
	if query == "" || utf8.RuneCountInString(query) > MaxQuery {
		return nil, nil
	}
	if limit <= 0 {
		limit = 20
	}
	rows, err := q.Query(ctx, `SELECT ons_code, name, dfe_la_code, region, type FROM local_authorities
		WHERE strpos(lower(name), lower($1)) > 0
			OR (strpos(name, ', ') > 0 AND strpos(lower(split_part(name, ', ', 2) || ' ' || split_part(name, ', ', 1)), lower($1)) > 0)
			OR starts_with(ons_code, upper($1))
		ORDER BY starts_with(lower(name), lower($1)) DESC, name
		LIMIT $2`, query, limit)
	if err != nil {
		return nil, fmt.Errorf("area: search %q: %w", query, err)
	}
	list, err := pgx.CollectRows(rows, scanAuthority)
	if err != nil {
		return nil, fmt.Errorf("area: search %q: %w", query, err)
	}
	return list, nil
}

func scanAuthority(r pgx.CollectableRow) (LocalAuthority, error) {
	var la LocalAuthority
	err := r.Scan(&la.ONSCode, &la.Name, &la.DfECode, &la.Region, &la.Type)
	return la, err
}

// Authority reads one local authority of the reference list: ErrUnknown when there is none.
func Authority(ctx context.Context, q db.Querier, onsCode string) (LocalAuthority, error) {
	rows, err := q.Query(ctx, `SELECT ons_code, name, dfe_la_code, region, type FROM local_authorities WHERE ons_code = $1`,
		NormaliseCode(onsCode))
	if err != nil {
		return LocalAuthority{}, fmt.Errorf("area: authority %q: %w", onsCode, err)
	}
	la, err := pgx.CollectExactlyOneRow(rows, scanAuthority)
	if errors.Is(err, pgx.ErrNoRows) {
		return LocalAuthority{}, ErrUnknown
	}
	if err != nil {
		return LocalAuthority{}, fmt.Errorf("area: authority %q: %w", onsCode, err)
	}
	return la, nil
}

// Add makes a local authority one of the review's areas. It answers ErrUnknown for a code not in
// the reference list and *DuplicateError when the review already has it: the unique key
// (tenant_id, review_id, ons_code) makes a second, double-submitted add find the first.
func Add(ctx context.Context, q db.Querier, tenantID, reviewID, onsCode string) (Area, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Area{}, err
	}
	code := NormaliseCode(onsCode)
	la, err := Authority(ctx, q, code)
	if err != nil {
		return Area{}, err
	}
	var a Area
	err = q.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, review_id, ons_code) DO NOTHING RETURNING id, created_at`,
		tenantID, reviewID, code).Scan(&a.ID, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Area{}, &DuplicateError{Name: la.DisplayName()}
	}
	if err != nil {
		return Area{}, fmt.Errorf("area: add %s to review %s: %w", code, reviewID, err)
	}
	a.ReviewID, a.ONSCode, a.Name, a.Region, a.Type = reviewID, la.ONSCode, la.DisplayName(), la.Region, la.Type
	return a, nil
}

// Remove takes an area out of a review and returns it as it was. An area that has visits, a
// local authority contact or a pending invitation of one is refused with *InUseError naming
// them. The area's row is locked first, so a visit or contact added meanwhile either waits and is
// then refused by its foreign key, or is seen here.
func Remove(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Area, error) {
	if !db.ValidUUID(areaID) {
		return Area{}, apperr.NotFound("Area not found")
	}
	// The area is read and locked in one statement.
	rows, err := q.Query(ctx, areaSelect+` AND ra.id = $3 FOR UPDATE OF ra`, tenantID, reviewID, areaID)
	if err != nil {
		return Area{}, fmt.Errorf("area: lock %s: %w", areaID, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanArea)
	if errors.Is(err, pgx.ErrNoRows) {
		return Area{}, apperr.NotFound("Area not found")
	}
	if err != nil {
		return Area{}, fmt.Errorf("area: lock %s: %w", areaID, err)
	}
	inUse := &InUseError{Area: a.Name, Visits: len(a.Visits)}
	rows, err = q.Query(ctx, `SELECT 'contact', u.name FROM review_members m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.area_id = $3
		UNION ALL
		SELECT 'invite', i.email FROM review_member_invites i
			WHERE i.tenant_id = $1 AND i.review_id = $2 AND i.area_id = $3
		ORDER BY 1, 2`, tenantID, reviewID, areaID)
	if err != nil {
		return Area{}, fmt.Errorf("area: people of %s: %w", areaID, err)
	}
	for rows.Next() {
		var kind, who string
		if err := rows.Scan(&kind, &who); err != nil {
			rows.Close()
			return Area{}, fmt.Errorf("area: people of %s: %w", areaID, err)
		}
		if kind == "contact" {
			inUse.Contacts = append(inUse.Contacts, who)
		} else {
			inUse.Invites = append(inUse.Invites, who)
		}
	}
	if err := rows.Err(); err != nil {
		return Area{}, fmt.Errorf("area: people of %s: %w", areaID, err)
	}
	if inUse.Visits > 0 || len(inUse.Contacts) > 0 || len(inUse.Invites) > 0 {
		return a, inUse
	}
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Area{}, err
	}
	if _, err := q.Exec(ctx, `DELETE FROM review_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, areaID); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" {
			// Something began to use the area after the checks above.
			return a, &InUseError{Area: a.Name, Visits: max(1, inUse.Visits)}
		}
		return Area{}, fmt.Errorf("area: remove %s: %w", areaID, err)
	}
	return a, nil
}

// areaSelect reads areas with their status facts in one statement: the visits' dates as arrays,
// and counts of contacts and pending contact invitations.
const areaSelect = `SELECT ra.id, ra.review_id, ra.ons_code, la.name, la.region, la.type, ra.created_at,
		coalesce(v.starts, '{}'), coalesce(v.ends, '{}'), coalesce(v.unfixed, 0),
		(SELECT count(*) FROM review_members m
			WHERE m.tenant_id = ra.tenant_id AND m.review_id = ra.review_id AND m.area_id = ra.id AND m.role = 'la_contact'),
		(SELECT count(*) FROM review_member_invites i
			WHERE i.tenant_id = ra.tenant_id AND i.review_id = ra.review_id AND i.area_id = ra.id)
	FROM review_areas ra
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	LEFT JOIN LATERAL (
		SELECT array_agg(v.start_date ORDER BY v.start_date, v.id) FILTER (WHERE v.start_date IS NOT NULL) AS starts,
			array_agg(v.start_date + (v.days - 1) ORDER BY v.start_date, v.id) FILTER (WHERE v.start_date IS NOT NULL) AS ends,
			count(*) FILTER (WHERE v.start_date IS NULL) AS unfixed
		FROM visits v WHERE v.tenant_id = ra.tenant_id AND v.review_id = ra.review_id AND v.area_id = ra.id
	) v ON true
	WHERE ra.tenant_id = $1 AND ra.review_id = $2`

func scanArea(r pgx.CollectableRow) (Area, error) {
	var a Area
	var starts, ends []time.Time
	var contacts, invites, unfixed int64
	if err := r.Scan(&a.ID, &a.ReviewID, &a.ONSCode, &a.Name, &a.Region, &a.Type, &a.CreatedAt,
		&starts, &ends, &unfixed, &contacts, &invites); err != nil {
		return a, err
	}
	a.Name = DisplayName(a.Name)
	a.Contacts, a.Invites, a.NotFixed = int(contacts), int(invites), int(unfixed)
	for i := range starts {
		if i < len(ends) {
			a.Visits = append(a.Visits, Span{Start: starts[i], End: ends[i]})
		}
	}
	return a, nil
}

// List reads a review's areas by name, each with its status facts, in one query.
func List(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Area, error) {
	rows, err := q.Query(ctx, areaSelect+` ORDER BY la.name`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("area: list review %s: %w", reviewID, err)
	}
	list, err := pgx.CollectRows(rows, scanArea)
	if err != nil {
		return nil, fmt.Errorf("area: list review %s: %w", reviewID, err)
	}
	return list, nil
}

// Get reads one area of the review: NotFound for an id of another review or none.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Area, error) {
	if !db.ValidUUID(areaID) {
		return Area{}, apperr.NotFound("Area not found")
	}
	rows, err := q.Query(ctx, areaSelect+` AND ra.id = $3`, tenantID, reviewID, areaID)
	if err != nil {
		return Area{}, fmt.Errorf("area: get %s: %w", areaID, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanArea)
	if errors.Is(err, pgx.ErrNoRows) {
		return Area{}, apperr.NotFound("Area not found")
	}
	if err != nil {
		return Area{}, fmt.Errorf("area: get %s: %w", areaID, err)
	}
	return a, nil
}

// Visits reads an area's visits, earliest first, each with its team and their days on site, in
// one query.
func Visits(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) ([]Visit, error) {
	// The team is everyone on it (visit_members) or with days, as what they are on that visit.
	rows, err := q.Query(ctx, `SELECT v.id, v.start_date, v.days, v.notes, m.id, u.name,
			coalesce(o.job_title, m.job_title), coalesce(o.inspectorate, m.inspectorate),
			(SELECT array_agg(d.day ORDER BY d.day) FROM visit_days d
				WHERE d.tenant_id = v.tenant_id AND d.visit_id = v.id AND d.member_id = t.member_id)
		FROM visits v
		LEFT JOIN LATERAL (SELECT member_id FROM visit_members WHERE tenant_id = v.tenant_id AND visit_id = v.id
			UNION SELECT member_id FROM visit_days WHERE tenant_id = v.tenant_id AND visit_id = v.id) t ON true
		LEFT JOIN review_members m ON m.tenant_id = v.tenant_id AND m.id = t.member_id
		LEFT JOIN users u ON u.id = m.user_id
		LEFT JOIN visit_members o ON o.tenant_id = v.tenant_id AND o.visit_id = v.id AND o.member_id = t.member_id
		WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.area_id = $3
		ORDER BY v.start_date NULLS LAST, v.id, lower(u.name), m.id`, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("area: visits of %s: %w", areaID, err)
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		var v Visit
		var memberID, name, jobTitle, inspectorate *string
		var start *time.Time
		var days []time.Time
		if err := rows.Scan(&v.ID, &start, &v.Days, &v.Notes, &memberID, &name, &jobTitle, &inspectorate, &days); err != nil {
			return nil, fmt.Errorf("area: scan visit: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != v.ID {
			if start != nil { // else the span stays zero: dates not fixed yet
				v.Span = Span{Start: *start, End: start.AddDate(0, 0, v.Days-1)}
			}
			out = append(out, v)
		}
		if memberID != nil {
			last := &out[len(out)-1]
			tm := TeamMember{Days: days}
			if name != nil {
				tm.Name = *name
			}
			if jobTitle != nil {
				tm.JobTitle = *jobTitle
			}
			if inspectorate != nil {
				tm.Inspectorate = *inspectorate
			}
			last.Team = append(last.Team, tm)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("area: visits of %s: %w", areaID, err)
	}
	return out, nil
}

// Contacts reads an area's local authority contacts by name.
func Contacts(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) ([]Contact, error) {
	rows, err := q.Query(ctx, `SELECT m.id, u.name, u.email, coalesce(m.job_title, '') FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.area_id = $3 AND m.role = 'la_contact'
		ORDER BY lower(u.name), u.email`, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("area: contacts of %s: %w", areaID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) {
		var c Contact
		err := r.Scan(&c.MemberID, &c.Name, &c.Email, &c.JobTitle)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("area: contacts of %s: %w", areaID, err)
	}
	return list, nil
}
