package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/archive"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/testenv"
	"thematic/internal/user"
)

// world is the demo database with the demo review, its synthesis filled in, and a second tenant
// whose users are the demo tenant's (as if the same people worked for both).
type world struct {
	t                     *testing.T
	ctx                   context.Context
	owner, super          *pgxpool.Pool
	appURL                string // the application role's database, for a pool of a test's own
	tenant, review, other string
	lead                  string // lead@demo.test's user id
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := testenv.DemoDB(t)
	w := &world{t: t, ctx: context.Background(), owner: d.Owner, super: d.Super, appURL: d.AppURL}
	if err := d.Super.QueryRow(w.ctx, `SELECT r.tenant_id, r.id FROM reviews r WHERE r.title = $1`, demo.ReviewTitle).
		Scan(&w.tenant, &w.review); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(w.ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&w.lead); err != nil {
		t.Fatal(err)
	}
	w.addSynthesis()
	if err := d.Super.QueryRow(w.ctx, `SELECT gen_random_uuid()::text`).Scan(&w.other); err != nil {
		t.Fatal(err)
	}
	w.tx(w.other, func(tx pgx.Tx) error {
		if err := tenant.Create(w.ctx, tx, w.other, "second-inspectorate", "Second Inspectorate"); err != nil {
			return err
		}
		rows, err := tx.Query(w.ctx, `SELECT id::text FROM users ORDER BY email`)
		if err != nil {
			return err
		}
		users, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := user.AddMember(w.ctx, tx, w.other, u, auth.RoleStaff); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

func (w *world) tx(tenantID string, fn func(tx pgx.Tx) error) {
	w.t.Helper()
	if err := db.InTx(w.ctx, w.owner, db.Scope{TenantID: tenantID, UserID: w.lead}, fn); err != nil {
		w.t.Fatal(err)
	}
}

// addSynthesis writes findings (with notes for and against), examples, recommendations and
// report texts into the demo review with plain SQL.
func (w *world) addSynthesis() {
	w.tx(w.tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(w.ctx, `
			WITH aa AS (SELECT a.id, row_number() OVER (ORDER BY g.position, a.position) AS n FROM action_areas a
				JOIN framework_groups g ON g.tenant_id = a.tenant_id AND g.id = a.group_id
				WHERE a.tenant_id = $1 AND a.review_id = $2)
			INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, prevalence_style, word_override,
				override_reason, confirmed_areas, idempotency_key, created_by)
			SELECT $1, $2, aa.id, 100 + k, 'Finding ' || aa.n || '.' || k, CASE WHEN k = 2 THEN 'count' ELSE 'word' END,
				CASE WHEN k = 3 THEN 'many' ELSE '' END, CASE WHEN k = 3 THEN 'Reads better' ELSE '' END, k,
				'test-f-' || aa.n || '-' || k, $3
			FROM aa, generate_series(1, 3) k`, w.tenant, w.review, w.lead)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(w.ctx, `
			WITH n AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS i FROM evidence_notes
				WHERE tenant_id = $1 AND review_id = $2 AND deleted_at IS NULL AND NOT safeguarding),
			f AS (SELECT id, row_number() OVER (ORDER BY action_area_id, position) AS i FROM findings WHERE tenant_id = $1 AND review_id = $2
				AND idempotency_key LIKE 'test-f-%')
			INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
			SELECT $1, f.id, n.id, CASE WHEN n.i % 7 = 0 THEN 'contradicts' ELSE 'supports' END
			FROM f JOIN n ON n.i % 18 = f.i % 18 ON CONFLICT DO NOTHING`, w.tenant, w.review); err != nil {
			return err
		}
		if _, err := tx.Exec(w.ctx, `
			INSERT INTO practice_examples (tenant_id, review_id, action_area_id, note_id, area_id, position, title, body, idempotency_key, created_by)
			SELECT $1, $2, x.action_area_id, x.note_id, n.area_id, 100 + row_number() OVER (PARTITION BY x.action_area_id ORDER BY n.created_at, n.id),
				'Example', 'In one area, ' || left(n.body, 100), 'test-x-' || n.id, $3
			FROM (SELECT DISTINCT ON (note_id) note_id, action_area_id FROM evidence_note_action_areas WHERE tenant_id = $1 AND review_id = $2
				ORDER BY note_id, action_area_id) x
			JOIN evidence_notes n ON n.tenant_id = $1 AND n.id = x.note_id AND n.good_practice AND n.deleted_at IS NULL
			ON CONFLICT DO NOTHING`,
			w.tenant, w.review, w.lead); err != nil {
			return err
		}
		if _, err := tx.Exec(w.ctx, `
			INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
			SELECT $1, $2, 100 + k, 'Recommendation ' || k, CASE WHEN k < 4 THEN 'Central government' ELSE 'Local areas' END, 'test-r-' || k, $3
			FROM generate_series(1, 6) k`, w.tenant, w.review, w.lead); err != nil {
			return err
		}
		if _, err := tx.Exec(w.ctx, `
			INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
			SELECT $1, r.id, f.id FROM recommendations r JOIN findings f ON f.tenant_id = r.tenant_id AND f.review_id = r.review_id
				AND f.position = 101 AND r.position <= 103
			WHERE r.tenant_id = $1 AND r.review_id = $2 ON CONFLICT DO NOTHING`, w.tenant, w.review); err != nil {
			return err
		}
		_, err = tx.Exec(w.ctx, `
			INSERT INTO report_texts (tenant_id, review_id, key, body, updated_by)
			SELECT $1::uuid, $2::uuid, k, 'Text of ' || k, $3::uuid FROM unnest(ARRAY['summary', 'background']) k
			UNION ALL SELECT $1::uuid, $2::uuid, 'group:' || id, 'Group prose', $3::uuid FROM framework_groups WHERE tenant_id = $1::uuid AND review_id = $2::uuid
			UNION ALL SELECT $1::uuid, $2::uuid, 'area:' || id, 'Area prose', $3::uuid FROM action_areas WHERE tenant_id = $1::uuid AND review_id = $2::uuid
			ON CONFLICT DO NOTHING`,
			w.tenant, w.review, w.lead)
		return err
	})
}

func (w *world) export(tenantID, reviewID string) []byte {
	w.t.Helper()
	var buf bytes.Buffer
	w.tx(tenantID, func(tx pgx.Tx) error {
		_, err := archive.Export(w.ctx, tx, tenantID, reviewID, &buf, time.Now())
		return err
	})
	return buf.Bytes()
}

// importInto imports data into a tenant as the demo lead, returning the result or the error.
func (w *world) importInto(tenantID string, data []byte, title string) (archive.Result, error) {
	var res archive.Result
	err := db.InTx(w.ctx, w.owner, db.Scope{TenantID: tenantID, UserID: w.lead}, func(tx pgx.Tx) error {
		a, err := archive.Parse(data)
		if err != nil {
			return err
		}
		res, err = archive.Import(w.ctx, tx, archive.Target{TenantID: tenantID, UserID: w.lead, Email: "lead@demo.test", Title: title}, a, time.Now())
		return err
	})
	return res, err
}

var exportedAt = regexp.MustCompile(`"exported_at":"[^"]*"`)

func withoutExportedAt(b []byte) []byte { return exportedAt.ReplaceAll(b, []byte(`"exported_at":""`)) }

func TestRoundTripIntoAnotherTenantGivesTheSameArchive(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.export(w.tenant, w.review)
	var a archive.Archive
	if err := json.Unmarshal(jsonOf(t, first), &a); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(a.Notes) < 100 || len(a.Findings) == 0 || len(a.Examples) == 0 || len(a.Recommendations) < 6 ||
		len(a.ReportTexts) == 0 || len(a.Areas) != 6 || len(a.Visits) != 6 || len(a.Members) == 0 ||
		len(a.SelfAssessment.Answers) == 0 || len(a.Questionnaires) == 0 {
		t.Fatalf("the demo archive misses data: %d notes, %d findings, %d examples, %d recommendations, %d texts, %d areas, %d visits, %d members, %d answers, %d questionnaires",
			len(a.Notes), len(a.Findings), len(a.Examples), len(a.Recommendations), len(a.ReportTexts), len(a.Areas), len(a.Visits),
			len(a.Members), len(a.SelfAssessment.Answers), len(a.Questionnaires))
	}
	res, err := w.importInto(w.other, first, "")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Title != demo.ReviewTitle+" (imported)" {
		t.Errorf("title %q", res.Title)
	}
	if res.Counts.Notes != len(a.Notes) || len(res.Invited) != 0 || len(res.Reattributed) != 0 {
		t.Errorf("result %+v", res)
	}
	second := w.export(w.other, res.ReviewID)
	// The title is the one thing that differs: the import names the review "(imported)".
	sameArchive(t, first, second, `"title":"`+demo.ReviewTitle+` (imported)"`, `"title":"`+demo.ReviewTitle+`"`)
	// The new review is in the other tenant only, led by the importer.
	var n int
	if err := w.super.QueryRow(w.ctx, `SELECT count(*) FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND user_id = $3 AND role = 'lead'`,
		w.other, res.ReviewID, w.lead).Scan(&n); err != nil || n != 1 {
		t.Errorf("importer is not lead of the new review: %d %v", n, err)
	}
}

func TestArchiveLeavesOutSafeguardingAndDeletedNotes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var concern, deleted string
	w.tx(w.tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(w.ctx, `UPDATE evidence_notes SET safeguarding = true WHERE tenant_id = $1 AND id =
			(SELECT id FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 ORDER BY created_at, id LIMIT 1) RETURNING body`,
			w.tenant, w.review).Scan(&concern); err != nil {
			return err
		}
		// A theme on the concern only.
		if _, err := tx.Exec(w.ctx, `WITH t AS (INSERT INTO evidence_tags (tenant_id, review_id, name)
				VALUES ($1, $2, 'Concern-only theme') RETURNING id)
			INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id)
			SELECT $1, n.id, t.id FROM evidence_notes n, t WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.safeguarding`,
			w.tenant, w.review); err != nil {
			return err
		}
		return tx.QueryRow(w.ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = $3 WHERE tenant_id = $1 AND id =
			(SELECT id FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 AND NOT safeguarding ORDER BY created_at DESC, id LIMIT 1) RETURNING body`,
			w.tenant, w.review, w.lead).Scan(&deleted)
	})
	out := jsonOf(t, w.export(w.tenant, w.review))
	for _, body := range []string{concern, deleted, "Concern-only theme"} {
		enc, _ := json.Marshal(body)
		if bytes.Contains(out, enc[1:len(enc)-1]) {
			t.Errorf("the archive holds %.60q", body)
		}
	}
}

func TestImportReattributesUnknownAuthorsAndInvitesUnknownMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	data := w.export(w.tenant, w.review)
	// A third tenant where only the lead works.
	var third string
	if err := w.super.QueryRow(w.ctx, `SELECT gen_random_uuid()::text`).Scan(&third); err != nil {
		t.Fatal(err)
	}
	w.tx(third, func(tx pgx.Tx) error {
		if err := tenant.Create(w.ctx, tx, third, "third-inspectorate", "Third"); err != nil {
			return err
		}
		return user.AddMember(w.ctx, tx, third, w.lead, auth.RoleStaff)
	})
	res, err := w.importInto(third, data, "Copied review")
	if err != nil {
		t.Fatal(err)
	}
	if res.Title != "Copied review" || len(res.Invited) == 0 || len(res.Reattributed) == 0 || res.TeamDaysSkipped == 0 {
		t.Fatalf("result %+v", res)
	}
	var notes, authors, invites int
	if err := w.super.QueryRow(w.ctx, `SELECT count(*), count(DISTINCT author_id) FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2`,
		third, res.ReviewID).Scan(&notes, &authors); err != nil {
		t.Fatal(err)
	}
	if notes != res.Counts.Notes || authors != 1 {
		t.Errorf("%d notes by %d authors", notes, authors)
	}
	if err := w.super.QueryRow(w.ctx, `SELECT count(*) FROM review_member_invites WHERE tenant_id = $1 AND review_id = $2`,
		third, res.ReviewID).Scan(&invites); err != nil || invites != len(res.Invited) {
		t.Errorf("%d invitations, want %d (%v)", invites, len(res.Invited), err)
	}
}

// rowsOf counts a tenant's rows in every table an import writes.
func (w *world) rowsOf(tenantID string) int {
	w.t.Helper()
	var n int
	err := w.super.QueryRow(w.ctx, `SELECT
		(SELECT count(*) FROM reviews WHERE tenant_id = $1) + (SELECT count(*) FROM enquiry_groups WHERE tenant_id = $1) +
		(SELECT count(*) FROM framework_groups WHERE tenant_id = $1) + (SELECT count(*) FROM action_areas WHERE tenant_id = $1) +
		(SELECT count(*) FROM review_areas WHERE tenant_id = $1) + (SELECT count(*) FROM review_members WHERE tenant_id = $1) +
		(SELECT count(*) FROM review_member_invites WHERE tenant_id = $1) + (SELECT count(*) FROM visits WHERE tenant_id = $1) +
		(SELECT count(*) FROM visit_days WHERE tenant_id = $1) + (SELECT count(*) FROM evidence_sources WHERE tenant_id = $1) +
		(SELECT count(*) FROM evidence_notes WHERE tenant_id = $1) + (SELECT count(*) FROM evidence_tags WHERE tenant_id = $1) +
		(SELECT count(*) FROM sa_elements WHERE tenant_id = $1) + (SELECT count(*) FROM questionnaire_imports WHERE tenant_id = $1) +
		(SELECT count(*) FROM findings WHERE tenant_id = $1) + (SELECT count(*) FROM practice_examples WHERE tenant_id = $1) +
		(SELECT count(*) FROM recommendations WHERE tenant_id = $1) + (SELECT count(*) FROM report_texts WHERE tenant_id = $1) +
		(SELECT count(*) FROM evidence_counts WHERE tenant_id = $1) + (SELECT count(*) FROM evidence_count_deltas WHERE tenant_id = $1) +
		(SELECT count(*) FROM audit_log WHERE tenant_id = $1)`,
		tenantID).Scan(&n)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// edit changes a decoded archive and encodes it again (in a ZIP file with the same documents
// when it was one).
func edit(t *testing.T, data []byte, change func(m map[string]any)) []byte {
	t.Helper()
	jsonData, files := unzipped(t, data)
	var m map[string]any
	if err := json.Unmarshal(jsonData, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if archive.IsZip(data) {
		return rezip(t, out, files)
	}
	return out
}

func item(m map[string]any, key string, i int) map[string]any {
	return m[key].([]any)[i].(map[string]any)
}

func TestInvalidArchivesAreRefusedWithTheirPathsAndWriteNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	good := w.export(w.tenant, w.review)
	cases := []struct {
		name string
		data []byte
		want string // a problem's text contains this
	}{
		{"not JSON", []byte(`{"format": "thematic-review-archive", "notes": [}`), "not valid JSON"},
		{"empty", []byte("  "), "the file is empty"},
		{"wrong format", []byte(`{"format": "something-else", "version": 1}`), `format: the file is not a review archive`},
		{"wrong version", edit(t, good, func(m map[string]any) { m["version"] = 3 }), "version: this service reads versions 1 and 2"},
		{"dangling ref", edit(t, good, func(m map[string]any) { item(m, "notes", 17)["visit"] = "visit-99" }),
			`notes[17].visit: no visit with ref "visit-99"`},
		{"wrong kind of ref", edit(t, good, func(m map[string]any) { item(m, "findings", 0)["supporting_notes"] = []any{"visit-1"} }),
			`findings[0].supporting_notes[0]: "visit-1" is a visit, not a note`},
		{"bad ONS code", edit(t, good, func(m map[string]any) { item(m, "areas", 2)["ons_code"] = "E06999999" }),
			`areas[2].ons_code: no English local authority has the ONS code "E06999999"`},
		{"malformed ONS code", edit(t, good, func(m map[string]any) { item(m, "areas", 1)["ons_code"] = "Torbay" }),
			`areas[1].ons_code: "Torbay" is not in the expected form`},
		{"text too long", edit(t, good, func(m map[string]any) { item(m, "notes", 3)["text"] = strings.Repeat("é", 20001) }),
			"notes[3].text: must be 20000 characters or fewer (it has 20001)"},
		{"duplicate refs", edit(t, good, func(m map[string]any) { item(m, "notes", 5)["ref"] = item(m, "notes", 4)["ref"] }),
			`notes[5].ref: the ref "note-5" is used already (at notes[4])`},
		{"wrong type", edit(t, good, func(m map[string]any) { item(m, "visits", 0)["days"] = "two" }), "visits[0].days: must be a whole number"},
		{"unknown field", edit(t, good, func(m map[string]any) { item(m, "notes", 0)["safeguarding"] = true }),
			"notes[0].safeguarding: is not a field of the archive format"},
		{"missing field", edit(t, good, func(m map[string]any) { delete(item(m, "findings", 1), "body") }), `findings[1]: "body" is missing`},
		{"bad enumeration", edit(t, good, func(m map[string]any) { item(m, "notes", 2)["judgement"] = "great" }),
			`notes[2].judgement: must be one of "strength", "development", "neutral"`},
		{"bad date", edit(t, good, func(m map[string]any) { item(m, "notes", 2)["date"] = "2023-02-30" }), `notes[2].date: "2023-02-30" is not a date`},
		{"contact without area", edit(t, good, func(m map[string]any) {
			for _, x := range m["members"].([]any) {
				if mm := x.(map[string]any); mm["role"] == "la_contact" {
					mm["area"] = nil
				}
			}
		}), "a local authority contact must name their area"},
	}
	before := w.rowsOf(w.other)
	for _, c := range cases {
		_, err := w.importInto(w.other, c.data, "")
		var inv *archive.Invalid
		if !errors.As(err, &inv) {
			t.Errorf("%s: want *archive.Invalid, got %v", c.name, err)
			continue
		}
		found := false
		for _, p := range inv.Problems {
			if strings.Contains(p.String(), c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no problem says %q; problems: %v", c.name, c.want, inv.Problems)
		}
	}
	if after := w.rowsOf(w.other); after != before {
		t.Errorf("rows of the target tenant: %d before, %d after refused imports", before, after)
	}
}

func TestAFailureHalfWayLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	good := w.export(w.tenant, w.review)
	// A rule the validator does not know: the database refuses the last recommendation, after
	// the review, its notes and findings have been written in the transaction.
	if _, err := w.super.Exec(w.ctx, `ALTER TABLE recommendations ADD CONSTRAINT test_no_bananas CHECK (body NOT LIKE '%banana%')`); err != nil {
		t.Fatal(err)
	}
	bad := edit(t, good, func(m map[string]any) {
		recs := m["recommendations"].([]any)
		recs[len(recs)-1].(map[string]any)["body"] = "Buy more bananas"
	})
	before := w.rowsOf(w.other)
	if _, err := w.importInto(w.other, bad, ""); err == nil {
		t.Fatal("the import succeeded")
	}
	if after := w.rowsOf(w.other); after != before {
		t.Errorf("rows of the target tenant: %d before, %d after a failed import", before, after)
	}
}

// schemaNode is what TestSchemaDescribesTheArchive reads of a schema object.
type schemaNode struct {
	Ref         string                 `json:"$ref"`
	Description string                 `json:"description"`
	Properties  map[string]*schemaNode `json:"properties"`
	Items       *schemaNode            `json:"items"`
	Defs        map[string]*schemaNode `json:"$defs"`
}

// TestSchemaDescribesTheArchive: the schema is JSON, names every top-level key the exporter
// writes, describes every field, and an exported demo archive has no key the schema does not name.
func TestSchemaDescribesTheArchive(t *testing.T) {
	t.Parallel()
	var raw map[string]any
	if err := json.Unmarshal(archive.SchemaJSON, &raw); err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	if raw["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %v", raw["$schema"])
	}
	var root schemaNode
	if err := json.Unmarshal(archive.SchemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Schema(); err != nil { // compiled: valid draft 2020-12, every $ref resolved
		t.Fatal(err)
	}
	for _, k := range archive.Sections {
		if _, ok := root.Properties[k]; !ok {
			t.Errorf("the schema does not name the section %q", k)
		}
	}
	var undocumented func(path string, n *schemaNode)
	undocumented = func(path string, n *schemaNode) {
		if n.Description == "" && n.Ref == "" {
			t.Errorf("%s has no description", path)
		}
		for k, c := range n.Properties {
			undocumented(path+"."+k, c)
		}
		if n.Items != nil {
			undocumented(path+"[]", n.Items)
		}
	}
	undocumented("$", &root)

	w := newWorld(t)
	out := w.export(w.tenant, w.review)
	var doc map[string]any
	if err := json.Unmarshal(jsonOf(t, out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range archive.Sections {
		if _, ok := doc[k]; !ok {
			t.Errorf("the export has no %q", k)
		}
	}
	if len(doc) != len(archive.Sections) {
		t.Errorf("the export has %d top-level keys, Sections lists %d", len(doc), len(archive.Sections))
	}
	// Walk the document against the schema's properties.
	var walk func(path string, v any, n *schemaNode)
	walk = func(path string, v any, n *schemaNode) {
		if n.Ref != "" {
			n = root.Defs[strings.TrimPrefix(n.Ref, "#/$defs/")]
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p, ok := n.Properties[k]
				if !ok {
					t.Errorf("%s.%s is not in the schema", path, k)
					continue
				}
				walk(path+"."+k, c, p)
			}
		case []any:
			if n.Items == nil {
				t.Errorf("%s is a list the schema does not describe", path)
				return
			}
			for _, c := range x {
				walk(path+"[]", c, n.Items)
			}
		}
	}
	walk("$", doc, &root)
	// And the exported archive passes the schema's own checks.
	if _, err := archive.Parse(out); err != nil {
		t.Errorf("the exported archive is not valid: %v", err)
	}
}

// TestRoundTripKeepsLinesInNoGroup: lines of enquiry in no group are exported before the groups,
// with a note citing one, imported in no group in the same order, and exported again the same.
// An archive written before lines could be outside a group (no "enquiry_lines") still imports.
func TestRoundTripKeepsLinesInNoGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.tx(w.tenant, func(tx pgx.Tx) error {
		var line string
		if err := tx.QueryRow(w.ctx, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
			VALUES ($1, $2, NULL, 'What did families say first?', 1), ($1, $2, NULL, 'Who else was heard?', 2)
			RETURNING id::text`, w.tenant, w.review).Scan(&line); err != nil {
			return err
		}
		_, err := tx.Exec(w.ctx, `INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, id, $3, $2 FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 AND deleted_at IS NULL AND NOT safeguarding
			ORDER BY created_at, id LIMIT 1`, w.tenant, w.review, line)
		return err
	})
	first := w.export(w.tenant, w.review)
	var a archive.Archive
	if err := json.Unmarshal(jsonOf(t, first), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.EnquiryLines) != 2 || a.EnquiryLines[0].Question != "What did families say first?" || a.EnquiryLines[1].Question != "Who else was heard?" {
		t.Fatalf("lines in no group in the archive: %+v", a.EnquiryLines)
	}
	cited := false
	for _, n := range a.Notes {
		for _, l := range n.Lines {
			cited = cited || l == a.EnquiryLines[0].Ref
		}
	}
	if !cited {
		t.Fatal("no note cites the line in no group")
	}
	if i, j := bytes.Index(jsonOf(t, first), []byte(`"enquiry_lines"`)), bytes.Index(jsonOf(t, first), []byte(`"enquiry_groups"`)); i < 0 || i > j {
		t.Error("the lines in no group are not written before the groups")
	}
	res, err := w.importInto(w.other, first, "")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var got string
	if err := w.super.QueryRow(w.ctx, `SELECT string_agg(question || ':' || position, '|' ORDER BY position) FROM enquiry_lines
		WHERE review_id = $1 AND group_id IS NULL`, res.ReviewID).Scan(&got); err != nil || got != "What did families say first?:1|Who else was heard?:2" {
		t.Fatalf("imported lines in no group: %q %v", got, err)
	}
	second := w.export(w.other, res.ReviewID)
	sameArchive(t, first, second, `"title":"`+demo.ReviewTitle+` (imported)"`, `"title":"`+demo.ReviewTitle+`"`)

	// The same archive as an older version wrote it: no "enquiry_lines", and nothing citing them.
	old := edit(t, w.export(w.tenant, w.review), func(doc map[string]any) {
		refs := map[string]bool{}
		for _, l := range doc["enquiry_lines"].([]any) {
			refs[l.(map[string]any)["ref"].(string)] = true
		}
		delete(doc, "enquiry_lines")
		for _, n := range doc["notes"].([]any) {
			note := n.(map[string]any)
			kept := []any{}
			for _, l := range note["lines"].([]any) {
				if !refs[l.(string)] {
					kept = append(kept, l)
				}
			}
			note["lines"] = kept
		}
	})
	res, err = w.importInto(w.other, old, "Older archive")
	if err != nil {
		t.Fatalf("import of an archive without enquiry_lines: %v", err)
	}
	var groups, lines int
	if err := w.super.QueryRow(w.ctx, `SELECT (SELECT count(*) FROM enquiry_groups WHERE review_id = $1),
		(SELECT count(*) FROM enquiry_lines WHERE review_id = $1 AND group_id IS NULL)`, res.ReviewID).Scan(&groups, &lines); err != nil ||
		groups != 3 || lines != 0 {
		t.Fatalf("older archive imported with %d groups and %d lines in no group (%v)", groups, lines, err)
	}
}

// A visit whose start is not known, and people's team roles and inspectorates on a visit, go
// through an archive and back.
func TestRoundTripKeepsVisitsWithNoStartAndPerVisitPlaces(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.super.Exec(w.ctx, `WITH m AS (SELECT id FROM review_members WHERE tenant_id = $1 AND review_id = $2
				AND role = 'inspector' ORDER BY id LIMIT 1),
			a AS (SELECT id FROM review_areas WHERE tenant_id = $1 AND review_id = $2 ORDER BY ons_code LIMIT 1),
			v AS (INSERT INTO visits (tenant_id, review_id, area_id, days) SELECT $1, $2, a.id, 3 FROM a RETURNING id)
		INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, inspectorate, job_title)
		SELECT $1, v.id, m.id, $2, 'CQC', 'His Majesty''s Inspector' FROM v, m`, w.tenant, w.review); err != nil {
		t.Fatal(err)
	}
	first := w.export(w.tenant, w.review)
	firstJSON, files := unzipped(t, first)
	var a archive.Archive
	if err := json.Unmarshal(firstJSON, &a); err != nil {
		t.Fatal(err)
	}
	last := a.Visits[len(a.Visits)-1]
	if len(a.Visits) != 7 || last.StartDate != nil || len(last.Team) != 1 || len(last.Team[0].Days) != 0 ||
		last.Team[0].JobTitle == nil || *last.Team[0].JobTitle != "His Majesty's Inspector" || *last.Team[0].Inspectorate != "CQC" {
		t.Fatalf("the visit with no start: %+v", last)
	}
	if !bytes.Contains(firstJSON, []byte(`"start_date":null`)) {
		t.Error("the start is not written as null")
	}
	res, err := w.importInto(w.other, first, "")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	second := jsonOf(t, w.export(w.other, res.ReviewID))
	second = bytes.Replace(second, []byte(`"title":"`+demo.ReviewTitle+` (imported)"`), []byte(`"title":"`+demo.ReviewTitle+`"`), 1)
	if !bytes.Equal(withoutExportedAt(firstJSON), withoutExportedAt(second)) {
		t.Fatal("the second export differs from the first")
	}
	// Days on site for a visit with no start are refused.
	last.Team[0].Days = []string{"2023-08-08"}
	a.Visits[len(a.Visits)-1] = last
	bad, _ := json.Marshal(a)
	if _, err := w.importInto(w.other, rezip(t, bad, files), "Bad"); err == nil || !strings.Contains(err.Error(), "no start date") {
		t.Fatalf("days with no start: %v", err)
	}
}
