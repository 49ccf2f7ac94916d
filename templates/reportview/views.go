// Package report holds the report pages: the built report in the app with its sign-off, the
// authoring of one section with preview, saved versions and their comparison, the publication
// check and the internal evidence trail.
package reportview

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"thematic/internal/form"
	rpt "thematic/internal/report"
	"thematic/internal/review"
)

// Base is what every report page knows.
type Base struct {
	ReviewID    string
	ReviewTitle string
	Lead        bool // the viewer leads the review
	Locked      bool // the report is published: nothing changes any more
	// Stage is the review's stage, which says whether the report's words may change (set by
	// the pages that offer to change them).
	Stage review.Status
	// StageNote says why the report's words cannot change now, or "".
	StageNote string
}

// Editable reports whether the viewer may keep publication check hits and save versions: until
// the report is published.
func (b Base) Editable() bool { return b.Lead && !b.Locked }

// Changeable reports whether the viewer may change the report's words and what they are built
// from, at the review's stage.
func (b Base) Changeable() bool { return b.Lead && b.Stage.Allows(review.ChangeReport) }

// DocView is a built (or saved) report to show in the app, with links to its evidence.
type DocView struct {
	Base
	Doc   *rpt.Doc
	Edit  bool // show "Edit" links on authored sections
	Trace bool // link findings and examples to their evidence
}

// ReportView is GET /report.
type ReportView struct {
	DocView
	State    rpt.State
	Steps    []rpt.Step // the steps this viewer may take now
	WaitQA   bool       // the report waits for another lead's quality assurance
	Problems []ProblemItem
	Missing  []string
	Flagged  []FlagItem
	Blocking int // publication check hits still blocking
	Kept     int
	Errors   *form.Errors
	Notes    map[string]string // notes typed with a refused step, by target state
	// SendLater says why the report cannot be sent for quality assurance yet, or "".
	SendLater string
	// ReviewNotes are the review notes not cleared yet (notes.templ).
	ReviewNotes NotesPanel
	// Lapse is set when the report changed after its approval (report.ChangedSinceApproval).
	Lapse *rpt.Lapse
}

// ProblemItem is a problem in the authored text of a section.
type ProblemItem struct {
	Key, Section string
	Line         int
	Message      string
}

// FlagItem is a finding or example the lead must look at.
type FlagItem struct {
	Kind, ID, Section, Flag, Excerpt string
}

// SectionView is GET /report/sections/edit and the answers of POST /report/sections.
type SectionView struct {
	Base
	Section  rpt.Section
	Body     string
	Version  int
	Preview  *rpt.Doc // the blocks of the text as typed, numbered as a small document
	Problems []rpt.Problem
	Facts    *rpt.Doc // the methodology's computed facts
	Errors   *form.Errors
	Conflict *rpt.Authored // the text someone else saved meanwhile
}

// VersionsView is GET /report/versions.
type VersionsView struct {
	Base
	Versions []rpt.Version
	Label    string
	Errors   *form.Errors
}

// VersionView is GET /report/versions/{number}.
type VersionView struct {
	DocView
	Version rpt.Version
}

// CompareView is GET /report/compare.
type CompareView struct {
	Base
	From, To string // "3" or "current"
	FromName string // "version 3", "the current report"
	ToName   string
	Lines    []rpt.Line
	Changes  int
	TooLarge string // why the lines are not shown: the versions differ in too many places
	Versions []rpt.Version
	Errors   *form.Errors
}

// CheckView is GET /report/check.
type CheckView struct {
	Base
	Hits    []HitItem
	Errors  *form.Errors
	Reasons map[string]string // reasons typed, by hit key
}

// HitItem is one hit of the publication check with where it is and how to fix it.
type HitItem struct {
	rpt.Hit
	Place  string        // the section's title
	FixURL templ.SafeURL // "" when there is nothing to link to
	Fix    string        // the link's text
}

// TrailView is GET /report/trail.
type TrailView struct {
	Base
	Trail []rpt.Trail
}

func (b Base) url(parts ...string) templ.SafeURL {
	s := "/reviews/" + url.PathEscape(b.ReviewID)
	for _, p := range parts {
		s += "/" + url.PathEscape(p)
	}
	return templ.SafeURL(s)
}

// stageURL is the stage section of the review's overview.
func (b Base) stageURL() templ.SafeURL {
	return templ.SafeURL("/reviews/" + url.PathEscape(b.ReviewID) + "/#stage")
}

// EditURL is the authoring page of a section.
func (b Base) EditURL(key string) templ.SafeURL {
	return templ.SafeURL(string(b.url("report", "sections", "edit")) + "?key=" + url.QueryEscape(key))
}

func errs(e *form.Errors) *form.Errors {
	if e == nil {
		return &form.Errors{}
	}
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 January 2006 at 3:04pm")
}

