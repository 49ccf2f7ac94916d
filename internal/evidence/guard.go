package evidence

// The personal-data guard: notes are about what happened, not who. Scan
// looks for text that resembles personal data so that the inspector can edit
// it or confirm it before the note is saved. It is a pure function: no
// database, no network. The rules are tuned to keep false positives low on
// real inspection prose, which is full of visit dates, counts, ages, times,
// percentages and policy document titles.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kinds of personal data the guard reports, in Finding.Kind.
const (
	GuardKindEmail       = "email"
	GuardKindPhone       = "phone"
	GuardKindNHSNumber   = "nhs_number"
	GuardKindPostcode    = "postcode"
	GuardKindDateOfBirth = "date_of_birth"
	GuardKindTitledName  = "titled_name"
	GuardKindUserName    = "user_name"
)

// Finding is one stretch of a note's text that looks like personal data.
// Start and End are byte offsets into the scanned text: text[Start:End] == Text.
type Finding struct {
	Kind    string
	Text    string
	Start   int
	End     int
	Message string
}

// guardKindOrder is the order of specificity: when two candidate matches
// overlap, the kind earlier in this list wins. It is also the order in which
// Summary lists kinds.
var guardKindOrder = []string{
	GuardKindEmail,
	GuardKindNHSNumber,
	GuardKindDateOfBirth,
	GuardKindPhone,
	GuardKindPostcode,
	GuardKindUserName,
	GuardKindTitledName,
}

func guardRank(kind string) int {
	for i, k := range guardKindOrder {
		if k == kind {
			return i
		}
	}
	return len(guardKindOrder)
}

