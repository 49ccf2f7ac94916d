package evidence

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	excerptLen   = 300
)

// Filter narrows the evidence base. Every field comes from a query parameter (ParseFilter), so
// that every filter state is a shareable URL.
type Filter struct {
	AreaIDs      []string
	VisitID      string
	ActionAreaID string
	LineID       string
	Tag          string // a tag's name, whatever its case
	SourceID     string
	RoleID       string // the professional role a note names
	Judgement    string
	GoodPractice *bool
	AuthorID     string
	DocumentID   string     // notes citing this supporting document
	From, To     *time.Time // note dates, inclusive
	Query        string     // full text, websearch syntax
	After        string     // opaque cursor from Page.Next
	Before       string     // opaque cursor from Page.Prev (the page before; After is then ignored)
	Limit        int
}

// Segment is a piece of a row's excerpt; Mark is a search match, shown in <mark>.
type Segment struct {
	Text string
	Mark bool
}

// Row is one note of the evidence base.
type Row struct {
	ID           string
	NoteDate     time.Time
	AreaName     string
	VisitStart   time.Time // zero while the visit's start is not known yet
	SourceName   string
	RoleName     string
	AuthorName   string
	Judgement    string
	GoodPractice bool
	FamilyWords  bool
	CreatedAt    time.Time
	Excerpt      []Segment // first 300 characters, or the search headline with its matches marked
	ActionAreas  []string  // titles
	Tags         []string
}

// Page is one page of the list; Next is the cursor of the next page, "" on the last; Prev the
// cursor of the page before, "" on the first.
type Page struct {
	Rows []Row
	Next string
	Prev string
}

// cursor is a row's position, (created_at, id), and whether it is a search's: the next page
// starts after the last row, the page before ends before the first.
type cursor struct {
	search  bool
	created time.Time
	id      string
}

func (c cursor) encode() string {
	kind := "t"
	if c.search {
		kind = "s"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + strconv.FormatInt(c.created.UnixMicro(), 10) + "|" + c.id))
}

func decodeCursor(s string) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || !db.ValidUUID(parts[2]) || (parts[0] != "t" && parts[0] != "s") {
		return cursor{}, false
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return cursor{}, false
	}
	return cursor{search: parts[0] == "s", created: time.UnixMicro(us).UTC(), id: parts[2]}, true
}

// ParseFilter reads a filter from query parameters: area (repeated), visit, action-area, line,
// tag, source, role, judgement, good-practice (yes/no), author, document, from-day/-month/-year, to-day/-month/
// -year, q, after, before, limit. Field errors use those names as ids (dates: "from" and "to").
func ParseFilter(v url.Values) (Filter, *form.Errors) {
	errs := &form.Errors{}
	f := Filter{Query: strings.TrimSpace(v.Get("q")), Tag: strings.TrimSpace(v.Get("tag")), After: strings.TrimSpace(v.Get("after")),
		Before: strings.TrimSpace(v.Get("before"))}
	for _, id := range v["area"] {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !db.ValidUUID(id) {
			errs.Add("area", "Select areas from the list")
			break
		}
		f.AreaIDs = append(f.AreaIDs, strings.ToLower(id))
	}
	ids := []struct {
		name, msg string
		dst       *string
	}{
		{"visit", "Select a visit from the list", &f.VisitID},
		{"action-area", "Select an action area from the list", &f.ActionAreaID},
		{"line", "Select a line of enquiry from the list", &f.LineID},
		{"source", "Select a source from the list", &f.SourceID},
		{"role", "Select a professional role from the list", &f.RoleID},
		{"author", "Select an author from the list", &f.AuthorID},
		{"document", "Select a supporting document from the list", &f.DocumentID},
	}
	for _, p := range ids {
		s := strings.TrimSpace(v.Get(p.name))
		if s != "" && !db.ValidUUID(s) {
			errs.Add(p.name, p.msg)
			continue
		}
		*p.dst = strings.ToLower(s)
	}
	switch j := v.Get("judgement"); j {
	case "", Strength, Development, Neutral:
		f.Judgement = j
	default:
		errs.Add("judgement", "Select strength, area for development or neutral")
	}
	switch v.Get("good-practice") {
	case "":
	case "yes":
		t := true
		f.GoodPractice = &t
	case "no":
		b := false
		f.GoodPractice = &b
	default:
		errs.Add("good-practice", "Select whether to show good practice examples")
	}
	if utf8Len(f.Tag) > MaxTag {
		errs.Add("tag", fmt.Sprintf("Theme must be %d characters or fewer", MaxTag))
	}
	if utf8Len(f.Query) > 500 {
		errs.Add("q", "Search must be 500 characters or fewer")
	}
	// PostgreSQL refuses text that is not UTF-8 or holds NUL: say so rather than fail the query.
	if !pgText(f.Tag) {
		errs.Add("tag", "Theme must only include letters, numbers and punctuation")
	}
	if !pgText(f.Query) {
		errs.Add("q", "Search must only include letters, numbers and punctuation")
	}
	f.From = parseDate(v, "from", "Date from", errs)
	f.To = parseDate(v, "to", "Date to", errs)
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		errs.Add("to", "Date to must be the same as or after date from")
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxLimit {
			errs.Add("limit", fmt.Sprintf("Notes per page must be a number from 1 to %d", MaxLimit))
		} else {
			f.Limit = n
		}
	}
	for name, c := range map[string]string{"after": f.After, "before": f.Before} {
		if c == "" {
			continue
		}
		if c, ok := decodeCursor(c); !ok || c.search != (f.Query != "") {
			errs.Add(name, "The page link is not valid: go back to the first page")
		}
	}
	return f, errs
}

