package finding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/text"
)

// NoteMessage is the refusal for a note that cannot be linked: another review's, deleted, a
// safeguarding concern, or made up.
const NoteMessage = "Choose notes from this review’s evidence"

// Link links notes to a finding with a stance (a note already linked changes stance). Every note
// must be a live note of the same review.
func Link(ctx context.Context, tx pgx.Tx, tenantID, reviewID, findingID, stance string, noteIDs []string) error {
	_, _, _, err := linkAudited(ctx, tx, tenantID, reviewID, findingID, stance, noteIDs, nil)
	return err
}

// linkAudited is Link writing the audit entry entry makes of the finding (e nil: none) with the
// links, in two statements (three for a finding's first supporting notes, whose prevalence is
// confirmed after the links' counts are kept). The finding answered carries its id and action
// area, also when the link is refused, with the review's scale; written says whether anything
// was written before a refusal (the notes are checked with the lock, so only a note deleted in
// between is refused after the insert).
func linkAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, findingID, stance string, noteIDs []string,
	entry func(f Finding) audit.Event) (f Finding, scale Scale, written bool, err error) {
	if stance != Supports && stance != Contradicts {
		return Finding{}, nil, false, apperr.Invalid("finding: unknown stance %q", stance)
	}
	if !db.ValidUUID(findingID) {
		return Finding{}, nil, false, apperr.NotFound("finding")
	}
	ids := make([]string, 0, len(noteIDs))
	valid := true
	for _, id := range noteIDs {
		if !db.ValidUUID(id) {
			valid = false
			continue
		}
		ids = append(ids, id)
	}
	ids = text.DedupeIDs(ids)
	// A finding with no supporting link yet whose words were never confirmed at more than no
	// area gets its first evidence: the areas it brings are what the lead sees, not a change.
	// The review's stage, its scale and the notes that can be linked are read in the same
	// statement.
	var first bool
	var stage []string
	var raw []byte
	var live int
	err = tx.QueryRow(ctx, `SELECT f.id::text, f.action_area_id::text, f.confirmed_areas = 0 AND NOT EXISTS (SELECT 1 FROM finding_notes fn
			WHERE fn.tenant_id = f.tenant_id AND fn.finding_id = f.id AND fn.stance = 'supports'), `+review.StageColumn+`, `+scaleJSON+`,
			(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = ANY($4::uuid[]) AND `+liveNote+`)
		FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = $3 FOR UPDATE OF f`,
		tenantID, reviewID, findingID, ids).Scan(&f.ID, &f.ActionAreaID, &first, &stage, &raw, &live)
	if errors.Is(err, pgx.ErrNoRows) {
		return Finding{}, nil, false, apperr.NotFound("finding")
	}
	if err != nil {
		return Finding{}, nil, false, fmt.Errorf("finding: link: %w", err)
	}
	if scale, err = scaleOf(ctx, tx, tenantID, reviewID, raw); err != nil {
		return f, nil, false, err
	}
	if !valid {
		return f, scale, false, refuseNotes()
	}
	if len(ids) == 0 {
		errs := &form.Errors{}
		errs.Add("notes", "Select at least one note")
		return f, scale, false, &Refused{errs}
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return f, scale, false, err
	}
	if live != len(ids) {
		return f, scale, false, refuseNotes()
	}
	args := []any{tenantID, reviewID, f.ID, stance, ids}
	sql := `INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
		SELECT $1, $3, n.id, $4 FROM evidence_notes n
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = ANY($5::uuid[]) AND ` + liveNote + `
		ON CONFLICT (tenant_id, finding_id, note_id) DO UPDATE SET stance = EXCLUDED.stance
		RETURNING 1`
	if entry != nil {
		var audited string
		if audited, args, err = audit.Insert(ctx, entry(f), args); err != nil {
			return f, scale, false, err
		}
		// The entry is written whatever the count: a refusal below rolls it back with the links.
		sql = `WITH linked AS (` + sql + `), entry AS (` + audited + `) SELECT count(*) FROM linked`
	} else {
		sql = `WITH linked AS (` + sql + `) SELECT count(*) FROM linked`
	}
	var n int
	if err := tx.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return f, scale, true, fmt.Errorf("finding: link: %w", err)
	}
	if n != len(ids) {
		return f, scale, true, refuseNotes()
	}
	if first && stance == Supports {
		return f, scale, true, confirm(ctx, tx, tenantID, reviewID, f.ID)
	}
	return f, scale, true, nil
}

