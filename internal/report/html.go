package report

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
)

// HTMLOptions changes what WriteHTML writes.
type HTMLOptions struct {
	// Internal is the in-app preview: each block's flag is shown as a visible warning, and each
	// finding and example carries its origin (data attributes, and a link when OriginHref gives
	// one). Published exports leave Internal false: they never include flags, origins or the
	// evidence trail.
	Internal bool
	// OriginHref, when Internal, gives the link from a finding or example to its evidence ("" for
	// none).
	OriginHref func(Origin) string
	// Fragment writes only the report's body (contents, blocks and footnotes) for embedding in a
	// page that has its own document, h1 and stylesheet (see HTMLStylesheet).
	Fragment bool
}

// errNotFinished is returned for a document whose footnotes were never numbered.
var errNotFinished = errors.New("report: the document is not finished (footnote references have no numbers; call Doc.Finish)")

// checkFinished makes sure every footnote reference has a number and a footnote.
func checkFinished(d *Doc) error {
	var err error
	d.Each(func(_ Origin, _ int, t Text) {
		for _, s := range t {
			if s.Note != "" && (s.Ref < 1 || s.Ref > len(d.Footnotes)) {
				err = errNotFinished
			}
		}
	})
	return err
}

// headingLevels gives each heading block the level the writers use: its own level, but never
// more than one below the heading before it, so no heading level is skipped (an authored "###"
// straight under a part would otherwise jump from level 2 to 4).
func headingLevels(d *Doc) map[int]int {
	out := map[int]int{}
	prev := 1
	for i, b := range d.Blocks {
		if b.Kind != Heading {
			continue
		}
		lv := b.Level
		if lv < 2 {
			lv = 2
		}
		if lv > prev+1 {
			lv = prev + 1
		}
		if lv > 6 {
			lv = 6
		}
		out[i] = lv
		prev = lv
	}
	return out
}

// headingAnchors gives every heading block a unique id: its own, else one made from its text.
func headingAnchors(d *Doc) map[int]string {
	used := map[string]bool{"contents": true, "contents-title": true, "footnotes": true, "footnotes-title": true, "main": true,
		"evidence-trail": true, "evidence-trail-title": true}
	out := map[int]string{}
	for i, b := range d.Blocks {
		if b.Kind != Heading {
			continue
		}
		id := b.ID
		if id == "" {
			id = slug(b.Text.Plain())
		}
		base := id
		for n := 2; used[id]; n++ {
			id = base + "-" + strconv.Itoa(n)
		}
		used[id] = true
		out[i] = id
	}
	return out
}

// slug makes an id from text: lower-case letters and digits joined by hyphens.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() > 60 {
			break
		}
	}
	switch {
	case b.Len() == 0:
		return "section"
	case strings.HasPrefix(b.String(), "footnote"), strings.HasPrefix(b.String(), "trail-"), strings.HasPrefix(b.String(), "evidence-trail"):
		return "section-" + b.String()
	}
	return b.String()
}

// htmlWriter writes escaped HTML to a buffered writer, keeping its first error.
type htmlWriter struct {
	*bufio.Writer
}

func (w htmlWriter) esc(s string) { _, _ = w.WriteString(html.EscapeString(s)) }

// text writes a run of spans: marks, links and footnote references.
func (w htmlWriter) text(t Text) {
	for _, s := range t {
		if s.Note != "" {
			n := strconv.Itoa(s.Ref)
			fmt.Fprintf(w, `<sup class="footnote-ref" id="footnote-ref-%s"><a href="#footnote-%s">[footnote %s]</a></sup>`, n, n, n)
			continue
		}
		if s.Text == "" {
			continue
		}
		if s.Strong {
			w.WriteString("<strong>")
		}
		if s.Emph {
			w.WriteString("<em>")
		}
		if s.Link != "" && safeLink(s.Link) {
			w.WriteString(`<a href="`)
			w.esc(s.Link)
			w.WriteString(`">`)
			w.esc(s.Text)
			w.WriteString("</a>")
		} else {
			w.esc(s.Text)
		}
		if s.Emph {
			w.WriteString("</em>")
		}
		if s.Strong {
			w.WriteString("</strong>")
		}
	}
}

// HTMLStylesheet is the stylesheet of the standalone HTML, in the look of a GOV.UK HTML
// publication, for a page that embeds a fragment.
func HTMLStylesheet() string { return htmlStyle }