func utf8Len(s string) int { return len([]rune(s)) }

// pgText reports whether PostgreSQL accepts s as text: valid UTF-8 without NUL.
func pgText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// parseDate reads a GOV.UK date input (<name>-day, -month, -year); nil when all are empty.
func parseDate(v url.Values, name, label string, errs *form.Errors) *time.Time {
	d, m, y := strings.TrimSpace(v.Get(name+"-day")), strings.TrimSpace(v.Get(name+"-month")), strings.TrimSpace(v.Get(name+"-year"))
	if d == "" && m == "" && y == "" {
		return nil
	}
	dn, e1 := strconv.Atoi(d)
	mn, e2 := strconv.Atoi(m)
	yn, e3 := strconv.Atoi(y)
	if e1 != nil || e2 != nil || e3 != nil || yn < 1900 || yn > 2200 || mn < 1 || mn > 12 || dn < 1 || dn > 31 {
		errs.Add(name, label+" must be a real date")
		return nil
	}
	t := time.Date(yn, time.Month(mn), dn, 0, 0, 0, 0, time.UTC)
	if t.Day() != dn {
		errs.Add(name, label+" must be a real date")
		return nil
	}
	return &t
}

// Values is the filter as query parameters (without the cursor), for links and the CSV.
func (f Filter) Values() url.Values {
	v := url.Values{}
	for _, id := range f.AreaIDs {
		v.Add("area", id)
	}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("visit", f.VisitID)
	set("action-area", f.ActionAreaID)
	set("line", f.LineID)
	set("tag", f.Tag)
	set("source", f.SourceID)
	set("role", f.RoleID)
	set("judgement", f.Judgement)
	set("author", f.AuthorID)
	set("document", f.DocumentID)
	set("q", f.Query)
	if f.GoodPractice != nil {
		v.Set("good-practice", map[bool]string{true: "yes", false: "no"}[*f.GoodPractice])
	}
	for name, d := range map[string]*time.Time{"from": f.From, "to": f.To} {
		if d != nil {
			v.Set(name+"-day", strconv.Itoa(d.Day()))
			v.Set(name+"-month", strconv.Itoa(int(d.Month())))
			v.Set(name+"-year", strconv.Itoa(d.Year()))
		}
	}
	return v
}

