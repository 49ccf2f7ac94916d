package recommendation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/text"
)

// StaleMessage is shown when a recommendation changed since the editor opened it.
const StaleMessage = "Someone else changed this recommendation after you opened it"

// FindingMessage refuses findings that are not the review's.
const FindingMessage = "Choose findings of this review"

const notFoundLabel = "recommendation"

// Refused is a change refused with messages for the form.
type Refused struct{ Errors *form.Errors }

func (r *Refused) Error() string {
	msgs := []string{}
	for _, fe := range r.Errors.List() {
		msgs = append(msgs, fe.Message)
	}
	return "recommendation: " + strings.Join(msgs, "; ")
}

// Unwrap makes a refusal a 422.
func (r *Refused) Unwrap() error { return apperr.Invalid("%s", r.Error()) }

// StaleError is an edit from an old version; Current is the recommendation as it is now.
type StaleError struct{ Current Recommendation }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale edit a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// selectRecommendations reads recommendations in order with their numbers and the findings they
// answer (in report order), in one statement. The number is counted over the whole review, so
// it is right when where narrows the rows (where adds conditions on r.* of the outer query, with
// parameters from $3).
func selectRecommendations(where string) string {
	return `WITH numbered AS (
			SELECT r.*, row_number() OVER (ORDER BY r.position, r.created_at, r.id) AS number
			FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2)
		SELECT r.id::text, r.review_id::text, r.number, r.position, r.body, r.addressee, r.version,
			coalesce((SELECT array_agg(f.id::text ORDER BY g.position, aa.position, f.position, f.created_at)
				FROM recommendation_findings rf
				JOIN findings f ON f.tenant_id = rf.tenant_id AND f.id = rf.finding_id
				JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
				JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
				WHERE rf.tenant_id = r.tenant_id AND rf.recommendation_id = r.id), '{}')
		FROM numbered r WHERE true ` + where + `
		ORDER BY r.number`
}

func collect(rows pgx.Rows) ([]Recommendation, error) {
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Recommendation, error) {
		var r Recommendation
		err := row.Scan(&r.ID, &r.ReviewID, &r.Number, &r.Position, &r.Body, &r.Addressee, &r.Version, &r.FindingIDs)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("recommendation: list: %w", err)
	}
	return out, nil
}

// List reads a review's recommendations in order, numbered, with the findings each answers, in
// one query.
func List(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Recommendation, error) {
	rows, err := q.Query(ctx, selectRecommendations(""), tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("recommendation: list: %w", err)
	}
	return collect(rows)
}

