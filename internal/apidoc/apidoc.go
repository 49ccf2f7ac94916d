// Package apidoc holds the public API's OpenAPI 3.1 document (openapi.json, written by hand and
// embedded), checks it, and reads it into the reference page's model. The document is the
// contract: the server's tests validate every API response against it.
package apidoc

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.json
var document []byte

// JSON is the document as served.
func JSON() []byte { return document }

// Load parses the document and resolves its references.
func Load() (*openapi3.T, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("apidoc: load: %w", err)
	}
	return doc, nil
}

// Lint loads the document and validates it as OpenAPI 3.1 (kin-openapi's Validate, which reads
// the version from the document), and checks what Validate leaves alone: every operation has an
// id, a summary, a tag and a description, and a 401 unless it is public.
func Lint(ctx context.Context) (*openapi3.T, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("apidoc: the document is OpenAPI %s, not 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("apidoc: validate: %w", err)
	}
	var problems []string
	for _, op := range Operations(doc) {
		name := op.Method + " " + op.Path
		o := op.op
		if o.OperationID == "" || o.Summary == "" || o.Description == "" || len(o.Tags) == 0 {
			problems = append(problems, name+": needs an operationId, summary, description and tag")
		}
		if !op.Public && o.Responses.Value("401") == nil {
			problems = append(problems, name+": needs a 401 response")
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("apidoc: %s", strings.Join(problems, "; "))
	}
	return doc, nil
}

// Operation is one operation as the reference page shows it.
type Operation struct {
	Method, Path, ID, Summary, Description, Tag string
	Public                                      bool // needs no token
	Params                                      []Param
	Body                                        []Field // the JSON request body's fields
	Responses                                   []Response
	op                                          *openapi3.Operation
}

// Param is a path, query or header parameter.
type Param struct {
	Name, In, Type, Description string
	Required                    bool
}

// Field is a property of a JSON object.
type Field struct {
	Name, Type, Description string
	Required                bool
}

// Response is a status an operation may answer with.
type Response struct {
	Status, Description string
	Types               []string // media types
	Schema              string   // the JSON body's schema name, if it is one of the components
}

var methodOrder = map[string]int{"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}

// Operations lists the document's operations in path order.
func Operations(doc *openapi3.T) []Operation {
	var out []Operation
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		item := paths[path]
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		sort.Slice(methods, func(i, j int) bool { return methodOrder[methods[i]] < methodOrder[methods[j]] })
		for _, m := range methods {
			o := ops[m]
			op := Operation{Method: m, Path: path, ID: o.OperationID, Summary: o.Summary, Description: o.Description, op: o,
				Public: o.Security != nil && len(*o.Security) == 0}
			if len(o.Tags) > 0 {
				op.Tag = o.Tags[0]
			}
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), o.Parameters...) {
				if p.Value == nil {
					continue
				}
				op.Params = append(op.Params, Param{Name: p.Value.Name, In: p.Value.In, Type: typeOf(p.Value.Schema),
					Description: p.Value.Description, Required: p.Value.Required})
			}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				if mt := o.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					op.Body = fields(mt.Schema)
				}
			}
			codes := make([]string, 0)
			for code := range o.Responses.Map() {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				rr := o.Responses.Value(code)
				if rr == nil || rr.Value == nil {
					continue
				}
				resp := Response{Status: code}
				if rr.Value.Description != nil {
					resp.Description = *rr.Value.Description
				}
				for t, mt := range rr.Value.Content {
					resp.Types = append(resp.Types, t)
					if mt.Schema != nil && mt.Schema.Ref != "" && (t == "application/json" || t == "application/problem+json") {
						resp.Schema = refName(mt.Schema.Ref)
					}
				}
				sort.Strings(resp.Types)
				op.Responses = append(op.Responses, resp)
			}
			out = append(out, op)
		}
	}
	return out
}

// Schema is a component schema with its fields, for the reference page.
type Schema struct {
	Name, Description string
	Fields            []Field
}

// Schemas lists the component schemas by name.
func Schemas(doc *openapi3.T) []Schema {
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Schema, 0, len(names))
	for _, n := range names {
		ref := doc.Components.Schemas[n]
		out = append(out, Schema{Name: n, Description: ref.Value.Description, Fields: fields(ref)})
	}
	return out
}

func fields(ref *openapi3.SchemaRef) []Field {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Field
	for _, n := range names {
		p := s.Properties[n]
		desc := ""
		if p.Value != nil {
			desc = p.Value.Description
		}
		out = append(out, Field{Name: n, Type: typeOf(p), Description: desc, Required: contains(s.Required, n)})
	}
	return out
}

// typeOf says a schema's type as a reader wants it: "string (uuid)", "array of Note", "Counts".
func typeOf(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	if ref.Ref != "" {
		return refName(ref.Ref)
	}
	s := ref.Value
	if s == nil || s.Type == nil {
		return ""
	}
	var kinds []string
	for _, t := range *s.Type {
		if t == openapi3.TypeArray && s.Items != nil {
			kinds = append(kinds, "array of "+typeOf(s.Items))
			continue
		}
		if t == openapi3.TypeString && s.Format != "" {
			t += " (" + s.Format + ")"
		}
		kinds = append(kinds, t)
	}
	out := strings.Join(kinds, " or ")
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		out += ": " + strings.Join(vals, ", ")
	}
	return out
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
