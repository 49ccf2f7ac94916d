package practice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/personal"
	"thematic/internal/review"
)

// StaleMessage is shown when an example changed since the editor opened it.
const StaleMessage = "Someone else changed this example after you opened it"

// Messages of the refusals about the note an example is written from.
const (
	NoteMessage          = "Choose a note from this review’s evidence"
	NotCandidateMessage  = "This note is not marked as a good-practice candidate"
	AreaMessage          = "Choose a local area of this review"
	ActionAreaMessage    = "Choose an action area of this review"
	expiredFormMessage   = "The form has expired. Copy your example, reload the page and try again."
	exampleNotFoundLabel = "example"
)

// Refused is a change refused with messages for the form, and the personal data found when that
// is why.
type Refused struct {
	Errors *form.Errors
	Found  []personal.Hit
}

func (r *Refused) Error() string {
	msgs := []string{}
	for _, fe := range r.Errors.List() {
		msgs = append(msgs, fe.Message)
	}
	return "practice: " + strings.Join(msgs, "; ")
}

// Unwrap makes a refusal a 422.
func (r *Refused) Unwrap() error { return apperr.Invalid("%s", r.Error()) }

func refuse(field, msg string) error {
	errs := &form.Errors{}
	errs.Add(field, msg)
	return &Refused{Errors: errs}
}

// StaleError is an edit from an old version; Current is the example as it is now.
type StaleError struct{ Current Example }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale edit a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// selectExamples reads examples in report order (framework group, action area, position) with
// their area's name, in one statement; where adds conditions on e with parameters from $3.
func selectExamples(where string) string {
	return `SELECT e.id::text, e.review_id::text, e.action_area_id::text, coalesce(e.note_id::text, ''), e.area_id::text,
		la.display_name, e.position, e.title, e.body, e.version
	FROM practice_examples e
	JOIN action_areas aa ON aa.tenant_id = e.tenant_id AND aa.id = e.action_area_id
	JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
	JOIN review_areas ra ON ra.tenant_id = e.tenant_id AND ra.id = e.area_id
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	WHERE e.tenant_id = $1 AND e.review_id = $2 ` + where + `
	ORDER BY g.position, aa.position, e.position, e.created_at, e.id`
}

func collect(rows pgx.Rows) ([]Example, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Example, error) {
		var e Example
		err := r.Scan(&e.ID, &e.ReviewID, &e.ActionAreaID, &e.NoteID, &e.AreaID, &e.AreaName, &e.Position,
			&e.Title, &e.Body, &e.Version)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("practice: list: %w", err)
	}
	return out, nil
}

// List reads a review's examples in report order; actionAreaID narrows them to one action area.
func List(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID string) ([]Example, error) {
	sql, args := selectExamples(""), []any{tenantID, reviewID}
	if actionAreaID != "" {
		if !db.ValidUUID(actionAreaID) {
			return nil, nil
		}
		sql, args = selectExamples("AND e.action_area_id = $3"), append(args, actionAreaID)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("practice: list: %w", err)
	}
	return collect(rows)
}

// Get reads one example.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Example, error) {
	if !db.ValidUUID(id) {
		return Example{}, apperr.NotFound(exampleNotFoundLabel)
	}
	rows, err := q.Query(ctx, selectExamples("AND e.id = $3"), tenantID, reviewID, id)
	if err != nil {
		return Example{}, fmt.Errorf("practice: get: %w", err)
	}
	es, err := collect(rows)
	if err != nil {
		return Example{}, err
	}
	if len(es) == 0 {
		return Example{}, apperr.NotFound(exampleNotFoundLabel)
	}
	return es[0], nil
}