// Get reads one recommendation.
func Get(ctx context.Context, q db.Querier, tenantID, reviewID, id string) (Recommendation, error) {
	if !db.ValidUUID(id) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	rows, err := q.Query(ctx, selectRecommendations("AND r.id = $3"), tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: get: %w", err)
	}
	rs, err := collect(rows)
	if err != nil {
		return Recommendation{}, err
	}
	if len(rs) == 0 {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	return rs[0], nil
}

// checkFindings verifies every finding is the review's.
func checkFindings(ctx context.Context, q db.Querier, tenantID, reviewID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if !db.ValidUUID(id) {
			return refuseFindings()
		}
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM findings WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($3::uuid[])`,
		tenantID, reviewID, ids).Scan(&n); err != nil {
		return fmt.Errorf("recommendation: check findings: %w", err)
	}
	if n != len(ids) {
		return refuseFindings()
	}
	return nil
}

func refuseFindings() error {
	errs := &form.Errors{}
	errs.Add("findings", FindingMessage)
	return &Refused{errs}
}

// link replaces the findings a recommendation answers.
func link(ctx context.Context, tx pgx.Tx, tenantID, id string, findingIDs []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recommendation_findings WHERE tenant_id = $1 AND recommendation_id = $2
		AND NOT (finding_id = ANY($3::uuid[]))`, tenantID, id, findingIDs); err != nil {
		return fmt.Errorf("recommendation: link findings: %w", err)
	}
	if len(findingIDs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
		SELECT $1, $2, f FROM unnest($3::uuid[]) f ON CONFLICT DO NOTHING`, tenantID, id, findingIDs); err != nil {
		return fmt.Errorf("recommendation: link findings: %w", err)
	}
	return nil
}

// Create adds a recommendation at the end of the list. It is idempotent on in.Key: a double
// submission returns the first recommendation's id and created=false.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, in Input) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid("The form has expired. Copy your recommendation, reload the page and try again.")
	}
	err = tx.QueryRow(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
		tenantID, reviewID, in.Key).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("recommendation: create: find by key: %w", err)
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return "", false, err
	}
	if err := checkFindings(ctx, tx, tenantID, reviewID, in.FindingIDs); err != nil {
		return "", false, err
	}
	// Two first recommendations at once would take the same position: the lock orders them.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recommendations:' || $1, 0))`, reviewID); err != nil {
		return "", false, fmt.Errorf("recommendation: create: lock: %w", err)
	}
	err = tx.QueryRow(ctx, `INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
		VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM recommendations WHERE tenant_id = $1 AND review_id = $2),
			$3, $4, $5, $6)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		tenantID, reviewID, in.Body, in.Addressee, in.Key, actorID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) { // a concurrent submission with the same key won
		err = tx.QueryRow(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			tenantID, reviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("recommendation: create: find by key: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("recommendation: create: %w", db.MapError(err))
	}
	if err := link(ctx, tx, tenantID, id, in.FindingIDs); err != nil {
		return "", false, err
	}
	return id, true, nil
}

// lock reads a recommendation for update and checks the editor's version.
func lock(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Recommendation, error) {
	if !db.ValidUUID(id) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	var v int
	err := tx.QueryRow(ctx, `SELECT version FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3 FOR UPDATE`,
		tenantID, reviewID, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return Recommendation{}, apperr.NotFound(notFoundLabel)
	}
	if err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: lock: %w", err)
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, err
	}
	if version != cur.Version {
		return Recommendation{}, &StaleError{Current: cur}
	}
	return cur, nil
}

// Update edits a recommendation from the version the editor saw, replacing the findings it
// answers. It returns the recommendation before and after.
func Update(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input) (Recommendation, Recommendation, error) {
	cur, err := lock(ctx, tx, tenantID, reviewID, id, in.Version)
	if err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if errs := in.Validate(); errs.Any() {
		return Recommendation{}, Recommendation{}, &Refused{errs}
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if err := checkFindings(ctx, tx, tenantID, reviewID, in.FindingIDs); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE recommendations SET body = $4, addressee = $5, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, id, in.Body, in.Addressee); err != nil {
		return Recommendation{}, Recommendation{}, fmt.Errorf("recommendation: update: %w", db.MapError(err))
	}
	if err := link(ctx, tx, tenantID, id, in.FindingIDs); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	after, err := Get(ctx, tx, tenantID, reviewID, id)
	return cur, after, err
}

// Delete removes a recommendation seen at version; the ones after it move up a number.
func Delete(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int) (Recommendation, error) {
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeSynthesis); err != nil {
		return Recommendation{}, err
	}
	cur, err := lock(ctx, tx, tenantID, reviewID, id, version)
	if err != nil {
		return Recommendation{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, id); err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: delete: %w", err)
	}
	return cur, nil
}

// Move swaps a recommendation with the one before it (up) or after it. It returns its number
// before and after; equal when it was already first or last.
func Move(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, up bool) (from, to int, err error) {
	return moveAudited(ctx, tx, tenantID, reviewID, id, up, nil)
}

// moveAudited is Move writing the entry entry makes of the numbers before and after when the
// recommendation moved, in three statements: the stage read with the list's lock taken, the
// list locked in order, and the renumbering with the entry.
func moveAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, up bool, entry func(from, to int) audit.Event) (from, to int, err error) {
	if !db.ValidUUID(id) {
		return 0, 0, apperr.NotFound(notFoundLabel)
	}
	var stage []string
	if err := tx.QueryRow(ctx, `SELECT `+stageColumn+`, pg_advisory_xact_lock(hashtextextended('recommendations:' || $2::text, 0))::text`,
		tenantID, reviewID).Scan(&stage, new(string)); err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: lock: %w", err)
	}
	if err := review.CheckStage(stage, review.ChangeSynthesis); err != nil {
		return 0, 0, err
	}
	// The list in order: numbers from the order, so positions that tie or have gaps still swap.
	rows, err := tx.Query(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2
		ORDER BY position, created_at, id FOR UPDATE`, tenantID, reviewID)
	if err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	i := -1
	for k, x := range ids {
		if x == id {
			i = k
		}
	}
	if i < 0 {
		return 0, 0, apperr.NotFound(notFoundLabel)
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(ids) {
		return i + 1, i + 1, nil
	}
	ids[i], ids[j] = ids[j], ids[i]
	// Renumber the whole list 1..n in one statement, with the entry.
	sql := `UPDATE recommendations r SET position = o.n
		FROM unnest($3::uuid[]) WITH ORDINALITY AS o(id, n)
		WHERE r.tenant_id = $1 AND r.review_id = $2 AND r.id = o.id AND r.position <> o.n`
	args := []any{tenantID, reviewID, ids}
	if entry != nil {
		var audited string
		if audited, args, err = audit.Insert(ctx, entry(i+1, j+1), args); err != nil {
			return 0, 0, err
		}
		sql = `WITH renumbered AS (` + sql + `), entry AS (` + audited + `) SELECT 1`
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return 0, 0, fmt.Errorf("recommendation: move: %w", err)
	}
	return i + 1, j + 1, nil
}

// addresseeSQL is the addressees list's spelling of $3 (spaces already collapsed, as
// review.FindTerm compares), read with a command's checks; NULL when the list lacks it.
const addresseeSQL = `(SELECT a.name FROM review_addressees a WHERE a.tenant_id = $1 AND a.review_id = $2 AND lower(a.name) = lower($3))`

// stageColumn is the review's stage ($1 tenant, $2 review), as review.CheckStage reads it.
const stageColumn = review.StageColumn

// orderedFindings is the findings of review $2 among the ids of parameter p, in report order,
// as a text array (what Get reads as FindingIDs).
func orderedFindings(p string) string {
	return `(SELECT coalesce(array_agg(f.id::text ORDER BY g.position, aa.position, f.position, f.created_at), '{}')
		FROM findings f
		JOIN action_areas aa ON aa.tenant_id = f.tenant_id AND aa.id = f.action_area_id
		JOIN framework_groups g ON g.tenant_id = aa.tenant_id AND g.id = aa.group_id
		WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = ANY(` + p + `::uuid[]))`
}

// checked is what a command's first statement read for its checks.
type checked struct {
	stage     []string
	addressee *string // the list's spelling of the addressee chosen; nil when the list lacks it
	findings  int     // how many of the findings chosen are the review's
}

// spell is the list's spelling of name, or a refusal when the list no longer has it. A blank or
// too long name is left to Validate, as before the list was read.
func (c checked) spell(name string) (string, error) {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 200 {
		return name, nil
	}
	if c.addressee == nil {
		errs := &form.Errors{}
		errs.Add("addressee", "Choose who the recommendation is for: the list of addressees has changed")
		return name, &Refused{Errors: errs}
	}
	return *c.addressee, nil
}

// checkFound refuses findings that are not all the review's.
func (c checked) checkFound(ids []string) error {
	for _, id := range ids {
		if !db.ValidUUID(id) {
			return refuseFindings()
		}
	}
	if c.findings != len(ids) {
		return refuseFindings()
	}
	return nil
}

// validIDs are the ids that can be read as uuids (the others are refused by checkFound).
func validIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if db.ValidUUID(id) {
			out = append(out, id)
		}
	}
	return out
}

