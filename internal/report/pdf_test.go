package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// needChromium fails the test without Chromium: CI installs Debian's chromium, as the browser
// tests need it too.
func needChromium(t *testing.T) string {
	t.Helper()
	p := ChromiumPath()
	if p == "" {
		t.Fatal("Chromium not found: install Debian's chromium package (apt-get install chromium)")
	}
	return p
}

var pdfPageRE = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

func TestPDF(t *testing.T) {
	t.Parallel()
	needChromium(t)
	doc := demoDoc(t)
	var buf bytes.Buffer
	start := time.Now()
	if err := WritePDF(context.Background(), &buf, doc); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b)
	}
	if n := len(pdfPageRE.FindAll(b, -1)); n < 2 {
		t.Errorf("%d pages, want more than one", n)
	}
	t.Logf("PDF of %d pages, %d bytes in %v", len(pdfPageRE.FindAll(b, -1)), len(b), time.Since(start))
}

func TestPDFWithoutChromium(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	var buf bytes.Buffer
	for _, p := range []string{"", filepath.Join(t.TempDir(), "no-chromium")} {
		err := writePDF(context.Background(), &buf, doc, p)
		if !errors.Is(err, ErrNoChromium) {
			t.Fatalf("path %q: %v", p, err)
		}
	}
	if buf.Len() != 0 {
		t.Error("wrote something")
	}
	if !strings.Contains(ErrNoChromium.Error(), "the HTML, Govspeak and DOCX exports work without it") {
		t.Error(ErrNoChromium)
	}
}

type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct {
			HTML string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// TestHTMLAxe runs axe-core (WCAG 2.2 A and AA and best practice, as the browser tests do) on the
// published HTML, the internal preview and the evidence trail.
func TestHTMLAxe(t *testing.T) {
	t.Parallel()
	path := needChromium(t)
	axe, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core missing (run npm ci): %v", err)
	}
	doc := demoDoc(t)
	doc.Published = "7 May 2024"
	dir := t.TempDir()
	pages := map[string]string{}
	write := func(name string, fn func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := fn(&b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		pages[name] = p
	}
	write("published.html", func(b *bytes.Buffer) error { return WriteHTML(b, doc, HTMLOptions{}) })
	write("internal.html", func(b *bytes.Buffer) error {
		return WriteHTML(b, doc, HTMLOptions{Internal: true, OriginHref: func(o Origin) string { return "#trail-" + o.ID }})
	})
	write("trail.html", func(b *bytes.Buffer) error {
		b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Evidence trail</title><style>` + HTMLStylesheet() +
			`</style></head><body><main><h1>Preview</h1>`)
		if err := WriteHTML(b, doc, HTMLOptions{Internal: true, Fragment: true}); err != nil {
			return err
		}
		if err := WriteTrailHTML(b, doc); err != nil {
			return err
		}
		b.WriteString(`</main></body></html>`)
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := startChromium(ctx, path, filepath.Join(dir, "profile"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for name, p := range pages {
		if err := chromedp.Do(bctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: p}).String()),
			chromedp.Evaluate[chromedp.Void](string(axe))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: 'tag',
			values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}).then(r => JSON.stringify(r))`,
			func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
		if err != nil {
			t.Fatalf("%s: axe: %v", name, err)
		}
		var res axeResult
		if err := json.Unmarshal([]byte(raw), &res); err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Violations {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, n.HTML)
			}
			t.Errorf("axe on %s: %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		}
		if len(res.Violations) == 0 {
			t.Logf("axe: %s has no violations", name)
		}
	}
}

func TestPDFStopsWithItsContext(t *testing.T) {
	t.Parallel()
	path := needChromium(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	start := time.Now()
	if err := writePDF(ctx, &buf, demoDoc(t), path); err == nil || buf.Len() != 0 {
		t.Fatalf("cancelled export: %v, %d bytes", err, buf.Len())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestPDFFootnoteOnHeading: the PDF prints the HTML, so an action area cited without a quote has
// its reference in its heading as a link to its footnote, and the footnote links back.
func TestPDFFootnoteOnHeading(t *testing.T) {
	t.Parallel()
	needChromium(t)
	var buf bytes.Buffer
	if err := WritePDF(context.Background(), &buf, citedDoc(t)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for i := range citedNotes {
		// A link to each footnote and back, and a destination at each.
		for _, w := range []string{"/Dest /footnote-%d", "/Dest /footnote-ref-%d", "/footnote-%d [", "/footnote-ref-%d ["} {
			if w = fmt.Sprintf(w, i+1); !bytes.Contains(b, []byte(w)) {
				t.Errorf("PDF lacks %q", w)
			}
		}
	}
	if !bytes.Contains(b, []byte("/Title (Area B")) {
		t.Error("PDF outline lacks Area B")
	}
}

// TestPDFSameBytesEveryTime: two prints of the same document are the same bytes (Chromium's
// dates and DOM node numbers are normalised), so a published report downloads the same PDF
// every time.
func TestPDFSameBytesEveryTime(t *testing.T) {
	t.Parallel()
	needChromium(t)
	doc := demoDoc(t)
	var a, b bytes.Buffer
	for _, buf := range []*bytes.Buffer{&a, &b} {
		if err := WritePDF(context.Background(), buf, doc); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("two prints differ (%d and %d bytes)", a.Len(), b.Len())
	}
	if !bytes.Contains(a.Bytes(), []byte("/CreationDate (D:19800101000000")) {
		t.Error("the creation date is not the fixed one")
	}
}

func TestNormalisePDF(t *testing.T) {
	t.Parallel()
	in := "1 0 obj\n<</CreationDate (D:20261207034933+01'00')\n/ModDate (D:20261207034936Z)>>\n" +
		"<</ID (node00000085)>> <</Headers [(node00000084)]>> <</Names [(node00000084) 1 0 R (node00000085) 2 0 R (node00000131) 3 0 R]>>"
	want := "1 0 obj\n<</CreationDate (D:19800101000000+00'00')\n/ModDate (D:19800101000000Z)>>\n" +
		"<</ID (node00000001)>> <</Headers [(node00000000)]>> <</Names [(node00000000) 1 0 R (node00000001) 2 0 R (node00000002) 3 0 R]>>"
	got := string(normalisePDF([]byte(in)))
	if got != want {
		t.Errorf("normalised:\n%s\nwant:\n%s", got, want)
	}
	if len(got) != len(in) {
		t.Errorf("length %d, was %d: the cross-reference offsets would break", len(got), len(in))
	}
}
