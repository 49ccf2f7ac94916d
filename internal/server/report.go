package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/text"
	"thematic/templates/errorview"
	"thematic/templates/reportview"
)

// built is a review's report as built now, with what is needed around it.
type built struct {
	data      report.Data
	doc       report.Doc
	problems  map[string][]report.Problem
	stage     review.Status
	state     report.State
	texts     map[string]report.Authored
	terms     report.Terms               // with report.LoadOptions.WithCheck
	overrides map[string]report.Override // with report.LoadOptions.WithCheck
	last      *report.Version            // with report.LoadOptions.ForVersion
	approved  *report.Doc                // the approved version, while the report is not published
}

// builtOf maps the report package's built report to what the views read.
func builtOf(b report.Built) built {
	return built{data: b.Data, doc: b.Doc, problems: b.Problems, stage: b.Stage, state: b.State, texts: b.Texts,
		terms: b.Terms, overrides: b.Overrides, last: b.LastVersion, approved: b.Approved}
}

// reportHits runs the publication check over a report built with the check.
func reportHits(b *built) []report.Hit {
	return report.Check(&b.doc, b.terms, b.overrides)
}

// withCheck reads what the report page needs: the publication check and the open review notes.
var withCheck = report.PageOptions{LoadOptions: report.LoadOptions{WithCheck: true}, OpenNotes: true}

func reportBase(r *http.Request, b built) reportview.Base {
	a := actorFrom(r.Context())
	base := reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: b.data.Title, Lead: isReviewLead(a), Locked: b.state.Locked(),
		Stage: b.stage}
	if err := b.stage.Verdict(review.ChangeReport, false); err != nil {
		base.StageNote = apperr.MessageOf(err)
	}
	return base
}

// reportView is the report page's view of a built report.
func reportView(r *http.Request, b built, hits []report.Hit) reportview.ReportView {
	a := actorFrom(r.Context())
	base := reportBase(r, b)
	// The report is built and hashed: an approved report that changed since shows as a draft,
	// with what changed, whatever is stored (the next sign-off step stores it).
	lapse := report.ChangedSinceApproval(b.state, b.approved, &b.doc)
	v := reportview.ReportView{DocView: reportview.DocView{Base: base, Doc: &b.doc, Edit: base.Changeable(), Trace: true},
		State: b.state.Shown(&b.doc), Lapse: lapse, Missing: b.data.Missing(), Blocking: report.Blocking(hits),
		Kept: len(hits) - report.Blocking(hits)}
	if base.Lead && lapse != nil && !lapse.Persisted {
		// Not approved any more: the one step is back to drafting (the change is the reason).
		v.Steps = []report.Step{{From: report.StatusApproved, To: report.StatusDraft, Label: "Return to drafting"}}
	} else if base.Lead {
		for _, st := range report.Allowed(b.state, a.UserID) {
			// Sending for quality assurance moves the review on from drafting: not before.
			if st.To == report.StatusQA && b.stage != review.StatusDrafting {
				v.SendLater = fmt.Sprintf("The report can be sent for quality assurance once the review is at drafting. It is %s.", b.stage.Where())
				continue
			}
			v.Steps = append(v.Steps, st)
		}
		v.WaitQA = b.state.Status == report.StatusQA && b.state.By == a.UserID
	}
	for _, sec := range b.data.Sections() {
		for _, p := range b.problems[sec.Key] {
			v.Problems = append(v.Problems, reportview.ProblemItem{Key: sec.Key, Section: sec.Title, Line: p.Line, Message: p.Message})
		}
	}
	for _, bl := range b.doc.Blocks {
		if bl.Flag != "" && bl.Origin.ID != "" {
			v.Flagged = append(v.Flagged, reportview.FlagItem{Kind: bl.Origin.Kind, ID: bl.Origin.ID, Flag: bl.Flag,
				Section: b.data.PlaceTitle(bl.Origin.Section), Excerpt: text.Excerpt(bl.Text.Plain(), 80)})
		}
	}
	return v
}

func (s *Server) reportShow(w http.ResponseWriter, r *http.Request) error {
	pg, err := report.Read(r.Context(), s.pool, scopeOf(r), withCheck)
	if err != nil {
		return err
	}
	v := reportPageView(r, pg)
	return s.ok(w, r, reportview.Report(s.page(r, "Report – "+v.ReviewTitle), v))
}

