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
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
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