// where builds the filter's conditions on notes named n; args start with tenant and review ($1,
// $2). fromSearch says the caller adds the search itself (listSQL, on evidence_note_matches).
func (f Filter) where(tenantID, reviewID string, fromSearch bool) ([]string, []any) {
	args := []any{tenantID, reviewID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"n.tenant_id = $1", "n.review_id = $2", "n.deleted_at IS NULL", "NOT n.safeguarding"}
	switch {
	case len(f.AreaIDs) == 1:
		// Equality, not ANY: the area's index then gives the notes in the list's order.
		where = append(where, "n.area_id = "+arg(f.AreaIDs[0])+"::uuid")
	case len(f.AreaIDs) > 1:
		where = append(where, "n.area_id = ANY("+arg(f.AreaIDs)+"::uuid[])")
	}
	if f.VisitID != "" {
		where = append(where, "n.visit_id = "+arg(f.VisitID)+"::uuid")
	}
	if f.ActionAreaID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id
			AND x.note_id = n.id AND x.action_area_id = `+arg(f.ActionAreaID)+`::uuid)`)
	}
	if f.LineID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM evidence_note_lines x WHERE x.tenant_id = n.tenant_id
			AND x.note_id = n.id AND x.line_id = `+arg(f.LineID)+`::uuid)`)
	}
	if f.Tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM evidence_note_tags x JOIN evidence_tags t ON t.tenant_id = x.tenant_id
			AND t.id = x.tag_id WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND lower(t.name) = lower(`+arg(f.Tag)+`))`)
	}
	if f.SourceID != "" {
		where = append(where, "n.source_id = "+arg(f.SourceID)+"::uuid")
	}
	if f.RoleID != "" {
		where = append(where, "n.role_id = "+arg(f.RoleID)+"::uuid")
	}
	if f.Judgement != "" {
		where = append(where, "n.judgement = "+arg(f.Judgement))
	}
	if f.GoodPractice != nil {
		where = append(where, "n.good_practice = "+arg(*f.GoodPractice))
	}
	if f.AuthorID != "" {
		where = append(where, "n.author_id = "+arg(f.AuthorID)+"::uuid")
	}
	if f.DocumentID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM evidence_note_documents x WHERE x.tenant_id = n.tenant_id
			AND x.note_id = n.id AND x.document_id = `+arg(f.DocumentID)+`::uuid)`)
	}
	if f.From != nil {
		where = append(where, "n.note_date >= "+arg(*f.From)+"::date")
	}
	if f.To != nil {
		where = append(where, "n.note_date <= "+arg(*f.To)+"::date")
	}
	if f.Query != "" && !fromSearch {
		// Every match, for the export: the index search runs in evidence_search_notes (see
		// migrations/00009_evidence_search.sql).
		where = append(where, "n.id IN (SELECT x.id FROM evidence_search_notes($2::uuid, "+arg(f.Query)+") x)")
	}
	return where, args
}

// rowFrom joins what every row shows: area, visit, source, role and author.
const rowFrom = ` FROM evidence_notes n` + rowJoins

// rowJoins are rowFrom's joins, for a query that picks its notes in a subquery named n.
const rowJoins = `
	JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	JOIN visits v ON v.tenant_id = n.tenant_id AND v.id = n.visit_id
	JOIN evidence_sources s ON s.tenant_id = n.tenant_id AND s.id = n.source_id
	LEFT JOIN evidence_roles ro ON ro.tenant_id = n.tenant_id AND ro.id = n.role_id
	JOIN users u ON u.id = n.author_id
	CROSS JOIN LATERAL (SELECT
		coalesce((SELECT array_agg(aa.title ORDER BY aa.position) FROM evidence_note_action_areas x
			JOIN action_areas aa ON aa.tenant_id = x.tenant_id AND aa.id = x.action_area_id
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id), '{}') AS action_areas,
		coalesce((SELECT array_agg(el.question ORDER BY el.position) FROM evidence_note_lines x
			JOIN enquiry_lines el ON el.tenant_id = x.tenant_id AND el.id = x.line_id
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id), '{}') AS lines,
		coalesce((SELECT array_agg(t.name ORDER BY lower(t.name)) FROM evidence_note_tags x
			JOIN evidence_tags t ON t.tenant_id = x.tenant_id AND t.id = x.tag_id
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id), '{}') AS tags) links`

// Headline delimiters: control characters that cannot be mistaken for markup, split in Go.
const (
	markStart = "\x01"
	markStop  = "\x02"
)

