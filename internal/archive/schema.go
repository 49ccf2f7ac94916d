package archive

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SchemaJSON is the archive format's JSON Schema (draft 2020-12), published in the repository.
//
//go:embed schema.json
var SchemaJSON []byte

// Node is one schema object: the subset of JSON Schema the archive's schema uses.
type Node struct {
	Ref                  string           `json:"$ref"`
	Type                 any              `json:"type"` // a name or a list of names
	Description          string           `json:"description"`
	Properties           map[string]*Node `json:"properties"`
	Required             []string         `json:"required"`
	AdditionalProperties *bool            `json:"additionalProperties"`
	Items                *Node            `json:"items"`
	MinItems             *int             `json:"minItems"`
	MinLength            *int             `json:"minLength"`
	MaxLength            *int             `json:"maxLength"`
	Minimum              *float64         `json:"minimum"`
	Maximum              *float64         `json:"maximum"`
	Enum                 []any            `json:"enum"`
	Const                any              `json:"const"`
	Pattern              string           `json:"pattern"`
	Format               string           `json:"format"`
	Defs                 map[string]*Node `json:"$defs"`

	re *regexp.Regexp
}

var (
	schemaOnce sync.Once
	schemaRoot *Node
	schemaErr  error
)

// Schema parses the embedded schema once.
func Schema() (*Node, error) {
	schemaOnce.Do(func() {
		var n Node
		if err := json.Unmarshal(SchemaJSON, &n); err != nil {
			schemaErr = fmt.Errorf("archive: schema: %w", err)
			return
		}
		schemaErr = n.compile(&n)
		schemaRoot = &n
	})
	return schemaRoot, schemaErr
}

func (n *Node) compile(root *Node) error {
	if n == nil {
		return nil
	}
	if n.Pattern != "" {
		re, err := regexp.Compile(n.Pattern)
		if err != nil {
			return fmt.Errorf("archive: schema pattern %q: %w", n.Pattern, err)
		}
		n.re = re
	}
	if n.Ref != "" && root.resolve(n.Ref) == nil {
		return fmt.Errorf("archive: schema: unknown $ref %q", n.Ref)
	}
	for _, c := range n.Properties {
		if err := c.compile(root); err != nil {
			return err
		}
	}
	for _, c := range n.Defs {
		if err := c.compile(root); err != nil {
			return err
		}
	}
	return n.Items.compile(root)
}

func (n *Node) resolve(ref string) *Node {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	return n.Defs[name]
}

// Types are the JSON types the node allows (none: any).
func (n *Node) Types() []string {
	switch t := n.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// validator walks a document against the schema, collecting problems with their paths.
type validator struct {
	root *Node
	ps   *problems
}

// checkShape validates raw JSON against the schema: types, required and unknown keys, lengths,
// ranges, enumerations, patterns and date formats. Large arrays are walked one element at a time.
func checkShape(data []byte, ps *problems) error {
	root, err := Schema()
	if err != nil {
		return err
	}
	v := validator{root: root, ps: ps}
	v.check("", json.RawMessage(data), root)
	return nil
}

func jsonType(raw json.RawMessage) string {
	b := bytes.TrimLeft(raw, " \t\r\n")
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

var typeWords = map[string]string{"object": "an object", "array": "a list", "string": "a string (text in quotes)",
	"integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "null"}

func describeTypes(ts []string) string {
	var words []string
	for _, t := range ts {
		words = append(words, typeWords[t])
	}
	return strings.Join(words, " or ")
}

func at(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}

func (v validator) check(path string, raw json.RawMessage, n *Node) {
	if n.Ref != "" {
		v.check(path, raw, v.root.resolve(n.Ref))
	}
	jt := jsonType(raw)
	if ts := n.Types(); len(ts) > 0 {
		okType := slices.Contains(ts, jt)
		if !okType && jt == "number" && slices.Contains(ts, "integer") {
			var f float64
			if json.Unmarshal(raw, &f) == nil && f == float64(int64(f)) && !bytes.ContainsAny(raw, ".eE") {
				okType, jt = true, "integer"
			}
		}
		if !okType {
			v.ps.add(path, "must be %s", describeTypes(ts))
			return
		}
	}
	switch jt {
	case "object":
		v.object(path, raw, n)
	case "array":
		v.array(path, raw, n)
	default:
		v.scalar(path, raw, n)
	}
}

func (v validator) object(path string, raw json.RawMessage, n *Node) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		v.ps.add(path, "must be an object")
		return
	}
	for _, k := range n.Required {
		if _, ok := m[k]; !ok {
			v.ps.add(path, "%q is missing", k)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := k
		if path != "" {
			sub = path + "." + k
		}
		c, ok := n.Properties[k]
		if !ok {
			if n.AdditionalProperties != nil && !*n.AdditionalProperties {
				v.ps.add(sub, "is not a field of the archive format")
			}
			continue
		}
		v.check(sub, m[k], c)
		delete(m, k) // let a large section go once it is checked
	}
}

func (v validator) array(path string, raw json.RawMessage, n *Node) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		v.ps.add(path, "must be a list")
		return
	}
	if n.MinItems != nil && len(items) < *n.MinItems {
		v.ps.add(path, "must have at least %d entries", *n.MinItems)
	}
	if n.Items == nil {
		return
	}
	for i, it := range items {
		v.check(idx(path, i), it, n.Items)
		items[i] = nil // let each element go once it is checked
	}
}

func (v validator) scalar(path string, raw json.RawMessage, n *Node) {
	var val any
	if err := json.Unmarshal(raw, &val); err != nil {
		v.ps.add(path, "is not valid JSON")
		return
	}
	if n.Const != nil && !sameValue(val, n.Const) {
		v.ps.add(path, "must be %s", quoteValue(n.Const))
		return
	}
	if len(n.Enum) > 0 && !slices.ContainsFunc(n.Enum, func(e any) bool { return sameValue(val, e) }) {
		var words []string
		for _, e := range n.Enum {
			words = append(words, quoteValue(e))
		}
		v.ps.add(path, "must be one of %s", strings.Join(words, ", "))
		return
	}
	switch x := val.(type) {
	case string:
		l := utf8.RuneCountInString(x)
		if n.MinLength != nil && l < *n.MinLength {
			if *n.MinLength == 1 {
				v.ps.add(path, "must not be empty")
			} else {
				v.ps.add(path, "must be at least %d characters", *n.MinLength)
			}
			return
		}
		if n.MaxLength != nil && l > *n.MaxLength {
			v.ps.add(path, "must be %d characters or fewer (it has %d)", *n.MaxLength, l)
			return
		}
		if n.re != nil && !n.re.MatchString(x) {
			v.ps.add(path, "%s is not in the expected form (%s)", quoteValue(short(x)), n.Pattern)
			return
		}
		switch n.Format {
		case "date":
			if _, err := time.Parse(time.DateOnly, x); err != nil {
				v.ps.add(path, "%s is not a date (YYYY-MM-DD)", quoteValue(short(x)))
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				v.ps.add(path, "%s is not a date and time (RFC 3339)", quoteValue(short(x)))
			}
		}
	case float64:
		if n.Minimum != nil && x < *n.Minimum {
			v.ps.add(path, "must be %v or more", *n.Minimum)
		} else if n.Maximum != nil && x > *n.Maximum {
			v.ps.add(path, "must be %v or less", *n.Maximum)
		}
	}
}

func sameValue(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && fa == fb
	}
	return a == b
}

func quoteValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:57]) + "…"
}
