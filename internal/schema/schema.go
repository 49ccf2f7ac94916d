// Package schema compiles the JSON Schemas (draft 2020-12) of the files people upload: the
// framework file and the review archive. Each format words its own problems.
package schema

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles the schema doc, whose $id is id. With assertFormats the "format" keywords
// (date, date-time) are checked, not only noted.
func Compile(id string, doc []byte, assertFormats bool) (*jsonschema.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", id, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if assertFormats {
		c.AssertFormat()
	}
	if err := c.AddResource(id, v); err != nil {
		return nil, fmt.Errorf("schema %s: %w", id, err)
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", id, err)
	}
	return s, nil
}

// SplitPath cuts a problem's path ("groups[1].action_areas[0].title") into its names and
// numbers.
func SplitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
}
