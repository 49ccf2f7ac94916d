package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/retention"
	"thematic/internal/review"
	"thematic/internal/reviewnote"
	"thematic/internal/text"
)

// The report's commands and page queries: each opens its own transaction (db.InTx) for the scope
// it is given and returns what the page needs, so that a request is one transaction.

// Built is a review's report as built now, with what was read to build it.
type Built struct {
	Loaded
	Doc      Doc
	Problems map[string][]Problem
}

// Hits runs the publication check over a report built with LoadOptions.WithCheck.
func (b *Built) Hits() []Hit { return Check(&b.Doc, b.Terms, b.Overrides) }

// buildTx reads the review's data and state (and what opt asks for besides) and builds the
// report, in the caller's transaction.
func buildTx(ctx context.Context, q db.Querier, sc db.Scope, opt LoadOptions) (Built, error) {
	l, err := LoadAll(ctx, q, sc.TenantID, sc.ReviewID, opt)
	if err != nil {
		return Built{}, err
	}
	b := Built{Loaded: l}
	b.Doc, b.Problems = Build(l.Data)
	return b, nil
}

// PageOptions says what a report page reads besides the report built.
type PageOptions struct {
	LoadOptions
	OpenNotes bool // the review notes not yet cleared
}

// Page is a report page's data: the report built and, with PageOptions.OpenNotes, the review
// notes not yet cleared.
type Page struct {
	Built
	Open []reviewnote.Note
}

// Read builds the review's report for a page.
func Read(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, opt PageOptions) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		p, err = readTx(ctx, tx, sc, opt)
		return err
	})
	return p, err
}

func readTx(ctx context.Context, tx pgx.Tx, sc db.Scope, opt PageOptions) (Page, error) {
	b, err := buildTx(ctx, tx, sc, opt.LoadOptions)
	if err != nil {
		return Page{}, err
	}
	p := Page{Built: b}
	if opt.OpenNotes {
		p.Open, err = reviewnote.List(ctx, tx, sc.TenantID, sc.ReviewID, false)
	}
	return p, err
}

// reportPage is what the report's own page reads.
var reportPage = PageOptions{LoadOptions: LoadOptions{WithCheck: true}, OpenNotes: true}

// MaxStepNote is the longest note a sign-off step takes, in characters.
const MaxStepNote = 2000

// StepResult is what a sign-off step did.
type StepResult struct {
	Moved Moved
	// Repeated says the step was sent twice: the first press took it already.
	Repeated bool
	// Page is the report page as it is now when the step was refused (a *StepError) or the
	// approval lapsed instead (Moved.Lapse with a step other than back to drafting).
	Page *Page
}

// TakeStep takes a step of the report's sign-off (Move) from the report's state the lead saw
// (version). A refused step gives a *StepError with the page to show again, in the same
// transaction.
func TakeStep(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, to, note string, version int) (StepResult, error) {
	var res StepResult
	page := func(tx pgx.Tx) error {
		p, err := readTx(ctx, tx, sc, reportPage)
		res.Page = &p
		return err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxStepNote {
		refused := &StepError{Message: "The note must be 2,000 characters or fewer"}
		err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
			if err := page(tx); err != nil {
				return err
			}
			return refused
		})
		return res, err
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		m, err := Move(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, to, note, version)
		res.Moved = m
		var stepErr *StepError
		switch {
		case apperr.Is(err, apperr.CodeConflict):
			// Sent twice: the first press took the step already.
			st, e := LoadState(ctx, tx, sc.TenantID, sc.ReviewID)
			if e == nil && st.Status == to && st.By == sc.UserID && st.Version == version+1 {
				res.Repeated = true
				return nil
			}
			return err
		case errors.As(err, &stepErr):
			if e := page(tx); e != nil {
				return e
			}
			return err
		case err != nil:
			return err
		case m.Lapse != nil && to != StatusDraft:
			// The report changed after its approval: it is back in drafting (committed), and
			// the page says why the step was not taken.
			return page(tx)
		}
		return nil
	})
	return res, err
}

