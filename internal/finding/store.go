package finding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// StaleMessage is shown when a finding changed since the editor opened it.
const StaleMessage = "Someone else changed this finding after you opened it"

// Refused is a change refused with messages for the form.
type Refused struct{ Errors *form.Errors }

func (r *Refused) Error() string {
	msgs := []string{}
	for _, fe := range r.Errors.List() {
		msgs = append(msgs, fe.Message)
	}
	return "finding: " + strings.Join(msgs, "; ")
}

// Unwrap makes a refusal a 422.
func (r *Refused) Unwrap() error { return apperr.Invalid("%s", r.Error()) }

// StaleError is an edit from an old version; Current is the finding as it is now.
type StaleError struct{ Current Finding }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale edit a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// VisitCounts is the condition on v (a visits row) for a visit that makes its area visited: it
// has begun, or its start is not known yet but evidence was recorded on it (a live note that is
// not a safeguarding concern). Prevalence and the report's methodology both use it.
const VisitCounts = `(v.start_date <= current_date OR v.start_date IS NULL AND EXISTS (SELECT 1 FROM evidence_notes n
		WHERE n.tenant_id = v.tenant_id AND n.visit_id = v.id AND n.deleted_at IS NULL AND NOT n.safeguarding))`

// visitedSQL lists a review's visited areas ($1 tenant, $2 review): those with a visit that
// counts (VisitCounts). Areas whose visit is still to come do not count towards "all areas".
const visitedSQL = `SELECT DISTINCT v.area_id FROM visits v
	WHERE v.tenant_id = $1 AND v.review_id = $2 AND ` + VisitCounts

// liveNote is the condition on n for a note that counts: not deleted and not a safeguarding
// concern (concerns never reach the evidence base, so they never support a finding).
const liveNote = `n.deleted_at IS NULL AND NOT n.safeguarding`

// Visited counts a review's visited areas.
func Visited(ctx context.Context, q db.Querier, tenantID, reviewID string) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM (`+visitedSQL+`) v`, tenantID, reviewID).Scan(&n); err != nil {
		return 0, fmt.Errorf("finding: count visited areas: %w", err)
	}
	return n, nil
}

// LoadScale reads a review's quantifier scale, writing the default scale the first time.
func LoadScale(ctx context.Context, q db.Querier, tenantID, reviewID string) (Scale, error) {
	s, err := readScale(ctx, q, tenantID, reviewID)
	if err != nil || len(s) > 0 {
		return s, err
	}
	// Two first readers at once: the advisory lock lets one write the defaults.
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('quantifier_bands:' || $1, 0))`, reviewID); err != nil {
		return nil, fmt.Errorf("finding: lock scale: %w", err)
	}
	// Under the lock, one statement writes the defaults unless another reader wrote them first,
	// and reads the scale as it then stands (the rows written, or those already there).
	var labels []string
	var specials []*string
	var pcts, mins []int
	for _, d := range DefaultBands {
		var special *string
		if d.Special != "" {
			special = &d.Special
		}
		labels, specials = append(labels, d.Label), append(specials, special)
		pcts, mins = append(pcts, d.MinPercent), append(mins, d.MinAreas)
	}
	rows, err := q.Query(ctx, `WITH written AS (
			INSERT INTO quantifier_bands (tenant_id, review_id, label, special, min_percent, min_areas)
			SELECT $1, $2, d.label, d.special, d.min_percent, d.min_areas
			FROM unnest($3::text[], $4::text[], $5::int[], $6::int[]) AS d(label, special, min_percent, min_areas)
			WHERE NOT EXISTS (SELECT 1 FROM quantifier_bands b WHERE b.tenant_id = $1 AND b.review_id = $2)
			RETURNING id, label, special, min_percent, min_areas, version)
		SELECT id::text, label, coalesce(special, ''), min_percent, min_areas, version FROM (
			SELECT id, label, special, min_percent, min_areas, version FROM written
			UNION ALL
			SELECT id, label, special, min_percent, min_areas, version FROM quantifier_bands
			WHERE tenant_id = $1 AND review_id = $2) b
		ORDER BY special = 'all' DESC NULLS LAST, special = 'one' ASC NULLS FIRST, min_percent DESC, label`,
		tenantID, reviewID, labels, specials, pcts, mins)
	if err != nil {
		return nil, fmt.Errorf("finding: write default scale: %w", err)
	}
	s, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Band, error) {
		var b Band
		err := r.Scan(&b.ID, &b.Label, &b.Special, &b.MinPercent, &b.MinAreas, &b.Version)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("finding: write default scale: %w", err)
	}
	return Scale(s), nil
}

