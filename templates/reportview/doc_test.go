package reportview

import (
	"context"
	"strings"
	"testing"

	rpt "thematic/internal/report"
)

// TestDocBodyFootnoteOnHeading: in the app's view of the report, an action area cited without a
// quote has its footnote reference in its heading, and the footnote in order with the others.
func TestDocBodyFootnoteOnHeading(t *testing.T) {
	doc, problems := rpt.Build(rpt.Data{
		Title: "Cited report",
		Texts: map[string]string{rpt.TextBackground: "Background.^[Background source]", "area:b": "Prose of B.^[Prose source]"},
		Groups: []rpt.Group{{ID: "g", Title: "The group", Areas: []rpt.ActionArea{
			{ID: "a", Title: "Area A", Quote: "‘Quote A.’", Citation: "Source A"},
			{ID: "b", Title: "Area B", Citation: "Source B"},
			{ID: "c", Title: "Area C", Quote: "‘Quote C.’", Citation: "Source C"},
		}}},
	})
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	var b strings.Builder
	if err := docBody(DocView{Base: Base{ReviewID: "r1", ReviewTitle: "Review"}, Doc: &doc}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	heading := `<h3 class="govuk-heading-m" id="area-b">Area B<sup id="footnote-ref-3"><a class="govuk-link" href="#footnote-3">[footnote 3]</a></sup></h3>`
	if !strings.Contains(s, heading) {
		t.Errorf("no %s in\n%s", heading, s)
	}
	last := -1
	for i, note := range []string{"Background source", "Source A", "Source B", "Prose source", "Source C"} {
		// The footnote's text, a space, and the link back.
		li := `<li id="footnote-` + itoa(i+1) + `">` + note + ` <a class="govuk-link" href="#footnote-ref-` + itoa(i+1) + `">`
		at := strings.Index(s, li)
		if at <= last {
			t.Errorf("footnote %d (%s) missing or out of order", i+1, note)
		}
		last = at
	}
}
