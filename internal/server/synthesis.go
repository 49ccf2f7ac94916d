package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/finding"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/synthesisview"
)

// synBase reads the review's title and the framework every synthesis page needs.
func synBase(r *http.Request, tx pgx.Tx) (synthesisview.Base, review.Framework, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	b := synthesisview.Base{ReviewID: a.Review.ReviewID, Lead: isReviewLead(a)}
	title, fw, err := review.LoadFrameworkTitled(ctx, tx, a.TenantID, a.Review.ReviewID)
	b.ReviewTitle = title
	return b, fw, err
}

// synActionArea finds an action area of the framework; another review's is not found.
func synActionArea(fw review.Framework, id string) (review.ActionArea, error) {
	for _, g := range fw.Groups {
		for _, aa := range g.Areas {
			if strings.EqualFold(aa.ID, id) {
				return aa, nil
			}
		}
	}
	return review.ActionArea{}, apperr.NotFound("Action area not found")
}

func (s *Server) synOverview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v synthesisview.OverviewView
	err := s.tx(r, func(tx pgx.Tx) error {
		base, fw, err := synBase(r, tx)
		if err != nil {
			return err
		}
		v.Base = base
		stats, err := finding.AreaStats(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		fs, err := finding.List(ctx, tx, a.TenantID, a.Review.ReviewID, "")
		if err != nil {
			return err
		}
		// Each finding carries the number of areas visited; only a review without findings asks.
		if len(fs) > 0 {
			v.Visited = fs[0].Visited
		} else if v.Visited, err = finding.Visited(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		type tally struct{ n, flagged int }
		byArea := map[string]tally{}
		for _, f := range fs {
			t := byArea[f.ActionAreaID]
			t.n++
			if f.Flagged() {
				t.flagged++
			}
			byArea[f.ActionAreaID] = t
		}
		for _, g := range fw.Groups {
			og := synthesisview.OverviewGroup{Title: g.Title}
			for _, aa := range g.Areas {
				st, t := stats[aa.ID], byArea[aa.ID]
				og.Areas = append(og.Areas, synthesisview.OverviewArea{ID: aa.ID, Title: aa.Title, Notes: st.Notes,
					Candidates: st.Candidates, Findings: t.n, Flagged: t.flagged})
			}
			v.Groups = append(v.Groups, og)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, synthesisview.Overview(s.page(r, "Synthesis – "+v.ReviewTitle), v))
}

// synWorkspaceView reads the workspace of the action area in the path, with the evidence the
// query's filter selects (the action area fixed).
func (s *Server) synWorkspaceView(r *http.Request, tx pgx.Tx, q url.Values, v *synthesisview.WorkspaceView) error {
	return s.synWorkspaceFill(r, tx, q, v, nil)
}

// synWorkspaceFill is synWorkspaceView; findings, when not nil, are the action area's findings
// read already.
func (s *Server) synWorkspaceFill(r *http.Request, tx pgx.Tx, q url.Values, v *synthesisview.WorkspaceView, findings []finding.Finding) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	// The review's title comes with the filter's choices below, so the framework is read alone.
	v.Base = synthesisview.Base{ReviewID: a.Review.ReviewID, Lead: isReviewLead(a)}
	fw, err := review.LoadFramework(ctx, tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return err
	}
	if v.Area, err = synActionArea(fw, chi.URLParam(r, "actionAreaID")); err != nil {
		return err
	}
	q = synClone(q)
	q.Set("action-area", v.Area.ID)
	f, ferrs := evidence.ParseFilter(q)
	q.Del("action-area")
	v.Query, v.Filter = q, f
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	for _, fe := range ferrs.List() {
		v.Errors.Add(fe.Field, fe.Message)
	}
	if findings != nil {
		v.Findings = findings
	} else if v.Findings, err = finding.List(ctx, tx, a.TenantID, a.Review.ReviewID, v.Area.ID); err != nil {
		return err
	}
	// Each finding carries the number of areas visited; only a page without findings asks for it.
	if len(v.Findings) > 0 {
		v.Visited = v.Findings[0].Visited
	} else if v.Visited, err = finding.Visited(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
		return err
	}
	if v.Opts, err = evidence.FilterChoices(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
		return err
	}
	v.ReviewTitle = v.Opts.ReviewTitle
	if ferrs.Any() {
		return nil
	}
	v.Page, err = evidence.List(ctx, tx, a.TenantID, a.Review.ReviewID, f)
	return err
}

func synClone(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (s *Server) synWorkspaceRender(w http.ResponseWriter, r *http.Request, v synthesisview.WorkspaceView) error {
	p := s.page(r, v.Area.Title+" – Synthesis – "+v.ReviewTitle)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, synthesisview.Workspace(p, v))
	}
	return s.ok(w, r, synthesisview.Workspace(p, v))
}

func (s *Server) synWorkspace(w http.ResponseWriter, r *http.Request) error {
	v := synthesisview.WorkspaceView{Stance: finding.Supports}
	if err := s.tx(r, func(tx pgx.Tx) error { return s.synWorkspaceView(r, tx, r.URL.Query(), &v) }); err != nil {
		return err
	}
	return s.synWorkspaceRender(w, r, v)
}

func findingKey() string { return noteKey() }

// findingReadForm reads the finding form as typed.
func findingReadForm(r *http.Request) finding.Input {
	in := finding.Input{Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), Style: r.PostFormValue("style"),
		WordOverride: r.PostFormValue("word-override"), OverrideReason: r.PostFormValue("override-reason"),
		Key: r.PostFormValue("idempotency_key")}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return in
}

