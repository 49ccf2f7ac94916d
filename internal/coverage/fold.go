package coverage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// Saving a note appends delta rows (the coverage triggers) instead of updating shared counters,
// so that no save waits for another. Folding moves the deltas into evidence_counts; readers add
// the deltas not yet folded, so counts are exact whenever the fold runs. It runs often enough
// to keep the deltas a reader adds to a few seconds' worth.

// FoldEvery is how often the service folds the deltas.
const FoldEvery = 2 * time.Second

// Fold adds every tenant's deltas into the counters, in one statement (coverage_fold, which
// scopes itself to each tenant in turn), and answers how many counter rows changed.
func Fold(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var n int64
	if err := pool.QueryRow(ctx, `SELECT coverage_fold()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("coverage: fold counters: %w", err)
	}
	return n, nil
}

// FoldArgs is the periodic fold job.
type FoldArgs struct{}

// Kind names the job in River's table.
func (FoldArgs) Kind() string { return "coverage_fold" }

// InsertOpts: a fold that fails is not tried again; the next one, seconds later, takes its deltas.
func (FoldArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// FoldWorker runs Fold.
type FoldWorker struct {
	river.WorkerDefaults[FoldArgs]
	Pool   *pgxpool.Pool
	Logger *slog.Logger
}

// Work folds the deltas.
func (w *FoldWorker) Work(ctx context.Context, _ *river.Job[FoldArgs]) error {
	_, err := Fold(ctx, w.Pool)
	if err != nil && w.Logger != nil {
		w.Logger.Warn("coverage fold", "err", err.Error())
	}
	return err
}

// FoldPeriodic schedules the fold every FoldEvery, and once when the service starts.
func FoldPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(FoldEvery),
		func() (river.JobArgs, *river.InsertOpts) { return FoldArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}
