package selfassess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Every change to the template (its elements, levels, settings and deadlines) is review.ChangeSetup:
// the review's stage may refuse it.

// RefusedError is a template change refused because it would break answers already given.
type RefusedError struct{ Field, Message string }

func (e *RefusedError) Error() string { return e.Message }

var errStale = apperr.Conflict("Someone else changed the self-assessment template while you were editing it. Check it and try again.")

// AddElement adds an element at the end.
func AddElement(ctx context.Context, q db.Querier, tenantID, reviewID string, in ElementInput) (string, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return "", err
	}
	var id string
	err := q.QueryRow(ctx, `INSERT INTO sa_elements (tenant_id, review_id, title, guidance, position)
		VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM sa_elements WHERE tenant_id = $1 AND review_id = $2))
		RETURNING id::text`, tenantID, reviewID, in.Title, in.Guidance).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("selfassess: add element: %w", db.MapError(err))
	}
	return id, nil
}

// UpdateElement renames an element and changes its guidance, at the version the form showed.
func UpdateElement(ctx context.Context, q db.Querier, tenantID, reviewID string, in ElementInput) (Element, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Element{}, err
	}
	var before Element
	err := q.QueryRow(ctx, `SELECT id::text, title, guidance, position, version FROM sa_elements
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`, tenantID, reviewID, in.ID).
		Scan(&before.ID, &before.Title, &before.Guidance, &before.Position, &before.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return before, apperr.NotFound("")
	} else if err != nil {
		return before, fmt.Errorf("selfassess: element %s: %w", in.ID, err)
	}
	if before.Title == in.Title && before.Guidance == in.Guidance {
		return before, nil
	}
	if before.Version != in.Version {
		return before, errStale
	}
	if _, err := q.Exec(ctx, `UPDATE sa_elements SET title = $4, guidance = $5, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, in.ID, in.Title, in.Guidance); err != nil {
		return before, fmt.Errorf("selfassess: update element %s: %w", in.ID, db.MapError(err))
	}
	return before, nil
}

// DeleteElement removes an element nobody has answered.
func DeleteElement(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Element, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Element{}, err
	}
	var e Element
	err := q.QueryRow(ctx, `SELECT e.id::text, e.title, e.guidance,
			(SELECT count(*) FROM sa_responses r WHERE r.tenant_id = e.tenant_id AND r.element_id = e.id)::int
		FROM sa_elements e WHERE e.tenant_id = $1 AND e.review_id = $2 AND e.id = $3 FOR UPDATE`, tenantID, reviewID, id).
		Scan(&e.ID, &e.Title, &e.Guidance, &e.Answered)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, apperr.NotFound("")
	} else if err != nil {
		return e, fmt.Errorf("selfassess: element %s: %w", id, err)
	}
	if e.Answered > 0 {
		return e, &RefusedError{Field: "element-" + id, Message: fmt.Sprintf(
			"%s cannot be removed because %d area(s) have answered it", e.Title, e.Answered)}
	}
	if _, err := q.Exec(ctx, `DELETE FROM sa_elements WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id); err != nil {
		return e, fmt.Errorf("selfassess: delete element %s: %w", id, db.MapError(err))
	}
	return e, nil
}

// move swaps a row of table with its neighbour up (-1) or down (+1) by position.
func move(ctx context.Context, q db.Querier, table, tenantID, reviewID, id string, dir int) error {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return err
	}
	rows, err := q.Query(ctx, `SELECT id::text FROM `+table+` WHERE tenant_id = $1 AND review_id = $2
		ORDER BY position, id FOR UPDATE`, tenantID, reviewID)
	if err != nil {
		return fmt.Errorf("selfassess: order of %s: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("selfassess: order of %s: %w", table, err)
	}
	at := -1
	for i, x := range ids {
		if x == id {
			at = i
		}
	}
	if at < 0 {
		return apperr.NotFound("")
	}
	to := at + dir
	if to < 0 || to >= len(ids) {
		return nil
	}
	ids[at], ids[to] = ids[to], ids[at]
	if _, err := q.Exec(ctx, `UPDATE `+table+` t SET position = o.pos FROM unnest($3::uuid[]) WITH ORDINALITY AS o(id, pos)
		WHERE t.tenant_id = $1 AND t.review_id = $2 AND t.id = o.id`, tenantID, reviewID, ids); err != nil {
		return fmt.Errorf("selfassess: reorder %s: %w", table, err)
	}
	return nil
}

// MoveElement moves an element up (-1) or down (+1).
func MoveElement(ctx context.Context, q db.Querier, tenantID, reviewID, id string, dir int) error {
	return move(ctx, q, "sa_elements", tenantID, reviewID, id, dir)
}

// MoveLevel moves a level up (-1) or down (+1).
func MoveLevel(ctx context.Context, q db.Querier, tenantID, reviewID, id string, dir int) error {
	return move(ctx, q, "sa_levels", tenantID, reviewID, id, dir)
}

// AddLevel adds a level at the top of the scale.
func AddLevel(ctx context.Context, q db.Querier, tenantID, reviewID string, in LevelInput) (string, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return "", err
	}
	var id string
	err := q.QueryRow(ctx, `INSERT INTO sa_levels (tenant_id, review_id, label, description, position)
		VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM sa_levels WHERE tenant_id = $1 AND review_id = $2))
		RETURNING id::text`, tenantID, reviewID, in.Label, in.Description).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("selfassess: add level: %w", db.MapError(err))
	}
	return id, nil
}

