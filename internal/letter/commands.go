package letter

import (
	"context"
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
	"thematic/internal/report"
)

// The letters' commands and page queries: each opens its own transaction (db.InTx) for the scope
// it is given (the review's), so that a request is one transaction.

// Built is a letter as built now, with what was read to build it.
type Built struct {
	Loaded
	Doc      report.Doc
	Problems map[string][]report.Problem
	Terms    report.Terms // with PageOptions.WithCheck
	// Evidence is what the letter draws on, by action area (with PageOptions.WithEvidence).
	Evidence map[string]*Evidence
}

// Hits runs the publication check over a letter built with the check.
func (b *Built) Hits() []report.Hit {
	return Check(&b.Doc, b.Terms, b.AreaNames, b.Overrides)
}

// Blocking counts the hits that still block sign-off.
func (b *Built) Blocking() int { return report.Blocking(b.Hits()) }

// PageOptions says what a letter page reads besides the letter.
type PageOptions struct {
	WithCheck    bool // the publication check's terms
	WithEvidence bool // the area's evidence beside each section (for the review's leads)
}

func buildTx(ctx context.Context, q db.Querier, sc db.Scope, areaID string, opt PageOptions) (Built, error) {
	l, err := load(ctx, q, sc.TenantID, sc.ReviewID, areaID)
	if err != nil {
		return Built{}, err
	}
	b := Built{Loaded: l}
	b.Doc, b.Problems = Build(l.Data)
	if opt.WithCheck {
		if b.Terms, err = report.LoadTerms(ctx, q, sc.TenantID, sc.ReviewID); err != nil {
			return b, err
		}
	}
	if opt.WithEvidence {
		if b.Evidence, err = loadEvidence(ctx, q, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Read builds an area's letter for a page.
func Read(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, opt PageOptions) (Built, error) {
	var b Built
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		b, err = buildTx(ctx, tx, sc, areaID, opt)
		return err
	})
	return b, err
}

// List is the letters page: the review's areas with their letters.
type List struct {
	ReviewTitle string
	Template    bool // the lead has written the review's template (else the defaults are used)
	Areas       []AreaLetter
}

// ReadList reads the letters page.
func ReadList(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (List, error) {
	var l List
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		title, tv, areas, err := list(ctx, tx, sc.TenantID, sc.ReviewID)
		l = List{ReviewTitle: title, Template: tv > 0, Areas: areas}
		return err
	})
	return l, err
}

// ensure makes the letter of an area if need be and locks its row until the transaction ends,
// auditing a letter made ("letter.started"). It returns whether the letter was made.
func ensure(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID string) (string, bool, error) {
	if !db.ValidUUID(areaID) || !db.ValidUUID(sc.ReviewID) {
		return "", false, apperr.NotFound("Letter not found")
	}
	var id string
	var made bool
	err := tx.QueryRow(ctx, `INSERT INTO letters (tenant_id, review_id, area_id, created_by)
		SELECT ra.tenant_id, ra.review_id, ra.id, $4 FROM review_areas ra WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = $3
		ON CONFLICT (tenant_id, review_id, area_id) DO UPDATE SET version = letters.version
		RETURNING id::text, xmax = 0`, sc.TenantID, sc.ReviewID, areaID, sc.UserID).Scan(&id, &made)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, apperr.NotFound("Letter not found")
	}
	if err != nil {
		return "", false, fmt.Errorf("letter: start: %w", db.MapError(err))
	}
	if made {
		if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.started",
			ObjectType: "letter", ObjectID: id, After: map[string]any{"review_id": sc.ReviewID, "area_id": areaID}}); err != nil {
			return "", false, err
		}
	}
	return id, made, nil
}

// Start starts the letter of an area. Starting it again (a second press) changes nothing and
// says so.
func Start(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (bool, error) {
	var made bool
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		_, made, err = ensure(ctx, tx, sc, areaID)
		return err
	})
	return made, err
}

// TemplateResult is the template page after a save that did not happen.
type TemplateResult struct {
	ReviewTitle string
	Current     Template // as stored now
	Errors      *form.Errors
	Conflict    bool
}