const htmlStyle = `
*,*::before,*::after{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:1.1875rem;line-height:1.32;color:#0b0c0c;background:#fff}
.pub-header{background:#1d70b8;color:#fff;padding:2rem 1rem 1.5rem}
.pub-header .pub-inner{max-width:60rem;margin:0 auto}
.pub-kind{margin:0 0 .5rem;font-size:1.5rem}
.pub-header h1{margin:0 0 1.5rem;font-size:2.5rem;line-height:1.1;font-weight:700;max-width:40em}
.pub-published{margin:0;font-size:1rem}
.pub-main{max-width:62rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.report{max-width:40em}
.pub-applies{margin:0 0 2rem;font-size:1rem;color:#505a5f}
h2,h3,h4,h5,h6{font-weight:700;line-height:1.2;margin:2rem 0 1rem}
h2{font-size:1.875rem}
h3{font-size:1.5rem}
h4,h5,h6{font-size:1.1875rem}
p{margin:0 0 1.25rem}
a{color:#1d70b8;text-decoration:underline;text-decoration-thickness:max(1px,.0625rem);text-underline-offset:.1578em}
a:visited{color:#4c2c92}
a:hover{color:#003078;text-decoration-thickness:max(3px,.1875rem)}
a:focus{outline:3px solid transparent;color:#0b0c0c;background-color:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none}
.contents{margin:0 0 2.5rem}
.contents h2{font-size:1.1875rem;margin:0 0 .75rem}
.contents ol{list-style:none;margin:0;padding:0}
.contents ol ol{padding-left:1.25rem;margin-top:.5rem}
.contents li{margin:0 0 .5rem;font-size:1rem}
.contents li::before{content:"\2014\00a0";color:#505a5f}
blockquote{margin:0 0 1.5rem;padding:.5rem 0 .5rem 1.25rem;border-left:5px solid #b1b4b6;font-size:1.1875rem}
blockquote p{margin:0}
ul,ol{margin:0 0 1.25rem;padding-left:1.25rem}
li{margin-bottom:.5rem}
table{border-collapse:collapse;width:100%;margin:0 0 2rem;font-size:1rem}
th,td{text-align:left;vertical-align:top;padding:.625rem 1.25rem .625rem 0;border-bottom:1px solid #b1b4b6}
th{font-weight:700}
sup.footnote-ref{font-size:.75em;line-height:0}
.footnotes{border-top:1px solid #b1b4b6;margin-top:3rem;padding-top:1rem;font-size:1rem}
.footnotes ol{padding-left:1.5rem}
.flag{margin:0 0 .75rem;padding:.5rem .75rem;border-left:5px solid #d4351c;background:#fff;font-weight:700}
.origin{margin:-.75rem 0 1.25rem;font-size:.875rem;color:#505a5f}
.trail-item{border-bottom:1px solid #b1b4b6;margin-bottom:1.5rem}
.trail-kind{display:inline-block;padding:.125rem .5rem;margin-right:.5rem;background:#0b0c0c;color:#fff;font-size:.875rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em}
@page{size:A4}
@media print{
 body{font-size:12pt}
 .pub-header{background:none;color:#0b0c0c;padding:0 0 1rem;border-bottom:2px solid #0b0c0c}
 .pub-main{padding:1rem 0 0}
 a,a:visited{color:#0b0c0c}
 h2,h3,h4{break-after:avoid;page-break-after:avoid}
 blockquote,tr,li{break-inside:avoid;page-break-inside:avoid}
 .contents{break-after:page}
}
`

// WriteHTML writes the document as an accessible standalone HTML5 page in the style of a GOV.UK
// HTML publication: no scripts and no external requests, with everything escaped. With
// opt.Fragment it writes only the report's body.
func WriteHTML(w io.Writer, d *Doc, opt HTMLOptions) error {
	if err := checkFinished(d); err != nil {
		return err
	}
	hw := htmlWriter{bufio.NewWriterSize(w, 32*1024)}
	if !opt.Fragment {
		hw.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
		hw.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
		hw.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>")
		hw.esc(d.Title)
		hw.WriteString("</title>\n<style>")
		hw.WriteString(htmlStyle)
		hw.WriteString("</style>\n</head>\n<body>\n<header class=\"pub-header\">\n<div class=\"pub-inner\">\n")
		if d.Kind != "" {
			hw.WriteString(`<p class="pub-kind">`)
			hw.esc(d.Kind)
			hw.WriteString("</p>\n")
		}
		hw.WriteString("<h1>")
		hw.esc(d.Title)
		hw.WriteString("</h1>\n")
		if d.Published != "" {
			hw.WriteString(`<p class="pub-published">Published `)
			hw.esc(d.Published)
			hw.WriteString("</p>\n")
		}
		hw.WriteString("</div>\n</header>\n<main class=\"pub-main\" id=\"main\">\n")
		if d.AppliesTo != "" {
			hw.WriteString(`<p class="pub-applies">Applies to `)
			hw.esc(d.AppliesTo)
			hw.WriteString("</p>\n")
		}
	}
	hw.WriteString("<div class=\"report\">\n")
	levels := headingLevels(d)
	anchors := headingAnchors(d)
	writeContents(hw, d, levels, anchors)
	for i, b := range d.Blocks {
		writeBlock(hw, b, levels[i], anchors[i], opt)
	}
	if len(d.Footnotes) > 0 {
		hw.WriteString("<section class=\"footnotes\" id=\"footnotes\" aria-labelledby=\"footnotes-title\">\n<h2 id=\"footnotes-title\">Footnotes</h2>\n<ol>\n")
		for _, f := range d.Footnotes {
			n := strconv.Itoa(f.N)
			fmt.Fprintf(hw, `<li id="footnote-%s"><p>`, n)
			hw.text(f.Text)
			fmt.Fprintf(hw, ` <a href="#footnote-ref-%s" aria-label="go to where footnote %s is referenced">&#8617;&#65038;</a></p></li>`+"\n", n, n)
		}
		hw.WriteString("</ol>\n</section>\n")
	}
	hw.WriteString("</div>\n")
	if !opt.Fragment {
		hw.WriteString("</main>\n</body>\n</html>\n")
	}
	return hw.Flush()
}

