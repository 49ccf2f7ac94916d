package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The lead writes the report's own words (background, summary, introduction, linking prose) in
// a small Markdown subset, shown on the authoring page:
//
//	Paragraphs are separated by a blank line.
//	## A sub-heading          ### A smaller one
//	- a bulleted item         1. a numbered item
//	> a quotation
//	**strong**  _emphasis_  [link text](https://…)  ^[footnote text]
//
// A backslash keeps the next character as it is.

// MaxAuthored is the longest authored text.
const MaxAuthored = 50000

// Problem is something in authored text the report cannot use.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("Line %d: %s", p.Line, p.Message) }

// Parse turns authored text into blocks of the given origin, with any problems found. Problems
// never lose text: what cannot be read as mark-up is kept as written.
func Parse(src string, origin Origin) ([]Block, []Problem) {
	var blocks []Block
	var problems []Problem
	if utf8.RuneCountInString(src) > MaxAuthored {
		problems = append(problems, Problem{1, fmt.Sprintf("the text is longer than %d characters", MaxAuthored)})
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	paraLine := 0
	var list *Block
	flush := func() {
		if len(para) > 0 {
			t, ps := inline(strings.Join(para, " "), paraLine)
			problems = append(problems, ps...)
			blocks = append(blocks, Block{Kind: Paragraph, Text: t, Origin: origin})
			para = nil
		}
		if list != nil {
			blocks = append(blocks, *list)
			list = nil
		}
	}
	var quote []string
	quoteLine := 0
	flushQuote := func() {
		if len(quote) > 0 {
			t, ps := inline(strings.Join(quote, " "), quoteLine)
			problems = append(problems, ps...)
			blocks = append(blocks, Block{Kind: Quote, Text: t, Origin: origin})
			quote = nil
		}
	}
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimSpace(raw)
		if !strings.HasPrefix(line, ">") {
			flushQuote()
		}
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "#"):
			flush()
			level := len(line) - len(strings.TrimLeft(line, "#"))
			text := strings.TrimSpace(line[level:])
			if text == "" {
				problems = append(problems, Problem{n, "a heading needs words after the # marks"})
				continue
			}
			t, ps := inline(text, n)
			problems = append(problems, ps...)
			lv := 3
			if level >= 3 {
				lv = 4
			}
			blocks = append(blocks, Block{Kind: Heading, Level: lv, Text: t, Origin: origin})
		case strings.HasPrefix(line, ">"):
			flush()
			if len(quote) == 0 {
				quoteLine = n
			}
			quote = append(quote, strings.TrimSpace(strings.TrimPrefix(line, ">")))
		case listItem(line) != "":
			kind, text := listKind(line)
			if list == nil || list.Kind != kind {
				flush()
				list = &Block{Kind: kind, Origin: origin}
			}
			t, ps := inline(text, n)
			problems = append(problems, ps...)
			list.Items = append(list.Items, t)
		default:
			if list != nil && strings.HasPrefix(raw, "  ") && len(list.Items) > 0 {
				// An indented line continues the list item above it.
				t, ps := inline(line, n)
				problems = append(problems, ps...)
				last := &list.Items[len(list.Items)-1]
				*last = append(*last, Span{Text: " "})
				*last = append(*last, t...)
				continue
			}
			if list != nil {
				flush()
			}
			if len(para) == 0 {
				paraLine = n
			}
			para = append(para, line)
		}
	}
	flushQuote()
	flush()
	return blocks, problems
}

// listItem returns the text of a list item line, or "".
func listItem(line string) string { _, t := listKind(line); return t }

func listKind(line string) (Kind, string) {
	if len(line) > 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ' {
		return Bullets, strings.TrimSpace(line[2:])
	}
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' ' {
		return Numbered, strings.TrimSpace(line[i+2:])
	}
	return "", ""
}

// inline reads the inline mark-up of one paragraph.
func inline(s string, line int) (Text, []Problem) {
	var out Text
	var problems []Problem
	var cur strings.Builder
	strong, emph := false, false
	emit := func() {
		if cur.Len() > 0 {
			out = append(out, Span{Text: cur.String(), Strong: strong, Emph: emph})
			cur.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			_, size := utf8.DecodeRuneInString(s[i+1:])
			cur.WriteString(s[i+1 : i+1+size])
			i += 1 + size
		case strings.HasPrefix(s[i:], "**"):
			emit()
			strong = !strong
			i += 2
		case c == '_' && emphEdge(s, i, emph):
			emit()
			emph = !emph
			i++
		case strings.HasPrefix(s[i:], "^["):
			end := closing(s, i+1)
			if end < 0 {
				problems = append(problems, Problem{line, "a footnote ^[ is not closed with ]"})
				cur.WriteString(s[i:])
				i = len(s)
				continue
			}
			note := strings.TrimSpace(s[i+2 : end])
			if note == "" {
				problems = append(problems, Problem{line, "a footnote ^[] has no text"})
			} else {
				emit()
				out = append(out, Span{Note: note})
			}
			i = end + 1
		case c == '[':
			end := closing(s, i)
			if end < 0 || end+1 >= len(s) || s[end+1] != '(' {
				cur.WriteByte(c)
				i++
				continue
			}
			close := strings.IndexByte(s[end+1:], ')')
			if close < 0 {
				cur.WriteByte(c)
				i++
				continue
			}
			label, href := s[i+1:end], strings.TrimSpace(s[end+2:end+1+close])
			if !safeLink(href) {
				problems = append(problems, Problem{line, fmt.Sprintf("the link %q must start with https:// or mailto:", href)})
				cur.WriteString(label)
			} else {
				emit()
				out = append(out, Span{Text: label, Link: href, Strong: strong, Emph: emph})
			}
			i = end + 2 + close
		default:
			cur.WriteByte(c)
			i++
		}
	}
	emit()
	if strong {
		problems = append(problems, Problem{line, "** for strong text is opened but not closed"})
	}
	if emph {
		problems = append(problems, Problem{line, "_ for emphasis is opened but not closed"})
	}
	return out, problems
}

// emphEdge reports whether an underscore at i opens or closes emphasis, rather than sitting
// inside a word (snake_case, URLs).
func emphEdge(s string, i int, open bool) bool {
	word := func(j int) bool {
		if j < 0 || j >= len(s) {
			return false
		}
		c := s[j]
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if open {
		return !word(i + 1)
	}
	return !word(i-1) && i+1 < len(s) && s[i+1] != ' '
}

// closing finds the ] matching the [ at i, allowing nested brackets.
func closing(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func safeLink(href string) bool {
	return strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "mailto:")
}