// findingPreview is the input as the report would print it: with the finding's prevalence, or
// for a new finding with an example (all but one of the visited areas).
func findingPreview(v *synthesisview.FormView, in finding.Input, cur *finding.Finding, visited int, scale finding.Scale) {
	f := finding.Finding{Body: in.Body, Style: in.Style, WordOverride: strings.TrimSpace(in.WordOverride)}
	if f.Style == "" {
		f.Style = finding.StyleWord
	}
	if cur != nil {
		f.Areas, f.Visited = cur.Areas, cur.Visited
	} else {
		f.Visited = visited
		if f.Visited == 0 {
			f.Visited = 6
		}
		f.Areas = max(f.Visited-1, 1)
		v.Example = true
	}
	f.ScaleWord, _ = scale.Word(f.Areas, f.Visited)
	f.ConfirmedAreas = f.Areas
	f.Quantifiers = scale.Quantifiers()
	v.Preview = f
}

// findingFormView loads the form for the action area (new) or the finding (edit).
func (s *Server) findingFormView(r *http.Request, tx pgx.Tx, actionAreaID string, cur *finding.Finding, in finding.Input) (synthesisview.FormView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	scale, err := finding.LoadScale(ctx, tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return synthesisview.FormView{}, err
	}
	visited, err := finding.Visited(ctx, tx, a.TenantID, a.Review.ReviewID)
	if err != nil {
		return synthesisview.FormView{}, err
	}
	return s.findingFormViewOf(r, tx, actionAreaID, cur, in, scale, visited)
}

// findingFormViewOf is findingFormView with the scale and the number of areas visited known.
func (s *Server) findingFormViewOf(r *http.Request, tx pgx.Tx, actionAreaID string, cur *finding.Finding, in finding.Input,
	scale finding.Scale, visited int) (synthesisview.FormView, error) {
	var v synthesisview.FormView
	base, fw, err := synBase(r, tx)
	if err != nil {
		return v, err
	}
	v.Base = base
	if v.Area, err = synActionArea(fw, actionAreaID); err != nil {
		return v, err
	}
	v.In, v.Errors = in, &form.Errors{}
	if cur != nil {
		v.FindingID, v.Version = cur.ID, cur.Version
	}
	findingPreview(&v, in, cur, visited, scale)
	return v, nil
}

