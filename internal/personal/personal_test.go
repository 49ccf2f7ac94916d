package personal

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type span struct {
	kind       string
	start, end int
}

// parseLabelled strips the {kind:text} marks from s and answers the text and the marked spans.
func parseLabelled(t *testing.T, s string) (string, []span) {
	t.Helper()
	var b strings.Builder
	var spans []span
	for {
		i := strings.Index(s, "{")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.Index(s[i:], "}")
		k := strings.Index(s[i:], ":")
		if j < 0 || k < 0 || k > j {
			t.Fatalf("bad mark in %q", s)
		}
		kind, text := s[i+1:i+k], s[i+k+1:i+j]
		if _, ok := corpusKinds[kind]; !ok {
			t.Fatalf("unknown kind %q in %q", kind, s)
		}
		spans = append(spans, span{kind: corpusKinds[kind], start: b.Len(), end: b.Len() + len(text)})
		b.WriteString(text)
		s = s[i+j+1:]
	}
	return b.String(), spans
}

var corpusKinds = map[string]string{
	"name": KindName, "staff": KindStaff, "child": KindChild, "family": KindFamily,
	"address": KindAddress, "postcode": KindPostcode, "dob": KindDateOfBirth, "nhs": KindNHSNumber,
	"ni": KindNINumber, "phone": KindPhone, "email": KindEmail,
}

// class groups kinds for the figures: names, addresses, other identifiers.
func class(kind string) string {
	switch kind {
	case KindName, KindStaff, KindChild, KindFamily:
		return "names"
	case KindAddress, KindPostcode:
		return "addresses"
	}
	return "identifiers"
}

type score struct{ hits, goodHits, want, found int }

func (s score) precision() float64 {
	if s.hits == 0 {
		return 1
	}
	return float64(s.goodHits) / float64(s.hits)
}

func (s score) recall() float64 {
	if s.want == 0 {
		return 1
	}
	return float64(s.found) / float64(s.want)
}

// TestCorpusPrecisionAndRecall measures the detector on the labelled corpus. A hit is right when
// it overlaps a marked span of the same class; a marked span is found when a hit of its class
// overlaps it.
func TestCorpusPrecisionAndRecall(t *testing.T) {
	if len(corpus) < 200 {
		t.Fatalf("the corpus has %d sentences, want at least 200", len(corpus))
	}
	scores := map[string]*score{"names": {}, "addresses": {}, "identifiers": {}, "overall": {}}
	kindsWrong, negatives := 0, 0
	for _, s := range corpus {
		text, want := parseLabelled(t, s)
		if len(want) == 0 {
			negatives++
		}
		got := Find(text, corpusStaff)
		for _, h := range got {
			ok := false
			for _, w := range want {
				if class(w.kind) == class(h.Kind) && h.Start < w.end && w.start < h.End {
					ok = true
					if w.kind != h.Kind {
						kindsWrong++
						t.Logf("kind: %q read as %s, marked %s", h.Text, h.Kind, w.kind)
					}
				}
			}
			for _, c := range []string{class(h.Kind), "overall"} {
				scores[c].hits++
				if ok {
					scores[c].goodHits++
				}
			}
			if !ok {
				t.Logf("false positive: %s %q in %q", h.Kind, h.Text, text)
			}
		}
		for _, w := range want {
			ok := false
			for _, h := range got {
				if class(w.kind) == class(h.Kind) && h.Start < w.end && w.start < h.End {
					ok = true
				}
			}
			for _, c := range []string{class(w.kind), "overall"} {
				scores[c].want++
				if ok {
					scores[c].found++
				}
			}
			if !ok {
				t.Logf("missed: %s %q in %q", w.kind, text[w.start:w.end], text)
			}
		}
	}
	line := fmt.Sprintf("personal data detector: %d sentences (%d with no personal data)", len(corpus), negatives)
	for _, c := range []string{"names", "addresses", "identifiers", "overall"} {
		s := scores[c]
		line += fmt.Sprintf("; %s precision %.3f recall %.3f (%d hits, %d marked)", c, s.precision(), s.recall(), s.hits, s.want)
	}
	line += fmt.Sprintf("; %d hits of the right class but another kind", kindsWrong)
	t.Log(line)
	fmt.Println("figure: " + line) // shown by make test's summary (cmd/testsum)
	for _, c := range []string{"names", "addresses"} {
		if s := scores[c]; s.recall() < 0.95 || s.precision() < 0.9 {
			t.Errorf("%s: precision %.3f recall %.3f, want precision ≥ 0.90 and recall ≥ 0.95", c, s.precision(), s.recall())
		}
	}
	if s := scores["identifiers"]; s.recall() < 0.95 || s.precision() < 0.9 {
		t.Errorf("identifiers: precision %.3f recall %.3f, want precision ≥ 0.90 and recall ≥ 0.95", s.precision(), s.recall())
	}
}

