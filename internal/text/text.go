// Package text holds the small wording helpers that pages, messages and exports share: a count with
// its noun, an excerpt of typed text, a list in running text, a list without repeats. Each was
// copied from package to package before; where two copies behaved differently on purpose, both
// are here under names that say how they differ.
package text

import (
	"strconv"
	"strings"
)

// Plural is a count with its noun, the figure in plain digits: "1 area", "0 areas", "6 areas".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// PluralThousands is Plural with the figure's thousands grouped, as GOV.UK style writes numbers
// over 999: "1,250 respondents". The questionnaire pages use it, whose counts run into thousands.
func PluralThousands(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// Thousands writes n with a comma between groups of three digits: "1,250,000", "-4,000".
func Thousands[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	digits := s
	if n < 0 {
		digits = s[1:]
	}
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, d := range []byte(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(d)
	}
	return b.String()
}

// oneLine is s with every run of white space (line breaks too) made one space, and none at
// either end.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Excerpt is s on one line, cut to at most n characters (runes) with "…" added when it was cut;
// a space left before the cut is dropped. For a summary in a table or a list, where the length
// matters more than where the cut falls.
func Excerpt(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:max(n, 0)])) + "…"
}

// ExcerptAtWord is s on one line, cut to at most n characters (runes) and then back to the end of
// the last whole word when that keeps more than half of the cut (counted in bytes), with "…"
// added when it was cut. For link texts, which read badly when a word is broken.
func ExcerptAtWord(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	cut := string(r[:max(n, 0)])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// Around is the text within radius characters (runes) either side of byte offset at, on one line,
// with "…" where it was cut: the context of a match in a long text. An offset beyond the text is
// taken as its end.
func Around(s string, at, radius int) string {
	r := []rune(s)
	pos := len([]rune(s[:min(max(at, 0), len(s))]))
	from, to := max(0, pos-radius), min(len(r), pos+radius)
	out := oneLine(string(r[from:to]))
	if from > 0 {
		out = "…" + out
	}
	if to < len(r) {
		out += "…"
	}
	return out
}

// JoinAnd joins words as a sentence lists them: "", "a", "a and b", "a, b and c".
func JoinAnd(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Dedupe is s without repeats, each value where it first came, compared exactly. Nil stays nil.
func Dedupe[T comparable](s []T) []T {
	seen := make(map[T]bool, len(s))
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// DedupeTrimmed is a list of form values without blanks or repeats: each value trimmed of
// surrounding spaces, blank ones dropped, repeats dropped after their first. Never nil.
func DedupeTrimmed(values []string) []string {
	return dedupeBy(values, strings.TrimSpace)
}

// DedupeIDs is a list of ids typed or sent as text (UUIDs) without blanks or repeats: trimmed and
// lower-cased, as PostgreSQL writes a UUID, so that one id sent in two cases counts once; blank
// ones dropped. Never nil.
func DedupeIDs(ids []string) []string {
	return dedupeBy(ids, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
}

func dedupeBy(values []string, norm func(string) string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = norm(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
