package evidence

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/personal"
	"thematic/internal/review"
	"thematic/internal/text"
)

// Saving a note is the request inspectors send most, so Create keeps to two statements of its
// own: one that reads everything the checks need, and one that writes the note with its tags,
// its links and its audit entry (built from the rows written). With the transaction's BEGIN,
// scope and COMMIT that is five (TestSavingANoteSendsFiveStatements).

// PersonalData asks Create to scan the note's text for personal data (Scan, with the names of the
// review's people): found and not confirmed, the note is refused with what was found; found
// and confirmed, the confirmation is audited.
type PersonalData struct {
	Scan      bool
	Confirmed bool
}

// Create saves a new note by authorID. It is idempotent: a second call with the same key (a retry,
// a double click, a replayed offline queue) returns the first note's id and created=false, even
// when the calls run at once.
func Create(ctx context.Context, tx pgx.Tx, tenantID, reviewID, authorID string, in NoteInput) (id string, created bool, err error) {
	return CreateChecked(ctx, tx, tenantID, reviewID, authorID, in, PersonalData{})
}

// CreateChecked is Create with the personal data check pd.
func CreateChecked(ctx context.Context, tx pgx.Tx, tenantID, reviewID, authorID string, in NoteInput, pd PersonalData) (id string, created bool, err error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > MaxKey {
		return "", false, apperr.Invalid("The form has expired. Copy your note, reload the page and try again.")
	}
	if errs := in.Validate(); errs.Any() {
		return "", false, &Refused{Errors: errs}
	}
	if !db.ValidUUID(in.VisitID) {
		return "", false, apperr.NotFound("Visit not found")
	}
	in.ActionAreas, in.Lines, in.Documents = text.DedupeIDs(in.ActionAreas), text.DedupeIDs(in.Lines), text.DedupeIDs(in.Documents)
	c, existing, found, err := prepare(ctx, tx, tenantID, reviewID, authorID, &in, pd)
	if err != nil || existing != "" {
		return existing, false, err
	}
	id, created, err = insertNote(ctx, tx, tenantID, reviewID, authorID, in, c, Kinds(found))
	if err != nil || !created {
		return id, false, err
	}
	if in.Safeguarding {
		if err := raise(ctx, tx, tenantID, reviewID, id, authorID); err != nil {
			return "", false, err
		}
	}
	return id, true, nil
}

