package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// recorder collects one scenario's outcomes: every latency and the errors by kind. Workers add
// to it concurrently; it is read once, when the scenario is over.
type recorder struct {
	mu   sync.Mutex
	lat  []time.Duration
	errs map[string]int
	nerr int
}

func newRecorder(capacity int) *recorder {
	return &recorder{lat: make([]time.Duration, 0, capacity), errs: map[string]int{}}
}

// add records one request: its latency, and its failure kind ("" for success).
func (r *recorder) add(d time.Duration, kind string) {
	r.mu.Lock()
	r.lat = append(r.lat, d)
	if kind != "" {
		r.errs[kind]++
		r.nerr++
	}
	r.mu.Unlock()
}

// summary is what a scenario reports of its requests. Throughput counts the successful answers
// only, so that fast failures never pass for capacity.
type summary struct {
	Requests   int            `json:"requests"`
	Throughput float64        `json:"req_per_s"`
	P50        float64        `json:"p50_ms"`
	P95        float64        `json:"p95_ms"`
	P99        float64        `json:"p99_ms"`
	Max        float64        `json:"max_ms"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
}

// summarise sorts the latencies (in place) and computes the figures over elapsed.
func (r *recorder) summarise(elapsed time.Duration) summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.lat)
	s := summary{Requests: len(r.lat), Errors: r.nerr}
	if len(r.errs) > 0 {
		s.ErrorKinds = map[string]int{}
		for k, v := range r.errs {
			s.ErrorKinds[k] = v
		}
	}
	if elapsed > 0 {
		s.Throughput = math.Round(float64(len(r.lat)-r.nerr)/elapsed.Seconds()*10) / 10
	}
	s.P50, s.P95, s.P99 = ms(percentile(r.lat, 50)), ms(percentile(r.lat, 95)), ms(percentile(r.lat, 99))
	if n := len(r.lat); n > 0 {
		s.Max = ms(r.lat[n-1])
	}
	return s
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted: the smallest value that
// at least p% of the values are at or below. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// errorKind names a failed request's kind, for counting: "status 503", "timeout", "refused"…
func errorKind(status int, err error) string {
	if err == nil {
		return fmt.Sprintf("status %d", status)
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timeout"
	case strings.Contains(err.Error(), "EOF"):
		return "connection closed (EOF)"
	}
	return "transport error"
}

// kindsText is "3 status 503, 1 timeout", most frequent first.
func kindsText(kinds map[string]int) string {
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if kinds[keys[i]] != kinds[keys[j]] {
			return kinds[keys[i]] > kinds[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", kinds[k], k)
	}
	return strings.Join(parts, ", ")
}
