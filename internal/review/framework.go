package review

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Framework is the sections a review's report is organised by: groups of action areas. A
// framework file may also carry the review's vocabularies (Vocabulary), which travel with it.
type Framework struct {
	Groups     []Group
	Vocabulary Vocabulary
}

// Group is a group of action areas, such as "Ensuring families have access to the services they need".
type Group struct {
	ID       string
	Title    string
	Position int
	Areas    []ActionArea
}

// ActionArea is one section of the framework, with an optional policy quote and its citation
// (which becomes a footnote in the report).
type ActionArea struct {
	ID       string
	GroupID  string
	Title    string
	Quote    string
	Citation string
	Position int
}

// AreaCount is the number of action areas across all groups.
func (f Framework) AreaCount() int {
	n := 0
	for _, g := range f.Groups {
		n += len(g.Areas)
	}
	return n
}

// Limits shared with the database's checks.
const (
	MaxGroupTitle = 300
	MaxAreaTitle  = 300
	MaxQuote      = 2000
	MaxCitation   = 1000
	maxGroups     = 50
	maxAreas      = 100 // per group
	maxFileBytes  = 1 << 20
)

// FileFormat and FileVersion identify a framework file. Version 2 added the vocabularies;
// files of version 1 are still read.
const (
	FileFormat  = "thematic-framework"
	FileVersion = 2
)

// File is the documented JSON form of a framework (framework.schema.json, docs/framework.md).
type File struct {
	Format       string      `json:"format"`
	Version      int         `json:"version"`
	Groups       []FileGroup `json:"groups"`
	Vocabularies *Vocabulary `json:"vocabularies,omitempty"`
}

// FileGroup is a group in a framework file.
type FileGroup struct {
	Title       string     `json:"title"`
	ActionAreas []FileArea `json:"action_areas"`
}

// FileArea is an action area in a framework file.
type FileArea struct {
	Title    string `json:"title"`
	Quote    string `json:"quote,omitempty"`
	Citation string `json:"citation,omitempty"`
}

// ToFile gives the framework's file form, for export.
func (f Framework) ToFile() File {
	out := File{Format: FileFormat, Version: FileVersion, Groups: []FileGroup{}}
	for _, g := range f.Groups {
		fg := FileGroup{Title: g.Title, ActionAreas: []FileArea{}}
		for _, a := range g.Areas {
			fg.ActionAreas = append(fg.ActionAreas, FileArea{Title: a.Title, Quote: a.Quote, Citation: a.Citation})
		}
		out.Groups = append(out.Groups, fg)
	}
	if !f.Vocabulary.Empty() {
		v := f.Vocabulary
		out.Vocabularies = &v
	}
	return out
}

// MarshalFile writes the framework as indented JSON.
func (f Framework) MarshalFile() ([]byte, error) {
	b, err := json.MarshalIndent(f.ToFile(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("review: marshal framework: %w", err)
	}
	return append(b, '\n'), nil
}

// Problem is one thing wrong with an imported file, at a JSON path such as
// "groups[1].action_areas[0].title".
type Problem struct {
	Path    string
	Message string
}

// ProblemsError lists every problem found in a file.
type ProblemsError struct{ Problems []Problem }

func (e *ProblemsError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path + ": " + p.Message)
	}
	return b.String()
}

// ParseFile reads and checks a framework file. Every problem is listed, not only the first; on
// any problem the framework is not returned, so nothing is half-imported.
func ParseFile(r io.Reader) (Framework, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return Framework{}, fmt.Errorf("review: read framework file: %w", err)
	}
	if len(raw) > maxFileBytes {
		return Framework{}, &ProblemsError{[]Problem{{"file", "The file must be 1 MB or smaller"}}}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return Framework{}, &ProblemsError{[]Problem{{"file", "The file is empty"}}}
	}
	if !utf8.Valid(raw) {
		return Framework{}, &ProblemsError{[]Problem{{"file", "The file must be UTF-8 text"}}}
	}
	doc, prob := decodeDocument(raw)
	if prob != nil {
		return Framework{}, &ProblemsError{[]Problem{*prob}}
	}
	if countValues(doc, maxFileValues) > maxFileValues {
		return Framework{}, &ProblemsError{[]Problem{{"file", fmt.Sprintf(
			"The file holds more than %d values (fields and list entries): a framework file holds far fewer", maxFileValues)}}}
	}
	// The shape against the JSON Schema first: a file of the wrong shape gets those problems,
	// not the rules' problems that follow from them.
	probs, err := shapeProblems(doc)
	if err != nil {
		return Framework{}, err
	}
	if len(probs) > 0 {
		return Framework{}, &ProblemsError{probs}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil { // 1.0 for a whole number: the schema cannot tell it from 1
		return Framework{}, &ProblemsError{[]Problem{{jsonErrorPath(err), jsonErrorMessage(err)}}}
	}
	fw, probs := f.Check()
	if len(probs) > 0 {
		return Framework{}, &ProblemsError{probs}
	}
	return fw, nil
}

