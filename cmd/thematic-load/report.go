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
	kindNone   rowKind = iota
	kindBare           // the bare insert: the reference of the save's target
	kindDomain         // the domain save without HTTP session: a second reference
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
	ClosedFor      string  `json:"closed_loop_duration"`
	SaveFor        string  `json:"save_loop_duration"`
	PageFor        string  `json:"page_loop_duration"`
	Settled        string  `json:"settled,omitempty"`
	StartToReadyMS float64 `json:"start_to_ready_ms,omitempty"`
	ShutdownMS     float64 `json:"shutdown_ms,omitempty"`
	ShutdownErr    string  `json:"shutdown_problem,omitempty"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
	VmHWMMB        float64 `json:"vmhwm_mb"`
	SaveRatio      float64 `json:"save_to_bare_ratio,omitempty"`
	DomainRatio    float64 `json:"domain_to_bare_ratio,omitempty"`
	Machine        Machine `json:"machine"`
	Rows           []Row   `json:"scenarios"`
	// memBeforeRefs: PeakRSSMB and VmHWMMB were taken before the reference scenarios ran.
	memBeforeRefs bool
}

func yes(b bool) *bool { return &b }

// finish sets each row's target and verdict, and adds the rows of the whole run: memory (when it
// was measured) and start to ready (when the harness started the server).
func (r *Report) finish(memMeasured, started bool) {
	var bare *Row
	for i := range r.Rows {
		if w := &r.Rows[i]; w.kind == kindBare && w.Requests > w.Errors && w.Throughput > 0 {
			bare = w
		}
	}
	for i := range r.Rows {
		w := &r.Rows[i]
		if w.Note != "" && w.Requests == 0 {
			continue
		}
		clean := w.Errors == 0
		switch w.kind {
		case kindBare:
			w.Target = "reference for save"
		case kindDomain:
			w.Target = "reference (domain save, no HTTP session)"
			if bare != nil {
				r.DomainRatio = round2(w.Throughput / bare.Throughput)
				w.Target += fmt.Sprintf(", %.0f%% of bare-save", 100*w.Throughput/bare.Throughput)
			}
		case kindSave:
			if bare == nil {
				w.Target = fmt.Sprintf("≥ %g%% of bare-save req/s (no bare-save measured)", 100*targetSaveRatio)
				break // not judged
			}
			r.SaveRatio = round2(w.Throughput / bare.Throughput)
			w.Target = fmt.Sprintf("≥ %g%% of bare-save req/s (%.0f%%)", 100*targetSaveRatio, 100*w.Throughput/bare.Throughput)
			w.Met = yes(w.Throughput/bare.Throughput >= targetSaveRatio && clean)
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
		r.Rows = append(r.Rows, Row{Scenario: "server memory", PeakRSSMB: peak, kind: kindMemory,
			Target: fmt.Sprintf("≤ %g MB (sampled peak %.1f, VmHWM %.1f%s)", targetRSSMB, r.PeakRSSMB, r.VmHWMMB,
				map[bool]string{true: ", before the references"}[r.memBeforeRefs]),
			Met: yes(peak <= targetRSSMB)})
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