// reportPageView is the report page's view of a report read withCheck.
func reportPageView(r *http.Request, pg report.Page) reportview.ReportView {
	b := builtOf(pg.Built)
	v := reportView(r, b, reportHits(&b))
	v.ReviewNotes = notesPanel(r, b.state, pg.Open)
	return v
}

// reportStatus takes a step of the sign-off, which moves the review's stage with it
// (report.Move). Publishing runs the publication check in the same transaction and saves the
// published version.
func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	to, note := r.PostFormValue("to"), strings.TrimSpace(r.PostFormValue("note"))
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || report.StatusLabel(to) == "" {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := report.TakeStep(ctx, s.pool, scopeOf(r), to, note, version)
	moved := res.Moved
	var stepErr *report.StepError
	switch {
	case res.Repeated:
		// Sent twice: the first press took the step already.
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report", "")
	case errors.As(err, &stepErr):
		return s.reportRefused(w, r, *res.Page, to, note, stepErr.Field, stepErr.Message)
	case err != nil:
		return err
	case moved.Lapse != nil && to != report.StatusDraft:
		// The report changed after its approval: it is back in drafting (committed), and the
		// page says why the step was not taken, with what changed.
		return s.reportRefused(w, r, *res.Page, to, note, "", report.ChangedMessage)
	case moved.Lapse != nil:
		flash := "Report returned to draft: it changed after it was approved"
		if moved.To != moved.From {
			flash += ". The review is now " + moved.To.Where()
		}
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report", flash)
	}
	flash := map[string]string{report.StatusQA: "Report sent for quality assurance", report.StatusChangesRequested: "Changes requested",
		report.StatusApproved: "Report approved", report.StatusDraft: "Report returned to draft", report.StatusPublished: "Report published"}[to]
	if moved.Report.Status == report.StatusPublished {
		flash = "Report reopened for a correction"
	}
	if moved.To != moved.From {
		flash += ". The review is now " + moved.To.Where()
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report", flash)
}

// reportRefused shows the report page again with why a step was refused, keeping the note typed.
// The error links to the step's form, or to the open review notes when they stopped it (at).
func (s *Server) reportRefused(w http.ResponseWriter, r *http.Request, pg report.Page, to, note, at, msg string) error {
	v := reportPageView(r, pg)
	v.Errors = &form.Errors{}
	field := "workflow"
	for _, st := range v.Steps {
		if st.To == to {
			field = "step-" + to
		}
	}
	if at == report.FieldReviewNotes {
		field = at
	}
	v.Errors.Add(field, msg)
	v.Notes = map[string]string{to: note}
	p := s.page(r, "Report – "+v.ReviewTitle)
	p.HasError = true
	return s.invalid(w, r, reportview.Report(p, v))
}

// reportSectionView is the authoring page of a section read by report.SectionPage or
// report.SaveSection.
func reportSectionView(r *http.Request, res report.SectionResult) reportview.SectionView {
	b := builtOf(res.Built)
	sec, cur := res.Section, res.Current
	v := reportview.SectionView{Base: reportBase(r, b), Section: sec, Body: cur.Body, Version: cur.Version, Errors: res.Errors}
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	if sec.Key == report.TextMethodology {
		facts := report.Doc{Title: b.doc.Title}
		for _, bl := range b.doc.Blocks {
			if bl.Origin.Section == report.TextMethodology && bl.Origin.Kind == "facts" {
				facts.Blocks = append(facts.Blocks, bl)
			}
		}
		facts.Finish()
		v.Facts = &facts
	}
	return v
}

// previewOf is the authored text as the report would print it, with its problems.
func previewOf(key, body string) (*report.Doc, []report.Problem) {
	blocks, problems := report.Parse(strings.TrimSpace(body), report.Origin{Section: key, Kind: "authored"})
	d := &report.Doc{Blocks: blocks}
	d.Finish()
	return d, problems
}

func (s *Server) reportSectionEdit(w http.ResponseWriter, r *http.Request) error {
	res, err := report.SectionPage(r.Context(), s.pool, scopeOf(r), r.URL.Query().Get("key"))
	if err != nil {
		return err
	}
	v := reportSectionView(r, res)
	if strings.TrimSpace(v.Body) != "" {
		_, v.Problems = previewOf(v.Section.Key, v.Body)
	}
	return s.ok(w, r, reportview.Section(s.page(r, v.Section.Title+" – Report – "+v.ReviewTitle), v))
}

func (s *Server) reportSectionSave(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := report.SectionInput{Key: r.PostFormValue("key"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Preview: r.PostFormValue("action") == "preview"}
	var err error
	in.Version, err = strconv.Atoi(r.PostFormValue("version"))
	if err != nil || in.Version < 0 {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	res, err := report.SaveSection(r.Context(), s.pool, scopeOf(r), in)
	if res.Section.Key == "" && err != nil {
		return err // the section could not be read
	}
	v := reportSectionView(r, res)
	v.Body, v.Version = in.Body, in.Version
	body := in.Body
	switch {
	case err != nil && res.Conflict != nil:
		v.Conflict = res.Conflict
		v.Version = v.Conflict.Version // saving again replaces their text with this one
		v.Preview, v.Problems = previewOf(v.Section.Key, body)
		p := s.page(r, v.Section.Title+" – Report – "+v.ReviewTitle)
		p.HasError = true
		s.render(w, r, http.StatusConflict, reportview.Section(p, v))
		return nil
	case err != nil:
		return err
	case !res.Saved:
		v.Preview, v.Problems = previewOf(v.Section.Key, body)
		p := s.page(r, v.Section.Title+" – Report – "+v.ReviewTitle)
		if v.Errors.Any() {
			p.HasError = true
			return s.invalid(w, r, reportview.Section(p, v))
		}
		return s.ok(w, r, reportview.Section(p, v))
	}
	msg := v.Section.Title + " saved"
	if _, problems := previewOf(v.Section.Key, body); len(problems) > 0 {
		msg += ": " + strconv.Itoa(len(problems)) + " problems in the mark-up are listed under ‘Before publishing’"
		if len(problems) == 1 {
			msg = v.Section.Title + " saved: 1 problem in the mark-up is listed under ‘Before publishing’"
		}
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report#"+reportAnchor(v.Section.Key), msg)
}

// reportAnchor is the id of a section's heading in the report page.
func reportAnchor(key string) string {
	if k, id, ok := strings.Cut(key, ":"); ok {
		return k + "-" + id
	}
	return key
}

func (s *Server) reportVersions(w http.ResponseWriter, r *http.Request) error {
	v, err := s.reportVersionsView(r)
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Versions(s.page(r, "Versions – Report – "+v.ReviewTitle), v))
}

func (s *Server) reportVersionsView(r *http.Request) (reportview.VersionsView, error) {
	h, vs, err := report.VersionsPage(r.Context(), s.pool, scopeOf(r))
	return reportview.VersionsView{Base: reportHeadBase(r, h), Versions: vs}, err
}

// reportHeadBase is the base of the report's pages that need no build.
func reportHeadBase(r *http.Request, h report.Head) reportview.Base {
	a := actorFrom(r.Context())
	return reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: h.Title, Lead: isReviewLead(a), Locked: h.State.Locked()}
}

func (s *Server) reportVersionSave(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	label := strings.TrimSpace(r.PostFormValue("label"))
	number, err := report.SaveNamedVersion(r.Context(), s.pool, scopeOf(r), label)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v, err := s.reportVersionsView(r)
		if err != nil {
			return err
		}
		v.Label, v.Errors = label, refused.Errors
		p := s.page(r, "Versions – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.Versions(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/versions", fmt.Sprintf("Version %d saved", number))
}

func (s *Server) reportVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(chi.URLParam(r, "number"))
	if err != nil || n < 1 {
		return apperr.NotFound("Report version not found")
	}
	h, ver, err := report.VersionPage(r.Context(), s.pool, scopeOf(r), n)
	if err != nil {
		return err
	}
	v := reportview.VersionView{Version: ver}
	v.DocView = reportview.DocView{Base: reportHeadBase(r, h), Doc: ver.Doc, Trace: true}
	return s.ok(w, r, reportview.Version(s.page(r, fmt.Sprintf("Version %d – Report – %s", n, v.ReviewTitle)), v))
}

func (s *Server) reportCompare(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := reportview.CompareView{From: q.Get("from"), To: q.Get("to"), Errors: &form.Errors{}}
	if v.To == "" {
		v.To = "current"
	}
	parse := func(field, s string) int {
		if s == "current" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			v.Errors.Add(field, "Choose a saved version or the current report")
			return -1
		}
		return n
	}
	from, to := parse("from", v.From), parse("to", v.To)
	v.FromName, v.ToName = compareName(v.From), compareName(v.To)
	c, err := report.ComparePage(r.Context(), s.pool, scopeOf(r), from, to, v.Errors)
	if err != nil {
		return err
	}
	v.Base, v.Versions, v.Lines, v.Changes, v.TooLarge = reportHeadBase(r, c.Head), c.Versions, c.Lines, c.Changes, c.TooLarge
	p := s.page(r, "Compare versions – Report – "+v.ReviewTitle)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, reportview.Compare(p, v))
	}
	return s.ok(w, r, reportview.Compare(p, v))
}

