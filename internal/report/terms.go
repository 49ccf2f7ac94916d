package report

import (
	"context"
	"fmt"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// termsCols reads what the publication check looks for as columns of one statement ($1 tenant,
// $2 review): the review's areas, every English local authority, the tenant's people with the
// people invited to the review (its staff, local authority contacts among them), and the
// bodies of the review's notes whose author confirmed a personal-data warning.
const termsCols = `coalesce((SELECT array_agg(DISTINCT n) FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code,
			LATERAL unnest(ARRAY[la.display_name, la.name]) n WHERE ra.tenant_id = $1 AND ra.review_id = $2), '{}'),
		coalesce((SELECT array_agg(DISTINCT n) FROM local_authorities la, LATERAL unnest(ARRAY[la.display_name, la.name]) n), '{}'),
		coalesce((SELECT array_agg(DISTINCT s.name) FROM (SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1
			UNION SELECT i.name FROM review_member_invites i WHERE i.tenant_id = $1 AND i.review_id = $2) s), '{}'),
		coalesce((SELECT array_agg(n.body ORDER BY n.id) FROM evidence_notes n
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.deleted_at IS NULL AND EXISTS (
				SELECT 1 FROM audit_log a WHERE a.tenant_id = $1 AND a.object_type = 'evidence_note'
					AND a.object_id = n.id::text AND a.action = 'evidence.personal_data_confirmed')), '{}')`

// termsRow holds the columns of termsCols.
type termsRow struct {
	t       Terms
	flagged []string
}

func (r *termsRow) dest() []any {
	return []any{&r.t.Areas, &r.t.Authorities, &r.t.People, &r.flagged}
}

// terms finds the personal data in the flagged notes: the stretches the guard finds in them now.
func (r *termsRow) terms() Terms {
	t := r.t
	seen := map[string]bool{}
	for _, body := range r.flagged {
		for _, f := range evidence.Scan(body, t.People) {
			if !seen[f.Text] {
				seen[f.Text] = true
				t.Personal = append(t.Personal, f.Text)
			}
		}
	}
	return t
}

// LoadTerms reads what the publication check looks for, in one statement.
func LoadTerms(ctx context.Context, q db.Querier, tenantID, reviewID string) (Terms, error) {
	var r termsRow
	if err := q.QueryRow(ctx, `SELECT `+termsCols, tenantID, reviewID).Scan(r.dest()...); err != nil {
		return Terms{}, fmt.Errorf("report: check terms: %w", err)
	}
	return r.terms(), nil
}