func (s *Server) findingFormRender(w http.ResponseWriter, r *http.Request, v synthesisview.FormView) error {
	p := s.page(r, v.Heading()+" – "+v.ReviewTitle)
	switch {
	case v.Conflict != nil:
		p.HasError = true
		s.render(w, r, http.StatusConflict, synthesisview.Form(p, v))
		return nil
	case v.Errors.Any():
		p.HasError = true
		return s.invalid(w, r, synthesisview.Form(p, v))
	}
	return s.ok(w, r, synthesisview.Form(p, v))
}

func (s *Server) findingNew(w http.ResponseWriter, r *http.Request) error {
	var v synthesisview.FormView
	err := s.tx(r, func(tx pgx.Tx) (err error) {
		v, err = s.findingFormView(r, tx, chi.URLParam(r, "actionAreaID"), nil, finding.Input{Style: finding.StyleWord})
		return err
	})
	if err != nil {
		return err
	}
	v.Key = findingKey()
	return s.findingFormRender(w, r, v)
}

// findingAudit is what the audit log keeps of a finding: its words, and the lead's override of
// the scale with the reason.
func findingAudit(f finding.Finding) map[string]any {
	return map[string]any{"action_area_id": f.ActionAreaID, "body": f.Body, "prevalence_style": f.Style,
		"word_override": f.WordOverride, "override_reason": f.OverrideReason, "areas": f.Areas, "visited": f.Visited,
		"words": f.Phrase()}
}

func (s *Server) findingCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := findingReadForm(r)
	in.ActionAreaID = chi.URLParam(r, "actionAreaID")
	preview := r.PostFormValue("action") == "preview"
	var v synthesisview.FormView
	var id string
	var own bool // the finding says how widespread it is itself
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v, err = s.findingFormView(r, tx, in.ActionAreaID, nil, in); err != nil {
			return err
		}
		in.ActionAreaID = v.Area.ID
		v.Key = in.Key
		check := in
		if errs := check.Validate(); errs.Any() || preview {
			v.Errors = errs
			return nil
		}
		var created bool
		if id, created, err = finding.Create(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, in); err != nil {
			return err
		}
		if !created {
			return nil
		}
		f, err := finding.Get(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		own = f.OwnQuantifier()
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.created", ObjectType: "finding", ObjectID: id, After: findingAudit(f)})
	})
	var refused *finding.Refused
	switch {
	case errors.As(err, &refused):
		v.Errors = refused.Errors
		return s.findingFormRender(w, r, v)
	case err != nil:
		return err
	case id == "":
		return s.findingFormRender(w, r, v) // errors, or the preview
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+v.Area.ID, findingSaved(own))
}

// findingSaved is the message after saving: saving is never refused for the finding's own
// quantifier, but the lead is pointed at the warning beside it.
func findingSaved(own bool) string {
	if own {
		return "Finding saved. It already says how widespread it is: see the warning on it"
	}
	return "Finding saved"
}

// findingLoad reads the finding in the path.
func findingLoad(r *http.Request, tx pgx.Tx) (finding.Finding, error) {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "findingID")
	if !db.ValidUUID(id) {
		return finding.Finding{}, apperr.NotFound("Finding not found")
	}
	return finding.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID, id)
}

