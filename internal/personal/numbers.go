package personal

// Numbers and codes: email addresses, phone numbers, NHS numbers, National Insurance numbers,
// postcodes and dates of birth. The patterns are tried only where such a thing can start (a digit,
// a letter, a "+"), which is much faster on long texts than unanchored regular expressions.

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// The domain of an email address, read from just after its "@".
	emailDomainRe = regexp.MustCompile(`^[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

	nhsRe = regexp.MustCompile(`^(?:\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4}|\d{10})\b`)

	// Outward code (A9, A99, A9A, AA9, AA99, AA9A), optional single space,
	// inward code (9AA).
	postcodeRe = regexp.MustCompile(`(?i)^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b`)

	months = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`
	// The date must start right at the beginning of the searched window.
	dateRe = regexp.MustCompile(`(?i)^(?:` +
		`\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})` +
		`|\d{1,2}(?:st|nd|rd|th)?(?: of)? ` + months + `\.?,? \d{4}` +
		`|` + months + `\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}` +
		`)\b`)
)

// findAll runs re, which must begin with "^", at each position of text
// that starts a word and passes start, and returns the submatch indexes of
// the non-overlapping matches as offsets into text. It is much faster than
// an unanchored regexp beginning with \b on long notes.
func findAll(re *regexp.Regexp, text string, start func(string, int) bool) [][]int {
	var out [][]int
	for i := 0; i < len(text); i++ {
		if (i > 0 && isWordByte(text[i-1])) || !start(text, i) {
			continue
		}
		m := re.FindStringSubmatchIndex(text[i:])
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		out = append(out, m)
		if m[1] > i {
			i = m[1] - 1
		}
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || isDigit(b) || (b|0x20 >= 'a' && b|0x20 <= 'z')
}

func startDigit(text string, i int) bool { return isDigit(text[i]) }

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// startLetter: a postcode starts with one or two letters then a digit.
func startLetter(text string, i int) bool {
	if !isLetter(text[i]) || i+1 >= len(text) {
		return false
	}
	if isDigit(text[i+1]) {
		return true
	}
	return isLetter(text[i+1]) && i+2 < len(text) && isDigit(text[i+2])
}

func newHit(text, kind string, start, end int, msg string) Hit {
	return Hit{Kind: kind, Text: text[start:end], Start: start, End: end, Message: msg}
}

func emails(text string, out []Hit) []Hit {
	if !strings.Contains(text, "@") {
		return out
	}
	// Read out from each "@": a regular expression over the whole text is slow on long reports.
	for at := strings.IndexByte(text, '@'); at >= 0; {
		start := at
		for start > 0 && isEmailLocal(text[start-1]) {
			start--
		}
		end := at + 1
		if m := emailDomainRe.FindStringIndex(text[end:]); m != nil && start < at {
			end += m[1]
			out = append(out, newHit(text, KindEmail, start, end, "This looks like an email address"))
		}
		next := strings.IndexByte(text[end:], '@')
		if next < 0 {
			break
		}
		at = end + next
	}
	return out
}

func nhsNumbers(text string, out []Hit) []Hit {
	for _, m := range findAll(nhsRe, text, startTenDigits) {
		// Not part of a longer run of digit groups ("0191 498 0000 123").
		if digitGroupAround(text, m[0], m[1]) {
			continue
		}
		if validNHS(text[m[0]:m[1]]) {
			out = append(out, newHit(text, KindNHSNumber, m[0], m[1], "This looks like an NHS number"))
		}
	}
	return out
}

// digitGroupAround reports whether text[start:end] is glued to further
// digits by a single separator on either side, or preceded by "+".
func digitGroupAround(text string, start, end int) bool {
	if start >= 1 && text[start-1] == '+' {
		return true
	}
	if start >= 2 && (text[start-1] == ' ' || text[start-1] == '-') && isDigit(text[start-2]) {
		return true
	}
	if end+1 < len(text) && (text[end] == ' ' || text[end] == '-') && isDigit(text[end+1]) {
		return true
	}
	return false
}

// validNHS applies the NHS number modulus 11 check digit.
func validNHS(s string) bool {
	var d []int
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			d = append(d, int(s[i]-'0'))
		}
	}
	if len(d) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += d[i] * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 {
		return false
	}
	return check == d[9]
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnumBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isAlnumAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func phones(text string, out []Hit) []Hit {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '0' && c != '+' && c != '(' {
			continue
		}
		if isAlnumBefore(text, i) {
			continue
		}
		if i > 0 && (text[i-1] == '+' || text[i-1] == '.' || text[i-1] == '/' || text[i-1] == '-') {
			continue
		}
		if end, ok := phoneAt(text, i); ok {
			out = append(out, newHit(text, KindPhone, i, end, "This looks like a phone number"))
			i = end - 1
		}
	}
	return out
}

