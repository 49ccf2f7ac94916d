package archive

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
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

// validator walks a document against the schema as a stream of tokens, collecting problems with
// their paths. Nothing of the document is kept but the path in hand: a section of a million
// entries costs no more than one entry.
type validator struct {
	root *Node
	ps   *problems
	dec  *json.Decoder

	values, maxValues int64 // values read so far, and the most allowed (0: any number)
}

// errStop ends the walk once MaxProblems problems and one more are found.
var errStop = errors.New("archive: enough problems found")

// checkShape validates JSON (known to be valid JSON) against the schema: types, required and
// unknown keys, lengths, ranges, enumerations, patterns and date formats. It stops at the first
// MaxProblems problems. A file of more than maxValues values (0: any number) is refused at once.
func checkShape(data []byte, maxValues int64, ps *problems) error {
	root, err := Schema()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // integers are told from other numbers by their text
	v := &validator{root: root, ps: ps, dec: dec, maxValues: maxValues}
	if err := v.value("", root); err != nil && !errors.Is(err, errStop) {
		ps.add("", "the file could not be read: %v", err)
	}
	return nil
}

// token reads the next token, counting the values.
func (v *validator) token() (json.Token, error) {
	tok, err := v.dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		return tok, nil
	}
	if v.values++; v.maxValues > 0 && v.values > v.maxValues {
		// One problem: the rest of the file is not worth reading.
		v.ps.list, v.ps.more = nil, false
		v.ps.add("", "the archive holds more than %d values (fields and list entries), more than this service reads from a file of its size limit: import it with the command line", v.maxValues)
		return nil, errStop
	}
	return tok, nil
}

// stop answers errStop once checking should end.
func (v *validator) stop() error {
	if v.ps.full() {
		return errStop
	}
	return nil
}

// tokenType is the JSON type of a token as the decoder gives it.
func tokenType(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
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

// value reads one value from the stream and checks it against n.
func (v *validator) value(path string, n *Node) error {
	for n.Ref != "" { // the schema gives nothing beside a $ref
		n = v.root.resolve(n.Ref)
	}
	tok, err := v.token()
	if err != nil {
		return err
	}
	jt := tokenType(tok)
	if ts := n.Types(); len(ts) > 0 {
		okType := slices.Contains(ts, jt)
		if !okType && jt == "number" && slices.Contains(ts, "integer") {
			if _, err := strconv.ParseInt(string(tok.(json.Number)), 10, 64); err == nil {
				okType, jt = true, "integer"
			}
		}
		if !okType {
			v.ps.add(path, "must be %s", describeTypes(ts))
			if err := v.stop(); err != nil {
				return err
			}
			return v.skip(tok)
		}
	}
	switch jt {
	case "object":
		return v.object(path, n)
	case "array":
		return v.array(path, n)
	}
	if num, ok := tok.(json.Number); ok {
		f, err := num.Float64()
		if err != nil {
			v.ps.add(path, "is not a number this service can read")
			return v.stop()
		}
		tok = f
	}
	v.scalar(path, tok, n)
	return v.stop()
}

// skip reads past the rest of a value whose first token was tok.
func (v *validator) skip(tok json.Token) error {
	if d, ok := tok.(json.Delim); !ok || (d != '{' && d != '[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := v.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// object checks an object's members as they come, then that no required one was missing.
func (v *validator) object(path string, n *Node) error {
	seen := map[string]bool{} // of the schema's properties only, so a few keys at most
	for v.dec.More() {
		tok, err := v.dec.Token() // a key costs nothing once read: not counted
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		sub := k
		if path != "" {
			sub = path + "." + k
		}
		c, ok := n.Properties[k]
		if !ok {
			if n.AdditionalProperties != nil && !*n.AdditionalProperties {
				v.ps.add(sub, "is not a field of the archive format")
				if err := v.stop(); err != nil {
					return err
				}
			}
			if err := v.skipValue(); err != nil {
				return err
			}
			continue
		}
		seen[k] = true
		if err := v.value(sub, c); err != nil {
			return err
		}
	}
	if _, err := v.token(); err != nil { // the closing brace
		return err
	}
	for _, k := range n.Required {
		if !seen[k] {
			v.ps.add(path, "%q is missing", k)
		}
	}
	return v.stop()
}

// skipValue reads past the next value.
func (v *validator) skipValue() error {
	tok, err := v.token()
	if err != nil {
		return err
	}
	return v.skip(tok)
}

// array checks a list one entry at a time.
func (v *validator) array(path string, n *Node) error {
	count := 0
	for ; v.dec.More(); count++ {
		var err error
		if n.Items == nil {
			err = v.skipValue()
		} else {
			err = v.value(idx(path, count), n.Items)
		}
		if err != nil {
			return err
		}
	}
	if _, err := v.token(); err != nil { // the closing bracket
		return err
	}
	if n.MinItems != nil && count < *n.MinItems {
		v.ps.add(path, "must have at least %d entries", *n.MinItems)
	}
	return v.stop()
}

// scalar checks a string, number (as float64), boolean or null.
func (v *validator) scalar(path string, val any, n *Node) {
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