// SectionInput is the authoring form of one section of the report.
type SectionInput struct {
	Key     string
	Body    string
	Version int
	Preview bool // show the text as the report would print it, saving nothing
}

// SectionResult is a section's authoring page: the report built, the section and its stored
// text, and after a save what happened.
type SectionResult struct {
	Built    Built
	Section  Section
	Current  Authored
	Errors   *form.Errors
	Conflict *Authored // the text saved meanwhile by someone else (with an apperr.Conflict)
	Saved    bool
}

// sectionTx reads the section key of the report as stored, refusing a section of a report
// that cannot change at the review's stage.
func sectionTx(ctx context.Context, tx pgx.Tx, sc db.Scope, key string) (SectionResult, error) {
	res := SectionResult{Errors: &form.Errors{}}
	if key == "" {
		return res, apperr.Invalid("Choose a section of the report to edit")
	}
	b, err := buildTx(ctx, tx, sc, LoadOptions{})
	if err != nil {
		return res, err
	}
	sec, ok := b.Data.SectionOf(key)
	if !ok {
		return res, apperr.NotFound("Report section not found")
	}
	if err := b.Stage.Verdict(review.ChangeReport, false); err != nil {
		return res, err
	}
	res.Built, res.Section, res.Current = b, sec, b.Texts[sec.Key]
	return res, nil
}

// SectionPage reads the authoring page of the section key.
func SectionPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, key string) (SectionResult, error) {
	var res SectionResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		res, err = sectionTx(ctx, tx, sc, key)
		return err
	})
	return res, err
}

// SaveSection saves the lead's text of a section, audited; personal data taken out of the text
// leaves the audit log too. A text over MaxAuthored is refused in res.Errors; a text saved
// meanwhile by someone else gives apperr.Conflict with res.Conflict.
func SaveSection(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in SectionInput) (SectionResult, error) {
	var res SectionResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		body := strings.TrimSpace(in.Body)
		if !in.Preview && utf8.RuneCountInString(body) <= MaxAuthored && ValidKey(in.Key) {
			// A save that is likely to pass: checked and written without building the report.
			saved, err := saveSectionQuickly(ctx, tx, sc, in, &res)
			if err != nil || saved {
				return err
			}
			// Not saved (a section of no such name, or a text changed meanwhile): the whole
			// report is read below, to say why.
		}
		var err error
		if res, err = sectionTx(ctx, tx, sc, in.Key); err != nil {
			return err
		}
		if n := utf8.RuneCountInString(body); n > MaxAuthored {
			res.Errors.Add("body", fmt.Sprintf("The text must be %s characters or fewer (it has %s)", text.Thousands(MaxAuthored), text.Thousands(n)))
			return nil
		}
		if in.Preview {
			return nil
		}
		key := res.Section.Key
		before, err := SaveText(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, key, in.Body, in.Version)
		if err != nil {
			if apperr.Is(err, apperr.CodeConflict) {
				if before.Body == body {
					res.Saved = true // sent twice: the text is already what was typed
					return nil
				}
				res.Conflict = &before
			}
			return err
		}
		res.Saved = true
		if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "report.text_saved", ObjectType: "report", ObjectID: sc.ReviewID,
			Before: map[string]any{"key": key, "body": before.Body, "version": before.Version},
			After:  map[string]any{"key": key, "body": body}}); err != nil {
			return err
		}
		return retention.RedactReportText(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, sc.Email, before.Body, in.Body)
	})
	return res, err
}

// sectionTitles are the titles of the fixed sections (Data.Sections).
var sectionTitles = map[string]string{TextBackground: "Background", TextSummary: "Executive summary",
	TextIntroduction: "Introduction", TextMethodology: "Methodology", TextRecommendations: "Recommendations"}

