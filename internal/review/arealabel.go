package review

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
)

// AreaLabel is the SQL for how the views where the lead weighs evidence (evidence base, coverage,
// synthesis) name the area ra (a review_areas row) joined to its local authority la: its
// pseudonym ("Area C") while the review shows pseudonyms, else its name. The report, letters,
// visits and the areas' own pages always use the name.
const AreaLabel = `CASE WHEN ra.show_pseudonym THEN ra.pseudonym ELSE la.display_name END`

// LockAreaPseudonyms locks review id's row and answers whether it shows pseudonyms.
func LockAreaPseudonyms(ctx context.Context, tx pgx.Tx, tenantID, id string) (bool, error) {
	var on bool
	err := tx.QueryRow(ctx, `SELECT area_pseudonyms FROM reviews WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id).Scan(&on)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, apperr.NotFound("Review not found")
	}
	if err != nil {
		return false, fmt.Errorf("review: pseudonyms of %s: %w", id, err)
	}
	return on, nil
}

// SetAreaPseudonyms records whether review id shows pseudonyms (area.SetPseudonyms deals the
// letters and audits the change).
func SetAreaPseudonyms(ctx context.Context, tx pgx.Tx, tenantID, id string, on bool) error {
	if _, err := tx.Exec(ctx, `UPDATE reviews SET area_pseudonyms = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, id, on); err != nil {
		return fmt.Errorf("review: set pseudonyms of %s: %w", id, err)
	}
	return nil
}
