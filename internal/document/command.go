package document

import (
	"context"
	"log/slog"
	"strconv"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// MaxTitle is the longest title a document takes, in characters.
const MaxTitle = 200

// Place is the review and area a documents page is about.
type Place struct {
	ReviewID, ReviewTitle string
	Area                  area.Area
}

func loadPlace(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID string) (Place, error) {
	rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return Place{}, err
	}
	ar, err := area.Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
	if err != nil {
		return Place{}, err
	}
	return Place{ReviewID: rv.ID, ReviewTitle: rv.Title, Area: ar}, nil
}

// LoadPlace reads the review and area of a documents page in its own transaction; the area must
// be in the scope's review.
func LoadPlace(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Place, error) {
	var p Place
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadPlace(ctx, tx, sc, areaID)
		return err
	})
	return p, err
}

// ListPage is an area's documents, with how many evidence notes cite each when asked for.
type ListPage struct {
	Place
	Docs   []Document
	Citing map[string]int // document id → notes citing it; empty unless asked for
}

// LoadList reads an area's documents page in its own transaction. citations asks for the counts
// of citing notes (for the review's staff: a local authority contact never sees notes).
func LoadList(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, citations bool) (ListPage, error) {
	p := ListPage{Citing: map[string]int{}}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if p.Place, err = loadPlace(ctx, tx, sc, areaID); err != nil {
			return err
		}
		if p.Docs, err = List(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return err
		}
		if citations && len(p.Docs) > 0 {
			p.Citing, err = CitingCounts(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		}
		return err
	})
	return p, err
}

// FileField and TitleField name row i's inputs of the upload form (0-based), for errors.
func FileField(i int) string  { return "file-" + strconv.Itoa(i+1) }
func TitleField(i int) string { return "title-" + strconv.Itoa(i+1) }

// Sent is one row of the upload form as sent: a title and, when one was chosen, a file.
type Sent struct {
	Title      string // trimmed
	Chosen     bool   // a file was chosen
	Filename   string // as the browser sent it
	Size       int64  // as the browser declared it
	Content    []byte // nil when unread (declared too large, or unreadable)
	Unreadable bool   // the file could not be read
}

// UploadInput is the upload form: its rows, the form's idempotency key, and the size limit.
type UploadInput struct {
	Key       string
	Rows      []Sent
	Limit     int64  // largest file accepted, in bytes
	LimitText string // the limit as people read it ("10 MB")
}

// Check checks every row (title, size, type by content, scanner) and returns the uploads ready to
// store, or the errors against each row at fault.
func (in UploadInput) Check(ctx context.Context, scan Scanner, log *slog.Logger) ([]Upload, *form.Errors) {
	errs := &form.Errors{}
	var uploads []Upload
	for i, row := range in.Rows {
		title := row.Title
		if !row.Chosen {
			if title != "" {
				errs.Add(FileField(i), "Select a file to go with the title "+strconv.Quote(title))
			}
			continue
		}
		if utf8.RuneCountInString(title) > MaxTitle {
			errs.Add(TitleField(i), "Title must be 200 characters or fewer")
		}
		if row.Size > in.Limit {
			errs.Add(FileField(i), "The file must be smaller than "+in.LimitText)
			continue
		}
		if row.Unreadable {
			errs.Add(FileField(i), "The selected file could not be read. Choose it again")
			continue
		}
		if int64(len(row.Content)) > in.Limit {
			errs.Add(FileField(i), "The file must be smaller than "+in.LimitText)
			continue
		}
		name := CleanName(row.Filename)
		ct, err := Sniff(name, row.Content)
		if err != nil {
			errs.Add(FileField(i), err.Error())
			continue
		}
		if err := scan.Scan(ctx, name, row.Content); err != nil {
			log.Warn("document refused by the scanner", "err", err, "filename", name)
			errs.Add(FileField(i), "The selected file could not be accepted because it did not pass the virus check")
			continue
		}
		if title == "" {
			title = TitleFromName(name)
			if utf8.RuneCountInString(title) > MaxTitle {
				title = string([]rune(title)[:MaxTitle])
			}
		}
		uploads = append(uploads, Upload{Title: title, Filename: name, ContentType: ct, Content: row.Content,
			Key: in.Key + ":" + strconv.Itoa(i)})
	}
	if len(uploads) == 0 && !errs.Any() {
		errs.Add(FileField(0), "Select a file to upload")
	}
	return uploads, errs
}

// UploadAll checks every file sent and stores them all, or none: a file refused for its size,
// type or the scanner refuses the whole form (*form.Refused, before any transaction). Each stored
// document is audited; a row sent again with the same key stores nothing. It returns how many
// files the form carried.
func UploadAll(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, in UploadInput, scan Scanner, log *slog.Logger) (int, error) {
	uploads, errs := in.Check(ctx, scan, log)
	if errs.Any() {
		return 0, &form.Refused{Errors: errs}
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := area.Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return err
		}
		for _, u := range uploads {
			id, created, err := Create(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID, u)
			if err != nil {
				return err
			}
			if !created {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
				Action: "document.uploaded", ObjectType: "area_document", ObjectID: id,
				After: map[string]any{"review_id": sc.ReviewID, "area_id": areaID, "title": u.Title,
					"filename": u.Filename, "content_type": u.ContentType, "size": len(u.Content), "sha256": Sum(u.Content)}}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(uploads), err
}

// Find reads an available document of an area in its own transaction.
func Find(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, id string) (Document, error) {
	var d Document
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		d, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID, id)
		return err
	})
	return d, err
}

// ReadChunk reads n bytes of a document's content from offset in its own short transaction, so
// that a download streamed a chunk at a time never holds a connection for long.
func ReadChunk(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, id string, offset, n int64) ([]byte, error) {
	var b []byte
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		b, err = Chunk(ctx, tx, sc.TenantID, sc.ReviewID, areaID, id, offset, n)
		return err
	})
	return b, err
}

// Remove soft-deletes a document, audited: the review's lead (lead) or its uploader may.
func Remove(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, id string, lead bool) (Document, error) {
	var d Document
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if d, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID, id); err != nil {
			return err
		}
		if !lead && d.UploadedBy != sc.UserID {
			return apperr.Forbidden("Only the person who uploaded a document and the review lead can delete it.")
		}
		if err := Delete(ctx, tx, sc.TenantID, sc.ReviewID, areaID, id, sc.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "document.deleted", ObjectType: "area_document", ObjectID: d.ID,
			Before: map[string]any{"review_id": d.ReviewID, "area_id": d.AreaID, "title": d.Title, "filename": d.Filename}})
	})
	return d, err
}
