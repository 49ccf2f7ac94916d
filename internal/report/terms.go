package report

import (
	"context"
	"fmt"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// LoadTerms reads what the publication check looks for: the review's areas, every English local
// authority, the tenant's people, and the personal data flagged in the review's notes (notes whose
// author confirmed a personal-data warning: the stretches the guard finds in them now).
func LoadTerms(ctx context.Context, q db.Querier, tenantID, reviewID string) (Terms, error) {
	var t Terms
	err := q.QueryRow(ctx, `SELECT
			coalesce((SELECT array_agg(DISTINCT n) FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code,
				LATERAL unnest(ARRAY[la.display_name, la.name]) n WHERE ra.tenant_id = $1 AND ra.review_id = $2), '{}'),
			coalesce((SELECT array_agg(DISTINCT n) FROM local_authorities la, LATERAL unnest(ARRAY[la.display_name, la.name]) n), '{}'),
			coalesce((SELECT array_agg(DISTINCT u.name) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1), '{}')`,
		tenantID, reviewID).Scan(&t.Areas, &t.Authorities, &t.People)
	if err != nil {
		return t, fmt.Errorf("report: check terms: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT n.body FROM evidence_notes n
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.deleted_at IS NULL AND EXISTS (
			SELECT 1 FROM audit_log a WHERE a.tenant_id = $1 AND a.object_type = 'evidence_note'
				AND a.object_id = n.id::text AND a.action = 'evidence.personal_data_confirmed')`, tenantID, reviewID)
	if err != nil {
		return t, fmt.Errorf("report: flagged notes: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return t, fmt.Errorf("report: flagged notes: %w", err)
		}
		for _, f := range evidence.Scan(body, t.People) {
			if !seen[f.Text] {
				seen[f.Text] = true
				t.Personal = append(t.Personal, f.Text)
			}
		}
	}
	return t, rows.Err()
}
