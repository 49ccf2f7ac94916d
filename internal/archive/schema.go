package archive

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"thematic/internal/schema"
)

// SchemaJSON is the archive format's JSON Schema (draft 2020-12), published in the repository.
//
//go:embed schema.json
var SchemaJSON []byte

// schemaURL is the schema's $id.
const schemaURL = "https://github.com/thematic/thematic/internal/archive/schema.json"

// Schema is the compiled schema (compiled once), with its formats (date, date-time) asserted.
var Schema = sync.OnceValues(func() (*jsonschema.Schema, error) { return schema.Compile(schemaURL, SchemaJSON, true) })

// maxEntryValues bounds the values of one entry (a note, a finding; a section that is not a
// list) that the web import validates at once, counting only values the schema describes (not
// those inside a saved report document, which it leaves free). The validator lists a problem for
// every bad value, at some hundreds of bytes each, so an entry is checked whole only when that
// cost is bounded: 60,000 bad values cost about 35 MB. No real entry comes near it (the largest,
// the self-assessment of 153 areas, holds some tens of thousands).
const maxEntryValues = 60_000

// checker validates a document against the schema as a stream: the top-level sections one at a
// time, and the lists among them one entry at a time, each entry decoded and validated by the
// JSON Schema implementation, then dropped. What checking costs is that of the largest entry,
// whatever the number of entries; checking stops after MaxProblems problems.
type checker struct {
	ps  *problems
	dec *json.Decoder

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
	c := &checker{ps: ps, dec: dec, maxValues: maxValues}
	if err := c.document(root); err != nil && !errors.Is(err, errStop) {
		ps.add("", "the file could not be read: %v", err)
	}
	return nil
}

// count adds n values read, refusing the file once there are too many.
func (c *checker) count(n int64) error {
	if c.values += n; c.maxValues > 0 && c.values > c.maxValues {
		// One problem: the rest of the file is not worth reading.
		c.ps.list, c.ps.more = nil, false
		c.ps.add("", "the archive holds more than %d values (fields and list entries), more than this service reads from a file of its size limit: import it with the command line", c.maxValues)
		return errStop
	}
	return nil
}

// stop answers errStop once checking should end.
func (c *checker) stop() error {
	if c.ps.full() {
		return errStop
	}
	return nil
}

// document reads the top-level object section by section.
func (c *checker) document(root *jsonschema.Schema) error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		c.ps.add("", "must be an object")
		return nil
	}
	if err := c.count(1); err != nil {
		return err
	}
	seen := map[string]bool{}
	for c.dec.More() {
		tok, err := c.dec.Token() // a key costs nothing once read: not counted
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		s, ok := root.Properties[k]
		if !ok {
			if root.AdditionalProperties == false {
				c.ps.add(k, "is not a field of the archive format")
				if err := c.stop(); err != nil {
					return err
				}
			}
			if _, err := c.decodeEntry(k, false); err != nil {
				return err
			}
			continue
		}
		seen[k] = true
		if err := c.section(k, s); err != nil {
			return err
		}
	}
	if _, err := c.dec.Token(); err != nil { // the closing brace
		return err
	}
	for _, k := range root.Required {
		if !seen[k] {
			c.ps.add("", "%q is missing", k)
		}
	}
	return c.stop()
}

