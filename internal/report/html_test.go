package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// demoDoc is the built demo report, with a title that tries to break out of the page and authored
// text that uses every kind of block and mark.
func demoDoc(t testing.TB) *Doc {
	t.Helper()
	d := demoData()
	d.Title = `Start for Life <script>alert("x")</script> & "friends"`
	d.Texts[TextSummary] = "Families have a **positive** experience of [services](https://www.gov.uk/start-for-life).^[Ofsted, 2024]\n\n" +
		"## What we found\n\n- one \\<b>bold\\</b> claim\n- two & three\n\n1. first step\n2. second step\n\n" +
		"### A detail\n\nText with _emphasis_ and 50% \\* a star."
	doc, problems := Build(d)
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	return &doc
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func TestHTMLStructure(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, doc, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	root := parseHTML(t, buf.String())
	var headings []string
	ids := map[string]bool{}
	var hrefs []string
	var h1s, scripts int
	var lang, title string
	var ths, quotes int
	walk(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if id := attr(n, "id"); id != "" {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
		switch n.DataAtom {
		case atom.Html:
			lang = attr(n, "lang")
		case atom.Title:
			title = textOf(n)
		case atom.H1:
			h1s++
		case atom.H2, atom.H3, atom.H4:
			headings = append(headings, fmt.Sprintf("%s %s", n.Data, textOf(n)))
		case atom.Script, atom.Iframe, atom.Img, atom.Link:
			scripts++
		case atom.A:
			hrefs = append(hrefs, attr(n, "href"))
		case atom.Th:
			ths++
			if attr(n, "scope") != "col" {
				t.Errorf("th without scope=col")
			}
		case atom.Blockquote:
			quotes++
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "data-") {
				t.Errorf("published HTML has attribute %s=%q", a.Key, a.Val)
			}
		}
	})
	if lang != "en" || h1s != 1 || scripts != 0 {
		t.Errorf("lang %q, %d h1, %d scripts or external elements", lang, h1s, scripts)
	}
	if title != doc.Title {
		t.Errorf("title %q (the <script> must stay text)", title)
	}
	want := []string{"h2 Contents", "h2 Background", "h2 Executive summary", "h3 What we found", "h4 A detail", "h2 Introduction",
		"h2 Methodology", "h2 Ensuring families have access", "h3 Seamless support", "h3 A welcoming hub", "h2 Working together",
		"h3 Leadership for change", "h2 Recommendations", "h2 Footnotes"}
	if got := strings.Join(headings, "|"); got != strings.Join(want, "|") {
		t.Errorf("headings\n got %s\nwant %s", got, strings.Join(want, "|"))
	}
	internal := 0
	for _, h := range hrefs {
		if strings.HasPrefix(h, "#") {
			internal++
			if !ids[h[1:]] {
				t.Errorf("link %s goes nowhere", h)
			}
		} else if h != "https://www.gov.uk/start-for-life" {
			t.Errorf("unexpected link %q", h)
		}
	}
	// Contents (11 headings + footnotes) and two links for each of the 4 footnotes.
	if internal != 12+2*len(doc.Footnotes) || len(doc.Footnotes) != 4 {
		t.Errorf("%d internal links, %d footnotes", internal, len(doc.Footnotes))
	}
	if ths != 2 || quotes != 3 {
		t.Errorf("%d th, %d blockquotes", ths, quotes)
	}
	s := buf.String()
	for _, w := range []string{"<p class=\"pub-kind\">Research and analysis</p>", "Applies to England",
		`<sup class="footnote-ref" id="footnote-ref-1"><a href="#footnote-1">[footnote 1]</a></sup>`,
		`<li id="footnote-2"><p>Ofsted, 2024 <a href="#footnote-ref-2"`, "one &lt;b&gt;bold&lt;/b&gt; claim", "two &amp; three",
		"<strong>positive</strong>", "<em>emphasis</em>", "<ol>\n<li>first step</li>", "<ul>\n<li>Northumberland</li>"} {
		if !strings.Contains(s, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	for _, bad := range []string{"<script", "No supporting evidence", "f1", "Torbay", "n9"} {
		if strings.Contains(s, bad) {
			t.Errorf("published HTML contains %q", bad)
		}
	}
}

func TestHTMLPublishedDateAndFragment(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	doc.Published = "7 May 2024"
	var buf bytes.Buffer
	if err := WriteHTML(&buf, doc, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<p class="pub-published">Published 7 May 2024</p>`) {
		t.Error("no publication date")
	}
	buf.Reset()
	if err := WriteHTML(&buf, doc, HTMLOptions{Fragment: true}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if strings.Contains(s, "<html") || strings.Contains(s, "<h1") || strings.Contains(s, "<style") || !strings.HasPrefix(s, `<div class="report">`) {
		t.Errorf("fragment:\n%.300s", s)
	}
}

func TestHTMLInternalShowsFlagsAndOrigins(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	var buf bytes.Buffer
	err := WriteHTML(&buf, doc, HTMLOptions{Internal: true, OriginHref: func(o Origin) string {
		return "/reviews/r1/findings/" + o.ID + "?a=1&b=2"
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, w := range []string{`<p class="flag"><span class="flag-label">Warning: </span>No supporting evidence</p>`,
		`data-origin-kind="finding" data-origin-id="f3" data-flag="No supporting evidence"`,
		`data-origin-kind="example" data-origin-id="e1"`,
		`<a href="/reviews/r1/findings/f1?a=1&amp;b=2">Evidence behind this finding</a>`} {
		if !strings.Contains(s, w) {
			t.Errorf("internal HTML lacks %q", w)
		}
	}
	buf.Reset()
	if err := WriteTrailHTML(&buf, doc); err != nil {
		t.Fatal(err)
	}
	s = buf.String()
	for _, w := range []string{`<h2 id="evidence-trail-title">Evidence trail</h2>`, "<h3>Seamless support</h3>", `id="trail-f1"`,
		"Area: Torbay.", "No areas: no supporting evidence.", `<td data-note-id="n9">`} {
		if !strings.Contains(s, w) {
			t.Errorf("trail lacks %q", w)
		}
	}
}

func TestHTMLEscapesLinksAndRefusesUnfinished(t *testing.T) {
	t.Parallel()
	d := &Doc{Title: "T", Blocks: []Block{
		{Kind: Heading, Level: 4, Text: Text{{Text: "Deep <heading>"}}},
		{Kind: Paragraph, Text: Text{{Text: "bad", Link: "javascript:alert(1)"}, {Text: `q"uote`, Link: `https://x.test/?a="b"&c<d`}}},
	}}
	d.Finish()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	// The level 4 heading straight under the title becomes an h2, so no level is skipped.
	for _, w := range []string{`<h2 id="deep-heading">Deep &lt;heading&gt;</h2>`, `<p>bad<a href="https://x.test/?a=&#34;b&#34;&amp;c&lt;d">q&#34;uote</a></p>`} {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q in\n%s", w, s)
		}
	}
	u := &Doc{Blocks: []Block{{Kind: Paragraph, Text: Text{{Text: "a"}, {Note: "n"}}}}}
	if err := WriteHTML(&buf, u, HTMLOptions{}); err != errNotFinished {
		t.Errorf("unfinished doc: %v", err)
	}
}

