package finding

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/review"
)

// A pattern is what the counts already show under one action area: a theme, or a line of
// enquiry, that the notes of the visited areas evidence as a strength (or for development) in
// more than half of the visited areas, or in only one of them. The product lists patterns with
// the notes behind them; only the lead writes a finding from one.

// Pattern kinds.
const (
	PatternTheme = "theme"
	PatternLine  = "line"
)

// PatternSample is how many of a pattern's notes its listing quotes.
const PatternSample = 3

// Pattern is one pattern of an action area's evidence.
type Pattern struct {
	Kind      string // PatternTheme or PatternLine
	ID        string // the theme's or the line's id
	Label     string // the theme's name or the line's question
	Judgement string // evidence.Strength or evidence.Development
	Areas     int    // visited areas whose notes show it
	Visited   int
	AreaIDs   []string // those areas, by name
	AreaNames []string
	NoteIDs   []string // the notes behind it, oldest first
	Sample    []PatternNote
	Findings  []int // numbers of this action area's findings that some of these notes already support
}

// PatternNote is a note quoted with a pattern.
type PatternNote struct {
	ID, AreaID, Body string
}

// Key names the pattern in a link: kind:id:judgement.
func (p Pattern) Key() string { return p.Kind + ":" + p.ID + ":" + p.Judgement }

// Widespread says whether the pattern is in more than half of the visited areas (else it is in
// only one).
func (p Pattern) Widespread() bool { return p.Areas*2 > p.Visited && p.Areas >= 2 }

// ParsePatternKey reads a key made by Key.
func ParsePatternKey(key string) (kind, id, judgement string, ok bool) {
	parts := strings.Split(key, ":")
	if len(parts) != 3 || (parts[0] != PatternTheme && parts[0] != PatternLine) || !db.ValidUUID(parts[1]) ||
		(parts[2] != "strength" && parts[2] != "development") {
		return "", "", "", false
	}
	return parts[0], strings.ToLower(parts[1]), parts[2], true
}

// patternsSQL finds the patterns of action area $3 ($1 tenant, $2 review): live notes of visited
// areas tagged to it with a strength or development judgement, grouped by theme and by line of
// enquiry. $4, $5 and $6, when not null, keep only one pattern (kind, id, judgement). The notes
// are read once, from the action area's tags; each row carries the number of visited areas, the
// numbers of the action area's findings its notes support, and its first notes' text.
const patternsSQL = `WITH visited AS MATERIALIZED (` + visitedSQL + `),
	nv AS MATERIALIZED (SELECT count(*) AS n FROM visited),
	fs AS MATERIALIZED (SELECT f.tenant_id, f.id, row_number() OVER (ORDER BY f.position, f.created_at) AS number
		FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.action_area_id = $3),
	linked AS MATERIALIZED (SELECT fn.note_id, string_agg(fs.number::text, ',') AS numbers FROM fs
		JOIN finding_notes fn ON fn.tenant_id = fs.tenant_id AND fn.finding_id = fs.id AND fn.stance = 'supports'
		GROUP BY fn.note_id),
	ns AS MATERIALIZED (
		SELECT n.id AS note_id, n.area_id, n.judgement, n.created_at, l.numbers FROM evidence_note_action_areas x
		JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		LEFT JOIN linked l ON l.note_id = n.id
		WHERE x.tenant_id = $1 AND x.review_id = $2 AND x.action_area_id = $3 AND ` + liveNote + `
			AND n.judgement IN ('strength', 'development') AND ($6::text IS NULL OR n.judgement = $6)
			AND n.area_id IN (SELECT area_id FROM visited)),
	pairs AS (
		SELECT 'theme' AS kind, t.id, t.name AS label, 0 AS position, ns.* FROM ns
		JOIN evidence_note_tags nt ON nt.tenant_id = $1 AND nt.note_id = ns.note_id
		JOIN evidence_tags t ON t.tenant_id = nt.tenant_id AND t.id = nt.tag_id
		WHERE ($4::text IS NULL OR $4 = 'theme') AND ($5::uuid IS NULL OR t.id = $5)
		UNION ALL
		SELECT 'line', el.id, el.question, g.position * 100000 + el.position, ns.* FROM ns
		JOIN evidence_note_lines l ON l.tenant_id = $1 AND l.note_id = ns.note_id
		JOIN enquiry_lines el ON el.tenant_id = l.tenant_id AND el.id = l.line_id
		JOIN enquiry_groups g ON g.tenant_id = el.tenant_id AND g.id = el.group_id
		WHERE ($4::text IS NULL OR $4 = 'line') AND ($5::uuid IS NULL OR el.id = $5)),
	grouped AS MATERIALIZED (
		SELECT kind, id, label, position, judgement, count(DISTINCT area_id) AS areas,
			array_agg(note_id::text ORDER BY created_at, note_id) AS notes,
			array_agg(DISTINCT area_id) AS area_ids, coalesce(string_agg(numbers, ','), '') AS numbers
		FROM pairs GROUP BY kind, id, label, position, judgement
		HAVING count(DISTINCT area_id) * 2 > (SELECT n FROM nv) AND count(DISTINCT area_id) >= 2
			OR count(DISTINCT area_id) = 1 AND (SELECT n FROM nv) >= 3 AND count(*) >= 2)
	SELECT (SELECT n FROM nv), g.kind, g.id::text, g.label, g.judgement, g.areas, g.notes, g.numbers,
		(SELECT array_agg(ra.id::text ORDER BY ` + review.AreaLabel + `) FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.id = ANY(g.area_ids)),
		(SELECT array_agg(` + review.AreaLabel + ` ORDER BY ` + review.AreaLabel + `) FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.id = ANY(g.area_ids)),
		(SELECT coalesce(jsonb_agg(jsonb_build_object('id', n.id::text, 'area', n.area_id::text, 'body', left(n.body, 400))
			ORDER BY n.created_at, n.id), '[]') FROM evidence_notes n
			WHERE n.tenant_id = $1 AND n.id = ANY(g.notes[1:` + sampleBound + `]::uuid[]))
	FROM grouped g
	ORDER BY g.areas * 2 > (SELECT n FROM nv) DESC, g.areas DESC, g.kind DESC, g.position, lower(g.label), g.judgement`