// section checks one top-level value: a list entry by entry, an object field by field (each
// decoded apart, then the object validated whole), a scalar as it is.
func (c *checker) section(path string, s *jsonschema.Schema) error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	if err := c.count(1); err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		var items *jsonschema.Schema
		var minItems *int
		for r := s; r != nil && items == nil; r = r.Ref { // keywords beside a $ref, or behind it
			items, minItems = r.Items2020, r.MinItems
		}
		var list []any // kept only when the schema wants no list here, to say so
		n := 0
		for ; c.dec.More(); n++ {
			p := idx(path, n)
			v, err := c.decodeEntry(p, true)
			if err != nil {
				return err
			}
			switch {
			case items != nil:
				if c.checkable(p, *v, items) {
					c.validate(p, *v, items)
				}
			default:
				list = append(list, *v)
			}
			if err := c.stop(); err != nil {
				return err
			}
		}
		if _, err := c.dec.Token(); err != nil { // the closing bracket
			return err
		}
		if items == nil && c.checkable(path, list, s) {
			c.validate(path, list, s)
		} else if minItems != nil && n < *minItems {
			c.ps.add(path, "must have at least %d entries", *minItems)
		}
	case json.Delim('{'):
		obj := map[string]any{}
		for c.dec.More() {
			tok, err := c.dec.Token()
			if err != nil {
				return err
			}
			k, _ := tok.(string)
			v, err := c.decodeEntry(joinPath(path, []string{k}), true)
			if err != nil {
				return err
			}
			obj[k] = *v
		}
		if _, err := c.dec.Token(); err != nil { // the closing brace
			return err
		}
		if c.checkable(path, obj, s) {
			c.validate(path, obj, s)
		}
	default:
		if n, ok := tok.(json.Number); ok {
			c.validate(path, n, s)
		} else {
			c.validate(path, tok, s)
		}
	}
	return c.stop()
}

// decodeEntry reads the next value and counts its values; with keep, it decodes it, numbers as
// written (without, it gives nil).
func (c *checker) decodeEntry(path string, keep bool) (*any, error) {
	var raw json.RawMessage
	if err := c.dec.Decode(&raw); err != nil {
		return nil, err
	}
	n := countValues(raw)
	if err := c.count(n); err != nil {
		return nil, err
	}
	if !keep {
		return nil, nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// checkable says whether a decoded entry may be validated whole, adding a problem when it may
// not: one that holds more than maxEntryValues values the schema s describes.
func (c *checker) checkable(path string, v any, s *jsonschema.Schema) bool {
	if c.maxValues == 0 {
		return true
	}
	if n := described(v, s, maxEntryValues+1); n > maxEntryValues {
		c.ps.add(path, "holds more than %d values (fields and list entries), more than this service checks in one entry: import the archive with the command line", maxEntryValues)
		return false
	}
	return true
}

// described counts the values of v that schema s describes, stopping past limit: values below an
// object or list whose schema says nothing of its contents count as one.
func described(v any, s *jsonschema.Schema, limit int) int {
	for s != nil && s.Ref != nil && s.Properties == nil && s.Items2020 == nil {
		s = s.Ref
	}
	n := 1
	switch x := v.(type) {
	case map[string]any:
		if s == nil || s.Properties == nil {
			return n
		}
		for k, c := range x {
			if n += described(c, s.Properties[k], limit-n); n > limit {
				return n
			}
		}
	case []any:
		if s == nil || s.Items2020 == nil {
			return n
		}
		for _, c := range x {
			if n += described(c, s.Items2020, limit-n); n > limit {
				return n
			}
		}
	}
	return n
}

// countValues counts the values in valid JSON as the decoder gives them: every object, list,
// string, number, true, false and null, but not the keys of objects.
func countValues(raw []byte) int64 {
	var n, keys int64
	inString, escaped, prevValueEnd := false, false, false
	for _, b := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
			n++
			prevValueEnd = false
		case '{', '[':
			n++
			prevValueEnd = false
		case ':':
			keys++ // the string before it was a key
			prevValueEnd = false
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			prevValueEnd = false
		default: // a number or a literal: count its first byte only
			if !prevValueEnd {
				n++
				prevValueEnd = true
			}
		}
	}
	return n - keys
}

