package evidence_test

import (
	"strings"
	"testing"

	"thematic/internal/evidence"
)

func validInput() evidence.NoteInput {
	id := "00000000-0000-0000-0000-000000000001"
	return evidence.NoteInput{VisitID: id, SourceID: id, NoteDate: "2023-08-01", Body: "Words.",
		ActionAreas: []string{id}, Lines: []string{id}, Tags: []string{" infant  feeding ", "Infant Feeding", ""},
		Judgement: evidence.Neutral}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	in := validInput()
	if errs := in.Validate(); errs.Any() {
		t.Fatalf("valid input refused: %v", errs.List())
	}
	if len(in.Tags) != 1 || in.Tags[0] != "infant feeding" {
		t.Errorf("tags = %q", in.Tags)
	}
	cases := []struct {
		field string
		edit  func(*evidence.NoteInput)
	}{
		{"source", func(in *evidence.NoteInput) { in.SourceID = "" }},
		{"role", func(in *evidence.NoteInput) { in.RoleID = "midwife" }},
		{"note-date", func(in *evidence.NoteInput) { in.NoteDate = "" }},
		{"note-date", func(in *evidence.NoteInput) { in.NoteDate = "2023-02-30" }},
		{"body", func(in *evidence.NoteInput) { in.Body = " \n " }},
		{"body", func(in *evidence.NoteInput) { in.Body = strings.Repeat("a", evidence.MaxBody+1) }},
		{"action-areas", func(in *evidence.NoteInput) { in.ActionAreas = []string{"x"} }},
		{"lines", func(in *evidence.NoteInput) { in.Lines = []string{"x"} }},
		{"tags", func(in *evidence.NoteInput) { in.Tags = []string{strings.Repeat("t", evidence.MaxTag+1)} }},
		{"judgement", func(in *evidence.NoteInput) { in.Judgement = "excellent" }},
	}
	for _, c := range cases {
		in := validInput()
		c.edit(&in)
		if errs := in.Validate(); !errs.Has(c.field) {
			t.Errorf("%s: no message (%v)", c.field, errs.List())
		}
	}
	in = validInput()
	in.Body = strings.Repeat("é", evidence.MaxBody) // characters, not bytes
	if errs := in.Validate(); errs.Any() {
		t.Errorf("20,000 characters refused: %v", errs.List())
	}
}
