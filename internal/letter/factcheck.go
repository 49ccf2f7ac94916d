package letter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/document"
	"thematic/internal/form"
	"thematic/internal/reminder"
	"thematic/internal/report"
	"thematic/internal/text"
)

// The factual-accuracy check of a letter. The lead sends an area its letter with a deadline: the
// letter as built then is saved as a version and frozen for the round. The area's contacts
// comment on its paragraphs until the deadline, or until they say they have no more comments;
// the lead answers each comment, accepted and changed (the lead changes the letter's sections as
// usual) or not accepted with a reason. Comments and answers are never deleted, and every
// sending, comment, finish and answer is audited.

// Answers to a comment.
const (
	AnswerAccepted    = "accepted"
	AnswerNotAccepted = "not_accepted"
)

// AnswerLabel is an answer as people read it.
func AnswerLabel(a string) string {
	return map[string]string{"": "Not answered yet", AnswerAccepted: "Accepted and changed", AnswerNotAccepted: "Not accepted"}[a]
}

// Round is one round of the check of a letter.
type Round struct {
	ID         string
	Number     int
	Version    int // the letter's saved version sent
	Deadline   time.Time
	FinishedAt *time.Time
	SentBy     string
	SentAt     time.Time
}

// Open reports whether comments may still be made on today's date (the server's, as a date).
func (r *Round) Open(today time.Time) bool {
	return r != nil && r.FinishedAt == nil && !today.After(r.Deadline)
}

// Comment is a contact's comment on a paragraph of the frozen letter, with the lead's answer.
type Comment struct {
	ID         string
	Round      int
	Block      int
	Paragraph  string // the commented block's text (in the export)
	Body       string
	By         string
	At         time.Time
	Answer     string
	Reason     string
	AnsweredBy string
	AnsweredAt *time.Time
	Version    int
	Documents  []CommentDocument // evidence the contact gave with the comment
}

// CommentDocument is a document of the area given as evidence with a comment. A document the
// area removed later is still named, but can no longer be downloaded.
type CommentDocument struct {
	ID      string
	Title   string
	Removed bool
}

// Paragraph is a block of the frozen letter as the check shows it, with its comments.
type Paragraph struct {
	Index    int
	Heading  bool
	Level    int
	Text     string
	Comments []Comment
}

// CheckPage is the check of an area's letter: the newest round, the frozen letter's blocks with
// the round's comments, and the number of comments of every round.
type CheckPage struct {
	ReviewTitle, AreaName string
	LetterStarted         bool
	Round                 *Round      // nil before the first sending
	Paragraphs            []Paragraph // the letter's blocks, then the extracts' (from Letter on)
	Letter                int         // how many of Paragraphs are the letter's
	Comments              int         // of the newest round
	Unanswered            int
	AreaDocuments         []document.Document // the area's available documents, while the round is open
}

