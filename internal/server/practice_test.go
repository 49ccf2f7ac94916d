package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/finding"
	"thematic/internal/testenv"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/examples":                                   reviewReadStaff,
		"GET /reviews/{reviewID}/examples/new":                               reviewLeadWrite,
		"POST /reviews/{reviewID}/examples":                                  reviewLeadWrite,
		"GET /reviews/{reviewID}/examples/{exampleID}":                       reviewReadStaff,
		"GET /reviews/{reviewID}/examples/{exampleID}/edit":                  reviewLeadWrite,
		"POST /reviews/{reviewID}/examples/{exampleID}":                      reviewLeadWrite,
		"POST /reviews/{reviewID}/examples/{exampleID}/delete":               reviewLeadWrite,
		"POST /reviews/{reviewID}/examples/{exampleID}/move":                 reviewLeadWrite,
		"GET /reviews/{reviewID}/recommendations":                            reviewReadStaff,
		"GET /reviews/{reviewID}/recommendations/new":                        reviewLeadWrite,
		"POST /reviews/{reviewID}/recommendations":                           reviewLeadWrite,
		"GET /reviews/{reviewID}/recommendations/{recommendationID}/edit":    reviewLeadWrite,
		"POST /reviews/{reviewID}/recommendations/{recommendationID}":        reviewLeadWrite,
		"POST /reviews/{reviewID}/recommendations/{recommendationID}/delete": reviewLeadWrite,
		"POST /reviews/{reviewID}/recommendations/{recommendationID}/move":   reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// prFixture is the demo review (led by lead@demo.test, with Northumberland's contact), two of its
// good-practice candidate notes in the same action area, a note that is not a candidate, and the
// access fixture's review as "another review" of the tenant with a note and a finding.
type prFixture struct {
	e                     *env
	tenantID, reviewID    string
	cand1, cand2, plain   string
	actionArea            string
	leadID                string
	other                 reviewFixture
	otherNote, otherFound string
}

func newPrFixture(t *testing.T, e *env) *prFixture {
	t.Helper()
	ctx := context.Background()
	f := &prFixture{e: e, other: newReviewFixture(t, e)}
	f.tenantID = f.other.tenantID
	f.otherNote = f.other.noteID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.Super.QueryRow(ctx, `SELECT id FROM reviews WHERE tenant_id = $1 AND title = $2`, f.tenantID, demo.ReviewTitle).Scan(&f.reviewID))
	must(e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&f.leadID))
	// Two candidates sharing an action area.
	must(e.db.Super.QueryRow(ctx, `SELECT a.id, b.id, x.action_area_id FROM evidence_notes a
		JOIN evidence_note_action_areas x ON x.note_id = a.id
		JOIN evidence_note_action_areas y ON y.action_area_id = x.action_area_id
		JOIN evidence_notes b ON b.id = y.note_id AND b.id > a.id
		WHERE a.review_id = $1 AND a.good_practice AND NOT a.safeguarding AND a.deleted_at IS NULL
			AND b.good_practice AND NOT b.safeguarding AND b.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM practice_examples e WHERE e.note_id IN (a.id, b.id))
		ORDER BY a.id, b.id LIMIT 1`, f.reviewID).Scan(&f.cand1, &f.cand2, &f.actionArea))
	must(e.db.Super.QueryRow(ctx, `SELECT id FROM evidence_notes WHERE review_id = $1 AND NOT good_practice AND deleted_at IS NULL
		ORDER BY id LIMIT 1`, f.reviewID).Scan(&f.plain))
	must(db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		f.otherFound, _, err = finding.Create(ctx, tx, f.tenantID, f.other.reviewID, f.leadID,
			finding.Input{ActionAreaID: f.other.actionAreaID, Body: "Elsewhere, parents valued it.", Key: "pr-other-finding"})
		return err
	}))
	return f
}

func (f *prFixture) path(parts ...string) string {
	return "/reviews/" + f.reviewID + "/" + strings.Join(parts, "/")
}

// finding writes a finding of the demo review directly.
func (f *prFixture) finding(t *testing.T, body, key string) string {
	t.Helper()
	var id string
	err := db.InTx(context.Background(), f.e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		id, _, err = finding.Create(context.Background(), tx, f.tenantID, f.reviewID, f.leadID,
			finding.Input{ActionAreaID: f.actionArea, Body: body, Key: key})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *prFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func prStatus(t *testing.T, what string, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
}

func prBody(t *testing.T, what string, r resp, texts ...string) {
	t.Helper()
	body := html.UnescapeString(r.Body)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: the page does not say %q\n%s", what, s, r.Body)
		}
	}
}

