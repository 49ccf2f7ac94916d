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
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
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

// documentWhere names the review and area of a documents page; the area must be in the review.
func (s *Server) documentWhere(r *http.Request, tx pgx.Tx, areaID string) (documentview.Where, error) {
	a := actorFrom(r.Context())
	rv, err := s.areasReview(r, tx)
	if err != nil {
		return documentview.Where{}, err
	}
	ar, err := area.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID, areaID)
	if err != nil {
		return documentview.Where{}, err
	}
	return documentview.Where{ReviewID: rv.ID, ReviewTitle: rv.Title, AreaID: ar.ID, AreaName: ar.Name,
		Staff: a.Review.Role != auth.ReviewContact}, nil
}

func (s *Server) documentList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	// Citing counts are for the review's staff: a local authority contact never sees evidence notes.
	v := documentview.ListView{CanUpload: mayUpload(a, areaID), Citations: a.Review.Role != auth.ReviewContact}
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Where, err = s.documentWhere(r, tx, areaID); err != nil {
			return err
		}
		docs, err := document.List(ctx, tx, a.TenantID, a.Review.ReviewID, areaID)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		if v.Citations && len(docs) > 0 {
			if counts, err = document.CitingCounts(ctx, tx, a.TenantID, a.Review.ReviewID, areaID); err != nil {
				return err
			}
		}
		for _, d := range docs {
			v.Rows = append(v.Rows, documentview.Row{Doc: d, CanDelete: mayDelete(a, areaID, d), Citing: counts[d.ID]})
		}
		return nil
	})
	if err != nil {
		return err
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
	if err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v.Where, err = s.documentWhere(r, tx, areaID)
		return err
	}); err != nil {
		return err
	}
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
	errs := &form.Errors{}
	rows := make([]documentview.UploadRow, uploadRows)
	var uploads []document.Upload
	for i := range rows {
		title := strings.TrimSpace(r.PostFormValue(documentview.TitleID(i)))
		rows[i].Title = title
		fh := fileHeader(r, i)
		if fh == nil {
			if title != "" {
				errs.Add(documentview.FileID(i), "Select a file to go with the title "+strconv.Quote(title))
			}
			continue
		}
		if utf8.RuneCountInString(title) > 200 {
			errs.Add(documentview.TitleID(i), "Title must be 200 characters or fewer")
		}
		if fh.Size > s.cfg.MaxUploadBytes {
			errs.Add(documentview.FileID(i), "The file must be smaller than "+limitText)
			continue
		}
		content, err := readUpload(fh, s.cfg.MaxUploadBytes)
		if err != nil {
			errs.Add(documentview.FileID(i), "The selected file could not be read. Choose it again")
			continue
		}
		if int64(len(content)) > s.cfg.MaxUploadBytes {
			errs.Add(documentview.FileID(i), "The file must be smaller than "+limitText)
			continue
		}
		name := document.CleanName(fh.Filename)
		ct, err := document.Sniff(name, content)
		if err != nil {
			errs.Add(documentview.FileID(i), err.Error())
			continue
		}
		if err := s.scanner().Scan(ctx, name, content); err != nil {
			s.logger(ctx).Warn("document refused by the scanner", "err", err, "filename", name)
			errs.Add(documentview.FileID(i), "The selected file could not be accepted because it did not pass the virus check")
			continue
		}
		if title == "" {
			title = document.TitleFromName(name)
			if utf8.RuneCountInString(title) > 200 {
				title = string([]rune(title)[:200])
			}
		}
		uploads = append(uploads, document.Upload{Title: title, Filename: name, ContentType: ct, Content: content,
			Key: key + ":" + strconv.Itoa(i)})
	}
	if len(uploads) == 0 && !errs.Any() {
		errs.Add(documentview.FileID(0), "Select a file to upload")
	}
	if errs.Any() {
		v := documentview.UploadView{Rows: rows, Key: key, Limit: limitText, Errors: errs}
		if err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			v.Where, err = s.documentWhere(r, tx, areaID)
			return err
		}); err != nil {
			return err
		}
		p := s.page(r, "Upload documents – "+v.Where.AreaName)
		p.HasError = true
		return s.invalid(w, r, documentview.Upload(p, v))
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		if _, err := area.Get(ctx, tx, a.TenantID, a.Review.ReviewID, areaID); err != nil {
			return err
		}
		for _, u := range uploads {
			id, created, err := document.Create(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, a.UserID, u)
			if err != nil {
				return err
			}
			if !created {
				continue
			}
			sum := document.Sum(u.Content)
			if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
				Action: "document.uploaded", ObjectType: "area_document", ObjectID: id,
				After: map[string]any{"review_id": a.Review.ReviewID, "area_id": areaID, "title": u.Title,
					"filename": u.Filename, "content_type": u.ContentType, "size": len(u.Content), "sha256": sum}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	msg := "Document uploaded"
	if len(uploads) > 1 {
		msg = strconv.Itoa(len(uploads)) + " documents uploaded"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+areaID+"/documents", msg)
}

// documentDownload streams a document as an attachment with its stored (detected) type, a chunk
// at a time (each read its own short transaction: a document's content never changes), so
// neither a large file nor a slow client holds memory or a database connection for long.
func (s *Server) documentDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	id := strings.ToLower(chi.URLParam(r, "documentID"))
	var d document.Document
	if err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		d, err = document.Get(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, id)
		return err
	}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	for off := int64(0); off < d.Size; off += document.ChunkSize {
		var chunk []byte
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			chunk, err = document.Chunk(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, id, off, document.ChunkSize)
			return err
		})
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
	var d document.Document
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if d, err = document.Get(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, id); err != nil {
			return err
		}
		if !mayDelete(a, areaID, d) {
			return apperr.Forbidden("Only the person who uploaded a document and the review lead can delete it.")
		}
		if err := document.Delete(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, id, a.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "document.deleted", ObjectType: "area_document", ObjectID: d.ID,
			Before: map[string]any{"review_id": d.ReviewID, "area_id": d.AreaID, "title": d.Title, "filename": d.Filename}})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+areaID+"/documents", "Document deleted: "+d.Title)
}
