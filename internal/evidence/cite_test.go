package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db/dbtest"
	"thematic/internal/document"
	"thematic/internal/evidence"
)

// citeFixture is a review with two areas (the visit's and another), a second review, and
// documents: two available in the visit's area, one of the other area, one of the other review,
// one deleted and one still waiting for its scan.
type citeFixture struct {
	*fixture
	r, other                                        rev
	areaName                                        string
	docA, docA2, docB, docOther, docDel, docPending string
}

func newCiteFixture(t *testing.T, slug string) *citeFixture {
	t.Helper()
	f := &citeFixture{fixture: newFixture(t, dbtest.New(t), slug)}
	f.r = f.review("Start for Life", "E06000057")
	f.other = f.review("Another review", "E06000057")
	ctx := context.Background()
	up := func(tx pgx.Tx, reviewID, areaID, key string) string {
		id, _, err := document.Create(ctx, tx, f.tenant, reviewID, areaID, f.author, document.Upload{Title: "Doc " + key,
			Filename: key + ".csv", ContentType: document.TypeCSV, Content: []byte("a,b\n1,2\n"), Key: key})
		f.must(err)
		return id
	}
	f.must(f.tx(func(tx pgx.Tx) error {
		var areaA, areaB, areaOther string
		err := tx.QueryRow(ctx, `SELECT v.area_id::text, la.display_name FROM visits v
			JOIN review_areas ra ON ra.tenant_id = v.tenant_id AND ra.id = v.area_id
			JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE v.tenant_id = $1 AND v.id = $2`,
			f.tenant, f.r.visit).Scan(&areaA, &f.areaName)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`,
			f.tenant, f.r.id).Scan(&areaB); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT area_id::text FROM visits WHERE tenant_id = $1 AND id = $2`, f.tenant, f.other.visit).Scan(&areaOther); err != nil {
			return err
		}
		f.docA, f.docA2 = up(tx, f.r.id, areaA, "a"), up(tx, f.r.id, areaA, "a2")
		f.docB, f.docOther = up(tx, f.r.id, areaB, "b"), up(tx, f.other.id, areaOther, "other")
		f.docDel, f.docPending = up(tx, f.r.id, areaA, "del"), up(tx, f.r.id, areaA, "pending")
		if err := document.Delete(ctx, tx, f.tenant, f.r.id, areaA, f.docDel, f.author); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE area_documents SET scan_status = 'pending' WHERE tenant_id = $1 AND id = $2`, f.tenant, f.docPending)
		return err
	}))
	return f
}

func sortedIDs(ids ...string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return fmt.Sprint(s)
}

func TestNoteCitesDocuments(t *testing.T) {
	t.Parallel()
	f := newCiteFixture(t, "cite")
	ctx := context.Background()
	in := f.r.input("cite-1", "The hub's leaflet lists every session.")
	in.Documents = []string{strings.ToUpper(f.docA), f.docA} // the same twice, whatever its case
	id, created, err := f.create(f.r, in)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	n, err := f.get(f.r, id, false)
	f.must(err)
	if fmt.Sprint(n.Documents) != fmt.Sprint([]string{f.docA}) {
		t.Errorf("cited %v, want [%s]", n.Documents, f.docA)
	}
	var after string
	f.must(f.d.Super.QueryRow(ctx, `SELECT after::text FROM audit_log WHERE tenant_id = $1 AND object_id = $2 AND action = 'evidence.created'`,
		f.tenant, id).Scan(&after))
	if !strings.Contains(after, `"documents": ["`+f.docA+`"]`) {
		t.Errorf("audit after %s names no cited document", after)
	}

	// Update changes the links (set-wise), the audit keeps before and after, the history says so.
	upd := f.r.input("", n.Body)
	upd.Documents = []string{f.docA2, f.docA}
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, f.r.id, id, f.author, 1, upd)
		return err
	}))
	n, err = f.get(f.r, id, false)
	f.must(err)
	if fmt.Sprint(n.Documents) != sortedIDs(f.docA, f.docA2) || n.Version != 2 {
		t.Errorf("after update cited %v version %d", n.Documents, n.Version)
	}
	var before string
	f.must(f.d.Super.QueryRow(ctx, `SELECT before::text, after::text FROM audit_log WHERE tenant_id = $1 AND object_id = $2
		AND action = 'evidence.updated'`, f.tenant, id).Scan(&before, &after))
	if !strings.Contains(before, `"documents": ["`+f.docA+`"]`) || !strings.Contains(after, f.docA2) || strings.Contains(before, `"body"`) {
		t.Errorf("update audit before %s after %s", before, after)
	}
	var h []evidence.Change
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		h, err = evidence.History(ctx, tx, f.tenant, id)
		return err
	}))
	if len(h) != 2 || fmt.Sprint(h[1].Fields) != "[documents]" {
		t.Errorf("history %+v", h)
	}

	// A stale version is still refused, links untouched.
	upd.Documents = nil
	err = f.tx(func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, f.r.id, id, f.author, 1, upd)
		return err
	})
	var stale *evidence.StaleError
	if !errors.As(err, &stale) {
		t.Fatalf("stale update: %v", err)
	}
	// Uncited: no links left.
	f.must(f.tx(func(tx pgx.Tx) error {
		_, err := evidence.Update(ctx, tx, f.tenant, f.r.id, id, f.author, 2, upd)
		return err
	}))
	if n, _ = f.get(f.r, id, false); len(n.Documents) != 0 {
		t.Errorf("after uncite cited %v", n.Documents)
	}
}

func TestNoteRefusesForeignDocuments(t *testing.T) {
	t.Parallel()
	f := newCiteFixture(t, "cite-refuse")
	ctx := context.Background()
	id, _, err := f.create(f.r, f.r.input("base", "Cites the leaflet."))
	f.must(err)
	want := "Choose documents sent by " + f.areaName
	for name, doc := range map[string]string{"another area's": f.docB, "another review's": f.docOther,
		"a deleted": f.docDel, "an unscanned": f.docPending, "a made-up": "not-a-document"} {
		in := f.r.input("refuse-"+name, "Cites "+name+" document.")
		in.Documents = []string{f.docA, doc}
		_, _, err := f.create(f.r, in)
		var refused *evidence.Refused
		if !errors.As(err, &refused) || refused.Errors.Get("documents") != want || !apperr.Is(err, apperr.CodeInvalid) {
			t.Errorf("create citing %s document: %v", name, err)
		}
		upd := f.r.input("", "Cites the leaflet.")
		upd.Documents = []string{doc}
		err = f.tx(func(tx pgx.Tx) error {
			_, err := evidence.Update(ctx, tx, f.tenant, f.r.id, id, f.author, 1, upd)
			return err
		})
		if !errors.As(err, &refused) || refused.Errors.Get("documents") != want {
			t.Errorf("update citing %s document: %v", name, err)
		}
	}
	var notes, links int
	f.must(f.d.Super.QueryRow(ctx, `SELECT (SELECT count(*) FROM evidence_notes WHERE tenant_id = $1),
		(SELECT count(*) FROM evidence_note_documents WHERE tenant_id = $1)`, f.tenant).Scan(&notes, &links))
	if notes != 1 || links != 0 {
		t.Errorf("stored %d notes and %d links after refusals, want 1 and 0", notes, links)
	}
}

// The evidence base filters on a cited document, and the count of citing notes agrees with it:
// deleted notes and safeguarding concerns are never counted.
func TestDocumentFilterAndCitingCounts(t *testing.T) {
	t.Parallel()
	f := newCiteFixture(t, "cite-count")
	ctx := context.Background()
	cite := func(key string, docs []string, concern bool) string {
		in := f.r.input(key, "Note "+key+".")
		in.Documents, in.Safeguarding = docs, concern
		id, _, err := f.create(f.r, in)
		f.must(err)
		return id
	}
	one := cite("one", []string{f.docA}, false)
	two := cite("two", []string{f.docA, f.docA2}, false)
	cite("concern", []string{f.docA}, true)
	gone := cite("gone", []string{f.docA2}, false)
	cite("none", nil, false)
	f.must(f.tx(func(tx pgx.Tx) error {
		return evidence.SoftDelete(ctx, tx, f.tenant, f.r.id, gone, f.author)
	}))
	var p evidence.Page
	var counts map[string]int
	f.must(f.tx(func(tx pgx.Tx) error {
		filter, errs := evidence.ParseFilter(map[string][]string{"document": {f.docA}})
		if errs.Any() {
			return fmt.Errorf("filter: %v", errs.List())
		}
		var err error
		if p, err = evidence.List(ctx, tx, f.tenant, f.r.id, filter); err != nil {
			return err
		}
		var area string
		if err := tx.QueryRow(ctx, `SELECT area_id::text FROM visits WHERE tenant_id = $1 AND id = $2`, f.tenant, f.r.visit).Scan(&area); err != nil {
			return err
		}
		counts, err = document.CitingCounts(ctx, tx, f.tenant, f.r.id, area)
		return err
	}))
	var ids []string
	for _, r := range p.Rows {
		ids = append(ids, r.ID)
	}
	if sortedIDs(ids...) != sortedIDs(one, two) {
		t.Errorf("document filter lists %v, want %v", ids, []string{one, two})
	}
	if counts[f.docA] != 2 || counts[f.docA2] != 1 || len(counts) != 2 {
		t.Errorf("citing counts %v", counts)
	}
	if _, errs := evidence.ParseFilter(map[string][]string{"document": {"nope"}}); errs.Get("document") == "" {
		t.Error("a bad document id is not refused by the filter")
	}
}
