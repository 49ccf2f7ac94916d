// Command testsum reads `go test -json` on its standard input and prints the suite's progress as
// it goes: a line per package as each finishes (not in the order go test lists them), the output
// of every failing test in full, and, every minute, the packages still running and for how long.
// It exits 1 when any package or test failed, so `make test` can rely on it.
//
// Usage: go test -json ./... 2>&1 | go run ./cmd/testsum
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type pkg struct {
	started         time.Time
	passed, skipped int
	failed          []string
	slow            []timed                     // top-level tests by time, for a package that took long
	output          map[string]*strings.Builder // test ("" for the package) → its output
}

// timed is a test and how long it ran.
type timed struct {
	name    string
	elapsed float64
}

// slowPackage is how long a package runs before its slowest tests are named.
const slowPackage = 120.0

type summary struct {
	mu       sync.Mutex
	out      io.Writer
	pkgs     map[string]*pkg
	failures int
	done     int
}

func (s *summary) pkg(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{started: time.Now(), output: map[string]*strings.Builder{}}
		s.pkgs[name] = p
	}
	return p
}

// FigurePrefix starts a line a test prints to have it shown even when it passes: a measured
// figure such as the personal data detector's precision and recall.
const FigurePrefix = "figure: "

// line handles one line of input: an event, or text go test printed outside JSON.
func (s *summary) line(raw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var e event
	if !strings.HasPrefix(raw, "{") || json.Unmarshal([]byte(raw), &e) != nil {
		fmt.Fprintln(s.out, raw)
		return
	}
	if e.Package == "" {
		return
	}
	p := s.pkg(e.Package)
	switch e.Action {
	case "start":
		p.started = time.Now()
	case "output", "build-output":
		if strings.HasPrefix(e.Output, FigurePrefix) {
			fmt.Fprint(s.out, "      "+e.Output) // a measured figure is shown, pass or fail
		}
		b := p.output[e.Test]
		if b == nil {
			b = &strings.Builder{}
			p.output[e.Test] = b
		}
		b.WriteString(e.Output)
	case "pass", "skip", "fail":
		if e.Test != "" {
			if !strings.Contains(e.Test, "/") {
				p.slow = append(p.slow, timed{e.Test, e.Elapsed})
			}
			switch e.Action {
			case "pass":
				p.passed++
			case "skip":
				p.skipped++
			default:
				p.failed = append(p.failed, e.Test)
			}
			if e.Action != "fail" {
				delete(p.output, e.Test) // a passing test's log is not printed
			}
			return
		}
		s.finish(e.Package, p, e.Action, e.Elapsed)
	case "build-fail":
		s.finish(e.Package, p, "fail", 0)
	}
}

// finish prints a package's result, with the output of what failed.
func (s *summary) finish(name string, p *pkg, action string, elapsed float64) {
	delete(s.pkgs, name)
	if p.passed+p.skipped+len(p.failed) == 0 && action != "fail" {
		return // no tests: not worth a line
	}
	s.done++
	tests := fmt.Sprintf("%d passed", p.passed)
	if p.skipped > 0 {
		tests += fmt.Sprintf(", %d skipped", p.skipped)
	}
	if action != "fail" {
		fmt.Fprintf(s.out, "ok    %-40s %7.1fs  %s\n", name, elapsed, tests)
		if elapsed >= slowPackage {
			fmt.Fprintf(s.out, "      slowest: %s\n", slowest(p.slow, 5))
		}
		return
	}
	s.failures++
	fmt.Fprintf(s.out, "FAIL  %-40s %7.1fs  %s, %d failed: %s\n", name, elapsed, tests, len(p.failed), strings.Join(p.failed, " "))
	for _, t := range p.failed {
		if b := p.output[t]; b != nil {
			fmt.Fprint(s.out, indent(b.String()))
		}
	}
	// A panic, a timeout or a build error is the package's own output.
	if b := p.output[""]; b != nil && (len(p.failed) == 0 || strings.Contains(b.String(), "panic:")) {
		fmt.Fprint(s.out, indent(b.String()))
	}
}

func indent(s string) string {
	var b strings.Builder
	for l := range strings.Lines(s) {
		b.WriteString("    " + l)
	}
	return b.String()
}

// running prints the packages still running, longest first.
func (s *summary) running() {
	s.mu.Lock()
	defer s.mu.Unlock()
	type run struct {
		name string
		for_ time.Duration
	}
	var runs []run
	for name, p := range s.pkgs {
		runs = append(runs, run{name, time.Since(p.started).Round(time.Second)})
	}
	if len(runs) == 0 {
		return
	}
	slices.SortFunc(runs, func(a, b run) int { return int(b.for_ - a.for_) })
	var parts []string
	for _, r := range runs {
		parts = append(parts, fmt.Sprintf("%s (%s)", strings.TrimPrefix(r.name, "thematic/"), r.for_))
	}
	fmt.Fprintf(s.out, "…     %d packages done; still running: %s\n", s.done, strings.Join(parts, ", "))
}

func run(in io.Reader, out io.Writer, every time.Duration) int {
	s := &summary{out: out, pkgs: map[string]*pkg{}}
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.running()
			case <-stop:
				return
			}
		}
	}()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		s.line(sc.Text())
	}
	close(stop)
	if err := sc.Err(); err != nil {
		fmt.Fprintln(out, "testsum:", err)
		return 1
	}
	took := time.Since(start).Round(time.Second)
	if s.failures > 0 {
		fmt.Fprintf(out, "FAIL: %d of %d packages failed, in %s\n", s.failures, s.done, took)
		return 1
	}
	fmt.Fprintf(out, "PASS: %d packages, in %s\n", s.done, took)
	return 0
}

func main() { os.Exit(run(os.Stdin, os.Stdout, time.Minute)) }

// slowest names the n tests that ran longest, longest first.
func slowest(ts []timed, n int) string {
	slices.SortStableFunc(ts, func(a, b timed) int { return cmp.Compare(b.elapsed, a.elapsed) })
	var parts []string
	for _, t := range ts[:min(n, len(ts))] {
		parts = append(parts, fmt.Sprintf("%s %.0fs", t.name, t.elapsed))
	}
	return strings.Join(parts, ", ")
}
