// Package personal finds personal data in text: the one detector behind the evidence note guard,
// the good-practice example form and the report's publication check. It is a pure function of
// the text and of the names of the review's staff: no database, no network.
//
// Inspection prose is full of visit dates, counts, ages, times, percentages, job titles,
// organisations, places and document titles; the rules are written to leave those alone and to
// find names (with a title, with a surname, or a first name where the sentence shows it is one),
// family members and children named, addresses, postcodes, dates of birth, NHS and National
// Insurance numbers, phone numbers and email addresses.
package personal

//go:generate go run ./gen

import (
	"fmt"
	"sort"
	"strings"
)

// Kinds of personal data, in Hit.Kind.
const (
	KindEmail       = "email"
	KindPhone       = "phone"
	KindNHSNumber   = "nhs_number"
	KindNINumber    = "ni_number"
	KindPostcode    = "postcode"
	KindDateOfBirth = "date_of_birth"
	KindAddress     = "address"
	KindStaff       = "staff_name"
	KindChild       = "child_name"
	KindFamily      = "family_member"
	KindName        = "name"
)

// Hit is one stretch of text that looks like personal data. Start and End are byte offsets into
// the text: text[Start:End] == Text.
type Hit struct {
	Kind    string
	Text    string
	Start   int
	End     int
	Message string
}

// kindOrder is the order of specificity: when two candidates overlap, the kind earlier in this
// list wins.
var kindOrder = []string{
	KindEmail,
	KindNHSNumber,
	KindNINumber,
	KindDateOfBirth,
	KindPhone,
	KindPostcode,
	KindAddress,
	KindStaff,
	KindChild,
	KindFamily,
	KindName,
}

func rank(kind string) int {
	for i, k := range kindOrder {
		if k == kind {
			return i
		}
	}
	return len(kindOrder)
}

// Detector finds personal data, knowing the names of the staff and, optionally, of places.
// Build one with New to read many texts against the same lists.
type Detector struct {
	staff      map[string][][]string // a staff name's first word, lower case -> the names' words
	staffFirst map[string]bool       // staff first names, lower case
	staffLast  map[string]bool       // staff surnames, lower case
	places     map[string]bool       // words of the places given to New
}

// New returns a detector for the given staff names (the review's members and contacts: found as
// staff, never as people who use the service) and place names (never taken for people's names).
// Names shorter than five characters and one-word names are not matched as staff names.
func New(staff, places []string) *Detector {
	d := &Detector{staff: map[string][][]string{}, staffFirst: map[string]bool{}, staffLast: map[string]bool{}, places: map[string]bool{}}
	for _, n := range staff {
		words := strings.Fields(strings.ToLower(n))
		if len(words) < 2 || len(strings.Join(words, " ")) < 5 {
			continue
		}
		d.staff[words[0]] = append(d.staff[words[0]], words)
		if len(words[0]) >= 3 {
			d.staffFirst[words[0]] = true
		}
		if last := words[len(words)-1]; len(last) >= 2 {
			d.staffLast[last] = true
		}
	}
	for _, p := range places {
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == ',' || r == '-' }) {
			d.places[w] = true
		}
	}
	return d
}

// Find returns the stretches of text that look like personal data, sorted by Start and never
// overlapping; staff are the names of the review's staff.
func Find(text string, staff []string) []Hit {
	return New(Mentioned(text, staff), nil).Find(text)
}

// Mentioned is the staff names one of whose words is a word of text: a staff name is only ever
// found through its words, so the others cannot match. Building a detector for a review's
// hundreds of people costs more than reading a note; for the few names a note can name it costs
// nothing.
func Mentioned(text string, staff []string) []string {
	if len(staff) == 0 {
		return nil
	}
	toks := tokenize(text)
	words := make(map[string]bool, len(toks))
	for _, t := range toks {
		words[t.low] = true
	}
	var out []string
	for _, n := range staff {
		for _, w := range strings.Fields(strings.ToLower(n)) {
			if words[w] {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// Find returns the stretches of text that look like personal data, sorted and not overlapping.
func (d *Detector) Find(text string) []Hit {
	lower := asciiLower(text)
	var cands []Hit
	cands = emails(text, cands)
	cands = nhsNumbers(text, cands)
	cands = niNumbers(text, lower, cands)
	cands = datesOfBirth(text, lower, cands)
	cands = phones(text, cands)
	cands = postcodes(text, cands)
	toks := tokenize(text)
	cands = addresses(text, toks, cands)
	cands = d.names(text, toks, cands)
	if len(cands) == 0 {
		return nil
	}
	// Most specific kind first, then leftmost, then longest; keep each candidate that overlaps
	// nothing already kept.
	sort.SliceStable(cands, func(i, j int) bool {
		ri, rj := rank(cands[i].Kind), rank(cands[j].Kind)
		if ri != rj {
			return ri < rj
		}
		if cands[i].Start != cands[j].Start {
			return cands[i].Start < cands[j].Start
		}
		return cands[i].End-cands[i].Start > cands[j].End-cands[j].Start
	})
	var kept []Hit
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

var nouns = map[string][2]string{
	KindEmail:       {"an email address", "email addresses"},
	KindPhone:       {"a phone number", "phone numbers"},
	KindNHSNumber:   {"an NHS number", "NHS numbers"},
	KindNINumber:    {"a National Insurance number", "National Insurance numbers"},
	KindPostcode:    {"a postcode", "postcodes"},
	KindDateOfBirth: {"a date of birth", "dates of birth"},
	KindAddress:     {"an address", "addresses"},
	KindStaff:       {"a member of staff's name", "names of members of staff"},
	KindChild:       {"a child's name and age", "children's names and ages"},
	KindFamily:      {"a family member's name", "family members' names"},
	KindName:        {"a person's name", "people's names"},
}

// Summary describes hits in one line, for example "2 possible items of personal data: an email
// address, a person's name". Kinds are listed in the order they first appear; repeated kinds
// are counted ("2 phone numbers"). It returns "" when there are no hits.
func Summary(hits []Hit) string {
	if len(hits) == 0 {
		return ""
	}
	counts := map[string]int{}
	var order []string
	for _, h := range hits {
		if counts[h.Kind] == 0 {
			order = append(order, h.Kind)
		}
		counts[h.Kind]++
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		n, ok := nouns[k]
		if !ok {
			n = [2]string{"a " + k, k}
		}
		if counts[k] == 1 {
			parts = append(parts, n[0])
		} else {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], n[1]))
		}
	}
	item := "items"
	if len(hits) == 1 {
		item = "item"
	}
	return fmt.Sprintf("%d possible %s of personal data: %s", len(hits), item, strings.Join(parts, ", "))
}

// IsName reports whether the kind is a person's name of some sort.
func IsName(kind string) bool {
	switch kind {
	case KindName, KindStaff, KindChild, KindFamily:
		return true
	}
	return false
}
