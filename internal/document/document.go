// Package document keeps the supporting documents a local area sends before its visit: the type
// of each file is checked by its content, its name is cleaned, and its bytes are stored in
// PostgreSQL with their SHA-256. A Scanner runs before a file is stored as available.
package document

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Document is a stored file's description; the content is read separately.
type Document struct {
	ID          string
	ReviewID    string
	AreaID      string
	Title       string
	Filename    string
	ContentType string
	Size        int64
	SHA256      []byte
	UploadedBy  string
	Uploader    string // the uploader's name
	UploadedAt  time.Time
}

// Scanner checks a file before it becomes available, e.g. with an anti-virus engine. An error
// refuses the file; its message is not shown to users.
type Scanner interface {
	Scan(ctx context.Context, name string, content []byte) error
}

// NoScan is the default Scanner: it accepts everything.
type NoScan struct{}

// Scan accepts the file.
func (NoScan) Scan(context.Context, string, []byte) error { return nil }

// The content types the service accepts, by extension.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypeODS  = "application/vnd.oasis.opendocument.spreadsheet"
	TypeCSV  = "text/csv; charset=utf-8"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
)

var byExt = map[string]string{
	".pdf": TypePDF, ".docx": TypeDOCX, ".xlsx": TypeXLSX, ".odt": TypeODT, ".ods": TypeODS,
	".csv": TypeCSV, ".png": TypePNG, ".jpg": TypeJPEG, ".jpeg": TypeJPEG,
}

// Accepted is the list of accepted kinds, as users read it.
const Accepted = "PDF, DOCX, XLSX, ODT, ODS, CSV, PNG or JPEG"

// Errors of Sniff; their text is fit to show.
var (
	ErrEmpty       = errors.New("The selected file is empty")
	ErrUnsupported = errors.New("The selected file must be a " + Accepted)
	ErrMismatch    = errors.New("The selected file’s content does not match its type; it must be a real " + Accepted)
)

// Sniff returns the content type of a file named name, checked by its content: the type its
// extension claims must be the type its bytes are.
func Sniff(name string, content []byte) (string, error) {
	if len(content) == 0 {
		return "", ErrEmpty
	}
	want, ok := byExt[strings.ToLower(path.Ext(name))]
	if !ok {
		return "", ErrUnsupported
	}
	if detect(content) != want {
		return "", ErrMismatch
	}
	return want, nil
}

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// detect names the accepted type content is, or "".
func detect(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(b, pngSig):
		return TypePNG
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return detectZip(b)
	case utf8.Valid(b) && bytes.IndexByte(b, 0) < 0:
		return TypeCSV
	}
	return ""
}

// detectZip tells the office formats apart by their entries, reading no more than a short
// mimetype entry (so a compressed bomb is never expanded).
func detectZip(b []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return ""
	}
	var contentTypes, word, xl bool
	for _, f := range zr.File {
		switch {
		case f.Name == "mimetype":
			rc, err := f.Open()
			if err != nil {
				return ""
			}
			m, _ := io.ReadAll(io.LimitReader(rc, 100))
			_ = rc.Close()
			switch strings.TrimSpace(string(m)) {
			case TypeODT:
				return TypeODT
			case TypeODS:
				return TypeODS
			}
			return ""
		case f.Name == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		case strings.HasPrefix(f.Name, "xl/"):
			xl = true
		}
	}
	switch {
	case contentTypes && word && !xl:
		return TypeDOCX
	case contentTypes && xl && !word:
		return TypeXLSX
	}
	return ""
}

// MaxNameLen caps a cleaned file name, in bytes.
const MaxNameLen = 150

// CleanName makes a file name safe to store and to offer back in Content-Disposition: no path
// parts, no control or reserved characters, no leading dots, a capped length; the extension is
// kept (lower case).
func CleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	var sb strings.Builder
	for _, r := range strings.ToValidUTF8(name, "") {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0':
			sb.WriteRune(' ')
		case unicode.IsControl(r), r == unicode.ReplacementChar, unicode.Is(unicode.Cf, r), unicode.IsSpace(r):
		case strings.ContainsRune(`<>:"/\|?*;`, r):
			sb.WriteRune('_')
		default:
			sb.WriteRune(r)
		}
	}
	name = strings.Join(strings.Fields(sb.String()), " ")
	ext := strings.ToLower(path.Ext(name))
	if len(ext) > 10 || strings.ContainsRune(ext, ' ') {
		ext = ""
	}
	base := strings.Trim(strings.TrimSuffix(name, path.Ext(name)), " .")
	if ext == "" {
		base = strings.Trim(name, " .")
	}
	for len(base) > MaxNameLen-len(ext) {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	base = strings.TrimRight(base, " .")
	if base == "" {
		base = "document"
	}
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3":
		base = "_" + base
	}
	return base + ext
}

// TitleFromName is the title a document gets when none is given: its name without the extension.
func TitleFromName(name string) string {
	t := strings.TrimSpace(strings.TrimSuffix(name, path.Ext(name)))
	if t == "" {
		return name
	}
	return t
}

// Sum is content's SHA-256 in hex.
func Sum(content []byte) string {
	s := sha256.Sum256(content)
	return hex.EncodeToString(s[:])
}
