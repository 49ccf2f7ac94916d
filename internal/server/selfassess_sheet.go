package server

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

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

func (s *Server) saLoadTx(r *http.Request, areaID string) (saState, error) {
	var st saState
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		st, err = s.saLoad(r, tx, areaID)
		return err
	})
	return st, err
}

func saWorkbookFor(st saState) selfassess.WorkbookFor {
	return selfassess.WorkbookFor{ReviewID: st.ctx.ReviewID, ReviewTitle: st.ctx.ReviewTitle, AreaID: st.ctx.AreaID, AreaName: st.ctx.AreaName}
}

func (s *Server) saSheetDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	st, err := s.saLoadTx(r, id)
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
	st, err := s.saLoadTx(r, id)
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
	st, err := s.saLoadTx(r, id)
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
			RatingChanged: a.LevelID != saved.LevelID, CommentaryChanged: saText(a.Commentary) != saText(saved.Commentary)}
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

// saText is commentary as compared: line breaks as browsers and spreadsheets send them are alike.
func saText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// saSheetConfirm saves the answers the check page carries, all or none: an answer changed by
// someone else since the upload is a conflict and nothing is saved.
func (s *Server) saSheetConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := saFillArea(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return apperr.Invalid("The form could not be read.")
	}
	changedTemplate := apperr.Conflict("The self-assessment’s elements have changed since you uploaded your spreadsheet. " +
		"Download a fresh copy of the spreadsheet, copy your answers into it and upload it again.")
	var saved int
	err = s.tx(r, func(tx pgx.Tx) error {
		st, err := s.saLoad(r, tx, id)
		if err != nil {
			return err
		}
		if st.area.Submission.Submitted() {
			return selfassess.ErrSubmitted
		}
		sent := r.PostForm["element"]
		if len(sent) != len(st.tpl.Elements) {
			return changedTemplate
		}
		var before, after []map[string]any
		for i, e := range st.tpl.Elements {
			if strings.ToLower(sent[i]) != e.ID {
				return changedTemplate
			}
			version, err := strconv.Atoi(r.PostFormValue("version-" + e.ID))
			if err != nil {
				return apperr.Invalid("The answers could not be read. Upload your spreadsheet again.")
			}
			in := selfassess.AnswerInput{ElementID: e.ID, LevelID: strings.ToLower(r.PostFormValue("level-" + e.ID)),
				Commentary: saText(r.PostFormValue("commentary-" + e.ID)), Version: version}
			if errs := in.Validate(st.tpl, false); errs.Any() {
				return apperr.Invalid("%s: %s. Upload your spreadsheet again.", e.Title, errs.List()[0].Message)
			}
			cur := st.area.Responses[e.ID]
			if cur.LevelID == in.LevelID && saText(cur.Commentary) == in.Commentary {
				continue // the same as saved: nothing to change (also a repeated confirm)
			}
			b, x, changed, err := selfassess.SaveAnswer(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID, st.tpl, in)
			if apperr.Is(err, apperr.CodeConflict) && err != selfassess.ErrSubmitted {
				return apperr.Conflict("Someone changed the answer to “%s” after you uploaded your spreadsheet, so nothing has been saved. "+
					"Upload your spreadsheet again to see what would change.", e.Title)
			}
			if err != nil {
				return err
			}
			if changed {
				saved++
				before = append(before, map[string]any{"element": e.Title, "level": b.LevelID, "commentary": b.Commentary, "version": b.Version})
				after = append(after, map[string]any{"element": e.Title, "level": x.LevelID, "commentary": x.Commentary, "version": x.Version})
			}
		}
		if saved == 0 {
			return nil
		}
		return s.saAudit(r, tx, "selfassess.imported", "self_assessment", id, before, after)
	})
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
