package text

import (
	"strconv"
	"strings"
	"testing"
)

// The copies these functions replaced, as they were, so that the tests show each caller sees
// the same text as before. (The copies' panics on a negative length or offset are not kept.)

func oldExcerpt(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

func oldVisitExcerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= 120 {
		return s
	}
	cut := string(r[:120])
	if i := strings.LastIndex(cut, " "); i > 60 {
		cut = cut[:i]
	}
	return cut + "…"
}

func oldSubjectExcerpt(text string, at int) string {
	r := []rune(text)
	pos := len([]rune(text[:min(at, len(text))]))
	from, to := max(0, pos-100), min(len(r), pos+100)
	s := strings.Join(strings.Fields(string(r[from:to])), " ")
	if from > 0 {
		s = "…" + s
	}
	if to < len(r) {
		s += "…"
	}
	return s
}

func oldNum(n int) string {
	s := strconv.FormatInt(int64(n), 10)
	if n < 0 {
		return "-" + oldNum(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func oldQuestionnaireJoinAnd(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func samples() []string {
	words := []string{"", " ", "a", "word", "ééé", "😀", "\n", "\t ", "longerword", "x y"}
	var out []string
	for i := range 400 {
		var b strings.Builder
		for j := 0; b.Len() < i*2; j++ {
			b.WriteString(words[(i*7+j*3+j*j)%len(words)])
			if (i+j)%3 == 0 {
				b.WriteByte(' ')
			}
		}
		out = append(out, b.String())
	}
	return out
}

func TestSameTextAsTheCopiesReplaced(t *testing.T) {
	for _, s := range samples() {
		for _, n := range []int{0, 1, 5, 60, 80, 90, 120, 200} {
			if got, want := Excerpt(s, n), oldExcerpt(s, n); got != want {
				t.Fatalf("Excerpt(%q, %d) = %q, the copies gave %q", s, n, got, want)
			}
		}
		if got, want := ExcerptAtWord(s, 120), oldVisitExcerpt(s); got != want {
			t.Fatalf("ExcerptAtWord(%q, 120) = %q, the copy gave %q", s, got, want)
		}
		for _, at := range []int{0, 1, len(s) / 2, len(s), len(s) + 5} {
			if got, want := Around(s, at, 100), oldSubjectExcerpt(s, at); got != want {
				t.Fatalf("Around(%q, %d, 100) = %q, the copy gave %q", s, at, got, want)
			}
		}
	}
	for _, n := range []int{-1234567, -1000, -999, -1, 0, 1, 2, 999, 1000, 999999, 1000000, 12345678} {
		if got, want := Thousands(n), oldNum(n); got != want {
			t.Fatalf("Thousands(%d) = %q, the copy gave %q", n, got, want)
		}
	}
	for _, l := range [][]string{{"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "", "c", "d"}} {
		if got, want := JoinAnd(l), oldQuestionnaireJoinAnd(l); got != want {
			t.Fatalf("JoinAnd(%q) = %q, the copy gave %q", l, got, want)
		}
	}
}