type want struct{ kind, text string }

func check(t *testing.T, text string, staff []string, wants []want) {
	t.Helper()
	got := Find(text, staff)
	for i, h := range got {
		if text[h.Start:h.End] != h.Text {
			t.Errorf("hit %d: text[%d:%d] = %q, Text = %q", i, h.Start, h.End, text[h.Start:h.End], h.Text)
		}
		if h.Message == "" {
			t.Errorf("hit %d (%s): empty message", i, h.Kind)
		}
		if i > 0 && got[i-1].End > h.Start {
			t.Errorf("hits %d and %d overlap or are unsorted: %+v %+v", i-1, i, got[i-1], h)
		}
	}
	if len(got) != len(wants) {
		t.Fatalf("Find(%q) = %d hits %+v, want %d %+v", text, len(got), got, len(wants), wants)
	}
	for i, w := range wants {
		if got[i].Kind != w.kind || got[i].Text != w.text {
			t.Errorf("Find(%q)[%d] = %s %q, want %s %q", text, i, got[i].Kind, got[i].Text, w.kind, w.text)
		}
	}
}

// The sentences seen getting through when the product was tried.
func TestFindsWhatGotThrough(t *testing.T) {
	staff := []string{"Ira Inspector", "Priya Shah"}
	check(t, "Sarah Jones said the health visitor had not been in touch.", staff,
		[]want{{KindName, "Sarah Jones"}})
	check(t, "Dad (Tom, 34) said baby Alfie was seen at six weeks.", staff,
		[]want{{KindFamily, "Dad (Tom, 34)"}, {KindChild, "baby Alfie"}})
	check(t, "They live at 14 High Street, Morpeth.", staff,
		[]want{{KindAddress, "14 High Street, Morpeth"}})
	check(t, "Mr John Brown and Mrs Jane Smith were at the hub.", staff,
		[]want{{KindName, "Mr John Brown"}, {KindName, "Mrs Jane Smith"}})
	check(t, "Her son Jack, aged 3, is waiting for an assessment.", staff,
		[]want{{KindChild, "son Jack, aged 3"}})
	// A member of staff is named as one, never as a person who uses the service.
	check(t, "Ira Inspector met Sarah; Priya said the session went well.", staff,
		[]want{{KindStaff, "Ira Inspector"}, {KindName, "Sarah"}, {KindStaff, "Priya"}})
	for _, h := range Find("Ira Inspector met Sarah", staff) {
		if h.Kind == KindStaff && !strings.Contains(h.Message, "member of staff") {
			t.Errorf("staff message %q does not say member of staff", h.Message)
		}
	}
}

func TestLookalikesAreNotFlagged(t *testing.T) {
	for _, s := range []string{
		"The Start for Life offer and the Family Hub open on Saturdays; Best Start grants are paid.",
		"Families in Morpeth, Northumberland, travel to Newcastle upon Tyne.",
		"The health visitor, the Director of Public Health and the family support worker met.",
		"NHS England, the Department for Education, Ofsted and the Care Quality Commission attended.",
		"In May and June the hub ran 12 sessions; 85% of 40 parents came at 10:30.",
		"A 34-year-old mother and a 2-year-old attended on 8 August 2023.",
		"Grace periods, Hope and Joy: the themes parents used. Will the hub open later?",
		"The Best Start for Life: a vision for the 1,001 critical days (March 2021).",
	} {
		if got := Find(s, []string{"Ira Inspector"}); len(got) > 0 {
			t.Errorf("Find(%q) = %+v, want nothing", s, got)
		}
	}
}

