package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
)

// Counts are how many of each kind of object an archive holds (for the audit log and messages).
type Counts struct {
	Areas           int `json:"areas"`
	Members         int `json:"members"`
	Visits          int `json:"visits"`
	Notes           int `json:"notes"`
	Findings        int `json:"findings"`
	Examples        int `json:"examples"`
	Recommendations int `json:"recommendations"`
	ReportTexts     int `json:"report_texts"`
	Documents       int `json:"documents"`
	ReportVersions  int `json:"report_versions"`
	ReviewNotes     int `json:"review_notes"`
}

// refs hands out references: "<kind>-1", "<kind>-2"… by id, in the order they are asked for.
type refs struct {
	byID  map[string]string
	order map[string]int // id → its place, for sorting links
	n     int
	kind  string
}

func newRefs(kind string) *refs {
	return &refs{byID: map[string]string{}, order: map[string]int{}, kind: kind}
}

func (r *refs) add(id string) string {
	r.n++
	ref := r.kind + "-" + strconv.Itoa(r.n)
	r.byID[id] = ref
	r.order[id] = r.n
	return ref
}

// sorted maps ids to refs in the order the refs were handed out, skipping unknown ids.
func (r *refs) sorted(ids []string) []string {
	known := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := r.byID[id]; ok {
			known = append(known, id)
		}
	}
	slices.SortFunc(known, func(a, b string) int { return r.order[a] - r.order[b] })
	out := make([]string, len(known))
	for i, id := range known {
		out[i] = r.byID[id]
	}
	return out
}

// exporter writes one archive.
type exporter struct {
	ctx              context.Context
	q                db.Querier
	tenant, review   string
	w                *bufio.Writer
	buf              bytes.Buffer
	enc              *json.Encoder
	first            bool
	areas            *refs
	lines, groups    *refs
	actionAreas      *refs
	visits           *refs
	sources, roles   *refs
	elements, levels *refs
	notes, findings  *refs
	documents        *refs
	examples, recs   *refs
	counts           Counts
	small            map[string][]jsonRow // the small tables' rows by section, read by reviewRow
}

// Export writes the review as an archive to w, streaming the notes one at a time, with a fixed
// number of queries whatever the review's size: the JSON, or a ZIP file of the JSON and the
// documents when the review has documents. now is the export's time.
func Export(ctx context.Context, q db.Querier, tenantID, reviewID string, w io.Writer, now time.Time) (Counts, error) {
	x, err := Prepare(ctx, q, tenantID, reviewID)
	if err != nil {
		return Counts{}, err
	}
	return x.Write(w, now)
}

// Exporter is a review's archive with everything but the notes and their links to findings read:
// one statement whatever the review's size (every table but those two is small; each is read as
// one JSON column of rows). WriteTo then streams the notes and the links, a statement each.
type Exporter struct {
	e  *exporter
	rv Review
}

// Prepare reads the review and its small tables, for WriteTo.
func Prepare(ctx context.Context, q db.Querier, tenantID, reviewID string) (*Exporter, error) {
	e := &exporter{ctx: ctx, q: q, tenant: tenantID, review: reviewID, first: true,
		areas: newRefs("area"), lines: newRefs("line"), groups: newRefs("group"), actionAreas: newRefs("action-area"),
		visits: newRefs("visit"), sources: newRefs("source"), roles: newRefs("role"), elements: newRefs("element"),
		levels: newRefs("level"), notes: newRefs("note"), findings: newRefs("finding"), documents: newRefs("document"),
		examples: newRefs("example"), recs: newRefs("recommendation"), small: map[string][]jsonRow{}}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	rv, err := e.reviewRow()
	if err != nil {
		return nil, err
	}
	return &Exporter{e: e, rv: rv}, nil
}

// Title is the review's title.
func (x *Exporter) Title() string { return x.rv.Title }

// WriteTo writes the archive's JSON to w; now is the export's time. Write writes the whole
// archive, with the documents.
func (x *Exporter) WriteTo(w io.Writer, now time.Time) (Counts, error) {
	e, rv := x.e, x.rv
	e.w = bufio.NewWriterSize(w, 64<<10)
	if _, err := e.w.WriteString("{"); err != nil {
		return Counts{}, err
	}
	steps := []func() error{
		func() error { return e.field("format", Format) },
		func() error { return e.field("version", Version) },
		func() error { return e.field("exported_at", now.UTC().Format(time.RFC3339)) },
		func() error { return e.field("review", rv) },
		e.enquiry, e.framework, e.areaList, e.members, e.visitList, e.sourceList, e.vocabLists, e.themes, e.selfAssessment,
		e.questionnaires, e.scale, e.noteList, e.documentList, e.findingList, e.exampleList, e.recommendationList, e.reportTexts,
		e.reportState, e.reportVersions, e.reviewNotes, func() error { return e.field("left_out", NotCarried) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Counts{}, err
		}
	}
	if _, err := e.w.WriteString("}\n"); err != nil {
		return Counts{}, err
	}
	return e.counts, e.w.Flush()
}

