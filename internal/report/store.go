package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Report states.
const (
	StatusDraft            = "draft"
	StatusQA               = "quality_assurance"
	StatusChangesRequested = "changes_requested"
	StatusApproved         = "approved"
	StatusPublished        = "published"
)

// StatusLabel is a state as people read it.
func StatusLabel(s string) string {
	return map[string]string{StatusDraft: "Draft", StatusQA: "In quality assurance", StatusChangesRequested: "Changes requested",
		StatusApproved: "Approved", StatusPublished: "Published"}[s]
}

// State is where a review's report stands.
type State struct {
	Status           string
	Note             string // the reason given with the last step (changes requested…)
	By               string // user id of who took the last step
	ByName           string
	At               time.Time
	PublishedVersion int
	Version          int // 0 when no step has been taken yet
	// ApprovedHash and ApprovedVersion record what the second lead approved: the hash of the
	// document model (Hash) and the version the approval saved. They are kept while the report is
	// approved or published, and after an approval lapses (so the page can show what changed);
	// any other step clears them.
	ApprovedHash    string
	ApprovedVersion int
}

// Locked reports whether the report can no longer change.
func (s State) Locked() bool { return s.Status == StatusPublished }

// LoadState reads the report's state (draft when nothing is stored yet).
func LoadState(ctx context.Context, q db.Querier, tenantID, reviewID string) (State, error) {
	return loadState(ctx, q, tenantID, reviewID, "")
}

// loadState is LoadState; lock is "" or a locking clause for the report's row.
func loadState(ctx context.Context, q db.Querier, tenantID, reviewID, lock string) (State, error) {
	var s State
	var by *string
	var pub, approved *int
	err := q.QueryRow(ctx, `SELECT r.status, r.status_note, r.status_by::text, coalesce(u.name, ''), r.status_at,
			r.published_version, r.version, coalesce(r.approved_hash, ''), r.approved_version
		FROM reports r LEFT JOIN users u ON u.id = r.status_by
		WHERE r.tenant_id = $1 AND r.review_id = $2`+lock, tenantID, reviewID).
		Scan(&s.Status, &s.Note, &by, &s.ByName, &s.At, &pub, &s.Version, &s.ApprovedHash, &approved)
	if errors.Is(err, pgx.ErrNoRows) {
		return State{Status: StatusDraft}, nil
	}
	if err != nil {
		return s, fmt.Errorf("report: state: %w", err)
	}
	if by != nil {
		s.By = *by
	}
	if pub != nil {
		s.PublishedVersion = *pub
	}
	if approved != nil {
		s.ApprovedVersion = *approved
	}
	return s, nil
}

// Step is a move of the report from one state to another. Every step but approval moves the
// review's stage with it (stage.go).
type Step struct {
	From, To string
	Label    string // the button
	ByQA     bool   // taken by the quality assurer: a lead other than the one who sent it
	BySender bool   // taken by the lead who sent the report for quality assurance
	NeedNote bool
}

// Steps are the moves the workflow allows.
var Steps = []Step{
	{From: StatusDraft, To: StatusQA, Label: "Send for quality assurance"},
	{From: StatusChangesRequested, To: StatusQA, Label: "Send for quality assurance again"},
	{From: StatusQA, To: StatusChangesRequested, Label: "Request changes", ByQA: true, NeedNote: true},
	{From: StatusQA, To: StatusApproved, Label: "Approve", ByQA: true},
	{From: StatusQA, To: StatusDraft, Label: "Withdraw from quality assurance", BySender: true, NeedNote: true},
	{From: StatusApproved, To: StatusDraft, Label: "Return to draft", NeedNote: true},
	{From: StatusApproved, To: StatusPublished, Label: "Publish"},
	{From: StatusPublished, To: StatusDraft, Label: "Correct the published report", NeedNote: true},
}

// StepError is a step the workflow refuses, with the reason to show.
type StepError struct {
	Message string
	Field   string // "note" when the note (the reason) is at fault, FieldReviewNotes, else ""
}

// FieldReviewNotes is StepError.Field when review notes not yet cleared stop the step.
const FieldReviewNotes = "review-notes"