// listSQL builds the single statement of a list page and its arguments.
//
// The order is newest first, (created_at, id) descending, with a keyset on that pair (the index
// evidence_notes_review_created_idx serves it), with or without a search. A search reads the
// view evidence_note_matches (migration 00021), where the planner may use the text index for
// rare words or walk the date index checking each note for common ones: either way it stops at
// the page's end. (Ranking every match by relevance cost a sort of every note holding a common
// word.)
//
// Filtered by an action area (without a search, an area, a visit or an author), the page is read
// from that action area's links in their own order (note_created_at, note_id:
// evidence_note_action_areas_order_idx, migration 00034), so that an action area rare among
// recent notes does not mean walking thousands of other notes for a page.
func listSQL(tenantID, reviewID string, f Filter) (string, []any, error) {
	// With an area, a visit or an author as well, their own indexes narrow the notes more.
	byLinks := f.ActionAreaID != "" && f.Query == "" && len(f.AreaIDs) == 0 && f.VisitID == "" && f.AuthorID == ""
	wf := f
	if byLinks {
		wf.ActionAreaID = "" // the join below takes its place
	}
	where, args := wf.where(tenantID, reviewID, f.Query != "")
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	// The page before is read from its end backwards (the same index, walked the other way).
	created, id := "n.created_at", "n.id"
	source := "evidence_notes"
	if byLinks {
		created, id = "x.note_created_at", "x.note_id"
		source = "evidence_note_action_areas x JOIN evidence_notes"
		where = append(where, "x.tenant_id = $1", "x.review_id = $2", "x.action_area_id = "+arg(f.ActionAreaID)+"::uuid")
	}
	inner, cmp, at := created+" DESC, "+id+" DESC", "<", f.After
	if f.Before != "" {
		inner, cmp, at = created+", "+id, ">", f.Before
	}
	if at != "" {
		c, ok := decodeCursor(at)
		if !ok || c.search != (f.Query != "") {
			return "", nil, fmt.Errorf("evidence: bad cursor")
		}
		where = append(where, "("+created+", "+id+") "+cmp+" ("+arg(c.created)+"::timestamptz, "+arg(c.id)+"::uuid)")
	}
	excerpt := "left(b.body, " + strconv.Itoa(excerptLen) + ")"
	if f.Query != "" {
		q := "websearch_to_tsquery('english', " + arg(f.Query) + ")"
		source = "evidence_note_matches"
		where = append(where, "n.search @@ "+q)
		excerpt = "ts_headline('english', replace(replace(b.body, E'\\x01', ''), E'\\x02', ''), " + q +
			", " + arg("StartSel="+markStart+", StopSel="+markStop+", MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"") + ")"
	}
	on := ""
	if byLinks {
		on = " ON n.tenant_id = x.tenant_id AND n.id = x.note_id"
	}
	const order = "n.created_at DESC, n.id DESC"
	// The page's notes are chosen first, on the notes alone (their indexes serve the order and the
	// filters), and only those rows are joined to their text and what they show.
	sql := `SELECT n.id, n.note_date, ` + review.AreaLabel + `, v.start_date, s.name, coalesce(ro.name, ''), u.name, n.judgement,
		n.good_practice, n.family_words, n.created_at, ` + excerpt + `, links.action_areas, links.tags
		FROM (SELECT n.tenant_id, n.id, n.note_date, n.area_id, n.visit_id, n.source_id, n.role_id, n.author_id,
			n.judgement, n.good_practice, n.family_words, n.created_at
			FROM ` + source + ` n` + on + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + inner + ` LIMIT ` + strconv.Itoa(limit+1) +
		`) n
	JOIN evidence_notes b ON b.tenant_id = n.tenant_id AND b.id = n.id` + rowJoins + ` ORDER BY ` + order
	return sql, args, nil
}

