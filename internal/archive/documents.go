package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// JSONName is the archive's JSON inside a ZIP archive; DocumentsDir holds the documents' bytes,
// each named by its SHA-256 in lower-case hex.
const (
	JSONName     = "archive.json"
	DocumentsDir = "documents/"
)

// docFile is a document's bytes to write into the ZIP file.
type docFile struct{ id, sha string }

// documentList writes the documents' metadata; their bytes go into the ZIP file (writeZip).
func (e *exporter) documentList() error {
	list := []Document{}
	at := map[string]int{}
	err := e.rows("documents", func(r rowScanner) error {
		var id, area, sha string
		var when time.Time
		d := Document{Notes: []string{}}
		if err := r.Scan(&id, &area, &d.Title, &d.Filename, &d.ContentType, &d.Size, &sha, &d.UploadedBy, &when); err != nil {
			return err
		}
		d.Ref, d.Area, d.SHA256, d.UploadedAt, d.UploadedBy = e.documents.add(id), e.areas.byID[area], sha, stamp(when), emailOf(d.UploadedBy)
		at[id] = len(list)
		list = append(list, d)
		return nil
	})
	if err != nil {
		return err
	}
	cited := map[string][]string{}
	err = e.rows("document notes", func(r rowScanner) error {
		var doc, note string
		if err := r.Scan(&doc, &note); err != nil {
			return err
		}
		cited[doc] = append(cited[doc], note)
		return nil
	})
	if err != nil {
		return err
	}
	for id, notes := range cited {
		if i, ok := at[id]; ok {
			list[i].Notes = e.notes.sorted(notes) // a deleted note or a concern is not in the archive
		}
	}
	e.counts.Documents = len(list)
	return e.field("documents", list)
}

// HasDocuments reports whether the review has documents: its archive is then a ZIP file.
func (x *Exporter) HasDocuments() bool { return len(x.e.small["documents"]) > 0 }

// Write writes the archive to w: a ZIP file (archive.json and the documents) when the review has
// documents, else the JSON alone.
func (x *Exporter) Write(w io.Writer, now time.Time) (Counts, error) {
	if !x.HasDocuments() {
		return x.WriteTo(w, now)
	}
	return x.writeZip(w, now)
}

// writeZip writes archive.json, then each document's bytes once, read one at a time in one
// statement. Documents are mostly compressed already: they are stored, not deflated.
func (x *Exporter) writeZip(w io.Writer, now time.Time) (Counts, error) {
	e := x.e
	zw := zip.NewWriter(w)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: JSONName, Method: zip.Deflate, Modified: now.UTC()})
	if err != nil {
		return Counts{}, wrap("zip", err)
	}
	counts, err := x.WriteTo(f, now)
	if err != nil {
		return Counts{}, err
	}
	written := map[string]bool{}
	err = e.each("document contents", `SELECT encode(d.sha256, 'hex'), d.content
		FROM area_documents d
		WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.deleted_at IS NULL AND d.scan_status = 'clean'
		ORDER BY d.sha256, d.id`, func(r rowScanner) error {
		var sha string
		var content []byte
		if err := r.Scan(&sha, &content); err != nil {
			return err
		}
		if written[sha] {
			return nil
		}
		written[sha] = true
		f, err := zw.CreateHeader(&zip.FileHeader{Name: DocumentsDir + sha, Method: zip.Store, Modified: now.UTC()})
		if err != nil {
			return err
		}
		_, err = f.Write(content)
		return err
	})
	if err != nil {
		return Counts{}, err
	}
	return counts, wrap("zip", zw.Close())
}

// IsZip reports whether data is a ZIP file (an archive with documents) rather than JSON.
func IsZip(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// unzip reads archive.json, never more than jsonMax bytes of it, and lists the documents' files
// of a ZIP archive.
func unzip(data []byte, jsonMax int64) (jsonData []byte, files map[string]*zip.File, ps *problems) {
	ps = &problems{}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		ps.add("", "the file is not a review archive: it looks like a ZIP file but cannot be read (%v)", err)
		return nil, nil, ps
	}
	files = map[string]*zip.File{}
	var js *zip.File
	for _, f := range zr.File {
		if f.Name == JSONName {
			js = f
			continue
		}
		files[f.Name] = f
	}
	if js == nil {
		ps.add("", "the file is not a review archive: the ZIP file has no %s", JSONName)
		return nil, nil, ps
	}
	jsonData, err = readZipFile(js, jsonMax)
	if err != nil {
		ps.add("", "%s cannot be read from the ZIP file: %v", JSONName, err)
		return nil, nil, ps
	}
	return jsonData, files, ps
}

