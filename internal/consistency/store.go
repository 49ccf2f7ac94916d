package consistency

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// StaleMessage says that a coding changed since the form was opened.
const StaleMessage = "This coding was changed by someone else since you opened it. Check it and save again."

// Refused is a form refused with messages by its fields.
type Refused struct{ Errors *form.Errors }

func (r *Refused) Error() string { return "consistency: refused" }

// Unwrap makes a refusal a 422.
func (r *Refused) Unwrap() error { return apperr.Invalid("Check the form") }

func refuse(field, msg string) error {
	errs := &form.Errors{}
	errs.Add(field, msg)
	return &Refused{Errors: errs}
}

// StaleError refuses a coding saved from a version that is not the current one.
type StaleError struct{ Current Coding }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale save a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// visible is the condition on evidence note n for it to be sampled: not deleted, not purged, not
// a safeguarding concern.
const visible = `n.deleted_at IS NULL AND n.purged_at IS NULL AND NOT n.safeguarding`

// Member is a member of the review who may be a second coder (a lead or an inspector).
type Member struct {
	ID   string
	Name string
	Role string
}

// Option is an area or action area the sample may be drawn from.
type Option struct {
	ID    string
	Title string
}

// Page is the consistency page: the sample, its figures and what the lead's form offers.
type Page struct {
	ReviewTitle string
	Sample      *Sample
	Figures     Figures
	Framework   []ActionArea
	Members     []Member // possible second coders
	Areas       []Option
	Notes       int // the review's notes that could be sampled
}

// sampleSQL reads a review's sample with its coders and notes as one row ($1 tenant, $2 review).
const sampleSQL = `SELECT s.id::text, s.method, s.share_percent, coalesce(s.filter_id::text, ''),
		coalesce((SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = s.tenant_id AND ra.id = s.filter_id),
			(SELECT a.title FROM action_areas a WHERE a.tenant_id = s.tenant_id AND a.id = s.filter_id), ''),
		s.seed, s.population, s.idempotency_key, s.in_methodology, s.version, s.created_at,
		(SELECT coalesce(json_agg(json_build_object('MemberID', c.member_id, 'Name', u.name) ORDER BY c.position), '[]')
			FROM consistency_coders c JOIN review_members m ON m.tenant_id = c.tenant_id AND m.id = c.member_id
			JOIN users u ON u.id = m.user_id WHERE c.tenant_id = s.tenant_id AND c.sample_id = s.id),
		(SELECT coalesce(json_agg(json_build_object('NoteID', sn.note_id, 'Position', sn.position, 'Body', coalesce(n.body, ''),
				'AreaName', la.display_name, 'Author', u.name,
				'Original', json_build_object('ActionAreas', sn.action_areas, 'Judgement', sn.judgement, 'GoodPractice', sn.good_practice))
				ORDER BY sn.position), '[]')
			FROM consistency_sample_notes sn JOIN evidence_notes n ON n.tenant_id = sn.tenant_id AND n.id = sn.note_id
			JOIN review_areas ra ON ra.tenant_id = n.tenant_id AND ra.id = n.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			JOIN users u ON u.id = n.author_id
			WHERE sn.tenant_id = s.tenant_id AND sn.sample_id = s.id),
		(SELECT coalesce(json_agg(json_build_object('NoteID', k.note_id, 'MemberID', k.member_id, 'Version', k.version,
				'Coding', json_build_object('ActionAreas', k.action_areas, 'Judgement', k.judgement, 'GoodPractice', k.good_practice))), '[]')
			FROM consistency_codings k WHERE k.tenant_id = s.tenant_id AND k.sample_id = s.id),
		(SELECT coalesce(json_agg(json_build_object('NoteID', a.note_id, 'Comment', a.comment, 'Version', a.version, 'By', u.name,
				'At', to_char(a.agreed_at AT TIME ZONE 'Europe/London', 'FMDD Month YYYY'),
				'Coding', json_build_object('ActionAreas', a.action_areas, 'Judgement', a.judgement, 'GoodPractice', a.good_practice))), '[]')
			FROM consistency_agreed a JOIN users u ON u.id = a.agreed_by WHERE a.tenant_id = s.tenant_id AND a.sample_id = s.id)
	FROM consistency_samples s WHERE s.tenant_id = $1 AND s.review_id = $2`