// phoneAt tries to read a UK phone number starting at text[i]: "+44"
// forms, "(0191) 4980000" forms, or a plain number starting 0, written as
// groups of at least two digits split by single spaces or hyphens. It returns
// the end of the longest reading with 10 or 11 digits (counting the 0 implied
// by +44) whose second digit is 1, 2, 3, 7 or 8.
func phoneAt(text string, i int) (int, bool) {
	j := i
	digits := []byte{}
	skipSep := func() {
		if j < len(text) && (text[j] == ' ' || text[j] == '-') {
			j++
		}
	}
	readGroup := func() int {
		k := j
		for j < len(text) && isDigit(text[j]) {
			digits = append(digits, text[j])
			j++
		}
		return j - k
	}
	switch {
	case strings.HasPrefix(text[j:], "+44"):
		j += 3
		skipSep()
		if strings.HasPrefix(text[j:], "(0)") {
			j += 3
			skipSep()
		}
		digits = append(digits, '0')
		if j >= len(text) || !isDigit(text[j]) || text[j] == '0' {
			return 0, false
		}
		if readGroup() < 1 {
			return 0, false
		}
	case text[j] == '(':
		j++
		if j >= len(text) || text[j] != '0' {
			return 0, false
		}
		if readGroup() < 3 {
			return 0, false
		}
		if j >= len(text) || text[j] != ')' {
			return 0, false
		}
		j++
		skipSep()
		if j >= len(text) || !isDigit(text[j]) {
			return 0, false
		}
		if readGroup() < 2 {
			return 0, false
		}
	default:
		if readGroup() < 2 {
			return 0, false
		}
	}
	best := -1
	for {
		if len(digits) > 11 {
			// A longer run of digit groups is a reference number, not a phone.
			return 0, false
		}
		if len(digits) >= 10 && !isAlnumAt(text, j) {
			best = j
		}
		// Another group?
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-') && isDigit(text[j+1]) {
			save := j
			j++
			if readGroup() < 2 {
				j = save
				break
			}
			continue
		}
		break
	}
	if best < 0 || len(digits) < 2 {
		return 0, false
	}
	switch digits[1] {
	case '1', '2', '3', '7', '8':
	default:
		return 0, false
	}
	// A number followed by "." and more digits is a decimal, not a phone.
	if best+1 < len(text) && (text[best] == '.' || text[best] == ':' || text[best] == '/') && isDigit(text[best+1]) {
		return 0, false
	}
	return best, true
}

func postcodes(text string, out []Hit) []Hit {
	for _, m := range findAll(postcodeRe, text, startLetter) {
		inward := text[m[4]:m[5]]
		// "Q3 4th", "Year 2 1st": an ordinal, not an inward code.
		if isOrdinal(inward) {
			continue
		}
		out = append(out, newHit(text, KindPostcode, m[0], m[1], "This looks like a postcode"))
	}
	return out
}

func isOrdinal(s string) bool {
	if len(s) != 3 {
		return false
	}
	suffix := s[1:]
	switch s[0] {
	case '1':
		return suffix == "st"
	case '2':
		return suffix == "nd"
	case '3':
		return suffix == "rd"
	default:
		return suffix == "th"
	}
}

