package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/document"
	"thematic/internal/form"
	"thematic/templates/documentview"
)

// uploadRows is how many file-and-title pairs the upload form offers.
const uploadRows = 5

// SetScanner sets the check every uploaded file passes before it is stored (an anti-virus engine,
// say), before the server takes requests. The default accepts everything.
func (s *Server) SetScanner(sc document.Scanner) { s.scan = sc }

func (s *Server) scanner() document.Scanner {
	if s.scan != nil {
		return s.scan
	}
	return document.NoScan{}
}

// mayUpload: the lead, or the contact of this area.
func mayUpload(a *auth.Actor, areaID string) bool {
	return a.Review.Role == auth.ReviewLead || (a.Review.Role == auth.ReviewContact && a.Review.SeesArea(areaID))
}

// documentWhere names the review and area of a documents page.
func documentWhere(a *auth.Actor, p document.Place) documentview.Where {
	return documentview.Where{ReviewID: p.ReviewID, ReviewTitle: p.ReviewTitle, AreaID: p.Area.ID, AreaName: p.Area.Name,
		Staff: a.Review.Role != auth.ReviewContact}
}

func (s *Server) documentList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	// Citing counts are for the review's staff: a local authority contact never sees evidence notes.
	v := documentview.ListView{CanUpload: mayUpload(a, areaID), Citations: a.Review.Role != auth.ReviewContact}
	pg, err := document.LoadList(r.Context(), s.pool, scopeOf(r), areaID, v.Citations)
	if err != nil {
		return err
	}
	v.Where = documentWhere(a, pg.Place)
	for _, d := range pg.Docs {
		v.Rows = append(v.Rows, documentview.Row{Doc: d, CanDelete: mayDelete(a, areaID, d), Citing: pg.Citing[d.ID]})
	}
	return s.ok(w, r, documentview.List(s.page(r, "Documents – "+v.Where.AreaName), v))
}

// mayDelete: the lead, or the uploader while they still see the area.
func mayDelete(a *auth.Actor, areaID string, d document.Document) bool {
	return a.Review.Role == auth.ReviewLead || (d.UploadedBy == a.UserID && a.Review.SeesArea(areaID))
}

func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) documentUploadForm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	if !mayUpload(a, areaID) {
		return apperr.Forbidden("Only the area’s local authority contact and the review lead can upload documents.")
	}
	v := documentview.UploadView{Rows: make([]documentview.UploadRow, uploadRows), Key: newFormKey(),
		Limit: humanBytes(s.cfg.MaxUploadBytes), Errors: &form.Errors{}}
	pl, err := document.LoadPlace(r.Context(), s.pool, scopeOf(r), areaID)
	if err != nil {
		return err
	}
	v.Where = documentWhere(a, pl)
	return s.ok(w, r, documentview.Upload(s.page(r, "Upload documents – "+v.Where.AreaName), v))
}

// fileHeader is row i's file, or nil when none was chosen (browsers send an empty part then).
func fileHeader(r *http.Request, i int) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	fhs := r.MultipartForm.File[documentview.FileID(i)]
	if len(fhs) == 0 || (fhs[0].Filename == "" && fhs[0].Size == 0) {
		return nil
	}
	return fhs[0]
}

// readUpload reads one uploaded file, never more than limit+1 bytes.
func readUpload(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}

// documentUpload stores every chosen file, or none: a file refused for its size, type or the
// scanner shows the form again with the reason against that file.
func (s *Server) documentUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	if !mayUpload(a, areaID) {
		return apperr.Forbidden("Only the area’s local authority contact and the review lead can upload documents.")
	}
	if err := parseForm(r); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Invalid("The file must be smaller than %s.", humanBytes(s.cfg.MaxUploadBytes))
		}
		return apperr.Invalid("The form could not be read.")
	}
	limitText := humanBytes(s.cfg.MaxUploadBytes)
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" || len(key) > 64 {
		key = newFormKey()
	}
	rows := make([]documentview.UploadRow, uploadRows)
	in := document.UploadInput{Key: key, Rows: make([]document.Sent, uploadRows), Limit: s.cfg.MaxUploadBytes, LimitText: limitText}
	for i := range rows {
		title := strings.TrimSpace(r.PostFormValue(documentview.TitleID(i)))
		rows[i].Title = title
		in.Rows[i].Title = title
		fh := fileHeader(r, i)
		if fh == nil {
			continue
		}
		in.Rows[i].Chosen, in.Rows[i].Filename, in.Rows[i].Size = true, fh.Filename, fh.Size
		if fh.Size > s.cfg.MaxUploadBytes {
			continue
		}
		content, err := readUpload(fh, s.cfg.MaxUploadBytes)
		if err != nil {
			in.Rows[i].Unreadable = true
			continue
		}
		in.Rows[i].Content = content
	}
	n, err := document.UploadAll(ctx, s.pool, scopeOf(r), areaID, in, s.scanner(), s.logger(ctx))
	var refused *form.Refused
	if errors.As(err, &refused) {
		// Refused before any transaction: the page's one query is the request's only one.
		v := documentview.UploadView{Rows: rows, Key: key, Limit: limitText, Errors: refused.Errors}
		pl, err := document.LoadPlace(ctx, s.pool, scopeOf(r), areaID)
		if err != nil {
			return err
		}
		v.Where = documentWhere(a, pl)
		p := s.page(r, "Upload documents – "+v.Where.AreaName)
		p.HasError = true
		return s.invalid(w, r, documentview.Upload(p, v))
	}
	if err != nil {
		return err
	}
	msg := "Document uploaded"
	if n > 1 {
		msg = strconv.Itoa(n) + " documents uploaded"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+areaID+"/documents", msg)
}

// documentDownload streams a document as an attachment with its stored (detected) type, a chunk
// at a time (each read its own short transaction: a document's content never changes), so
// neither a large file nor a slow client holds memory or a database connection for long.
func (s *Server) documentDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	id := strings.ToLower(chi.URLParam(r, "documentID"))
	d, err := document.Find(ctx, s.pool, scopeOf(r), areaID, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	for off := int64(0); off < d.Size; off += document.ChunkSize {
		chunk, err := document.ReadChunk(ctx, s.pool, scopeOf(r), areaID, id, off, document.ChunkSize)
		if err != nil && off == 0 {
			h.Del("Content-Disposition")
			h.Del("Content-Length")
			return err
		}
		if err != nil || len(chunk) == 0 {
			// Headers are gone: cut the connection so the client sees a broken download.
			s.logger(ctx).Error("document download failed", "err", err, "document", id, "offset", off)
			panic(http.ErrAbortHandler)
		}
		if _, err := w.Write(chunk); err != nil {
			return nil // the client went away
		}
	}
	return nil
}

// documentDelete soft-deletes a document: its uploader or the lead.
func (s *Server) documentDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	id := strings.ToLower(chi.URLParam(r, "documentID"))
	d, err := document.Remove(ctx, s.pool, scopeOf(r), areaID, id, a.Review.Role == auth.ReviewLead)
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+areaID+"/documents", "Document deleted: "+d.Title)
}
