package report

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// WriteGovspeak writes the document as Govspeak, GOV.UK's Markdown, ready to paste into the body
// of a Whitehall publication: the title, type and dates are fields of their own there, so the
// body starts at the first "##" heading. Headings are "##" (part), "###" (section) and "####",
// quotes are Markdown ">" blockquotes, lists "* " and "1. ", tables Markdown tables, and each
// footnote reference is "[^n]" with its definition "[^n]: text" at the end, which Govspeak prints
// as "[footnote n]" with a numbered list of footnotes.
func WriteGovspeak(w io.Writer, d *Doc) error {
	if err := checkFinished(d); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 32*1024)
	levels := headingLevels(d)
	first := true
	for i, b := range d.Blocks {
		if !first {
			bw.WriteString("\n")
		}
		first = false
		switch b.Kind {
		case Heading:
			bw.WriteString(strings.Repeat("#", levels[i]) + " ")
			bw.WriteString(govspeakLine(b.Text))
			bw.WriteString("\n")
		case Quote:
			bw.WriteString("> ")
			bw.WriteString(govspeakLine(b.Text))
			bw.WriteString("\n")
		case Bullets:
			for _, it := range b.Items {
				bw.WriteString("* ")
				bw.WriteString(govspeakLine(it))
				bw.WriteString("\n")
			}
		case Numbered:
			for n, it := range b.Items {
				bw.WriteString(strconv.Itoa(n+1) + ". ")
				bw.WriteString(govspeakLine(it))
				bw.WriteString("\n")
			}
		case Table:
			for ri, row := range b.Rows {
				bw.WriteString("|")
				for _, c := range row {
					bw.WriteString(" ")
					bw.WriteString(govspeakText(c))
					bw.WriteString(" |")
				}
				bw.WriteString("\n")
				if ri == 0 {
					bw.WriteString("|")
					for range row {
						bw.WriteString(" --- |")
					}
					bw.WriteString("\n")
				}
			}
		default:
			bw.WriteString(govspeakLine(b.Text))
			bw.WriteString("\n")
		}
	}
	if len(d.Footnotes) > 0 {
		bw.WriteString("\n")
		for _, f := range d.Footnotes {
			bw.WriteString("[^" + strconv.Itoa(f.N) + "]: ")
			bw.WriteString(govspeakText(f.Text))
			bw.WriteString("\n")
		}
	}
	return bw.Flush()
}

// govspeakLine is text that starts a line: besides the inline escaping, a first character that
// Markdown or Govspeak would read as the start of a block (a heading, list, quote, callout…) is
// escaped.
func govspeakLine(t Text) string {
	s := govspeakText(t)
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '>', '-', '+', '=', '~', ':':
		return `\` + s
	case '^':
		return "&#94;" + s[1:]
	case '%':
		return "&#37;" + s[1:]
	case '@':
		return "&#64;" + s[1:]
	}
	// "2023. A year…" would start a numbered list.
	if s[0] < '0' || s[0] > '9' {
		return s
	}
	if m := leadingNumber.FindStringIndex(s); m != nil {
		return s[:m[1]-1] + `\.` + s[m[1]:]
	}
	return s
}

var (
	leadingNumber = regexp.MustCompile(`^[0-9]+\.`)
	// Govspeak's numbered steps ("s1. ") and devolved content (":england:") are read anywhere.
	govspeakSteps    = regexp.MustCompile(`\bs([0-9]+)\.(\s)`)
	govspeakDevolved = regexp.MustCompile(`:(scotland|england|england-wales|northern-ireland|wales|london):`)
	govspeakEntity   = regexp.MustCompile(`&(#?[A-Za-z0-9]+;)`)
)

// govspeakText writes spans as inline Govspeak: strong, emphasis, links and footnote references.
func govspeakText(t Text) string {
	var b strings.Builder
	afterLink := false
	for _, s := range t {
		if afterLink && strings.HasPrefix(s.Text, "x") {
			// Govspeak reads "[text](address)x" as a link marked external.
			b.WriteString("&#120;")
			s.Text = s.Text[1:]
		}
		afterLink = false
		if s.Note != "" {
			b.WriteString("[^" + strconv.Itoa(s.Ref) + "]")
			continue
		}
		text := strings.Join(strings.Fields(s.Text), " ")
		if text == "" {
			if s.Text != "" {
				b.WriteString(" ")
			}
			continue
		}
		// Marks go inside the spaces around the words, or Markdown would not read them.
		lead := s.Text != strings.TrimLeft(s.Text, " \t\n\r")
		trail := s.Text != strings.TrimRight(s.Text, " \t\n\r")
		if lead {
			b.WriteString(" ")
		}
		mark := ""
		if s.Strong {
			mark += "**"
		}
		if s.Emph {
			mark += "*" // not "_", which kramdown does not read inside a word
		}
		b.WriteString(mark)
		if s.Link != "" && safeLink(s.Link) {
			b.WriteString("[" + govspeakEscape(text) + "](" + govspeakURL(s.Link) + ")")
			afterLink = mark == "" && !trail
		} else {
			b.WriteString(govspeakEscape(text))
		}
		b.WriteString(reverse(mark))
		if trail {
			b.WriteString(" ")
		}
	}
	// Spaces at the ends would make a code block or a line break.
	return strings.TrimSpace(b.String())
}

func reverse(s string) string {
	r := []byte(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// govspeakEscape escapes the characters that Markdown (kramdown, under Govspeak) or Govspeak's own
// extensions would read as mark-up inside a line.
func govspeakEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '{', '}', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	if strings.IndexByte(out, '&') >= 0 {
		out = govspeakEntity.ReplaceAllString(out, "&amp;$1")
	}
	if hasStep(out) {
		out = govspeakSteps.ReplaceAllString(out, `s$1\.$2`)
	}
	if strings.Count(out, ":") >= 2 {
		out = govspeakDevolved.ReplaceAllString(out, `\:$1\:`)
	}
	return out
}

// hasStep reports whether s may hold a Govspeak step marker ("s1.").
func hasStep(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == 's' && s[i+1] >= '0' && s[i+1] <= '9' {
			return true
		}
	}
	return false
}

// govspeakURL keeps a link's address from ending the link early.
func govspeakURL(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(u)
}
