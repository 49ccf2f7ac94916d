package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestGovspeak(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	var buf bytes.Buffer
	if err := WriteGovspeak(&buf, doc); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if strings.Contains(s, "Start for Life <script>") || strings.HasPrefix(s, "# ") {
		t.Error("the title is a field of its own in Whitehall, not part of the body")
	}
	var headings []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "#") {
			headings = append(headings, line)
		}
	}
	want := "## Background|## Executive summary|### What we found|#### A detail|## Introduction|## Methodology|## Ensuring families have access|" +
		"### Seamless support|### A welcoming hub|## Working together|### Leadership for change|## Recommendations"
	if got := strings.Join(headings, "|"); got != want {
		t.Errorf("headings\n got %s\nwant %s", got, want)
	}
	for _, w := range []string{
		"The programme is jointly led.[^1]\n",
		"Families have a **positive** experience of [services](https://www.gov.uk/start-for-life).[^2]\n",
		"* one \\<b\\>bold\\</b\\> claim\n* two & three\n",
		"\n1. first step\n2. second step\n",
		"Text with *emphasis* and 50% \\* a star.\n",
		"> ‘…a coherent joined up offer.’[^3]\n",
		"| Source of evidence | Pieces of evidence |\n| --- | --- |\n| Focus group with parents | 1,200 |\n",
		"1. Central government review reporting requirements.\n2. A common set",
		"\n[^1]: Department for Education\n[^2]: Ofsted, 2024\n[^3]: The best start for life, March 2021\n[^4]: The best start for life, March 2021\n",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("Govspeak lacks %q:\n%s", w, s)
		}
	}
	for _, bad := range []string{"No supporting evidence", "Torbay", "f1"} {
		if strings.Contains(s, bad) {
			t.Errorf("Govspeak contains %q", bad)
		}
	}
}

func TestGovspeakEscapes(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"# not a heading", `\# not a heading`},
		{"- not a list", `\- not a list`},
		{"2023. A year", `2023\. A year`},
		{"> not a quote", `\> not a quote`},
		{"^not an info callout^", "&#94;not an info callout^"},
		{"%not a warning%", "&#37;not a warning%"},
		{"@not advisory@", "&#64;not advisory@"},
		{"$CTA not a call to action", `\$CTA not a call to action`},
		{"a | b _c_ *d* `e` [f](g) {::g} <h>", `a \| b \_c\_ \*d\* \` + "`e\\`" + ` \[f\](g) \{::g\} \<h\>`},
		{"see s1. next and :england: only", `see s1\. next and \:england\: only`},
		{"&copy; stays text, & too", "&amp;copy; stays text, & too"},
		{"back\\slash", `back\\slash`},
		{"50% of areas", "50% of areas"},
	}
	for _, c := range cases {
		if got := govspeakLine(Text{{Text: c.in}}); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	// Marks sit inside the spaces around their words; a link's address cannot end it early.
	got := govspeakLine(Text{{Text: "a "}, {Text: " strong ", Strong: true}, {Text: "b", Emph: true}, {Text: " [x]", Link: "https://x.test/a (b)"}})
	if want := `a  **strong** *b* [\[x\]](https://x.test/a%20%28b%29)`; got != want {
		t.Errorf("marks: got %q, want %q", got, want)
	}
	got = govspeakLine(Text{{Text: "    code? "}, {Text: "link", Link: "https://x.test"}, {Text: "xyz"}})
	if want := `code? [link](https://x.test)&#120;yz`; got != want {
		t.Errorf("marks: got %q, want %q", got, want)
	}
	if got := govspeakLine(Text{{Text: "bad", Link: "javascript:alert(1)"}}); got != "bad" {
		t.Errorf("unsafe link: %q", got)
	}
}

func TestGovspeakFootnoteOnHeading(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteGovspeak(&buf, citedDoc(t)); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	want := "### Area B[^3]\n\nProse of B.[^4]\n"
	if !strings.Contains(s, want) {
		t.Errorf("Govspeak lacks %q:\n%s", want, s)
	}
	var defs []string
	for i, n := range citedNotes {
		defs = append(defs, fmt.Sprintf("[^%d]: %s", i+1, n))
	}
	if !strings.HasSuffix(s, "\n\n"+strings.Join(defs, "\n")+"\n") {
		t.Errorf("footnotes not in order at the end:\n%s", s)
	}
}
