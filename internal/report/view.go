package report

import "strings"

// Section is one authored section of the report as the lead sees it: its key, its title and,
// for linking prose, the framework group or action area it belongs to.
type Section struct {
	Key   string
	Title string // "Background", "Executive summary", an action area's title…
	Kind  string // "fixed", "group" or "area"
}

// Sections lists the report's authored sections in reading order.
func (d Data) Sections() []Section {
	out := []Section{
		{TextBackground, "Background", "fixed"},
		{TextSummary, "Executive summary", "fixed"},
		{TextIntroduction, "Introduction", "fixed"},
		{TextMethodology, "Methodology", "fixed"},
	}
	for _, g := range d.Groups {
		out = append(out, Section{"group:" + g.ID, g.Title, "group"})
		for _, aa := range g.Areas {
			out = append(out, Section{"area:" + aa.ID, aa.Title, "area"})
		}
	}
	return append(out, Section{TextRecommendations, "Recommendations", "fixed"})
}

// SectionOf finds an authored section by key: a fixed section, or linking prose of a group or
// action area of this review. ok is false for any other key.
func (d Data) SectionOf(key string) (Section, bool) {
	if !ValidKey(key) {
		return Section{}, false
	}
	for _, s := range d.Sections() {
		if strings.EqualFold(s.Key, key) {
			return s, true
		}
	}
	return Section{}, false
}

// PlaceTitle names where a piece of the report is, for people: the section's title ("Leadership
// for change"), "Title" or "Footnotes".
func (d Data) PlaceTitle(section string) string {
	switch section {
	case "title":
		return "Title"
	case "footnotes":
		return "Footnotes"
	}
	if s, ok := d.SectionOf(section); ok {
		return s.Title
	}
	return section
}

// HeadingLevels gives each heading block (by index) the level every writer uses: its own level,
// never more than one below the heading before it.
func (d *Doc) HeadingLevels() map[int]int { return headingLevels(d) }

// HeadingAnchors gives each heading block (by index) its anchor, as the HTML writer does.
func (d *Doc) HeadingAnchors() map[int]string { return headingAnchors(d) }

// FileName makes a download's file name from the report's title: lower-case letters, digits
// and hyphens only, at most 80 characters before the extension.
func FileName(title, ext string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if b.Len() >= 80 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	name := b.String()
	if name == "" {
		name = "report"
	}
	return name + "." + ext
}
