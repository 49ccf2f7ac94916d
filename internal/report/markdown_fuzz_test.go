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
// output — the Plain() text of every block and list item, the Note of footnote spans and the
// Link of link spans, plus the href of every link refused as unsafe (named in its problem) —
// are at least as many as those of the input less the digits of numbered-list markers ("12. ").
// Everything else the parser drops (#, >, -, *, _, **, brackets, backslashes, spaces) has no
// letter or digit.
func FuzzParseMarkdown(f *testing.F) {
	f.Add("First paragraph\ncontinues here.\n\n## Sub-heading\n\n- one\n- two **bold**\n  more of two\n\n1. first\n2. second\n\n> ‘…a coherent joined up offer.’^[The best start for life, March 2021]\n\nLast with [a link](https://www.gov.uk) and _emphasis_ and snake_case.")
	f.Add("#\n## \n### Three\n#### Four _x_")
	f.Add("**open\n\n_open\n\n^[unclosed\n\n^[]\n\n^[  ]")
	f.Add("[bad](javascript:alert(1)) and [ok](mailto:a@b.c) and [x] (y) and [x](unclosed")
	f.Add("a\\*\\*b\\_c\\[d\\]e\\")
	f.Add("1) one\n2) two\n- mixed\n* star\n  continued\n123. x\n1234. not a list")
	f.Add("line\r\nwindows\r\n\r\n> q1\n> q2\nafter")
	f.Add("[[nested] link](https://x.y/z_(1)) ^[note with [link](https://a.b)]")
	f.Add("\\é é\xff\xc3**\xa9")
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
			}
			out.WriteString(" ")
		}
		for _, b := range blocks {
			text(b.Text)
			for _, it := range b.Items {
				text(it)
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
			if rest, ok := strings.CutPrefix(p.Message, "the link "); ok {
				q, err := strconv.QuotedPrefix(rest)
				if err != nil {
					t.Fatalf("link problem %q does not quote the link", p.Message)
				}
				href, _ := strconv.Unquote(q)
				got += alnum(href)
			}
		}
		want := alnum(src)
		for _, raw := range lines {
			line := strings.TrimSpace(raw)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ">") {
				continue
			}
			if kind, item := listKind(line); kind == Numbered && item != "" {
				want -= alnum(line[:strings.IndexAny(line, ".)")])
			}
		}
		if got < want {
			t.Fatalf("text lost: %d letters and digits in the output, %d in the input\ninput: %q\nblocks: %+v", got, want, src, blocks)
		}
	})
}