var prExampleLinkRE = regexp.MustCompile(`/examples/([0-9a-f-]{36})/edit`)

func TestExamplesPagesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	r := lead.get(f.path("examples"))
	prStatus(t, "lead lists examples", r, http.StatusOK)
	prBody(t, "lead lists examples", r, "Good practice", "Candidates", "Write an example from this note", "/examples/new?note="+f.cand1)
	// Filtered by an action area: only candidates tagged to it that no example is written from.
	r = lead.get(f.path("examples") + "?action-area=" + f.actionArea)
	prStatus(t, "filtered", r, http.StatusOK)
	tagged := f.count(t, `SELECT count(*) FROM evidence_notes n WHERE n.review_id = $1 AND n.good_practice AND NOT n.safeguarding
		AND n.deleted_at IS NULL AND EXISTS (SELECT 1 FROM evidence_note_action_areas x WHERE x.note_id = n.id AND x.action_area_id = $2)
		AND NOT EXISTS (SELECT 1 FROM practice_examples e WHERE e.note_id = n.id)`,
		f.reviewID, f.actionArea)
	if got := len(regexp.MustCompile(`id="candidate-[0-9a-f]{8}-`).FindAllString(r.Body, -1)); got != tagged {
		t.Fatalf("filtered candidates: %d listed, want %d", got, tagged)
	}
	for _, who := range []string{"observer@demo.test", "inspector@demo.test"} {
		c := e.signedIn(who)
		r := c.get(f.path("examples"))
		prStatus(t, who+" reads examples", r, http.StatusOK)
		if strings.Contains(r.Body, "Write an example from this note") {
			t.Fatalf("%s is offered to write an example", who)
		}
		prStatus(t, who+" reads recommendations", c.get(f.path("recommendations")), http.StatusOK)
		prStatus(t, who+" opens the new example form", c.get(f.path("examples", "new")), http.StatusForbidden)
		prStatus(t, who+" posts an example", c.post(f.path("examples"), url.Values{"idempotency_key": {"x"}, "body": {"x"}}), http.StatusForbidden)
		prStatus(t, who+" posts a recommendation", c.post(f.path("recommendations"), url.Values{"idempotency_key": {"x"}}), http.StatusForbidden)
	}
	contact := e.signedIn("la.contact@demo.test")
	prStatus(t, "contact", contact.get(f.path("examples")), http.StatusForbidden)
	prStatus(t, "contact", contact.get(f.path("recommendations")), http.StatusForbidden)
	examplesBefore := f.count(t, `SELECT count(*) FROM practice_examples`)
	otherTenant := e.signedIn("admin@other.test")
	prStatus(t, "other tenant", otherTenant.get(f.path("examples")), http.StatusNotFound)
	prStatus(t, "other tenant", otherTenant.get(f.path("recommendations")), http.StatusNotFound)
	if n := f.count(t, `SELECT count(*) FROM practice_examples`); n != examplesBefore {
		t.Fatalf("%d examples after refused posts", n)
	}
}

func TestExampleWrittenFromCandidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	var noteBody, areaName string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT n.body, la.display_name FROM evidence_notes n
		JOIN review_areas ra ON ra.id = n.area_id JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE n.id = $1`,
		f.cand1).Scan(&noteBody, &areaName); err != nil {
		t.Fatal(err)
	}
	before := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, f.reviewID)
	r := lead.get(f.path("examples", "new") + "?note=" + f.cand1)
	prStatus(t, "new form", r, http.StatusOK)
	prBody(t, "new form", r, "Write a good practice example", noteBody, `value="`+f.actionArea+`"`)
	if !strings.Contains(html.UnescapeString(r.Body), ">"+noteBody+"</textarea>") {
		t.Fatal("the form's text is not prefilled with the note's")
	}
	prStatus(t, "a note that is not a candidate", lead.get(f.path("examples", "new")+"?note="+f.plain), http.StatusBadRequest)

	form := url.Values{"idempotency_key": {"pr-ex-1"}, "note": {f.cand1}, "action_area": {f.actionArea},
		"title": {"Drop-in"}, "body": {"A GP had set up a twice-weekly drop-in clinic."}}
	r = lead.post(f.path("examples"), form)
	prStatus(t, "create", r, http.StatusSeeOther)
	r2 := lead.post(f.path("examples"), form)
	prStatus(t, "double submit", r2, http.StatusSeeOther)
	if r2.Location != r.Location {
		t.Fatalf("double submit went to %s, first to %s", r2.Location, r.Location)
	}
	if n := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, f.reviewID); n != before+1 {
		t.Fatalf("%d examples after a double submit, want %d", n, before+1)
	}
	if n := e.auditCount("example.created"); n != 1 {
		t.Fatalf("%d example.created entries, want 1", n)
	}
	r = lead.get(f.path("examples"))
	prBody(t, "list", r, "Example saved", "Drop-in", "In one area, a GP had set up a twice-weekly drop-in clinic.")
	if strings.Contains(r.Body, `id="candidate-`+f.cand1+`"`) {
		t.Fatal("the note written up is still listed as a candidate")
	}
	// Under its action area's section.
	sec := r.Body[strings.Index(r.Body, `id="action-area-`+f.actionArea+`"`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if !strings.Contains(sec, "drop-in clinic") || strings.Contains(sec, areaName) {
		t.Fatalf("the action area's section does not hold the example, or names %s:\n%s", areaName, sec)
	}

	// Refusals: 422 with the message, nothing written.
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"empty text":             {url.Values{"note": {f.cand2}, "action_area": {f.actionArea}, "body": {" "}}, "Enter the example"},
		"note of another review": {url.Values{"note": {f.otherNote}, "action_area": {f.actionArea}, "body": {"x"}}, "Choose a note from this review’s evidence"},
		"not a candidate":        {url.Values{"note": {f.plain}, "action_area": {f.actionArea}, "body": {"x"}}, "This note is not marked as a good-practice candidate"},
		"action area of another": {url.Values{"note": {f.cand2}, "action_area": {f.other.actionAreaID}, "body": {"x"}}, "Choose an action area of this review"},
		"no note and no area":    {url.Values{"action_area": {f.actionArea}, "body": {"x"}}, "Choose the local area the example comes from"},
	} {
		c.form.Set("idempotency_key", "pr-refused-"+strings.ReplaceAll(name, " ", "-"))
		r := lead.post(f.path("examples"), c.form)
		prStatus(t, name, r, http.StatusUnprocessableEntity)
		prBody(t, name, r, "There is a problem", c.msg)
	}
	if n := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, f.reviewID); n != before+1 {
		t.Fatalf("%d examples after refused creates, want %d", n, before+1)
	}

	// Without a note the lead chooses the local area.
	var sunderland string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E08000024'`,
		f.reviewID).Scan(&sunderland); err != nil {
		t.Fatal(err)
	}
	r = lead.get(f.path("examples", "new"))
	prStatus(t, "form without a note", r, http.StatusOK)
	prBody(t, "form without a note", r, "Local area", `value="`+sunderland+`"`)
	r = lead.post(f.path("examples"), url.Values{"idempotency_key": {"pr-free"}, "area": {sunderland}, "action_area": {f.actionArea},
		"body": {"One local area’s doula project supported isolated women."}})
	prStatus(t, "create without a note", r, http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1 AND note_id IS NULL AND area_id = $2`, f.reviewID, sunderland); n != 1 {
		t.Fatalf("%d examples without a note in Sunderland, want 1", n)
	}
	prBody(t, "list", lead.get(f.path("examples")), "One local area’s doula project supported isolated women.")
}

func TestExampleEditWarnMoveDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	create := func(key, note, body string) {
		t.Helper()
		r := lead.post(f.path("examples"), url.Values{"idempotency_key": {key}, "note": {note}, "action_area": {f.actionArea}, "body": {body}})
		prStatus(t, "create", r, http.StatusSeeOther)
	}
	create("pr-a", f.cand1, "First example.")
	create("pr-b", f.cand2, "Second example, in Northumberland.")
	a, b := f.exampleID(t, "pr-a"), f.exampleID(t, "pr-b")
	if got := prExampleIDs(t, lead.get(f.path("examples")).Body, a, b); strings.Join(got, ",") != a+","+b {
		t.Fatalf("listed: %v, want %s,%s", got, a, b)
	}

	// The area-name warning on the example's page and in the list.
	r := lead.get(f.path("examples", b))
	prStatus(t, "example page", r, http.StatusOK)
	prBody(t, "example page", r, "This example names Northumberland; the report never names areas", "In one area, second example")
	r = e.signedIn("observer@demo.test").get(f.path("examples", b))
	prStatus(t, "observer reads an example", r, http.StatusOK)
	if strings.Contains(r.Body, "/examples/"+b+"/edit") {
		t.Fatal("the observer is offered to change the example")
	}

	// Move the second up: the order changes and the move is audited.
	r = lead.post(f.path("examples", b, "move"), url.Values{"dir": {"up"}})
	prStatus(t, "move", r, http.StatusSeeOther)
	if got := prExampleIDs(t, lead.get(f.path("examples")).Body, a, b); strings.Join(got, ",") != b+","+a {
		t.Fatalf("after moving up: %v, want %s,%s", got, b, a)
	}
	if n := e.auditCount("example.moved"); n != 1 {
		t.Fatalf("%d example.moved entries", n)
	}
	prStatus(t, "move without a direction", lead.post(f.path("examples", b, "move"), url.Values{}), http.StatusBadRequest)

	// Edit: saved from version 1; a second edit from version 1 is stale and shows both texts.
	r = lead.get(f.path("examples", b, "edit"))
	prStatus(t, "edit form", r, http.StatusOK)
	prBody(t, "edit form", r, "Second example, in Northumberland.", `name="version" value="1"`)
	edit := url.Values{"version": {"1"}, "action_area": {f.actionArea}, "title": {"Hub"}, "body": {"Staff ran a hub."}}
	prStatus(t, "edit", lead.post(f.path("examples", b), edit), http.StatusSeeOther)
	r = lead.get(f.path("examples", b))
	prBody(t, "after edit", r, "In one area, staff ran a hub.")
	if strings.Contains(r.Body, "This example names") {
		t.Fatal("the warning stays after the area's name is gone")
	}
	edit.Set("body", "My stale text.")
	r = lead.post(f.path("examples", b), edit)
	prStatus(t, "stale edit", r, http.StatusConflict)
	prBody(t, "stale edit", r, "Someone else changed this example", "My stale text.", "Staff ran a hub.", `name="version" value="2"`)
	edit.Set("body", "")
	edit.Set("version", "2")
	r = lead.post(f.path("examples", b), edit)
	prStatus(t, "empty edit", r, http.StatusUnprocessableEntity)
	prBody(t, "empty edit", r, "Enter the example")
	if n := e.auditCount("example.updated"); n != 1 {
		t.Fatalf("%d example.updated entries", n)
	}

	// Delete: a confirmation first, then the delete from the current version.
	r = lead.post(f.path("examples", b, "delete"), url.Values{"version": {"2"}})
	prStatus(t, "delete confirmation", r, http.StatusOK)
	prBody(t, "delete confirmation", r, "Are you sure you want to delete this example?", "Yes, delete it")
	prStatus(t, "stale delete", lead.post(f.path("examples", b, "delete"), url.Values{"version": {"1"}, "confirm": {"yes"}}), http.StatusConflict)
	prStatus(t, "delete", lead.post(f.path("examples", b, "delete"), url.Values{"version": {"2"}, "confirm": {"yes"}}), http.StatusSeeOther)
	prStatus(t, "deleted", lead.get(f.path("examples", b)), http.StatusNotFound)
	if n := e.auditCount("example.deleted"); n != 1 {
		t.Fatalf("%d example.deleted entries", n)
	}
	// An example of the demo review is not reachable through another review.
	prStatus(t, "through another review", lead.get("/reviews/"+f.other.reviewID+"/examples/"+a), http.StatusNotFound)
}

// prExampleIDs lists the examples' ids in the order of their change links, keeping only those
// given (the demo review may hold examples of its own).
func prExampleIDs(t *testing.T, body string, keep ...string) []string {
	t.Helper()
	var out []string
	for _, m := range prExampleLinkRE.FindAllStringSubmatch(body, -1) {
		for _, k := range keep {
			if m[1] == k {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// exampleID finds an example by its idempotency key.
func (f *prFixture) exampleID(t *testing.T, key string) string {
	t.Helper()
	var id string
	if err := f.e.db.Super.QueryRow(context.Background(), `SELECT id FROM practice_examples WHERE review_id = $1 AND idempotency_key = $2`,
		f.reviewID, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

var prRecNumberRE = regexp.MustCompile(`Recommendation (\d+)</span>`)
var prRecIDRE = regexp.MustCompile(`id="recommendation-([0-9a-f-]{36})"`)

func prRecOrder(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, m := range prRecIDRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestRecommendations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	f1 := f.finding(t, "Parents valued the drop-in clinics.", "pr-f1")
	f2 := f.finding(t, "Data systems were separate.", "pr-f2")
	lead := e.signedIn("lead@demo.test")
	// The demo review may hold recommendations of its own: the new ones come after them.
	n0 := f.count(t, `SELECT count(*) FROM recommendations WHERE review_id = $1`, f.reviewID)
	num := func(k int) string { return strconv.Itoa(n0 + k) }

	r := lead.get(f.path("recommendations", "new"))
	prStatus(t, "new form", r, http.StatusOK)
	prBody(t, "new form", r, "Central and local government", "Local authorities and health partners", "Parents valued the drop-in clinics.", `value="`+f2+`"`)

	// 422s: nothing chosen; "someone else" without words; a finding of another review.
	r = lead.post(f.path("recommendations"), url.Values{"idempotency_key": {"pr-r0"}, "body": {""}})
	prStatus(t, "empty", r, http.StatusUnprocessableEntity)
	prBody(t, "empty", r, "Enter the recommendation", "Choose who the recommendation is for")
	r = lead.post(f.path("recommendations"), url.Values{"idempotency_key": {"pr-r0"}, "body": {"Keep this text"}, "addressee": {"other"}})
	prStatus(t, "other without words", r, http.StatusUnprocessableEntity)
	prBody(t, "other without words", r, `href="#addressee-other"`, "Enter who the recommendation is for", "Keep this text")
	r = lead.post(f.path("recommendations"), url.Values{"idempotency_key": {"pr-r0"}, "body": {"x"}, "addressee": {"Local areas"},
		"findings": {f1, f.otherFound}})
	prStatus(t, "another review's finding", r, http.StatusUnprocessableEntity)
	prBody(t, "another review's finding", r, "Choose findings of this review")
	if n := f.count(t, `SELECT count(*) FROM recommendations WHERE review_id = $1`, f.reviewID); n != n0 {
		t.Fatalf("%d recommendations after refusals", n)
	}

	one := url.Values{"idempotency_key": {"pr-r1"}, "body": {"Central government fund hubs."}, "addressee": {"Central government"},
		"findings": {f1, f2}}
	prStatus(t, "create 1", lead.post(f.path("recommendations"), one), http.StatusSeeOther)
	prStatus(t, "double submit", lead.post(f.path("recommendations"), one), http.StatusSeeOther)
	two := url.Values{"idempotency_key": {"pr-r2"}, "body": {"Ministers share data."}, "addressee": {"other"},
		"addressee_other": {"The Department for Education"}, "findings": {f2}}
	prStatus(t, "create 2", lead.post(f.path("recommendations"), two), http.StatusSeeOther)
	if n := e.auditCount("recommendation.created"); n != 2 {
		t.Fatalf("%d recommendation.created entries, want 2", n)
	}
	r = lead.get(f.path("recommendations"))
	prStatus(t, "list", r, http.StatusOK)
	prBody(t, "list", r, "Recommendation "+num(1), "Recommendation "+num(2), "The Department for Education",
		`href="/reviews/`+f.reviewID+`/findings/`+f1+`"`, `href="/reviews/`+f.reviewID+`/findings/`+f2+`"`)
	order := prRecOrder(t, r.Body)
	if len(order) != n0+2 {
		t.Fatalf("recommendations listed: %v", order)
	}
	r1, r2 := order[n0], order[n0+1]
	if i, j := strings.Index(r.Body, "Central government fund hubs."), strings.Index(r.Body, "Ministers share data."); i > j {
		t.Fatal("the first recommendation is not listed first")
	}

	// Reorder with the plain form: the second moves up and becomes number 1.
	r = lead.post(f.path("recommendations", r2, "move"), url.Values{"dir": {"up"}})
	prStatus(t, "move", r, http.StatusSeeOther)
	r = lead.get(f.path("recommendations"))
	prBody(t, "after move", r, "Recommendation "+num(2)+" is now number "+num(1))
	if got := prRecOrder(t, r.Body)[n0:]; strings.Join(got, ",") != r2+","+r1 {
		t.Fatalf("after moving up: %v", got)
	}
	if nums := prRecNumberRE.FindAllStringSubmatch(r.Body, -1); len(nums) != n0+2 || nums[n0][1] != num(1) || nums[n0+1][1] != num(2) {
		t.Fatalf("numbers after the move: %v", nums)
	}
	if i, j := strings.Index(r.Body, "Ministers share data."), strings.Index(r.Body, "Central government fund hubs."); i > j {
		t.Fatal("the moved recommendation is not first")
	}
	prStatus(t, "move the last down", lead.post(f.path("recommendations", r1, "move"), url.Values{"dir": {"down"}}), http.StatusSeeOther)
	if n := e.auditCount("recommendation.moved"); n != 1 {
		t.Fatalf("%d recommendation.moved entries, want 1 (a move that changes nothing is not one)", n)
	}

	// Edit: the "other" addressee comes back under "Someone else"; a stale edit is a 409.
	r = lead.get(f.path("recommendations", r2, "edit"))
	prStatus(t, "edit form", r, http.StatusOK)
	prBody(t, "edit form", r, "Change recommendation "+num(1), `value="The Department for Education"`)
	edit := url.Values{"version": {"1"}, "body": {"Ministers share data well."}, "addressee": {"Local areas"}, "findings": {f1}}
	prStatus(t, "edit", lead.post(f.path("recommendations", r2), edit), http.StatusSeeOther)
	edit.Set("body", "Stale words.")
	r = lead.post(f.path("recommendations", r2), edit)
	prStatus(t, "stale edit", r, http.StatusConflict)
	prBody(t, "stale edit", r, "Someone else changed this recommendation", "Stale words.", "Ministers share data well.")
	var addressee string
	var links int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT addressee, (SELECT count(*) FROM recommendation_findings WHERE recommendation_id = r.id)
		FROM recommendations r WHERE id = $1`, r2).Scan(&addressee, &links); err != nil {
		t.Fatal(err)
	}
	if addressee != "Local areas" || links != 1 {
		t.Fatalf("after edit: addressee %q, %d findings", addressee, links)
	}
	edit.Set("version", "2")
	edit["findings"] = []string{f.otherFound}
	prStatus(t, "edit with another review's finding", lead.post(f.path("recommendations", r2), edit), http.StatusUnprocessableEntity)

	// Delete: confirmation, then the rest move up a number.
	r = lead.post(f.path("recommendations", r2, "delete"), url.Values{"version": {"2"}})
	prStatus(t, "delete confirmation", r, http.StatusOK)
	prBody(t, "delete confirmation", r, "Are you sure you want to delete recommendation "+num(1)+"?")
	prStatus(t, "delete", lead.post(f.path("recommendations", r2, "delete"), url.Values{"version": {"2"}, "confirm": {"yes"}}), http.StatusSeeOther)
	r = lead.get(f.path("recommendations"))
	if nums := prRecNumberRE.FindAllStringSubmatch(r.Body, -1); len(nums) != n0+1 || nums[n0][1] != num(1) || !strings.Contains(r.Body, "Central government fund hubs.") {
		t.Fatalf("after delete: %v", nums)
	}
	for _, a := range []string{"recommendation.updated", "recommendation.deleted"} {
		if n := e.auditCount(a); n != 1 {
			t.Fatalf("%d %s entries, want 1", n, a)
		}
	}
	prStatus(t, "through another review", lead.get("/reviews/"+f.other.reviewID+"/recommendations/"+r1+"/edit"), http.StatusNotFound)
}

