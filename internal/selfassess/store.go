package selfassess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Seed gives a review the default template the first time it is needed: once, whatever the lead
// later does to it (the settings row is the marker). It reports whether it seeded.
func Seed(ctx context.Context, q db.Querier, tenantID, reviewID string) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO sa_settings (tenant_id, review_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		tenantID, reviewID)
	if err != nil {
		return false, fmt.Errorf("selfassess: seed settings of %s: %w", reviewID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	titles := make([]string, len(DefaultElements))
	guidance := make([]string, len(DefaultElements))
	for i, e := range DefaultElements {
		titles[i], guidance[i] = e.Title, e.Guidance
	}
	if _, err := q.Exec(ctx, `INSERT INTO sa_elements (tenant_id, review_id, title, guidance, position)
		SELECT $1, $2, e.title, e.guidance, e.pos FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(title, guidance, pos)`,
		tenantID, reviewID, titles, guidance); err != nil {
		return false, fmt.Errorf("selfassess: seed elements of %s: %w", reviewID, err)
	}
	labels := make([]string, len(DefaultLevels))
	descs := make([]string, len(DefaultLevels))
	for i, l := range DefaultLevels {
		labels[i], descs[i] = l.Label, l.Description
	}
	if _, err := q.Exec(ctx, `INSERT INTO sa_levels (tenant_id, review_id, label, description, position)
		SELECT $1, $2, l.label, l.description, l.pos FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS l(label, description, pos)`,
		tenantID, reviewID, labels, descs); err != nil {
		return false, fmt.Errorf("selfassess: seed levels of %s: %w", reviewID, err)
	}
	return true, nil
}

// elementsJSON and levelsJSON are a review's elements and levels as JSON, in order, each with
// how many answers use it, for review $2 of tenant $1.
const elementsJSON = `(SELECT coalesce(json_agg(json_build_object('ID', e.id, 'Title', e.title, 'Guidance', e.guidance,
			'Position', e.position, 'Version', e.version,
			'Answered', (SELECT count(*) FROM sa_responses r WHERE r.tenant_id = e.tenant_id AND r.element_id = e.id
				AND (r.level_id IS NOT NULL OR r.commentary <> ''))) ORDER BY e.position, e.id), '[]')
		FROM sa_elements e WHERE e.tenant_id = $1 AND e.review_id = $2)`

const levelsJSON = `(SELECT coalesce(json_agg(json_build_object('ID', l.id, 'Label', l.label, 'Description', l.description,
			'Position', l.position, 'Version', l.version,
			'InUse', (SELECT count(*) FROM sa_responses r WHERE r.tenant_id = l.tenant_id AND r.level_id = l.id))
			ORDER BY l.position, l.id), '[]')
		FROM sa_levels l WHERE l.tenant_id = $1 AND l.review_id = $2)`

// areaColumns are area $3's deadline, submission and answers (as JSON), from areaJoins.
const areaColumns = `d.due, s.status, s.submitted_at, su.name, s.reopened_at, ru.name, s.reopen_reason, s.version,
		(SELECT coalesce(json_agg(json_build_object('ElementID', x.element_id, 'LevelID', coalesce(x.level_id::text, ''),
				'Commentary', x.commentary, 'Version', x.version)), '[]')
			FROM sa_responses x WHERE x.tenant_id = $1 AND x.review_id = $2 AND x.area_id = $3)`

const areaJoins = `
		LEFT JOIN sa_deadlines d ON d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = $3
		LEFT JOIN sa_submissions s ON s.tenant_id = $1 AND s.review_id = $2 AND s.area_id = $3
		LEFT JOIN users su ON su.id = s.submitted_by
		LEFT JOIN users ru ON ru.id = s.reopened_by`

// areaScan holds areaColumns as scanned.
type areaScan struct {
	due                  *time.Time
	status, by, reopener *string
	submittedAt, reopAt  *time.Time
	reason               *string
	version              *int
	responses            []Response
}

func (x *areaScan) dest() []any {
	return []any{&x.due, &x.status, &x.submittedAt, &x.by, &x.reopAt, &x.reopener, &x.reason, &x.version, &x.responses}
}

func (x *areaScan) area() Area {
	a := Area{Deadline: x.due, Submission: Submission{Status: StatusDraft, SubmittedAt: x.submittedAt, ReopenedAt: x.reopAt},
		Responses: map[string]Response{}}
	s := &a.Submission
	if x.status != nil {
		s.Status = *x.status
	}
	if x.by != nil {
		s.SubmittedBy = *x.by
	}
	if x.reopener != nil {
		s.ReopenedBy = *x.reopener
	}
	if x.reason != nil {
		s.ReopenReason = *x.reason
	}
	if x.version != nil {
		s.Version = *x.version
	}
	for _, r := range x.responses {
		a.Responses[r.ElementID] = r
	}
	return a
}

// templateScan holds a template's columns as scanned: the settings are NULL when the review has
// none yet (it has not been seeded).
type templateScan struct {
	required *bool
	version  *int
	t        Template
}

func (x *templateScan) dest() []any {
	return []any{&x.required, &x.version, &x.t.Elements, &x.t.Levels}
}

// LoadTemplate reads a review's template, seeding the defaults first when it has none.
func LoadTemplate(ctx context.Context, q db.Querier, tenantID, reviewID string) (Template, error) {
	_, t, err := LoadTemplateTitled(ctx, q, tenantID, reviewID)
	return t, err
}

// LoadTemplateTitled reads a review's title and template in one statement, seeding the defaults
// first (and reading again) when it has none.
func LoadTemplateTitled(ctx context.Context, q db.Querier, tenantID, reviewID string) (string, Template, error) {
	for seeded := false; ; seeded = true {
		var title string
		var x templateScan
		err := q.QueryRow(ctx, `SELECT r.title, st.commentary_required, st.version, `+elementsJSON+`, `+levelsJSON+`
			FROM reviews r LEFT JOIN sa_settings st ON st.tenant_id = r.tenant_id AND st.review_id = r.id
			WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID).Scan(append([]any{&title}, x.dest()...)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", Template{}, apperr.NotFound("Review not found")
		}
		if err != nil {
			return "", Template{}, fmt.Errorf("selfassess: template of %s: %w", reviewID, err)
		}
		if x.required != nil {
			x.t.CommentaryRequired, x.t.Version = *x.required, *x.version
			return title, x.t, nil
		}
		if seeded {
			return "", Template{}, fmt.Errorf("selfassess: settings of %s: %w", reviewID, pgx.ErrNoRows)
		}
		if _, err := Seed(ctx, q, tenantID, reviewID); err != nil {
			return "", Template{}, err
		}
	}
}

// LoadArea reads one area's deadline, submission and answers, in one statement.
func LoadArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Area, error) {
	var x areaScan
	err := q.QueryRow(ctx, `SELECT `+areaColumns+` FROM (SELECT 1) one`+areaJoins, tenantID, reviewID, areaID).Scan(x.dest()...)
	if err != nil {
		return Area{}, fmt.Errorf("selfassess: self-assessment of %s: %w", areaID, err)
	}
	return x.area(), nil
}

// Page is what every page of an area's self-assessment shows: the review's title, the area's
// local authority (its name as stored), the template and the area's answers.
type Page struct {
	ReviewTitle string
	AreaName    string
	Template    Template
	Area        Area
}

// LoadPage reads an area's self-assessment page in one statement, seeding the review's template
// first (and reading again) when it has none. An area of another review, or none, is not found.
func LoadPage(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Page, error) {
	if !db.ValidUUID(areaID) || !db.ValidUUID(reviewID) {
		return Page{}, apperr.NotFound("Area not found")
	}
	for seeded := false; ; seeded = true {
		var p Page
		var tx templateScan
		var ax areaScan
		dest := append([]any{&p.ReviewTitle, &p.AreaName}, tx.dest()...)
		err := q.QueryRow(ctx, `SELECT r.title, la.name, st.commentary_required, st.version, `+elementsJSON+`, `+levelsJSON+`,
				`+areaColumns+`
			FROM reviews r
			JOIN review_areas ra ON ra.tenant_id = r.tenant_id AND ra.review_id = r.id AND ra.id = $3
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			LEFT JOIN sa_settings st ON st.tenant_id = r.tenant_id AND st.review_id = r.id`+areaJoins+`
			WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID, areaID).Scan(append(dest, ax.dest()...)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return Page{}, apperr.NotFound("Area not found")
		}
		if err != nil {
			return Page{}, fmt.Errorf("selfassess: page of %s: %w", areaID, err)
		}
		if tx.required != nil {
			tx.t.CommentaryRequired, tx.t.Version = *tx.required, *tx.version
			p.Template, p.Area = tx.t, ax.area()
			return p, nil
		}
		if seeded {
			return Page{}, fmt.Errorf("selfassess: settings of %s: %w", reviewID, pgx.ErrNoRows)
		}
		if _, err := Seed(ctx, q, tenantID, reviewID); err != nil {
			return Page{}, err
		}
	}
}

// lockSubmission takes the area's submission row (creating it as a draft), so that saves, submit
// and reopen on one area run one at a time, and reports its status. Every change to an area's
// self-assessment starts here, so it first refuses one the review's stage does not allow: the
// self-assessments are evidence (review.ChangeEvidence), counted in the report's methodology.
func lockSubmission(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (string, int, error) {
	if _, err := q.Exec(ctx, `INSERT INTO sa_submissions (tenant_id, area_id, review_id) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, tenantID, areaID, reviewID); err != nil {
		return "", 0, fmt.Errorf("selfassess: submission of %s: %w", areaID, db.MapError(err))
	}
	var status string
	var version int
	var stage []string
	if err := q.QueryRow(ctx, `SELECT status, version, `+review.StageColumn+` FROM sa_submissions
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3 FOR UPDATE`, tenantID, reviewID, areaID).Scan(&status, &version, &stage); err != nil {
		return "", 0, fmt.Errorf("selfassess: lock submission of %s: %w", areaID, err)
	}
	return status, version, review.CheckStage(stage, review.ChangeEvidence)
}

// ErrSubmitted is a change refused because the self-assessment is submitted.
var ErrSubmitted = apperr.Conflict("This self-assessment has been submitted. The review lead must reopen it before it can be changed.")

// SaveAnswer stores an area's answer to one element. in.Version is the version the form showed
// (0 for none); a stale version is a conflict unless the stored answer already equals the input (a
// double-submitted form). It reports the answer as stored and whether anything changed.
func SaveAnswer(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID string, t Template, in AnswerInput) (Response, Response, bool, error) {
	var before Response
	if _, ok := t.Element(in.ElementID); !ok {
		return before, before, false, apperr.NotFound("")
	}
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return before, before, false, err
	}
	if status == StatusSubmitted {
		return before, before, false, ErrSubmitted
	}
	err = q.QueryRow(ctx, `SELECT element_id::text, coalesce(level_id::text, ''), commentary, version FROM sa_responses
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3 AND element_id = $4`, tenantID, reviewID, areaID, in.ElementID).
		Scan(&before.ElementID, &before.LevelID, &before.Commentary, &before.Version)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return before, before, false, fmt.Errorf("selfassess: answer of %s: %w", areaID, err)
	}
	if before.Version > 0 && before.LevelID == in.LevelID && before.Commentary == in.Commentary {
		return before, before, false, nil // nothing to change: a repeat of the same save
	}
	if before.Version != in.Version {
		return before, before, false, apperr.Conflict("Someone else changed this answer while you were editing it. " +
			"Their answer is shown below: check it and save again.")
	}
	var level any
	if in.LevelID != "" {
		level = in.LevelID
	}
	after := Response{ElementID: in.ElementID, LevelID: in.LevelID, Commentary: in.Commentary}
	err = q.QueryRow(ctx, `INSERT INTO sa_responses (tenant_id, area_id, element_id, review_id, level_id, commentary, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, area_id, element_id) DO UPDATE SET level_id = EXCLUDED.level_id,
			commentary = EXCLUDED.commentary, updated_by = EXCLUDED.updated_by, updated_at = now(),
			version = sa_responses.version + 1
		RETURNING version`, tenantID, areaID, in.ElementID, reviewID, level, in.Commentary, userID).Scan(&after.Version)
	if err != nil {
		return before, after, false, fmt.Errorf("selfassess: save answer of %s: %w", areaID, db.MapError(err))
	}
	return before, after, true, nil
}

// answerChange is an answer to write, with its element's title for the audit log.
type answerChange struct {
	Title string
	In    AnswerInput
}

// saveAnswers writes an area's answers in one statement, with one audit entry
// ("selfassess.imported") of those it changed, as SaveAnswer would one by one: an answer stored
// already as given is left alone, and one whose version is not the input's is a conflict, named by
// its element's title, and then nothing is written. The caller holds the submission's lock
// (lockSubmission), so the statement reads every answer as it stands.
func saveAnswers(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID string, changes []answerChange) (saved int, conflict string, err error) {
	n := len(changes)
	elements, levels, commentaries, titles := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	versions, order := make([]int32, n), make([]int32, n)
	for i, c := range changes {
		elements[i], levels[i], commentaries[i], titles[i] = c.In.ElementID, c.In.LevelID, c.In.Commentary, c.Title
		versions[i], order[i] = int32(c.In.Version), int32(i)
	}
	meta := audit.MetaFrom(ctx)
	var first *string
	err = tx.QueryRow(ctx, `WITH i AS (
			SELECT * FROM unnest($4::uuid[], $5::text[], $6::text[], $7::int[], $8::text[], $9::int[])
				AS i (element_id, level, commentary, version, title, n)),
		c AS (SELECT i.*, coalesce(r.version, 0) AS cur_version, coalesce(r.level_id::text, '') AS cur_level,
				coalesce(r.commentary, '') AS cur_commentary
			FROM i LEFT JOIN sa_responses r ON r.tenant_id = $1 AND r.area_id = $3 AND r.element_id = i.element_id),
		todo AS (SELECT * FROM c WHERE NOT (cur_version > 0 AND cur_level = level AND cur_commentary = commentary)),
		bad AS (SELECT title FROM todo WHERE cur_version <> version ORDER BY n LIMIT 1),
		w AS (INSERT INTO sa_responses (tenant_id, area_id, element_id, review_id, level_id, commentary, updated_by)
			SELECT $1, $3, element_id, $2, nullif(level, '')::uuid, commentary, $10 FROM todo
			WHERE NOT EXISTS (SELECT 1 FROM bad)
			ON CONFLICT (tenant_id, area_id, element_id) DO UPDATE SET level_id = EXCLUDED.level_id,
				commentary = EXCLUDED.commentary, updated_by = EXCLUDED.updated_by, updated_at = now(),
				version = sa_responses.version + 1
			RETURNING element_id, version),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, $10, coalesce(nullif($11::text, ''), `+audit.ActorEmailSQL("$10::uuid")+`), 'selfassess.imported',
				'self_assessment', $12,
				(SELECT jsonb_agg(jsonb_build_object('element', t.title, 'level', t.cur_level, 'commentary', t.cur_commentary,
					'version', t.cur_version) ORDER BY t.n) FROM todo t JOIN w ON w.element_id = t.element_id),
				(SELECT jsonb_agg(jsonb_build_object('element', t.title, 'level', t.level, 'commentary', t.commentary,
					'version', w.version) ORDER BY t.n) FROM todo t JOIN w ON w.element_id = t.element_id),
				$13, $14
			WHERE EXISTS (SELECT 1 FROM w))
		SELECT (SELECT count(*) FROM w), (SELECT title FROM bad)`,
		sc.TenantID, sc.ReviewID, areaID, elements, levels, commentaries, versions, titles, order,
		sc.UserID, sc.Email, areaID, meta.RequestID, meta.IP).Scan(&saved, &first)
	if err != nil {
		return 0, "", fmt.Errorf("selfassess: save answers of %s: %w", areaID, db.MapError(err))
	}
	if first != nil {
		return 0, *first, nil
	}
	return saved, "", nil
}

// Submit submits an area's self-assessment, unless a required answer is missing (a
// *MissingError, nothing changed). Submitting what is already submitted changes nothing and
// reports false.
func Submit(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID string) (bool, error) {
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if status == StatusSubmitted {
		return false, nil
	}
	t, err := LoadTemplate(ctx, q, tenantID, reviewID)
	if err != nil {
		return false, err
	}
	a, err := LoadArea(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if len(t.Elements) == 0 {
		return false, apperr.Invalid("This self-assessment has no elements to answer yet.")
	}
	if m := t.Missing(a); len(m) > 0 {
		return false, &MissingError{Elements: m}
	}
	if _, err := q.Exec(ctx, `UPDATE sa_submissions SET status = 'submitted', submitted_at = now(), submitted_by = $4,
			version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`, tenantID, reviewID, areaID, userID); err != nil {
		return false, fmt.Errorf("selfassess: submit %s: %w", areaID, err)
	}
	return true, nil
}

// Reopen lets an area change a submitted self-assessment again, with the lead's reason. Reopening
// what is not submitted changes nothing and reports false.
func Reopen(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, userID, reason string) (bool, error) {
	status, _, err := lockSubmission(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return false, err
	}
	if status != StatusSubmitted {
		return false, nil
	}
	if _, err := q.Exec(ctx, `UPDATE sa_submissions SET status = 'draft', reopened_at = now(), reopened_by = $4,
			reopen_reason = $5, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND area_id = $3`, tenantID, reviewID, areaID, userID, reason); err != nil {
		return false, fmt.Errorf("selfassess: reopen %s: %w", areaID, err)
	}
	return true, nil
}

// Progress is the task status of every area of the review that has started, by area id.
func Progress(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT ra.id::text,
			CASE WHEN s.status = 'submitted' THEN $3
				WHEN EXISTS (SELECT 1 FROM sa_responses r WHERE r.tenant_id = ra.tenant_id AND r.area_id = ra.id
					AND (r.level_id IS NOT NULL OR r.commentary <> '')) THEN $4
				ELSE $5 END
		FROM review_areas ra LEFT JOIN sa_submissions s ON s.tenant_id = ra.tenant_id AND s.area_id = ra.id
		WHERE ra.tenant_id = $1 AND ra.review_id = $2`, tenantID, reviewID, TaskCompleted, TaskInProgress, TaskNotStarted)
	if err != nil {
		return nil, fmt.Errorf("selfassess: progress of %s: %w", reviewID, err)
	}
	out := map[string]string{}
	var id, status string
	_, err = pgx.ForEachRow(rows, []any{&id, &status}, func() error { out[id] = status; return nil })
	if err != nil {
		return nil, fmt.Errorf("selfassess: progress of %s: %w", reviewID, err)
	}
	return out, nil
}

// PurgeReview takes the words out of a review's self-assessments, in tx (the retention purge):
// the answers (ratings and commentary) are deleted, and each submission stays, so that the count
// of submitted self-assessments comes out the same, without its reopening reason. It returns the
// ids of the action areas whose self-assessment it touched, each once.
func PurgeReview(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (areaIDs []string, err error) {
	err = tx.QueryRow(ctx, `WITH sr AS (DELETE FROM sa_responses WHERE tenant_id = $1 AND review_id = $2 RETURNING area_id),
		ss AS (UPDATE sa_submissions SET reopen_reason = '' WHERE tenant_id = $1 AND review_id = $2 RETURNING area_id)
		SELECT coalesce(array_agg(DISTINCT a), '{}') FROM (SELECT area_id::text AS a FROM sr UNION SELECT area_id::text FROM ss) x`,
		tenantID, reviewID).Scan(&areaIDs)
	if err != nil {
		return nil, fmt.Errorf("selfassess: purge self-assessments of %s: %w", reviewID, err)
	}
	return areaIDs, nil
}
