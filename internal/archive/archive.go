// Package archive writes a whole review to one JSON file and reads such a file back into any
// tenant as a new review. The format is documented by schema.json (JSON Schema, draft 2020-12),
// embedded here and published in the repository, and in docs/archive.md. A review with uploaded
// documents is archived as a ZIP file: the JSON as "archive.json" and each document's bytes as
// "documents/<sha256>" (zip.go).
//
// Inside an archive nothing is a database id: every object carries a reference ("ref") unique
// within the file, and links name refs; people are named by their email address. Export writes
// the sections in a fixed order, each sorted by a stable key, so that exporting, importing into
// another tenant and exporting again gives the same file apart from "exported_at".
//
// Import validates everything first (shape, lengths, enumerations, refs, dates, ONS codes) and
// collects every problem with the JSON path at fault; only a file with no problem is written, in
// the caller's one transaction, in a fixed number of statements whatever its size (ImportBudget):
// each table from arrays, the tables without triggers together in one statement.
//
// The package reads and writes its tables directly with its own SQL (store.go, export.go,
// import.go): it must see every column, including ones no other package exposes.
package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Format and Version name the file format; an archive of another format, or of a version this
// service does not read, is refused. Version 2 added the review's lists (inspectorates, team roles,
// addressees), documents, the report's state and saved versions, and left_out; a version 1 file
// has none of them and imports as before.
const (
	Format  = "thematic-review-archive"
	Version = 2
)

// Versions are the versions Parse reads.
var Versions = []int{1, 2}

// Archive is a whole review. The JSON field order here is the order of the file.
type Archive struct {
	Format          string           `json:"format"`
	Version         int              `json:"version"`
	ExportedAt      string           `json:"exported_at"`
	Review          Review           `json:"review"`
	EnquiryLines    []Line           `json:"enquiry_lines"` // in no group; absent from archives made before
	EnquiryGroups   []EnquiryGroup   `json:"enquiry_groups"`
	FrameworkGroups []FrameworkGroup `json:"framework_groups"`
	Areas           []Area           `json:"areas"`
	Members         []Member         `json:"members"`
	Visits          []Visit          `json:"visits"`
	EvidenceSources []Source         `json:"evidence_sources"`
	EvidenceRoles   []Role           `json:"evidence_roles"`
	Inspectorates   []string         `json:"inspectorates"` // the review's lists; absent from version 1
	TeamRoles       []string         `json:"team_roles"`
	Addressees      []string         `json:"addressees"`
	Themes          []string         `json:"themes"`
	SelfAssessment  SelfAssessment   `json:"self_assessment"`
	Questionnaires  []Questionnaire  `json:"questionnaires"`
	QuantifierScale []Band           `json:"quantifier_scale"`
	Notes           []Note           `json:"notes"`
	Documents       []Document       `json:"documents"` // absent from version 1
	Findings        []Finding        `json:"findings"`
	Examples        []Example        `json:"examples"`
	Recommendations []Recommendation `json:"recommendations"`
	ReportTexts     []ReportText     `json:"report_texts"`
	Report          *ReportState     `json:"report"`          // null until work on the report starts; absent from version 1
	ReportVersions  []ReportVersion  `json:"report_versions"` // absent from version 1
	ReviewNotes     []ReviewNote     `json:"review_notes"`    // absent from archives made before review notes
	LeftOut         []LeftOut        `json:"left_out"`        // absent from version 1

	// files are the documents' bytes by sha256 (hex), read from a ZIP archive and checked.
	files map[string][]byte
}

// Sections are the top-level keys in the order the exporter writes them.
var Sections = []string{"format", "version", "exported_at", "review", "enquiry_lines", "enquiry_groups", "framework_groups",
	"areas", "members", "visits", "evidence_sources", "evidence_roles", "inspectorates", "team_roles", "addressees", "themes",
	"self_assessment", "questionnaires", "quantifier_scale", "notes", "documents", "findings", "examples", "recommendations",
	"report_texts", "report", "report_versions", "review_notes", "left_out"}