// LoadSample reads review reviewID's sample; nil when it has none.
func LoadSample(ctx context.Context, q db.Querier, tenantID, reviewID string) (*Sample, error) {
	var s Sample
	err := q.QueryRow(ctx, sampleSQL, tenantID, reviewID).Scan(&s.ID, &s.Method, &s.Share, &s.FilterID, &s.FilterName,
		&s.Seed, &s.Population, &s.Key, &s.InMethodology, &s.Version, &s.CreatedAt, &s.Coders, &s.Notes, &s.codings, &s.agreed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("consistency: sample of review %s: %w", reviewID, err)
	}
	for i := range s.Notes {
		s.Notes[i].Original.ActionAreas = sorted(s.Notes[i].Original.ActionAreas)
	}
	for i := range s.codings {
		s.codings[i].Coding.ActionAreas = sorted(s.codings[i].Coding.ActionAreas)
	}
	for i := range s.agreed {
		s.agreed[i].Coding.ActionAreas = sorted(s.agreed[i].Coding.ActionAreas)
	}
	return &s, nil
}

func byNote(rows []codingRow) map[string]map[string]Coding {
	m := map[string]map[string]Coding{}
	for _, r := range rows {
		if m[r.NoteID] == nil {
			m[r.NoteID] = map[string]Coding{}
		}
		m[r.NoteID][r.MemberID] = r.Coding
	}
	return m
}

// actionAreas lists the framework's action areas in order.
func actionAreas(fw review.Framework) []ActionArea {
	var out []ActionArea
	for _, g := range fw.Groups {
		for _, a := range g.Areas {
			out = append(out, ActionArea{ID: a.ID, Title: a.Title})
		}
	}
	return out
}

// LoadPage reads the consistency page of the scope's review; lead adds what the sample form
// offers.
func LoadPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lead bool) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error { return loadPageTx(ctx, tx, sc, lead, &p) })
	return p, err
}

func loadPageTx(ctx context.Context, tx pgx.Tx, sc db.Scope, lead bool, p *Page) error {
	title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return err
	}
	p.ReviewTitle, p.Framework = title, actionAreas(fw)
	if p.Sample, err = LoadSample(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return err
	}
	if p.Sample != nil {
		p.Figures = Compute(*p.Sample, byNote(p.Sample.codings), p.Framework)
	}
	if !lead {
		return nil
	}
	err = tx.QueryRow(ctx, `SELECT
		(SELECT coalesce(json_agg(json_build_object('ID', m.id, 'Name', u.name, 'Role', m.role) ORDER BY u.name, m.id), '[]')
			FROM review_members m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.role IN ('lead', 'inspector')),
		(SELECT coalesce(json_agg(json_build_object('ID', ra.id, 'Title', la.display_name) ORDER BY la.display_name), '[]')
			FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2),
		(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = $1 AND n.review_id = $2 AND `+visible+`)`,
		sc.TenantID, sc.ReviewID).Scan(&p.Members, &p.Areas, &p.Notes)
	if err != nil {
		return fmt.Errorf("consistency: page: %w", err)
	}
	return nil
}

// Draw draws a new sample for the scope's review, audited: each second coder must be a lead or
// inspector of the review, and notes written by a second coder are left out of the population.
// Sending the same form again (its idempotency key) draws nothing more. A review with a sample
// keeps it unless in.Replace: the new one then replaces it with its codings. A refusal
// (*Refused) comes with the page to show again.
func Draw(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in DrawInput) (Page, error) {
	var p Page
	if errs := in.Validate(); errs.Any() {
		p, err := LoadPage(ctx, pool, sc, true)
		if err != nil {
			return p, err
		}
		return p, &Refused{Errors: errs}
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		_, err := DrawTx(ctx, tx, sc, in)
		var refused *Refused
		if errors.As(err, &refused) {
			if perr := loadPageTx(ctx, tx, sc, true, &p); perr != nil {
				return perr
			}
		}
		return err
	})
	return p, err
}

