package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/letter"
	"thematic/internal/report"
	"thematic/templates/letterview"
)

// The letters to each area of a review (internal/letter): the review's leads write them, its
// staff read them. Each handler is thin: the letter package opens the transaction.

func letterBase(r *http.Request, reviewTitle, areaID, areaName string) letterview.Base {
	a := actorFrom(r.Context())
	return letterview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: reviewTitle, AreaID: areaID, AreaName: areaName, Lead: isReviewLead(a)}
}

func (s *Server) lettersPath(r *http.Request, parts ...string) string {
	p := "/reviews/" + actorFrom(r.Context()).Review.ReviewID + "/letters"
	for _, x := range parts {
		p += "/" + x
	}
	return p
}

// docHTML writes a document (or the blocks of one section) as the letter prints it, for a page.
func docHTML(d *report.Doc) string {
	var b strings.Builder
	if err := report.WriteHTML(&b, d, report.HTMLOptions{Fragment: true}); err != nil {
		return ""
	}
	out := b.String()
	// The page lists the sections itself: no contents list of the letter inside it.
	if i := strings.Index(out, `<nav class="contents"`); i >= 0 {
		if j := strings.Index(out[i:], "</nav>\n"); j >= 0 {
			out = out[:i] + out[i+j+len("</nav>\n"):]
		}
	}
	return out
}

// sectionHTML is a section's text as the letter prints it ("" when empty).
func sectionHTML(key, body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	blocks, _ := report.Parse(strings.TrimSpace(body), report.Origin{Section: key, Kind: "authored"})
	d := &report.Doc{Blocks: blocks}
	d.Finish()
	return docHTML(d)
}