// The examples and recommendations pages run a fixed number of statements however many
// examples, candidates, recommendations and linked findings there are (no query per row).
func TestPracticePagesQueryCount(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newPrFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	var north string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E06000057'`,
		f.reviewID).Scan(&north); err != nil {
		t.Fatal(err)
	}
	add := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			fid := f.finding(t, "Finding "+strconv.Itoa(i), "qc-f-"+strconv.Itoa(i))
			prStatus(t, "recommendation", lead.post(f.path("recommendations"), url.Values{"idempotency_key": {"qc-r-" + strconv.Itoa(i)},
				"body": {"Recommendation " + strconv.Itoa(i)}, "addressee": {"Local areas"}, "findings": {fid}}), http.StatusSeeOther)
			prStatus(t, "example", lead.post(f.path("examples"), url.Values{"idempotency_key": {"qc-e-" + strconv.Itoa(i)},
				"area": {north}, "action_area": {f.actionArea}, "body": {"Example " + strconv.Itoa(i) + " in Northumberland."}}), http.StatusSeeOther)
		}
	}
	add(0, 1)
	pages := []string{f.path("examples"), f.path("recommendations")}
	few := map[string]int64{}
	for _, p := range pages {
		few[p], _ = measure(t, te, lead, p)
	}
	add(1, 25)
	for _, p := range pages {
		many, r := measure(t, te, lead, p)
		if many != few[p] || many > statementBudget {
			t.Errorf("GET %s: %d statements with 1 item, %d with 25 (budget %d)", p, few[p], many, statementBudget)
		}
		if !strings.Contains(r.Body, "24") {
			t.Errorf("GET %s does not list the 25th item", p)
		}
		t.Logf("GET %s: %d statements", p, many)
	}
}

