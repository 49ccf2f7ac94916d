package server

import (
	"encoding/csv"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/auth"
	"thematic/internal/document"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/letter"
	"thematic/templates/letterview"
)

// The factual-accuracy check of an area's letter (internal/letter/factcheck.go). The review's
// leads send the letter and answer comments under /letters/{areaID}/factcheck, its staff read
// there; the area's own contacts read and comment under /areas/{areaID}/factcheck (a contact of
// another area gets 404 through areaParam).

// factKey is a fresh idempotency key for a comment form, as a UUID.
func factKey() string {
	k := noteKey()
	return k[0:8] + "-" + k[8:12] + "-" + k[12:16] + "-" + k[16:20] + "-" + k[20:32]
}

// factToday is the server's date for the check's deadline.
func (s *Server) factToday() time.Time { return area.Today(s.now()) }

func (s *Server) factView(r *http.Request, areaID string, contact bool) (letterview.FactCheckView, error) {
	pg, err := letter.ReadCheck(r.Context(), s.pool, scopeOf(r), areaID, s.factToday())
	if err != nil {
		return letterview.FactCheckView{}, err
	}
	v := letterview.FactCheckView{Base: letterBase(r, pg.ReviewTitle, areaID, area.DisplayName(pg.AreaName)), Check: pg,
		Open: pg.Round.Open(s.factToday()), Contact: contact, Key: factKey(), Typed: map[string]string{}}
	return v, nil
}

func (s *Server) renderFact(w http.ResponseWriter, r *http.Request, status int, v letterview.FactCheckView) error {
	p := s.page(r, "Factual-accuracy check – "+v.AreaName)
	if v.Errors.Any() {
		p.HasError = true
	}
	s.render(w, r, status, letterview.FactCheck(p, v))
	return nil
}

// factCheckShow is the check as the review's staff read it.
func (s *Server) factCheckShow(w http.ResponseWriter, r *http.Request) error {
	v, err := s.factView(r, chi.URLParam(r, "areaID"), false)
	if err != nil {
		return err
	}
	return s.renderFact(w, r, http.StatusOK, v)
}

