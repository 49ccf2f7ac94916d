package letter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/report"
	"thematic/internal/text"
)

// Letter states. A signed-off letter is locked until a lead reopens it with a reason.
const (
	StatusDraft            = "draft"
	StatusQA               = "quality_assurance"
	StatusChangesRequested = "changes_requested"
	StatusSignedOff        = "signed_off"
)

// StatusLabel is a state as people read it ("Not started" for a letter with no row yet).
func StatusLabel(s string) string {
	return map[string]string{"": "Not started", StatusDraft: "Draft", StatusQA: "Waiting for sign-off",
		StatusChangesRequested: "Changes requested", StatusSignedOff: "Signed off"}[s]
}

// Steps are the moves of a letter's sign-off: the report's rules, where a lead other than the one
// who sent the letter signs it off or asks for changes, and only the sender may withdraw it.
var Steps = []report.Step{
	{From: StatusDraft, To: StatusQA, Label: "Send for sign-off"},
	{From: StatusChangesRequested, To: StatusQA, Label: "Send for sign-off again"},
	{From: StatusQA, To: StatusChangesRequested, Label: "Request changes", ByQA: true, NeedNote: true},
	{From: StatusQA, To: StatusSignedOff, Label: "Sign off", ByQA: true},
	{From: StatusQA, To: StatusDraft, Label: "Withdraw from sign-off", BySender: true, NeedNote: true},
	{From: StatusSignedOff, To: StatusDraft, Label: "Reopen the letter", NeedNote: true},
}

// stepLabels are the labels of the versions the sign-off's steps save.
var stepLabels = map[string]string{StatusQA: "Sent for sign-off", StatusSignedOff: "Signed off"}

// State is where a letter stands.
type State struct {
	ID               string // "" while the letter is not started
	Status           string // "" while the letter is not started
	Note             string
	By, ByName       string
	At               time.Time
	SignedOffVersion int
	Version          int
}

// Started reports whether the letter has been started.
func (s State) Started() bool { return s.ID != "" }

// Locked reports whether the letter can no longer change.
func (s State) Locked() bool { return s.Status == StatusSignedOff }

// Allowed lists the steps actorID may take from state s.
func Allowed(s State, actorID string) []report.Step {
	var out []report.Step
	for _, st := range Steps {
		if st.From != s.Status || st.ByQA && s.By == actorID || st.BySender && s.By != actorID {
			continue
		}
		out = append(out, st)
	}
	return out
}

// Authored is one authored section's text.
type Authored struct {
	Key     string
	Body    string
	Version int // 0 when nothing is stored yet
}

// Loaded is what a letter page reads: the data the letter is built from, its state and texts
// and, when asked for, the check's overrides (the terms are read by one more statement).
type Loaded struct {
	Data      Data
	AreaNames []string // the area's display name and official name
	State     State
	Texts     map[string]Authored
	Versions  int // the newest version's number, 0 when none is saved
	Overrides map[string]report.Override
	SignedOff *report.Doc // the signed-off version's document while the letter is signed off
}

// groupsCol is the review's framework as JSON ($1 tenant, $2 review), as the report reads it.
const groupsCol = `(SELECT coalesce(json_agg(json_build_object('ID', g.id, 'Title', g.title, 'Areas',
		(SELECT coalesce(json_agg(json_build_object('ID', a.id, 'Title', a.title) ORDER BY a.position, a.id), '[]')
			FROM action_areas a WHERE a.tenant_id = $1 AND a.group_id = g.id)) ORDER BY g.position, g.id), '[]')
	FROM framework_groups g WHERE g.tenant_id = $1 AND g.review_id = $2)`