// checkSQL reads an area's letter's newest round with its frozen document and comments, in one
// statement ($1 tenant, $2 review, $3 area).
const checkSQL = `SELECT rv.title, la.display_name, l.id IS NOT NULL,
		coalesce(c.id::text, ''), coalesce(c.round, 0), coalesce(c.version_number, 0), coalesce(c.deadline, '2000-01-01'::date),
		c.finished_at, coalesce(u.name, ''), coalesce(c.created_at, now()), v.doc, coalesce(c.extracts, '[]'),
		(SELECT coalesce(json_agg(json_build_object('ID', m.id, 'Round', c.round, 'Block', m.block, 'Body', m.body, 'By', mu.name,
				'At', m.created_at, 'Answer', m.answer, 'Reason', m.reason, 'AnsweredBy', coalesce(au.name, ''),
				'AnsweredAt', m.answered_at, 'Version', m.version,
				'Documents', (SELECT coalesce(json_agg(json_build_object('ID', d.id, 'Title', d.title, 'Removed', d.deleted_at IS NOT NULL)
						ORDER BY d.title, d.id), '[]')
					FROM fact_check_comment_documents cd JOIN area_documents d ON d.tenant_id = cd.tenant_id AND d.id = cd.document_id
					WHERE cd.tenant_id = $1 AND cd.comment_id = m.id)) ORDER BY m.block, m.created_at, m.id), '[]')
			FROM fact_check_comments m JOIN users mu ON mu.id = m.created_by LEFT JOIN users au ON au.id = m.answered_by
			WHERE m.tenant_id = $1 AND m.check_id = c.id)
	FROM reviews rv
	JOIN review_areas ra ON ra.tenant_id = rv.tenant_id AND ra.review_id = rv.id AND ra.id = $3
	JOIN local_authorities la ON la.ons_code = ra.ons_code
	LEFT JOIN letters l ON l.tenant_id = rv.tenant_id AND l.review_id = rv.id AND l.area_id = ra.id
	LEFT JOIN LATERAL (SELECT * FROM fact_checks x WHERE x.tenant_id = $1 AND x.letter_id = l.id ORDER BY x.round DESC LIMIT 1) c ON true
	LEFT JOIN users u ON u.id = c.created_by
	LEFT JOIN letter_versions v ON v.tenant_id = $1 AND v.letter_id = l.id AND v.number = c.version_number
	WHERE rv.tenant_id = $1 AND rv.id = $2`

func loadCheck(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (CheckPage, error) {
	var p CheckPage
	if !db.ValidUUID(reviewID) || !db.ValidUUID(areaID) {
		return p, apperr.NotFound("Letter not found")
	}
	var (
		r        Round
		doc      []byte
		extracts []report.Block
		comments []Comment
	)
	err := q.QueryRow(ctx, checkSQL, tenantID, reviewID, areaID).Scan(&p.ReviewTitle, &p.AreaName, &p.LetterStarted,
		&r.ID, &r.Number, &r.Version, &r.Deadline, &r.FinishedAt, &r.SentBy, &r.SentAt, &doc, &extracts, &comments)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.NotFound("Letter not found")
	}
	if err != nil {
		return p, fmt.Errorf("letter: check: %w", err)
	}
	if r.ID == "" {
		return p, nil
	}
	p.Round = &r
	var d report.Doc
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &d); err != nil {
			return p, fmt.Errorf("letter: check: %w", err)
		}
	}
	p.Paragraphs = Paragraphs(&d)
	p.Letter = len(p.Paragraphs)
	for _, x := range Paragraphs(&report.Doc{Blocks: extracts}) {
		x.Index += p.Letter
		p.Paragraphs = append(p.Paragraphs, x)
	}
	for _, c := range comments {
		p.Comments++
		if c.Answer == "" {
			p.Unanswered++
		}
		if c.Block >= 0 && c.Block < len(p.Paragraphs) {
			p.Paragraphs[c.Block].Comments = append(p.Paragraphs[c.Block].Comments, c)
		}
	}
	return p, nil
}

// Paragraphs lists a document's blocks as the check shows them, numbered from 0 in order.
// Headings are shown but not commented on; lists and tables are read as one paragraph.
func Paragraphs(d *report.Doc) []Paragraph {
	out := make([]Paragraph, 0, len(d.Blocks))
	for i, b := range d.Blocks {
		p := Paragraph{Index: i, Heading: b.Kind == report.Heading, Level: b.Level, Text: b.Text.Plain()}
		for _, it := range b.Items {
			if p.Text != "" {
				p.Text += "\n"
			}
			p.Text += "• " + it.Plain()
		}
		for _, row := range b.Rows {
			line := ""
			for j, cell := range row {
				if j > 0 {
					line += " | "
				}
				line += cell.Plain()
			}
			if p.Text != "" {
				p.Text += "\n"
			}
			p.Text += line
		}
		out = append(out, p)
	}
	return out
}

