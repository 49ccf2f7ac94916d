package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/templates/frameworkview"
)

// --- Forms ---

// fwGroupForm is a group's title as typed.
type fwGroupForm struct{ Title string }

// Validate checks the title; field is the id of its input.
func (f fwGroupForm) Validate(field string) (string, *form.Errors) {
	errs := &form.Errors{}
	t := strings.TrimSpace(f.Title)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		errs.Add(field, "Enter a title for the group")
	case n > review.MaxGroupTitle:
		errs.Add(field, fmt.Sprintf("Group title must be %d characters or fewer", review.MaxGroupTitle))
	}
	return t, errs
}

// fwAreaForm is an action area as typed. Field ids: area-group, area-title, area-quote, area-citation.
type fwAreaForm frameworkview.AreaFields

// Validate checks the fields as review.File.Check does: a title, a quote and citation within
// their limits, and a citation whenever there is a quote.
func (f fwAreaForm) Validate() (review.ActionArea, *form.Errors) {
	errs := &form.Errors{}
	a := review.ActionArea{GroupID: strings.TrimSpace(f.GroupID), Title: strings.TrimSpace(f.Title),
		Quote: strings.TrimSpace(f.Quote), Citation: strings.TrimSpace(f.Citation)}
	if a.GroupID == "" {
		errs.Add("area-group", "Select the group the action area belongs to")
	}
	switch n := utf8.RuneCountInString(a.Title); {
	case n == 0:
		errs.Add("area-title", "Enter a title for the action area")
	case n > review.MaxAreaTitle:
		errs.Add("area-title", fmt.Sprintf("Action area title must be %d characters or fewer", review.MaxAreaTitle))
	}
	if utf8.RuneCountInString(a.Quote) > review.MaxQuote {
		errs.Add("area-quote", fmt.Sprintf("Policy quote must be %s characters or fewer", fwThousands(review.MaxQuote)))
	}
	switch n := utf8.RuneCountInString(a.Citation); {
	case n > review.MaxCitation:
		errs.Add("area-citation", fmt.Sprintf("Citation must be %s characters or fewer", fwThousands(review.MaxCitation)))
	case n == 0 && a.Quote != "":
		errs.Add("area-citation", "Enter where the quote comes from, so the report can footnote it")
	}
	return a, errs
}

func fwThousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 3 {
		return s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// fwVersion reads the hidden version a change form carries.
func fwVersion(r *http.Request) (string, error) {
	v := r.PostFormValue("version")
	if v == "" || len(v) > 64 {
		return "", apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return v, nil
}

// fwMove reads a move form: the direction and the position the page showed.
func fwMove(r *http.Request) (up bool, from int, err error) {
	from, err = strconv.Atoi(r.PostFormValue("position"))
	d := r.PostFormValue("direction")
	if err != nil || from < 1 || (d != "up" && d != "down") {
		return false, 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return d == "up", from, nil
}

// --- Helpers ---

func fwPath(reviewID string) string { return "/reviews/" + reviewID + "/framework" }

func (s *Server) fwAudit(ctx context.Context, tx pgx.Tx, a *auth.Actor, action, objType, objID string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, ObjectType: objType, ObjectID: objID, Before: before, After: after})
}

func fwGroupAudit(g review.Group) map[string]any {
	return map[string]any{"title": g.Title, "position": g.Position}
}

func fwAreaAudit(a review.ActionArea) map[string]any {
	return map[string]any{"group_id": a.GroupID, "title": a.Title, "quote": a.Quote, "citation": a.Citation, "position": a.Position}
}

// fwLoad reads the review and its framework.
func (s *Server) fwLoad(r *http.Request) (review.Review, review.Framework, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	var rv review.Review
	var fw review.Framework
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if rv, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		fw, err = review.LoadFramework(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	return rv, fw, err
}

// fwRender shows the framework page; a refused change shows it again with 422, the errors and
// what was typed (set in v).
func (s *Server) fwRender(w http.ResponseWriter, r *http.Request, v frameworkview.PageView) error {
	rv, fw, err := s.fwLoad(r)
	if err != nil {
		return err
	}
	a := actorFrom(r.Context())
	v.ReviewID, v.ReviewTitle, v.Framework = rv.ID, rv.Title, fw
	v.CanEdit = auth.Allowed(a, auth.ReviewLeadOnly)
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	p := s.page(r, "Framework – "+rv.Title)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, frameworkview.Page(p, v))
	}
	return s.ok(w, r, frameworkview.Page(p, v))
}

