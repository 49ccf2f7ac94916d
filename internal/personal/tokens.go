package personal

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word or number of the text.
type token struct {
	s          string // the word, without a possessive 's
	low        string // s in lower case
	start, end int    // byte offsets of s in the text
	num        bool   // starts with a digit
	cap        bool   // starts with a capital and is not all capitals ("Sarah", not "NHS")
	lower      bool   // starts with a lower-case letter
	poss       bool   // followed by 's or ’s
	sentence   bool   // the first word of a sentence, line or list item
	gap        string // the text between the previous token and this one
}

// tokenize splits text into words and numbers. A word keeps inner apostrophes and hyphens
// ("O'Brien", "Anne-Marie", "34-year-old").
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/6)
	prevEnd := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		start := i
		j := i + size
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				j += size
				continue
			}
			if r == '\'' || r == '’' || r == '-' {
				if n, _ := utf8.DecodeRuneInString(text[j+size:]); unicode.IsLetter(n) || unicode.IsDigit(n) {
					j += size
					continue
				}
			}
			break
		}
		t := token{start: start, end: j, gap: text[prevEnd:start]}
		w := text[start:j]
		for _, suffix := range []string{"'s", "’s"} {
			if len(w) > len(suffix)+1 && strings.HasSuffix(w, suffix) {
				w, t.poss = w[:len(w)-len(suffix)], true
				t.end = start + len(w)
				break
			}
		}
		t.s = w
		t.low = strings.ToLower(w)
		first, _ := utf8.DecodeRuneInString(w)
		switch {
		case unicode.IsDigit(first):
			t.num = true
		case unicode.IsUpper(first):
			t.cap = !allCaps(w)
		default:
			t.lower = true
		}
		t.sentence = len(toks) == 0 || strings.ContainsAny(t.gap, ".!?:;\n•*")
		toks = append(toks, t)
		prevEnd = j
		i = j
	}
	return toks
}

// allCaps reports whether w has two or more letters, all of them capitals.
func allCaps(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n >= 2
}

// spaced reports whether a gap is only spaces or tabs (no line break, no punctuation).
func spaced(gap string) bool {
	if gap == "" {
		return false
	}
	for i := 0; i < len(gap); i++ {
		if gap[i] != ' ' && gap[i] != '\t' {
			return false
		}
	}
	return true
}

// blank reports whether a gap is only white space, line breaks included.
func blank(gap string) bool {
	return gap != "" && strings.TrimSpace(gap) == ""
}
