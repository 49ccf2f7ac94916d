package finding_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/finding"
)

// TestPagePrevalenceEqualsTheWholeList: the pages of one action area or one finding read the
// counts the triggers keep (selectFindingsOf); after every change to the evidence they count what
// the whole review's list counts from the links, and what the evidence says, and the kept counts
// equal a fresh count.
func TestPagePrevalenceEqualsTheWholeList(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "pagecount")
	id := w.create("Parents valued the feeding groups.", "k1")
	other := w.create("Families found the hub.", "k2")
	w.must(w.link(id, finding.Supports, "a0n0", "a0n1", "a1n0", "a2n0", "a2n1"))
	w.must(w.link(id, finding.Contradicts, "a1n1"))
	w.must(w.link(other, finding.Supports, "a0n0", "a1n1"))

	type counts struct {
		areas, supporting, contradicting int
		notes                            []string
	}
	of := func(f finding.Finding) counts {
		return counts{f.Areas, f.Supporting, f.Contradicting, f.NoteIDs}
	}
	check := func(step string, want map[string]int) {
		t.Helper()
		var all, area []finding.Finding
		var one []finding.Finding
		w.must(w.tx(func(tx pgx.Tx) (err error) {
			if all, err = finding.List(w.ctx, tx, w.tenant, w.review, ""); err != nil {
				return err
			}
			counted, err := finding.ListCounted(w.ctx, tx, w.tenant, w.review)
			if err != nil {
				return err
			}
			for i, f := range counted {
				if f.ID != all[i].ID || f.Areas != all[i].Areas || f.Supporting != all[i].Supporting || f.Contradicting != all[i].Contradicting {
					t.Errorf("%s: the overview's list counts %+v, the whole list %+v", step, f, all[i])
				}
			}
			for _, aa := range []string{w.aa1, w.aa2} {
				fs, err := finding.List(w.ctx, tx, w.tenant, w.review, aa)
				if err != nil {
					return err
				}
				area = append(area, fs...)
			}
			for _, f := range all {
				g, err := finding.Get(w.ctx, tx, w.tenant, w.review, f.ID)
				if err != nil {
					return err
				}
				one = append(one, g)
			}
			return nil
		}))
		if len(all) != len(area) || len(all) != len(one) {
			t.Fatalf("%s: %d findings in the list, %d by action area, %d one by one", step, len(all), len(area), len(one))
		}
		byID := func(fs []finding.Finding) map[string]counts {
			m := map[string]counts{}
			for _, f := range fs {
				m[f.ID] = of(f)
			}
			return m
		}
		a, b := byID(area), byID(one)
		for _, f := range all {
			c := of(f)
			if len(c.notes) < c.areas {
				t.Errorf("%s: the whole list counts %d areas from %d notes", step, c.areas, len(c.notes))
			}
			if x := a[f.ID]; x.areas != c.areas || x.supporting != c.supporting || x.contradicting != c.contradicting {
				t.Errorf("%s: action area's page counts %+v, the whole list %+v", step, x, c)
			}
			if x := b[f.ID]; x.areas != c.areas || x.supporting != c.supporting || x.contradicting != c.contradicting {
				t.Errorf("%s: the finding's page counts %+v, the whole list %+v", step, x, c)
			}
			if n, ok := want[f.ID]; ok && c.areas != n {
				t.Errorf("%s: finding %s in %d areas, want %d", step, f.Body, c.areas, n)
			}
		}
		var drift int
		if err := w.d.Super.QueryRow(w.ctx, finding.CountsDrift).Scan(&drift); err != nil {
			t.Fatal(err)
		}
		if drift != 0 {
			t.Errorf("%s: %d kept counts differ from a fresh count", step, drift)
		}
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := w.d.Super.Exec(w.ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	check("linked", map[string]int{id: 3, other: 2})

	// A note made a safeguarding concern drops out, and back when it is no longer one.
	exec(`UPDATE evidence_notes SET safeguarding = true WHERE id = $1`, w.notes["a1n0"])
	check("safeguarding", map[string]int{id: 2, other: 2})
	exec(`UPDATE evidence_notes SET safeguarding = false WHERE id = $1`, w.notes["a1n0"])
	check("no longer safeguarding", map[string]int{id: 3, other: 2})

	// A deleted note: area 2 still has its other note.
	exec(`UPDATE evidence_notes SET deleted_at = now(), deleted_by = $2 WHERE id = $1`, w.notes["a2n0"], w.user)
	check("deleted", map[string]int{id: 3, other: 2})

	// The other note of area 2 moves to the area whose visit is still to come.
	exec(`UPDATE evidence_notes n SET area_id = $2, visit_id = (SELECT v.id FROM visits v WHERE v.area_id = $2)
		WHERE n.id = $1`, w.notes["a2n1"], w.futureArea)
	check("moved to an area not visited", map[string]int{id: 2, other: 2})

	// Untagged from the action area, then a link removed.
	exec(`DELETE FROM evidence_note_action_areas WHERE note_id = $1 AND action_area_id = $2`, w.notes["a1n0"], w.aa1)
	check("untagged", map[string]int{id: 1, other: 2})
	w.must(w.tx(func(tx pgx.Tx) error {
		_, err := finding.Unlink(w.ctx, tx, w.tenant, w.review, other, w.notes["a1n1"])
		return err
	}))
	check("unlinked", map[string]int{id: 1, other: 1})

	// A hard-deleted note takes its links with it.
	exec(`DELETE FROM evidence_notes WHERE id = $1`, w.notes["a0n0"])
	check("note removed", map[string]int{id: 1, other: 0})

	// The finding moves to the other action area, where its notes are not tagged, until one is.
	f := w.get(id)
	w.must(w.tx(func(tx pgx.Tx) error {
		_, _, err := finding.Update(w.ctx, tx, w.tenant, w.review, id, finding.Input{ActionAreaID: w.aa2, Body: f.Body,
			Style: finding.StyleWord, Version: f.Version})
		return err
	}))
	check("finding moved", map[string]int{id: 0, other: 0})
	exec(`INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id) VALUES ($1, $2, $3, $4)`,
		w.tenant, w.notes["a0n1"], w.aa2, w.review)
	check("tagged to the new action area", map[string]int{id: 1, other: 0})
}