// --- The framework page ---

func (s *Server) frameworkPage(w http.ResponseWriter, r *http.Request) error {
	return s.fwRender(w, r, frameworkview.PageView{})
}

// --- Groups ---

func (s *Server) frameworkAddGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	f := fwGroupForm{Title: r.PostFormValue("title")}
	title, errs := f.Validate("group-title")
	if errs.Any() {
		return s.fwRender(w, r, frameworkview.PageView{NewGroupTitle: f.Title, Errors: errs})
	}
	var g review.Group
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if g, err = review.AddFrameworkGroup(ctx, tx, a.TenantID, a.Review.ReviewID, title); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.group_added", "framework_group", g.ID, nil, fwGroupAudit(g))
	})
	var dup *review.FrameworkDuplicateError
	if errors.As(err, &dup) {
		errs.Add("group-title", dup.Message)
		return s.fwRender(w, r, frameworkview.PageView{NewGroupTitle: f.Title, Errors: errs})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group added: "+g.Title)
}

func (s *Server) frameworkRenameGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	groupID := chi.URLParam(r, "groupID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	field := "group-" + groupID + "-title"
	f := fwGroupForm{Title: r.PostFormValue("title")}
	title, errs := f.Validate(field)
	if !errs.Any() {
		var before, after review.Group
		err = s.tx(r, func(tx pgx.Tx) error {
			var err error
			if before, after, err = review.RenameFrameworkGroup(ctx, tx, a.TenantID, a.Review.ReviewID, groupID, version, title); err != nil {
				return err
			}
			return s.fwAudit(ctx, tx, a, "framework.group_renamed", "framework_group", groupID,
				fwGroupAudit(before), fwGroupAudit(after))
		})
		var dup *review.FrameworkDuplicateError
		if !errors.As(err, &dup) {
			if err != nil {
				return err
			}
			return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group renamed: "+after.Title)
		}
		errs.Add(field, dup.Message)
	}
	// Only a group of this review gets its form shown again; another review's is not found.
	if err := s.fwGroupExists(r, groupID); err != nil {
		return err
	}
	return s.fwRender(w, r, frameworkview.PageView{Renames: map[string]string{groupID: f.Title}, Errors: errs})
}

func (s *Server) fwGroupExists(r *http.Request, groupID string) error {
	a := actorFrom(r.Context())
	return s.tx(r, func(tx pgx.Tx) error {
		_, err := review.GetFrameworkGroup(r.Context(), tx, a.TenantID, a.Review.ReviewID, groupID)
		return err
	})
}

func (s *Server) frameworkMoveGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	groupID := chi.URLParam(r, "groupID")
	up, from, err := fwMove(r)
	if err != nil {
		return err
	}
	var g review.Group
	err = s.tx(r, func(tx pgx.Tx) error {
		var to int
		var err error
		if g, to, err = review.MoveFrameworkGroup(ctx, tx, a.TenantID, a.Review.ReviewID, groupID, from, up); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.group_moved", "framework_group", groupID,
			map[string]any{"title": g.Title, "position": from}, map[string]any{"title": g.Title, "position": to})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), fmt.Sprintf("Group moved %s: %s", fwDirWord(up), g.Title))
}