// Kinds is the kinds of personal data found, each once, in the order first found.
func Kinds(found []Finding) []string {
	var kinds []string
	for _, f := range found {
		if !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	return kinds
}

// prepare reads in one statement what the checks of a new note need: a note already saved under
// its key, the review's stage and whether its evidence is locked (taking a share lock on the
// review, as review.EnsureAllows does, so that a lock or a stage move cannot land before this
// note commits), the visit, the source and role, how many of the
// action areas, lines and documents are the review's (the documents: its area's available
// ones), the area's name, and for the personal data check the version of the review's people's
// names, with the names themselves only when this server has not kept them under it. It
// answers the existing note's id, or the checks' verdict, or the personal data confirmed. A key
// is the author's own: another author's note under the same key is none of this call's business.
func prepare(ctx context.Context, tx pgx.Tx, tenantID, reviewID, authorID string, in *NoteInput, pd PersonalData) (c checked, existing string, found []Finding, err error) {
	var role any
	if in.RoleID != "" {
		role = in.RoleID
	}
	validDocs := make([]string, 0, len(in.Documents))
	for _, d := range in.Documents {
		if db.ValidUUID(d) {
			validDocs = append(validDocs, d)
		}
	}
	var keyNote, keyReview, areaID, areaName *string
	var stage []string // the review's status and whether its evidence is locked
	var needsRole, roleOK *bool
	var start *time.Time
	var days *int
	var nAreas, nLines, nDocs int
	var names []string
	var staffVersion *string
	keptVersion, detector := cachedStaff(tenantID, reviewID)
	err = tx.QueryRow(ctx, `SELECT k.id::text, k.review_id::text,
			`+review.StageColumn+`,
			v.area_id::text, v.start_date, v.days,
			(SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
				WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.id = v.area_id),
			(SELECT needs_role FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND id = $5),
			(SELECT EXISTS (SELECT 1 FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2 AND id = $6::uuid)),
			(SELECT count(*) FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($7::uuid[])),
			(SELECT count(*) FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 AND id = ANY($8::uuid[])),
			(SELECT count(*) FROM area_documents d WHERE d.tenant_id = $1 AND d.review_id = $2 AND d.area_id = v.area_id
				AND d.id = ANY($9::uuid[]) AND d.deleted_at IS NULL AND d.scan_status = 'clean'),
			sv.v, CASE WHEN $10 AND sv.v IS DISTINCT FROM $12 THEN `+review.StaffNamesArray+` END
		FROM (SELECT 1) one
		LEFT JOIN evidence_notes k ON k.tenant_id = $1 AND k.author_id = $11 AND k.idempotency_key = $3
		LEFT JOIN visits v ON v.tenant_id = $1 AND v.review_id = $2 AND v.id = $4
		LEFT JOIN LATERAL (SELECT `+staffVersionSQL+`) sv (v) ON true`,
		tenantID, reviewID, in.Key, in.VisitID, in.SourceID, role, in.ActionAreas, in.Lines, validDocs, pd.Scan, authorID,
		keptVersion).Scan(
		&keyNote, &keyReview, &stage, &areaID, &start, &days, &areaName, &needsRole, &roleOK, &nAreas, &nLines, &nDocs,
		&staffVersion, &names)
	if err != nil {
		return c, "", nil, fmt.Errorf("evidence: check new note: %w", err)
	}
	switch {
	case keyNote != nil && *keyReview != reviewID:
		return c, "", nil, apperr.Conflict("The form has expired. Copy your note, reload the page and try again.")
	case keyNote != nil:
		return c, *keyNote, nil, nil
	}
	if err := review.CheckStage(stage, review.ChangeEvidence); err != nil {
		return c, "", nil, err
	}
	switch {
	case areaID == nil:
		return c, "", nil, apperr.NotFound("Visit not found")
	}
	c.areaID = *areaID
	errs := &form.Errors{}
	if needsRole == nil {
		errs.Add("source", "Select where the evidence came from")
	} else if *needsRole {
		if in.RoleID == "" || roleOK == nil || !*roleOK {
			errs.Add("role", "Select the professional's role")
		}
		if in.RoleID != "" {
			c.roleID = &in.RoleID
		}
	}
	if msg := DateOutsideVisit(in.Date(), start, *days); msg != "" {
		errs.Add("note-date", msg)
	}
	if nAreas != len(in.ActionAreas) {
		errs.Add("action-areas", "Select action areas of this review")
	}
	if nLines != len(in.Lines) {
		errs.Add("lines", "Select lines of enquiry of this review")
	}
	if len(validDocs) != len(in.Documents) || nDocs != len(validDocs) {
		name := "this area"
		if areaName != nil {
			name = *areaName
		}
		errs.Add("documents", DocumentsMessage(name))
	}
	if errs.Any() {
		return c, "", nil, &Refused{Errors: errs}
	}
	if pd.Scan {
		switch {
		case staffVersion == nil: // no version to keep them under
			detector = personal.New(names, nil)
		case *staffVersion != keptVersion: // not kept, or the version moved: read above
			detector = keepStaff(tenantID, reviewID, *staffVersion, names)
		}
		if found = detector.Find(in.Body); len(found) > 0 && !pd.Confirmed {
			errs.Add("body", Summary(found)+". Change the text, or confirm it is not personal data")
			return c, "", nil, &Refused{Errors: errs, Found: found}
		}
	}
	return c, "", found, nil
}

// insertNote writes the note, its new tags, its links and its audit entry (and the personal data
// confirmed, when kinds names some) in one statement, and answers the new note's id (created),
// or the id saved first under the same key by a call that committed first. The entry's fields
// are those Update's entries compare (fields): a concern's text and themes withheld.
func insertNote(ctx context.Context, tx pgx.Tx, tenantID, reviewID, authorID string, in NoteInput, c checked, kinds []string) (string, bool, error) {
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
	var confirmed any
	if len(kinds) > 0 {
		confirmed = map[string]any{"personal_data_confirmed": kinds}
	}
	meta := audit.MetaFrom(ctx)
	var id *string
	var tagged int
	err := tx.QueryRow(ctx, `WITH new_tags AS (
			INSERT INTO evidence_tags (tenant_id, review_id, name) SELECT $1, $2, unnest($14::text[])
			ON CONFLICT DO NOTHING RETURNING id, name),
		tags AS (SELECT id, name FROM new_tags UNION
			SELECT id, name FROM evidence_tags WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = ANY($15::text[])),
		note AS (
			INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, role_id,
				note_date, body, judgement, good_practice, family_words, safeguarding, idempotency_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $16)
			ON CONFLICT (tenant_id, author_id, idempotency_key) DO NOTHING
			RETURNING id, visit_id, source_id, role_id, note_date, body, judgement, good_practice, family_words, safeguarding,
				created_at),
		areas AS (INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id, note_created_at)
			SELECT $1, note.id, unnest($17::uuid[]), $2, note.created_at FROM note),
		lines AS (INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, note.id, unnest($18::uuid[]), $2 FROM note),
		note_tags AS (INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id) SELECT $1, note.id, tags.id FROM note, tags),
		docs AS (INSERT INTO evidence_note_documents (tenant_id, note_id, document_id)
			SELECT $1, note.id, unnest($19::uuid[]) FROM note),
		names AS (SELECT DISTINCT ON (lower(x.name)) coalesce(t.name, x.name) AS name
			FROM unnest($14::text[]) x (name) LEFT JOIN tags t ON lower(t.name) = lower(x.name)
			ORDER BY lower(x.name), t.name NULLS LAST),
		fields AS (SELECT note.id, jsonb_build_object('visit_id', note.visit_id, 'source_id', note.source_id,
				'role_id', coalesce(note.role_id::text, ''), 'note_date', to_char(note.note_date, 'YYYY-MM-DD'),
				'body', CASE WHEN note.safeguarding THEN $20 ELSE note.body END,
				'judgement', note.judgement, 'good_practice', note.good_practice, 'family_words', note.family_words,
				'safeguarding', note.safeguarding,
				'action_areas', (SELECT coalesce(jsonb_agg(a.id::text ORDER BY a.position), '[]') FROM action_areas a
					WHERE a.tenant_id = $1 AND a.review_id = $2 AND a.id = ANY($17::uuid[])),
				'lines', (SELECT coalesce(jsonb_agg(l.id::text ORDER BY l.position), '[]') FROM enquiry_lines l
					WHERE l.tenant_id = $1 AND l.review_id = $2 AND l.id = ANY($18::uuid[])),
				'tags', CASE WHEN note.safeguarding THEN to_jsonb($20::text)
					ELSE (SELECT coalesce(jsonb_agg(names.name ORDER BY lower(names.name)), '[]') FROM names) END,
				'documents', (SELECT coalesce(jsonb_agg(d::text ORDER BY d), '[]') FROM unnest($19::uuid[]) d)) AS after
			FROM note),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, $5, `+audit.ActorEmailSQL("$5")+`, e.action, 'evidence_note', fields.id::text, NULL, e.after, $22, $23
			FROM fields CROSS JOIN LATERAL (VALUES (1, 'evidence.created', fields.after),
				(2, 'evidence.personal_data_confirmed', $21::jsonb)) e (n, action, after)
			WHERE e.after IS NOT NULL ORDER BY e.n)
		SELECT (SELECT id::text FROM note), (SELECT count(*) FROM tags)`,
		tenantID, reviewID, in.VisitID, c.areaID, authorID, in.SourceID, c.roleID, in.Date(), in.Body, in.Judgement,
		in.GoodPractice, in.FamilyWords, in.Safeguarding, sorted, lower, in.Key, in.ActionAreas, in.Lines,
		in.Documents, Withheld, confirmed, meta.RequestID, meta.IP).Scan(&id, &tagged)
	if err != nil {
		return "", false, fmt.Errorf("evidence: insert note: %w", err)
	}
	if id == nil {
		// Another call by this author with this key committed first.
		existing, err := byKey(ctx, tx, tenantID, reviewID, authorID, in.Key)
		return existing, false, err
	}
	if tagged < len(lower) {
		// A tag created by another note that committed after this statement began is not in its
		// snapshot: link the note's tags again from a fresh one.
		if _, err := tx.Exec(ctx, `INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id)
			SELECT $1, $2, id FROM evidence_tags WHERE tenant_id = $1 AND review_id = $3 AND lower(name) = ANY($4::text[])
			ON CONFLICT DO NOTHING`, tenantID, *id, reviewID, lower); err != nil {
			return "", false, fmt.Errorf("evidence: link tags: %w", err)
		}
	}
	return *id, true, nil
}