// writeContents writes the contents list: level 2 headings, with their level 3 headings nested.
func writeContents(hw htmlWriter, d *Doc, levels map[int]int, anchors map[int]string) {
	type entry struct {
		i   int
		sub []int
	}
	var top []entry
	for i, b := range d.Blocks {
		if b.Kind != Heading {
			continue
		}
		switch levels[i] {
		case 2:
			top = append(top, entry{i: i})
		case 3:
			if len(top) > 0 {
				top[len(top)-1].sub = append(top[len(top)-1].sub, i)
			}
		}
	}
	if len(top) == 0 {
		return
	}
	link := func(i int) {
		hw.WriteString(`<a href="#`)
		hw.esc(anchors[i])
		hw.WriteString(`">`)
		hw.esc(d.Blocks[i].Text.Plain())
		hw.WriteString("</a>")
	}
	hw.WriteString("<nav class=\"contents\" id=\"contents\" aria-labelledby=\"contents-title\">\n<h2 id=\"contents-title\">Contents</h2>\n<ol>\n")
	for _, e := range top {
		hw.WriteString("<li>")
		link(e.i)
		if len(e.sub) > 0 {
			hw.WriteString("\n<ol>\n")
			for _, s := range e.sub {
				hw.WriteString("<li>")
				link(s)
				hw.WriteString("</li>\n")
			}
			hw.WriteString("</ol>\n")
		}
		hw.WriteString("</li>\n")
	}
	if len(d.Footnotes) > 0 {
		hw.WriteString("<li><a href=\"#footnotes-title\">Footnotes</a></li>\n")
	}
	hw.WriteString("</ol>\n</nav>\n")
}

func writeBlock(hw htmlWriter, b Block, level int, anchor string, opt HTMLOptions) {
	origin := opt.Internal && (b.Origin.Kind == "finding" || b.Origin.Kind == "example" || b.Origin.Kind == "recommendation") && b.Origin.ID != ""
	if opt.Internal && b.Flag != "" {
		hw.WriteString(`<p class="flag"><span class="flag-label">Warning: </span>`)
		hw.esc(b.Flag)
		hw.WriteString("</p>\n")
	}
	attrs := func() {
		if !opt.Internal {
			return
		}
		hw.WriteString(` data-section="`)
		hw.esc(b.Origin.Section)
		hw.WriteString(`"`)
		if b.Origin.Kind != "" {
			hw.WriteString(` data-origin-kind="`)
			hw.esc(b.Origin.Kind)
			hw.WriteString(`"`)
		}
		if b.Origin.ID != "" {
			hw.WriteString(` data-origin-id="`)
			hw.esc(b.Origin.ID)
			hw.WriteString(`"`)
		}
		if b.Flag != "" {
			hw.WriteString(` data-flag="`)
			hw.esc(b.Flag)
			hw.WriteString(`"`)
		}
	}
	switch b.Kind {
	case Heading:
		fmt.Fprintf(hw, `<h%d id="`, level)
		hw.esc(anchor)
		hw.WriteString(`"`)
		attrs()
		hw.WriteString(">")
		hw.text(b.Text)
		fmt.Fprintf(hw, "</h%d>\n", level)
	case Quote:
		hw.WriteString("<blockquote")
		attrs()
		hw.WriteString("><p>")
		hw.text(b.Text)
		hw.WriteString("</p></blockquote>\n")
	case Bullets, Numbered:
		tag := "ul"
		if b.Kind == Numbered {
			tag = "ol"
		}
		hw.WriteString("<" + tag)
		attrs()
		hw.WriteString(">\n")
		for _, it := range b.Items {
			hw.WriteString("<li>")
			hw.text(it)
			hw.WriteString("</li>\n")
		}
		hw.WriteString("</" + tag + ">\n")
	case Table:
		hw.WriteString("<table")
		attrs()
		hw.WriteString(">\n")
		for ri, row := range b.Rows {
			if ri == 0 {
				hw.WriteString("<thead>\n")
			} else if ri == 1 {
				hw.WriteString("<tbody>\n")
			}
			hw.WriteString("<tr>")
			for _, c := range row {
				if ri == 0 {
					hw.WriteString(`<th scope="col">`)
					hw.text(c)
					hw.WriteString("</th>")
				} else {
					hw.WriteString("<td>")
					hw.text(c)
					hw.WriteString("</td>")
				}
			}
			hw.WriteString("</tr>\n")
			if ri == 0 {
				hw.WriteString("</thead>\n")
			}
		}
		if len(b.Rows) > 1 {
			hw.WriteString("</tbody>\n")
		}
		hw.WriteString("</table>\n")
	default: // Paragraph and anything unknown
		hw.WriteString("<p")
		attrs()
		hw.WriteString(">")
		hw.text(b.Text)
		hw.WriteString("</p>\n")
	}
	if origin && opt.OriginHref != nil {
		if href := opt.OriginHref(b.Origin); href != "" {
			hw.WriteString(`<p class="origin"><a href="`)
			hw.esc(href)
			hw.WriteString(`">Evidence behind this `)
			hw.esc(b.Origin.Kind)
			hw.WriteString("</a></p>\n")
		}
	}
}

