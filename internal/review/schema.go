package review

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"thematic/internal/schema"
)

// FrameworkSchemaJSON is the framework file's JSON Schema (draft 2020-12), published in the
// repository and described in docs/framework.md.
//
//go:embed framework.schema.json
var FrameworkSchemaJSON []byte

// frameworkSchemaURL is the schema's $id.
const frameworkSchemaURL = "https://thematic.invalid/schemas/framework.schema.json"

// FrameworkSchema is the compiled schema (compiled once).
var FrameworkSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return schema.Compile(frameworkSchemaURL, FrameworkSchemaJSON, false)
})

// maxFileValues bounds the values (fields and list entries) of a framework file, checked before
// the schema: the largest framework (50 groups of 100 action areas) with long lists holds a few
// tens of thousands, and a validator lists a problem for every bad value, so a 1 MB file of half
// a million bad values would cost far more memory than the file.
const maxFileValues = 100_000

// countValues counts the values of a decoded document, stopping once over limit.
func countValues(v any, limit int) int {
	n := 1
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			if n += countValues(c, limit-n); n > limit {
				return n
			}
		}
	case []any:
		for _, c := range x {
			if n += countValues(c, limit-n); n > limit {
				return n
			}
		}
	}
	return n
}

// shapeProblems validates a decoded file against the schema and returns what makes it unreadable
// as a framework file: values of the wrong type and unknown fields. The schema's other rules
// (required fields, lengths after trimming, a citation for each quote, the lists' sizes) are
// Check's too, which words them for the people importing the file and trims white space as
// strings.TrimSpace does (Unicode white space, which the schema's patterns, read as RE2, do not
// all see); a test keeps the schema and Check in agreement.
func shapeProblems(doc any) ([]Problem, error) {
	s, err := FrameworkSchema()
	if err != nil {
		return nil, err
	}
	verr, ok := s.Validate(doc).(*jsonschema.ValidationError)
	if !ok || verr == nil {
		return nil, nil
	}
	var probs []Problem
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			leaves(c)
		}
		if len(e.Causes) > 0 {
			return
		}
		path := problemPath(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.Type:
			probs = append(probs, Problem{path, "must be " + typeWords(k.Want) + ", not " + typeWords([]string{k.Got})})
		case *kind.AdditionalProperties:
			for _, p := range slices.Sorted(slices.Values(k.Properties)) {
				probs = append(probs, Problem{path, "has an unknown field " + strconv.Quote(p)})
			}
		}
	}
	leaves(verr)
	slices.SortStableFunc(probs, func(a, b Problem) int { return comparePaths(a.Path, b.Path) })
	return slices.CompactFunc(probs, func(a, b Problem) bool { return a == b }), nil
}

// problemPath writes an instance location as the paths of Problem: "groups[1].action_areas[0].title",
// or "file" for the whole file.
func problemPath(loc []string) string {
	var b strings.Builder
	for _, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	if b.Len() == 0 {
		return "file"
	}
	return b.String()
}

// fieldOrder is the order of the fields in the schema (and in an exported file), for listing
// problems in the order of the file.
var fieldOrder = map[string]int{"format": 1, "version": 2, "groups": 3, "vocabularies": 4,
	"title": 1, "action_areas": 2, "quote": 3, "citation": 4,
	"evidence_sources": 1, "professional_roles": 2, "inspectorates": 3, "team_roles": 4, "addressees": 5,
	"name": 1, "needs_role": 2}

// comparePaths orders problem paths as the file lists what they name: the whole file first, list
// entries by number, fields in the schema's order.
func comparePaths(a, b string) int {
	if a == b {
		return 0
	}
	if a == "file" || b == "file" {
		if a == "file" {
			return -1
		}
		return 1
	}
	sa, sb := schema.SplitPath(a), schema.SplitPath(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		x, y := sa[i], sb[i]
		if x == y {
			continue
		}
		nx, errx := strconv.Atoi(x)
		ny, erry := strconv.Atoi(y)
		if errx == nil && erry == nil {
			return nx - ny
		}
		ox, oy := fieldOrder[x], fieldOrder[y]
		if ox == 0 {
			ox = 100
		}
		if oy == 0 {
			oy = 100
		}
		if ox != oy {
			return ox - oy
		}
		return strings.Compare(x, y)
	}
	return len(sa) - len(sb)
}

var typeWord = map[string]string{"object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
	"number": "a number", "boolean": "true or false", "null": "null"}

// typeWords names JSON types in words, null last: "text or null".
func typeWords(ts []string) string {
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "null":
			return 1
		case b == "null":
			return -1
		}
		return 0
	})
	var words []string
	for _, t := range ts {
		if w, ok := typeWord[t]; ok {
			words = append(words, w)
		} else {
			words = append(words, t)
		}
	}
	return strings.Join(words, " or ")
}

// decodeDocument reads the file as one JSON value, numbers kept as written.
func decodeDocument(raw []byte) (any, *Problem) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &Problem{"file", jsonErrorMessage(err)}
	}
	if _, err := dec.Token(); err != io.EOF { // anything after the value, even a stray bracket
		return nil, &Problem{"file", "The file must hold one JSON object"}
	}
	return doc, nil
}
