package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"thematic/internal/demo"
)

// regDemo holds the demo's earlier published review and its recommendations by number.
type regDemo struct {
	earlierID, laterID string
	recs               map[int]string // number → id
	laterFinding2      string
}

func newRegDemo(t *testing.T, e *env) regDemo {
	t.Helper()
	ctx := context.Background()
	d := regDemo{recs: map[int]string{}}
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text FROM reviews WHERE title = $1`, demo.EarlierReviewTitle).Scan(&d.earlierID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&d.laterID); err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.Super.Query(ctx, `SELECT row_number() OVER (ORDER BY position)::int, id::text FROM recommendations WHERE review_id = $1`, d.earlierID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int
		var id string
		if err := rows.Scan(&n, &id); err != nil {
			t.Fatal(err)
		}
		d.recs[n] = id
	}
	if len(d.recs) != 4 {
		t.Fatalf("demo earlier review has %d recommendations, want 4", len(d.recs))
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text FROM findings WHERE review_id = $1 AND idempotency_key = 'demo-finding-02'`, d.laterID).Scan(&d.laterFinding2); err != nil {
		t.Fatal(err)
	}
	return d
}

// registerRows lists the recommendation ids of the register's table in a page.
var registerRowRE = regexp.MustCompile(`id="rec-([0-9a-f-]{36})"`)

func registerRows(body string) []string {
	var out []string
	for _, m := range registerRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func sameSet(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

func TestRegisterFiltersAndExports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	lead := e.signedIn("lead@demo.test")

	r := lead.get("/register")
	if r.Status != http.StatusOK {
		t.Fatalf("register: %d", r.Status)
	}
	if got := registerRows(r.Body); !sameSet(got, d.recs[1], d.recs[2], d.recs[3], d.recs[4]) {
		t.Fatalf("unfiltered register rows %v, want the earlier review's 4", got)
	}
	// The Start for Life review's report is not published: its recommendations are not in it.
	if strings.Contains(r.Body, "minimum level of long-term funding") {
		t.Error("a recommendation of an unpublished report is in the register")
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"status=implemented", []string{d.recs[2]}},
		{"status=open", []string{d.recs[4]}},
		{"addressee=" + url.QueryEscape("Local areas"), []string{d.recs[1], d.recs[4]}},
		{"q=fathers", []string{d.recs[4]}},
		{"year=2022", []string{d.recs[1], d.recs[2], d.recs[3], d.recs[4]}},
		{"year=2021", nil},
		{"review=" + d.earlierID, []string{d.recs[1], d.recs[2], d.recs[3], d.recs[4]}},
		{"review=" + d.laterID, nil},
		{"addressee=" + url.QueryEscape("Local areas") + "&status=in_progress", []string{d.recs[1]}},
	} {
		r := lead.get("/register?" + c.query)
		if got := registerRows(r.Body); !sameSet(got, c.want...) {
			t.Errorf("register?%s: rows %v, want %v", c.query, got, c.want)
		}
	}
	if r := lead.get("/register?year=twenty"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Enter a year as 4 digits") {
		t.Errorf("a bad year: %d, no message", r.Status)
	}

	// CSV, filtered as the page.
	r = lead.get("/register.csv?addressee=" + url.QueryEscape("Local areas"))
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("csv has %d rows, want heading + 2:\n%s", len(recs), r.Body)
	}
	if strings.Join(recs[0], "|") != "Review|Number|Recommendation|Addressee|Status|Published|Status changed|Responses|Followed up by" {
		t.Errorf("csv heading %v", recs[0])
	}
	byNumber := map[string][]string{}
	for _, row := range recs[1:] {
		byNumber[row[1]] = row
	}
	one := byNumber["1"]
	if one == nil || one[0] != demo.EarlierReviewTitle || one[3] != "Local areas" || one[4] != "In progress" || one[5] != "2022-03-15" ||
		!strings.Contains(one[7], "2022-06-14 – Local Government Association:") || one[8] != demo.ReviewTitle {
		t.Errorf("csv row of recommendation 1: %q", one)
	}
	if four := byNumber["4"]; four == nil || four[4] != "Open" || four[7] != "" || four[8] != "" {
		t.Errorf("csv row of recommendation 4: %q", four)
	}

	// XLSX with the same filters.
	r = lead.get("/register.xlsx?status=implemented")
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Register")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("xlsx has %d rows, want heading + 1: %q", len(rows), rows)
	}
	if rows[1][1] != "2" || rows[1][4] != "Implemented" || !strings.Contains(rows[1][7], "The guidance has been published.") {
		t.Errorf("xlsx row %q", rows[1])
	}
}