// saveSectionQuickly saves a section's text in two statements: one reads the review's stage, the
// section's title and its text (locked), one writes the text with its audit entry. It answers
// false, having written nothing, when the section is not the review's or the text's version is
// not in.Version: the caller then reads the report to say why.
func saveSectionQuickly(ctx context.Context, tx pgx.Tx, sc db.Scope, in SectionInput, res *SectionResult) (bool, error) {
	kind, id, _ := strings.Cut(in.Key, ":")
	var stage []string
	var title *string
	var cur []string
	err := tx.QueryRow(ctx, `SELECT `+review.StageColumn+`,
			CASE $4 WHEN 'group' THEN (SELECT g.title FROM framework_groups g WHERE g.tenant_id = $1 AND g.review_id = $2 AND g.id::text = $5)
				WHEN 'area' THEN (SELECT a.title FROM action_areas a WHERE a.tenant_id = $1 AND a.review_id = $2 AND a.id::text = $5) END,
			(SELECT ARRAY[t.body, t.version::text] FROM report_texts t WHERE t.tenant_id = $1 AND t.review_id = $2 AND t.key = $3 FOR UPDATE)`,
		sc.TenantID, sc.ReviewID, in.Key, kind, id).Scan(&stage, &title, &cur)
	if err != nil {
		return false, fmt.Errorf("report: section %s: %w", in.Key, err)
	}
	sec := Section{Key: in.Key, Title: sectionTitles[in.Key], Kind: "fixed"}
	if title != nil {
		sec.Title, sec.Kind = *title, kind
	}
	if sec.Title == "" || len(stage) != 2 {
		return false, nil
	}
	if err := review.CheckStage(stage, review.ChangeReport); err != nil {
		return false, err
	}
	before := Authored{Key: in.Key}
	if len(cur) == 2 {
		before.Body = cur[0]
		if before.Version, err = strconv.Atoi(cur[1]); err != nil {
			return false, fmt.Errorf("report: section %s: %w", in.Key, err)
		}
	}
	if before.Version != in.Version {
		return false, nil
	}
	body := strings.TrimSpace(in.Body)
	after, err := json.Marshal(map[string]any{"key": in.Key, "body": body})
	if err != nil {
		return false, fmt.Errorf("report: audit of section %s: %w", in.Key, err)
	}
	was, err := json.Marshal(map[string]any{"key": in.Key, "body": before.Body, "version": before.Version})
	if err != nil {
		return false, fmt.Errorf("report: audit of section %s: %w", in.Key, err)
	}
	meta := audit.MetaFrom(ctx)
	var n int
	err = tx.QueryRow(ctx, `WITH up AS (
			INSERT INTO report_texts (tenant_id, review_id, key, body, updated_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, review_id, key) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by,
				updated_at = now(), version = report_texts.version + 1
			WHERE report_texts.version = $6 RETURNING review_id),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, $5, coalesce(nullif($7::text, ''), `+audit.ActorEmailSQL("$5::uuid")+`), 'report.text_saved', 'report',
				up.review_id::text, $8::jsonb, $9::jsonb, $10, $11 FROM up)
		SELECT count(*) FROM up`, sc.TenantID, sc.ReviewID, in.Key, body, sc.UserID, in.Version, sc.Email, was, after,
		meta.RequestID, meta.IP).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("report: save text: %w", db.MapError(err))
	}
	if n != 1 {
		return false, nil // written meanwhile by a save that began with no text
	}
	res.Section, res.Current, res.Saved = sec, before, true
	return true, retention.RedactReportText(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, sc.Email, before.Body, in.Body)
}

// MaxVersionLabel is the longest label of a saved version, in characters.
const MaxVersionLabel = 200

