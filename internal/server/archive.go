package server

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"thematic/internal/archive"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/templates/archiveview"
)

// maxImportProblems is how many of an archive's problems the page lists.
const maxImportProblems = 50

// startedWriter remembers whether anything was written, so that a failure half-way through a
// download is not followed by an error page in the same response.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (sw *startedWriter) Write(b []byte) (int, error) {
	sw.started = true
	return sw.w.Write(b)
}

// archiveDownload streams the review's archive: the notes are written as they are read.
func (s *Server) archiveDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sw := &startedWriter{w: w}
	err := archive.Download(ctx, s.pool, scopeOf(r), s.now(), func(title string, zip bool) io.Writer {
		// A review with documents is a ZIP file of the JSON and the documents' bytes.
		ctype, ext := "application/json", "json"
		if zip {
			ctype, ext = "application/zip", "zip"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+report.FileName(title+" archive", ext)+`"`)
		return sw
	})
	if err != nil && sw.started {
		// The headers and part of the file are gone: the browser sees a broken download.
		s.logger(ctx).Error("archive download failed part way", "err", err)
		return nil
	}
	if err != nil {
		w.Header().Del("Content-Disposition")
	}
	return err
}

func (s *Server) archiveSchema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	_, err := w.Write(archive.SchemaJSON)
	return err
}

func (s *Server) archiveImportView(title, key string) archiveview.ImportView {
	if key == "" {
		key = newFormKey()
	}
	return archiveview.ImportView{Title: title, Key: key, Limit: humanBytes(s.cfg.MaxUploadBytes), Errors: &form.Errors{},
		LeftOut: leftOutItems(archive.NotCarried)}
}

func leftOutItems(list []archive.LeftOut) []archiveview.Item {
	out := make([]archiveview.Item, len(list))
	for i, l := range list {
		out[i] = archiveview.Item{What: l.What, Why: l.Why}
	}
	return out
}

func (s *Server) archiveImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.ok(w, r, archiveview.Import(s.page(r, "Import a review"), s.archiveImportView("", "")))
}

// archiveUpload reads the chosen file, never more than the upload limit; msg says what is wrong.
func (s *Server) archiveUpload(r *http.Request) (data []byte, msg string) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["archive_file"]) == 0 || r.MultipartForm.File["archive_file"][0].Filename == "" {
		return nil, "Choose a review archive file to import"
	}
	fh := r.MultipartForm.File["archive_file"][0]
	limit := humanBytes(s.cfg.MaxUploadBytes)
	if fh.Size > s.cfg.MaxUploadBytes {
		return nil, "The selected file must be smaller than " + limit
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "The selected file could not be read. Try again."
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, s.cfg.MaxUploadBytes+1))
	switch {
	case err != nil:
		return nil, "The selected file could not be read. Try again."
	case int64(len(data)) > s.cfg.MaxUploadBytes:
		return nil, "The selected file must be smaller than " + limit
	case len(data) == 0:
		return nil, "The selected file is empty"
	}
	return data, ""
}

// archiveImport checks the whole archive, then writes it as a new review in one transaction, or
// shows every problem (422) and writes nothing.
func (s *Server) archiveImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := parseForm(r); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return s.archiveRefused(w, r, "", "", "The selected file must be smaller than "+humanBytes(s.cfg.MaxUploadBytes))
		}
		return s.archiveRefused(w, r, "", "", "The form could not be read. Try again.")
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	key := strings.TrimSpace(r.PostFormValue("key"))
	if len(key) > 64 {
		key = ""
	}
	v := s.archiveImportView(title, key)
	if n := utf8.RuneCountInString(title); n > archive.MaxTitle {
		v.Errors.Add("title", "Title must be "+strconv.Itoa(archive.MaxTitle)+" characters or fewer")
	}
	data, msg := s.archiveUpload(r)
	if msg != "" {
		v.Errors.Add("archive-file", msg)
	}
	if v.Errors.Any() {
		return s.archiveInvalid(w, r, v)
	}
	parsed, err := archive.ParseWithin(data, s.cfg.MaxUploadBytes)
	if err != nil {
		return s.archiveProblems(w, r, v, err)
	}
	res, err := archive.ImportReview(ctx, s.pool, scopeOf(r), archive.Target{Title: title, CreateKey: key, Scanner: s.scanner()},
		parsed, s.now())
	if err != nil {
		return s.archiveProblems(w, r, v, err)
	}
	to := "/reviews/" + url.PathEscape(res.ReviewID)
	if res.Duplicate {
		return s.redirect(w, r, to, "")
	}
	// The result page, not a redirect: it shows what the file said it left out, which is not kept.
	// The form sent again finds the review made (its key) and goes to it.
	c := res.Counts
	v2 := archiveview.ImportedView{ReviewURL: to, Title: res.Title, Invited: res.Invited, Reattributed: len(res.Reattributed),
		TeamDaysSkipped: res.TeamDaysSkipped, LeftOut: leftOutItems(parsed.LeftOut),
		Counts: []archiveview.Count{{Label: "Areas", N: c.Areas}, {Label: "People", N: c.Members}, {Label: "Visits", N: c.Visits},
			{Label: "Evidence notes", N: c.Notes}, {Label: "Documents", N: c.Documents}, {Label: "Findings", N: c.Findings},
			{Label: "Good-practice examples", N: c.Examples}, {Label: "Recommendations", N: c.Recommendations},
			{Label: "Report texts", N: c.ReportTexts}, {Label: "Saved report versions", N: c.ReportVersions}}}
	if parsed.Version < archive.Version {
		v2.OldVersion = parsed.Version
	}
	return s.ok(w, r, archiveview.Imported(s.page(r, "Review imported"), v2))
}

// archiveProblems shows the archive's problems, or passes on an error that is not about the file.
func (s *Server) archiveProblems(w http.ResponseWriter, r *http.Request, v archiveview.ImportView, err error) error {
	var inv *archive.Invalid
	if !errors.As(err, &inv) {
		p, ok := archive.Refused(err)
		if !ok {
			return err
		}
		inv = &archive.Invalid{Problems: []archive.Problem{p}}
	}
	v.Errors.Add("archive-file", "The archive has "+inv.Count()+". Nothing was imported.")
	v.Problems, v.More = inv.Lines(maxImportProblems)
	return s.archiveInvalid(w, r, v)
}

func (s *Server) archiveRefused(w http.ResponseWriter, r *http.Request, title, key, msg string) error {
	v := s.archiveImportView(title, key)
	v.Errors.Add("archive-file", msg)
	return s.archiveInvalid(w, r, v)
}

func (s *Server) archiveInvalid(w http.ResponseWriter, r *http.Request, v archiveview.ImportView) error {
	p := s.page(r, "Import a review")
	p.HasError = true
	return s.invalid(w, r, archiveview.Import(p, v))
}