// value writes one JSON value.
func (e *exporter) value(v any) error {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return fmt.Errorf("archive: encode: %w", err)
	}
	_, err := e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	return err
}

// key starts a top-level field.
func (e *exporter) key(k string) error {
	sep := ",\n"
	if e.first {
		sep, e.first = "", false
	}
	_, err := e.w.WriteString(sep + strconv.Quote(k) + ":")
	return err
}

func (e *exporter) field(k string, v any) error {
	if err := e.key(k); err != nil {
		return err
	}
	return e.value(v)
}

func (e *exporter) query(what, sql string, args ...any) (pgx.Rows, error) {
	rows, err := e.q.Query(e.ctx, sql, append([]any{e.tenant, e.review}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("archive: export %s: %w", what, err)
	}
	return rows, nil
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("archive: export %s: %w", what, err)
}

func dateStr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func stampPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

// smallSections are the queries of the small tables, each a JSON array of rows (each row an
// array of its columns) in the order of the query: all are read in reviewRow's one statement.
var smallSections = []struct{ what, sql string }{
	{"enquiry groups", `(SELECT coalesce(json_agg(json_build_array(id::text, title) ORDER BY position, id), '[]')
		FROM enquiry_groups
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"lines in no group", `(SELECT coalesce(json_agg(json_build_array(id::text, question) ORDER BY position, id), '[]')
		FROM enquiry_lines
		WHERE tenant_id = $1 AND review_id = $2 AND group_id IS NULL)`},
	{"lines of enquiry", `(SELECT coalesce(json_agg(json_build_array(l.id::text, l.group_id::text, l.question) ORDER BY g.position, g.id, l.position, l.id), '[]')
		FROM enquiry_lines l
		JOIN enquiry_groups g ON g.tenant_id = l.tenant_id AND g.id = l.group_id
		WHERE l.tenant_id = $1 AND l.review_id = $2)`},
	{"framework groups", `(SELECT coalesce(json_agg(json_build_array(id::text, title) ORDER BY position, id), '[]')
		FROM framework_groups
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"action areas", `(SELECT coalesce(json_agg(json_build_array(a.id::text, a.group_id::text, a.title, a.quote, a.citation) ORDER BY g.position, g.id, a.position, a.id), '[]')
		FROM action_areas a
		JOIN framework_groups g ON g.tenant_id = a.tenant_id AND g.id = a.group_id
		WHERE a.tenant_id = $1 AND a.review_id = $2)`},
	{"areas", `(SELECT coalesce(json_agg(json_build_array(ra.id::text, ra.ons_code, la.display_name) ORDER BY ra.ons_code), '[]')
		FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.tenant_id = $1 AND ra.review_id = $2)`},
	{"members", `(SELECT coalesce(json_agg(json_build_array(email, name, role, area_id::text, inspectorate, job_title) ORDER BY email, pending), '[]')
		FROM (
			SELECT u.email, u.name, m.role, m.area_id, m.inspectorate, m.job_title, 0 AS pending
			FROM review_members m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.review_id = $2
			UNION ALL
			SELECT i.email, i.name, i.role, i.area_id, i.inspectorate, i.job_title, 1
			FROM review_member_invites i WHERE i.tenant_id = $1 AND i.review_id = $2) p)`},
	{"visits", `(SELECT coalesce(json_agg(json_build_array(v.id::text, v.area_id::text, v.start_date, v.days, v.notes) ORDER BY v.start_date NULLS LAST, ra.ons_code, v.id), '[]')
		FROM visits v
		JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
		WHERE v.tenant_id = $1 AND v.review_id = $2)`},
	// Everyone on a visit's team (visit_members, or with days), with their own values on the visit
	// and their days (a row with a null day for someone with none).
	{"team days", `(SELECT coalesce(json_agg(json_build_array(t.visit_id::text, u.email, d.day, o.inspectorate, o.job_title)
			ORDER BY t.visit_id, u.email, d.day), '[]')
		FROM (SELECT tenant_id, visit_id, member_id FROM visit_members WHERE tenant_id = $1
			UNION SELECT tenant_id, visit_id, member_id FROM visit_days WHERE tenant_id = $1) t
		JOIN visits v ON v.tenant_id = t.tenant_id AND v.id = t.visit_id
		JOIN review_members m ON m.tenant_id = t.tenant_id AND m.id = t.member_id
		JOIN users u ON u.id = m.user_id
		LEFT JOIN visit_members o ON o.tenant_id = t.tenant_id AND o.visit_id = t.visit_id AND o.member_id = t.member_id
		LEFT JOIN visit_days d ON d.tenant_id = t.tenant_id AND d.visit_id = t.visit_id AND d.member_id = t.member_id
		WHERE v.review_id = $2)`},
	{"evidence sources", `(SELECT coalesce(json_agg(json_build_array(id::text, name, needs_role) ORDER BY position, id), '[]')
		FROM evidence_sources
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"evidence roles", `(SELECT coalesce(json_agg(json_build_array(id::text, name) ORDER BY position, id), '[]')
		FROM evidence_roles
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"inspectorates", `(SELECT coalesce(json_agg(json_build_array(name) ORDER BY position, id), '[]')
		FROM review_inspectorates WHERE tenant_id = $1 AND review_id = $2)`},
	{"team roles", `(SELECT coalesce(json_agg(json_build_array(name) ORDER BY position, id), '[]')
		FROM review_team_roles WHERE tenant_id = $1 AND review_id = $2)`},
	{"addressees", `(SELECT coalesce(json_agg(json_build_array(name) ORDER BY position, id), '[]')
		FROM review_addressees WHERE tenant_id = $1 AND review_id = $2)`},
	{"documents", `(SELECT coalesce(json_agg(json_build_array(d.id::text, d.area_id::text, d.title, d.filename, d.content_type, d.size,
			encode(d.sha256, 'hex'), u.email, d.uploaded_at) ORDER BY ra.ons_code, d.uploaded_at, d.id), '[]')
		FROM area_documents d
		JOIN review_areas ra ON ra.tenant_id = d.tenant_id AND ra.id = d.area_id
		LEFT JOIN users u ON u.id = d.uploaded_by
		WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.deleted_at IS NULL AND d.scan_status = 'clean')`},
	{"document notes", `(SELECT coalesce(json_agg(json_build_array(nd.document_id::text, nd.note_id::text)), '[]')
		FROM evidence_note_documents nd
		JOIN area_documents d ON d.tenant_id = nd.tenant_id AND d.id = nd.document_id
		WHERE nd.tenant_id = $1 AND d.review_id = $2)`},
	{"report", `(SELECT coalesce(json_agg(json_build_array(r.status, r.status_note, u.email, r.status_at, r.published_version)), '[]')
		FROM reports r LEFT JOIN users u ON u.id = r.status_by
		WHERE r.tenant_id = $1 AND r.review_id = $2)`},
	{"report versions", `(SELECT coalesce(json_agg(json_build_array(v.number, v.label, u.email, v.created_at, v.doc) ORDER BY v.number), '[]')
		FROM report_versions v LEFT JOIN users u ON u.id = v.created_by
		WHERE v.tenant_id = $1 AND v.review_id = $2)`},
	// A theme only a safeguarding concern carries stays with the concern, which is left out.
	{"themes", `(SELECT coalesce(json_agg(json_build_array(t.name) ORDER BY lower(t.name), t.name), '[]')
		FROM evidence_tags t WHERE t.tenant_id = $1 AND t.review_id = $2
		AND EXISTS (SELECT 1 FROM evidence_note_tags x JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
			WHERE x.tenant_id = t.tenant_id AND x.tag_id = t.id AND NOT n.safeguarding))`},
	{"self-assessment settings", `(SELECT coalesce(json_agg(json_build_array(commentary_required)), '[]')
		FROM sa_settings
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"self-assessment elements", `(SELECT coalesce(json_agg(json_build_array(id::text, title, guidance) ORDER BY position, id), '[]')
		FROM sa_elements
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"self-assessment levels", `(SELECT coalesce(json_agg(json_build_array(id::text, label, description) ORDER BY position, id), '[]')
		FROM sa_levels
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"self-assessment deadlines", `(SELECT coalesce(json_agg(json_build_array(d.area_id::text, d.due) ORDER BY ra.ons_code), '[]')
		FROM sa_deadlines d
		JOIN review_areas ra ON ra.tenant_id = d.tenant_id AND ra.id = d.area_id
		WHERE d.tenant_id = $1 AND d.review_id = $2)`},
	{"self-assessment submissions", `(SELECT coalesce(json_agg(json_build_array(s.area_id::text, s.status, s.submitted_at, sb.email,
			s.reopened_at, rb.email, s.reopen_reason) ORDER BY ra.ons_code), '[]')
		FROM sa_submissions s
		JOIN review_areas ra ON ra.tenant_id = s.tenant_id AND ra.id = s.area_id
		LEFT JOIN users sb ON sb.id = s.submitted_by
		LEFT JOIN users rb ON rb.id = s.reopened_by
		WHERE s.tenant_id = $1 AND s.review_id = $2)`},
	{"self-assessment answers", `(SELECT coalesce(json_agg(json_build_array(x.area_id::text, x.element_id::text, x.level_id::text, x.commentary,
			u.email, x.updated_at) ORDER BY ra.ons_code, el.position, el.id), '[]')
		FROM sa_responses x
		JOIN review_areas ra ON ra.tenant_id = x.tenant_id AND ra.id = x.area_id
		JOIN sa_elements el ON el.tenant_id = x.tenant_id AND el.id = x.element_id
		LEFT JOIN users u ON u.id = x.updated_by
		WHERE x.tenant_id = $1 AND x.review_id = $2)`},
	{"questionnaires", `(SELECT coalesce(json_agg(json_build_array(qi.id::text, qi.area_id::text, u.email, qi.imported_at) ORDER BY ra.ons_code), '[]')
		FROM questionnaire_imports qi
		JOIN review_areas ra ON ra.tenant_id = qi.tenant_id AND ra.id = qi.area_id
		LEFT JOIN users u ON u.id = qi.imported_by
		WHERE qi.tenant_id = $1 AND qi.review_id = $2)`},
	{"questionnaire counts", `(SELECT coalesce(json_agg(json_build_array(c.import_id::text, c.question, c.answer, c.count) ORDER BY c.import_id, c.position), '[]')
		FROM questionnaire_counts c
		JOIN questionnaire_imports qi ON qi.tenant_id = c.tenant_id AND qi.id = c.import_id
		WHERE c.tenant_id = $1 AND qi.review_id = $2)`},
	{"quantifier scale", `(SELECT coalesce(json_agg(json_build_array(id::text, label, special, min_percent, min_areas) ORDER BY special = 'all' DESC NULLS LAST, special = 'one' ASC NULLS FIRST, min_percent DESC, label, id), '[]')
		FROM quantifier_bands
		WHERE tenant_id = $1 AND review_id = $2)`},
	{"findings", `(SELECT coalesce(json_agg(json_build_array(f.id::text, f.action_area_id::text, f.body, f.prevalence_style, f.word_override,
			f.override_reason, f.confirmed_areas, u.email) ORDER BY g.position, g.id, a.position, a.id, f.position, f.created_at, f.id), '[]')
		FROM findings f
		JOIN action_areas a ON a.tenant_id = f.tenant_id AND a.id = f.action_area_id
		JOIN framework_groups g ON g.tenant_id = a.tenant_id AND g.id = a.group_id
		LEFT JOIN users u ON u.id = f.created_by
		WHERE f.tenant_id = $1 AND f.review_id = $2)`},
	{"examples", `(SELECT coalesce(json_agg(json_build_array(x.id::text, x.action_area_id::text, x.area_id::text, x.note_id::text, x.title, x.body, u.email) ORDER BY g.position, g.id, a.position, a.id, x.position, x.created_at, x.id), '[]')
		FROM practice_examples x
		JOIN action_areas a ON a.tenant_id = x.tenant_id AND a.id = x.action_area_id
		JOIN framework_groups g ON g.tenant_id = a.tenant_id AND g.id = a.group_id
		LEFT JOIN users u ON u.id = x.created_by
		WHERE x.tenant_id = $1 AND x.review_id = $2)`},
	{"recommendations", `(SELECT coalesce(json_agg(json_build_array(r.id::text, r.body, r.addressee, u.email) ORDER BY r.position, r.created_at, r.id), '[]')
		FROM recommendations r
		LEFT JOIN users u ON u.id = r.created_by
		WHERE r.tenant_id = $1 AND r.review_id = $2)`},
	{"recommendation findings", `(SELECT coalesce(json_agg(json_build_array(rf.recommendation_id::text, rf.finding_id::text)), '[]')
		FROM recommendation_findings rf
		JOIN recommendations r ON r.tenant_id = rf.tenant_id AND r.id = rf.recommendation_id
		WHERE rf.tenant_id = $1 AND r.review_id = $2)`},
	{"report texts", `(SELECT coalesce(json_agg(json_build_array(key, body)), '[]')
		FROM report_texts WHERE tenant_id = $1 AND review_id = $2)`},
	{"review notes", reviewNotesSQL},
}

// smallSQL reads the review and every small section in one statement.
var smallSQL = func() string {
	var b strings.Builder
	b.WriteString(`SELECT title, summary, key_question, fieldwork_start, fieldwork_end, planned_publication,
			status, coverage_threshold, evidence_locked_at IS NOT NULL`)
	for _, sec := range smallSections {
		b.WriteString(",\n\t\t" + sec.sql)
	}
	b.WriteString("\n\tFROM reviews WHERE tenant_id = $1 AND id = $2")
	return b.String()
}()

// reviewRow reads the review and keeps the small sections' rows for their steps.
func (e *exporter) reviewRow() (Review, error) {
	var rv Review
	var start, end, pub *time.Time
	dest := []any{&rv.Title, &rv.Summary, &rv.KeyQuestion, &start, &end, &pub, &rv.Status, &rv.CoverageThreshold, &rv.EvidenceLocked}
	rows := make([][]jsonRow, len(smallSections))
	for i := range rows {
		dest = append(dest, &rows[i])
	}
	if err := e.q.QueryRow(e.ctx, smallSQL, e.tenant, e.review).Scan(dest...); err != nil {
		return rv, wrap("review", err)
	}
	for i, sec := range smallSections {
		e.small[sec.what] = rows[i]
	}
	rv.FieldworkStart, rv.FieldworkEnd, rv.PlannedPublication = dateStr(start), dateStr(end), dateStr(pub)
	return rv, nil
}

// rowScanner is a row of a query or of a small section.
type rowScanner interface{ Scan(dest ...any) error }

// jsonRow is a row of a small section: a JSON array of its columns. Scan reads each column as
// encoding/json does, and dates and times as PostgreSQL writes them in JSON.
type jsonRow []json.RawMessage

func (r jsonRow) Scan(dest ...any) error {
	if len(r) != len(dest) {
		return fmt.Errorf("%d columns, %d destinations", len(r), len(dest))
	}
	for i, d := range dest {
		var err error
		switch d := d.(type) {
		case *time.Time:
			*d, err = jsonTime(r[i])
		case **time.Time:
			*d = nil
			if string(r[i]) != "null" {
				var t time.Time
				t, err = jsonTime(r[i])
				*d = &t
			}
		default:
			err = json.Unmarshal(r[i], d)
		}
		if err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	return nil
}

// jsonTime reads a date ("2024-01-31") or a time with its offset as PostgreSQL writes them in JSON.
func jsonTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	if len(s) == len(time.DateOnly) {
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// rows calls scan for every row of a small section.
func (e *exporter) rows(what string, scan func(r rowScanner) error) error {
	for _, r := range e.small[what] {
		if err := scan(r); err != nil {
			return wrap(what, err)
		}
	}
	return nil
}

// each runs a query of the review and calls scan for every row.
func (e *exporter) each(what, sql string, scan func(r rowScanner) error) error {
	rows, err := e.query(what, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return wrap(what, err)
		}
	}
	return wrap(what, rows.Err())
}

func (e *exporter) enquiry() error {
	ungrouped := []Line{}
	err := e.rows("lines in no group", func(r rowScanner) error {
		var id string
		var l Line
		if err := r.Scan(&id, &l.Question); err != nil {
			return err
		}
		l.Ref = e.lines.add(id)
		ungrouped = append(ungrouped, l)
		return nil
	})
	if err != nil {
		return err
	}
	if err := e.field("enquiry_lines", ungrouped); err != nil {
		return err
	}
	groups := []EnquiryGroup{}
	at := map[string]int{}
	gr := newRefs("enquiry-group")
	err = e.rows("enquiry groups", func(r rowScanner) error {
		var id string
		g := EnquiryGroup{Lines: []Line{}}
		if err := r.Scan(&id, &g.Title); err != nil {
			return err
		}
		g.Ref = gr.add(id)
		at[id] = len(groups)
		groups = append(groups, g)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("lines of enquiry", func(r rowScanner) error {
		var id, group string
		var l Line
		if err := r.Scan(&id, &group, &l.Question); err != nil {
			return err
		}
		if i, ok := at[group]; ok {
			l.Ref = e.lines.add(id)
			groups[i].Lines = append(groups[i].Lines, l)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("enquiry_groups", groups)
}

func (e *exporter) framework() error {
	groups := []FrameworkGroup{}
	at := map[string]int{}
	err := e.rows("framework groups", func(r rowScanner) error {
		var id string
		g := FrameworkGroup{ActionAreas: []ActionArea{}}
		if err := r.Scan(&id, &g.Title); err != nil {
			return err
		}
		g.Ref = e.groups.add(id)
		at[id] = len(groups)
		groups = append(groups, g)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("action areas", func(r rowScanner) error {
		var id, group string
		var a ActionArea
		if err := r.Scan(&id, &group, &a.Title, &a.Quote, &a.Citation); err != nil {
			return err
		}
		if i, ok := at[group]; ok {
			a.Ref = e.actionAreas.add(id)
			groups[i].ActionAreas = append(groups[i].ActionAreas, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("framework_groups", groups)
}

func (e *exporter) areaList() error {
	list := []Area{}
	err := e.rows("areas", func(r rowScanner) error {
		var id string
		var a Area
		if err := r.Scan(&id, &a.ONSCode, &a.Name); err != nil {
			return err
		}
		a.Ref = "area-" + a.ONSCode
		e.areas.byID[id] = a.Ref
		e.areas.order[id] = len(list)
		list = append(list, a)
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.Areas = len(list)
	return e.field("areas", list)
}

func (e *exporter) areaRef(id *string) *string {
	if id == nil {
		return nil
	}
	if ref, ok := e.areas.byID[*id]; ok {
		return &ref
	}
	return nil
}

// members lists the review's members and pending invitations by email; a member wins over an
// invitation of the same address.
func (e *exporter) members() error {
	list := []Member{}
	seen := map[string]bool{}
	err := e.rows("members", func(r rowScanner) error {
		var m Member
		var area *string
		if err := r.Scan(&m.Email, &m.Name, &m.Role, &area, &m.Inspectorate, &m.JobTitle); err != nil {
			return err
		}
		if seen[m.Email] {
			return nil
		}
		seen[m.Email] = true
		m.Area = e.areaRef(area)
		list = append(list, m)
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.Members = len(list)
	return e.field("members", list)
}

func (e *exporter) visitList() error {
	list := []Visit{}
	at := map[string]int{}
	err := e.rows("visits", func(r rowScanner) error {
		var id, area string
		var start *time.Time
		v := Visit{Team: []TeamDays{}}
		if err := r.Scan(&id, &area, &start, &v.Days, &v.Notes); err != nil {
			return err
		}
		v.Ref, v.Area = e.visits.add(id), e.areas.byID[area]
		if start != nil {
			s := start.Format(time.DateOnly)
			v.StartDate = &s
		}
		at[id] = len(list)
		list = append(list, v)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("team days", func(r rowScanner) error {
		var visit, email string
		var day *time.Time
		var insp, job *string
		if err := r.Scan(&visit, &email, &day, &insp, &job); err != nil {
			return err
		}
		i, ok := at[visit]
		if !ok {
			return nil
		}
		team := list[i].Team
		if n := len(team); n == 0 || team[n-1].Email != email {
			team = append(team, TeamDays{Email: email, Days: []string{}, Inspectorate: insp, JobTitle: job})
		}
		if day != nil {
			team[len(team)-1].Days = append(team[len(team)-1].Days, day.Format(time.DateOnly))
		}
		list[i].Team = team
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.Visits = len(list)
	return e.field("visits", list)
}

func (e *exporter) sourceList() error {
	sources := []Source{}
	err := e.rows("evidence sources", func(r rowScanner) error {
		var id string
		var s Source
		if err := r.Scan(&id, &s.Name, &s.NeedsRole); err != nil {
			return err
		}
		s.Ref = e.sources.add(id)
		sources = append(sources, s)
		return nil
	})
	if err != nil {
		return err
	}
	if err := e.field("evidence_sources", sources); err != nil {
		return err
	}
	roles := []Role{}
	err = e.rows("evidence roles", func(r rowScanner) error {
		var id string
		var x Role
		if err := r.Scan(&id, &x.Name); err != nil {
			return err
		}
		x.Ref = e.roles.add(id)
		roles = append(roles, x)
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("evidence_roles", roles)
}

func (e *exporter) themes() error { return e.names("themes", "themes") }

// names writes a section that is a list of names, one per row of the statement what.
func (e *exporter) names(what, key string) error {
	names := []string{}
	err := e.rows(what, func(r rowScanner) error {
		var n string
		if err := r.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
		return nil
	})
	if err != nil {
		return err
	}
	return e.field(key, names)
}

// emailOf reads a nullable user's email column.
func emailOf(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func (e *exporter) selfAssessment() error {
	sa := SelfAssessment{Elements: []Element{}, Levels: []Level{}, Deadlines: []Deadline{}, Submissions: []Submission{}, Answers: []Answer{}}
	err := e.rows("self-assessment settings", func(r rowScanner) error {
		var b bool
		if err := r.Scan(&b); err != nil {
			return err
		}
		sa.CommentaryRequired = &b
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("self-assessment elements", func(r rowScanner) error {
		var id string
		var el Element
		if err := r.Scan(&id, &el.Title, &el.Guidance); err != nil {
			return err
		}
		el.Ref = e.elements.add(id)
		sa.Elements = append(sa.Elements, el)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("self-assessment levels", func(r rowScanner) error {
		var id string
		var l Level
		if err := r.Scan(&id, &l.Label, &l.Description); err != nil {
			return err
		}
		l.Ref = e.levels.add(id)
		sa.Levels = append(sa.Levels, l)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("self-assessment deadlines", func(r rowScanner) error {
		var area string
		var due time.Time
		if err := r.Scan(&area, &due); err != nil {
			return err
		}
		sa.Deadlines = append(sa.Deadlines, Deadline{Area: e.areas.byID[area], Due: due.Format(time.DateOnly)})
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("self-assessment submissions", func(r rowScanner) error {
		var area string
		var sub Submission
		var submittedAt, reopenedAt *time.Time
		if err := r.Scan(&area, &sub.Status, &submittedAt, &sub.SubmittedBy, &reopenedAt, &sub.ReopenedBy, &sub.ReopenReason); err != nil {
			return err
		}
		sub.Area, sub.SubmittedAt, sub.ReopenedAt = e.areas.byID[area], stampPtr(submittedAt), stampPtr(reopenedAt)
		sub.SubmittedBy, sub.ReopenedBy = emailOf(sub.SubmittedBy), emailOf(sub.ReopenedBy)
		sa.Submissions = append(sa.Submissions, sub)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("self-assessment answers", func(r rowScanner) error {
		var area, element string
		var level *string
		var a Answer
		var updated time.Time
		if err := r.Scan(&area, &element, &level, &a.Commentary, &a.UpdatedBy, &updated); err != nil {
			return err
		}
		a.Area, a.Element, a.UpdatedAt, a.UpdatedBy = e.areas.byID[area], e.elements.byID[element], stamp(updated), emailOf(a.UpdatedBy)
		if level != nil {
			ref := e.levels.byID[*level]
			a.Level = &ref
		}
		sa.Answers = append(sa.Answers, a)
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("self_assessment", sa)
}

func (e *exporter) questionnaires() error {
	list := []Questionnaire{}
	at := map[string]int{}
	err := e.rows("questionnaires", func(r rowScanner) error {
		var id, area string
		var when time.Time
		q := Questionnaire{Counts: []Count{}}
		if err := r.Scan(&id, &area, &q.ImportedBy, &when); err != nil {
			return err
		}
		q.Area, q.ImportedAt, q.ImportedBy = e.areas.byID[area], stamp(when), emailOf(q.ImportedBy)
		at[id] = len(list)
		list = append(list, q)
		return nil
	})
	if err != nil {
		return err
	}
	err = e.rows("questionnaire counts", func(r rowScanner) error {
		var imp string
		var c Count
		if err := r.Scan(&imp, &c.Question, &c.Answer, &c.Count); err != nil {
			return err
		}
		if i, ok := at[imp]; ok {
			list[i].Counts = append(list[i].Counts, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("questionnaires", list)
}

func (e *exporter) scale() error {
	list := []Band{}
	br := newRefs("band")
	err := e.rows("quantifier scale", func(r rowScanner) error {
		var id string
		var b Band
		if err := r.Scan(&id, &b.Label, &b.Special, &b.MinPercent, &b.MinAreas); err != nil {
			return err
		}
		b.Ref = br.add(id)
		list = append(list, b)
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("quantifier_scale", list)
}

// noteList streams the notes: one query, one note encoded at a time. Safeguarding concerns and
// deleted notes are left out.
func (e *exporter) noteList() error {
	if err := e.key("notes"); err != nil {
		return err
	}
	if _, err := e.w.WriteString("["); err != nil {
		return err
	}
	n := 0
	var tagNames []string
	err := e.each("notes", `SELECT n.id::text, n.visit_id::text, u.email, n.source_id::text, n.role_id::text, n.note_date,
			n.created_at, n.body, n.judgement, n.good_practice, n.family_words,
			ARRAY(SELECT x.action_area_id::text FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id),
			ARRAY(SELECT x.line_id::text FROM evidence_note_lines x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id),
			ARRAY(SELECT t.name FROM evidence_note_tags x JOIN evidence_tags t ON t.tenant_id = x.tenant_id AND t.id = x.tag_id
				WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id ORDER BY lower(t.name), t.name),
			(SELECT json_agg(json_build_object('filename', f.filename, 'content_type', f.content_type, 'size', f.size,
				'sha256', encode(f.sha256, 'hex'), 'practice_ok', f.practice_ok) ORDER BY f.position)
				FROM evidence_note_files f WHERE f.tenant_id = n.tenant_id AND f.note_id = n.id)
		FROM evidence_notes n JOIN users u ON u.id = n.author_id
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.deleted_at IS NULL AND NOT n.safeguarding
		ORDER BY n.created_at, n.id`, func(r rowScanner) error {
		var id, visit, source string
		var role *string
		var date, created time.Time
		var aas, lines []string
		var note Note
		if err := r.Scan(&id, &visit, &note.Author, &source, &role, &date, &created, &note.Text, &note.Judgement,
			&note.GoodPractice, &note.FamilyWords, &aas, &lines, &tagNames, &note.Files); err != nil {
			return err
		}
		note.Ref, note.Visit, note.Source = e.notes.add(id), e.visits.byID[visit], e.sources.byID[source]
		if role != nil {
			ref := e.roles.byID[*role]
			note.Role = &ref
		}
		note.Date, note.CreatedAt = date.Format(time.DateOnly), stamp(created)
		note.ActionAreas, note.Lines = e.actionAreas.sorted(aas), e.lines.sorted(lines)
		note.Themes = append([]string{}, tagNames...)
		sep := ",\n"
		if n == 0 {
			sep = "\n"
		}
		n++
		if _, err := e.w.WriteString(sep); err != nil {
			return err
		}
		return e.value(note)
	})
	if err != nil {
		return err
	}
	e.counts.Notes = n
	_, err = e.w.WriteString("]")
	return err
}

func (e *exporter) findingList() error {
	list := []Finding{}
	at := map[string]int{}
	err := e.rows("findings", func(r rowScanner) error {
		var id, aa string
		f := Finding{SupportingNotes: []string{}, ContradictingNotes: []string{}}
		if err := r.Scan(&id, &aa, &f.Body, &f.PrevalenceStyle, &f.WordOverride, &f.OverrideReason, &f.ConfirmedAreas, &f.CreatedBy); err != nil {
			return err
		}
		f.Ref, f.ActionArea, f.CreatedBy = e.findings.add(id), e.actionAreas.byID[aa], emailOf(f.CreatedBy)
		at[id] = len(list)
		list = append(list, f)
		return nil
	})
	if err != nil {
		return err
	}
	type link struct{ supports, contradicts []string }
	links := map[string]*link{}
	err = e.each("finding notes", `SELECT fn.finding_id::text, fn.note_id::text, fn.stance FROM finding_notes fn
		JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
		WHERE fn.tenant_id = $1 AND f.review_id = $2`, func(r rowScanner) error {
		var finding, note, stance string
		if err := r.Scan(&finding, &note, &stance); err != nil {
			return err
		}
		l := links[finding]
		if l == nil {
			l = &link{}
			links[finding] = l
		}
		if stance == "supports" {
			l.supports = append(l.supports, note)
		} else {
			l.contradicts = append(l.contradicts, note)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, l := range links {
		if i, ok := at[id]; ok {
			list[i].SupportingNotes, list[i].ContradictingNotes = e.notes.sorted(l.supports), e.notes.sorted(l.contradicts)
		}
	}
	e.counts.Findings = len(list)
	return e.field("findings", list)
}

func (e *exporter) exampleList() error {
	list := []Example{}
	xr := e.examples
	err := e.rows("examples", func(r rowScanner) error {
		var id, aa, area string
		var note *string
		var x Example
		if err := r.Scan(&id, &aa, &area, &note, &x.Title, &x.Body, &x.CreatedBy); err != nil {
			return err
		}
		x.Ref, x.ActionArea, x.Area, x.CreatedBy = xr.add(id), e.actionAreas.byID[aa], e.areas.byID[area], emailOf(x.CreatedBy)
		if note != nil {
			if ref, ok := e.notes.byID[*note]; ok {
				x.Note = &ref
			}
		}
		list = append(list, x)
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.Examples = len(list)
	return e.field("examples", list)
}

func (e *exporter) recommendationList() error {
	list := []Recommendation{}
	at := map[string]int{}
	rr := e.recs
	err := e.rows("recommendations", func(r rowScanner) error {
		var id string
		x := Recommendation{Findings: []string{}}
		if err := r.Scan(&id, &x.Body, &x.Addressee, &x.CreatedBy); err != nil {
			return err
		}
		x.Ref, x.CreatedBy = rr.add(id), emailOf(x.CreatedBy)
		at[id] = len(list)
		list = append(list, x)
		return nil
	})
	if err != nil {
		return err
	}
	answers := map[string][]string{}
	err = e.rows("recommendation findings", func(r rowScanner) error {
		var rec, f string
		if err := r.Scan(&rec, &f); err != nil {
			return err
		}
		answers[rec] = append(answers[rec], f)
		return nil
	})
	if err != nil {
		return err
	}
	for id, fs := range answers {
		if i, ok := at[id]; ok {
			list[i].Findings = e.findings.sorted(fs)
		}
	}
	e.counts.Recommendations = len(list)
	return e.field("recommendations", list)
}

// reportTexts lists the authored texts: fixed sections in report order, then the groups' texts
// in framework order, then the action areas' texts in framework order. A text of a group or action area that no longer exists is left out.
func (e *exporter) reportTexts() error {
	type text struct {
		rank int
		t    ReportText
	}
	var texts []text
	err := e.rows("report texts", func(r rowScanner) error {
		var key, body string
		if err := r.Scan(&key, &body); err != nil {
			return err
		}
		kind, id, _ := strings.Cut(key, ":")
		switch kind {
		case "group":
			if ref, ok := e.groups.byID[id]; ok {
				texts = append(texts, text{100000 + e.groups.order[id], ReportText{Key: "group:" + ref, Body: body}})
			}
		case "area":
			if ref, ok := e.actionAreas.byID[id]; ok {
				texts = append(texts, text{200000000 + e.actionAreas.order[id], ReportText{Key: "area:" + ref, Body: body}})
			}
		default:
			if i := slices.Index(fixedTextKeys, key); i >= 0 {
				texts = append(texts, text{i, ReportText{Key: key, Body: body}})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(texts, func(a, b text) int { return a.rank - b.rank })
	list := make([]ReportText, len(texts))
	for i, t := range texts {
		list[i] = t.t
	}
	e.counts.ReportTexts = len(list)
	return e.field("report_texts", list)
}