// AreaNames lists the names of the review's local areas (as local_authorities.display_name has
// them), for the check that an example names none.
func AreaNames(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT la.display_name FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.tenant_id = $1 AND ra.review_id = $2 ORDER BY la.display_name`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("practice: area names: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("practice: area names: %w", err)
	}
	return names, nil
}

// Area is one of the review's local areas, for the form of an example written without a note.
type Area struct {
	ID   string
	Name string
}

// Areas lists the review's local areas by name.
func Areas(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Area, error) {
	rows, err := q.Query(ctx, `SELECT ra.id::text, la.display_name FROM review_areas ra
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.tenant_id = $1 AND ra.review_id = $2 ORDER BY la.display_name`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("practice: areas: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Area, error) {
		var a Area
		err := r.Scan(&a.ID, &a.Name)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("practice: areas: %w", err)
	}
	return out, nil
}

// Candidate is an evidence note flagged as a good-practice candidate.
type Candidate struct {
	NoteID      string
	AreaID      string
	AreaName    string
	NoteDate    time.Time
	Body        string
	ActionAreas []string // ids, in framework order
	Examples    int      // examples already written from it
}

// selectCandidates reads live good-practice candidate notes (never safeguarding concerns);
// where adds conditions on n with parameters from $3.
func selectCandidates(where string) string {
	return `SELECT n.id::text, n.area_id::text, la.display_name, n.note_date, n.body,
		coalesce((SELECT array_agg(x.action_area_id::text ORDER BY g.position, aa.position)
			FROM evidence_note_action_areas x
			JOIN action_areas aa ON aa.tenant_id = x.tenant_id AND aa.id = x.action_area_id
			JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id), '{}'),
		(SELECT count(*) FROM practice_examples e WHERE e.tenant_id = n.tenant_id AND e.note_id = n.id)
	FROM evidence_notes n
	JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.good_practice AND n.deleted_at IS NULL AND NOT n.safeguarding ` + where + `
	ORDER BY la.display_name, n.note_date, n.created_at, n.id`
}

func collectCandidates(rows pgx.Rows) ([]Candidate, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Candidate, error) {
		var c Candidate
		err := r.Scan(&c.NoteID, &c.AreaID, &c.AreaName, &c.NoteDate, &c.Body, &c.ActionAreas, &c.Examples)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("practice: candidates: %w", err)
	}
	return out, nil
}

// Candidates lists the review's good-practice candidate notes no example has been written from
// yet, in one query; actionAreaID narrows them to the notes tagged to one action area.
func Candidates(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID string) ([]Candidate, error) {
	where := `AND NOT EXISTS (SELECT 1 FROM practice_examples e WHERE e.tenant_id = n.tenant_id AND e.note_id = n.id)`
	args := []any{tenantID, reviewID}
	if actionAreaID != "" {
		if !db.ValidUUID(actionAreaID) {
			return nil, nil
		}
		where += ` AND EXISTS (SELECT 1 FROM evidence_note_action_areas x
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id = $3)`
		args = append(args, actionAreaID)
	}
	rows, err := q.Query(ctx, selectCandidates(where), args...)
	if err != nil {
		return nil, fmt.Errorf("practice: candidates: %w", err)
	}
	return collectCandidates(rows)
}

// CandidateNote reads one candidate note (used or not) to write an example from; a note that is
// not a live, non-concern good-practice candidate of the review is refused.
func CandidateNote(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string) (Candidate, error) {
	if err := checkNote(ctx, q, tenantID, reviewID, noteID); err != nil {
		return Candidate{}, err
	}
	rows, err := q.Query(ctx, selectCandidates("AND n.id = $3"), tenantID, reviewID, noteID)
	if err != nil {
		return Candidate{}, fmt.Errorf("practice: candidate: %w", err)
	}
	cs, err := collectCandidates(rows)
	if err != nil {
		return Candidate{}, err
	}
	if len(cs) == 0 {
		return Candidate{}, refuse("note", NoteMessage)
	}
	return cs[0], nil
}

// checkNote verifies a note may be written up: a live note of the review, not a safeguarding
// concern, flagged as a good-practice candidate.
func checkNote(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string) error {
	if !db.ValidUUID(noteID) {
		return refuse("note", NoteMessage)
	}
	var candidate, concern, deleted bool
	err := q.QueryRow(ctx, `SELECT good_practice, safeguarding, deleted_at IS NOT NULL FROM evidence_notes
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, noteID).Scan(&candidate, &concern, &deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return refuse("note", NoteMessage)
	}
	if err != nil {
		return fmt.Errorf("practice: check note: %w", err)
	}
	switch {
	case concern || deleted:
		return refuse("note", NoteMessage)
	case !candidate:
		return refuse("note", NotCandidateMessage)
	}
	return nil
}

// noteArea reads the local area of a note already checked.
func noteArea(ctx context.Context, q db.Querier, tenantID, reviewID, noteID string) (string, error) {
	var area string
	if err := q.QueryRow(ctx, `SELECT area_id::text FROM evidence_notes WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, noteID).Scan(&area); err != nil {
		return "", fmt.Errorf("practice: note area: %w", err)
	}
	return area, nil
}

// checkActionArea verifies the action area is the review's.
func checkActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, id string) error {
	var ok bool
	if db.ValidUUID(id) {
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3)`,
			tenantID, reviewID, id).Scan(&ok); err != nil {
			return fmt.Errorf("practice: check action area: %w", err)
		}
	}
	if !ok {
		return refuse("action-area", ActionAreaMessage)
	}
	return nil
}

