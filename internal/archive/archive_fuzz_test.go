package archive_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"thematic/internal/archive"
)

// validArchive is a minimal archive that passes Parse: a review with every list empty.
// validRicher adds linked objects (an area, its contact, a framework group with an action area,
// evidence lists, a theme and report texts).
const validArchive = `{
  "format": "thematic-review-archive",
  "version": 1,
  "exported_at": "2026-01-02T03:04:05Z",
  "review": {
    "title": "Start for Life",
    "summary": "",
    "key_question": "",
    "fieldwork_start": "2024-01-08",
    "fieldwork_end": "2024-03-29",
    "planned_publication": null,
    "status": "fieldwork",
    "coverage_threshold": 5,
    "evidence_locked": false
  },
  "enquiry_groups": [],
  "framework_groups": [],
  "areas": [],
  "members": [],
  "visits": [],
  "evidence_sources": [],
  "evidence_roles": [],
  "themes": [],
  "self_assessment": {
    "commentary_required": null,
    "elements": [],
    "levels": [],
    "deadlines": [],
    "submissions": [],
    "answers": []
  },
  "questionnaires": [],
  "quantifier_scale": [],
  "notes": [],
  "findings": [],
  "examples": [],
  "recommendations": [],
  "report_texts": []
}
`

var validRicher = strings.NewReplacer(
	`"framework_groups": []`, `"framework_groups": [{"ref": "g1", "title": "Access", "action_areas": [{"ref": "aa1", "title": "Hubs", "quote": "Q", "citation": "C"}]}]`,
	`"areas": []`, `"areas": [{"ref": "area-E06000057", "ons_code": "E06000057", "name": "Northumberland"}]`,
	`"members": []`, `"members": [{"email": "lead@demo.test", "name": "Lead", "role": "lead", "area": null, "inspectorate": "Ofsted", "job_title": "HMI"}, {"email": "la@demo.test", "name": "Contact", "role": "la_contact", "area": "area-E06000057", "inspectorate": "", "job_title": ""}]`,
	`"evidence_sources": []`, `"evidence_sources": [{"ref": "src1", "name": "Interview", "needs_role": true}]`,
	`"evidence_roles": []`, `"evidence_roles": [{"ref": "role1", "name": "Midwife"}]`,
	`"themes": []`, `"themes": ["fathers"]`,
	`"report_texts": []`, `"report_texts": [{"key": "background", "body": "Some **text**."}, {"key": "area:aa1", "body": "More."}]`,
).Replace(validArchive)

// FuzzParseArchive checks that Parse never panics on any input and that a refused file lists
// problems each with a message (and a path, unless the problem is with the whole file).
func FuzzParseArchive(f *testing.F) {
	f.Add([]byte(validArchive))
	f.Add([]byte(validRicher))
	f.Add([]byte(strings.Replace(validRicher, `"area": "area-E06000057"`, `"area": "area-missing"`, 1)))
	f.Add([]byte(strings.Replace(validRicher, `"ref": "role1"`, `"ref": "src1"`, 1)))
	f.Add([]byte(strings.Replace(validRicher, `"version": 1`, `"version": 2`, 1)))
	f.Add([]byte(strings.Replace(validRicher, `"report_texts": [`, `"report": {"status": "approved", "note": "", "by": "lead@demo.test", "at": "2025-01-01T00:00:00Z", "published_version": 2}, "report_versions": [{"number": 1, "label": "", "created_by": null, "created_at": "2025-01-01T00:00:00Z", "doc": {"blocks": []}}], "documents": [{"ref": "d1", "area": "area-E06000057", "title": "T", "filename": "t.pdf", "content_type": "application/pdf", "size": 3, "sha256": "`+strings.Repeat("ab", 32)+`", "uploaded_by": null, "uploaded_at": "2025-01-01T00:00:00Z", "notes": []}], "report_texts": [`, 1)))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte(""))
	f.Add([]byte("   \n"))
	f.Add([]byte("{"))
	f.Add([]byte("[]"))
	f.Add([]byte("null"))
	f.Add([]byte(`{"format":"thematic-review-archive","version":1}`))
	f.Add([]byte(`{"format":"thematic-review-archive","version":"1"}`))
	f.Add([]byte(`{"format":"other","version":1}`))
	f.Add([]byte(validArchive + "{}"))
	f.Add([]byte(`{"format":"thematic-review-archive","version":1,"areas":[{"ref":"a","ons_code":"E06000057","name":"N"},{"ref":"a","ons_code":"E06000057","name":"N"}]}`))
	f.Add([]byte(`{"format":"thematic-review-archive","version":1,"notes":[{"ref":"n","visit":"missing"}],"review":{"fieldwork_start":"2024-02-30"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip()
		}
		a, err := archive.Parse(data)
		if (string(data) == validArchive || string(data) == validRicher) && err != nil {
			t.Fatalf("the valid seed is refused: %v", err)
		}
		if err == nil {
			if a == nil {
				t.Fatal("Parse gave neither an archive nor an error")
			}
			return
		}
		if a != nil {
			t.Fatal("Parse gave an archive and an error")
		}
		var inv *archive.Invalid
		if !errors.As(err, &inv) {
			if err.Error() == "" {
				t.Fatalf("error %T without a message", err)
			}
			return
		}
		if len(inv.Problems) == 0 {
			t.Fatal("Invalid without problems")
		}
		for _, p := range inv.Problems {
			if p.Message == "" {
				t.Fatalf("problem at %q without a message", p.Path)
			}
			// The path is "" for the file itself or its top-level object (a missing top-level
			// field), otherwise a JSON path such as "notes[17].visit".
			if p.Path != "" && (strings.ContainsAny(p.Path[:1], ".[]") || !utf8.ValidString(p.Path)) {
				t.Fatalf("problem %q has a malformed path %q", p.Message, p.Path)
			}
		}
	})
}
