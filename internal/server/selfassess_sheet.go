package server

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"thematic/internal/apperr"
	"thematic/internal/document"
	"thematic/internal/selfassess"
	"thematic/templates/selfassessview"
)

// The spreadsheet route of a self-assessment: the area's contact (or the lead) downloads it as an
// XLSX workbook, fills it in offline and uploads it; what was read is shown beside what is saved,
// and "Use these answers" saves it all in one go before the usual check your answers and submit.
// A workbook that is not an XLSX, too large, a zip bomb, of another area or review, or altered so
// that rows no longer match the elements, is refused with every problem named; nothing is stored.

// saFillArea is the area of the request, for an actor who may fill in its self-assessment.
func saFillArea(r *http.Request) (string, error) {
	id, err := areaParam(r)
	if err != nil {
		return "", err
	}
	if !saCanFill(actorFrom(r.Context()), id) {
		return "", apperr.Forbidden("Only the area’s local authority contact and the review lead can fill in its self-assessment.")
	}
	return id, nil
}

func saWorkbookFor(st saState) selfassess.WorkbookFor {
	return selfassess.WorkbookFor{ReviewID: st.ctx.ReviewID, ReviewTitle: st.ctx.ReviewTitle, AreaID: st.ctx.AreaID, AreaName: st.ctx.AreaName}
}

func (s *Server) saSheetDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	st, err := s.saLoad(r, id)
	if err != nil {
		return err
	}
	b, err := selfassess.BuildWorkbook(saWorkbookFor(st), st.tpl, st.area, s.now())
	if err != nil {
		return err
	}
	name := document.CleanName("Self-assessment " + st.ctx.AreaName + ".xlsx")
	h := w.Header()
	h.Set("Content-Type", document.TypeXLSX)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

func (s *Server) saUploadRender(w http.ResponseWriter, r *http.Request, st saState, problems []string) error {
	v := selfassessview.UploadView{Ctx: st.ctx, Submitted: st.area.Submission.Submitted(), Limit: humanBytes(selfassess.WorkbookMaxBytes),
		Problems: problems}
	p := s.page(r, "Upload your completed self-assessment spreadsheet – "+st.ctx.AreaName)
	status := http.StatusOK
	if len(problems) > 0 {
		p.HasError = true
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, selfassessview.Upload(p, v))
	return nil
}

func (s *Server) saSheetUploadForm(w http.ResponseWriter, r *http.Request) error {
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	st, err := s.saLoad(r, id)
	if err != nil {
		return err
	}
	return s.saUploadRender(w, r, st, nil)
}

// saSheetUpload reads an uploaded workbook and shows what it says; it stores nothing.
func (s *Server) saSheetUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	limitText := humanBytes(selfassess.WorkbookMaxBytes)
	var problem string
	if err := parseForm(r); err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) && !errors.Is(err, http.ErrNotMultipart) {
			return apperr.Invalid("The form could not be read.")
		}
		problem = "The selected file must be smaller than " + limitText
		if errors.Is(err, http.ErrNotMultipart) {
			problem = "Select the completed spreadsheet to upload"
		}
	}
	st, err := s.saLoad(r, id)
	if err != nil {
		return err
	}
	if st.area.Submission.Submitted() {
		return selfassess.ErrSubmitted
	}
	if problem != "" {
		return s.saUploadRender(w, r, st, []string{problem})
	}
	fh := saUploadedFile(r)
	if fh == nil {
		return s.saUploadRender(w, r, st, []string{"Select the completed spreadsheet to upload"})
	}
	if fh.Size > selfassess.WorkbookMaxBytes {
		return s.saUploadRender(w, r, st, []string{"The selected file must be smaller than " + limitText})
	}
	content, err := readUpload(fh, selfassess.WorkbookMaxBytes)
	if err != nil {
		return s.saUploadRender(w, r, st, []string{"The selected file could not be read. Choose it again"})
	}
	answers, err := selfassess.ReadWorkbook(content, saWorkbookFor(st), st.tpl)
	if p := selfassess.Problems(err); len(p) > 0 {
		return s.saUploadRender(w, r, st, p)
	}
	if err != nil {
		return err
	}
	v := selfassessview.ReadView{Ctx: st.ctx, Filename: document.CleanName(fh.Filename)}
	label := func(levelID string) string {
		if l, ok := st.tpl.Level(levelID); ok {
			return l.Label
		}
		return "Not answered"
	}
	for _, a := range answers {
		saved := st.area.Responses[a.Element.ID]
		row := selfassessview.ReadRow{ElementID: a.Element.ID, Title: a.Element.Title, Row: a.Row, LevelID: a.LevelID, Level: label(a.LevelID),
			Commentary: a.Commentary, Version: saved.Version, SavedLevel: label(saved.LevelID), SavedCommentary: saved.Commentary,
			RatingChanged: a.LevelID != saved.LevelID, CommentaryChanged: selfassess.CommentaryText(a.Commentary) != selfassess.CommentaryText(saved.Commentary)}
		if row.RatingChanged || row.CommentaryChanged {
			v.Changes++
		}
		v.Rows = append(v.Rows, row)
	}
	return s.ok(w, r, selfassessview.Read(s.page(r, "Check what we read from your spreadsheet – "+st.ctx.AreaName), v))
}

// saUploadedFile is the chosen file, or nil when none was (browsers send an empty part then).
func saUploadedFile(r *http.Request) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) == 0 || (fhs[0].Filename == "" && fhs[0].Size == 0) {
		return nil
	}
	return fhs[0]
}

// saSheetConfirm saves the answers the check page carries, all or none: an answer changed by
// someone else since the upload is a conflict and nothing is saved.
func (s *Server) saSheetConfirm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return apperr.Invalid("The form could not be read.")
	}
	saved, err := selfassess.ConfirmSheet(r.Context(), s.pool, scopeOf(r), id,
		selfassess.ConfirmInput{Elements: r.PostForm["element"], Value: r.PostFormValue})
	if err != nil {
		return err
	}
	flash := "Your spreadsheet matched the answers already saved, so nothing changed. Check your answers and submit."
	switch {
	case saved == 1:
		flash = "1 answer saved from your spreadsheet. Check your answers and submit."
	case saved > 1:
		flash = strconv.Itoa(saved) + " answers saved from your spreadsheet. Check your answers and submit."
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/areas/"+id+"/self-assessment/check", flash)
}