func readScale(ctx context.Context, q db.Querier, tenantID, reviewID string) (Scale, error) {
	rows, err := q.Query(ctx, `SELECT id::text, label, coalesce(special, ''), min_percent, min_areas, version
		FROM quantifier_bands WHERE tenant_id = $1 AND review_id = $2
		ORDER BY special = 'all' DESC NULLS LAST, special = 'one' ASC NULLS FIRST, min_percent DESC, label`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("finding: read scale: %w", err)
	}
	s, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Band, error) {
		var b Band
		err := r.Scan(&b.ID, &b.Label, &b.Special, &b.MinPercent, &b.MinAreas, &b.Version)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("finding: read scale: %w", err)
	}
	return Scale(s), nil
}

// SaveScale writes the lead's changes to the bands' words and shares, each from the version the
// lead saw. It returns the scale before the change, for the audit log.
func SaveScale(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, bands []Band) (Scale, error) {
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return nil, err
	}
	before, err := LoadScale(ctx, tx, tenantID, reviewID)
	if err != nil {
		return nil, err
	}
	next, err := nextScale(before, bands)
	if err != nil {
		return nil, err
	}
	batch := &pgx.Batch{}
	for _, b := range next {
		batch.Queue(`UPDATE quantifier_bands SET label = $3, min_percent = $4, min_areas = $5, version = version + 1
			WHERE tenant_id = $1 AND id = $2 AND (label, min_percent, min_areas) IS DISTINCT FROM ($3, $4, $5)`,
			tenantID, b.ID, b.Label, b.MinPercent, b.MinAreas)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("finding: save scale: %w", err)
	}
	return before, nil
}

// nextScale is scale with the lead's changes to its bands, each from the version the lead saw
// (else apperr.Conflict); a scale with problems is refused.
func nextScale(scale Scale, bands []Band) (Scale, error) {
	next := make(Scale, 0, len(scale))
	byID := map[string]Band{}
	for _, b := range bands {
		byID[b.ID] = b
	}
	for _, cur := range scale {
		b, ok := byID[cur.ID]
		if !ok {
			next = append(next, cur)
			continue
		}
		if b.Version != cur.Version {
			return nil, apperr.Conflict("Someone else changed the scale after you opened it")
		}
		cur.Label, cur.MinPercent, cur.MinAreas = strings.TrimSpace(b.Label), b.MinPercent, max(b.MinAreas, 1)
		next = append(next, cur)
	}
	if p := next.Problems(); len(p) > 0 {
		errs := &form.Errors{}
		errs.Add("scale", strings.Join(p, ". "))
		return nil, &Refused{errs}
	}
	return next, nil
}

// lockScale locks a review's scale and reads it (LoadScale's order) with the review's stage, in
// one statement (a review whose scale was never read gets the default one written first).
func lockScale(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (Scale, []string, error) {
	rows, err := tx.Query(ctx, `SELECT b.id::text, b.label, coalesce(b.special, ''), b.min_percent, b.min_areas, b.version,
			`+review.StageColumn+`
		FROM quantifier_bands b WHERE b.tenant_id = $1 AND b.review_id = $2
		ORDER BY b.special = 'all' DESC NULLS LAST, b.special = 'one' ASC NULLS FIRST, b.min_percent DESC, b.label
		FOR UPDATE OF b`, tenantID, reviewID)
	if err != nil {
		return nil, nil, fmt.Errorf("finding: lock scale: %w", err)
	}
	var stage []string
	s, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Band, error) {
		var b Band
		err := r.Scan(&b.ID, &b.Label, &b.Special, &b.MinPercent, &b.MinAreas, &b.Version, &stage)
		return b, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("finding: lock scale: %w", err)
	}
	if len(s) > 0 {
		return s, stage, nil
	}
	if s, err = LoadScale(ctx, tx, tenantID, reviewID); err != nil {
		return nil, nil, err
	}
	if err := tx.QueryRow(ctx, `SELECT `+review.StageColumn, tenantID, reviewID).Scan(&stage); err != nil {
		return nil, nil, fmt.Errorf("finding: lock scale: %w", err)
	}
	return s, stage, nil
}

