package letter

import (
	"strings"
	"testing"

	"thematic/internal/report"
)

const (
	aa1 = "11111111-1111-1111-1111-111111111111"
	aa2 = "22222222-2222-2222-2222-222222222222"
)

func data() Data {
	return Data{ReviewTitle: "A thematic review", AreaName: "Northshire", Template: DefaultTemplate(),
		Groups: []report.Group{{ID: "g1", Title: "Leadership", Areas: []report.ActionArea{{ID: aa1, Title: "Seamless support"},
			{ID: aa2, Title: "Welcoming hubs"}}}},
		Texts: map[string]string{StrengthsKey(aa1): "Leaders in Northshire know their families well.",
			DevelopmentKey(aa1): "Waiting times for **health visits** are too long."}}
}

func plain(d report.Doc) string {
	var b strings.Builder
	d.Each(func(_ report.Origin, _ int, t report.Text) { b.WriteString(t.Plain() + "\n") })
	return b.String()
}

func TestBuildPutsTheAreasTextsUnderTheirActionArea(t *testing.T) {
	doc, problems := Build(data())
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if doc.Title != "A thematic review: letter to Northshire" {
		t.Errorf("title %q", doc.Title)
	}
	var headings []string
	for _, b := range doc.Blocks {
		if b.Kind == report.Heading {
			headings = append(headings, b.Text.Plain())
		}
	}
	want := "Leadership|Seamless support|Strengths|Areas for development"
	if got := strings.Join(headings, "|"); got != want {
		t.Errorf("headings %q, want %q (an action area with nothing written is left out)", got, want)
	}
	text := plain(doc)
	for _, s := range []string{"Dear colleagues in Northshire", "taking part in A thematic review", "know their families well",
		"health visits", "Yours sincerely", "The review's lead inspectors"} {
		if !strings.Contains(text, s) {
			t.Errorf("the letter lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "{area}") || strings.Contains(text, "{review}") {
		t.Errorf("placeholders left in the letter:\n%s", text)
	}
	if m := data().Missing(); len(m) != 1 || m[0] != "Welcoming hubs" {
		t.Errorf("missing %v", m)
	}
	// Strengths come before the areas for development, each under its own heading.
	var order []string
	for _, b := range doc.Blocks {
		if b.Origin.Kind == "authored" {
			order = append(order, b.Origin.Section)
		}
	}
	if strings.Join(order, ",") != StrengthsKey(aa1)+","+DevelopmentKey(aa1) {
		t.Errorf("authored order %v", order)
	}
}

func TestCheckAllowsTheOwnAreaAndFindsAnother(t *testing.T) {
	terms := report.Terms{Areas: []string{"Northshire", "Southshire"}, Authorities: []string{"Northshire", "Southshire", "Eastborough"}}
	own := []string{"Northshire", "Northshire County"}
	d := data()
	doc, _ := Build(d)
	if hits := Check(&doc, terms, own, nil); len(hits) != 0 {
		t.Fatalf("a letter naming its own area has hits: %+v", hits)
	}
	d.Texts[StrengthsKey(aa1)] = "Unlike Southshire, leaders in Northshire know their families. Eastborough is near."
	doc, _ = Build(d)
	hits := Check(&doc, terms, own, nil)
	var kinds []string
	for _, h := range hits {
		kinds = append(kinds, h.Kind+":"+h.Term)
		if h.Kind == report.HitArea && h.Message != msgOtherArea {
			t.Errorf("message %q", h.Message)
		}
		if h.Origin.Section != StrengthsKey(aa1) {
			t.Errorf("hit placed in %q", h.Origin.Section)
		}
	}
	if got := strings.Join(kinds, ","); got != "area:Southshire,local_authority:Eastborough" {
		t.Errorf("hits %q, want the other area and the other authority only", got)
	}
	// A hit kept with a reason no longer blocks.
	over := map[string]report.Override{hits[0].Key: {Key: hits[0].Key, Reason: "Named with their agreement"}}
	if n := report.Blocking(Check(&doc, terms, own, over)); n != 1 {
		t.Errorf("blocking %d, want 1", n)
	}
	// The same text in the overview report (no own area) names both areas.
	if n := len(report.Check(&doc, terms, nil)); n < 3 {
		t.Errorf("the report's check found %d hits, want the own area too", n)
	}
}

func TestCheckFindsPersonalData(t *testing.T) {
	d := data()
	d.Template.Signatories = "Ann Example\nLead inspector"
	people := report.Terms{Areas: []string{"Northshire"}, People: []string{"Ann Example"}}
	doc, _ := Build(d)
	if hits := Check(&doc, people, []string{"Northshire"}, nil); len(hits) != 0 {
		t.Fatalf("the signatory's name is a hit: %+v", hits)
	}
	d.Texts[StrengthsKey(aa1)] = "Ann Example met the leaders."
	doc, _ = Build(d)
	if hits := Check(&doc, people, []string{"Northshire"}, nil); len(hits) != 1 || hits[0].Kind != report.HitPerson {
		t.Fatalf("a staff name in the text: %+v", hits)
	}
	d = data()
	d.Texts[DevelopmentKey(aa1)] = "A parent gave her number, 07700 900123, to the inspector."
	doc, _ = Build(d)
	hits := Check(&doc, report.Terms{Areas: []string{"Northshire"}}, []string{"Northshire"}, nil)
	if len(hits) == 0 || hits[0].Kind != report.HitPersonalData {
		t.Fatalf("hits %+v, want the phone number", hits)
	}
}

func TestAllowedStepsNeedAnotherLeadToSignOff(t *testing.T) {
	s := State{ID: "x", Status: StatusQA, By: "lead-a"}
	var sender, other []string
	for _, st := range Allowed(s, "lead-a") {
		sender = append(sender, st.To)
	}
	for _, st := range Allowed(s, "lead-b") {
		other = append(other, st.To)
	}
	if strings.Join(sender, ",") != StatusDraft {
		t.Errorf("the sender may %v, want only to withdraw", sender)
	}
	if strings.Join(other, ",") != StatusChangesRequested+","+StatusSignedOff {
		t.Errorf("another lead may %v", other)
	}
	if !(State{Status: StatusSignedOff}).Locked() || (State{Status: StatusDraft}).Locked() {
		t.Error("only a signed-off letter is locked")
	}
}