// SaveNamedVersion saves the report as built now as a version with the lead's label, audited.
// A second press (or a save with nothing changed) makes no new version and answers the last
// one's number. A label too long gives a *form.Refused before any transaction.
func SaveNamedVersion(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, label string) (int, error) {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > MaxVersionLabel {
		return 0, form.Refuse("label", "The label must be 200 characters or fewer")
	}
	var number int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		// The review's row is locked as the report is read, with the newest version.
		b, err := buildTx(ctx, tx, sc, LoadOptions{ForVersion: true})
		if err != nil {
			return err
		}
		if b.State.Locked() {
			return apperr.Forbidden("The report is published and can no longer be changed")
		}
		if last := b.LastVersion; last != nil && last.Label == label && SameDoc(last.Doc, &b.Doc) {
			number = last.Number
			return nil
		}
		v, err := SaveVersionLocked(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, label, &b.Doc)
		if err != nil {
			return err
		}
		number = v.Number
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "report.version_saved", ObjectType: "report", ObjectID: sc.ReviewID,
			After: map[string]any{"number": v.Number, "label": v.Label}})
	})
	return number, err
}

// SameDoc reports whether two built reports have the same content.
func SameDoc(a, b *Doc) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// Head is what the report's pages that need no build show: the review's title and the
// report's state.
type Head struct {
	Title string
	State State
}

func headTx(ctx context.Context, q db.Querier, sc db.Scope) (Head, error) {
	var h Head
	if err := q.QueryRow(ctx, `SELECT title FROM reviews WHERE tenant_id = $1 AND id = $2`, sc.TenantID, sc.ReviewID).Scan(&h.Title); err != nil {
		return h, fmt.Errorf("report: review title: %w", err)
	}
	var err error
	h.State, err = LoadState(ctx, q, sc.TenantID, sc.ReviewID)
	return h, err
}

// VersionsPage reads the list of saved versions.
func VersionsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Head, []Version, error) {
	var h Head
	var vs []Version
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if h, err = headTx(ctx, tx, sc); err != nil {
			return err
		}
		vs, err = Versions(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return h, vs, err
}

// VersionPage reads saved version n.
func VersionPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, n int) (Head, Version, error) {
	var h Head
	var v Version
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if h, err = headTx(ctx, tx, sc); err != nil {
			return err
		}
		v, err = LoadVersion(ctx, tx, sc.TenantID, sc.ReviewID, n)
		return err
	})
	return h, v, err
}

// Comparison is the comparison page: two versions (0 for the report as built now) line by line.
type Comparison struct {
	Head
	Versions []Version
	Lines    []Line
	Changes  int
	TooLarge string // why the lines are not shown (a *TooLargeError's message)
}

// ComparePage compares version from with version to (0: the report as built now). errs holds the
// form's errors already found: with any, nothing is compared; a version not saved adds one.
func ComparePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, from, to int, errs *form.Errors) (Comparison, error) {
	var c Comparison
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if c.Head, err = headTx(ctx, tx, sc); err != nil {
			return err
		}
		if c.Versions, err = Versions(ctx, tx, sc.TenantID, sc.ReviewID); err != nil || errs.Any() {
			return err
		}
		load := func(field string, n int) (*Doc, error) {
			if n == 0 {
				b, err := buildTx(ctx, tx, sc, LoadOptions{})
				return &b.Doc, err
			}
			ver, err := LoadVersion(ctx, tx, sc.TenantID, sc.ReviewID, n)
			if apperr.Is(err, apperr.CodeNotFound) {
				errs.Add(field, fmt.Sprintf("There is no version %d", n))
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
		lines, err := Compare(x, y)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			c.TooLarge = tl.Error()
			return nil
		}
		c.Lines, c.Changes = lines, Changes(lines)
		return err
	})
	return c, err
}