func TestKindsAndFormats(t *testing.T) {
	users := []string{"Ira Inspector", "Priya Shah", "Jo B", "Ann", "  "}
	tests := []struct {
		name string
		text string
		want []want
	}{
		{"email plain", "Contact jo.bloggs@example.org.uk for the list.", []want{{KindEmail, "jo.bloggs@example.org.uk"}}},
		{"email not handle", "Follow @familyhub on social media", nil},
		{"phone mobile", "Call 07700 900123 for help", []want{{KindPhone, "07700 900123"}}},
		{"phone plus44 zero", "Call +44 (0)191 498 0000 today", []want{{KindPhone, "+44 (0)191 498 0000"}}},
		{"phone brackets", "Ring (0191) 4980000 now", []want{{KindPhone, "(0191) 4980000"}}},
		{"phone not year", "In 2023 and 2024, 12 families", nil},
		{"phone not too long", "Ref 0191 498 0000 0000 here", nil},
		{"nhs spaced", "NHS number 943 476 5919 noted", []want{{KindNHSNumber, "943 476 5919"}}},
		{"nhs bad check digit", "NHS number 943 476 5918 noted", nil},
		{"nhs inside longer number", "ref 19434765919", nil},
		{"ni spaced", "NI AB 12 34 56 C", []want{{KindNINumber, "AB 12 34 56 C"}}},
		{"ni run", "ref JG103759A.", []want{{KindNINumber, "JG103759A"}}},
		{"ni no suffix with context", "National Insurance number JG103759", []want{{KindNINumber, "JG103759"}}},
		{"ni no suffix no context", "room JG103759", nil},
		{"ni bad prefix", "QQ 12 34 56 C and GB123456A and AO123456B", nil},
		{"postcode", "The hub at NE1 4ST opened", []want{{KindPostcode, "NE1 4ST"}}},
		{"postcode ordinal", "in Q3 4th week and Year 2 1st term", nil},
		{"dob born on", "Child born on 12/03/2021 attends", []want{{KindDateOfBirth, "12/03/2021"}}},
		{"dob visit date", "We visited on 8 August 2023 and 12/03/2021.", nil},
		{"title possessive", "Mrs Khan's team and Dr Amara Osei’s clinic", []want{{KindName, "Mrs Khan"}, {KindName, "Dr Amara Osei"}}},
		{"title sentence end", "We spoke to the Dr. The clinic was busy.", nil},
		{"title lower case after", "The Dr said the clinic was busy", nil},
		{"staff full", "Ira Inspector observed the session", []want{{KindStaff, "Ira Inspector"}}},
		{"staff case", "notes by priya shah.", []want{{KindStaff, "priya shah"}}},
		{"staff over title", "Dr Priya Shah met us", []want{{KindStaff, "Dr Priya Shah"}}},
		{"staff surname after title", "Ms Shah met us", []want{{KindStaff, "Ms Shah"}}},
		{"staff part of word", "Priya Shahid said", []want{{KindName, "Priya Shahid"}}},
		{"staff short ignored", "Jo B and Ann were there", []want{{KindName, "Jo"}, {KindName, "Ann"}}},
		{"staff newline", "Priya\nShah", []want{{KindStaff, "Priya\nShah"}}},
		{"email over staff", "write to priya.shah@example.com", []want{{KindEmail, "priya.shah@example.com"}}},
		{"month", "In May, June Smith said the hub was closed in June.", []want{{KindName, "June Smith"}}},
		{"org after name", "Alexandra Park and Florence Nightingale Hospital and St Mary's", nil},
		{"address weak type", "We saw 3 Buggy Walk sessions", nil},
		{"address town and postcode", "at 14 High Street, Morpeth NE61 1AA.", []want{{KindAddress, "14 High Street, Morpeth"}, {KindPostcode, "NE61 1AA"}}},
		{"multibyte", "café – Mrs Ńowak said “ring 07700 900123” to Żaneta Kowalska at NE1 4ST ✓",
			[]want{{KindName, "Mrs Ńowak"}, {KindPhone, "07700 900123"}, {KindPostcode, "NE1 4ST"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.text, users, tc.want)
		})
	}
}