// population is the condition on note n of the scope's review ($1 tenant, $2 review) to be
// drawn: visible, not written by a second coder ($3 member ids), of the area or action area
// ($4 the filter id or ”, $5 the method).
const population = `n.tenant_id = $1 AND n.review_id = $2 AND ` + visible + `
	AND n.author_id NOT IN (SELECT m.user_id FROM review_members m WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.id = ANY($3::uuid[]))
	AND ($4 = '' OR ($5 = 'area' AND n.area_id::text = $4) OR ($5 = 'action_area' AND EXISTS (
		SELECT 1 FROM evidence_note_action_areas x WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id AND x.action_area_id::text = $4)))`

// DrawTx is Draw in the caller's transaction (the demo's seed uses it), returning the new
// sample's id ("" when the form was sent already).
func DrawTx(ctx context.Context, tx pgx.Tx, sc db.Scope, in DrawInput) (string, error) {
	if errs := in.Validate(); errs.Any() {
		return "", &Refused{Errors: errs}
	}
	coders := sorted(in.Coders)
	filter := in.filter()
	// One statement checks everything, with the review's row locked so that two leads drawing
	// at once draw one after the other: the current sample, the coders, the filter, the
	// population.
	var oldID, oldKey string
	var validCoders, pop int
	var filterOK bool
	err := tx.QueryRow(ctx, `SELECT coalesce(s.id::text, ''), coalesce(s.idempotency_key, ''),
			(SELECT count(*) FROM review_members m WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.id = ANY($3::uuid[])
				AND m.role IN ('lead', 'inspector')),
			CASE $5 WHEN 'area' THEN EXISTS (SELECT 1 FROM review_areas WHERE tenant_id = $1 AND review_id = $2 AND id::text = $4)
				WHEN 'action_area' THEN EXISTS (SELECT 1 FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id::text = $4)
				ELSE true END,
			(SELECT count(*) FROM evidence_notes n WHERE `+population+`)
		FROM reviews r LEFT JOIN consistency_samples s ON s.tenant_id = r.tenant_id AND s.review_id = r.id
		WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE OF r`, sc.TenantID, sc.ReviewID, coders, filter, in.Method).
		Scan(&oldID, &oldKey, &validCoders, &filterOK, &pop)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.NotFound("")
	}
	if err != nil {
		return "", fmt.Errorf("consistency: check sample: %w", err)
	}
	switch {
	case oldID != "" && oldKey == in.Key:
		return "", nil // the form sent again
	case oldID != "" && !in.Replace:
		return "", refuse("replace", "This review has a sample already. Confirm that the new sample replaces it and its codings")
	case validCoders != len(coders):
		return "", refuse("coders", "Select second coders from the review’s leads and inspectors")
	case !filterOK && in.Method == ByArea:
		return "", refuse("area", "Select one of the review’s local areas")
	case !filterOK:
		return "", refuse("action-area", "Select one of the review’s action areas")
	case pop == 0:
		return "", refuse("method", "There are no notes to sample there that the second coders did not write")
	}
	var before any
	if oldID != "" {
		if _, err := tx.Exec(ctx, `DELETE FROM consistency_samples WHERE tenant_id = $1 AND id = $2`, sc.TenantID, oldID); err != nil {
			return "", fmt.Errorf("consistency: replace sample: %w", err)
		}
		before = map[string]any{"replaced_sample_id": oldID}
	}
	// The draw: the population ordered by a hash of the seed and each note's date and text, so
	// that the same seed over the same notes draws the same sample; the author's coding is kept
	// as it stands.
	var id string
	var notes []string
	err = tx.QueryRow(ctx, `WITH pop AS (
			SELECT n.id, n.judgement, n.good_practice, row_number() OVER (ORDER BY md5($6::bigint::text || ':' || n.note_date::text || ':' || n.body), n.id) AS pos,
				coalesce((SELECT array_agg(a.action_area_id ORDER BY a.action_area_id) FROM evidence_note_action_areas a
					WHERE a.tenant_id = n.tenant_id AND a.note_id = n.id), '{}') AS aas
			FROM evidence_notes n WHERE `+population+`),
		s AS (INSERT INTO consistency_samples (tenant_id, review_id, method, share_percent, filter_id, seed, population, idempotency_key, created_by)
			VALUES ($1, $2, $5, $7, nullif($4, '')::uuid, $6, $8, $9, $10) RETURNING id),
		picked AS (INSERT INTO consistency_sample_notes (tenant_id, sample_id, note_id, position, action_areas, judgement, good_practice)
			SELECT $1, s.id, p.id, p.pos, p.aas, p.judgement, p.good_practice FROM pop p, s WHERE p.pos <= $11
			RETURNING note_id, position),
		c AS (INSERT INTO consistency_coders (tenant_id, sample_id, member_id, position)
			SELECT $1, s.id, c.id, c.n FROM s, unnest($3::uuid[]) WITH ORDINALITY AS c(id, n) RETURNING 1)
		SELECT s.id::text, (SELECT array_agg(note_id::text ORDER BY position) FROM picked), (SELECT count(*) FROM c) FROM s`,
		sc.TenantID, sc.ReviewID, coders, filter, in.Method, in.seed(), in.share(), pop, in.Key, sc.UserID,
		SampleSize(pop, in.share())).Scan(&id, &notes, new(int))
	if err != nil {
		return "", fmt.Errorf("consistency: draw: %w", err)
	}
	return id, audit.Change(ctx, tx, sc, "consistency.sample_drawn", "consistency_sample", id, before,
		map[string]any{"method": in.Method, "share_percent": in.share(), "filter_id": filter, "seed": in.seed(),
			"population": pop, "notes": notes, "coders": coders})
}