// ReadTemplate reads the review's template page.
func ReadTemplate(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (string, Template, error) {
	var title string
	var t Template
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		title, t, err = loadTemplate(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return title, t, err
}

// SaveTemplate writes the review's letter template from the version the lead saw (0 for the
// defaults). Refused input gives a *form.Refused, a stale version apperr.Conflict; either way the
// result holds the template as stored.
func SaveTemplate(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in Template) (TemplateResult, error) {
	in.Opening, in.Closing, in.Signatories = trimmed(in.Opening), trimmed(in.Closing), trimmed(in.Signatories)
	errs := &form.Errors{}
	if in.Opening == "" {
		errs.Add("opening", "Enter the opening of the letters")
	} else if utf8.RuneCountInString(in.Opening) > 10000 {
		errs.Add("opening", "The opening must be 10,000 characters or fewer")
	}
	if in.Closing == "" {
		errs.Add("closing", "Enter the closing of the letters")
	} else if utf8.RuneCountInString(in.Closing) > 10000 {
		errs.Add("closing", "The closing must be 10,000 characters or fewer")
	}
	if in.Signatories == "" {
		errs.Add("signatories", "Enter who signs the letters")
	} else if utf8.RuneCountInString(in.Signatories) > 2000 {
		errs.Add("signatories", "The signatories must be 2,000 characters or fewer")
	}
	var res TemplateResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		// The review's row is locked so that two first saves cannot both insert.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, sc.TenantID, sc.ReviewID); err != nil {
			return fmt.Errorf("letter: template: lock: %w", err)
		}
		title, cur, err := loadTemplate(ctx, tx, sc.TenantID, sc.ReviewID)
		res.ReviewTitle, res.Current = title, cur
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			res.Conflict = true
			return apperr.Conflict("Someone else changed the letter template after you opened it")
		}
		if errs.Any() {
			res.Errors = errs
			return &form.Refused{Errors: errs}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO letter_templates (tenant_id, review_id, opening, closing, signatories, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant_id, review_id) DO UPDATE SET opening = EXCLUDED.opening, closing = EXCLUDED.closing,
				signatories = EXCLUDED.signatories, updated_by = EXCLUDED.updated_by, updated_at = now(),
				version = letter_templates.version + 1`,
			sc.TenantID, sc.ReviewID, in.Opening, in.Closing, in.Signatories, sc.UserID); err != nil {
			return fmt.Errorf("letter: template: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.template_saved",
			ObjectType: "review", ObjectID: sc.ReviewID,
			Before: map[string]any{"opening": cur.Opening, "closing": cur.Closing, "signatories": cur.Signatories},
			After:  map[string]any{"opening": in.Opening, "closing": in.Closing, "signatories": in.Signatories}})
	})
	return res, err
}

// SectionResult is what the section page shows after a save: the letter, the section's text as
// stored and, for a conflict, the text someone else saved.
type SectionResult struct {
	Built
	Key      string
	Title    string
	Current  Authored
	Conflict bool
}

// ReadSection reads the authoring page of a section, with the area's evidence beside it.
func ReadSection(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, key string) (SectionResult, error) {
	var res SectionResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		res, err = sectionTx(ctx, tx, sc, areaID, key)
		return err
	})
	return res, err
}

func sectionTx(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID, key string) (SectionResult, error) {
	b, err := buildTx(ctx, tx, sc, areaID, PageOptions{WithEvidence: true})
	if err != nil {
		return SectionResult{}, err
	}
	title := b.Data.SectionTitle(key)
	if !ValidKey(key) || title == "" {
		return SectionResult{}, apperr.NotFound("Letter section not found")
	}
	cur := b.Texts[key]
	cur.Key = key
	return SectionResult{Built: b, Key: key, Title: title, Current: cur}, nil
}

// SaveSection writes an authored section of an area's letter from the version the lead saw (0
// for a section never written), starting the letter if need be. A signed-off letter refuses
// it; a stale version gives apperr.Conflict with the stored text in the result.
func SaveSection(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, key, body string, version int) (SectionResult, error) {
	body = trimmed(body)
	var res SectionResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		id, _, err := ensure(ctx, tx, sc, areaID)
		if err != nil {
			return err
		}
		if res, err = sectionTx(ctx, tx, sc, areaID, key); err != nil {
			return err
		}
		if res.State.Locked() {
			return apperr.Forbidden("The letter is signed off and can no longer be changed: reopen it first")
		}
		if res.Current.Version != version {
			res.Conflict = true
			return apperr.Conflict("Someone else changed this section after you opened it")
		}
		if utf8.RuneCountInString(body) > MaxText {
			return form.Refuse("body", "The text must be 50,000 characters or fewer")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO letter_texts (tenant_id, letter_id, key, body, updated_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, letter_id, key) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by,
				updated_at = now(), version = letter_texts.version + 1
			WHERE letter_texts.version = $6`, sc.TenantID, id, key, body, sc.UserID, version)
		if err != nil {
			return fmt.Errorf("letter: save text: %w", db.MapError(err))
		}
		if tag.RowsAffected() != 1 {
			res.Conflict = true
			return apperr.Conflict("Someone else changed this section after you opened it")
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.text_saved",
			ObjectType: "letter", ObjectID: id, Before: map[string]any{"key": key, "body": res.Current.Body},
			After: map[string]any{"key": key, "body": body}})
	})
	return res, err
}

