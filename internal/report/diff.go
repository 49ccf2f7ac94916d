package report

import (
	"fmt"
	"strings"

	"thematic/internal/text"
)

// Comparing two versions: the documents are read as lines (one per heading, paragraph, list
// item, table row and footnote), matched by longest common subsequence; a changed line is then
// compared word by word so that the change itself is highlighted.

// Op is what happened to a line or a word.
type Op string

// Ops.
const (
	Same    Op = "same"
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed" // a line with words added and removed
)

// Word is a word of a changed line.
type Word struct {
	Op   Op
	Text string
}

// Line is one line of the comparison.
type Line struct {
	Op    Op
	Kind  Kind
	Text  string // for same, added and removed lines
	Words []Word // for changed lines
}

// Lines reads a document as the comparison's lines.
func Lines(d *Doc) []Line {
	var out []Line
	add := func(k Kind, t Text, prefix string) {
		s := prefix + plainWithRefs(t)
		if strings.TrimSpace(s) != "" {
			out = append(out, Line{Kind: k, Text: s})
		}
	}
	add(Heading, Text{{Text: d.Title}}, "")
	for _, b := range d.Blocks {
		switch b.Kind {
		case Bullets, Numbered:
			for i, it := range b.Items {
				p := "• "
				if b.Kind == Numbered {
					p = fmt.Sprintf("%d. ", i+1)
				}
				add(b.Kind, it, p)
			}
		case Table:
			for _, row := range b.Rows {
				cells := make([]string, len(row))
				for i, c := range row {
					cells[i] = c.Plain()
				}
				add(Table, Text{{Text: strings.Join(cells, " | ")}}, "")
			}
		default:
			add(b.Kind, b.Text, "")
		}
	}
	for _, f := range d.Footnotes {
		add(Paragraph, f.Text, fmt.Sprintf("[footnote %d] ", f.N))
	}
	return out
}

func plainWithRefs(t Text) string {
	var b strings.Builder
	for _, s := range t {
		if s.Note != "" {
			fmt.Fprintf(&b, "[footnote %d]", s.Ref)
			continue
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

// maxCells caps the work of aligning two sequences: the lines (or words) left once the common
// head and tail are set aside, one side's count times the other's. 4,000,000 is two runs of
// 2,000 differing lines, aligned in a few milliseconds with a 16 MB table.
const maxCells = 4_000_000

// TooLargeError is a comparison refused because the versions differ in too many places to be
// aligned line by line in reasonable time and memory.
type TooLargeError struct {
	From, To int // the lines of each side between the first and the last difference
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("These two versions differ in too many places to be compared here (%s lines of one against %s of the other, "+
		"between the first and the last change). Compare versions closer together, or download both and compare them in a word processor.",
		text.Thousands(e.From), text.Thousands(e.To))
}

// Compare lists the lines of a and b with what changed between them. Versions that differ in
// too many places give a *TooLargeError (the comparison is capped; see maxCells).
func Compare(a, b *Doc) ([]Line, error) {
	x, y := Lines(a), Lines(b)
	ops, ok := lcs(texts(x), texts(y))
	if !ok {
		head, tail := common(texts(x), texts(y))
		return nil, &TooLargeError{From: len(x) - head - tail, To: len(y) - head - tail}
	}
	var out []Line
	for i := 0; i < len(ops); {
		if ops[i].op == Same {
			out = append(out, Line{Op: Same, Kind: y[ops[i].j].Kind, Text: y[ops[i].j].Text})
			i++
			continue
		}
		// A run of removed lines then added ones: pair them in order where they are the same
		// kind of line and share enough words, and show those as changed lines.
		var removed, added []Line
		for ; i < len(ops) && ops[i].op == Removed; i++ {
			removed = append(removed, x[ops[i].i])
		}
		for ; i < len(ops) && ops[i].op == Added; i++ {
			added = append(added, y[ops[i].j])
		}
		k := 0
		for ; k < len(removed) && k < len(added) && removed[k].Kind == added[k].Kind && similar(removed[k].Text, added[k].Text); k++ {
			out = append(out, Line{Op: Changed, Kind: added[k].Kind, Words: words(removed[k].Text, added[k].Text)})
		}
		for _, l := range removed[k:] {
			out = append(out, Line{Op: Removed, Kind: l.Kind, Text: l.Text})
		}
		for _, l := range added[k:] {
			out = append(out, Line{Op: Added, Kind: l.Kind, Text: l.Text})
		}
	}
	return out, nil
}

// Changes counts the lines that differ.
func Changes(lines []Line) int {
	n := 0
	for _, l := range lines {
		if l.Op != Same {
			n++
		}
	}
	return n
}

func texts(ls []Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Text
	}
	return out
}

type step struct {
	op   Op
	i, j int
}

// common counts the items a and b share at their head and, after it, at their tail.
func common(a, b []string) (head, tail int) {
	n, m := len(a), len(b)
	for head < n && head < m && a[head] == b[head] {
		head++
	}
	for tail < n-head && tail < m-head && a[n-1-tail] == b[m-1-tail] {
		tail++
	}
	return head, tail
}

// lcs aligns two sequences: removals before additions at each point of difference. ok is false,
// with nothing aligned, when what differs is over maxCells.
func lcs(a, b []string) (_ []step, ok bool) {
	n, m := len(a), len(b)
	// Trim the common head and tail: most versions differ in a few places.
	head, tail := common(a, b)
	a2, b2 := a[head:n-tail], b[head:m-tail]
	p, q := len(a2), len(b2)
	if p*q > maxCells {
		return nil, false
	}
	t := make([][]int32, p+1)
	for i := range t {
		t[i] = make([]int32, q+1)
	}
	for i := p - 1; i >= 0; i-- {
		for j := q - 1; j >= 0; j-- {
			if a2[i] == b2[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var out []step
	for i := 0; i < head; i++ {
		out = append(out, step{Same, i, i})
	}
	i, j := 0, 0
	for i < p || j < q {
		switch {
		case i < p && j < q && a2[i] == b2[j]:
			out = append(out, step{Same, head + i, head + j})
			i++
			j++
		case j >= q || i < p && t[i+1][j] >= t[i][j+1]:
			out = append(out, step{Removed, head + i, -1})
			i++
		default:
			out = append(out, step{Added, -1, head + j})
			j++
		}
	}
	for k := 0; k < tail; k++ {
		out = append(out, step{Same, n - tail + k, m - tail + k})
	}
	return out, true
}

// wordSteps aligns the words of two lines; lines too long to align word by word show as the
// one removed and the other added.
func wordSteps(wa, wb []string) []step {
	if ops, ok := lcs(wa, wb); ok {
		return ops
	}
	out := make([]step, 0, len(wa)+len(wb))
	for i := range wa {
		out = append(out, step{Removed, i, -1})
	}
	for j := range wb {
		out = append(out, step{Added, -1, j})
	}
	return out
}

// similar reports whether two lines share enough words to be shown as one changed line.
func similar(a, b string) bool {
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	common := 0
	for _, s := range wordSteps(wa, wb) {
		if s.op == Same {
			common++
		}
	}
	return common*2 >= min(len(wa), len(wb))
}

// words compares two lines word by word.
func words(a, b string) []Word {
	wa, wb := strings.Fields(a), strings.Fields(b)
	var out []Word
	for _, s := range wordSteps(wa, wb) {
		switch s.op {
		case Same:
			out = append(out, Word{Same, wb[s.j]})
		case Removed:
			out = append(out, Word{Removed, wa[s.i]})
		case Added:
			out = append(out, Word{Added, wb[s.j]})
		}
	}
	return out
}
