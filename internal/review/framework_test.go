package review_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"thematic/internal/review"
)

func fwTemplate(t *testing.T) review.Template {
	t.Helper()
	tpl, err := review.Templates()
	if err != nil {
		t.Fatal(err)
	}
	sfl, ok := tpl[review.StartForLife]
	if !ok {
		t.Fatal("no Start for Life template")
	}
	return sfl
}

func fwProblems(t *testing.T, err error) []review.Problem {
	t.Helper()
	var pe *review.ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("want a ProblemsError, got %v", err)
	}
	return pe.Problems
}

func TestFrameworkFileRoundTrip(t *testing.T) {
	t.Parallel()
	fw, probs := fwTemplate(t).Framework.Check()
	if len(probs) > 0 {
		t.Fatalf("template invalid: %v", probs)
	}
	if len(fw.Groups) != 2 || fw.AreaCount() != 6 {
		t.Fatalf("Start for Life framework has %d groups and %d action areas, want 2 and 6", len(fw.Groups), fw.AreaCount())
	}
	b, err := fw.MarshalFile()
	if err != nil {
		t.Fatal(err)
	}
	back, err := review.ParseFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("exported file does not import: %v", err)
	}
	if !reflect.DeepEqual(back, fw) {
		t.Fatalf("round trip changed the framework:\n%+v\n%+v", back, fw)
	}
	if !reflect.DeepEqual(back.ToFile(), fw.ToFile()) {
		t.Fatal("ToFile differs after the round trip")
	}
	b2, err := back.MarshalFile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatal("exporting the imported framework gives different bytes")
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte(`"format": "thematic-framework"`)) {
		t.Fatalf("unexpected file:\n%s", b)
	}
	// An action area without a quote leaves both fields out.
	plain := review.Framework{Groups: []review.Group{{Title: "G", Areas: []review.ActionArea{{Title: "A"}}}}}
	pb, _ := plain.MarshalFile()
	if bytes.Contains(pb, []byte("quote")) || bytes.Contains(pb, []byte("citation")) {
		t.Fatalf("empty quote written out:\n%s", pb)
	}
}

