package bulk

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/report"
)

// Synthesis adds what a lead draws from a bulk review: findings spread over the action areas,
// each supported by notesPer notes tagged to its action area; a good-practice example for every
// tenth finding; ten recommendations; and the report's authored sections. It writes set-wise.
func Synthesis(ctx context.Context, pool *pgxpool.Pool, tenantID, reviewID, leadID string, findings, notesPer int) error {
	return db.InTx(ctx, pool, db.Scope{TenantID: tenantID, UserID: leadID}, func(tx pgx.Tx) error {
		key := "bulk-" + reviewID[:8] + "-"
		if _, err := tx.Exec(ctx, `WITH a AS (SELECT array_agg(id ORDER BY position) AS ids FROM action_areas
				WHERE tenant_id = $1 AND review_id = $2)
			INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, idempotency_key, created_by)
			SELECT $1, $2, a.ids[1 + f % cardinality(a.ids)], f / cardinality(a.ids) + 1,
				'In {areas}, ' || ($5::text[])[1 + f % cardinality($5::text[])] || ' ' || ($6::text[])[1 + (f / 7) % cardinality($6::text[])]
					|| ' ' || ($7::text[])[1 + (f / 3) % cardinality($7::text[])] || ' (finding ' || f || ').',
				$8 || 'finding-' || f, $4
			FROM generate_series(0, $3::int - 1) f, a`,
			tenantID, reviewID, findings, leadID, Subjects, Verbs, Objects, key); err != nil {
			return fmt.Errorf("bulk: findings: %w", err)
		}
		// Finding f's notes are the notes numbered f + k·step: the same action area as the finding
		// (both take it from their number modulo the action areas), from many visits.
		if _, err := tx.Exec(ctx, `WITH a AS (SELECT count(*)::int AS card FROM action_areas WHERE tenant_id = $1 AND review_id = $2),
			fs AS (SELECT f.id, (regexp_match(f.idempotency_key, '-finding-([0-9]+)$'))[1]::int AS num FROM findings f
				WHERE f.tenant_id = $1 AND f.review_id = $2)
			INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
			SELECT $1, fs.id, n.id, 'supports' FROM fs CROSS JOIN a CROSS JOIN generate_series(1, $3::int) k
			JOIN evidence_notes n ON n.tenant_id = $1 AND n.idempotency_key = $5 ||
				(fs.num + k * ((($4::int + a.card - 1) / a.card) * a.card))
			WHERE n.review_id = $2 AND n.deleted_at IS NULL AND NOT n.safeguarding`,
			tenantID, reviewID, notesPer, findings, keyPrefix(reviewID)); err != nil {
			return fmt.Errorf("bulk: finding notes: %w", err)
		}
		fs, err := finding.List(ctx, tx, tenantID, reviewID, "")
		if err != nil {
			return err
		}
		ids, areas := make([]string, len(fs)), make([]int32, len(fs))
		for i, f := range fs {
			ids[i], areas[i] = f.ID, int32(f.Areas)
		}
		if _, err := tx.Exec(ctx, `UPDATE findings f SET confirmed_areas = u.n
			FROM unnest($2::uuid[], $3::int[]) u(id, n) WHERE f.tenant_id = $1 AND f.id = u.id`, tenantID, ids, areas); err != nil {
			return fmt.Errorf("bulk: confirm findings: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO practice_examples (tenant_id, review_id, action_area_id, note_id, area_id, position,
				body, idempotency_key, created_by)
			SELECT f.tenant_id, f.review_id, f.action_area_id, n.id, n.area_id, f.position,
				'In one area, ' || lower(left(n.body, 1)) || substr(n.body, 2), $3 || 'example-' || f.id, $4
			FROM findings f CROSS JOIN LATERAL (
				SELECT n.id, n.area_id, n.body FROM finding_notes fn JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id
				WHERE fn.tenant_id = f.tenant_id AND fn.finding_id = f.id ORDER BY n.id LIMIT 1) n
			WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.position % 10 = 1`, tenantID, reviewID, key, leadID); err != nil {
			return fmt.Errorf("bulk: examples: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
			SELECT $1, $2, r, 'Central government works with local areas on ' || ($3::text[])[1 + r % cardinality($3::text[])] || '.',
				(ARRAY['Central government', 'Central and local government', 'Local areas'])[1 + r % 3], $4 || 'rec-' || r, $5
			FROM generate_series(1, 10) r`, tenantID, reviewID, Objects, key, leadID); err != nil {
			return fmt.Errorf("bulk: recommendations: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
			SELECT r.tenant_id, r.id, f.id FROM recommendations r JOIN findings f ON f.tenant_id = r.tenant_id AND f.review_id = r.review_id
				AND f.position IN (r.position, r.position + 10, r.position + 20)
			WHERE r.tenant_id = $1 AND r.review_id = $2 ON CONFLICT DO NOTHING`, tenantID, reviewID); err != nil {
			return fmt.Errorf("bulk: recommendation findings: %w", err)
		}
		for _, k := range []string{report.TextBackground, report.TextSummary, report.TextIntroduction, report.TextMethodology} {
			if _, err := report.SaveText(ctx, tx, tenantID, reviewID, leadID, k,
				"A national review generated for benchmarks.^[A footnote for the "+k+".]\n\nIt has a second paragraph.", 0); err != nil {
				return err
			}
		}
		return nil
	})
}
