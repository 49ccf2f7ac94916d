package bulk_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/bulk"
	"thematic/internal/db"
	"thematic/internal/demo"
	reportpkg "thematic/internal/report"
	"thematic/internal/testenv"
)

// BenchmarkNational measures the evidence pages through the whole service (HTTP, session,
// row-level security, SQL, templates) on a review of 153 areas and 200,000 notes
// (THEMATIC_BENCH_NOTES changes the number), then building its report with 300 findings as HTML
// and DOCX. Each sub-benchmark reports its 50th and 99th percentile as p50-ms and p99-ms. Run it
// with `make bench`.
func BenchmarkNational(b *testing.B) {
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
	b.Logf("loaded %d notes in %d areas in %s", notes, len(r.AreaIDs), r.Took.Round(time.Second))
	if _, err := env.DB.Super.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var visitID, areaID, sourceID, actionAreaID string
	if err := env.DB.Super.QueryRow(ctx, `SELECT v.id, v.area_id FROM visits v JOIN review_areas a ON a.id = v.area_id
		JOIN local_authorities la ON la.ons_code = a.ons_code WHERE v.review_id = $1 ORDER BY la.ons_code DESC LIMIT 1`,
		r.ID).Scan(&visitID, &areaID); err != nil {
		b.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE review_id = $1 ORDER BY position LIMIT 1`,
		r.ID).Scan(&sourceID); err != nil {
		b.Fatal(err)
	}
	if err := env.DB.Super.QueryRow(ctx, `SELECT id FROM action_areas WHERE review_id = $1 ORDER BY position LIMIT 1`,
		r.ID).Scan(&actionAreaID); err != nil {
		b.Fatal(err)
	}
	c := newBenchClient(b, env.URL())
	c.signIn("lead@demo.test")
	base := "/reviews/" + r.ID

	pages := []struct{ name, path string }{
		{"list", base + "/evidence"},
		{"list-filtered", base + "/evidence?" + url.Values{"area": {areaID}, "action-area": {actionAreaID},
			"judgement": {"strength"}}.Encode()},
		{"search", base + "/evidence?" + url.Values{"q": {"breastfeeding peer support"}}.Encode()},
		{"search-filtered", base + "/evidence?" + url.Values{"q": {"interpreter"}, "judgement": {"development"}}.Encode()},
		{"coverage", base + "/coverage"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			if res := c.get(p.path); res.status != http.StatusOK {
				b.Fatalf("GET %s: %d", p.path, res.status)
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if res := c.get(p.path); res.status != http.StatusOK {
					b.Fatalf("GET %s: %d", p.path, res.status)
				}
				times = append(times, time.Since(t0))
			}
			percentiles(b, times)
		})
	}

	b.Run("save", func(b *testing.B) {
		form := c.get(base + "/visits/" + visitID + "/notes/new")
		if form.status != http.StatusOK {
			b.Fatalf("note form: %d", form.status)
		}
		token := c.csrf(form.body)
		var start string
		if err := env.DB.Super.QueryRow(ctx, `SELECT start_date::text FROM visits WHERE id = $1`, visitID).Scan(&start); err != nil {
			b.Fatal(err)
		}
		day, _ := time.Parse("2006-01-02", start)
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			v := url.Values{"csrf_token": {token}, "idempotency_key": {fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)},
				"source": {sourceID}, "note-date-day": {strconv.Itoa(day.Day())},
				"note-date-month": {strconv.Itoa(int(day.Month()))}, "note-date-year": {strconv.Itoa(day.Year())},
				"body":         {"Practitioners described how the hub timetable is shared with families before birth."},
				"action_areas": {actionAreaID}, "tags": {"Access, Outreach"}, "judgement": {"strength"}, "action": {"save"}}
			t0 := time.Now()
			if res := c.post(base+"/visits/"+visitID+"/notes", v); res.status != http.StatusSeeOther {
				b.Fatalf("save note: %d\n%s", res.status, res.body)
			}
			times = append(times, time.Since(t0))
		}
		percentiles(b, times)
	})

	// The report: 300 findings each supported by 60 notes, examples, recommendations and
	// authored text, built from the database as the application role and written out.
	t0 := time.Now()
	if err := bulk.Synthesis(ctx, env.DB.Owner, tenantID, r.ID, leadID, 300, 60); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote 300 findings in %s", time.Since(t0).Round(time.Millisecond))
	// The synthesis workspace of an action area with its findings: what rendering it allocates.
	b.Run("synthesis", func(b *testing.B) {
		path := base + "/synthesis/" + actionAreaID
		measureBuilds(b, "synthesis", func() error {
			if res := c.get(path); res.status != http.StatusOK {
				return fmt.Errorf("GET %s: %d", path, res.status)
			}
			return nil
		})
	})
	for _, format := range []string{"html", "docx"} {
		b.Run("report-"+format, func(b *testing.B) {
			build := func() error {
				return db.InTx(ctx, env.DB.App, db.Scope{TenantID: tenantID, UserID: leadID}, func(tx pgx.Tx) error {
					data, err := reportpkg.Load(ctx, tx, tenantID, r.ID)
					if err != nil {
						return err
					}
					doc, _ := reportpkg.Build(data)
					if format == "docx" {
						return reportpkg.WriteDOCX(io.Discard, &doc)
					}
					return reportpkg.WriteHTML(io.Discard, &doc, reportpkg.HTMLOptions{})
				})
			}
			if err := build(); err != nil {
				b.Fatal(err)
			}
			measureBuilds(b, "report-"+format, build)
		})
		// The same through the service, as the load harness downloads it: session, export
		// route, compression.
		b.Run("report-export-"+format, func(b *testing.B) {
			path := base + "/report/export/" + format
			measureBuilds(b, "report-export-"+format, func() error {
				if res := c.get(path); res.status != http.StatusOK {
					return fmt.Errorf("GET %s: %d", path, res.status)
				}
				return nil
			})
		})
	}
}

// measureBuilds runs build b.N times, reporting percentiles, allocations per build and the
// growth of the memory the runtime holds. With THEMATIC_BENCH_PROFILE set to a directory it
// writes name.cpu.pprof and name.heap.pprof there, the heap's allocations counted from the
// first timed build (as pprof -base would show them).
func measureBuilds(b *testing.B, name string, build func() error) {
	b.ReportAllocs()
	if err := build(); err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("THEMATIC_BENCH_PROFILE")
	var base *bytes.Buffer
	if dir != "" {
		runtime.GC()
		base = &bytes.Buffer{}
		if err := pprof.Lookup("allocs").WriteTo(base, 0); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := b.N
	times := make([]time.Duration, 0, n)
	b.ResetTimer()
	for range n {
		t0 := time.Now()
		if err := build(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if dir != "" {
		pprof.StopCPUProfile()
		runtime.GC()
		for file, p := range map[string]*bytes.Buffer{name + ".heap-base.pprof": base, name + ".heap.pprof": nil} {
			if p == nil {
				p = &bytes.Buffer{}
				if err := pprof.Lookup("allocs").WriteTo(p, 0); err != nil {
					b.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, file), p.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	percentiles(b, times)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/(1<<20), "alloc-MB/build")
	b.ReportMetric(float64(after.HeapSys)/(1<<20), "heap-sys-MB")
	b.ReportMetric(float64(after.Sys-before.Sys)/(1<<20), "sys-MB-growth")
}

// percentiles adds the 50th and 99th percentiles of the measured times.
func percentiles(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	at := func(p float64) float64 {
		i := int(float64(len(times)-1) * p)
		return float64(times[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// benchClient is a cookie-keeping client that does not follow redirects.
type benchClient struct {
	b    *testing.B
	base string
	http *http.Client
}

type benchResp struct {
	status int
	body   string
}

func newBenchClient(b *testing.B, base string) *benchClient {
	jar, _ := cookiejar.New(nil)
	return &benchClient{b: b, base: base, http: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *benchClient) get(path string) benchResp {
	res, err := c.http.Get(c.base + path)
	if err != nil {
		c.b.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return benchResp{res.StatusCode, string(body)}
}

func (c *benchClient) post(path string, v url.Values) benchResp {
	res, err := c.http.Post(c.base+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		c.b.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return benchResp{res.StatusCode, string(body)}
}

var benchCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *benchClient) csrf(page string) string {
	m := benchCSRF.FindStringSubmatch(page)
	if m == nil {
		c.b.Fatal("no CSRF token on the page")
	}
	return m[1]
}

func (c *benchClient) signIn(email string) {
	token := c.csrf(c.get("/sign-in").body)
	if res := c.post("/sign-in", url.Values{"csrf_token": {token}, "email": {email}, "password": {demo.Password}}); res.status != http.StatusSeeOther {
		c.b.Fatalf("sign in: %d", res.status)
	}
}