// Review is the review itself.
type Review struct {
	Title              string  `json:"title"`
	Summary            string  `json:"summary"`
	KeyQuestion        string  `json:"key_question"`
	FieldworkStart     *string `json:"fieldwork_start"`
	FieldworkEnd       *string `json:"fieldwork_end"`
	PlannedPublication *string `json:"planned_publication"`
	Status             string  `json:"status"`
	CoverageThreshold  int     `json:"coverage_threshold"`
	EvidenceLocked     bool    `json:"evidence_locked"`
}

// EnquiryGroup is a group of lines of enquiry, in order.
type EnquiryGroup struct {
	Ref   string `json:"ref"`
	Title string `json:"title"`
	Lines []Line `json:"lines"`
}

// Line is a line of enquiry.
type Line struct {
	Ref      string `json:"ref"`
	Question string `json:"question"`
}

// FrameworkGroup is a group of action areas, in order.
type FrameworkGroup struct {
	Ref         string       `json:"ref"`
	Title       string       `json:"title"`
	ActionAreas []ActionArea `json:"action_areas"`
}

// ActionArea is a section of the framework with its policy quote and citation.
type ActionArea struct {
	Ref      string `json:"ref"`
	Title    string `json:"title"`
	Quote    string `json:"quote"`
	Citation string `json:"citation"`
}

// Area is a local area taking part, by ONS code. Name is for people reading the file.
type Area struct {
	Ref     string `json:"ref"`
	ONSCode string `json:"ons_code"`
	Name    string `json:"name"`
}

// Member is a person in the review (a member or someone invited), by email.
type Member struct {
	Email        string  `json:"email"`
	Name         string  `json:"name"`
	Role         string  `json:"role"`
	Area         *string `json:"area"`
	Inspectorate string  `json:"inspectorate"`
	JobTitle     string  `json:"job_title"`
}

// Visit is a visit to an area with its team's days on site. StartDate is nil while the visit's
// start is not known (then nobody has days).
type Visit struct {
	Ref       string     `json:"ref"`
	Area      string     `json:"area"`
	StartDate *string    `json:"start_date"`
	Days      int        `json:"days"`
	Notes     string     `json:"notes"`
	Team      []TeamDays `json:"team"`
}

// TeamDays is one member on a visit's team: the days they are on site, and their inspectorate
// and team role on that visit when they differ from the member's (nil: as in "members"; archives
// written before visits had their own do not have them).
type TeamDays struct {
	Email        string   `json:"email"`
	Days         []string `json:"days"`
	Inspectorate *string  `json:"inspectorate,omitempty"`
	JobTitle     *string  `json:"job_title,omitempty"`
}

// Source is a kind of evidence source.
type Source struct {
	Ref       string `json:"ref"`
	Name      string `json:"name"`
	NeedsRole bool   `json:"needs_role"`
}

// Role is a professional role an interview names.
type Role struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
}

// SelfAssessment is the template and the areas' answers.
type SelfAssessment struct {
	CommentaryRequired *bool        `json:"commentary_required"`
	Elements           []Element    `json:"elements"`
	Levels             []Level      `json:"levels"`
	Deadlines          []Deadline   `json:"deadlines"`
	Submissions        []Submission `json:"submissions"`
	Answers            []Answer     `json:"answers"`
}

// Element is an element of the self-assessment template.
type Element struct {
	Ref      string `json:"ref"`
	Title    string `json:"title"`
	Guidance string `json:"guidance"`
}

