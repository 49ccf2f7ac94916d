package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// op is one request: it answers its failure kind, "" for success. i numbers the requests of a
// run from 0; worker is the closed-loop client (open loops pass i for both).
type op func(ctx context.Context, worker, i int) string

// closedLoop runs workers clients, each sending its next request as soon as the last one is
// answered, until d has passed. Latency runs from each request's start.
func closedLoop(ctx context.Context, workers int, d time.Duration, do op) (*recorder, time.Duration) {
	rec := newRecorder(workers * 256)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				kind := do(ctx, w, int(next.Add(1)-1))
				rec.add(time.Since(t0), kind)
			}
		}()
	}
	wg.Wait()
	return rec, time.Since(start)
}

// clock is what the open loop waits with: the real one, or a test's.
type clock interface {
	Now() time.Time
	SleepUntil(t time.Time)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) SleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}

// openLoop sends requests at a fixed rate (per second) for d, whatever the answers: request i is
// due at start + i/rate and runs in its own goroutine, so a slow answer never delays the next
// request. Latency runs from the time a request was due, not from when it was sent, so that a
// late start (the generator or the machine stalled) counts against the server's figures instead
// of being hidden (coordinated omission). At most maxInFlight requests run at once; one due
// beyond that is not sent and counts as an error ("not sent: N in flight"): the server has
// fallen that far behind the schedule. It answers the
// recorder and the run's length, from the first due time to the last answer.
func openLoop(ctx context.Context, c clock, rate float64, d time.Duration, maxInFlight int, do op) (*recorder, time.Duration) {
	n := int(rate * d.Seconds())
	rec := newRecorder(n)
	if n <= 0 {
		return rec, 0
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := c.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInFlight)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		c.SleepUntil(due)
		if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			rec.add(c.Now().Sub(due), overloaded(maxInFlight))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := do(ctx, i, i)
			rec.add(c.Now().Sub(due), kind)
			<-sem
		}()
	}
	wg.Wait()
	// Throughput over the scheduled window (or longer, if answers came late).
	return rec, max(c.Now().Sub(start), d)
}

func overloaded(n int) string { return "not sent: " + strconv.Itoa(n) + " in flight" }
