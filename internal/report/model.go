// Package report builds a review's report as one document model — headings, paragraphs, quotes,
// lists, tables and footnote references — from the review's data and the lead's authored text,
// and writes that model out in every format (standalone HTML, Govspeak, DOCX, PDF). No format
// has its own template of the report: each is a writer of the same Doc.
package report

import (
	"strings"
)

// Kind is the kind of a block.
type Kind string

// Block kinds.
const (
	Heading   Kind = "heading"   // Level 2 (part), 3 (section) or 4
	Paragraph Kind = "paragraph" // Text
	Quote     Kind = "quote"     // Text: a policy quote or a family's words
	Bullets   Kind = "bullets"   // Items
	Numbered  Kind = "numbered"  // Items, numbered from 1
	Table     Kind = "table"     // Rows, the first is the header
)

// Span is a run of inline text. A span with Note set is a footnote reference: Note is the
// footnote's text, numbered when the document is finished.
type Span struct {
	Text   string `json:"text,omitempty"`
	Strong bool   `json:"strong,omitempty"`
	Emph   bool   `json:"emph,omitempty"`
	Link   string `json:"link,omitempty"`
	Note   string `json:"note,omitempty"` // footnote text; Text is empty
	// NoteText is the footnote's text with its marks and links, when it has any (Note is then
	// its plain text). It never holds a footnote reference of its own.
	NoteText Text `json:"note_text,omitempty"`
	Ref      int  `json:"ref,omitempty"` // the footnote's number, set by Finish
}

// Text is a run of spans.
type Text []Span

// Plain is the text without marks or footnotes.
func (t Text) Plain() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Origin says where a block comes from, so the app can link it back to its evidence and the
// publication check can name its place.
type Origin struct {
	Section string   `json:"section"`         // "background", "summary", "methodology", "area:<id>", "recommendations"…
	Kind    string   `json:"kind,omitempty"`  // "finding", "example", "recommendation", "authored", "facts", "quote"
	ID      string   `json:"id,omitempty"`    // the finding, example or recommendation
	Notes   []string `json:"notes,omitempty"` // evidence notes behind it (never exported)
}

// Block is one block of the document.
type Block struct {
	Kind   Kind     `json:"kind"`
	Level  int      `json:"level,omitempty"`
	ID     string   `json:"id,omitempty"` // anchor of a heading
	Text   Text     `json:"text,omitempty"`
	Items  []Text   `json:"items,omitempty"`
	Rows   [][]Text `json:"rows,omitempty"`
	Origin Origin   `json:"origin"`
	Flag   string   `json:"flag,omitempty"` // a warning for the lead (never exported)
}

// Footnote is a numbered footnote.
type Footnote struct {
	N    int  `json:"n"`
	Text Text `json:"text"`
}

// Doc is a built report.
type Doc struct {
	Title     string     `json:"title"`
	Kind      string     `json:"kind"` // "Research and analysis"
	Published string     `json:"published,omitempty"`
	AppliesTo string     `json:"applies_to,omitempty"`
	Blocks    []Block    `json:"blocks"`
	Footnotes []Footnote `json:"footnotes"`
	Trail     []Trail    `json:"-"` // the internal evidence trail: never in published exports
	Contents  []Block    `json:"-"` // level 2 and 3 headings, for a contents list
}

// Trail is one finding or example with the notes and areas behind it.
type Trail struct {
	Kind    string // "finding" or "example"
	ID      string
	Section string // the action area's title
	Text    string
	Areas   []string
	Notes   []TrailNote
}

// TrailNote is one note of the trail.
type TrailNote struct {
	ID, Area, Date, Excerpt, Stance string
}

// Finish numbers footnotes in order of use (each reference has its own number, as in GOV.UK
// publications, even when two cite the same source) and fills the contents list, whose headings
// carry no footnote references (the footnote belongs to the heading in the text, once).
func (d *Doc) Finish() {
	d.Footnotes = nil
	d.Contents = nil
	number := func(t Text) {
		for i := range t {
			if t[i].Note == "" {
				continue
			}
			n := len(d.Footnotes) + 1
			text := t[i].NoteText
			if len(text) == 0 {
				text = Text{{Text: t[i].Note}}
			}
			d.Footnotes = append(d.Footnotes, Footnote{N: n, Text: text})
			t[i].Ref = n
		}
	}
	for bi := range d.Blocks {
		b := &d.Blocks[bi]
		number(b.Text)
		for _, it := range b.Items {
			number(it)
		}
		for _, row := range b.Rows {
			for _, c := range row {
				number(c)
			}
		}
		if b.Kind == Heading && b.Level <= 3 {
			c := *b
			c.Text = nil
			for _, s := range b.Text {
				if s.Note == "" {
					c.Text = append(c.Text, s)
				}
			}
			d.Contents = append(d.Contents, c)
		}
	}
}

// Each calls fn for every piece of text in the document with its place, in reading order: the
// title, every block's text, items and cells, and the footnotes.
func (d *Doc) Each(fn func(place Origin, block int, t Text)) {
	fn(Origin{Section: "title"}, -1, Text{{Text: d.Title}})
	for i, b := range d.Blocks {
		if len(b.Text) > 0 {
			fn(b.Origin, i, b.Text)
		}
		for _, it := range b.Items {
			fn(b.Origin, i, it)
		}
		for _, row := range b.Rows {
			for _, c := range row {
				fn(b.Origin, i, c)
			}
		}
	}
	for _, f := range d.Footnotes {
		fn(Origin{Section: "footnotes"}, -1, f.Text)
	}
}
