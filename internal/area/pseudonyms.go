package area

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Pseudonymous labels: while a review shows them, its evidence base, coverage and synthesis name
// each area by a letter ("Area C", review.AreaLabel) so that the lead drafts without being swayed
// by what is known of an area. Letters are dealt in a random order the first time and kept, so a
// label means the same area all review long. The lead may see which area is which; each time is
// in the audit log.

// Pseudonym is one area's label beside its name.
type Pseudonym struct {
	AreaID, Label, Name string
}

// SetPseudonyms turns the review's pseudonymous labels on or off, audited. Turning them on gives
// a letter to each area without one. It answers whether anything changed.
func SetPseudonyms(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, on bool) (bool, error) {
	changed := false
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		was, err := review.LockAreaPseudonyms(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		if was == on {
			return nil
		}
		changed = true
		if on {
			// Free letters in order, dealt to the areas without one in a random order.
			if _, err := tx.Exec(ctx, `WITH used AS (SELECT pseudonym FROM review_areas
					WHERE tenant_id = $1 AND review_id = $2 AND pseudonym IS NOT NULL),
				free AS (SELECT area_pseudonym(n) AS label, row_number() OVER (ORDER BY n) AS k FROM generate_series(0, 701) n
					WHERE area_pseudonym(n) NOT IN (SELECT pseudonym FROM used)),
				todo AS (SELECT id, row_number() OVER (ORDER BY random()) AS k FROM review_areas
					WHERE tenant_id = $1 AND review_id = $2 AND pseudonym IS NULL)
				UPDATE review_areas ra SET pseudonym = free.label FROM todo JOIN free ON free.k = todo.k
				WHERE ra.tenant_id = $1 AND ra.id = todo.id`, sc.TenantID, sc.ReviewID); err != nil {
				return fmt.Errorf("area: deal pseudonyms: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE review_areas SET show_pseudonym = $3 WHERE tenant_id = $1 AND review_id = $2`,
			sc.TenantID, sc.ReviewID, on); err != nil {
			return fmt.Errorf("area: pseudonyms: %w", err)
		}
		if err := review.SetAreaPseudonyms(ctx, tx, sc.TenantID, sc.ReviewID, on); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review.area_pseudonyms_changed", ObjectType: "review", ObjectID: sc.ReviewID,
			Before: map[string]bool{"pseudonyms": was}, After: map[string]bool{"pseudonyms": on}})
	})
	return changed, err
}

// RevealPseudonyms lists which area each label stands for, in label order, and records in the
// audit log that the lead asked.
func RevealPseudonyms(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, reason string) (title string, out []Pseudonym, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT title FROM reviews WHERE tenant_id = $1 AND id = $2`, sc.TenantID, sc.ReviewID).Scan(&title)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("Review not found")
		}
		if err != nil {
			return fmt.Errorf("area: reveal pseudonyms: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT ra.id::text, ra.pseudonym, la.display_name FROM review_areas ra
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.tenant_id = $1 AND ra.review_id = $2 AND ra.pseudonym IS NOT NULL
			ORDER BY length(ra.pseudonym), ra.pseudonym`, sc.TenantID, sc.ReviewID)
		if err != nil {
			return fmt.Errorf("area: reveal pseudonyms: %w", err)
		}
		if out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Pseudonym]); err != nil {
			return fmt.Errorf("area: reveal pseudonyms: %w", err)
		}
		shown := map[string]string{}
		for _, p := range out {
			shown[p.Label] = p.Name
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "review.area_pseudonyms_revealed", ObjectType: "review", ObjectID: sc.ReviewID,
			After: map[string]any{"reason": reason, "shown": shown}})
	})
	return title, out, err
}