// createAudited is Create writing the entry e (its object id and after filled from the row
// written), in two statements: one takes the list's lock and reads the checks (a recommendation
// saved under the key already, the stage, the findings and, with spell, the addressee's
// spelling), one writes the recommendation, its findings and the entry.
func createAudited(ctx context.Context, tx pgx.Tx, sc db.Scope, in Input, spell bool, e audit.Event) (id string, created bool, err error) {
	errs := in.Validate()
	name := strings.Join(strings.Fields(in.Addressee), " ")
	var c checked
	var existing *string
	// Two first recommendations at once would take the same position: the lock orders them.
	if err := tx.QueryRow(ctx, `SELECT `+stageColumn+`, `+addresseeSQL+`,
			(SELECT count(*) FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = ANY($5::uuid[])),
			(SELECT r.id::text FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2 AND r.idempotency_key = $4),
			pg_advisory_xact_lock(hashtextextended('recommendations:' || $2::text, 0))::text`,
		sc.TenantID, sc.ReviewID, name, strings.TrimSpace(in.Key), validIDs(in.FindingIDs)).Scan(&c.stage, &c.addressee, &c.findings, &existing, new(string)); err != nil {
		return "", false, fmt.Errorf("recommendation: create: %w", err)
	}
	if spell {
		if in.Addressee, err = c.spell(in.Addressee); err != nil {
			return "", false, err
		}
	}
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > 64 {
		return "", false, apperr.Invalid("The form has expired. Copy your recommendation, reload the page and try again.")
	}
	if existing != nil {
		return *existing, false, nil
	}
	if errs.Any() {
		return "", false, &Refused{errs}
	}
	if err := review.CheckStage(c.stage, review.ChangeSynthesis); err != nil {
		return "", false, err
	}
	if err := c.checkFound(in.FindingIDs); err != nil {
		return "", false, err
	}
	args := []any{sc.TenantID, sc.ReviewID, in.Body, in.Addressee, in.Key, sc.UserID, in.FindingIDs}
	// The entry's after is Audit of the recommendation as Get would read it: last in the list.
	entry, args := audit.EntryFrom(ctx, e, args, "ins.id::text", "NULL::jsonb", `jsonb_build_object('review_id', ins.review_id::text,
			'number', (SELECT count(*) FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2) + 1,
			'body', $3::text, 'addressee', $4::text, 'finding_ids', to_jsonb(`+orderedFindings("$7")+`))`, "ins")
	var made *string
	err = tx.QueryRow(ctx, `WITH ins AS (INSERT INTO recommendations (tenant_id, review_id, position, body, addressee,
				idempotency_key, created_by)
			VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM recommendations WHERE tenant_id = $1 AND review_id = $2),
				$3, $4, $5, $6)
			ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id, review_id),
		links AS (INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
			SELECT $1, ins.id, f FROM ins, unnest($7::uuid[]) f ON CONFLICT DO NOTHING),
		entry AS (`+entry+`)
		SELECT (SELECT id::text FROM ins)`, args...).Scan(&made)
	if err != nil {
		return "", false, fmt.Errorf("recommendation: create: %w", db.MapError(err))
	}
	if made == nil { // a concurrent submission with the same key won
		err = tx.QueryRow(ctx, `SELECT id::text FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = $3`,
			sc.TenantID, sc.ReviewID, in.Key).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("recommendation: create: find by key: %w", err)
		}
		return id, false, nil
	}
	return *made, true, nil
}

