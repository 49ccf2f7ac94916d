package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// rowKind says which target a row is held to.
type rowKind int

const (
	kindNone rowKind = iota
	kindBaseline
	kindSave
	kindSaveRate
	kindPage
	kindBackground
	kindReportHTML
	kindReportDOCX
	kindMemory
	kindReady
)

// Row is one line of the results: a scenario's figures and its target.
type Row struct {
	Scenario string `json:"scenario"`
	summary
	PeakRSSMB float64 `json:"peak_rss_mb"`
	Target    string  `json:"target,omitempty"`
	Met       *bool   `json:"met,omitempty"`
	Note      string  `json:"note,omitempty"`
	kind      rowKind
}

// Report is the whole run, as printed and as written to JSON.
type Report struct {
	Date           string  `json:"date"`
	URL            string  `json:"url"`
	Review         string  `json:"review_id"`
	Tenants        int     `json:"tenants"`
	Areas          int     `json:"areas"`
	Members        int     `json:"members"`
	Notes          int     `json:"notes"`
	OtherNotes     int     `json:"other_notes"`
	Clients        int     `json:"clients"`
	StartToReadyMS float64 `json:"start_to_ready_ms,omitempty"`
	ShutdownMS     float64 `json:"shutdown_ms,omitempty"`
	ShutdownErr    string  `json:"shutdown_problem,omitempty"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
	VmHWMMB        float64 `json:"vmhwm_mb"`
	SaveRatio      float64 `json:"save_to_baseline_ratio,omitempty"`
	Rows           []Row   `json:"scenarios"`
}

func yes(b bool) *bool { return &b }

// finish sets each row's target and verdict, and adds the rows of the whole run: memory (when it
// was measured) and start to ready (when the harness started the server).
func (r *Report) finish(memMeasured, started bool) {
	var base *Row
	for i := range r.Rows {
		if r.Rows[i].kind == kindBaseline && r.Rows[i].Requests > 0 {
			base = &r.Rows[i]
		}
	}
	for i := range r.Rows {
		w := &r.Rows[i]
		if w.Note != "" && w.Requests == 0 {
			continue
		}
		clean := w.Errors == 0
		switch w.kind {
		case kindBaseline:
			w.Target = "reference for save"
		case kindSave:
			if base == nil || base.Throughput == 0 {
				w.Target = "≥ 50% of baseline req/s (no baseline measured)"
				break
			}
			r.SaveRatio = round2(w.Throughput / base.Throughput)
			w.Target = fmt.Sprintf("≥ 50%% of baseline req/s (%.0f%%)", 100*w.Throughput/base.Throughput)
			w.Met = yes(w.Throughput/base.Throughput >= targetSaveRatio && clean)
		case kindSaveRate:
			w.Target, w.Met = fmt.Sprintf("p99 ≤ %g ms, no errors", targetSaveP99), yes(w.P99 <= targetSaveP99 && clean)
		case kindPage:
			w.Target, w.Met = fmt.Sprintf("p99 ≤ %g ms, no errors", targetPageP99), yes(w.P99 <= targetPageP99 && clean)
		case kindBackground:
			w.Target = "saves beside the page above"
		case kindReportHTML:
			w.Target, w.Met = fmt.Sprintf("p99 ≤ %g ms", targetReportHTML), yes(w.P99 <= targetReportHTML && clean)
		case kindReportDOCX:
			w.Target, w.Met = fmt.Sprintf("p99 ≤ %g ms", targetReportDOCX), yes(w.P99 <= targetReportDOCX && clean)
		}
	}
	if memMeasured {
		peak := max(r.PeakRSSMB, r.VmHWMMB)
		r.Rows = append(r.Rows, Row{Scenario: "server memory (whole run)", PeakRSSMB: peak, kind: kindMemory,
			Target: fmt.Sprintf("≤ %g MB (sampled peak %.1f, VmHWM %.1f)", targetRSSMB, r.PeakRSSMB, r.VmHWMMB),
			Met:    yes(peak <= targetRSSMB)})
	}
	if started {
		t := r.StartToReadyMS
		r.Rows = append(r.Rows, Row{Scenario: "start to ready", summary: summary{Requests: 1, P50: t, P95: t, P99: t, Max: t},
			kind: kindReady, Target: fmt.Sprintf("≤ %g ms", targetReadyMS), Met: yes(t <= targetReadyMS)})
	}
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// markdown writes the table.
func (r *Report) markdown(w io.Writer) {
	fmt.Fprintf(w, "Load run of %s against %s: review %s (%d areas, %d members, %d notes; %d other notes in %d other tenants), %d clients. req/s counts successful answers; latency runs from each request's start (closed loops) or from when it was due (open loops).\n\n",
		r.Date, r.URL, r.Review, r.Areas, r.Members, r.Notes, r.OtherNotes, max(r.Tenants-1, 0), r.Clients)
	fmt.Fprintln(w, "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | peak RSS MB | target | met |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |")
	for _, row := range r.Rows {
		num := func(f float64) string {
			if row.Requests == 0 {
				return "—"
			}
			return fmt.Sprintf("%.1f", f)
		}
		reqs, rate := "—", "—"
		if row.Requests > 0 && row.kind != kindReady {
			reqs, rate = fmt.Sprint(row.Requests), fmt.Sprintf("%.1f", row.Throughput)
		} else if row.kind == kindReady {
			reqs = "1"
		}
		errs := "—"
		if row.Requests > 0 {
			errs = fmt.Sprint(row.Errors)
			if row.Errors > 0 {
				errs += " (" + kindsText(row.ErrorKinds) + ")"
			}
		}
		rss := "—"
		if row.PeakRSSMB > 0 {
			rss = fmt.Sprintf("%.1f", row.PeakRSSMB)
		}
		met := "—"
		if row.Met != nil {
			met = map[bool]string{true: "yes", false: "no"}[*row.Met]
		}
		target := row.Target
		if row.Note != "" {
			target = strings.TrimSpace(target + " " + row.Note)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Scenario, reqs, rate,
			num(row.P50), num(row.P95), num(row.P99), num(row.Max), errs, rss, strings.ReplaceAll(target, "|", "/"), met)
	}
	if r.ShutdownMS > 0 {
		fmt.Fprintf(w, "\nThe server stopped %.0f ms after SIGTERM", r.ShutdownMS)
		if r.ShutdownErr != "" {
			fmt.Fprintf(w, " (%s)", r.ShutdownErr)
		}
		fmt.Fprintln(w, ".")
	}
}

// write prints the table to w and the JSON to path.
func (r *Report) write(w io.Writer, path string) error {
	r.markdown(w)
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
