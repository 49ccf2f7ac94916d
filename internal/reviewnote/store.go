package reviewnote

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/text"
)

const expiredForm = "The form could not be read. Go back, reload the page and try again."

// noteCols are a note's columns with the names of the people in it, read from review_notes n.
const noteCols = `n.id::text, n.review_id::text, n.number, n.target_kind, coalesce(n.section_key, ''),
	coalesce(n.finding_id, n.example_id, n.recommendation_id)::text, n.target_label, n.body, n.status,
	n.raised_by::text, ru.name, n.raised_at, coalesce(n.addressed_by::text, ''), coalesce(au.name, ''),
	coalesce(n.cleared_by::text, ''), coalesce(cu.name, ''), n.version,
	(SELECT count(*) FROM review_note_replies x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id)`

const noteFrom = `FROM review_notes n
	JOIN users ru ON ru.id = n.raised_by
	LEFT JOIN users au ON au.id = n.addressed_by
	LEFT JOIN users cu ON cu.id = n.cleared_by`

func scanNote(r pgx.Row, extra ...any) (Note, error) {
	var n Note
	var id *string
	dest := append([]any{&n.ID, &n.ReviewID, &n.Number, &n.Target.Kind, &n.Target.Key, &id, &n.TargetLabel, &n.Body,
		&n.Status, &n.RaisedBy, &n.RaisedByName, &n.RaisedAt, &n.AddressedBy, &n.AddressedName, &n.ClearedBy,
		&n.ClearedName, &n.Version, &n.Replies}, extra...)
	err := r.Scan(dest...)
	if id != nil {
		n.Target.ID = *id
	}
	return n, err
}

