package finding_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/finding"
)

func TestAreaStatsCountLiveNotesAndCandidates(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "stats")
	if _, err := w.d.Super.Exec(w.ctx, `UPDATE evidence_notes SET good_practice = true WHERE id = ANY($1::uuid[])`,
		[]string{w.notes["a0n0"], w.notes["a1n0"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.d.Super.Exec(w.ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = $2 WHERE id = $1`, w.notes["a1n0"], w.user); err != nil {
		t.Fatal(err)
	}
	var got map[string]finding.AreaStat
	w.must(w.tx(func(tx pgx.Tx) (err error) {
		got, err = finding.AreaStats(w.ctx, tx, w.tenant, w.review)
		return err
	}))
	if s := got[w.aa1]; s.Notes != 5 || s.Candidates != 1 {
		t.Fatalf("action area 1: %+v, want 5 notes (one deleted) and 1 candidate", s)
	}
	if s, ok := got[w.aa2]; ok {
		t.Fatalf("action area 2 has no notes, got %+v", s)
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    finding.Finding
		want bool
		word bool
	}{
		{finding.Finding{Style: finding.StyleWord, Areas: 2, ConfirmedAreas: 2, ScaleWord: "some"}, false, false},
		{finding.Finding{Style: finding.StyleWord, Areas: 0}, true, false},
		{finding.Finding{Style: finding.StyleWord, Areas: 2, ConfirmedAreas: 3, ScaleWord: "some"}, true, false},
		{finding.Finding{Style: finding.StyleWord, Areas: 2, ConfirmedAreas: 2}, true, true},
		{finding.Finding{Style: finding.StyleWord, Areas: 2, ConfirmedAreas: 2, WordOverride: "several"}, false, false},
		{finding.Finding{Style: finding.StyleCount, Areas: 2, ConfirmedAreas: 2}, false, false},
	}
	for i, c := range cases {
		if got := c.f.Flagged(); got != c.want {
			t.Errorf("case %d: Flagged = %v, want %v", i, got, c.want)
		}
		if got := c.f.NoScaleWord(); got != c.word {
			t.Errorf("case %d: NoScaleWord = %v, want %v", i, got, c.word)
		}
	}
}