// ReadCheck reads the check of an area's letter; while the round is open, with the area's
// documents a comment may cite.
func ReadCheck(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, today time.Time) (CheckPage, error) {
	var p CheckPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		p, err = loadCheck(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil || !p.Round.Open(today) {
			return err
		}
		p.AreaDocuments, err = document.List(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		return err
	})
	return p, err
}

// SendCheck sends an area its letter for a factual-accuracy check with a deadline after today:
// the letter as built now is saved as a version and frozen for a new round. A new round opens
// only once the previous one is closed. It returns the round's number.
// Its reminders are inserted in the same transaction (reminder.ScheduleFactCheck), as of now.
// With extracts, the overview report's findings that this area's notes support are sent beside
// the letter (their text as it is now), for comment too.
func SendCheck(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, deadline, today, now time.Time, extracts bool) (int, error) {
	if !deadline.After(today) {
		return 0, form.Refuse("deadline", "The deadline must be in the future")
	}
	var n int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		id, _, err := ensure(ctx, tx, sc, areaID)
		if err != nil {
			return err
		}
		p, err := loadCheck(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		if p.Round.Open(today) {
			return form.Refuse("deadline", "The letter is already out for a check until "+p.Round.Deadline.Format("2 January 2006")+
				": a new round can be sent once it is closed")
		}
		b, err := buildTx(ctx, tx, sc, areaID, PageOptions{WithEvidence: extracts})
		if err != nil {
			return err
		}
		blocks := []report.Block{}
		if extracts {
			blocks = extractBlocks(&b)
		}
		ver, err := saveVersion(ctx, tx, sc, id, "Sent for a factual-accuracy check", &b.Doc)
		if err != nil {
			return err
		}
		var checkID string
		if err := tx.QueryRow(ctx, `INSERT INTO fact_checks (tenant_id, letter_id, round, version_number, deadline, extracts, created_by)
			VALUES ($1, $2, (SELECT coalesce(max(round), 0) + 1 FROM fact_checks WHERE tenant_id = $1 AND letter_id = $2), $3, $4, $5, $6)
			RETURNING id::text, round`, sc.TenantID, id, ver, deadline, blocks, sc.UserID).Scan(&checkID, &n); err != nil {
			return fmt.Errorf("letter: send check: %w", db.MapError(err))
		}
		if _, err := reminder.ScheduleFactCheck(ctx, tx, reminder.FactArgs{TenantID: sc.TenantID, ReviewID: sc.ReviewID, AreaID: areaID,
			CheckID: checkID}, deadline, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.factcheck_sent",
			ObjectType: "fact_check", ObjectID: checkID, After: map[string]any{"letter_id": id, "area_id": areaID, "round": n,
				"version": ver, "deadline": deadline.Format(time.DateOnly), "extracts": len(blocks)}})
	})
	return n, err
}

// extractBlocks are the overview's findings this area's notes support, under the framework's
// action areas in order, each finding once: a heading, then a paragraph per finding.
func extractBlocks(b *Built) []report.Block {
	var out []report.Block
	seen := map[string]bool{}
	for _, g := range b.Data.Groups {
		for _, aa := range g.Areas {
			e := b.Evidence[aa.ID]
			if e == nil {
				continue
			}
			for _, f := range e.Findings {
				if seen[f.ID] {
					continue
				}
				seen[f.ID] = true
				if len(out) == 0 {
					out = append(out, report.Block{Kind: report.Heading, Level: 2, Text: report.Text{{Text: "Extracts from the overview report"}},
						Origin: report.Origin{Section: "extracts"}})
				}
				out = append(out, report.Block{Kind: report.Paragraph, Text: report.Text{{Text: f.Text}},
					Origin: report.Origin{Section: "extracts", Kind: "finding", ID: f.ID}})
			}
		}
	}
	return out
}

