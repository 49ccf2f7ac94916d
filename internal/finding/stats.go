package finding

import (
	"context"
	"fmt"

	"thematic/internal/db"
)

// AreaStat is what the synthesis overview counts for one action area: the notes tagged to it
// that count as evidence (live, not safeguarding concerns) and those among them flagged as
// good-practice candidates.
type AreaStat struct {
	Notes      int
	Candidates int
}

// AreaStats counts a review's evidence by action area in one statement, keyed by action area id
// (action areas without notes are absent), from the coverage counters: the 'action_area' and
// 'good_practice' dimensions count exactly these notes (migrations 00032 and 00037).
func AreaStats(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]AreaStat, error) {
	rows, err := q.Query(ctx, `SELECT key_id::text, coalesce(sum(strength + development + neutral) FILTER (WHERE dimension = 'action_area'), 0),
			coalesce(sum(strength + development + neutral) FILTER (WHERE dimension = 'good_practice'), 0)
		FROM evidence_counts_live
		WHERE tenant_id = $1 AND review_id = $2 AND dimension IN ('action_area', 'good_practice')
		GROUP BY key_id HAVING sum(strength + development + neutral) FILTER (WHERE dimension = 'action_area') <> 0`,
		tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("finding: area stats: %w", err)
	}
	defer rows.Close()
	out := map[string]AreaStat{}
	for rows.Next() {
		var id string
		var s AreaStat
		if err := rows.Scan(&id, &s.Notes, &s.Candidates); err != nil {
			return nil, fmt.Errorf("finding: area stats: %w", err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding: area stats: %w", err)
	}
	return out, nil
}

// NoScaleWord reports a finding that should state its prevalence with the scale's word but has
// evidence for which the scale has none (the lead's bands leave a gap) and no other words.
func (f Finding) NoScaleWord() bool {
	return f.Style == StyleWord && f.Areas > 0 && f.ScaleWord == "" && f.WordOverride == ""
}

// Flagged reports a finding that needs the lead's attention: no supporting evidence, words out
// of date, or no word on the scale.
func (f Finding) Flagged() bool { return f.Unsupported() || f.Stale() || f.NoScaleWord() }

// CountsDrift is a statement counting the (finding, area) pairs of every tenant whose kept counts
// (finding_area_counts) differ from the counts made afresh from the links, notes and tags: 0 when
// the triggers kept them right. Run it with a role that sees every tenant's rows.
const CountsDrift = `WITH fresh AS (
		SELECT fn.tenant_id, fn.finding_id, n.area_id, count(*) FILTER (WHERE fn.stance = 'supports') AS supporting,
			count(*) FILTER (WHERE fn.stance = 'contradicts') AS contradicting,
			count(*) FILTER (WHERE fn.stance = 'supports' AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
				WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id)) AS counting
		FROM finding_notes fn
		JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
		JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id AND n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY fn.tenant_id, fn.finding_id, n.area_id),
	kept AS (SELECT tenant_id, finding_id, area_id, supporting, contradicting, counting FROM finding_area_counts
		WHERE (supporting, contradicting, counting) <> (0, 0, 0))
	SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept)
		UNION ALL (SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh)) d`