func (s *Server) letterList(w http.ResponseWriter, r *http.Request) error {
	l, err := letter.ReadList(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := letterview.ListView{Base: letterBase(r, l.ReviewTitle, "", ""), Template: l.Template, Areas: l.Areas}
	return s.ok(w, r, letterview.List(s.page(r, "Letters – "+l.ReviewTitle), v))
}

// letterStart starts the letter of an area; a second press finds it started and goes to it.
func (s *Server) letterStart(w http.ResponseWriter, r *http.Request) error {
	areaID := r.PostFormValue("area_id")
	if areaID == "" {
		return apperr.Invalid("Choose the area whose letter to start")
	}
	made, err := letter.Start(r.Context(), s.pool, scopeOf(r), areaID)
	if err != nil {
		return err
	}
	flash := "Letter started"
	if !made {
		flash = "The letter was started already"
	}
	return s.redirect(w, r, s.lettersPath(r, areaID), flash)
}

func (s *Server) letterTemplate(w http.ResponseWriter, r *http.Request) error {
	title, t, err := letter.ReadTemplate(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := letterview.TemplateView{Base: letterBase(r, title, "", ""), Template: t}
	return s.ok(w, r, letterview.Template(s.page(r, "Letter template – "+title), v))
}

func (s *Server) letterTemplateSave(w http.ResponseWriter, r *http.Request) error {
	in := letter.Template{Opening: r.PostFormValue("opening"), Closing: r.PostFormValue("closing"), Signatories: r.PostFormValue("signatories")}
	var err error
	if in.Version, err = strconv.Atoi(r.PostFormValue("version")); err != nil || in.Version < 0 {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := letter.SaveTemplate(r.Context(), s.pool, scopeOf(r), in)
	var refused *form.Refused
	switch {
	case res.Conflict:
		cur := res.Current
		in.Version = cur.Version // saving again replaces theirs
		v := letterview.TemplateView{Base: letterBase(r, res.ReviewTitle, "", ""), Template: in, Conflict: &cur}
		p := s.page(r, "Letter template – "+res.ReviewTitle)
		p.HasError = true
		s.render(w, r, http.StatusConflict, letterview.Template(p, v))
		return nil
	case errors.As(err, &refused):
		v := letterview.TemplateView{Base: letterBase(r, res.ReviewTitle, "", ""), Template: in, Errors: refused.Errors}
		p := s.page(r, "Letter template – "+res.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, letterview.Template(p, v))
	case err != nil:
		return err
	}
	return s.redirect(w, r, s.lettersPath(r), "Letter template saved")
}

// letterPageView is a letter's page of a letter built with its check (and, for a lead, its
// evidence).
func letterPageView(r *http.Request, b *letter.Built) letterview.LetterView {
	a := actorFrom(r.Context())
	hits := b.Hits()
	d := b.Data
	v := letterview.LetterView{Base: letterBase(r, d.ReviewTitle, d.AreaID, d.AreaName), State: b.State,
		Missing: d.Missing(), Blocking: report.Blocking(hits), Kept: len(hits) - report.Blocking(hits), Versions: b.Versions,
		Formats: report.Formats, Notes: map[string]string{}}
	if b.SignedOff != nil {
		v.Preview = docHTML(b.SignedOff)
	} else {
		v.Preview = docHTML(&b.Doc)
	}
	v.Summary = letterview.SectionItem{Key: letter.KeySummary, Title: "Summary", HTML: sectionHTML(letter.KeySummary, d.Texts[letter.KeySummary])}
	for _, g := range d.Groups {
		for _, aa := range g.Areas {
			it := letterview.ActionAreaItem{ID: aa.ID, Title: aa.Title, Group: g.Title,
				Strengths: letterview.SectionItem{Key: letter.StrengthsKey(aa.ID), Title: "Strengths: " + aa.Title,
					HTML: sectionHTML(letter.StrengthsKey(aa.ID), d.Texts[letter.StrengthsKey(aa.ID)])},
				Development: letterview.SectionItem{Key: letter.DevelopmentKey(aa.ID), Title: "Areas for development: " + aa.Title,
					HTML: sectionHTML(letter.DevelopmentKey(aa.ID), d.Texts[letter.DevelopmentKey(aa.ID)])}}
			if e := b.Evidence[aa.ID]; e != nil {
				it.Strengths.Notes, it.Development.Notes, it.Findings = e.Strengths, e.Development, e.Findings
			}
			v.Areas = append(v.Areas, it)
		}
	}
	if v.Lead {
		status := b.State.Status
		if status == "" {
			status = letter.StatusDraft
		}
		st := b.State
		st.Status = status
		v.Steps = letter.Allowed(st, a.UserID)
		v.WaitQA = st.Status == letter.StatusQA && st.By == a.UserID
	}
	return v
}

func (s *Server) letterShow(w http.ResponseWriter, r *http.Request) error {
	b, err := letter.Read(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"),
		letter.PageOptions{WithCheck: true, WithEvidence: isReviewLead(actorFrom(r.Context()))})
	if err != nil {
		return err
	}
	v := letterPageView(r, &b)
	return s.ok(w, r, letterview.Letter(s.page(r, "Letter to "+v.AreaName+" – "+v.ReviewTitle), v))
}

// letterStatus takes a step of a letter's sign-off.
func (s *Server) letterStatus(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	to, note := r.PostFormValue("to"), strings.TrimSpace(r.PostFormValue("note-"+r.PostFormValue("to")))
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || letter.StatusLabel(to) == "" || to == "" {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := letter.TakeStep(r.Context(), s.pool, scopeOf(r), areaID, to, note, version)
	var stepErr *letter.StepError
	switch {
	case errors.As(err, &stepErr) && res.Built != nil:
		v := letterPageView(r, res.Built)
		v.Errors = &form.Errors{}
		field := "step-" + to
		if stepErr.Field == "note" {
			field = "note-" + to
		}
		v.Errors.Add(field, stepErr.Message)
		v.Notes[to] = note
		p := s.page(r, "Letter to "+v.AreaName+" – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, letterview.Letter(p, v))
	case err != nil:
		return err
	case res.Repeated:
		return s.redirect(w, r, s.lettersPath(r, areaID), "")
	}
	flash := map[string]string{letter.StatusQA: "Letter sent for sign-off", letter.StatusChangesRequested: "Changes requested",
		letter.StatusSignedOff: "Letter signed off", letter.StatusDraft: "Letter returned to draft"}[to]
	return s.redirect(w, r, s.lettersPath(r, areaID), flash)
}

func sectionViewOf(r *http.Request, res letter.SectionResult) letterview.SectionView {
	d := res.Data
	v := letterview.SectionView{Base: letterBase(r, d.ReviewTitle, d.AreaID, d.AreaName), Key: res.Key, Title: res.Title,
		Body: res.Current.Body, Version: res.Current.Version, Summary: res.Key == letter.KeySummary,
		Strength: strings.HasPrefix(res.Key, "strengths:")}
	if _, id, ok := strings.Cut(res.Key, ":"); ok {
		v.Evidence = res.Evidence[id]
	}
	return v
}

func (s *Server) letterSectionEdit(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("key")
	if key == "" {
		key = letter.KeySummary // the first section
	}
	res, err := letter.ReadSection(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"), key)
	if err != nil {
		return err
	}
	if res.State.Locked() {
		return apperr.Forbidden("The letter is signed off and can no longer be changed: reopen it first")
	}
	v := sectionViewOf(r, res)
	return s.ok(w, r, letterview.Section(s.page(r, v.Title+" – Letter to "+v.AreaName), v))
}

func (s *Server) letterSectionSave(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	key, body := r.PostFormValue("key"), strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 0 {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := letter.SaveSection(r.Context(), s.pool, scopeOf(r), areaID, key, body, version)
	var refused *form.Refused
	switch {
	case res.Conflict:
		v := sectionViewOf(r, res)
		cur := res.Current
		v.Body, v.Version, v.Conflict = body, cur.Version, &cur
		p := s.page(r, v.Title+" – Letter to "+v.AreaName)
		p.HasError = true
		s.render(w, r, http.StatusConflict, letterview.Section(p, v))
		return nil
	case errors.As(err, &refused) && res.Key != "":
		v := sectionViewOf(r, res)
		v.Body, v.Version, v.Errors = body, version, refused.Errors
		p := s.page(r, v.Title+" – Letter to "+v.AreaName)
		p.HasError = true
		return s.invalid(w, r, letterview.Section(p, v))
	case err != nil:
		return err
	}
	return s.redirect(w, r, s.lettersPath(r, areaID)+"#section-"+key, res.Title+" saved")
}

func checkViewOf(r *http.Request, b *letter.Built, hits []report.Hit) letterview.CheckView {
	d := b.Data
	v := letterview.CheckView{Base: letterBase(r, d.ReviewTitle, d.AreaID, d.AreaName), Locked: b.State.Locked(),
		Errors: &form.Errors{}, Reasons: map[string]string{}}
	letters := "/reviews/" + d.ReviewID + "/letters"
	for _, h := range hits {
		it := letterview.HitItem{Hit: h, Place: d.Place(h.Origin.Section)}
		switch {
		case h.Origin.Kind == "authored" && letter.ValidKey(h.Origin.Section):
			it.FixURL, it.Fix = safeURL(letters+"/"+d.AreaID+"/sections/edit?key="+h.Origin.Section), "Edit the text"
		case h.Origin.Kind == "template":
			it.FixURL, it.Fix = safeURL(letters+"/template"), "Edit the letter template"
		case h.Origin.Section == "title":
			it.FixURL, it.Fix = safeURL("/reviews/"+d.ReviewID+"/edit"), "Edit the review"
		}
		v.Hits = append(v.Hits, it)
	}
	return v
}

func (s *Server) letterCheck(w http.ResponseWriter, r *http.Request) error {
	b, err := letter.Read(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"), letter.PageOptions{WithCheck: true})
	if err != nil {
		return err
	}
	v := checkViewOf(r, &b, b.Hits())
	return s.ok(w, r, letterview.Check(s.page(r, "Publication check – Letter to "+v.AreaName), v))
}

func (s *Server) letterOverride(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	key, reason := r.PostFormValue("key"), strings.TrimSpace(r.PostFormValue("reason"))
	res, err := letter.Keep(r.Context(), s.pool, scopeOf(r), areaID, key, reason)
	switch {
	case err != nil:
		return err
	case res.Kept == nil:
		return s.redirect(w, r, s.lettersPath(r, areaID, "check"), "That is no longer in the letter: nothing to keep")
	case res.Errors.Any():
		v := checkViewOf(r, &res.Built, res.Hits())
		v.Reasons[key] = reason
		v.Errors = res.Errors
		p := s.page(r, "Publication check – Letter to "+v.AreaName)
		p.HasError = true
		return s.invalid(w, r, letterview.Check(p, v))
	}
	return s.redirect(w, r, s.lettersPath(r, areaID, "check"), "Kept ‘"+res.Kept.Term+"’ in the letter with your reason")
}

func (s *Server) letterVersions(w http.ResponseWriter, r *http.Request) error {
	pg, err := letter.ReadVersions(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"))
	if err != nil {
		return err
	}
	v := letterview.VersionsView{Base: letterBase(r, pg.ReviewTitle, chi.URLParam(r, "areaID"), pg.AreaName),
		Locked: pg.State.Locked(), Versions: pg.Versions}
	return s.ok(w, r, letterview.Versions(s.page(r, "Versions – Letter to "+pg.AreaName), v))
}

func (s *Server) letterVersionSave(w http.ResponseWriter, r *http.Request) error {
	areaID := chi.URLParam(r, "areaID")
	label := strings.TrimSpace(r.PostFormValue("label"))
	n, err := letter.SaveNamedVersion(r.Context(), s.pool, scopeOf(r), areaID, label)
	var refused *form.Refused
	if errors.As(err, &refused) {
		pg, err := letter.ReadVersions(r.Context(), s.pool, scopeOf(r), areaID)
		if err != nil {
			return err
		}
		v := letterview.VersionsView{Base: letterBase(r, pg.ReviewTitle, areaID, pg.AreaName), Locked: pg.State.Locked(),
			Versions: pg.Versions, Label: label, Errors: refused.Errors}
		p := s.page(r, "Versions – Letter to "+pg.AreaName)
		p.HasError = true
		return s.invalid(w, r, letterview.Versions(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.lettersPath(r, areaID, "versions"), fmt.Sprintf("Version %d saved", n))
}

func (s *Server) letterVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(chi.URLParam(r, "number"))
	if err != nil || n < 1 {
		return apperr.NotFound("Letter version not found")
	}
	ver, title, err := letter.ReadVersion(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"), n)
	if err != nil {
		return err
	}
	v := letterview.VersionView{Base: letterBase(r, title, chi.URLParam(r, "areaID"), ver.AreaName), Version: ver, HTML: docHTML(ver.Doc)}
	return s.ok(w, r, letterview.Version(s.page(r, fmt.Sprintf("Version %d – %s", n, ver.Doc.Title)), v))
}

// letterExport downloads a letter in one of the report's formats: the signed-off version while
// the letter is signed off, else the letter as built now.
func (s *Server) letterExport(w http.ResponseWriter, r *http.Request) error {
	if _, ok := report.FormatOf(chi.URLParam(r, "format")); !ok {
		return apperr.NotFound("Export format not found")
	}
	doc, err := letter.ExportDoc(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "areaID"))
	if err != nil {
		return err
	}
	return s.sendExport(w, r, doc, chi.URLParam(r, "format"))
}
