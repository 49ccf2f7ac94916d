package finding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/register"
	"thematic/internal/review"
)

// The synthesis's commands and page queries: each opens its own transaction (db.InTx) for the
// scope it is given, checks and writes with its audit entry, and returns what the page needs.

// ActionAreaOf finds an action area of the framework; another review's is not found.
func ActionAreaOf(fw review.Framework, id string) (review.ActionArea, error) {
	for _, g := range fw.Groups {
		for _, aa := range g.Areas {
			if strings.EqualFold(aa.ID, id) {
				return aa, nil
			}
		}
	}
	return review.ActionArea{}, apperr.NotFound("Action area not found")
}

// Audit is what the audit log keeps of a finding: its words, and the lead's override of the
// scale with the reason.
func Audit(f Finding) map[string]any {
	return map[string]any{"action_area_id": f.ActionAreaID, "body": f.Body, "prevalence_style": f.Style,
		"word_override": f.WordOverride, "override_reason": f.OverrideReason, "areas": f.Areas, "visited": f.Visited,
		"words": f.Phrase()}
}

func validID(id string) error {
	if !db.ValidUUID(id) {
		return apperr.NotFound("Finding not found")
	}
	return nil
}

// Overview is the synthesis overview: the framework with each action area's notes, candidates
// and findings.
type Overview struct {
	Title     string
	Framework review.Framework
	Stats     map[string]AreaStat
	Findings  []Finding
	Visited   int
}

// OverviewPage reads the synthesis overview.
func OverviewPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Overview, error) {
	var o Overview
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if o.Title, o.Framework, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if o.Stats, err = AreaStats(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if o.Findings, err = ListCounted(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		// Each finding carries the number of areas visited; only a review without findings asks.
		if len(o.Findings) > 0 {
			o.Visited = o.Findings[0].Visited
		} else {
			o.Visited, err = Visited(ctx, tx, sc.TenantID, sc.ReviewID)
		}
		return err
	})
	return o, err
}

// Workspace is an action area's synthesis workspace: its findings and the evidence the filter
// selects (the action area fixed).
type Workspace struct {
	Title    string
	Area     review.ActionArea
	Query    url.Values // the filter as asked, without the action area
	Filter   evidence.Filter
	Errors   *form.Errors // the filter's
	Findings []Finding
	Visited  int
	Opts     evidence.FilterOptions
	Page     evidence.Page
}

// WorkspacePage reads the workspace of action area actionAreaID with the filter q.
func WorkspacePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, actionAreaID string, q url.Values) (Workspace, error) {
	var w Workspace
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		w, err = workspaceTx(ctx, tx, sc, actionAreaID, q, nil)
		return err
	})
	return w, err
}

// workspaceTx reads a workspace; findings, when not nil, are the action area's findings read
// already.
func workspaceTx(ctx context.Context, tx pgx.Tx, sc db.Scope, actionAreaID string, q url.Values, findings []Finding) (Workspace, error) {
	var w Workspace
	// The review's title comes with the filter's choices below, so the framework is read alone.
	fw, err := review.LoadFramework(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return w, err
	}
	if w.Area, err = ActionAreaOf(fw, actionAreaID); err != nil {
		return w, err
	}
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	c.Set("action-area", w.Area.ID)
	f, ferrs := evidence.ParseFilter(c)
	c.Del("action-area")
	w.Query, w.Filter, w.Errors = c, f, &form.Errors{}
	for _, fe := range ferrs.List() {
		w.Errors.Add(fe.Field, fe.Message)
	}
	if findings != nil {
		w.Findings = findings
	} else if w.Findings, err = List(ctx, tx, sc.TenantID, sc.ReviewID, w.Area.ID); err != nil {
		return w, err
	}
	// Each finding carries the number of areas visited; only a page without findings asks for it.
	if len(w.Findings) > 0 {
		w.Visited = w.Findings[0].Visited
	} else if w.Visited, err = Visited(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return w, err
	}
	if w.Opts, err = evidence.FilterChoices(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return w, err
	}
	w.Title = w.Opts.ReviewTitle
	if ferrs.Any() {
		return w, nil
	}
	w.Page, err = evidence.List(ctx, tx, sc.TenantID, sc.ReviewID, f)
	return w, err
}

