package agreement_test

import (
	"math"
	"strings"
	"testing"

	"thematic/internal/agreement"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// rep repeats pairs of codings: n items coded x by the first coder and y by the second.
func rep(n int, x, y string) (a, b []string) {
	for range n {
		a, b = append(a, x), append(b, y)
	}
	return a, b
}

func TestCohenKappa(t *testing.T) {
	type pairs struct {
		n    int
		x, y string
	}
	tests := []struct {
		name                  string
		items                 []pairs
		po, pe, kappa, unanim float64
		defined               bool
	}{
		{
			// Wikipedia, "Cohen's kappa", section "Simple example" (retrieved 2026): 50 grant
			// proposals read by two readers A and B; both yes 20, A yes B no 5, A no B yes 10,
			// both no 15. pₒ = 0.7, pₑ = 0.5 (0.3 + 0.2), κ = 0.4.
			name:  "Wikipedia worked example",
			items: []pairs{{20, "yes", "yes"}, {5, "yes", "no"}, {10, "no", "yes"}, {15, "no", "no"}},
			po:    0.7, pe: 0.5, kappa: 0.4, unanim: 0.7, defined: true,
		},
		{
			// Hand-computed: four notes, judgements strength/development/neutral.
			// A: S S D N, B: S D D N → pₒ = 3/4; A's marginals S 2, D 1, N 1 and B's S 1, D 2,
			// N 1 → pₑ = (2·1 + 1·2 + 1·1)/16 = 5/16; κ = (3/4 − 5/16)/(11/16) = 7/11 ≈ 0.6364.
			name:  "hand-computed three categories",
			items: []pairs{{1, "S", "S"}, {1, "S", "D"}, {1, "D", "D"}, {1, "N", "N"}},
			po:    0.75, pe: 5.0 / 16, kappa: 7.0 / 11, unanim: 0.75, defined: true,
		},
		{
			// Wikipedia, "Cohen's kappa", section "Same percentages but different numbers"
			// first table: 45/15/25/15 of 100 → pₒ = 0.60, pₑ = 0.54, κ = 0.1304.
			name:  "Wikipedia same percentages, first table",
			items: []pairs{{45, "yes", "yes"}, {15, "yes", "no"}, {25, "no", "yes"}, {15, "no", "no"}},
			po:    0.60, pe: 0.54, kappa: 0.1304, unanim: 0.60, defined: true,
		},
		{
			// Both coders put every item in one category: chance explains everything (pₑ = 1)
			// and kappa is undefined, not a division by zero.
			name:  "one category only",
			items: []pairs{{6, "no", "no"}},
			po:    1, pe: 1, unanim: 1, defined: false,
		},
		{
			// Complete disagreement on two balanced categories: pₒ 0, pₑ 0.5, κ = −1.
			name:  "perfect disagreement",
			items: []pairs{{3, "yes", "no"}, {3, "no", "yes"}},
			po:    0, pe: 0.5, kappa: -1, unanim: 0, defined: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a, b []string
			for _, p := range tc.items {
				x, y := rep(p.n, p.x, p.y)
				a, b = append(a, x...), append(b, y...)
			}
			r, err := agreement.CohenKappa(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != agreement.Cohen || r.Coders != 2 || r.N != len(a) {
				t.Errorf("method %s coders %d n %d", r.Method, r.Coders, r.N)
			}
			if !near(r.Observed, tc.po, 1e-9) || !near(r.Expected, tc.pe, 1e-9) || !near(r.Unanimous, tc.unanim, 1e-9) {
				t.Errorf("po %v pe %v unanimous %v, want %v %v %v", r.Observed, r.Expected, r.Unanimous, tc.po, tc.pe, tc.unanim)
			}
			if r.Defined != tc.defined || tc.defined && !near(r.Kappa, tc.kappa, 1e-4) {
				t.Errorf("kappa %v (defined %v), want %v (defined %v)", r.Kappa, r.Defined, tc.kappa, tc.defined)
			}
			// Compute chooses Cohen's for two coders and gives the same.
			items := make([][]string, len(a))
			for i := range a {
				items[i] = []string{a[i], b[i]}
			}
			c, err := agreement.Compute(items)
			if err != nil || c != r {
				t.Errorf("Compute = %+v, %v; want %+v", c, err, r)
			}
		})
	}
}

// wikipediaFleiss is the worked example of Wikipedia's "Fleiss' kappa" article (section "Worked
// example", retrieved 2026; after Fleiss 1971): 14 raters put 10 subjects into 5 categories.
// P̄ = 0.378, P̄ₑ = 0.213, κ = 0.210.
var wikipediaFleiss = [][]int{
	{0, 0, 0, 0, 14},
	{0, 2, 6, 4, 2},
	{0, 0, 3, 5, 6},
	{0, 3, 9, 2, 0},
	{2, 2, 8, 1, 1},
	{7, 7, 0, 0, 0},
	{3, 2, 6, 3, 0},
	{2, 5, 3, 2, 2},
	{6, 5, 2, 1, 0},
	{0, 2, 2, 3, 7},
}

func TestFleissKappa(t *testing.T) {
	tests := []struct {
		name                  string
		counts                [][]int
		pbar, pe, kappa, unan float64
		defined               bool
		tol                   float64
	}{
		{"Wikipedia worked example", wikipediaFleiss, 0.378, 0.213, 0.210, 0.1, true, 1e-3},
		{
			// Hand-computed: three coders, four notes, categories S/D/N.
			// Note 1: S S S → P₁ = 1; note 2: S S D → P₂ = (2·1)/(3·2) = 1/3; note 3: D D D → 1;
			// note 4: N D N → 1/3. P̄ = (1 + 1/3 + 1 + 1/3)/4 = 2/3.
			// Totals S 5, D 5, N 2 of 12 → P̄ₑ = (25 + 25 + 4)/144 = 54/144 = 0.375.
			// κ = (2/3 − 0.375)/(0.625) = 0.46667. Unanimous on 2 of 4 notes.
			"hand-computed three coders",
			[][]int{{3, 0, 0}, {2, 1, 0}, {0, 3, 0}, {0, 1, 2}},
			2.0 / 3, 0.375, 0.4666667, 0.5, true, 1e-6,
		},
		{"one category only", [][]int{{3, 0}, {3, 0}}, 1, 1, 0, 1, false, 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := agreement.FleissKappa(tc.counts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != agreement.Fleiss || r.N != len(tc.counts) {
				t.Errorf("method %s n %d", r.Method, r.N)
			}
			if !near(r.Observed, tc.pbar, tc.tol) || !near(r.Expected, tc.pe, tc.tol) || !near(r.Unanimous, tc.unan, 1e-9) {
				t.Errorf("P̄ %v P̄e %v unanimous %v, want %v %v %v", r.Observed, r.Expected, r.Unanimous, tc.pbar, tc.pe, tc.unan)
			}
			if r.Defined != tc.defined || tc.defined && !near(r.Kappa, tc.kappa, tc.tol) {
				t.Errorf("kappa %v (defined %v), want %v (defined %v)", r.Kappa, r.Defined, tc.kappa, tc.defined)
			}
		})
	}
}

// Compute with three coders builds Fleiss' counts from the codings: the hand-computed example
// above, written as each coder's category.
func TestComputeFleissFromCodings(t *testing.T) {
	items := [][]string{{"S", "S", "S"}, {"S", "D", "S"}, {"D", "D", "D"}, {"N", "D", "N"}}
	r, err := agreement.Compute(items)
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != agreement.Fleiss || r.Coders != 3 || !r.Defined || !near(r.Kappa, 0.4666667, 1e-6) {
		t.Errorf("got %+v", r)
	}
	if _, err := agreement.Compute([][]string{{"S", "S"}, {"S"}}); err == nil || !strings.Contains(err.Error(), "same number") {
		t.Errorf("ragged items: %v", err)
	}
	if r, err := agreement.Compute(nil); err != nil || r.N != 0 || r.Defined {
		t.Errorf("no items: %+v %v", r, err)
	}
}