// CommentInput is a contact's comment as typed, with its evidence: documents of the area already
// sent, and at most one new file (File.Chosen false when none).
type CommentInput struct {
	Block     int
	Body      string
	Key       string   // idempotency key of the form
	Documents []string // ids of the area's documents cited
	File      document.Sent
	Limit     int64  // largest file accepted, in bytes
	LimitText string // the limit as people read it
	Scan      document.Scanner
	Log       *slog.Logger
}

// CommentBodyField, CommentFileField and CommentDocsField name the inputs of a paragraph's comment
// form, for errors.
func CommentBodyField(block int) string { return "body-" + strconv.Itoa(block) }
func CommentFileField(block int) string { return "file-" + strconv.Itoa(block) }
func CommentDocsField(block int) string { return "documents-" + strconv.Itoa(block) }

// check checks what needs no transaction: the text and the new file (size, type by
// content, scanner). It returns the file ready to store, if one was sent.
func (in *CommentInput) check(ctx context.Context) (*document.Upload, error) {
	errs := &form.Errors{}
	if in.Body == "" {
		errs.Add(CommentBodyField(in.Block), "Enter your comment")
	} else if utf8.RuneCountInString(in.Body) > 5000 {
		errs.Add(CommentBodyField(in.Block), "The comment must be 5,000 characters or fewer")
	}
	var up *document.Upload
	if in.File.Chosen {
		scan := in.Scan
		if scan == nil {
			scan = document.NoScan{}
		}
		log := in.Log
		if log == nil {
			log = slog.Default()
		}
		ups, ferrs := document.UploadInput{Key: "factcheck:" + in.Key, Rows: []document.Sent{in.File}, Limit: in.Limit,
			LimitText: in.LimitText}.Check(ctx, scan, log)
		for _, e := range ferrs.List() {
			errs.Add(CommentFileField(in.Block), e.Message)
		}
		if len(ups) == 1 {
			up = &ups[0]
		}
	}
	if errs.Any() {
		return nil, &form.Refused{Errors: errs}
	}
	return up, nil
}