// saveScaleAudited writes next (scale, locked by lockScale, with the lead's changes) and the
// audit entry e with the scale before and after, in one statement.
func saveScaleAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, scale, next Scale, e audit.Event) error {
	before, err := json.Marshal(scaleAudit(scale))
	if err != nil {
		return fmt.Errorf("finding: save scale: %w", err)
	}
	var ids, labels, specials []string
	var pcts, mins []int
	for _, b := range next {
		ids, labels, specials = append(ids, b.ID), append(labels, b.Label), append(specials, b.Special)
		pcts, mins = append(pcts, b.MinPercent), append(mins, b.MinAreas)
	}
	args := []any{tenantID, reviewID, ids, labels, specials, pcts, mins, before}
	// The entry's after is the scale as LoadScale would read it back, in its order.
	entry, args := audit.EntryFrom(ctx, e, args, "$2::text", "$8::jsonb", `(SELECT jsonb_agg(jsonb_build_object('label', x.label,
			'special', x.special, 'min_percent', x.min_percent, 'min_areas', x.min_areas)
			ORDER BY nullif(x.special, '') = 'all' DESC NULLS LAST, nullif(x.special, '') = 'one' ASC NULLS FIRST,
				x.min_percent DESC, x.label) FROM x)`, "(VALUES (1)) one (n)")
	if _, err := tx.Exec(ctx, `WITH x AS (SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::int[])
			AS x (id, label, special, min_percent, min_areas)),
		saved AS (UPDATE quantifier_bands b SET label = x.label, min_percent = x.min_percent, min_areas = x.min_areas,
				version = b.version + 1
			FROM x WHERE b.tenant_id = $1 AND b.review_id = $2 AND b.id = x.id
				AND (b.label, b.min_percent, b.min_areas) IS DISTINCT FROM (x.label, x.min_percent, x.min_areas)),
		entry AS (`+entry+`)
		SELECT 1`, args...); err != nil {
		return fmt.Errorf("finding: save scale: %w", err)
	}
	return nil
}

// selectFindings reads a review's findings ($1 tenant, $2 review) with their prevalence in one
// statement. The links are read once and counted per finding: a
// supporting note counts towards the areas when it is live, still tagged to the finding's action
// area and from a visited area. The CTEs are materialised so that the plan stays one pass over the
// links however many findings there are: this is the whole review's list (the report, the
// overview); a page of one action area or one finding uses selectFindingsOf.
func selectFindings() string {
	return `WITH visited AS MATERIALIZED (` + visitedSQL + `),
	fs AS MATERIALIZED (SELECT f.* FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2),
	agg AS MATERIALIZED (
		SELECT fn.finding_id,
			count(*) FILTER (WHERE fn.stance = 'supports') AS supporting,
			count(*) FILTER (WHERE fn.stance = 'contradicts') AS contradicting,
			count(DISTINCT n.area_id) FILTER (WHERE fn.stance = 'supports' AND v.area_id IS NOT NULL
				AND x.note_id IS NOT NULL) AS areas,
			array_agg(n.id::text ORDER BY n.id) FILTER (WHERE fn.stance = 'supports' AND v.area_id IS NOT NULL
				AND x.note_id IS NOT NULL) AS counted
		FROM fs
		JOIN finding_notes fn ON fn.tenant_id = fs.tenant_id AND fn.finding_id = fs.id
		JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id AND ` + liveNote + `
		LEFT JOIN visited v ON v.area_id = n.area_id
		LEFT JOIN evidence_note_action_areas x ON x.tenant_id = n.tenant_id AND x.note_id = n.id
			AND x.action_area_id = fs.action_area_id
		GROUP BY fn.finding_id)
	` + findingColumns + `
	FROM fs f
	JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
	JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
	LEFT JOIN agg ON agg.finding_id = f.id
	ORDER BY g.position, aa.position, f.position, f.created_at`
}