func (s *Server) findingShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v synthesisview.FindingView
	err := s.tx(r, func(tx pgx.Tx) error {
		id := chi.URLParam(r, "findingID")
		if !db.ValidUUID(id) {
			return apperr.NotFound("Finding not found")
		}
		f, number, err := finding.GetNumbered(ctx, tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		v.Number = number
		base, fw, err := synBase(r, tx)
		if err != nil {
			return err
		}
		v.Base, v.Finding = base, f
		if v.Area, err = synActionArea(fw, f.ActionAreaID); err != nil {
			return err
		}
		notes, err := finding.Notes(ctx, tx, a.TenantID, a.Review.ReviewID, []string{f.ID})
		if err != nil {
			return err
		}
		v.Notes = notes[f.ID]
		// A safeguarding concern is shown only to those who may see it: its author and the leads.
		if !isReviewLead(a) {
			kept := v.Notes[:0]
			for _, n := range v.Notes {
				if !n.Concern {
					kept = append(kept, n)
				}
			}
			v.Notes = kept
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, synthesisview.Show(s.page(r, fmt.Sprintf("Finding %d – %s", v.Number, v.Area.Title)), v))
}

func findingInputOf(f finding.Finding) finding.Input {
	return finding.Input{ActionAreaID: f.ActionAreaID, Body: f.Body, Style: f.Style, WordOverride: f.WordOverride,
		OverrideReason: f.OverrideReason, Version: f.Version}
}

func (s *Server) findingEdit(w http.ResponseWriter, r *http.Request) error {
	var v synthesisview.FormView
	err := s.tx(r, func(tx pgx.Tx) error {
		id := chi.URLParam(r, "findingID")
		if !db.ValidUUID(id) {
			return apperr.NotFound("Finding not found")
		}
		a := actorFrom(r.Context())
		f, scale, err := finding.GetScaled(r.Context(), tx, a.TenantID, a.Review.ReviewID, id)
		if err != nil {
			return err
		}
		v, err = s.findingFormViewOf(r, tx, f.ActionAreaID, &f, findingInputOf(f), scale, f.Visited)
		return err
	})
	if err != nil {
		return err
	}
	return s.findingFormRender(w, r, v)
}

func (s *Server) findingUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in := findingReadForm(r)
	if _, err := strconv.Atoi(r.PostFormValue("version")); err != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	preview := r.PostFormValue("action") == "preview"
	var v synthesisview.FormView
	var saved, own bool
	var id string
	err := s.tx(r, func(tx pgx.Tx) error {
		cur, err := findingLoad(r, tx)
		if err != nil {
			return err
		}
		id = cur.ID
		in.ActionAreaID = cur.ActionAreaID
		if v, err = s.findingFormView(r, tx, cur.ActionAreaID, &cur, in); err != nil {
			return err
		}
		v.Version = in.Version
		check := in
		if errs := check.Validate(); errs.Any() || preview {
			v.Errors = errs
			return nil
		}
		before, after, err := finding.Update(ctx, tx, a.TenantID, a.Review.ReviewID, cur.ID, in)
		if err != nil {
			return err
		}
		saved, own = true, after.OwnQuantifier()
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.updated", ObjectType: "finding", ObjectID: cur.ID, Before: findingAudit(before), After: findingAudit(after)})
	})
	var refused *finding.Refused
	var stale *finding.StaleError
	switch {
	case errors.As(err, &refused):
		v.Errors = refused.Errors
		return s.findingFormRender(w, r, v)
	case errors.As(err, &stale):
		cur := stale.Current
		v.Conflict = &cur
		v.Version = cur.Version // saving again overwrites the current version with what is in the form
		return s.findingFormRender(w, r, v)
	case err != nil:
		return err
	}
	if !saved {
		return s.findingFormRender(w, r, v)
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+id, findingSaved(own))
}

func (s *Server) findingDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	confirmed := r.PostFormValue("confirm") == "yes"
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	var v synthesisview.DeleteView
	err := s.tx(r, func(tx pgx.Tx) error {
		f, err := findingLoad(r, tx)
		if err != nil {
			return err
		}
		base, fw, err := synBase(r, tx)
		if err != nil {
			return err
		}
		v.Base, v.Finding = base, f
		if v.Area, err = synActionArea(fw, f.ActionAreaID); err != nil {
			return err
		}
		if !confirmed {
			return nil
		}
		before, err := finding.Delete(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID, version)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.deleted", ObjectType: "finding", ObjectID: f.ID, Before: findingAudit(before)})
	})
	if err != nil {
		return err
	}
	if !confirmed {
		return s.ok(w, r, synthesisview.Delete(s.page(r, "Delete this finding? – "+v.ReviewTitle), v))
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+v.Area.ID, "Finding deleted")
}