// checkArea verifies the local area is the review's.
func checkArea(ctx context.Context, q db.Querier, tenantID, reviewID, id string) error {
	var ok bool
	if db.ValidUUID(id) {
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM review_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3)`,
			tenantID, reviewID, id).Scan(&ok); err != nil {
			return fmt.Errorf("practice: check area: %w", err)
		}
	}
	if !ok {
		return refuse("area", AreaMessage)
	}
	return nil
}

// Create adds an example at the end of its action area. Written from a note, it takes the note's
// local area; without one, the area chosen. It is idempotent on in.Key: a double submission
// returns the first example's id and created=false.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, in Input) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid(expiredFormMessage)
	}
	// The same key again: the first example, whatever this submission says.
	err = tx.QueryRow(ctx, `SELECT id::text FROM practice_examples WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
		tenantID, reviewID, in.Key).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("practice: create: find by key: %w", err)
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{Errors: errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return "", false, err
	}
	if in.NoteID != "" {
		if err := checkNote(ctx, tx, tenantID, reviewID, in.NoteID); err != nil {
			return "", false, err
		}
		if in.AreaID, err = noteArea(ctx, tx, tenantID, reviewID, in.NoteID); err != nil {
			return "", false, err
		}
	} else if err := checkArea(ctx, tx, tenantID, reviewID, in.AreaID); err != nil {
		return "", false, err
	}
	if err := checkActionArea(ctx, tx, tenantID, reviewID, in.ActionAreaID); err != nil {
		return "", false, err
	}
	var note any
	if in.NoteID != "" {
		note = in.NoteID
	}
	err = tx.QueryRow(ctx, `INSERT INTO practice_examples (tenant_id, review_id, action_area_id, note_id, area_id, position,
			title, body, idempotency_key, created_by)
		VALUES ($1, $2, $3, $4, $5,
			(SELECT coalesce(max(position), 0) + 1 FROM practice_examples WHERE tenant_id = $1 AND action_area_id = $3),
			$6, $7, $8, $9)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		tenantID, reviewID, in.ActionAreaID, note, in.AreaID, in.Title, in.Body, in.Key, actorID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) { // a concurrent submission with the same key won
		err = tx.QueryRow(ctx, `SELECT id::text FROM practice_examples WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			tenantID, reviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("practice: create: find by key: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("practice: create: %w", db.MapError(err))
	}
	return id, true, nil
}

// lock reads an example for update and checks the editor's version.
func lock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Example, error) {
	if !db.ValidUUID(id) {
		return Example{}, apperr.NotFound(exampleNotFoundLabel)
	}
	var v int
	err := tx.QueryRow(ctx, `SELECT version FROM practice_examples WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`,
		tenantID, reviewID, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return Example{}, apperr.NotFound(exampleNotFoundLabel)
	}
	if err != nil {
		return Example{}, fmt.Errorf("practice: lock: %w", err)
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Example{}, err
	}
	if version != cur.Version {
		return Example{}, &StaleError{Current: cur}
	}
	return cur, nil
}

