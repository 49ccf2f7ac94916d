package subject

import "testing"

func TestMatcherFindsTheNameTheEmailAndDetectedNames(t *testing.T) {
	m := newMatcher(Query{Name: "Jane Smith", Email: "Jane.S@Example.org"})
	for text, want := range map[string]string{
		"We met JANE   smith at the centre.":        "name",
		"Write to jane.s@example.org next week.":    "email",
		"Mrs Smith said the group helped.":          "detected: Mrs Smith",
		"Janet Smithson ran the group.":             "",
		"Dr Jane Doe ran the clinic.":               "",
		"The smithy was closed; Jane was not there": "",
		"Baby Smith (Jane, 2) came with Dad.":       "",
		"Sarah said Smith had moved.":               "",
		"Her mum (Jane Smith, 34) came.":            "name",
		"Grandad said Jane Smithers came.":          "",
	} {
		if got, _ := m.match(text); got != want {
			t.Errorf("match(%q) = %q, want %q", text, got, want)
		}
	}
	if errs := (Query{Name: " "}).Validate(); errs["name"] == "" {
		t.Error("an empty name is accepted")
	}
	if errs := (Query{Name: "Jo", Email: "not an email"}).Validate(); errs["email"] == "" || errs["name"] != "" {
		t.Errorf("Validate = %v", errs)
	}
}
