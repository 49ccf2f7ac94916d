package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/text"
)

// Refused is input the database shows to be wrong (an action area of another review, a date
// outside the visit): field messages for the form, nothing saved. It unwraps to apperr.Invalid.
type Refused struct {
	Errors *form.Errors
	Found  []Finding // personal data found in the text, when that is why
}

func (r *Refused) Error() string {
	if l := r.Errors.List(); len(l) > 0 {
		return l[0].Message
	}
	return "The note was refused"
}

func (r *Refused) Unwrap() error { return apperr.Invalid("%s", r.Error()) }

// StaleError says the note changed since the editor opened it; Current is the note as it is now,
// for a page that shows both versions. It unwraps to apperr.Conflict.
type StaleError struct {
	Current Note
}

// StaleMessage is shown when an edit started from an old version.
const StaleMessage = "Someone else changed this note since you opened it"

func (e *StaleError) Error() string { return StaleMessage }
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

const noteColumns = `n.id, n.review_id, n.visit_id, n.area_id, n.author_id, n.source_id, coalesce(n.role_id::text, ''),
	n.note_date, n.body, n.judgement, n.good_practice, n.family_words, n.safeguarding, n.version,
	n.deleted_at, n.purged_at, coalesce(n.locked_at, (SELECT r.evidence_locked_at FROM reviews r WHERE r.tenant_id = n.tenant_id AND r.id = n.review_id)),
	n.created_at, n.updated_at,
	coalesce((SELECT array_agg(a.action_area_id::text ORDER BY aa.position) FROM evidence_note_action_areas a
		JOIN action_areas aa ON aa.tenant_id = a.tenant_id AND aa.id = a.action_area_id
		WHERE a.tenant_id = n.tenant_id AND a.note_id = n.id), '{}'),
	coalesce((SELECT array_agg(l.line_id::text ORDER BY el.position) FROM evidence_note_lines l
		JOIN enquiry_lines el ON el.tenant_id = l.tenant_id AND el.id = l.line_id
		WHERE l.tenant_id = n.tenant_id AND l.note_id = n.id), '{}'),
	coalesce((SELECT array_agg(t.name ORDER BY lower(t.name)) FROM evidence_note_tags nt
		JOIN evidence_tags t ON t.tenant_id = nt.tenant_id AND t.id = nt.tag_id
		WHERE nt.tenant_id = n.tenant_id AND nt.note_id = n.id), '{}'),
	coalesce((SELECT array_agg(nd.document_id::text ORDER BY nd.document_id) FROM evidence_note_documents nd
		WHERE nd.tenant_id = n.tenant_id AND nd.note_id = n.id), '{}')`

// scanNote reads noteColumns, then any extra columns that follow them.
func scanNote(row pgx.Row, extra ...any) (Note, error) {
	var n Note
	err := row.Scan(append([]any{&n.ID, &n.ReviewID, &n.VisitID, &n.AreaID, &n.AuthorID, &n.SourceID, &n.RoleID,
		&n.NoteDate, &n.Body, &n.Judgement, &n.GoodPractice, &n.FamilyWords, &n.Safeguarding, &n.Version,
		&n.DeletedAt, &n.PurgedAt, &n.LockedAt, &n.CreatedAt, &n.UpdatedAt, &n.ActionAreas, &n.Lines, &n.Tags, &n.Documents}, extra...)...)
	return n, err
}

// Get returns a note of the review with its action areas, lines and tags, in one query. A deleted
// note is not found unless withDeleted.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string, withDeleted bool) (Note, error) {
	return getNote(ctx, q, tenantID, reviewID, noteID, withDeleted, "")
}

func getNote(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string, withDeleted bool, lock string) (Note, error) {
	if !db.ValidUUID(noteID) {
		return Note{}, apperr.NotFound("Note not found")
	}
	n, err := scanNote(q.QueryRow(ctx, `SELECT `+noteColumns+` FROM evidence_notes n
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3 AND ($4 OR n.deleted_at IS NULL) `+lock,
		tenantID, reviewID, noteID, withDeleted))
	if errors.Is(err, pgx.ErrNoRows) {
		return Note{}, apperr.NotFound("Note not found")
	}
	if err != nil {
		return Note{}, fmt.Errorf("evidence: get note %s: %w", noteID, err)
	}
	return n, nil
}

