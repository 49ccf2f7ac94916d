package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the connection pool's statistics when Prometheus scrapes: the pool keeps
// them already, so nothing is counted twice.
type poolCollector struct{ pool *pgxpool.Pool }

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("thematic_db_pool_"+name, help, nil, nil)
}

var (
	poolAcquired      = poolDesc("acquired_conns", "Connections in use by the server now.")
	poolIdle          = poolDesc("idle_conns", "Idle connections in the pool now.")
	poolTotal         = poolDesc("total_conns", "Connections the pool holds now (in use, idle and being opened).")
	poolMax           = poolDesc("max_conns", "The most connections the pool may hold (DB_MAX_CONNS).")
	poolAcquires      = poolDesc("acquires_total", "Connections taken from the pool.")
	poolAcquireTime   = poolDesc("acquire_duration_seconds_total", "Time spent waiting for a connection from the pool, summed over every acquire.")
	poolEmptyAcquires = poolDesc("empty_acquires_total", "Acquires that found no idle connection and had to wait for one (or for one to be opened).")
	poolCanceled      = poolDesc("canceled_acquires_total", "Acquires given up because the request's context ended first.")
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolAcquireTime, poolEmptyAcquires, poolCanceled} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolAcquireTime, s.AcquireDuration().Seconds())
	counter(poolEmptyAcquires, float64(s.EmptyAcquireCount()))
	counter(poolCanceled, float64(s.CanceledAcquireCount()))
}

// riverCollector reads River's queues from river_job when Prometheus scrapes, in one statement.
// The queue is in the database and shared by every replica, so each replica reports the same
// numbers: aggregate them with max(), not sum().
type riverCollector struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
}

// riverStates are the states counted: jobs waiting or running, and the failures River keeps
// (discarded). Completed and cancelled jobs are left out: they say nothing about trouble, and
// completed ones are by far the most rows.
const riverStates = `'available', 'pending', 'scheduled', 'retryable', 'running', 'discarded'`

var (
	riverJobs = prometheus.NewDesc("thematic_river_jobs",
		"Background jobs in River's table by queue and state: available (due, waiting for a worker), pending, scheduled "+
			"(due later), retryable (failed, to be tried again), running, discarded (failed their last attempt; "+
			"River deletes them after 7 days). Read from the database, the same for every replica.",
		[]string{"queue", "state"}, nil)
	riverFailing = prometheus.NewDesc("thematic_river_jobs_with_errors",
		"Jobs by queue and state that have failed at least one attempt (River recorded an error): retryable, "+
			"available or running again after a failure, or discarded.",
		[]string{"queue", "state"}, nil)
	riverOldest = prometheus.NewDesc("thematic_river_oldest_available_seconds",
		"How long the oldest available job of the queue has been due without a worker taking it (0 when none waits).",
		[]string{"queue"}, nil)
	riverScrape = prometheus.NewDesc("thematic_river_scrape_ok",
		"1 if River's queues could be read from the database at this scrape, 0 if not (the river series are then missing).",
		nil, nil)
)

func (riverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{riverJobs, riverFailing, riverOldest, riverScrape} {
		ch <- d
	}
}

// riverQuery counts each queue's jobs in each state; queues River knows (river_queue) get zeros
// for the states they have no jobs in, so their series exist before anything goes wrong.
const riverQuery = `WITH counts AS (
		SELECT queue, state::text AS state, count(*) AS jobs,
			count(*) FILTER (WHERE cardinality(errors) > 0) AS with_errors,
			min(scheduled_at) FILTER (WHERE state = 'available') AS oldest
		FROM river_job WHERE state IN (` + riverStates + `) GROUP BY queue, state),
	queues AS (SELECT name AS queue FROM river_queue UNION SELECT queue FROM counts)
	SELECT q.queue, s.state, coalesce(c.jobs, 0), coalesce(c.with_errors, 0),
		greatest(coalesce(extract(epoch FROM now() - c.oldest), 0), 0)::float8
	FROM queues q CROSS JOIN unnest(ARRAY[` + riverStates + `]) AS s(state)
	LEFT JOIN counts c ON c.queue = q.queue AND c.state = s.state
	ORDER BY 1, 2`

func (c riverCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type row struct {
		Queue, State     string
		Jobs, WithErrors int64
		Oldest           float64
	}
	rows, err := c.pool.Query(ctx, riverQuery)
	var got []row
	if err == nil {
		got, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.Queue, &x.State, &x.Jobs, &x.WithErrors, &x.Oldest)
			return x, err
		})
	}
	if err != nil {
		c.logger.Warn("metrics: read River's queues", "err", fmt.Errorf("metrics: river queues: %w", err).Error())
		ch <- prometheus.MustNewConstMetric(riverScrape, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(riverScrape, prometheus.GaugeValue, 1)
	oldest := map[string]float64{}
	for _, r := range got {
		ch <- prometheus.MustNewConstMetric(riverJobs, prometheus.GaugeValue, float64(r.Jobs), r.Queue, r.State)
		ch <- prometheus.MustNewConstMetric(riverFailing, prometheus.GaugeValue, float64(r.WithErrors), r.Queue, r.State)
		oldest[r.Queue] = max(oldest[r.Queue], r.Oldest)
	}
	for q, v := range oldest {
		ch <- prometheus.MustNewConstMetric(riverOldest, prometheus.GaugeValue, v, q)
	}
}
