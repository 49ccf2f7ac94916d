package archive_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/demo"
	"thematic/internal/visit"
)

// TestACopyInTheSameTenantKeepsItsVisitTeams: the people of the original were on site on those
// days, so the copy's days would clash with them; they are imported as the copy's own record and
// kept, every one. Editing a visit of the copy through the form plans its days again: they meet the
// normal checks, and clash with the original's.
func TestACopyInTheSameTenantKeepsItsVisitTeams(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var member string // someone on a team of the original
	if err := w.super.QueryRow(w.ctx, `SELECT d.user_id::text FROM visit_days d JOIN visits v ON v.id = d.visit_id
		WHERE v.review_id = $1 ORDER BY d.day LIMIT 1`, w.review).Scan(&member); err != nil {
		t.Fatal(err)
	}
	mine := func() int {
		t.Helper()
		var n int
		w.tx(w.tenant, func(tx pgx.Tx) error {
			vs, err := visit.ForUser(w.ctx, tx, w.tenant, member)
			n = len(vs)
			return err
		})
		return n
	}
	before := mine()
	res, err := w.importInto(w.tenant, w.export(w.tenant, w.review), "Copy in the same tenant")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.TeamDaysSkipped != 0 {
		t.Errorf("%d team days skipped", res.TeamDaysSkipped)
	}
	teams := func(reviewID string) (days, imported int, list string) {
		t.Helper()
		if err := w.super.QueryRow(w.ctx, `SELECT count(*), count(*) FILTER (WHERE d.imported),
				coalesce(string_agg(u.email || ' ' || d.day || ' ' || ra.ons_code || ' ' || v.start_date, ', ' ORDER BY u.email, d.day), '')
			FROM visit_days d JOIN visits v ON v.tenant_id = d.tenant_id AND v.id = d.visit_id
			JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
			JOIN users u ON u.id = d.user_id WHERE v.review_id = $1`, reviewID).Scan(&days, &imported, &list); err != nil {
			t.Fatal(err)
		}
		return days, imported, list
	}
	origDays, origImported, origList := teams(w.review)
	copyDays, copyImported, copyList := teams(res.ReviewID)
	if origDays == 0 || origImported != 0 {
		t.Fatalf("original: %d days, %d imported", origDays, origImported)
	}
	if copyDays != origDays || copyImported != copyDays || copyList != origList {
		t.Fatalf("copy: %d days (%d imported), original %d\ncopy:     %.300s\noriginal: %.300s", copyDays, copyImported, origDays, copyList, origList)
	}

	// A person's own visits (and calendar feed) show the original's visits, not the copy's record.
	if after := mine(); before == 0 || after != before {
		t.Errorf("a team member's visits: %d before the import, %d after", before, after)
	}

	// The original's visits can still be changed: the copy's days are no clash.
	var origVisit, copyVisit string
	if err := w.super.QueryRow(w.ctx, `SELECT (SELECT visit_id::text FROM visit_days d JOIN visits v ON v.id = d.visit_id WHERE v.review_id = $1
			ORDER BY v.start_date, v.id LIMIT 1), (SELECT visit_id::text FROM visit_days d JOIN visits v ON v.id = d.visit_id WHERE v.review_id = $2
			ORDER BY v.start_date, v.id LIMIT 1)`, w.review, res.ReviewID).Scan(&origVisit, &copyVisit); err != nil {
		t.Fatal(err)
	}
	resave := func(reviewID, visitID string, team bool) error {
		var err error
		w.tx(w.tenant, func(tx pgx.Tx) error {
			v, gerr := visit.Get(w.ctx, tx, w.tenant, reviewID, visitID)
			if gerr != nil {
				return gerr
			}
			p := visit.Plan{AreaID: v.AreaID, Start: v.Start, Days: v.Days, Notes: v.Notes + " (checked)", Team: map[string][]time.Time{}}
			if team {
				for _, m := range v.Team {
					p.Team[m.MemberID] = m.Days
				}
			}
			_, _, err = visit.Update(w.ctx, tx, w.tenant, reviewID, visitID, v.Version, p)
			return nil
		})
		return err
	}
	if err := resave(w.review, origVisit, true); err != nil {
		t.Fatalf("the original's visit, saved again with its team: %v", err)
	}
	// The copy's visit saved with the same team plans those days: the people are on site in the
	// original on those days, so the form refuses it and names the original.
	err = resave(res.ReviewID, copyVisit, true)
	var refused *visit.Refused
	if !errors.As(err, &refused) || !strings.Contains(refused.Error(), "is on site at Northumberland for "+demo.ReviewTitle) {
		t.Fatalf("the copy's visit saved with the original's team: %v", err)
	}
	// Without its team it saves; the days it had are gone, the other visits' stay imported.
	if err := resave(res.ReviewID, copyVisit, false); err != nil {
		t.Fatalf("the copy's visit saved without a team: %v", err)
	}
	if d, imp, _ := teams(res.ReviewID); d == 0 || d != imp || d >= copyDays {
		t.Errorf("after the edit the copy has %d days, %d imported (before %d)", d, imp, copyDays)
	}
}
