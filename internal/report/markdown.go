package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The lead writes the report's own words (background, summary, introduction, linking prose) in
// CommonMark, read by goldmark into the document model. The authoring page lists what is read:
//
//	Paragraphs are separated by a blank line; a single line break is a space.
//	## A sub-heading          ### A smaller one
//	- a bulleted item         1. a numbered item
//	> a quotation
//	*emphasis* _emphasis_  **strong** __strong__  [link text](https://…)  <https://…>
//	| a | table |  (GitHub's tables: a header row, then a row of ---)
//	^[footnote text]          (the report's own: a numbered footnote)
//
// A backslash keeps the next punctuation character as it is. Everything else CommonMark has that
// the document model cannot carry (images, HTML, code, rules, lists inside lists…) is kept as
// plain text and reported with its line. Link reference definitions ("[x]: https://…") are not
// read, so such a line is kept as text rather than vanishing; entities (&amp;) are kept as typed.

// MaxAuthored is the longest authored text.
const MaxAuthored = 50000

// Problem is something in authored text the report cannot use.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("Line %d: %s", p.Line, p.Message) }

var (
	// authoredParser reads authored text: CommonMark's blocks and inlines, GitHub's tables and
	// the ^[…] footnotes, without link reference definitions.
	authoredParser = parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(inlineParsers()...),
		parser.WithParagraphTransformers(util.Prioritized(extension.NewTableParagraphTransformer(), 200)),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
	// footnoteTextParser reads the text of a footnote: paragraphs only, so that "1. See…" stays
	// text.
	footnoteTextParser = parser.NewParser(
		parser.WithBlockParsers(util.Prioritized(parser.NewParagraphParser(), 1000)),
		parser.WithInlineParsers(inlineParsers()...),
	)
	delimitersKey = parser.NewContextKey()
)

// inlineParsers are goldmark's, with the footnotes and a watch on emphasis.
func inlineParsers() []util.PrioritizedValue {
	return []util.PrioritizedValue{
		util.Prioritized(parser.NewCodeSpanParser(), 100),
		util.Prioritized(parser.NewLinkParser(), 200),
		util.Prioritized(parser.NewAutoLinkParser(), 300),
		util.Prioritized(parser.NewRawHTMLParser(), 400),
		util.Prioritized(emphasisParser{parser.NewEmphasisParser()}, 500),
		util.Prioritized(footnoteParser{}, 600),
	}
}

// emphasisParser is goldmark's, keeping each * and _ delimiter it reads so that one left
// unmatched (printed as typed) can be reported.
type emphasisParser struct{ parser.InlineParser }

func (p emphasisParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	n := p.InlineParser.Parse(parent, block, pc)
	if d, ok := n.(*parser.Delimiter); ok {
		ds, _ := pc.Get(delimitersKey).([]*parser.Delimiter)
		pc.Set(delimitersKey, append(ds, d))
	}
	return n
}

// footnote is a footnote ^[…] as written. Its text is read again on its own
// (footnoteTextParser) for its marks and links; open marks a ^[ that is never closed.
type footnote struct {
	ast.BaseInline
	raw  []byte
	open bool
}

var kindFootnote = ast.NewNodeKind("ReportFootnote")

func (n *footnote) Kind() ast.NodeKind { return kindFootnote }

func (n *footnote) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Raw": string(n.raw)}, nil)
}

// footnoteParser reads ^[…] up to its matching ], over line breaks, skipping escaped characters.
type footnoteParser struct{}

func (footnoteParser) Trigger() []byte { return []byte{'^'} }

func (footnoteParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	if len(line) < 2 || line[1] != '[' {
		return nil
	}
	n := &footnote{}
	n.SetPos(seg.Start)
	end, closed := closers(parent, block.Source(), pc)[seg.Start+1]
	block.Advance(2)
	if !closed {
		// Only the ^[ is taken, and the rest is read as usual.
		n.open = true
		return n
	}
	for {
		line, seg := block.PeekLine()
		if line == nil {
			return n // not reached: the ] is in the block
		}
		if end < seg.Stop {
			i := end - seg.Start + seg.Padding
			n.raw = append(n.raw, line[:i]...)
			block.Advance(i + 1)
			return n
		}
		n.raw = append(n.raw, line...)
		block.AdvanceLine()
	}
}

var closersKey = parser.NewContextKey()

type blockClosers struct {
	block ast.Node
	at    map[int]int // offset of a [ → offset of its ]
}

