package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/review"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/areas":                  reviewReadStaff,
		"GET /reviews/{reviewID}/areas/add":              reviewLeadWrite,
		"POST /reviews/{reviewID}/areas":                 reviewLeadWrite,
		"GET /reviews/{reviewID}/areas/{areaID}":         reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/remove": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// areasOther is a second review in the demo tenant, led by the same lead, with an area, a member
// and a pending invitation: its ids must be not found through the fixture's review.
type areasOther struct {
	reviewID, areaID, memberID, inviteID string
}

func areasOtherReview(t *testing.T, e *env, f reviewFixture) areasOther {
	t.Helper()
	ctx := context.Background()
	var o areasOther
	var leadID, observerID string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'observer@demo.test'`).Scan(&observerID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		if o.reviewID, err = review.Create(ctx, tx, f.tenantID, leadID, review.Review{Title: "Another review"}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000027') RETURNING id`,
			f.tenantID, o.reviewID).Scan(&o.areaID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'observer') RETURNING id`,
			f.tenantID, o.reviewID, observerID).Scan(&o.memberID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO review_member_invites (tenant_id, review_id, email, name, role) VALUES ($1, $2, 'x@demo.test', 'X', 'observer') RETURNING id`,
			f.tenantID, o.reviewID).Scan(&o.inviteID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// areasAddVisit gives an area of the fixture's review a visit starting on a day.
func areasAddVisit(t *testing.T, e *env, f reviewFixture, areaID string, start time.Time) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, $4, 2)`,
			f.tenantID, f.reviewID, areaID, start)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// areasVisit reads a visit's days as the pages write them: "8 to 9 August 2023" for the span,
// "8 and 9 August 2023" for someone on site both days, and "8 August 2023" for its start.
func areasVisit(t *testing.T, e *env, visitID string) (span, bothDays, start string) {
	t.Helper()
	var first time.Time
	var days int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT start_date, days FROM visits WHERE id = $1`, visitID).Scan(&first, &days); err != nil {
		t.Fatal(err)
	}
	if days != 2 {
		t.Fatalf("the fixture's visit lasts %d days; these tests expect 2", days)
	}
	last := first.AddDate(0, 0, 1)
	start = first.Format("2 January 2006")
	if first.Month() == last.Month() {
		return first.Format("2") + " to " + last.Format("2 January 2006"), first.Format("2") + " and " + last.Format("2 January 2006"), start
	}
	return first.Format("2 January") + " to " + last.Format("2 January 2006"), first.Format("2 January") + " and " + last.Format("2 January 2006"), start
}

func (f reviewFixture) areasURL(rest string) string {
	return "/reviews/" + f.reviewID + "/areas" + rest
}

func areasWantStatus(t *testing.T, what string, r resp, status int, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
		return
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s: page does not say %q", what, s)
		}
	}
}

func TestAreasListShowsEachAreaWithItsStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	// A third area with a visit in the future, and a fourth with none.
	if r := lead.post(f.areasURL(""), url.Values{"ons_code": {"E06000027"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add Torbay: %d", r.Status)
	}
	if r := lead.post(f.areasURL(""), url.Values{"ons_code": {"E06000046"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add Isle of Wight: %d", r.Status)
	}
	var torbay string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E06000027'`,
		f.reviewID).Scan(&torbay); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().AddDate(0, 0, 30)
	soon = time.Date(soon.Year(), soon.Month(), soon.Day(), 0, 0, 0, 0, time.UTC)
	areasAddVisit(t, e, f, torbay, soon)

	page := lead.get(f.areasURL(""))
	areasWantStatus(t, "lead's list", page, http.StatusOK, "Access review", "4 areas in this review",
		"Northumberland", "E06000057", "North East", "Sunderland", "E08000024", "Torbay", "Isle of Wight",
		"Visited", "Visit scheduled for "+soon.Format("2 January 2006"), "No visit scheduled", "No local authority contact",
		`href="/reviews/`+f.reviewID+`/areas/`+f.area1+`"`, `href="/reviews/`+f.reviewID+`/"`, "Add an area", `action="/reviews/`+f.reviewID+`/areas/add"`)

	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get(f.areasURL(""))
		areasWantStatus(t, who, r, http.StatusOK, "Northumberland", "Sunderland")
		if strings.Contains(r.Body, "Add an area") {
			t.Errorf("%s is offered to add an area", who)
		}
	}
	areasWantStatus(t, "contact", e.signedIn("la.contact@demo.test").get(f.areasURL("")), http.StatusForbidden)
	areasWantStatus(t, "outsider", e.signedIn("admin@demo.test").get(f.areasURL("")), http.StatusNotFound)
	areasWantStatus(t, "other tenant", e.signedIn("admin@other.test").get(f.areasURL("")), http.StatusNotFound)
}

func TestAreasSearchAndAdd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	// The search form works without JavaScript: a GET with the query.
	r := lead.get(f.areasURL("/add?q=hull"))
	areasWantStatus(t, "search hull", r, http.StatusOK, "Kingston upon Hull", "E06000010", "Yorkshire and The Humber", "Unitary authority",
		`name="ons_code" value="E06000010"`, "Solihull")
	if strings.Contains(r.Body, "Hull, City of") {
		t.Error("the official name's suffix is shown")
	}
	r = lead.get(f.areasURL("/add?q=northumb"))
	areasWantStatus(t, "search an area already added", r, http.StatusOK, "Northumberland", "Already added")
	if strings.Contains(r.Body, `value="E06000057"`) {
		t.Error("an area already in the review can be added again")
	}
	areasWantStatus(t, "search by code", lead.get(f.areasURL("/add?q=e0600004")), http.StatusOK, "County Durham", "Isle of Wight")
	areasWantStatus(t, "no match", lead.get(f.areasURL("/add?q=Atlantis")), http.StatusOK, "No local authorities match ‘Atlantis’")
	areasWantStatus(t, "the page before searching", lead.get(f.areasURL("/add")), http.StatusOK, "Name or ONS code of the local authority")
	areasWantStatus(t, "empty search", lead.get(f.areasURL("/add?q=+")), http.StatusUnprocessableEntity,
		"There is a problem", "Enter the name or ONS code of a local authority", `href="#q"`)
	areasWantStatus(t, "long search", lead.get(f.areasURL("/add?q="+strings.Repeat("a", 101))), http.StatusUnprocessableEntity,
		"Search must be 100 characters or fewer")

	r = lead.post(f.areasURL(""), url.Values{"ons_code": {"E06000010"}, "q": {"hull"}})
	if r.Status != http.StatusSeeOther || r.Location != f.areasURL("") {
		t.Fatalf("add: %d %s", r.Status, r.Location)
	}
	areasWantStatus(t, "list after adding", lead.get(f.areasURL("")), http.StatusOK, "Kingston upon Hull has been added to the review", "Kingston upon Hull")
	if n := e.auditCount("review_area.added"); n != 1 {
		t.Errorf("%d review_area.added entries", n)
	}

	// Bad input: the same area again, an unknown code, none, nonsense.
	areasWantStatus(t, "duplicate", lead.post(f.areasURL(""), url.Values{"ons_code": {"E06000010"}, "q": {"hull"}}), http.StatusUnprocessableEntity,
		"Kingston upon Hull is already in this review", `href="#ons-code"`, `id="ons-code"`, "Solihull")
	areasWantStatus(t, "unknown", lead.post(f.areasURL(""), url.Values{"ons_code": {"E06999999"}}), http.StatusUnprocessableEntity,
		"There is no English upper-tier local authority with the ONS code E06999999")
	areasWantStatus(t, "none", lead.post(f.areasURL(""), url.Values{}), http.StatusUnprocessableEntity,
		"Choose a local authority to add from the search results")
	areasWantStatus(t, "overlong", lead.post(f.areasURL(""), url.Values{"ons_code": {strings.Repeat("E", 500)}}), http.StatusUnprocessableEntity,
		"Choose a local authority from the search results")
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM review_areas WHERE review_id = $1`, f.reviewID).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d areas (%v), want 3", n, err)
	}

	// Only the lead adds.
	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		c := e.signedIn(who)
		areasWantStatus(t, who+" searches", c.get(f.areasURL("/add?q=hull")), want)
		areasWantStatus(t, who+" adds", c.post(f.areasURL(""), url.Values{"ons_code": {"E06000027"}}), want)
	}
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM review_areas WHERE review_id = $1`, f.reviewID).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d areas after refused adds, want 3", n)
	}
}

func TestAreaPageShowsVisitsAndContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)

	span1, both1, _ := areasVisit(t, e, f.visit1)
	span2, _, _ := areasVisit(t, e, f.visit2)
	lead := e.signedIn("lead@demo.test")
	areasWantStatus(t, "lead", lead.get(f.areasURL("/"+f.area1)), http.StatusOK,
		"<h1", "Northumberland", "Access review", "E06000057", "North East", "Unitary authority", "Visited",
		span1, "Ira Inspector", "Early Years Inspector (Ofsted)", both1,
		"Lou Contact", "la.contact@demo.test", "Remove Northumberland from the review")
	areasWantStatus(t, "area without a team", lead.get(f.areasURL("/"+f.area2)), http.StatusOK,
		"Sunderland", span2, "No one has been put on the team yet", "No local authority contact has been added yet")

	// The contact's home in the review: their own area only.
	contact := e.signedIn("la.contact@demo.test")
	r := contact.get(f.areasURL("/" + f.area1))
	areasWantStatus(t, "contact, own area", r, http.StatusOK, "You are the local authority contact for Northumberland", span1, "Ira Inspector")
	if strings.Contains(r.Body, "Remove Northumberland") || strings.Contains(r.Body, `href="/reviews/`+f.reviewID+`/areas"`) {
		t.Error("the contact is offered the areas list or removal")
	}
	areasWantStatus(t, "contact, another area", contact.get(f.areasURL("/"+f.area2)), http.StatusNotFound)

	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get(f.areasURL("/" + f.area2))
		areasWantStatus(t, who, r, http.StatusOK, "Sunderland")
		if strings.Contains(r.Body, "Remove Sunderland") {
			t.Errorf("%s is offered removal", who)
		}
	}
	areasWantStatus(t, "another review's area", lead.get(f.areasURL("/"+other.areaID)), http.StatusNotFound)
	areasWantStatus(t, "malformed id", lead.get(f.areasURL("/not-an-id")), http.StatusNotFound)
	areasWantStatus(t, "outsider", e.signedIn("admin@demo.test").get(f.areasURL("/"+f.area1)), http.StatusNotFound)
	areasWantStatus(t, "other tenant", e.signedIn("admin@other.test").get(f.areasURL("/"+f.area1)), http.StatusNotFound)
}

func TestAreaRemoveIsRefusedWhileVisitsOrPeopleHoldIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)
	lead := e.signedIn("lead@demo.test")
	span1, _, _ := areasVisit(t, e, f.visit1)

	areasWantStatus(t, "area with a visit and a contact", lead.post(f.areasURL("/"+f.area1+"/remove"), nil), http.StatusUnprocessableEntity,
		"There is a problem", "You cannot remove Northumberland because it has 1 visit and a local authority contact (Lou Contact)",
		`href="#remove"`, span1)
	areasWantStatus(t, "area with a visit", lead.post(f.areasURL("/"+f.area2+"/remove"), nil), http.StatusUnprocessableEntity,
		"You cannot remove Sunderland because it has 1 visit.")

	// A contact invited for an area holds it too.
	lead.post(f.areasURL(""), url.Values{"ons_code": {"E06000027"}})
	var torbay string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM review_areas WHERE review_id = $1 AND ons_code = 'E06000027'`,
		f.reviewID).Scan(&torbay); err != nil {
		t.Fatal(err)
	}
	r := lead.post("/reviews/"+f.reviewID+"/people", url.Values{"email": {"torbay.contact@example.org"}, "name": {"Tori Bay"},
		"role": {"la_contact"}, "area": {torbay}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite a contact for Torbay: %d\n%s", r.Status, r.Body)
	}
	areasWantStatus(t, "area with an invited contact", lead.post(f.areasURL("/"+torbay+"/remove"), nil), http.StatusUnprocessableEntity,
		"a pending invitation for a local authority contact (torbay.contact@example.org)")

	// Read-only people cannot remove.
	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		areasWantStatus(t, who, e.signedIn(who).post(f.areasURL("/"+torbay+"/remove"), nil), want)
	}

	// A free area goes, once; another review's area is not found.
	var invite string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM review_member_invites WHERE email = 'torbay.contact@example.org'`).Scan(&invite); err != nil {
		t.Fatal(err)
	}
	if r := lead.post("/reviews/"+f.reviewID+"/people/invites/"+invite+"/remove", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Status)
	}
	r = lead.post(f.areasURL("/"+torbay+"/remove"), nil)
	if r.Status != http.StatusSeeOther || r.Location != f.areasURL("") {
		t.Fatalf("remove a free area: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	areasWantStatus(t, "list after removing", lead.get(f.areasURL("")), http.StatusOK, "Torbay has been removed from the review")
	if n := e.auditCount("review_area.removed"); n != 1 {
		t.Errorf("%d review_area.removed entries", n)
	}
	areasWantStatus(t, "remove twice", lead.post(f.areasURL("/"+torbay+"/remove"), nil), http.StatusNotFound)
	areasWantStatus(t, "another review's area", lead.post(f.areasURL("/"+other.areaID+"/remove"), nil), http.StatusNotFound)
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM review_areas WHERE id = $1`, other.areaID).Scan(&n); err != nil || n != 1 {
		t.Errorf("the other review's area was touched: %d %v", n, err)
	}
}
