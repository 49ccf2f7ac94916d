package report

import (
	"context"
	"io"
	"strings"
)

// Format is one of the downloads of a published report: never with flags, origins or the
// evidence trail. The service's download and the command line's "report export" both use it.
type Format struct {
	Name        string // as in the URL and --format: html, govspeak, docx, pdf
	Label       string // as the download links name it
	Ext         string // the file name's extension
	ContentType string
	// Buffered says the writer may fail before its first byte (PDF needs Chromium): write it to
	// a buffer first so that a failure can still answer with a page.
	Buffered bool
	write    func(ctx context.Context, w io.Writer, d *Doc) error
}

// Write writes d in the format.
func (f Format) Write(ctx context.Context, w io.Writer, d *Doc) error { return f.write(ctx, w, d) }

// Formats are the export formats, in the order they are offered.
var Formats = []Format{
	{Name: "html", Label: "HTML", Ext: "html", ContentType: "text/html; charset=utf-8",
		write: func(_ context.Context, w io.Writer, d *Doc) error { return WriteHTML(w, d, HTMLOptions{}) }},
	{Name: "govspeak", Label: "Govspeak for GOV.UK publishing", Ext: "md", ContentType: "text/markdown; charset=utf-8",
		write: func(_ context.Context, w io.Writer, d *Doc) error { return WriteGovspeak(w, d) }},
	{Name: "docx", Label: "Word (DOCX)", Ext: "docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		write: func(_ context.Context, w io.Writer, d *Doc) error { return WriteDOCX(w, d) }},
	{Name: "pdf", Label: "PDF", Ext: "pdf", ContentType: "application/pdf", Buffered: true, write: WritePDF},
}

// FormatOf finds an export format by name.
func FormatOf(name string) (Format, bool) {
	for _, f := range Formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// FormatNames lists the formats' names, "html, govspeak, docx or pdf".
func FormatNames(sep, last string) string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = f.Name
	}
	if len(names) < 2 {
		return strings.Join(names, sep)
	}
	return strings.Join(names[:len(names)-1], sep) + last + names[len(names)-1]
}

// Export writes d in the named format; an unknown name is an error.
func Export(ctx context.Context, w io.Writer, format string, d *Doc) error {
	f, ok := FormatOf(format)
	if !ok {
		return &UnknownFormatError{Name: format}
	}
	return f.Write(ctx, w, d)
}

// UnknownFormatError is a format Export does not know.
type UnknownFormatError struct{ Name string }

func (e *UnknownFormatError) Error() string {
	return "unknown export format " + e.Name + ": give " + FormatNames(", ", " or ")
}
