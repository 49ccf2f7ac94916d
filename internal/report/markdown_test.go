package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestParseBlocks(t *testing.T) {
	src := "First paragraph\ncontinues here.\n\n## Sub-heading\n\n- one\n- two **bold**\n  more of two\n\n1. first\n2. second\n\n> ‘…a coherent joined up offer.’^[The best start for life, March 2021]\n\nLast with [a link](https://www.gov.uk) and _emphasis_ and snake_case."
	blocks, problems := Parse(src, Origin{Section: "background"})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	kinds := []string{}
	for _, b := range blocks {
		kinds = append(kinds, string(b.Kind))
	}
	if got := strings.Join(kinds, ","); got != "paragraph,heading,bullets,numbered,quote,paragraph" {
		t.Fatalf("kinds %s", got)
	}
	if blocks[0].Text.Plain() != "First paragraph continues here." {
		t.Errorf("paragraph %q", blocks[0].Text.Plain())
	}
	if blocks[1].Level != 3 || blocks[1].Text.Plain() != "Sub-heading" {
		t.Errorf("heading %+v", blocks[1])
	}
	if len(blocks[2].Items) != 2 || blocks[2].Items[1].Plain() != "two bold more of two" || !blocks[2].Items[1][1].Strong {
		b, _ := json.Marshal(blocks[2])
		t.Errorf("bullets %s", b)
	}
	q := blocks[4].Text
	if q[len(q)-1].Note != "The best start for life, March 2021" {
		t.Errorf("footnote %+v", q)
	}
	last := blocks[5].Text
	var link, emph bool
	for _, s := range last {
		link = link || s.Link == "https://www.gov.uk" && s.Text == "a link"
		emph = emph || s.Emph && s.Text == "emphasis"
	}
	if !link || !emph || !strings.Contains(last.Plain(), "snake_case") {
		t.Errorf("inline %+v", last)
	}
}

func TestParseProblemsKeepText(t *testing.T) {
	_, problems := Parse("Ok\n\nA [bad](javascript:alert(1)) link and ^[open note\n\n**unclosed", Origin{})
	want := []string{"Line 3: the link", "Line 3: a footnote ^[ is not closed", "Line 5: ** for strong"}
	if len(problems) != len(want) {
		t.Fatalf("problems %v", problems)
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i].String(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], w)
		}
	}
	blocks, _ := Parse(`Price \*not emphasis\* and \^[not a note]`, Origin{})
	if got := blocks[0].Text.Plain(); got != "Price *not emphasis* and ^[not a note]" {
		t.Errorf("escapes: %q", got)
	}
}

func TestFinishNumbersFootnotesInOrderOfUse(t *testing.T) {
	d := Doc{Blocks: []Block{
		{Kind: Paragraph, Text: Text{{Text: "a"}, {Note: "first"}}},
		{Kind: Heading, Level: 2, Text: Text{{Text: "Part"}}},
		{Kind: Bullets, Items: []Text{{{Text: "b"}, {Note: "second"}}}},
		{Kind: Quote, Text: Text{{Text: "c"}, {Note: "first"}}},
	}}
	d.Finish()
	if len(d.Footnotes) != 3 || d.Blocks[0].Text[1].Ref != 1 || d.Blocks[2].Items[0][1].Ref != 2 || d.Blocks[3].Text[1].Ref != 3 {
		t.Fatalf("footnotes %+v", d.Footnotes)
	}
	if len(d.Contents) != 1 {
		t.Errorf("contents %+v", d.Contents)
	}
}

// spans writes a run of text compactly for comparing: marks around words, links as [text](url)
// and footnotes as ^[note].
func spansOf(t Text) string {
	var b strings.Builder
	for _, s := range t {
		if s.Note != "" {
			b.WriteString("^[" + spansOf(s.NoteText) + "|" + s.Note + "]")
			continue
		}
		w := s.Text
		if s.Emph {
			w = "<em>" + w + "</em>"
		}
		if s.Strong {
			w = "<strong>" + w + "</strong>"
		}
		if s.Link != "" {
			w = "[" + w + "](" + s.Link + ")"
		}
		b.WriteString(w)
	}
	return b.String()
}