// checked is what the checks learnt from the database about valid input.
type checked struct {
	areaID string
	roleID *string
}

// DocumentsMessage is the field error for a cited document that is not one of the area's
// available documents (another area's or review's, deleted, not yet scanned, or made up).
func DocumentsMessage(areaName string) string { return "Choose documents sent by " + areaName }

// byKey finds the note authorID saved under key: keys are unique per author, so that no one can
// reach another's note, or have their own dropped, by sending that author's key.
func byKey(ctx context.Context, q db.Querier, tenantID, reviewID, authorID, key string) (string, error) {
	var id, rid string
	err := q.QueryRow(ctx, `SELECT id::text, review_id::text FROM evidence_notes
		WHERE tenant_id = $1 AND author_id = $2 AND idempotency_key = $3`, tenantID, authorID, key).Scan(&id, &rid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("evidence: find note by key: %w", err)
	}
	if rid != reviewID {
		return "", apperr.Conflict("The form has expired. Copy your note, reload the page and try again.")
	}
	return id, nil
}

// fields are a note's own fields as the audit log keeps them.
func fields(n Note) map[string]any {
	return map[string]any{
		"visit_id": n.VisitID, "source_id": n.SourceID, "role_id": n.RoleID,
		"note_date": n.NoteDate.Format(dateLayout), "body": n.Body, "judgement": n.Judgement,
		"good_practice": n.GoodPractice, "family_words": n.FamilyWords, "safeguarding": n.Safeguarding,
		"action_areas": n.ActionAreas, "lines": n.Lines, "tags": n.Tags, "documents": n.Documents,
	}
}

// Withheld stands for a safeguarding concern's text in the audit log, which tenant admins read.
const Withheld = "(withheld: safeguarding concern)"

// withhold keeps a concern's text and its themes out of an audit entry: a theme can say as much as
// the text, and the log is read by tenant admins who may not see the concern.
func withhold(m map[string]any) {
	for _, k := range []string{"body", "tags"} {
		if _, ok := m[k]; ok {
			m[k] = Withheld
		}
	}
}

// diff keeps the fields that changed, before and after.
func diff(a, b Note) (before, after map[string]any) {
	fa, fb := fields(a), fields(b)
	before, after = map[string]any{}, map[string]any{}
	for k, va := range fa {
		if fmt.Sprint(va) != fmt.Sprint(fb[k]) {
			before[k], after[k] = va, fb[k]
		}
	}
	return before, after
}

// Update edits a note, from the version the editor started from. A stale version gives a
// *StaleError holding the current note; a locked or deleted note cannot be edited. An empty
// in.VisitID keeps the note's visit.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, version int, in NoteInput) (Note, error) {
	_, after, _, err := update(ctx, tx, tenantID, reviewID, noteID, actorID, version, in, changeChecks{})
	return after, err
}

// validIDs keeps the ids that are UUIDs.
func validIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if db.ValidUUID(id) {
			out = append(out, id)
		}
	}
	return out
}

// changeChecks are the checks of a change made through the form, besides the rules: whether the
// actor may see the note (allowed, nil: anyone), and the personal data check of the text.
type changeChecks struct {
	allowed func(Note) error
	pd      PersonalData
}

