package server_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

func init() {
	// The list and create routes sit outside any review.
	accessTable["GET /reviews"] = signedIn
	accessTable["GET /reviews/new"] = rule{signIn, ok, ok, ok} // the member persona is inspectorate staff
	accessTable["POST /reviews"] = rule{signIn, ok, ok, ok}
	for k, v := range map[string]reviewRule{
		// Any member sees the overview; a contact's is reduced to their own area.
		"GET /reviews/{reviewID}/":        {signIn, missing, ok, ok, ok, ok, ok, missing},
		"GET /reviews/{reviewID}/edit":    reviewLeadWrite,
		"POST /reviews/{reviewID}/edit":   reviewLeadWrite,
		"POST /reviews/{reviewID}/status": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

var rvtKeyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// rvtNewForm opens the create form and returns its hidden fields with a good set of details.
func rvtNewForm(c *client) url.Values {
	c.t.Helper()
	r := c.get("/reviews/new")
	if r.Status != http.StatusOK {
		c.t.Fatalf("GET /reviews/new: %d", r.Status)
	}
	key := rvtKeyRE.FindStringSubmatch(r.Body)
	token := csrfRE.FindStringSubmatch(r.Body)
	if key == nil || token == nil {
		c.t.Fatalf("create form has no idempotency key or CSRF token:\n%s", r.Body)
	}
	return url.Values{"csrf_token": {token[1]}, "idempotency_key": {key[1]}, "title": {"Start for Life services"},
		"summary": {"A joint review."}, "key_question": {""},
		"fieldwork-start-day": {"1"}, "fieldwork-start-month": {"8"}, "fieldwork-start-year": {"2023"},
		"fieldwork-end-day": {"31"}, "fieldwork-end-month": {"8"}, "fieldwork-end-year": {"2023"},
		"planned-publication-day": {"30"}, "planned-publication-month": {"4"}, "planned-publication-year": {"2024"},
		"start": {"template"}}
}

// rvtCreate creates a review through the form and returns its id.
func rvtCreate(c *client, mod func(url.Values)) string {
	c.t.Helper()
	f := rvtNewForm(c)
	if mod != nil {
		mod(f)
	}
	r := c.post("/reviews", f)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/reviews/") {
		c.t.Fatalf("create review: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	return rvtIDFrom(r.Location)
}

func rvtIDFrom(loc string) string {
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/reviews/"), "/")
}

// rvtInt runs a counting query as the superuser.
func (e *env) rvtInt(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (e *env) rvtString(sql string, args ...any) string {
	e.t.Helper()
	var s string
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// rvtLineCounts is the number of lines in each enquiry group of a review, in order.
func (e *env) rvtLineCounts(reviewID string) []int {
	e.t.Helper()
	rows, err := e.db.Super.Query(context.Background(), `SELECT (SELECT count(*) FROM enquiry_lines l WHERE l.group_id = g.id)
		FROM enquiry_groups g WHERE g.review_id = $1 ORDER BY g.position`, reviewID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func rvtEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// rvtFix is the demo tenant's review (the Start for Life review of the demo data: 6 areas, 6
// visits, 9 members, the template's framework and lines of enquiry) and another tenant whose
// admin is admin@elsewhere.test.
type rvtFix struct {
	tenantID, reviewID     string
	ownArea, otherArea     string // the contact's area (Northumberland) and another (Sunderland)
	enquiryGroupID, lineID string // the first group and its first line
}

func rvtFixture(t *testing.T, e *env) rvtFix {
	t.Helper()
	ctx := context.Background()
	var f rvtFix
	f.tenantID = e.rvtString(`SELECT id::text FROM tenants WHERE slug = $1`, demo.TenantSlug)
	f.reviewID = e.rvtString(`SELECT id::text FROM reviews WHERE tenant_id = $1 AND title = $2`, f.tenantID, demo.ReviewTitle)
	f.ownArea = e.rvtString(`SELECT id::text FROM review_areas WHERE review_id = $1 AND ons_code = 'E06000057'`, f.reviewID)
	f.otherArea = e.rvtString(`SELECT id::text FROM review_areas WHERE review_id = $1 AND ons_code = 'E08000024'`, f.reviewID)
	f.enquiryGroupID = e.rvtString(`SELECT id::text FROM enquiry_groups WHERE review_id = $1 ORDER BY position LIMIT 1`, f.reviewID)
	f.lineID = e.rvtString(`SELECT id::text FROM enquiry_lines WHERE group_id = $1 ORDER BY position LIMIT 1`, f.enquiryGroupID)
	var other string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	pw, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: other}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, other, "rvt-elsewhere", "Elsewhere Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "admin@elsewhere.test", "Elsewhere Admin", pw)
		if err != nil {
			return err
		}
		return user.AddMember(ctx, tx, other, id, auth.RoleAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCreateReviewFromTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	id := rvtCreate(lead, nil)

	if n := e.rvtInt(`SELECT count(*) FROM framework_groups WHERE review_id = $1`, id); n != 2 {
		t.Errorf("framework groups = %d, want 2", n)
	}
	if n := e.rvtInt(`SELECT count(*) FROM action_areas WHERE review_id = $1`, id); n != 6 {
		t.Errorf("action areas = %d, want 6", n)
	}
	if got := e.rvtLineCounts(id); !rvtEqual(got, []int{6, 4, 1}) {
		t.Errorf("lines of enquiry per group = %v, want [6 4 1]", got)
	}
	if role := e.rvtString(`SELECT m.role FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.review_id = $1 AND u.email = 'lead@demo.test'`, id); role != "lead" {
		t.Errorf("creator's role = %q", role)
	}
	// The template's key question fills the one left blank; the dates are as typed.
	if q := e.rvtString(`SELECT key_question FROM reviews WHERE id = $1`, id); !strings.Contains(q, "Start for Life services") {
		t.Errorf("key question = %q", q)
	}
	if d := e.rvtString(`SELECT fieldwork_end::text FROM reviews WHERE id = $1`, id); d != "2023-08-31" {
		t.Errorf("fieldwork end = %s", d)
	}
	var after map[string]string
	if err := json.Unmarshal([]byte(e.rvtString(`SELECT after::text FROM audit_log WHERE action = 'review.created' AND object_id = $1`, id)), &after); err != nil {
		t.Fatal(err)
	}
	if after["start"] != "template" || after["template"] != "start-for-life" || after["idempotency_key"] == "" {
		t.Errorf("audit entry = %v", after)
	}

	r := lead.get("/reviews/" + id + "/")
	if r.Status != http.StatusOK {
		t.Fatalf("overview: %d", r.Status)
	}
	for _, want := range []string{"Start for Life services", "6 action areas", "2 groups", "11 lines of enquiry", "3 groups",
		"1 August 2023 to 31 August 2023", "30 April 2024", "Set-up", "Review created"} {
		if !strings.Contains(html.UnescapeString(r.Body), want) {
			t.Errorf("overview does not say %q", want)
		}
	}
}

func TestCreateBlankReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	id := rvtCreate(lead, func(f url.Values) { f.Set("start", "blank"); f.Set("key_question", "Typed question?") })
	for _, table := range []string{"framework_groups", "action_areas", "enquiry_groups", "enquiry_lines"} {
		if n := e.rvtInt(`SELECT count(*) FROM `+table+` WHERE review_id = $1`, id); n != 0 {
			t.Errorf("%s: %d rows, want none", table, n)
		}
	}
	if q := e.rvtString(`SELECT key_question FROM reviews WHERE id = $1`, id); q != "Typed question?" {
		t.Errorf("key question = %q", q)
	}
	r := lead.get("/reviews/" + id + "/")
	if !strings.Contains(r.Body, "Not started") {
		t.Error("a blank review's overview does not say what is not started")
	}
}

func TestCreateReviewCopyingAnother(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	src := rvtCreate(lead, nil)
	// Make the source differ from the template, so the copy is seen to come from it.
	r := lead.post("/reviews/"+src+"/enquiry/groups", url.Values{"title": {"Local context"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add group: %d", r.Status)
	}
	gid := e.rvtString(`SELECT id::text FROM enquiry_groups WHERE review_id = $1 AND title = 'Local context'`, src)
	if r := lead.post("/reviews/"+src+"/enquiry/lines", url.Values{"group_id": {gid}, "question": {"What is local?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add line: %d", r.Status)
	}
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE action_areas SET title = 'Seamless support, renamed' WHERE review_id = $1 AND position = 1
		AND group_id = (SELECT id FROM framework_groups WHERE review_id = $1 AND position = 1)`, src); err != nil {
		t.Fatal(err)
	}

	// The form offers the reviews the user leads.
	if body := lead.get("/reviews/new").Body; !strings.Contains(body, `value="`+src+`"`) {
		t.Fatal("the create form does not offer the lead's review to copy")
	}
	cp := rvtCreate(lead, func(f url.Values) { f.Set("start", "copy"); f.Set("copy_from", src); f.Set("title", "The copy") })
	if got := e.rvtLineCounts(cp); !rvtEqual(got, []int{6, 4, 1, 1}) {
		t.Errorf("copied lines per group = %v, want [6 4 1 1]", got)
	}
	if n := e.rvtInt(`SELECT count(*) FROM action_areas WHERE review_id = $1`, cp); n != 6 {
		t.Errorf("copied action areas = %d", n)
	}
	if n := e.rvtInt(`SELECT count(*) FROM action_areas WHERE review_id = $1 AND title = 'Seamless support, renamed'`, cp); n != 1 {
		t.Error("the copy's framework is not the source's")
	}
	if after := e.rvtString(`SELECT after->>'copied_from' FROM audit_log WHERE action = 'review.created' AND object_id = $1`, cp); after != src {
		t.Errorf("audit copied_from = %q", after)
	}

	// A review the user does not lead cannot be copied, even by typing its id.
	other := e.signedIn("inspector@demo.test")
	theirs := rvtCreate(other, nil)
	before := e.rvtInt(`SELECT count(*) FROM reviews`)
	f := rvtNewForm(lead)
	f.Set("start", "copy")
	f.Set("copy_from", theirs)
	r = lead.post("/reviews", f)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select a review you lead to copy from") {
		t.Fatalf("copy of someone else's review: %d", r.Status)
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews`); n != before {
		t.Fatalf("reviews %d → %d after a refused copy", before, n)
	}
}

func TestCreateReviewTwiceWithTheSameKeyMakesOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	reviews := e.rvtInt(`SELECT count(*) FROM reviews`) // the demo data has its own review
	created := e.auditCount("review.created")
	f := rvtNewForm(lead)
	first := lead.post("/reviews", f)
	second := lead.post("/reviews", f)
	if first.Status != http.StatusSeeOther || second.Status != http.StatusSeeOther || first.Location != second.Location {
		t.Fatalf("double submit: %d %s, %d %s", first.Status, first.Location, second.Status, second.Location)
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews`); n != reviews+1 {
		t.Fatalf("%d new reviews after a double submit", n-reviews)
	}
	if !strings.Contains(lead.get(second.Location).Body, "already been created") {
		t.Error("the second submit is not told the review already exists")
	}

	// Sent at the same moment, the requests take turns on the key.
	f = rvtNewForm(lead)
	f.Set("title", "Raced")
	var wg sync.WaitGroup
	locs := make([]string, 4)
	for i := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.ts.URL+"/reviews", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := lead.http.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			locs[i] = res.Header.Get("Location")
		}()
	}
	wg.Wait()
	for _, l := range locs {
		if l == "" || l != locs[0] {
			t.Fatalf("concurrent submits went to %v", locs)
		}
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews WHERE title = 'Raced'`); n != 1 {
		t.Fatalf("%d reviews after concurrent submits", n)
	}
	if n := e.auditCount("review.created"); n != created+2 {
		t.Fatalf("%d review.created entries, want 2", n-created)
	}

	// A form without its key is refused rather than created without protection.
	f = rvtNewForm(lead)
	f.Del("idempotency_key")
	if r := lead.post("/reviews", f); r.Status != http.StatusBadRequest {
		t.Fatalf("no key: %d", r.Status)
	}
}

func TestCreateReviewBadInputKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	reviews := e.rvtInt(`SELECT count(*) FROM reviews`)
	created := e.auditCount("review.created")
	cases := []struct {
		name    string
		mod     func(url.Values)
		field   string
		message string
		kept    []string
	}{
		{"empty title", func(f url.Values) { f.Set("title", "  ") }, "title", "Enter a title for the review",
			[]string{`value="1"`, `>A joint review.</textarea>`}},
		{"title over 200", func(f url.Values) { f.Set("title", strings.Repeat("t", 201)) }, "title",
			"Title must be 200 characters or fewer", []string{`value="` + strings.Repeat("t", 201) + `"`}},
		{"end before start", func(f url.Values) { f.Set("fieldwork-end-month", "7") }, "fieldwork-end-day",
			"End of fieldwork must be the same as or after the start", []string{`name="fieldwork-end-month" type="text" inputmode="numeric" value="7"`}},
		{"impossible date", func(f url.Values) {
			f.Set("fieldwork-start-day", "31")
			f.Set("fieldwork-start-month", "2")
		}, "fieldwork-start-day", "Start of fieldwork must be a real date",
			[]string{`name="fieldwork-start-day" type="text" inputmode="numeric" value="31"`, `name="fieldwork-start-month" type="text" inputmode="numeric" value="2"`}},
		{"no start choice", func(f url.Values) { f.Del("start") }, "start", "Select what the review starts from", nil},
	}
	for _, c := range cases {
		f := rvtNewForm(lead)
		key := f.Get("idempotency_key")
		c.mod(f)
		r := lead.post("/reviews", f)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", c.name, r.Status)
			continue
		}
		body := html.UnescapeString(r.Body)
		if !strings.Contains(body, `href="#`+c.field+`"`) || !strings.Contains(body, c.message) {
			t.Errorf("%s: no error %q linked to #%s", c.name, c.message, c.field)
		}
		if !strings.Contains(body, `id="`+c.field+`"`) {
			t.Errorf("%s: no field with id %s", c.name, c.field)
		}
		if !strings.Contains(body, "<title>Error: ") {
			t.Errorf("%s: the title does not start with Error:", c.name)
		}
		for _, k := range c.kept {
			if !strings.Contains(body, k) {
				t.Errorf("%s: what was typed is not kept: %s", c.name, k)
			}
		}
		if !strings.Contains(body, `value="`+key+`"`) {
			t.Errorf("%s: the idempotency key is not kept", c.name)
		}
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews`); n != reviews {
		t.Fatalf("%d reviews created from bad input", n-reviews)
	}
	if n := e.auditCount("review.created"); n != created {
		t.Fatalf("%d audit entries from bad input", n-created)
	}
}

func TestOnlyInspectorateStaffCreateReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reviews := e.rvtInt(`SELECT count(*) FROM reviews`)
	observer := e.signedIn("observer@demo.test") // an external member of the tenant
	if r := observer.get("/reviews/new"); r.Status != http.StatusForbidden {
		t.Errorf("external member GET /reviews/new: %d", r.Status)
	}
	if r := observer.post("/reviews", url.Values{"title": {"Mine"}, "start": {"blank"}, "idempotency_key": {strings.Repeat("a", 32)}}); r.Status != http.StatusForbidden {
		t.Errorf("external member POST /reviews: %d", r.Status)
	}
	if body := observer.get("/reviews").Body; strings.Contains(body, "Create a review") {
		t.Error("an external member is offered to create a review")
	}
	if body := e.signedIn("admin@demo.test").get("/reviews").Body; !strings.Contains(body, "Create a review") {
		t.Error("the tenant admin is not offered to create a review")
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews`); n != reviews {
		t.Fatalf("%d reviews created", n-reviews)
	}
}

func TestReviewListShowsOnlyTheUsersReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e) // the demo review: lead, inspectors (cqc.inspector too), observer and contact
	cqc := e.signedIn("cqc.inspector@demo.test")
	rvtCreate(cqc, func(v url.Values) { v.Set("title", "CQC's own review") })

	for _, c := range []struct {
		email      string
		sees       []string
		doesNotSee []string
	}{
		{"lead@demo.test", []string{demo.ReviewTitle, "Review lead", "1 August 2023 to 31 August 2023"}, []string{"CQC's own review"}},
		{"inspector@demo.test", []string{demo.ReviewTitle, "Inspector"}, []string{"CQC's own review"}},
		{"la.contact@demo.test", []string{demo.ReviewTitle, "Local authority contact"}, []string{"CQC's own review"}},
		{"observer@demo.test", []string{demo.ReviewTitle, "Observer"}, []string{"CQC's own review"}},
		{"cqc.inspector@demo.test", []string{"CQC's own review", demo.ReviewTitle}, nil},
		{"admin@demo.test", []string{"You are not a member of any review yet"}, []string{demo.ReviewTitle, "CQC's own review"}},
		{"admin@elsewhere.test", []string{"You are not a member of any review yet"}, []string{demo.ReviewTitle, "CQC's own review"}},
	} {
		c2 := e.signedIn(c.email)
		for _, path := range []string{"/reviews", "/"} {
			r := c2.get(path)
			body := html.UnescapeString(r.Body)
			if r.Status != http.StatusOK {
				t.Errorf("%s GET %s: %d", c.email, path, r.Status)
			}
			for _, s := range c.sees {
				if !strings.Contains(body, s) {
					t.Errorf("%s GET %s: does not show %q", c.email, path, s)
				}
			}
			for _, s := range c.doesNotSee {
				if strings.Contains(body, s) {
					t.Errorf("%s GET %s: shows %q", c.email, path, s)
				}
			}
		}
	}
	if body := e.signedIn("lead@demo.test").get("/").Body; !strings.Contains(body, `href="/reviews/`+f.reviewID+`/"`) {
		t.Error("the home page does not link to the review")
	}
}

func TestOverviewByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	path := "/reviews/" + f.reviewID + "/"

	lead := e.signedIn("lead@demo.test").get(path)
	for _, want := range []string{demo.ReviewTitle, "6 action areas", "11 lines of enquiry", "6 areas", "6 visits", "10 people",
		"Change details", "Move on to Drafting", "Move back to Fieldwork", "/framework", "/enquiry", "/areas", "/people", "/visits", "/visits/timeline"} {
		if !strings.Contains(lead.Body, want) {
			t.Errorf("lead's overview does not show %q", want)
		}
	}
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(email).get(path)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "6 action areas") || !strings.Contains(r.Body, "/enquiry") {
			t.Errorf("%s's overview: %d", email, r.Status)
		}
		if strings.Contains(r.Body, "Change details") || strings.Contains(r.Body, "Move on to") {
			t.Errorf("%s is offered the lead's buttons", email)
		}
	}

	contact := e.signedIn("la.contact@demo.test").get(path)
	if contact.Status != http.StatusOK {
		t.Fatalf("contact's overview: %d", contact.Status)
	}
	if !strings.Contains(contact.Body, "Northumberland") || !strings.Contains(contact.Body, `href="/reviews/`+f.reviewID+`/areas/`+f.ownArea+`"`) {
		t.Error("the contact's overview does not show their own area")
	}
	sub := "/reviews/" + f.reviewID + "/"
	for _, never := range []string{"Sunderland", "Durham", "Hull", "Torbay", "Isle of Wight", f.otherArea, sub + "framework",
		sub + "people", sub + "enquiry", sub + "visits", sub + "areas\"", "action areas", "Change details", "Move on to"} {
		if strings.Contains(contact.Body, never) {
			t.Errorf("the contact's overview shows %q", never)
		}
	}

	if r := e.signedIn("admin@demo.test").get(path); r.Status != http.StatusNotFound {
		t.Errorf("tenant admin outside the review: %d", r.Status)
	}
	if r := e.signedIn("admin@elsewhere.test").get(path); r.Status != http.StatusNotFound {
		t.Errorf("another tenant's admin: %d", r.Status)
	}
	if r := e.signedIn("lead@demo.test").get("/reviews/not-a-uuid/"); r.Status != http.StatusNotFound {
		t.Errorf("malformed id: %d", r.Status)
	}
}

