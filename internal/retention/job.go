package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"thematic/internal/db"
)

// Args is the daily purge job. It carries nothing: each run purges whatever is due then.
type Args struct{}

// Kind names the job in River's table.
func (Args) Kind() string { return "retention_purge" }

// InsertOpts: a run that fails is tried again a few times; the next day's run catches up anyway.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// Worker runs the purge.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool   *pgxpool.Pool
	Now    func() time.Time // the clock; time.Now when nil (tests set a later one)
	Logger *slog.Logger
}

// Work purges every review due now.
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	n, err := Run(ctx, w.Pool, now())
	if w.Logger != nil && n > 0 {
		w.Logger.Info("retention purge", "reviews", n)
	}
	return err
}

// Periodic is the daily purge, also run when the service starts.
func Periodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return Args{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// Run purges, as of now, every review due, each in a transaction of its own scoped to its
// tenant, and returns how many it purged. A review that fails is reported and the rest go on.
func Run(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int, error) {
	var due [][2]string
	if err := db.InTx(ctx, pool, db.Scope{}, func(tx pgx.Tx) error {
		var err error
		due, err = Due(ctx, tx, now)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, d := range due {
		err := db.InTx(ctx, pool, db.Scope{TenantID: d[0]}, func(tx pgx.Tx) error {
			_, err := PurgeReview(ctx, tx, d[0], d[1], now)
			return err
		})
		switch {
		case errors.Is(err, ErrNotDue):
		case err != nil:
			errs = append(errs, fmt.Errorf("review %s: %w", d[1], err))
		default:
			n++
		}
	}
	return n, errors.Join(errs...)
}
