package bulk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/bulk"
	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/testenv"
)

// BenchmarkSynthesis measures an action area's synthesis page through the whole service on a
// national review (153 areas, 200,000 notes, 300 findings each supported by 60 notes): its first
// page, the next page of its evidence, the overview, a note saved, and the first page again while
// another client saves notes without pause. Each reports p50-ms, p99-ms and stmts/op (statements per request). With
// THEMATIC_BENCH_EXPLAIN=1 it logs EXPLAIN (ANALYZE, BUFFERS) of each statement the page sends.
func BenchmarkSynthesis(b *testing.B) {
	notes := 200000
	if s := os.Getenv("THEMATIC_BENCH_NOTES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("THEMATIC_BENCH_NOTES: %v", err)
		}
		notes = n
	}
	env := testenv.New(b)
	ctx := context.Background()
	tenantID, leadID, authors := demoPeople(b, env.DB)
	r, err := bulk.Load(ctx, env.DB.Owner, tenantID, bulk.Options{Title: "National benchmark review", Areas: 153,
		Notes: notes, LeadID: leadID, AuthorIDs: authors})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := bulk.Synthesis(ctx, env.DB.Owner, tenantID, r.ID, leadID, 300, 60); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d notes in %s, 300 findings in %s", notes, r.Took.Round(time.Second), time.Since(t0).Round(time.Millisecond))
	if _, err := env.DB.Super.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var actionAreaID, visitID, sourceID, start string
	if err := env.DB.Super.QueryRow(ctx, `SELECT action_area_id FROM findings WHERE review_id = $1
		GROUP BY action_area_id ORDER BY count(*) DESC, action_area_id LIMIT 1`, r.ID).Scan(&actionAreaID); err != nil {
		b.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT v.id, v.start_date::text, s.id FROM visits v
		JOIN evidence_sources s ON s.review_id = v.review_id WHERE v.review_id = $1 AND v.start_date IS NOT NULL
		ORDER BY v.start_date, v.id, s.position LIMIT 1`, r.ID).Scan(&visitID, &start, &sourceID); err != nil {
		b.Fatal(err)
	}
	c := newBenchClient(b, env.URL())
	c.signIn("lead@demo.test")
	base := "/reviews/" + r.ID
	first := base + "/synthesis/" + actionAreaID
	res := c.get(first)
	if res.status != http.StatusOK {
		b.Fatalf("GET %s: %d", first, res.status)
	}
	next := regexp.MustCompile(`href="([^"]*after=[^"]*)" rel="next"`).FindStringSubmatch(res.body)
	if next == nil {
		b.Fatal("the synthesis page has no next page link")
	}
	second := strings.ReplaceAll(next[1], "&amp;", "&")

	if os.Getenv("THEMATIC_BENCH_EXPLAIN") != "" {
		explainWorkspace(b, env, tenantID, r.ID, leadID, actionAreaID)
	}

	read := func(b *testing.B, path string) {
		times := make([]time.Duration, 0, b.N)
		s0 := env.Statements()
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			if res := c.get(path); res.status != http.StatusOK {
				b.Fatalf("GET %s: %d", path, res.status)
			}
			times = append(times, time.Since(t0))
		}
		b.StopTimer()
		percentiles(b, times)
		b.ReportMetric(float64(env.Statements()-s0)/float64(b.N), "stmts/op")
	}
	b.Run("area", func(b *testing.B) { read(b, first) })
	b.Run("area-next", func(b *testing.B) { read(b, second) })
	b.Run("overview", func(b *testing.B) { read(b, base+"/synthesis") })
	// A note saved through the form, tagged to the action area: what the findings' counts cost a
	// save (a new note has no links yet).
	b.Run("save", func(b *testing.B) {
		form := c.get(base + "/visits/" + visitID + "/notes/new")
		if form.status != http.StatusOK {
			b.Fatalf("note form: %d", form.status)
		}
		token := c.csrf(form.body)
		day, _ := time.Parse("2006-01-02", start)
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			v := url.Values{"csrf_token": {token}, "idempotency_key": {fmt.Sprintf("syn-save-%d-%d", time.Now().UnixNano(), i)},
				"source": {sourceID}, "note-date-day": {strconv.Itoa(day.Day())},
				"note-date-month": {strconv.Itoa(int(day.Month()))}, "note-date-year": {strconv.Itoa(day.Year())},
				"body":         {"Practitioners described how the hub timetable is shared with families before birth."},
				"action_areas": {actionAreaID}, "tags": {"Access"}, "judgement": {"strength"}, "action": {"save"}}
			t0 := time.Now()
			if res := c.post(base+"/visits/"+visitID+"/notes", v); res.status != http.StatusSeeOther {
				b.Fatalf("save note: %d\n%s", res.status, res.body)
			}
			times = append(times, time.Since(t0))
		}
		b.StopTimer()
		percentiles(b, times)
	})
	b.Run("area-while-saving", func(b *testing.B) {
		saver := newBenchClient(b, env.URL())
		saver.signIn("lead@demo.test")
		form := saver.get(base + "/visits/" + visitID + "/notes/new")
		if form.status != http.StatusOK {
			b.Fatalf("note form: %d", form.status)
		}
		token := saver.csrf(form.body)
		day, _ := time.Parse("2006-01-02", start)
		var stop atomic.Bool
		var saved atomic.Int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				v := url.Values{"csrf_token": {token}, "idempotency_key": {fmt.Sprintf("syn-bench-%d-%d", time.Now().UnixNano(), i)},
					"source": {sourceID}, "note-date-day": {strconv.Itoa(day.Day())},
					"note-date-month": {strconv.Itoa(int(day.Month()))}, "note-date-year": {strconv.Itoa(day.Year())},
					"body":         {"Practitioners described how the hub timetable is shared with families before birth."},
					"action_areas": {actionAreaID}, "tags": {"Access"}, "judgement": {"strength"}, "action": {"save"}}
				if res := saver.post(base+"/visits/"+visitID+"/notes", v); res.status != http.StatusSeeOther {
					b.Errorf("save note: %d", res.status)
					return
				}
				saved.Add(1)
			}
		}()
		// The saves' statements are counted too: stmts/op is not reported here.
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			if res := c.get(first); res.status != http.StatusOK {
				b.Fatalf("GET %s: %d", first, res.status)
			}
			times = append(times, time.Since(t0))
		}
		b.StopTimer()
		stop.Store(true)
		wg.Wait()
		percentiles(b, times)
		b.ReportMetric(float64(saved.Load()), "saves")
	})
}

// explainWorkspace reads the workspace once through a pool that records each statement with its
// arguments, then logs EXPLAIN (ANALYZE, BUFFERS) of each, run as the application role in the
// same scope.
func explainWorkspace(b *testing.B, env *testenv.Env, tenantID, reviewID, leadID, actionAreaID string) {
	ctx := context.Background()
	rec := &recorder{}
	pc, err := pgxpool.ParseConfig(env.DB.AppURL)
	if err != nil {
		b.Fatal(err)
	}
	pc.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	sc := db.Scope{TenantID: tenantID, UserID: leadID, ReviewID: reviewID}
	if _, err := finding.WorkspacePage(ctx, pool, sc, actionAreaID, url.Values{}); err != nil {
		b.Fatal(err)
	}
	stmts := rec.take()
	b.Logf("the workspace sent %d statements", len(stmts))
	for i, s := range stmts {
		if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(s.sql)), "SELECT") &&
			!strings.HasPrefix(strings.TrimSpace(strings.ToUpper(s.sql)), "WITH") {
			b.Logf("statement %d: %s", i+1, strings.Join(strings.Fields(s.sql), " "))
			continue
		}
		var plan []string
		err := db.InTx(ctx, env.DB.App, sc, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.sql, s.args...)
			if err != nil {
				return err
			}
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			b.Fatalf("explain statement %d: %v", i+1, err)
		}
		b.Logf("statement %d: %s\n%s", i+1, strings.Join(strings.Fields(s.sql), " "), strings.Join(plan, "\n"))
	}
}

type recorded struct {
	sql  string
	args []any
}

// recorder is a pgx tracer keeping the statements sent with their arguments.
type recorder struct {
	mu    sync.Mutex
	stmts []recorded
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, recorded{d.SQL, d.Args})
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}