// lockChecked locks recommendation id and reads the checks of a change (the stage, the
// findings chosen and the addressee's spelling of name) in one statement.
func lockChecked(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id, name string, findingIDs []string) (checked, error) {
	var c checked
	if !db.ValidUUID(id) {
		return c, apperr.NotFound(notFoundLabel)
	}
	err := tx.QueryRow(ctx, `SELECT `+stageColumn+`, `+addresseeSQL+`,
			(SELECT count(*) FROM findings f WHERE f.tenant_id = $1 AND f.review_id = $2 AND f.id = ANY($5::uuid[]))
		FROM recommendations r WHERE r.tenant_id = $1 AND r.review_id = $2 AND r.id = $4 FOR UPDATE OF r`,
		tenantID, reviewID, strings.Join(strings.Fields(name), " "), id, validIDs(findingIDs)).Scan(&c.stage, &c.addressee, &c.findings)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.NotFound(notFoundLabel)
	}
	if err != nil {
		return c, fmt.Errorf("recommendation: lock: %w", err)
	}
	return c, nil
}

// updateAudited is Update writing the entry entry makes of the recommendation before and after
// (refused by its checks, it answers the recommendation before when it was read), in three
// statements: the lock with the checks (with spell, the addressee's spelling), the
// recommendation read, and one that writes it, its findings and the entry.
func updateAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, in Input, spell bool,
	entry func(before, after Recommendation) audit.Event) (Recommendation, Recommendation, error) {
	c, err := lockChecked(ctx, tx, tenantID, reviewID, id, in.Addressee, text.DedupeTrimmed(in.FindingIDs))
	if err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if spell {
		if in.Addressee, err = c.spell(in.Addressee); err != nil {
			return Recommendation{}, Recommendation{}, err
		}
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if in.Version != cur.Version {
		return Recommendation{}, Recommendation{}, &StaleError{Current: cur}
	}
	// A refusal from here on answers the recommendation read, for the form shown again.
	if errs := in.Validate(); errs.Any() {
		return cur, Recommendation{}, &Refused{errs}
	}
	if err := review.CheckStage(c.stage, review.ChangeSynthesis); err != nil {
		return Recommendation{}, Recommendation{}, err
	}
	if err := c.checkFound(in.FindingIDs); err != nil {
		return cur, Recommendation{}, err
	}
	after := cur
	after.Body, after.Addressee, after.Version = in.Body, in.Addressee, cur.Version+1
	e := entry(cur, after)
	before, err := json.Marshal(e.Before)
	if err != nil {
		return Recommendation{}, Recommendation{}, fmt.Errorf("recommendation: update: %w", err)
	}
	// The entry's after is Audit(after) with its findings in report order, as Get reads them.
	partial := Audit(after)
	delete(partial, "finding_ids")
	base, err := json.Marshal(partial)
	if err != nil {
		return Recommendation{}, Recommendation{}, fmt.Errorf("recommendation: update: %w", err)
	}
	args := []any{tenantID, reviewID, id, in.Body, in.Addressee, in.FindingIDs, before, base}
	sql, args := audit.EntryFrom(ctx, e, args, "$3::text", "$7::jsonb",
		"$8::jsonb || jsonb_build_object('finding_ids', to_jsonb(ordered.ids))", "ordered")
	err = tx.QueryRow(ctx, `WITH saved AS (UPDATE recommendations SET body = $4, addressee = $5, version = version + 1,
				updated_at = now()
			WHERE tenant_id = $1 AND review_id = $2 AND id = $3),
		unlinked AS (DELETE FROM recommendation_findings WHERE tenant_id = $1 AND recommendation_id = $3
			AND NOT (finding_id = ANY($6::uuid[]))),
		linked AS (INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
			SELECT $1, $3, f FROM unnest($6::uuid[]) f ON CONFLICT DO NOTHING),
		ordered AS (SELECT `+orderedFindings("$6")+` AS ids),
		entry AS (`+sql+`)
		SELECT ids FROM ordered`, args...).Scan(&after.FindingIDs)
	if err != nil {
		return Recommendation{}, Recommendation{}, fmt.Errorf("recommendation: update: %w", db.MapError(err))
	}
	return cur, after, nil
}

// deleteAudited is Delete writing the entry entry makes of the recommendation, in three
// statements: the lock with the stage, the read and the delete with the entry.
func deleteAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, id string, version int, entry func(Recommendation) audit.Event) (Recommendation, error) {
	c, err := lockChecked(ctx, tx, tenantID, reviewID, id, "", nil)
	if err != nil {
		return Recommendation{}, err
	}
	if err := review.CheckStage(c.stage, review.ChangeSynthesis); err != nil {
		return Recommendation{}, err
	}
	cur, err := Get(ctx, tx, tenantID, reviewID, id)
	if err != nil {
		return Recommendation{}, err
	}
	if version != cur.Version {
		return Recommendation{}, &StaleError{Current: cur}
	}
	sql, args, err := audit.Insert(ctx, entry(cur), []any{tenantID, reviewID, id})
	if err != nil {
		return Recommendation{}, err
	}
	if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM recommendations WHERE tenant_id = $1 AND review_id = $2 AND id = $3),
		entry AS (`+sql+`) SELECT 1`, args...); err != nil {
		return Recommendation{}, fmt.Errorf("recommendation: delete: %w", err)
	}
	return cur, nil
}