// findingColumns are what collect scans, from a finding f and its counts agg.
const findingColumns = `SELECT f.id::text, f.review_id::text, f.action_area_id::text, f.position, f.body, f.prevalence_style,
		f.word_override, f.override_reason, f.confirmed_areas, f.version,
		coalesce(agg.supporting, 0), coalesce(agg.contradicting, 0), coalesce(agg.areas, 0),
		(SELECT count(*) FROM visited), coalesce(agg.counted, '{}')`

// selectFindingsOf is selectFindings for a few findings (one action area's, or one), read from
// the counts the triggers keep (finding_area_counts, migration 00033): a few rows per finding,
// one per area its notes come from, by the counts' primary key, never the links' notes and tags.
// It counts as selectFindings does (TestPagePrevalenceEqualsTheWholeList), without the counted
// notes' ids (NoteIDs), which only the report needs.
func selectFindingsOf(where string) string {
	return `WITH visited AS MATERIALIZED (` + visitedSQL + `)
	` + findingColumns + `
	FROM findings f
	JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
	JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
	CROSS JOIN LATERAL (
		SELECT sum(c.supporting) AS supporting, sum(c.contradicting) AS contradicting,
			count(*) FILTER (WHERE c.counting > 0 AND c.area_id IN (SELECT v.area_id FROM visited v)) AS areas,
			NULL::text[] AS counted
		FROM finding_area_counts c WHERE c.tenant_id = f.tenant_id AND c.finding_id = f.id) agg
	WHERE f.tenant_id = $1 AND f.review_id = $2 ` + where + `
	ORDER BY g.position, aa.position, f.position, f.created_at`
}

func collect(rows pgx.Rows, scale Scale) ([]Finding, error) {
	q := scale.Quantifiers()
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Finding, error) {
		var f Finding
		err := r.Scan(&f.ID, &f.ReviewID, &f.ActionAreaID, &f.Position, &f.Body, &f.Style, &f.WordOverride,
			&f.OverrideReason, &f.ConfirmedAreas, &f.Version, &f.Supporting, &f.Contradicting, &f.Areas, &f.Visited, &f.NoteIDs)
		f.ScaleWord, _ = scale.Word(f.Areas, f.Visited)
		f.Quantifiers = q
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("finding: list: %w", err)
	}
	return out, nil
}

// List reads a review's findings in report order (framework group, action area, position) with
// their prevalence; actionAreaID narrows them to one action area.
func List(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID string) ([]Finding, error) {
	return ListScaled(ctx, q, tenantID, reviewID, actionAreaID, nil)
}

// ListScaled is List with the review's scale read already (in LoadScale's order); without one
// (nil or empty) it reads the scale, writing the default scale the first time, as List does.
func ListScaled(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID string, scale Scale) ([]Finding, error) {
	if len(scale) == 0 {
		var err error
		if scale, err = LoadScale(ctx, q, tenantID, reviewID); err != nil {
			return nil, err
		}
	}
	sql, args := selectFindings(), []any{tenantID, reviewID}
	if actionAreaID != "" {
		sql, args = selectFindingsOf("AND f.action_area_id = $3"), append(args, actionAreaID)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("finding: list: %w", err)
	}
	return collect(rows, scale)
}

// ListCounted is List for every finding of the review read from the kept counts, without the
// counted notes' ids (NoteIDs): the synthesis overview's list.
func ListCounted(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Finding, error) {
	scale, err := LoadScale(ctx, q, tenantID, reviewID)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, selectFindingsOf(""), tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("finding: list counted: %w", err)
	}
	return collect(rows, scale)
}