// loadSQL reads a letter ($1 tenant, $2 review, $3 area) with its review, area, the review's
// template, the letter's state, texts, framework, newest version number, overrides and the
// signed-off version's document, in one statement.
const loadSQL = `SELECT rv.title, la.display_name, la.name,
		coalesce(t.opening, ''), coalesce(t.closing, ''), coalesce(t.signatories, ''), coalesce(t.version, 0),
		coalesce(l.id::text, ''), coalesce(l.status, ''), coalesce(l.status_note, ''), coalesce(l.status_by::text, ''),
		coalesce(u.name, ''), coalesce(l.status_at, now()), coalesce(l.signed_off_version, 0), coalesce(l.version, 0),
		(SELECT coalesce(json_agg(json_build_object('Key', x.key, 'Body', x.body, 'Version', x.version) ORDER BY x.key), '[]')
			FROM letter_texts x WHERE x.tenant_id = $1 AND x.letter_id = l.id),
		` + groupsCol + `,
		(SELECT coalesce(max(v.number), 0) FROM letter_versions v WHERE v.tenant_id = $1 AND v.letter_id = l.id),
		(SELECT coalesce(json_agg(json_build_object('Key', o.hit_key, 'Term', o.term, 'Reason', o.reason, 'By', ou.name,
				'At', o.created_at) ORDER BY o.hit_key), '[]')
			FROM letter_overrides o JOIN users ou ON ou.id = o.created_by WHERE o.tenant_id = $1 AND o.letter_id = l.id),
		(SELECT v.doc FROM letter_versions v WHERE v.tenant_id = $1 AND v.letter_id = l.id AND v.number = l.signed_off_version
			AND l.status = 'signed_off')
	FROM reviews rv
	JOIN review_areas ra ON ra.tenant_id = rv.tenant_id AND ra.review_id = rv.id AND ra.id = $3
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	LEFT JOIN letter_templates t ON t.tenant_id = rv.tenant_id AND t.review_id = rv.id
	LEFT JOIN letters l ON l.tenant_id = rv.tenant_id AND l.review_id = rv.id AND l.area_id = ra.id
	LEFT JOIN users u ON u.id = l.status_by
	WHERE rv.tenant_id = $1 AND rv.id = $2`