// CoderNote is a sampled note as its second coder sees it: its text, never its author's coding.
type CoderNote struct {
	NoteID   string
	Position int
	Body     string
	Coded    bool
	Coding   Coding
	Version  int
}

// CoderPage is a second coder's list of the sample, or one note's form.
type CoderPage struct {
	ReviewTitle string
	Framework   []ActionArea
	Notes       []CoderNote
	Note        *CoderNote // the note of the form
	Next        string     // the next note not yet coded, after Note
	sampleID    string
}

// LoadCoder reads member memberID's notes of the scope's review's sample, with the form of note
// noteID when it is not "". Someone who is not a second coder of the sample, or a note not in
// it, is not found.
func LoadCoder(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, memberID, noteID string) (CoderPage, error) {
	if noteID != "" && !db.ValidUUID(noteID) {
		return CoderPage{}, apperr.NotFound("")
	}
	var p CoderPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return loadCoderTx(ctx, tx, sc, memberID, noteID, &p)
	})
	return p, err
}

func loadCoderTx(ctx context.Context, tx pgx.Tx, sc db.Scope, memberID, noteID string, p *CoderPage) error {
	title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return err
	}
	p.ReviewTitle, p.Framework = title, actionAreas(fw)
	s, err := LoadSample(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return err
	}
	if s == nil || !s.IsCoder(memberID) {
		return apperr.NotFound("You are not a second coder of this review’s sample")
	}
	p.sampleID = s.ID
	mine := map[string]codingRow{}
	for _, r := range s.codings {
		if r.MemberID == memberID {
			mine[r.NoteID] = r
		}
	}
	for _, n := range s.Notes {
		cn := CoderNote{NoteID: n.NoteID, Position: n.Position, Body: n.Body}
		if r, ok := mine[n.NoteID]; ok {
			cn.Coded, cn.Coding, cn.Version = true, r.Coding, r.Version
		}
		p.Notes = append(p.Notes, cn)
	}
	if noteID == "" {
		return nil
	}
	for i := range p.Notes {
		if p.Notes[i].NoteID == noteID {
			p.Note = &p.Notes[i]
			for _, m := range append(p.Notes[i+1:], p.Notes[:i]...) {
				if !m.Coded {
					p.Next = m.NoteID
					break
				}
			}
			return nil
		}
	}
	return apperr.NotFound("")
}