// TestRegisterOnlyShowsReviewsTheUserMayRead checks each persona sees exactly the rows of the
// reviews they may read, and changes only what they lead (or, as a tenant admin, may read).
func TestRegisterOnlyShowsReviewsTheUserMayRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	newFixture(t, e) // the other tenant's admin
	// The local authority contact is the earlier review's contact for an area too.
	if _, err := e.db.Super.Exec(context.Background(), `WITH a AS (
			INSERT INTO review_areas (tenant_id, review_id, ons_code) SELECT tenant_id, id, 'E06000057' FROM reviews WHERE id = $1 RETURNING tenant_id, review_id, id)
		INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id)
		SELECT a.tenant_id, a.review_id, u.id, 'la_contact', a.id FROM a, users u WHERE u.email = 'la.contact@demo.test'`, d.earlierID); err != nil {
		t.Fatal(err)
	}
	all := []string{d.recs[1], d.recs[2], d.recs[3], d.recs[4]}
	for _, c := range []struct {
		email  string
		sees   bool
		change bool
	}{
		{"lead@demo.test", true, true},            // leads the earlier review
		{"inspector@demo.test", true, false},      // inspector on it
		{"observer@demo.test", true, false},       // observer on it
		{"qa.lead@demo.test", false, false},       // leads only the Start for Life review
		{"cqc.inspector@demo.test", false, false}, // not on the earlier review
		{"la.contact@demo.test", false, false},    // a local authority contact reads no report
		{"admin@demo.test", false, false},         // the tenant admin is on no review
		{"admin@other.test", false, false},        // another tenant
	} {
		c := c
		cl := e.signedIn(c.email)
		r := cl.get("/register")
		got := registerRows(r.Body)
		if c.sees && !sameSet(got, all...) || !c.sees && len(got) != 0 {
			t.Errorf("%s sees register rows %v", c.email, got)
		}
		if !c.sees && strings.Contains(r.Body, demo.EarlierReviewTitle) {
			t.Errorf("%s is shown the earlier review's title", c.email)
		}
		csvBody := cl.get("/register.csv").Body
		if n := strings.Count(strings.TrimSpace(csvBody), "\n"); c.sees && n < 4 || !c.sees && n != 0 {
			t.Errorf("%s: csv has %d rows:\n%s", c.email, n, csvBody)
		}
		page := cl.get("/register/" + d.recs[4])
		switch {
		case c.sees && page.Status != http.StatusOK, !c.sees && page.Status != http.StatusNotFound:
			t.Errorf("%s: recommendation page %d", c.email, page.Status)
		}
		if c.sees && strings.Contains(page.Body, "Save the status") != c.change {
			t.Errorf("%s: status form shown %v, want %v", c.email, !c.change, c.change)
		}
		if c.change {
			continue
		}
		post := cl.post("/register/"+d.recs[4]+"/status", url.Values{"status": {"accepted"}, "version": {"0"}})
		want := http.StatusNotFound
		if c.sees {
			want = http.StatusForbidden
		}
		if post.Status != want {
			t.Errorf("%s: status change %d, want %d", c.email, post.Status, want)
		}
		post = cl.post("/register/"+d.recs[4]+"/responses", url.Values{"responder": {"x"}, "body": {"y"}, "received_day": {"1"},
			"received_month": {"1"}, "received_year": {"2023"}, "idempotency_key": {"k-" + c.email}})
		if post.Status != want {
			t.Errorf("%s: response %d, want %d", c.email, post.Status, want)
		}
	}
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM recommendation_register WHERE recommendation_id = $1`, d.recs[4]).Scan(&n); err != nil || n != 0 {
		t.Errorf("recommendation 4 changed by someone who may not: %d %v", n, err)
	}
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)
var keyRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

func TestRegisterStatusAndResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	admin := e.signedIn("admin@demo.test")
	// The admin may change a row once they may read its review.
	if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO review_members (tenant_id, review_id, user_id, role)
		SELECT r.tenant_id, r.id, u.id, 'observer' FROM reviews r, users u WHERE r.id = $1 AND u.email = 'admin@demo.test'`, d.earlierID); err != nil {
		t.Fatal(err)
	}
	id := d.recs[3]
	page := lead.get("/register/" + id)
	m := versionRE.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no version on the page")
	}
	v, _ := strconv.Atoi(m[1])
	adminPage := admin.get("/register/" + id)
	if !strings.Contains(adminPage.Body, "Save the status") {
		t.Fatal("the tenant admin reading the review has no status form")
	}
	before := e.auditCount("recommendation.status_changed")
	if r := lead.post("/register/"+id+"/status", url.Values{"status": {"accepted"}, "version": {m[1]}}); r.Status != http.StatusSeeOther {
		t.Fatalf("status change: %d\n%s", r.Status, r.Body)
	}
	if got := e.auditCount("recommendation.status_changed"); got != before+1 {
		t.Errorf("audit entries %d, want %d", got, before+1)
	}
	// The admin saves from the version they opened: a conflict, nothing changed.
	r := admin.post("/register/"+id+"/status", url.Values{"status": {"not_accepted"}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed the status") || !strings.Contains(r.Body, "Its status is now ‘Accepted’") {
		t.Fatalf("stale status change: %d", r.Status)
	}
	var status string
	var version int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT status, version FROM recommendation_register WHERE recommendation_id = $1`, id).Scan(&status, &version); err != nil || status != "accepted" {
		t.Fatalf("status %q %v after a stale change", status, err)
	}
	// Saving again from the conflict page's version replaces it.
	if m := versionRE.FindStringSubmatch(r.Body); m == nil || m[1] != strconv.Itoa(version) {
		t.Fatalf("conflict page version %v, want %d", m, version)
	}
	if r := admin.post("/register/"+id+"/status", url.Values{"status": {"not_accepted"}, "version": {strconv.Itoa(version)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("status change from the conflict page: %d", r.Status)
	}
	shown := lead.get("/register/" + id).Body
	if !strings.Contains(shown, `id="current-status">Not accepted`) || !strings.Contains(shown, "Accepted, by Lee Lead") || !strings.Contains(shown, "Not accepted, by Alex Admin") {
		t.Errorf("status and its history not shown")
	}
	if r := lead.get("/register?status=not_accepted"); !sameSet(registerRows(r.Body), id) {
		t.Errorf("status filter after the change: %v", registerRows(r.Body))
	}

	// A response: refused with messages and what was typed; then recorded once for a double submit.
	form := url.Values{"responder": {"Department for Education"}, "body": {"We will look at this again."}, "received_day": {"31"},
		"received_month": {"2"}, "received_year": {"2024"}}
	form.Set("idempotency_key", keyRE.FindStringSubmatch(shown)[1])
	r = lead.post("/register/"+id+"/responses", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the date the response was received") || !strings.Contains(r.Body, "We will look at this again.") {
		t.Fatalf("response with a bad date: %d", r.Status)
	}
	form.Set("received_day", "28")
	beforeResp := e.auditCount("recommendation.response_recorded")
	for range 2 {
		if r := lead.post("/register/"+id+"/responses", form); r.Status != http.StatusSeeOther {
			t.Fatalf("response: %d\n%s", r.Status, r.Body)
		}
	}
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM recommendation_responses WHERE recommendation_id = $1 AND received_on = '2024-02-28'`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("responses after a double submit: %d %v", n, err)
	}
	if got := e.auditCount("recommendation.response_recorded"); got != beforeResp+1 {
		t.Errorf("response audit entries %d, want %d", got, beforeResp+1)
	}
	if !strings.Contains(lead.get("/register/"+id).Body, "Department for Education, received 28 February 2024") {
		t.Error("response not shown")
	}
}

