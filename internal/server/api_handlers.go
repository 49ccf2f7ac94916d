package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/coverage"
	"thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/recommendation"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/visit"
)

// The API's handlers: each parses, calls the same domain function as the page it mirrors, and
// writes JSON in the shapes docs/openapi.json (embedded as apiDocument) describes.

const apiDate = "2006-01-02"

func apiDay(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.Format(apiDate)
	return &s
}

type apiReview struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Status         string    `json:"status"`
	Role           string    `json:"role"`
	FieldworkStart *string   `json:"fieldwork_start"`
	FieldworkEnd   *string   `json:"fieldwork_end"`
	CreatedAt      time.Time `json:"created_at"`
}

func apiReviewOf(r review.Summary) apiReview {
	return apiReview{ID: r.ID, Title: r.Title, Status: string(r.Status), Role: string(r.Role),
		FieldworkStart: apiDay(r.FieldworkStart), FieldworkEnd: apiDay(r.FieldworkEnd), CreatedAt: r.CreatedAt}
}

// apiReviews lists the reviews the token's user belongs to (review.ListFor, as /reviews).
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) error {
	rs, err := review.ListFor(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	out := make([]apiReview, 0, len(rs))
	for _, x := range rs {
		out = append(out, apiReviewOf(x))
	}
	return apiJSON(w, http.StatusOK, map[string]any{"reviews": out})
}

// apiReview is one of the user's reviews: the same list (one statement), found by id.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	rs, err := review.ListFor(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	for _, x := range rs {
		if x.ID == a.Review.ReviewID {
			return apiJSON(w, http.StatusOK, apiReviewOf(x))
		}
	}
	return apperr.NotFound("Review not found.")
}

type apiSpan struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type apiArea struct {
	ID       string    `json:"id"`
	ONSCode  string    `json:"ons_code"`
	Name     string    `json:"name"`
	Region   string    `json:"region"`
	Type     string    `json:"type"`
	Visits   []apiSpan `json:"visits"`
	NotFixed int       `json:"visits_not_fixed"`
	Contacts int       `json:"contacts"`
}

// apiAreas lists the review's areas (area.ListPage, as the Areas page).
func (s *Server) apiAreas(w http.ResponseWriter, r *http.Request) error {
	_, areas, err := area.ListPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	out := make([]apiArea, 0, len(areas))
	for _, x := range areas {
		v := apiArea{ID: x.ID, ONSCode: x.ONSCode, Name: x.Name, Region: x.Region, Type: x.Type, Visits: []apiSpan{},
			NotFixed: x.NotFixed, Contacts: x.Contacts}
		for _, sp := range x.Visits {
			v.Visits = append(v.Visits, apiSpan{Start: sp.Start.Format(apiDate), End: sp.End.Format(apiDate)})
		}
		out = append(out, v)
	}
	return apiJSON(w, http.StatusOK, map[string]any{"areas": out})
}

type apiTeamMember struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type apiVisit struct {
	ID       string          `json:"id"`
	AreaID   string          `json:"area_id"`
	AreaName string          `json:"area_name"`
	Start    *string         `json:"start"`
	End      *string         `json:"end"`
	Days     int             `json:"days"`
	Team     []apiTeamMember `json:"team"`
}

// apiVisits lists the review's visits (visit.ListPage: a contact sees their own area's only).
func (s *Server) apiVisits(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	l, err := visit.ListPage(r.Context(), s.pool, scopeOf(r), a.Review)
	if err != nil {
		return err
	}
	out := make([]apiVisit, 0, len(l.Visits))
	for _, v := range l.Visits {
		start, end := v.Start, v.End()
		x := apiVisit{ID: v.ID, AreaID: v.AreaID, AreaName: v.AreaName, Start: apiDay(&start), End: apiDay(&end), Days: v.Days,
			Team: []apiTeamMember{}}
		for _, m := range v.Team {
			x.Team = append(x.Team, apiTeamMember{Name: m.Name, Role: string(m.Role)})
		}
		out = append(out, x)
	}
	return apiJSON(w, http.StatusOK, map[string]any{"visits": out})
}

