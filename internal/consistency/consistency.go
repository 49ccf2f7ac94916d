// Package consistency holds double coding: the review lead draws a sample of evidence notes, one
// or more second coders from the review team code each sampled note blind (action areas,
// judgement, good practice), and the package measures how far the note's author and the second
// coders agree on each dimension (Cohen's kappa for two coders, Fleiss' for more, see
// internal/agreement), lists the notes they disagreed on for moderation and keeps the coding the
// lead agreed.
package consistency

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"thematic/internal/agreement"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/form"
)

// Ways of drawing a sample.
const (
	Random     = "random"      // a share of all the review's notes
	ByArea     = "area"        // a share of one local area's notes
	ByAction   = "action_area" // a share of the notes tagged with one action area
	MaxComment = 2000
)

// Judgements, the evidence notes' own.
var Judgements = []string{evidence.Strength, evidence.Development, evidence.Neutral}

// Coding is one coder's coding of a note.
type Coding struct {
	ActionAreas  []string // ids, sorted
	Judgement    string
	GoodPractice bool
}

// Equal reports whether two codings agree on every dimension.
func (c Coding) Equal(o Coding) bool {
	return c.Judgement == o.Judgement && c.GoodPractice == o.GoodPractice && slices.Equal(sorted(c.ActionAreas), sorted(o.ActionAreas))
}

func sorted(ids []string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Coder is a second coder of a sample.
type Coder struct {
	MemberID string
	Name     string
}

// SampleNote is a sampled note with its author's coding as it stood when the sample was drawn.
type SampleNote struct {
	NoteID   string
	Position int
	Body     string
	AreaName string
	Author   string
	Original Coding
}

// Sample is a review's double-coding sample.
type Sample struct {
	ID            string
	Method        string
	Share         int
	FilterID      string
	FilterName    string // the area or action area sampled from
	Seed          int64
	Population    int
	Key           string
	InMethodology bool
	Version       int
	CreatedAt     time.Time
	Coders        []Coder
	Notes         []SampleNote
	codings       []codingRow
	agreed        []agreedRow
}

// codingRow is one second coder's coding as read.
type codingRow struct {
	NoteID, MemberID string
	Coding           Coding
	Version          int
}

// agreedRow is an agreed coding as read.
type agreedRow struct {
	NoteID string
	Agreed
}

// IsCoder reports whether member memberID is one of the sample's second coders.
func (s Sample) IsCoder(memberID string) bool {
	return slices.ContainsFunc(s.Coders, func(c Coder) bool { return c.MemberID == memberID })
}

// DrawInput is what the lead's sample form sends.
type DrawInput struct {
	Method   string
	Share    string
	AreaID   string
	ActionID string
	Seed     string
	Coders   []string // member ids
	Key      string
	Replace  bool // the lead's word that a new sample replaces the review's current one
}

// Validate checks the form's own fields; the store checks the ids against the review.
func (in *DrawInput) Validate() *form.Errors {
	errs := &form.Errors{}
	switch in.Method {
	case Random:
	case ByArea:
		if !db.ValidUUID(in.AreaID) {
			errs.Add("area", "Select the local area to sample from")
		}
	case ByAction:
		if !db.ValidUUID(in.ActionID) {
			errs.Add("action-area", "Select the action area to sample from")
		}
	default:
		errs.Add("method", "Select how to draw the sample")
	}
	if n, err := strconv.Atoi(strings.TrimSpace(in.Share)); err != nil || n < 1 || n > 100 {
		errs.Add("share", "Enter the share of notes to sample as a whole number from 1 to 100")
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(in.Seed), 10, 64); err != nil {
		errs.Add("seed", "Enter the seed as a whole number")
	}
	if len(in.Coders) == 0 {
		errs.Add("coders", "Select at least one second coder")
	}
	for _, id := range in.Coders {
		if !db.ValidUUID(id) {
			errs.Add("coders", "Select second coders from the list")
			break
		}
	}
	if in.Key == "" || len(in.Key) > 64 {
		errs.Add("method", "The form could not be read. Reload the page and try again.")
	}
	return errs
}

func (in DrawInput) share() int { n, _ := strconv.Atoi(strings.TrimSpace(in.Share)); return n }
func (in DrawInput) seed() int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(in.Seed), 10, 64)
	return n
}

func (in DrawInput) filter() string {
	switch in.Method {
	case ByArea:
		return in.AreaID
	case ByAction:
		return in.ActionID
	}
	return ""
}

// SampleSize is how many of population notes a share (percent) samples: rounded up, so that any
// share of a non-empty population samples at least one note.
func SampleSize(population, share int) int {
	if population <= 0 || share <= 0 {
		return 0
	}
	return min(population, (population*share+99)/100)
}

// CodingInput is what a coding form sends (a second coder's, or the lead's agreed coding).
type CodingInput struct {
	ActionAreas  []string
	Judgement    string
	GoodPractice bool
	Comment      string // the agreed coding's note of the discussion
	Version      int    // the version the form was opened at; 0 for a first coding
}