// List returns a page of the review's evidence base in one statement: never deleted notes, never
// notes marked as safeguarding concerns.
func List(ctx context.Context, q db.Querier, tenantID, reviewID string, f Filter) (Page, error) {
	sql, args, err := listSQL(tenantID, reviewID, f)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, fmt.Errorf("evidence: list notes of %s: %w", reviewID, err)
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		var r Row
		var text string
		var start *time.Time
		if err := rows.Scan(&r.ID, &r.NoteDate, &r.AreaName, &start, &r.SourceName, &r.RoleName, &r.AuthorName,
			&r.Judgement, &r.GoodPractice, &r.FamilyWords, &r.CreatedAt, &text, &r.ActionAreas, &r.Tags); err != nil {
			return Page{}, fmt.Errorf("evidence: list notes of %s: %w", reviewID, err)
		}
		if start != nil {
			r.VisitStart = *start
		}
		if f.Query != "" {
			r.Excerpt = Segments(text)
		} else {
			r.Excerpt = []Segment{{Text: text}}
		}
		p.Rows = append(p.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("evidence: list notes of %s: %w", reviewID, err)
	}
	at := func(r Row) string { return cursor{search: f.Query != "", created: r.CreatedAt, id: r.ID}.encode() }
	if f.Before != "" {
		// Read backwards: the row past the limit is the newest, before this page's first. The
		// page after this one is where the reader came from.
		if len(p.Rows) > limit {
			p.Rows = p.Rows[1:]
			p.Prev = at(p.Rows[0])
		}
		if len(p.Rows) > 0 {
			p.Next = at(p.Rows[len(p.Rows)-1])
		}
		return p, nil
	}
	if len(p.Rows) > limit {
		p.Rows = p.Rows[:limit]
		p.Next = at(p.Rows[limit-1])
	}
	if f.After != "" && len(p.Rows) > 0 {
		p.Prev = at(p.Rows[0])
	}
	return p, nil
}

// Segments splits a headline made with the \x01 / \x02 delimiters into plain and marked text.
// Everything is text: the view escapes it, so no HTML from the database is trusted.
func Segments(h string) []Segment {
	var out []Segment
	mark := false
	for h != "" {
		i := strings.IndexAny(h, markStart+markStop)
		if i < 0 {
			out = append(out, Segment{Text: h, Mark: mark})
			break
		}
		if i > 0 {
			out = append(out, Segment{Text: h[:i], Mark: mark})
		}
		mark = h[i] == markStart[0]
		h = h[i+1:]
	}
	return out
}

// FilterOption is a choice in the filter form.
type FilterOption struct {
	ID   string
	Name string
}

// FilterOptions is what the filter form offers.
type FilterOptions struct {
	ReviewTitle string
	Areas       []FilterOption
	Visits      []FilterOption // "Area, 1 August 2023"
	ActionAreas []FilterOption
	Lines       []FilterOption
	Tags        []string
	Sources     []FilterOption
	Roles       []FilterOption
	Authors     []FilterOption
	Documents   []FilterOption // "Area: title", the review's available supporting documents
}

