// Package consistencyview holds the pages of double coding: the sample and its agreement figures,
// a second coder's blind coding, and the lead's moderation of disagreements.
package consistencyview

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"thematic/internal/agreement"
	cs "thematic/internal/consistency"
	"thematic/internal/evidence"
	"thematic/internal/form"
)

// reviewURL is a path under the review.
func reviewURL(id string, parts ...string) templ.SafeURL {
	p := "/reviews/" + url.PathEscape(id)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return templ.SafeURL(p)
}

// Path is the consistency page of a review.
func Path(reviewID string) string { return string(reviewURL(reviewID, "consistency")) }

// CodingPath is a second coder's list, or (noteID) one note's form.
func CodingPath(reviewID, noteID string) string {
	if noteID == "" {
		return string(reviewURL(reviewID, "consistency", "coding"))
	}
	return string(reviewURL(reviewID, "consistency", "coding", noteID))
}

// ModerationPath is the moderation page.
func ModerationPath(reviewID string) string {
	return string(reviewURL(reviewID, "consistency", "moderation"))
}

// PageView is the consistency page.
type PageView struct {
	ReviewID string
	Lead     bool
	Coder    bool // the actor is a second coder of the sample
	Page     cs.Page
	In       cs.DrawInput
	Errors   *form.Errors
}

// CoderView is a second coder's list of notes, or one note's form.
type CoderView struct {
	ReviewID string
	Page     cs.CoderPage
	In       cs.CodingInput
	Errors   *form.Errors
	Conflict bool // the coding changed since the form was opened
}

// ModerationView is the moderation page.
type ModerationView struct {
	ReviewID string
	M        cs.Moderation
	NoteID   string // the note whose form was refused, with In and Errors
	In       cs.CodingInput
	Errors   *form.Errors
	Conflict bool
}

func itoa(n int) string { return strconv.Itoa(n) }

func kappa(r agreement.Result) string {
	if r.N == 0 {
		return "No notes yet"
	}
	return cs.KappaText(r)
}

func percent(r agreement.Result) string {
	if r.N == 0 {
		return "–"
	}
	return cs.PercentText(r.Unanimous)
}

func methodName(r agreement.Result) string {
	if r.Method == agreement.Cohen {
		return "Cohen’s kappa"
	}
	return "Fleiss’ kappa"
}

func judgementName(j string) string { return evidence.JudgementName(j) }

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// areaTitles lists a coding's action areas by title, in the framework's order.
func areaTitles(fw []cs.ActionArea, ids []string) string {
	var out []string
	for _, a := range fw {
		if slices.Contains(ids, a.ID) {
			out = append(out, a.Title)
		}
	}
	if len(out) == 0 {
		return "None"
	}
	return strings.Join(out, "; ")
}

func methodText(s *cs.Sample) string {
	switch s.Method {
	case cs.ByArea:
		return itoa(s.Share) + "% of the notes from " + s.FilterName
	case cs.ByAction:
		return itoa(s.Share) + "% of the notes on " + s.FilterName
	}
	return itoa(s.Share) + "% of the review’s notes, at random"
}

func short(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checked(ids []string, id string) bool { return slices.Contains(ids, id) }

func codedCount(p cs.CoderPage) int {
	n := 0
	for _, x := range p.Notes {
		if x.Coded {
			n++
		}
	}
	return n
}

func roleName(r string) string {
	if r == "lead" {
		return "Review lead"
	}
	return "Inspector"
}

func seedText(n int64) string { return strconv.FormatInt(n, 10) }

func (v ModerationView) errFor(noteID string) *form.Errors {
	if v.NoteID == noteID && v.Errors != nil {
		return v.Errors
	}
	return &form.Errors{}
}

// formCoding is what a moderation form shows: what was typed for the refused note, else the
// agreed coding, else the author's.
func (v ModerationView) formCoding(d cs.Disagreement) (cs.Coding, string, int) {
	if v.NoteID == d.Note.NoteID {
		ver := v.In.Version
		return v.In.Coding(), v.In.Comment, ver
	}
	if d.Agreed != nil {
		return d.Agreed.Coding, d.Agreed.Comment, d.Agreed.Version
	}
	return d.Note.Original, "", 0
}

// checkID gives the first checkbox of a group the group's id, so the error summary lands on it.
func checkID(id string, i int) string {
	if i == 0 {
		return id
	}
	return id + "-" + itoa(i+1)
}