// load reads a letter for a page or a command. An area that is not the review's is not found.
func load(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (Loaded, error) {
	if !db.ValidUUID(reviewID) || !db.ValidUUID(areaID) {
		return Loaded{}, apperr.NotFound("Letter not found")
	}
	var (
		l         Loaded
		name      string
		texts     []Authored
		overrides []report.Override
	)
	d := Data{ReviewID: reviewID, AreaID: areaID, Texts: map[string]string{}}
	err := q.QueryRow(ctx, loadSQL, tenantID, reviewID, areaID).Scan(&d.ReviewTitle, &d.AreaName, &name,
		&d.Template.Opening, &d.Template.Closing, &d.Template.Signatories, &d.Template.Version,
		&l.State.ID, &l.State.Status, &l.State.Note, &l.State.By, &l.State.ByName, &l.State.At, &l.State.SignedOffVersion,
		&l.State.Version, &texts, &d.Groups, &l.Versions, &overrides, &l.SignedOff)
	if errors.Is(err, pgx.ErrNoRows) {
		return Loaded{}, apperr.NotFound("Letter not found")
	}
	if err != nil {
		return Loaded{}, fmt.Errorf("letter: load: %w", err)
	}
	if d.Template.Version == 0 {
		d.Template = DefaultTemplate()
	}
	l.AreaNames = []string{d.AreaName, name}
	l.Texts = map[string]Authored{}
	for _, t := range texts {
		l.Texts[t.Key] = t
		d.Texts[t.Key] = t.Body
	}
	l.Overrides = map[string]report.Override{}
	for _, o := range overrides {
		o.At = o.At.Local()
		l.Overrides[o.Key] = o
	}
	l.Data = d
	return l, nil
}

// Note is one evidence note drawn on beside a section.
type Note struct {
	ID, Judgement, Date, Excerpt string
}

// FindingEvidence is a finding of the overview report with the notes from this area behind it.
type FindingEvidence struct {
	ID, Text string
	Notes    []Note
}

// Evidence is what a letter draws on under one action area: the area's own notes tagged with
// it, split by judgement, and the overview's findings that this area's notes support.
type Evidence struct {
	Strengths, Development []Note
	Findings               []FindingEvidence
}

// loadEvidence reads the evidence of an area by action area, in one statement: notes that are
// neither deleted, purged nor safeguarding concerns.
func loadEvidence(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (map[string]*Evidence, error) {
	rows, err := q.Query(ctx, `SELECT 'note', x.action_area_id::text, '', '', n.id::text, n.judgement, n.note_date, n.body, 0, n.created_at
		FROM evidence_notes n
		JOIN evidence_note_action_areas x ON x.tenant_id = n.tenant_id AND x.note_id = n.id
		WHERE n.tenant_id = $1 AND n.review_id = $2 AND n.area_id = $3 AND n.deleted_at IS NULL AND n.purged_at IS NULL
			AND NOT n.safeguarding AND n.judgement <> 'neutral'
		UNION ALL
		SELECT 'finding', f.action_area_id::text, f.id::text, f.body, n.id::text, n.judgement, n.note_date, n.body, f.position, n.created_at
		FROM findings f
		JOIN finding_notes fn ON fn.tenant_id = f.tenant_id AND fn.finding_id = f.id AND fn.stance = 'supports'
		JOIN evidence_notes n ON n.tenant_id = fn.tenant_id AND n.id = fn.note_id AND n.area_id = $3 AND n.deleted_at IS NULL
			AND n.purged_at IS NULL AND NOT n.safeguarding
		WHERE f.tenant_id = $1 AND f.review_id = $2
		ORDER BY 1, 9, 3, 7, 10, 5`, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("letter: evidence: %w", err)
	}
	defer rows.Close()
	out := map[string]*Evidence{}
	for rows.Next() {
		var kind, aa, fid, fbody, nid, judgement, body string
		var date time.Time
		var pos int
		var created time.Time
		if err := rows.Scan(&kind, &aa, &fid, &fbody, &nid, &judgement, &date, &body, &pos, &created); err != nil {
			return nil, fmt.Errorf("letter: evidence: %w", err)
		}
		e := out[aa]
		if e == nil {
			e = &Evidence{}
			out[aa] = e
		}
		n := Note{ID: nid, Judgement: judgement, Date: date.Format("2 January 2006"), Excerpt: text.Excerpt(body, 240)}
		switch {
		case kind == "finding":
			if len(e.Findings) == 0 || e.Findings[len(e.Findings)-1].ID != fid {
				e.Findings = append(e.Findings, FindingEvidence{ID: fid, Text: fbody})
			}
			last := &e.Findings[len(e.Findings)-1]
			last.Notes = append(last.Notes, n)
		case judgement == "strength":
			e.Strengths = append(e.Strengths, n)
		default:
			e.Development = append(e.Development, n)
		}
	}
	return out, rows.Err()
}

// AreaLetter is one row of the list of letters: an area of the review with its letter's state.
type AreaLetter struct {
	AreaID, AreaName string
	Status           string // "" while not started
	Versions         int
	UpdatedAt        *time.Time
}

// list reads the review's title and its areas with their letters, in one statement.
func list(ctx context.Context, q db.Querier, tenantID, reviewID string) (string, int, []AreaLetter, error) {
	if !db.ValidUUID(reviewID) {
		return "", 0, nil, apperr.NotFound("Review not found")
	}
	var title string
	var tv int
	var out []AreaLetter
	err := q.QueryRow(ctx, `SELECT rv.title, coalesce(t.version, 0),
		(SELECT coalesce(json_agg(json_build_object('AreaID', ra.id, 'AreaName', la.display_name, 'Status', coalesce(l.status, ''),
				'Versions', (SELECT count(*) FROM letter_versions v WHERE v.tenant_id = $1 AND v.letter_id = l.id),
				'UpdatedAt', l.status_at) ORDER BY la.display_name, ra.id), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			LEFT JOIN letters l ON l.tenant_id = ra.tenant_id AND l.review_id = ra.review_id AND l.area_id = ra.id
			WHERE ra.tenant_id = $1 AND ra.review_id = $2)
		FROM reviews rv LEFT JOIN letter_templates t ON t.tenant_id = rv.tenant_id AND t.review_id = rv.id
		WHERE rv.tenant_id = $1 AND rv.id = $2`, tenantID, reviewID).Scan(&title, &tv, &out)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, nil, apperr.NotFound("Review not found")
	}
	if err != nil {
		return "", 0, nil, fmt.Errorf("letter: list: %w", err)
	}
	return title, tv, out, nil
}

// loadTemplate reads a review's template and title.
func loadTemplate(ctx context.Context, q db.Querier, tenantID, reviewID string) (string, Template, error) {
	if !db.ValidUUID(reviewID) {
		return "", Template{}, apperr.NotFound("Review not found")
	}
	var title string
	var t Template
	err := q.QueryRow(ctx, `SELECT rv.title, coalesce(t.opening, ''), coalesce(t.closing, ''), coalesce(t.signatories, ''),
			coalesce(t.version, 0)
		FROM reviews rv LEFT JOIN letter_templates t ON t.tenant_id = rv.tenant_id AND t.review_id = rv.id
		WHERE rv.tenant_id = $1 AND rv.id = $2`, tenantID, reviewID).Scan(&title, &t.Opening, &t.Closing, &t.Signatories, &t.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", t, apperr.NotFound("Review not found")
	}
	if err != nil {
		return "", t, fmt.Errorf("letter: template: %w", err)
	}
	if t.Version == 0 {
		t = DefaultTemplate()
	}
	return title, t, nil
}

// Version is a saved version of a letter.
type Version struct {
	AreaName  string // only when read with its document
	Number    int
	Label     string
	CreatedBy string
	CreatedAt time.Time
	Doc       *report.Doc // nil in lists
}

// versions lists a letter's saved versions, newest first, without their content.
func versions(ctx context.Context, q db.Querier, tenantID, letterID string) ([]Version, error) {
	if letterID == "" {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT v.number, v.label, u.name, v.created_at FROM letter_versions v
		JOIN users u ON u.id = v.created_by WHERE v.tenant_id = $1 AND v.letter_id = $2 ORDER BY v.number DESC`, tenantID, letterID)
	if err != nil {
		return nil, fmt.Errorf("letter: versions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.Number, &v.Label, &v.CreatedBy, &v.CreatedAt)
		return v, err
	})
}

// loadVersion reads one saved version of the letter of an area with its document.
func loadVersion(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string, number int) (Version, string, error) {
	var v Version
	var body []byte
	var title string
	if !db.ValidUUID(reviewID) || !db.ValidUUID(areaID) {
		return v, "", apperr.NotFound("Letter version not found")
	}
	err := q.QueryRow(ctx, `SELECT rv.title, la.display_name, v.number, v.label, u.name, v.created_at, v.doc FROM letter_versions v
		JOIN letters l ON l.tenant_id = v.tenant_id AND l.id = v.letter_id
		JOIN reviews rv ON rv.tenant_id = l.tenant_id AND rv.id = l.review_id
		JOIN review_areas ra ON ra.tenant_id = l.tenant_id AND ra.id = l.area_id
		JOIN local_authorities la ON la.ons_code = ra.ons_code
		JOIN users u ON u.id = v.created_by
		WHERE v.tenant_id = $1 AND l.review_id = $2 AND l.area_id = $3 AND v.number = $4`, tenantID, reviewID, areaID, number).
		Scan(&title, &v.AreaName, &v.Number, &v.Label, &v.CreatedBy, &v.CreatedAt, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, "", apperr.NotFound("Letter version not found")
	}
	if err != nil {
		return v, "", fmt.Errorf("letter: version %d: %w", number, err)
	}
	v.Doc = &report.Doc{}
	if err := json.Unmarshal(body, v.Doc); err != nil {
		return v, "", fmt.Errorf("letter: version %d: %w", number, err)
	}
	return v, title, nil
}

// trimmed normalises typed text: line ends and surrounding space.
func trimmed(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// Seed writes a review's template and a drafted letter to one area with its sections (by key),
// for demo data: nothing is checked and nothing audited, the caller records what it did. It
// answers the letter's id.
func Seed(ctx context.Context, tx pgx.Tx, tenantID, reviewID, areaID, userID string, t Template, texts map[string]string) (string, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO letter_templates (tenant_id, review_id, opening, closing, signatories, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, reviewID, t.Opening, t.Closing, t.Signatories, userID); err != nil {
		return "", fmt.Errorf("letter: seed template: %w", err)
	}
	var letterID string
	if err := tx.QueryRow(ctx, `INSERT INTO letters (tenant_id, review_id, area_id, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
		tenantID, reviewID, areaID, userID).Scan(&letterID); err != nil {
		return "", fmt.Errorf("letter: seed: %w", err)
	}
	for key, body := range texts {
		if _, err := tx.Exec(ctx, `INSERT INTO letter_texts (tenant_id, letter_id, key, body, updated_by) VALUES ($1, $2, $3, $4, $5)`,
			tenantID, letterID, key, body, userID); err != nil {
			return "", fmt.Errorf("letter: seed text: %w", err)
		}
	}
	return letterID, nil
}

// SeedComment is a comment of a seeded round: on the first paragraph containing On, by a user,
// with the lead's answer ("" for none).
type SeedComment struct {
	On, Body, By   string
	At             time.Time
	Answer, Reason string
	AnsweredAt     time.Time
}

// SeedRound is a closed round of a seeded check: sent, commented, answered, and the accepted
// changes made to the letter's sections afterwards (by key).
type SeedRound struct {
	SentAt, FinishedAt time.Time
	Deadline           time.Time
	Comments           []SeedComment
	Changes            map[string]string
}

// SeedCheck records a past factual-accuracy round of an area's letter as built now, for the demo
// data (sc acts as the lead), in tx. It writes no reminders: the round is over.
func SeedCheck(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID string, r SeedRound) error {
	b, err := buildTx(ctx, tx, sc, areaID, PageOptions{})
	if err != nil {
		return err
	}
	ver, err := saveVersion(ctx, tx, sc, b.State.ID, "Sent for a factual-accuracy check", &b.Doc)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE letter_versions SET created_at = $3 WHERE tenant_id = $1 AND letter_id = $2 AND number = $4`,
		sc.TenantID, b.State.ID, r.SentAt, ver); err != nil {
		return fmt.Errorf("letter: seed check: %w", err)
	}
	var checkID string
	if err := tx.QueryRow(ctx, `INSERT INTO fact_checks (tenant_id, letter_id, round, version_number, deadline, finished_at, finished_by,
			created_by, created_at)
		VALUES ($1, $2, (SELECT coalesce(max(round), 0) + 1 FROM fact_checks WHERE tenant_id = $1 AND letter_id = $2), $3, $4, $5, $6, $7, $8)
		RETURNING id::text`, sc.TenantID, b.State.ID, ver, r.Deadline, r.FinishedAt, r.Comments[0].By, sc.UserID, r.SentAt).Scan(&checkID); err != nil {
		return fmt.Errorf("letter: seed check: %w", err)
	}
	paras := Paragraphs(&b.Doc)
	for _, c := range r.Comments {
		block := -1
		for _, p := range paras {
			if !p.Heading && strings.Contains(p.Text, c.On) {
				block = p.Index
				break
			}
		}
		if block < 0 {
			return fmt.Errorf("letter: seed check: no paragraph has %q", c.On)
		}
		var answeredBy, answeredAt any
		if c.Answer != "" {
			answeredBy, answeredAt = sc.UserID, c.AnsweredAt
		}
		if _, err := tx.Exec(ctx, `INSERT INTO fact_check_comments (tenant_id, check_id, block, body, idempotency_key, created_by,
				created_at, answer, reason, answered_by, answered_at, version)
			VALUES ($1, $2, $3, $4, gen_random_uuid(), $5, $6, $7, $8, $9, $10, CASE WHEN $7 = '' THEN 1 ELSE 2 END)`,
			sc.TenantID, checkID, block, c.Body, c.By, c.At, c.Answer, c.Reason, answeredBy, answeredAt); err != nil {
			return fmt.Errorf("letter: seed comment: %w", err)
		}
	}
	for key, body := range r.Changes {
		tag, err := tx.Exec(ctx, `UPDATE letter_texts SET body = $4, version = version + 1, updated_by = $5
			WHERE tenant_id = $1 AND letter_id = $2 AND key = $3`, sc.TenantID, b.State.ID, key, body, sc.UserID)
		if err != nil {
			return fmt.Errorf("letter: seed change: %w", err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("letter: seed change: no section %s", key)
		}
	}
	return nil
}