// factCheckSend sends the letter for a check with a deadline.
func (s *Server) factCheckSend(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	typed := strings.TrimSpace(r.PostFormValue("deadline"))
	var err error
	deadline, perr := time.Parse(time.DateOnly, typed)
	if typed == "" {
		err = form.Refuse("deadline", "Enter the deadline for comments")
	} else if perr != nil {
		err = form.Refuse("deadline", "Enter the deadline as a date, for example 2027-01-31")
	} else {
		_, err = letter.SendCheck(r.Context(), s.pool, scopeOf(r), areaID, deadline, s.factToday(), s.now(), r.PostFormValue("extracts") == "yes")
	}
	var refused *form.Refused
	if errors.As(err, &refused) {
		v, verr := s.factView(r, areaID, false)
		if verr != nil {
			return verr
		}
		v.Errors, v.Deadline, v.Extracts = refused.Errors, typed, r.PostFormValue("extracts") == "yes"
		return s.renderFact(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.lettersPath(r, areaID, "factcheck"), "Letter sent for a factual-accuracy check")
}

// factCheckAnswer records the lead's answer to a comment.
func (s *Server) factCheckAnswer(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	in := letter.AnswerInput{CommentID: r.PostFormValue("comment_id"), Answer: r.PostFormValue("answer"), Reason: r.PostFormValue("reason")}
	var err error
	if in.Version, err = strconv.Atoi(r.PostFormValue("version")); err != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	err = letter.AnswerComment(r.Context(), s.pool, scopeOf(r), areaID, in)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v, verr := s.factView(r, areaID, false)
		if verr != nil {
			return verr
		}
		v.Errors = refused.Errors
		v.Typed["answer-"+in.CommentID], v.Typed["reason-"+in.CommentID] = in.Answer, in.Reason
		return s.renderFact(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.lettersPath(r, areaID, "factcheck")+"#comment-"+in.CommentID, "Answer saved")
}

// factCheckCSV streams every round's comments and answers.
func (s *Server) factCheckCSV(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	var cw *csv.Writer
	n := 0
	err := letter.ExportCheck(r.Context(), s.pool, scopeOf(r), areaID, func(row []string) error {
		if cw == nil {
			h := w.Header()
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "factual-accuracy-check.csv"}))
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff")
			cw = csv.NewWriter(w)
		}
		for i := range row {
			row[i] = evidence.SafeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		if n++; n%100 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if err != nil && cw != nil {
		s.logger(r.Context()).Error("fact check export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return nil
}

// factContactShow is the check on the area's pages, for the area's contacts (and staff).
func (s *Server) factContactShow(w http.ResponseWriter, r *http.Request) error {
	areaID, err := areaParam(r)
	if err != nil {
		return err
	}
	v, err := s.factView(r, areaID, actorFrom(r.Context()).Review.Role == auth.ReviewContact)
	if err != nil {
		return err
	}
	return s.renderFact(w, r, http.StatusOK, v)
}

// factContactArea is the area of a contact's POST: only the area's own contacts comment.
func factContactArea(r *http.Request) (string, error) {
	areaID, err := areaParam(r)
	if err != nil {
		return "", err
	}
	if actorFrom(r.Context()).Review.Role != auth.ReviewContact {
		return "", apperr.Forbidden("Only the area’s local authority contacts comment on its letter.")
	}
	return areaID, nil
}

// factComment records a contact's comment on a paragraph.
func (s *Server) factComment(w http.ResponseWriter, r *http.Request) error {
	areaID, err := factContactArea(r)
	if err != nil {
		return err
	}
	block, err := strconv.Atoi(r.PostFormValue("block"))
	if err != nil {
		return apperr.Invalid("Choose a paragraph of the letter to comment on")
	}
	in := letter.CommentInput{Block: block, Body: r.PostFormValue("body"), Key: r.PostFormValue("idempotency_key"),
		Documents: r.PostForm["documents"], Limit: s.cfg.MaxUploadBytes, LimitText: humanBytes(s.cfg.MaxUploadBytes),
		Scan: s.scanner(), Log: s.logger(r.Context())}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && (fhs[0].Filename != "" || fhs[0].Size > 0) {
			fh := fhs[0]
			in.File = document.Sent{Chosen: true, Filename: fh.Filename, Size: fh.Size}
			if fh.Size <= s.cfg.MaxUploadBytes {
				if content, err := readUpload(fh, s.cfg.MaxUploadBytes); err != nil {
					in.File.Unreadable = true
				} else {
					in.File.Content = content
				}
			}
		}
	}
	_, err = letter.AddComment(r.Context(), s.pool, scopeOf(r), areaID, in, s.factToday())
	var refused *form.Refused
	if errors.As(err, &refused) {
		v, verr := s.factView(r, areaID, true)
		if verr != nil {
			return verr
		}
		v.Errors, v.Key = refused.Errors, in.Key
		v.Typed[letter.CommentBodyField(block)] = in.Body
		v.Cited, v.CitedBlock = map[string]bool{}, block
		for _, id := range in.Documents {
			v.Cited[id] = true
		}
		return s.renderFact(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+actorFrom(r.Context()).Review.ReviewID+"/areas/"+areaID+"/factcheck#paragraph-"+strconv.Itoa(block),
		"Comment sent")
}

// factFinish closes the area's side of the check early.
func (s *Server) factFinish(w http.ResponseWriter, r *http.Request) error {
	areaID, err := factContactArea(r)
	if err != nil {
		return err
	}
	if err := letter.FinishCheck(r.Context(), s.pool, scopeOf(r), areaID, s.factToday()); err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+actorFrom(r.Context()).Review.ReviewID+"/areas/"+areaID+"/factcheck",
		"Thank you: comments on the letter are now closed")
}
