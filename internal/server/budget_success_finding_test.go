package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// synLinked writes a finding through the form and links notes to it with a stance.
func (d synDemo) synLinked(t *testing.T, e *env, c *client, body, stance string, notes []string) string {
	t.Helper()
	id := d.create(t, e, c, body)
	if r := c.post(d.path("findings", id, "notes"), url.Values{"note": notes, "stance": {stance}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", r.Status, r.Body)
	}
	return id
}

// recOf writes a recommendation through the form and returns its id and version.
func recOf(t *testing.T, f *prFixture, c *client, key, body string, findings ...string) string {
	t.Helper()
	r := c.post(f.path("recommendations"), url.Values{"idempotency_key": {key}, "body": {body},
		"addressee": {"Central government"}, "findings": findings})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create recommendation: %d\n%s", r.Status, r.Body)
	}
	var id string
	if err := f.e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM recommendations WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// findingSuccessPaths are the synthesis workspace's forms sent valid (issue 17). On 7 December,
// before each was brought within the budget: moving a finding 13 statements, deleting one 15,
// confirming its words 14, linking its first notes 12 (notes against it 11), adding one 15, the
// scale 19, a change answered with the conflict page 11; a recommendation added 16 (for an
// addressee typed under "Someone else" 24), changed 16, deleted 11, moved 11. Removing a note from
// a finding sent 10 already. A link refused for another review's note (14-17) is here too: its
// workspace is read in the command's transaction.
var findingSuccessPaths = []successPath{
	{"moving a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		d.create(t, e, c, "First finding about feeding.")
		second := d.create(t, e, c, "Second finding about hubs.")
		return c, d.path("findings", second, "move"), url.Values{"dir": {"up"}}
	}, 0},
	{"deleting a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		return c, d.path("findings", id, "delete"), url.Values{"confirm": {"yes"}, "version": {strconv.Itoa(d.version(t, e, id))}}
	}, 0},
	{"confirming a finding's words", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		if _, err := e.db.Super.Exec(context.Background(), `DELETE FROM evidence_note_action_areas WHERE note_id = $1 AND action_area_id = $2`,
			d.notes[0], d.actionAreaID); err != nil {
			t.Fatal(err)
		}
		return c, d.path("findings", id, "confirm"), url.Values{"version": {strconv.Itoa(d.version(t, e, id))}, "from": {"finding"}}
	}, 0},
	{"linking a new finding's first notes", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.create(t, e, c, "Parents valued the groups.")
		return c, d.path("findings", id, "notes"), url.Values{"note": d.notes[:5], "stance": {"supports"},
			"filter": {"q=groups"}}
	}, 0},
	{"linking notes that cut against a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		return c, d.path("findings", id, "notes"), url.Values{"note": d.notes[3:], "stance": {"contradicts"}}
	}, 0},
	{"linking a note of another review, refused", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		other := newReviewFixture(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		return c, d.path("findings", id, "notes"), url.Values{"note": {d.notes[5], other.noteID}, "stance": {"supports"}}
	}, http.StatusUnprocessableEntity},
	{"removing a note from a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		return c, d.path("findings", id, "notes", d.notes[0], "remove"), url.Values{}
	}, 0},
	{"adding a finding", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		m := synKeyRE.FindStringSubmatch(c.get(d.path("synthesis", d.actionAreaID, "findings", "new")).Body)
		if m == nil {
			t.Fatal("no key on the new finding form")
		}
		return c, d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {m[1]},
			"body": {"In {areas}, parents valued the groups."}, "style": {"word"}, "word-override": {"many"},
			"override-reason": {"Reads better"}}
	}, 0},
	{"saving the prevalence scale", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		scale := scaleForm(t, c.get(d.path("synthesis", "scale")).Body)
		for k, vs := range scale {
			if strings.HasSuffix(k, "-label") && vs[0] == "most" {
				scale.Set(k, "a large majority of")
			}
		}
		return c, d.path("synthesis", "scale"), scale
	}, 0},
	{"a finding's change answered with the conflict page", func(t *testing.T, e *env) (*client, string, url.Values) {
		d := newSynDemo(t, e)
		c := e.signedIn("lead@demo.test")
		id := d.synLinked(t, e, c, "Parents valued the groups.", "supports", d.notes[:3])
		return c, d.path("findings", id), url.Values{"version": {"0"}, "body": {"Parents liked the groups."}, "style": {"count"}}
	}, http.StatusConflict},
	{"adding a recommendation", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newPrFixture(t, e)
		f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
		f2 := f.finding(t, "Data systems were separate.", "pr-f2")
		return e.signedIn("lead@demo.test"), f.path("recommendations"), url.Values{"idempotency_key": {"bs-r1"},
			"body": {"Central government fund hubs."}, "addressee": {"Central government"}, "findings": {f1, f2}}
	}, 0},
	{"adding a recommendation for someone new", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newPrFixture(t, e)
		f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
		return e.signedIn("lead@demo.test"), f.path("recommendations"), url.Values{"idempotency_key": {"bs-r1"},
			"body": {"Ministers share data."}, "addressee": {"other"}, "addressee_other": {"The Department for Education"},
			"findings": {f1}}
	}, 0},
	{"changing a recommendation", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newPrFixture(t, e)
		f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
		f2 := f.finding(t, "Data systems were separate.", "pr-f2")
		c := e.signedIn("lead@demo.test")
		id := recOf(t, f, c, "bs-r1", "Central government fund hubs.", f1)
		return c, f.path("recommendations", id), url.Values{"version": {"1"}, "body": {"Ministers share data well."},
			"addressee": {"Local areas"}, "findings": {f2}}
	}, 0},
	{"deleting a recommendation", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newPrFixture(t, e)
		f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
		c := e.signedIn("lead@demo.test")
		id := recOf(t, f, c, "bs-r1", "Central government fund hubs.", f1)
		return c, f.path("recommendations", id, "delete"), url.Values{"version": {"1"}, "confirm": {"yes"}}
	}, 0},
	{"moving a recommendation", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newPrFixture(t, e)
		c := e.signedIn("lead@demo.test")
		recOf(t, f, c, "bs-r1", "Central government fund hubs.")
		id := recOf(t, f, c, "bs-r2", "Ministers share data.")
		return c, f.path("recommendations", id, "move"), url.Values{"dir": {"up"}}
	}, 0},
}

// TestFindingSuccessPathsWithinTheStatementBudget sends each form of findingSuccessPaths valid
// and counts the statements of the request.
func TestFindingSuccessPathsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	checkSuccessPaths(t, findingSuccessPaths)
}
