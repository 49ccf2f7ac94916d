// Package e2e drives the running service in headless Chromium (Debian's chromium package) with
// chromedp, and runs axe-core on every page it visits: a page with any violation fails the test.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/testenv"
)

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	axeSource     string
	browserDir    string // the browser's profile, removed when the tests end
	chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"}
)

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range chromiumPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestMain shares one browser between the package's tests; each test gets its own browser
// context (separate cookies) and tab.
func TestMain(m *testing.M) {
	code := m.Run()
	if browserCtx != nil {
		_ = chromedp.Cancel(browserCtx)
	}
	// The browser's profile folder goes with it: a run leaves nothing in the temporary folder.
	if browserDir != "" {
		_ = os.RemoveAll(browserDir)
	}
	os.Exit(code)
}

func startBrowser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			browserErr = fmt.Errorf("Chromium not found: install Debian's chromium package (apt-get install chromium); .ci/run does")
			return
		}
		root, err := repoRoot()
		if err != nil {
			browserErr = err
			return
		}
		b, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
		if err != nil {
			browserErr = fmt.Errorf("axe-core missing (run npm ci): %w", err)
			return
		}
		axeSource = string(b)
		dir, err := os.MkdirTemp("", "thematic-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		browserDir = dir
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.UserDataDir(dir),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("no-first-run", true),
			chromedp.WindowSize(1280, 900),
		)
		alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, _ = chromedp.NewContext(alloc)
		browserErr = chromedp.Do(browserCtx)
	})
	if browserErr != nil {
		t.Fatalf("browser: %v", browserErr)
	}
	return browserCtx
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("go.mod not found above %s", dir)
		}
	}
}

// B is one test's browser tab against its own running service.
type B struct {
	t   *testing.T
	ctx context.Context
	Env *testenv.Env
}

// tabs limits how many tests drive the browser at once: as many as the machine has cores while
// it is idle, one while it is busy (a load average at or above the core count), so a loaded
// machine runs the journeys one after another instead of starving them all.
var tabs struct {
	sync.Mutex
	active  int
	holders map[*testing.T]bool
}

func busy() bool {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return false
	}
	var load float64
	if _, err := fmt.Sscan(string(b), &load); err != nil {
		return false
	}
	return load >= float64(goruntime.NumCPU())
}

// takeTab waits for the test's turn at the browser (once per test, however many tabs it opens)
// and gives it back when the test ends.
func takeTab(t *testing.T) {
	t.Helper()
	for {
		tabs.Lock()
		if tabs.holders[t] {
			tabs.Unlock()
			return
		}
		limit := goruntime.NumCPU()
		if busy() {
			limit = 1
		}
		if tabs.active < limit {
			if tabs.holders == nil {
				tabs.holders = map[*testing.T]bool{}
			}
			tabs.holders[t] = true
			tabs.active++
			tabs.Unlock()
			t.Cleanup(func() {
				tabs.Lock()
				delete(tabs.holders, t)
				tabs.active--
				tabs.Unlock()
			})
			return
		}
		tabs.Unlock()
		time.Sleep(500 * time.Millisecond)
	}
}

// newB starts the service and opens a tab in a fresh browser context.
func newB(t *testing.T, env *testenv.Env) *B {
	t.Helper()
	takeTab(t)
	parent := startBrowser(t)
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// A slow machine makes a journey slow, not wrong: the tab lives until shortly before the whole
	// run's deadline (go test -timeout), so that a stuck step still fails with its own message.
	if d, ok := t.Deadline(); ok {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithDeadline(ctx, d.Add(-30*time.Second))
		t.Cleanup(cancelT)
	}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &B{t: t, ctx: ctx, Env: env}
}

func (b *B) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Visit opens a path and checks the page with axe.
func (b *B) Visit(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.Env.URL() + path))
	b.Axe()
}

// Fill types into the field with this id, replacing what is there.
func (b *B) Fill(id, value string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = ''`, id)),
		chromedp.SendKeys(chromedp.CSS("#"+id), value))
}

// Check ticks a checkbox or radio by id.
func (b *B) Check(id string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.ID(id)))
}

// Submit clicks a button (CSS selector), waits for the next page to load, and checks it with axe.
func (b *B) Submit(sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	b.do(chromedp.Click(chromedp.CSS(sel)))
	b.waitNewPage()
	b.Axe()
}

// ClickLink follows a link by its exact text and checks the new page.
func (b *B) ClickLink(text string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__thematicOldPage = true`))
	sel := fmt.Sprintf(`//a[normalize-space(.)=%q]`, text)
	b.do(chromedp.Click(chromedp.Search(sel)))
	b.waitNewPage()
	b.Axe()
}

func (b *B) waitNewPage() {
	b.t.Helper()
	for b.ctx.Err() == nil {
		done, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__thematicOldPage !== true && document.readyState === 'complete'`))
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("no new page before the run's deadline; still at %s", b.Path())
}

// Path is the current path and query.
func (b *B) Path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return strings.TrimPrefix(loc, b.Env.URL())
}

// Text is the visible text of the first element matching a CSS selector.
func (b *B) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Has reports whether any element matches a CSS selector right now.
func (b *B) Has(sel string) bool {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.t.Fatalf("query %s: %v", sel, err)
	}
	return n > 0
}

// Body is the page's visible text.
func (b *B) Body() string { return b.Text("body") }

// Expect fails unless the page's text contains want.
func (b *B) Expect(want string) {
	b.t.Helper()
	if body := b.Body(); !strings.Contains(body, want) {
		b.t.Fatalf("page %s does not say %q; it says:\n%s", b.Path(), want, body)
	}
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// Axe runs axe-core on the current page against WCAG 2.2 A and AA and best practice, and fails
// the test on any violation.
func (b *B) Axe() {
	b.t.Helper()
	has, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		b.t.Fatalf("axe: %v", err)
	}
	if !has {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			b.t.Fatalf("inject axe: %v", err)
		}
	}
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: 'tag',
		values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}).then(r => JSON.stringify(r))`,
		func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.t.Fatalf("run axe: %v", err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		b.t.Fatalf("axe result: %v", err)
	}
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, n.HTML)
		}
		b.t.Errorf("axe on %s: %s (%s): %s\n  %s", b.Path(), v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
	if len(res.Violations) > 0 {
		b.t.FailNow()
	}
}
