package review

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Commands and page queries of a review's vocabularies (its lists), each in its own transaction.
// A refused change (*form.Refused) comes back with the page to show again, read in the same
// transaction, so a refusal costs one transaction too.

// ListsPage is what the lists page shows.
type ListsPage struct {
	ReviewTitle string
	Lists       Lists
}

func loadListsPage(ctx context.Context, tx pgx.Tx, sc db.Scope) (ListsPage, error) {
	var p ListsPage
	err := tx.QueryRow(ctx, `SELECT r.title, `+ListsCols()+` FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		sc.TenantID, sc.ReviewID).Scan(append([]any{&p.ReviewTitle}, p.Lists.Dest()...)...)
	return p, err
}

// LoadListsPage reads the scope's review's lists page.
func LoadListsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (ListsPage, error) {
	var p ListsPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadListsPage(ctx, tx, sc)
		return err
	})
	return p, err
}

// TermPage is what a value's page shows: the value and the others of its list.
type TermPage struct {
	ReviewTitle string
	Term        Term
	Others      []Term
}

func loadTermPage(ctx context.Context, tx pgx.Tx, sc db.Scope, k VocabKind, id string) (TermPage, error) {
	var p TermPage
	var terms []Term
	err := tx.QueryRow(ctx, `SELECT r.title, `+TermsCol(k)+` FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		sc.TenantID, sc.ReviewID).Scan(&p.ReviewTitle, &terms)
	if err != nil {
		return p, err
	}
	found := false
	for _, t := range terms {
		if t.ID == id {
			p.Term, found = t, true
		} else {
			p.Others = append(p.Others, t)
		}
	}
	if !found {
		return p, apperr.NotFound("That %s is not in this review’s list", k.One())
	}
	return p, nil
}

// LoadTermPage reads a value's page; a value not in the list is NotFound.
func LoadTermPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, id string) (TermPage, error) {
	var p TermPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadTermPage(ctx, tx, sc, k, id)
		return err
	})
	return p, err
}

// refusedWith reads a page when err refuses the change, and returns err all the same (the
// transaction rolls back).
func refusedWith(err error, load func() error) error {
	var refused *form.Refused
	if errors.As(err, &refused) {
		if lerr := load(); lerr != nil {
			return lerr
		}
	}
	return err
}

// AddListValue appends a value to one of the review's lists, audited. When refused, page is the
// lists page to show again.
func AddListValue(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, typed string, needsRole bool) (t Term, page ListsPage, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		t, err = AddTerm(ctx, tx, sc, k, typed, needsRole)
		return refusedWith(err, func() (lerr error) { page, lerr = loadListsPage(ctx, tx, sc); return })
	})
	return t, page, err
}

// TermChange is what a change of a value did, or, when refused, the value's page to show again.
type TermChange struct {
	Before, After Term // UpdateTerm's before and after; a merge's value merged away and value kept
	Moved         int  // uses moved by a merge
	Page          TermPage
}

// ChangeListValue renames a value (and, for a source, sets whether it needs a role) when version
// is still its version, audited.
func ChangeListValue(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, id string, version int, typed string, needsRole bool) (TermChange, error) {
	var c TermChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Before, c.After, err = UpdateTerm(ctx, tx, sc, k, id, version, typed, needsRole)
		return refusedWith(err, func() (lerr error) { c.Page, lerr = loadTermPage(ctx, tx, sc, k, id); return })
	})
	return c, err
}

// MoveListValue moves a value one place up or down its list, audited.
func MoveListValue(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, id string, up bool) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error { return MoveTerm(ctx, tx, sc, k, id, up) })
}

// MergeListValue merges a value into another of its list (Before is the value merged away, After
// the one kept, Moved the uses moved), audited.
func MergeListValue(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, id string, version int, intoID string) (TermChange, error) {
	var c TermChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Before, c.After, c.Moved, err = MergeTerm(ctx, tx, sc, k, id, version, intoID)
		return refusedWith(err, func() (lerr error) { c.Page, lerr = loadTermPage(ctx, tx, sc, k, id); return })
	})
	return c, err
}

// RemoveListValue deletes a value nothing uses, audited (Before is the value removed).
func RemoveListValue(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, k VocabKind, id string, version int) (TermChange, error) {
	var c TermChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Before, err = DeleteTerm(ctx, tx, sc, k, id, version)
		return refusedWith(err, func() (lerr error) { c.Page, lerr = loadTermPage(ctx, tx, sc, k, id); return })
	})
	return c, err
}
