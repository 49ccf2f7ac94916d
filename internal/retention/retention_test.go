package retention

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRemovedPersonalData(t *testing.T) {
	before := "Referral for NHS 943 476 5919, contact jo@example.org, seen by Mrs Patel."
	after := "Referral, contact jo@example.org."
	got := RemovedPersonalData(before, after)
	if !slices.Contains(got, "943 476 5919") || !slices.Contains(got, "Mrs Patel") || slices.Contains(got, "jo@example.org") {
		t.Errorf("RemovedPersonalData = %q", got)
	}
	if got := RemovedPersonalData(before, before+" More."); len(got) != 0 {
		t.Errorf("nothing removed, got %q", got)
	}
}

func TestStatusSaysWhenEvidenceIsPurged(t *testing.T) {
	twelve := 12
	pub := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	s := Status{Months: &twelve, PublishedAt: &pub}
	if d := s.PurgeDate(); d == nil || !d.Equal(pub.AddDate(1, 0, 0)) {
		t.Fatalf("PurgeDate = %v", d)
	}
	if want := "Evidence will be purged on 7 December 2027 under the retention policy (12 months after publication)"; s.Line() != want {
		t.Errorf("Line = %q, want %q", s.Line(), want)
	}
	held := s
	held.HoldAt, held.HoldReason = &pub, "A claim"
	if held.PurgeDate() != nil || !strings.HasPrefix(held.Line(), "On legal hold since 7 December 2026") {
		t.Errorf("held: %v %q", held.PurgeDate(), held.Line())
	}
	if (Status{PublishedAt: &pub}).PurgeDate() != nil || (Status{Months: &twelve}).Line() != "" {
		t.Error("a review kept until deleted, or not published, has a purge date")
	}
	purged := s
	purged.Purged = &Purge{At: pub.AddDate(1, 0, 1), Months: 12, Notes: 312, Documents: 1, SelfAssessments: 9}
	if want := "Evidence purged on 8 December 2027 under the organisation’s 12-month retention: 312 notes, 1 document, 9 self-assessments"; purged.Line() != want {
		t.Errorf("Line = %q, want %q", purged.Line(), want)
	}
	for m, want := range map[int]string{1: "1 month", 6: "6 months", 12: "12 months", 24: "2 years", 18: "18 months"} {
		if got := Period(&m); got != want {
			t.Errorf("Period(%d) = %q, want %q", m, got, want)
		}
	}
	if Period(nil) != "until deleted" {
		t.Error("Period(nil)")
	}
}
