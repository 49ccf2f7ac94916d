package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/text"
	"thematic/templates/frameworkview"
)

// --- Forms ---

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

// fwRender shows the framework page; a refused change shows it again with 422, the errors and
// what was typed (set in v).
func (s *Server) fwRender(w http.ResponseWriter, r *http.Request, pg review.FrameworkPage, v frameworkview.PageView) error {
	a := actorFrom(r.Context())
	v.ReviewID, v.ReviewTitle, v.Framework = pg.Review.ID, pg.Review.Title, pg.Framework
	v.CanEdit = auth.Allowed(a, auth.ReviewLeadOnly)
	if v.Errors == nil {
		v.Errors = &form.Errors{}
	}
	p := s.page(r, "Framework – "+pg.Review.Title)
	if v.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, frameworkview.Page(p, v))
	}
	return s.ok(w, r, frameworkview.Page(p, v))
}

// --- The framework page ---

func (s *Server) frameworkPage(w http.ResponseWriter, r *http.Request) error {
	pg, err := review.LoadFrameworkPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	return s.fwRender(w, r, pg, frameworkview.PageView{})
}

// --- Groups ---

func (s *Server) frameworkAddGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	typed := r.PostFormValue("title")
	c, err := review.FrameworkAddGroup(r.Context(), s.pool, scopeOf(r), typed)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.fwRender(w, r, c.Page, frameworkview.PageView{NewGroupTitle: typed, Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group added: "+c.Group.Title)
}

func (s *Server) frameworkRenameGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	groupID := chi.URLParam(r, "groupID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	typed := r.PostFormValue("title")
	c, err := review.FrameworkRenameGroup(r.Context(), s.pool, scopeOf(r), groupID, version, typed)
	var refused *form.Refused
	if errors.As(err, &refused) {
		// Only a group of this review gets its form shown again; another review's is not found.
		return s.fwRender(w, r, c.Page, frameworkview.PageView{Renames: map[string]string{groupID: typed}, Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group renamed: "+c.Group.Title)
}

func (s *Server) frameworkMoveGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	groupID := chi.URLParam(r, "groupID")
	up, from, err := fwMove(r)
	if err != nil {
		return err
	}
	c, err := review.FrameworkMoveGroup(r.Context(), s.pool, scopeOf(r), groupID, from, up)
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), fmt.Sprintf("Group moved %s: %s", fwDirWord(up), c.Group.Title))
}

func fwDirWord(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

func (s *Server) frameworkDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	groupID := chi.URLParam(r, "groupID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	c, err := review.FrameworkDeleteGroup(r.Context(), s.pool, scopeOf(r), groupID, version)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.fwRender(w, r, c.Page, frameworkview.PageView{Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Group deleted: "+c.Group.Title)
}

// --- Action areas ---

func fwAreaFormOf(r *http.Request) review.AreaInput {
	return review.AreaInput{GroupID: r.PostFormValue("group_id"), Title: r.PostFormValue("title"),
		Quote: r.PostFormValue("quote"), Citation: r.PostFormValue("citation")}
}

func (s *Server) frameworkAddArea(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	f := fwAreaFormOf(r)
	c, err := review.FrameworkAddArea(r.Context(), s.pool, scopeOf(r), f)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.fwRender(w, r, c.Page, frameworkview.PageView{NewArea: frameworkview.AreaFields(f), Errors: refused.Errors})
	}
	if err != nil {
		return err // another review's group is not found
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area added: "+c.Area.Title)
}

// fwEditRender shows the page to change an action area, with 422 when there are errors.
func (s *Server) fwEditRender(w http.ResponseWriter, r *http.Request, pg review.ActionAreaPage, fields *frameworkview.AreaFields, errs *form.Errors) error {
	rv, area := pg.Review, pg.Area
	v := frameworkview.EditView{ReviewID: rv.ID, ReviewTitle: rv.Title, Area: area, Groups: pg.Framework.Groups, Errors: errs}
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
	pg, err := review.LoadActionAreaPage(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "actionAreaID"))
	if err != nil {
		return err
	}
	return s.fwEditRender(w, r, pg, nil, nil)
}