// WriteTrailHTML writes the internal evidence trail — each finding and example with the areas
// and notes behind it — as an HTML fragment (a section with its own h2) for the in-app preview.
// It is never part of a published export.
func WriteTrailHTML(w io.Writer, d *Doc) error {
	hw := htmlWriter{bufio.NewWriterSize(w, 32*1024)}
	hw.WriteString("<section class=\"trail\" id=\"evidence-trail\" aria-labelledby=\"evidence-trail-title\">\n<h2 id=\"evidence-trail-title\">Evidence trail</h2>\n")
	if len(d.Trail) == 0 {
		hw.WriteString("<p>There are no findings or examples yet.</p>\n")
	}
	section := "\x00"
	for _, t := range d.Trail {
		if t.Section != section {
			section = t.Section
			name := section
			if name == "" {
				name = "No action area"
			}
			hw.WriteString("<h3>")
			hw.esc(name)
			hw.WriteString("</h3>\n")
		}
		hw.WriteString(`<div class="trail-item" id="trail-`)
		hw.esc(t.ID)
		hw.WriteString(`" data-origin-kind="`)
		hw.esc(t.Kind)
		hw.WriteString(`" data-origin-id="`)
		hw.esc(t.ID)
		hw.WriteString(`">` + "\n<p><strong class=\"trail-kind\">")
		hw.esc(trailKind(t.Kind))
		hw.WriteString("</strong> ")
		hw.esc(t.Text)
		hw.WriteString("</p>\n<p>")
		if len(t.Areas) == 0 {
			hw.WriteString("No areas: no supporting evidence.")
		} else {
			hw.WriteString(map[bool]string{true: "Area: ", false: "Areas: "}[len(t.Areas) == 1])
			hw.esc(strings.Join(t.Areas, ", "))
			hw.WriteString(".")
		}
		hw.WriteString("</p>\n")
		if len(t.Notes) > 0 {
			hw.WriteString("<table>\n<caption class=\"trail-caption\">Notes behind this ")
			hw.esc(t.Kind)
			hw.WriteString("</caption>\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Date</th><th scope=\"col\">Stance</th><th scope=\"col\">Note</th></tr></thead>\n<tbody>\n")
			for _, n := range t.Notes {
				hw.WriteString("<tr><td>")
				hw.esc(n.Area)
				hw.WriteString("</td><td>")
				hw.esc(n.Date)
				hw.WriteString("</td><td>")
				hw.esc(n.Stance)
				hw.WriteString(`</td><td data-note-id="`)
				hw.esc(n.ID)
				hw.WriteString(`">`)
				hw.esc(n.Excerpt)
				hw.WriteString("</td></tr>\n")
			}
			hw.WriteString("</tbody>\n</table>\n")
		}
		hw.WriteString("</div>\n")
	}
	hw.WriteString("</section>\n")
	return hw.Flush()
}

func trailKind(k string) string {
	switch k {
	case "finding":
		return "Finding"
	case "example":
		return "Example"
	}
	return k
}
