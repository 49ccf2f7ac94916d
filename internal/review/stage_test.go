package review

import (
	"errors"
	"strings"
	"testing"

	"thematic/internal/apperr"
)

// TestStageAllows is the rule table, written out: every stage against every kind of change.
func TestStageAllows(t *testing.T) {
	t.Parallel()
	const (
		Y = true
		N = false
	)
	//                            set-up evidence synthesis report
	want := map[Status][4]bool{
		StatusSetup:     {Y, Y, Y, Y},
		StatusFieldwork: {Y, Y, Y, Y},
		StatusAnalysis:  {Y, Y, Y, Y},
		StatusDrafting:  {Y, N, Y, Y},
		StatusQA:        {N, N, N, N},
		StatusPublished: {N, N, N, N},
	}
	if len(want) != len(Statuses) {
		t.Fatalf("the table has %d stages, want %d", len(want), len(Statuses))
	}
	kinds := []Change{ChangeSetup, ChangeEvidence, ChangeSynthesis, ChangeReport}
	if len(kinds) != len(Changes) {
		t.Fatalf("%d kinds of change, the table has %d", len(Changes), len(kinds))
	}
	for _, s := range Statuses {
		for i, c := range kinds {
			if got := s.Allows(c); got != want[s][i] {
				t.Errorf("%s allows %s = %v, want %v", s, c, got, want[s][i])
			}
		}
	}
	for _, c := range Changes {
		if Status("cancelled").Allows(c) || Status("").Allows(c) {
			t.Errorf("an unknown stage allows %s", c)
		}
	}
	if got := StatusDrafting.Locks(); len(got) != 1 || got[0] != ChangeEvidence {
		t.Errorf("drafting locks %v", got)
	}
}

// TestStageVerdict: the refusals name the stage and say what to do; the evidence lock refuses
// evidence at any stage, and lifted at drafting lets late notes in.
func TestStageVerdict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s      Status
		c      Change
		locked bool
		want   string // "" allowed; else a part of the message
	}{
		{StatusSetup, ChangeEvidence, false, ""},
		{StatusAnalysis, ChangeEvidence, false, ""},
		{StatusAnalysis, ChangeEvidence, true, "A lead can unlock it"},
		{StatusAnalysis, ChangeSetup, true, ""}, // the lock is the evidence's only
		{StatusDrafting, ChangeEvidence, true, "or move the review back to analysis"},
		{StatusDrafting, ChangeEvidence, false, ""}, // unlocked by a lead: late notes
		{StatusDrafting, ChangeReport, true, ""},
		{StatusDrafting, ChangeSynthesis, true, ""},
		{StatusDrafting, ChangeSetup, true, ""},
		{StatusQA, ChangeReport, true, "The review is at quality assurance: nothing in the report can change until the second lead has decided. Move it back to drafting to make changes."},
		{StatusQA, ChangeEvidence, false, "nothing in the evidence can change"},
		{StatusQA, ChangeSynthesis, true, "the findings, examples and recommendations"},
		{StatusQA, ChangeSetup, true, "the review’s set-up"},
		{StatusPublished, ChangeReport, true, "The review is published: nothing in the report can change. A lead can correct it"},
		{StatusPublished, ChangeEvidence, false, "The review is published"},
	}
	for _, c := range cases {
		err := c.s.Verdict(c.c, c.locked)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s, %s, locked %v: refused: %v", c.s, c.c, c.locked, err)
			}
			continue
		}
		var se *StageError
		if !errors.As(err, &se) || !apperr.Is(err, apperr.CodeForbidden) || !strings.Contains(apperr.MessageOf(err), c.want) {
			t.Errorf("%s, %s, locked %v: %v, want a 403 saying %q", c.s, c.c, c.locked, err, c.want)
		}
	}
}

func TestStageNeeds(t *testing.T) {
	t.Parallel()
	none := Counts{}
	if got := Missing(Needs(StatusFieldwork, none)); len(got) != 3 {
		t.Errorf("fieldwork with nothing misses %v", got)
	}
	some := Counts{Areas: 2, Visits: 1}
	if got := Missing(Needs(StatusFieldwork, some)); len(got) != 1 || got[0] != "At least one action area in the framework" {
		t.Errorf("fieldwork with areas and a visit misses %v", got)
	}
	if got := Missing(Needs(StatusAnalysis, some)); len(got) != 1 || got[0] != "At least one evidence note" {
		t.Errorf("analysis misses %v", got)
	}
	if got := Missing(Needs(StatusDrafting, Counts{Findings: 1})); len(got) != 0 {
		t.Errorf("drafting with a finding misses %v", got)
	}
	if n := Needs(StatusDrafting, Counts{Findings: 3}); n[0].Have != "3 findings" || !n[0].Met || n[0].Page != "synthesis" {
		t.Errorf("drafting's need %+v", n[0])
	}
}

func TestCheckMoveNeedsAReasonToGoBack(t *testing.T) {
	t.Parallel()
	var step *StepError
	if err := CheckMove(StatusAnalysis, StatusFieldwork, ""); !errors.As(err, &step) || step.Field != "reason" ||
		!strings.Contains(step.Error(), "Say why the review is moving back to fieldwork") {
		t.Errorf("back without a reason: %v", err)
	}
	if err := CheckMove(StatusPublished, StatusDrafting, ""); !errors.As(err, &step) || !strings.Contains(step.Error(), "Say what needs correcting") {
		t.Errorf("correction without a reason: %v", err)
	}
	if err := CheckMove(StatusPublished, StatusQA, "Typo"); !errors.As(err, &step) || step.Field != "" {
		t.Errorf("published back to quality assurance: %v", err)
	}
	if err := CheckMove(StatusAnalysis, StatusFieldwork, strings.Repeat("x", MaxReason+1)); !errors.As(err, &step) {
		t.Errorf("a reason too long: %v", err)
	}
	if err := CheckMove(StatusAnalysis, StatusFieldwork, "More visits"); err != nil {
		t.Errorf("back with a reason: %v", err)
	}
	if err := CheckMove(StatusAnalysis, StatusDrafting, ""); err != nil {
		t.Errorf("on needs no reason: %v", err)
	}
}