func (s *Server) findingMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	dir := 0
	switch r.PostFormValue("dir") {
	case "up":
		dir = -1
	case "down":
		dir = 1
	default:
		return apperr.Invalid("Choose to move the finding up or down")
	}
	var f finding.Finding
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if f, err = findingLoad(r, tx); err != nil {
			return err
		}
		if err := finding.Move(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID, dir); err != nil {
			return err
		}
		after, err := finding.Get(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID)
		if err != nil || after.Position == f.Position {
			return err // at the top or bottom already: nothing to record
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.moved", ObjectType: "finding", ObjectID: f.ID,
			Before: map[string]int{"position": f.Position}, After: map[string]int{"position": after.Position}})
	})
	if err != nil {
		return err
	}
	word := map[int]string{-1: "up", 1: "down"}[dir]
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/"+f.ActionAreaID+"#finding-"+f.ID, "Finding moved "+word)
}

func (s *Server) findingConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	version, verr := strconv.Atoi(r.PostFormValue("version"))
	if verr != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	var f finding.Finding
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if f, err = findingLoad(r, tx); err != nil {
			return err
		}
		before, err := finding.Confirm(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID, version)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.confirmed", ObjectType: "finding", ObjectID: f.ID,
			Before: map[string]int{"confirmed_areas": before.ConfirmedAreas},
			After:  map[string]any{"confirmed_areas": before.Areas, "words": before.Phrase()}})
	})
	if err != nil {
		return err
	}
	to := "/reviews/" + a.Review.ReviewID + "/synthesis/" + f.ActionAreaID + "#finding-" + f.ID
	if r.PostFormValue("from") == "finding" {
		to = "/reviews/" + a.Review.ReviewID + "/findings/" + f.ID
	}
	return s.redirect(w, r, to, "Words confirmed: "+fmt.Sprintf("%d of %d areas", f.Areas, f.Visited))
}

// synFilterQuery reads the workspace's filter carried by the link form, keeping only what the
// filter understands.
func synFilterQuery(raw string) url.Values {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return url.Values{}
	}
	f, errs := evidence.ParseFilter(q)
	if errs.Any() {
		return url.Values{}
	}
	out := f.Values()
	out.Del("action-area")
	if f.After != "" {
		out.Set("after", f.After)
	}
	if f.Limit > 0 {
		out.Set("limit", strconv.Itoa(f.Limit))
	}
	return out
}

func (s *Server) findingLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	noteIDs := r.PostForm["note"]
	stance := r.PostFormValue("stance")
	filter := synFilterQuery(r.PostFormValue("filter"))
	var f finding.Finding
	v := synthesisview.WorkspaceView{Stance: stance, Selected: map[string]bool{}}
	var viewErr error
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if stance != finding.Supports && stance != finding.Contradicts {
			// Back to the workspace, read in this transaction with the finding and its neighbours.
			id := chi.URLParam(r, "findingID")
			if !db.ValidUUID(id) {
				return apperr.NotFound("Finding not found")
			}
			var beside []finding.Finding
			if f, beside, err = finding.ListBeside(ctx, tx, a.TenantID, a.Review.ReviewID, id); err != nil {
				return err
			}
			errs := &form.Errors{}
			errs.Add("stance", "Choose whether the notes support the finding or cut against it")
			v.Errors = errs
			r = withURLParam(r, "actionAreaID", f.ActionAreaID)
			viewErr = s.synWorkspaceFill(r, tx, filter, &v, beside)
			return &finding.Refused{Errors: errs}
		}
		if f, err = findingLoad(r, tx); err != nil {
			return err
		}
		if err := finding.Link(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID, stance, noteIDs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.notes_linked", ObjectType: "finding", ObjectID: f.ID,
			After: map[string]any{"stance": stance, "notes": noteIDs}})
	})
	var refused *finding.Refused
	if errors.As(err, &refused) {
		// Back to the workspace with the message and the selection kept; nothing was stored.
		if v.Errors == nil {
			// Refused by Link: the workspace is read again.
			r = withURLParam(r, "actionAreaID", f.ActionAreaID)
			v.Errors = refused.Errors
			viewErr = s.tx(r, func(tx pgx.Tx) error { return s.synWorkspaceView(r, tx, filter, &v) })
		}
		if viewErr != nil {
			return viewErr
		}
		for _, id := range noteIDs {
			v.Selected[id] = true
		}
		return s.synWorkspaceRender(w, r, v)
	}
	if err != nil {
		return err
	}
	n := len(synDedupe(noteIDs))
	msg := synPlural(n, "note", "notes") + " linked to the finding"
	if stance == finding.Contradicts {
		msg = synPlural(n, "note", "notes") + " linked to the finding as cutting against it"
	}
	to := "/reviews/" + a.Review.ReviewID + "/synthesis/" + f.ActionAreaID
	if q := filter.Encode(); q != "" {
		to += "?" + q
	}
	return s.redirect(w, r, to, msg)
}

func synPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func synDedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// withURLParam gives a request a route parameter it did not come with.
func withURLParam(r *http.Request, key, value string) *http.Request {
	rc := chi.RouteContext(r.Context())
	if rc == nil {
		return r
	}
	rc.URLParams.Add(key, value)
	return r
}

func (s *Server) findingUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	noteID := chi.URLParam(r, "noteID")
	var f finding.Finding
	var removed bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if f, err = findingLoad(r, tx); err != nil {
			return err
		}
		if removed, err = finding.Unlink(ctx, tx, a.TenantID, a.Review.ReviewID, f.ID, noteID); err != nil || !removed {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "finding.note_unlinked", ObjectType: "finding", ObjectID: f.ID, Before: map[string]string{"note": noteID}})
	})
	if err != nil {
		return err
	}
	msg := "Note removed from the finding"
	if !removed {
		msg = "That note was not linked to the finding"
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/findings/"+f.ID, msg)
}

// synScaleView fills the scale page from the stored scale.
func synScaleRows(scale finding.Scale) []synthesisview.BandRow {
	rows := make([]synthesisview.BandRow, len(scale))
	for i, b := range scale {
		rows[i] = synthesisview.BandRow{ID: b.ID, Label: b.Label, Special: b.Special, Percent: strconv.Itoa(b.MinPercent),
			Areas: strconv.Itoa(b.MinAreas), Version: b.Version}
	}
	return rows
}

// synExamples phrases every count of visited areas with the scale.
func synExamples(scale finding.Scale, visited int) []synthesisview.Example {
	if visited <= 0 {
		visited = 6
	}
	var out []synthesisview.Example
	for n := visited; n >= 1; n-- {
		word, _ := scale.Word(n, visited)
		out = append(out, synthesisview.Example{Count: n, Phrase: finding.Phrase(finding.StyleWord, word, n, visited)})
	}
	return out
}

