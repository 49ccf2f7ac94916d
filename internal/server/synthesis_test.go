package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/finding"
	"thematic/internal/testenv"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/synthesis":                                                  reviewReadStaff,
		"GET /reviews/{reviewID}/synthesis/scale":                                            reviewReadStaff,
		"POST /reviews/{reviewID}/synthesis/scale":                                           reviewLeadWrite,
		"GET /reviews/{reviewID}/synthesis/{actionAreaID}":                                   reviewReadStaff,
		"GET /reviews/{reviewID}/synthesis/{actionAreaID}/findings/new":                      reviewLeadWrite,
		"POST /reviews/{reviewID}/synthesis/{actionAreaID}/findings":                         reviewLeadWrite,
		"GET /reviews/{reviewID}/findings/{findingID}":                                       reviewReadStaff,
		"GET /reviews/{reviewID}/findings/{findingID}/edit":                                  reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}":                                      reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/delete":                               reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/move":                                 reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/confirm":                              reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/notes":                                reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/notes/{noteID}/remove":                reviewLeadWrite,
		"GET /reviews/{reviewID}/findings/{findingID}/follow-ups":                            reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/follow-ups":                           reviewLeadWrite,
		"POST /reviews/{reviewID}/findings/{findingID}/follow-ups/{recommendationID}/remove": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// synDemo is the demo review with the action area whose notes come from the most areas, and one
// such note from each area (six areas visited in August 2023).
type synDemo struct {
	tenantID, reviewID, actionAreaID, title string
	notes                                   []string // one per area, ordered by area
}

func newSynDemo(t *testing.T, e *env) synDemo {
	t.Helper()
	ctx := context.Background()
	var d synDemo
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text, tenant_id::text FROM reviews WHERE title = $1`, demo.ReviewTitle).
		Scan(&d.reviewID, &d.tenantID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT x.action_area_id::text, aa.title FROM evidence_note_action_areas x
		JOIN evidence_notes n ON n.tenant_id = x.tenant_id AND n.id = x.note_id
		JOIN action_areas aa ON aa.tenant_id = x.tenant_id AND aa.id = x.action_area_id
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
		GROUP BY 1, 2 ORDER BY count(DISTINCT n.area_id) DESC, count(*) DESC LIMIT 1`, d.reviewID).Scan(&d.actionAreaID, &d.title); err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.Super.Query(ctx, `SELECT DISTINCT ON (n.area_id) n.id::text FROM evidence_notes n
		JOIN evidence_note_action_areas x ON x.tenant_id = n.tenant_id AND x.note_id = n.id
		WHERE x.action_area_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding ORDER BY n.area_id, n.id`, d.actionAreaID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		d.notes = append(d.notes, id)
	}
	if len(d.notes) != 6 {
		t.Fatalf("the demo's best-covered action area has notes from %d areas, want 6", len(d.notes))
	}
	return d
}

func (d synDemo) path(parts ...string) string {
	return "/reviews/" + d.reviewID + "/" + strings.Join(parts, "/")
}

var synKeyRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// synCreate writes a finding through the form and returns its id.
func (d synDemo) create(t *testing.T, e *env, c *client, body string) string {
	t.Helper()
	form := c.get(d.path("synthesis", d.actionAreaID, "findings", "new"))
	m := synKeyRE.FindStringSubmatch(form.Body)
	if form.Status != http.StatusOK || m == nil {
		t.Fatalf("new finding form: %d\n%s", form.Status, form.Body)
	}
	r := c.post(d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {m[1]}, "body": {body}, "style": {"word"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create finding: %d\n%s", r.Status, r.Body)
	}
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM findings WHERE idempotency_key = $1`, m[1]).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (d synDemo) version(t *testing.T, e *env, id string) int {
	t.Helper()
	var v int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT version FROM findings WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func synCount(t *testing.T, e *env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// synAudit counts the audit entries of an action on an object.
func synAudit(t *testing.T, e *env, action, objectID string) int {
	t.Helper()
	return synCount(t, e, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, objectID)
}

// page reads a page and fails unless it has the status and says every one of want.
func synExpect(t *testing.T, r resp, status int, want ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	body := html.UnescapeString(r.Body)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page does not say %q", w)
		}
	}
}

// TestSynthesisFindingFromEvidence: the lead writes a finding (a double submit makes one), links
// notes from five of the six areas and sees its prevalence and words (not flagged: they are its
// first links), a note of another review is refused with nothing stored, the words are confirmed,
// overridden with an audited reason, a stale edit gets the conflict page, and untagging a note
// flags the finding.
func TestSynthesisFindingFromEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	other := newReviewFixture(t, e) // another review of the tenant, with a note
	lead := e.signedIn("lead@demo.test")

	synExpect(t, lead.get(d.path("synthesis")), http.StatusOK, "Synthesis", d.title, "Quantifier scale", "Tagged notes")
	synExpect(t, lead.get(d.path("synthesis", d.actionAreaID)), http.StatusOK, d.title, "Write a finding")

	// A double submit of the form makes one finding.
	form := lead.get(d.path("synthesis", d.actionAreaID, "findings", "new"))
	synExpect(t, form, http.StatusOK, "Write a finding", "Write {areas} where the report should say how widespread this is")
	key := synKeyRE.FindStringSubmatch(form.Body)[1]
	in := url.Values{"idempotency_key": {key}, "body": {"Parents valued the infant feeding groups."}, "style": {"word"}}
	for i := 0; i < 2; i++ {
		if r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), in); r.Status != http.StatusSeeOther {
			t.Fatalf("create %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	if n := synCount(t, e, `SELECT count(*) FROM findings WHERE review_id = $1 AND body = $2`, d.reviewID, in.Get("body")); n != 1 {
		t.Fatalf("%d findings after a double submit, want 1", n)
	}
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM findings WHERE review_id = $1 AND body = $2`,
		d.reviewID, in.Get("body")).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if n := synAudit(t, e, "finding.created", id); n != 1 {
		t.Fatalf("%d finding.created entries, want 1", n)
	}
	synExpect(t, lead.get(d.path("findings", id)), http.StatusOK, "No supporting evidence", "0 of 6 areas")

	// Empty text is refused with what was typed kept.
	r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {"k-empty"}, "body": {" "}, "style": {"count"}})
	synExpect(t, r, http.StatusUnprocessableEntity, "There is a problem", "Enter the finding")

	// Link notes from five areas.
	r = lead.post(d.path("findings", id, "notes"), url.Values{"note": d.notes[:5], "stance": {"supports"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, d.path("synthesis", d.actionAreaID)) {
		t.Fatalf("link: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	ws := lead.get(r.Location)
	synExpect(t, ws, http.StatusOK, "5 notes linked to the finding", "5 of 6 areas", "‘most areas’",
		"In most areas we visited, parents valued the infant feeding groups.")
	// Its first links are its evidence, not a change to it.
	if strings.Contains(ws.Body, "Evidence changed") || strings.Contains(ws.Body, "Confirm words") {
		t.Fatal("the finding is flagged as changed after its first links")
	}
	if n := synAudit(t, e, "finding.notes_linked", id); n != 1 {
		t.Fatalf("%d finding.notes_linked entries, want 1", n)
	}

	// A note of another review: 422 with the message, nothing stored.
	before := synCount(t, e, `SELECT count(*) FROM finding_notes WHERE finding_id = $1`, id)
	r = lead.post(d.path("findings", id, "notes"), url.Values{"note": {d.notes[5], other.noteID}, "stance": {"supports"}})
	synExpect(t, r, http.StatusUnprocessableEntity, "There is a problem", finding.NoteMessage)
	if after := synCount(t, e, `SELECT count(*) FROM finding_notes WHERE finding_id = $1`, id); after != before {
		t.Fatalf("a refused link stored notes: %d links, was %d", after, before)
	}
	// Nothing selected.
	r = lead.post(d.path("findings", id, "notes"), url.Values{"stance": {"supports"}})
	synExpect(t, r, http.StatusUnprocessableEntity, "Select at least one note")

	// Confirm the words.
	r = lead.post(d.path("findings", id, "confirm"), url.Values{"version": {strconv.Itoa(d.version(t, e, id))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	page := lead.get(d.path("findings", id))
	synExpect(t, page, http.StatusOK, "5 of 6 areas", "Still tagged")
	if strings.Contains(page.Body, "Evidence changed") {
		t.Fatal("the finding is still flagged after its words were confirmed")
	}

	// Other words need a reason; with one, the audit log keeps both.
	v := strconv.Itoa(d.version(t, e, id))
	edit := url.Values{"version": {v}, "body": {"In {areas}, parents valued the infant feeding groups."}, "style": {"word"}, "word-override": {"many"}}
	synExpect(t, lead.post(d.path("findings", id), edit), http.StatusUnprocessableEntity, "Give a reason for using other words")
	edit.Set("override-reason", "Five of six reads better as many here")
	if r := lead.post(d.path("findings", id), edit); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	synExpect(t, lead.get(d.path("findings", id)), http.StatusOK, "In many areas, parents valued the infant feeding groups.",
		"Five of six reads better as many here")
	var word, reason string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT after->>'word_override', after->>'override_reason' FROM audit_log
		WHERE action = 'finding.updated' AND object_id = $1`, id).Scan(&word, &reason); err != nil {
		t.Fatal(err)
	}
	if word != "many" || reason != "Five of six reads better as many here" {
		t.Fatalf("audit keeps word %q reason %q", word, reason)
	}

	// An edit from the version before: 409 with both versions.
	edit = url.Values{"version": {v}, "body": {"Parents liked the groups."}, "style": {"count"}}
	r = lead.post(d.path("findings", id), edit)
	synExpect(t, r, http.StatusConflict, "This finding was changed by someone else", "Your version", "Current version",
		"Parents liked the groups.", "In {areas}, parents valued the infant feeding groups.")

	// A note untagged from the action area: the finding is flagged and the note says why.
	if _, err := e.db.Super.Exec(context.Background(), `DELETE FROM evidence_note_action_areas WHERE note_id = $1 AND action_area_id = $2`,
		d.notes[0], d.actionAreaID); err != nil {
		t.Fatal(err)
	}
	synExpect(t, lead.get(d.path("findings", id)), http.StatusOK, "4 of 6 areas", "Evidence changed: was 5 areas, now 4",
		"Untagged from this action area", "Confirm words")
	synExpect(t, lead.get(d.path("synthesis")), http.StatusOK, "Findings flagged")

	// Removing a note from the finding.
	r = lead.post(d.path("findings", id, "notes", d.notes[0], "remove"), nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", r.Status, r.Body)
	}
	if n := synCount(t, e, `SELECT count(*) FROM finding_notes WHERE finding_id = $1`, id); n != 4 {
		t.Fatalf("%d notes linked after removing one, want 4", n)
	}
	if n := synAudit(t, e, "finding.note_unlinked", id); n != 1 {
		t.Fatalf("%d finding.note_unlinked entries, want 1", n)
	}
}

// TestSynthesisOrderDeleteAndScale: findings move up and down, delete asks first, and a change to
// the scale changes the words shown.
func TestSynthesisOrderDeleteAndScale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	first := d.create(t, e, lead, "First finding about feeding.")
	second := d.create(t, e, lead, "Second finding about hubs.")
	if r := lead.post(d.path("findings", second, "notes"), url.Values{"note": d.notes[:5], "stance": {"supports"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", r.Status, r.Body)
	}

	order := func() string {
		body := lead.get(d.path("synthesis", d.actionAreaID)).Body
		i, j := strings.Index(body, "finding about feeding"), strings.Index(body, "finding about hubs")
		if i < 0 || j < 0 {
			t.Fatalf("workspace lacks a finding (%d, %d)", i, j)
		}
		if i < j {
			return "first, second"
		}
		return "second, first"
	}
	if got := order(); got != "first, second" {
		t.Fatalf("order %s at the start", got)
	}
	if r := lead.post(d.path("findings", second, "move"), url.Values{"dir": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", r.Status, r.Body)
	}
	if got := order(); got != "second, first" {
		t.Fatalf("order %s after moving the second up", got)
	}
	if n := synAudit(t, e, "finding.moved", second); n != 1 {
		t.Fatalf("%d finding.moved entries, want 1", n)
	}
	synExpect(t, lead.post(d.path("findings", second, "move"), url.Values{"dir": {"sideways"}}), http.StatusBadRequest)

	// The scale: "most" for 5 of 6 becomes other words.
	synExpect(t, lead.get(d.path("synthesis", "scale")), http.StatusOK, "Quantifier scale", "5", "most areas", "all areas", "one area")
	scale := scaleForm(t, lead.get(d.path("synthesis", "scale")).Body)
	for k, vs := range scale {
		if strings.HasSuffix(k, "-label") && vs[0] == "most" {
			scale.Set(k, "a large majority of")
		}
	}
	if r := lead.post(d.path("synthesis", "scale"), scale); r.Status != http.StatusSeeOther {
		t.Fatalf("save scale: %d\n%s", r.Status, r.Body)
	}
	synExpect(t, lead.get(d.path("synthesis", d.actionAreaID)), http.StatusOK, "‘a large majority of areas’",
		"In a large majority of areas we visited, second finding about hubs.")
	if n := synAudit(t, e, "quantifier_scale.updated", d.reviewID); n != 1 {
		t.Fatalf("%d quantifier_scale.updated entries, want 1", n)
	}
	// Two bands with the same words: the scale's problem shown, nothing saved.
	bad := scaleForm(t, lead.get(d.path("synthesis", "scale")).Body)
	for k, vs := range bad {
		if strings.HasSuffix(k, "-label") && vs[0] == "some" {
			bad.Set(k, "a large majority of")
		}
	}
	synExpect(t, lead.post(d.path("synthesis", "scale"), bad), http.StatusUnprocessableEntity, "There is a problem", "is used by two bands")
	// A stale scale form.
	synExpect(t, lead.post(d.path("synthesis", "scale"), scale), http.StatusConflict)

	// Delete asks first, then deletes with the version.
	synExpect(t, lead.post(d.path("findings", first, "delete"), nil), http.StatusOK, "Delete this finding?", "Warning")
	if n := synCount(t, e, `SELECT count(*) FROM findings WHERE id = $1`, first); n != 1 {
		t.Fatal("the confirmation page deleted the finding")
	}
	r := lead.post(d.path("findings", first, "delete"), url.Values{"confirm": {"yes"}, "version": {strconv.Itoa(d.version(t, e, first))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	if n := synCount(t, e, `SELECT count(*) FROM findings WHERE id = $1`, first); n != 0 {
		t.Fatal("the finding was not deleted")
	}
	if n := synAudit(t, e, "finding.deleted", first); n != 1 {
		t.Fatalf("%d finding.deleted entries, want 1", n)
	}
}

var scaleInputRE = regexp.MustCompile(`<input[^>]*name="(band-\d+-[a-z]+)"[^>]*value="([^"]*)"`)

// scaleForm reads the scale form's fields as they are.
func scaleForm(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range scaleInputRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("band-0-id") == "" {
		t.Fatalf("no scale form:\n%s", body)
	}
	return v
}

// TestSynthesisReadersCannotChange: observers and inspectors read the pages without the lead's
// controls and are refused changes; a local authority contact sees none of it.
func TestSynthesisReadersCannotChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	id := d.create(t, e, lead, "Parents valued the groups.")
	for _, who := range []string{"observer@demo.test", "inspector@demo.test"} {
		c := e.signedIn(who)
		for _, p := range []string{d.path("synthesis"), d.path("synthesis", d.actionAreaID), d.path("findings", id), d.path("synthesis", "scale")} {
			r := c.get(p)
			synExpect(t, r, http.StatusOK)
			for _, control := range []string{"Write a finding", "Move up", "Delete the finding", "Save the scale", `name="note"`} {
				if strings.Contains(r.Body, control) {
					t.Errorf("%s sees %q on %s", who, control, p)
				}
			}
		}
		if r := c.post(d.path("findings", id, "notes"), url.Values{"note": d.notes[:1], "stance": {"supports"}}); r.Status != http.StatusForbidden {
			t.Errorf("%s links notes: %d, want 403", who, r.Status)
		}
		if r := c.post(d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {"x" + who}, "body": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("%s creates a finding: %d, want 403", who, r.Status)
		}
	}
	contact := e.signedIn("la.contact@demo.test")
	for _, p := range []string{d.path("synthesis"), d.path("synthesis", d.actionAreaID), d.path("findings", id)} {
		if r := contact.get(p); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("contact reads %s: %d", p, r.Status)
		}
	}
	if n := synCount(t, e, `SELECT count(*) FROM finding_notes WHERE finding_id = $1`, id); n != 0 {
		t.Fatalf("a refused link stored %d notes", n)
	}
	// A finding of another review's path is not found.
	if r := lead.get(d.path("findings", "00000000-0000-0000-0000-000000000000")); r.Status != http.StatusNotFound {
		t.Fatalf("unknown finding: %d", r.Status)
	}
}

// TestSynthesisFindingThatSaysHowWidespreadItIs: a finding typed as "In most areas, …" is saved
// (never refused) with a warning on the page after saving, beside it in the workspace and on
// the report, and the report prints it as typed, with no second quantifier. The preview warns
// before saving; with {areas} the warning goes and the words are the evidence's.
func TestSynthesisFindingThatSaysHowWidespreadItIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	const typed = "In most areas, adult services were stretched."
	const warning = "This finding already says how widespread it is"

	form := lead.get(d.path("synthesis", d.actionAreaID, "findings", "new"))
	key := synKeyRE.FindStringSubmatch(form.Body)[1]
	if !strings.Contains(form.Body, `id="own-quantifier" hidden`) {
		t.Fatal("the empty form shows the warning")
	}
	in := url.Values{"idempotency_key": {key}, "body": {typed}, "style": {"word"}, "action": {"preview"}}
	r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), in)
	synExpect(t, r, http.StatusOK, warning, "data-words>in most areas we visited<", typed)
	if strings.Contains(r.Body, `id="own-quantifier" hidden`) || strings.Contains(html.UnescapeString(r.Body), "we visited, in most areas") {
		t.Fatal("the preview adds a second quantifier or hides the warning")
	}

	in.Del("action")
	r = lead.post(d.path("synthesis", d.actionAreaID, "findings"), in)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM findings WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	synExpect(t, lead.get(r.Location), http.StatusOK, "It already says how widespread it is: see the warning on it", warning, typed)

	// With evidence from every area the report still prints it as typed, and says which words it left out.
	if r := lead.post(d.path("findings", id, "notes"), url.Values{"note": d.notes, "stance": {"supports"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", r.Status, r.Body)
	}
	for _, p := range []string{d.path("synthesis", d.actionAreaID), d.path("findings", id)} {
		page := lead.get(p)
		synExpect(t, page, http.StatusOK, warning, "data-words>in all areas we visited<", typed)
		if strings.Contains(html.UnescapeString(page.Body), "we visited, in most areas") {
			t.Fatalf("%s prints a second quantifier", p)
		}
	}
	synExpect(t, lead.get(d.path("report")), http.StatusOK, "Already says how widespread it is: the report does not add ‘in all areas we visited’", typed)
	if strings.Contains(html.UnescapeString(lead.get(d.path("report")).Body), "we visited, in most areas") {
		t.Fatal("the report prints a second quantifier")
	}

	// An edit keeping the quantifier lands on the finding with the warning; with {areas} it goes.
	edit := url.Values{"version": {strconv.Itoa(d.version(t, e, id))}, "body": {"Most areas had stretched adult services."}, "style": {"count"}}
	r = lead.post(d.path("findings", id), edit)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	synExpect(t, lead.get(r.Location), http.StatusOK, "see the warning on it", warning, "data-words>in all 6 areas we visited<")
	edit = url.Values{"version": {strconv.Itoa(d.version(t, e, id))}, "body": {"In {areas}, adult services were stretched."}, "style": {"word"}}
	if r := lead.post(d.path("findings", id), edit); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	page := lead.get(d.path("findings", id))
	synExpect(t, page, http.StatusOK, "In all areas, adult services were stretched.")
	if strings.Contains(page.Body, warning) {
		t.Fatal("a finding with {areas} is warned about")
	}
}

var (
	synNoteLinkRE = regexp.MustCompile(`href="/reviews/[^/"]+/notes/([0-9a-f-]{36})"`)
	synPageRE     = regexp.MustCompile(`href="([^"]*(?:after|before)=[^"]*)" rel="(next|prev)"`)
)

// synPage reads a page of the workspace's notes: the notes' ids and the next and previous links.
func synPage(t *testing.T, c *client, path string) (ids []string, next, prev string) {
	t.Helper()
	r := c.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, r.Status, r.Body)
	}
	for _, m := range synNoteLinkRE.FindAllStringSubmatch(r.Body, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	for _, m := range synPageRE.FindAllStringSubmatch(r.Body, -1) {
		link := html.UnescapeString(m[1])
		if m[2] == "next" {
			next = link
		} else {
			prev = link
		}
	}
	return ids, next, prev
}

// TestSynthesisEvidenceIsKeysetPaged: the workspace's notes come a page at a time on the evidence
// base's keyset, with next and previous links (plain links, no JavaScript): walking forward shows
// every note of the action area once, walking back shows the same pages, and each page stays
// within the statement budget.
func TestSynthesisEvidenceIsKeysetPaged(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	d := newSynDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	want := synCount(t, e, `SELECT count(*) FROM evidence_notes n JOIN evidence_note_action_areas x
		ON x.tenant_id = n.tenant_id AND x.note_id = n.id
		WHERE x.action_area_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding`, d.actionAreaID)
	if want < 5 {
		t.Fatalf("the action area has %d notes, too few to page", want)
	}

	path := d.path("synthesis", d.actionAreaID) + "?limit=2"
	var pages [][]string
	var links []string // the path of each page
	seen := map[string]bool{}
	for path != "" {
		n, _, _ := countStatements(t, te, lead, http.MethodGet, path)
		if n > testenv.RequestBudget {
			t.Errorf("GET %s sent %d statements, over the budget of %d", path, n, testenv.RequestBudget)
		}
		ids, next, prev := synPage(t, lead, path)
		if len(pages) == 0 && prev != "" || len(pages) > 0 && prev == "" {
			t.Errorf("page %d: previous link %q", len(pages)+1, prev)
		}
		if len(ids) == 0 || len(ids) > 2 {
			t.Fatalf("page %d shows %d notes", len(pages)+1, len(ids))
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("note %s on two pages", id)
			}
			seen[id] = true
		}
		pages, links = append(pages, ids), append(links, path)
		path = next
		if len(pages) > want {
			t.Fatal("the next links do not end")
		}
	}
	if len(seen) != want {
		t.Fatalf("walking forward showed %d notes, want %d", len(seen), want)
	}
	// Back from the last page, page by page, to the first (which has no previous link).
	_, _, prev := synPage(t, lead, links[len(links)-1])
	for i := len(pages) - 2; i >= 0; i-- {
		if prev == "" {
			t.Fatalf("page %d has no previous link", i+2)
		}
		ids, next, p := synPage(t, lead, prev)
		if !slices.Equal(ids, pages[i]) {
			t.Errorf("back to page %d: %v, forward it was %v", i+1, ids, pages[i])
		}
		if next == "" {
			t.Errorf("back to page %d: no next link", i+1)
		}
		prev = p
	}
	if prev != "" {
		t.Errorf("back on the first page, a previous link: %q", prev)
	}
	// A made-up cursor is refused on the form, not a failure.
	synExpect(t, lead.get(d.path("synthesis", d.actionAreaID)+"?before=rubbish"), http.StatusUnprocessableEntity,
		"The page link is not valid")
}