// update changes a note in three statements: one read of the note (locked) with everything the
// checks need, one that creates the new tags and updates the note, one that changes the links and
// writes the audit entry. The note is updated in a statement before its links change: the
// coverage triggers move a changed note's counters with the links it has at that moment, and the
// link triggers then count the links changed under the note's new state. It answers the note as
// it was and as it is, and the personal data the text was saved with (confirmed).
func update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, version int, in NoteInput, cc changeChecks) (before, after Note, found []Finding, err error) {
	if !db.ValidUUID(noteID) {
		return before, after, nil, apperr.NotFound("Note not found")
	}
	if in.VisitID != "" && !db.ValidUUID(in.VisitID) {
		return before, after, nil, apperr.NotFound("Visit not found")
	}
	invalid := in.Validate() // tidies in; its verdict comes after the note is found
	in.ActionAreas = text.DedupeIDs(in.ActionAreas)
	in.Lines = text.DedupeIDs(in.Lines)
	in.Documents = text.DedupeIDs(in.Documents)
	validDocs := validIDs(in.Documents)
	// Ids that are not UUIDs match nothing; the checks below then refuse them.
	var role, visitID, source any
	if db.ValidUUID(in.RoleID) {
		role = in.RoleID
	}
	if db.ValidUUID(in.SourceID) {
		source = in.SourceID
	}
	if in.VisitID != "" {
		visitID = in.VisitID
	}
	var stage, areas, lines, docs, names []string
	var areaID, areaName *string
	var start *time.Time
	var days *int
	var needsRole, roleOK *bool
	var lead bool
	cur, err := scanNote(tx.QueryRow(ctx, `SELECT `+noteColumns+`, `+review.StageColumn+`,
			v.area_id::text, v.start_date, v.days,
			(SELECT needs_role FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND id = $5),
			(SELECT EXISTS (SELECT 1 FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2 AND id = $6::uuid)),
			coalesce((SELECT array_agg(id::text ORDER BY position) FROM action_areas
				WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($7::uuid[])), '{}'),
			coalesce((SELECT array_agg(id::text ORDER BY position) FROM enquiry_lines
				WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($8::uuid[])), '{}'),
			(SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
				WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = v.area_id),
			coalesce((SELECT array_agg(d.id::text ORDER BY d.id) FROM area_documents d
				WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = v.area_id
				AND d.id = ANY($9::uuid[]) AND d.deleted_at IS NULL AND d.scan_status = 'clean'), '{}'),
			EXISTS (SELECT 1 FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND user_id = $10 AND role = 'lead'),
			CASE WHEN $11 THEN `+review.StaffNamesArray+` END
		FROM evidence_notes n
		LEFT JOIN visits v ON v.tenant_id = $1 AND v.review_id = $2 AND v.id = coalesce($4::uuid, n.visit_id)
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.id = $3 AND n.deleted_at IS NULL
		FOR UPDATE OF n`,
		tenantID, reviewID, noteID, visitID, source, role, validIDs(in.ActionAreas), validIDs(in.Lines), validDocs, actorID, cc.pd.Scan),
		&stage, &areaID, &start, &days, &needsRole, &roleOK, &areas, &lines, &areaName, &docs, &lead, &names)
	if errors.Is(err, pgx.ErrNoRows) {
		return before, after, nil, apperr.NotFound("Note not found")
	}
	if err != nil {
		return before, after, nil, fmt.Errorf("evidence: read note %s to change: %w", noteID, err)
	}
	if cc.allowed != nil {
		if err := cc.allowed(cur); err != nil {
			return before, after, nil, err
		}
	}
	// A concern stays a concern; only its author or a lead may mark a note as one (anyone else
	// would lose sight of it as they saved).
	raised := in.Safeguarding && !cur.Safeguarding
	in.Safeguarding = in.Safeguarding || cur.Safeguarding
	if invalid.Any() {
		return cur, after, nil, &Refused{Errors: invalid}
	}
	if cc.pd.Scan {
		if found = Scan(in.Body, names); len(found) > 0 && !cc.pd.Confirmed {
			errs := &form.Errors{}
			errs.Add("body", Summary(found)+". Change the text, or confirm it is not personal data")
			return cur, after, nil, &Refused{Errors: errs, Found: found}
		}
	}
	if err := review.CheckStage(stage, review.ChangeEvidence); err != nil {
		return cur, after, nil, err
	}
	if cur.LockedAt != nil {
		return cur, after, nil, apperr.Forbidden("This note is locked and can no longer be changed")
	}
	if cur.Version != version {
		return cur, after, nil, &StaleError{Current: cur}
	}
	if raised && cur.AuthorID != actorID && !lead {
		errs := &form.Errors{}
		errs.Add("safeguarding", "Only the note’s author or a review lead can mark it as a safeguarding concern. Tell a review lead, or record your own note as a concern.")
		return cur, after, nil, &Refused{Errors: errs}
	}
	if areaID == nil {
		return cur, after, nil, apperr.NotFound("Visit not found")
	}
	c := checked{areaID: *areaID}
	errs := &form.Errors{}
	if needsRole == nil {
		errs.Add("source", "Select where the evidence came from")
	}
	if needsRole != nil && *needsRole {
		if in.RoleID == "" {
			errs.Add("role", "Select the professional's role")
		} else {
			if roleOK == nil || !*roleOK {
				errs.Add("role", "Select the professional's role")
			}
			c.roleID = &in.RoleID
		}
	}
	if msg := DateOutsideVisit(in.Date(), start, *days); msg != "" {
		errs.Add("note-date", msg)
	}
	if len(areas) != len(in.ActionAreas) {
		errs.Add("action-areas", "Select action areas of this review")
	}
	if len(lines) != len(in.Lines) {
		errs.Add("lines", "Select lines of enquiry of this review")
	}
	if len(validDocs) != len(in.Documents) || len(docs) != len(validDocs) {
		name := "this area"
		if areaName != nil {
			name = *areaName
		}
		errs.Add("documents", DocumentsMessage(name))
	}
	if errs.Any() {
		return cur, after, nil, &Refused{Errors: errs}
	}
	if in.VisitID == "" {
		in.VisitID = cur.VisitID
	}

	// New tags are inserted in a fixed order, so that two notes creating the same tags at once
	// cannot deadlock.
	sorted := slices.Clone(in.Tags)
	slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	lower := make([]string, 0, len(in.Tags))
	for _, t := range in.Tags {
		if l := strings.ToLower(t); !slices.Contains(lower, l) {
			lower = append(lower, l)
		}
	}
	after = cur
	err = tx.QueryRow(ctx, `WITH new_tags AS (
			INSERT INTO evidence_tags (tenant_id, review_id, name) SELECT $1, $2, unnest($14::text[])
			ON CONFLICT DO NOTHING RETURNING name),
		note AS (UPDATE evidence_notes SET visit_id = $4, area_id = $5, source_id = $6, role_id = $7,
			note_date = $8, body = $9, judgement = $10, good_practice = $11, family_words = $12, safeguarding = $13,
			version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3 RETURNING version, updated_at)
		SELECT note.version, note.updated_at,
			coalesce((SELECT array_agg(t.name ORDER BY lower(t.name)) FROM (SELECT name FROM new_tags
				UNION SELECT name FROM evidence_tags WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = ANY($15::text[])) t), '{}')
		FROM note`,
		tenantID, reviewID, noteID, in.VisitID, c.areaID, in.SourceID, c.roleID, in.Date(), in.Body, in.Judgement,
		in.GoodPractice, in.FamilyWords, in.Safeguarding, sorted, lower).Scan(&after.Version, &after.UpdatedAt, &after.Tags)
	if err != nil {
		return cur, Note{}, nil, fmt.Errorf("evidence: update note %s: %w", noteID, err)
	}
	after.VisitID, after.AreaID, after.SourceID, after.RoleID = in.VisitID, c.areaID, in.SourceID, ""
	if c.roleID != nil {
		after.RoleID = *c.roleID
	}
	after.NoteDate, after.Body, after.Judgement = in.Date(), in.Body, in.Judgement
	after.GoodPractice, after.FamilyWords, after.Safeguarding = in.GoodPractice, in.FamilyWords, in.Safeguarding
	after.ActionAreas, after.Lines, after.Documents = areas, lines, docs

	b, a := diff(cur, after)
	if after.Safeguarding {
		withhold(b)
		withhold(a)
	}
	args := []any{tenantID, noteID, reviewID, in.ActionAreas, in.Lines, lower, in.Documents}
	entry, args, err := audit.Insert(ctx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "evidence.updated",
		ObjectType: "evidence_note", ObjectID: noteID, Before: b, After: a}, args)
	if err != nil {
		return cur, Note{}, nil, err
	}
	// Only the links that change are deleted or inserted.
	if _, err := tx.Exec(ctx, `WITH
		del_areas AS (DELETE FROM evidence_note_action_areas
			WHERE tenant_id = $1 AND note_id = $2 AND action_area_id <> ALL($4::uuid[])),
		add_areas AS (INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			SELECT $1, $2, unnest($4::uuid[]), $3 ON CONFLICT DO NOTHING),
		del_lines AS (DELETE FROM evidence_note_lines WHERE tenant_id = $1 AND note_id = $2 AND line_id <> ALL($5::uuid[])),
		add_lines AS (INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, $2, unnest($5::uuid[]), $3 ON CONFLICT DO NOTHING),
		tags AS (SELECT id FROM evidence_tags WHERE tenant_id = $1 AND review_id = $3 AND lower(name) = ANY($6::text[])),
		del_tags AS (DELETE FROM evidence_note_tags WHERE tenant_id = $1 AND note_id = $2 AND tag_id NOT IN (SELECT id FROM tags)),
		add_tags AS (INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id) SELECT $1, $2, id FROM tags ON CONFLICT DO NOTHING),
		del_docs AS (DELETE FROM evidence_note_documents
			WHERE tenant_id = $1 AND note_id = $2 AND document_id <> ALL($7::uuid[])),
		add_docs AS (INSERT INTO evidence_note_documents (tenant_id, note_id, document_id)
			SELECT $1, $2, unnest($7::uuid[]) ON CONFLICT DO NOTHING),
		entry AS (`+entry+`)
		SELECT 1`, args...); err != nil {
		return cur, Note{}, nil, fmt.Errorf("evidence: link note %s: %w", noteID, err)
	}
	if raised {
		if err := raise(ctx, tx, tenantID, reviewID, noteID, actorID); err != nil {
			return cur, Note{}, nil, err
		}
	}
	return cur, after, found, nil
}