func (e *StepError) Error() string { return e.Message }

// Unwrap makes a refused step a 422.
func (e *StepError) Unwrap() error { return apperr.Invalid("%s", e.Message) }

// Allowed lists the steps actorID may take from state s. Every step is for the review's leads;
// quality assurance decisions need a lead other than the one who sent the report for it, and
// only that one may withdraw it.
func Allowed(s State, actorID string) []Step {
	var out []Step
	for _, st := range Steps {
		if st.From != s.Status || st.ByQA && s.By == actorID || st.BySender && s.By != actorID {
			continue
		}
		out = append(out, st)
	}
	return out
}

// lockState reads the report's state and locks its row (making it if need be) until the
// transaction ends.
func lockState(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (State, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO reports (tenant_id, review_id, version) VALUES ($1, $2, 0)
		ON CONFLICT (tenant_id, review_id) DO NOTHING`, tenantID, reviewID); err != nil {
		return State{}, fmt.Errorf("report: lock state: %w", err)
	}
	// The row is locked as it is read.
	return loadState(ctx, tx, tenantID, reviewID, " FOR UPDATE OF r")
}

// stateColumn is the report's state as a JSON column of review.LockStageWith, its row locked
// after the review's (NULL while the report has no row).
const stateColumn = `(SELECT json_build_object('Status', r.status, 'Note', r.status_note, 'By', coalesce(r.status_by::text, ''),
		'ByName', coalesce(u.name, ''), 'At', r.status_at, 'PublishedVersion', coalesce(r.published_version, 0),
		'Version', r.version, 'ApprovedHash', coalesce(r.approved_hash, ''), 'ApprovedVersion', coalesce(r.approved_version, 0))
		FROM reports r LEFT JOIN users u ON u.id = r.status_by
		WHERE r.tenant_id = $1 AND r.review_id = $2 FOR UPDATE OF r)`

// lockReviewAndState locks the review's row and then the report's, reading both in one statement;
// a report without a row yet gets one in one more (its inserter holds it).
func lockReviewAndState(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (review.Review, State, error) {
	var raw []byte
	rv, err := review.LockStageWith(ctx, tx, tenantID, reviewID, review.Columns{SQL: stateColumn, Dest: []any{&raw}})
	if err != nil {
		return rv, State{}, err
	}
	if raw == nil {
		var by *string
		var pub, approved *int
		var hash *string
		var st State
		err := tx.QueryRow(ctx, `INSERT INTO reports (tenant_id, review_id, version) VALUES ($1, $2, 0)
			ON CONFLICT (tenant_id, review_id) DO NOTHING
			RETURNING status, status_note, status_by::text, status_at, published_version, version, approved_hash, approved_version`,
			tenantID, reviewID).Scan(&st.Status, &st.Note, &by, &st.At, &pub, &st.Version, &hash, &approved)
		if errors.Is(err, pgx.ErrNoRows) {
			// Made meanwhile by another transaction: read it locked.
			st, err = lockState(ctx, tx, tenantID, reviewID)
			return rv, st, err
		}
		if err != nil {
			return rv, st, fmt.Errorf("report: make the report of %s: %w", reviewID, err)
		}
		if by != nil || pub != nil || approved != nil || hash != nil {
			// Not a new report's defaults: read it as lockState does, with the name of who acted.
			st, err = loadState(ctx, tx, tenantID, reviewID, " FOR UPDATE OF r")
		}
		return rv, st, err
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		return rv, st, fmt.Errorf("report: state of %s: %w", reviewID, err)
	}
	return rv, st, nil
}

// ensureOpen refuses changes to a published report. It holds a share lock on the report's row
// (making the row if need be) until the transaction ends, so a change checked here cannot land
// after a publication that Move, holding the row for update, commits meanwhile.
func ensureOpen(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO reports (tenant_id, review_id, version) VALUES ($1, $2, 0)
		ON CONFLICT (tenant_id, review_id) DO NOTHING`, tenantID, reviewID); err != nil {
		return fmt.Errorf("report: open check: %w", err)
	}
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM reports WHERE tenant_id = $1 AND review_id = $2 FOR SHARE`,
		tenantID, reviewID).Scan(&status); err != nil {
		return fmt.Errorf("report: open check: %w", err)
	}
	if status == StatusPublished {
		return apperr.Forbidden("The report is published and can no longer be changed")
	}
	return nil
}

// Authored is one authored section's text.
type Authored struct {
	Key     string
	Body    string
	Version int // 0 when nothing is stored yet
}

var keyPattern = regexp.MustCompile(`^(background|summary|introduction|methodology|recommendations|group:[0-9a-f-]{36}|area:[0-9a-f-]{36})$`)

// ValidKey reports whether key names an authored section.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// LoadTexts reads every authored section of a review.
func LoadTexts(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]Authored, error) {
	rows, err := q.Query(ctx, `SELECT key, body, version FROM report_texts WHERE tenant_id = $1 AND review_id = $2`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("report: texts: %w", err)
	}
	out := map[string]Authored{}
	for rows.Next() {
		var a Authored
		if err := rows.Scan(&a.Key, &a.Body, &a.Version); err != nil {
			return nil, fmt.Errorf("report: texts: %w", err)
		}
		out[a.Key] = a
	}
	return out, rows.Err()
}

// SaveText writes an authored section from the version the author saw (0 for a section never
// written), when the review's stage allows the report to change. It returns the text before.
func SaveText(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, key, body string, version int) (Authored, error) {
	if !ValidKey(key) {
		return Authored{}, apperr.NotFound("report section")
	}
	if len([]rune(body)) > MaxAuthored {
		return Authored{}, apperr.Invalid("The text must be %d characters or fewer", MaxAuthored)
	}
	if err := review.EnsureAllows(ctx, tx, tenantID, reviewID, review.ChangeReport); err != nil {
		return Authored{}, err
	}
	before := Authored{Key: key}
	err := tx.QueryRow(ctx, `SELECT body, version FROM report_texts WHERE tenant_id = $1 AND review_id = $2 AND key = $3 FOR UPDATE`,
		tenantID, reviewID, key).Scan(&before.Body, &before.Version)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Authored{}, fmt.Errorf("report: save text: %w", err)
	}
	if before.Version != version {
		return before, apperr.Conflict("Someone else changed this section after you opened it")
	}
	tag, err := tx.Exec(ctx, `INSERT INTO report_texts (tenant_id, review_id, key, body, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, review_id, key) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by,
			updated_at = now(), version = report_texts.version + 1
		WHERE report_texts.version = $6`, tenantID, reviewID, key, strings.TrimSpace(body), actorID, version)
	if err != nil {
		return Authored{}, fmt.Errorf("report: save text: %w", db.MapError(err))
	}
	if tag.RowsAffected() != 1 {
		return before, apperr.Conflict("Someone else changed this section after you opened it")
	}
	return before, nil
}

// Version is a saved version of the built report.
type Version struct {
	ID        string
	Number    int
	Label     string
	CreatedBy string
	CreatedAt time.Time
	Doc       *Doc // nil in lists
}

// SaveVersion snapshots a built report as the next numbered version.
func SaveVersion(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, label string, d *Doc) (Version, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return Version{}, fmt.Errorf("report: save version: %w", err)
	}
	// Versions are numbered per review; the review row lock keeps two saves from taking one number.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, reviewID); err != nil {
		return Version{}, fmt.Errorf("report: save version: lock: %w", err)
	}
	return saveVersion(ctx, tx, tenantID, reviewID, actorID, label, body)
}

// SaveVersionLocked is SaveVersion when the caller holds the review's row lock already (it read
// the report with LoadOptions.ForVersion in this transaction).
func SaveVersionLocked(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, label string, d *Doc) (Version, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return Version{}, fmt.Errorf("report: save version: %w", err)
	}
	return saveVersion(ctx, tx, tenantID, reviewID, actorID, label, body)
}

func saveVersion(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, label string, body []byte) (Version, error) {
	v := Version{Label: strings.TrimSpace(label)}
	err := tx.QueryRow(ctx, `INSERT INTO report_versions (tenant_id, review_id, number, label, doc, created_by)
		VALUES ($1, $2, (SELECT coalesce(max(number), 0) + 1 FROM report_versions WHERE tenant_id = $1 AND review_id = $2), $3, $4, $5)
		RETURNING id::text, number, created_at`, tenantID, reviewID, v.Label, body, actorID).Scan(&v.ID, &v.Number, &v.CreatedAt)
	if err != nil {
		return Version{}, fmt.Errorf("report: save version: %w", db.MapError(err))
	}
	return v, nil
}

// Versions lists a review's saved versions, newest first, without their content.
func Versions(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]Version, error) {
	rows, err := q.Query(ctx, `SELECT v.id::text, v.number, v.label, u.name, v.created_at FROM report_versions v
		JOIN users u ON u.id = v.created_by
		WHERE v.tenant_id = $1 AND v.review_id = $2 ORDER BY v.number DESC`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("report: versions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.ID, &v.Number, &v.Label, &v.CreatedBy, &v.CreatedAt)
		return v, err
	})
}

// LoadVersion reads one saved version with its document.
func LoadVersion(ctx context.Context, q db.Querier, tenantID, reviewID string, number int) (Version, error) {
	var v Version
	var body []byte
	err := q.QueryRow(ctx, `SELECT v.id::text, v.number, v.label, u.name, v.created_at, v.doc FROM report_versions v
		JOIN users u ON u.id = v.created_by
		WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.number = $3`, tenantID, reviewID, number).
		Scan(&v.ID, &v.Number, &v.Label, &v.CreatedBy, &v.CreatedAt, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, apperr.NotFound("report version")
	}
	if err != nil {
		return v, fmt.Errorf("report: version %d: %w", number, err)
	}
	v.Doc = &Doc{}
	if err := json.Unmarshal(body, v.Doc); err != nil {
		return v, fmt.Errorf("report: version %d: %w", number, err)
	}
	return v, nil
}

// Override is a publication check hit kept on purpose.
type Override struct {
	Key, Term, Reason, By string
	At                    time.Time
}

// Overrides reads a review's overrides by hit key.
func Overrides(ctx context.Context, q db.Querier, tenantID, reviewID string) (map[string]Override, error) {
	rows, err := q.Query(ctx, `SELECT o.hit_key, o.term, o.reason, u.name, o.created_at FROM publication_overrides o
		JOIN users u ON u.id = o.created_by WHERE o.tenant_id = $1 AND o.review_id = $2`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("report: overrides: %w", err)
	}
	out := map[string]Override{}
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.Key, &o.Term, &o.Reason, &o.By, &o.At); err != nil {
			return nil, fmt.Errorf("report: overrides: %w", err)
		}
		out[o.Key] = o
	}
	return out, rows.Err()
}

// Override keeps a hit with a reason. Overriding the same hit twice keeps the first reason.
func AddOverride(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, h Hit, reason string) (bool, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return false, apperr.Invalid("Give a reason for keeping this in the report")
	}
	if err := ensureOpen(ctx, tx, tenantID, reviewID); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO publication_overrides (tenant_id, review_id, hit_key, term, reason, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, tenantID, reviewID, h.Key, h.Term, reason, actorID)
	if err != nil {
		return false, fmt.Errorf("report: override: %w", db.MapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// RecordPublished records that the review's report was published at a past date by, for the demo
// data and imports of reviews published elsewhere (people publish with Move, after approval).
func RecordPublished(ctx context.Context, tx pgx.Tx, tenantID, reviewID, by string, at time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO reports (tenant_id, review_id, status, status_by, status_at, published_version)
		VALUES ($1, $2, 'published', $3, $4, 1)
		ON CONFLICT (tenant_id, review_id) DO UPDATE SET status = 'published', status_by = $3, status_at = $4,
			published_version = coalesce(reports.published_version, 1)`, tenantID, reviewID, by, at); err != nil {
		return fmt.Errorf("report: record publication of %s: %w", reviewID, err)
	}
	return nil
}