// ListBeside reads one finding and every finding of its action area (List's order), in two
// statements; the finding is among them.
func ListBeside(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Finding, []Finding, error) {
	if !db.ValidUUID(id) {
		return Finding{}, nil, apperr.NotFound("finding")
	}
	scale, err := LoadScale(ctx, q, tenantID, reviewID)
	if err != nil {
		return Finding{}, nil, err
	}
	rows, err := q.Query(ctx, selectFindingsOf(`AND f.action_area_id = (SELECT o.action_area_id FROM findings o
		WHERE o.tenant_id = $1 AND o.review_id = $2 AND o.id = $3)`), tenantID, reviewID, id)
	if err != nil {
		return Finding{}, nil, fmt.Errorf("finding: list beside %s: %w", id, err)
	}
	fs, err := collect(rows, scale)
	if err != nil {
		return Finding{}, nil, err
	}
	for _, f := range fs {
		if strings.EqualFold(f.ID, id) {
			return f, fs, nil
		}
	}
	return Finding{}, nil, apperr.NotFound("finding")
}

// Get reads one finding.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Finding, error) {
	f, _, err := GetScaled(ctx, q, tenantID, reviewID, id)
	return f, err
}

// GetScaled reads one finding and the review's scale it was read with.
func GetScaled(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Finding, Scale, error) {
	if !db.ValidUUID(id) {
		return Finding{}, nil, apperr.NotFound("finding")
	}
	scale, err := LoadScale(ctx, q, tenantID, reviewID)
	if err != nil {
		return Finding{}, nil, err
	}
	f, err := scaledFinding(ctx, q, tenantID, reviewID, id, scale)
	return f, scale, err
}

// scaledFinding reads one finding with scale, the review's scale.
func scaledFinding(ctx context.Context, q db.Querier, tenantID, reviewID, id string, scale Scale) (Finding, error) {
	rows, err := q.Query(ctx, selectFindingsOf("AND f.id = $3"), tenantID, reviewID, id)
	if err != nil {
		return Finding{}, fmt.Errorf("finding: get: %w", err)
	}
	fs, err := collect(rows, scale)
	if err != nil {
		return Finding{}, err
	}
	if len(fs) == 0 {
		return Finding{}, apperr.NotFound("finding")
	}
	return fs[0], nil
}

// GetNumbered reads one finding and its number (from 1) among the findings of its action area in
// List's order, in two statements.
func GetNumbered(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Finding, int, error) {
	if !db.ValidUUID(id) {
		return Finding{}, 0, apperr.NotFound("finding")
	}
	scale, err := LoadScale(ctx, q, tenantID, reviewID)
	if err != nil {
		return Finding{}, 0, err
	}
	rows, err := q.Query(ctx, selectFindingsOf(`AND f.action_area_id = (SELECT x.action_area_id FROM findings x
		WHERE x.tenant_id = $1 AND x.review_id = $2 AND x.id = $3)`), tenantID, reviewID, id)
	if err != nil {
		return Finding{}, 0, fmt.Errorf("finding: get: %w", err)
	}
	fs, err := collect(rows, scale)
	if err != nil {
		return Finding{}, 0, err
	}
	for i, f := range fs {
		if strings.EqualFold(f.ID, id) {
			return f, i + 1, nil
		}
	}
	return Finding{}, 0, apperr.NotFound("finding")
}

