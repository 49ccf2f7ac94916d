package report_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/report"
	"thematic/internal/review"
)

// agree is the rule that the review's stage and its report's status never break.
func agree(stage review.Status, status string) bool {
	switch stage {
	case review.StatusQA:
		return status == report.StatusQA || status == report.StatusApproved
	case review.StatusPublished:
		return status == report.StatusPublished
	}
	return status == report.StatusDraft || status == report.StatusChangesRequested
}

// now reads the review's stage, the report's status and published version, and whether the
// evidence is locked.
func (w *demoWorld) now() (review.Status, report.State, bool) {
	w.t.Helper()
	var rv review.Review
	var st report.State
	err := w.owner(func(tx pgx.Tx) (err error) {
		if rv, err = review.Get(w.ctx, tx, w.tenant, w.review); err != nil {
			return err
		}
		st, err = report.LoadState(w.ctx, tx, w.tenant, w.review)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return rv.Status, st, rv.EvidenceLocked
}

// TestStageAndReportNeverDisagree walks the demo review back to set-up, then through every stage
// to publication by both doors (the stage form and the report's sign-off), with every way back
// from quality assurance, a correction after publication, and back to set-up again, checking the
// review's stage and the report's status after each step.
func TestStageAndReportNeverDisagree(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	qa := w.second
	type step struct {
		what    string
		do      func() error
		refused string // part of the refusal, or "" when the step is taken
		stage   review.Status
		report  string
	}
	back := func(to review.Status, reason string) func() error {
		return func() error { return w.stage(w.lead, to, reason) }
	}
	on := func(actor string, to review.Status) func() error {
		return func() error { return w.stage(actor, to, "") }
	}
	sign := func(actor, to, note string) func() error { return func() error { return w.step(actor, to, note) } }
	steps := []step{
		{"start", func() error { return nil }, "", review.StatusAnalysis, report.StatusDraft},
		{"back to fieldwork without a reason", back(review.StatusFieldwork, " "), "Say why the review is moving back to fieldwork", review.StatusAnalysis, report.StatusDraft},
		{"back to fieldwork", back(review.StatusFieldwork, "Two areas need a second visit"), "", review.StatusFieldwork, report.StatusDraft},
		{"back to set-up", back(review.StatusSetup, "An area joins late"), "", review.StatusSetup, report.StatusDraft},
		{"two stages at once", on(w.lead, review.StatusAnalysis), "A review moves one stage at a time", review.StatusSetup, report.StatusDraft},
		{"on to fieldwork", on(w.lead, review.StatusFieldwork), "", review.StatusFieldwork, report.StatusDraft},
		{"on to analysis", on(w.lead, review.StatusAnalysis), "", review.StatusAnalysis, report.StatusDraft},
		{"sending the report at analysis", sign(w.lead, report.StatusQA, ""), "once the review is at drafting", review.StatusAnalysis, report.StatusDraft},
		{"on to drafting", on(w.lead, review.StatusDrafting), "", review.StatusDrafting, report.StatusDraft},
		{"on to quality assurance from the stage form", on(w.lead, review.StatusQA), "", review.StatusQA, report.StatusQA},
		{"publishing before approval", on(w.lead, review.StatusPublished), "Only a report approved by a second lead", review.StatusQA, report.StatusQA},
		{"approved by its sender", sign(w.lead, report.StatusApproved, ""), "Another lead must quality assure", review.StatusQA, report.StatusQA},
		{"changes requested", sign(qa, report.StatusChangesRequested, "Shorten the summary"), "", review.StatusDrafting, report.StatusChangesRequested},
		{"sent again from the report", sign(w.lead, report.StatusQA, ""), "", review.StatusQA, report.StatusQA},
		{"withdrawn by its sender from the stage form", back(review.StatusDrafting, "Sent too early"), "", review.StatusDrafting, report.StatusDraft},
		{"sent again from the stage form", on(w.lead, review.StatusQA), "", review.StatusQA, report.StatusQA},
		{"sent back by the second lead from the stage form", func() error { return w.stage(qa, review.StatusDrafting, "The recommendations need addressees") },
			"", review.StatusDrafting, report.StatusChangesRequested},
		{"sent again", sign(w.lead, report.StatusQA, ""), "", review.StatusQA, report.StatusQA},
		{"approved", sign(qa, report.StatusApproved, ""), "", review.StatusQA, report.StatusApproved},
		{"returned to draft without a note", sign(w.lead, report.StatusDraft, ""), "Say what needs to change", review.StatusQA, report.StatusApproved},
		{"returned to draft", sign(w.lead, report.StatusDraft, "A late figure to add"), "", review.StatusDrafting, report.StatusDraft},
		{"sent again", on(w.lead, review.StatusQA), "", review.StatusQA, report.StatusQA},
		{"approved again", sign(qa, report.StatusApproved, ""), "", review.StatusQA, report.StatusApproved},
		{"published from the stage form", on(w.lead, review.StatusPublished), "", review.StatusPublished, report.StatusPublished},
		{"back to quality assurance", back(review.StatusQA, "No"), "it can only move back to Drafting", review.StatusPublished, report.StatusPublished},
		{"a correction without a reason", back(review.StatusDrafting, ""), "Say what needs correcting", review.StatusPublished, report.StatusPublished},
		{"a correction", back(review.StatusDrafting, "A figure in the summary is wrong"), "", review.StatusDrafting, report.StatusDraft},
		{"sent after the correction", sign(w.lead, report.StatusQA, ""), "", review.StatusQA, report.StatusQA},
		{"approved after the correction", sign(qa, report.StatusApproved, ""), "", review.StatusQA, report.StatusApproved},
		{"published from the report", sign(w.lead, report.StatusPublished, ""), "", review.StatusPublished, report.StatusPublished},
		{"corrected from the report", sign(w.lead, report.StatusDraft, "Another correction"), "", review.StatusDrafting, report.StatusDraft},
		{"back to analysis", back(review.StatusAnalysis, "More evidence came in"), "", review.StatusAnalysis, report.StatusDraft},
		{"back to fieldwork", back(review.StatusFieldwork, "A visit was missed"), "", review.StatusFieldwork, report.StatusDraft},
		{"back to set-up", back(review.StatusSetup, "The framework changes"), "", review.StatusSetup, report.StatusDraft},
	}
	published := 0
	for _, s := range steps {
		err := s.do()
		switch {
		case s.refused == "" && err != nil:
			t.Fatalf("%s: %v", s.what, err)
		case s.refused != "" && (err == nil || !strings.Contains(err.Error(), s.refused)):
			t.Fatalf("%s: %v, want a refusal saying %q", s.what, err, s.refused)
		}
		var refused *report.StepError
		var step *review.StepError
		if err != nil && !errors.As(err, &refused) && !errors.As(err, &step) {
			t.Errorf("%s: refused with %T, want a step error", s.what, err)
		}
		stage, st, locked := w.now()
		if stage != s.stage || st.Status != s.report || !agree(stage, st.Status) {
			t.Fatalf("after %s: review %s, report %s; want %s and %s", s.what, stage, st.Status, s.stage, s.report)
		}
		if wantLocked := stage.Index() >= review.StatusDrafting.Index(); locked != wantLocked {
			t.Errorf("after %s: evidence locked %v at %s", s.what, locked, stage)
		}
		// A correction keeps the published version recorded.
		if st.PublishedVersion < published {
			t.Errorf("after %s: published version %d, was %d", s.what, st.PublishedVersion, published)
		}
		published = st.PublishedVersion
	}
	if published == 0 {
		t.Fatal("no published version recorded")
	}
	// Every move of the review is audited, the moves back with their reasons.
	rows, err := w.super2(`SELECT before->>'status', after->>'status', coalesce(after->>'reason', '') FROM audit_log
		WHERE action = 'review.status_changed' AND object_id = $1 ORDER BY id`, w.review)
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, r := range rows {
		moves = append(moves, r[0]+"→"+r[1]+":"+r[2])
	}
	want := []string{
		"analysis→fieldwork:Two areas need a second visit", "fieldwork→setup:An area joins late",
		"setup→fieldwork:", "fieldwork→analysis:", "analysis→drafting:", "drafting→quality_assurance:",
		"quality_assurance→drafting:Shorten the summary", "drafting→quality_assurance:",
		"quality_assurance→drafting:Sent too early", "drafting→quality_assurance:",
		"quality_assurance→drafting:The recommendations need addressees", "drafting→quality_assurance:",
		"quality_assurance→drafting:A late figure to add", "drafting→quality_assurance:", "quality_assurance→published:",
		"published→drafting:A figure in the summary is wrong", "drafting→quality_assurance:", "quality_assurance→published:",
		"published→drafting:Another correction", "drafting→analysis:More evidence came in",
		"analysis→fieldwork:A visit was missed", "fieldwork→setup:The framework changes",
	}
	if strings.Join(moves, "\n") != strings.Join(want, "\n") {
		t.Errorf("audited moves:\n%s\nwant:\n%s", strings.Join(moves, "\n"), strings.Join(want, "\n"))
	}
	reportSteps, err := w.super2(`SELECT after->>'status' FROM audit_log WHERE action = 'report.status_changed' AND object_id = $1 ORDER BY id`, w.review)
	if err != nil {
		t.Fatal(err)
	}
	if len(reportSteps) != 17 {
		t.Errorf("%d report steps audited, want 17", len(reportSteps))
	}
}

// TestStageOfAnImportedReviewCanMoveBack: an archive keeps a review's stage but not its report's
// status, so an imported published review has a draft report; moving it back to drafting brings
// the two together again, and moving on needs the report's sign-off as ever.
func TestStageOfAnImportedReviewCanMoveBack(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	w.super(`UPDATE reviews SET status = 'published', evidence_locked_at = now(), evidence_locked_by = created_by WHERE id = $1`, w.review)
	if err := w.stage(w.lead, review.StatusDrafting, "Imported: to be checked again"); err != nil {
		t.Fatalf("back to drafting: %v", err)
	}
	if stage, st, _ := w.now(); stage != review.StatusDrafting || st.Status != report.StatusDraft {
		t.Fatalf("after the move back: %s and %s", stage, st.Status)
	}
	w.super(`UPDATE reviews SET status = 'quality_assurance' WHERE id = $1`, w.review)
	if err := w.stage(w.lead, review.StatusPublished, ""); err == nil || !strings.Contains(err.Error(), "Only a report approved") {
		t.Fatalf("publishing a report never approved: %v", err)
	}
}
