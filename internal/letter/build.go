// Package letter builds, for each area of a review, the letter to that area's leaders that goes
// beside the overview report: the area's own strengths and areas for development under each
// action area, in the lead's words, with the area named. A letter is the report's document model
// (report.Doc), so it is written out in the report's formats and read by the report's publication
// check, where naming the letter's own area is allowed and naming any other area is a hit.
package letter

import (
	"regexp"
	"strings"

	"thematic/internal/report"
)

// Section keys of a letter's authored texts.
const (
	KeySummary = "summary"
	kStrength  = "strengths:"
	kDevelop   = "development:"
)

// StrengthsKey is the key of the strengths written for an action area.
func StrengthsKey(actionAreaID string) string { return kStrength + actionAreaID }

// DevelopmentKey is the key of the areas for development written for an action area.
func DevelopmentKey(actionAreaID string) string { return kDevelop + actionAreaID }

var keyPattern = regexp.MustCompile(`^(summary|strengths:[0-9a-f-]{36}|development:[0-9a-f-]{36})$`)

// ValidKey reports whether key names a letter's authored section.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// MaxText is the longest authored section, in characters.
const MaxText = 50000

// Template is what every letter of a review shares: the opening, the closing and the
// signatories (one a line). {area} and {review} are replaced by the letter's area and the
// review's title.
type Template struct {
	Opening, Closing, Signatories string
	Version                       int // 0 while the defaults are used
}

// DefaultTemplate is the template of a review whose lead has not written one: true of any
// review, whoever inspects.
func DefaultTemplate() Template {
	return Template{
		Opening: "Dear colleagues in {area},\n\n" +
			"Thank you for taking part in {review}. This letter sets out what we found in {area}: " +
			"the strengths and the areas for development under each of the review's action areas. " +
			"It goes with the overview report, which does not name the areas visited.",
		Closing: "Thank you to everyone in {area} who gave their time to the review. " +
			"We would be glad to talk to you about this letter.\n\nYours sincerely,",
		Signatories: "The review's lead inspectors",
	}
}

// Data is everything a letter is built from.
type Data struct {
	ReviewID, ReviewTitle string
	AreaID, AreaName      string
	Template              Template
	Groups                []report.Group
	Texts                 map[string]string
}

// Fill replaces the template's placeholders for this letter.
func (d Data) Fill(s string) string {
	return strings.NewReplacer("{area}", d.AreaName, "{review}", d.ReviewTitle).Replace(s)
}

// Title is the letter's title.
func (d Data) Title() string { return d.ReviewTitle + ": letter to " + d.AreaName }

// Missing lists the action areas with nothing written for this area yet.
func (d Data) Missing() []string {
	var out []string
	for _, g := range d.Groups {
		for _, a := range g.Areas {
			if strings.TrimSpace(d.Texts[StrengthsKey(a.ID)]) == "" && strings.TrimSpace(d.Texts[DevelopmentKey(a.ID)]) == "" {
				out = append(out, a.Title)
			}
		}
	}
	return out
}

// SectionTitle names a section key for people ("Strengths: Action area").
func (d Data) SectionTitle(key string) string {
	if key == KeySummary {
		return "Summary"
	}
	for _, g := range d.Groups {
		for _, a := range g.Areas {
			switch key {
			case StrengthsKey(a.ID):
				return "Strengths: " + a.Title
			case DevelopmentKey(a.ID):
				return "Areas for development: " + a.Title
			}
		}
	}
	return ""
}

// Build assembles the letter: the opening, the summary, the strengths and areas for development
// under each action area that has any (grouped as the framework groups them), the closing and the
// signatories. Problems in authored text are returned by section key; the text is kept as written.
func Build(d Data) (report.Doc, map[string][]report.Problem) {
	doc := report.Doc{Title: d.Title(), Kind: "Letter"}
	problems := map[string][]report.Problem{}
	add := func(key, kind, body string) {
		body = strings.TrimSpace(body)
		if body == "" {
			return
		}
		blocks, ps := report.Parse(body, report.Origin{Section: key, Kind: kind})
		doc.Blocks = append(doc.Blocks, blocks...)
		if len(ps) > 0 {
			problems[key] = append(problems[key], ps...)
		}
	}
	heading := func(level int, title, section, id string) {
		doc.Blocks = append(doc.Blocks, report.Block{Kind: report.Heading, Level: level, ID: id,
			Text: report.Text{{Text: title}}, Origin: report.Origin{Section: section, Kind: "heading"}})
	}
	add("opening", "template", d.Fill(d.Template.Opening))
	if strings.TrimSpace(d.Texts[KeySummary]) != "" {
		heading(2, "Summary", KeySummary, "summary")
		add(KeySummary, "authored", d.Texts[KeySummary])
	}
	for _, g := range d.Groups {
		headed := false
		for _, a := range g.Areas {
			st, dev := strings.TrimSpace(d.Texts[StrengthsKey(a.ID)]), strings.TrimSpace(d.Texts[DevelopmentKey(a.ID)])
			if st == "" && dev == "" {
				continue
			}
			if !headed {
				heading(2, g.Title, "group:"+g.ID, "group-"+g.ID)
				headed = true
			}
			heading(3, a.Title, "area:"+a.ID, "area-"+a.ID)
			if st != "" {
				heading(4, "Strengths", StrengthsKey(a.ID), "strengths-"+a.ID)
				add(StrengthsKey(a.ID), "authored", st)
			}
			if dev != "" {
				heading(4, "Areas for development", DevelopmentKey(a.ID), "development-"+a.ID)
				add(DevelopmentKey(a.ID), "authored", dev)
			}
		}
	}
	add("closing", "template", d.Fill(d.Template.Closing))
	for _, line := range strings.Split(d.Fill(d.Template.Signatories), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			doc.Blocks = append(doc.Blocks, report.Block{Kind: report.Paragraph, Text: report.Text{{Text: line}},
				Origin: report.Origin{Section: "signatories", Kind: "template"}})
		}
	}
	doc.Finish()
	return doc, problems
}

// Hit messages for a letter: the report's, except for the areas.
const (
	msgOtherArea = "Names another area: a letter names only the area it is written to"
)

// Check runs the report's publication check over a letter to the area named own (its names:
// display name and official name). The letter's own area is allowed anywhere; any other area
// of the review, or any other local authority, is a hit; personal data is a hit as in the report,
// except the names of the signatories, who sign the letter on purpose.
func Check(d *report.Doc, t report.Terms, own []string, overrides map[string]report.Override) []report.Hit {
	t.Own = append(append([]string{}, t.Own...), own...)
	var hits []report.Hit
	for _, h := range report.Check(d, t, overrides) {
		if h.Kind == report.HitPerson && h.Origin.Section == "signatories" {
			continue // the signatories are named on purpose
		}
		if h.Kind == report.HitArea {
			h.Message = msgOtherArea
		}
		hits = append(hits, h)
	}
	return hits
}

// Place names where a hit is, for people.
func (d Data) Place(section string) string {
	switch section {
	case "title":
		return "The title"
	case "opening":
		return "The opening (the review's letter template)"
	case "closing":
		return "The closing (the review's letter template)"
	case "signatories":
		return "The signatories (the review's letter template)"
	case "footnotes":
		return "Footnotes"
	}
	if t := d.SectionTitle(section); t != "" {
		return t
	}
	for _, g := range d.Groups {
		if section == "group:"+g.ID {
			return g.Title
		}
		for _, a := range g.Areas {
			if section == "area:"+a.ID {
				return a.Title
			}
		}
	}
	return section
}
