package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/testenv"
)

// The evidence pages run a fixed number of SQL statements, however many notes, links, tags and
// history entries there are: no page runs a query per row. Each page is measured with a handful
// of notes, then again after 300 more notes (each with action areas, lines of enquiry and themes)
// and 40 more changes in a note's history; the counts must be equal and within the budget.

// statementBudget is the most statements one request to an evidence page may send, everything
// included (TestEveryPageWithinTheStatementBudget holds every page to requestBudget; this test is
// about counts not growing with rows). A review page costs 5 before its own reads: the session
// read, the actor with their place in the review (one statement, app_request), and its
// transaction's BEGIN, set_config and COMMIT.
const statementBudget = 16

// measure requests path as c and returns how many statements the service ran for it (the least of
// three tries, so that a background statement of the server cannot blur the figure) and the
// response of the last try.
func measure(t *testing.T, te *testenv.Env, c *client, path string) (int64, resp) {
	t.Helper()
	best := int64(-1)
	var r resp
	for range 3 {
		before := te.Statements()
		r = c.get(path)
		n := te.Statements() - before
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, r.Status, r.Body)
		}
		if best < 0 || n < best {
			best = n
		}
	}
	return best, r
}

var qcNextRE = regexp.MustCompile(`href="([^"]+)" rel="next"`)

// qcPages is the evidence pages to measure, by name; they depend on the state for the keyset link.
func qcPages(t *testing.T, c *client, f reviewFixture) [][2]string {
	t.Helper()
	base := "/reviews/" + f.reviewID
	filter := url.Values{"area": {f.area1}, "action-area": {f.actionAreaID}, "line": {f.lineID}, "judgement": {"strength"},
		"tag": {"fathers"}, "from-day": {"3"}, "from-month": {"8"}, "from-year": {"2023"}}.Encode()
	r := c.get(base + "/evidence?limit=2")
	m := qcNextRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no next page link with limit=2:\n%s", r.Body)
	}
	return [][2]string{
		{"evidence base", base + "/evidence"},
		{"evidence base, filtered", base + "/evidence?" + filter},
		{"evidence base, searched", base + "/evidence?q=hub+fathers"},
		{"evidence base, next page", strings.ReplaceAll(m[1], "&amp;", "&")},
		{"CSV export", base + "/evidence.csv?" + filter},
		{"CSV export, everything", base + "/evidence.csv"},
		{"note with history", base + "/notes/" + f.noteID},
		{"note form (change)", base + "/notes/" + f.noteID + "/edit"},
		{"note form (record)", base + "/visits/" + f.visit1 + "/notes/new"},
		{"visit page", base + "/visits/" + f.visit1},
		{"coverage", base + "/coverage"},
		{"safeguarding concerns", base + "/safeguarding"},
	}
}