// saveVersion saves the letter as built now as its next version, audited. The caller holds the
// letter's row lock (ensure).
func saveVersion(ctx context.Context, tx pgx.Tx, sc db.Scope, letterID, label string, d *report.Doc) (int, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return 0, fmt.Errorf("letter: save version: %w", err)
	}
	var n int
	err = tx.QueryRow(ctx, `INSERT INTO letter_versions (tenant_id, letter_id, number, label, doc, created_by)
		VALUES ($1, $2, (SELECT coalesce(max(number), 0) + 1 FROM letter_versions WHERE tenant_id = $1 AND letter_id = $2), $3, $4, $5)
		RETURNING number`, sc.TenantID, letterID, strings.TrimSpace(label), body, sc.UserID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("letter: save version: %w", db.MapError(err))
	}
	return n, audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.version_saved",
		ObjectType: "letter", ObjectID: letterID, After: map[string]any{"number": n, "label": strings.TrimSpace(label)}})
}

// SaveNamedVersion saves the letter as built now as its next version with the lead's label.
func SaveNamedVersion(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, label string) (int, error) {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > 200 {
		return 0, form.Refuse("label", "The label must be 200 characters or fewer")
	}
	var n int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		id, _, err := ensure(ctx, tx, sc, areaID)
		if err != nil {
			return err
		}
		b, err := buildTx(ctx, tx, sc, areaID, PageOptions{})
		if err != nil {
			return err
		}
		n, err = saveVersion(ctx, tx, sc, id, label, &b.Doc)
		return err
	})
	return n, err
}

// VersionsPage is the versions page: the letter's state and its saved versions.
type VersionsPage struct {
	ReviewTitle, AreaName string
	State                 State
	Versions              []Version
}

// ReadVersions reads the versions page of an area's letter.
func ReadVersions(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (VersionsPage, error) {
	var p VersionsPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		l, err := load(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		p.ReviewTitle, p.AreaName, p.State = l.Data.ReviewTitle, l.Data.AreaName, l.State
		p.Versions, err = versions(ctx, tx, sc.TenantID, l.State.ID)
		return err
	})
	return p, err
}

// ReadVersion reads one saved version of an area's letter, with the review's title.
func ReadVersion(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, number int) (Version, string, error) {
	var v Version
	var title string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		v, title, err = loadVersion(ctx, tx, sc.TenantID, sc.ReviewID, areaID, number)
		return err
	})
	return v, title, err
}

// ExportDoc is the letter to download: the signed-off version, exactly as signed off, while the
// letter is signed off, else the letter as built now.
func ExportDoc(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (*report.Doc, error) {
	b, err := Read(ctx, pool, sc, areaID, PageOptions{})
	if err != nil {
		return nil, err
	}
	if b.SignedOff != nil {
		return b.SignedOff, nil
	}
	return &b.Doc, nil
}

// KeepResult is what keeping a hit did.
type KeepResult struct {
	Built
	Kept   *report.Hit // nil when the hit is no longer in the letter
	Errors *form.Errors
}

// Keep keeps a hit of the letter's check with a reason ("letter.check_overridden"). A hit no
// longer in the letter is nothing to keep (Kept nil); a missing reason gives Errors, with the
// letter built with its check for the page.
func Keep(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, key, reason string) (KeepResult, error) {
	reason = strings.TrimSpace(reason)
	var res KeepResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		id, _, err := ensure(ctx, tx, sc, areaID)
		if err != nil {
			return err
		}
		if res.Built, err = buildTx(ctx, tx, sc, areaID, PageOptions{WithCheck: true}); err != nil {
			return err
		}
		if res.State.Locked() {
			return apperr.Forbidden("The letter is signed off and can no longer be changed: reopen it first")
		}
		for _, h := range res.Hits() {
			if h.Key == key {
				h := h
				res.Kept = &h
			}
		}
		if res.Kept == nil {
			return nil
		}
		res.Errors = &form.Errors{}
		switch {
		case reason == "":
			res.Errors.Add("reason-"+key, "Give a reason for keeping this in the letter")
		case utf8.RuneCountInString(reason) > 1000:
			res.Errors.Add("reason-"+key, "The reason must be 1,000 characters or fewer")
		}
		if res.Errors.Any() {
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO letter_overrides (tenant_id, letter_id, hit_key, term, reason, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, sc.TenantID, id, key, res.Kept.Term, reason, sc.UserID)
		if err != nil {
			return fmt.Errorf("letter: override: %w", db.MapError(err))
		}
		if tag.RowsAffected() == 0 {
			return nil // kept already
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.check_overridden",
			ObjectType: "letter", ObjectID: id,
			After: map[string]any{"key": key, "kind": res.Kept.Kind, "term": res.Kept.Term, "reason": reason}})
	})
	return res, err
}