func TestValidNHS(t *testing.T) {
	for in, want := range map[string]bool{"9434765919": true, "943 476 5919": true, "9434765918": false,
		"4010232137": true, "0123456789": true, "1234567890": false, "123456789": false} {
		if got := validNHS(in); got != want {
			t.Errorf("validNHS(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	if got := Summary(nil); got != "" {
		t.Errorf("Summary(nil) = %q", got)
	}
	got := Summary([]Hit{{Kind: KindPhone}, {Kind: KindStaff}, {Kind: KindPhone}, {Kind: KindAddress}})
	if want := "4 possible items of personal data: 2 phone numbers, a member of staff's name, an address"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got, want := Summary(Find("Email a@b.org", nil)), "1 possible item of personal data: an email address"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

// TestPlacesAreNotNames: places given to New are never read as people.
func TestPlacesAreNotNames(t *testing.T) {
	d := New(nil, []string{"Kingsley Vale"})
	if got := d.Find("Families in Kingsley said the hub was welcoming."); len(got) > 0 {
		t.Errorf("a place read as a name: %+v", got)
	}
	if got := Find("Kingsley said the hub was welcoming.", nil); len(got) != 1 {
		t.Errorf("without the place list, want the name: %+v", got)
	}
}

// TestListsMatchTheirSources: the embedded lists are what gen makes from node_modules and data/.
func TestListsMatchTheirSources(t *testing.T) {
	root := filepath.Join("..", "..")
	places, err := os.ReadFile(filepath.Join(root, PlacesPath))
	if err != nil {
		t.Fatal(err)
	}
	b, err := PlaceList(places)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != placesFile {
		t.Error("places.txt differs from what gen makes: run go generate ./internal/personal")
	}
	female, err1 := os.ReadFile(filepath.Join(root, FemaleNamesPath))
	male, err2 := os.ReadFile(filepath.Join(root, MaleNamesPath))
	if err1 != nil || err2 != nil {
		t.Skipf("the first name packages are not installed (npm ci): %v %v", err1, err2)
	}
	b, err = NameList(female, male)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != firstNamesFile {
		t.Error("firstnames.txt differs from what gen makes from node_modules: run go generate ./internal/personal")
	}
	if len(firstNames) < 8000 {
		t.Errorf("%d first names, want the whole list", len(firstNames))
	}
}

// BenchmarkFind reads a realistic note of about 2,000 words.
func BenchmarkFind(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 12500; i++ {
		s := corpus[i%len(corpus)]
		s = strings.NewReplacer("{name:", "", "{staff:", "", "{child:", "", "{family:", "", "{address:", "",
			"{postcode:", "", "{dob:", "", "{nhs:", "", "{ni:", "", "{phone:", "", "{email:", "", "}", "").Replace(s)
		sb.WriteString(s)
		sb.WriteString(" ")
	}
	text := sb.String()
	b.Logf("%d words", len(strings.Fields(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Find(text, corpusStaff)
	}
}

// Find reads a text against only the staff names it mentions (Mentioned): the hits must be those
// of a detector built with every name.
func TestFindWithMentionedStaffFindsWhatEveryNameFinds(t *testing.T) {
	staff := []string{"Priya Shah", "Anne Smith-Jones", "Tom O'Neil", "Zoë Brontë", "Li Wei", "Jo", "Mary Ann Evans",
		"Callum Reid", "Deborah Okafor", "Sam Patel"}
	for i := range 300 {
		staff = append(staff, fmt.Sprintf("Person%d Surname%d", i, i))
	}
	texts := []string{
		"Priya said the hub was easy to reach.",
		"PRIYA SHAH visited; Smith-Jones was away.",
		"We met Priya's team and Tom O'Neil's manager.",
		"Ms Okafor and Dr Reid spoke about zoë brontë's notes.",
		"Mary Ann Evans chaired; li wei took notes; Jo came late.",
		"Nobody from the staff list: Sarah Jones, 12 High Street, SW1A 1AA, 07700 900123.",
		"person7 surname7 and Surname250 were there.",
		"Sam Patel, sam, patel.",
		"",
	}
	for _, text := range texts {
		got, want := Find(text, staff), New(staff, nil).Find(text)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", text, got, want)
		}
	}
	if n := len(Mentioned("Priya's team met Tom O'Neil.", staff)); n != 2 {
		t.Errorf("Mentioned kept %d names, want 2 (Priya Shah, Tom O'Neil)", n)
	}
}