// qcFewNotes adds two notes that every filter of qcPages matches, and one change to the fixture's
// note, so that each page has something to show.
func qcFewNotes(t *testing.T, e *env, f reviewFixture) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var author, source string
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = 'inspector@demo.test'`).Scan(&author); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND NOT needs_role
			ORDER BY position LIMIT 1`, f.tenantID, f.reviewID).Scan(&source); err != nil {
			return err
		}
		for i := range 2 {
			if _, _, err := evidence.Create(ctx, tx, f.tenantID, f.reviewID, author, evidence.NoteInput{
				VisitID: f.visit1, SourceID: source, NoteDate: "2023-08-03",
				Body:        fmt.Sprintf("Fathers said the family hub group %d made them feel welcome.", i),
				ActionAreas: []string{f.actionAreaID}, Lines: []string{f.lineID}, Tags: []string{"Fathers", "Outreach"},
				Judgement: evidence.Strength, Key: fmt.Sprintf("qc-few-%d", i),
			}); err != nil {
				return err
			}
		}
		return qcChangeNote(ctx, tx, f, author, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// qcChangeNote changes the fixture's note n times, each change a line of its history.
func qcChangeNote(ctx context.Context, tx pgx.Tx, f reviewFixture, actor string, n int) error {
	for i := range n {
		cur, err := evidence.Get(ctx, tx, f.tenantID, f.reviewID, f.noteID, false)
		if err != nil {
			return err
		}
		_, err = evidence.Update(ctx, tx, f.tenantID, f.reviewID, f.noteID, actor, cur.Version, evidence.NoteInput{
			SourceID: cur.SourceID, RoleID: cur.RoleID, NoteDate: cur.NoteDate.Format("2006-01-02"),
			Body:        fmt.Sprintf("%s (checked %d)", strings.SplitN(cur.Body, " (checked", 2)[0], cur.Version+i),
			ActionAreas: cur.ActionAreas, Lines: cur.Lines, Tags: cur.Tags,
			Judgement: cur.Judgement,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// qcManyNotes adds 300 notes across both visits, by two authors, each linked to two action areas,
// two lines of enquiry and two themes (of 50 new ones), a tenth of them safeguarding concerns, in
// a few set-based statements; and 40 more changes to the fixture's note.
func qcManyNotes(t *testing.T, e *env, f reviewFixture) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var inspector, lead, source string
		if err := tx.QueryRow(ctx, `SELECT (SELECT id FROM users WHERE email = 'inspector@demo.test'),
			(SELECT id FROM users WHERE email = 'lead@demo.test')`).Scan(&inspector, &lead); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND NOT needs_role
			ORDER BY position LIMIT 1`, f.tenantID, f.reviewID).Scan(&source); err != nil {
			return err
		}
		stmts := []string{
			`INSERT INTO evidence_tags (tenant_id, review_id, name) SELECT $1, $2, 'Bulk theme ' || g FROM generate_series(1, 50) g`,
			`INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body, judgement,
				good_practice, idempotency_key, created_at, safeguarding, safeguarding_raised_at, safeguarding_raised_by)
			SELECT $1, $2, v.id, v.area_id, CASE WHEN g % 2 = 0 THEN $3::uuid ELSE $4::uuid END, $5::uuid, v.start_date,
				'Bulk note ' || g || ': fathers at the family hub said the stay and play session helped them meet other parents.',
				CASE g % 3 WHEN 0 THEN 'strength' WHEN 1 THEN 'development' ELSE 'neutral' END, g % 5 = 0, 'qc-bulk-' || g,
				now() - make_interval(secs => g), g % 10 = 1, CASE WHEN g % 10 = 1 THEN now() END,
				CASE WHEN g % 10 = 1 THEN $4::uuid END
			FROM generate_series(1, 300) g
			JOIN visits v ON v.tenant_id = $1 AND v.review_id = $2 AND v.id = CASE WHEN g % 4 = 0 THEN $6::uuid ELSE $7::uuid END`,
			`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			SELECT n.tenant_id, n.id, aa.id, n.review_id FROM evidence_notes n
			CROSS JOIN (SELECT id FROM action_areas WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 2) aa
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.idempotency_key LIKE 'qc-bulk-%'`,
			`INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT n.tenant_id, n.id, l.id, n.review_id FROM evidence_notes n
			CROSS JOIN (SELECT id FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 2) l
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.idempotency_key LIKE 'qc-bulk-%'`,
			`INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id)
			SELECT n.tenant_id, n.id, t.id FROM evidence_notes n
			JOIN evidence_tags t ON t.tenant_id = n.tenant_id AND t.review_id = n.review_id
				AND (lower(t.name) = 'fathers' OR t.name = 'Bulk theme ' || (1 + (split_part(n.idempotency_key, '-', 3)::int % 50)))
			WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.idempotency_key LIKE 'qc-bulk-%'`,
		}
		args := [][]any{
			{f.tenantID, f.reviewID},
			{f.tenantID, f.reviewID, inspector, lead, source, f.visit2, f.visit1},
			{f.tenantID, f.reviewID},
			{f.tenantID, f.reviewID},
			{f.tenantID, f.reviewID},
		}
		for i, s := range stmts {
			if _, err := tx.Exec(ctx, s, args[i]...); err != nil {
				return fmt.Errorf("statement %d: %w", i, err)
			}
		}
		return qcChangeNote(ctx, tx, f, lead, 40)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatementCountsOfEvidencePagesDoNotGrowWithRows(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	qcFewNotes(t, e, f)
	lead := e.signedIn("lead@demo.test")

	few := map[string]int64{}
	for _, p := range qcPages(t, lead, f) {
		n, r := measure(t, te, lead, p[1])
		few[p[0]] = n
		qcCheckShows(t, p[0], r, false)
	}

	qcManyNotes(t, e, f)
	var notes, links int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM evidence_notes WHERE review_id = $1),
		(SELECT count(*) FROM evidence_note_action_areas WHERE review_id = $1) + (SELECT count(*) FROM evidence_note_lines WHERE review_id = $1)`,
		f.reviewID).Scan(&notes, &links); err != nil {
		t.Fatal(err)
	}
	if notes < 300 || links < 1200 {
		t.Fatalf("the bulk insert made %d notes and %d links", notes, links)
	}
	for _, p := range qcPages(t, lead, f) {
		n, r := measure(t, te, lead, p[1])
		qcCheckShows(t, p[0], r, true)
		t.Logf("%-26s %2d statements with 3 notes, %2d with %d notes", p[0], few[p[0]], n, notes)
		if n != few[p[0]] {
			t.Errorf("%s: %d statements with 3 notes, %d with %d: a query runs per row", p[0], few[p[0]], n, notes)
		}
		if n > statementBudget {
			t.Errorf("%s: %d statements, over the budget of %d", p[0], n, statementBudget)
		}
	}
}

// qcCheckShows makes sure a measured page shows what it should (so that an error page or an empty
// list is not what was counted): the bulk notes once added, and the note's long history.
func qcCheckShows(t *testing.T, name string, r resp, many bool) {
	t.Helper()
	switch {
	case strings.HasPrefix(name, "CSV"):
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		min := 2
		if many {
			min = 50
		}
		if len(recs)-1 < min {
			t.Errorf("%s: %d rows", name, len(recs)-1)
		}
	case strings.HasPrefix(name, "evidence base"):
		if !strings.Contains(r.Body, "Showing ") || strings.Contains(r.Body, "Showing 0 notes") {
			t.Errorf("%s shows no notes", name)
		}
		if many && name != "evidence base, next page" && !strings.Contains(r.Body, "Bulk") {
			t.Errorf("%s does not show the bulk notes", name)
		}
	case name == "note with history":
		if many && strings.Count(r.Body, "Changed by") < 41 {
			t.Errorf("%s shows %d changes", name, strings.Count(r.Body, "Changed by"))
		}
	}
}