func TestFindingFollowsUpAnEarlierRecommendation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	lead := e.signedIn("lead@demo.test")
	findingPath := "/reviews/" + d.laterID + "/findings/" + d.laterFinding2
	if strings.Contains(lead.get(findingPath).Body, "Follows up recommendation") {
		t.Fatal("finding 2 follows something up already")
	}
	page := lead.get(findingPath + "/follow-ups")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Recommendation 3 of "+demo.EarlierReviewTitle) {
		t.Fatalf("follow-up page: %d", page.Status)
	}
	// Another lead of the later review who may not read the earlier one cannot link it.
	qa := e.signedIn("qa.lead@demo.test")
	if r := qa.get(findingPath + "/follow-ups"); strings.Contains(r.Body, demo.EarlierReviewTitle) {
		t.Error("a lead sees recommendations of a review they may not read")
	}
	if r := qa.post(findingPath+"/follow-ups", url.Values{"recommendation": {d.recs[3]}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("linking a recommendation the lead may not read: %d", r.Status)
	}
	before := e.auditCount("finding.follow_up_linked")
	for range 2 {
		if r := lead.post(findingPath+"/follow-ups", url.Values{"recommendation": {d.recs[3]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("link: %d\n%s", r.Status, r.Body)
		}
	}
	if got := e.auditCount("finding.follow_up_linked"); got != before+1 {
		t.Errorf("link audit entries %d, want %d", got, before+1)
	}
	shown := lead.get(findingPath).Body
	if !strings.Contains(shown, "Follows up recommendation 3 of "+demo.EarlierReviewTitle) {
		t.Error("the finding does not show what it follows up")
	}
	// An inspector of the later review who is not on the earlier one reads what it follows up,
	// without a link to a register page they cannot open.
	other := e.signedIn("cqc.inspector@demo.test").get(findingPath).Body
	if !strings.Contains(other, "Follows up recommendation 3 of "+demo.EarlierReviewTitle) || strings.Contains(other, `href="/register/`+d.recs[3]+`"`) {
		t.Error("the finding's follow-up is not shown as plain text to someone who may not read the earlier review")
	}
	if !strings.Contains(shown, `href="/register/`+d.recs[3]+`"`) {
		t.Error("the lead's finding page does not link to the register")
	}
	entry := lead.get("/register/" + d.recs[3]).Body
	if !strings.Contains(entry, `href="`+findingPath+`"`) || !strings.Contains(entry, "A finding of "+demo.ReviewTitle) {
		t.Error("the register does not show the finding that followed the recommendation up")
	}
	// Someone who reads the earlier review but not the later one is not shown the later one.
	if _, err := e.db.Super.Exec(context.Background(), `DELETE FROM review_members WHERE review_id = $1
		AND user_id = (SELECT id FROM users WHERE email = 'observer@demo.test')`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if body := e.signedIn("observer@demo.test").get("/register/" + d.recs[3]).Body; strings.Contains(body, demo.ReviewTitle) {
		t.Error("the register shows a later review the reader may not read")
	}
	// Removing the link.
	if r := lead.post(findingPath+"/follow-ups/"+d.recs[3]+"/remove", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", r.Status)
	}
	if strings.Contains(lead.get(findingPath).Body, "Follows up recommendation 3") {
		t.Error("the link is still shown after removing it")
	}
}
