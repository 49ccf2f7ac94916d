package finding_test

import (
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/finding"
)

// TestGetNumberedFollowsTheOrder checks that a finding's number is its place among its action
// area's findings as List orders them (moves included), and that it is read as Get reads it.
func TestGetNumberedFollowsTheOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "numbered")
	a, b, c := w.create("A", "ka"), w.create("B", "kb"), w.create("C", "kc")
	w.must(w.link(a, finding.Supports, "a1n0"))
	w.must(w.tx(func(tx pgx.Tx) error { return finding.Move(w.ctx, tx, w.tenant, w.review, c, -1) })) // A C B
	for id, want := range map[string]int{a: 1, c: 2, b: 3} {
		var f finding.Finding
		var n int
		var scale finding.Scale
		var g finding.Finding
		w.must(w.tx(func(tx pgx.Tx) (err error) {
			if f, n, err = finding.GetNumbered(w.ctx, tx, w.tenant, w.review, id); err != nil {
				return err
			}
			g, scale, err = finding.GetScaled(w.ctx, tx, w.tenant, w.review, id)
			return err
		}))
		if n != want || !reflect.DeepEqual(f, w.get(id)) || !reflect.DeepEqual(g, f) || len(scale) == 0 {
			t.Errorf("finding %s: number %d, want %d; %+v", f.Body, n, want, f)
		}
	}
	err := w.tx(func(tx pgx.Tx) error {
		_, _, err := finding.GetNumbered(w.ctx, tx, w.tenant, w.review, "00000000-0000-0000-0000-000000000000")
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("unknown finding: %v", err)
	}
}