func TestHTMLAnchorsAreUnique(t *testing.T) {
	t.Parallel()
	d := &Doc{Title: "T", Blocks: []Block{
		{Kind: Heading, Level: 2, ID: "background", Text: Text{{Text: "Background"}}},
		{Kind: Heading, Level: 3, Text: Text{{Text: "Background"}}},
		{Kind: Heading, Level: 3, Text: Text{{Text: "Footnotes"}}},
		{Kind: Heading, Level: 3, Text: Text{{Text: "‘…’"}}},
		{Kind: Heading, Level: 3, Text: Text{{Text: "Contents"}}},
	}}
	d.Finish()
	got := headingAnchors(d)
	want := []string{"background", "background-2", "section-footnotes", "section", "contents-2"}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("anchor %d = %q, want %q", i, got[i], w)
		}
	}
}

// TestHTMLFootnoteOnHeading: an action area cited without a quote has its footnote reference in
// its heading, its footnote in order with the others, and a contents entry without the marker.
func TestHTMLFootnoteOnHeading(t *testing.T) {
	t.Parallel()
	doc := citedDoc(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, doc, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	root := parseHTML(t, buf.String())
	var heading, contents string
	var notes []string
	refs := map[string]int{}
	walk(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch {
		case n.DataAtom == atom.H3 && attr(n, "id") == "area-b":
			heading = textOf(n)
			walk(n, func(c *html.Node) {
				if c.DataAtom == atom.A && attr(c, "href") != "#footnote-3" {
					t.Errorf("link in the heading goes to %q", attr(c, "href"))
				}
			})
		case n.DataAtom == atom.A && attr(n, "href") == "#area-b":
			contents += textOf(n)
		case n.DataAtom == atom.Li && strings.HasPrefix(attr(n, "id"), "footnote-"):
			notes = append(notes, strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(textOf(n)), "↩︎")))
		case n.DataAtom == atom.Sup:
			refs[attr(n, "id")]++
		}
	})
	if heading != "Area B[footnote 3]" {
		t.Errorf("heading %q", heading)
	}
	if contents != "Area B" {
		t.Errorf("contents entry %q", contents)
	}
	if strings.Join(notes, "|") != strings.Join(citedNotes, "|") {
		t.Errorf("footnotes %q", notes)
	}
	for i := range citedNotes {
		if id := fmt.Sprintf("footnote-ref-%d", i+1); refs[id] != 1 {
			t.Errorf("%d references %s", refs[id], id)
		}
	}
	if !strings.Contains(buf.String(), `<h3 id="area-b">Area B<sup class="footnote-ref" id="footnote-ref-3"><a href="#footnote-3">[footnote 3]</a></sup></h3>`) {
		t.Errorf("heading HTML:\n%s", buf.String())
	}
}
