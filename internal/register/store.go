package register

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// readableCTE lists the reviews user $2 of tenant $1 may read with whether they lead each: a
// role in the review other than local authority contact (the same rule as the review's pages
// under auth.ReviewStaff).
const readableCTE = `readable AS (
		SELECT m.review_id, bool_or(m.role = 'lead') AS lead
		FROM review_members m
		WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.role <> 'la_contact'
		GROUP BY m.review_id)`

// publishedCTE numbers the recommendations of the readable reviews whose reports are
// published, as their reports number them.
const publishedCTE = `published AS (
		SELECT r.tenant_id, r.id, r.review_id, r.body, r.addressee, x.lead,
			p.status_at AS published_at, rv.title AS review_title,
			row_number() OVER (PARTITION BY r.review_id ORDER BY r.position, r.created_at, r.id) AS number
		FROM recommendations r
		JOIN readable x ON x.review_id = r.review_id
		JOIN reports p ON p.tenant_id = r.tenant_id AND p.review_id = r.review_id AND p.status = 'published'
		JOIN reviews rv ON rv.tenant_id = r.tenant_id AND rv.id = r.review_id
		WHERE r.tenant_id = $1)`

// where builds the filter's conditions on the published rows n and the register row g, with
// parameters from $3.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)+2)))
	}
	if f.ReviewID != "" {
		if !db.ValidUUID(f.ReviewID) {
			conds = append(conds, "false")
		} else {
			add("n.review_id = ?::uuid", f.ReviewID)
		}
	}
	if f.Addressee != "" {
		add("n.addressee = ?", f.Addressee)
	}
	if f.Status != "" {
		add("coalesce(g.status, 'open') = ?", f.Status)
	}
	if f.Q != "" {
		add("to_tsvector('english', n.body) @@ websearch_to_tsquery('english', ?)", f.Q)
	}
	if f.Year != 0 {
		add("extract(year FROM n.published_at) = ?", f.Year)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(conds, " AND "), args
}

// entriesSQL reads the register's rows with their responses, status changes and follow-ups in
// one statement.
func entriesSQL(where string) string {
	return `WITH ` + readableCTE + `, ` + publishedCTE + `
		SELECT n.id::text, n.review_id::text, n.review_title, n.number, n.body, n.addressee,
			coalesce(g.status, 'open'), coalesce(g.version, 0), n.published_at, g.changed_at, n.lead,
			coalesce((SELECT json_agg(json_build_object('Responder', s.responder, 'Body', s.body,
					'ReceivedOn', to_char(s.received_on, 'YYYY-MM-DD')) ORDER BY s.received_on, s.recorded_at)
				FROM recommendation_responses s WHERE s.tenant_id = n.tenant_id AND s.recommendation_id = n.id), '[]'),
			coalesce((SELECT json_agg(json_build_object('Status', c.status, 'At', c.changed_at, 'ByName', coalesce(u.name, ''))
					ORDER BY c.changed_at)
				FROM recommendation_status_changes c LEFT JOIN users u ON u.id = c.changed_by
				WHERE c.tenant_id = n.tenant_id AND c.recommendation_id = n.id), '[]'),
			coalesce((SELECT json_agg(json_build_object('ReviewID', f.review_id, 'ReviewTitle', rb.title, 'FindingID', f.id)
					ORDER BY rb.created_at, f.position)
				FROM finding_follow_ups fu
				JOIN findings f ON f.tenant_id = fu.tenant_id AND f.id = fu.finding_id
				JOIN readable xb ON xb.review_id = f.review_id
				JOIN reviews rb ON rb.tenant_id = f.tenant_id AND rb.id = f.review_id
				WHERE fu.tenant_id = n.tenant_id AND fu.recommendation_id = n.id), '[]')
		FROM published n
		LEFT JOIN recommendation_register g ON g.tenant_id = n.tenant_id AND g.recommendation_id = n.id
		WHERE true` + where + `
		ORDER BY n.published_at DESC, n.review_title, n.review_id, n.number`
}

func scanEntry(row pgx.CollectableRow) (Entry, error) {
	var e Entry
	var responses, changes, follow []byte
	if err := row.Scan(&e.ID, &e.ReviewID, &e.ReviewTitle, &e.Number, &e.Body, &e.Addressee, &e.Status, &e.Version,
		&e.PublishedAt, &e.ChangedAt, &e.Lead, &responses, &changes, &follow); err != nil {
		return e, err
	}
	if err := json.Unmarshal(responses, &e.Responses); err != nil {
		return e, err
	}
	if err := json.Unmarshal(changes, &e.Changes); err != nil {
		return e, err
	}
	return e, json.Unmarshal(follow, &e.FollowUps)
}