func fwDirWord(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

func (s *Server) frameworkDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	groupID := chi.URLParam(r, "groupID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	var g review.Group
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if g, err = review.DeleteFrameworkGroup(ctx, tx, a.TenantID, a.Review.ReviewID, groupID, version); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.group_deleted", "framework_group", groupID, fwGroupAudit(g), nil)
	})
	var inUse *review.FrameworkInUseError
	if errors.As(err, &inUse) {
		errs := &form.Errors{}
		errs.Add("group-"+groupID+"-delete", inUse.Message)
		return s.fwRender(w, r, frameworkview.PageView{Errors: errs})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group deleted: "+g.Title)
}

// --- Action areas ---

func fwAreaFormOf(r *http.Request) fwAreaForm {
	return fwAreaForm{GroupID: r.PostFormValue("group_id"), Title: r.PostFormValue("title"),
		Quote: r.PostFormValue("quote"), Citation: r.PostFormValue("citation")}
}

func (s *Server) frameworkAddArea(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	f := fwAreaFormOf(r)
	area, errs := f.Validate()
	if !errs.Any() {
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if area, err = review.AddActionArea(ctx, tx, a.TenantID, a.Review.ReviewID, area); err != nil {
				return err
			}
			return s.fwAudit(ctx, tx, a, "framework.area_added", "action_area", area.ID, nil, fwAreaAudit(area))
		})
		var dup *review.FrameworkDuplicateError
		if !errors.As(err, &dup) {
			if err != nil {
				return err // another review's group is not found
			}
			return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area added: "+area.Title)
		}
		errs.Add("area-title", dup.Message)
	}
	return s.fwRender(w, r, frameworkview.PageView{NewArea: frameworkview.AreaFields(f), Errors: errs})
}

// fwEditRender shows the page to change an action area, with 422 when there are errors.
func (s *Server) fwEditRender(w http.ResponseWriter, r *http.Request, areaID string, fields *frameworkview.AreaFields, errs *form.Errors) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var rv review.Review
	var fw review.Framework
	var area review.ActionArea
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if area, err = review.GetActionArea(ctx, tx, a.TenantID, a.Review.ReviewID, areaID); err != nil {
			return err
		}
		if rv, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		fw, err = review.LoadFramework(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	v := frameworkview.EditView{ReviewID: rv.ID, ReviewTitle: rv.Title, Area: area, Groups: fw.Groups, Errors: errs}
	if fields != nil {
		v.Fields = *fields
	} else {
		v.Fields = frameworkview.AreaFields{GroupID: area.GroupID, Title: area.Title, Quote: area.Quote, Citation: area.Citation}
	}
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	p := s.page(r, "Change action area – "+rv.Title)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, frameworkview.Edit(p, v))
	}
	return s.ok(w, r, frameworkview.Edit(p, v))
}

func (s *Server) frameworkEditArea(w http.ResponseWriter, r *http.Request) error {
	return s.fwEditRender(w, r, chi.URLParam(r, "actionAreaID"), nil, nil)
}

func (s *Server) frameworkUpdateArea(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID := chi.URLParam(r, "actionAreaID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	f := fwAreaFormOf(r)
	area, errs := f.Validate()
	if !errs.Any() {
		var before, after review.ActionArea
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if before, after, err = review.UpdateActionArea(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, version, area); err != nil {
				return err
			}
			return s.fwAudit(ctx, tx, a, "framework.area_changed", "action_area", areaID, fwAreaAudit(before), fwAreaAudit(after))
		})
		var dup *review.FrameworkDuplicateError
		if !errors.As(err, &dup) {
			if err != nil {
				return err
			}
			return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area changed: "+after.Title)
		}
		errs.Add("area-title", dup.Message)
	}
	fields := frameworkview.AreaFields(f)
	return s.fwEditRender(w, r, areaID, &fields, errs)
}

