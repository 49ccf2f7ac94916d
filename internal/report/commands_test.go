package report

import (
	"context"
	"errors"
	"strings"
	"testing"

	"thematic/internal/db"
	"thematic/internal/form"
)

// A version's label over 200 characters is refused before any transaction (no database needed).
func TestSaveNamedVersionRefusesALongLabel(t *testing.T) {
	_, err := SaveNamedVersion(context.Background(), nil, db.Scope{}, strings.Repeat("l", MaxVersionLabel+1))
	var refused *form.Refused
	if !errors.As(err, &refused) || refused.Errors.Get("label") != "The label must be 200 characters or fewer" {
		t.Fatalf("err %v", err)
	}
}

// The export formats are one table: each name finds its format, and an unknown one says which
// there are.
func TestExportFormats(t *testing.T) {
	for _, f := range Formats {
		if got, ok := FormatOf(f.Name); !ok || got.Ext != f.Ext || got.ContentType == "" || got.Label == "" {
			t.Errorf("%s: %+v %v", f.Name, got, ok)
		}
	}
	if FormatNames(", ", " or ") != "html, govspeak, docx or pdf" {
		t.Errorf("names %q", FormatNames(", ", " or "))
	}
	var sb strings.Builder
	err := Export(context.Background(), &sb, "rtf", &Doc{Title: "T"})
	var unknown *UnknownFormatError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "html, govspeak, docx or pdf") {
		t.Errorf("unknown format: %v", err)
	}
	if err := Export(context.Background(), &sb, "govspeak", &Doc{Title: "T", Blocks: []Block{{Kind: Paragraph, Text: Text{{Text: "Hello"}}}}}); err != nil || !strings.Contains(sb.String(), "Hello") {
		t.Errorf("govspeak: %v %q", err, sb.String())
	}
}