// Level is a step of the rating scale.
type Level struct {
	Ref         string `json:"ref"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Deadline is when an area's self-assessment is due.
type Deadline struct {
	Area string `json:"area"`
	Due  string `json:"due"`
}

// Submission is an area's self-assessment state.
type Submission struct {
	Area         string  `json:"area"`
	Status       string  `json:"status"`
	SubmittedAt  *string `json:"submitted_at"`
	SubmittedBy  *string `json:"submitted_by"`
	ReopenedAt   *string `json:"reopened_at"`
	ReopenedBy   *string `json:"reopened_by"`
	ReopenReason string  `json:"reopen_reason"`
}

// Answer is an area's rating and commentary for one element.
type Answer struct {
	Area       string  `json:"area"`
	Element    string  `json:"element"`
	Level      *string `json:"level"`
	Commentary string  `json:"commentary"`
	UpdatedBy  *string `json:"updated_by"`
	UpdatedAt  string  `json:"updated_at"`
}

// Questionnaire is an area's family questionnaire results.
type Questionnaire struct {
	Area       string  `json:"area"`
	ImportedBy *string `json:"imported_by"`
	ImportedAt string  `json:"imported_at"`
	Counts     []Count `json:"counts"`
}

// Count is how many respondents gave an answer to a question.
type Count struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Count    int    `json:"count"`
}

// Band is a step of the quantifier scale.
type Band struct {
	Ref        string  `json:"ref"`
	Label      string  `json:"label"`
	Special    *string `json:"special"`
	MinPercent int     `json:"min_percent"`
	MinAreas   int     `json:"min_areas"`
}

// Note is an evidence note (never a safeguarding concern, never a deleted note).
type Note struct {
	Ref          string   `json:"ref"`
	Visit        string   `json:"visit"`
	Author       string   `json:"author"`
	Source       string   `json:"source"`
	Role         *string  `json:"role"`
	Date         string   `json:"date"`
	CreatedAt    string   `json:"created_at"`
	Text         string   `json:"text"`
	Judgement    string   `json:"judgement"`
	GoodPractice bool     `json:"good_practice"`
	FamilyWords  bool     `json:"family_words"`
	ActionAreas  []string `json:"action_areas"`
	Lines        []string `json:"lines"`
	Themes       []string `json:"themes"`
	// Files names the note's photos and files with their SHA-256. Their bytes stay in the
	// service: an import does not bring them back.
	Files []NoteFile `json:"files,omitempty"`
}

// NoteFile is a photo or file attached to a note (its name and checksum, not its bytes).
type NoteFile struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // lower-case hex
	PracticeOK  bool   `json:"practice_ok"`
}

// Finding is a statement under an action area with the notes for and against it.
type Finding struct {
	Ref                string   `json:"ref"`
	ActionArea         string   `json:"action_area"`
	Body               string   `json:"body"`
	PrevalenceStyle    string   `json:"prevalence_style"`
	WordOverride       string   `json:"word_override"`
	OverrideReason     string   `json:"override_reason"`
	ConfirmedAreas     int      `json:"confirmed_areas"`
	CreatedBy          *string  `json:"created_by"`
	SupportingNotes    []string `json:"supporting_notes"`
	ContradictingNotes []string `json:"contradicting_notes"`
}

// Example is a good-practice example.
type Example struct {
	Ref        string  `json:"ref"`
	ActionArea string  `json:"action_area"`
	Area       string  `json:"area"`
	Note       *string `json:"note"`
	Title      string  `json:"title"`
	Body       string  `json:"body"`
	CreatedBy  *string `json:"created_by"`
}

// Recommendation is a numbered recommendation with the findings it answers.
type Recommendation struct {
	Ref       string   `json:"ref"`
	Body      string   `json:"body"`
	Addressee string   `json:"addressee"`
	Findings  []string `json:"findings"`
	CreatedBy *string  `json:"created_by"`
}

// ReportText is the lead's own words for one section of the report.
type ReportText struct {
	Key  string `json:"key"`
	Body string `json:"body"`
}

// Document is a document an area sent, with the notes that cite it. Its bytes travel in the ZIP
// file as "documents/<sha256>"; import checks them against size and sha256.
type Document struct {
	Ref         string   `json:"ref"`
	Area        string   `json:"area"`
	Title       string   `json:"title"`
	Filename    string   `json:"filename"`
	ContentType string   `json:"content_type"`
	Size        int64    `json:"size"`
	SHA256      string   `json:"sha256"` // lower-case hex
	UploadedBy  *string  `json:"uploaded_by"`
	UploadedAt  string   `json:"uploaded_at"`
	Notes       []string `json:"notes"`
}

// ReportState is where the report stands: its status, and who took the last step (sent it for
// quality assurance, approved it, published it…), when, with what note.
type ReportState struct {
	Status           string  `json:"status"`
	Note             string  `json:"note"`
	By               *string `json:"by"`
	At               string  `json:"at"`
	PublishedVersion *int    `json:"published_version"`
}

// ReportVersion is a saved version of the report: the built document as it was, numbered. In the
// document, ids of the review's objects are written as their refs.
type ReportVersion struct {
	Number    int             `json:"number"`
	Label     string          `json:"label"`
	CreatedBy *string         `json:"created_by"`
	CreatedAt string          `json:"created_at"`
	Doc       json.RawMessage `json:"doc"`
}

// LeftOut is something of the review the archive does not carry, and why.
type LeftOut struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// Report text keys that name no object.
var fixedTextKeys = []string{"background", "summary", "introduction", "methodology", "recommendations"}

// Problem is one thing wrong with an archive, at a JSON path such as "notes[17].visit".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// MaxProblems is how many problems checking collects: past it, checking stops. A crafted file
// can hold millions of problems, and listing them all would cost the server far more than the
// file; the first hundred say what is wrong.
const MaxProblems = 100

// Invalid is the error of an archive with problems: nothing was written.
type Invalid struct {
	Problems []Problem
	More     bool // there are more problems than these: checking stopped after MaxProblems
}

// Count says how many problems there are, as words: "1 problem", "7 problems", or "more than
// 100 problems (checking stopped after the first 100)".
func (e *Invalid) Count() string {
	switch {
	case e.More:
		return fmt.Sprintf("more than %d problems (checking stopped after the first %d)", len(e.Problems), len(e.Problems))
	case len(e.Problems) == 1:
		return "1 problem"
	}
	return strconv.Itoa(len(e.Problems)) + " problems"
}

func (e *Invalid) Error() string {
	var b strings.Builder
	b.WriteString("the archive is not valid (" + e.Count() + ")")
	for i, p := range e.Problems {
		if i == 10 {
			b.WriteString("; and more")
			break
		}
		b.WriteString("; " + p.String())
	}
	return b.String()
}

// Lines are the problems as text, the first max of them, and how many more of those found there
// are (Count says whether checking stopped early).
func (e *Invalid) Lines(max int) (lines []string, more int) {
	for i, p := range e.Problems {
		if i == max {
			return lines, len(e.Problems) - max
		}
		lines = append(lines, p.String())
	}
	return lines, 0
}

// problems collects problems as validation goes, the first MaxProblems of them; full says that
// one more was found, so checking can stop.
type problems struct {
	list []Problem
	more bool
}

func (ps *problems) add(path, format string, args ...any) {
	if len(ps.list) >= MaxProblems {
		ps.more = true
		return
	}
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) full() bool { return ps.more }

func (ps *problems) invalid() *Invalid { return &Invalid{Problems: ps.list, More: ps.more} }

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Refused reports whether err is the database refusing the archive's data: a rule of the
// service the validation does not know (a check, a unique key). The message names the rule; the
// transaction was rolled back, so nothing was imported.
func Refused(err error) (Problem, bool) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || !strings.HasPrefix(pg.Code, "23") {
		return Problem{}, false
	}
	rule := pg.ConstraintName
	if rule == "" {
		rule = pg.Message
	}
	return Problem{Message: fmt.Sprintf("the service refused the archive's data (rule %q on %s); nothing was imported", rule, pg.TableName)}, true
}