// closers matches the brackets of the block being read, once for the block, so that finding a
// footnote's end (or that it has none) does not read the rest of the block again each time.
func closers(block ast.Node, src []byte, pc parser.Context) map[int]int {
	if c, ok := pc.Get(closersKey).(*blockClosers); ok && c.block == block {
		return c.at
	}
	c := &blockClosers{block: block, at: map[int]int{}}
	var open []int
	lines := block.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		for j := seg.Start; j < seg.Stop; j++ {
			switch src[j] {
			case '\\':
				j++
			case '[':
				open = append(open, j)
			case ']':
				if len(open) > 0 {
					c.at[open[len(open)-1]] = j
					open = open[:len(open)-1]
				}
			}
		}
	}
	pc.Set(closersKey, c)
	return c.at
}

// Parse turns authored text into blocks of the given origin, with any problems found, in order
// of their lines. Problems never lose text: what the document model cannot carry is kept as
// plain text.
func Parse(src string, origin Origin) ([]Block, []Problem) {
	long := utf8.RuneCountInString(src) > MaxAuthored
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if !strings.HasSuffix(src, "\n") {
		// goldmark reads a one-letter code block label only on a line that ends.
		src += "\n"
	}
	r := newMDReader([]byte(src), 0, origin)
	if long {
		r.problems = append(r.problems, Problem{1, fmt.Sprintf("the text is longer than %d characters", MaxAuthored)})
	}
	pc := parser.NewContext()
	doc := authoredParser.Parse(text.NewReader(r.src), parser.WithContext(pc))
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c)
	}
	r.unmatched(pc)
	r.htmlProblems()
	sort.SliceStable(r.problems, func(i, j int) bool { return r.problems[i].Line < r.problems[j].Line })
	return r.blocks, r.problems
}

// mdReader turns goldmark's tree of one source into blocks and problems.
type mdReader struct {
	src      []byte
	breaks   []int // offsets of the source's line feeds
	first    int   // the line number of the source's first line
	origin   Origin
	inNote   bool
	html     map[int][]string // the HTML tags in each line, quoted
	blocks   []Block
	problems []Problem
}

func newMDReader(src []byte, first int, origin Origin) *mdReader {
	r := &mdReader{src: src, first: first, origin: origin}
	for i, c := range src {
		if c == '\n' {
			r.breaks = append(r.breaks, i)
		}
	}
	return r
}

// line is the 1-based line of an offset in the source.
func (r *mdReader) line(pos int) int {
	return r.first + sort.SearchInts(r.breaks, max(pos, 0)) + 1
}

func (r *mdReader) problem(pos int, format string, args ...any) {
	r.problems = append(r.problems, Problem{r.line(pos), fmt.Sprintf(format, args...)})
}

func (r *mdReader) add(kind Kind, t Text) {
	if len(t) > 0 {
		r.blocks = append(r.blocks, Block{Kind: kind, Text: t, Origin: r.origin})
	}
}

const noRule = "a line of ---, *** or ___ (a thematic break) is not printed: the report has no rules between paragraphs"

// block reads one top-level block.
func (r *mdReader) block(n ast.Node) {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		r.add(Paragraph, r.inline(n))
	case *ast.Heading:
		r.heading(n)
	case *ast.List:
		r.list(n)
	case *ast.Blockquote:
		r.quote(n)
	case *east.Table:
		b := Block{Kind: Table, Origin: r.origin}
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			b.Rows = append(b.Rows, r.row(row))
		}
		r.blocks = append(r.blocks, b)
	case *ast.ThematicBreak:
		r.problem(n.Pos(), "%s", noRule)
	default:
		r.problem(n.Pos(), "%s", r.unprintable(n))
		for _, t := range r.texts(n) {
			r.add(Paragraph, t)
		}
	}
}

// heading maps ## to a section's sub-heading (level 3) and ### to level 4, as far as every
// writer goes (DOCX has three heading levels under the title).
func (r *mdReader) heading(n *ast.Heading) {
	t := r.inline(n)
	if len(t) == 0 {
		r.problem(n.Pos(), "a heading needs words after the # marks")
		return
	}
	level := 3
	switch {
	case n.Level == 1:
		r.problem(n.Pos(), "a heading with one # (or underlined with ===) would be a second title: it is printed as a ## heading")
	case n.Level == 3:
		level = 4
	case n.Level > 3:
		level = 4
		r.problem(n.Pos(), "a heading can have two or three # marks: this one with %d is printed as a ### heading", n.Level)
	}
	r.blocks = append(r.blocks, Block{Kind: Heading, Level: level, Text: t, Origin: r.origin})
}