// SaveCoding saves member memberID's coding of sampled note noteID, audited. A first coding sent
// twice saves once; a change needs the version the form was opened at (*StaleError otherwise).
func SaveCoding(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, memberID, noteID string, in CodingInput) (CoderPage, error) {
	if !db.ValidUUID(noteID) {
		return CoderPage{}, apperr.NotFound("")
	}
	var p CoderPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		p, err = SaveCodingTx(ctx, tx, sc, memberID, noteID, in)
		return err
	})
	return p, err
}

// SaveCodingTx is SaveCoding in the caller's transaction (the demo's seed).
func SaveCodingTx(ctx context.Context, tx pgx.Tx, sc db.Scope, memberID, noteID string, in CodingInput) (CoderPage, error) {
	var p CoderPage
	err := func() error {
		if err := loadCoderTx(ctx, tx, sc, memberID, noteID, &p); err != nil {
			return err
		}
		if errs := in.Validate(); errs.Any() {
			return &Refused{Errors: errs}
		}
		if err := knownAreas(p.Framework, in.ActionAreas); err != nil {
			return err
		}
		c := in.Coding()
		cur := p.Note
		switch {
		case cur.Coded && cur.Coding.Equal(c):
			return nil // sent again: nothing changes
		case cur.Coded && cur.Version != in.Version:
			return &StaleError{Current: cur.Coding}
		case !cur.Coded && in.Version != 0:
			return &StaleError{}
		}
		sampleID := p.sampleID
		tag, err := tx.Exec(ctx, `INSERT INTO consistency_codings AS k (tenant_id, sample_id, note_id, member_id, action_areas, judgement, good_practice)
			VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7)
			ON CONFLICT (tenant_id, sample_id, note_id, member_id) DO UPDATE
				SET action_areas = excluded.action_areas, judgement = excluded.judgement, good_practice = excluded.good_practice,
					version = k.version + 1, updated_at = now()
				WHERE k.version = $8`,
			sc.TenantID, sampleID, noteID, memberID, c.ActionAreas, c.Judgement, c.GoodPractice, in.Version)
		if err != nil {
			return fmt.Errorf("consistency: save coding: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return &StaleError{Current: cur.Coding}
		}
		var before any
		if cur.Coded {
			before = codingAudit(noteID, memberID, cur.Coding)
		}
		cur.Coded, cur.Coding = true, c
		return audit.Change(ctx, tx, sc, "consistency.coded", "evidence_note", noteID, before, codingAudit(noteID, memberID, c))
	}()
	return p, err
}

func codingAudit(noteID, memberID string, c Coding) map[string]any {
	return map[string]any{"note_id": noteID, "member_id": memberID, "action_areas": c.ActionAreas, "judgement": c.Judgement,
		"good_practice": c.GoodPractice}
}

// knownAreas refuses action areas that are not the framework's.
func knownAreas(fw []ActionArea, ids []string) error {
	for _, id := range ids {
		found := false
		for _, a := range fw {
			found = found || a.ID == id
		}
		if !found {
			return refuse("action-areas", "Select action areas from the list")
		}
	}
	return nil
}

// Disagreement is a sampled note the coders did not all code alike, with each coding and the
// agreed coding once the lead has recorded it.
type Disagreement struct {
	Note    SampleNote
	Codings []Coding // the second coders', in the sample's order of coders
	Agreed  *Agreed
}

// Agreed is the coding the lead recorded after moderation.
type Agreed struct {
	Coding  Coding
	Comment string
	Version int
	By      string
	At      string
}

// Moderation is the moderation page.
type Moderation struct {
	ReviewTitle   string
	Framework     []ActionArea
	Sample        *Sample
	Figures       Figures
	Disagreements []Disagreement
}

// LoadModeration reads the notes the coders disagreed on, with the agreed codings recorded.
func LoadModeration(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Moderation, error) {
	var m Moderation
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error { return loadModerationTx(ctx, tx, sc, &m) })
	return m, err
}