const sampleBound = "3" // PatternSample, in the SQL above

// Patterns reads action area actionAreaID's patterns, widespread ones first, and the number of
// visited areas. With a key (Pattern.Key) it reads only that pattern, whatever its spread, or
// none.
func Patterns(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID, key string) ([]Pattern, int, error) {
	var kind, id, judgement any
	if key != "" {
		k, i, j, ok := ParsePatternKey(key)
		if !ok {
			return nil, 0, apperr.NotFound("Pattern not found")
		}
		kind, id, judgement = k, i, j
	}
	rows, err := q.Query(ctx, patternsSQL, tenantID, reviewID, actionAreaID, kind, id, judgement)
	if err != nil {
		return nil, 0, fmt.Errorf("finding: patterns: %w", err)
	}
	visited := -1
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Pattern, error) {
		var p Pattern
		var numbers string
		var sample []PatternNote
		var raw []struct {
			ID   string `json:"id"`
			Area string `json:"area"`
			Body string `json:"body"`
		}
		err := r.Scan(&visited, &p.Kind, &p.ID, &p.Label, &p.Judgement, &p.Areas, &p.NoteIDs, &numbers, &p.AreaIDs, &p.AreaNames, &raw)
		for _, n := range raw {
			sample = append(sample, PatternNote{ID: n.ID, AreaID: n.Area, Body: n.Body})
		}
		p.Sample, p.Findings = sample, numbersOf(numbers)
		return p, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("finding: patterns: %w", err)
	}
	for i := range out {
		out[i].Visited = visited
	}
	if visited < 0 {
		if visited, err = Visited(ctx, q, tenantID, reviewID); err != nil {
			return nil, 0, err
		}
	}
	return out, visited, nil
}

// numbersOf reads "2,1,2" as [1 2].
func numbersOf(s string) []int {
	seen := map[int]bool{}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// PatternsData is the patterns page of an action area.
type PatternsData struct {
	Title    string
	Area     review.ActionArea
	Visited  int
	Scale    Scale
	Patterns []Pattern
}

// PatternsPage reads the patterns of action area actionAreaID.
func PatternsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, actionAreaID string) (PatternsData, error) {
	var d PatternsData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		d.Title = title
		if d.Area, err = ActionAreaOf(fw, actionAreaID); err != nil {
			return err
		}
		if d.Scale, err = LoadScale(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		d.Patterns, d.Visited, err = Patterns(ctx, tx, sc.TenantID, sc.ReviewID, d.Area.ID, "")
		return err
	})
	return d, err
}