// list reads a list. The model's lists have one level: a list inside an item is printed as
// items of the outer list, after the item it was in.
func (r *mdReader) list(n *ast.List) {
	b := Block{Kind: Bullets, Origin: r.origin}
	if n.IsOrdered() {
		b.Kind = Numbered
		if n.Start != 1 {
			r.problem(n.Pos(), "a numbered list is numbered from 1 in the report: this one starts at %d", n.Start)
		}
	}
	r.items(n, &b)
	if len(b.Items) > 0 {
		r.blocks = append(r.blocks, b)
	}
}

func (r *mdReader) items(n *ast.List, b *Block) {
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		var t Text
		paras := 0
		flush := func() {
			if len(t) > 0 {
				b.Items = append(b.Items, t)
			}
			t, paras = nil, 0
		}
		for c := item.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Paragraph, *ast.TextBlock:
				if paras++; paras == 2 {
					r.problem(c.Pos(), "a list item holds one paragraph: its paragraphs are printed joined into one")
				}
				t = joinText(t, r.inline(c))
			case *ast.List:
				flush()
				r.problem(c.Pos(), "a list inside a list is printed as items of the outer list: the report's lists have one level")
				r.items(c, b)
			case *ast.ThematicBreak:
				r.problem(c.Pos(), "%s", noRule)
			default:
				r.problem(c.Pos(), "%s inside a list item is printed as part of the item's text", r.blockName(c))
				for _, x := range r.texts(c) {
					t = joinText(t, x)
				}
			}
		}
		flush()
	}
}

// row reads a table's row. Cells beyond the header's, which goldmark leaves out, are printed
// as typed in the last cell.
func (r *mdReader) row(row ast.Node) []Text {
	var cells []Text
	end := -1
	for c := row.FirstChild(); c != nil; c = c.NextSibling() {
		cells = append(cells, r.inline(c))
		if l := c.Lines(); l.Len() > 0 {
			end = l.At(l.Len() - 1).Stop
		}
	}
	if end < 0 || len(cells) == 0 {
		return cells
	}
	rest := string(r.src[end:])
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	if rest = strings.Trim(rest, " \t|"); rest != "" {
		r.problem(row.Pos(), "a row of the table has more cells than its header: the extra cells are printed in its last cell")
		last := len(cells) - 1
		cells[last] = joinText(cells[last], Text{{Text: "| " + rest}})
	}
	return cells
}

// quote reads a block quote: each paragraph is a quote block; anything else in it is printed
// as quoted text.
func (r *mdReader) quote(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c.(type) {
		case *ast.Paragraph, *ast.TextBlock:
			r.add(Quote, r.inline(c))
		case *ast.ThematicBreak:
			r.problem(c.Pos(), "%s", noRule)
		default:
			r.problem(c.Pos(), "a quote holds only paragraphs: %s inside it is printed as quoted text", r.blockName(c))
			for _, t := range r.texts(c) {
				r.add(Quote, t)
			}
		}
	}
}

// texts reads any block as runs of text, one for each paragraph, heading, item, cell or block
// of code or HTML in it.
func (r *mdReader) texts(n ast.Node) []Text {
	var lines *text.Segments
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading, *east.TableCell:
		return []Text{r.inline(n)}
	case *east.TableHeader, *east.TableRow:
		var t Text
		for i, c := range r.row(n) {
			if i > 0 {
				t = append(t, Span{Text: " | "})
			}
			t = append(t, c...)
		}
		return []Text{tidy(t)}
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		lines = n.Lines()
	case *ast.HTMLBlock:
		lines = n.Lines()
		if n.HasClosure() {
			lines = text.NewSegments()
			lines.AppendAll(n.Lines().Sliced(0, n.Lines().Len()))
			lines.Append(n.ClosureLine)
		}
	}
	if lines != nil {
		var words []string
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			if s := strings.TrimSpace(string(seg.Value(r.src))); s != "" {
				words = append(words, s)
			}
		}
		if len(words) == 0 {
			return nil
		}
		return []Text{{{Text: strings.Join(words, " ")}}}
	}
	var out []Text
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if f, ok := c.(*ast.FencedCodeBlock); ok && f.Info != nil {
			// The caller names only the outer block: name this one, whose label is left out.
			r.problem(c.Pos(), "%s is printed as ordinary text", r.blockName(c))
		}
		out = append(out, r.texts(c)...)
	}
	return out
}