func loadModerationTx(ctx context.Context, tx pgx.Tx, sc db.Scope, m *Moderation) error {
	title, fw, err := review.LoadFrameworkTitled(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return err
	}
	m.ReviewTitle, m.Framework = title, actionAreas(fw)
	if m.Sample, err = LoadSample(ctx, tx, sc.TenantID, sc.ReviewID); err != nil || m.Sample == nil {
		return err
	}
	codings := byNote(m.Sample.codings)
	m.Figures = Compute(*m.Sample, codings, m.Framework)
	agreed := map[string]*Agreed{}
	for _, a := range m.Sample.agreed {
		agreed[a.NoteID] = &a.Agreed
	}
	for _, n := range m.Sample.Notes {
		for _, id := range m.Figures.Disagreed {
			if id != n.NoteID {
				continue
			}
			d := Disagreement{Note: n, Agreed: agreed[n.NoteID]}
			for _, c := range m.Sample.Coders {
				d.Codings = append(d.Codings, codings[n.NoteID][c.MemberID])
			}
			m.Disagreements = append(m.Disagreements, d)
		}
	}
	return nil
}

// RecordAgreed records the agreed coding of a note the coders disagreed on, audited. A first
// record sent twice saves once; a change needs the version the form was opened at.
func RecordAgreed(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, noteID string, in CodingInput) (Moderation, error) {
	if !db.ValidUUID(noteID) {
		return Moderation{}, apperr.NotFound("")
	}
	var m Moderation
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if err := loadModerationTx(ctx, tx, sc, &m); err != nil {
			return err
		}
		var d *Disagreement
		for i := range m.Disagreements {
			if m.Disagreements[i].Note.NoteID == noteID {
				d = &m.Disagreements[i]
			}
		}
		if d == nil {
			return apperr.NotFound("The coders did not disagree on this note")
		}
		if errs := in.Validate(); errs.Any() {
			return &Refused{Errors: errs}
		}
		if err := knownAreas(m.Framework, in.ActionAreas); err != nil {
			return err
		}
		c := in.Coding()
		switch {
		case d.Agreed != nil && d.Agreed.Coding.Equal(c) && d.Agreed.Comment == in.Comment:
			return nil
		case d.Agreed != nil && d.Agreed.Version != in.Version:
			return &StaleError{Current: d.Agreed.Coding}
		case d.Agreed == nil && in.Version != 0:
			return &StaleError{}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO consistency_agreed AS k (tenant_id, sample_id, note_id, action_areas, judgement, good_practice,
				comment, agreed_by)
			VALUES ($1, $2, $3, $4::uuid[], $5, $6, $7, $8)
			ON CONFLICT (tenant_id, sample_id, note_id) DO UPDATE
				SET action_areas = excluded.action_areas, judgement = excluded.judgement, good_practice = excluded.good_practice,
					comment = excluded.comment, agreed_by = excluded.agreed_by, agreed_at = now(), version = k.version + 1
				WHERE k.version = $9`,
			sc.TenantID, m.Sample.ID, noteID, c.ActionAreas, c.Judgement, c.GoodPractice, in.Comment, sc.UserID, in.Version)
		if err != nil {
			return fmt.Errorf("consistency: record agreed coding: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return &StaleError{}
		}
		var before any
		if d.Agreed != nil {
			before = map[string]any{"coding": codingAudit(noteID, "", d.Agreed.Coding), "comment": d.Agreed.Comment}
		}
		return audit.Change(ctx, tx, sc, "consistency.agreed", "evidence_note", noteID, before,
			map[string]any{"coding": codingAudit(noteID, "", c), "comment": in.Comment})
	})
	return m, err
}

// SetMethodology includes the sample's figures in the report's methodology, or leaves them out,
// audited, from the version of the sample the lead saw.
func SetMethodology(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, include bool, version int) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var id string
		var was bool
		var cur int
		err := tx.QueryRow(ctx, `SELECT id::text, in_methodology, version FROM consistency_samples
			WHERE tenant_id = $1 AND review_id = $2 FOR UPDATE`, sc.TenantID, sc.ReviewID).Scan(&id, &was, &cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("This review has no sample")
		}
		if err != nil {
			return fmt.Errorf("consistency: sample: %w", err)
		}
		if was == include {
			return nil
		}
		if cur != version {
			return apperr.Conflict("The sample changed since you opened the page. Check it and try again.")
		}
		if _, err := tx.Exec(ctx, `UPDATE consistency_samples SET in_methodology = $3, version = version + 1
			WHERE tenant_id = $1 AND id = $2`, sc.TenantID, id, include); err != nil {
			return fmt.Errorf("consistency: methodology: %w", err)
		}
		return audit.Change(ctx, tx, sc, "consistency.methodology_changed", "consistency_sample", id,
			map[string]any{"in_methodology": was}, map[string]any{"in_methodology": include})
	})
}

// MethodCol is a column of the report's one statement ($1 tenant, $2 review): the review's
// sample with its codings when the lead chose to state its figures in the methodology, else
// null. Scan it into a *MethodData.
const MethodCol = `(SELECT json_build_object(
		'Coders', (SELECT coalesce(json_agg(c.member_id ORDER BY c.position), '[]') FROM consistency_coders c
			WHERE c.tenant_id = s.tenant_id AND c.sample_id = s.id),
		'Notes', (SELECT coalesce(json_agg(json_build_object('NoteID', sn.note_id, 'Original', json_build_object(
				'ActionAreas', sn.action_areas, 'Judgement', sn.judgement, 'GoodPractice', sn.good_practice)) ORDER BY sn.position), '[]')
			FROM consistency_sample_notes sn WHERE sn.tenant_id = s.tenant_id AND sn.sample_id = s.id),
		'Codings', (SELECT coalesce(json_agg(json_build_object('NoteID', k.note_id, 'MemberID', k.member_id, 'Coding', json_build_object(
				'ActionAreas', k.action_areas, 'Judgement', k.judgement, 'GoodPractice', k.good_practice))), '[]')
			FROM consistency_codings k WHERE k.tenant_id = s.tenant_id AND k.sample_id = s.id))
	FROM consistency_samples s WHERE s.tenant_id = $1 AND s.review_id = $2 AND s.in_methodology)`

// MethodData is what MethodCol reads.
type MethodData struct {
	Coders []string
	Notes  []struct {
		NoteID   string
		Original Coding
	}
	Codings []struct {
		NoteID, MemberID string
		Coding           Coding
	}
}

// Figures are the sample's figures (action areas left out: the methodology states the
// judgement's).
func (d *MethodData) Figures() Figures {
	s := Sample{}
	for _, c := range d.Coders {
		s.Coders = append(s.Coders, Coder{MemberID: c})
	}
	for _, n := range d.Notes {
		s.Notes = append(s.Notes, SampleNote{NoteID: n.NoteID, Original: n.Original})
	}
	codings := map[string]map[string]Coding{}
	for _, k := range d.Codings {
		if codings[k.NoteID] == nil {
			codings[k.NoteID] = map[string]Coding{}
		}
		codings[k.NoteID][k.MemberID] = k.Coding
	}
	return Compute(s, codings, nil)
}
