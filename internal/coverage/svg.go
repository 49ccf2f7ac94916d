package coverage

import (
	"fmt"
	"html"
	"strings"

	"thematic/internal/text"
)

// Chart colours: GOV.UK green and red, each above 3:1 against the white background (WCAG 1.4.11)
// and each bar labelled in words, so that colour is never the only cue.
const (
	StrengthColour    = "#00703c"
	DevelopmentColour = "#d4351c"
	textColour        = "#0b0c0c"
)

// Bar is one labelled pair of bars: strengths and areas for development.
type Bar struct {
	Label                 string
	Strength, Development int
}

// Chart geometry, in SVG user units (the chart scales to its container's width).
const (
	chartWidth = 640
	barMax     = 440 // the longest bar
	barHeight  = 16
	labelGap   = 20 // from a group's label to its first bar
	groupGap   = 14
)

// BarChart draws strengths against areas for development for each bar, as an SVG image readable
// by screen readers (role="img", named by its <title> and described by its <desc>). Bar lengths
// are proportional to the counts, against the largest count of the chart. id must be unique on
// the page; every text is escaped.
func BarChart(id, title, desc string, bars []Bar) string {
	largest := 0
	for _, b := range bars {
		largest = max(largest, b.Strength, b.Development)
	}
	groupHeight := labelGap + 2*barHeight + 4 + groupGap
	height := 30 + len(bars)*groupHeight
	var s strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" font-family="GDS Transport, arial, sans-serif" font-size="14">`,
		esc(id), esc(id), esc(id), chartWidth, height)
	fmt.Fprintf(&s, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	// Legend.
	fmt.Fprintf(&s, `<rect x="0" y="4" width="14" height="14" fill="%s"/><text x="20" y="16" fill="%s">Strengths</text>`, StrengthColour, textColour)
	fmt.Fprintf(&s, `<rect x="120" y="4" width="14" height="14" fill="%s"/><text x="140" y="16" fill="%s">Areas for development</text>`, DevelopmentColour, textColour)
	y := 30
	for _, b := range bars {
		fmt.Fprintf(&s, `<g class="app-chart__group"><text x="0" y="%d" fill="%s" font-weight="bold">%s</text>`, y+14, textColour, esc(b.Label))
		by := y + labelGap
		for _, part := range []struct {
			n      int
			colour string
			words  string
		}{
			{b.Strength, StrengthColour, text.Plural(b.Strength, "strength", "strengths")},
			{b.Development, DevelopmentColour, text.Plural(b.Development, "for development", "for development")},
		} {
			w := BarLength(part.n, largest)
			fmt.Fprintf(&s, `<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>`, by, w, barHeight, part.colour)
			fmt.Fprintf(&s, `<text x="%d" y="%d" fill="%s">%s</text>`, w+6, by+barHeight-3, textColour, esc(part.words))
			by += barHeight + 4
		}
		s.WriteString(`</g>`)
		y += groupHeight
	}
	s.WriteString(`</svg>`)
	return s.String()
}

// BarLength is the length of a bar of n against the largest count: proportional, rounded, and
// never drawn for zero.
func BarLength(n, largest int) int {
	if n <= 0 || largest <= 0 {
		return 0
	}
	return (n*barMax + largest/2) / largest
}

// ActionAreaBars are the bars of the action areas: notes of every area bearing on each.
func (c Coverage) ActionAreaBars() []Bar {
	return bars(c.ActionAreas)
}

// LineBars are the bars of the lines of enquiry.
func (c Coverage) LineBars() []Bar {
	return bars(c.Lines)
}

func bars(m Matrix) []Bar {
	out := make([]Bar, len(m.Columns))
	for i, col := range m.Columns {
		out[i] = Bar{Label: shorten(col.Title, 80), Strength: m.Totals[i].Strength, Development: m.Totals[i].Development}
	}
	return out
}

// shorten keeps a chart label on one line; the table beside the chart has the full text.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
