package scale_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/auth"
	"thematic/internal/coverage"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/scale"
)

// One argon2id hash for every test (hashing is slow on purpose).
var hashOnce = sync.OnceValues(func() (string, error) { return auth.HashPassword(scale.Password) })

func small() scale.Options {
	return scale.Options{Tenants: 3, Reviews: 1, Areas: 64, Members: 80, Notes: 5000, OtherNotes: 20000, Findings: 20, Hash: hashOnce}
}

func generate(t *testing.T, d *dbtest.DB, o scale.Options) scale.Manifest {
	t.Helper()
	o.Log = t.Logf
	m, err := scale.Generate(context.Background(), d.Owner, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func count(t *testing.T, q db.Querier, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestGenerateMakesTheCountsAskedFor(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	o := small()
	m := generate(t, d, o)
	ctx := context.Background()

	// Per tenant: notes, members, reviews and areas.
	rows, err := d.Super.Query(ctx, `SELECT t.slug,
			(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = t.id),
			(SELECT count(*) FROM memberships m WHERE m.tenant_id = t.id),
			(SELECT count(*) FROM reviews r WHERE r.tenant_id = t.id),
			(SELECT count(*) FROM review_members rm WHERE rm.tenant_id = t.id),
			(SELECT count(*) FROM review_areas a WHERE a.tenant_id = t.id),
			(SELECT count(*) FROM visits v WHERE v.tenant_id = t.id)
		FROM tenants t WHERE t.slug LIKE 'scale-%' ORDER BY t.slug`)
	if err != nil {
		t.Fatal(err)
	}
	type tenantCounts struct {
		slug                                             string
		notes, members, reviews, rmembers, areas, visits int
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tenantCounts, error) {
		var c tenantCounts
		return c, r.Scan(&c.slug, &c.notes, &c.members, &c.reviews, &c.rmembers, &c.areas, &c.visits)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != o.Tenants {
		t.Fatalf("tenants: %d, want %d", len(got), o.Tenants)
	}
	others := 0
	for i, c := range got {
		if c.slug != scale.Slug(i) || c.reviews != o.Reviews || c.visits != c.areas {
			t.Errorf("tenant %d: %+v", i, c)
		}
		if i == 0 {
			if c.notes != o.Notes || c.members != o.Members || c.rmembers != o.Members || c.areas != o.Areas {
				t.Errorf("main tenant: %+v, want %d notes, %d members, %d areas", c, o.Notes, o.Members, o.Areas)
			}
			continue
		}
		others += c.notes
		if c.notes < o.OtherNotes/(o.Tenants-1)-1 || c.areas < 20 || c.areas > 153 {
			t.Errorf("tenant %d: %+v", i, c)
		}
	}
	if others != o.OtherNotes {
		t.Errorf("other notes: %d, want %d", others, o.OtherNotes)
	}
	// The main review: roles, links, the rare and the deleted, findings.
	checks := []struct {
		name string
		sql  string
		want int
	}{
		{"leads", `SELECT count(*) FROM review_members WHERE review_id = $1 AND role = 'lead'`, 1},
		{"inspectors", `SELECT count(*) FROM review_members WHERE review_id = $1 AND role = 'inspector'`, o.Members - 1 - o.Members/10},
		{"observers", `SELECT count(*) FROM review_members WHERE review_id = $1 AND role = 'observer'`, o.Members / 10},
		{"notes without an action area", `SELECT count(*) FROM evidence_notes n WHERE review_id = $1 AND NOT EXISTS
			(SELECT 1 FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id)`, 0},
		{"notes without a theme", `SELECT count(*) FROM evidence_notes n WHERE review_id = $1 AND NOT EXISTS
			(SELECT 1 FROM evidence_note_tags x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id)`, 0},
		{"notes with a line of enquiry", `SELECT count(DISTINCT note_id) FROM evidence_note_lines WHERE review_id = $1`, o.Notes - o.Notes/3},
		{"notes dated outside their visit", `SELECT count(*) FROM evidence_notes n JOIN visits v ON v.tenant_id = n.tenant_id AND v.id = n.visit_id
			WHERE n.review_id = $1 AND (n.note_date < v.start_date OR n.note_date >= v.start_date + v.days OR v.area_id <> n.area_id)`, 0},
		{"sources needing a role without one", `SELECT count(*) FROM evidence_notes n JOIN evidence_sources s ON s.tenant_id = n.tenant_id
			AND s.id = n.source_id WHERE n.review_id = $1 AND s.needs_role AND n.role_id IS NULL`, 0},
		{"deleted", `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NOT NULL`, o.Notes / 89},
		{"safeguarding", `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND safeguarding`, (o.Notes + 4998) / 4999},
		{"judgements", `SELECT count(DISTINCT judgement) FROM evidence_notes WHERE review_id = $1`, 3},
		{"findings", `SELECT count(*) FROM findings WHERE review_id = $1`, o.Findings},
		{"findings without notes", `SELECT count(*) FROM findings f WHERE review_id = $1 AND NOT EXISTS
			(SELECT 1 FROM finding_notes x WHERE x.tenant_id = f.tenant_id AND x.finding_id = f.id)`, 0},
		{"inspectors on no visit team", `SELECT count(*) FROM review_members m WHERE review_id = $1 AND role = 'inspector'
			AND NOT EXISTS (SELECT 1 FROM visit_days d WHERE d.tenant_id = m.tenant_id AND d.member_id = m.id)`, 0},
		{"days on site without a place on the team", `SELECT count(*) FROM visit_days d JOIN visits v ON v.tenant_id = d.tenant_id
			AND v.id = d.visit_id WHERE v.review_id = $1 AND NOT EXISTS (SELECT 1 FROM visit_members vm
			WHERE vm.tenant_id = d.tenant_id AND vm.visit_id = d.visit_id AND vm.member_id = d.member_id)`, 0},
	}
	for _, c := range checks {
		if got := count(t, d.Super, c.sql, m.ReviewID); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// Full-text search meets common and rare words.
	common := count(t, d.Super, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND search @@ websearch_to_tsquery('english', 'families')`, m.ReviewID)
	rare := count(t, d.Super, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND search @@ websearch_to_tsquery('english', 'hypnobirthing')`, m.ReviewID)
	if common < o.Notes/10 || rare < 1 || rare > o.Notes/1000 {
		t.Errorf("search: 'families' in %d notes, 'hypnobirthing' in %d of %d", common, rare, o.Notes)
	}
	// Passwords: one hash, that of the password.
	var hashes int
	var hash string
	if err := d.Super.QueryRow(ctx, `SELECT count(DISTINCT password_hash), min(password_hash) FROM users WHERE email LIKE '%@scale-%'`).Scan(&hashes, &hash); err != nil {
		t.Fatal(err)
	}
	if ok := auth.CheckPassword(hash, scale.Password); hashes != 1 || !ok {
		t.Errorf("password hashes: %d, password matches: %v", hashes, ok)
	}

	// The manifest.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"tenant_id":`, `"review_id":`, `"lead_email":"lead@scale-01.test"`, `"password":"scale-thematic-2026"`,
		`"inspectors":[{"email":`, `"visit_id":`, `"area_id":`, `"note_date":`, `"source_id":`, `"action_area_id":`,
		`"action_area_ids":`, `"area_ids":`, `"tenants":3`, `"areas":64`, `"members":80`, `"notes":5000`,
		`"other_notes":20000`, `"findings":20`, `"took_seconds":`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("manifest lacks %s: %s", field, b[:min(len(b), 400)])
		}
	}
	if len(m.Inspectors) < 60 || len(m.AreaIDs) != o.Areas || len(m.ActionAreaIDs) == 0 {
		t.Fatalf("manifest: %d inspectors, %d areas, %d action areas", len(m.Inspectors), len(m.AreaIDs), len(m.ActionAreaIDs))
	}
	visits, emails := map[string]bool{}, map[string]bool{}
	for _, in := range m.Inspectors {
		if visits[in.VisitID] || visits[in.AreaID] || emails[in.Email] {
			t.Errorf("inspector %s: visit or area used twice", in.Email)
		}
		visits[in.VisitID], visits[in.AreaID], emails[in.Email] = true, true, true
	}
}

// The counters filled after the copy are what aggregating the notes gives, and the triggers,
// enabled again, keep them so as notes change (were a base counter wrong, so would it stay).
func TestGenerateKeepsCoverageCountersRight(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	o := small()
	o.Notes, o.OtherNotes, o.Findings = 3000, 4000, 0
	m := generate(t, d, o)
	// Changes through the triggers: notes deleted, judged again, moved, links removed and added.
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: m.TenantID}, func(tx pgx.Tx) error {
		for _, q := range []string{
			`UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE tenant_id = $1 AND review_id = $2
				AND deleted_at IS NULL AND idempotency_key LIKE '%0'`,
			`UPDATE evidence_notes SET judgement = 'neutral' WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key LIKE '%3'`,
			`DELETE FROM evidence_note_tags WHERE tenant_id = $1 AND note_id IN (SELECT id FROM evidence_notes
				WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key LIKE '%7')`,
			`INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
				SELECT n.tenant_id, n.id, l.id, n.review_id FROM evidence_notes n
				JOIN enquiry_lines l ON l.tenant_id = n.tenant_id AND l.review_id = n.review_id AND l.position = 1
				WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.idempotency_key LIKE '%1' ON CONFLICT DO NOTHING`,
		} {
			if tag, err := tx.Exec(ctx, q, m.TenantID, m.ReviewID); err != nil || tag.RowsAffected() == 0 {
				return fmt.Errorf("%s: %v (%d rows)", q, err, tag.RowsAffected())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The triggers' deltas folded into the counters, as the service's job does.
	if _, err := coverage.Fold(ctx, d.App); err != nil {
		t.Fatal(err)
	}
	const agg = `SELECT n.tenant_id, n.review_id, k.dimension, n.area_id, k.key_id,
			count(*) FILTER (WHERE n.judgement = 'strength')::int, count(*) FILTER (WHERE n.judgement = 'development')::int,
			count(*) FILTER (WHERE n.judgement = 'neutral')::int
		FROM evidence_notes n CROSS JOIN LATERAL (
			SELECT 'note' AS dimension, n.area_id AS key_id
			UNION ALL SELECT 'source', n.source_id
			UNION ALL SELECT 'author', n.author_id
			UNION ALL SELECT 'action_area', x.action_area_id FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id
			UNION ALL SELECT 'good_practice', x.action_area_id FROM evidence_note_action_areas x
				WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND n.good_practice
			UNION ALL SELECT 'line', x.line_id FROM evidence_note_lines x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id
			UNION ALL SELECT 'tag', x.tag_id FROM evidence_note_tags x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id) k
		WHERE n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY 1, 2, 3, 4, 5`
	const kept = `SELECT tenant_id, review_id, dimension, area_id, key_id, strength, development, neutral FROM evidence_counts
		WHERE (strength, development, neutral) <> (0, 0, 0)`
	if n := count(t, d.Super, `SELECT count(*) FROM (`+kept+`) k`); n < 1000 {
		t.Fatalf("only %d counter rows", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM ((`+kept+` EXCEPT `+agg+`) UNION ALL (`+agg+` EXCEPT `+kept+`)) x`); n != 0 {
		t.Errorf("%d counter rows differ from the aggregation", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM evidence_counts WHERE least(strength, development, neutral) < 0`); n != 0 {
		t.Errorf("%d negative counters", n)
	}
}

// Every inspector of the manifest may record a note on their visit: the same role check as the
// note form's route (auth.ReviewRecord on the review place app_request reads), then
// evidence.CreateChecked as the server's role in the inspector's scope.
func TestManifestInspectorsCanRecordNotes(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	o := small()
	o.Notes, o.OtherNotes, o.Findings = 500, 500, 0
	m := generate(t, d, o)
	ctx := context.Background()
	for i, in := range m.Inspectors {
		var id string
		if err := d.Super.QueryRow(ctx, `SELECT id::text FROM users WHERE email = $1`, in.Email).Scan(&id); err != nil {
			t.Fatalf("%s: %v", in.Email, err)
		}
		var userID, role, areaID *string
		if err := d.App.QueryRow(ctx, `SELECT user_id::text, review_role, review_area_id::text FROM app_request($1, $2, $3)`,
			m.TenantID, id, m.ReviewID).Scan(&userID, &role, &areaID); err != nil {
			t.Fatalf("%s: %v", in.Email, err)
		}
		a := &auth.Actor{UserID: *userID, TenantID: m.TenantID, Role: auth.RoleMember}
		if role != nil {
			a.Review = &auth.ReviewAccess{ReviewID: m.ReviewID, Role: auth.ReviewRole(*role)}
			if areaID != nil {
				a.Review.AreaID = *areaID
			}
		}
		if !auth.Allowed(a, auth.ReviewRecord) || !a.Review.SeesArea(in.AreaID) {
			t.Fatalf("%s may not record on %s (role %v)", in.Email, in.VisitID, role)
		}
		if i%10 != 0 && i != len(m.Inspectors)-1 {
			continue // the role check for all, a note for some
		}
		err := db.InTx(ctx, d.App, db.Scope{TenantID: m.TenantID, UserID: a.UserID}, func(tx pgx.Tx) error {
			id, created, err := evidence.CreateChecked(ctx, tx, m.TenantID, m.ReviewID, a.UserID, evidence.NoteInput{
				VisitID: in.VisitID, SourceID: in.SourceID, NoteDate: in.NoteDate, Body: "Parents described the hub as welcoming.",
				ActionAreas: []string{in.ActionAreaID}, Judgement: "strength", Key: fmt.Sprintf("manifest-%d", i)},
				evidence.PersonalData{Scan: true})
			if err == nil && (!created || id == "") {
				err = errors.New("not created")
			}
			return err
		})
		if err != nil {
			var r *evidence.Refused
			if errors.As(err, &r) {
				t.Fatalf("%s on %s: refused: %v", in.Email, in.VisitID, r.Errors)
			}
			t.Fatalf("%s on %s: %v", in.Email, in.VisitID, err)
		}
	}
	if n := count(t, d.Super, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND idempotency_key LIKE 'manifest-%'`, m.ReviewID); n == 0 {
		t.Fatal("no note recorded")
	}
}

// Scale data is refused a second time, replaced with --replace, and the demo tenant beside it is
// never touched.
func TestGenerateRefusesThenReplaces(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	demoRows := func() string {
		var s string
		if err := d.Super.QueryRow(ctx, `SELECT concat_ws(',', (SELECT count(*) FROM evidence_notes n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = $1),
			(SELECT count(*) FROM memberships n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = $1),
			(SELECT count(*) FROM audit_log n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = $1),
			(SELECT count(*) FROM evidence_counts n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = $1),
			(SELECT sum(strength + 2 * development + 3 * neutral) FROM evidence_counts n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = $1),
			(SELECT count(*) FROM users))`, demo.TenantSlug).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := demoRows()
	o := small()
	o.Tenants, o.Notes, o.OtherNotes, o.Findings = 2, 1000, 1000, 5
	first := generate(t, d, o)
	if _, err := scale.Generate(ctx, d.Owner, o); !errors.Is(err, scale.ErrExists) || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("second run: %v, want a refusal naming --replace", err)
	}
	o.Replace = true
	second := generate(t, d, o)
	if second.TenantID == first.TenantID {
		t.Fatal("the tenant was not replaced")
	}
	if n := count(t, d.Super, `SELECT count(*) FROM tenants WHERE slug LIKE 'scale-%'`); n != 2 {
		t.Errorf("scale tenants: %d, want 2", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM evidence_notes WHERE tenant_id = $1`, first.TenantID); n != 0 {
		t.Errorf("%d notes of the replaced tenant remain", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM evidence_notes WHERE tenant_id = $1`, second.TenantID); n != 1000 {
		t.Errorf("notes of the new tenant: %d", n)
	}
	if err := scale.Delete(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	if after := demoRows(); after != before {
		t.Errorf("the demo tenant changed: %s, was %s", after, before)
	}
	// FORCE is back on every table that had it.
	if n := count(t, d.Super, `SELECT count(*) FROM pg_class WHERE relname IN ('evidence_notes', 'memberships', 'audit_log') AND relforcerowsecurity`); n != 3 {
		t.Errorf("FORCE row level security on %d of 3 tables", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM pg_trigger WHERE tgname = 'coverage_note_deleted' AND tgenabled = 'O'`); n != 1 {
		t.Error("coverage_note_deleted is not enabled again")
	}
}

// explainer records the statements the store sends, to EXPLAIN them.
type explainer struct {
	mu   sync.Mutex
	sqls []traced
}

type traced struct {
	sql  string
	args []any
}

func (e *explainer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	e.mu.Lock()
	e.sqls = append(e.sqls, traced{data.SQL, data.Args})
	e.mu.Unlock()
	return ctx
}

func (e *explainer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (e *explainer) take() []traced {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.sqls
	e.sqls = nil
	return out
}

// Row-level security and the tenant-led indexes keep the other tenants' notes out of the plans
// of the main review's evidence list, search and coverage: the statements the stores really send,
// EXPLAINed as the server's role in the lead's scope, never read evidence_notes sequentially.
func TestPlansReachNotesThroughTenantIndexes(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	o := small()
	o.Findings = 0
	m := generate(t, d, o)
	ctx := context.Background()
	tr := &explainer{}
	cfg, err := pgxpool.ParseConfig(d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tr
	app, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	var leadID string
	if err := d.Super.QueryRow(ctx, `SELECT id::text FROM users WHERE email = $1`, m.LeadEmail).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	scope := db.Scope{TenantID: m.TenantID, UserID: leadID}
	// The links were copied with their note's created_at (the trigger that would fill it is set
	// aside while the generator loads).
	if n := count(t, d.Super, `SELECT count(*) FROM evidence_note_action_areas x JOIN evidence_notes n
		ON n.tenant_id = x.tenant_id AND n.id = x.note_id WHERE x.note_created_at <> n.created_at`); n != 0 {
		t.Errorf("%d action area links carry another time than their note's", n)
	}
	cases := []struct {
		name string
		run  func(tx pgx.Tx) error
	}{
		{"evidence list", func(tx pgx.Tx) error {
			_, err := evidence.List(ctx, tx, m.TenantID, m.ReviewID, evidence.Filter{})
			return err
		}},
		{"evidence list of an area", func(tx pgx.Tx) error {
			_, err := evidence.List(ctx, tx, m.TenantID, m.ReviewID, evidence.Filter{AreaIDs: []string{m.AreaIDs[3]}, Judgement: "strength"})
			return err
		}},
		{"evidence list of an action area", func(tx pgx.Tx) error {
			_, err := evidence.List(ctx, tx, m.TenantID, m.ReviewID, evidence.Filter{ActionAreaID: m.ActionAreaIDs[0]})
			return err
		}},
		{"search, common words", func(tx pgx.Tx) error {
			_, err := evidence.List(ctx, tx, m.TenantID, m.ReviewID, evidence.Filter{Query: "families hub"})
			return err
		}},
		{"search, a rare word", func(tx pgx.Tx) error {
			_, err := evidence.List(ctx, tx, m.TenantID, m.ReviewID, evidence.Filter{Query: "hypnobirthing"})
			return err
		}},
		{"coverage", func(tx pgx.Tx) error {
			_, err := coverage.Load(ctx, tx, m.TenantID, m.ReviewID)
			return err
		}},
	}
	for _, c := range cases {
		tr.take()
		if err := db.InTx(ctx, app, scope, c.run); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plans []string
		for _, q := range tr.take() {
			if !strings.Contains(q.sql, "evidence_") || strings.Contains(q.sql, "set_config") {
				continue
			}
			err := db.InTx(ctx, app, scope, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, "EXPLAIN "+q.sql, q.args...)
				if err != nil {
					return err
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				plans = append(plans, strings.Join(lines, "\n"))
				return err
			})
			if err != nil {
				t.Fatalf("%s: explain %s: %v", c.name, q.sql, err)
			}
		}
		if strings.Contains(c.name, "search") {
			// The search runs inside evidence_search_notes (SECURITY DEFINER, owned by the
			// owner): its own plan, as the owner in the same scope.
			err := db.InTx(ctx, d.Owner, scope, func(tx pgx.Tx) error {
				q := strings.TrimPrefix(c.name, "search, ")
				word := map[string]string{"common words": "families hub", "a rare word": "hypnobirthing"}[q]
				rows, err := tx.Query(ctx, `EXPLAIN SELECT n.id FROM evidence_notes n, websearch_to_tsquery('english', $2) q (q)
					WHERE n.tenant_id = app_tenant() AND n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
					AND n.search @@ q.q`, m.ReviewID, word)
				if err != nil {
					return err
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				plans = append(plans, strings.Join(lines, "\n"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(plans) == 0 {
			t.Fatalf("%s: no statement on evidence tables was sent", c.name)
		}
		all := strings.Join(plans, "\n----\n")
		if strings.Contains(c.name, "action area") && !strings.Contains(all, "evidence_note_action_areas_order_idx") {
			t.Errorf("%s: not read in order from the action area's links (migration 00034):\n%s", c.name, all)
		}
		if strings.Contains(all, "Seq Scan on evidence_notes") || strings.Contains(all, "Seq Scan on evidence_counts") {
			t.Errorf("%s: a sequential scan of every tenant's rows:\n%s", c.name, all)
		}
		t.Logf("%s:\n%s", c.name, all)
	}
}

// The findings' counts per area are what a fresh count of their links gives, after generation
// and after notes change through the triggers.
func TestGenerateKeepsFindingCountsRight(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	o := small()
	o.Notes, o.OtherNotes, o.Findings = 3000, 2000, 30
	m := generate(t, d, o)
	if n := count(t, d.Super, `SELECT count(*) FROM finding_area_counts c JOIN findings f ON f.tenant_id = c.tenant_id
		AND f.id = c.finding_id WHERE f.review_id = $1 AND c.counting > 0`, m.ReviewID); n < 30 {
		t.Fatalf("only %d counted (finding, area) pairs", n)
	}
	if n := count(t, d.Super, finding.CountsDrift); n != 0 {
		t.Fatalf("after generation, %d kept counts differ from a fresh count", n)
	}
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: m.TenantID}, func(tx pgx.Tx) error {
		for _, q := range []string{
			`UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE tenant_id = $1 AND review_id = $2
				AND deleted_at IS NULL AND idempotency_key LIKE '%0' AND id IN (SELECT note_id FROM finding_notes)`,
			`UPDATE evidence_notes SET safeguarding = true WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key LIKE '%3'
				AND id IN (SELECT note_id FROM finding_notes)`,
			`DELETE FROM evidence_note_action_areas WHERE tenant_id = $1 AND note_id IN (SELECT note_id FROM finding_notes
				WHERE tenant_id = $1) AND note_id IN (SELECT id FROM evidence_notes WHERE review_id = $2 AND idempotency_key LIKE '%7')`,
			`DELETE FROM finding_notes WHERE tenant_id = $1 AND note_id IN (SELECT id FROM evidence_notes
				WHERE review_id = $2 AND idempotency_key LIKE '%9')`,
			`DELETE FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key LIKE '%1'
				AND id IN (SELECT note_id FROM finding_notes) AND id NOT IN (SELECT note_id FROM practice_examples)`,
		} {
			if tag, err := tx.Exec(ctx, q, m.TenantID, m.ReviewID); err != nil || tag.RowsAffected() == 0 {
				return fmt.Errorf("%s: %v (%d rows)", q, err, tag.RowsAffected())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, d.Super, finding.CountsDrift); n != 0 {
		t.Errorf("after changes, %d kept counts differ from a fresh count", n)
	}
	if n := count(t, d.Super, `SELECT count(*) FROM finding_area_counts WHERE least(supporting, contradicting, counting) < 0`); n != 0 {
		t.Errorf("%d negative counts", n)
	}
}