func (s *Server) frameworkMoveArea(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID := chi.URLParam(r, "actionAreaID")
	up, from, err := fwMove(r)
	if err != nil {
		return err
	}
	var area review.ActionArea
	err = s.tx(r, func(tx pgx.Tx) error {
		var to int
		var err error
		if area, to, err = review.MoveActionArea(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, from, up); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.area_moved", "action_area", areaID,
			map[string]any{"title": area.Title, "group_id": area.GroupID, "position": from},
			map[string]any{"title": area.Title, "group_id": area.GroupID, "position": to})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), fmt.Sprintf("Action area moved %s: %s", fwDirWord(up), area.Title))
}

func (s *Server) frameworkDeleteArea(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	areaID := chi.URLParam(r, "actionAreaID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	var area review.ActionArea
	err = s.tx(r, func(tx pgx.Tx) error {
		var err error
		if area, err = review.DeleteActionArea(ctx, tx, a.TenantID, a.Review.ReviewID, areaID, version); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.area_deleted", "action_area", areaID, fwAreaAudit(area), nil)
	})
	var inUse *review.FrameworkInUseError
	if errors.As(err, &inUse) {
		errs := &form.Errors{}
		errs.Add("delete-area", inUse.Message)
		return s.fwEditRender(w, r, areaID, nil, errs)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area deleted: "+area.Title)
}

// --- Export and import ---

func (s *Server) frameworkExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var rv review.Review
	var fw review.Framework
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if rv, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		if fw, err = review.LoadFramework(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		fw.Vocabulary, err = review.LoadVocabulary(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	b, err := fw.MarshalFile()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", `attachment; filename="`+fwFileName(rv.Title)+`"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

// fwFileName is the export's file name: the review title in lower case, letters and digits only,
// other characters as single hyphens, such as "start-for-life-framework.json".
func fwFileName(title string) string {
	var b strings.Builder
	hyphen := false
	for _, c := range strings.ToLower(title) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(c)
			if b.Len() >= 80 {
				break
			}
			continue
		}
		hyphen = true
	}
	name := b.String()
	if name == "" {
		name = "review"
	}
	return name + "-framework.json"
}

func (s *Server) fwImportRender(w http.ResponseWriter, r *http.Request, v frameworkview.ImportView) error {
	rv, fw, err := s.fwLoad(r)
	if err != nil {
		return err
	}
	v.ReviewID, v.ReviewTitle, v.HasFramework = rv.ID, rv.Title, len(fw.Groups) > 0
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	p := s.page(r, "Import a framework – "+rv.Title)
	if v.Errors.Any() || len(v.Problems) > 0 {
		p.HasError = true
		return s.invalid(w, r, frameworkview.Import(p, v))
	}
	return s.ok(w, r, frameworkview.Import(p, v))
}

func (s *Server) frameworkImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.fwImportRender(w, r, frameworkview.ImportView{})
}

// fwImportForm is the import form as sent: how to import, and the file's parsed framework or its problems.
type fwImportForm struct {
	Mode      string
	Framework review.Framework
	Problems  []review.Problem
	NoFile    bool
}

// Validate checks the choice and the file. Field ids: file, mode.
func (f fwImportForm) Validate() *form.Errors {
	errs := &form.Errors{}
	if f.NoFile {
		errs.Add("file", "Select a framework file")
	}
	if f.Mode != "replace" && f.Mode != "add" {
		errs.Add("mode", "Select whether to replace the current framework or add to it")
	}
	return errs
}

func (s *Server) frameworkImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	f := fwImportForm{Mode: r.PostFormValue("mode")}
	file, hdr, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		f.NoFile = true
	case err != nil:
		return apperr.Invalid("The file could not be read. Choose it again and try again.")
	case hdr.Filename == "" && hdr.Size == 0:
		f.NoFile = true // the browser sends an empty part when no file was chosen
	case hdr.Size > s.cfg.MaxBodyBytes:
		// Uploads may be large; a framework file never is.
		file.Close()
		f.Problems = []review.Problem{{Message: "The file must be smaller than " + humanBytes(s.cfg.MaxBodyBytes) + "."}}
	default:
		defer file.Close()
		f.Framework, err = review.ParseFile(file)
		var pe *review.ProblemsError
		if errors.As(err, &pe) {
			f.Problems = pe.Problems
		} else if err != nil {
			return err
		}
	}
	errs := f.Validate()
	invalid := func() error {
		return s.fwImportRender(w, r, frameworkview.ImportView{Mode: f.Mode, Problems: f.Problems, Errors: errs})
	}
	if errs.Any() || len(f.Problems) > 0 {
		return invalid()
	}
	groups, areas := len(f.Framework.Groups), f.Framework.AreaCount()
	err = s.tx(r, func(tx pgx.Tx) error {
		reviewID := a.Review.ReviewID
		if err := review.LockFramework(ctx, tx, a.TenantID, reviewID); err != nil {
			return err
		}
		current, err := review.LoadFramework(ctx, tx, a.TenantID, reviewID)
		if err != nil {
			return err
		}
		if f.Mode == "add" {
			// Headings must differ; this also stops a double-submitted form adding the file twice.
			if clash := current.TitleClashes(f.Framework); len(clash) > 0 {
				errs.Add("mode", fmt.Sprintf("The current framework already has %s: %s. Replace the framework instead, or change the titles in the file.",
					fwPluralWord(len(clash), "of the file’s titles", "of the file’s titles"), fwQuoteList(clash)))
				return nil
			}
		}
		if f.Mode == "replace" {
			n, err := review.FrameworkTaggedNoteCount(ctx, tx, a.TenantID, reviewID)
			if err != nil {
				return err
			}
			if n > 0 {
				errs.Add("mode", fmt.Sprintf("The current framework cannot be replaced: %s tagged to its action areas. Add to the framework instead.",
					fwPluralNotes(n)))
				return nil
			}
			if n, err = review.SynthesisCount(ctx, tx, a.TenantID, reviewID, ""); err != nil {
				return err
			}
			if n > 0 {
				errs.Add("mode", "The current framework cannot be replaced: findings or good-practice examples are written under its action areas. Add to the framework instead.")
				return nil
			}
			err = review.ReplaceFramework(ctx, tx, a.TenantID, reviewID, f.Framework)
		} else {
			err = review.InsertFramework(ctx, tx, a.TenantID, reviewID, f.Framework)
		}
		if err != nil {
			return err
		}
		// The file's lists join the review's: values the lists lack are added at their end.
		if err := review.SeedVocabulary(ctx, tx, a.TenantID, reviewID, f.Framework.Vocabulary); err != nil {
			return err
		}
		return s.fwAudit(ctx, tx, a, "framework.imported", "review", reviewID,
			map[string]any{"groups": len(current.Groups), "action_areas": current.AreaCount()},
			map[string]any{"mode": f.Mode, "groups_imported": groups, "action_areas_imported": areas,
				"file": hdr.Filename, "vocabularies": f.Framework.Vocabulary})
	})
	if err != nil {
		return err
	}
	if errs.Any() {
		return invalid()
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID),
		fmt.Sprintf("Framework imported: %s, %s", fwPluralWord(groups, "group", "groups"), fwPluralWord(areas, "action area", "action areas")))
}

// quoteList is like "‘A’, ‘B’ and 2 more".
func fwQuoteList(titles []string) string {
	const show = 3
	var parts []string
	for i, t := range titles {
		if i == show {
			break
		}
		parts = append(parts, "‘"+t+"’")
	}
	s := strings.Join(parts, ", ")
	if len(titles) > show {
		s += fmt.Sprintf(" and %d more", len(titles)-show)
	}
	return s
}

func fwPluralNotes(n int) string {
	if n == 1 {
		return "1 note is"
	}
	return strconv.Itoa(n) + " notes are"
}

func fwPluralWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