type apiNote struct {
	ID           string    `json:"id"`
	NoteDate     string    `json:"note_date"`
	AreaName     string    `json:"area_name"`
	VisitStart   *string   `json:"visit_start"`
	Source       string    `json:"source"`
	Role         string    `json:"role"`
	Author       string    `json:"author"`
	Judgement    string    `json:"judgement"`
	GoodPractice bool      `json:"good_practice"`
	FamilyWords  bool      `json:"family_words"`
	CreatedAt    time.Time `json:"created_at"`
	Excerpt      string    `json:"excerpt"`
	ActionAreas  []string  `json:"action_areas"`
	Tags         []string  `json:"tags"`
}

// apiFilterProblem is a refused filter as a problem's field list.
func apiFilterProblem(errs *form.Errors) error { return &form.Refused{Errors: errs} }

// apiNotes is one page of the evidence base: the page's filters as query parameters, keyset
// pages by the after cursor (evidence.ParseFilter and evidence.BasePage, as /evidence).
func (s *Server) apiNotes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Del("before") // pages go forward only
	f, errs := evidence.ParseFilter(q)
	if errs.Any() {
		return apiFilterProblem(errs)
	}
	b, err := evidence.BasePage(r.Context(), s.pool, scopeOf(r), f, false)
	if err != nil {
		return err
	}
	out := make([]apiNote, 0, len(b.Page.Rows))
	for _, n := range b.Page.Rows {
		var ex strings.Builder
		for _, seg := range n.Excerpt {
			ex.WriteString(seg.Text)
		}
		vs := n.VisitStart
		x := apiNote{ID: n.ID, NoteDate: n.NoteDate.Format(apiDate), AreaName: n.AreaName, VisitStart: apiDay(&vs),
			Source: n.SourceName, Role: n.RoleName, Author: n.AuthorName, Judgement: n.Judgement, GoodPractice: n.GoodPractice,
			FamilyWords: n.FamilyWords, CreatedAt: n.CreatedAt, Excerpt: ex.String(), ActionAreas: nonNil(n.ActionAreas), Tags: nonNil(n.Tags)}
		out = append(out, x)
	}
	page := map[string]any{"notes": out, "next": nil}
	if b.Page.Next != "" {
		q.Set("after", b.Page.Next)
		page["next"] = b.Page.Next
		page["next_url"] = APIPrefix + "/reviews/" + actorFrom(r.Context()).Review.ReviewID + "/notes?" + q.Encode()
	}
	return apiJSON(w, http.StatusOK, page)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiNoteInput is the body of a new note.
type apiNoteInput struct {
	VisitID               string   `json:"visit_id"`
	SourceID              string   `json:"source_id"`
	RoleID                string   `json:"role_id"`
	NoteDate              string   `json:"note_date"`
	Body                  string   `json:"body"`
	ActionAreas           []string `json:"action_areas"`
	Lines                 []string `json:"lines"`
	Tags                  []string `json:"tags"`
	Documents             []string `json:"documents"`
	Judgement             string   `json:"judgement"`
	GoodPractice          bool     `json:"good_practice"`
	FamilyWords           bool     `json:"family_words"`
	Safeguarding          bool     `json:"safeguarding"`
	ConfirmedPersonalData bool     `json:"confirmed_personal_data"`
}

func (in apiNoteInput) validText() bool {
	all := append([]string{in.VisitID, in.SourceID, in.RoleID, in.NoteDate, in.Body, in.Judgement}, in.ActionAreas...)
	all = append(append(append(all, in.Lines...), in.Tags...), in.Documents...)
	for _, s := range all {
		if !validText(s) {
			return false
		}
	}
	return true
}

