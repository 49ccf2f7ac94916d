// Package across reads across the tenant's reviews for one user: a dashboard of the reviews they
// may read (stage, next dates, recent notes, open review notes, late self-assessments), and a
// full-text search of those reviews' titles, notes, findings and recommendations.
//
// "May read" is the rule of the review's own staff pages (auth.ReviewStaff): a role in the review
// other than local authority contact. A local authority contact sees only their own area through
// the portal's pages, so they get nothing from either: their reviews are left out. Notes follow
// the evidence base's rule: no deleted note and no safeguarding concern is counted or found.
package across

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
)

const readableCTE = `readable AS (
		SELECT m.review_id, min(m.role) AS role
		FROM review_members m
		WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.role <> 'la_contact'
		GROUP BY m.review_id)`

// Row is one review on the dashboard.
type Row struct {
	ReviewID            string
	Title               string
	Stage               string // reviews.status
	ReportStatus        string // "" before the report has a state
	NextVisit           *time.Time
	NextVisitArea       string
	NextSADue           *time.Time
	PlannedPublication  *time.Time
	NotesThisWeek       int // live notes recorded in the last 7 days, concerns left out
	OpenReviewNotes     int // review notes on the report not cleared
	LateSelfAssessments int // areas whose self-assessment is past its due date and not submitted
}

// Dashboard reads the dashboard of the reviews user sc.UserID may read, in one statement, as of
// today (the date deadlines are compared with).
func Dashboard(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, today time.Time) ([]Row, error) {
	var out []Row
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH `+readableCTE+`
			SELECT r.id::text, r.title, r.status, coalesce(p.status, ''),
				nv.start_date, coalesce(nv.area, ''),
				(SELECT min(d.due) FROM sa_deadlines d WHERE d.tenant_id = r.tenant_id AND d.review_id = r.id AND d.due >= $3::date),
				r.planned_publication,
				(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = r.tenant_id AND n.review_id = r.id
					AND n.deleted_at IS NULL AND n.created_at >= $3::date - 6 AND NOT n.safeguarding),
				(SELECT count(*) FROM review_notes rn WHERE rn.tenant_id = r.tenant_id AND rn.review_id = r.id AND rn.status <> 'cleared'),
				(SELECT count(*) FROM sa_deadlines d WHERE d.tenant_id = r.tenant_id AND d.review_id = r.id AND d.due < $3::date
					AND NOT EXISTS (SELECT 1 FROM sa_submissions s WHERE s.tenant_id = d.tenant_id AND s.area_id = d.area_id AND s.status = 'submitted'))
			FROM readable x
			JOIN reviews r ON r.tenant_id = $1 AND r.id = x.review_id
			LEFT JOIN reports p ON p.tenant_id = r.tenant_id AND p.review_id = r.id
			LEFT JOIN LATERAL (SELECT v.start_date, la.name AS area FROM visits v
				JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
				LEFT JOIN local_authorities la ON la.ons_code = ra.ons_code
				WHERE v.tenant_id = r.tenant_id AND v.review_id = r.id AND v.start_date + v.days > $3::date
				ORDER BY v.start_date LIMIT 1) nv ON true
			ORDER BY r.created_at DESC, r.id`, sc.TenantID, sc.UserID, today.Format("2006-01-02"))
		if err != nil {
			return fmt.Errorf("across: dashboard: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Row, error) {
			var r Row
			err := row.Scan(&r.ReviewID, &r.Title, &r.Stage, &r.ReportStatus, &r.NextVisit, &r.NextVisitArea, &r.NextSADue,
				&r.PlannedPublication, &r.NotesThisWeek, &r.OpenReviewNotes, &r.LateSelfAssessments)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("across: dashboard: %w", err)
		}
		return nil
	})
	return out, err
}

// Kinds of search result.
const (
	KindReview         = "review"
	KindNote           = "note"
	KindFinding        = "finding"
	KindRecommendation = "recommendation"
)

// KindLabel is a kind as the results name it.
func KindLabel(k string) string {
	return map[string]string{KindReview: "Review", KindNote: "Evidence note", KindFinding: "Finding",
		KindRecommendation: "Recommendation"}[k]
}

// Result is one thing found.
type Result struct {
	Kind        string
	ID          string
	ReviewID    string
	ReviewTitle string
	Text        string // the start of its text
}

// URL is the page the result links to.
func (r Result) URL() string {
	base := "/reviews/" + r.ReviewID
	switch r.Kind {
	case KindNote:
		return base + "/notes/" + r.ID
	case KindFinding:
		return base + "/findings/" + r.ID
	case KindRecommendation:
		return base + "/recommendations#recommendation-" + r.ID
	}
	return base
}

// MaxResults is how many results a search shows, best first.
const MaxResults = 50

// CleanQuery trims the words searched for; ok is false when there is nothing to search or too much.
func CleanQuery(q string) (string, bool) {
	q = strings.TrimSpace(q)
	return q, q != "" && utf8.RuneCountInString(q) <= 200
}

// Search finds q (web search syntax: words, "a phrase", -not, or) in the reviews user sc.UserID
// may read, in one statement over the full-text indexes, best matches first.
func Search(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, q string) ([]Result, error) {
	var out []Result
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH `+readableCTE+`, q AS (SELECT websearch_to_tsquery('english', $3) AS q)
			SELECT kind, id, review_id, title, left(body, 300) FROM (
				SELECT 'review' AS kind, r.id::text AS id, r.id::text AS review_id, r.title, r.summary AS body,
					ts_rank(to_tsvector('english', r.title || ' ' || r.summary), q.q) + 1 AS rank
				FROM reviews r JOIN readable x ON x.review_id = r.id, q
				WHERE r.tenant_id = $1 AND to_tsvector('english', r.title || ' ' || r.summary) @@ q.q
				UNION ALL
				SELECT 'note', n.id::text, n.review_id::text, r.title, n.body, ts_rank(n.search, q.q)
				FROM evidence_notes n JOIN readable x ON x.review_id = n.review_id
				JOIN reviews r ON r.tenant_id = n.tenant_id AND r.id = n.review_id, q
				WHERE n.tenant_id = $1 AND n.search @@ q.q AND n.deleted_at IS NULL AND NOT n.safeguarding
				UNION ALL
				SELECT 'finding', f.id::text, f.review_id::text, r.title, f.body, ts_rank(to_tsvector('english', f.body), q.q)
				FROM findings f JOIN readable x ON x.review_id = f.review_id
				JOIN reviews r ON r.tenant_id = f.tenant_id AND r.id = f.review_id, q
				WHERE f.tenant_id = $1 AND to_tsvector('english', f.body) @@ q.q
				UNION ALL
				SELECT 'recommendation', c.id::text, c.review_id::text, r.title, c.body, ts_rank(to_tsvector('english', c.body), q.q)
				FROM recommendations c JOIN readable x ON x.review_id = c.review_id
				JOIN reviews r ON r.tenant_id = c.tenant_id AND r.id = c.review_id, q
				WHERE c.tenant_id = $1 AND to_tsvector('english', c.body) @@ q.q
			) found
			ORDER BY rank DESC, kind, id
			LIMIT $4`, sc.TenantID, sc.UserID, q, MaxResults)
		if err != nil {
			return fmt.Errorf("across: search: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Result, error) {
			var r Result
			err := row.Scan(&r.Kind, &r.ID, &r.ReviewID, &r.ReviewTitle, &r.Text)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("across: search: %w", err)
		}
		return nil
	})
	return out, err
}