func TestParseFileTrimsText(t *testing.T) {
	t.Parallel()
	fw, err := review.ParseFile(strings.NewReader(`{"format":"thematic-framework","version":1,"groups":[
		{"title":"  Group one \n","action_areas":[{"title":"\tArea ","quote":"  ","citation":" Source "}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := fw.Groups[0].Areas[0]
	if fw.Groups[0].Title != "Group one" || a.Title != "Area" || a.Quote != "" || a.Citation != "Source" {
		t.Fatalf("text not trimmed: %+v", fw)
	}
	if fw.Groups[0].Position != 1 || a.Position != 1 {
		t.Fatalf("positions: %+v", fw)
	}
}

func TestParseFileListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := review.ParseFile(strings.NewReader(`{"format":"something-else","version":1,"groups":[
		{"title":"","action_areas":[{"title":"A","quote":"Words"}]},
		{"title":"G","action_areas":[]}]}`))
	got := fwProblems(t, err)
	want := []review.Problem{
		{"format", `must be "thematic-framework"`},
		{"groups[0].title", "must not be empty"},
		{"groups[0].action_areas[0].citation", "must be given when there is a quote, so the report can footnote it"},
		{"groups[1].action_areas", "must list at least one action area"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n got %v\nwant %v", got, want)
	}
}

func TestParseFileRefusesBadFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, path, contains string
	}{
		{"empty", "", "file", "empty"},
		{"only spaces", "  \n ", "file", "empty"},
		{"not UTF-8", "{\"format\":\"\xff\"}", "file", "UTF-8"},
		{"not JSON", "title: x", "file", "not valid JSON"},
		{"cut short", `{"format":"thematic-framework","groups":[`, "file", "not valid JSON"},
		{"two objects", `{"format":"thematic-framework"} {}`, "file", "one JSON object"},
		{"unknown field", `{"format":"thematic-framework","version":1,"colour":"red","groups":[]}`, "file", "unknown field"},
		{"wrong type", `{"format":"thematic-framework","version":"1","groups":[]}`, "version", "whole number"},
		{"too large", `{"format":"` + strings.Repeat("x", 1<<20) + `"}`, "file", "1 MB"},
	} {
		_, err := review.ParseFile(strings.NewReader(tc.file))
		probs := fwProblems(t, err)
		if len(probs) != 1 || !strings.HasSuffix(probs[0].Path, tc.path) || !strings.Contains(probs[0].Message, tc.contains) {
			t.Errorf("%s: problems %v, want one at %s saying %q", tc.name, probs, tc.path, tc.contains)
		}
	}
}

func TestCheckLimits(t *testing.T) {
	t.Parallel()
	file := func(groups int, areas int, title, quote, citation string) review.File {
		f := review.File{Format: review.FileFormat, Version: review.FileVersion}
		for i := 0; i < groups; i++ {
			g := review.FileGroup{Title: fmt.Sprintf("Group %d", i)}
			for j := 0; j < areas; j++ {
				g.ActionAreas = append(g.ActionAreas, review.FileArea{Title: title, Quote: quote, Citation: citation})
			}
			f.Groups = append(f.Groups, g)
		}
		return f
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		name string
		f    review.File
		ok   bool
	}{
		{"smallest", file(1, 1, "A", "", ""), true},
		{"50 groups of 100", file(50, 100, "A", "", ""), true},
		{"51 groups", file(51, 1, "A", "", ""), false},
		{"101 action areas", file(1, 101, "A", "", ""), false},
		{"title of 300", file(1, 1, long(300), "", ""), true},
		{"title of 301", file(1, 1, long(301), "", ""), false},
		{"padded title of 300", file(1, 1, "  "+long(300)+"  ", "", ""), true},
		{"quote of 2000", file(1, 1, "A", long(2000), "C"), true},
		{"quote of 2001", file(1, 1, "A", long(2001), "C"), false},
		{"citation of 1000", file(1, 1, "A", "Q", long(1000)), true},
		{"citation of 1001", file(1, 1, "A", "Q", long(1001)), false},
		{"citation alone", file(1, 1, "A", "", "C"), true},
		{"blank citation for a quote", file(1, 1, "A", "Q", "   "), false},
		{"no groups", file(0, 0, "", "", ""), false},
	} {
		_, probs := tc.f.Check()
		if (len(probs) == 0) != tc.ok {
			t.Errorf("%s: problems %v, want ok=%v", tc.name, probs, tc.ok)
		}
	}
}

// --- The JSON Schema agrees with ParseFile/Check ---

func fwSchemaFile(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "framework.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// schemaSamples are files with whether both the schema and the service accept them.
func fwSchemaSamples(t *testing.T) map[string]struct {
	file string
	ok   bool
} {
	t.Helper()
	sfl, err := json.MarshalIndent(fwTemplate(t).Framework, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	area := func(fields string) string {
		return `{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[` + fields + `]}]}`
	}
	groups := func(n int) string {
		var gs []string
		for i := 0; i < n; i++ {
			gs = append(gs, fmt.Sprintf(`{"title":"G%d","action_areas":[{"title":"A"}]}`, i))
		}
		return `{"format":"thematic-framework","version":1,"groups":[` + strings.Join(gs, ",") + `]}`
	}
	s := func(n int) string { return strings.Repeat("é", n) }
	vocab := func(version int, lists string) string {
		return fmt.Sprintf(`{"format":"thematic-framework","version":%d,"groups":[{"title":"G","action_areas":[{"title":"A"}]}],"vocabularies":%s}`, version, lists)
	}
	out := map[string]struct {
		file string
		ok   bool
	}{
		"start for life template":   {string(sfl), true},
		"missing action_areas":      {`{"format":"thematic-framework","version":1,"groups":[{"title":"G"}]}`, false},
		"empty action_areas":        {`{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[]}]}`, false},
		"missing groups":            {`{"format":"thematic-framework","version":1}`, false},
		"null groups":               {`{"format":"thematic-framework","version":1,"groups":null}`, false},
		"no groups":                 {`{"format":"thematic-framework","version":1,"groups":[]}`, false},
		"missing format":            {`{"version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, false},
		"wrong format":              {`{"format":"framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, false},
		"version 2":                 {`{"format":"thematic-framework","version":2,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, true},
		"version 3":                 {`{"format":"thematic-framework","version":3,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, false},
		"vocabularies":              {vocab(2, `{"evidence_sources":[{"name":"Case-file audit"},{"name":"Interview with a GP","needs_role":true}],"professional_roles":["GP"],"inspectorates":["Ofsted","HMICFRS"],"team_roles":["Lead inspector"],"addressees":["Local safeguarding partners"]}`), true},
		"empty vocabularies":        {vocab(2, `{}`), true},
		"vocabularies in version 1": {vocab(1, `{"inspectorates":["Ofsted"]}`), false},
		"unknown list":              {vocab(2, `{"colours":["red"]}`), false},
		"empty value":               {vocab(2, `{"team_roles":[" "]}`), false},
		"inspectorate of 100":       {vocab(2, `{"inspectorates":["`+s(100)+`"]}`), true},
		"inspectorate of 101":       {vocab(2, `{"inspectorates":["`+s(101)+`"]}`), false},
		"role of 201":               {vocab(2, `{"professional_roles":["`+s(201)+`"]}`), false},
		"source without a name":     {vocab(2, `{"evidence_sources":[{"needs_role":true}]}`), false},
		"source as text":            {vocab(2, `{"evidence_sources":["Case-file audit"]}`), false},
		"needs_role as text":        {vocab(2, `{"evidence_sources":[{"name":"A","needs_role":"yes"}]}`), false},
		"version as text":           {`{"format":"thematic-framework","version":"1","groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, false},
		"top-level list":            {`[]`, false},
		"unknown field at the top":  {`{"format":"thematic-framework","version":1,"notes":"x","groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`, false},
		"unknown field in a group":  {`{"format":"thematic-framework","version":1,"groups":[{"title":"G","id":"1","action_areas":[{"title":"A"}]}]}`, false},
		"unknown field in an area":  {area(`{"title":"A","footnote":"x"}`), false},
		"smallest":                  {area(`{"title":"A"}`), true},
		"missing title":             {area(`{"quote":""}`), false},
		"empty title":               {area(`{"title":""}`), false},
		"blank title":               {area(`{"title":" \n\t"}`), false},
		"title as number":           {area(`{"title":5}`), false},
		"title of 300":              {area(`{"title":"` + s(300) + `"}`), true},
		"padded title of 300":       {area(`{"title":"  ` + s(300) + ` \n"}`), true},
		"title of 301":              {area(`{"title":"` + s(301) + `"}`), false},
		"quote and citation":        {area(`{"title":"A","quote":"Q","citation":"C"}`), true},
		"quote without citation":    {area(`{"title":"A","quote":"Q"}`), false},
		"quote, empty citation":     {area(`{"title":"A","quote":"Q","citation":""}`), false},
		"quote, blank citation":     {area(`{"title":"A","quote":"Q","citation":"  "}`), false},
		"quote, null citation":      {area(`{"title":"A","quote":"Q","citation":null}`), false},
		"empty quote":               {area(`{"title":"A","quote":""}`), true},
		"blank quote":               {area(`{"title":"A","quote":"   "}`), true},
		"null quote":                {area(`{"title":"A","quote":null}`), true},
		"citation alone":            {area(`{"title":"A","citation":"C"}`), true},
		"quote as number":           {area(`{"title":"A","quote":1,"citation":"C"}`), false},
		"quote of 2000":             {area(`{"title":"A","quote":"` + s(2000) + `","citation":"C"}`), true},
		"quote of 2001":             {area(`{"title":"A","quote":"` + s(2001) + `","citation":"C"}`), false},
		"citation of 1000":          {area(`{"title":"A","quote":"Q","citation":"` + s(1000) + `"}`), true},
		"citation of 1001":          {area(`{"title":"A","quote":"Q","citation":"` + s(1001) + `"}`), false},
		"50 groups":                 {groups(50), true},
		"51 groups":                 {groups(51), false},
		"100 action areas":          {area(strings.TrimSuffix(strings.Repeat(`{"title":"A"},`, 100), ",")), true},
		"101 action areas":          {area(strings.TrimSuffix(strings.Repeat(`{"title":"A"},`, 101), ",")), false},
	}
	return out
}

func TestFrameworkSchemaAgreesWithCheck(t *testing.T) {
	t.Parallel()
	raw := fwSchemaFile(t)
	if !json.Valid(raw) {
		t.Fatal("docs/framework.schema.json is not valid JSON")
	}
	schema, err := fwDecodeNumbers(raw)
	if err != nil {
		t.Fatal(err)
	}
	root := schema.(map[string]any)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("$schema = %v, want draft 2020-12", root["$schema"])
	}
	v := &fwMiniValidator{root: root}
	samples := fwSchemaSamples(t)
	for name, s := range samples {
		_, perr := review.ParseFile(strings.NewReader(s.file))
		if (perr == nil) != s.ok {
			t.Errorf("%s: ParseFile error %v, want ok=%v", name, perr, s.ok)
		}
		doc, err := fwDecodeNumbers([]byte(s.file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verr := v.validate(root, doc, "")
		if (verr == nil) != s.ok {
			t.Errorf("%s: schema says %v, want ok=%v", name, verr, s.ok)
		}
	}
	// The documented difference: the schema cannot tell 1.0 from 1.
	oneDotZero := `{"format":"thematic-framework","version":1.0,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`
	if _, err := review.ParseFile(strings.NewReader(oneDotZero)); err == nil {
		t.Error("ParseFile accepts version 1.0; docs/framework.md says it does not")
	}
	if v.unknown != nil {
		t.Fatalf("the schema uses keywords this test does not check: %v", v.unknown)
	}
	fwCheckWithPython(t, raw, samples)
}

// checkWithPython validates the samples with the Python jsonschema package too, where it is
// installed: a full implementation of draft 2020-12, including its regular expressions' Unicode rules.
func fwCheckWithPython(t *testing.T, schema []byte, samples map[string]struct {
	file string
	ok   bool
}) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil || exec.Command(py, "-c", "import jsonschema").Run() != nil {
		t.Log("python3 with jsonschema not found: checked with the built-in validator only")
		return
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "schema.json"), schema, 0o600); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, s := range samples {
		file := fmt.Sprintf("sample%d.json", len(names))
		names = append(names, name)
		if err := os.WriteFile(filepath.Join(dir, file), []byte(s.file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	script := `
import json, sys, os, jsonschema
d = sys.argv[1]
schema = json.load(open(os.path.join(d, "schema.json"), encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for i in range(int(sys.argv[2])):
    doc = json.load(open(os.path.join(d, "sample%d.json" % i), encoding="utf-8"))
    print("ok" if v.is_valid(doc) else "invalid")
`
	out, err := exec.Command(py, "-c", script, dir, fmt.Sprint(len(names))).CombinedOutput()
	if err != nil {
		t.Fatalf("python jsonschema: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(names) {
		t.Fatalf("python jsonschema printed %q", out)
	}
	for i, name := range names {
		if got := lines[i] == "ok"; got != samples[name].ok {
			t.Errorf("%s: python jsonschema says %s, want ok=%v", name, lines[i], samples[name].ok)
		}
	}
}

func fwDecodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// fwMiniValidator checks a document against the subset of JSON Schema 2020-12 the framework schema
// uses. A keyword it does not know is recorded in unknown, and the test fails: it never passes a
// document by ignoring part of the schema.
type fwMiniValidator struct {
	root    map[string]any
	unknown []string
}

var fwSchemaAnnotations = map[string]bool{"$schema": true, "$id": true, "$comment": true, "title": true, "description": true, "$defs": true}

func (v *fwMiniValidator) validate(schema map[string]any, doc any, at string) error {
	for k, sv := range schema {
		if fwSchemaAnnotations[k] || k == "then" {
			continue
		}
		var err error
		switch k {
		case "$ref":
			ref, _ := sv.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			defs, _ := v.root["$defs"].(map[string]any)
			target, found := defs[name].(map[string]any)
			if !ok || !found {
				return fmt.Errorf("%s: unresolved $ref %q", at, ref)
			}
			err = v.validate(target, doc, at)
		case "type":
			err = v.checkType(sv, doc, at)
		case "const":
			if !fwJSONEqual(sv, doc) {
				err = fmt.Errorf("%s: must be %v", at, sv)
			}
		case "required":
			if obj, ok := doc.(map[string]any); ok {
				for _, r := range sv.([]any) {
					if _, has := obj[r.(string)]; !has {
						err = fmt.Errorf("%s: %s is required", at, r)
						break
					}
				}
			}
		case "properties":
			if obj, ok := doc.(map[string]any); ok {
				for name, sub := range sv.(map[string]any) {
					if val, has := obj[name]; has {
						if err = v.validate(sub.(map[string]any), val, at+"."+name); err != nil {
							break
						}
					}
				}
			}
		case "additionalProperties":
			if sv != false {
				v.unknown = append(v.unknown, "additionalProperties other than false")
				continue
			}
			if obj, ok := doc.(map[string]any); ok {
				props, _ := schema["properties"].(map[string]any)
				for name := range obj {
					if _, known := props[name]; !known {
						err = fmt.Errorf("%s: unknown field %s", at, name)
						break
					}
				}
			}
		case "items":
			if arr, ok := doc.([]any); ok {
				for i, item := range arr {
					if err = v.validate(sv.(map[string]any), item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
						break
					}
				}
			}
		case "minItems", "maxItems":
			if arr, ok := doc.([]any); ok {
				n, _ := sv.(json.Number).Int64()
				if k == "minItems" && int64(len(arr)) < n || k == "maxItems" && int64(len(arr)) > n {
					err = fmt.Errorf("%s: %d items breaks %s %d", at, len(arr), k, n)
				}
			}
		case "minLength", "maxLength":
			if s, ok := doc.(string); ok {
				n, _ := sv.(json.Number).Int64()
				l := int64(utf8.RuneCountInString(s))
				if k == "minLength" && l < n || k == "maxLength" && l > n {
					err = fmt.Errorf("%s: length %d breaks %s %d", at, l, k, n)
				}
			}
		case "pattern":
			if s, ok := doc.(string); ok {
				re, cerr := regexp.Compile(sv.(string))
				if cerr != nil {
					return fmt.Errorf("pattern %q: %v", sv, cerr)
				}
				if !re.MatchString(s) {
					err = fmt.Errorf("%s: does not match %s", at, sv)
				}
			}
		case "enum":
			err = fmt.Errorf("%s: must be one of %v", at, sv)
			for _, x := range sv.([]any) {
				if fwJSONEqual(x, doc) {
					err = nil
				}
			}
		case "not":
			if v.validate(sv.(map[string]any), doc, at) == nil {
				err = fmt.Errorf("%s: must not match %v", at, sv)
			}
		case "if":
			branch := "then"
			if v.validate(sv.(map[string]any), doc, at) != nil {
				branch = "else"
			}
			if sub, ok := schema[branch].(map[string]any); ok {
				err = v.validate(sub, doc, at)
			}
		default:
			v.unknown = append(v.unknown, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (v *fwMiniValidator) checkType(want, doc any, at string) error {
	var types []string
	switch w := want.(type) {
	case string:
		types = []string{w}
	case []any:
		for _, x := range w {
			types = append(types, x.(string))
		}
	}
	for _, ty := range types {
		switch d := doc.(type) {
		case nil:
			if ty == "null" {
				return nil
			}
		case string:
			if ty == "string" {
				return nil
			}
		case bool:
			if ty == "boolean" {
				return nil
			}
		case map[string]any:
			if ty == "object" {
				return nil
			}
		case []any:
			if ty == "array" {
				return nil
			}
		case json.Number:
			if ty == "number" {
				return nil
			}
			if ty == "integer" {
				if r, ok := new(big.Rat).SetString(d.String()); ok && r.IsInt() {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("%s: must be of type %v", at, types)
}

func fwJSONEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		ar, _ := new(big.Rat).SetString(an.String())
		br, _ := new(big.Rat).SetString(bn.String())
		return ar != nil && br != nil && ar.Cmp(br) == 0
	}
	return reflect.DeepEqual(a, b)
}