func refuseNotes() error {
	errs := &form.Errors{}
	errs.Add("notes", NoteMessage)
	return &Refused{errs}
}

// Unlink removes a note from a finding; it reports whether it was linked.
func Unlink(ctx context.Context, tx pgx.Tx, tenantID, reviewID, findingID, noteID string) (bool, error) {
	if !db.ValidUUID(findingID) || !db.ValidUUID(noteID) {
		return false, apperr.NotFound("note")
	}
	// One statement removes the link and reads the review's stage (the removal is undone with
	// the transaction if the stage refuses it).
	var removed int
	var stage []string
	err := tx.QueryRow(ctx, `WITH gone AS (DELETE FROM finding_notes fn USING findings f
			WHERE fn.tenant_id = $1 AND fn.finding_id = $3 AND fn.note_id = $4
				AND f.tenant_id = $1 AND f.id = fn.finding_id AND f.review_id = $2 RETURNING 1)
		SELECT (SELECT count(*) FROM gone), `+review.StageColumn, tenantID, reviewID, findingID, noteID).Scan(&removed, &stage)
	if err != nil {
		return false, fmt.Errorf("finding: unlink: %w", err)
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return false, err
	}
	return removed == 1, nil
}

// LinkedNote is a note linked to a finding, as the finding's page lists it.
type LinkedNote struct {
	NoteID     string
	Stance     string
	AreaID     string
	AreaName   string // the area's name, for the report's trail and check
	AreaLabel  string // how synthesis names it: its pseudonym while the review shows them
	NoteDate   time.Time
	Body       string // the note's first 300 characters
	Judgement  string
	Tagged     bool // still tagged to the finding's action area
	Deleted    bool
	Concern    bool // marked a safeguarding concern since it was linked
	SourceName string
}

// Counts reports whether the note counts towards the finding's prevalence.
func (n LinkedNote) Counts() bool {
	return n.Stance == Supports && n.Tagged && !n.Deleted && !n.Concern
}

// Notes lists the notes linked to the findings given (all of a review's when ids is nil), by
// finding id, supporting notes first, in one query.
func Notes(ctx context.Context, q db.Querier, tenantID, reviewID string, ids []string) (map[string][]LinkedNote, error) {
	rows, err := q.Query(ctx, `SELECT fn.finding_id::text, n.id::text, fn.stance, n.area_id::text, la.display_name, `+review.AreaLabel+`, n.note_date,
			left(n.body, 300), n.judgement, n.deleted_at IS NOT NULL, n.safeguarding, s.name,
			EXISTS (SELECT 1 FROM evidence_note_action_areas x
				WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = f.action_area_id)
		FROM finding_notes fn
		JOIN findings f ON f.tenant_id = fn.tenant_id AND f.id = fn.finding_id
		JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id
		JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		JOIN evidence_sources s ON s.tenant_id = n.tenant_id AND s.id = n.source_id
		WHERE fn.tenant_id = $1 AND f.review_id = $2 AND ($3::uuid[] IS NULL OR fn.finding_id = ANY($3::uuid[]))
		ORDER BY fn.finding_id, fn.stance DESC, la.display_name, n.note_date, n.id`, tenantID, reviewID, ids)
	// (300 characters keep the sort in memory when a report's findings link tens of thousands of notes.)
	if err != nil {
		return nil, fmt.Errorf("finding: linked notes: %w", err)
	}
	out := map[string][]LinkedNote{}
	for rows.Next() {
		var fid string
		var n LinkedNote
		if err := rows.Scan(&fid, &n.NoteID, &n.Stance, &n.AreaID, &n.AreaName, &n.AreaLabel, &n.NoteDate, &n.Body, &n.Judgement,
			&n.Deleted, &n.Concern, &n.SourceName, &n.Tagged); err != nil {
			return nil, fmt.Errorf("finding: linked notes: %w", err)
		}
		out[fid] = append(out[fid], n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding: linked notes: %w", err)
	}
	return out, nil
}
