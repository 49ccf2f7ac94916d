package register

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// The register's commands and page queries: each opens its own transaction for the scope it is
// given, checks and writes with its audit entry, and returns what the page needs.

// StaleMessage is shown when a recommendation's status changed since the editor opened it.
const StaleMessage = "Someone else changed the status of this recommendation after you opened it"

var errStale = errors.New("register: stale status")

// StaleError is a status change from an old version; Current is the entry as it is now.
type StaleError struct{ Current Entry }

func (e *StaleError) Error() string { return StaleMessage }

// Unwrap makes a stale change a 409.
func (e *StaleError) Unwrap() error { return apperr.Conflict(StaleMessage) }

// CheckID refuses an id that cannot be a recommendation's (404).
func CheckID(id string) error {
	if !db.ValidUUID(id) {
		return apperr.NotFound("recommendation")
	}
	return nil
}

// Page is the register's page: the rows the filter keeps and what the filter offers.
type Page struct {
	Entries []Entry
	Options Options
}

// RegisterPage reads the register as the user may read it.
func RegisterPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, f Filter) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if p.Options, err = LoadOptions(ctx, tx, sc.TenantID, sc.UserID); err != nil {
			return err
		}
		p.Entries, err = List(ctx, tx, sc.TenantID, sc.UserID, f)
		return err
	})
	return p, err
}

// EntryPage reads one recommendation of the register.
func EntryPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string) (Entry, error) {
	var e Entry
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		e, err = Get(ctx, tx, sc.TenantID, sc.UserID, id)
		return err
	})
	return e, err
}

// Export streams the register's rows, filtered, to fn in one transaction.
func Export(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, f Filter, fn func(Entry) error) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return Each(ctx, tx, sc.TenantID, sc.UserID, f, fn)
	})
}

// editable reads entry id for a change: the user must lead its review, or be a tenant admin who
// may read it. It locks the recommendation's row so that changes to one recommendation queue.
func editable(ctx context.Context, tx pgx.Tx, sc db.Scope, admin bool, id string) (Entry, error) {
	e, err := Get(ctx, tx, sc.TenantID, sc.UserID, id)
	if err != nil {
		return e, err
	}
	if !e.Lead && !admin {
		return e, apperr.Forbidden("Only the review's leads and the tenant's admins can change the register")
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM recommendations WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, sc.TenantID, id); err != nil {
		return e, err
	}
	return e, nil
}

// ChangeStatus moves recommendation id to status from the version the editor saw, audited. A
// stale version is a *StaleError with the entry as it is now.
func ChangeStatus(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, admin bool, id, status string, version int) (Entry, error) {
	if !ValidStatus(status) {
		return Entry{}, form.Refuse("status", "Select a status")
	}
	var cur Entry
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if cur, err = editable(ctx, tx, sc, admin, id); err != nil {
			return err
		}
		if cur.Version != version {
			return &StaleError{Current: cur}
		}
		if cur.Status == status {
			return nil
		}
		if _, err := setStatus(ctx, tx, sc.TenantID, sc.UserID, id, status, version); err != nil {
			if errors.Is(err, errStale) {
				return &StaleError{Current: cur}
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "recommendation.status_changed", ObjectType: "recommendation", ObjectID: id,
			Before: map[string]any{"review_id": cur.ReviewID, "number": cur.Number, "status": cur.Status},
			After:  map[string]any{"review_id": cur.ReviewID, "number": cur.Number, "status": status}})
	})
	return cur, err
}

// RecordResponse records a response received to recommendation id, audited; a double submission
// records it once. A refusal is a *form.Refused, with the entry read.
func RecordResponse(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, admin bool, id string, in ResponseInput, today time.Time) (Entry, error) {
	var cur Entry
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		if cur, err = editable(ctx, tx, sc, admin, id); err != nil {
			return err
		}
		if in.Key == "" || len(in.Key) > 64 {
			return apperr.Invalid("The form has expired. Copy the response, reload the page and try again.")
		}
		if errs := in.Validate(today); errs.Any() {
			return &form.Refused{Errors: errs}
		}
		created, err := addResponse(ctx, tx, sc.TenantID, sc.UserID, id, in)
		if err != nil || !created {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "recommendation.response_recorded", ObjectType: "recommendation", ObjectID: id,
			After: map[string]any{"review_id": cur.ReviewID, "number": cur.Number, "responder": in.Responder,
				"body": in.Body, "received_on": in.ReceivedOn}})
	})
	return cur, err
}