// FormData is what the finding form shows besides what was typed.
type FormData struct {
	Title       string
	Area        review.ActionArea
	Scale       Scale
	Visited     int
	Current     *Finding // the finding edited; nil for a new one
	Pattern     *Pattern // the pattern a new finding is drafted from
	PatternGone bool     // the pattern asked for is no longer in the evidence
}

func formTx(ctx context.Context, tx pgx.Tx, sc db.Scope, actionAreaID string, cur *Finding, scale Scale, visited int) (FormData, error) {
	fd := FormData{Scale: scale, Visited: visited, Current: cur}
	title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return fd, err
	}
	fd.Title = title
	fd.Area, err = ActionAreaOf(fw, actionAreaID)
	return fd, err
}

func newFormTx(ctx context.Context, tx pgx.Tx, sc db.Scope, actionAreaID string, cur *Finding) (FormData, error) {
	scale, err := LoadScale(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return FormData{}, err
	}
	visited, err := Visited(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return FormData{}, err
	}
	return formTx(ctx, tx, sc, actionAreaID, cur, scale, visited)
}

// NewFormPage reads the form for a new finding of action area actionAreaID, drafted from the
// pattern named by key when there is one.
func NewFormPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, actionAreaID, key string) (FormData, error) {
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if fd, err = newFormTx(ctx, tx, sc, actionAreaID, nil); err != nil || key == "" {
			return err
		}
		ps, _, err := Patterns(ctx, tx, sc.TenantID, sc.ReviewID, fd.Area.ID, key)
		if len(ps) > 0 {
			fd.Pattern = &ps[0]
		}
		return err
	})
	return fd, err
}

// EditFormPage reads the form for finding id.
func EditFormPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (FormData, error) {
	if err := validID(id); err != nil {
		return FormData{}, err
	}
	var fd FormData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		f, scale, err := GetScaled(ctx, tx, sc.TenantID, sc.ReviewID, id)
		if err != nil {
			return err
		}
		fd, err = formTx(ctx, tx, sc, f.ActionAreaID, &f, scale, f.Visited)
		return err
	})
	return fd, err
}

// SaveResult is what saving the finding form did: the form's data to show again (with
// Errors, a preview, a *Refused or a *StaleError), or the finding saved.
type SaveResult struct {
	Form   FormData
	Errors *form.Errors // what was typed will not do (nothing saved)
	ID     string       // the finding saved; "" when nothing was
	Own    bool         // the finding says how widespread it is itself
}

// Add adds a finding to action area in.ActionAreaID, audited. With preview nothing is saved.
// Saving reads the form's data only when it is shown again.
func Add(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in Input, preview bool) (SaveResult, error) {
	var res SaveResult
	check := in
	errs := check.Validate()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if errs.Any() || preview {
			var err error
			res.Form, err = newFormTx(ctx, tx, sc, in.ActionAreaID, nil)
			res.Errors = errs
			if err != nil || in.Pattern == "" {
				return err
			}
			ps, _, err := Patterns(ctx, tx, sc.TenantID, sc.ReviewID, res.Form.Area.ID, in.Pattern)
			if len(ps) > 0 {
				res.Form.Pattern = &ps[0]
			}
			return err
		}
		var err error
		var fresh bool
		res.ID, res.Own, res.Form.Area.ID, fresh, err = addAudited(ctx, tx, sc, check)
		if err != nil || !fresh || in.Pattern == "" {
			return err
		}
		return linkPattern(ctx, tx, sc, res.ID, res.Form.Area.ID, in.Pattern)
	})
	var refused *Refused
	if errors.As(err, &refused) && res.ID != "" {
		// The pattern refused its notes: nothing was saved, the form is shown again.
		res.ID, res.Errors = "", refused.Errors
		res.Form, err = NewFormPage(ctx, pool, sc, in.ActionAreaID, in.Pattern)
		if res.Form.Pattern == nil {
			res.Form.PatternGone = true
		}
		return res, err
	}
	return res, err
}