// blockName names a block the report cannot carry, for a problem.
func (r *mdReader) blockName(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Heading:
		return "a heading"
	case *ast.List:
		return "a list"
	case *ast.Blockquote:
		return "a quote"
	case *ast.CodeBlock:
		return "text indented by four spaces or more (code)"
	case *ast.FencedCodeBlock:
		if n.Info != nil {
			return fmt.Sprintf("a code block labelled %q", n.Info.Segment.Value(r.src))
		}
		return "a code block"
	case *ast.HTMLBlock:
		return "HTML"
	case *east.Table:
		return "a table"
	}
	return "a " + strings.ToLower(n.Kind().String())
}

// unprintable is the problem with a top-level block the report cannot carry.
func (r *mdReader) unprintable(n ast.Node) string {
	switch n.(type) {
	case *ast.CodeBlock:
		return "text indented by four spaces or more is read as code, which the report does not print: it is printed as an ordinary paragraph (remove the indent)"
	case *ast.FencedCodeBlock:
		return r.blockName(n) + " is printed as an ordinary paragraph: the report does not print code"
	case *ast.HTMLBlock:
		return "HTML is not read: these lines are printed as typed, as an ordinary paragraph"
	}
	return r.blockName(n) + " is printed as an ordinary paragraph"
}

// marks are the marks of the text being read.
type marks struct {
	strong, emph bool
	link         string
}

// inline reads the inline content of a block.
func (r *mdReader) inline(n ast.Node) Text {
	var t Text
	r.spans(&t, n, marks{})
	return tidy(t)
}

func (r *mdReader) spans(t *Text, n ast.Node, m marks) {
	add := func(s string, m marks) {
		*t = append(*t, Span{Text: s, Strong: m.strong, Emph: m.emph, Link: m.link})
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(r.src)
			if !c.IsRaw() {
				v = util.UnescapePunctuations(v)
			}
			add(oneLine(string(v)), m)
			if c.SoftLineBreak() || c.HardLineBreak() {
				add(" ", marks{})
			}
		case *ast.String:
			add(oneLine(string(c.Value)), m)
		case *ast.Emphasis:
			mm := m
			if c.Level >= 2 {
				mm.strong = true
			} else {
				mm.emph = true
			}
			r.spans(t, c, mm)
		case *ast.Link:
			dest := string(util.UnescapePunctuations(c.Destination))
			mm := m
			if safeLink(dest) {
				mm.link = dest
			} else {
				r.problem(r.pos(c), "the link %q is not printed as a link: a link must start with https://, http:// or mailto:", dest)
			}
			before := len(*t)
			r.spans(t, c, mm)
			if tidy((*t)[before:]) == nil {
				// A link without words prints its address.
				add(dest, mm)
			}
			if len(c.Title) > 0 {
				title := oneLine(string(util.UnescapePunctuations(c.Title)))
				r.problem(r.pos(c), "a link's title %q is printed in brackets after the link: the report has no tooltips", title)
				add(" ("+title+")", m)
			}
		case *ast.AutoLink:
			label, dest := string(c.Label(r.src)), string(c.URL(r.src))
			if c.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
				dest = "mailto:" + dest
			}
			mm := m
			if safeLink(dest) {
				mm.link = dest
			} else {
				r.problem(c.Pos(), "the link %q is not printed as a link: a link must start with https://, http:// or mailto:", dest)
			}
			add(label, mm)
		case *ast.Image:
			image := fmt.Sprintf("%q", util.UnescapePunctuations(c.Destination))
			if len(c.Title) > 0 {
				image += fmt.Sprintf(" (titled %q)", oneLine(string(util.UnescapePunctuations(c.Title))))
			}
			r.problem(r.pos(c), "images cannot be printed: the image %s is left out and its description, if any, printed in its place", image)
			r.spans(t, c, m)
		case *ast.CodeSpan:
			r.problem(r.pos(c), "code (between backticks) is printed as ordinary text")
			r.spans(t, c, m)
		case *ast.RawHTML:
			var b strings.Builder
			b.Write(c.Segments.Value(r.src))
			raw := oneLine(b.String())
			r.htmlTag(c.Pos(), raw)
			add(raw, m)
		case *footnote:
			r.footnote(t, c, m)
		default:
			r.spans(t, c, m)
		}
	}
}

// htmlTag notes HTML in a line, to be reported once for the line, naming each tag.
func (r *mdReader) htmlTag(pos int, tag string) {
	line := r.line(pos)
	if r.html == nil {
		r.html = map[int][]string{}
	}
	r.html[line] = append(r.html[line], strconv.Quote(tag))
}

// htmlProblems reports the HTML of each line.
func (r *mdReader) htmlProblems() {
	for line, tags := range r.html {
		verb := "is"
		if len(tags) > 1 {
			verb = "are"
		}
		r.problems = append(r.problems, Problem{line, fmt.Sprintf("HTML is not read: %s %s printed as typed", strings.Join(tags, ", "), verb)})
	}
}