// rvtVersion reads the review's version.
func (e *env) rvtVersion(reviewID string) string {
	return e.rvtString(`SELECT version::text FROM reviews WHERE id = $1`, reviewID)
}

func rvtDetails(version string) url.Values {
	return url.Values{"version": {version}, "title": {"Renamed review"}, "summary": {""}, "key_question": {"Why?"},
		"fieldwork-start-day": {"1"}, "fieldwork-start-month": {"8"}, "fieldwork-start-year": {"2023"},
		"fieldwork-end-day": {"31"}, "fieldwork-end-month": {"8"}, "fieldwork-end-year": {"2023"}}
}

func TestEditReviewDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	base := "/reviews/" + f.reviewID
	lead := e.signedIn("lead@demo.test")
	// The seeded review's version: the demo sets its stage through review.SetStage, a change.
	v0 := e.rvtVersion(f.reviewID)

	form := lead.get(base + "/edit")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `name="version" value="`+v0+`"`) || !strings.Contains(form.Body, `value="`+demo.ReviewTitle+`"`) {
		t.Fatalf("edit form: %d", form.Status)
	}

	// Bad input keeps what was typed and changes nothing.
	bad := rvtDetails(v0)
	bad.Set("title", "")
	bad.Set("fieldwork-end-day", "31")
	bad.Set("fieldwork-end-month", "2")
	r := lead.post(base+"/edit", bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a title for the review") ||
		!strings.Contains(r.Body, "End of fieldwork must be a real date") || !strings.Contains(r.Body, `value="Why?"`) &&
		!strings.Contains(r.Body, ">Why?</textarea>") {
		t.Fatalf("bad edit: %d", r.Status)
	}
	if v := e.rvtVersion(f.reviewID); v != v0 {
		t.Fatalf("version after bad input = %s", v)
	}

	// Other roles may not.
	for _, c := range []struct {
		email string
		want  int
	}{{"inspector@demo.test", 403}, {"observer@demo.test", 403}, {"la.contact@demo.test", 403},
		{"admin@demo.test", 404}, {"admin@elsewhere.test", 404}} {
		cl := e.signedIn(c.email)
		if r := cl.get(base + "/edit"); r.Status != c.want {
			t.Errorf("%s GET edit: %d, want %d", c.email, r.Status, c.want)
		}
		if r := cl.post(base+"/edit", rvtDetails(v0)); r.Status != c.want {
			t.Errorf("%s POST edit: %d, want %d", c.email, r.Status, c.want)
		}
	}

	r = lead.post(base+"/edit", rvtDetails(v0))
	if r.Status != http.StatusSeeOther || r.Location != base+"/" {
		t.Fatalf("edit: %d %s", r.Status, r.Location)
	}
	if title := e.rvtString(`SELECT title FROM reviews WHERE id = $1`, f.reviewID); title != "Renamed review" {
		t.Fatalf("title = %q", title)
	}
	var before, after map[string]string
	raw := e.rvtString(`SELECT json_build_array(before, after)::text FROM audit_log WHERE action = 'review.updated' AND object_id = $1`, f.reviewID)
	var pair []map[string]string
	if err := json.Unmarshal([]byte(raw), &pair); err != nil {
		t.Fatal(err)
	}
	before, after = pair[0], pair[1]
	if before["title"] != demo.ReviewTitle || after["title"] != "Renamed review" || after["key_question"] != "Why?" {
		t.Errorf("audit: %v → %v", before, after)
	}
	if _, ok := after["fieldwork_start"]; ok {
		t.Error("the audit entry lists a field that did not change")
	}

	// The same version again is stale: 409, and nothing changes.
	stale := rvtDetails(v0)
	stale.Set("title", "Stale title")
	r = lead.post(base+"/edit", stale)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else") {
		t.Fatalf("stale edit: %d", r.Status)
	}
	if title := e.rvtString(`SELECT title FROM reviews WHERE id = $1`, f.reviewID); title != "Renamed review" {
		t.Fatalf("title after a stale edit = %q", title)
	}
}