// blocksOf writes blocks compactly: kind, level and text, items joined with " / ".
func blocksOf(blocks []Block) string {
	var out []string
	for _, b := range blocks {
		s := string(b.Kind)
		if b.Level > 0 {
			s += strconv.Itoa(b.Level)
		}
		s += ": " + spansOf(b.Text)
		var items []string
		for _, it := range b.Items {
			items = append(items, spansOf(it))
		}
		for _, row := range b.Rows {
			var cells []string
			for _, c := range row {
				cells = append(cells, spansOf(c))
			}
			items = append(items, strings.Join(cells, " | "))
		}
		out = append(out, s+strings.Join(items, " / "))
	}
	return strings.Join(out, "\n")
}

func TestParseInline(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want string }{
		{"emphasis with *", "An *important* word", "paragraph: An <em>important</em> word"},
		{"emphasis with _", "An _important_ word", "paragraph: An <em>important</em> word"},
		{"strong with **", "A **strong** word", "paragraph: A <strong>strong</strong> word"},
		{"strong with __", "A __strong__ word", "paragraph: A <strong>strong</strong> word"},
		{"strong emphasis", "A ***very*** word", "paragraph: A <strong><em>very</em></strong> word"},
		{"emphasis inside strong", "**all *of* it**", "paragraph: <strong>all </strong><strong><em>of</em></strong><strong> it</strong>"},
		{"underscores inside words", "snake_case_name and 2*3*4", "paragraph: snake_case_name and 2<em>3</em>4"},
		{"link", "See [the guidance](https://www.gov.uk/guidance).", "paragraph: See [the guidance](https://www.gov.uk/guidance)."},
		{"link with marks", "[**bold** link](http://example.test/a_(b))", "paragraph: [<strong>bold</strong>](http://example.test/a_(b))[ link](http://example.test/a_(b))"},
		{"mailto link", "[Write to us](mailto:team@example.test)", "paragraph: [Write to us](mailto:team@example.test)"},
		{"autolink", "<https://www.gov.uk> or <team@example.test>", "paragraph: [https://www.gov.uk](https://www.gov.uk) or [team@example.test](mailto:team@example.test)"},
		{"link without words", "[](https://www.gov.uk)", "paragraph: [https://www.gov.uk](https://www.gov.uk)"},
		{"soft line breaks are spaces", "one\ntwo\nthree", "paragraph: one two three"},
		{"hard line breaks are spaces", "one  \ntwo\\\nthree", "paragraph: one two three"},
		{"escapes", `\*not\* \_this\_ \[or\](this) \^[nor this] \\ and \<b>`, `paragraph: *not* _this_ [or](this) ^[nor this] \ and <b>`},
		{"entities stay as typed", "AT&amp;T & co", "paragraph: AT&amp;T & co"},
		{"footnote", "Jointly led.^[Department for Education, 2021]", "paragraph: Jointly led.^[|Department for Education, 2021]"},
		{"footnote with marks and a link", "Cited.^[*The best start for life*, [GOV.UK](https://www.gov.uk), 2021]",
			"paragraph: Cited.^[<em>The best start for life</em>, [GOV.UK](https://www.gov.uk), 2021|The best start for life, GOV.UK, 2021]"},
		{"footnote over two lines", "Cited.^[first\nsecond]", "paragraph: Cited.^[|first second]"},
		{"footnote over lines of a quote", "> a^[b\n> c] d", "quote: a^[|b c] d"},
		{"footnote over a tab-indented line of an item", "- a^[b\n\tc *d*] e", "bullets: a^[b c <em>d</em>|b c d] e"},
		{"footnote with brackets", `Cited.^[a [b] \] c]`, "paragraph: Cited.^[|a [b] ] c]"},
		{"footnote in a heading", "## Heading^[Its source]", "heading3: Heading^[|Its source]"},
		{"footnote in a link", "[a^[n] b](https://x.test)", "paragraph: [a](https://x.test)^[|n][ b](https://x.test)"},
		{"not a footnote", "x^2 and ^ alone", "paragraph: x^2 and ^ alone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the parsers are shared
			blocks, problems := Parse(c.src, Origin{Section: "summary"})
			if len(problems) != 0 {
				t.Errorf("problems %v", problems)
			}
			if got := blocksOf(blocks); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestParseBlocksNested(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want string }{
		{"headings", "## Two\n\n### Three", "heading3: Two\nheading4: Three"},
		{"marks in a bulleted item", "- one *emphasis*\n- two __strong__ and [link](https://x.test)\n  continued",
			"bullets: one <em>emphasis</em> / two <strong>strong</strong> and [link](https://x.test) continued"},
		{"marks in a numbered item", "1. _first_\n2. **second**^[note]", "numbered: <em>first</em> / <strong>second</strong>^[|note]"},
		{"loose list", "- one\n\n- two", "bullets: one / two"},
		{"marks in a quote", "> ‘A *coherent*\n> offer.’^[The best start for life]",
			"quote: ‘A <em>coherent</em> offer.’^[|The best start for life]"},
		{"quote of two paragraphs", "> one\n>\n> two", "quote: one\nquote: two"},
		{"table", "| Source | Count |\n| --- | ---: |\n| *Visits* | 6 |", "table: Source | Count / <em>Visits</em> | 6"},
		{"lists of both kinds", "- a\n- b\n\n1) c\n2) d", "bullets: a / b\nnumbered: c / d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the parsers are shared
			blocks, problems := Parse(c.src, Origin{Section: "summary"})
			if len(problems) != 0 {
				t.Errorf("problems %v", problems)
			}
			if got := blocksOf(blocks); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestParseRefuses: what the document model cannot carry is kept as text and reported at its line.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want, problem string }{
		{"level 1 heading", "Text\n\n# Title", "paragraph: Text\nheading3: Title", "Line 3: a heading with one # (or underlined with ===) would be a second title"},
		{"setext level 1 heading", "Title\n=====", "heading3: Title", "Line 1: a heading with one #"},
		{"level 4 heading", "\n#### Deep", "heading4: Deep", "Line 2: a heading can have two or three # marks: this one with 4 is printed as a ### heading"},
		{"empty heading", "a\n\n##\n", "paragraph: a", "Line 3: a heading needs words after the # marks"},
		{"image", "See\n![A chart](https://x.test/c.png) here", "paragraph: See A chart here",
			`Line 2: images cannot be printed: the image "https://x.test/c.png" is left out`},
		{"inline HTML", "a\nb <b>c</b> <br/>", "paragraph: a b <b>c</b> <br/>", `Line 2: HTML is not read: "<b>", "</b>", "<br/>" are printed as typed`},
		{"HTML block", "a\n\n<div>\nb\n</div>", "paragraph: a\nparagraph: <div> b </div>", "Line 3: HTML is not read: these lines are printed as typed"},
		{"indented code", "a\n\n    b = 1", "paragraph: a\nparagraph: b = 1", "Line 3: text indented by four spaces or more is read as code"},
		{"fenced code", "a\n\n```sh\nmake\n```", "paragraph: a\nparagraph: make", `Line 3: a code block labelled "sh" is printed as an ordinary paragraph`},
		{"code span", "run\n`make test` now", "paragraph: run make test now", "Line 2: code (between backticks) is printed as ordinary text"},
		{"thematic break", "a\n\n***\n\nb", "paragraph: a\nparagraph: b", "Line 3: a line of ---, *** or ___ (a thematic break) is not printed"},
		{"nested list", "- a\n  - b\n- c", "bullets: a / b / c", "Line 2: a list inside a list is printed as items of the outer list"},
		{"list item of two paragraphs", "- a\n\n  b", "bullets: a b", "Line 3: a list item holds one paragraph"},
		{"list in a quote", "> a\n> - b", "quote: a\nquote: b", "Line 2: a quote holds only paragraphs: a list inside it is printed as quoted text"},
		{"quote in a quote", "> a\n>\n> > b", "quote: a\nquote: b", "Line 3: a quote holds only paragraphs: a quote inside it"},
		{"heading in a list", "- ## a", "bullets: a", "Line 1: a heading inside a list item is printed as part of the item's text"},
		{"numbered list from 3", "a\n\n3. c\n4. d", "paragraph: a\nnumbered: c / d", "Line 3: a numbered list is numbered from 1 in the report: this one starts at 3"},
		{"unsafe link", "a\n[click](javascript:alert(1))", "paragraph: a click", `Line 2: the link "javascript:alert(1)" is not printed as a link`},
		{"relative link", "[page](/reviews)", "paragraph: page", `Line 1: the link "/reviews" is not printed as a link`},
		{"link title", `[GOV.UK](https://www.gov.uk "The site")`, "paragraph: [GOV.UK](https://www.gov.uk) (The site)", `Line 1: a link's title "The site" is printed in brackets`},
		{"extra table cells", "| a |\n| - |\n| b | c |", "table: a / b | c", "Line 3: a row of the table has more cells than its header"},
		{"unclosed strong", "a\n**b", "paragraph: a **b", "Line 2: ** for strong text is opened but not closed, so it is printed as typed"},
		{"unclosed emphasis", "a _b", "paragraph: a _b", "Line 1: _ for emphasis is opened but not closed"},
		{"closing strong alone", "a\n\nb** c", "paragraph: a\nparagraph: b** c", "Line 3: ** for strong text closes nothing that was opened"},
		{"unclosed footnote", "a\nb^[c", "paragraph: a b^[c", "Line 2: a footnote ^[ is not closed with ]"},
		{"empty footnote", "a\n\nb^[ ]", "paragraph: a\nparagraph: b", "Line 3: a footnote ^[] has no text"},
		{"footnote in a footnote", "a^[b\nc ^[d]]", "paragraph: a^[|b c ^[d]]", "Line 2: a footnote cannot hold another footnote"},
		{"problem in a footnote's own line", "a^[b\n*c]", "paragraph: a^[|b *c]", "Line 2: * for emphasis is opened but not closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the parsers are shared
			blocks, problems := Parse(c.src, Origin{Section: "summary"})
			if got := blocksOf(blocks); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), c.problem) {
				t.Errorf("problems %q, want one starting %q", problems, c.problem)
			}
		})
	}
}