// checkActionArea verifies the action area is the review's.
func checkActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, id string) error {
	var ok bool
	if db.ValidUUID(id) {
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3)`,
			tenantID, reviewID, id).Scan(&ok); err != nil {
			return fmt.Errorf("finding: check action area: %w", err)
		}
	}
	if !ok {
		errs := &form.Errors{}
		errs.Add("action-area", "Choose an action area of this review")
		return &Refused{errs}
	}
	return nil
}

// Create adds a finding at the end of its action area. It is idempotent on in.Key: a double
// submission returns the first finding's id and created=false.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, in Input) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid("The form has expired. Copy your finding, reload the page and try again.")
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return "", false, err
	}
	if err := checkActionArea(ctx, tx, tenantID, reviewID, in.ActionAreaID); err != nil {
		return "", false, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, prevalence_style,
			word_override, override_reason, idempotency_key, created_by)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM findings WHERE tenant_id = $1 AND action_area_id = $3),
			$4, $5, $6, $7, $8, $9)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		tenantID, reviewID, in.ActionAreaID, in.Body, in.Style, in.WordOverride, in.OverrideReason, in.Key, actorID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id::text FROM findings WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			tenantID, reviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("finding: create: find by key: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("finding: create: %w", db.MapError(err))
	}
	return id, true, nil
}

// lock reads a finding for update and checks the editor's version.
func lock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Finding, error) {
	if !db.ValidUUID(id) {
		return Finding{}, apperr.NotFound("finding")
	}
	var v int
	err := tx.QueryRow(ctx, `SELECT version FROM findings WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`,
		tenantID, reviewID, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return Finding{}, apperr.NotFound("finding")
	}
	if err != nil {
		return Finding{}, fmt.Errorf("finding: lock: %w", err)
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Finding{}, err
	}
	if version != cur.Version {
		return Finding{}, &StaleError{Current: cur}
	}
	return cur, nil
}

// scaleJSON is the review's scale ($1 tenant, $2 review) as one JSON column, in LoadScale's
// order, so that a command's first statement reads it with what it locks.
const scaleJSON = `(SELECT coalesce(json_agg(json_build_object('ID', b.id, 'Label', b.label, 'Special', coalesce(b.special, ''),
		'MinPercent', b.min_percent, 'MinAreas', b.min_areas, 'Version', b.version)
		ORDER BY b.special = 'all' DESC NULLS LAST, b.special = 'one' ASC NULLS FIRST, b.min_percent DESC, b.label), '[]')
	FROM quantifier_bands b WHERE b.tenant_id = $1 AND b.review_id = $2)`

// scaleOf decodes what scaleJSON read; a review without a scale yet gets the default one written
// (LoadScale), which happens once.
func scaleOf(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, raw []byte) (Scale, error) {
	var s Scale
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("finding: read scale: %w", err)
	}
	if len(s) == 0 {
		return LoadScale(ctx, tx, tenantID, reviewID)
	}
	return s, nil
}

// lockScaled locks finding id, refuses the change when the review's stage does not allow one,
// and reads the finding with its prevalence and the review's scale, in two statements: the lock
// with the stage and the scale, then the finding (read after the lock, so its counts are those
// of the links as they stand once no one else holds it).
func lockScaled(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string) (Finding, Scale, error) {
	if !db.ValidUUID(id) {
		return Finding{}, nil, apperr.NotFound("finding")
	}
	var stage []string
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT `+review.StageColumn+`, `+scaleJSON+`
		FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = $3 FOR UPDATE OF f`,
		tenantID, reviewID, id).Scan(&stage, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return Finding{}, nil, apperr.NotFound("finding")
	}
	if err != nil {
		return Finding{}, nil, fmt.Errorf("finding: lock: %w", err)
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return Finding{}, nil, err
	}
	scale, err := scaleOf(ctx, tx, tenantID, reviewID, raw)
	if err != nil {
		return Finding{}, nil, err
	}
	f, err := scaledFinding(ctx, tx, tenantID, reviewID, id, scale)
	return f, scale, err
}

// execAudited runs the data-modifying statement sql with the audit entry e written by the same
// statement (e nil: none, for the callers that record nothing, such as the demo seed).
func execAudited(ctx context.Context, tx pgx.Tx, sql string, args []any, e *audit.Event) error {
	if e == nil {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	}
	entry, args, err := audit.Insert(ctx, *e, args)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `WITH w AS (`+sql+`), entry AS (`+entry+`) SELECT 1`, args...)
	return err
}