func compareName(s string) string {
	if s == "current" {
		return "the current report"
	}
	if _, err := strconv.Atoi(s); err == nil {
		return "version " + s
	}
	return "a version"
}

// reportCheckView lists the hits with where each is and a link to fix it.
func reportCheckView(r *http.Request, b built, hits []report.Hit) reportview.CheckView {
	a := actorFrom(r.Context())
	v := reportview.CheckView{Base: reportBase(r, b), Errors: &form.Errors{}, Reasons: map[string]string{}}
	base := "/reviews/" + a.Review.ReviewID
	for _, h := range hits {
		it := reportview.HitItem{Hit: h, Place: b.data.PlaceTitle(h.Origin.Section)}
		switch {
		case h.Origin.Kind == "finding" && h.Origin.ID != "":
			it.FixURL, it.Fix = safeURL(base+"/findings/"+h.Origin.ID+"/edit"), "Edit the finding"
			it.Place += " (a finding)"
		case h.Origin.Kind == "example" && h.Origin.ID != "":
			it.FixURL, it.Fix = safeURL(base+"/examples/"+h.Origin.ID+"/edit"), "Edit the example"
			it.Place += " (a good-practice example)"
		case h.Origin.Kind == "recommendation":
			it.FixURL, it.Fix = safeURL(base+"/recommendations"), "Edit the recommendations"
		case h.Origin.Kind == "authored" && report.ValidKey(h.Origin.Section):
			it.FixURL, it.Fix = safeURL(base+"/report/sections/edit?key="+h.Origin.Section), "Edit the text"
			it.Place += " (your text)"
		case h.Origin.Kind == "quote" && strings.HasPrefix(h.Origin.Section, "area:"):
			it.FixURL, it.Fix = safeURL(base+"/framework/areas/"+strings.TrimPrefix(h.Origin.Section, "area:")+"/edit"), "Edit the action area"
			it.Place += " (the policy quote)"
		case h.Origin.Kind == "heading" && strings.HasPrefix(h.Origin.Section, "area:"):
			it.FixURL, it.Fix = safeURL(base+"/framework/areas/"+strings.TrimPrefix(h.Origin.Section, "area:")+"/edit"), "Edit the action area"
		case h.Origin.Section == "title":
			it.FixURL, it.Fix = safeURL(base+"/edit"), "Edit the review"
		}
		v.Hits = append(v.Hits, it)
	}
	return v
}