// linkPattern links the notes behind pattern key, as they are now, to the new finding id of
// action area areaID as supporting notes, audited, in two statements: the pattern's read, then
// the links with their entry and the finding's confirmed areas (the pattern's areas are those its
// notes count towards, so the first evidence is not flagged as a change).
func linkPattern(ctx context.Context, tx pgx.Tx, sc db.Scope, id, areaID, key string) error {
	ps, _, err := Patterns(ctx, tx, sc.TenantID, sc.ReviewID, areaID, key)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		errs := &form.Errors{}
		errs.Add("body", "The notes behind this pattern have changed and it is no longer there. Copy your finding, then write it from the action area’s page")
		return &Refused{errs}
	}
	p := ps[0]
	args := []any{sc.TenantID, id, p.NoteIDs, p.Areas}
	entry, args, err := audit.Insert(ctx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
		Action: "finding.notes_linked", ObjectType: "finding", ObjectID: id,
		After: map[string]any{"stance": Supports, "notes": p.NoteIDs, "pattern": key}}, args)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `WITH linked AS (INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
			SELECT $1, $2, x, 'supports' FROM unnest($3::uuid[]) x RETURNING 1),
		confirmed AS (UPDATE findings SET confirmed_areas = $4 WHERE tenant_id = $1 AND id = $2),
		entry AS (`+entry+`)
		SELECT count(*) FROM linked`, args...).Scan(&n); err != nil {
		return fmt.Errorf("finding: link pattern: %w", err)
	}
	if n != len(p.NoteIDs) {
		return refuseNotes()
	}
	return nil
}