// Update edits a finding from the version the editor saw. Saving confirms the prevalence the
// editor was shown, so the finding is no longer flagged as stale. It returns the finding before
// and after.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input) (Finding, Finding, error) {
	if errs := in.Validate(); errs.Any() {
		return Finding{}, Finding{}, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Finding{}, Finding{}, err
	}
	cur, err := lock(ctx, tx, tenantID, reviewID, id, in.Version)
	if err != nil {
		return Finding{}, Finding{}, err
	}
	if in.ActionAreaID == "" {
		in.ActionAreaID = cur.ActionAreaID
	}
	if err := checkActionArea(ctx, tx, tenantID, reviewID, in.ActionAreaID); err != nil {
		return Finding{}, Finding{}, err
	}
	moved := in.ActionAreaID != cur.ActionAreaID
	if _, err := tx.Exec(ctx, `UPDATE findings SET action_area_id = $4, body = $5, prevalence_style = $6,
			word_override = $7, override_reason = $8, version = version + 1, updated_at = now(),
			position = CASE WHEN $9 THEN (SELECT coalesce(max(position), 0) + 1 FROM findings
				WHERE tenant_id = $1 AND action_area_id = $4) ELSE position END
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id, in.ActionAreaID, in.Body, in.Style, in.WordOverride, in.OverrideReason, moved); err != nil {
		return Finding{}, Finding{}, fmt.Errorf("finding: update: %w", db.MapError(err))
	}
	if err := confirm(ctx, tx, tenantID, reviewID, id); err != nil {
		return Finding{}, Finding{}, err
	}
	after, err := Get(ctx, tx, tenantID, reviewID, id)
	return cur, after, err
}

// changeWords saves a finding's words in its own action area from the version the editor saw, in
// three statements: the finding locked with the review's stage and scale, the finding read, and
// one that saves the words, confirms the prevalence the editor was shown (the finding's areas
// as just read: its links do not change here) and writes the audit entry entry makes. It answers
// the finding before and after, and the scale.
func changeWords(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input, entry func(before, after Finding) audit.Event) (Finding, Finding, Scale, error) {
	if errs := in.Validate(); errs.Any() {
		return Finding{}, Finding{}, nil, &Refused{errs}
	}
	cur, scale, err := lockScaled(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Finding{}, Finding{}, nil, err
	}
	if in.Version != cur.Version {
		return cur, Finding{}, scale, &StaleError{Current: cur}
	}
	after := cur
	after.Body, after.Style, after.WordOverride, after.OverrideReason = in.Body, in.Style, in.WordOverride, in.OverrideReason
	after.Version, after.ConfirmedAreas = cur.Version+1, cur.Areas
	sql, args, err := audit.Insert(ctx, entry(cur, after), []any{tenantID, reviewID, id, in.Body, in.Style,
		in.WordOverride, in.OverrideReason, cur.Areas})
	if err != nil {
		return Finding{}, Finding{}, nil, err
	}
	if _, err := tx.Exec(ctx, `WITH f AS (UPDATE findings SET body = $4, prevalence_style = $5, word_override = $6,
			override_reason = $7, confirmed_areas = $8, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3),
		entry AS (`+sql+`)
		SELECT 1`, args...); err != nil {
		return Finding{}, Finding{}, nil, fmt.Errorf("finding: update: %w", db.MapError(err))
	}
	return cur, after, scale, nil
}

// confirm records the finding's current number of areas as the one the lead has seen, counted
// as selectFindings counts them, in one statement.
func confirm(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string) error {
	if _, err := tx.Exec(ctx, `UPDATE findings u SET confirmed_areas = cur.areas
		FROM (`+selectFindingsOf("AND f.id = $3")+`) AS cur(id, review_id, action_area_id, position, body, style, word_override,
			override_reason, confirmed_areas, version, supporting, contradicting, areas, visited, counted)
		WHERE u.tenant_id = $1 AND u.id = cur.id::uuid`, tenantID, reviewID, id); err != nil {
		return fmt.Errorf("finding: confirm %s: %w", id, err)
	}
	return nil
}

// Confirm accepts the finding's words as its evidence now stands (after a note moved away).
func Confirm(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Finding, error) {
	return confirmAudited(ctx, tx, tenantID, reviewID, id, version, nil)
}

// confirmAudited is Confirm writing the audit entry entry makes from the finding before, in
// three statements: the lock, the read and the update with its entry.
func confirmAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int, entry func(before Finding) audit.Event) (Finding, error) {
	cur, _, err := lockScaled(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Finding{}, err
	}
	if version != cur.Version {
		return Finding{}, &StaleError{Current: cur}
	}
	if err := execAudited(ctx, tx, `UPDATE findings SET confirmed_areas = $3, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, []any{tenantID, id, cur.Areas}, eventOf(entry, cur)); err != nil {
		return Finding{}, fmt.Errorf("finding: confirm: %w", err)
	}
	return cur, nil
}

