// Package reminder emails an area's local authority contacts 7 days and 1 day before their
// self-assessment deadline, if they have not submitted. The reminders are River jobs kept in the
// service's own database: they are inserted in the transaction that sets the deadline, so a
// deadline and its reminders commit together, and a restart loses none.
package reminder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London wherever the binary runs

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/mail"
	"thematic/internal/review"
	"thematic/internal/selfassess"
)

// DaysBefore are the reminders sent before a deadline, in days.
var DaysBefore = []int{7, 1}

// SendHour is the hour, UK time, at which a reminder is sent on its day.
const SendHour = 9

// Action is the audit action of a reminder sent.
const Action = "selfassess.reminder_sent"

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("reminder: " + err.Error())
	}
	return l
}()

// Args are one reminder job: an area's contacts are reminded DaysBefore days before Deadline.
// The tenant is in the args because River's queue is shared by every tenant.
type Args struct {
	TenantID   string `json:"tenant_id"`
	ReviewID   string `json:"review_id"`
	AreaID     string `json:"area_id"`
	Deadline   string `json:"deadline"` // the deadline the job was scheduled for, YYYY-MM-DD
	DaysBefore int    `json:"days_before"`
}

// Kind names the job in River's table.
func (Args) Kind() string { return "selfassess_reminder" }

// InsertOpts makes a job unique by its args, so that setting the same deadline again inserts no
// second job while the first is waiting, running or done.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// At is when a reminder days before deadline (a date) is due: 09:00 in London on that day.
func At(deadline time.Time, days int) time.Time {
	d := deadline.AddDate(0, 0, -days)
	return time.Date(d.Year(), d.Month(), d.Day(), SendHour, 0, 0, 0, london)
}

// inserter is an insert-only River client: it has no pool, so it can only insert in a transaction
// it is given, and no workers, so it runs nothing.
var inserter = func() *river.Client[pgx.Tx] {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		panic("reminder: " + err.Error())
	}
	return c
}()

// Schedule inserts, in tx, the reminder jobs for the deadlines just set (areas with nil have no
// deadline and get none). Reminder times at or before now are skipped; a job already waiting for
// the same area, deadline and reminder is not duplicated. It reports how many jobs it inserted.
// Jobs for a deadline that has since moved or been cleared stay queued and do nothing when they
// run, as the worker checks the deadline.
func Schedule(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, due map[string]*time.Time, now time.Time) (int, error) {
	ids := make([]string, 0, len(due))
	for id, d := range due {
		if d != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var params []river.InsertManyParams
	for _, id := range ids {
		d := *due[id]
		for _, days := range DaysBefore {
			at := At(d, days)
			if !at.After(now) {
				continue
			}
			params = append(params, river.InsertManyParams{
				Args:       Args{TenantID: tenantID, ReviewID: reviewID, AreaID: id, Deadline: d.Format(time.DateOnly), DaysBefore: days},
				InsertOpts: &river.InsertOpts{ScheduledAt: at},
			})
		}
	}
	if len(params) == 0 {
		return 0, nil
	}
	res, err := inserter.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("reminder: schedule for review %s: %w", reviewID, err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// Options configure the River client that works the reminders.
type Options struct {
	Mail    mail.Sender
	BaseURL string // links in the email: BaseURL + /reviews/...
	Logger  *slog.Logger
	Workers int // jobs worked at once; 2 when 0
	// PollInterval is how often the client looks for jobs LISTEN/NOTIFY did not announce; River's
	// default (1s) when 0. Tests shorten it.
	PollInterval time.Duration
	// More registers the service's other jobs' workers on the same client (the retention purge),
	// and Periodic are jobs the client inserts on a schedule.
	More     func(*river.Workers) error
	Periodic []*river.PeriodicJob
	// Queues are worked beside the default one (the mail outbox's), each by its MaxWorkers.
	Queues map[string]river.QueueConfig
}

// NewClient builds the River client that works reminders on pool (the application's pool: the
// worker scopes each transaction to the job's tenant). Start it with Start and stop it with Stop.
func NewClient(pool *pgxpool.Pool, o Options) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	sa := &Worker{Pool: pool, Mail: o.Mail, BaseURL: o.BaseURL}
	if err := river.AddWorkerSafely(workers, sa); err != nil {
		return nil, fmt.Errorf("reminder: register worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &FactWorker{Worker: sa}); err != nil {
		return nil, fmt.Errorf("reminder: register worker: %w", err)
	}
	if o.More != nil {
		if err := o.More(workers); err != nil {
			return nil, fmt.Errorf("reminder: register workers: %w", err)
		}
	}
	n := o.Workers
	if n <= 0 {
		n = 2
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
	for name, q := range o.Queues {
		queues[name] = q
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            queues,
		Workers:           workers,
		PeriodicJobs:      o.Periodic,
		Logger:            o.Logger,
		FetchPollInterval: o.PollInterval,
		// REINDEX needs ownership of River's tables, which the application role must not have;
		// the owner may reindex them like any other table.
		ReindexerIndexNames: []string{},
	})
	if err != nil {
		return nil, fmt.Errorf("reminder: river client: %w", err)
	}
	return c, nil
}

// Worker sends one reminder job's emails.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool    *pgxpool.Pool
	Mail    mail.Sender
	BaseURL string
}

// contact is a person to remind.
type contact struct{ UserID, Name, Email string }

// plan is what a job has to send, read in one transaction.
type plan struct {
	areaName, reviewTitle string
	deadline              time.Time
	missing               []selfassess.Element
	contacts              []contact
}

// Work sends the reminder to each of the area's contacts unless the area has submitted or its
// deadline is no longer the one the job was made for (the deadline moved: new jobs were inserted).
//
// Each contact is mailed in a transaction of its own that first inserts the sa_reminders row (its
// key is area, deadline, reminder and person), then writes the audit entry, then sends, and
// commits only if the send succeeded. A contact already reminded has the row, so a retried or
// duplicate run skips them; two runs at once serialise on the key; a failed send rolls the row
// back, so River's retry sends it again. The only way to mail twice is a commit that fails after
// the message went, which is rarer than a failed send and better than a lost reminder.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a := job.Args
	deadline, err := time.Parse(time.DateOnly, a.Deadline)
	if err != nil {
		return river.JobCancel(fmt.Errorf("reminder: bad deadline %q: %w", a.Deadline, err))
	}
	if !db.ValidUUID(a.TenantID) || !db.ValidUUID(a.ReviewID) || !db.ValidUUID(a.AreaID) {
		return river.JobCancel(fmt.Errorf("reminder: bad ids in %+v", a))
	}
	scope := db.Scope{TenantID: a.TenantID}
	var p *plan
	if err := db.InTx(ctx, w.Pool, scope, func(tx pgx.Tx) error {
		p, err = load(ctx, tx, a, deadline)
		return err
	}); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == apperr.CodeNotFound {
			return nil // the review or area is gone
		}
		return err
	}
	if p == nil {
		return nil
	}
	var errs []error
	for _, c := range p.contacts {
		m := w.message(a, p, c)
		err := db.InTx(ctx, w.Pool, scope, func(tx pgx.Tx) error {
			sent, err := record(ctx, tx, a, deadline, c)
			if err != nil || !sent {
				return err
			}
			return w.Mail.Send(ctx, m)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("reminder to %s: %w", c.Email, err))
		}
	}
	return errors.Join(errs...)
}