func (s *Server) reportCheck(w http.ResponseWriter, r *http.Request) error {
	pg, err := report.Read(r.Context(), s.pool, scopeOf(r), report.PageOptions{LoadOptions: report.LoadOptions{WithCheck: true}})
	if err != nil {
		return err
	}
	b := builtOf(pg.Built)
	v := reportCheckView(r, b, reportHits(&b))
	return s.ok(w, r, reportview.Check(s.page(r, "Publication check – Report – "+v.ReviewTitle), v))
}

// reportOverride keeps a hit of the publication check with a reason.
func (s *Server) reportOverride(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	key, reason := r.PostFormValue("key"), strings.TrimSpace(r.PostFormValue("reason"))
	res, err := report.Keep(r.Context(), s.pool, scopeOf(r), key, reason)
	kept := res.Kept
	switch {
	case err != nil:
		return err
	case kept == nil:
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/check", "That is no longer in the report: nothing to keep")
	case res.Errors.Any():
		v := reportCheckView(r, builtOf(res.Built), res.Hits)
		v.Reasons[key] = reason
		v.Errors = res.Errors
		p := s.page(r, "Publication check – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.Check(p, v))
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/check", "Kept ‘"+kept.Term+"’ in the report with your reason")
}

func (s *Server) reportTrail(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	pg, err := report.Read(r.Context(), s.pool, scopeOf(r), report.PageOptions{LoadOptions: report.LoadOptions{WithTrail: true}})
	if err != nil {
		return err
	}
	b := builtOf(pg.Built)
	v := reportview.TrailView{Base: reportBase(r, b), Trail: b.doc.Trail}
	if !isReviewLead(a) {
		// A safeguarding concern is shown only to those who may see it: its author and the leads.
		concern := map[string]bool{}
		for _, ns := range b.data.Linked {
			for _, n := range ns {
				if n.Concern {
					concern[n.NoteID] = true
				}
			}
		}
		for i := range v.Trail {
			var kept []report.TrailNote
			for _, n := range v.Trail[i].Notes {
				if !concern[n.ID] {
					kept = append(kept, n)
				}
			}
			v.Trail[i].Notes = kept
		}
	}
	return s.ok(w, r, reportview.Trail(s.page(r, "Evidence trail – Report – "+v.ReviewTitle), v))
}

// reportExport downloads the report: the published version, exactly as it was published,
// while the report is published (whatever changes in the review's data meanwhile), else the
// report as built now.
func (s *Server) reportExport(w http.ResponseWriter, r *http.Request) error {
	if _, ok := report.FormatOf(chi.URLParam(r, "format")); !ok {
		return apperr.NotFound("Export format not found")
	}
	doc, version, err := report.ExportVersion(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	return s.sendReport(w, r, doc, version, chi.URLParam(r, "format"))
}

// reportVersionExport downloads a saved version as it was saved.
func (s *Server) reportVersionExport(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(chi.URLParam(r, "number"))
	if err != nil || n < 1 {
		return apperr.NotFound("Report version not found")
	}
	if _, ok := report.FormatOf(chi.URLParam(r, "format")); !ok {
		return apperr.NotFound("Export format not found")
	}
	doc, err := report.VersionDoc(r.Context(), s.pool, scopeOf(r), n)
	if err != nil {
		return err
	}
	return s.sendReport(w, r, doc, n, chi.URLParam(r, "format"))
}

// sendReport writes the report's document, saved version n's (0 for the report as built now), as
// a download. A version's PDF is kept the first time it is printed and given ever after.
func (s *Server) sendReport(w http.ResponseWriter, r *http.Request, doc *report.Doc, n int, format string) error {
	if format != "pdf" || n == 0 {
		return s.sendExport(w, r, doc, format)
	}
	pdf, err := report.VersionPDF(r.Context(), s.pool, scopeOf(r), n)
	if err != nil {
		return err
	}
	if pdf == nil {
		var buf bytes.Buffer
		if err := report.WritePDF(r.Context(), &buf, doc); err != nil {
			if errors.Is(err, report.ErrNoChromium) {
				return s.sendExport(w, r, doc, format) // says so on the page
			}
			return err
		}
		if pdf, err = report.KeepVersionPDF(r.Context(), s.pool, scopeOf(r), n, buf.Bytes()); err != nil {
			return err
		}
	}
	f, _ := report.FormatOf(format)
	exportHeaders(w, doc, f)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, _ = w.Write(pdf)
	return nil
}

// sendExport writes a report document as a download in format.
func (s *Server) sendExport(w http.ResponseWriter, r *http.Request, doc *report.Doc, format string) error {
	f, ok := report.FormatOf(format)
	if !ok {
		return apperr.NotFound("Export format not found")
	}
	headers := func() { exportHeaders(w, doc, f) }
	if f.Buffered {
		// Printing can fail before the first byte (no Chromium): the page says so instead.
		var buf bytes.Buffer
		if err := f.Write(r.Context(), &buf, doc); err != nil {
			if errors.Is(err, report.ErrNoChromium) {
				s.renderStatus(w, r, errorview.View{Status: http.StatusServiceUnavailable,
					Heading: "The PDF cannot be made on this server", Message: report.ErrNoChromium.Error()})
				return nil
			}
			return err
		}
		headers()
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, _ = buf.WriteTo(w) // a client gone away needs no answer
		return nil
	}
	headers()
	if err := f.Write(r.Context(), w, doc); err != nil {
		s.logger(r.Context()).Error("report export", "format", format, "err", err)
	}
	return nil
}

// exportHeaders are a download's headers.
func exportHeaders(w http.ResponseWriter, doc *report.Doc, f report.Format) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+report.FileName(doc.Title, f.Ext)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

func safeURL(s string) templ.SafeURL { return templ.SafeURL(s) }
