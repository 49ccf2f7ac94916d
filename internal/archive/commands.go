package archive

import (
	"context"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/db"
)

// The commands behind the archive's download and import: each opens its own transaction
// (db.InTx) for the scope sc and writes its own audit entry.

// Download writes the archive of review sc.ReviewID to the writer start returns, called once the
// review's title is known and whether the archive is a ZIP file (the review has documents) or
// JSON; the notes are written as they are read. The export is recorded.
func Download(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, now time.Time, start func(title string, zip bool) io.Writer) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		x, err := Prepare(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		counts, err := x.Write(start(x.Title(), x.HasDocuments()), now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review.archive_exported", ObjectType: "review", ObjectID: sc.ReviewID, After: counts})
	})
}

// ExportTo writes the review's archive as JSON to w (the command line's export) and records it.
func ExportTo(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, w io.Writer, now time.Time) (Counts, error) {
	var counts Counts
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if counts, err = Export(ctx, tx, sc.TenantID, sc.ReviewID, w, now); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "review.archive_exported", "review", sc.ReviewID, nil, counts)
	})
	return counts, err
}

// ImportReviewBudget is the most statements ImportReview sends, whatever the archive's size:
// Import's, its transaction (BEGIN, the scope, COMMIT) and the audit entry. Before the import's
// tables were written together it sent 52 for the demo review.
const ImportReviewBudget = ImportBudget + 4

// ImportReview writes a checked archive as a new review led by the user (Import's bulk path, in
// one transaction) and records it; the same key again makes nothing (Result.Duplicate). It sends
// at most ImportReviewBudget statements.
func ImportReview(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, t Target, a *Archive, now time.Time) (Result, error) {
	t.TenantID, t.UserID, t.Email = sc.TenantID, sc.UserID, sc.Email
	var res Result
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		res, err = Import(ctx, tx, t, a, now)
		if err != nil || res.Duplicate {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review.imported", ObjectType: "review", ObjectID: res.ReviewID, After: res.Summary()})
	})
	return res, err
}
