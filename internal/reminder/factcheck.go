package reminder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/mail"
)

// The factual-accuracy check's reminders: the same days before the deadline as the
// self-assessment's, to the area's contacts, unless the area has said it has no more comments.

// FactAction is the audit action of a factual-accuracy check's reminder sent.
const FactAction = "letter.factcheck_reminder_sent"

// FactArgs are one reminder of a round of a letter's factual-accuracy check.
type FactArgs struct {
	TenantID   string `json:"tenant_id"`
	ReviewID   string `json:"review_id"`
	AreaID     string `json:"area_id"`
	CheckID    string `json:"check_id"`
	DaysBefore int    `json:"days_before"`
}

// Kind names the job in River's table.
func (FactArgs) Kind() string { return "factcheck_reminder" }

// InsertOpts makes a job unique by its args.
func (FactArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ScheduleFactCheck inserts, in tx, the reminders of a round sent with deadline (a date);
// reminder times at or before now are skipped. It reports how many jobs it inserted.
func ScheduleFactCheck(ctx context.Context, tx pgx.Tx, a FactArgs, deadline, now time.Time) (int, error) {
	var params []river.InsertManyParams
	for _, days := range DaysBefore {
		at := At(deadline, days)
		if !at.After(now) {
			continue
		}
		x := a
		x.DaysBefore = days
		params = append(params, river.InsertManyParams{Args: x, InsertOpts: &river.InsertOpts{ScheduledAt: at}})
	}
	if len(params) == 0 {
		return 0, nil
	}
	res, err := inserter.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("reminder: schedule fact check %s: %w", a.CheckID, err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// FactWorker sends one factual-accuracy check reminder's emails.
type FactWorker struct {
	river.WorkerDefaults[FactArgs]
	Worker *Worker // its pool, mail and links
}

// Work mails each of the area's contacts once per reminder (fact_check_reminders holds who has
// had it, as sa_reminders does for self-assessments), unless the round was finished by the area.
func (w *FactWorker) Work(ctx context.Context, job *river.Job[FactArgs]) error {
	a := job.Args
	if !db.ValidUUID(a.TenantID) || !db.ValidUUID(a.ReviewID) || !db.ValidUUID(a.AreaID) || !db.ValidUUID(a.CheckID) {
		return river.JobCancel(fmt.Errorf("reminder: bad ids in %+v", a))
	}
	scope := db.Scope{TenantID: a.TenantID}
	var (
		areaName, title string
		deadline        time.Time
		finished        bool
		cs              []contact
	)
	err := db.InTx(ctx, w.Worker.Pool, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT la.display_name, rv.title, c.deadline, c.finished_at IS NOT NULL
			FROM fact_checks c JOIN letters l ON l.tenant_id = c.tenant_id AND l.id = c.letter_id
			JOIN reviews rv ON rv.tenant_id = l.tenant_id AND rv.id = l.review_id
			JOIN review_areas ra ON ra.tenant_id = l.tenant_id AND ra.id = l.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE c.tenant_id = $1 AND c.id = $2 AND l.review_id = $3 AND l.area_id = $4`,
			a.TenantID, a.CheckID, a.ReviewID, a.AreaID).Scan(&areaName, &title, &deadline, &finished)
		if err != nil {
			return err
		}
		if finished {
			return nil
		}
		cs, err = contacts(ctx, tx, a.TenantID, a.ReviewID, a.AreaID)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the round is gone
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		m := w.factMessage(a, areaName, title, deadline, c)
		err := db.InTx(ctx, w.Worker.Pool, scope, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO fact_check_reminders (tenant_id, check_id, days_before, user_id)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, a.TenantID, a.CheckID, a.DaysBefore, c.UserID)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, Action: FactAction, ObjectType: "fact_check",
				ObjectID: a.CheckID, After: map[string]any{"to": c.Email, "user_id": c.UserID, "days_before": a.DaysBefore}}); err != nil {
				return err
			}
			return w.Worker.Mail.Send(ctx, m)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("fact check reminder to %s: %w", c.Email, err))
		}
	}
	return errors.Join(errs...)
}

func (w *FactWorker) factMessage(a FactArgs, areaName, title string, deadline time.Time, c contact) mail.Message {
	due := area.LongDate(deadline)
	when := "tomorrow"
	if a.DaysBefore != 1 {
		when = fmt.Sprintf("in %d days", a.DaysBefore)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", c.Name)
	fmt.Fprintf(&b, "Comments on the accuracy of the letter to %s for %s close on %s, %s.\n\n", areaName, title, due, when)
	fmt.Fprintf(&b, "Read the letter and comment on its paragraphs:\n%s/reviews/%s/areas/%s/factcheck\n\n", w.Worker.BaseURL, a.ReviewID, a.AreaID)
	b.WriteString("If you have no more comments, you can say so on that page and we will not remind you again.\n")
	return mail.Message{To: c.Email, Subject: fmt.Sprintf("Reminder: comments on the letter to %s close on %s", areaName, due), Body: b.String()}
}