// Update edits an example from the version the editor saw. The note it was written from stays;
// an example written without a note may change its area. Moving to another action area puts it
// last there. It returns the example before and after.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input) (Example, Example, error) {
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Example{}, Example{}, err
	}
	cur, err := lock(ctx, tx, tenantID, reviewID, id, in.Version)
	if err != nil {
		return Example{}, Example{}, err
	}
	in.NoteID = cur.NoteID
	if in.NoteID != "" || in.AreaID == "" {
		in.AreaID = cur.AreaID
	}
	if in.ActionAreaID == "" {
		in.ActionAreaID = cur.ActionAreaID
	}
	if errs := in.Validate(); errs.Any() {
		return Example{}, Example{}, &Refused{Errors: errs}
	}
	if err := checkActionArea(ctx, tx, tenantID, reviewID, in.ActionAreaID); err != nil {
		return Example{}, Example{}, err
	}
	if err := checkArea(ctx, tx, tenantID, reviewID, in.AreaID); err != nil {
		return Example{}, Example{}, err
	}
	moved := in.ActionAreaID != cur.ActionAreaID
	if _, err := tx.Exec(ctx, `UPDATE practice_examples SET action_area_id = $4, area_id = $5, title = $6, body = $7,
			version = version + 1, updated_at = now(),
			position = CASE WHEN $8 THEN (SELECT coalesce(max(position), 0) + 1 FROM practice_examples
				WHERE tenant_id = $1 AND action_area_id = $4) ELSE position END
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id, in.ActionAreaID, in.AreaID, in.Title, in.Body, moved); err != nil {
		return Example{}, Example{}, fmt.Errorf("practice: update: %w", db.MapError(err))
	}
	after, err := Get(ctx, tx, tenantID, reviewID, id)
	return cur, after, err
}

// Delete removes an example seen at version (the audit log keeps what it said).
func Delete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Example, error) {
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Example{}, err
	}
	cur, err := lock(ctx, tx, tenantID, reviewID, id, version)
	if err != nil {
		return Example{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM practice_examples WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id); err != nil {
		return Example{}, fmt.Errorf("practice: delete: %w", err)
	}
	return cur, nil
}

// Move swaps an example with its neighbour in its action area: up when up, else down. It returns
// the example's place (1 first) in its action area before and after; equal when it was already
// at that end.
func Move(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, up bool) (from, to int, err error) {
	if !db.ValidUUID(id) {
		return 0, 0, apperr.NotFound(exampleNotFoundLabel)
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return 0, 0, err
	}
	var area string
	var pos int
	err = tx.QueryRow(ctx, `SELECT action_area_id::text, position FROM practice_examples
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`, tenantID, reviewID, id).Scan(&area, &pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, apperr.NotFound(exampleNotFoundLabel)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("practice: move: %w", err)
	}
	order, cmp := "ASC", ">"
	if up {
		order, cmp = "DESC", "<"
	}
	var otherID string
	var otherPos int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM practice_examples WHERE tenant_id = $1 AND action_area_id = $2 AND position < $3`,
		tenantID, area, pos).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("practice: move: %w", err)
	}
	from++
	err = tx.QueryRow(ctx, `SELECT id::text, position FROM practice_examples
		WHERE tenant_id = $1 AND action_area_id = $2 AND position `+cmp+` $3
		ORDER BY position `+order+` LIMIT 1 FOR UPDATE`, tenantID, area, pos).Scan(&otherID, &otherPos)
	if errors.Is(err, pgx.ErrNoRows) {
		return from, from, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("practice: move: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE practice_examples SET position = CASE WHEN id = $2 THEN $5::integer ELSE $4::integer END
		WHERE tenant_id = $1 AND id IN ($2::uuid, $3::uuid)`, tenantID, id, otherID, pos, otherPos); err != nil {
		return 0, 0, fmt.Errorf("practice: move: %w", err)
	}
	to = from + 1
	if up {
		to = from - 1
	}
	return from, to, nil
}

// CheckPersonalData refuses an example whose title or text looks like it holds personal data,
// unless the writer confirmed it is not, in one statement (the review's people's names). It
// answers what was found, for the audit log of a confirmation.
func CheckPersonalData(ctx context.Context, q db.Querier, tenantID, reviewID string, in Input) ([]personal.Hit, error) {
	if strings.TrimSpace(in.Title) == "" && strings.TrimSpace(in.Body) == "" {
		return nil, nil // nothing to read: a blank form costs no statement
	}
	staff, err := review.StaffNames(ctx, q, tenantID, reviewID)
	if err != nil {
		return nil, err
	}
	found, errs := in.PersonalData(staff)
	if len(found) > 0 && !in.ConfirmPersonalData {
		return found, &Refused{Errors: errs, Found: found}
	}
	return found, nil
}

// Photo is a photo of an example's note that a review lead chose as fit to show among the
// good-practice examples (evidence_note_files.practice_ok). No other photo is ever shown here,
// and the report shows none.
type Photo struct {
	ID, NoteID, Name string
}

// ChosenPhotos reads the chosen photos of the review's examples' notes, by note id: notes not
// deleted, and (row-level security) only those the reader may see.
func ChosenPhotos(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string][]Photo, error) {
	rows, err := q.Query(ctx, `SELECT f.id::text, f.note_id::text, f.filename FROM evidence_note_files f
		JOIN evidence_notes n ON n.tenant_id = f.tenant_id AND n.id = f.note_id AND n.deleted_at IS NULL
		WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.practice_ok
			AND EXISTS (SELECT 1 FROM practice_examples e WHERE e.tenant_id = f.tenant_id AND e.review_id = f.review_id AND e.note_id = f.note_id)
		ORDER BY f.note_id, f.position`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("practice: chosen photos of %s: %w", reviewID, err)
	}
	out := map[string][]Photo{}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Photo, error) {
		var p Photo
		return p, r.Scan(&p.ID, &p.NoteID, &p.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("practice: chosen photos of %s: %w", reviewID, err)
	}
	for _, p := range list {
		out[p.NoteID] = append(out[p.NoteID], p)
	}
	return out, nil
}
