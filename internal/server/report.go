package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/internal/retention"
	"thematic/internal/review"
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

// reportBuild reads the review's data and state (and what opt asks for besides) and builds the
// report.
func reportBuild(r *http.Request, tx pgx.Tx, opt report.LoadOptions) (built, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	l, err := report.LoadAll(ctx, tx, a.TenantID, a.Review.ReviewID, opt)
	if err != nil {
		return built{}, err
	}
	b := built{data: l.Data, stage: l.Stage, state: l.State, texts: l.Texts, terms: l.Terms, overrides: l.Overrides, last: l.LastVersion,
		approved: l.Approved}
	b.doc, b.problems = report.Build(b.data)
	return b, nil
}

// withCheck reads what the publication check needs too.
var withCheck = report.LoadOptions{WithCheck: true}

// reportHits runs the publication check over a report built withCheck.
func reportHits(b *built) []report.Hit {
	return report.Check(&b.doc, b.terms, b.overrides)
}

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
				Section: b.data.PlaceTitle(bl.Origin.Section), Excerpt: excerptOf(bl.Text.Plain(), 80)})
		}
	}
	return v
}

func excerptOf(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

func (s *Server) reportShow(w http.ResponseWriter, r *http.Request) error {
	var v reportview.ReportView
	err := s.tx(r, func(tx pgx.Tx) error {
		b, err := reportBuild(r, tx, withCheck)
		if err != nil {
			return err
		}
		hits := reportHits(&b)
		v = reportView(r, b, hits)
		v.ReviewNotes, err = notesPanel(r, tx, b.state)
		return err
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Report(s.page(r, "Report – "+v.ReviewTitle), v))
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
	if len([]rune(note)) > 2000 {
		return s.reportRefused(w, r, to, note, "", "The note must be 2,000 characters or fewer")
	}
	var moved report.Moved
	err = s.tx(r, func(tx pgx.Tx) (err error) {
		moved, err = report.Move(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, to, note, version)
		return err
	})
	if apperr.Is(err, apperr.CodeConflict) {
		// Sent twice: the first press took the step already.
		var st report.State
		if e := s.tx(r, func(tx pgx.Tx) (e error) {
			st, e = report.LoadState(ctx, tx, a.TenantID, a.Review.ReviewID)
			return e
		}); e == nil && st.Status == to && st.By == a.UserID && st.Version == version+1 {
			return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report", "")
		}
	}
	var stepErr *report.StepError
	switch {
	case errors.As(err, &stepErr):
		return s.reportRefused(w, r, to, note, stepErr.Field, stepErr.Message)
	case err != nil:
		return err
	case moved.Lapse != nil && to != report.StatusDraft:
		// The report changed after its approval: it is back in drafting (committed), and the
		// page says why the step was not taken, with what changed.
		return s.reportRefused(w, r, to, note, "", report.ChangedMessage)
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
func (s *Server) reportRefused(w http.ResponseWriter, r *http.Request, to, note, at, msg string) error {
	var v reportview.ReportView
	err := s.tx(r, func(tx pgx.Tx) error {
		b, err := reportBuild(r, tx, withCheck)
		if err != nil {
			return err
		}
		hits := reportHits(&b)
		v = reportView(r, b, hits)
		v.ReviewNotes, err = notesPanel(r, tx, b.state)
		return err
	})
	if err != nil {
		return err
	}
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

// reportSectionView reads the authoring page of the section key as stored.
func reportSectionView(r *http.Request, tx pgx.Tx, key string) (reportview.SectionView, report.Authored, error) {
	var v reportview.SectionView
	if key == "" {
		return v, report.Authored{}, apperr.Invalid("Choose a section of the report to edit")
	}
	b, err := reportBuild(r, tx, report.LoadOptions{})
	if err != nil {
		return v, report.Authored{}, err
	}
	sec, ok := b.data.SectionOf(key)
	if !ok {
		return v, report.Authored{}, apperr.NotFound("Report section not found")
	}
	if err := b.stage.Verdict(review.ChangeReport, false); err != nil {
		return v, report.Authored{}, err
	}
	cur := b.texts[sec.Key]
	v = reportview.SectionView{Base: reportBase(r, b), Section: sec, Body: cur.Body, Version: cur.Version, Errors: &form.Errors{}}
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
	return v, cur, nil
}

// previewOf is the authored text as the report would print it, with its problems.
func previewOf(key, body string) (*report.Doc, []report.Problem) {
	blocks, problems := report.Parse(strings.TrimSpace(body), report.Origin{Section: key, Kind: "authored"})
	d := &report.Doc{Blocks: blocks}
	d.Finish()
	return d, problems
}

func (s *Server) reportSectionEdit(w http.ResponseWriter, r *http.Request) error {
	var v reportview.SectionView
	err := s.tx(r, func(tx pgx.Tx) (err error) {
		v, _, err = reportSectionView(r, tx, r.URL.Query().Get("key"))
		return err
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(v.Body) != "" {
		_, v.Problems = previewOf(v.Section.Key, v.Body)
	}
	return s.ok(w, r, reportview.Section(s.page(r, v.Section.Title+" – Report – "+v.ReviewTitle), v))
}

func (s *Server) reportSectionSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	key := r.PostFormValue("key")
	body := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 0 {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	preview := r.PostFormValue("action") == "preview"
	var v reportview.SectionView
	var saved bool
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v, _, err = reportSectionView(r, tx, key); err != nil {
			return err
		}
		v.Body, v.Version = body, version
		if n := len([]rune(strings.TrimSpace(body))); n > report.MaxAuthored {
			v.Errors.Add("body", fmt.Sprintf("The text must be %s characters or fewer (it has %s)", commas(report.MaxAuthored), commas(n)))
			return nil
		}
		if preview {
			return nil
		}
		before, err := report.SaveText(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, v.Section.Key, body, version)
		if err != nil {
			if apperr.Is(err, apperr.CodeConflict) {
				if before.Body == strings.TrimSpace(body) {
					saved = true // sent twice: the text is already what was typed
					return nil
				}
				v.Conflict = &before
			}
			return err
		}
		saved = true
		if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "report.text_saved", ObjectType: "report", ObjectID: a.Review.ReviewID,
			Before: map[string]any{"key": v.Section.Key, "body": before.Body, "version": before.Version},
			After:  map[string]any{"key": v.Section.Key, "body": strings.TrimSpace(body)}}); err != nil {
			return err
		}
		// Personal data taken out of the text leaves the audit log too.
		return retention.RedactReportText(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, a.Email, before.Body, body)
	})
	switch {
	case err != nil && v.Conflict != nil:
		v.Version = v.Conflict.Version // saving again replaces their text with this one
		v.Preview, v.Problems = previewOf(v.Section.Key, body)
		p := s.page(r, v.Section.Title+" – Report – "+v.ReviewTitle)
		p.HasError = true
		s.render(w, r, http.StatusConflict, reportview.Section(p, v))
		return nil
	case err != nil:
		return err
	case !saved:
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

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (s *Server) reportVersions(w http.ResponseWriter, r *http.Request) error {
	v, err := s.reportVersionsView(r)
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Versions(s.page(r, "Versions – Report – "+v.ReviewTitle), v))
}

func (s *Server) reportVersionsView(r *http.Request) (reportview.VersionsView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v reportview.VersionsView
	err := s.tx(r, func(tx pgx.Tx) error {
		title, state, err := reportHead(r, tx)
		if err != nil {
			return err
		}
		v.Base = reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: title, Lead: isReviewLead(a), Locked: state.Locked()}
		v.Versions, err = report.Versions(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	return v, err
}

// reportHead reads the review's title and the report's state, for pages that need no build.
func reportHead(r *http.Request, tx pgx.Tx) (string, report.State, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var title string
	if err := tx.QueryRow(ctx, `SELECT title FROM reviews WHERE tenant_id = $1 AND id = $2`, a.TenantID, a.Review.ReviewID).Scan(&title); err != nil {
		return "", report.State{}, fmt.Errorf("report: review title: %w", err)
	}
	st, err := report.LoadState(ctx, tx, a.TenantID, a.Review.ReviewID)
	return title, st, err
}

func (s *Server) reportVersionSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	label := strings.TrimSpace(r.PostFormValue("label"))
	if len([]rune(label)) > 200 {
		v, err := s.reportVersionsView(r)
		if err != nil {
			return err
		}
		v.Label, v.Errors = label, &form.Errors{}
		v.Errors.Add("label", "The label must be 200 characters or fewer")
		p := s.page(r, "Versions – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.Versions(p, v))
	}
	var number int
	err := s.tx(r, func(tx pgx.Tx) error {
		// The review's row is locked as the report is read, with the newest version.
		b, err := reportBuild(r, tx, report.LoadOptions{ForVersion: true})
		if err != nil {
			return err
		}
		if b.state.Locked() {
			return apperr.Forbidden("The report is published and can no longer be changed")
		}
		// A second press of the button (or a save with nothing changed) makes no new version.
		if last := b.last; last != nil && last.Label == label && sameDoc(last.Doc, &b.doc) {
			number = last.Number
			return nil
		}
		v, err := report.SaveVersionLocked(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, label, &b.doc)
		if err != nil {
			return err
		}
		number = v.Number
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "report.version_saved", ObjectType: "report", ObjectID: a.Review.ReviewID,
			After: map[string]any{"number": v.Number, "label": v.Label}})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/versions", fmt.Sprintf("Version %d saved", number))
}

// sameDoc reports whether two built reports have the same content.
func sameDoc(a, b *report.Doc) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func (s *Server) reportVersion(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	n, err := strconv.Atoi(chi.URLParam(r, "number"))
	if err != nil || n < 1 {
		return apperr.NotFound("Report version not found")
	}
	var v reportview.VersionView
	err = s.tx(r, func(tx pgx.Tx) error {
		title, state, err := reportHead(r, tx)
		if err != nil {
			return err
		}
		if v.Version, err = report.LoadVersion(ctx, tx, a.TenantID, a.Review.ReviewID, n); err != nil {
			return err
		}
		v.DocView = reportview.DocView{Base: reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: title, Lead: isReviewLead(a),
			Locked: state.Locked()}, Doc: v.Version.Doc, Trace: true}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Version(s.page(r, fmt.Sprintf("Version %d – Report – %s", n, v.ReviewTitle)), v))
}

func (s *Server) reportCompare(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
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
	err := s.tx(r, func(tx pgx.Tx) error {
		title, state, err := reportHead(r, tx)
		if err != nil {
			return err
		}
		v.Base = reportview.Base{ReviewID: a.Review.ReviewID, ReviewTitle: title, Lead: isReviewLead(a), Locked: state.Locked()}
		if v.Versions, err = report.Versions(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		if v.Errors.Any() {
			return nil
		}
		load := func(field string, n int) (*report.Doc, error) {
			if n == 0 {
				b, err := reportBuild(r, tx, report.LoadOptions{})
				return &b.doc, err
			}
			ver, err := report.LoadVersion(ctx, tx, a.TenantID, a.Review.ReviewID, n)
			if apperr.Is(err, apperr.CodeNotFound) {
				v.Errors.Add(field, fmt.Sprintf("There is no version %d", n))
				return nil, nil
			}
			return ver.Doc, err
		}
		x, err := load("from", from)
		if err != nil {
			return err
		}
		y, err := load("to", to)
		if err != nil || x == nil || y == nil {
			return err
		}
		lines, err := report.Compare(x, y)
		var tl *report.TooLargeError
		if errors.As(err, &tl) {
			v.TooLarge = tl.Error()
			return nil
		}
		v.Lines, v.Changes = lines, report.Changes(lines)
		return err
	})
	if err != nil {
		return err
	}
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
	var v reportview.CheckView
	err := s.tx(r, func(tx pgx.Tx) error {
		b, err := reportBuild(r, tx, withCheck)
		if err != nil {
			return err
		}
		hits := reportHits(&b)
		v = reportCheckView(r, b, hits)
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Check(s.page(r, "Publication check – Report – "+v.ReviewTitle), v))
}

// reportOverride keeps a hit of the publication check with a reason.
func (s *Server) reportOverride(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	key, reason := r.PostFormValue("key"), strings.TrimSpace(r.PostFormValue("reason"))
	var v reportview.CheckView
	var kept *report.Hit
	err := s.tx(r, func(tx pgx.Tx) error {
		b, err := reportBuild(r, tx, withCheck)
		if err != nil {
			return err
		}
		if b.state.Locked() {
			return apperr.Forbidden("The report is published and can no longer be changed")
		}
		hits := reportHits(&b)
		v = reportCheckView(r, b, hits)
		for i := range hits {
			if hits[i].Key == key {
				kept = &hits[i]
			}
		}
		if kept == nil {
			return nil
		}
		field := "reason-" + key
		v.Reasons[key] = reason
		switch {
		case reason == "":
			v.Errors.Add(field, "Give a reason for keeping ‘"+kept.Term+"’ in the report")
			return nil
		case len([]rune(reason)) > 1000:
			v.Errors.Add(field, "The reason must be 1,000 characters or fewer")
			return nil
		}
		added, err := report.AddOverride(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, *kept, reason)
		if err != nil || !added {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "report.check_overridden", ObjectType: "report", ObjectID: a.Review.ReviewID,
			After: map[string]any{"hit": kept.Key, "kind": kept.Kind, "term": kept.Term, "reason": reason,
				"section": kept.Origin.Section, "context": kept.Context}})
	})
	switch {
	case err != nil:
		return err
	case kept == nil:
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/check", "That is no longer in the report: nothing to keep")
	case v.Errors.Any():
		p := s.page(r, "Publication check – Report – "+v.ReviewTitle)
		p.HasError = true
		return s.invalid(w, r, reportview.Check(p, v))
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/report/check", "Kept ‘"+kept.Term+"’ in the report with your reason")
}

func (s *Server) reportTrail(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	var v reportview.TrailView
	err := s.tx(r, func(tx pgx.Tx) error {
		b, err := reportBuild(r, tx, report.LoadOptions{WithTrail: true})
		if err != nil {
			return err
		}
		v.Base = reportBase(r, b)
		v.Trail = b.doc.Trail
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
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, reportview.Trail(s.page(r, "Evidence trail – Report – "+v.ReviewTitle), v))
}

// reportExport downloads the report: the published version, exactly as it was published,
// while the report is published (whatever changes in the review's data meanwhile), else the
// report as built now.
func (s *Server) reportExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if _, ok := report.FormatOf(chi.URLParam(r, "format")); !ok {
		return apperr.NotFound("Export format not found")
	}
	var doc *report.Doc
	err := s.tx(r, func(tx pgx.Tx) error {
		st, err := report.LoadState(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		if st.Locked() && st.PublishedVersion > 0 {
			v, err := report.LoadVersion(ctx, tx, a.TenantID, a.Review.ReviewID, st.PublishedVersion)
			doc = v.Doc
			return err
		}
		b, err := reportBuild(r, tx, report.LoadOptions{})
		doc = &b.doc
		return err
	})
	if err != nil {
		return err
	}
	return s.sendExport(w, r, doc, chi.URLParam(r, "format"))
}

// reportVersionExport downloads a saved version as it was saved.
func (s *Server) reportVersionExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	n, err := strconv.Atoi(chi.URLParam(r, "number"))
	if err != nil || n < 1 {
		return apperr.NotFound("Report version not found")
	}
	if _, ok := report.FormatOf(chi.URLParam(r, "format")); !ok {
		return apperr.NotFound("Export format not found")
	}
	var v report.Version
	err = s.tx(r, func(tx pgx.Tx) (err error) {
		v, err = report.LoadVersion(ctx, tx, a.TenantID, a.Review.ReviewID, n)
		return err
	})
	if err != nil {
		return err
	}
	return s.sendExport(w, r, v.Doc, chi.URLParam(r, "format"))
}

// sendExport writes a report document as a download in format.
func (s *Server) sendExport(w http.ResponseWriter, r *http.Request, doc *report.Doc, format string) error {
	f, ok := report.FormatOf(format)
	if !ok {
		return apperr.NotFound("Export format not found")
	}
	headers := func() {
		h := w.Header()
		h.Set("Content-Type", f.ContentType)
		h.Set("Content-Disposition", `attachment; filename="`+report.FileName(doc.Title, f.Ext)+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
	}
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

func safeURL(s string) templ.SafeURL { return templ.SafeURL(s) }
