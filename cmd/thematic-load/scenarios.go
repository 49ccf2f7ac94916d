package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Targets of issue 17 on the 2-core machine.
const (
	targetSaveRatio  = 0.5  // save throughput / bare-save throughput in the same run, 50 clients
	targetSaveP99    = 25.0 // ms, open loop at 200 saves a second, no errors
	targetPageP99    = 50.0 // ms, each page at 20 a second while 20 saves a second run
	targetReportHTML = 500.0
	targetReportDOCX = 1000.0
	targetRSSMB      = 150.0
	targetReadyMS    = 1000.0
)

const (
	maxInFlight       = 2000
	signInParallelism = 4
)

// drive signs the users in and runs the scenarios, adding a row to rep for each. It answers the
// scenarios whose every request failed (a harness failure), or an error when setting up failed.
func drive(ctx context.Context, o options, m *Manifest, base string, rss *rssSampler, rep *Report) ([]string, error) {
	tr := &http.Transport{Proxy: nil, MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second,
		ForceAttemptHTTP2: false} // gzip accepted, as browsers do
	defer tr.CloseIdleConnections()
	run := runID()
	review := "/reviews/" + m.ReviewID

	// Sign in: the lead, and one inspector per client (cycling when the manifest has fewer).
	lead := newSession(base, tr, o.timeout)
	if err := lead.signIn(ctx, m.LeadEmail, m.Password); err != nil {
		return nil, fmt.Errorf("lead: %w", err)
	}
	n := max(o.clients, 1)
	inspectors := make([]*session, n)
	errs := make([]error, n)
	sem := make(chan struct{}, signInParallelism)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range inspectors {
		in := m.Inspectors[i%len(m.Inspectors)]
		s := newSession(base, tr, o.timeout)
		s.in = in
		inspectors[i] = s
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.signIn(ctx, in.Email, m.Password); err != nil {
				errs[i] = fmt.Errorf("inspector %d: %w", i, err)
				return
			}
			errs[i] = s.formToken(ctx, review+"/visits/"+in.VisitID+"/notes/new")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	o.logf("signed in the lead and %d inspectors in %s", n, time.Since(t0).Round(time.Millisecond))

	// One save through the form, by the i-th client: 303 is success.
	save := func(scenario string) op {
		return func(ctx context.Context, w, i int) string {
			s := inspectors[w%len(inspectors)]
			status, err := s.post(ctx, review+"/visits/"+s.in.VisitID+"/notes", noteForm(s.csrf, key(run, scenario, i), s.in, i))
			if err != nil || status != http.StatusSeeOther {
				return errorKind(status, err)
			}
			return ""
		}
	}
	// The references answer 204 and have no session: a client with no cookies. The domain save
	// (evidence.RecordNote without HTTP session) and the bare insert (internal/loadbase).
	plain := &session{base: base, client: &http.Client{Transport: tr, Timeout: o.timeout}}
	reference := func(path, scenario string, form func(*Manifest, string, Inspector, int) url.Values) op {
		return func(ctx context.Context, w, i int) string {
			in := inspectors[w%len(inspectors)].in
			status, err := plain.post(ctx, path, form(m, key(run, scenario, i), in, i))
			if err != nil || status != http.StatusNoContent {
				return errorKind(status, err)
			}
			return ""
		}
	}
	get := func(path string) op {
		return func(ctx context.Context, _, _ int) string {
			status, err := lead.get(ctx, path)
			if err != nil || status != http.StatusOK {
				return errorKind(status, err)
			}
			return ""
		}
	}
	var failed []string
	add := func(r Row) {
		rep.Rows = append(rep.Rows, r)
		o.logf("%s: %d requests, %.1f req/s, p99 %.1f ms, %d errors", r.Scenario, r.Requests, r.Throughput, r.P99, r.Errors)
		if r.Requests > 0 && r.Errors == r.Requests {
			failed = append(failed, r.Scenario)
		}
	}
	scenario := func(name string, f func() (*recorder, time.Duration)) Row {
		rss.reset()
		rec, took := f()
		return Row{Scenario: name, summary: rec.summarise(took), PeakRSSMB: rss.scenarioPeak()}
	}

	// a) saves through the form, closed loop.
	if o.wants("save") {
		r := scenario("save", func() (*recorder, time.Duration) { return closedLoop(ctx, n, o.closedFor, save("save")) })
		r.kind = kindSave
		add(r)
	}
	// b) open loop at a fixed rate.
	if o.wants("save-rate") {
		r := scenario(fmt.Sprintf("save-%g", o.saveRate), func() (*recorder, time.Duration) {
			return openLoop(ctx, realClock{}, o.saveRate, o.saveFor, maxInFlight, save("rate"))
		})
		r.kind = kindSaveRate
		add(r)
	}
	// c) the lead's pages at a fixed rate while notes are saved at a fixed rate.
	if o.wants("pages") {
		q := func(v url.Values) string { return review + "/evidence?" + v.Encode() }
		pages := []struct{ name, path string }{
			{"evidence-list", review + "/evidence"},
			{"evidence-filtered", q(url.Values{"area": {m.AreaIDs[0]}, "action-area": {m.ActionAreaIDs[0]}, "judgement": {"strength"}})},
			{"search-rare", q(url.Values{"q": {o.rare}})},
			{"search-common", q(url.Values{"q": {o.common}})},
			{"coverage", review + "/coverage"},
			{"synthesis", review + "/synthesis/" + m.ActionAreaIDs[0]},
		}
		for _, p := range pages {
			if status, err := lead.get(ctx, p.path); err != nil || status != http.StatusOK {
				o.logf("%s: the first request answered %s", p.name, errorKind(status, err))
			}
			rss.reset()
			var pageRec, saveRec *recorder
			var pageTook, saveTook time.Duration
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				pageRec, pageTook = openLoop(ctx, realClock{}, o.pageRate, o.pageFor, maxInFlight, get(p.path))
			}()
			go func() {
				defer wg.Done()
				saveRec, saveTook = openLoop(ctx, realClock{}, o.pageSaveRate, o.pageFor, maxInFlight, save("bg-"+p.name))
			}()
			wg.Wait()
			peak := rss.scenarioPeak()
			add(Row{Scenario: p.name, summary: pageRec.summarise(pageTook), PeakRSSMB: peak, kind: kindPage})
			add(Row{Scenario: p.name + " (saves)", summary: saveRec.summarise(saveTook), PeakRSSMB: peak, kind: kindBackground})
		}
	}
	// d) the report, built sequentially in each format.
	if o.wants("report") && o.reportRuns > 0 {
		for _, f := range []struct {
			name string
			kind rowKind
		}{{"html", kindReportHTML}, {"docx", kindReportDOCX}} {
			path := review + "/report/export/" + f.name
			r := scenario("report-"+f.name, func() (*recorder, time.Duration) {
				rec := newRecorder(o.reportRuns)
				t0 := time.Now()
				for i := range o.reportRuns {
					s := time.Now()
					kind := get(path)(ctx, 0, i)
					rec.add(time.Since(s), kind)
				}
				return rec, time.Since(t0)
			})
			r.kind = f.kind
			add(r)
		}
	}
	// f) the references, closed loop, last: a reference at several times the product's rate grows
	// the server's heap, which would otherwise count against the product's memory target. The
	// server's peak so far is the product's.
	if len(rep.Rows) > 0 && (o.wants("bare") || o.wants("domain")) {
		rep.PeakRSSMB, rep.VmHWMMB = rss.snapshot()
		rep.memBeforeRefs = true
	}
	for _, ref := range []struct {
		group, name, path, keyword string
		form                       func(*Manifest, string, Inspector, int) url.Values
		kind                       rowKind
	}{
		{"bare", "bare-save", bareSavePath, "bare", bareForm, kindBare},
		{"domain", "domain-save", domainSavePath, "domain", domainForm, kindDomain},
	} {
		if !o.wants(ref.group) {
			continue
		}
		do := reference(ref.path, ref.keyword, ref.form)
		if probe := do(ctx, 0, 1<<30); probe != "" { // a key of its own, outside the scenario's numbers
			rep.Rows = append(rep.Rows, Row{Scenario: ref.name, kind: ref.kind, Note: "not run: " + ref.path + " answered " +
				probe + " (a server built without -tags loadbase, no bare tables, or no user ids)"})
			continue
		}
		r := scenario(ref.name, func() (*recorder, time.Duration) { return closedLoop(ctx, n, o.closedFor, do) })
		r.kind = ref.kind
		add(r)
	}
	return failed, nil
}
