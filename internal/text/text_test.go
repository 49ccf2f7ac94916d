package text

import (
	"reflect"
	"strings"
	"testing"
)

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 areas"}, {1, "1 area"}, {2, "2 areas"}, {-1, "-1 areas"}, {1250, "1250 areas"}} {
		if got := Plural(c.n, "area", "areas"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 respondents"}, {1, "1 respondent"}, {999, "999 respondents"}, {1250, "1,250 respondents"}} {
		if got := PluralThousands(c.n, "respondent", "respondents"); got != c.want {
			t.Errorf("PluralThousands(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 123456: "123,456",
		1234567: "1,234,567", -1: "-1", -999: "-999", -1000: "-1,000", -1234567: "-1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Thousands(int64(9876543210)); got != "9,876,543,210" {
		t.Errorf("Thousands(int64) = %q", got)
	}
}

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 10, ""},
		{"  short\n\ttext  ", 10, "short text"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven cha…"},
		{"cut after a space here", 12, "cut after a…"}, // the space before the cut is dropped
		{"ééééé ééééé", 7, "ééééé é…"},                 // runes, not bytes
		{"line one\n\nline two", 100, "line one line two"},
	} {
		if got := Excerpt(c.in, c.n); got != c.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestExcerptAtWord(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 characters
	got := ExcerptAtWord(long, 120)
	if want := strings.TrimSpace(strings.Repeat("word ", 24)) + "…"; got != want {
		t.Errorf("cut at a word: %q, want %q", got, want)
	}
	// One long word: no space in the second half, so the cut falls inside it.
	one := strings.Repeat("a", 50) + " " + strings.Repeat("b", 100)
	if got, want := ExcerptAtWord(one, 120), strings.Repeat("a", 50)+" "+strings.Repeat("b", 69)+"…"; got != want {
		t.Errorf("no space past half: %q, want %q", got, want)
	}
	if got := ExcerptAtWord("  a short\nnote ", 120); got != "a short note" {
		t.Errorf("short text: %q", got)
	}
}

func TestAround(t *testing.T) {
	s := strings.Repeat("x", 300) + " NAME here " + strings.Repeat("y", 300)
	at := strings.Index(s, "NAME")
	got := Around(s, at, 100)
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "NAME here") {
		t.Errorf("middle: %q", got)
	}
	if n := len([]rune(got)); n != 202 {
		t.Errorf("middle: %d characters, want 200 and two ellipses", n)
	}
	if got := Around("Ann  Smith\nwas there", 0, 100); got != "Ann Smith was there" {
		t.Errorf("whole text: %q", got)
	}
	if got := Around("abcdef", 99, 2); got != "…ef" {
		t.Errorf("offset past the end: %q", got)
	}
	if got := Around("éééé", 4, 1); got != "…éé…" { // byte offset 4 is the third rune
		t.Errorf("runes: %q", got)
	}
}

func TestJoinAnd(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a and b"}, {[]string{"a", "b", "c"}, "a, b and c"}} {
		if got := JoinAnd(c.in); got != c.want {
			t.Errorf("JoinAnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDedupe(t *testing.T) {
	if got := Dedupe([]string{"b", "a", "b", "", "a", "", " a"}); !reflect.DeepEqual(got, []string{"b", "a", "", " a"}) {
		t.Errorf("Dedupe: %q", got)
	}
	if got := Dedupe[string](nil); got != nil {
		t.Errorf("Dedupe(nil) = %#v, want nil", got)
	}
	if got := Dedupe([]string{}); got == nil || len(got) != 0 {
		t.Errorf("Dedupe(empty) = %#v, want empty, not nil", got)
	}
	in := []string{"x", "x"}
	_ = Dedupe(in)
	if in[1] != "x" {
		t.Error("Dedupe changed its argument")
	}
	if got := Dedupe([]int{3, 1, 3}); !reflect.DeepEqual(got, []int{3, 1}) {
		t.Errorf("Dedupe ints: %v", got)
	}

	if got := DedupeTrimmed([]string{" a ", "a", "", "  ", "A", "b"}); !reflect.DeepEqual(got, []string{"a", "A", "b"}) {
		t.Errorf("DedupeTrimmed: %q", got)
	}
	if got := DedupeTrimmed(nil); got == nil {
		t.Error("DedupeTrimmed(nil) is nil, want empty")
	}
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	if got := DedupeIDs([]string{" " + strings.ToUpper(id), id, "", "  "}); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("DedupeIDs: %q", got)
	}
	if got := DedupeIDs(nil); got == nil {
		t.Error("DedupeIDs(nil) is nil, want empty")
	}
}
