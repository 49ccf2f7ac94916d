package visit_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/visit"
)

// TestOneStatementReadsMatchTheLists checks that the one-statement reads give what the separate
// reads give: GetWithReview the visit as List reads it (team and days included) with the review
// as GetReview reads it, FormLists the review, Areas and EligibleMembers.
func TestOneStatementReadsMatchTheLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.review("Start for Life review")
	sunderland := w.area(r, "E08000024")
	w.area(r, "E06000027")
	ira := w.member(r, "inspector@visits.test", auth.ReviewInspector, "")
	cass := w.member(r, "cqc.inspector@visits.test", auth.ReviewInspector, "")
	w.member(r, "observer@visits.test", auth.ReviewObserver, "")
	id, err := w.create(r, visit.Plan{AreaID: sunderland, Start: day(2023, 8, 10), Days: 2, Notes: "Family hub first",
		Team: map[string][]time.Time{ira: {day(2023, 8, 10), day(2023, 8, 11)}, cass: {day(2023, 8, 11)}}})
	w.must(err)
	w.must(w.tx(func(tx pgx.Tx) error {
		all, err := visit.List(ctx, tx, w.tenant, r, "")
		if err != nil {
			return err
		}
		wantRv, err := visit.GetReview(ctx, tx, w.tenant, r)
		if err != nil {
			return err
		}
		rv, v, err := visit.GetWithReview(ctx, tx, w.tenant, r, id)
		if err != nil {
			return err
		}
		if len(all) != 1 || len(v.Team) != 2 || !reflect.DeepEqual(v, all[0]) || !reflect.DeepEqual(rv, wantRv) {
			t.Errorf("get with review:\n%+v %+v\nwant\n%+v %+v", rv, v, wantRv, all)
		}
		if _, _, err := visit.GetWithReview(ctx, tx, w.tenant, r, "00000000-0000-0000-0000-000000000000"); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("unknown visit: %v", err)
		}
		areas, err := visit.Areas(ctx, tx, w.tenant, r)
		if err != nil {
			return err
		}
		eligible, err := visit.EligibleMembers(ctx, tx, w.tenant, r)
		if err != nil {
			return err
		}
		o, err := visit.FormLists(ctx, tx, w.tenant, r)
		if err != nil {
			return err
		}
		frv, fareas, feligible := o.Review, o.Areas, o.Eligible
		if len(fareas) != 2 || len(feligible) != 3 || !reflect.DeepEqual(frv, wantRv) || !reflect.DeepEqual(fareas, areas) ||
			!reflect.DeepEqual(feligible, eligible) {
			t.Errorf("form lists:\n%+v %+v %+v\nwant\n%+v %+v %+v", frv, fareas, feligible, wantRv, areas, eligible)
		}
		return nil
	}))
}
