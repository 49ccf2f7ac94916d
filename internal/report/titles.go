package report

import (
	"strings"
	"unicode"
)

// Job titles in running text.
//
// A review's list writes titles as its people use them, in title case ("Early Years Inspector")
// or in sentence case ("GP adviser"). GOV.UK writes generic job titles in lower case and offices
// and names with capitals, so the methodology writes a title this way:
//
//   - a title naming the Crown ("His Majesty's Inspector") is an office and stays as written;
//   - names stay as written: the review's inspectorates and a few others (nameWords), and any
//     word with a capital after its first letter (acronyms such as GP, SEND and HMICFRS; names
//     such as McKenzie);
//   - in a title-case title every other capitalised word is lowered ("children's services
//     inspector");
//   - in a sentence-case title (one where an ordinary word after the first begins in lower case)
//     only the first word is lowered ("early years inspector"), and not even that when another
//     word is capitalised: those capitals are names, and so may the first be ("Isle of Wight
//     liaison officer" stays).
//
// The plural changes the title's head noun, the last word before "of", "for" and the like
// unless that word is a name ("heads of service", "Isle of Wight liaison officers", "His
// Majesty's Inspectors of Probation", "deputies"); staff, personnel, police and HMI do not
// change, acronyms take "s" ("GPs"). One person is "a" or "an" by the sound of the first word
// ("an HMI Probation inspector", "a SEND adviser"), "a member of" staff, and "one of His
// Majesty's Inspectors".

// nameWords are proper names that may appear in a title besides the review's inspectorates.
var nameWords = []string{"Ofsted", "Estyn", "HMI Probation", "HMI Prisons", "England", "English", "Wales", "Welsh",
	"Scotland", "Scottish", "Northern Ireland", "Ireland", "Irish", "Britain", "British"}

// smallWords are lower case in a title-case title too.
var smallWords = map[string]bool{"a": true, "an": true, "and": true, "at": true, "by": true, "for": true, "from": true,
	"in": true, "of": true, "on": true, "or": true, "the": true, "to": true, "with": true, "&": true}

// runningTitle is a member's title as running text writes it, for a member of inspectorate insp.
// The inspectorate's name is taken off the title ("HMI Probation Inspector" from HMI Probation
// is an inspector from HMI Probation), because the sentence names the inspectorate itself.
func runningTitle(title, insp string, names []string) string {
	title = strings.Join(strings.Fields(title), " ")
	if insp != "" {
		if len(title) > len(insp) && strings.EqualFold(title[:len(insp)], insp) && title[len(insp)] == ' ' {
			title = title[len(insp)+1:]
		} else if s, ok := strings.CutSuffix(title, " ("+insp+")"); ok {
			title = s
		}
		if strings.EqualFold(title, insp) {
			title = ""
		}
	}
	return lowerTitle(title, names)
}

// lowerTitle lowers a title as the rule above says; names are the review's inspectorates.
func lowerTitle(title string, names []string) string {
	if title == "" || crown(title) {
		return title
	}
	words := strings.Split(title, " ")
	named := make([]bool, len(words))
	for _, n := range append(names[:len(names):len(names)], nameWords...) {
		nw := strings.Fields(n)
		for i := 0; len(nw) > 0 && i+len(nw) <= len(words); i++ {
			match := true
			for j, w := range nw {
				if !strings.EqualFold(core(words[i+j]), w) {
					match = false
					break
				}
			}
			for j := range nw {
				named[i+j] = named[i+j] || match
			}
		}
	}
	sentence, capitals := false, false
	for i := 1; i < len(words); i++ {
		if named[i] || smallWords[strings.ToLower(words[i])] {
			continue
		}
		r := firstLetter(words[i])
		sentence = sentence || unicode.IsLower(r)
		capitals = capitals || capitalised(words[i])
	}
	for i, w := range words {
		if named[i] || sentence && (i > 0 || capitals) {
			continue
		}
		parts := strings.Split(w, "-")
		for j, p := range parts {
			if ordinaryCapital(p) && !isName(p, names) {
				parts[j] = strings.ToLower(p)
			}
		}
		words[i] = strings.Join(parts, "-")
	}
	return strings.Join(words, " ")
}

// isName says whether a part of a hyphenated word is a one-word name ("Welsh-speaking").
func isName(part string, names []string) bool {
	for _, n := range append(names[:len(names):len(names)], nameWords...) {
		if strings.EqualFold(core(part), n) {
			return true
		}
	}
	return false
}

// crown says whether a title names the Crown: an office, written as it is.
func crown(title string) bool { return strings.Contains(strings.ToLower(title), "majesty") }

// core is a word without the punctuation around it or a possessive ending.
func core(w string) string {
	w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, s := range []string{"'s", "’s"} {
		w = strings.TrimSuffix(w, s)
	}
	return w
}

