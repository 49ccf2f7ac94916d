package coverage_test

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/coverage"
)

func TestBarChartProportionalAndEscaped(t *testing.T) {
	t.Parallel()
	svg := coverage.BarChart("chart-x", `Strengths & "development"`, "Bars <per> action area", []coverage.Bar{
		{Label: `Seamless <support> & "join-up"`, Strength: 10, Development: 5},
		{Label: "Leadership", Strength: 0, Development: 20},
	})
	// Well-formed XML: every label escaped.
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
	}
	for _, want := range []string{
		`role="img"`, `aria-labelledby="chart-x-title chart-x-desc"`,
		`<title id="chart-x-title">Strengths &amp; &#34;development&#34;</title>`,
		`<desc id="chart-x-desc">Bars &lt;per&gt; action area</desc>`,
		`Seamless &lt;support&gt; &amp; &#34;join-up&#34;`,
		`10 strengths`, `5 for development`, `0 strengths`, `20 for development`,
		coverage.StrengthColour, coverage.DevelopmentColour,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<support>") {
		t.Error("a label is not escaped")
	}
	// Bars in order: 10, 5, 0, 20 against the largest, 20.
	var widths []int
	for _, m := range regexp.MustCompile(`<rect x="0" y="(\d+)" width="(\d+)" height="16"`).FindAllStringSubmatch(svg, -1) {
		w, _ := strconv.Atoi(m[2])
		widths = append(widths, w)
	}
	if len(widths) != 4 {
		t.Fatalf("bars %v, want 4", widths)
	}
	if widths[3] == 0 || widths[2] != 0 || widths[0] != widths[3]/2 || widths[1] != widths[3]/4 {
		t.Errorf("bar widths %v not proportional to 10, 5, 0, 20", widths)
	}
}

func TestBarLength(t *testing.T) {
	t.Parallel()
	if coverage.BarLength(0, 0) != 0 || coverage.BarLength(3, 0) != 0 || coverage.BarLength(0, 9) != 0 {
		t.Error("no bar for nothing")
	}
	full := coverage.BarLength(7, 7)
	if got := coverage.BarLength(1, 2); got != full/2 {
		t.Errorf("half bar %d of %d", got, full)
	}
}
