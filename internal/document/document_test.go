package document_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"thematic/internal/document"
)

// zipOf builds a ZIP archive with the given entries (name → content), in order.
func zipOf(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDocumentSniff(t *testing.T) {
	t.Parallel()
	docx := zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>")
	xlsx := zipOf(t, "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook/>")
	odt := zipOf(t, "mimetype", document.TypeODT, "content.xml", "<office/>")
	ods := zipOf(t, "mimetype", document.TypeODS, "content.xml", "<office/>")
	plainZip := zipOf(t, "readme.txt", "hello")
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	png := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13, 'I', 'H', 'D', 'R')
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0}
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)
	csv := []byte("question,answer,count\nHow did you hear?,Health visitor,12\n")

	for _, tc := range []struct {
		name    string
		content []byte
		want    string
		err     error
	}{
		{"report.pdf", pdf, document.TypePDF, nil},
		{"REPORT.PDF", pdf, document.TypePDF, nil},
		{"photo.png", png, document.TypePNG, nil},
		{"photo.jpg", jpeg, document.TypeJPEG, nil},
		{"photo.jpeg", jpeg, document.TypeJPEG, nil},
		{"plan.docx", docx, document.TypeDOCX, nil},
		{"data.xlsx", xlsx, document.TypeXLSX, nil},
		{"plan.odt", odt, document.TypeODT, nil},
		{"data.ods", ods, document.TypeODS, nil},
		{"counts.csv", csv, document.TypeCSV, nil},
		{"empty.pdf", nil, "", document.ErrEmpty},
		{"empty.csv", []byte{}, "", document.ErrEmpty},
		{"virus.exe", exe, "", document.ErrUnsupported},
		{"notes.txt", csv, "", document.ErrUnsupported},
		{"no-extension", pdf, "", document.ErrUnsupported},
		{"virus.pdf", exe, "", document.ErrMismatch},         // a renamed EXE
		{"virus.csv", exe, "", document.ErrMismatch},         // binary is not CSV
		{"archive.docx", plainZip, "", document.ErrMismatch}, // a renamed ZIP
		{"archive.xlsx", plainZip, "", document.ErrMismatch},
		{"archive.odt", plainZip, "", document.ErrMismatch},
		{"sheet.docx", xlsx, "", document.ErrMismatch},
		{"text.ods", odt, "", document.ErrMismatch},
		{"image.pdf", png, "", document.ErrMismatch},
		{"doc.png", pdf, "", document.ErrMismatch},
		{"nul.csv", []byte("a,b\x00,c\n"), "", document.ErrMismatch},
		{"latin1.csv", []byte("caf\xe9,1\n"), "", document.ErrMismatch},
	} {
		got, err := document.Sniff(tc.name, tc.content)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestDocumentCleanName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".PDF"
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd.csv", "passwd.csv"},
		{`C:\Users\ann\Self assessment.DOCX`, "Self assessment.docx"},
		{"a\x00b\x1fc\u202e.pdf", "abc.pdf"},
		{`what<>:"|?*.pdf`, "what_______.pdf"},
		{"  lots   of\tspace .pdf", "lots of space.pdf"},
		{"...hidden.png", "hidden.png"},
		{".pdf", "document.pdf"},
		{"", "document"},
		{"CON.csv", "_CON.csv"},
		{"evil.pdf\r\nX-Header: 1", "evil.pdfX-Header_ 1"},
	} {
		if got := document.CleanName(tc.in); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := document.CleanName(long)
	if len(got) > document.MaxNameLen || !strings.HasSuffix(got, ".pdf") || !strings.HasPrefix(got, "éé") {
		t.Errorf("CleanName(long) = %q (%d bytes): want at most %d bytes ending .pdf", got, len(got), document.MaxNameLen)
	}
}

func TestDocumentTitleFromName(t *testing.T) {
	t.Parallel()
	if got := document.TitleFromName("Self assessment 2023.docx"); got != "Self assessment 2023" {
		t.Errorf("got %q", got)
	}
}
