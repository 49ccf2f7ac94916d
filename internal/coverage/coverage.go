// Package coverage tells a review's staff, at a glance, where the evidence is thin: counts of
// visible evidence notes (not deleted, not safeguarding concerns) per local area and action area,
// per area and line of enquiry, and per theme, strengths and areas for development apart. The
// counts are kept by database triggers (migrations/00032_coverage_deltas.sql) as delta rows that
// the Fold job adds into evidence_counts every few seconds; pages read both (evidence_counts_live),
// a few thousand counter rows, never the notes.
package coverage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// Threshold limits, and the default a review starts with.
const (
	DefaultThreshold = 3
	MaxThreshold     = 1000
)

// Counts are numbers of notes by judgement.
type Counts struct {
	Strength, Development, Neutral int
}

// Total is every note counted, whatever its judgement.
func (c Counts) Total() int { return c.Strength + c.Development + c.Neutral }

func (c *Counts) plus(o Counts) {
	c.Strength += o.Strength
	c.Development += o.Development
	c.Neutral += o.Neutral
}

// Area is a local area of the review.
type Area struct {
	ID, Name string
}

// Column is an action area or a line of enquiry, with its group's title.
type Column struct {
	ID, Title, Group string
}

// Group is a run of columns of the same group, for a header spanning them.
type Group struct {
	Title string
	Span  int
}

// Row is one area's line of a matrix: a cell per column, and the area's number of notes (a note
// can bear on several columns or none, so Total is not the sum of the cells).
type Row struct {
	Area  Area
	Cells []Counts
	Total Counts
}

// Matrix is areas × action areas, or areas × lines of enquiry.
type Matrix struct {
	Param   string // the evidence base's filter parameter of a column: "action-area" or "line"
	Columns []Column
	Rows    []Row
	Totals  []Counts // per column: notes bearing on it, in any area
	Total   Counts   // every visible note of the review
}

// Groups are the column groups in order, with how many columns each spans.
func (m Matrix) Groups() []Group {
	var g []Group
	for _, c := range m.Columns {
		if len(g) > 0 && g[len(g)-1].Title == c.Group {
			g[len(g)-1].Span++
			continue
		}
		g = append(g, Group{Title: c.Group, Span: 1})
	}
	return g
}

// Theme is a theme tag and its notes.
type Theme struct {
	Name string
	Counts
}

// Coverage is everything the coverage page shows.
type Coverage struct {
	ReviewTitle string
	Threshold   int
	Areas       []Area
	ActionAreas Matrix
	Lines       Matrix
	Themes      []Theme // most frequent first
}

// Thin reports whether a cell has fewer notes than the threshold.
func (c Coverage) Thin(cell Counts) bool { return cell.Total() < c.Threshold }

// ThinCells counts the cells of a matrix below the threshold.
func (c Coverage) ThinCells(m Matrix) int {
	n := 0
	for _, r := range m.Rows {
		for _, cell := range r.Cells {
			if c.Thin(cell) {
				n++
			}
		}
	}
	return n
}

