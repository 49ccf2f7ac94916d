package visit

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
)

// The commands and page queries of visits: each opens its own transaction (db.InTx) for the
// scope sc, with acc the actor's place in the review (a local authority contact sees their own
// area only), and writes its own audit entries.

// Load reads a visit of the review with the review, which the actor must be allowed to see.
func Load(ctx context.Context, q db.Querier, sc db.Scope, acc *auth.ReviewAccess, visitID string) (ReviewInfo, Visit, error) {
	rv, v, err := GetWithReview(ctx, q, sc.TenantID, sc.ReviewID, visitID)
	if err != nil {
		return rv, v, err
	}
	if !acc.SeesArea(v.AreaID) {
		return rv, Visit{}, apperr.NotFound("Visit not found")
	}
	return rv, v, nil
}

// Listing is a review's visits: a local authority contact's own area's only (Contact names it).
type Listing struct {
	Review  ReviewInfo
	Contact string
	Visits  []Visit
}

// ListPage reads the review's visits as the actor may see them.
func ListPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess) (Listing, error) {
	var l Listing
	contact := acc != nil && acc.Role == auth.ReviewContact
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if l.Review, err = GetReview(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		area := ""
		if contact {
			area = acc.AreaID
			areas, err := Areas(ctx, tx, sc.TenantID, sc.ReviewID)
			if err != nil {
				return err
			}
			for _, x := range areas {
				if x.ID == area {
					l.Contact = x.Name
				}
			}
		}
		l.Visits, err = List(ctx, tx, sc.TenantID, sc.ReviewID, area)
		return err
	})
	return l, err
}

// TimelinePage reads the review's fieldwork timeline.
func TimelinePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (ReviewInfo, Timeline, error) {
	var rv ReviewInfo
	var t Timeline
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if rv, err = GetReview(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		areas, err := Areas(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		visits, err := List(ctx, tx, sc.TenantID, sc.ReviewID, "")
		if err != nil {
			return err
		}
		t = BuildTimeline(areas, visits)
		return nil
	})
	return rv, t, err
}

// NewForm reads what the form for a new visit offers.
func NewForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Options, error) {
	var o Options
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		o, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return o, err
}

// EditForm reads a visit and what its form offers.
func EditForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string) (Visit, Options, error) {
	var cur Visit
	var o Options
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if _, cur, err = Load(ctx, tx, sc, acc, visitID); err != nil {
			return err
		}
		o, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return cur, o, err
}

// The buttons of the visit form: back to the details, on to the team, or save.
const (
	ActionDetails = "details"
	ActionTeam    = "team"
)

// Saved is the outcome of Save: the visit saved (Done), or the step of the form to show again
// (1 the details, 2 the team) with the plan as far as it is valid and the errors.
type Saved struct {
	Options Options
	Done    bool
	Visit   Visit
	Step    int
	Plan    Plan
	Errors  *form.Errors
}

// StepOf is the step of the form whose fields hold the errors.
func StepOf(errs *form.Errors) int {
	for _, f := range DetailsFields {
		if errs.Has(f) {
			return 1
		}
	}
	return 2
}

