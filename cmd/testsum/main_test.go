package main

import (
	"strings"
	"testing"
	"time"
)

const stream = `{"Action":"start","Package":"thematic/a"}
{"Action":"start","Package":"thematic/b"}
{"Action":"run","Package":"thematic/b","Test":"TestSlow"}
{"Action":"output","Package":"thematic/b","Test":"TestSlow","Output":"    b_test.go:9: a log line of a passing test\n"}
{"Action":"output","Package":"thematic/b","Test":"TestSlow","Output":"figure: recall 0.97\n"}
{"Action":"pass","Package":"thematic/b","Test":"TestSlow","Elapsed":1}
{"Action":"run","Package":"thematic/a","Test":"TestOne"}
{"Action":"output","Package":"thematic/a","Test":"TestOne","Output":"    a_test.go:12: got 2, want 3\n"}
{"Action":"fail","Package":"thematic/a","Test":"TestOne","Elapsed":0.1}
{"Action":"run","Package":"thematic/a","Test":"TestTwo"}
{"Action":"skip","Package":"thematic/a","Test":"TestTwo","Elapsed":0}
{"Action":"output","Package":"thematic/a","Output":"FAIL\n"}
{"Action":"fail","Package":"thematic/a","Elapsed":0.2}
{"Action":"pass","Package":"thematic/b","Elapsed":1.5}
{"Action":"start","Package":"thematic/c"}
{"Action":"output","Package":"thematic/c","Output":"?   \tthematic/c\t[no test files]\n"}
{"Action":"skip","Package":"thematic/c","Elapsed":0}
`

// Packages are reported as they finish, with the failing test's output and not the passing
// one's; a package without tests says nothing; a failure sets the exit code.
func TestRunReportsEachPackageAsItFinishes(t *testing.T) {
	var out strings.Builder
	code := run(strings.NewReader(stream), &out, time.Hour)
	got := out.String()
	if code != 1 {
		t.Errorf("exit code %d after a failure, want 1", code)
	}
	a, b := strings.Index(got, "FAIL  thematic/a"), strings.Index(got, "ok    thematic/b")
	if a < 0 || b < 0 || a > b {
		t.Fatalf("the packages are not reported in the order they finished:\n%s", got)
	}
	for _, want := range []string{"0 passed, 1 skipped, 1 failed: TestOne", "a_test.go:12: got 2, want 3", "1 passed", "figure: recall 0.97",
		"FAIL: 1 of 2 packages failed"} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary does not say %q:\n%s", want, got)
		}
	}
	for _, never := range []string{"a log line of a passing test", "thematic/c"} {
		if strings.Contains(got, never) {
			t.Errorf("the summary says %q:\n%s", never, got)
		}
	}
}

func TestRunPassesWhenEverythingPasses(t *testing.T) {
	var out strings.Builder
	in := `{"Action":"start","Package":"p"}
{"Action":"pass","Package":"p","Test":"TestX"}
{"Action":"pass","Package":"p","Elapsed":0.3}
`
	if code := run(strings.NewReader(in), &out, time.Hour); code != 0 || !strings.Contains(out.String(), "PASS: 1 packages") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}

// Text go test prints outside JSON (a setup failure) is passed through.
func TestRunPassesOtherTextThrough(t *testing.T) {
	var out strings.Builder
	run(strings.NewReader("go: cannot find main module\n"), &out, time.Hour)
	if !strings.Contains(out.String(), "go: cannot find main module") {
		t.Fatalf("the text was lost:\n%s", out.String())
	}
}

// While packages run, a line says which and for how long.
func TestRunningNamesThePackagesStillRunning(t *testing.T) {
	var out strings.Builder
	s := &summary{out: &out, pkgs: map[string]*pkg{}}
	s.line(`{"Action":"start","Package":"thematic/internal/server"}`)
	s.running()
	if !strings.Contains(out.String(), "still running: internal/server (") {
		t.Fatalf("no progress line:\n%s", out.String())
	}
}

// A package that ran long names its slowest tests; a quick one does not.
func TestRunNamesTheSlowestTestsOfALongPackage(t *testing.T) {
	var out strings.Builder
	in := `{"Action":"start","Package":"long"}
{"Action":"pass","Package":"long","Test":"TestQuick","Elapsed":1}
{"Action":"pass","Package":"long","Test":"TestSlow","Elapsed":90}
{"Action":"pass","Package":"long","Test":"TestSlow/part","Elapsed":89}
{"Action":"pass","Package":"long","Test":"TestMiddle","Elapsed":30}
{"Action":"pass","Package":"long","Elapsed":125}
{"Action":"start","Package":"short"}
{"Action":"pass","Package":"short","Test":"TestX","Elapsed":5}
{"Action":"pass","Package":"short","Elapsed":6}
`
	run(strings.NewReader(in), &out, time.Hour)
	got := out.String()
	if !strings.Contains(got, "slowest: TestSlow 90s, TestMiddle 30s, TestQuick 1s\n") {
		t.Errorf("the slowest tests are not named:\n%s", got)
	}
	if strings.Count(got, "slowest:") != 1 {
		t.Errorf("a quick package names its slowest tests:\n%s", got)
	}
}