// stateClass is the tag colour of a report state.
func stateClass(s string) string {
	switch s {
	case rpt.StatusQA:
		return "govuk-tag--blue"
	case rpt.StatusChangesRequested:
		return "govuk-tag--orange"
	case rpt.StatusApproved:
		return "govuk-tag--green"
	case rpt.StatusPublished:
		return "govuk-tag--purple"
	}
	return "govuk-tag--grey"
}

// authoredKey is the section key a heading opens for authoring, or "".
func authoredKey(b rpt.Block) string {
	if b.Kind != rpt.Heading || b.Origin.Kind != "heading" || !rpt.ValidKey(b.Origin.Section) {
		return ""
	}
	return b.Origin.Section
}

// headingClass is the GOV.UK class of a report heading by its level on the page.
func headingClass(level int) string {
	switch level {
	case 2:
		return "govuk-heading-l"
	case 3:
		return "govuk-heading-m"
	}
	return "govuk-heading-s"
}

// traced numbers the findings and examples of a document in order, for link texts that say which.
func traced(d *rpt.Doc) map[int]string {
	out := map[int]string{}
	f, e := 0, 0
	for i, b := range d.Blocks {
		switch b.Origin.Kind {
		case "finding":
			f++
			out[i] = fmt.Sprintf("finding %d", f)
		case "example":
			e++
			out[i] = fmt.Sprintf("example %d", e)
		}
	}
	return out
}

func stepID(s rpt.Step) string { return "step-" + s.To }

func noteLabel(s rpt.Step) string {
	if s.To == rpt.StatusChangesRequested {
		return "What needs to change"
	}
	return "Why the report goes back to draft"
}

func (v ReportView) note(to string) string { return v.Notes[to] }

func hitID(h rpt.Hit) string { return "reason-" + h.Key }

func (v CheckView) blocking() []HitItem {
	var out []HitItem
	for _, h := range v.Hits {
		if h.Blocking() {
			out = append(out, h)
		}
	}
	return out
}

func (v CheckView) kept() []HitItem {
	var out []HitItem
	for _, h := range v.Hits {
		if !h.Blocking() {
			out = append(out, h)
		}
	}
	return out
}

func trailSections(ts []rpt.Trail) [][]rpt.Trail {
	var out [][]rpt.Trail
	for i, t := range ts {
		if i == 0 || t.Section != ts[i-1].Section {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], t)
	}
	return out
}

func trailKind(k string) string {
	if k == "example" {
		return "Good-practice example"
	}
	return "Finding"
}

func sectionName(s string) string {
	if s == "" {
		return "No action area"
	}
	return s
}

func joinAreas(a []string) string { return strings.Join(a, ", ") }

// noteName is how the trail names a note: its area and date.
func noteName(n rpt.TrailNote) string {
	s := n.Area
	if s == "" {
		s = "Note"
	}
	if n.Date != "" {
		s += ", " + n.Date
	}
	return s
}

// lines are the non-empty lines of a text.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// sep is the comma after item i of n.
func sep(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

// versionCaption is "Version 3 (Sent to the director), saved by Lee Lead on 2 May 2026 at 3:04pm".
func versionCaption(v rpt.Version) string {
	s := "Version " + itoa(v.Number)
	if v.Label != "" {
		s += " (" + v.Label + ")"
	}
	return s + ", saved by " + v.CreatedBy + " on " + date(v.CreatedAt)
}

// compareURL compares a saved version with the current report.
func (b Base) compareURL(from int) templ.SafeURL {
	return templ.SafeURL(string(b.url("report", "compare")) + "?from=" + itoa(from) + "&to=current")
}

// changedLines are the lines of a comparison that differ.
func changedLines(ls []rpt.Line) []rpt.Line {
	var out []rpt.Line
	for _, l := range ls {
		if l.Op != rpt.Same {
			out = append(out, l)
		}
	}
	return out
}

// frozen is the published version the downloads are while the report is published, or 0.
func (v ReportView) frozen() int {
	if v.State.Locked() {
		return v.State.PublishedVersion
	}
	return 0
}

// exportLinks are the download formats (rpt.Formats), as the links name them.
var exportLinks = func() []struct{ format, name string } {
	out := make([]struct{ format, name string }, len(rpt.Formats))
	for i, f := range rpt.Formats {
		out[i].format, out[i].name = f.Name, f.Label
	}
	return out
}()

// exportURL downloads the report (n == 0) or its saved version n in format.
func exportURL(b Base, n int, format string) templ.SafeURL {
	if n > 0 {
		return b.url("report", "versions", itoa(n), "export", format)
	}
	return b.url("report", "export", format)
}

func downloadOf(n int) string {
	if n > 0 {
		return "version " + itoa(n)
	}
	return "the report"
}