// Validate checks the coding's own fields.
func (in *CodingInput) Validate() *form.Errors {
	errs := &form.Errors{}
	if !slices.Contains(Judgements, in.Judgement) {
		errs.Add("judgement", "Select whether this is a strength, an area for development or neutral")
	}
	for _, id := range in.ActionAreas {
		if !db.ValidUUID(id) {
			errs.Add("action-areas", "Select action areas from the list")
			break
		}
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if len([]rune(in.Comment)) > MaxComment {
		errs.Add("comment", "The note of the discussion must be 2,000 characters or fewer")
	}
	in.ActionAreas = sorted(in.ActionAreas)
	return errs
}

// Coding is the input as a coding.
func (in CodingInput) Coding() Coding {
	return Coding{ActionAreas: sorted(in.ActionAreas), Judgement: in.Judgement, GoodPractice: in.GoodPractice}
}

// Dimension is the agreement on one dimension of the coding.
type Dimension struct {
	Key    string // "judgement", "good_practice" or an action area's id
	Label  string
	Result agreement.Result
}

// Figures are a sample's agreement figures.
type Figures struct {
	Sampled    int // notes in the sample
	Complete   int // notes coded by every second coder: the n of every dimension
	Coders     int // coders of each complete note: the author and the second coders
	Judgement  Dimension
	Practice   Dimension
	Areas      []Dimension // one per action area of the framework
	Disagreed  []string    // ids of the complete notes on which the coders differed, in sample order
	CodedBy    map[string]int
	FrameOrder []string
}

// ActionArea names an action area of the review's framework.
type ActionArea struct {
	ID    string
	Title string
}

// Compute works out the figures of sample s from the second coders' codings (by note id, then
// member id) over the action areas of the review's framework. Only notes every second coder has
// coded count.
func Compute(s Sample, codings map[string]map[string]Coding, areas []ActionArea) Figures {
	f := Figures{Sampled: len(s.Notes), Coders: len(s.Coders) + 1, CodedBy: map[string]int{}}
	type item struct {
		id   string
		rows []Coding
	}
	var items []item
	for _, n := range s.Notes {
		rows := []Coding{n.Original}
		for _, c := range s.Coders {
			if cd, ok := codings[n.NoteID][c.MemberID]; ok {
				f.CodedBy[c.MemberID]++
				rows = append(rows, cd)
			}
		}
		if len(rows) == f.Coders {
			items = append(items, item{n.NoteID, rows})
		}
	}
	f.Complete = len(items)
	dim := func(key, label string, cat func(Coding) string) Dimension {
		var cats [][]string
		for _, it := range items {
			row := make([]string, len(it.rows))
			for i, c := range it.rows {
				row[i] = cat(c)
			}
			cats = append(cats, row)
		}
		r, _ := agreement.Compute(cats) // the shape is right by construction
		r.Coders = f.Coders
		if r.N == 0 {
			r.Method = method(f.Coders)
		}
		return Dimension{Key: key, Label: label, Result: r}
	}
	f.Judgement = dim("judgement", "Judgement", func(c Coding) string { return c.Judgement })
	f.Practice = dim("good_practice", "Good practice", func(c Coding) string { return strconv.FormatBool(c.GoodPractice) })
	for _, aa := range areas {
		f.Areas = append(f.Areas, dim(aa.ID, aa.Title, func(c Coding) string {
			return strconv.FormatBool(slices.Contains(c.ActionAreas, aa.ID))
		}))
	}
	for _, it := range items {
		for _, c := range it.rows[1:] {
			if !c.Equal(it.rows[0]) {
				f.Disagreed = append(f.Disagreed, it.id)
				break
			}
		}
	}
	return f
}

func method(coders int) agreement.Method {
	if coders == 2 {
		return agreement.Cohen
	}
	return agreement.Fleiss
}

// KappaText is a kappa as the pages and the methodology print it: "0.78", or "not defined".
func KappaText(r agreement.Result) string {
	if !r.Defined {
		return "not defined"
	}
	return strconv.FormatFloat(round2(r.Kappa), 'f', 2, 64)
}

func round2(x float64) float64 {
	v := math.Round(x*100) / 100
	if v == 0 {
		return 0 // no "-0.00"
	}
	return v
}

// PercentText is a share as a whole percentage: "84%".
func PercentText(x float64) string { return strconv.Itoa(int(math.Round(x*100))) + "%" }

// MethodSentence is the methodology's sentence on double coding, from the sample's figures and
// the number of notes the methodology counts: "" when there is nothing to say.
func MethodSentence(f Figures, notes int) string {
	if f.Complete == 0 {
		return ""
	}
	var b strings.Builder
	if f.Complete == 1 {
		b.WriteString("A sample of one evidence note")
	} else {
		fmt.Fprintf(&b, "A sample of %d evidence notes", f.Complete)
	}
	if notes > 0 && f.Complete <= notes {
		fmt.Fprintf(&b, " (%s of the %d notes)", PercentText(float64(f.Complete)/float64(notes)), notes)
	}
	b.WriteString(" was")
	if f.Coders == 2 {
		b.WriteString(" coded a second time, without sight of the first coding, by another member of the review team")
	} else {
		fmt.Fprintf(&b, " coded again, without sight of the first coding, by %d other members of the review team", f.Coders-1)
	}
	r := f.Judgement.Result
	b.WriteString("; agreement on whether evidence was a strength, an area for development or neither was ")
	if r.Defined {
		fmt.Fprintf(&b, "κ = %s (%s agreement)", KappaText(r), PercentText(r.Unanimous))
	} else {
		b.WriteString(PercentText(r.Unanimous))
	}
	if f.Coders > 2 {
		b.WriteString(", using Fleiss’ kappa.")
	} else {
		b.WriteString(", using Cohen’s kappa.")
	}
	return b.String()
}