func TestParseProblemsInLineOrder(t *testing.T) {
	_, problems := Parse("a^[b\n**c]\n\n<i>d</i> `e`\n\n---\n\n#", Origin{})
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
	}
	if fmt.Sprint(lines) != "[2 4 4 6 8]" {
		t.Errorf("lines %v of %q", lines, problems)
	}
}

// TestFootnoteMarksInEveryFormat: a footnote's emphasis and link reach every writer.
func TestFootnoteMarksInEveryFormat(t *testing.T) {
	blocks, problems := Parse("Cited.^[*The best start for life*, [GOV.UK](https://www.gov.uk), 2021]", Origin{Section: "summary"})
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	d := &Doc{Title: "T", Blocks: blocks}
	d.Finish()
	var h, g, x bytes.Buffer
	if err := WriteHTML(&h, d, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteGovspeak(&g, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteDOCX(&x, d); err != nil {
		t.Fatal(err)
	}
	if w := `<li id="footnote-1"><p><em>The best start for life</em>, <a href="https://www.gov.uk">GOV.UK</a>, 2021 <a href="#footnote-ref-1"`; !strings.Contains(h.String(), w) {
		t.Errorf("HTML lacks %q:\n%s", w, h.String())
	}
	if w := "Cited.[^1]\n\n[^1]: *The best start for life*, [GOV.UK](https://www.gov.uk), 2021\n"; g.String() != w {
		t.Errorf("Govspeak %q, want %q", g.String(), w)
	}
	notes := string(docxParts(t, x.Bytes())["word/footnotes.xml"])
	if w := `<w:r><w:rPr><w:i/><w:iCs/></w:rPr><w:t xml:space="preserve">The best start for life</w:t></w:r>`; !strings.Contains(notes, w) {
		t.Errorf("DOCX footnotes lack %q:\n%s", w, notes)
	}
	if w := `GOV.UK</w:t></w:r><w:r><w:t xml:space="preserve"> (https://www.gov.uk)</w:t>`; !strings.Contains(notes, w) {
		t.Errorf("DOCX footnotes lack %q:\n%s", w, notes)
	}
}