// List reads the register as user userID may read it, filtered, in one statement.
func List(ctx context.Context, q db.Querier, tenantID, userID string, f Filter) ([]Entry, error) {
	where, args := f.where()
	rows, err := q.Query(ctx, entriesSQL(where), append([]any{tenantID, userID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("register: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("register: list: %w", err)
	}
	return out, nil
}

// Each streams the register's rows, filtered, to fn (for the exports).
func Each(ctx context.Context, q db.Querier, tenantID, userID string, f Filter, fn func(Entry) error) error {
	where, args := f.where()
	rows, err := q.Query(ctx, entriesSQL(where), append([]any{tenantID, userID}, args...)...)
	if err != nil {
		return fmt.Errorf("register: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("register: export: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("register: export: %w", err)
	}
	return nil
}

// Get reads one entry of the register, if the user may read it.
func Get(ctx context.Context, q db.Querier, tenantID, userID, id string) (Entry, error) {
	if !db.ValidUUID(id) {
		return Entry{}, apperr.NotFound("recommendation")
	}
	rows, err := q.Query(ctx, entriesSQL(" AND n.id = $3"), tenantID, userID, id)
	if err != nil {
		return Entry{}, fmt.Errorf("register: get %s: %w", id, err)
	}
	es, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return Entry{}, fmt.Errorf("register: get %s: %w", id, err)
	}
	if len(es) == 0 {
		return Entry{}, apperr.NotFound("recommendation")
	}
	return es[0], nil
}

// LoadOptions reads what the filter offers, in one statement.
func LoadOptions(ctx context.Context, q db.Querier, tenantID, userID string) (Options, error) {
	var o Options
	var reviews []byte
	err := q.QueryRow(ctx, `WITH `+readableCTE+`, `+publishedCTE+`
		SELECT coalesce((SELECT json_agg(json_build_object('ID', v.review_id, 'Title', v.review_title) ORDER BY v.published_at DESC, v.review_title)
				FROM (SELECT DISTINCT review_id, review_title, published_at FROM published) v), '[]'),
			coalesce((SELECT array_agg(DISTINCT addressee ORDER BY addressee) FROM published), '{}'),
			coalesce((SELECT array_agg(DISTINCT extract(year FROM published_at)::int ORDER BY extract(year FROM published_at)::int DESC) FROM published), '{}')`,
		tenantID, userID).Scan(&reviews, &o.Addressees, &o.Years)
	if err != nil {
		return o, fmt.Errorf("register: options: %w", err)
	}
	return o, json.Unmarshal(reviews, &o.Reviews)
}

// setStatus moves recommendation id to status from the version the editor saw. It reports
// whether anything changed; a version other than the current one is apperr.Conflict.
func setStatus(ctx context.Context, tx pgx.Tx, tenantID, userID, id, status string, version int) (int, error) {
	var tag int64
	var newVersion int
	if version == 0 {
		err := tx.QueryRow(ctx, `INSERT INTO recommendation_register (tenant_id, recommendation_id, status, version, changed_by)
			VALUES ($1, $2, $3, 1, $4) ON CONFLICT (tenant_id, recommendation_id) DO NOTHING RETURNING version`,
			tenantID, id, status, userID).Scan(&newVersion)
		if err == nil {
			tag = 1
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("register: set status of %s: %w", id, err)
		}
	} else {
		err := tx.QueryRow(ctx, `UPDATE recommendation_register SET status = $3, version = version + 1, changed_by = $4, changed_at = now()
			WHERE tenant_id = $1 AND recommendation_id = $2 AND version = $5 RETURNING version`,
			tenantID, id, status, userID, version).Scan(&newVersion)
		if err == nil {
			tag = 1
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("register: set status of %s: %w", id, err)
		}
	}
	if tag == 0 {
		return 0, errStale
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recommendation_status_changes (tenant_id, recommendation_id, status, changed_by)
		VALUES ($1, $2, $3, $4)`, tenantID, id, status, userID); err != nil {
		return 0, fmt.Errorf("register: status history of %s: %w", id, err)
	}
	return newVersion, nil
}

// addResponse records a response; idempotent on in.Key (created=false for a double submission).
func addResponse(ctx context.Context, tx pgx.Tx, tenantID, userID, id string, in ResponseInput) (created bool, err error) {
	var rid string
	err = tx.QueryRow(ctx, `INSERT INTO recommendation_responses (tenant_id, recommendation_id, responder, body, received_on, idempotency_key, recorded_by)
		VALUES ($1, $2, $3, $4, $5::date, $6, $7) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		tenantID, id, in.Responder, in.Body, in.ReceivedOn, in.Key, userID).Scan(&rid)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("register: add response to %s: %w", id, db.MapError(err))
	}
	return true, nil
}

// FollowedBy reads the recommendations finding findingID follows up, in one statement. They are
// published recommendations (their numbers as their reports print them); only their number,
// review title and text are shown, all of which their published report says.
//
// Readable says whether userID may read the recommendation's review (and so open its register
// page).
func FollowedBy(ctx context.Context, q db.Querier, tenantID, userID, findingID string) ([]Followed, error) {
	rows, err := q.Query(ctx, `SELECT n.id::text, n.review_id::text, rv.title, n.number, n.body,
			EXISTS (SELECT 1 FROM review_members m WHERE m.tenant_id = fu.tenant_id AND m.review_id = n.review_id
				AND m.user_id = $3 AND m.role <> 'la_contact')
		FROM finding_follow_ups fu
		JOIN LATERAL (SELECT r.id, r.review_id, r.body, row_number() OVER (ORDER BY r.position, r.created_at, r.id) AS number
			FROM recommendations r JOIN recommendations t ON t.tenant_id = r.tenant_id AND t.id = fu.recommendation_id
			WHERE r.tenant_id = fu.tenant_id AND r.review_id = t.review_id) n ON n.id = fu.recommendation_id
		JOIN reviews rv ON rv.tenant_id = fu.tenant_id AND rv.id = n.review_id
		JOIN reports p ON p.tenant_id = fu.tenant_id AND p.review_id = n.review_id AND p.status = 'published'
		WHERE fu.tenant_id = $1 AND fu.finding_id = $2
		ORDER BY p.status_at, rv.title, n.number`, tenantID, findingID, userID)
	if err != nil {
		return nil, fmt.Errorf("register: follow-ups of finding %s: %w", findingID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Followed, error) {
		var f Followed
		err := row.Scan(&f.ID, &f.ReviewID, &f.ReviewTitle, &f.Number, &f.Body, &f.Readable)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("register: follow-ups of finding %s: %w", findingID, err)
	}
	return out, nil
}

// findingTitle checks finding findingID is review reviewID's and reads the review's title.
func findingTitle(ctx context.Context, q db.Querier, tenantID, reviewID, findingID string) (string, error) {
	if !db.ValidUUID(findingID) {
		return "", apperr.NotFound("finding")
	}
	var title string
	err := q.QueryRow(ctx, `SELECT rv.title FROM findings f JOIN reviews rv ON rv.tenant_id = f.tenant_id AND rv.id = f.review_id
		WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = $3`, tenantID, reviewID, findingID).Scan(&title)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("finding")
	}
	if err != nil {
		return "", fmt.Errorf("register: finding %s: %w", findingID, err)
	}
	return title, nil
}

// SetStatusTx moves recommendation id to status in the caller's transaction, from its current
// version (for the demo data and imports; people change it with ChangeStatus).
func SetStatusTx(ctx context.Context, tx pgx.Tx, tenantID, userID, id, status string) error {
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT version FROM recommendation_register WHERE tenant_id = $1 AND recommendation_id = $2), 0)`,
		tenantID, id).Scan(&version); err != nil {
		return fmt.Errorf("register: status of %s: %w", id, err)
	}
	_, err := setStatus(ctx, tx, tenantID, userID, id, status, version)
	return err
}

// AddResponseTx records a response in the caller's transaction (for the demo data and imports).
func AddResponseTx(ctx context.Context, tx pgx.Tx, tenantID, userID, id string, in ResponseInput) error {
	_, err := addResponse(ctx, tx, tenantID, userID, id, in)
	return err
}

// LinkTx records that a finding follows up a recommendation, in the caller's transaction (for the
// demo data; people link with Link, which checks the recommendation is in their register).
func LinkTx(ctx context.Context, tx pgx.Tx, tenantID, userID, findingID, recID string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO finding_follow_ups (tenant_id, finding_id, recommendation_id, created_by)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, tenantID, findingID, recID, userID); err != nil {
		return fmt.Errorf("register: link finding %s: %w", findingID, err)
	}
	return nil
}