// FollowUpPage is the page where a lead links a finding to earlier recommendations.
type FollowUpPage struct {
	Title      string // the review's
	FindingID  string
	Linked     []Followed
	Candidates []Entry // published recommendations of other reviews the lead may read, filtered
}

// FollowUps reads the follow-up page of finding findingID of the scope's review.
func FollowUps(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, findingID string, f Filter) (FollowUpPage, error) {
	var p FollowUpPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		title, err := findingTitle(ctx, tx, sc.TenantID, sc.ReviewID, findingID)
		if err != nil {
			return err
		}
		p, err = followUpsTx(ctx, tx, sc, findingID, title, f)
		return err
	})
	return p, err
}

func followUpsTx(ctx context.Context, tx pgx.Tx, sc db.Scope, findingID, title string, f Filter) (FollowUpPage, error) {
	p := FollowUpPage{FindingID: findingID, Title: title}
	var err error
	if p.Linked, err = FollowedBy(ctx, tx, sc.TenantID, sc.UserID, findingID); err != nil {
		return p, err
	}
	all, err := List(ctx, tx, sc.TenantID, sc.UserID, f)
	for _, e := range all {
		if e.ReviewID != sc.ReviewID {
			p.Candidates = append(p.Candidates, e)
		}
	}
	return p, err
}

// Link records that finding findingID of the scope's review follows up recommendation recID of
// another review's published report, which the lead may read; audited. A refusal (a
// recommendation not in the lead's register, or the review's own) is a *form.Refused with the
// page read in the same transaction.
func Link(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, findingID, recID string) (FollowUpPage, error) {
	var p FollowUpPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		title, err := findingTitle(ctx, tx, sc.TenantID, sc.ReviewID, findingID)
		if err != nil {
			return err
		}
		e, err := Get(ctx, tx, sc.TenantID, sc.UserID, recID)
		if apperr.Is(err, apperr.CodeNotFound) || err == nil && e.ReviewID == sc.ReviewID {
			if p, err = followUpsTx(ctx, tx, sc, findingID, title, Filter{}); err != nil {
				return err
			}
			return form.Refuse("recommendation", "Choose a published recommendation of an earlier review")
		}
		if err != nil {
			return err
		}
		if err := review.EnsureAllows(ctx, tx, sc.TenantID, sc.ReviewID, review.ChangeSynthesis); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO finding_follow_ups (tenant_id, finding_id, recommendation_id, created_by)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, sc.TenantID, findingID, recID, sc.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "finding.follow_up_linked", ObjectType: "finding", ObjectID: findingID,
			After: map[string]any{"review_id": sc.ReviewID, "recommendation_id": recID, "recommendation_review_id": e.ReviewID,
				"recommendation_number": e.Number}})
	})
	return p, err
}

// Unlink removes a follow-up link of finding findingID, audited.
func Unlink(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, findingID, recID string) error {
	if !db.ValidUUID(recID) {
		return apperr.NotFound("recommendation")
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := findingTitle(ctx, tx, sc.TenantID, sc.ReviewID, findingID); err != nil {
			return err
		}
		if err := review.EnsureAllows(ctx, tx, sc.TenantID, sc.ReviewID, review.ChangeSynthesis); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM finding_follow_ups WHERE tenant_id = $1 AND finding_id = $2 AND recommendation_id = $3`,
			sc.TenantID, findingID, recID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "finding.follow_up_unlinked", ObjectType: "finding", ObjectID: findingID,
			Before: map[string]any{"review_id": sc.ReviewID, "recommendation_id": recID}})
	})
}