// An example naming someone is refused with what was found, keeping what was typed, until the
// writer edits it or confirms it is not personal data; a confirmation is audited.
func TestExamplePersonalDataFlaggedThenConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newPrFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	before := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, f.reviewID)
	form := url.Values{"idempotency_key": {"pr-pd"}, "note": {f.cand1}, "action_area": {f.actionArea},
		"title": {"Drop-in"}, "body": {"Mrs Jane Smith said the drop-in at 14 High Street, Morpeth helped her."}}
	r := lead.post(f.path("examples"), form)
	prStatus(t, "personal data", r, http.StatusUnprocessableEntity)
	prBody(t, "personal data", r, "There is a problem", "2 possible items of personal data: a person's name, an address",
		"Change the text, or confirm it is not personal data", "Mrs Jane Smith", "14 High Street, Morpeth",
		"I have checked: this is not personal data, keep it", "helped her.</textarea>")
	if n := f.count(t, `SELECT count(*) FROM practice_examples WHERE review_id = $1`, f.reviewID); n != before {
		t.Fatalf("%d examples after a refusal, want %d", n, before)
	}
	// A member of the review's staff is named as staff, not as someone who uses the service.
	staff := url.Values{"idempotency_key": {"pr-pd-staff"}, "note": {f.cand1}, "action_area": {f.actionArea},
		"body": {"Lee Lead said the drop-in was busy."}}
	r = lead.post(f.path("examples"), staff)
	prStatus(t, "staff name", r, http.StatusUnprocessableEntity)
	prBody(t, "staff name", r, "This looks like the name of a member of staff")
	if strings.Contains(r.Body, "uses the service") {
		t.Fatal("a member of staff is called a person who uses the service")
	}
	form.Set("confirm_personal_data", "yes")
	r = lead.post(f.path("examples"), form)
	prStatus(t, "confirmed", r, http.StatusSeeOther)
	if n := e.auditCount("example.personal_data_confirmed"); n != 1 {
		t.Fatalf("%d confirmations audited, want 1", n)
	}
	id := f.exampleID(t, "pr-pd")
	// An edit that names someone is refused the same way, and nothing changes.
	edit := url.Values{"version": {"1"}, "action_area": {f.actionArea}, "body": {"Sarah Jones said the hub helped."}}
	r = lead.post(f.path("examples", id), edit)
	prStatus(t, "edit with a name", r, http.StatusUnprocessableEntity)
	prBody(t, "edit with a name", r, "a person's name", "Sarah Jones said the hub helped.</textarea>")
	if n := f.count(t, `SELECT count(*) FROM practice_examples WHERE id = $1 AND version = 1`, id); n != 1 {
		t.Fatal("a refused edit changed the example")
	}
	edit.Set("body", "A parent said the hub helped.")
	prStatus(t, "edited", lead.post(f.path("examples", id), edit), http.StatusSeeOther)
	if n := e.auditCount("example.personal_data_confirmed"); n != 1 {
		t.Fatalf("%d confirmations audited after a clean edit, want 1", n)
	}
}