// datesOfBirth flags a date that follows a birth keyword within a few
// words ("born on 12 March 2021", "DOB: 12/03/2021"). Dates elsewhere are
// visit dates and are left alone.
func datesOfBirth(text, lower string, out []Hit) []Hit {
	// The trigger regexp is slow on long notes; most notes have no trigger.
	if !strings.Contains(lower, "born") && !strings.Contains(lower, "birth") &&
		!strings.Contains(lower, "dob") && !strings.Contains(lower, "d.o.b") {
		return out
	}
	for _, trigger := range dobTriggers(lower) {
		pos := trigger
		words := 0
		for step := 0; step < 5 && pos < len(text); step++ {
			// Skip punctuation and spaces between words.
			for pos < len(text) && strings.IndexByte(" \t\n\r:;,-–()", text[pos]) >= 0 {
				pos++
			}
			if pos >= len(text) {
				break
			}
			if loc := dateRe.FindStringIndex(text[pos:]); loc != nil {
				out = append(out, newHit(text, KindDateOfBirth, pos, pos+loc[1], "This looks like a date of birth"))
				break
			}
			// Skip one word and try again, up to four words ("born on",
			// "date of birth is given as").
			words++
			if words > 4 {
				break
			}
			start := pos
			for pos < len(text) && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' && text[pos] != '\r' {
				pos++
			}
			if pos == start {
				break
			}
			// A full stop ends the sentence: stop looking.
			if text[pos-1] == '.' && !strings.EqualFold(text[start:pos], "d.o.b.") {
				break
			}
		}
	}
	return out
}

// asciiLower lowers ASCII letters only, so byte offsets are unchanged.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// A National Insurance number: two prefix letters, six digits (in pairs or not) and a suffix A
// to D. The suffix may be left off only where the text says it is an NI number.
var niRe = regexp.MustCompile(`^([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2})(?: ?([A-Da-d]))?\b`)

func niNumbers(text, lower string, out []Hit) []Hit {
	for _, m := range findAll(niRe, text, startTwoLetters) {
		if !validNIPrefix(strings.ToUpper(text[m[2]:m[3]])) {
			continue
		}
		if m[10] < 0 && !niContext(lower, m[0]) {
			continue
		}
		out = append(out, newHit(text, KindNINumber, m[0], m[1], "This looks like a National Insurance number"))
	}
	return out
}

func startTwoLetters(text string, i int) bool {
	return i+3 < len(text) && isLetter(text[i]) && isLetter(text[i+1]) &&
		(isDigit(text[i+2]) || text[i+2] == ' ' && isDigit(text[i+3]))
}

// validNIPrefix applies HMRC's rules: neither letter D, F, I, Q, U or V; the second not O; and
// none of the prefixes never issued.
func validNIPrefix(p string) bool {
	if strings.ContainsAny(p[:1], "DFIQUV") || strings.ContainsAny(p[1:], "DFIOQUV") {
		return false
	}
	switch p {
	case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
		return false
	}
	return true
}

// niContext reports whether the 40 bytes before pos name an NI number.
func niContext(lower string, pos int) bool {
	from := max(0, pos-40)
	w := lower[from:pos]
	return strings.Contains(w, "national insurance") || strings.Contains(w, "ni number") ||
		strings.Contains(w, "ni no") || strings.Contains(w, "nino")
}

func isEmailLocal(b byte) bool {
	return isDigit(b) || isLetter(b) || strings.IndexByte("._%+-", b) >= 0
}

// dobTriggerWords say that a date of birth follows.
var dobTriggerWords = []string{"born", "date of birth", "birth date", "birthdate", "birthday", "d.o.b.", "d.o.b", "dob"}

// dobTriggers answers where each birth keyword of the lower-cased text ends, in order.
func dobTriggers(lower string) []int {
	var ends []int
	for _, w := range dobTriggerWords {
		for from := 0; ; {
			i := strings.Index(lower[from:], w)
			if i < 0 {
				break
			}
			i += from
			end := i + len(w)
			from = end
			if i > 0 && isWordByte(lower[i-1]) || end < len(lower) && isWordByte(lower[end]) && !strings.HasSuffix(w, ".") {
				continue
			}
			if !slices.Contains(ends, end) {
				ends = append(ends, end)
			}
		}
	}
	sort.Ints(ends)
	return ends
}

// startTenDigits: an NHS number has ten digits within its first twelve bytes.
func startTenDigits(text string, i int) bool {
	if !isDigit(text[i]) {
		return false
	}
	n := 0
	for k := i; k < len(text) && k < i+12; k++ {
		if isDigit(text[k]) {
			n++
		}
	}
	return n >= 10
}
