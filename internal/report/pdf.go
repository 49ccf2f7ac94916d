package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by WritePDF when the server has no Chromium to print with.
var ErrNoChromium = errors.New("PDF export needs Chromium installed on the server (for example the Debian package chromium); the HTML, Govspeak and DOCX exports work without it")

// PDFTimeout limits one PDF export, from starting Chromium to the last byte (waiting for a turn
// included).
const PDFTimeout = 30 * time.Second

// pdfTurns limits how many Chromiums print at once: each export starts its own.
var pdfTurns = make(chan struct{}, 2)

// ChromiumPath finds the Chromium to print with: $CHROMIUM when set (as the browser tests use it),
// else Debian's chromium. It returns "" when there is none.
func ChromiumPath() string {
	if p, ok := os.LookupEnv("CHROMIUM"); ok && p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// WritePDF prints the published HTML of the document to PDF (A4, with page numbers, tagged and
// with an outline of the headings) in headless Chromium, or returns ErrNoChromium.
func WritePDF(ctx context.Context, w io.Writer, d *Doc) error {
	return writePDF(ctx, w, d, ChromiumPath())
}

func writePDF(ctx context.Context, w io.Writer, d *Doc, chromium string) error {
	if chromium == "" {
		return ErrNoChromium
	}
	if _, err := os.Stat(chromium); err != nil {
		return ErrNoChromium
	}
	if err := checkFinished(d); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, PDFTimeout)
	defer cancel()
	select {
	case pdfTurns <- struct{}{}:
		defer func() { <-pdfTurns }()
	case <-ctx.Done():
		return fmt.Errorf("pdf: waiting for another export to finish: %w", ctx.Err())
	}
	dir, err := os.MkdirTemp("", "thematic-pdf-")
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "report.html")
	if err := writeHTMLFile(page, d); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	bctx, stop, err := startChromium(ctx, chromium, filepath.Join(dir, "profile"))
	if err != nil {
		return fmt.Errorf("pdf: starting Chromium: %w", err)
	}
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: page}).String())); err != nil {
		return fmt.Errorf("pdf: loading the report: %w", err)
	}
	footer := `<div style="width:100%;font-family:Arial,Helvetica,sans-serif;font-size:9px;color:#505a5f;text-align:center">` +
		`Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`
	buf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFMargins(0.79, 0.79, 0.9, 0.79),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(footer),
		chromedp.PDFOutlineAndTagged(),
		chromedp.PDFStream(),
	))
	if err != nil {
		return fmt.Errorf("pdf: printing: %w", err)
	}
	if _, err := w.Write(normalisePDF(buf)); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
}

var (
	pdfDate   = regexp.MustCompile(`/(?:CreationDate|ModDate) ?\(D:(\d{4,14})([+-]\d\d'\d\d'?|Z)?\)`)
	pdfNodeID = regexp.MustCompile(`\(node(\d+)\)`)
)

// normalisePDF makes Chromium's PDF of the same page the same bytes on every print. Chromium
// writes the time of printing as the creation and modification dates, and names table header
// cells after the page's DOM node numbers, which differ from one run to the next. Each is
// replaced in place by a value of the same length, so the cross-reference offsets still hold:
// the dates by 1 January 1980 (the DOCX's time too), the node numbers by their rank (which
// keeps their order, and so the PDF's sorted tree of names).
func normalisePDF(b []byte) []byte {
	out := pdfDate.ReplaceAllFunc(b, func(m []byte) []byte {
		m = append([]byte(nil), m...)
		sub := pdfDate.FindSubmatchIndex(m)
		copy(m[sub[2]:sub[3]], []byte("19800101000000")[:sub[3]-sub[2]])
		if sub[4] >= 0 && sub[5]-sub[4] > 1 {
			copy(m[sub[4]:sub[5]], []byte("+00'00'")[:sub[5]-sub[4]])
		}
		return m
	})
	var nums []int
	seen := map[int]bool{}
	for _, m := range pdfNodeID.FindAllSubmatch(out, -1) {
		n, err := strconv.Atoi(string(m[1]))
		if err == nil && !seen[n] {
			seen[n] = true
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	rank := make(map[int]int, len(nums))
	for i, n := range nums {
		rank[n] = i
	}
	return pdfNodeID.ReplaceAllFunc(out, func(m []byte) []byte {
		digits := m[len("(node") : len(m)-1]
		n, err := strconv.Atoi(string(digits))
		if err != nil {
			return m
		}
		// The rank is never more than the number, so it fits in as many digits.
		return fmt.Appendf(nil, "(node%0*d)", len(digits), rank[n])
	})
}

func writeHTMLFile(path string, d *Doc) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := WriteHTML(bw, d, HTMLOptions{}); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startChromium starts a headless Chromium of its own, with no network, and opens a tab. stop
// closes the browser; the browser also dies when ctx ends.
func startChromium(ctx context.Context, path, profile string) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		// The page is a local file with no external requests; make sure nothing else is fetched.
		chromedp.Flag("proxy-server", "127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelCtx := chromedp.NewContext(alloc)
	// Cancelling the context ends the browser and waits for it. (Not chromedp.Cancel as well: both
	// wait for the same allocation, and when the browser never started the second wait is forever.)
	stop := func() {
		cancelCtx()
		cancelAlloc()
	}
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, err
	}
	return bctx, stop, nil
}