// eventOf is the entry entry makes of f, or nil without entry.
func eventOf(entry func(Finding) audit.Event, f Finding) *audit.Event {
	if entry == nil {
		return nil
	}
	e := entry(f)
	return &e
}

// Delete removes a finding and its links (the audit log keeps what it said).
func Delete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Finding, error) {
	return deleteAudited(ctx, tx, tenantID, reviewID, id, version, nil)
}

// deleteAudited is Delete writing the audit entry entry makes from the finding before, in three
// statements: the lock, the read and the delete with its entry.
func deleteAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int, entry func(before Finding) audit.Event) (Finding, error) {
	cur, _, err := lockScaled(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Finding{}, err
	}
	if version != cur.Version {
		return Finding{}, &StaleError{Current: cur}
	}
	if err := execAudited(ctx, tx, `DELETE FROM findings WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		[]any{tenantID, reviewID, id}, eventOf(entry, cur)); err != nil {
		return Finding{}, fmt.Errorf("finding: delete: %w", err)
	}
	return cur, nil
}

// Move swaps a finding with its neighbour in its action area: dir -1 up, +1 down.
func Move(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, dir int) error {
	_, err := moveAudited(ctx, tx, tenantID, reviewID, id, dir, nil)
	return err
}

// Moved is a finding moved: where it was and is (the same when it was at the top or bottom
// already).
type Moved struct {
	ID, ActionAreaID string
	From, To         int
}

// moveAudited is Move writing the audit entry e with the positions before and after when the
// finding moved, in two statements: the finding locked with the review's stage, then the swap
// with its entry.
func moveAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, dir int, e *audit.Event) (Moved, error) {
	if !db.ValidUUID(id) {
		return Moved{}, apperr.NotFound("finding")
	}
	m := Moved{ID: id}
	var stage []string
	err := tx.QueryRow(ctx, `SELECT f.id::text, f.action_area_id::text, f.position, `+review.StageColumn+`
		FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = $3 FOR UPDATE OF f`,
		tenantID, reviewID, id).Scan(&m.ID, &m.ActionAreaID, &m.From, &stage)
	if errors.Is(err, pgx.ErrNoRows) {
		return Moved{}, apperr.NotFound("finding")
	}
	if err != nil {
		return Moved{}, fmt.Errorf("finding: move: %w", err)
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return Moved{}, err
	}
	order, cmp := "DESC", "<"
	if dir > 0 {
		order, cmp = "ASC", ">"
	}
	args := []any{tenantID, m.ID, m.ActionAreaID, m.From}
	entry := ""
	if e != nil {
		var sql string
		sql, args = audit.EntryFrom(ctx, *e, args, "s.id::text", "jsonb_build_object('position', $4::int)",
			"jsonb_build_object('position', s.position)", "swapped s WHERE s.id = $2")
		entry = `, entry AS (` + sql + `)`
	}
	// The neighbour is locked before the two swap places; nothing changes at the top or bottom.
	err = tx.QueryRow(ctx, `WITH other AS (
			SELECT f.id, f.position FROM findings f
			WHERE f.tenant_id = $1 AND f.action_area_id = $3 AND f.position `+cmp+` $4
			ORDER BY f.position `+order+` LIMIT 1 FOR UPDATE OF f),
		swapped AS (UPDATE findings f SET position = CASE WHEN f.id = $2 THEN other.position ELSE $4 END
			FROM other WHERE f.tenant_id = $1 AND f.id IN ($2, other.id) RETURNING f.id, f.position)`+entry+`
		SELECT coalesce((SELECT s.position FROM swapped s WHERE s.id = $2), $4)`, args...).Scan(&m.To)
	if err != nil {
		return Moved{}, fmt.Errorf("finding: move: %w", err)
	}
	return m, nil
}
