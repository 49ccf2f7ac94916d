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

// checked is what check learnt from the database about valid input.
type checked struct {
	areaID string
	roleID *string
	tagIDs []string
}

// check verifies, inside the transaction, that everything the input names belongs to the review,
// and that the date lies within the visit's days. Tags are created as needed.
func check(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, in *NoteInput) (checked, error) {
	var c checked
	if errs := in.Validate(); errs.Any() {
		return c, &Refused{Errors: errs}
	}
	if !db.ValidUUID(in.VisitID) {
		return c, apperr.NotFound("Visit not found")
	}
	in.ActionAreas = text.DedupeIDs(in.ActionAreas)
	in.Lines = text.DedupeIDs(in.Lines)
	// The visit, the source (NULL: not the review's), the role (when one is given) and how many of
	// the action areas and lines are the review's, in one statement.
	var start *time.Time // nil while the visit's start is not known: then any date will do
	var days, nAreas, nLines int
	var needsRole, roleOK *bool
	var role any
	if in.RoleID != "" {
		role = in.RoleID
	}
	err := tx.QueryRow(ctx, `SELECT v.area_id, v.start_date, v.days,
			(SELECT needs_role FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND id = $4),
			(SELECT EXISTS (SELECT 1 FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2 AND id = $5::uuid)),
			(SELECT count(*) FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($6::uuid[])),
			(SELECT count(*) FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($7::uuid[]))
		FROM visits v WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.id = $3`,
		tenantID, reviewID, in.VisitID, in.SourceID, role, in.ActionAreas, in.Lines).Scan(&c.areaID, &start, &days,
		&needsRole, &roleOK, &nAreas, &nLines)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.NotFound("Visit not found")
	}
	if err != nil {
		return c, fmt.Errorf("evidence: check visit: %w", err)
	}
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
	if msg := DateOutsideVisit(in.Date(), start, days); msg != "" {
		errs.Add("note-date", msg)
	}
	if nAreas != len(in.ActionAreas) {
		errs.Add("action-areas", "Select action areas of this review")
	}
	if nLines != len(in.Lines) {
		errs.Add("lines", "Select lines of enquiry of this review")
	}
	if err := checkDocuments(ctx, tx, tenantID, reviewID, c.areaID, in, errs); err != nil {
		return c, err
	}
	if errs.Any() {
		return c, &Refused{Errors: errs}
	}
	if len(in.Tags) > 0 {
		// Inserted in a fixed order, so that two notes creating the same tags at once cannot deadlock.
		sorted := slices.Clone(in.Tags)
		slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		if _, err := tx.Exec(ctx, `INSERT INTO evidence_tags (tenant_id, review_id, name)
			SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, tenantID, reviewID, sorted); err != nil {
			return c, fmt.Errorf("evidence: create tags: %w", err)
		}
		lower := make([]string, len(in.Tags))
		for i, t := range in.Tags {
			lower[i] = strings.ToLower(t)
		}
		rows, _ := tx.Query(ctx, `SELECT id::text FROM evidence_tags WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = ANY($3::text[])`,
			tenantID, reviewID, lower)
		if c.tagIDs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return c, fmt.Errorf("evidence: find tags: %w", err)
		}
	}
	return c, nil
}

// DocumentsMessage is the field error for a cited document that is not one of the area's
// available documents (another area's or review's, deleted, not yet scanned, or made up).
func DocumentsMessage(areaName string) string { return "Choose documents sent by " + areaName }

// checkDocuments verifies that every cited document is an available document of the note's area
// in this review, in one query (which also names the area for the message).
func checkDocuments(ctx context.Context, tx pgx.Tx, tenantID, reviewID, areaID string, in *NoteInput, errs *form.Errors) error {
	in.Documents = text.DedupeIDs(in.Documents)
	if len(in.Documents) == 0 {
		return nil
	}
	valid := make([]string, 0, len(in.Documents))
	for _, id := range in.Documents {
		if db.ValidUUID(id) {
			valid = append(valid, id)
		}
	}
	var name string
	var n int
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT la.display_name FROM review_areas ra
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = $3), 'this area'),
		(SELECT count(*) FROM area_documents d WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = $3
			AND d.id = ANY($4::uuid[]) AND d.deleted_at IS NULL AND d.scan_status = 'clean')`,
		tenantID, reviewID, areaID, valid).Scan(&name, &n); err != nil {
		return fmt.Errorf("evidence: check documents: %w", err)
	}
	if len(valid) != len(in.Documents) || n != len(valid) {
		errs.Add("documents", DocumentsMessage(name))
	}
	return nil
}

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