// Check validates a file's content and converts it.
func (f File) Check() (Framework, []Problem) {
	var probs []Problem
	add := func(path, format string, args ...any) {
		probs = append(probs, Problem{path, fmt.Sprintf(format, args...)})
	}
	if f.Format != FileFormat {
		add("format", "must be %q", FileFormat)
	}
	if f.Version != FileVersion && f.Version != 1 {
		add("version", "must be %d", FileVersion)
	}
	if f.Vocabularies != nil && f.Version == 1 {
		add("vocabularies", "needs version %d of the format: change the version to %d", FileVersion, FileVersion)
	}
	if len(f.Groups) == 0 {
		add("groups", "must list at least one group")
	}
	if len(f.Groups) > maxGroups {
		add("groups", "must list %d groups or fewer", maxGroups)
	}
	var fw Framework
	text := func(path, s string, required bool, max int) string {
		s = strings.TrimSpace(s)
		switch n := utf8.RuneCountInString(s); {
		case required && n == 0:
			add(path, "must not be empty")
		case n > max:
			add(path, "must be %d characters or fewer", max)
		}
		return s
	}
	for gi, g := range f.Groups {
		gp := fmt.Sprintf("groups[%d]", gi)
		grp := Group{Title: text(gp+".title", g.Title, true, MaxGroupTitle), Position: gi + 1}
		if len(g.ActionAreas) == 0 {
			add(gp+".action_areas", "must list at least one action area")
		}
		if len(g.ActionAreas) > maxAreas {
			add(gp+".action_areas", "must list %d action areas or fewer", maxAreas)
		}
		for ai, a := range g.ActionAreas {
			ap := fmt.Sprintf("%s.action_areas[%d]", gp, ai)
			area := ActionArea{
				Title:    text(ap+".title", a.Title, true, MaxAreaTitle),
				Quote:    text(ap+".quote", a.Quote, false, MaxQuote),
				Citation: text(ap+".citation", a.Citation, false, MaxCitation),
				Position: ai + 1,
			}
			if area.Quote != "" && area.Citation == "" {
				add(ap+".citation", "must be given when there is a quote, so the report can footnote it")
			}
			grp.Areas = append(grp.Areas, area)
		}
		fw.Groups = append(fw.Groups, grp)
	}
	if f.Vocabularies != nil {
		v := *f.Vocabularies
		v.Sources = append([]SourceName(nil), v.Sources...)
		for _, msg := range v.Check() {
			path, m, _ := strings.Cut(msg, ": ")
			add("vocabularies."+path, "%s", m)
		}
		fw.Vocabulary = v
	}
	return fw, probs
}

func jsonErrorPath(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return ute.Field
	}
	return "file"
}

func jsonErrorMessage(err error) string {
	var se *json.SyntaxError
	var ute *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("The file is not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &ute):
		return fmt.Sprintf("must be %s, not %s", jsonKind(ute.Type.Kind().String()), ute.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "has an unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "The file is not valid JSON: it ends too soon"
	}
	return "The file is not valid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "text"
	case "slice":
		return "a list"
	case "struct":
		return "an object"
	case "int":
		return "a whole number"
	}
	return k
}

// Template is a built-in starting point for a review.
type Template struct {
	Format         string         `json:"format"`
	Version        int            `json:"version"`
	Name           string         `json:"name"`
	Description    string         `json:"description"`
	KeyQuestion    string         `json:"key_question"`
	LinesOfEnquiry []TemplateLine `json:"lines_of_enquiry"`
	Framework      File           `json:"framework"`
	Vocabulary     Vocabulary     `json:"vocabularies"`
}

// TemplateLine is a group of lines of enquiry in a template.
type TemplateLine struct {
	Title     string   `json:"title"`
	Questions []string `json:"questions"`
}

//go:embed templates/*.json
var templateFiles embed.FS

// Templates returns the built-in templates, keyed by file name without ".json".
func Templates() (map[string]Template, error) {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	out := map[string]Template{}
	for _, e := range entries {
		b, err := templateFiles.ReadFile("templates/" + e.Name())
		if err != nil {
			return nil, err
		}
		var t Template
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("review: template %s: %w", e.Name(), err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = t
	}
	return out, nil
}

// StartForLife is the key of the built-in Start for Life template.
const StartForLife = "start-for-life"
