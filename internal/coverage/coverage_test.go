package coverage_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/coverage"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/evidence"
)

// demoReview is the demo tenant's Start for Life review and what a note may name.
type demoReview struct {
	d                  *dbtest.DB
	tenant, review     string
	authors            []string
	visits             []visitInfo
	sources            []string
	actionAreas, lines []string
	tagNames           []string
}

type visitInfo struct {
	id    string
	start time.Time
}

func seedDemo(t testing.TB) *demoReview {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	if err := demo.Seed(ctx, d.Owner); err != nil {
		t.Fatal(err)
	}
	r := &demoReview{d: d}
	q := func(sql string, args ...any) []string {
		t.Helper()
		rows, _ := d.Super.Query(ctx, sql, args...)
		s, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := d.Super.QueryRow(ctx, `SELECT r.tenant_id::text, r.id::text FROM reviews r JOIN tenants t ON t.id = r.tenant_id
		WHERE t.slug = $1 AND r.title LIKE '%Start for Life%'`, demo.TenantSlug).Scan(&r.tenant, &r.review); err != nil {
		t.Fatal(err)
	}
	// The lead first (SetThreshold and the demo note's edit below), then the inspectors.
	r.authors = q(`SELECT user_id::text FROM review_members WHERE review_id = $1 AND role IN ('lead', 'inspector')
		ORDER BY role = 'lead' DESC, 1`, r.review)
	rows, _ := d.Super.Query(ctx, `SELECT id::text, start_date FROM visits WHERE review_id = $1 ORDER BY start_date, id`, r.review)
	var err error
	if r.visits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (visitInfo, error) {
		var v visitInfo
		return v, row.Scan(&v.id, &v.start)
	}); err != nil {
		t.Fatal(err)
	}
	r.sources = q(`SELECT id::text FROM evidence_sources WHERE review_id = $1 AND NOT needs_role ORDER BY position`, r.review)
	r.actionAreas = q(`SELECT id::text FROM action_areas WHERE review_id = $1 ORDER BY position`, r.review)
	r.lines = q(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 ORDER BY position`, r.review)
	r.tagNames = append(q(`SELECT name FROM evidence_tags WHERE review_id = $1 ORDER BY name LIMIT 8`, r.review),
		"Coverage test theme", "coverage TEST theme two")
	if len(r.authors) == 0 || len(r.visits) < 2 || len(r.sources) == 0 || len(r.actionAreas) < 2 || len(r.lines) < 2 {
		t.Fatalf("demo review is not what the test expects: %+v", r)
	}
	return r
}

// tx runs fn as the service does: the application role, under every row-level policy (including
// the one that hides a safeguarding concern from all but its author and the review's leads, so
// that the triggers' look-up of a note may not see it).
func (r *demoReview) tx(userID string, fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), r.d.App, db.Scope{TenantID: r.tenant, UserID: userID}, fn)
}

func subset(rng *rand.Rand, from []string) []string {
	var out []string
	for _, s := range from {
		if rng.IntN(3) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func (r *demoReview) randomInput(rng *rand.Rand, key string) evidence.NoteInput {
	v := r.visits[rng.IntN(len(r.visits))]
	return evidence.NoteInput{
		VisitID: v.id, SourceID: r.sources[rng.IntN(len(r.sources))], NoteDate: v.start.Format("2006-01-02"),
		Body:        "Coverage test note " + key,
		ActionAreas: subset(rng, r.actionAreas), Lines: subset(rng, r.lines), Tags: subset(rng, r.tagNames),
		Judgement:    []string{evidence.Strength, evidence.Development, evidence.Neutral}[rng.IntN(3)],
		GoodPractice: rng.IntN(3) == 0,
		Safeguarding: rng.IntN(8) == 0, Key: key,
	}
}

// foldAlong folds the deltas every pause until the returned function is called, which fails the
// test if a fold failed.
func (r *demoReview) foldAlong(t *testing.T, pause time.Duration) func() {
	t.Helper()
	stop, folded := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				folded <- nil
				return
			default:
			}
			if _, err := coverage.Fold(context.Background(), r.d.App); err != nil {
				folded <- err
				return
			}
			time.Sleep(pause)
		}
	}()
	return func() {
		t.Helper()
		close(stop)
		if err := <-folded; err != nil {
			t.Fatalf("fold during the saves: %v", err)
		}
	}
}

// compare checks the counters as readers see them (evidence_counts_live: the folded counters and
// the deltas since) against a direct count over the notes and their links; then folds the deltas
// and checks that evidence_counts alone says the same, with no delta left.
func (r *demoReview) compare(t *testing.T) {
	t.Helper()
	r.compareWith(t, "evidence_counts_live")
	if _, err := coverage.Fold(context.Background(), r.d.App); err != nil {
		t.Fatal(err)
	}
	r.compareWith(t, "evidence_counts")
	var left int
	if err := r.d.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_count_deltas`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d deltas left after the fold (%v)", left, err)
	}
}

