package report

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	personalData "thematic/internal/personal"

	"thematic/internal/text"
)

// The publication check reads the whole report for what must not be published: the names of
// visited areas (and of any English local authority) outside the methodology, which may list
// them; the personal data in the notes' flagged personal data; and whatever the personal data
// detector finds: names of staff and of other people, children and family members named,
// addresses, postcodes, dates of birth, NHS and National Insurance numbers, phone numbers and
// emails. Each hit blocks publication until it is fixed or kept with a reason.

// Hit kinds.
const (
	HitArea           = "area"
	HitAuthority      = "local_authority"
	HitPerson         = "person"
	HitPersonalData   = "personal_data"
	HitUnsupported    = "unsupported_finding"
	HitExampleWarning = "example"
)

// Terms are what the check looks for.
type Terms struct {
	Areas       []string // visited areas' names
	Authorities []string // every English local authority's names
	People      []string // names of the staff: the tenant's users and the review's invited people
	Personal    []string // stretches of flagged personal data in the review's notes
	// Own are names the document may use anywhere: a letter to one area names that area. They
	// are no hit as an area or a local authority, and the personal data detector still reads
	// them as places.
	Own []string
}

// Hit is one thing found.
type Hit struct {
	Key      string // stable across rebuilds: kind, term and where
	Kind     string
	Term     string
	Message  string
	Origin   Origin
	Block    int    // index in Doc.Blocks, -1 for the title and footnotes
	Context  string // the text around it
	Override *Override
}

// Blocking reports whether the hit still blocks publication.
func (h Hit) Blocking() bool { return h.Override == nil }

// Check reads the document for hits; overrides mark the hits kept on purpose.
func Check(d *Doc, t Terms, overrides map[string]Override) []Hit {
	var hits []Hit
	seen := map[string]bool{}
	add := func(h Hit) {
		if seen[h.Key] {
			return
		}
		seen[h.Key] = true
		if o, ok := overrides[h.Key]; ok {
			o := o
			h.Override = &o
		}
		hits = append(hits, h)
	}
	own := map[string]bool{}
	for _, a := range t.Own {
		own[strings.ToLower(strings.TrimSpace(a))] = true
	}
	var areas []string
	visited := map[string]bool{}
	for _, a := range names(t.Areas) {
		visited[strings.ToLower(a)] = true
		if !own[strings.ToLower(a)] {
			areas = append(areas, a)
		}
	}
	var authorities []string
	for _, a := range names(t.Authorities) {
		if !visited[strings.ToLower(a)] && !own[strings.ToLower(a)] {
			authorities = append(authorities, a)
		}
	}
	personal := names(t.Personal)
	places := append(append(append([]string{}, t.Areas...), t.Authorities...), t.Own...)
	detector := personalData.New(t.People, places)
	d.Each(func(o Origin, block int, text Text) {
		s := text.Plain() // footnote texts are read as footnotes
		if s == "" {
			return
		}
		place := o.Section + "|" + o.Kind + "|" + o.ID
		inMethodology := o.Section == TextMethodology
		for _, n := range areas {
			if i := findWord(s, n); i >= 0 && !inMethodology {
				add(newHit(HitArea, n, "Names a visited area: the report never names areas outside the methodology", o, block, s, i, place))
			}
		}
		for _, n := range authorities {
			if i := findWord(s, n); i >= 0 && !inMethodology {
				add(newHit(HitAuthority, n, "Names a local authority", o, block, s, i, place))
			}
		}
		repeated := map[string]bool{}
		for _, n := range personal {
			if i := findWord(s, n); i >= 0 {
				repeated[strings.ToLower(n)] = true
				add(newHit(HitPersonalData, n, "Repeats personal data flagged in a note", o, block, s, i, place))
			}
		}
		for _, h := range detector.Find(s) {
			if repeated[strings.ToLower(h.Text)] {
				continue // one hit for one stretch
			}
			kind, msg := HitPersonalData, h.Message
			term, at := h.Text, h.Start
			switch h.Kind {
			case personalData.KindStaff:
				// The key of a staff name is the name's, with or without a title.
				term, at = untitled(h.Text), h.End-len(untitled(h.Text))
				kind, msg = HitPerson, "Names a member of staff"
			case personalData.KindName:
				kind, msg = HitPerson, "Names a person"
			case personalData.KindChild:
				kind, msg = HitPerson, "Names a child"
			case personalData.KindFamily:
				kind, msg = HitPerson, "Names a family member"
			}
			add(newHit(kind, term, msg, o, block, s, at, place))
		}
	})
	for i, b := range d.Blocks {
		if b.Origin.Kind == "finding" && b.Flag == "No supporting evidence" {
			add(Hit{Key: key(HitUnsupported, b.Origin.ID, ""), Kind: HitUnsupported, Message: "A finding has no supporting evidence",
				Origin: b.Origin, Block: i, Context: text.Excerpt(b.Text.Plain(), 120)})
		}
	}
	// Hits from the area names come first in reading order within each kind.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Block < hits[j].Block })
	return hits
}

// Blocking counts the hits that still block publication.
func Blocking(hits []Hit) int {
	n := 0
	for _, h := range hits {
		if h.Blocking() {
			n++
		}
	}
	return n
}

func newHit(kind, term, msg string, o Origin, block int, s string, at int, place string) Hit {
	return Hit{Key: key(kind, term, place), Kind: kind, Term: term, Message: msg, Origin: o, Block: block, Context: around(s, at, len(term))}
}

func key(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(parts, "\x00"))))
	return hex.EncodeToString(sum[:16])
}

// names drops empty and very short names (a two-letter name would match everywhere) and puts
// longer names first so that "Kingston upon Hull" is found before "Hull".
func names(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range in {
		n = strings.TrimSpace(n)
		if utf8.RuneCountInString(n) < 3 || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// findWord finds name in s as whole words, ignoring case for the letters after the first (so
// "Reading" the town is found, "reading" the verb is not), and returns its byte offset or -1.
func findWord(s, name string) int {
	ls, ln := strings.ToLower(s), strings.ToLower(name)
	for from := 0; from < len(ls); {
		i := strings.Index(ls[from:], ln)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(ln)
		r, _ := utf8.DecodeRuneInString(s[i:])
		if boundary(s, i, end) && unicode.IsUpper(r) == startsUpper(name) {
			return i
		}
		from = i + 1
	}
	return -1
}

func startsUpper(s string) bool { r, _ := utf8.DecodeRuneInString(s); return unicode.IsUpper(r) }

func boundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// around is up to 60 characters either side of a match.
func around(s string, at, n int) string {
	start, end := at, at+n
	for k := 0; k < 60 && start > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	for k := 0; k < 60 && end < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	out := s[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(s) {
		out += "…"
	}
	return out
}

// untitled is a name without a title before it ("Dr Priya Shah" is "Priya Shah").
func untitled(name string) string {
	for _, t := range []string{"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame"} {
		for _, sep := range []string{". ", " "} {
			if rest, ok := strings.CutPrefix(name, t+sep); ok {
				return strings.TrimSpace(rest)
			}
		}
	}
	return name
}
