// Package agreement computes how far coders agree when they code the same items into categories:
// Cohen's kappa for two coders, Fleiss' kappa for more, with the share of items on which every
// coder agreed beside it. It is pure arithmetic: no database, no review.
package agreement

import (
	"errors"
	"slices"
)

// Method names the statistic used.
type Method string

const (
	Cohen  Method = "Cohen"
	Fleiss Method = "Fleiss"
)

// Result is the agreement of the coders over the items.
type Result struct {
	Method Method
	N      int // items coded by every coder
	Coders int
	// Observed is the observed agreement: for two coders the share of items they coded alike
	// (Cohen's pₒ); for more, the mean share of agreeing pairs of coders per item (Fleiss' P̄).
	Observed float64
	// Expected is the agreement expected by chance from the coders' use of the categories
	// (Cohen's pₑ, Fleiss' P̄ₑ).
	Expected float64
	// Kappa is (Observed − Expected) / (1 − Expected). It is defined only when Expected < 1:
	// when every coding falls in one category, chance explains all agreement and kappa is not a
	// number.
	Kappa   float64
	Defined bool
	// Unanimous is the share of items on which every coder chose the same category: the
	// "percentage agreement" shown beside kappa (equal to Observed for two coders).
	Unanimous float64
}

// ErrShape is returned for items that do not all carry the same number (at least two) of codings.
var ErrShape = errors.New("agreement: every item needs the same number of codings, at least two")

// Compute measures agreement over items, each the categories its coders chose (in the same coder
// order for every item, though only Cohen's kappa depends on the order). Two coders give Cohen's
// kappa, more give Fleiss'. No items give a Result with N 0 and Defined false.
func Compute(items [][]string) (Result, error) {
	if len(items) == 0 {
		return Result{}, nil
	}
	k := len(items[0])
	for _, it := range items {
		if len(it) != k || k < 2 {
			return Result{}, ErrShape
		}
	}
	if k == 2 {
		a, b := make([]string, len(items)), make([]string, len(items))
		for i, it := range items {
			a[i], b[i] = it[0], it[1]
		}
		return CohenKappa(a, b)
	}
	var cats []string
	for _, it := range items {
		for _, c := range it {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	counts := make([][]int, len(items))
	for i, it := range items {
		counts[i] = make([]int, len(cats))
		for _, c := range it {
			counts[i][slices.Index(cats, c)]++
		}
	}
	return FleissKappa(counts)
}

// CohenKappa is Cohen's kappa of two coders, a[i] and b[i] being their codings of item i.
func CohenKappa(a, b []string) (Result, error) {
	if len(a) != len(b) {
		return Result{}, ErrShape
	}
	r := Result{Method: Cohen, N: len(a), Coders: 2}
	if r.N == 0 {
		return r, nil
	}
	ca, cb := map[string]int{}, map[string]int{}
	agree := 0
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	n := float64(r.N)
	r.Observed = float64(agree) / n
	r.Unanimous = r.Observed
	for c, x := range ca {
		r.Expected += float64(x) / n * float64(cb[c]) / n
	}
	r.finish()
	return r, nil
}

// FleissKappa is Fleiss' kappa from counts[i][j], the number of coders who put item i in
// category j; every item must have the same number of coders, at least two.
func FleissKappa(counts [][]int) (Result, error) {
	r := Result{Method: Fleiss, N: len(counts)}
	if r.N == 0 {
		return r, nil
	}
	raters := -1
	var totals []float64
	unanimous := 0
	for _, row := range counts {
		sum := 0
		for _, x := range row {
			if x < 0 {
				return Result{}, ErrShape
			}
			sum += x
		}
		if raters == -1 {
			raters = sum
		}
		if sum != raters || sum < 2 {
			return Result{}, ErrShape
		}
		if len(totals) < len(row) {
			totals = append(totals, make([]float64, len(row)-len(totals))...)
		}
		pairs := 0
		for j, x := range row {
			totals[j] += float64(x)
			pairs += x * (x - 1)
			if x == sum {
				unanimous++
			}
		}
		r.Observed += float64(pairs) / float64(sum*(sum-1))
	}
	r.Coders = raters
	n := float64(r.N)
	r.Observed /= n
	r.Unanimous = float64(unanimous) / n
	for _, t := range totals {
		p := t / (n * float64(raters))
		r.Expected += p * p
	}
	r.finish()
	return r, nil
}

// finish computes kappa from the observed and expected agreement, when it is defined.
func (r *Result) finish() {
	// Expected agreement of 1 (up to rounding) means every coding fell in one category.
	if r.Expected > 1-1e-12 {
		r.Expected = 1
		return
	}
	r.Defined = true
	r.Kappa = (r.Observed - r.Expected) / (1 - r.Expected)
}