var rvtStartRE = regexp.MustCompile(`<input[^>]*name="start"[^>]*>`)

// TestNewReviewFormHasNoDefaultStart: "Start from" has nothing chosen; each choice says what it
// brings; sent without a choice the form comes back with the GOV.UK error and everything typed
// (details, the review to copy, the key), and nothing is created.
func TestNewReviewFormHasNoDefaultStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	demoID := e.rvtString(`SELECT id::text FROM reviews WHERE title = $1`, demo.ReviewTitle)
	form := lead.get("/reviews/new")
	radios := rvtStartRE.FindAllString(form.Body, -1)
	if len(radios) != 3 {
		t.Fatalf("%d start choices, want blank, the template and a copy:\n%s", len(radios), form.Body)
	}
	for _, r := range radios {
		if strings.Contains(r, "checked") {
			t.Errorf("a start choice is chosen already: %s", r)
		}
	}
	body := html.UnescapeString(form.Body)
	for _, want := range []string{"A blank review", "you add the lines of enquiry and the framework of action areas yourself",
		"general lists (sources of evidence, professional roles", "The Start for Life template", "11 lines of enquiry in 3 groups",
		"6 action areas in 2 groups", "its lists (7 sources of evidence, 6 professional roles, 2 inspectorates, 4 team roles and 4 recommendation addressees)",
		"framework of action areas and lists",
		"A copy of a review you lead", "Its areas, people, visits and evidence are not copied", `value="` + demoID + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form does not say %q", want)
		}
	}
	// Someone who leads no review is not offered a copy.
	if r := e.signedIn("inspector@demo.test").get("/reviews/new"); len(rvtStartRE.FindAllString(r.Body, -1)) != 2 || strings.Contains(r.Body, `value="copy"`) {
		t.Error("a copy is offered to someone who leads no review")
	}

	reviews := e.rvtInt(`SELECT count(*) FROM reviews`)
	f := rvtNewForm(lead)
	f.Del("start")
	f.Set("title", "Neglect in the early years")
	f.Set("copy_from", demoID)
	r := lead.post("/reviews", f)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no start choice: %d, want 422", r.Status)
	}
	body = html.UnescapeString(r.Body)
	for _, want := range []string{"There is a problem", `href="#start"`, "Select what the review starts from", `value="Neglect in the early years"`,
		">A joint review.</textarea>", `value="` + f.Get("idempotency_key") + `"`, `value="` + demoID + `" selected`} {
		if !strings.Contains(body, want) {
			t.Errorf("after the error the form does not have %q", want)
		}
	}
	for _, r := range rvtStartRE.FindAllString(r.Body, -1) {
		if strings.Contains(r, "checked") {
			t.Errorf("a start choice was chosen for the lead: %s", r)
		}
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews`); n != reviews {
		t.Fatalf("%d reviews created without a start choice", n-reviews)
	}
	// Choosing now, with the same key, creates it once.
	f.Set("start", "blank")
	if r := lead.post("/reviews", f); r.Status != http.StatusSeeOther {
		t.Fatalf("with a choice: %d\n%s", r.Status, r.Body)
	}
	if r := lead.post("/reviews", f); r.Status != http.StatusSeeOther || !strings.Contains(lead.get(r.Location).Body, "already been created") {
		t.Fatal("the form sent again made another review")
	}
	if n := e.rvtInt(`SELECT count(*) FROM reviews WHERE title = 'Neglect in the early years'`); n != 1 {
		t.Fatalf("%d reviews after sending twice", n)
	}
}
