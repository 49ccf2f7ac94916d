package server

import (
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/notefile"
)

// Photos and files on a note: read from the note form (a photo taken with the camera, and
// photos or files chosen), served with exactly the note's access rules, removed by the note's
// author, and chosen by a lead for good-practice examples.

// noteFormPath matches the note form's posts (new and changed), which may carry up to
// notefile.MaxFiles files of notefile.MaxFileSize each.
var noteFormPath = regexp.MustCompile(`^/reviews/[^/]+/(visits/[^/]+/notes|notes/[^/]+)$`)

// noteFormBytes bounds a note form's body: its files and room for its fields and parts' headers.
const noteFormBytes = notefile.MaxFiles*notefile.MaxFileSize + 1<<20

// noteFileFields are the form's file inputs: the camera's and the chooser's.
var noteFileFields = []string{"photo", "files"}

// noteChosenFiles is the files chosen in r's note form (browsers send an empty part for an input
// left empty).
func noteChosenFiles(r *http.Request) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, name := range noteFileFields {
		for _, fh := range r.MultipartForm.File[name] {
			if fh.Filename != "" || fh.Size > 0 {
				out = append(out, fh)
			}
		}
	}
	return out
}

// noteReadFiles checks and prepares the files chosen in the note form. A file refused gives the
// form's "photos" error, naming it: the form comes back without the files (a browser cannot keep
// them), so the message asks for them again.
func noteReadFiles(r *http.Request) ([]notefile.File, *form.Errors) {
	errs := &form.Errors{}
	fhs := noteChosenFiles(r)
	if len(fhs) > notefile.MaxFiles {
		errs.Add("photos", notefile.ErrTooMany.Error()+". Choose them again.")
		return nil, errs
	}
	var out []notefile.File
	for _, fh := range fhs {
		if fh.Size > notefile.MaxFileSize {
			errs.Add("photos", fmt.Sprintf("%s: %s. Choose the photos and files again.", fh.Filename, notefile.ErrTooLarge))
			return nil, errs
		}
		data, err := readUpload(fh, notefile.MaxFileSize)
		if err != nil {
			errs.Add("photos", fmt.Sprintf("%s could not be read. Choose the photos and files again.", fh.Filename))
			return nil, errs
		}
		f, err := notefile.Prepare(fh.Filename, data)
		if err != nil {
			errs.Add("photos", fmt.Sprintf("%s: %s. Choose the photos and files again.", fh.Filename, err))
			return nil, errs
		}
		out = append(out, f)
	}
	return out, errs
}

// noteFilesAgain is the error shown when a note with files is refused for another reason: the
// page comes back without the files.
func noteFilesAgain(errs *form.Errors, files int) {
	if files > 0 && !errs.Has("photos") {
		errs.Add("photos", "Choose the photos and files again: they cannot be kept when the form is shown again")
	}
}

// noteFile serves a note's file to whoever sees the note: the original as a download, or with
// display an image's copy for pages. Whoever does not see the note gets the note's answer.
func (s *Server) noteFile(display bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actorFrom(r.Context())
		f, content, err := evidence.ReadFile(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"),
			strings.ToLower(chi.URLParam(r, "fileID")), display)
		if err != nil {
			return err
		}
		h := w.Header()
		disp := "attachment"
		h.Set("Content-Type", f.ContentType)
		if display {
			disp = "inline"
			h.Set("Content-Type", "image/jpeg")
		}
		h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Name}))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(content)))
		h.Set("Cache-Control", "private, no-store")
		_, _ = w.Write(content)
		return nil
	}
}

// noteFileRemove takes a file off a note, for its author, from the note's edit page.
func (s *Server) noteFileRemove(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	noteID := chi.URLParam(r, "noteID")
	f, err := evidence.RemoveFile(r.Context(), s.pool, scopeOf(r), a.Review, noteID, strings.ToLower(chi.URLParam(r, "fileID")))
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+noteID+"/edit", f.Name+" removed from the note")
}

// noteFilePractice records a lead's choice whether a photo may be shown among good-practice examples.
func (s *Server) noteFilePractice(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	noteID := chi.URLParam(r, "noteID")
	ok := r.PostFormValue("practice") == "yes"
	_, err := evidence.ChoosePractice(r.Context(), s.pool, scopeOf(r), a.Review, noteID, strings.ToLower(chi.URLParam(r, "fileID")), ok)
	if err != nil {
		return err
	}
	msg := "The photo may be shown in good-practice examples"
	if !ok {
		msg = "The photo will not be shown in good-practice examples"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+noteID+"#photos-and-files", msg)
}