// List reads the review's notes by number; with all false, only those not cleared.
func List(ctx context.Context, q db.Querier, tenantID, reviewID string, all bool) ([]Note, error) {
	rows, err := q.Query(ctx, `SELECT `+noteCols+` `+noteFrom+`
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND ($3 OR n.status <> 'cleared')
		ORDER BY n.number`, tenantID, reviewID, all)
	if err != nil {
		return nil, fmt.Errorf("reviewnote: list %s: %w", reviewID, err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, fmt.Errorf("reviewnote: list %s: %w", reviewID, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Counts are how many of a review's notes are in each state.
type Counts struct{ Open, Addressed, Cleared int }

// NotCleared is how many notes stop the report's approval.
func (c Counts) NotCleared() int { return c.Open + c.Addressed }

// Uncleared counts the notes that stop the report's approval. Approval (report.Move) calls it
// with the report's row locked, which raising a note takes too: no note can be raised between
// the count and the approval.
func Uncleared(ctx context.Context, q db.Querier, tenantID, reviewID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM review_notes WHERE tenant_id = $1 AND review_id = $2 AND status <> 'cleared'`,
		tenantID, reviewID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("reviewnote: uncleared %s: %w", reviewID, err)
	}
	return n, nil
}

// Get reads a note with its thread, oldest first, in one statement.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Note, error) {
	if !db.ValidUUID(id) {
		return Note{}, apperr.NotFound("Review note not found")
	}
	var thread []struct {
		Action, Body, By, Name string
		At                     time.Time
	}
	n, err := scanNote(q.QueryRow(ctx, `SELECT `+noteCols+`,
			(SELECT coalesce(json_agg(json_build_object('Action', x.action, 'Body', x.body, 'By', x.created_by, 'Name', u.name,
				'At', x.created_at) ORDER BY x.created_at, x.id), '[]')
			FROM review_note_replies x JOIN users u ON u.id = x.created_by
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id)
		`+noteFrom+` WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3`, tenantID, reviewID, id), &thread)
	if errors.Is(err, pgx.ErrNoRows) {
		return Note{}, apperr.NotFound("Review note not found")
	}
	if err != nil {
		return Note{}, fmt.Errorf("reviewnote: get %s: %w", id, err)
	}
	for _, t := range thread {
		n.Thread = append(n.Thread, Reply{Action: t.Action, Body: t.Body, By: t.By, ByName: t.Name, At: t.At})
	}
	return n, nil
}

// Raise adds a note to the review's report, with its audit entry. It is idempotent on in.Key: a
// double submission returns the first note's id and created=false. Refused input gives a
// *Refused; a note the rules do not allow now, apperr.Invalid with the reason.
func Raise(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, in RaiseInput) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid(expiredForm)
	}
	// The report's row, locked against approval (which counts the notes) and other raises (which
	// take the next number), and a note made with this key already.
	var rep Report
	var done *string
	err = tx.QueryRow(ctx, `SELECT r.status, coalesce(r.status_by::text, ''),
			(SELECT id::text FROM review_notes WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3)
		FROM reports r WHERE r.tenant_id = $1 AND r.review_id = $2 FOR UPDATE`, tenantID, reviewID, in.Key).Scan(&rep.Status, &rep.By, &done)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		rep.Status = "draft" // work on the report has not started: no note was raised either
	case err != nil:
		return "", false, fmt.Errorf("reviewnote: raise: %w", err)
	case done != nil:
		return *done, false, nil
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{errs}
	}
	if why := CanRaise(rep, actorID); why != "" {
		return "", false, apperr.Invalid("%s", why)
	}
	t, _ := ParseTarget(in.Target)
	label, err := targetLabel(ctx, tx, tenantID, reviewID, t)
	if err != nil {
		return "", false, err
	}
	var section, finding, example, rec any
	switch t.Kind {
	case KindSection:
		section = t.Key
	case KindFinding:
		finding = t.ID
	case KindExample:
		example = t.ID
	case KindRecommendation:
		rec = t.ID
	}
	body := strings.TrimSpace(in.Body)
	var number int
	err = tx.QueryRow(ctx, `INSERT INTO review_notes (tenant_id, review_id, number, target_kind, section_key, finding_id, example_id,
			recommendation_id, target_label, body, raised_by, idempotency_key)
		VALUES ($1, $2, (SELECT coalesce(max(number), 0) + 1 FROM review_notes WHERE tenant_id = $1 AND review_id = $2),
			$3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING id::text, number`, tenantID, reviewID, t.Kind, section, finding, example, rec, label, body, actorID, in.Key).
		Scan(&id, &number)
	if err != nil {
		return "", false, fmt.Errorf("reviewnote: raise: %w", db.MapError(err))
	}
	err = audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "review_note.raised",
		ObjectType: "review_note", ObjectID: id, After: map[string]any{"review": reviewID, "number": number,
			"target": t.String(), "target_label": label, "body": body}})
	return id, err == nil, err
}

// targetLabel names a target of the review as a note shows it, or refuses one the review does
// not have.
func targetLabel(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, t Target) (string, error) {
	if title, ok := fixedSections[t.Key]; ok && t.Kind == KindSection {
		return title, nil
	}
	var sql, prefix string
	id := t.ID
	switch t.Kind {
	case KindSection:
		kind, sid, _ := strings.Cut(t.Key, ":")
		id = sid
		if kind == "group" {
			sql = `SELECT title FROM framework_groups WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
		} else {
			sql = `SELECT title FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
		}
	case KindFinding:
		prefix, sql = "Finding: ", `SELECT body FROM findings WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
	case KindExample:
		prefix, sql = "Good practice example: ", `SELECT coalesce(nullif(title, ''), body) FROM practice_examples
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
	case KindRecommendation:
		sql = `SELECT 'Recommendation ' || position || ': ' || body FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
	}
	var label string
	err := tx.QueryRow(ctx, sql, tenantID, reviewID, id).Scan(&label)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", refuse("target", "Select the part of the report the note is about")
	}
	if err != nil {
		return "", fmt.Errorf("reviewnote: target %s: %w", t, err)
	}
	return text.Excerpt(prefix+label, 200), nil
}

// Step adds to a note's thread as actorID: a reply (ActionReply), or a step that moves the note
// (ActionAddressed, ActionCleared, ActionReopened) from the version the lead saw, with what they
// said. It records the audit entry and returns the note as it was before. It is idempotent on
// in.Key: a double submission does nothing and returns done=false. A step the rules do not allow
// gives apperr.Invalid with the reason; a stale version, apperr.Conflict; a missing reply, a
// *Refused.
func Step(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, action string, in StepInput) (before Note, done bool, err error) {
	what, ok := auditActions[action]
	if !ok {
		return Note{}, false, fmt.Errorf("reviewnote: unknown step %q", action)
	}
	if !db.ValidUUID(in.NoteID) {
		return Note{}, false, apperr.NotFound("Review note not found")
	}
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return Note{}, false, apperr.Invalid(expiredForm)
	}
	var reportStatus string
	var again bool
	before, err = scanNote(tx.QueryRow(ctx, `SELECT `+noteCols+`, coalesce(r.status, 'draft'),
			EXISTS (SELECT 1 FROM review_note_replies x WHERE x.tenant_id = n.tenant_id AND x.idempotency_key = $4)
		`+noteFrom+`
		LEFT JOIN reports r ON r.tenant_id = n.tenant_id AND r.review_id = n.review_id
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3
		FOR UPDATE OF n`, tenantID, reviewID, in.NoteID, in.Key), &reportStatus, &again)
	if errors.Is(err, pgx.ErrNoRows) {
		return Note{}, false, apperr.NotFound("Review note not found")
	}
	if err != nil {
		return Note{}, false, fmt.Errorf("reviewnote: %s %s: %w", action, in.NoteID, err)
	}
	if again {
		return before, false, nil
	}
	body := strings.TrimSpace(in.Body)
	if errs := in.Validate(action); errs.Any() {
		return before, false, &Refused{errs}
	}
	if reportStatus == reportPublished {
		return before, false, apperr.Invalid("The report is published: its review notes can no longer change")
	}
	if why := before.allowed(action, actorID); why != "" {
		return before, false, apperr.Invalid("%s", why)
	}
	after := map[string]any{"review": reviewID, "number": before.Number}
	if body != "" {
		after["body"] = body
	}
	var beforeAudit map[string]any
	insert := `INSERT INTO review_note_replies (tenant_id, note_id, action, body, created_by, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6)`
	args := []any{tenantID, before.ID, action, body, actorID, in.Key}
	if to, moves := statusAfter[action]; moves {
		if before.Version != in.Version {
			return before, false, apperr.Conflict("Someone else changed this review note after you opened it")
		}
		// The step and its thread entry in one statement.
		insert = `WITH moved AS (UPDATE review_notes SET status = $7,
				addressed_by = CASE WHEN $7 = 'addressed' THEN $5::uuid WHEN $7 = 'open' THEN NULL ELSE addressed_by END,
				addressed_at = CASE WHEN $7 = 'addressed' THEN now() WHEN $7 = 'open' THEN NULL ELSE addressed_at END,
				cleared_by = CASE WHEN $7 = 'cleared' THEN $5::uuid END,
				cleared_at = CASE WHEN $7 = 'cleared' THEN now() END,
				version = version + 1
			WHERE tenant_id = $1 AND id = $2 RETURNING id)
			INSERT INTO review_note_replies (tenant_id, note_id, action, body, created_by, idempotency_key)
			SELECT $1, id, $3, $4, $5, $6 FROM moved`
		args = append(args, to)
		beforeAudit, after["status"] = map[string]any{"status": before.Status}, to
	}
	tag, err := tx.Exec(ctx, insert, args...)
	if err != nil {
		return before, false, fmt.Errorf("reviewnote: %s %s: %w", action, before.ID, db.MapError(err))
	}
	if tag.RowsAffected() != 1 {
		return before, false, apperr.NotFound("Review note not found")
	}
	err = audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: what,
		ObjectType: "review_note", ObjectID: before.ID, Before: beforeAudit, After: after})
	return before, err == nil, err
}

// Name is how a note is called in headings and links: "Review note 3".
func (n Note) Name() string { return "Review note " + strconv.Itoa(n.Number) }
