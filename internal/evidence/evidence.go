// Package evidence holds evidence notes: what an inspector saw, heard or read on a visit, with its
// source, the action areas and lines of enquiry it bears on and its theme tags.
package evidence

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/notefile"
)

// Limits.
const (
	MaxBody    = 20000 // characters, as the database checks
	MaxTag     = 100   // characters in a tag name
	MaxTags    = 20    // tags on one note
	MaxKey     = 64    // characters in an idempotency key
	dateLayout = "2006-01-02"
)

// Judgements a note may carry.
const (
	Strength    = "strength"
	Development = "development"
	Neutral     = "neutral"
)

// NoteInput is what a form sends to create or edit a note. Ids are as the form sent them.
type NoteInput struct {
	VisitID      string
	SourceID     string
	RoleID       string // "" when the source needs none
	NoteDate     string // YYYY-MM-DD
	Body         string
	ActionAreas  []string
	Lines        []string
	Tags         []string // names; created on the fly, reused whatever their case
	Documents    []string // ids of the area's supporting documents the note cites
	Judgement    string
	GoodPractice bool
	FamilyWords  bool
	Safeguarding bool
	Key          string          // idempotency key, for Create
	Files        []notefile.File // photos and files to attach, checked and prepared already
}

// Date parses NoteDate; Validate has checked it.
func (in NoteInput) Date() time.Time {
	d, _ := time.Parse(dateLayout, strings.TrimSpace(in.NoteDate))
	return d
}

// Validate checks what can be checked without the database. Field ids: source, role, note-date,
// body, action-areas, lines, tags, judgement (documents are checked against the area by the store,
// whose message names the area: field id documents).
func (in *NoteInput) Validate() *form.Errors {
	errs := &form.Errors{}
	if !db.ValidUUID(in.SourceID) {
		errs.Add("source", "Select where the evidence came from")
	}
	if in.RoleID != "" && !db.ValidUUID(in.RoleID) {
		errs.Add("role", "Select the professional's role")
	}
	if strings.TrimSpace(in.NoteDate) == "" {
		errs.Add("note-date", "Enter the date of the evidence")
	} else if _, err := time.Parse(dateLayout, strings.TrimSpace(in.NoteDate)); err != nil {
		errs.Add("note-date", "Date of the evidence must be a real date")
	}
	switch n := utf8.RuneCountInString(in.Body); {
	case strings.TrimSpace(in.Body) == "":
		errs.Add("body", "Enter the evidence")
	case n > MaxBody:
		errs.Add("body", fmt.Sprintf("Evidence must be %s characters or fewer", "20,000"))
	}
	for _, id := range in.ActionAreas {
		if !db.ValidUUID(id) {
			errs.Add("action-areas", "Select action areas from the list")
		}
	}
	for _, id := range in.Lines {
		if !db.ValidUUID(id) {
			errs.Add("lines", "Select lines of enquiry from the list")
		}
	}
	in.Tags = cleanTags(in.Tags)
	if len(in.Tags) > MaxTags {
		errs.Add("tags", fmt.Sprintf("Enter %d themes or fewer", MaxTags))
	}
	for _, t := range in.Tags {
		if utf8.RuneCountInString(t) > MaxTag {
			errs.Add("tags", fmt.Sprintf("Each theme must be %d characters or fewer", MaxTag))
		}
	}
	switch in.Judgement {
	case Strength, Development, Neutral:
	default:
		errs.Add("judgement", "Select whether this is a strength, an area for development or neither")
	}
	return errs
}

// cleanTags trims tags, drops empty ones and duplicates (whatever their case), keeping order.
func cleanTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	return out
}

// Note is a stored note with its links.
type Note struct {
	ID           string
	ReviewID     string
	VisitID      string
	AreaID       string
	AuthorID     string
	SourceID     string
	RoleID       string
	NoteDate     time.Time
	Body         string
	Judgement    string
	GoodPractice bool
	FamilyWords  bool
	Safeguarding bool
	Version      int
	DeletedAt    *time.Time
	PurgedAt     *time.Time // when its text went: purged under the retention policy, or erased
	LockedAt     *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ActionAreas  []string // ids
	Lines        []string // ids
	Tags         []string // names, sorted
	Documents    []string // ids of the cited supporting documents, sorted
}