// FilterChoices reads the filter form's choices in one statement: the review's title and each
// list as a JSON array of [id, name] pairs, in order (Options in the brief: that name belongs to
// the note form's lists in history.go).
func FilterChoices(ctx context.Context, q db.Querier, tenantID, reviewID string) (FilterOptions, error) {
	var o FilterOptions
	var areas, visits, actionAreas, lines, sources, roles, authors, documents pairs
	var tags []string
	err := q.QueryRow(ctx, `SELECT r.title,
		(SELECT coalesce(json_agg(json_build_array(ra.id, `+review.AreaLabel+`) ORDER BY `+review.AreaLabel+`, ra.id), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		(SELECT coalesce(json_agg(json_build_array(v.id, `+review.AreaLabel+` || ', ' ||
					coalesce(to_char(v.start_date, 'FMDD FMMonth YYYY'), 'dates not fixed yet'))
				ORDER BY v.start_date NULLS LAST, `+review.AreaLabel+`, v.id), '[]')
			FROM visits v JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE v.tenant_id = $1 AND v.review_id = $2),
		(SELECT coalesce(json_agg(json_build_array(aa.id, aa.title) ORDER BY g.position, aa.position, aa.id), '[]')
			FROM action_areas aa JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
			WHERE aa.tenant_id = $1 AND aa.review_id = $2),
		(SELECT coalesce(json_agg(json_build_array(el.id, el.question) ORDER BY g.position NULLS FIRST, el.position, el.id), '[]')
			FROM enquiry_lines el LEFT JOIN enquiry_groups g ON g.tenant_id = el.tenant_id AND g.id = el.group_id
			WHERE el.tenant_id = $1 AND el.review_id = $2),
		(SELECT coalesce(json_agg(json_build_array(id, name) ORDER BY position, id), '[]') FROM evidence_sources
			WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(json_agg(json_build_array(id, name) ORDER BY position, id), '[]') FROM evidence_roles
			WHERE tenant_id = $1 AND review_id = $2),
		-- Read from the coverage counters, as the owner (migrations 00038 and 00039).
		review_note_authors($1, $2),
		(SELECT coalesce(json_agg(json_build_array(d.id, `+review.AreaLabel+` || ': ' || d.title) ORDER BY `+review.AreaLabel+`, lower(d.title), d.id), '[]')
			FROM area_documents d JOIN review_areas ra ON ra.tenant_id = d.tenant_id AND ra.id = d.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.deleted_at IS NULL AND d.scan_status = 'clean'),
		(SELECT coalesce(json_agg(t.name ORDER BY lower(t.name), t.name), '[]') FROM evidence_tags t
			WHERE t.tenant_id = $1 AND t.review_id = $2 AND `+tagSeen+`)
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID).Scan(&o.ReviewTitle,
		&areas, &visits, &actionAreas, &lines, &sources, &roles, &authors, &documents, &tags)
	if err != nil {
		return o, fmt.Errorf("evidence: options of %s: %w", reviewID, err)
	}
	o.Areas, o.Visits, o.ActionAreas, o.Lines, o.Sources, o.Roles, o.Authors, o.Documents, o.Tags =
		areas, visits, actionAreas, lines, sources, roles, authors, documents, tags
	return o, nil
}

// pairs is a JSON array of [id, name] pairs read as options.
type pairs []FilterOption

func (p *pairs) UnmarshalJSON(b []byte) error {
	var raw [][2]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("evidence: decode choices: %w", err)
	}
	*p = make([]FilterOption, len(raw))
	for i, r := range raw {
		(*p)[i] = FilterOption{ID: r[0], Name: r[1]}
	}
	return nil
}

// CSVHeader is the export's first row.
var CSVHeader = []string{"Date", "Area", "Visit start", "Source", "Role", "Author", "Judgement", "Good practice",
	"Family's own words", "Action areas", "Lines of enquiry", "Themes", "Text"}

// ExportCSV streams every matching note (no limit, newest first) to w, row by row from the
// database cursor. Cells that a spreadsheet would read as a formula are prefixed with a quote.
func ExportCSV(ctx context.Context, q db.Querier, tenantID, reviewID string, f Filter, w io.Writer) error {
	f.After, f.Before = "", ""
	where, args := f.where(tenantID, reviewID, false)
	sql := `SELECT n.note_date, ` + review.AreaLabel + `, v.start_date, s.name, coalesce(ro.name, ''), u.name, n.judgement,
		n.good_practice, n.family_words, links.action_areas, links.lines, links.tags, n.body` +
		rowFrom + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY n.created_at DESC, n.id DESC`
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
	}
	yesNo := map[bool]string{true: "Yes", false: "No"}
	n := 0
	for rows.Next() {
		var date time.Time
		var start *time.Time // NULL while the visit's start is not known
		var area, source, role, author, judgement, body string
		var good, family bool
		var areas, lines, tags []string
		if err := rows.Scan(&date, &area, &start, &source, &role, &author, &judgement, &good, &family, &areas, &lines, &tags, &body); err != nil {
			return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
		}
		visitStart := ""
		if start != nil {
			visitStart = start.Format(dateLayout)
		}
		rec := []string{date.Format(dateLayout), area, visitStart, source, role, author, JudgementName(judgement),
			yesNo[good], yesNo[family], strings.Join(areas, "; "), strings.Join(lines, "; "), strings.Join(tags, "; "), body}
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
		}
		if n++; n%100 == 0 {
			if cw.Flush(); cw.Error() != nil {
				return fmt.Errorf("evidence: export notes of %s: %w", reviewID, cw.Error())
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("evidence: export notes of %s: %w", reviewID, err)
	}
	return nil
}

// SafeCell defuses CSV formula injection: a cell starting with =, +, -, @ (or a tab or carriage
// return) is prefixed with a single quote.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// JudgementName is how a judgement reads.
func JudgementName(j string) string {
	switch j {
	case Strength:
		return "Strength"
	case Development:
		return "Area for development"
	}
	return "Neutral"
}