// link replaces the note's action areas, lines, tags and cited documents: each set in one
// statement, the whole in one round trip.
func link(ctx context.Context, tx pgx.Tx, tenantID, reviewID, noteID string, fresh bool, areas, lines, tagIDs, documents []string) error {
	b := &pgx.Batch{}
	if !fresh { // a new note has no links to clear
		b.Queue(`DELETE FROM evidence_note_action_areas WHERE tenant_id = $1 AND note_id = $2`, tenantID, noteID)
		b.Queue(`DELETE FROM evidence_note_lines WHERE tenant_id = $1 AND note_id = $2`, tenantID, noteID)
		b.Queue(`DELETE FROM evidence_note_tags WHERE tenant_id = $1 AND note_id = $2`, tenantID, noteID)
		b.Queue(`DELETE FROM evidence_note_documents WHERE tenant_id = $1 AND note_id = $2`, tenantID, noteID)
	}
	if len(areas) > 0 {
		b.Queue(`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			SELECT $1, $2, unnest($3::uuid[]), $4`, tenantID, noteID, areas, reviewID)
	}
	if len(lines) > 0 {
		b.Queue(`INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, $2, unnest($3::uuid[]), $4`, tenantID, noteID, lines, reviewID)
	}
	if len(tagIDs) > 0 {
		b.Queue(`INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id) SELECT $1, $2, unnest($3::uuid[])`,
			tenantID, noteID, tagIDs)
	}
	if len(documents) > 0 {
		b.Queue(`INSERT INTO evidence_note_documents (tenant_id, note_id, document_id) SELECT $1, $2, unnest($3::uuid[])`,
			tenantID, noteID, documents)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("evidence: link note %s: %w", noteID, err)
	}
	return nil
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
	cur, err := getNote(ctx, tx, tenantID, reviewID, noteID, false, "FOR UPDATE OF n")
	if err != nil {
		return Note{}, err
	}
	if err := ensureUnlocked(ctx, tx, tenantID, reviewID); err != nil {
		return Note{}, err
	}
	if cur.LockedAt != nil {
		return Note{}, apperr.Forbidden("This note is locked and can no longer be changed")
	}
	if cur.Version != version {
		return Note{}, &StaleError{Current: cur}
	}
	if in.VisitID == "" {
		in.VisitID = cur.VisitID
	}
	// A concern stays a concern; only its author or a lead may mark a note as one (anyone else
	// would lose sight of it as they saved).
	raised := in.Safeguarding && !cur.Safeguarding
	in.Safeguarding = in.Safeguarding || cur.Safeguarding
	if raised && cur.AuthorID != actorID {
		lead, err := isLead(ctx, tx, tenantID, reviewID, actorID)
		if err != nil {
			return Note{}, err
		}
		if !lead {
			errs := &form.Errors{}
			errs.Add("safeguarding", "Only the note’s author or a review lead can mark it as a safeguarding concern. Tell a review lead, or record your own note as a concern.")
			return Note{}, &Refused{Errors: errs}
		}
	}
	c, err := check(ctx, tx, tenantID, reviewID, &in)
	if err != nil {
		return Note{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE evidence_notes SET visit_id = $4, area_id = $5, source_id = $6, role_id = $7,
		note_date = $8, body = $9, judgement = $10, good_practice = $11, family_words = $12, safeguarding = $13,
		version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, noteID, in.VisitID, c.areaID, in.SourceID, c.roleID, in.Date(), in.Body, in.Judgement,
		in.GoodPractice, in.FamilyWords, in.Safeguarding); err != nil {
		return Note{}, fmt.Errorf("evidence: update note %s: %w", noteID, err)
	}
	if err := link(ctx, tx, tenantID, reviewID, noteID, false, in.ActionAreas, in.Lines, c.tagIDs, in.Documents); err != nil {
		return Note{}, err
	}
	after, err := getNote(ctx, tx, tenantID, reviewID, noteID, false, "")
	if err != nil {
		return Note{}, err
	}
	b, a := diff(cur, after)
	if after.Safeguarding {
		withhold(b)
		withhold(a)
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actorID, Action: "evidence.updated",
		ObjectType: "evidence_note", ObjectID: noteID, Before: b, After: a}); err != nil {
		return Note{}, err
	}
	if raised {
		if err := raise(ctx, tx, tenantID, reviewID, noteID, actorID); err != nil {
			return Note{}, err
		}
	}
	return after, nil
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
