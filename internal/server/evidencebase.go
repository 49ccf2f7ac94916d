package server

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"thematic/internal/evidence"
	"thematic/templates/evidenceview"
)

// evidenceBase shows one page of notes. Every filter is a query parameter, so a filtered page is a
// shareable URL; bad values answer the form with field errors (422).
func (s *Server) evidenceBase(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	q := r.URL.Query()
	f, errs := evidence.ParseFilter(q)
	b, err := evidence.BasePage(ctx, s.pool, scopeOf(r), f, errs.Any())
	if err != nil {
		return err
	}
	v := evidenceview.BaseView{ReviewID: a.Review.ReviewID, Query: q, Filter: f, Errors: errs, Opts: b.Options, Page: b.Page}
	p := s.page(r, "Evidence base")
	if errs.Any() {
		p.HasError = true
		return s.invalid(w, r, evidenceview.BasePage(p, v))
	}
	s.render(w, r, http.StatusOK, evidenceview.BasePage(p, v))
	return nil
}

// evidenceCSV streams the filtered notes as CSV, every row, straight from the database.
func (s *Server) evidenceCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	q.Del("after") // the export is the whole filtered set
	q.Del("before")
	q.Del("limit")
	f, errs := evidence.ParseFilter(q)
	if errs.Any() {
		return s.evidenceBase(w, r)
	}
	started, err := evidence.StreamCSV(ctx, s.pool, scopeOf(r), f, func(title string) io.Writer {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": csvFilename(title)}))
		w.Header().Set("Cache-Control", "no-store")
		return w
	})
	if err != nil && started {
		// The download has begun: an error page cannot follow. Cut the connection so that the
		// browser reports a failed download rather than a complete-looking, truncated file.
		s.logger(ctx).Error("evidence export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// csvFilename makes "access-review-evidence.csv" from a review title.
func csvFilename(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 80 {
		name = strings.Trim(name[:80], "-")
	}
	if name == "" {
		name = "review"
	}
	return fmt.Sprintf("%s-evidence.csv", name)
}
