package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The part of BENCHMARKS.md the harness owns: everything between the markers is replaced by each
// run (--update-benchmarks); the rest of the file is left as it is.
const (
	benchStart = "<!-- bench:start -->"
	benchEnd   = "<!-- bench:end -->"
)

// figuresRE finds the run's figures, kept as JSON in a comment inside the section so that the
// next run can show them beside its own without parsing the table.
var figuresRE = regexp.MustCompile(`<!-- bench:figures (\{.*\}) -->`)

// Machine is what a run ran on and with.
type Machine struct {
	Cores      int     `json:"cores"`
	MemoryGB   float64 `json:"memory_gb"`
	Kernel     string  `json:"kernel"` // uname -sr
	PostgreSQL string  `json:"postgresql"`
	Commit     string  `json:"commit"` // short hash, with " (dirty)" when the tree had changes
	Data       string  `json:"data"`   // "fresh", "reused", or "" when not stated
}

// describeMachine gathers the run's machine and commit; what it cannot learn it leaves as
// "unknown" rather than failing the run.
func describeMachine(ctx context.Context, dbURL, data string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Kernel: "unknown", PostgreSQL: "unknown", Commit: "unknown", Data: data}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGB = float64(int(kb/1024/1024*10+0.5)) / 10
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "uname", "-sr").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.Commit += " (dirty)"
		}
	}
	if dbURL != "" {
		if conn, err := pgx.Connect(ctx, dbURL); err == nil {
			_ = conn.QueryRow(ctx, `SHOW server_version`).Scan(&m.PostgreSQL)
			conn.Close(ctx)
		}
	}
	return m
}

// figures are a run's numbers as kept in the section for the next run.
type figures struct {
	Date   string         `json:"date"`
	Commit string         `json:"commit"`
	Rows   map[string]fig `json:"rows"`
}

type fig struct {
	Requests int     `json:"requests"`
	RPS      float64 `json:"rps"`
	P99      float64 `json:"p99_ms"`
	Errors   int     `json:"errors"`
	RSS      float64 `json:"rss_mb"`
}

func (r *Report) figures() figures {
	f := figures{Date: r.Date, Commit: r.Machine.Commit, Rows: map[string]fig{}}
	for _, w := range r.Rows {
		f.Rows[w.Scenario] = fig{Requests: w.Requests, RPS: w.Throughput, P99: w.P99, Errors: w.Errors, RSS: w.PeakRSSMB}
	}
	return f
}

// previousFigures reads the figures a run left in the section; nil when there are none.
func previousFigures(section string) *figures {
	m := figuresRE.FindStringSubmatch(section)
	if m == nil {
		return nil
	}
	var f figures
	if json.Unmarshal([]byte(m[1]), &f) != nil || f.Rows == nil {
		return nil
	}
	return &f
}

// scenarioLegend says what each row measures, under the table.
const scenarioLegend = `bare-save: one INSERT of the note with its search vector and its action-area links in one transaction, into copies of the tables without triggers, row-level security, foreign keys, audit or session (` + "`internal/loadbase`" + `; the tables start empty each run), 50 clients. domain-save: the note save's domain function (` + "`evidence.RecordNote`" + `) without HTTP session, 50 clients. save: the note form, 50 signed-in inspectors. save-N: the form at a fixed N a second. The pages are the lead's, each at a fixed rate with saves beside it (its "(saves)" row). report-html/docx: the report built sequentially. The references run last, and the memory row is the server's peak before them. Closed loops keep the clients busy and time each request from its start; open loops time it from when it was due.`