// addAudited writes finding in (validated) with its audit entry, in two statements: one reads the
// review's stage, the action area, a finding saved under the form's key already (a double submit
// answers it, unrecorded), the visited areas and the scale; one writes the finding and its entry.
// It answers the finding's id, whether it says how widespread it is itself, and its action area.
func addAudited(ctx context.Context, tx pgx.Tx, sc db.Scope, in Input) (id string, own bool, areaID string, fresh bool, err error) {
	if !db.ValidUUID(in.ActionAreaID) {
		return "", false, "", false, apperr.NotFound("Action area not found")
	}
	in.Key = strings.TrimSpace(in.Key)
	var stage []string
	var area, existing *string
	var visited int
	var raw []byte
	if err := tx.QueryRow(ctx, `SELECT `+review.StageColumn+`,
			(SELECT aa.id::text FROM action_areas aa WHERE aa.tenant_id = $1 AND aa.review_id = $2 AND aa.id = $3),
			(SELECT f.id::text FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.idempotency_key = $4),
			(SELECT count(*) FROM (`+visitedSQL+`) v), `+scaleJSON,
		sc.TenantID, sc.ReviewID, in.ActionAreaID, in.Key).Scan(&stage, &area, &existing, &visited, &raw); err != nil {
		return "", false, "", false, fmt.Errorf("finding: create: %w", err)
	}
	if area == nil {
		return "", false, "", false, apperr.NotFound("Action area not found")
	}
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, *area, false, apperr.Invalid("The form has expired. Copy your finding, reload the page and try again.")
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return "", false, *area, false, err
	}
	if existing != nil {
		return *existing, false, *area, false, nil
	}
	scale, err := scaleOf(ctx, tx, sc.TenantID, sc.ReviewID, raw)
	if err != nil {
		return "", false, *area, false, err
	}
	// A new finding has no links: no areas, so the scale gives no word.
	f := Finding{ActionAreaID: *area, Body: in.Body, Style: in.Style, WordOverride: in.WordOverride,
		OverrideReason: in.OverrideReason, Visited: visited, Quantifiers: scale.Quantifiers()}
	f.ScaleWord, _ = scale.Word(f.Areas, f.Visited)
	after, err := json.Marshal(Audit(f))
	if err != nil {
		return "", false, *area, false, fmt.Errorf("finding: create: %w", err)
	}
	args := []any{sc.TenantID, sc.ReviewID, *area, in.Body, in.Style, in.WordOverride, in.OverrideReason, in.Key, sc.UserID, after}
	entry, args := audit.EntryFrom(ctx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
		Action: "finding.created", ObjectType: "finding"}, args, "ins.id::text", "NULL::jsonb", "$10::jsonb", "ins")
	var made *string
	if err := tx.QueryRow(ctx, `WITH ins AS (INSERT INTO findings (tenant_id, review_id, action_area_id, position, body,
				prevalence_style, word_override, override_reason, idempotency_key, created_by)
			VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM findings WHERE tenant_id = $1 AND action_area_id = $3),
				$4, $5, $6, $7, $8, $9)
			ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id),
		entry AS (`+entry+`)
		SELECT (SELECT id::text FROM ins)`, args...).Scan(&made); err != nil {
		return "", false, *area, false, fmt.Errorf("finding: create: %w", db.MapError(err))
	}
	if made == nil {
		// The same form saved by another request that committed after this one's read.
		err := tx.QueryRow(ctx, `SELECT id::text FROM findings WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			sc.TenantID, sc.ReviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, *area, false, fmt.Errorf("finding: create: find by key: %w", err)
		}
		return id, false, *area, false, nil
	}
	return *made, f.OwnQuantifier(), *area, true, nil
}

// Change saves the form of finding id, from the version the lead saw, audited. With preview
// nothing is saved.
func Change(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, in Input, preview bool) (SaveResult, error) {
	if err := validID(id); err != nil {
		return SaveResult{}, err
	}
	var res SaveResult
	check := in
	errs := check.Validate()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if errs.Any() || preview {
			// The form again: with its errors, or as it would read.
			cur, err := Get(ctx, tx, sc.TenantID, sc.ReviewID, id)
			if err != nil {
				return err
			}
			res.Errors = errs
			res.Form, err = newFormTx(ctx, tx, sc, cur.ActionAreaID, &cur)
			return err
		}
		// Saved from its own form, a finding stays in its action area.
		before, after, scale, err := changeWords(ctx, tx, sc.TenantID, sc.ReviewID, id, in, func(before, after Finding) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "finding.updated",
				ObjectType: "finding", ObjectID: before.ID, Before: Audit(before), After: Audit(after)}
		})
		var stale *StaleError
		if errors.As(err, &stale) {
			// Not saved: the form's data is read before the transaction rolls back (the scale and
			// the visited areas came with the finding).
			cur := stale.Current
			var ferr error
			if res.Form, ferr = formTx(ctx, tx, sc, cur.ActionAreaID, &cur, scale, cur.Visited); ferr != nil {
				return ferr
			}
			return err
		}
		if err != nil {
			return err
		}
		res.ID, res.Own = before.ID, after.OwnQuantifier()
		res.Form = FormData{Scale: scale, Visited: before.Visited, Current: &before}
		return nil
	})
	return res, err
}

// Shown is a finding's page.
type Shown struct {
	Title   string
	Area    review.ActionArea
	Finding Finding
	Number  int
	Notes   []LinkedNote
	// FollowsUp are the earlier reviews' published recommendations the finding follows up.
	FollowsUp []register.Followed
}

// ShowPage reads finding id's page.
func ShowPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (Shown, error) {
	if err := validID(id); err != nil {
		return Shown{}, err
	}
	var v Shown
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		f, number, err := GetNumbered(ctx, tx, sc.TenantID, sc.ReviewID, id)
		if err != nil {
			return err
		}
		v.Finding, v.Number = f, number
		title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		v.Title = title
		if v.Area, err = ActionAreaOf(fw, f.ActionAreaID); err != nil {
			return err
		}
		notes, err := Notes(ctx, tx, sc.TenantID, sc.ReviewID, []string{f.ID})
		if err != nil {
			return err
		}
		v.Notes = notes[f.ID]
		v.FollowsUp, err = register.FollowedBy(ctx, tx, sc.TenantID, sc.UserID, f.ID)
		return err
	})
	return v, err
}

// Remove deletes finding id from the version the lead saw, audited; unless confirmed it only
// reads the question's page. Deleting reads no page: the answer is a redirect to the finding's
// action area.
func Remove(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, version int, confirmed bool) (Shown, error) {
	if err := validID(id); err != nil {
		return Shown{}, err
	}
	var v Shown
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if confirmed {
			before, err := deleteAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, version, func(before Finding) audit.Event {
				return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "finding.deleted",
					ObjectType: "finding", ObjectID: before.ID, Before: Audit(before)}
			})
			v.Finding, v.Area.ID = before, before.ActionAreaID
			return err
		}
		f, err := Get(ctx, tx, sc.TenantID, sc.ReviewID, id)
		if err != nil {
			return err
		}
		title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		v.Title, v.Finding = title, f
		v.Area, err = ActionAreaOf(fw, f.ActionAreaID)
		return err
	})
	return v, err
}

// Reorder moves finding id up (dir -1) or down (1) its action area, audited when it moved.
func Reorder(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, dir int) (Finding, error) {
	if err := validID(id); err != nil {
		return Finding{}, err
	}
	var f Finding
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		m, err := moveAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, dir, &audit.Event{TenantID: sc.TenantID,
			ActorID: sc.UserID, ActorEmail: sc.Email, Action: "finding.moved", ObjectType: "finding"})
		f.ID, f.ActionAreaID, f.Position = m.ID, m.ActionAreaID, m.To
		return err
	})
	return f, err
}

// ConfirmWords confirms finding id's words at the areas it has now, audited.
func ConfirmWords(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, version int) (Finding, error) {
	if err := validID(id); err != nil {
		return Finding{}, err
	}
	var f Finding
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		f, err = confirmAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, version, func(before Finding) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "finding.confirmed",
				ObjectType: "finding", ObjectID: before.ID, Before: map[string]int{"confirmed_areas": before.ConfirmedAreas},
				After: map[string]any{"confirmed_areas": before.Areas, "words": before.Phrase()}}
		})
		return err
	})
	return f, err
}

// StanceMessage is the refusal of a link without a stance.
const StanceMessage = "Choose whether the notes support the finding or cut against it"

// LinkResult is what linking notes did: the finding, and when refused (a *Refused) the
// workspace to show again.
type LinkResult struct {
	Finding   Finding
	Workspace *Workspace
}

// LinkNotes links notes to finding id with a stance, audited. A refusal gives a *Refused with
// the workspace of the finding's action area, read with the filter.
func LinkNotes(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id, stance string, noteIDs []string, filter url.Values) (LinkResult, error) {
	var res LinkResult
	if err := validID(id); err != nil {
		return res, err
	}
	var viewErr error
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if stance != Supports && stance != Contradicts {
			// Back to the workspace, read in this transaction with the finding and its neighbours.
			var beside []Finding
			if res.Finding, beside, err = ListBeside(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
				return err
			}
			errs := &form.Errors{}
			errs.Add("stance", StanceMessage)
			w, err := workspaceTx(ctx, tx, sc, res.Finding.ActionAreaID, filter, beside)
			res.Workspace, viewErr = &w, err
			return &Refused{Errors: errs}
		}
		var scale Scale
		var written bool
		res.Finding, scale, written, err = linkAudited(ctx, tx, sc.TenantID, sc.ReviewID, id, stance, noteIDs, func(f Finding) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "finding.notes_linked",
				ObjectType: "finding", ObjectID: f.ID, After: map[string]any{"stance": stance, "notes": noteIDs}}
		})
		var refused *Refused
		if errors.As(err, &refused) && !written {
			// Refused before anything was written: the workspace is read in this transaction,
			// with the scale read with the finding.
			fs, ferr := ListScaled(ctx, tx, sc.TenantID, sc.ReviewID, res.Finding.ActionAreaID, scale)
			if ferr != nil {
				viewErr = ferr
				return err
			}
			w, werr := workspaceTx(ctx, tx, sc, res.Finding.ActionAreaID, filter, fs)
			res.Workspace, viewErr = &w, werr
		}
		return err
	})
	var refused *Refused
	if errors.As(err, &refused) && res.Workspace == nil {
		// Refused by Link, whose writes are undone: the workspace is read again.
		w, err := WorkspacePage(ctx, pool, sc, res.Finding.ActionAreaID, filter)
		res.Workspace, viewErr = &w, err
	}
	if viewErr != nil {
		return res, viewErr
	}
	return res, err
}

// UnlinkNote removes a note from finding id, audited; removed is false when it was not linked.
func UnlinkNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id, noteID string) (f Finding, removed bool, err error) {
	if err := validID(id); err != nil {
		return Finding{}, false, err
	}
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if f, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return err
		}
		if removed, err = Unlink(ctx, tx, sc.TenantID, sc.ReviewID, f.ID, noteID); err != nil || !removed {
			return err
		}
		return audit.Change(ctx, tx, sc, "finding.note_unlinked", "finding", f.ID, map[string]string{"note": noteID}, nil)
	})
	return f, removed, err
}

// ScaleData is the quantifier scale's page.
type ScaleData struct {
	Title   string
	Scale   Scale
	Visited int
}

func scaleTx(ctx context.Context, tx pgx.Tx, sc db.Scope) (ScaleData, error) {
	var d ScaleData
	var err error
	if d.Title, _, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return d, err
	}
	if d.Scale, err = LoadScale(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return d, err
	}
	d.Visited, err = Visited(ctx, tx, sc.TenantID, sc.ReviewID)
	return d, err
}

// ScalePage reads the quantifier scale's page.
func ScalePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (ScaleData, error) {
	var d ScaleData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		d, err = scaleTx(ctx, tx, sc)
		return err
	})
	return d, err
}

// BandInput is one band of the scale's form as typed.
type BandInput struct {
	ID, Version           string
	Label, Percent, Areas string
}

// MaxBandLabel is the longest words of a band, in characters.
const MaxBandLabel = 60

// ScaleResult is the scale's form after saving: the page's data, the bands as typed (for the
// stored bands, in their order) and what refused them.
type ScaleResult struct {
	ScaleData
	Typed  Scale        // the bands as typed where they read as numbers, for the examples
	Rows   []BandInput  // the bands as typed, trimmed
	Errors *form.Errors // nothing was saved when any
}

// SaveScaleForm saves the lead's changes to the review's quantifier scale, audited. The form's
// bands must be the stored ones in their order (else apperr.Conflict); each band's words are
// 1 to MaxBandLabel characters, an ordinary band's share 0 to 100 and fewest areas 1 to 1,000.
func SaveScaleForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, rows []BandInput) (ScaleResult, error) {
	var res ScaleResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		stored, stage, err := lockScale(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		res.Scale = stored
		// The page's title and visited areas are read only when the form is shown again.
		page := func() error {
			var err error
			if res.Title, _, err = review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
				return err
			}
			res.Visited, err = Visited(ctx, tx, sc.TenantID, sc.ReviewID)
			return err
		}
		res.Errors = &form.Errors{}
		var bands []Band
		for i, stored := range res.Scale {
			if i >= len(rows) || rows[i].ID != stored.ID {
				return apperr.Conflict("The scale changed after you opened it. Reload the page and try again.")
			}
			row := rows[i]
			version, verr := strconv.Atoi(row.Version)
			if verr != nil {
				return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
			}
			n := strconv.Itoa(i + 1)
			b := Band{ID: stored.ID, Special: stored.Special, Version: version, MinAreas: 1}
			row.Label = strings.TrimSpace(row.Label)
			b.Label = row.Label
			switch {
			case row.Label == "":
				res.Errors.Add(fmt.Sprintf("band-%d-label", i), "Enter the words for band "+n)
			case len([]rune(row.Label)) > MaxBandLabel:
				res.Errors.Add(fmt.Sprintf("band-%d-label", i), "The words for band "+n+" must be 60 characters or fewer")
			}
			if stored.Special == "" {
				row.Percent, row.Areas = strings.TrimSpace(row.Percent), strings.TrimSpace(row.Areas)
				p, perr := strconv.Atoi(row.Percent)
				if perr != nil || p < 0 || p > 100 {
					res.Errors.Add(fmt.Sprintf("band-%d-percent", i), "The share for band "+n+" must be a whole number from 0 to 100")
				}
				a, aerr := strconv.Atoi(row.Areas)
				if aerr != nil || a < 1 || a > 1000 {
					res.Errors.Add(fmt.Sprintf("band-%d-areas", i), "The fewest areas for band "+n+" must be a whole number from 1 to 1,000")
				}
				b.MinPercent, b.MinAreas = p, a
			} else {
				b.MinPercent, b.MinAreas = stored.MinPercent, stored.MinAreas
				row.Percent, row.Areas = strconv.Itoa(stored.MinPercent), strconv.Itoa(stored.MinAreas)
			}
			res.Rows = append(res.Rows, row)
			p, _ := strconv.Atoi(row.Percent)
			a, _ := strconv.Atoi(row.Areas)
			res.Typed = append(res.Typed, Band{Label: row.Label, Special: stored.Special, MinPercent: p, MinAreas: a})
			bands = append(bands, b)
		}
		if res.Errors.Any() {
			return page()
		}
		if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
			return err
		}
		next, err := nextScale(stored, bands)
		var refused *Refused
		if errors.As(err, &refused) {
			if perr := page(); perr != nil {
				return perr
			}
		}
		if err != nil {
			return err
		}
		return saveScaleAudited(ctx, tx, sc.TenantID, sc.ReviewID, stored, next, audit.Event{TenantID: sc.TenantID,
			ActorID: sc.UserID, ActorEmail: sc.Email, Action: "quantifier_scale.updated", ObjectType: "review"})
	})
	return res, err
}

func scaleAudit(s Scale) []map[string]any {
	out := make([]map[string]any, len(s))
	for i, b := range s {
		out[i] = map[string]any{"label": b.Label, "special": b.Special, "min_percent": b.MinPercent, "min_areas": b.MinAreas}
	}
	return out
}
