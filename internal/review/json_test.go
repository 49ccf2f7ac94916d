package review_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/review"
)

// TestFrameworkTitledAndJSONMatchTheRowReads checks the one-statement reads of the framework and
// the lines of enquiry against LoadFramework and LoadEnquiry, for the demo review (groups, areas,
// lines) and for a blank review (none).
func TestFrameworkTitledAndJSONMatchTheRowReads(t *testing.T) {
	t.Parallel()
	s := newFwStore(t)
	ctx := context.Background()
	var demoReview string
	if err := s.d.Super.QueryRow(ctx, `SELECT r.id FROM reviews r JOIN framework_groups g ON g.review_id = r.id
		WHERE r.tenant_id = $1 LIMIT 1`, s.tenantID).Scan(&demoReview); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{demoReview, s.reviewID} {
		s.tx(func(tx pgx.Tx) error {
			rv, err := review.Get(ctx, tx, s.tenantID, id)
			if err != nil {
				return err
			}
			fw, err := review.LoadFramework(ctx, tx, s.tenantID, id)
			if err != nil {
				return err
			}
			enq, err := review.LoadEnquiry(ctx, tx, s.tenantID, id)
			if err != nil {
				return err
			}
			title, got, err := review.LoadFrameworkTitled(ctx, tx, s.tenantID, id)
			if err != nil {
				return err
			}
			if title != rv.Title || !reflect.DeepEqual(got, fw) {
				t.Errorf("review %s: %q %+v, want %q %+v", id, title, got, rv.Title, fw)
			}
			var gotEnq review.Enquiry
			if err := tx.QueryRow(ctx, `SELECT `+review.EnquiryJSON("$1", "$2"), s.tenantID, id).Scan(&gotEnq); err != nil {
				return err
			}
			if !reflect.DeepEqual(gotEnq, enq) {
				t.Errorf("review %s: enquiry %+v, want %+v", id, gotEnq, enq)
			}
			if id == demoReview && (len(fw.Groups) == 0 || fw.AreaCount() == 0 || len(enq.Groups) == 0) {
				t.Errorf("the demo review has no framework or lines: %+v %+v", fw, enq)
			}
			return nil
		})
	}
}
