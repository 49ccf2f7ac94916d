package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatus reads VmRSS and VmHWM (in kB) from the text of /proc/PID/status.
func procStatus(r io.Reader) (rssKB, hwmKB int64, err error) {
	sc := bufio.NewScanner(r)
	found := 0
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			dst = &rssKB
		case strings.HasPrefix(line, "VmHWM:"):
			dst = &hwmKB
		default:
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return 0, 0, fmt.Errorf("status line %q: no value", line)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("status line %q: %w", line, err)
		}
		if len(f) > 2 && f[2] != "kB" {
			return 0, 0, fmt.Errorf("status line %q: unit %q, want kB", line, f[2])
		}
		*dst = n
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found < 2 {
		return 0, 0, fmt.Errorf("no VmRSS and VmHWM lines (a kernel thread or a process gone?)")
	}
	return rssKB, hwmKB, nil
}

func readStatus(pid int) (rssKB, hwmKB int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return procStatus(f)
}

// rssSampler samples a process's resident memory every interval and keeps the peaks: the
// overall one and the one since the last reset (a scenario's).
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64 // since reset, kB
	all  int64 // since start, kB
	hwm  int64 // last VmHWM seen, kB
	n    int
	stop chan struct{}
	done chan struct{}
}

// startRSS starts sampling pid; pid 0 samples nothing (peaks stay 0: "not measured").
func startRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	if pid == 0 {
		close(s.done)
		return s
	}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	rss, hwm, err := readStatus(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.peak, s.all, s.hwm = max(s.peak, rss), max(s.all, rss), hwm
	s.n++
	s.mu.Unlock()
}

// reset starts a new scenario's peak (from a sample taken now).
func (s *rssSampler) reset() {
	s.mu.Lock()
	s.peak = 0
	s.mu.Unlock()
	if s.pid != 0 {
		s.sample()
	}
}

// scenarioPeak is the peak since the last reset, in MB (0 when not measured).
func (s *rssSampler) scenarioPeak() float64 {
	if s.pid != 0 {
		s.sample()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return mb(s.peak)
}

// snapshot answers the overall sampled peak and the last VmHWM so far, in MB, sampling on.
func (s *rssSampler) snapshot() (peak, hwm float64) {
	if s.pid != 0 {
		s.sample()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return mb(s.all), mb(s.hwm)
}

// close stops sampling and answers the overall sampled peak and the last VmHWM, in MB.
func (s *rssSampler) close() (peak, hwm float64) {
	if s.pid != 0 {
		s.sample()
		select {
		case <-s.done:
		default:
			close(s.stop)
		}
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return mb(s.all), mb(s.hwm)
}

func mb(kB int64) float64 { return float64(kB*10/1024) / 10 }