// validate checks a decoded value at path against s and adds its problems, in the order of
// the file as far as it can tell: a value's own fields before what is missing from it.
func (c *checker) validate(path string, v any, s *jsonschema.Schema) {
	err := s.Validate(v)
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		if err != nil {
			c.ps.add(path, "could not be checked: %v", err)
		}
		return
	}
	var list []Problem
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		for _, ch := range e.Causes {
			leaves(ch)
		}
		if len(e.Causes) == 0 {
			list = append(list, problemsOf(joinPath(path, e.InstanceLocation), e.ErrorKind)...)
		}
	}
	leaves(verr)
	slices.SortStableFunc(list, func(a, b Problem) int { return comparePaths(a.Path, b.Path) })
	for _, p := range slices.Compact(list) {
		c.ps.add(p.Path, "%s", p.Message)
	}
}

// joinPath writes an instance location below path as the problems' paths: "notes[3].text".
func joinPath(path string, loc []string) string {
	var b strings.Builder
	b.WriteString(path)
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
	return b.String()
}

// comparePaths orders problems as a reader of the file meets them: entries by number, and what
// lies inside a value before what is said of the value itself (a missing field is found at the
// end of its object). Fields of one object keep the validator's order.
func comparePaths(a, b string) int {
	sa, sb := schema.SplitPath(a), schema.SplitPath(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if sa[i] == sb[i] {
			continue
		}
		na, erra := strconv.Atoi(sa[i])
		nb, errb := strconv.Atoi(sb[i])
		if erra == nil && errb == nil {
			return na - nb
		}
		return 0
	}
	return len(sb) - len(sa) // the deeper path first
}

// problemsOf words one failed keyword as the archive's problems.
func problemsOf(path string, k jsonschema.ErrorKind) []Problem {
	one := func(format string, args ...any) []Problem {
		return []Problem{{Path: path, Message: fmt.Sprintf(format, args...)}}
	}
	switch k := k.(type) {
	case *kind.Type:
		return one("must be %s", describeTypes(k.Want))
	case *kind.AdditionalProperties:
		var out []Problem
		for _, p := range k.Properties {
			out = append(out, Problem{Path: joinPath(path, []string{p}), Message: "is not a field of the archive format"})
		}
		return out
	case *kind.Required:
		var out []Problem
		for _, m := range k.Missing {
			out = append(out, Problem{Path: path, Message: strconv.Quote(m) + " is missing"})
		}
		return out
	case *kind.Const:
		return one("must be %s", quoteValue(k.Want))
	case *kind.Enum:
		var words []string
		for _, e := range k.Want {
			words = append(words, quoteValue(e))
		}
		return one("must be one of %s", strings.Join(words, ", "))
	case *kind.MinLength:
		if k.Want == 1 {
			return one("must not be empty")
		}
		return one("must be at least %d characters", k.Want)
	case *kind.MaxLength:
		return one("must be %d characters or fewer (it has %d)", k.Want, k.Got)
	case *kind.Pattern:
		return one("%s is not in the expected form (%s)", quoteValue(short(k.Got)), k.Want)
	case *kind.Format:
		s, _ := k.Got.(string)
		switch k.Want {
		case "date":
			return one("%s is not a date (YYYY-MM-DD)", quoteValue(short(s)))
		case "date-time":
			return one("%s is not a date and time (RFC 3339)", quoteValue(short(s)))
		}
		return one("%s is not in the format %s", quoteValue(short(s)), k.Want)
	case *kind.Minimum:
		return one("must be %s or more", k.Want.RatString())
	case *kind.Maximum:
		return one("must be %s or less", k.Want.RatString())
	case *kind.MinItems:
		return one("must have at least %d entries", k.Want)
	case *kind.MaxItems:
		return one("must have %d entries or fewer", k.Want)
	}
	return one("%s", (&jsonschema.ValidationError{ErrorKind: k}).Error())
}

var typeWords = map[string]string{"object": "an object", "array": "a list", "string": "a string (text in quotes)",
	"integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "null"}

// describeTypes names JSON types in words, null last: "a string (text in quotes) or null".
func describeTypes(ts []string) string {
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
		if w, ok := typeWords[t]; ok {
			words = append(words, w)
		} else {
			words = append(words, t)
		}
	}
	return strings.Join(words, " or ")
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
