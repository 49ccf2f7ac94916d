package report

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// alnum counts the letters and digits of s.
func alnum(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// FuzzParseMarkdown checks that Parse never panics; that every problem's line is a line of the
// input (1 to its number of lines); and that no text is lost: the letters and digits of the
// output — the Plain() text of every block, list item and table cell, the Note of footnote spans
// and the Link of link spans (also inside a footnote's marked text), plus every quoted string in
// a problem (a refused link's or image's address, a code block's label) — are at least as many
// as those of the input less the digits of numbered-list markers ("12. "). Everything else the
// parser drops (#, >, -, *, _, brackets, backslashes, spaces, pipes) has no letter or digit.
func FuzzParseMarkdown(f *testing.F) {
	f.Add("First paragraph\ncontinues here.\n\n## Sub-heading\n\n- one\n- two **bold**\n  more of two\n\n1. first\n2. second\n\n> ‘…a coherent joined up offer.’^[The best start for life, March 2021]\n\nLast with [a link](https://www.gov.uk) and _emphasis_ and snake_case.")
	f.Add("#\n## \n### Three\n#### Four _x_\nSetext\n===\n")
	f.Add("**open\n\n_open\n\n^[unclosed\n\n^[]\n\n^[  ]\n\nclose** and close_ here")
	f.Add("[bad](javascript:alert(1)) and [ok](mailto:a@b.c) and [x] (y) and [x](unclosed and [](https://empty.test) [t](https://x.y \"Title 1\")")
	f.Add("a\\*\\*b\\_c\\[d\\]e\\")
	f.Add("1) one\n2) two\n- mixed\n* star\n  continued\n123. x\n1234567890. not a list\n\n7. seven")
	f.Add("line\r\nwindows\r\n\r\n> q1\n> q2\nafter\n> - l1\n> # h\n> > deep")
	f.Add("[[nested] link](https://x.y/z_(1)) ^[note with [link](https://a.b) and *marks* and ^[inner]]")
	f.Add("\\é é\xff\xc3**\xa9")
	f.Add("- a\n  - b1\n    1. c9\n\n  para2\n- ```\n  code\n  ```")
	f.Add("    indented code\n\n```go info\nfenced\n```\n\n<div>\nhtml block\n</div>\n\n<!-- comment -->\n\nInline <b>html</b> and `code` and ![alt text](https://img.test/a.png \"T\") and <https://auto.test> <me@x.test> <ftp://no.test>")
	f.Add("| a | b |\n|---|:-:|\n| 1 | *2* | extra3 | extra4 |\n| only |\n\n> | q | r |\n> |---|---|\n> | s | t | u9 |")
	f.Add("***\n\n---\n\n___\n\n[ref]: https://ref.test \"R\"\n\n[use][ref] &amp; &copy; &#65;")
	f.Add("0) 0\n  ```0")
	f.Add("> > ```label\n> > code\n- > ~~~x\n  > y")
	f.Add("![](0 \"0\")0")
	f.Add("")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			t.Skip()
		}
		blocks, problems := Parse(src, Origin{Section: "background"})
		lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
		var out strings.Builder
		text := func(tx Text) {
			out.WriteString(tx.Plain())
			for _, s := range tx {
				out.WriteString(" " + s.Note + " " + s.Link + " ")
				for _, n := range s.NoteText {
					out.WriteString(" " + n.Link + " ")
				}
			}
			out.WriteString(" ")
		}
		for _, b := range blocks {
			text(b.Text)
			for _, it := range b.Items {
				text(it)
			}
			for _, row := range b.Rows {
				for _, c := range row {
					text(c)
				}
			}
			checkText(t, b.Text)
			for _, it := range b.Items {
				checkText(t, it)
			}
		}
		got := alnum(out.String())
		for _, p := range problems {
			if p.Line < 1 || p.Line > len(lines) {
				t.Fatalf("problem %q at line %d of %d", p.Message, p.Line, len(lines))
			}
			if p.Message == "" {
				t.Fatalf("problem at line %d without a message", p.Line)
			}
			for _, q := range quoted(p.Message) {
				got += alnum(q)
			}
		}
		want := alnum(src)
		for _, raw := range lines {
			want -= alnum(listNumbers(raw))
		}
		if got < want {
			t.Fatalf("text lost: %d letters and digits in the output, %d in the input\ninput: %q\nblocks: %+v\nproblems: %v", got, want, src, blocks, problems)
		}
	})
}

// checkText fails on a span the writers cannot print: a footnote reference with no text, or a
// footnote whose marked text holds a footnote reference (which Finish would never number).
func checkText(t *testing.T, tx Text) {
	t.Helper()
	for _, s := range tx {
		if s.Note != "" && strings.TrimSpace(s.Note) == "" {
			t.Fatalf("a footnote of spaces: %+v", tx)
		}
		for _, n := range s.NoteText {
			if n.Note != "" {
				t.Fatalf("a footnote inside a footnote: %+v", tx)
			}
		}
	}
}

// quoted returns the Go-quoted strings in a problem's message.
func quoted(msg string) []string {
	var out []string
	for i := 0; i < len(msg); i++ {
		if msg[i] != '"' {
			continue
		}
		q, err := strconv.QuotedPrefix(msg[i:])
		if err != nil {
			continue
		}
		s, _ := strconv.Unquote(q)
		out = append(out, s)
		i += len(q) - 1
	}
	return out
}

// listNumbers are the numbers of the numbered-list markers that start the line, after any quote
// marks and bullets ("> - 12. 3) x" gives "123").
func listNumbers(line string) string {
	var out string
	for {
		line = strings.TrimLeft(line, " \t>")
		if len(line) > 1 && strings.ContainsRune("-*+", rune(line[0])) && (line[1] == ' ' || line[1] == '\t') {
			line = line[1:]
			continue
		}
		i := 0
		for i < len(line) && i < 9 && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i == 0 || i == len(line) || line[i] != '.' && line[i] != ')' {
			return out
		}
		out += line[:i]
		line = line[i+1:]
	}
}