// AddComment records a contact's comment on a paragraph of the open round, with the documents it
// cites and the file it attaches (stored with the area's documents, and audited as an upload). A
// second submission of the same form (same key) records nothing more. It returns whether a comment
// was recorded.
func AddComment(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, in CommentInput, today time.Time) (bool, error) {
	in.Body = trimmed(in.Body)
	if !db.ValidUUID(in.Key) {
		return false, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	docs := map[string]bool{}
	for _, id := range in.Documents {
		if !db.ValidUUID(id) {
			return false, form.Refuse(CommentDocsField(in.Block), "Choose documents from the list")
		}
		docs[id] = true
	}
	cited := make([]string, 0, len(docs))
	for id := range docs {
		cited = append(cited, id)
	}
	// The file is checked (and scanned) before the transaction, as an upload on the Documents page is.
	up, err := in.check(ctx)
	if err != nil {
		return false, err
	}
	var made bool
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		p, err := loadCheck(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		if !p.Round.Open(today) {
			return apperr.Invalid("Comments on this letter are closed: the deadline has passed or the check was finished")
		}
		if in.Block < 0 || in.Block >= len(p.Paragraphs) || p.Paragraphs[in.Block].Heading {
			return apperr.Invalid("Choose a paragraph of the letter to comment on")
		}
		if len(cited) > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM area_documents WHERE tenant_id = $1 AND review_id = $2
				AND area_id = $3 AND id = ANY($4::uuid[]) AND deleted_at IS NULL AND scan_status = 'clean'`,
				sc.TenantID, sc.ReviewID, areaID, cited).Scan(&n); err != nil {
				return fmt.Errorf("letter: comment: documents: %w", err)
			}
			if n != len(cited) {
				return form.Refuse(CommentDocsField(in.Block), "Choose documents from the list: one of them is no longer available")
			}
		}
		var id string
		err = tx.QueryRow(ctx, `INSERT INTO fact_check_comments (tenant_id, check_id, block, body, idempotency_key, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
			sc.TenantID, p.Round.ID, in.Block, in.Body, in.Key, sc.UserID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // sent twice: the first is kept
		}
		if err != nil {
			return fmt.Errorf("letter: comment: %w", db.MapError(err))
		}
		made = true
		if up != nil {
			docID, created, err := document.Create(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID, *up)
			if err != nil {
				return err
			}
			if created {
				if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
					Action: "document.uploaded", ObjectType: "area_document", ObjectID: docID,
					After: map[string]any{"review_id": sc.ReviewID, "area_id": areaID, "title": up.Title, "filename": up.Filename,
						"content_type": up.ContentType, "size": len(up.Content), "sha256": document.Sum(up.Content),
						"fact_check_comment_id": id}}); err != nil {
					return err
				}
			}
			if !docs[docID] {
				cited = append(cited, docID)
			}
		}
		if len(cited) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO fact_check_comment_documents (tenant_id, comment_id, document_id)
				SELECT $1, $2, unnest($3::uuid[])`, sc.TenantID, id, cited); err != nil {
				return fmt.Errorf("letter: comment: documents: %w", err)
			}
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.factcheck_commented",
			ObjectType: "fact_check_comment", ObjectID: id, After: map[string]any{"check_id": p.Round.ID, "area_id": areaID,
				"block": in.Block, "body": in.Body, "documents": cited}})
	})
	return made, err
}

// FinishCheck closes the open round early for the area: its contacts have no more comments.
func FinishCheck(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, today time.Time) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		p, err := loadCheck(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		if !p.Round.Open(today) {
			return apperr.Invalid("Comments on this letter are closed already")
		}
		if _, err := tx.Exec(ctx, `UPDATE fact_checks SET finished_at = now(), finished_by = $3 WHERE tenant_id = $1 AND id = $2`,
			sc.TenantID, p.Round.ID, sc.UserID); err != nil {
			return fmt.Errorf("letter: finish check: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.factcheck_finished",
			ObjectType: "fact_check", ObjectID: p.Round.ID, After: map[string]any{"area_id": areaID, "round": p.Round.Number}})
	})
}

// AnswerInput is the lead's answer to a comment, from the comment's version the lead saw.
type AnswerInput struct {
	CommentID, Answer, Reason string
	Version                   int
}

// AnswerComment records the lead's answer to a comment of the area's letter's newest round (the
// lead may answer after the deadline). A stale version is an apperr.Conflict.
func AnswerComment(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, in AnswerInput) error {
	in.Reason = trimmed(in.Reason)
	field := "answer-" + in.CommentID
	switch {
	case in.Answer != AnswerAccepted && in.Answer != AnswerNotAccepted:
		return form.Refuse(field, "Choose whether the comment is accepted")
	case in.Answer == AnswerNotAccepted && in.Reason == "":
		return form.Refuse("reason-"+in.CommentID, "Enter why the comment is not accepted")
	case utf8.RuneCountInString(in.Reason) > 5000:
		return form.Refuse("reason-"+in.CommentID, "The reason must be 5,000 characters or fewer")
	}
	if !db.ValidUUID(in.CommentID) {
		return apperr.NotFound("Comment not found")
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var before Comment
		err := tx.QueryRow(ctx, `SELECT m.answer, m.reason, m.version FROM fact_check_comments m
			JOIN fact_checks c ON c.tenant_id = m.tenant_id AND c.id = m.check_id
			JOIN letters l ON l.tenant_id = c.tenant_id AND l.id = c.letter_id
			WHERE m.tenant_id = $1 AND m.id = $2 AND l.review_id = $3 AND l.area_id = $4 FOR UPDATE OF m`,
			sc.TenantID, in.CommentID, sc.ReviewID, areaID).Scan(&before.Answer, &before.Reason, &before.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("Comment not found")
		}
		if err != nil {
			return fmt.Errorf("letter: answer: %w", err)
		}
		if before.Version != in.Version {
			return apperr.Conflict("Someone else answered this comment after you opened the page. Reload the page to see their answer.")
		}
		if in.Answer == AnswerAccepted {
			in.Reason = trimmed(in.Reason)
		}
		if _, err := tx.Exec(ctx, `UPDATE fact_check_comments SET answer = $3, reason = $4, answered_by = $5, answered_at = now(),
			version = version + 1 WHERE tenant_id = $1 AND id = $2`, sc.TenantID, in.CommentID, in.Answer, in.Reason, sc.UserID); err != nil {
			return fmt.Errorf("letter: answer: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, Action: "letter.factcheck_answered",
			ObjectType: "fact_check_comment", ObjectID: in.CommentID,
			Before: map[string]any{"answer": before.Answer, "reason": before.Reason},
			After:  map[string]any{"answer": in.Answer, "reason": in.Reason}})
	})
}

// CheckCSVHeader is the first row of the export of a letter's check.
var CheckCSVHeader = []string{"Round", "Deadline", "Paragraph", "Paragraph text", "Comment", "Commented by", "Commented at",
	"Evidence documents", "Answer", "Reason", "Answered by", "Answered at"}

// ExportCheck streams every round's comments and answers of an area's letter, row by row, to
// write (which gets the header first). Rows are read as they are written.
func ExportCheck(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, write func([]string) error) error {
	if !db.ValidUUID(areaID) {
		return apperr.NotFound("Letter not found")
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM review_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3)`,
			sc.TenantID, sc.ReviewID, areaID).Scan(&ok); err != nil {
			return fmt.Errorf("letter: export check: %w", err)
		}
		if !ok {
			return apperr.NotFound("Letter not found")
		}
		if err := write(CheckCSVHeader); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.round, c.deadline, m.block,
				coalesce(v.doc -> 'blocks' -> m.block, c.extracts -> (m.block - jsonb_array_length(v.doc -> 'blocks'))), m.body, mu.name, m.created_at,
				(SELECT coalesce(string_agg(d.title || ' (' || d.filename || ')', '; ' ORDER BY d.title, d.id), '')
					FROM fact_check_comment_documents cd JOIN area_documents d ON d.tenant_id = cd.tenant_id AND d.id = cd.document_id
					WHERE cd.tenant_id = m.tenant_id AND cd.comment_id = m.id),
				m.answer, m.reason, coalesce(au.name, ''), m.answered_at
			FROM fact_check_comments m
			JOIN fact_checks c ON c.tenant_id = m.tenant_id AND c.id = m.check_id
			JOIN letters l ON l.tenant_id = c.tenant_id AND l.id = c.letter_id
			JOIN letter_versions v ON v.tenant_id = c.tenant_id AND v.letter_id = c.letter_id AND v.number = c.version_number
			JOIN users mu ON mu.id = m.created_by LEFT JOIN users au ON au.id = m.answered_by
			WHERE m.tenant_id = $1 AND l.review_id = $2 AND l.area_id = $3
			ORDER BY c.round, m.block, m.created_at, m.id`, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return fmt.Errorf("letter: export check: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c Comment
			var deadline time.Time
			var block report.Block
			var docs string
			if err := rows.Scan(&c.Round, &deadline, &c.Block, &block, &c.Body, &c.By, &c.At, &docs, &c.Answer, &c.Reason,
				&c.AnsweredBy, &c.AnsweredAt); err != nil {
				return fmt.Errorf("letter: export check: %w", err)
			}
			para := Paragraphs(&report.Doc{Blocks: []report.Block{block}})[0].Text
			answered := ""
			if c.AnsweredAt != nil {
				answered = c.AnsweredAt.UTC().Format(time.RFC3339)
			}
			if err := write([]string{strconv.Itoa(c.Round), deadline.Format(time.DateOnly), strconv.Itoa(c.Block + 1),
				text.Excerpt(para, 500), c.Body, c.By, c.At.UTC().Format(time.RFC3339), docs, AnswerLabel(c.Answer), c.Reason,
				c.AnsweredBy, answered}); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
