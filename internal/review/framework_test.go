package review_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

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
	b, err := os.ReadFile("framework.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, review.FrameworkSchemaJSON) {
		t.Fatal("the embedded schema is not framework.schema.json")
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
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatalf("framework.schema.json is not valid JSON: %v", err)
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("$schema = %v, want draft 2020-12", root["$schema"])
	}
	// The schema is itself valid draft 2020-12 (compiling checks it against the meta-schema), and
	// a full implementation of the draft validates the samples.
	schema, err := review.FrameworkSchema()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range fwSchemaSamples(t) {
		_, perr := review.ParseFile(strings.NewReader(s.file))
		if (perr == nil) != s.ok {
			t.Errorf("%s: ParseFile error %v, want ok=%v", name, perr, s.ok)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(s.file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verr := schema.Validate(doc)
		if (verr == nil) != s.ok {
			t.Errorf("%s: schema says %v, want ok=%v", name, verr, s.ok)
		}
	}
	// The documented difference: the schema cannot tell 1.0 from 1.
	oneDotZero := `{"format":"thematic-framework","version":1.0,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`
	if _, err := review.ParseFile(strings.NewReader(oneDotZero)); err == nil {
		t.Error("ParseFile accepts version 1.0; docs/framework.md says it does not")
	}
}

// A file of the wrong shape gets the schema's problems, each at its path in the order of the
// file, and not the problems of the rules that follow from them.
func TestParseFileShapeProblems(t *testing.T) {
	t.Parallel()
	_, err := review.ParseFile(strings.NewReader(`{"version":"2","format":"thematic-framework","groups":[
		{"title":"G","action_areas":[{"title":5,"quote":["Q"]},{"title":"A","footnote":"x","colour":"red"}]},
		{"title":"G2","id":"x","action_areas":[]}],"notes":1}`))
	got := fwProblems(t, err)
	want := []review.Problem{
		{"file", `has an unknown field "notes"`},
		{"version", "must be a whole number, not text"},
		{"groups[0].action_areas[0].title", "must be text, not a number"},
		{"groups[0].action_areas[0].quote", "must be text or null, not a list"},
		{"groups[0].action_areas[1]", `has an unknown field "colour"`},
		{"groups[0].action_areas[1]", `has an unknown field "footnote"`},
		{"groups[1]", `has an unknown field "id"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n got %v\nwant %v", got, want)
	}
	// A top-level value that is not an object, and a file of a million values.
	if got := fwProblems(t, func() error { _, err := review.ParseFile(strings.NewReader(`[1]`)); return err }()); !reflect.DeepEqual(got,
		[]review.Problem{{"file", "must be an object, not a list"}}) {
		t.Errorf("a list: %v", got)
	}
	many := `{"format":"thematic-framework","version":2,"groups":[` + strings.Repeat("1,", 300_000) + `1]}`
	got = fwProblems(t, func() error { _, err := review.ParseFile(strings.NewReader(many)); return err }())
	if len(got) != 1 || got[0].Path != "file" || !strings.Contains(got[0].Message, "more than 100000 values") {
		t.Errorf("300,000 values: %v", got)
	}
	for _, trailing := range []string{" {}", " ]", " 1", "x"} {
		_, err := review.ParseFile(strings.NewReader(`{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}` + trailing))
		if got := fwProblems(t, err); len(got) != 1 || got[0].Message != "The file must hold one JSON object" {
			t.Errorf("trailing %q: %v", trailing, got)
		}
	}
}
