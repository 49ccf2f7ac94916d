package archive_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/archive"
)

// secondReview builds, in the demo tenant, a review unlike the demo one: its own lists (with
// values nobody uses yet, in an order of their own), three areas, two visits with teams, notes,
// two documents (one cited by a note), a finding, a recommendation, an approved report and two
// saved versions whose documents name the review's objects by id.
func (w *world) secondReview() string {
	w.t.Helper()
	var id string
	w.tx(w.tenant, func(tx pgx.Tx) error {
		one := func(sql string, args ...any) string {
			w.t.Helper()
			var s string
			if err := tx.QueryRow(w.ctx, sql, args...).Scan(&s); err != nil {
				w.t.Fatalf("%v\n%s", err, sql)
			}
			return s
		}
		exec := func(sql string, args ...any) {
			w.t.Helper()
			if _, err := tx.Exec(w.ctx, sql, args...); err != nil {
				w.t.Fatalf("%v\n%s", err, sql)
			}
		}
		t := w.tenant
		insp := one(`SELECT id::text FROM users WHERE email = 'inspector@demo.test'`)
		id = one(`INSERT INTO reviews (tenant_id, title, summary, key_question, fieldwork_start, fieldwork_end, status, created_by)
			VALUES ($1, 'Youth justice partnerships', 'A second review', 'How well do partners work together?', '2025-02-03', '2025-03-28',
				'drafting', $2) RETURNING id::text`, t, w.lead)
		exec(`INSERT INTO review_inspectorates (tenant_id, review_id, name, position) VALUES
			($1, $2, 'HMI Probation', 1), ($1, $2, 'Estyn', 2), ($1, $2, 'Care Inspectorate Wales', 3)`, t, id)
		exec(`INSERT INTO review_team_roles (tenant_id, review_id, name, position) VALUES
			($1, $2, 'Probation inspector', 1), ($1, $2, 'Lead inspector', 2), ($1, $2, 'Data analyst', 3)`, t, id)
		exec(`INSERT INTO review_addressees (tenant_id, review_id, name, position) VALUES
			($1, $2, 'Youth Justice Board', 1), ($1, $2, 'Ministry of Justice', 2), ($1, $2, 'Local partnerships', 3)`, t, id)
		group := one(`INSERT INTO framework_groups (tenant_id, review_id, title, position) VALUES ($1, $2, 'Partnership', 1) RETURNING id::text`, t, id)
		aa1 := one(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, quote, citation, position)
			VALUES ($1, $2, $3, 'Shared plans', 'Partners plan together.', 'Standards 2019', 1) RETURNING id::text`, t, id, group)
		exec(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, quote, citation, position)
			VALUES ($1, $2, $3, 'Information sharing', 'Partners share what they know.', 'Standards 2019', 2)`, t, id, group)
		var areas []string
		for _, code := range []string{"E06000001", "E06000002", "E06000003"} {
			areas = append(areas, one(`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3) RETURNING id::text`, t, id, code))
		}
		mLead := one(`INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			VALUES ($1, $2, $3, 'lead', 'HMI Probation', 'Lead inspector') RETURNING id::text`, t, id, w.lead)
		mInsp := one(`INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			VALUES ($1, $2, $3, 'inspector', 'Estyn', 'Probation inspector') RETURNING id::text`, t, id, insp)
		v1 := one(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days, notes) VALUES ($1, $2, $3, '2025-02-10', 3, 'First')
			RETURNING id::text`, t, id, areas[0])
		v2 := one(`INSERT INTO visits (tenant_id, review_id, area_id, start_date, days, notes) VALUES ($1, $2, $3, '2025-03-03', 2, '')
			RETURNING id::text`, t, id, areas[2])
		exec(`INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES
			($1, $2, $4, $6, '2025-02-10'), ($1, $2, $4, $6, '2025-02-11'), ($1, $2, $5, $7, '2025-02-11'), ($1, $2, $5, $7, '2025-02-12'),
			($1, $3, $5, $7, '2025-03-03'), ($1, $3, $5, $7, '2025-03-04')`, t, v1, v2, mLead, mInsp, w.lead, insp)
		source := one(`INSERT INTO evidence_sources (tenant_id, review_id, name, needs_role, position) VALUES ($1, $2, 'Case audit', false, 1)
			RETURNING id::text`, t, id)
		n1 := one(`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body, judgement,
				idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, '2025-02-10', 'Plans were shared across partners.', 'strength',
				'second-n1', '2025-02-10T15:00:00Z') RETURNING id::text`, t, id, v1, areas[0], insp, source)
		n2 := one(`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body, judgement,
				idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, '2025-03-03', 'Records were not shared.', 'development',
				'second-n2', '2025-03-03T15:00:00Z') RETURNING id::text`, t, id, v2, areas[2], w.lead, source)
		exec(`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id) VALUES ($1, $2, $4, $5), ($1, $3, $4, $5)`,
			t, n1, n2, aa1, id)
		// Two documents: a binary one cited by a note, and a text one.
		binary := make([]byte, 3000)
		for i := range binary {
			binary[i] = byte(i * 7)
		}
		d1 := one(`INSERT INTO area_documents (tenant_id, review_id, area_id, title, filename, content_type, size, sha256, content,
				scan_status, idempotency_key, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, 'Partnership plan', 'plan.pdf', 'application/pdf', length($4::bytea), sha256($4::bytea), $4::bytea, 'clean',
				'second-d1', $5, '2025-01-20T09:00:00Z') RETURNING id::text`, t, id, areas[0], binary, insp)
		exec(`INSERT INTO area_documents (tenant_id, review_id, area_id, title, filename, content_type, size, sha256, content,
				scan_status, idempotency_key, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, 'Opening times', 'times.csv', 'text/csv', length($4::bytea), sha256($4::bytea), $4::bytea, 'clean',
				'second-d2', $5, '2025-01-21T09:00:00Z')`, t, id, areas[2], []byte("day,open\nMonday,9\n"), w.lead)
		exec(`INSERT INTO evidence_note_documents (tenant_id, note_id, document_id) VALUES ($1, $2, $3)`, t, n1, d1)
		finding := one(`INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, prevalence_style, confirmed_areas,
				idempotency_key, created_by) VALUES ($1, $2, $3, 1, 'Partners plan together in most areas.', 'word', 1, 'second-f1', $4)
			RETURNING id::text`, t, id, aa1, insp)
		exec(`INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance) VALUES ($1, $2, $3, 'supports'), ($1, $2, $4, 'contradicts')`,
			t, finding, n1, n2)
		rec := one(`INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
			VALUES ($1, $2, 1, 'Share records.', 'Youth Justice Board', 'second-r1', $3) RETURNING id::text`, t, id, w.lead)
		exec(`INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id) VALUES ($1, $2, $3)`, t, rec, finding)
		exec(`INSERT INTO report_texts (tenant_id, review_id, key, body, updated_by) VALUES ($1, $2, 'summary', 'In short.', $3),
			($1, $2, 'area:' || $4, 'About plans.', $3)`, t, id, w.lead, aa1)
		// Sent for quality assurance by the lead, approved by the inspector (as a second lead would).
		exec(`INSERT INTO reports (tenant_id, review_id, status, status_note, status_by, status_at, version)
			VALUES ($1, $2, 'approved', 'Ready to publish', $3, '2025-04-01T10:00:00Z', 3)`, t, id, insp)
		doc := func(extra string) string {
			return `{"title": "Youth justice partnerships", "kind": "Research and analysis", "applies_to": "England", "footnotes": [],
				"blocks": [
					{"kind": "heading", "level": 2, "id": "group-` + group + `", "text": [{"text": "Partnership"}], "origin": {"section": "group:` + group + `", "kind": "heading"}},
					{"kind": "heading", "level": 3, "id": "area-` + aa1 + `", "text": [{"text": "Shared plans"}], "origin": {"section": "area:` + aa1 + `", "kind": "heading"}},
					{"kind": "paragraph", "text": [{"text": "About plans."}], "origin": {"section": "area:` + aa1 + `", "kind": "authored"}},
					{"kind": "paragraph", "text": [{"text": "Partners plan together in most areas."}],
						"origin": {"section": "area:` + aa1 + `", "kind": "finding", "id": "` + finding + `", "notes": ["` + n1 + `", "` + n2 + `"]}}` + extra + `]}`
		}
		exec(`INSERT INTO report_versions (tenant_id, review_id, number, label, doc, created_by, created_at) VALUES
			($1, $2, 1, 'First draft', $3::jsonb, $5, '2025-03-20T12:00:00Z'),
			($1, $2, 2, '', $4::jsonb, $6, '2025-03-25T12:00:00Z')`, t, id, doc(""),
			doc(`, {"kind": "numbered", "items": [[{"text": "Share records."}]], "origin": {"section": "recommendations", "kind": "recommendation", "id": "`+rec+`"}}`),
			w.lead, insp)
		return nil
	})
	return id
}

// facts are what a copy must keep of a review, read from the database as text: teams, documents
// with their bytes' hash, lists, report state and versions (with the ids in their documents
// turned back into what they name).
func (w *world) facts(reviewID string) map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for what, sql := range map[string]string{
		"teams": `SELECT string_agg(u.email || ' ' || d.day || ' ' || ra.ons_code || ' ' || v.start_date, '; ' ORDER BY u.email, d.day)
			FROM visit_days d JOIN visits v ON v.tenant_id = d.tenant_id AND v.id = d.visit_id
			JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id JOIN users u ON u.id = d.user_id WHERE v.review_id = $1`,
		"documents": `SELECT string_agg(ra.ons_code || ' ' || d.title || ' ' || d.filename || ' ' || d.content_type || ' ' || d.size || ' ' ||
				encode(d.sha256, 'hex') || ' ' || (sha256(d.content) = d.sha256) || ' ' || u.email || ' ' || d.uploaded_at || ' ' || d.scan_status ||
				' cited by ' || coalesce((SELECT string_agg(n.body, '|') FROM evidence_note_documents nd JOIN evidence_notes n ON n.tenant_id = nd.tenant_id
					AND n.id = nd.note_id WHERE nd.tenant_id = d.tenant_id AND nd.document_id = d.id), ''), '; ' ORDER BY d.uploaded_at)
			FROM area_documents d JOIN review_areas ra ON ra.tenant_id = d.tenant_id AND ra.id = d.area_id JOIN users u ON u.id = d.uploaded_by
			WHERE d.review_id = $1`,
		"document bytes": `SELECT string_agg(encode(d.content, 'base64'), ';' ORDER BY d.uploaded_at) FROM area_documents d WHERE d.review_id = $1`,
		"inspectorates":  `SELECT string_agg(name, ', ' ORDER BY position) FROM review_inspectorates WHERE review_id = $1`,
		"team roles":     `SELECT string_agg(name, ', ' ORDER BY position) FROM review_team_roles WHERE review_id = $1`,
		"addressees":     `SELECT string_agg(name, ', ' ORDER BY position) FROM review_addressees WHERE review_id = $1`,
		"report": `SELECT r.status || ' ' || r.status_note || ' ' || coalesce(u.email, '-') || ' ' || r.status_at || ' ' || coalesce(r.published_version::text, '-')
			FROM reports r LEFT JOIN users u ON u.id = r.status_by WHERE r.review_id = $1`,
		// Each version's document with the ids it names replaced by what they name.
		"versions": `SELECT string_agg(v.number || ' ' || v.label || ' ' || u.email || ' ' || v.created_at || ' ' ||
				replace(replace(replace(replace(replace(replace(v.doc::text,
					coalesce((SELECT string_agg(f.id::text, '') FROM findings f WHERE f.review_id = v.review_id), '-'), 'FINDING'),
					coalesce((SELECT string_agg(a.id::text, '') FROM action_areas a WHERE a.review_id = v.review_id AND a.position = 1), '-'), 'AA1'),
					coalesce((SELECT string_agg(g.id::text, '') FROM framework_groups g WHERE g.review_id = v.review_id), '-'), 'GROUP'),
					coalesce((SELECT string_agg(n.id::text, '') FROM evidence_notes n WHERE n.review_id = v.review_id AND n.judgement = 'strength'), '-'), 'NOTE1'),
					coalesce((SELECT string_agg(n.id::text, '') FROM evidence_notes n WHERE n.review_id = v.review_id AND n.judgement = 'development'), '-'), 'NOTE2'),
					coalesce((SELECT string_agg(r.id::text, '') FROM recommendations r WHERE r.review_id = v.review_id), '-'), 'REC'),
				' // ' ORDER BY v.number)
			FROM report_versions v JOIN users u ON u.id = v.created_by WHERE v.review_id = $1`,
	} {
		var s *string
		if err := w.super.QueryRow(w.ctx, sql, reviewID).Scan(&s); err != nil {
			w.t.Fatalf("%s: %v", what, err)
		}
		if s == nil {
			w.t.Fatalf("%s: none", what)
		}
		out[what] = *s
	}
	return out
}

// TestRoundTripOfASecondReview: a review with its own lists, teams, documents, an approved report
// and two saved versions comes back the same in the same tenant (next to the original) and in
// another, and exporting either copy gives the same archive.
func TestRoundTripOfASecondReview(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.secondReview()
	want := w.facts(id)
	if !strings.Contains(want["versions"], "FINDING") || !strings.Contains(want["versions"], `["NOTE1", "NOTE2"]`) || !strings.Contains(want["versions"], "REC") ||
		!strings.Contains(want["versions"], `"area:AA1"`) || !strings.Contains(want["versions"], `"group-GROUP"`) {
		t.Fatalf("the versions do not name the objects: %s", want["versions"])
	}
	first := w.export(w.tenant, id)
	if !archive.IsZip(first) {
		t.Fatal("a review with documents is not archived as a ZIP file")
	}
	a, err := archive.Parse(first)
	if err != nil {
		t.Fatalf("the archive is not valid: %v", err)
	}
	if len(a.Documents) != 2 || len(a.ReportVersions) != 2 || a.Report == nil || len(a.Inspectorates) != 3 || len(a.LeftOut) == 0 {
		t.Fatalf("the archive holds %d documents, %d versions, report %v, %d inspectorates, %d things left out",
			len(a.Documents), len(a.ReportVersions), a.Report, len(a.Inspectorates), len(a.LeftOut))
	}
	// Refs, never ids, in the saved versions.
	if j := jsonOf(t, first); bytes.Contains(j, []byte(id)) || regexpUUID.Match(jsonOf(t, first)) {
		t.Errorf("the archive holds a database id: %s", regexpUUID.Find(j))
	}
	for _, target := range []struct{ name, tenant string }{{"same tenant", w.tenant}, {"another tenant", w.other}} {
		res, err := w.importInto(target.tenant, first, "")
		if err != nil {
			t.Fatalf("%s: import: %v", target.name, err)
		}
		if res.TeamDaysSkipped != 0 || res.Counts.Documents != 2 || res.Counts.ReportVersions != 2 || len(res.Reattributed) != 0 {
			t.Errorf("%s: result %+v", target.name, res)
		}
		got := w.facts(res.ReviewID)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s differ:\ncopy:     %s\noriginal: %s", target.name, k, got[k], v)
			}
		}
		second := w.export(target.tenant, res.ReviewID)
		sameArchive(t, first, second, `"title":"Youth justice partnerships (imported)"`, `"title":"Youth justice partnerships"`)
	}
}

// TestATamperedDocumentIsRefused: a document whose bytes do not match the SHA-256 the archive
// gives, or whose file is missing, refuses the whole archive with the document named.
func TestATamperedDocumentIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	good := w.export(w.tenant, w.review)
	jsonData, files := unzipped(t, good)
	if len(files) == 0 {
		t.Fatal("the demo archive has no documents")
	}
	// A file only one document uses (two demo documents are the same PDF), so that one problem
	// is reported whichever map order picks.
	var doc struct {
		Documents []struct {
			SHA256 string `json:"sha256"`
		} `json:"documents"`
	}
	if err := json.Unmarshal(jsonData, &doc); err != nil {
		t.Fatal(err)
	}
	uses := map[string]int{}
	for _, d := range doc.Documents {
		uses["documents/"+d.SHA256]++
	}
	var name string
	for n := range files {
		if uses[n] == 1 && (name == "" || n < name) {
			name = n
		}
	}
	if name == "" {
		t.Fatalf("no file of the archive is used by exactly one document: %v", uses)
	}
	changed := map[string][]byte{}
	missing := map[string][]byte{}
	for n, b := range files {
		changed[n], missing[n] = b, b
	}
	tampered := bytes.Clone(files[name])
	tampered[len(tampered)/2] ^= 0xff
	changed[name] = tampered
	delete(missing, name)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"changed bytes", rezip(t, jsonData, changed), "does not match its SHA-256: the archive was changed or damaged"},
		{"missing file", rezip(t, jsonData, missing), "is not in the archive (no file " + name + ")"},
		{"JSON alone", jsonData, "an archive with documents is a ZIP file"},
	} {
		_, err := w.importInto(w.other, c.data, "")
		var inv *archive.Invalid
		if !errors.As(err, &inv) || len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].String(), c.want) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.name != "JSON alone" && !strings.HasPrefix(inv.Problems[0].Path, "documents[") {
			t.Errorf("%s: the problem is at %q", c.name, inv.Problems[0].Path)
		}
	}
}

// TestAVersion1ArchiveStillImports: a file as version 1 wrote it (no lists, documents, report or
// left_out) imports, with lists of the values its people and recommendations use.
func TestAVersion1ArchiveStillImports(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v1 := jsonOf(t, edit(t, w.export(w.tenant, w.review), func(m map[string]any) {
		m["version"] = 1
		for _, k := range []string{"inspectorates", "team_roles", "addressees", "documents", "report", "report_versions", "left_out"} {
			delete(m, k)
		}
	}))
	res, err := w.importInto(w.other, v1, "From version 1")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	// The lists are the values in use, not the original's lists (which hold values nobody uses).
	var got, used, original string
	if err := w.super.QueryRow(w.ctx, `SELECT (SELECT string_agg(name, ', ' ORDER BY name) FROM review_addressees WHERE review_id = $1),
			(SELECT string_agg(DISTINCT addressee, ', ' ORDER BY addressee) FROM recommendations WHERE review_id = $2),
			(SELECT string_agg(name, ', ' ORDER BY name) FROM review_addressees WHERE review_id = $2)`,
		res.ReviewID, w.review).Scan(&got, &used, &original); err != nil || got != used || got == original {
		t.Errorf("addressees %q, in use %q, the original's %q (%v)", got, used, original, err)
	}
}

var regexpUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