func (s *Server) synScale(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v synthesisview.ScaleView
	err := s.tx(r, func(tx pgx.Tx) error {
		base, _, err := synBase(r, tx)
		if err != nil {
			return err
		}
		v.Base = base
		scale, err := finding.LoadScale(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		if v.Visited, err = finding.Visited(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		v.Bands, v.Examples = synScaleRows(scale), synExamples(scale, v.Visited)
		if p := scale.Problems(); len(p) > 0 {
			v.Errors = &form.Errors{}
			v.Errors.Add("scale", strings.Join(p, ". "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.ok(w, r, synthesisview.ScalePage(s.page(r, "Quantifier scale – "+v.ReviewTitle), v))
}

func (s *Server) synScaleSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v synthesisview.ScaleView
	var saved bool
	err := s.tx(r, func(tx pgx.Tx) error {
		base, _, err := synBase(r, tx)
		if err != nil {
			return err
		}
		v.Base = base
		scale, err := finding.LoadScale(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		if v.Visited, err = finding.Visited(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		v.Errors = &form.Errors{}
		v.Bands = synScaleRows(scale)
		var bands []finding.Band
		for i := range v.Bands {
			row := &v.Bands[i]
			id := r.PostFormValue(fmt.Sprintf("band-%d-id", i))
			if id != row.ID {
				return apperr.Conflict("The scale changed after you opened it. Reload the page and try again.")
			}
			version, verr := strconv.Atoi(r.PostFormValue(fmt.Sprintf("band-%d-version", i)))
			if verr != nil {
				return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
			}
			b := finding.Band{ID: row.ID, Special: row.Special, Version: version, MinAreas: 1}
			row.Label = strings.TrimSpace(r.PostFormValue(fmt.Sprintf("band-%d-label", i)))
			b.Label = row.Label
			switch {
			case row.Label == "":
				v.Errors.Add(fmt.Sprintf("band-%d-label", i), "Enter the words for band "+strconv.Itoa(i+1))
			case len([]rune(row.Label)) > 60:
				v.Errors.Add(fmt.Sprintf("band-%d-label", i), "The words for band "+strconv.Itoa(i+1)+" must be 60 characters or fewer")
			}
			if row.Special == "" {
				row.Percent = strings.TrimSpace(r.PostFormValue(fmt.Sprintf("band-%d-percent", i)))
				row.Areas = strings.TrimSpace(r.PostFormValue(fmt.Sprintf("band-%d-areas", i)))
				p, perr := strconv.Atoi(row.Percent)
				if perr != nil || p < 0 || p > 100 {
					v.Errors.Add(fmt.Sprintf("band-%d-percent", i), "The share for band "+strconv.Itoa(i+1)+" must be a whole number from 0 to 100")
				}
				n, nerr := strconv.Atoi(row.Areas)
				if nerr != nil || n < 1 || n > 1000 {
					v.Errors.Add(fmt.Sprintf("band-%d-areas", i), "The fewest areas for band "+strconv.Itoa(i+1)+" must be a whole number from 1 to 1,000")
				}
				b.MinPercent, b.MinAreas = p, n
			} else {
				stored := scale[i]
				b.MinPercent, b.MinAreas = stored.MinPercent, stored.MinAreas
			}
			bands = append(bands, b)
		}
		if v.Errors.Any() {
			return nil
		}
		before, err := finding.SaveScale(ctx, tx, a.TenantID, a.Review.ReviewID, bands)
		if err != nil {
			return err
		}
		after, err := finding.LoadScale(ctx, tx, a.TenantID, a.Review.ReviewID)
		if err != nil {
			return err
		}
		saved = true
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "quantifier_scale.updated", ObjectType: "review", ObjectID: a.Review.ReviewID,
			Before: scaleAudit(before), After: scaleAudit(after)})
	})
	var refused *finding.Refused
	switch {
	case errors.As(err, &refused):
		v.Errors = refused.Errors
	case err != nil:
		return err
	}
	if saved {
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/synthesis/scale", "Scale saved")
	}
	// The examples follow what was typed where it reads as a scale.
	typed := finding.Scale{}
	for _, b := range v.Bands {
		p, _ := strconv.Atoi(b.Percent)
		n, _ := strconv.Atoi(b.Areas)
		typed = append(typed, finding.Band{Label: b.Label, Special: b.Special, MinPercent: p, MinAreas: n})
	}
	v.Examples = synExamples(typed, v.Visited)
	p := s.page(r, "Quantifier scale – "+v.ReviewTitle)
	p.HasError = true
	return s.invalid(w, r, synthesisview.ScalePage(p, v))
}

func scaleAudit(s finding.Scale) []map[string]any {
	out := make([]map[string]any, len(s))
	for i, b := range s {
		out[i] = map[string]any{"label": b.Label, "special": b.Special, "min_percent": b.MinPercent, "min_areas": b.MinAreas}
	}
	return out
}
