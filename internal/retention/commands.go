package retention

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// Commands: a review's legal hold (its leads) and the tenant's settings page (its admins), each
// one transaction scoped to sc.

// staleSettings is what a version mismatch on the settings says.
const staleSettings = "Someone else changed this while you were looking at the page. Go back, reload the page to see the latest details, and try again."

// HoldData is the legal hold form's data.
type HoldData struct {
	ReviewTitle string
	Status      Status
}

// HoldPage reads the review's title and retention status.
func HoldPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (HoldData, error) {
	var d HoldData
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		d.ReviewTitle = rv.Title
		d.Status, err = Load(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return d, err
}

// PlaceHold puts the review on legal hold for a reason (trimmed; required, at most MaxReason
// characters). A refusal is a *form.Refused returned with the review's title; changed is false
// when the review was held for that reason already.
func PlaceHold(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, reason string) (title string, changed bool, err error) {
	reason = strings.TrimSpace(reason)
	errs := &form.Errors{}
	switch n := len([]rune(reason)); {
	case n == 0:
		errs.Add("reason", "Say why the review is on legal hold")
	case n > MaxReason:
		errs.Add("reason", "The reason must be "+strconv.Itoa(MaxReason)+" characters or fewer")
	}
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if errs.Any() {
			rv, err := review.Get(ctx, tx, sc.TenantID, sc.ReviewID)
			title = rv.Title
			return err
		}
		var err error
		changed, err = SetHold(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, sc.Email, reason)
		return err
	})
	if err == nil && errs.Any() {
		return title, false, &form.Refused{Errors: errs}
	}
	return title, changed, err
}

// LiftHold lifts the review's legal hold; changed is false when it was not held.
func LiftHold(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (bool, error) {
	var changed bool
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		changed, err = SetHold(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, sc.Email, "")
		return err
	})
	return changed, err
}

// Settings is the tenant settings page's data.
type Settings struct {
	Tenant      tenant.Tenant
	Months      *int // the retention period; nil keeps evidence until deleted
	WithoutTOTP int  // active members without two-factor sign-in
}

// SettingsPage reads the tenant's settings.
func SettingsPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Settings, error) {
	var st Settings
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if st.Tenant, err = tenant.Get(ctx, tx, sc.TenantID); err != nil {
			return err
		}
		if st.Months, err = Months(ctx, tx, sc.TenantID); err != nil {
			return err
		}
		members, err := user.Members(ctx, tx, sc.TenantID)
		for _, m := range members {
			if m.Active() && !m.TOTPEnabled {
				st.WithoutTOTP++
			}
		}
		return err
	})
	return st, err
}

// SaveTwoFactor sets whether everyone in the tenant must use two-factor sign-in; version is the
// settings' version the admin saw. unchanged when it was so already.
func SaveTwoFactor(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, require bool, version int) (unchanged bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		t, err := tenant.Get(ctx, tx, sc.TenantID)
		if err != nil {
			return err
		}
		if t.Version != version {
			return apperr.Conflict(staleSettings)
		}
		if t.Require2FA == require {
			unchanged = true
			return nil
		}
		if err := tenant.SetRequire2FA(ctx, tx, sc.TenantID, require, version); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "tenant.settings_changed", ObjectType: "tenant", ObjectID: sc.TenantID,
			Before: map[string]bool{"require_2fa": t.Require2FA}, After: map[string]bool{"require_2fa": require}})
	})
	return unchanged, err
}

// ParseMonths reads the retention form: keep "forever" (nil) or "months" with a number of months.
// It is checked before any transaction, so that a refused form costs one read of the page.
func ParseMonths(keep, months string) (*int, *form.Errors) {
	errs := &form.Errors{}
	switch keep {
	case "forever":
		return nil, errs
	case "months":
		n, err := strconv.Atoi(months)
		switch {
		case months == "":
			errs.Add("months", "Enter how many months to keep evidence after a review is published")
		case err != nil:
			errs.Add("months", "The number of months must be a whole number, like 12")
		case n < 1 || n > MaxMonths:
			errs.Add("months", "The number of months must be between 1 and "+strconv.Itoa(MaxMonths))
		default:
			return &n, errs
		}
	default:
		errs.Add("retention", "Select how long to keep evidence")
	}
	return nil, errs
}

// SaveMonths sets the tenant's retention period (nil: until deleted); version is the settings'
// version the admin saw. changed is false when it was so already.
func SaveMonths(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, months *int, version int) (bool, error) {
	var changed bool
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		changed, err = SetMonths(ctx, tx, sc.TenantID, sc.UserID, sc.Email, months, version)
		return err
	})
	if apperr.Is(err, apperr.CodeConflict) {
		return false, apperr.Conflict(staleSettings)
	}
	return changed, err
}