func (r *demoReview) compareWith(t *testing.T, counters string) {
	t.Helper()
	ctx := context.Background()
	read := func(sql string) map[string]int {
		rows, err := r.d.Super.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		var tenant, review, dim, area, key, j string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&tenant, &review, &dim, &area, &key, &j, &n}, func() error {
			m[fmt.Sprintf("%s/%s/%s/%s/%s/%s", tenant, review, dim, area, key, j)] = n
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	got := read(`SELECT c.tenant_id::text, c.review_id::text, c.dimension, c.area_id::text, c.key_id::text, v.j, sum(v.n)::int
		FROM ` + counters + ` c CROSS JOIN LATERAL (VALUES ('strength', c.strength), ('development', c.development),
			('neutral', c.neutral)) v (j, n) GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(v.n) <> 0`)
	want := read(`SELECT n.tenant_id::text, n.review_id::text, k.dimension, n.area_id::text, k.key_id::text, n.judgement, count(*)::int
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
		GROUP BY 1, 2, 3, 4, 5, 6`)
	if len(want) == 0 {
		t.Fatal("no notes counted at all")
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: count %s = %d, want %d", counters, k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: count %s = %d, want 0", counters, k, n)
		}
	}
}

// TestCountsStayExact runs a random mix of creates, edits (area, judgement, action areas, lines,
// tags, safeguarding), deletes and undeletes through the evidence store, from four writers at
// once on the same areas, and checks the counters against a direct count: they must match
// exactly, and no save may fail (a deadlock between counter rows would).
func TestCountsStayExact(t *testing.T) {
	t.Parallel()
	r := seedDemo(t)
	r.compare(t) // the migration's backfill and the demo seed's own inserts

	ctx := context.Background()
	// The fold runs all along, as the service's job does, between and during the saves.
	stopFolding := r.foldAlong(t, 5*time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			author := r.authors[w%len(r.authors)]
			var mine []string
			for i := range 60 {
				op := rng.IntN(10)
				if len(mine) == 0 {
					op = 0
				}
				err := r.tx(author, func(tx pgx.Tx) error {
					switch {
					case op < 4:
						id, _, err := evidence.Create(ctx, tx, r.tenant, r.review, author, r.randomInput(rng, fmt.Sprintf("cov-%d-%d", w, i)))
						if err == nil {
							mine = append(mine, id)
						}
						return err
					case op < 8:
						id := mine[rng.IntN(len(mine))]
						n, err := evidence.Get(ctx, tx, r.tenant, r.review, id, true)
						if err != nil || n.DeletedAt != nil {
							return err
						}
						_, err = evidence.Update(ctx, tx, r.tenant, r.review, id, author, n.Version, r.randomInput(rng, "unused"))
						return err
					case op < 9:
						return evidence.SoftDelete(ctx, tx, r.tenant, r.review, mine[rng.IntN(len(mine))], author)
					default:
						return evidence.Undelete(ctx, tx, r.tenant, r.review, mine[rng.IntN(len(mine))], author)
					}
				})
				if err != nil {
					var ae *apperr.Error
					if !errors.As(err, &ae) || ae.Code != apperr.CodeForbidden { // a locked demo note
						errs <- fmt.Errorf("writer %d op %d (%d): %w", w, i, op, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	stopFolding()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r.compare(t)

	// Demo notes edited too, and a note removed for good by the owner (its links cascade).
	var demoNote string
	if err := r.d.Super.QueryRow(ctx, `SELECT id::text FROM evidence_notes WHERE review_id = $1 AND body NOT LIKE 'Coverage test%'
		AND deleted_at IS NULL AND NOT safeguarding AND locked_at IS NULL ORDER BY id LIMIT 1`, r.review).Scan(&demoNote); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	if err := r.tx(r.authors[0], func(tx pgx.Tx) error {
		n, err := evidence.Get(ctx, tx, r.tenant, r.review, demoNote, false)
		if err != nil {
			return err
		}
		in := r.randomInput(rng, "unused")
		in.Safeguarding = false
		_, err = evidence.Update(ctx, tx, r.tenant, r.review, demoNote, r.authors[0], n.Version, in)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.compare(t)
	if _, err := r.d.Super.Exec(ctx, `DELETE FROM evidence_notes WHERE id = $1`, demoNote); err != nil {
		t.Fatal(err)
	}
	r.compare(t)
	// A theme deleted cascades to its links.
	if _, err := r.d.Super.Exec(ctx, `DELETE FROM evidence_tags WHERE review_id = $1 AND name = $2`, r.review, r.tagNames[0]); err != nil {
		t.Fatal(err)
	}
	r.compare(t)
	// Deleting the review takes its counters with it.
	if _, err := r.d.Super.Exec(ctx, `DELETE FROM reviews WHERE id = $1`, r.review); err != nil {
		t.Fatalf("delete review: %v", err)
	}
	if _, err := coverage.Fold(ctx, r.d.App); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := r.d.Super.QueryRow(ctx, `SELECT (SELECT count(*) FROM evidence_counts WHERE review_id = $1)
		+ (SELECT count(*) FROM evidence_count_deltas WHERE review_id = $1)`, r.review).Scan(&left); err != nil || left != 0 {
		t.Errorf("counters left after the review's deletion: %d (%v)", left, err)
	}
}

// TestLoadMatrixAndThreshold reads the demo review's page data and checks it against the notes.
func TestLoadMatrixAndThreshold(t *testing.T) {
	t.Parallel()
	r := seedDemo(t)
	ctx := context.Background()
	var c coverage.Coverage
	if err := r.tx(r.authors[0], func(tx pgx.Tx) error {
		var err error
		c, err = coverage.Load(ctx, tx, r.tenant, r.review)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(c.Areas) != 6 || len(c.ActionAreas.Columns) != 6 || len(c.ActionAreas.Rows) != 6 || len(c.Lines.Columns) != len(r.lines) {
		t.Fatalf("areas %d, action areas %d, lines %d", len(c.Areas), len(c.ActionAreas.Columns), len(c.Lines.Columns))
	}
	var visible, strengths int
	if err := r.d.Super.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE judgement = 'strength') FROM evidence_notes
		WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding`, r.review).Scan(&visible, &strengths); err != nil {
		t.Fatal(err)
	}
	if c.ActionAreas.Total.Total() != visible || c.ActionAreas.Total.Strength != strengths {
		t.Errorf("total %+v, want %d notes, %d strengths", c.ActionAreas.Total, visible, strengths)
	}
	// One cell against the notes it names.
	area, aa := c.Areas[0].ID, c.ActionAreas.Columns[0].ID
	var cell coverage.Counts
	if err := r.d.Super.QueryRow(ctx, `SELECT count(*) FILTER (WHERE n.judgement = 'strength'), count(*) FILTER (WHERE n.judgement = 'development'),
		count(*) FILTER (WHERE n.judgement = 'neutral') FROM evidence_notes n JOIN evidence_note_action_areas x ON x.note_id = n.id
		WHERE n.area_id = $1 AND x.action_area_id = $2 AND n.deleted_at IS NULL AND NOT n.safeguarding`, area, aa).Scan(
		&cell.Strength, &cell.Development, &cell.Neutral); err != nil {
		t.Fatal(err)
	}
	if got := c.ActionAreas.Rows[0].Cells[0]; got != cell {
		t.Errorf("cell %s × %s = %+v, want %+v", c.Areas[0].Name, c.ActionAreas.Columns[0].Title, got, cell)
	}
	if len(c.Themes) == 0 || !slices.IsSortedFunc(c.Themes, func(a, b coverage.Theme) int { return b.Total() - a.Total() }) {
		t.Errorf("themes not most frequent first: %+v", c.Themes)
	}
	if g := c.ActionAreas.Groups(); len(g) != 2 || g[0].Span != 3 || g[1].Span != 3 {
		t.Errorf("framework groups %+v, want two of three", g)
	}

	// Thin cells follow the threshold.
	if c.Threshold != coverage.DefaultThreshold {
		t.Errorf("threshold %d, want the default %d", c.Threshold, coverage.DefaultThreshold)
	}
	if c.Thin(coverage.Counts{Strength: 2}) != true || c.Thin(coverage.Counts{Strength: 2, Neutral: 1}) != false {
		t.Error("a cell is thin when it has fewer notes than the threshold")
	}
	before := c.ThinCells(c.ActionAreas)
	c.Threshold = 1000
	if n := c.ThinCells(c.ActionAreas); n != 36 || n < before {
		t.Errorf("thin cells at 1000: %d, want all 36", n)
	}
	c.Threshold = 0
	if n := c.ThinCells(c.ActionAreas); n != 0 {
		t.Errorf("thin cells at 0: %d, want none", n)
	}

	// The lead sets the threshold; the change is audited once, with before and after.
	for _, v := range []int{7, 7} {
		if err := r.tx(r.authors[0], func(tx pgx.Tx) error {
			return coverage.SetThreshold(ctx, tx, r.tenant, r.review, r.authors[0], v)
		}); err != nil {
			t.Fatal(err)
		}
	}
	var stored, audits int
	var before2, after2 string
	if err := r.d.Super.QueryRow(ctx, `SELECT coverage_threshold FROM reviews WHERE id = $1`, r.review).Scan(&stored); err != nil || stored != 7 {
		t.Errorf("stored threshold %d (%v), want 7", stored, err)
	}
	if err := r.d.Super.QueryRow(ctx, `SELECT count(*), min(before::text), min(after::text) FROM audit_log
		WHERE action = 'coverage.threshold_changed' AND object_id = $1`, r.review).Scan(&audits, &before2, &after2); err != nil {
		t.Fatal(err)
	}
	if audits != 1 || before2 != `{"coverage_threshold": 3}` || after2 != `{"coverage_threshold": 7}` {
		t.Errorf("audit: %d entries, %s → %s", audits, before2, after2)
	}
	if err := r.tx(r.authors[0], func(tx pgx.Tx) error {
		return coverage.SetThreshold(ctx, tx, r.tenant, r.review, r.authors[0], 1001)
	}); err == nil {
		t.Error("threshold 1001 accepted")
	}
}

func TestThresholdInputParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{{"0", 0, true}, {" 12 ", 12, true}, {"1000", 1000, true}, {"1001", 0, false}, {"-1", 0, false}, {"", 0, false}, {"3.5", 0, false}, {"three", 0, false}} {
		n, errs := coverage.ThresholdInput{Value: c.in}.Parse()
		if errs.Any() == c.ok || (c.ok && n != c.want) {
			t.Errorf("Parse(%q) = %d, %v", c.in, n, errs.List())
		}
		if !c.ok && errs.Get("threshold") == "" {
			t.Errorf("Parse(%q): no message on the threshold field", c.in)
		}
	}
}

// TestCountsExactUnderConcurrentSaves saves notes from many inspectors at once into the same
// area, as the load harness does, through the command the note form calls, while the fold runs:
// no save may fail or wait for a counter another holds, and every count must come out exact.
func TestCountsExactUnderConcurrentSaves(t *testing.T) {
	t.Parallel()
	r := seedDemo(t)
	ctx := context.Background()
	const writers, each = 12, 15
	stopFolding := r.foldAlong(t, 2*time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 17))
			author := r.authors[w%len(r.authors)]
			for i := range each {
				in := r.randomInput(rng, fmt.Sprintf("burst-%d-%d", w, i))
				in.VisitID, in.NoteDate = r.visits[0].id, r.visits[0].start.Format("2006-01-02") // one area
				in.ActionAreas = r.actionAreas[:1+rng.IntN(2)]
				_, err := evidence.RecordNote(ctx, r.d.App, db.Scope{TenantID: r.tenant, UserID: author, ReviewID: r.review},
					nil, in, evidence.Recording{})
				if err != nil {
					errs <- fmt.Errorf("writer %d save %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stopFolding()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var saved int
	if err := r.d.Super.QueryRow(ctx, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND body LIKE 'Coverage test note burst-%'`,
		r.review).Scan(&saved); err != nil || saved != writers*each {
		t.Fatalf("%d notes saved (%v), want %d", saved, err, writers*each)
	}
	r.compare(t)
}
