package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"thematic/internal/auth"
	"thematic/internal/questionnaire"
	"thematic/internal/text"
	"thematic/templates/questionnaireview"
)

// canImportQuestionnaire: the lead, or the area's own contact (areaParam has checked the area).
func canImportQuestionnaire(a *auth.Actor) bool {
	return a.Review.Role == auth.ReviewLead || a.Review.Role == auth.ReviewContact
}

// questionnaireView reads the area's page.
func (s *Server) questionnaireView(r *http.Request, areaID string) (questionnaireview.AreaView, error) {
	a := actorFrom(r.Context())
	v := questionnaireview.AreaView{Staff: a.Review.Role != auth.ReviewContact, CanImport: canImportQuestionnaire(a)}
	pg, err := questionnaire.LoadAreaPage(r.Context(), s.pool, scopeOf(r), areaID)
	if err != nil {
		return v, err
	}
	v.Review = questionnaireview.Review{ID: pg.ReviewID, Title: pg.ReviewTitle}
	v.AreaID, v.AreaName, v.Results = pg.Area.ID, pg.Area.Name, pg.Results
	return v, nil
}

func (s *Server) questionnaireShow(w http.ResponseWriter, r *http.Request) error {
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	v, err := s.questionnaireView(r, id)
	if err != nil {
		return err
	}
	return s.ok(w, r, questionnaireview.Area(s.page(r, "Family questionnaire – "+v.AreaName), v))
}

// questionnaireCSV reads the CSV sent: the file when one was chosen, else the pasted text. The
// field at fault is "csv-file" or "csv-text"; msg is set when nothing usable was sent.
func questionnaireCSV(r *http.Request) (data []byte, field, pasted, msg string) {
	pasted = r.PostFormValue("csv_text")
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["csv_file"]; len(fhs) > 0 && fhs[0].Filename != "" {
			fh := fhs[0]
			if fh.Size > questionnaire.MaxBytes {
				return nil, "csv-file", pasted, "The selected file must be smaller than 2 MB"
			}
			f, err := fh.Open()
			if err != nil {
				return nil, "csv-file", pasted, "The selected file could not be read. Try again."
			}
			defer f.Close()
			b, err := questionnaire.ReadLimited(f)
			switch {
			case errors.Is(err, questionnaire.ErrTooLarge):
				return nil, "csv-file", pasted, "The selected file must be smaller than 2 MB"
			case err != nil:
				return nil, "csv-file", pasted, "The selected file could not be read. Try again."
			case len(b) == 0:
				return nil, "csv-file", pasted, "The selected file is empty"
			}
			return b, "csv-file", pasted, ""
		}
	}
	if strings.TrimSpace(pasted) == "" {
		return nil, "csv-file", pasted, "Choose a CSV file of results, or paste the results into the box"
	}
	if len(pasted) > questionnaire.MaxBytes {
		return nil, "csv-text", "", "The pasted results must be smaller than 2 MB"
	}
	return []byte(pasted), "csv-text", pasted, ""
}

// questionnaireImport replaces the area's results with a valid CSV; a CSV with any problem is
// refused with its lines at fault, and nothing is stored.
func (s *Server) questionnaireImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id, err := areaParam(r)
	if err != nil {
		return err
	}
	if !canImportQuestionnaire(a) {
		s.refuse(w, r, auth.ReviewLeadOnly)
		return nil
	}
	data, field, pasted, msg := questionnaireCSV(r)
	var problems []string
	var imp questionnaire.Import
	if msg == "" {
		var perr *questionnaire.ParseError
		imp, err = questionnaire.ImportCSV(r.Context(), s.pool, scopeOf(r), id, data)
		switch {
		case errors.As(err, &perr):
			problems = perr.Lines()
			msg = "The CSV has " + text.Plural(len(perr.Problems)+perr.More, "problem", "problems") + ". Nothing was imported."
		case errors.Is(err, questionnaire.ErrTooLarge):
			msg = "The CSV must be smaller than 2 MB"
		case err != nil:
			return err
		}
	}
	if msg != "" {
		v, err := s.questionnaireView(r, id)
		if err != nil {
			return err
		}
		v.Field, v.Message, v.Problems = field, msg, problems
		if field == "csv-text" || len(pasted) <= questionnaire.MaxBytes {
			v.Pasted = pasted
		}
		p := s.page(r, "Family questionnaire – "+v.AreaName)
		p.HasError = true
		return s.invalid(w, r, questionnaireview.Area(p, v))
	}
	return s.redirect(w, r, "/reviews/"+url.PathEscape(a.Review.ReviewID)+"/areas/"+url.PathEscape(id)+"/questionnaire",
		"Questionnaire results imported: "+strconv.Itoa(imp.Rows)+" rows")
}

// questionnaireTotals lists every area's respondents and their total.
func (s *Server) questionnaireTotals(w http.ResponseWriter, r *http.Request) error {
	pg, err := questionnaire.LoadTotalsPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := questionnaireview.TotalsView{Review: questionnaireview.Review{ID: pg.ReviewID, Title: pg.ReviewTitle}, Totals: pg.Totals}
	return s.ok(w, r, questionnaireview.Totals(s.page(r, "Family questionnaires – "+v.Review.Title), v))
}
