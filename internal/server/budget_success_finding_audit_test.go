package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/recommendation"
)

// auditJSON checks that the newest entry of action on object has before and after equal (as
// JSON) to want (nil: the column is NULL).
func auditJSON(t *testing.T, e *env, action, object string, before, after any) {
	t.Helper()
	var b, a []byte
	if err := e.db.Super.QueryRow(context.Background(), `SELECT before, after FROM audit_log
		WHERE action = $1 AND object_id = $2 ORDER BY id DESC LIMIT 1`, action, object).Scan(&b, &a); err != nil {
		t.Fatalf("%s of %s: %v", action, object, err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{{"before", b, before}, {"after", a, after}} {
		got := c.got.([]byte)
		if c.want == nil {
			if got != nil {
				t.Errorf("%s %s: %s, want none", action, c.name, got)
			}
			continue
		}
		w, err := json.Marshal(c.want)
		if err != nil {
			t.Fatal(err)
		}
		var gv, wv any
		if err := json.Unmarshal(got, &gv); err != nil {
			t.Fatalf("%s %s: %s: %v", action, c.name, got, err)
		}
		if err := json.Unmarshal(w, &wv); err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(gv)
		wj, _ := json.Marshal(wv)
		if string(gj) != string(wj) {
			t.Errorf("%s %s:\n got  %s\n want %s", action, c.name, gj, wj)
		}
	}
}

// synGet reads a finding as the pages do.
func synGet(t *testing.T, e *env, d synDemo, id string) finding.Finding {
	t.Helper()
	var f finding.Finding
	if err := db.InTx(context.Background(), e.db.Owner, db.Scope{TenantID: d.tenantID}, func(tx pgx.Tx) (err error) {
		f, err = finding.Get(context.Background(), tx, d.tenantID, d.reviewID, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFindingCommandsAuditAsBefore: the synthesis's commands, each writing its audit entry in
// the statement that makes its change, record what they recorded with audit.Change: the finding
// as read back after it was written (or before it was deleted), positions, the scale in its
// order, the recommendation as read back.
func TestFindingCommandsAuditAsBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	ctx := context.Background()

	// Added: the finding as read back.
	form := lead.get(d.path("synthesis", d.actionAreaID, "findings", "new"))
	key := synKeyRE.FindStringSubmatch(form.Body)[1]
	r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {key},
		"body": {"  In {areas}, parents valued the groups. "}, "style": {"count"}, "word-override": {"many"}, "override-reason": {"Reads better"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", r.Status, r.Body)
	}
	var id string
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text FROM findings WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	auditJSON(t, e, "finding.created", id, nil, finding.Audit(synGet(t, e, d, id)))
	first := d.create(t, e, lead, "Another finding.")

	// Linked: the stance and the notes as sent.
	if r := lead.post(d.path("findings", id, "notes"), url.Values{"note": d.notes[:4], "stance": {"supports"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "finding.notes_linked", id, nil, map[string]any{"stance": "supports", "notes": d.notes[:4]})
	if f := synGet(t, e, d, id); f.ConfirmedAreas != 4 || f.Areas != 4 {
		t.Fatalf("after the first links: %d areas, %d confirmed, want 4 and 4", f.Areas, f.ConfirmedAreas)
	}

	// Confirmed: the areas before and after, with the words.
	if _, err := e.db.Super.Exec(ctx, `DELETE FROM evidence_note_action_areas WHERE note_id = $1 AND action_area_id = $2`,
		d.notes[0], d.actionAreaID); err != nil {
		t.Fatal(err)
	}
	cur := synGet(t, e, d, id)
	if r := lead.post(d.path("findings", id, "confirm"), url.Values{"version": {strconv.Itoa(cur.Version)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "finding.confirmed", id, map[string]int{"confirmed_areas": 4},
		map[string]any{"confirmed_areas": 3, "words": cur.Phrase()})

	// Moved: the positions.
	before := synGet(t, e, d, first).Position
	if r := lead.post(d.path("findings", first, "move"), url.Values{"dir": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "finding.moved", first, map[string]int{"position": before},
		map[string]int{"position": synGet(t, e, d, first).Position})

	// The scale: before and after in the scale's order.
	bands := func() []map[string]any {
		var s finding.Scale
		if err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: d.tenantID}, func(tx pgx.Tx) (err error) {
			s, err = finding.LoadScale(ctx, tx, d.tenantID, d.reviewID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		out := []map[string]any{}
		for _, b := range s {
			out = append(out, map[string]any{"label": b.Label, "special": b.Special, "min_percent": b.MinPercent, "min_areas": b.MinAreas})
		}
		return out
	}
	was := bands()
	scale := scaleForm(t, lead.get(d.path("synthesis", "scale")).Body)
	for k, vs := range scale {
		// "most" moves below "the majority of": the order after is the new one.
		if strings.HasSuffix(k, "-label") && vs[0] == "most" {
			scale.Set(k, "a clear majority of")
			scale.Set(strings.TrimSuffix(k, "-label")+"-percent", "40")
		}
		if strings.HasSuffix(k, "-label") && vs[0] == "some" {
			scale.Set(strings.TrimSuffix(k, "-label")+"-percent", "0")
		}
	}
	if r := lead.post(d.path("synthesis", "scale"), scale); r.Status != http.StatusSeeOther {
		t.Fatalf("scale: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "quantifier_scale.updated", d.reviewID, was, bands())

	// Deleted: the finding as it was.
	gone := synGet(t, e, d, id)
	if r := lead.post(d.path("findings", id, "delete"), url.Values{"confirm": {"yes"}, "version": {strconv.Itoa(gone.Version)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "finding.deleted", id, finding.Audit(gone), nil)
}

// TestRecommendationCommandsAuditAsBefore: the recommendation as read back after it was added
// or changed, before it was deleted, and the numbers of a move.
func TestRecommendationCommandsAuditAsBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
	f2 := f.finding(t, "Data systems were separate.", "pr-f2")
	lead := e.signedIn("lead@demo.test")
	ctx := context.Background()
	get := func(id string) recommendation.Recommendation {
		var rec recommendation.Recommendation
		if err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) (err error) {
			rec, err = recommendation.Get(ctx, tx, f.tenantID, f.reviewID, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	// The findings sent in the other order than the report's.
	one := recOf(t, f, lead, "au-r1", "  Central government fund hubs.  ", f2, f1)
	auditJSON(t, e, "recommendation.created", one, nil, recommendation.Audit(get(one)))
	two := recOf(t, f, lead, "au-r2", "Ministers share data.")
	auditJSON(t, e, "recommendation.created", two, nil, recommendation.Audit(get(two)))

	was := get(one)
	r := lead.post(f.path("recommendations", one), url.Values{"version": {"1"}, "body": {"Fund the hubs."},
		"addressee": {"local areas"}, "findings": {f1, f2, f1}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", r.Status, r.Body)
	}
	now := get(one)
	if now.Addressee != "Local areas" {
		t.Errorf("addressee %q, want the list's spelling", now.Addressee)
	}
	auditJSON(t, e, "recommendation.updated", one, recommendation.Audit(was), recommendation.Audit(now))

	if r := lead.post(f.path("recommendations", two, "move"), url.Values{"dir": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "recommendation.moved", two, map[string]int{"number": now.Number + 1}, map[string]int{"number": now.Number})

	// An addressee typed under "Someone else" joins the end of the list, recorded as before.
	three := recOf3(t, f, lead)
	var addID string
	var pos int
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text, position FROM review_addressees WHERE review_id = $1 AND name = $2`,
		f.reviewID, "The Department for Education").Scan(&addID, &pos); err != nil {
		t.Fatal(err)
	}
	if get(three).Addressee != "The Department for Education" {
		t.Errorf("typed addressee: %q", get(three).Addressee)
	}
	auditJSON(t, e, "vocabulary.added", addID, nil, map[string]any{"list": "addressees", "name": "The Department for Education", "position": pos})
	if n := f.count(t, `SELECT max(position) FROM review_addressees WHERE review_id = $1`, f.reviewID); n != pos {
		t.Errorf("the typed addressee is at %d, not last (%d)", pos, n)
	}

	was = get(one)
	if r := lead.post(f.path("recommendations", one, "delete"), url.Values{"version": {"2"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	auditJSON(t, e, "recommendation.deleted", one, recommendation.Audit(was), nil)
}

// recOf3 adds a recommendation for an addressee typed under "Someone else".
func recOf3(t *testing.T, f *prFixture, c *client) string {
	t.Helper()
	r := c.post(f.path("recommendations"), url.Values{"idempotency_key": {"au-r3"}, "body": {"Share the data."},
		"addressee": {"other"}, "addressee_other": {"  The  Department for Education "}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create for someone new: %d\n%s", r.Status, r.Body)
	}
	var id string
	if err := f.e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM recommendations WHERE idempotency_key = 'au-r3'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