// ExportDoc is ExportVersion without the number.
func ExportDoc(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (*Doc, error) {
	doc, _, err := ExportVersion(ctx, pool, sc)
	return doc, err
}

// ExportVersion is the report to download: the published version, exactly as it was published,
// while the report is published (whatever changes in the review's data meanwhile), else the
// report as built now.
func ExportVersion(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (*Doc, int, error) {
	var doc *Doc
	var n int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		st, err := LoadState(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		if st.Locked() && st.PublishedVersion > 0 {
			v, err := LoadVersion(ctx, tx, sc.TenantID, sc.ReviewID, st.PublishedVersion)
			doc, n = v.Doc, st.PublishedVersion
			return err
		}
		b, err := buildTx(ctx, tx, sc, LoadOptions{})
		doc = &b.Doc
		return err
	})
	return doc, n, err
}

// VersionPDF is the PDF kept of saved version n, or nil when it has not been printed yet.
func VersionPDF(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, n int) ([]byte, error) {
	var pdf []byte
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT pdf FROM report_version_pdfs WHERE tenant_id = $1 AND review_id = $2 AND number = $3`,
			sc.TenantID, sc.ReviewID, n).Scan(&pdf)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("report: version pdf: %w", err)
		}
		return nil
	})
	return pdf, err
}

// KeepVersionPDF keeps pdf as saved version n's PDF unless one is kept already (another request
// printed it first), and returns the PDF kept: what every download of the version gives.
func KeepVersionPDF(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, n int, pdf []byte) ([]byte, error) {
	var kept []byte
	sum := sha256.Sum256(pdf)
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO report_version_pdfs (tenant_id, review_id, number, pdf, sha256)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, sc.TenantID, sc.ReviewID, n, pdf, sum[:]); err != nil {
			return fmt.Errorf("report: keep version pdf: %w", db.MapError(err))
		}
		if err := tx.QueryRow(ctx, `SELECT pdf FROM report_version_pdfs WHERE tenant_id = $1 AND review_id = $2 AND number = $3`,
			sc.TenantID, sc.ReviewID, n).Scan(&kept); err != nil {
			return fmt.Errorf("report: keep version pdf: %w", err)
		}
		return nil
	})
	return kept, err
}

// VersionDoc is saved version n's document, as it was saved.
func VersionDoc(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, n int) (*Doc, error) {
	var v Version
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		v, err = LoadVersion(ctx, tx, sc.TenantID, sc.ReviewID, n)
		return err
	})
	return v.Doc, err
}

// MaxKeepReason is the longest reason for keeping a hit of the publication check.
const MaxKeepReason = 1000

// KeepResult is the publication check after keeping a hit: the report built with the check, its
// hits, the hit kept (nil when it is no longer in the report) and what refused the reason.
type KeepResult struct {
	Built  Built
	Hits   []Hit
	Kept   *Hit
	Errors *form.Errors
}

// Keep keeps a hit of the publication check in the report with the lead's reason, audited.
func Keep(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, key, reason string) (KeepResult, error) {
	res := KeepResult{Errors: &form.Errors{}}
	reason = strings.TrimSpace(reason)
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		b, err := buildTx(ctx, tx, sc, LoadOptions{WithCheck: true})
		if err != nil {
			return err
		}
		if b.State.Locked() {
			return apperr.Forbidden("The report is published and can no longer be changed")
		}
		res.Built, res.Hits = b, b.Hits()
		for i := range res.Hits {
			if res.Hits[i].Key == key {
				res.Kept = &res.Hits[i]
			}
		}
		if res.Kept == nil {
			return nil
		}
		kept, field := res.Kept, "reason-"+key
		switch {
		case reason == "":
			res.Errors.Add(field, "Give a reason for keeping ‘"+kept.Term+"’ in the report")
			return nil
		case utf8.RuneCountInString(reason) > MaxKeepReason:
			res.Errors.Add(field, "The reason must be 1,000 characters or fewer")
			return nil
		}
		added, err := AddOverride(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, *kept, reason)
		if err != nil || !added {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "report.check_overridden", ObjectType: "report", ObjectID: sc.ReviewID,
			After: map[string]any{"hit": kept.Key, "kind": kept.Kind, "term": kept.Term, "reason": reason,
				"section": kept.Origin.Section, "context": kept.Context}})
	})
	return res, err
}
