package consistency

import (
	"strings"
	"testing"
)

func TestSampleSize(t *testing.T) {
	for _, tc := range []struct{ pop, share, want int }{
		{0, 10, 0}, {150, 10, 15}, {25, 10, 3}, {1, 1, 1}, {7, 100, 7}, {9, 50, 5},
	} {
		if got := SampleSize(tc.pop, tc.share); got != tc.want {
			t.Errorf("SampleSize(%d, %d) = %d, want %d", tc.pop, tc.share, got, tc.want)
		}
	}
}

// Two coders (author and one second coder) over four notes, worked by hand:
// judgements author S S D N, coder S D D N → Cohen's κ = 7/11 ≈ 0.64, 75% agreement;
// action area A: author on notes 1 and 2, coder on 1 only → pₒ 3/4, pₑ (2·1 + 2·3)/16 = 1/2, κ = 0.5;
// good practice: nobody ticked it → every coding in one category, κ not defined.
func TestComputeTwoCoders(t *testing.T) {
	s := Sample{Coders: []Coder{{MemberID: "m"}}}
	orig := []Coding{{[]string{"A"}, "strength", false}, {[]string{"A"}, "strength", false}, {nil, "development", false}, {nil, "neutral", false}}
	mine := []Coding{{[]string{"A"}, "strength", false}, {nil, "development", false}, {nil, "development", false}, {nil, "neutral", false}}
	codings := map[string]map[string]Coding{}
	for i := range orig {
		id := string(rune('1' + i))
		s.Notes = append(s.Notes, SampleNote{NoteID: id, Original: orig[i]})
		codings[id] = map[string]Coding{"m": mine[i]}
	}
	s.Notes = append(s.Notes, SampleNote{NoteID: "uncoded", Original: orig[0]})
	f := Compute(s, codings, []ActionArea{{ID: "A", Title: "Area A"}})
	if f.Sampled != 5 || f.Complete != 4 || f.Coders != 2 {
		t.Fatalf("sampled %d complete %d coders %d", f.Sampled, f.Complete, f.Coders)
	}
	if got := KappaText(f.Judgement.Result); got != "0.64" || PercentText(f.Judgement.Result.Unanimous) != "75%" {
		t.Errorf("judgement κ %s, %s", got, PercentText(f.Judgement.Result.Unanimous))
	}
	if got := KappaText(f.Areas[0].Result); got != "0.50" {
		t.Errorf("action area κ %s", got)
	}
	if f.Practice.Result.Defined || KappaText(f.Practice.Result) != "not defined" {
		t.Errorf("good practice κ %v defined %v", f.Practice.Result.Kappa, f.Practice.Result.Defined)
	}
	if strings.Join(f.Disagreed, ",") != "2" {
		t.Errorf("disagreed on %v, want note 2", f.Disagreed)
	}
	line := MethodSentence(f, 200)
	want := "A sample of 4 evidence notes (2% of the 200 notes) was coded a second time, without sight of the first coding, by another " +
		"member of the review team; agreement on whether evidence was a strength, an area for development or neither was κ = 0.64 " +
		"(75% agreement), using Cohen’s kappa."
	if line != want {
		t.Errorf("sentence:\n%s\nwant\n%s", line, want)
	}
	if MethodSentence(Figures{}, 200) != "" {
		t.Error("a sample with no complete note must say nothing")
	}
}