// StepError is a step the sign-off refuses, with the reason to show.
type StepError struct {
	Message string
	Field   string // "note" when the note is at fault, else ""
}

func (e *StepError) Error() string { return e.Message }

// Unwrap makes a refused step a 422.
func (e *StepError) Unwrap() error { return apperr.Invalid("%s", e.Message) }

// MaxStepNote is the longest note a step takes, in characters.
const MaxStepNote = 2000

// StepResult is what a step did: the letter built now when the step was refused.
type StepResult struct {
	Built    *Built
	Version  int  // the version the step saved, or 0
	Repeated bool // the step was taken already (sent twice)
}

// TakeStep takes a step of a letter's sign-off from the state the lead saw (version). Sending
// for sign-off and signing off save a version; signing off needs nothing blocking in the check
// and records the version signed off, which the letter's downloads then give.
func TakeStep(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, to, note string, version int) (StepResult, error) {
	note = strings.TrimSpace(note)
	var res StepResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		id, made, err := ensure(ctx, tx, sc, areaID)
		if err != nil {
			return err
		}
		b, err := buildTx(ctx, tx, sc, areaID, PageOptions{WithCheck: true})
		if err != nil {
			return err
		}
		res.Built = &b
		cur := b.State
		if made && version == 0 {
			version = cur.Version // a letter not started when the page was read: started now
		}
		if cur.Version != version {
			if cur.Status == to {
				res.Repeated = true
				return nil
			}
			return apperr.Conflict("Someone else moved the letter on after you opened this page")
		}
		var step *report.Step
		for _, st := range Allowed(cur, sc.UserID) {
			if st.To == to {
				st := st
				step = &st
			}
		}
		if step == nil {
			msg := "That step cannot be taken from here"
			for _, st := range Steps {
				if st.From == cur.Status && st.To == to && st.ByQA {
					msg = "Another lead must take this step: you sent the letter for sign-off"
				}
			}
			return &StepError{Message: msg}
		}
		if step.NeedNote && note == "" {
			return &StepError{Message: "Say why", Field: "note"}
		}
		if utf8.RuneCountInString(note) > MaxStepNote {
			return &StepError{Message: "The note must be 2,000 characters or fewer", Field: "note"}
		}
		if to == StatusSignedOff {
			if n := b.Blocking(); n > 0 {
				what := strconv.Itoa(n) + " things"
				if n == 1 {
					what = "1 thing"
				}
				return &StepError{Message: "The letter cannot be signed off: the publication check found " + what +
					" to fix or keep with a reason first."}
			}
		}
		if label, ok := stepLabels[to]; ok {
			if res.Version, err = saveVersion(ctx, tx, sc, id, label, &b.Doc); err != nil {
				return err
			}
		}
		var signed *int
		if to == StatusSignedOff {
			signed = &res.Version
		}
		if _, err := tx.Exec(ctx, `UPDATE letters SET status = $3, status_note = $4, status_by = $5, status_at = now(),
				signed_off_version = $6, version = version + 1 WHERE tenant_id = $1 AND id = $2`,
			sc.TenantID, id, to, note, sc.UserID, signed); err != nil {
			return fmt.Errorf("letter: step: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.status_changed",
			ObjectType: "letter", ObjectID: id, Before: map[string]any{"status": cur.Status},
			After: map[string]any{"status": to, "note": note, "version": res.Version}})
	})
	return res, err
}