func (s *Server) frameworkUpdateArea(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	areaID := chi.URLParam(r, "actionAreaID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	f := fwAreaFormOf(r)
	c, err := review.FrameworkUpdateArea(r.Context(), s.pool, scopeOf(r), areaID, version, f)
	var refused *form.Refused
	if errors.As(err, &refused) {
		fields := frameworkview.AreaFields(f)
		return s.fwEditRender(w, r, c.AreaPage, &fields, refused.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area changed: "+c.Area.Title)
}

func (s *Server) frameworkMoveArea(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	areaID := chi.URLParam(r, "actionAreaID")
	up, from, err := fwMove(r)
	if err != nil {
		return err
	}
	c, err := review.FrameworkMoveArea(r.Context(), s.pool, scopeOf(r), areaID, from, up)
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), fmt.Sprintf("Action area moved %s: %s", fwDirWord(up), c.Area.Title))
}

func (s *Server) frameworkDeleteArea(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	areaID := chi.URLParam(r, "actionAreaID")
	version, err := fwVersion(r)
	if err != nil {
		return err
	}
	c, err := review.FrameworkDeleteArea(r.Context(), s.pool, scopeOf(r), areaID, version)
	var refused *form.Refused
	if errors.As(err, &refused) {
		return s.fwEditRender(w, r, c.AreaPage, nil, refused.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fwPath(a.Review.ReviewID), "Action area deleted: "+c.Area.Title)
}

// --- Export and import ---

func (s *Server) frameworkExport(w http.ResponseWriter, r *http.Request) error {
	pg, err := review.LoadFrameworkExport(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	b, err := pg.Framework.MarshalFile()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", `attachment; filename="`+fwFileName(pg.Review.Title)+`"`)
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

func (s *Server) fwImportRender(w http.ResponseWriter, r *http.Request, pg review.FrameworkPage, v frameworkview.ImportView) error {
	rv := pg.Review
	v.ReviewID, v.ReviewTitle, v.HasFramework = rv.ID, rv.Title, len(pg.Framework.Groups) > 0
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
	pg, err := review.LoadFrameworkPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	return s.fwImportRender(w, r, pg, frameworkview.ImportView{})
}

func (s *Server) frameworkImport(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in := review.ImportInput{Mode: r.PostFormValue("mode")}
	file, hdr, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		in.NoFile = true
	case err != nil:
		return apperr.Invalid("The file could not be read. Choose it again and try again.")
	case hdr.Filename == "" && hdr.Size == 0:
		in.NoFile = true // the browser sends an empty part when no file was chosen
	case hdr.Size > s.cfg.MaxBodyBytes:
		// Uploads may be large; a framework file never is.
		file.Close()
		in.Problems = []review.Problem{{Message: "The file must be smaller than " + humanBytes(s.cfg.MaxBodyBytes) + "."}}
	default:
		defer file.Close()
		in.Filename = hdr.Filename
		in.Framework, err = review.ParseFile(file)
		var pe *review.ProblemsError
		if errors.As(err, &pe) {
			in.Problems = pe.Problems
		} else if err != nil {
			return err
		}
	}
	err = review.FrameworkImport(r.Context(), s.pool, scopeOf(r), in)
	var refused *review.ImportRefused
	if errors.As(err, &refused) {
		return s.fwImportRender(w, r, refused.Page, frameworkview.ImportView{Mode: in.Mode, Problems: refused.Problems, Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	groups, areas := len(in.Framework.Groups), in.Framework.AreaCount()
	return s.redirect(w, r, fwPath(a.Review.ReviewID),
		fmt.Sprintf("Framework imported: %s, %s", text.Plural(groups, "group", "groups"), text.Plural(areas, "action area", "action areas")))
}
