package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/practice"
	"thematic/internal/review"
)

// Loaded is everything a report page reads: the data the report is built from, the report's
// state, the authored texts with their versions and, when asked for, what the publication check
// looks for and the hits kept on purpose.
type Loaded struct {
	Data        Data
	Stage       review.Status // the review's stage, which says whether the report may change
	State       State
	Texts       map[string]Authored
	Terms       Terms               // only WithCheck
	Overrides   map[string]Override // only WithCheck
	LastVersion *Version            // only ForVersion; nil when none is saved
	// Approved is the document of the approved version (State.ApprovedVersion) while the report
	// is not published, for showing what changed since the approval; nil when there is none.
	Approved *Doc
}

// LoadOptions says what LoadAll reads besides the report's data and state.
type LoadOptions struct {
	WithCheck bool // the publication check's terms and overrides
	WithTrail bool // the notes behind every finding (Data.Linked)
	// ForVersion locks the review's row (FOR UPDATE: versions are numbered per review) and reads
	// the newest saved version (Loaded.LastVersion) in the same statement.
	ForVersion bool
}

// Load reads everything the report is built from, in a fixed number of statements whatever the
// size of the review.
func Load(ctx context.Context, q db.Querier, tenantID, reviewID string) (Data, error) {
	l, err := LoadAll(ctx, q, tenantID, reviewID, LoadOptions{})
	return l.Data, err
}

// LoadTrail adds the notes behind every finding, for the evidence trail (Doc.Trail is built only
// when they are loaded: the published report does not need them).
func LoadTrail(ctx context.Context, q db.Querier, tenantID, reviewID string, d *Data) error {
	linked, err := finding.Notes(ctx, q, tenantID, reviewID, nil)
	if err != nil {
		return err
	}
	if linked == nil {
		linked = map[string][]finding.LinkedNote{}
	}
	d.Linked = linked
	return nil
}

// scaleCol reads the quantifier scale (finding.LoadScale's order), so that the findings take one
// statement more, not two.
const scaleCol = `(SELECT coalesce(json_agg(json_build_object('ID', b.id, 'Label', b.label, 'Special', coalesce(b.special, ''),
				'MinPercent', b.min_percent, 'MinAreas', b.min_areas, 'Version', b.version)
				ORDER BY b.special = 'all' DESC NULLS LAST, b.special = 'one' ASC NULLS FIRST, b.min_percent DESC, b.label), '[]')
			FROM quantifier_bands b WHERE b.tenant_id = $1 AND b.review_id = $2)`

// versionCols are the columns LoadOptions.ForVersion adds: the newest saved version.
const versionCols = `,
		coalesce((SELECT json_build_object('ID', v.id, 'Number', v.number, 'Label', v.label, 'CreatedBy', vu.name,
				'CreatedAt', v.created_at, 'Doc', v.doc)
			FROM report_versions v JOIN users vu ON vu.id = v.created_by
			WHERE v.tenant_id = $1 AND v.review_id = $2 ORDER BY v.number DESC LIMIT 1), 'null')`

// loadSQL reads the review, the report's state, the authored texts, the framework, the
// good-practice examples (with the names of the review's areas, for their warnings), the
// recommendations and the methodology's facts in one statement: each list is one column, a JSON
// array in the order of the list's own query ($1 tenant, $2 review). withCheck adds the terms of
// the publication check and the overrides.
func loadSQL(withCheck bool) string {
	sql := `SELECT rv.title, rv.planned_publication, rv.key_question, rv.status,
		st.review_id IS NOT NULL, coalesce(st.status, ''), coalesce(st.status_note, ''), st.status_by::text, coalesce(u.name, ''),
		st.status_at, st.published_version, coalesce(st.version, 0), coalesce(st.approved_hash, ''), st.approved_version,
		(SELECT v.doc FROM report_versions v WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.number = st.approved_version
			AND st.status <> 'published'),
		(SELECT coalesce(json_agg(json_build_object('Key', t.key, 'Body', t.body, 'Version', t.version) ORDER BY t.key), '[]')
			FROM report_texts t WHERE t.tenant_id = $1 AND t.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', g.id, 'Title', g.title, 'Areas',
				(SELECT coalesce(json_agg(json_build_object('ID', a.id, 'Title', a.title, 'Quote', a.quote, 'Citation', a.citation)
					ORDER BY a.position, a.id), 'null')
				FROM action_areas a WHERE a.tenant_id = $1 AND a.group_id = g.id)) ORDER BY g.position, g.id), 'null')
			FROM framework_groups g WHERE g.tenant_id = $1 AND g.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', e.id, 'ReviewID', e.review_id, 'ActionAreaID', e.action_area_id,
				'NoteID', coalesce(e.note_id::text, ''), 'AreaID', e.area_id, 'AreaName', la.display_name, 'Position', e.position,
				'Title', e.title, 'Body', e.body, 'Version', e.version)
				ORDER BY g.position, aa.position, e.position, e.created_at, e.id), 'null')
			FROM practice_examples e
			JOIN action_areas aa ON aa.tenant_id = e.tenant_id AND aa.id = e.action_area_id
			JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
			JOIN review_areas ra ON ra.tenant_id = e.tenant_id AND ra.id = e.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE e.tenant_id = $1 AND e.review_id = $2),
		(SELECT coalesce(array_agg(la.display_name ORDER BY la.display_name), '{}') FROM review_areas ra
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', r.id, 'Text', r.body, 'Addressee', r.addressee, 'FindingIDs',
				coalesce((SELECT json_agg(f.id ORDER BY g.position, aa.position, f.position, f.created_at)
					FROM recommendation_findings rf
					JOIN findings f ON f.tenant_id = rf.tenant_id AND f.id = rf.finding_id
					JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
					JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
					WHERE rf.tenant_id = $1 AND rf.recommendation_id = r.id), '[]'))
				ORDER BY r.position, r.created_at, r.id), 'null')
			FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2),
		` + scaleCol + `,
		` + factsCols
	if withCheck {
		sql += `,
		` + termsCols + `,
		(SELECT coalesce(json_agg(json_build_object('Key', o.hit_key, 'Term', o.term, 'Reason', o.reason, 'By', u.name,
				'At', o.created_at) ORDER BY o.hit_key), '[]')
			FROM publication_overrides o JOIN users u ON u.id = o.created_by
			WHERE o.tenant_id = $1 AND o.review_id = $2)`
	}
	return sql + `
	FROM reviews rv
	LEFT JOIN reports st ON st.tenant_id = rv.tenant_id AND st.review_id = rv.id
	LEFT JOIN users u ON u.id = st.status_by
	WHERE rv.tenant_id = $1 AND rv.id = $2`
}