// SoftDelete hides a note; Undelete brings it back.
func SoftDelete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string) error {
	return setDeleted(ctx, tx, tenantID, reviewID, noteID, actorID, true)
}

// Undelete restores a soft-deleted note.
func Undelete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string) error {
	return setDeleted(ctx, tx, tenantID, reviewID, noteID, actorID, false)
}

func setDeleted(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID, actorID string, del bool) error {
	cur, err := getNote(ctx, tx, tenantID, reviewID, noteID, true, "FOR UPDATE OF n")
	if err != nil {
		return err
	}
	if err := ensureUnlocked(ctx, tx, tenantID, reviewID); err != nil {
		return err
	}
	if cur.LockedAt != nil {
		return apperr.Forbidden("This note is locked and can no longer be changed")
	}
	if cur.Safeguarding && del {
		return apperr.Forbidden("A safeguarding concern cannot be deleted. A review lead can close it once action has been taken.")
	}
	if (cur.DeletedAt != nil) == del {
		return nil // already so: an undo clicked twice
	}
	if !del && cur.PurgedAt != nil {
		return apperr.Conflict(ErasedMessage)
	}
	sql := `UPDATE evidence_notes SET deleted_at = now(), deleted_by = $4, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
	args := []any{tenantID, reviewID, noteID, actorID}
	action, before, after := "evidence.deleted", map[string]any{"deleted": false}, map[string]any{"deleted": true}
	if !del {
		sql = `UPDATE evidence_notes SET deleted_at = NULL, deleted_by = NULL, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3`
		args = args[:3]
		action, before, after = "evidence.restored", after, before
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("evidence: %s %s: %w", action, noteID, err)
	}
	return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: action,
		ObjectType: "evidence_note", ObjectID: noteID, Before: before, After: after})
}

// DateOutsideVisit says what is wrong with a note's date for a visit of days days from start: it
// must be one of the visit's days. While the visit's start is not known (start nil) any date
// will do, since the visit's days are not fixed.
func DateOutsideVisit(d time.Time, start *time.Time, days int) string {
	if start == nil {
		return ""
	}
	if last := start.AddDate(0, 0, days-1); d.Before(*start) || d.After(last) {
		return fmt.Sprintf("Date of the evidence must be during the visit, from %s to %s",
			start.Format("2 January 2006"), last.Format("2 January 2006"))
	}
	return ""
}
