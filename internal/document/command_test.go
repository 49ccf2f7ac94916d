package document_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"thematic/internal/document"
)

type refuseAll struct{}

func (refuseAll) Scan(context.Context, string, []byte) error { return errors.New("infected") }

// The upload form's checks: every row at fault is named, against its own field, and a form with
// no file at all asks for one.
func TestUploadInputCheck(t *testing.T) {
	ctx, log := context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))
	pdf := []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	in := document.UploadInput{Key: "form-key", Limit: 100, LimitText: "100 bytes", Rows: []document.Sent{
		{Title: "Plan"}, // a title without a file
		{Title: strings.Repeat("x", 201), Chosen: true, Filename: "a.pdf", Size: int64(len(pdf)), Content: pdf},
		{Chosen: true, Filename: "big.pdf", Size: 101},
		{Chosen: true, Filename: "odd.pdf", Size: 3, Unreadable: true},
		{Chosen: true, Filename: "Annual report.pdf", Size: int64(len(pdf)), Content: pdf},
	}}
	ups, errs := in.Check(ctx, document.NoScan{}, log)
	for field, want := range map[string]string{"file-1": "Select a file to go with the title", "title-2": "200 characters",
		"file-3": "smaller than 100 bytes", "file-4": "could not be read"} {
		if !strings.Contains(errs.Get(field), want) {
			t.Errorf("%s: %q, want it to say %q", field, errs.Get(field), want)
		}
	}
	if len(ups) != 2 || ups[1].Title != "Annual report" || ups[1].Key != "form-key:4" {
		t.Fatalf("uploads: %+v", ups)
	}

	_, errs = document.UploadInput{Limit: 100, Rows: make([]document.Sent, 3)}.Check(ctx, document.NoScan{}, log)
	if errs.Get("file-1") != "Select a file to upload" {
		t.Errorf("empty form: %v", errs.List())
	}
	_, errs = document.UploadInput{Limit: 100, Rows: in.Rows[4:]}.Check(ctx, refuseAll{}, log)
	if !strings.Contains(errs.Get("file-1"), "virus check") {
		t.Errorf("scanner refusal: %v", errs.List())
	}
}