// Save handles both steps of the visit form, for a new visit (visitID "") or a change at
// f.Version: action ActionDetails goes back to the details, ActionTeam checks the details and goes
// on to the team, anything else checks everything and saves (a second identical form changes
// nothing). What the rules refuse comes back with Done false and the errors; nothing is written.
func Save(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string, f Form, action string) (Saved, error) {
	out := Saved{Step: 1, Errors: &form.Errors{}}
	var changed bool
	plan, invalid := f.Validate()
	// A change sent complete: the visit is read, checked and written in two statements, and the
	// form's lists are read only when the change is refused.
	fast := action != ActionDetails && action != ActionTeam && !invalid.Any()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if fast && visitID == "" {
			var dup bool
			out.Visit, dup, err = create(ctx, tx, sc.TenantID, sc.ReviewID, plan, func(v Visit) audit.Event {
				return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "visit.created",
					ObjectType: "visit", ObjectID: v.ID, After: Snapshot(v)}
			}, false)
			var refused *Refused
			if errors.As(err, &refused) && !refused.raced {
				if out.Options, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
					return err
				}
				return refused
			}
			if err != nil {
				return err
			}
			out.Options.Review.ID, out.Done = sc.ReviewID, true
			if dup { // the form sent again: the visit the first one made
				out.Visit, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, out.Visit.ID)
			}
			return err
		}
		if fast {
			var before Visit
			before, changed, err = update(ctx, tx, sc.TenantID, sc.ReviewID, visitID, f.Version, plan, acc.SeesArea, false)
			var refused *Refused
			if errors.As(err, &refused) && !refused.raced {
				if out.Options, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
					return err
				}
				return refused
			}
			if err != nil {
				return err
			}
			out.Options.Review.ID, out.Done, out.Visit = sc.ReviewID, true, before
			if !changed {
				return nil
			}
			if out.Visit, err = Get(ctx, tx, sc.TenantID, sc.ReviewID, visitID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
				Action: "visit.updated", ObjectType: "visit", ObjectID: visitID, Before: Snapshot(before), After: Snapshot(out.Visit)})
		}
		if visitID != "" {
			// The visit must exist in this review, whatever step this is.
			if _, _, err := Load(ctx, tx, sc, acc, visitID); err != nil {
				return err
			}
		}
		if out.Options, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		if action == ActionDetails {
			return nil // back to the first step, as typed
		}
		plan, errs := f.Validate()
		if action == ActionTeam {
			// From the first step to the second: only the details count yet.
			details := &form.Errors{}
			for _, e := range errs.List() {
				if e.Field != "team" {
					details.Add(e.Field, e.Message)
				}
			}
			if !details.Any() {
				if details, err = Check(ctx, tx, sc.TenantID, out.Options.Review.ID, visitID, Plan{AreaID: plan.AreaID,
					Start: plan.Start, Days: plan.Days}); err != nil {
					return err
				}
			}
			if details.Any() {
				out.Errors = details
				return nil
			}
			out.Step, out.Plan = 2, plan
			return nil
		}
		if errs.Any() {
			out.Errors = errs
			if StepOf(errs) == 2 {
				out.Step, out.Plan = 2, plan
			}
			return nil
		}
		id := visitID
		var before Visit
		if visitID == "" {
			var dup bool
			if id, dup, err = Create(ctx, tx, sc.TenantID, out.Options.Review.ID, plan); err != nil {
				return err
			}
			changed = !dup
		} else if before, changed, err = Update(ctx, tx, sc.TenantID, out.Options.Review.ID, visitID, f.Version, plan); err != nil {
			return err
		}
		out.Done = true
		if out.Visit, err = Get(ctx, tx, sc.TenantID, out.Options.Review.ID, id); err != nil || !changed {
			return err
		}
		e := audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email, Action: "visit.created",
			ObjectType: "visit", ObjectID: id, After: Snapshot(out.Visit)}
		if visitID != "" {
			e.Action, e.Before = "visit.updated", Snapshot(before)
		}
		return audit.Record(ctx, tx, e)
	})
	var refused *Refused
	if errors.As(err, &refused) && refused.raced {
		// Someone took a day of this team since the check: the checks again, as the form tells them.
		err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
			var err error
			if out.Options, err = FormLists(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
				return err
			}
			errs, err := Check(ctx, tx, sc.TenantID, sc.ReviewID, visitID, plan)
			if err == nil && errs.Any() {
				refused.Errors = errs
			}
			return err
		})
		if err != nil {
			return out, err
		}
	}
	if refused != nil {
		// Nothing was written: the transaction rolled back. The form again as typed.
		plan, _ := f.Validate()
		out.Done, out.Visit, out.Errors, out.Step = false, Visit{}, refused.Errors, StepOf(refused.Errors)
		if out.Step == 2 {
			out.Plan = plan
		}
		return out, nil
	}
	return out, err
}

// DeletePage reads the visit to ask whether to delete it.
func DeletePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string) (ReviewInfo, Visit, error) {
	var rv ReviewInfo
	var v Visit
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		rv, v, err = Load(ctx, tx, sc, acc, visitID)
		return err
	})
	return rv, v, err
}

// Remove deletes a visit at version, with its team days, and records it; it returns the visit as
// it was.
func Remove(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string, version int) (Visit, error) {
	var gone Visit
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		gone, err = remove(ctx, tx, sc.TenantID, sc.ReviewID, visitID, version, acc.SeesArea, func(v Visit) audit.Event {
			return audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
				Action: "visit.deleted", ObjectType: "visit", ObjectID: v.ID, Before: Snapshot(v)}
		})
		return err
	})
	return gone, err
}

// Own reads every visit the user is on the team of or whose area they belong to (as ForUser).
func Own(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) ([]Visit, error) {
	var visits []Visit
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		visits, err = ForUser(ctx, tx, sc.TenantID, sc.UserID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the user's visits: %w", err)
	}
	return visits, nil
}

// Mine is a user's own visits: those they are on the team of, and the others of their areas.
type Mine struct {
	OnTeam     []Visit
	AreaVisits []Visit
	HasFeed    bool
}

// MinePage reads the user's own visits and whether they have a calendar feed.
func MinePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Mine, error) {
	var m Mine
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		visits, err := ForUser(ctx, tx, sc.TenantID, sc.UserID)
		if err != nil {
			return err
		}
		for _, x := range visits {
			if _, on := x.Member(sc.UserID); on {
				m.OnTeam = append(m.OnTeam, x)
			} else {
				m.AreaVisits = append(m.AreaVisits, x)
			}
		}
		created, err := Feed(ctx, tx, sc.TenantID, sc.UserID)
		m.HasFeed = created != nil
		return err
	})
	return m, err
}
