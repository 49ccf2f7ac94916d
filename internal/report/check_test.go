package report

import (
	"strings"
	"testing"
)

func TestCheckFindsWhatMustNotBePublished(t *testing.T) {
	d := Doc{Title: "Start for Life", Blocks: []Block{
		{Kind: Paragraph, Text: Text{{Text: "In Torbay, a GP had set up a clinic."}}, Origin: Origin{Section: "area:x", Kind: "example", ID: "e1"}},
		{Kind: Bullets, Items: []Text{{{Text: "Torbay"}}, {{Text: "Sunderland"}}}, Origin: Origin{Section: TextMethodology, Kind: "facts"}},
		{Kind: Paragraph, Text: Text{{Text: "Parents enjoy reading; reading helps. Contact jo@example.org or 01632 960 001."}}, Origin: Origin{Section: TextSummary, Kind: "authored"}},
		{Kind: Paragraph, Text: Text{{Text: "Lee Lead said so."}, {Note: "Interview in Reading, SW1A 1AA"}}, Origin: Origin{Section: TextBackground, Kind: "authored"}},
		{Kind: Paragraph, Text: Text{{Text: "The family of Baby Amelia were helped."}}, Origin: Origin{Section: "area:y", Kind: "finding", ID: "f1"}, Flag: "No supporting evidence"},
	}}
	d.Finish()
	terms := Terms{Areas: []string{"Torbay", "Sunderland"}, Authorities: []string{"Torbay", "Reading", "Bury", "Hull", "Kingston upon Hull"},
		People: []string{"Lee Lead"}, Personal: []string{"Baby Amelia"}}
	hits := Check(&d, terms, nil)
	got := []string{}
	for _, h := range hits {
		got = append(got, h.Kind+":"+h.Term)
	}
	s := strings.Join(got, ",")
	for _, w := range []string{"area:Torbay", "local_authority:Reading", "personal_data:jo@example.org", "personal_data:01632 960 001",
		"person:Lee Lead", "personal_data:SW1A 1AA", "personal_data:Baby Amelia", "unsupported_finding:"} {
		if !strings.Contains(s, w) {
			t.Errorf("missing %s in %s", w, s)
		}
	}
	// The methodology may name the areas; "reading" the verb is not the town; Sunderland is only
	// in the methodology.
	if strings.Contains(s, "Sunderland") || strings.Count(s, "local_authority:Reading") != 1 {
		t.Errorf("false hits: %s", s)
	}
	// An override keeps a hit without blocking; the key is stable across rebuilds.
	var torbay Hit
	for _, h := range hits {
		if h.Term == "Torbay" {
			torbay = h
		}
	}
	again := Check(&d, terms, map[string]Override{torbay.Key: {Reason: "Named with permission"}})
	if Blocking(again) != Blocking(hits)-1 {
		t.Fatalf("override: blocking %d then %d", Blocking(hits), Blocking(again))
	}
}

func TestCompareHighlightsChangedWords(t *testing.T) {
	a := Doc{Title: "Report", Blocks: []Block{
		{Kind: Heading, Level: 2, Text: Text{{Text: "Background"}}},
		{Kind: Paragraph, Text: Text{{Text: "Families have a positive experience of hubs."}}},
		{Kind: Paragraph, Text: Text{{Text: "This paragraph goes."}}},
	}}
	b := Doc{Title: "Report", Blocks: []Block{
		{Kind: Heading, Level: 2, Text: Text{{Text: "Background"}}},
		{Kind: Paragraph, Text: Text{{Text: "Families have a mostly positive experience of hubs."}}},
		{Kind: Paragraph, Text: Text{{Text: "A new paragraph arrives with other words entirely."}}},
	}}
	lines, err := Compare(&a, &b)
	if err != nil {
		t.Fatal(err)
	}
	ops := []string{}
	for _, l := range lines {
		ops = append(ops, string(l.Op))
	}
	if got := strings.Join(ops, ","); got != "same,same,changed,removed,added" {
		t.Fatalf("ops %s", got)
	}
	var added []string
	for _, w := range lines[2].Words {
		if w.Op == Added {
			added = append(added, w.Text)
		}
	}
	if strings.Join(added, " ") != "mostly" || Changes(lines) != 3 {
		t.Errorf("changed words %v, changes %d", added, Changes(lines))
	}
}

// The check reads every text with the personal data detector: a member of staff is named as
// staff, never as a person who uses the service, and names with a title are caught.
func TestCheckNamesPeopleAndStaff(t *testing.T) {
	d := Doc{Title: "Report", Blocks: []Block{
		{Kind: Paragraph, Text: Text{{Text: "Mr John Brown and Mrs Jane Smith said the hub helped."}}, Origin: Origin{Section: TextSummary, Kind: "authored"}},
		{Kind: Paragraph, Text: Text{{Text: "Ira Inspector met families at 14 High Street, Morpeth."}}, Origin: Origin{Section: TextBackground, Kind: "authored"}},
		{Kind: Paragraph, Text: Text{{Text: "Families in Kingston said the Start for Life offer and the Family Hub were welcoming."}}, Origin: Origin{Section: TextBackground, Kind: "authored"}},
	}}
	d.Finish()
	terms := Terms{Areas: []string{"Kingston upon Thames"}, People: []string{"Ira Inspector"}}
	got := map[string]string{}
	for _, h := range Check(&d, terms, nil) {
		got[h.Kind+":"+h.Term] = h.Message
	}
	want := map[string]string{
		"person:Mr John Brown":                  "Names a person",
		"person:Mrs Jane Smith":                 "Names a person",
		"person:Ira Inspector":                  "Names a member of staff",
		"personal_data:14 High Street, Morpeth": "This looks like a street address",
	}
	for k, m := range want {
		if got[k] != m {
			t.Errorf("%s: message %q, want %q (all: %v)", k, got[k], m, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("hits %v, want only %v", got, want)
	}
	for _, m := range got {
		if strings.Contains(m, "uses the service") {
			t.Errorf("message %q calls someone a person who uses the service", m)
		}
	}
}