// UpdateLevel changes a level's label and description, at the version the form showed.
func UpdateLevel(ctx context.Context, q db.Querier, tenantID, reviewID string, in LevelInput) (Level, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Level{}, err
	}
	var before Level
	err := q.QueryRow(ctx, `SELECT id::text, label, description, position, version FROM sa_levels
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`, tenantID, reviewID, in.ID).
		Scan(&before.ID, &before.Label, &before.Description, &before.Position, &before.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return before, apperr.NotFound("")
	} else if err != nil {
		return before, fmt.Errorf("selfassess: level %s: %w", in.ID, err)
	}
	if before.Label == in.Label && before.Description == in.Description {
		return before, nil
	}
	if before.Version != in.Version {
		return before, errStale
	}
	if _, err := q.Exec(ctx, `UPDATE sa_levels SET label = $4, description = $5, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, in.ID, in.Label, in.Description); err != nil {
		return before, fmt.Errorf("selfassess: update level %s: %w", in.ID, db.MapError(err))
	}
	return before, nil
}

// DeleteLevel removes a level no answer uses.
func DeleteLevel(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Level, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return Level{}, err
	}
	var l Level
	err := q.QueryRow(ctx, `SELECT l.id::text, l.label, l.description,
			(SELECT count(*) FROM sa_responses r WHERE r.tenant_id = l.tenant_id AND r.level_id = l.id)::int
		FROM sa_levels l WHERE l.tenant_id = $1 AND l.review_id = $2 AND l.id = $3 FOR UPDATE`, tenantID, reviewID, id).
		Scan(&l.ID, &l.Label, &l.Description, &l.InUse)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, apperr.NotFound("")
	} else if err != nil {
		return l, fmt.Errorf("selfassess: level %s: %w", id, err)
	}
	if l.InUse > 0 {
		return l, &RefusedError{Field: "level-" + id, Message: fmt.Sprintf(
			"%s cannot be removed because %d answer(s) use it", l.Label, l.InUse)}
	}
	if _, err := q.Exec(ctx, `DELETE FROM sa_levels WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id); err != nil {
		return l, fmt.Errorf("selfassess: delete level %s: %w", id, db.MapError(err))
	}
	return l, nil
}

// SetCommentaryRequired changes whether every answer needs commentary. It reports whether it
// changed anything.
func SetCommentaryRequired(ctx context.Context, q db.Querier, tenantID, reviewID string, required bool) (bool, error) {
	if err := review.EnsureAllows(ctx, q, tenantID, reviewID, review.ChangeSetup); err != nil {
		return false, err
	}
	tag, err := q.Exec(ctx, `UPDATE sa_settings SET commentary_required = $3, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND commentary_required <> $3`, tenantID, reviewID, required)
	if err != nil {
		return false, fmt.Errorf("selfassess: commentary setting of %s: %w", reviewID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Deadlines reads the deadline of every area of the review that has one.
func Deadlines(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]time.Time, error) {
	rows, err := q.Query(ctx, `SELECT area_id::text, due FROM sa_deadlines WHERE tenant_id = $1 AND review_id = $2`,
		tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("selfassess: deadlines of %s: %w", reviewID, err)
	}
	out := map[string]time.Time{}
	var id string
	var due time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &due}, func() error { out[id] = due; return nil })
	if err != nil {
		return nil, fmt.Errorf("selfassess: deadlines of %s: %w", reviewID, err)
	}
	return out, nil
}

// SetDeadlines replaces the deadlines of the given areas (nil: no deadline), in one statement. Areas outside the review are ignored by the foreign key on review_areas.
func SetDeadlines(ctx context.Context, q db.Querier, tenantID, reviewID string, due map[string]*time.Time) error {
	var set, clear []string
	var dates []time.Time
	for id, d := range due {
		if d == nil {
			clear = append(clear, id)
		} else {
			set = append(set, id)
			dates = append(dates, *d)
		}
	}
	// One statement: the areas cleared and the areas set are different areas. It reads the
	// review's stage too (what it writes is undone with the transaction if the stage refuses it).
	var stage []string
	if err := q.QueryRow(ctx, `WITH cleared AS (
			DELETE FROM sa_deadlines WHERE tenant_id = $1 AND review_id = $2 AND area_id = ANY($5::uuid[])),
		saved AS (
			INSERT INTO sa_deadlines (tenant_id, area_id, review_id, due)
			SELECT $1, d.area_id, $2, d.due FROM unnest($3::uuid[], $4::date[]) AS d(area_id, due)
			JOIN review_areas ra ON ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = d.area_id
			ON CONFLICT (tenant_id, area_id) DO UPDATE SET due = EXCLUDED.due)
		SELECT `+review.StageColumn, tenantID, reviewID, set, dates, clear).Scan(&stage); err != nil {
		return fmt.Errorf("selfassess: set deadlines of %s: %w", reviewID, db.MapError(err))
	}
	return review.CheckStage(stage, review.ChangeSetup)
}
