package questionnaire

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/review"
)

// AreaPage is what an area's questionnaire page shows.
type AreaPage struct {
	ReviewID, ReviewTitle string
	Area                  area.Area
	Results               Results
}

// LoadAreaPage reads an area's questionnaire page in its own transaction; the area must be in the
// scope's review.
func LoadAreaPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (AreaPage, error) {
	var p AreaPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		p.ReviewID, p.ReviewTitle = rv.ID, rv.Title
		if p.Area, err = area.Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return err
		}
		p.Results, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		return err
	})
	return p, err
}

// TotalsPage is what the page of every area's respondents shows.
type TotalsPage struct {
	ReviewID, ReviewTitle string
	Totals                ReviewTotals
}

// LoadTotalsPage reads every area's totals of the scope's review in its own transaction.
func LoadTotalsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (TotalsPage, error) {
	var p TotalsPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		p.ReviewID, p.ReviewTitle = rv.ID, rv.Title
		p.Totals, err = Totals(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return p, err
}

// ImportCSV parses a CSV of results and, when it is valid, replaces the area's results with it,
// audited. A CSV with problems is refused before any transaction opens: the error is a
// *ParseError (its lines at fault) or ErrTooLarge, and nothing is stored.
func ImportCSV(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, data []byte) (Import, error) {
	rows, err := Parse(data)
	if err != nil {
		return Import{}, err
	}
	var imp Import
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		imp, err = Replace(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID, rows)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "questionnaire.imported", ObjectType: "review_area", ObjectID: areaID,
			After: map[string]string{"review": sc.ReviewID, "rows": strconv.Itoa(imp.Rows),
				"total": strconv.FormatInt(imp.Total, 10), "respondents": strconv.FormatInt(imp.Respondents, 10)}})
	})
	return imp, err
}
