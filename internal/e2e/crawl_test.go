package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// crawlPerPattern is how many pages of one URL pattern the crawl checks: the pages of a pattern
// come from one template, so one of each keeps the crawl of every role within a few minutes on a
// small machine.
const crawlPerPattern = 1

// crawlMaxPages bounds one role's crawl, so that a link that makes new patterns without end
// (a calendar's next month, say) fails the test instead of running it for ever.
const crawlMaxPages = 200

// crawlMinPages is the fewest pages any demo role reaches (the local authority contact reached
// 18 when this was written).
const crawlMinPages = 12

// crawlNarrow is the narrowest width the pages must reflow to without scrolling sideways
// (WCAG 2.2 1.4.10: 320 CSS pixels).
const crawlNarrow = 320

var (
	crawlID = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]+)$`)
	// A token (an invitation's, say): long, with a digit in it.
	crawlToken = regexp.MustCompile(`^[A-Za-z0-9_-]{20,}$`)
	// Links that download a file or change something; everything else is a page.
	crawlSkip = regexp.MustCompile(`(\.csv|\.json|\.docx|\.ics|/export(/[^/]*)?|/archive|/spreadsheet|/sign-out)$|^/(static|assets|calendar)/|/documents/[^/]+$`)
)

// crawlPattern is a URL's pattern: ids in its path become {id}, and its query string only the
// names of its parameters, so that the evidence list filtered by one theme and by another are
// the same page.
func crawlPattern(u *url.URL) string {
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if crawlID.MatchString(s) || crawlToken.MatchString(s) && strings.ContainsAny(s, "0123456789") {
			segs[i] = "{id}"
		}
	}
	p := strings.Join(segs, "/")
	if q := u.Query(); len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		p += "?" + strings.Join(keys, "&")
	}
	return p
}

// crawlFault is one thing wrong with a page.
type crawlFault struct{ page, what string }

// crawlEval runs a script whose result is a JSON string and decodes it.
func (b *B) crawlEval(js string, dst any) error {
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(raw), dst)
}

// crawlAxe runs axe-core on the page as Axe does, and returns the violations as text.
func (b *B) crawlAxe(width string) ([]string, error) {
	has, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, err
	}
	if !has {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("inject axe: %w", err)
		}
	}
	var res axeResult
	if err := b.crawlEval(`axe.run(document, {runOnly: {type: 'tag',
		values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}).then(r => JSON.stringify(r))`, &res); err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var out []string
	for _, v := range res.Violations {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("(and %d more)", len(v.Nodes)-3))
				break
			}
			h := n.HTML
			if len(h) > 200 {
				h = h[:200] + "…"
			}
			where = append(where, h)
		}
		out = append(out, fmt.Sprintf("axe at %s: %s (%s): %s\n      %s", width, v.ID, v.Impact, v.Help, strings.Join(where, "\n      ")))
	}
	return out, nil
}

// crawlOverflowJS names the elements that stick out of the viewport when the page scrolls
// sideways: those whose right edge passes the window's while their parent's does not (the
// outermost of a wide table, not each of its cells), leaving out what sits in a scrolling box.
const crawlOverflowJS = `(() => {
	const w = window.innerWidth, sw = document.documentElement.scrollWidth;
	if (sw <= w) return JSON.stringify({scrollWidth: sw, out: []});
	const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
		const o = getComputedStyle(p).overflowX; if (o !== 'visible') return true; } return false; };
	const sticks = el => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > w + 1 || r.left < -1); };
	const out = [];
	for (const el of document.body.querySelectorAll('*')) {
		if (!sticks(el) || (el.parentElement && el.parentElement !== document.body && sticks(el.parentElement)) || scrolls(el)) continue;
		const r = el.getBoundingClientRect();
		out.push('<' + el.tagName.toLowerCase() + (el.id ? ' id="' + el.id + '"' : '') +
			(el.className && typeof el.className === 'string' ? ' class="' + el.className + '"' : '') + '> ' +
			Math.round(r.left) + '..' + Math.round(r.right) + ' px: ' + JSON.stringify((el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50)));
		if (out.length === 8) break;
	}
	return JSON.stringify({scrollWidth: sw, out});
})()`

// crawlSmallTextJS names the chart labels drawn smaller than 10 px: an SVG chart squeezed into a
// narrow screen shrinks its text with it.
const crawlSmallTextJS = `JSON.stringify(Array.from(document.querySelectorAll('svg text'))
	.filter(t => { const r = t.getBoundingClientRect(); return r.height > 0 && r.height < 10; })
	.slice(0, 5).map(t => t.textContent.trim().slice(0, 40) + ' (' + t.getBoundingClientRect().height.toFixed(1) + ' px high)'))`

// crawlLinksJS lists the page's links, as absolute URLs, leaving out downloads.
const crawlLinksJS = `JSON.stringify(Array.from(document.querySelectorAll('a[href]'))
	.filter(a => !a.hasAttribute('download')).map(a => a.href))`

// crawlHeadJS fetches a URL as a link would and says what it is, without reading its body.
const crawlHeadJS = `(async u => {
	const c = new AbortController();
	const r = await fetch(u, {signal: c.signal, credentials: 'same-origin'});
	const out = {status: r.status, url: r.url, type: r.headers.get('Content-Type') || '',
		disposition: r.headers.get('Content-Disposition') || ''};
	c.abort();
	return JSON.stringify(out);
})(%q)`

// crawl visits every page the signed-in user reaches by links from the home page (GET only,
// same origin, no downloads), at most crawlPerPattern of each pattern, checking each with axe
// at desktop width and at 320 px, and for sideways scrolling at 320 px.
func (b *B) crawl() (pages int, faults []crawlFault) {
	base, err := url.Parse(b.Env.URL())
	if err != nil {
		b.t.Fatal(err)
	}
	seen := map[string]bool{}
	perPattern := map[string]int{}
	queue := []string{b.Env.URL() + "/"}
	fault := func(page, format string, args ...any) {
		faults = append(faults, crawlFault{page, fmt.Sprintf(format, args...)})
	}
	for len(queue) > 0 {
		raw := queue[0]
		queue = queue[1:]
		u, err := url.Parse(raw)
		if err != nil || u.Host != base.Host || crawlSkip.MatchString(u.Path) {
			continue
		}
		u.Fragment = ""
		page := u.RequestURI()
		pat := crawlPattern(u)
		if seen[page] || perPattern[pat] >= crawlPerPattern {
			continue
		}
		seen[page] = true
		perPattern[pat]++
		if pages == crawlMaxPages {
			fault(page, "more than %d pages: the crawl stops here", crawlMaxPages)
			break
		}

		var head struct {
			Status      int
			URL, Type   string
			Disposition string
		}
		if err := b.crawlEval(fmt.Sprintf(crawlHeadJS, u.String()), &head); err != nil {
			fault(page, "fetch: %v", err)
			continue
		}
		if !strings.HasPrefix(head.Type, "text/html") || strings.HasPrefix(head.Disposition, "attachment") {
			continue
		}
		if head.Status != 200 {
			fault(page, "a link leads to a page that answers %d", head.Status)
			continue
		}
		pages++
		b.t.Logf("%3d %s", pages, page)
		if err := chromedp.Do(b.ctx, chromedp.ResetViewport(), chromedp.Navigate(u.String())); err != nil {
			fault(page, "open: %v", err)
			continue
		}
		var links []string
		if err := b.crawlEval(crawlLinksJS, &links); err != nil {
			fault(page, "links: %v", err)
		}
		queue = append(queue, links...)
		v, err := b.crawlAxe("desktop width")
		if err != nil {
			fault(page, "%v", err)
		}
		for _, s := range v {
			fault(page, "%s", s)
		}
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(crawlNarrow, 900)); err != nil {
			fault(page, "viewport: %v", err)
			continue
		}
		var over struct {
			ScrollWidth int
			Out         []string
		}
		if err := b.crawlEval(crawlOverflowJS, &over); err != nil {
			fault(page, "overflow: %v", err)
		} else if over.ScrollWidth > crawlNarrow {
			fault(page, "scrolls sideways at %d px (%d px wide); sticking out:\n      %s", crawlNarrow, over.ScrollWidth, strings.Join(over.Out, "\n      "))
		}
		var small []string
		if err := b.crawlEval(crawlSmallTextJS, &small); err != nil {
			fault(page, "chart text: %v", err)
		} else if len(small) > 0 {
			fault(page, "chart labels too small to read at %d px:\n      %s", crawlNarrow, strings.Join(small, "\n      "))
		}
		v, err = b.crawlAxe(fmt.Sprintf("%d px", crawlNarrow))
		if err != nil {
			fault(page, "%v", err)
		}
		for _, s := range v {
			fault(page, "%s", s)
		}
	}
	return pages, faults
}

// crawlRoles are the demo users the crawl signs in as, one for each role: the second lead and
// the second inspector see the same pages as the first.
var crawlRoles = func() []demo.Person {
	var out []demo.Person
	for _, p := range demo.People {
		if p.Email != "qa.lead@demo.test" && p.Email != "cqc.inspector@demo.test" {
			out = append(out, p)
		}
	}
	return out
}()

// Every page each demo user reaches by following links from the home page, checked with axe at
// desktop width and at 320 px, and for sideways scrolling at 320 px (issue 18).
func TestCrawlEveryPageEveryRole(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, p := range crawlRoles {
		t.Run(strings.SplitN(p.Email, "@", 2)[0], func(t *testing.T) {
			t.Parallel()
			b := newB(t, env)
			b.signIn(p.Email, demo.Password)
			start := time.Now()
			pages, faults := b.crawl()
			t.Logf("%s: %d pages in %s", p.Email, pages, time.Since(start).Round(time.Second))
			// Every role has a home page, its account and its work: a crawl that finds a handful of
			// pages did not sign in or lost its links.
			if pages < crawlMinPages {
				t.Errorf("%s reached %d pages, fewer than %d", p.Email, pages, crawlMinPages)
			}
			for _, f := range faults {
				t.Errorf("%s\n    %s", f.page, f.what)
			}
		})
	}
}