// Load reads the whole page's data in two statements, whatever the number of areas or notes: the
// review with its areas, columns and themes as JSON, then the non-zero counters as rows.
func Load(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (Coverage, error) {
	var c Coverage
	var areas [][2]string
	var aa, lines []Column
	err := tx.QueryRow(ctx, `SELECT r.title, r.coverage_threshold,
		(SELECT coalesce(json_agg(json_build_array(ra.id, `+review.AreaLabel+`) ORDER BY `+review.AreaLabel+`, ra.id), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', aa.id, 'Title', aa.title, 'Group', g.title)
				ORDER BY g.position, aa.position, aa.id), '[]')
			FROM action_areas aa JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
			WHERE aa.tenant_id = $1 AND aa.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', l.id, 'Title', l.question, 'Group', coalesce(g.title, $3))
				ORDER BY g.position NULLS FIRST, l.position, l.id), '[]')
			FROM enquiry_lines l LEFT JOIN enquiry_groups g ON g.tenant_id = l.tenant_id AND g.id = l.group_id
			WHERE l.tenant_id = $1 AND l.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('Name', t.name, 'Strength', c.strength,
				'Development', c.development, 'Neutral', c.neutral)
				ORDER BY c.strength + c.development + c.neutral DESC, lower(t.name), t.id), '[]')
			FROM (SELECT key_id, sum(strength)::int AS strength, sum(development)::int AS development,
					sum(neutral)::int AS neutral
				FROM evidence_counts_live WHERE tenant_id = $1 AND review_id = $2 AND dimension = 'tag' GROUP BY key_id) c
			JOIN evidence_tags t ON t.tenant_id = $1 AND t.id = c.key_id AND t.review_id = $2
			WHERE c.strength + c.development + c.neutral <> 0)
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID, review.UngroupedTitle).Scan(&c.ReviewTitle, &c.Threshold,
		&areas, &aa, &lines, &c.Themes)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.NotFound("Review not found")
	}
	if err != nil {
		return c, fmt.Errorf("coverage: load review %s: %w", reviewID, err)
	}
	c.Areas = make([]Area, len(areas))
	for i, a := range areas {
		c.Areas[i] = Area{ID: a[0], Name: a[1]}
	}
	c.ActionAreas = newMatrix("action-area", c.Areas, aa)
	c.Lines = newMatrix("line", c.Areas, lines)
	areaIdx := make(map[string]int, len(c.Areas))
	for i, a := range c.Areas {
		areaIdx[a.ID] = i
	}
	aaIdx, lineIdx := index(aa), index(lines)
	rows, _ := tx.Query(ctx, `SELECT dimension, area_id::text, key_id::text, strength, development, neutral FROM evidence_counts_live
		WHERE tenant_id = $1 AND review_id = $2 AND dimension IN ('note', 'action_area', 'line')
		AND (strength, development, neutral) <> (0, 0, 0)`, tenantID, reviewID)
	var dim, area, key string
	var n Counts
	_, err = pgx.ForEachRow(rows, []any{&dim, &area, &key, &n.Strength, &n.Development, &n.Neutral}, func() error {
		r, ok := areaIdx[area]
		if !ok {
			return nil
		}
		switch dim {
		case "note":
			c.ActionAreas.Rows[r].Total.plus(n)
			c.Lines.Rows[r].Total.plus(n)
			c.ActionAreas.Total.plus(n)
			c.Lines.Total.plus(n)
		case "action_area":
			if k, ok := aaIdx[key]; ok {
				c.ActionAreas.Rows[r].Cells[k].plus(n)
				c.ActionAreas.Totals[k].plus(n)
			}
		case "line":
			if k, ok := lineIdx[key]; ok {
				c.Lines.Rows[r].Cells[k].plus(n)
				c.Lines.Totals[k].plus(n)
			}
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("coverage: load counts of %s: %w", reviewID, err)
	}
	return c, nil
}

func index(cols []Column) map[string]int {
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		m[c.ID] = i
	}
	return m
}

func newMatrix(param string, areas []Area, cols []Column) Matrix {
	m := Matrix{Param: param, Columns: cols, Rows: make([]Row, len(areas)), Totals: make([]Counts, len(cols))}
	cells := make([]Counts, len(areas)*len(cols))
	for i, a := range areas {
		m.Rows[i] = Row{Area: a, Cells: cells[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]}
	}
	return m
}

// Query is the evidence base's filter for notes of an area (or any area, "") bearing on a column
// (or any, "") with a judgement (or any, ""), as query parameters of /reviews/{id}/evidence
// (evidence.ParseFilter reads them). It gives exactly the notes a count counts.
func Query(areaID, param, columnID, judgement string) url.Values {
	v := url.Values{}
	if areaID != "" {
		v.Set("area", areaID)
	}
	if param != "" && columnID != "" {
		v.Set(param, columnID)
	}
	if judgement != "" {
		v.Set("judgement", judgement)
	}
	return v
}

// ThemeQuery filters the evidence base on a theme.
func ThemeQuery(name, judgement string) url.Values {
	v := url.Values{"tag": {name}}
	if judgement != "" {
		v.Set("judgement", judgement)
	}
	return v
}

// ThresholdInput is the lead's threshold form as typed.
type ThresholdInput struct {
	Value string
}

// Parse validates the threshold: a whole number from 0 to 1000.
func (in ThresholdInput) Parse() (int, *form.Errors) {
	errs := &form.Errors{}
	s := strings.TrimSpace(in.Value)
	if s == "" {
		errs.Add("threshold", "Enter the number of notes below which a cell is thin")
		return 0, errs
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		errs.Add("threshold", "Threshold must be a whole number, like 3")
		return 0, errs
	}
	if n < 0 || n > MaxThreshold {
		errs.Add("threshold", fmt.Sprintf("Threshold must be between 0 and %d", MaxThreshold))
		return 0, errs
	}
	return n, errs
}

// SetThreshold sets the review's threshold of thin cells. The review row is locked FOR NO KEY
// UPDATE, which does not wait for note saves (their foreign keys hold KEY SHARE locks on it). It is a plain overwrite: the value is a
// display preference of the review's leads, the last one set wins and the audit log keeps each
// change with its before and after. Setting the same value again records nothing.
func SetThreshold(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, value int) error {
	return setThreshold(ctx, tx, db.Scope{TenantID: tenantID, UserID: actorID, ReviewID: reviewID}, value)
}

func setThreshold(ctx context.Context, tx pgx.Tx, sc db.Scope, value int) error {
	tenantID, reviewID := sc.TenantID, sc.ReviewID
	if value < 0 || value > MaxThreshold {
		return apperr.Invalid("Threshold must be between 0 and %d", MaxThreshold)
	}
	before, err := review.SetCoverageThreshold(ctx, tx, tenantID, reviewID, value)
	if err != nil || before == value {
		return err
	}
	return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "coverage.threshold_changed",
		ObjectType: "review", ObjectID: reviewID,
		Before: map[string]int{"coverage_threshold": before}, After: map[string]int{"coverage_threshold": value}})
}