func firstLetter(w string) rune {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return r
		}
	}
	return 0
}

// capitalised says whether any hyphen-separated part of w is in ordinary capitals.
func capitalised(w string) bool {
	for p := range strings.SplitSeq(w, "-") {
		if ordinaryCapital(p) {
			return true
		}
	}
	return false
}

// ordinaryCapital says whether w's first letter is a capital and its others are not: "Inspector"
// but not "GP", "McKenzie" or "adviser".
func ordinaryCapital(w string) bool {
	seen := false
	for _, r := range w {
		switch {
		case !unicode.IsLetter(r):
		case !seen:
			if !unicode.IsUpper(r) {
				return false
			}
			seen = true
		case unicode.IsUpper(r):
			return false
		}
	}
	return seen
}

// acronym says whether w is letters in capitals, two or more: "GP", "SEND", "HMICFRS".
func acronym(w string) bool {
	n := 0
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// headStops end the head of a title: the head noun is the last word before one.
var headStops = map[string]bool{"of": true, "for": true, "to": true, "in": true, "at": true, "on": true, "with": true,
	"from": true}

// unchanged are nouns whose plural is the same word ("staff", "HMI": Ofsted writes "6 HMI").
var unchanged = map[string]bool{"staff": true, "personnel": true, "police": true, "hmi": true}

// pluralTitle is a running title in the plural.
func pluralTitle(t string) string {
	words := strings.Split(t, " ")
	head := len(words) - 1
	for i := 1; i < len(words); i++ {
		// "of" after a name is part of it ("Isle of Wight liaison officer"), except in an office
		if headStops[strings.ToLower(words[i])] && (crown(t) || !unicode.IsUpper(firstLetter(words[i-1]))) ||
			strings.HasPrefix(words[i], "(") {
			head = i - 1
			break
		}
	}
	words[head] = pluralWord(words[head])
	return strings.Join(words, " ")
}

func pluralWord(w string) string {
	lw := strings.ToLower(w)
	has := func(s string) bool { return strings.HasSuffix(lw, s) }
	switch {
	case w == "" || unchanged[lw]:
		return w
	case acronym(w):
		return w + "s"
	case has("person"):
		return w[:len(w)-4] + "ople" // person, people
	case has("man") && lw != "human" && lw != "german" && lw != "roman":
		return w[:len(w)-2] + "en" // chairman, woman
	case has("ss") || has("x") || has("z") || has("ch") || has("sh"):
		return w + "es"
	case has("s"):
		return w // already plural, or a collective noun
	case has("y") && len(lw) > 1 && !strings.ContainsRune("aeiou", rune(lw[len(lw)-2])):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

// wordAcronyms are acronyms said as words, so that their article follows the sound: "a SEND
// adviser", not "an".
var wordAcronyms = map[string]bool{"SEND": true, "SENCO": true, "SENDCO": true, "CAMHS": true, "NICE": true, "NATO": true,
	"UNICEF": true, "HEFCE": true}

// article is "a" or "an" for a phrase, by the sound of its first word: "an HMI Probation
// inspector", "an adult social care inspector", "a GP adviser", "a SEND adviser", "a user
// researcher".
func article(phrase string) string {
	w, _, _ := strings.Cut(phrase, " ")
	w = strings.TrimLeftFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if w == "" {
		return "a"
	}
	if first, _, _ := strings.Cut(w, "-"); acronym(core(first)) && !wordAcronyms[core(first)] {
		// said letter by letter: "an" before the letters whose names begin with a vowel sound
		if strings.ContainsRune("AEFHILMNORSX", firstLetter(first)) {
			return "an"
		}
		return "a"
	}
	lw := strings.ToLower(w)
	for _, p := range []string{"hour", "honest", "honor", "honour", "heir"} {
		if strings.HasPrefix(lw, p) {
			return "an"
		}
	}
	for _, p := range []string{"uni", "use", "usu", "ute", "uti", "uro", "eu", "one", "once"} {
		if strings.HasPrefix(lw, p) {
			return "a"
		}
	}
	if strings.ContainsRune("aeiou", firstLetter(lw)) {
		return "an"
	}
	return "a"
}

// oneOf is one person with a running title: "a GP adviser", "an inspector", "a member of
// social care staff", and for a Crown office "one of His Majesty's Inspectors", as inspectorates
// write it.
func oneOf(title string) string {
	if strings.HasPrefix(title, "His Majesty's ") || strings.HasPrefix(title, "Her Majesty's ") ||
		strings.HasPrefix(title, "His Majesty’s ") || strings.HasPrefix(title, "Her Majesty’s ") {
		return "one of " + pluralTitle(title)
	}
	if w := title[strings.LastIndex(title, " ")+1:]; w == "staff" || w == "personnel" {
		return "a member of " + title // not "a social care staff"
	}
	return article(title) + " " + title
}