// LoadAll reads a report page's data in one statement, plus the review's findings (one, with the
// scale read already; two the first time, when finding.LoadScale writes the default scale) and,
// with the trail, the notes behind them (one): a fixed number whatever the
// size of the review.
func LoadAll(ctx context.Context, q db.Querier, tenantID, reviewID string, opt LoadOptions) (Loaded, error) {
	if !db.ValidUUID(reviewID) {
		return Loaded{}, apperr.NotFound("Review not found")
	}
	var (
		l                  Loaded
		hasState           bool
		by                 *string
		at                 *time.Time
		pub, approved      *int
		texts              []Authored
		examples           []practice.Example
		areaNames          []string
		fr                 factsRow
		tr                 termsRow
		overrides          []Override
		title, keyQuestion string
		published          *time.Time
		groups             []Group
		recs               []Recommendation
	)
	var scale finding.Scale
	dest := []any{&title, &published, &keyQuestion, &l.Stage,
		&hasState, &l.State.Status, &l.State.Note, &by, &l.State.ByName, &at, &pub, &l.State.Version,
		&l.State.ApprovedHash, &approved, &l.Approved, &texts, &groups, &examples, &areaNames, &recs, &scale}
	dest = append(dest, fr.dest()...)
	if opt.WithCheck {
		dest = append(dest, tr.dest()...)
		dest = append(dest, &overrides)
	}
	sql := loadSQL(opt.WithCheck)
	if opt.ForVersion {
		sql = strings.Replace(sql, "\n\tFROM reviews rv\n", versionCols+"\n\tFROM reviews rv\n", 1) + " FOR UPDATE OF rv"
		dest = append(dest, &l.LastVersion)
	}
	err := q.QueryRow(ctx, sql, tenantID, reviewID).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Loaded{}, apperr.NotFound("Review not found")
	}
	if err != nil {
		return Loaded{}, fmt.Errorf("report: load: %w", err)
	}
	if !hasState {
		l.State = State{Status: StatusDraft}
	} else {
		if by != nil {
			l.State.By = *by
		}
		if at != nil {
			l.State.At = *at
		}
		if pub != nil {
			l.State.PublishedVersion = *pub
		}
		if approved != nil {
			l.State.ApprovedVersion = *approved
		}
	}
	d := Data{ReviewID: reviewID, Title: title, Published: published, KeyQuestion: keyQuestion, Texts: map[string]string{},
		Groups: groups, Recommendations: recs}
	l.Texts = map[string]Authored{}
	for _, t := range texts {
		l.Texts[t.Key] = t
		d.Texts[t.Key] = t.Body
	}
	for _, e := range examples {
		d.Examples = append(d.Examples, Example{ID: e.ID, ActionAreaID: e.ActionAreaID, Text: e.Text(), AreaName: e.AreaName,
			NoteID: e.NoteID, Warning: strings.Join(e.Warnings(areaNames), " ")})
	}
	d.Facts = fr.facts()
	if opt.WithCheck {
		l.Terms = tr.terms()
		l.Overrides = map[string]Override{}
		for _, o := range overrides {
			o.At = o.At.Local() // as pgx reads a timestamptz
			l.Overrides[o.Key] = o
		}
	}
	if d.Findings, err = finding.ListScaled(ctx, q, tenantID, reviewID, "", scale); err != nil {
		return l, err
	}
	if opt.WithTrail {
		if err := LoadTrail(ctx, q, tenantID, reviewID, &d); err != nil {
			return l, err
		}
	}
	l.Data = d
	return l, nil
}