// readZipFile reads one file, never more than max bytes.
func readZipFile(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("it is larger than %d bytes", max)
	}
	return b, nil
}

// readDocuments reads each listed document's bytes and checks their size and SHA-256: a
// document whose bytes are missing or differ from what the archive says is a problem.
func (a *Archive) readDocuments(files map[string]*zip.File, ps *problems) {
	a.files = map[string][]byte{}
	for i, d := range a.Documents {
		path := idx("documents", i)
		if _, ok := a.files[d.SHA256]; ok {
			continue
		}
		f, ok := files[DocumentsDir+d.SHA256]
		if !ok {
			ps.add(path, "the document %q is not in the archive (no file %s%s)", d.Filename, DocumentsDir, d.SHA256)
			continue
		}
		content, err := readZipFile(f, d.Size)
		if err != nil {
			ps.add(path+".size", "the document %q is not %d bytes long as the archive says: %v", d.Filename, d.Size, err)
			continue
		}
		if int64(len(content)) != d.Size {
			ps.add(path+".size", "the document %q is %d bytes long, the archive says %d", d.Filename, len(content), d.Size)
			continue
		}
		sum := sha256.Sum256(content)
		if hex.EncodeToString(sum[:]) != d.SHA256 {
			ps.add(path+".sha256", "the document %q does not match its SHA-256: the archive was changed or damaged", d.Filename)
			continue
		}
		a.files[d.SHA256] = content
	}
}

// Scanner checks a document before the import stores it (an anti-virus engine); an error
// refuses it. Server and command pass the one they check uploads with.
type Scanner interface {
	Scan(ctx context.Context, name string, content []byte) error
}

// scanDocuments runs the target's scanner over every document, before anything is written.
func (w *writer) scanDocuments() error {
	if w.t.Scanner == nil {
		return nil
	}
	ps := &problems{}
	for i, d := range w.a.Documents {
		if err := w.t.Scanner.Scan(w.ctx, d.Filename, w.a.files[d.SHA256]); err != nil {
			ps.add(idx("documents", i), "the document %q was refused by the virus scanner", d.Filename)
		}
	}
	if len(ps.list) > 0 {
		return ps.invalid()
	}
	return nil
}

// documents writes the documents with their bytes, as available (they passed the scanner), and
// the notes' citations of them.
func (w *writer) documents() error {
	var ids, areas, titles, names, types, shas, keys, by, at []string
	var sizes []int64
	var contents [][]byte
	var ndNotes, ndDocs []string
	for _, d := range w.a.Documents {
		id := w.ids.next()
		w.ref[d.Ref] = id
		ids, areas, titles, names, types = append(ids, id), append(areas, w.ref[d.Area]), append(titles, d.Title), append(names, d.Filename), append(types, d.ContentType)
		shas, keys, by, at = append(shas, d.SHA256), append(keys, w.ids.key()), append(by, w.author(d.UploadedBy)), append(at, d.UploadedAt)
		sizes, contents = append(sizes, d.Size), append(contents, w.a.files[d.SHA256])
		for _, n := range d.Notes {
			ndNotes, ndDocs = append(ndNotes, w.ref[n]), append(ndDocs, id)
		}
	}
	w.res.Counts.Documents = len(ids)
	if err := w.add("documents", `INSERT INTO area_documents (tenant_id, id, review_id, area_id, title, filename, content_type,
			size, sha256, content, scan_status, idempotency_key, uploaded_by, uploaded_at)
		SELECT $1, u.id::uuid, $2, u.area::uuid, u.title, u.filename, u.ctype, u.size, decode(u.sha, 'hex'), u.content, 'clean',
			u.key, u.by::uuid, u.at::timestamptz
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bytea[], $11::text[],
			$12::text[], $13::text[]) AS u(id, area, title, filename, ctype, size, sha, content, key, by, at)`,
		w.tenant, w.reviewID, ids, areas, titles, names, types, sizes, shas, contents, keys, by, at); err != nil {
		return err
	}
	return w.add("note documents", `INSERT INTO evidence_note_documents (tenant_id, note_id, document_id)
		SELECT $1, u.note::uuid, u.doc::uuid FROM unnest($2::text[], $3::text[]) AS u(note, doc)`, w.tenant, ndNotes, ndDocs)
}