// section renders the marked section of BENCHMARKS.md for this run, with prev's figures (the
// run it replaces) in brackets beside req/s, p99, errors and peak memory.
func (r *Report) section(prev *figures) string {
	var b strings.Builder
	b.WriteString(benchStart + "\n")
	b.WriteString("<!-- Written by make bench (cmd/thematic-load --update-benchmarks): the next run replaces everything up to bench:end. -->\n\n")
	date := r.Date
	if t, err := time.Parse(time.RFC3339, r.Date); err == nil {
		date = t.UTC().Format("2 January 2006 15:04 UTC")
	}
	data := map[string]string{"fresh": "data generated afresh for this run", "reused": "data of an earlier run reused (BENCH_REUSE=1)"}[r.Machine.Data]
	if data == "" {
		data = "data origin not stated"
	}
	fmt.Fprintf(&b, "**Run of %s.** Machine: %d cores, %.1f GB memory, %s, PostgreSQL %s. Commit `%s`. %s: %d areas, %d members, %s notes in the review (%s more in %d other tenants). %d clients; closed loops %s, open loops %s (saves) and %s (pages).",
		date, r.Machine.Cores, r.Machine.MemoryGB, r.Machine.Kernel, r.Machine.PostgreSQL, r.Machine.Commit, upperFirst(data),
		r.Areas, r.Members, thousands(r.Notes), thousands(r.OtherNotes), max(r.Tenants-1, 0), r.Clients, r.ClosedFor, r.SaveFor, r.PageFor)
	if r.Settled != "" {
		fmt.Fprintf(&b, " Before the scenarios: %s.", r.Settled)
	}
	if prev != nil {
		pd := prev.Date
		if t, err := time.Parse(time.RFC3339, prev.Date); err == nil {
			pd = t.UTC().Format("2 January 2006 15:04 UTC")
		}
		fmt.Fprintf(&b, " In brackets: the previous run's figure (%s, commit `%s`).", pd, prev.Commit)
	} else {
		b.WriteString(" No previous run was recorded here.")
	}
	b.WriteString("\n\n| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB | target | met |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, w := range r.Rows {
		var p *fig
		if prev != nil {
			if f, ok := prev.Rows[w.Scenario]; ok {
				p = &f
			}
		}
		beside := func(now string, was func(fig) string) string {
			switch {
			case prev == nil:
				return now
			case p == nil && now == "—":
				return now
			case p == nil:
				return now + " (—)"
			default:
				if w := was(*p); w != "—" || now != "—" {
					return now + " (" + w + ")"
				}
				return now // measured in neither run
			}
		}
		num := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
		dash := func(ok bool, s string) string {
			if !ok {
				return "—"
			}
			return s
		}
		ran := w.Requests > 0
		reqs := dash(ran, strconv.Itoa(w.Requests))
		rate := beside(dash(ran && w.kind != kindReady && w.Throughput > 0, num(w.Throughput)),
			func(f fig) string { return dash(f.RPS > 0, num(f.RPS)) })
		p99 := beside(dash(ran, num(w.P99)), func(f fig) string { return dash(f.Requests > 0, num(f.P99)) })
		errs := dash(ran, strconv.Itoa(w.Errors))
		if w.Errors > 0 {
			errs += ": " + kindsText(w.ErrorKinds)
		}
		errs = beside(errs, func(f fig) string { return dash(f.Requests > 0, strconv.Itoa(f.Errors)) })
		rss := beside(dash(w.PeakRSSMB > 0, num(w.PeakRSSMB)), func(f fig) string { return dash(f.RSS > 0, num(f.RSS)) })
		met := "—"
		if w.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*w.Met]
		}
		target := strings.TrimSpace(w.Target + " " + w.Note)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", w.Scenario, reqs, rate,
			dash(ran, num(w.P50)), dash(ran, num(w.P95)), p99, strings.ReplaceAll(errs, "|", "/"), rss,
			strings.ReplaceAll(target, "|", "/"), met)
	}
	b.WriteString("\n" + scenarioLegend + "\n\n")
	js, _ := json.Marshal(r.figures())
	fmt.Fprintf(&b, "<!-- bench:figures %s -->\n", js)
	b.WriteString(benchEnd)
	return b.String()
}

// replaceSection answers doc with its marked section replaced by the one render makes from the
// figures of the section it replaces.
func replaceSection(doc string, render func(prev *figures) string) (string, error) {
	i := strings.Index(doc, benchStart)
	j := strings.Index(doc, benchEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("no %s … %s section", benchStart, benchEnd)
	}
	if strings.Count(doc, benchStart) != 1 || strings.Count(doc, benchEnd) != 1 {
		return "", errors.New("more than one bench section")
	}
	return doc[:i] + render(previousFigures(doc[i:j])) + doc[j+len(benchEnd):], nil
}

// updateBenchmarks writes this run's section into the file at path (written whole, then renamed
// over the old one).
func updateBenchmarks(path string, r *Report) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("update benchmarks: %w", err)
	}
	out, err := replaceSection(string(doc), r.section)
	if err != nil {
		return fmt.Errorf("update benchmarks %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".benchmarks-*")
	if err != nil {
		return fmt.Errorf("update benchmarks: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(out); err != nil {
		tmp.Close()
		return fmt.Errorf("update benchmarks: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("update benchmarks: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		_ = os.Chmod(tmp.Name(), st.Mode().Perm())
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("update benchmarks: %w", err)
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// thousands spells n with commas: 200000 is "200,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
