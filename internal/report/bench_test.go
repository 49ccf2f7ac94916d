package report

import (
	"fmt"
	"io"
	"testing"

	"thematic/internal/finding"
)

// benchDoc is a large report: 300 findings across 6 action areas, with examples, footnotes and
// links, built by Build.
func benchDoc(b *testing.B) *Doc {
	b.Helper()
	d := demoData()
	d.Groups = []Group{{ID: "g1", Title: "Access"}, {ID: "g2", Title: "Working together"}}
	d.Findings = nil
	d.Examples = nil
	for a := range 6 {
		id := fmt.Sprintf("aa%d", a)
		g := &d.Groups[a%2]
		g.Areas = append(g.Areas, ActionArea{ID: id, Title: fmt.Sprintf("Action area %d", a), Quote: "‘…a coherent joined up offer.’",
			Citation: "The best start for life, March 2021"})
		d.Texts["area:"+id] = "Linking prose with a [link](https://www.gov.uk/x) and a note.^[A source]\n\n- a point\n- another point"
		for f := range 50 {
			d.Findings = append(d.Findings, finding.Finding{ID: fmt.Sprintf("f%d-%d", a, f), ActionAreaID: id,
				Body:  "Leaders had a clear vision for integrated services & families <said> they felt welcome at the family hub.",
				Style: finding.StyleCount, Areas: 1 + f%6, ConfirmedAreas: 1 + f%6, Visited: 6})
		}
		for e := range 5 {
			d.Examples = append(d.Examples, Example{ID: fmt.Sprintf("e%d-%d", a, e), ActionAreaID: id,
				Text: "In one area, a GP had set up a drop-in clinic at the family hub for new parents."})
		}
	}
	doc, _ := Build(d)
	return &doc
}

func BenchmarkWriteHTML(b *testing.B) {
	doc := benchDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteHTML(io.Discard, doc, HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteDOCX(b *testing.B) {
	doc := benchDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteDOCX(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteGovspeak(b *testing.B) {
	doc := benchDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteGovspeak(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}
