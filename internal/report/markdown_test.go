package report

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseBlocks(t *testing.T) {
	src := "First paragraph\ncontinues here.\n\n## Sub-heading\n\n- one\n- two **bold**\n  more of two\n\n1. first\n2. second\n\n> ‘…a coherent joined up offer.’^[The best start for life, March 2021]\n\nLast with [a link](https://www.gov.uk) and _emphasis_ and snake_case."
	blocks, problems := Parse(src, Origin{Section: "background"})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	kinds := []string{}
	for _, b := range blocks {
		kinds = append(kinds, string(b.Kind))
	}
	if got := strings.Join(kinds, ","); got != "paragraph,heading,bullets,numbered,quote,paragraph" {
		t.Fatalf("kinds %s", got)
	}
	if blocks[0].Text.Plain() != "First paragraph continues here." {
		t.Errorf("paragraph %q", blocks[0].Text.Plain())
	}
	if blocks[1].Level != 3 || blocks[1].Text.Plain() != "Sub-heading" {
		t.Errorf("heading %+v", blocks[1])
	}
	if len(blocks[2].Items) != 2 || blocks[2].Items[1].Plain() != "two bold more of two" || !blocks[2].Items[1][1].Strong {
		b, _ := json.Marshal(blocks[2])
		t.Errorf("bullets %s", b)
	}
	q := blocks[4].Text
	if q[len(q)-1].Note != "The best start for life, March 2021" {
		t.Errorf("footnote %+v", q)
	}
	last := blocks[5].Text
	var link, emph bool
	for _, s := range last {
		link = link || s.Link == "https://www.gov.uk" && s.Text == "a link"
		emph = emph || s.Emph && s.Text == "emphasis"
	}
	if !link || !emph || !strings.Contains(last.Plain(), "snake_case") {
		t.Errorf("inline %+v", last)
	}
}

func TestParseProblemsKeepText(t *testing.T) {
	_, problems := Parse("Ok\n\nA [bad](javascript:alert(1)) link and ^[open note\n\n**unclosed", Origin{})
	want := []string{"Line 3: the link", "Line 3: a footnote ^[ is not closed", "Line 5: ** for strong"}
	if len(problems) != len(want) {
		t.Fatalf("problems %v", problems)
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i].String(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], w)
		}
	}
	blocks, _ := Parse(`Price \*not emphasis\* and \^[not a note]`, Origin{})
	if got := blocks[0].Text.Plain(); got != "Price *not emphasis* and ^[not a note]" {
		t.Errorf("escapes: %q", got)
	}
}

func TestFinishNumbersFootnotesInOrderOfUse(t *testing.T) {
	d := Doc{Blocks: []Block{
		{Kind: Paragraph, Text: Text{{Text: "a"}, {Note: "first"}}},
		{Kind: Heading, Level: 2, Text: Text{{Text: "Part"}}},
		{Kind: Bullets, Items: []Text{{{Text: "b"}, {Note: "second"}}}},
		{Kind: Quote, Text: Text{{Text: "c"}, {Note: "first"}}},
	}}
	d.Finish()
	if len(d.Footnotes) != 3 || d.Blocks[0].Text[1].Ref != 1 || d.Blocks[2].Items[0][1].Ref != 2 || d.Blocks[3].Text[1].Ref != 3 {
		t.Fatalf("footnotes %+v", d.Footnotes)
	}
	if len(d.Contents) != 1 {
		t.Errorf("contents %+v", d.Contents)
	}
}