// footnote reads a footnote's text on its own and adds its reference.
func (r *mdReader) footnote(t *Text, n *footnote, m marks) {
	add := func(s string) { *t = append(*t, Span{Text: s, Strong: m.strong, Emph: m.emph, Link: m.link}) }
	if n.open {
		r.problem(n.Pos(), "a footnote ^[ is not closed with ]: it is printed as typed")
		add("^[")
		return
	}
	if r.inNote {
		r.problem(n.Pos(), "a footnote cannot hold another footnote: the inner one is printed in its text as typed")
		add("^[" + oneLine(string(n.raw)) + "]")
		return
	}
	sub := newMDReader(n.raw, r.line(n.Pos())-1, r.origin)
	sub.inNote = true
	pc := parser.NewContext()
	doc := footnoteTextParser.Parse(text.NewReader(n.raw), parser.WithContext(pc))
	var note Text
	for p := doc.FirstChild(); p != nil; p = p.NextSibling() {
		note = joinText(note, sub.inline(p))
	}
	sub.unmatched(pc)
	sub.htmlProblems()
	r.problems = append(r.problems, sub.problems...)
	if len(note) == 0 {
		r.problem(n.Pos(), "a footnote ^[] has no text")
		return
	}
	s := Span{Note: note.Plain()}
	for _, x := range note {
		if x.Strong || x.Emph || x.Link != "" {
			s.NoteText = note
			break
		}
	}
	*t = append(*t, s)
}

// unmatched reports each run of * or _ that could only open, or only close, emphasis and was
// left unmatched: it is printed as typed, which is seldom what was meant.
func (r *mdReader) unmatched(pc parser.Context) {
	ds, _ := pc.Get(delimitersKey).([]*parser.Delimiter)
	for _, d := range ds {
		if d.Length != d.OriginalLength || d.CanOpen == d.CanClose {
			continue
		}
		mark := strings.Repeat(string(d.Char), d.OriginalLength)
		what := "emphasis"
		switch {
		case d.OriginalLength == 2:
			what = "strong text"
		case d.OriginalLength > 2:
			what = "strong emphasis"
		}
		if d.CanOpen {
			r.problem(d.Segment.Start, "%s for %s is opened but not closed, so it is printed as typed (write \\%c for the character itself)", mark, what, d.Char)
		} else {
			r.problem(d.Segment.Start, "%s for %s closes nothing that was opened, so it is printed as typed (write \\%c for the character itself)", mark, what, d.Char)
		}
	}
}

// pos is where an inline node starts: its first text, else its own position.
func (r *mdReader) pos(n ast.Node) int {
	for c := n.FirstChild(); c != nil; c = c.FirstChild() {
		if tx, ok := c.(*ast.Text); ok {
			return tx.Segment.Start
		}
	}
	return n.Pos()
}

// oneLine makes line breaks inside a run of text spaces, as the writers print them.
func oneLine(s string) string {
	if strings.IndexByte(s, '\n') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\n", " ")
}

// joinText joins two runs of text with a space.
func joinText(a, b Text) Text {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	return append(append(a, Span{Text: " "}), b...)
}

// tidy drops empty spans, joins neighbours with the same marks and trims the ends.
func tidy(t Text) Text {
	var out Text
	var run strings.Builder // the text of the last span of out, while it grows
	for _, s := range t {
		if s.Note == "" && s.Text == "" {
			continue
		}
		if n := len(out); n > 0 && s.Note == "" && out[n-1].Note == "" &&
			out[n-1].Strong == s.Strong && out[n-1].Emph == s.Emph && out[n-1].Link == s.Link {
			run.WriteString(s.Text)
			continue
		}
		if n := len(out); n > 0 && out[n-1].Note == "" {
			out[n-1].Text = run.String()
		}
		run.Reset()
		run.WriteString(s.Text)
		out = append(out, s)
	}
	if n := len(out); n > 0 && out[n-1].Note == "" {
		out[n-1].Text = run.String()
	}
	for len(out) > 0 && out[0].Note == "" {
		if out[0].Text = strings.TrimLeft(out[0].Text, " \t"); out[0].Text != "" {
			break
		}
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1].Note == "" {
		last := &out[len(out)-1]
		if last.Text = strings.TrimRight(last.Text, " \t"); last.Text != "" {
			break
		}
		out = out[:len(out)-1]
	}
	return out
}

func safeLink(href string) bool {
	return strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "mailto:")
}