// apiNoteCreate records a note from a visit with evidence.RecordNote, the note form's command.
// The Idempotency-Key header is the note's key: the same key again answers the first note (200).
func (s *Server) apiNoteCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > 200 || !validText(key) {
		return apperr.Invalid("Send an Idempotency-Key header (up to 200 characters) with a new note.")
	}
	var body apiNoteInput
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Invalid("The request body is too large.")
		}
		return apperr.Invalid("The body must be a JSON object of a note's fields: %s", err.Error())
	}
	if !body.validText() {
		return apperr.Invalid("The note contains characters the service cannot accept, such as a null character.")
	}
	in := evidence.NoteInput{VisitID: body.VisitID, SourceID: body.SourceID, RoleID: body.RoleID, NoteDate: body.NoteDate,
		Body: strings.ReplaceAll(body.Body, "\r\n", "\n"), ActionAreas: body.ActionAreas, Lines: body.Lines, Tags: body.Tags,
		Documents: body.Documents, Judgement: body.Judgement, GoodPractice: body.GoodPractice, FamilyWords: body.FamilyWords,
		Safeguarding: body.Safeguarding, Key: key}
	out, err := evidence.RecordNote(r.Context(), s.pool, scopeOf(r), a.Review, in,
		evidence.Recording{ConfirmedPersonalData: body.ConfirmedPersonalData})
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		errs := out.Errors
		if !errs.Any() {
			errs = refused.Errors
		}
		return &form.Refused{Errors: errs}
	}
	if err != nil {
		return err
	}
	status := http.StatusOK // the same key again: the note saved before
	if out.Created {
		status = http.StatusCreated
		w.Header().Set("Location", "/reviews/"+a.Review.ReviewID+"/notes/"+out.ID)
	}
	return apiJSON(w, status, map[string]any{"id": out.ID, "created": out.Created,
		"url": "/reviews/" + a.Review.ReviewID + "/notes/" + out.ID})
}

type apiFinding struct {
	ID            string `json:"id"`
	ActionAreaID  string `json:"action_area_id"`
	ActionArea    string `json:"action_area"`
	Position      int    `json:"position"`
	Body          string `json:"body"`
	Word          string `json:"word"`
	Supporting    int    `json:"supporting_notes"`
	Contradicting int    `json:"contradicting_notes"`
	Areas         int    `json:"areas"`
	Visited       int    `json:"visited_areas"`
}

// apiFindings lists the review's findings (finding.OverviewPage, as the synthesis overview).
func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) error {
	o, err := finding.OverviewPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	titles := map[string]string{}
	for _, g := range o.Framework.Groups {
		for _, aa := range g.Areas {
			titles[aa.ID] = aa.Title
		}
	}
	out := make([]apiFinding, 0, len(o.Findings))
	for _, f := range o.Findings {
		out = append(out, apiFinding{ID: f.ID, ActionAreaID: f.ActionAreaID, ActionArea: titles[f.ActionAreaID], Position: f.Position,
			Body: f.Body, Word: f.Word(), Supporting: f.Supporting, Contradicting: f.Contradicting, Areas: f.Areas, Visited: f.Visited})
	}
	return apiJSON(w, http.StatusOK, map[string]any{"findings": out})
}

type apiRecommendation struct {
	ID         string   `json:"id"`
	Number     int      `json:"number"`
	Body       string   `json:"body"`
	Addressee  string   `json:"addressee"`
	FindingIDs []string `json:"finding_ids"`
}

// apiRecommendations lists the review's recommendations (recommendation.ListPage).
func (s *Server) apiRecommendations(w http.ResponseWriter, r *http.Request) error {
	d, err := recommendation.ListPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	out := make([]apiRecommendation, 0, len(d.Recs))
	for _, x := range d.Recs {
		out = append(out, apiRecommendation{ID: x.ID, Number: x.Number, Body: x.Body, Addressee: x.Addressee, FindingIDs: nonNil(x.FindingIDs)})
	}
	return apiJSON(w, http.StatusOK, map[string]any{"recommendations": out})
}