// load reads what the job needs, or nil when there is nothing to send.
func load(ctx context.Context, tx pgx.Tx, a Args, deadline time.Time) (*plan, error) {
	st, err := selfassess.LoadArea(ctx, tx, a.TenantID, a.ReviewID, a.AreaID)
	if err != nil {
		return nil, err
	}
	if st.Deadline == nil || !st.Deadline.Equal(deadline) || st.Submission.Submitted() {
		return nil, nil
	}
	ar, err := area.Get(ctx, tx, a.TenantID, a.ReviewID, a.AreaID)
	if err != nil {
		return nil, err
	}
	rv, err := review.Get(ctx, tx, a.TenantID, a.ReviewID)
	if err != nil {
		return nil, err
	}
	tpl, err := selfassess.LoadTemplate(ctx, tx, a.TenantID, a.ReviewID)
	if err != nil {
		return nil, err
	}
	cs, err := contacts(ctx, tx, a.TenantID, a.ReviewID, a.AreaID)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &plan{areaName: ar.Name, reviewTitle: rv.Title, deadline: deadline, missing: tpl.Missing(st), contacts: cs}, nil
}

// contacts reads the area's local authority contacts who are active members of the tenant.
func contacts(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) ([]contact, error) {
	rows, err := q.Query(ctx, `SELECT u.id::text, u.name, u.email FROM review_members m
		JOIN memberships ms ON ms.tenant_id = m.tenant_id AND ms.user_id = m.user_id AND ms.deactivated_at IS NULL
		JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.review_id = $2 AND m.area_id = $3 AND m.role = 'la_contact'
		ORDER BY u.email`, tenantID, reviewID, areaID)
	if err != nil {
		return nil, fmt.Errorf("reminder: contacts of %s: %w", areaID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[contact])
	if err != nil {
		return nil, fmt.Errorf("reminder: contacts of %s: %w", areaID, err)
	}
	return list, nil
}

// record notes the reminder to c and audits it; false when c had it already.
func record(ctx context.Context, tx pgx.Tx, a Args, deadline time.Time, c contact) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO sa_reminders (tenant_id, review_id, area_id, deadline, days_before, user_id)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		a.TenantID, a.ReviewID, a.AreaID, deadline, a.DaysBefore, c.UserID)
	if err != nil {
		return false, fmt.Errorf("reminder: record for %s: %w", a.AreaID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	err = audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, Action: Action, ObjectType: "self_assessment",
		ObjectID: a.AreaID, After: map[string]any{"to": c.Email, "user_id": c.UserID, "deadline": a.Deadline, "days_before": a.DaysBefore}})
	return err == nil, err
}

// message is the email to c.
func (w *Worker) message(a Args, p *plan, c contact) mail.Message {
	due := area.LongDate(p.deadline)
	when := "tomorrow"
	if a.DaysBefore != 1 {
		when = fmt.Sprintf("in %d days", a.DaysBefore)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", c.Name)
	fmt.Fprintf(&b, "%s's self-assessment for %s is due on %s, %s.\n\n", p.areaName, p.reviewTitle, due, when)
	if len(p.missing) > 0 {
		b.WriteString("These elements still need an answer:\n\n")
		for _, e := range p.missing {
			b.WriteString("* " + e.Title + "\n")
		}
		b.WriteString("\nWhen every element is answered, check your answers and submit the self-assessment.\n\n")
	} else {
		b.WriteString("Every element has an answer. Check your answers and submit the self-assessment.\n\n")
	}
	fmt.Fprintf(&b, "Continue the self-assessment:\n%s/reviews/%s/areas/%s/self-assessment\n\n", w.BaseURL, a.ReviewID, a.AreaID)
	fmt.Fprintf(&b, "You are receiving this because you are a contact for %s. If the self-assessment has been submitted since this was sent, you do not need to do anything.\n", p.areaName)
	return mail.Message{To: c.Email, Subject: fmt.Sprintf("Reminder: %s's self-assessment is due on %s", p.areaName, due), Body: b.String()}
}
