package questionnaire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Import is who imported an area's current results, and what they hold.
type Import struct {
	ID          string
	AreaID      string
	ImportedBy  string // the importer's name
	ImportedAt  time.Time
	Rows        int
	Total       int64
	Respondents int64
}

// Answer is one answer option and its count.
type Answer struct {
	Text  string
	Count int
}

// Question is a question with its answers in the order of the file, and the total of their
// counts (the question's responses).
type Question struct {
	Text    string
	Total   int64
	Answers []Answer
}

// Percent is an answer's share of the question's responses, to one decimal place ("–" when the
// question has none).
func (q Question) Percent(a Answer) string {
	if q.Total == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", float64(a.Count)*100/float64(q.Total))
}

// Results are an area's questionnaire results; Import is nil when none have been imported.
type Results struct {
	Import    *Import
	Questions []Question
}

// Replace stores rows as the area's results, replacing any before, and returns the import. The
// area must belong to the review, and the review's stage must allow its evidence to change: the
// results are evidence (review.ChangeEvidence), counted in the report's methodology. Concurrent
// imports of one area queue on its import row.
func Replace(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID string, rows []Row) (Import, error) {
	if len(rows) == 0 {
		return Import{}, errors.New("questionnaire: replace: no rows")
	}
	if !db.ValidUUID(areaID) {
		return Import{}, apperr.NotFound("Area not found")
	}
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeEvidence); err != nil {
		return Import{}, err
	}
	total, respondents := Summary(rows)
	imp := Import{AreaID: areaID, Rows: len(rows), Total: total, Respondents: respondents}
	err := q.QueryRow(ctx, `INSERT INTO questionnaire_imports AS i
			(tenant_id, review_id, area_id, imported_by, rows, total, respondents)
		SELECT ra.tenant_id, ra.review_id, ra.id, $4, $5, $6, $7 FROM review_areas ra
		WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = $3
		ON CONFLICT (tenant_id, area_id) DO UPDATE SET imported_by = excluded.imported_by, imported_at = now(),
			rows = excluded.rows, total = excluded.total, respondents = excluded.respondents, version = i.version + 1
		RETURNING i.id, i.imported_at`,
		tenantID, reviewID, areaID, userID, imp.Rows, total, respondents).Scan(&imp.ID, &imp.ImportedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Import{}, apperr.NotFound("Area not found")
	}
	if err != nil {
		return Import{}, fmt.Errorf("questionnaire: replace import of area %s: %w", areaID, err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM questionnaire_counts WHERE tenant_id = $1 AND import_id = $2`, tenantID, imp.ID); err != nil {
		return Import{}, fmt.Errorf("questionnaire: clear counts of area %s: %w", areaID, err)
	}
	qs, as, cs := make([]string, len(rows)), make([]string, len(rows)), make([]int32, len(rows))
	for i, r := range rows {
		qs[i], as[i], cs[i] = r.Question, r.Answer, int32(r.Count)
	}
	if _, err := q.Exec(ctx, `INSERT INTO questionnaire_counts (tenant_id, import_id, position, question, answer, count)
		SELECT $1, $2, u.ord - 1, u.q, u.a, u.c FROM unnest($3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS u (q, a, c, ord)`,
		tenantID, imp.ID, qs, as, cs); err != nil {
		return Import{}, fmt.Errorf("questionnaire: store counts of area %s: %w", areaID, err)
	}
	return imp, nil
}

// Get reads an area's results: the import and every count, questions in the order of the file.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Results, error) {
	var res Results
	if !db.ValidUUID(areaID) {
		return res, apperr.NotFound("Area not found")
	}
	rows, err := q.Query(ctx, `SELECT i.id, i.area_id, u.name, i.imported_at, i.rows, i.total, i.respondents,
			c.question, c.answer, c.count
		FROM questionnaire_imports i
		JOIN users u ON u.id = i.imported_by
		JOIN questionnaire_counts c ON c.tenant_id = i.tenant_id AND c.import_id = i.id
		WHERE i.tenant_id = $1 AND i.review_id = $2 AND i.area_id = $3
		ORDER BY c.position`, tenantID, reviewID, areaID)
	if err != nil {
		return res, fmt.Errorf("questionnaire: get area %s: %w", areaID, err)
	}
	defer rows.Close()
	index := map[string]int{}
	for rows.Next() {
		var imp Import
		var question, answer string
		var count int
		if err := rows.Scan(&imp.ID, &imp.AreaID, &imp.ImportedBy, &imp.ImportedAt, &imp.Rows, &imp.Total, &imp.Respondents,
			&question, &answer, &count); err != nil {
			return res, fmt.Errorf("questionnaire: get area %s: %w", areaID, err)
		}
		if res.Import == nil {
			res.Import = &imp
		}
		i, ok := index[question]
		if !ok {
			i = len(res.Questions)
			index[question] = i
			res.Questions = append(res.Questions, Question{Text: question})
		}
		res.Questions[i].Answers = append(res.Questions[i].Answers, Answer{Text: answer, Count: count})
		res.Questions[i].Total += int64(count)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("questionnaire: get area %s: %w", areaID, err)
	}
	return res, nil
}

// AreaTotal is one area's figures: its respondents (the largest number of responses to any one
// question) and rows, or Imported false when it has no results yet.
type AreaTotal struct {
	AreaID      string
	AreaName    string
	Imported    bool
	ImportedAt  time.Time
	Rows        int
	Respondents int64
}

// ReviewTotals are the review's questionnaire figures, for the questionnaires page and the report's
// methodology: per area (by name) and overall.
type ReviewTotals struct {
	Areas       []AreaTotal
	Respondents int64 // across all areas
	Imported    int   // areas with results
}

// Totals reads every area of the review with its respondents, and their sum, in one query.
func Totals(ctx context.Context, q db.Querier, tenantID, reviewID string) (ReviewTotals, error) {
	var t ReviewTotals
	rows, err := q.Query(ctx, `SELECT ra.id, la.name, i.id IS NOT NULL, coalesce(i.imported_at, ra.created_at),
			coalesce(i.rows, 0), coalesce(i.respondents, 0)
		FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		LEFT JOIN questionnaire_imports i ON i.tenant_id = ra.tenant_id AND i.area_id = ra.id
		WHERE ra.tenant_id = $1 AND ra.review_id = $2
		ORDER BY la.name, ra.id`, tenantID, reviewID)
	if err != nil {
		return t, fmt.Errorf("questionnaire: totals of review %s: %w", reviewID, err)
	}
	t.Areas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AreaTotal, error) {
		var a AreaTotal
		err := r.Scan(&a.AreaID, &a.AreaName, &a.Imported, &a.ImportedAt, &a.Rows, &a.Respondents)
		return a, err
	})
	if err != nil {
		return t, fmt.Errorf("questionnaire: totals of review %s: %w", reviewID, err)
	}
	for _, a := range t.Areas {
		t.Respondents += a.Respondents
		if a.Imported {
			t.Imported++
		}
	}
	return t, nil
}
