package mail

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/metrics"
)

// The outbox: a command that sends mail queues it with Enqueue in its own transaction, as a River
// job in the service's database, and commits. The mail therefore goes if and only if the change
// it tells of committed, and no transaction is held open while an SMTP server answers. Worker
// delivers the job afterwards with the configured Sender; River retries a failed delivery.
//
// The audit log shows "mail.queued" (in the command's transaction), then "mail.sent" or, when the
// last attempt failed, "mail.failed", each naming the job (object "mail", its River id), the
// address, the subject and the kind of mail. The body is never in the log: it may hold a link
// with an invitation or password-reset token. The job's args hold the body until it is sent (or
// fails for good); the worker then removes it from the job row, in the transaction that records
// the outcome.

// Queue is the River queue mail jobs go in, so that mail waits for no other kind of job, and a
// client can work mail alone (the tests' does).
const Queue = "mail"

// MaxAttempts is how many times a message is tried before it is given up: River waits
// attempt⁴ seconds between tries, so the last is about 70 minutes after the first.
const MaxAttempts = 8

// Args is one queued message. The tenant is in the args because River's queue is shared by every
// tenant: the audit entries of delivery are written in the tenant's scope.
type Args struct {
	TenantID string `json:"tenant_id"`
	MailKind string `json:"mail_kind"`
	To       string `json:"to"`
	Subject  string `json:"subject"`
	Body     string `json:"body,omitempty"` // removed once the message is sent or given up
}

// Kind names the job in River's table.
func (Args) Kind() string { return "mail" }

// InsertOpts puts mail in its own queue.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// inserter is an insert-only River client: no pool, so it inserts only in a transaction it is
// given, and no workers.
var inserter = func() *river.Client[pgx.Tx] {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		panic("mail: " + err.Error())
	}
	return c
}()

// Enqueue queues m in tx, the transaction of the change the mail tells of, and records
// "mail.queued" there (address, subject, kind; not the body). tenantID is the tenant the mail is
// sent for, "" for mail outside any tenant.
func Enqueue(ctx context.Context, tx pgx.Tx, tenantID string, m Message) error {
	e, err := EnqueueJob(ctx, tx, tenantID, m)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, e)
}

// EnqueueJob queues m in tx as Enqueue does and returns its "mail.queued" entry without writing it,
// for a command that writes its entries in the statement of its change (audit.Insert), after.
func EnqueueJob(ctx context.Context, tx pgx.Tx, tenantID string, m Message) (audit.Event, error) {
	if m.Kind == "" {
		m.Kind = "other"
	}
	res, err := inserter.InsertTx(ctx, tx, Args{TenantID: tenantID, MailKind: m.Kind, To: m.To, Subject: m.Subject, Body: m.Body}, nil)
	if err != nil {
		return audit.Event{}, fmt.Errorf("mail: queue %s mail: %w", m.Kind, err)
	}
	return audit.Event{TenantID: tenantID, Action: "mail.queued", ObjectType: "mail",
		ObjectID: strconv.FormatInt(res.Job.ID, 10), After: map[string]string{"to": m.To, "subject": m.Subject, "kind": m.Kind}}, nil
}

// Worker delivers queued mail.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool    *pgxpool.Pool
	Sender  Sender
	Logger  *slog.Logger
	Metrics *metrics.Metrics // counts messages sent, failed attempts and messages given up; nil counts nothing
}

// Work sends the job's message. A failure is returned for River to retry, and after the last
// attempt recorded as "mail.failed". Once the message is sent the outcome is recorded and the body
// removed from the job; if that fails the job still completes (nil), since a retry would send the
// message a second time. A job without a body was sent (or given up) already and sends nothing.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a := job.Args
	if a.Body == "" {
		return nil
	}
	err := w.Sender.Send(ctx, Message{To: a.To, Subject: a.Subject, Body: a.Body, Kind: a.MailKind})
	w.Metrics.MailDelivered(a.MailKind, err, job.Attempt >= job.MaxAttempts)
	if err != nil && job.Attempt < job.MaxAttempts {
		return err
	}
	action, after := "mail.sent", map[string]any{"to": a.To, "subject": a.Subject, "kind": a.MailKind, "attempt": job.Attempt}
	if err != nil {
		action, after["error"] = "mail.failed", err.Error()
	}
	rerr := db.InTx(ctx, w.Pool, db.Scope{TenantID: a.TenantID}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE river_job SET args = args - 'body' WHERE id = $1`, job.ID); err != nil {
			return fmt.Errorf("mail: clear body of job %d: %w", job.ID, err)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, Action: action, ObjectType: "mail",
			ObjectID: strconv.FormatInt(job.ID, 10), After: after})
	})
	if rerr != nil && w.Logger != nil {
		w.Logger.Error("mail: record delivery", "job", job.ID, "action", action, "err", rerr.Error())
	}
	return err
}

// AddWorker registers the mail worker on workers, delivering with sender and counting in m (nil: not counted).
func AddWorker(workers *river.Workers, pool *pgxpool.Pool, sender Sender, logger *slog.Logger, m *metrics.Metrics) error {
	return river.AddWorkerSafely(workers, &Worker{Pool: pool, Sender: sender, Logger: logger, Metrics: m})
}

type baseURLKey struct{}

// WithBaseURL records in ctx the service's address, for links in mail queued by code that is
// given no configuration (a domain function deep in a command). The server sets it on every
// request.
func WithBaseURL(ctx context.Context, baseURL string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, baseURL)
}

// BaseURL is the address WithBaseURL recorded, or "" outside a request (seeding, imports).
func BaseURL(ctx context.Context) string { s, _ := ctx.Value(baseURLKey{}).(string); return s }