type apiCounts struct {
	Strength    int `json:"strength"`
	Development int `json:"development"`
	Neutral     int `json:"neutral"`
	Total       int `json:"total"`
}

func apiCountsOf(c coverage.Counts) apiCounts {
	return apiCounts{Strength: c.Strength, Development: c.Development, Neutral: c.Neutral, Total: c.Total()}
}

type apiColumn struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Group string `json:"group"`
}

type apiRow struct {
	AreaID   string      `json:"area_id"`
	AreaName string      `json:"area_name"`
	Cells    []apiCounts `json:"cells"`
	Total    apiCounts   `json:"total"`
}

type apiMatrix struct {
	Columns []apiColumn `json:"columns"`
	Rows    []apiRow    `json:"rows"`
	Totals  []apiCounts `json:"totals"`
	Total   apiCounts   `json:"total"`
}

func apiMatrixOf(m coverage.Matrix) apiMatrix {
	out := apiMatrix{Columns: []apiColumn{}, Rows: []apiRow{}, Totals: []apiCounts{}, Total: apiCountsOf(m.Total)}
	for _, c := range m.Columns {
		out.Columns = append(out.Columns, apiColumn{ID: c.ID, Title: c.Title, Group: c.Group})
	}
	for _, row := range m.Rows {
		x := apiRow{AreaID: row.Area.ID, AreaName: row.Area.Name, Cells: []apiCounts{}, Total: apiCountsOf(row.Total)}
		for _, c := range row.Cells {
			x.Cells = append(x.Cells, apiCountsOf(c))
		}
		out.Rows = append(out.Rows, x)
	}
	for _, c := range m.Totals {
		out.Totals = append(out.Totals, apiCountsOf(c))
	}
	return out
}

// apiCoverage is the coverage counts (coverage.Page, as the Coverage page): notes by area and
// action area, by area and line of enquiry, and the themes (tags).
func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) error {
	c, err := coverage.Page(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	themes := []map[string]any{}
	for _, t := range c.Themes {
		themes = append(themes, map[string]any{"name": t.Name, "counts": apiCountsOf(t.Counts)})
	}
	return apiJSON(w, http.StatusOK, map[string]any{"threshold": c.Threshold, "action_areas": apiMatrixOf(c.ActionAreas),
		"lines": apiMatrixOf(c.Lines), "themes": themes})
}

// apiReport downloads the report in a format the report page offers (report.ExportDoc, as
// /report/export/{format}): the published version while the report is published.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("format")
	if name == "" {
		name = "html"
	}
	f, ok := report.FormatOf(name)
	if !ok {
		errs := &form.Errors{}
		errs.Add("format", "Choose html, govspeak, docx or pdf")
		return &form.Refused{Errors: errs}
	}
	doc, err := report.ExportDoc(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	headers := func() {
		h := w.Header()
		h.Set("Content-Type", f.ContentType)
		h.Set("Content-Disposition", `attachment; filename="`+report.FileName(doc.Title, f.Ext)+`"`)
		h.Set("Cache-Control", "no-store")
	}
	if f.Buffered {
		var buf bytes.Buffer
		if err := f.Write(r.Context(), &buf, doc); err != nil {
			if errors.Is(err, report.ErrNoChromium) {
				writeProblem(w, problem{Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable),
					Status: http.StatusServiceUnavailable, Detail: "PDFs cannot be made on this server: " + report.ErrNoChromium.Error(),
					Instance: apiInstance(r)})
				return nil
			}
			return err
		}
		headers()
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, _ = buf.WriteTo(w)
		return nil
	}
	headers()
	if err := f.Write(r.Context(), w, doc); err != nil {
		// Streamed already: cut the connection so that a truncated file does not look whole.
		s.logger(r.Context()).Error("api report export", "format", name, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