var (
	guardEmailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

	guardNHSRe = regexp.MustCompile(`^(?:\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4}|\d{10})\b`)

	// Outward code (A9, A99, A9A, AA9, AA99, AA9A), optional single space,
	// inward code (9AA).
	guardPostcodeRe = regexp.MustCompile(`(?i)^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b`)

	guardDOBTriggerRe = regexp.MustCompile(`(?i)\bborn\b|\bdate of birth\b|\bbirth ?date\b|\bbirthday\b|\bd\.o\.b\b\.?|\bdob\b`)

	guardMonths = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`
	// The date must start right at the beginning of the searched window.
	guardDateRe = regexp.MustCompile(`(?i)^(?:` +
		`\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})` +
		`|\d{1,2}(?:st|nd|rd|th)?(?: of)? ` + guardMonths + `\.?,? \d{4}` +
		`|` + guardMonths + `\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}` +
		`)\b`)

	guardTitledRe = regexp.MustCompile(`^(Mrs|Mr|Ms|Miss|Mx|Dr|Prof)(\.?)[ \t]+(\p{Lu}[\p{L}'’\-]*)(?:[ \t]+(\p{Lu}[\p{L}'’\-]*))?`)
)

// guardNotNames are capitalised words that commonly start a sentence; after a
// title they mean the title ended the previous sentence ("…the Dr. The
// clinic…"), not that a name follows.
var guardNotNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`A An And As At After All Also Although Because Before But By
		During Each Every For From Further He Her Here His However I If In It Its
		Many Most No Not Now Of On One Or Our Over Parents Families Staff She So
		Some Such That The Their Them Then There These They This Those Though To
		Two Three Under Was We Were What When Where Which While Who With Yes You`) {
		guardNotNames[w] = true
	}
}

// Scan returns the stretches of text that look like personal data, sorted by
// Start and never overlapping. names are the names of the system's users;
// each is matched as whole words, case-insensitively, and names shorter than
// five characters are ignored.
func Scan(text string, names []string) []Finding {
	var cands []Finding
	lower := guardASCIILower(text)
	cands = guardEmails(text, cands)
	cands = guardNHSNumbers(text, cands)
	cands = guardDatesOfBirth(text, lower, cands)
	cands = guardPhones(text, cands)
	cands = guardPostcodes(text, cands)
	cands = guardUserNames(text, lower, names, cands)
	cands = guardTitledNames(text, cands)
	if len(cands) == 0 {
		return nil
	}

	// Most specific kind first, then leftmost, then longest; keep each
	// candidate that overlaps nothing already kept.
	sort.SliceStable(cands, func(i, j int) bool {
		ri, rj := guardRank(cands[i].Kind), guardRank(cands[j].Kind)
		if ri != rj {
			return ri < rj
		}
		if cands[i].Start != cands[j].Start {
			return cands[i].Start < cands[j].Start
		}
		return cands[i].End-cands[i].Start > cands[j].End-cands[j].Start
	})
	var kept []Finding
	for _, c := range cands {
		overlaps := false
		for _, k := range kept {
			if c.Start < k.End && k.Start < c.End {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, c)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	return kept
}

// guardFindAll runs re, which must begin with "^", at each position of text
// that starts a word and passes start, and returns the submatch indexes of
// the non-overlapping matches as offsets into text. It is much faster than
// an unanchored regexp beginning with \b on long notes.
func guardFindAll(re *regexp.Regexp, text string, start func(string, int) bool) [][]int {
	var out [][]int
	for i := 0; i < len(text); i++ {
		if !start(text, i) || (i > 0 && guardIsWordByte(text[i-1])) {
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

func guardIsWordByte(b byte) bool {
	return b == '_' || guardIsDigit(b) || (b|0x20 >= 'a' && b|0x20 <= 'z')
}

func guardStartDigit(text string, i int) bool { return guardIsDigit(text[i]) }

func guardIsLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// guardStartLetter: a postcode starts with one or two letters then a digit.
func guardStartLetter(text string, i int) bool {
	if !guardIsLetter(text[i]) || i+1 >= len(text) {
		return false
	}
	if guardIsDigit(text[i+1]) {
		return true
	}
	return guardIsLetter(text[i+1]) && i+2 < len(text) && guardIsDigit(text[i+2])
}

// guardStartTitle: Mr, Mrs, Ms, Miss, Mx, Dr, Prof.
func guardStartTitle(text string, i int) bool {
	if i+1 >= len(text) {
		return false
	}
	switch text[i] {
	case 'M':
		return strings.IndexByte("rsix", text[i+1]) >= 0
	case 'D', 'P':
		return text[i+1] == 'r'
	}
	return false
}

func guardFinding(text, kind string, start, end int, msg string) Finding {
	return Finding{Kind: kind, Text: text[start:end], Start: start, End: end, Message: msg}
}

func guardEmails(text string, out []Finding) []Finding {
	if !strings.Contains(text, "@") {
		return out
	}
	for _, m := range guardEmailRe.FindAllStringIndex(text, -1) {
		out = append(out, guardFinding(text, GuardKindEmail, m[0], m[1], "This looks like an email address"))
	}
	return out
}

func guardNHSNumbers(text string, out []Finding) []Finding {
	for _, m := range guardFindAll(guardNHSRe, text, guardStartDigit) {
		// Not part of a longer run of digit groups ("0191 498 0000 123").
		if guardDigitGroupAround(text, m[0], m[1]) {
			continue
		}
		if guardValidNHS(text[m[0]:m[1]]) {
			out = append(out, guardFinding(text, GuardKindNHSNumber, m[0], m[1], "This looks like an NHS number"))
		}
	}
	return out
}

// guardDigitGroupAround reports whether text[start:end] is glued to further
// digits by a single separator on either side, or preceded by "+".
func guardDigitGroupAround(text string, start, end int) bool {
	if start >= 1 && text[start-1] == '+' {
		return true
	}
	if start >= 2 && (text[start-1] == ' ' || text[start-1] == '-') && guardIsDigit(text[start-2]) {
		return true
	}
	if end+1 < len(text) && (text[end] == ' ' || text[end] == '-') && guardIsDigit(text[end+1]) {
		return true
	}
	return false
}

// guardValidNHS applies the NHS number modulus 11 check digit.
func guardValidNHS(s string) bool {
	var d []int
	for i := 0; i < len(s); i++ {
		if guardIsDigit(s[i]) {
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

func guardIsDigit(b byte) bool { return b >= '0' && b <= '9' }

func guardIsAlnumBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func guardIsAlnumAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func guardPhones(text string, out []Finding) []Finding {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '0' && c != '+' && c != '(' {
			continue
		}
		if guardIsAlnumBefore(text, i) {
			continue
		}
		if i > 0 && (text[i-1] == '+' || text[i-1] == '.' || text[i-1] == '/' || text[i-1] == '-') {
			continue
		}
		if end, ok := guardPhoneAt(text, i); ok {
			out = append(out, guardFinding(text, GuardKindPhone, i, end, "This looks like a phone number"))
			i = end - 1
		}
	}
	return out
}

// guardPhoneAt tries to read a UK phone number starting at text[i]: "+44"
// forms, "(0191) 4980000" forms, or a plain number starting 0, written as
// groups of at least two digits split by single spaces or hyphens. It returns
// the end of the longest reading with 10 or 11 digits (counting the 0 implied
// by +44) whose second digit is 1, 2, 3, 7 or 8.
func guardPhoneAt(text string, i int) (int, bool) {
	j := i
	digits := []byte{}
	skipSep := func() {
		if j < len(text) && (text[j] == ' ' || text[j] == '-') {
			j++
		}
	}
	readGroup := func() int {
		k := j
		for j < len(text) && guardIsDigit(text[j]) {
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
		if j >= len(text) || !guardIsDigit(text[j]) || text[j] == '0' {
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
		if j >= len(text) || !guardIsDigit(text[j]) {
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
		if len(digits) >= 10 && !guardIsAlnumAt(text, j) {
			best = j
		}
		// Another group?
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-') && guardIsDigit(text[j+1]) {
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
	if best+1 < len(text) && (text[best] == '.' || text[best] == ':' || text[best] == '/') && guardIsDigit(text[best+1]) {
		return 0, false
	}
	return best, true
}

func guardPostcodes(text string, out []Finding) []Finding {
	for _, m := range guardFindAll(guardPostcodeRe, text, guardStartLetter) {
		inward := text[m[4]:m[5]]
		// "Q3 4th", "Year 2 1st": an ordinal, not an inward code.
		if guardIsOrdinal(inward) {
			continue
		}
		out = append(out, guardFinding(text, GuardKindPostcode, m[0], m[1], "This looks like a postcode"))
	}
	return out
}

func guardIsOrdinal(s string) bool {
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

// guardDatesOfBirth flags a date that follows a birth keyword within a few
// words ("born on 12 March 2021", "DOB: 12/03/2021"). Dates elsewhere are
// visit dates and are left alone.
func guardDatesOfBirth(text, lower string, out []Finding) []Finding {
	// The trigger regexp is slow on long notes; most notes have no trigger.
	if !strings.Contains(lower, "born") && !strings.Contains(lower, "birth") &&
		!strings.Contains(lower, "dob") && !strings.Contains(lower, "d.o.b") {
		return out
	}
	for _, m := range guardDOBTriggerRe.FindAllStringIndex(text, -1) {
		pos := m[1]
		words := 0
		for step := 0; step < 5 && pos < len(text); step++ {
			// Skip punctuation and spaces between words.
			for pos < len(text) && strings.IndexByte(" \t\n\r:;,-–()", text[pos]) >= 0 {
				pos++
			}
			if pos >= len(text) {
				break
			}
			if loc := guardDateRe.FindStringIndex(text[pos:]); loc != nil {
				out = append(out, guardFinding(text, GuardKindDateOfBirth, pos, pos+loc[1], "This looks like a date of birth"))
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

func guardTitledNames(text string, out []Finding) []Finding {
	for _, m := range guardFindAll(guardTitledRe, text, guardStartTitle) {
		first := text[m[6]:m[7]]
		if guardNotNames[first] {
			continue
		}
		end := m[7]
		if m[8] >= 0 && !guardNotNames[text[m[8]:m[9]]] {
			end = m[9]
		}
		// Trim a possessive and trailing punctuation caught by the name
		// pattern ("Mrs Khan's team", "Mrs Khan-").
		for _, suffix := range []string{"'s", "’s"} {
			if strings.HasSuffix(text[:end], suffix) && end-len(suffix) > m[6] {
				end -= len(suffix)
				break
			}
		}
		for end > m[6] {
			r, size := utf8.DecodeLastRuneInString(text[:end])
			if !strings.ContainsRune("'’-", r) {
				break
			}
			end -= size
		}
		title := text[m[2]:m[3]]
		out = append(out, guardFinding(text, GuardKindTitledName, m[0], end,
			fmt.Sprintf("This looks like a person's name after a title (%s)", title)))
	}
	return out
}

// guardASCIILower lowers ASCII letters only, so byte offsets are unchanged.
func guardASCIILower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func guardIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func guardUserNames(text, lower string, names []string, out []Finding) []Finding {
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		if utf8.RuneCountInString(n) < 5 || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		parts := strings.Fields(n)
		// Cheap pre-check: an ASCII name's last word must appear as is.
		if last := parts[len(parts)-1]; guardIsASCII(last) && !strings.Contains(lower, guardASCIILower(last)) {
			continue
		}
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re, err := regexp.Compile(`(?i)` + strings.Join(parts, `\s+`))
		if err != nil {
			continue
		}
		pos := 0
		for pos < len(text) {
			loc := re.FindStringIndex(text[pos:])
			if loc == nil {
				break
			}
			s, e := pos+loc[0], pos+loc[1]
			if !guardIsAlnumBefore(text, s) && !guardIsAlnumAt(text, e) {
				out = append(out, guardFinding(text, GuardKindUserName, s, e, "This looks like the name of a user of the system"))
				pos = e
				continue
			}
			_, size := utf8.DecodeRuneInString(text[s:])
			pos = s + size
		}
	}
	return out
}

var guardNouns = map[string][2]string{
	GuardKindEmail:       {"an email address", "email addresses"},
	GuardKindPhone:       {"a phone number", "phone numbers"},
	GuardKindNHSNumber:   {"an NHS number", "NHS numbers"},
	GuardKindPostcode:    {"a postcode", "postcodes"},
	GuardKindDateOfBirth: {"a date of birth", "dates of birth"},
	GuardKindTitledName:  {"a name after a title", "names after a title"},
	GuardKindUserName:    {"a name of a user of the system", "names of users of the system"},
}

// Summary describes findings in one line, for example "2 possible items of
// personal data: an email address, an NHS number". Kinds are listed in the
// order they first appear; repeated kinds are counted ("2 phone numbers").
// It returns "" when there are no findings.
func Summary(findings []Finding) string {
	if len(findings) == 0 {
		return ""
	}
	counts := map[string]int{}
	var order []string
	for _, f := range findings {
		if counts[f.Kind] == 0 {
			order = append(order, f.Kind)
		}
		counts[f.Kind]++
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		nouns, ok := guardNouns[k]
		if !ok {
			nouns = [2]string{"a " + k, k}
		}
		if counts[k] == 1 {
			parts = append(parts, nouns[0])
		} else {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], nouns[1]))
		}
	}
	item := "items"
	if len(findings) == 1 {
		item = "item"
	}
	return fmt.Sprintf("%d possible %s of personal data: %s", len(findings), item, strings.Join(parts, ", "))
}
