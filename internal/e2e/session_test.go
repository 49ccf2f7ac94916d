package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"thematic/internal/config"
	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// TestJourneyIdleWarningExtendsSession shortens the idle timeout to 8 s: the warning appears
// before the end, "Stay signed in" keeps the session, and without it the session ends.
func TestJourneyIdleWarningExtendsSession(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.IdleTimeout = 8 * time.Second })
	b := newB(t, env)
	b.signIn("admin@demo.test", demo.Password)
	if b.Has(".app-session-warning:not([hidden])") {
		t.Fatal("warning shown at once")
	}
	// With 8 s idle the warning leads by 4 s, so it shows after about 4 s.
	b.waitFor(".app-session-warning:not([hidden])", 10*time.Second)
	b.Axe()
	b.do(chromedp.Click(chromedp.CSS(".app-session-warning button")))
	b.waitFor(".app-session-warning[hidden]", 5*time.Second)
	// Past the original deadline, the session is still alive because the button extended it.
	time.Sleep(5 * time.Second)
	b.Visit("/account")
	if b.Path() != "/account" {
		t.Fatalf("session ended although extended: at %s", b.Path())
	}
	// Left alone, the page sends the user to sign in when the time is up.
	b.waitForPath("/sign-in?timeout=1", 15*time.Second)
	b.Expect("You were signed out because you had not used the service for a while")
}

func (b *B) waitFor(sel string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b.Has(sel) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s did not appear within %s", sel, d)
}

func (b *B) waitForPath(path string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if p, err := chromedp.Run(b.ctx, chromedp.Location()); err == nil && p == b.Env.URL()+path {
			_, _ = chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === 'complete'`))
			time.Sleep(200 * time.Millisecond)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("not at %s within %s (at %s)", path, d, b.Path())
}
