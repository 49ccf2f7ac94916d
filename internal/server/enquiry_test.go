package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/demo"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/enquiry":                                 reviewReadStaff,
		"POST /reviews/{reviewID}/enquiry/groups":                         reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/groups/{enquiryGroupID}":        reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/groups/{enquiryGroupID}/move":   reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/groups/{enquiryGroupID}/delete": reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/lines":                          reviewLeadWrite,
		"GET /reviews/{reviewID}/enquiry/lines/{lineID}/edit":             reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/lines/{lineID}":                 reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/lines/{lineID}/move":            reviewLeadWrite,
		"POST /reviews/{reviewID}/enquiry/lines/{lineID}/delete":          reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// enqtLines reads a group's questions in order.
func (e *env) enqtLines(groupID string) []string {
	e.t.Helper()
	rows, err := e.db.Super.Query(context.Background(), `SELECT question FROM enquiry_lines WHERE group_id = $1 ORDER BY position`, groupID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// enqtSnapshot is the review's whole lines of enquiry as text, to check nothing changed.
func (e *env) enqtSnapshot(reviewID string) string {
	e.t.Helper()
	return e.rvtString(`SELECT coalesce(string_agg(g.title || ':' || g.position || ':' || coalesce(l.question, '') || ':' || coalesce(l.position, 0), '|'
		ORDER BY g.position, l.position), '') FROM enquiry_groups g LEFT JOIN enquiry_lines l ON l.group_id = g.id WHERE g.review_id = $1`, reviewID)
}

func TestEnquiryPageByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	path := "/reviews/" + f.reviewID + "/enquiry"

	lead := e.signedIn("lead@demo.test").get(path)
	body := html.UnescapeString(lead.Body)
	for _, want := range []string{"Lines of enquiry", demo.ReviewTitle, "1. Experiences of families", "2. Join-up of services",
		"3. Inspection of Start for Life services", "Do families find themselves repeating", "Add a line of enquiry", "Add a group",
		"Rename or delete group 1", "Move down", `href="/reviews/` + f.reviewID + `/"`} {
		if !strings.Contains(body, want) {
			t.Errorf("lead's page does not show %q", want)
		}
	}
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(email).get(path)
		b := html.UnescapeString(r.Body)
		if r.Status != http.StatusOK || !strings.Contains(b, "Do families find themselves repeating") {
			t.Errorf("%s: %d", email, r.Status)
		}
		for _, never := range []string{"Add a line of enquiry", "Move up", "Move down", "Rename", "/edit"} {
			if strings.Contains(b, never) {
				t.Errorf("%s is offered %q", email, never)
			}
		}
	}
	for _, c := range []struct {
		email string
		want  int
	}{{"la.contact@demo.test", 403}, {"admin@demo.test", 404}, {"admin@elsewhere.test", 404}} {
		if r := e.signedIn(c.email).get(path); r.Status != c.want {
			t.Errorf("%s: %d, want %d", c.email, r.Status, c.want)
		}
	}
}

func TestEnquiryEditing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	base := "/reviews/" + f.reviewID + "/enquiry"
	lead := e.signedIn("lead@demo.test")

	// Add a group, twice (a double submit adds one).
	for range 2 {
		if r := lead.post(base+"/groups", url.Values{"title": {"  Local context  "}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add group: %d\n%s", r.Status, r.Body)
		}
	}
	if n := e.rvtInt(`SELECT count(*) FROM enquiry_groups WHERE review_id = $1 AND title = 'Local context'`, f.reviewID); n != 1 {
		t.Fatalf("%d groups called Local context", n)
	}
	gid := e.rvtString(`SELECT id::text FROM enquiry_groups WHERE review_id = $1 AND title = 'Local context'`, f.reviewID)
	if pos := e.rvtInt(`SELECT position FROM enquiry_groups WHERE id = $1`, gid); pos != 4 {
		t.Fatalf("new group at %d, want 4", pos)
	}

	// Add two lines; the second moves up.
	for _, q := range []string{"First question?", "Second question?", "Second question?"} {
		if r := lead.post(base+"/lines", url.Values{"group_id": {gid}, "question": {q}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add line: %d\n%s", r.Status, r.Body)
		}
	}
	if got := e.enqtLines(gid); strings.Join(got, "|") != "First question?|Second question?" {
		t.Fatalf("lines = %v", got)
	}
	second := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE group_id = $1 AND position = 2`, gid)
	if r := lead.post(base+"/lines/"+second+"/move", url.Values{"direction": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move line: %d", r.Status)
	}
	if got := e.enqtLines(gid); strings.Join(got, "|") != "Second question?|First question?" {
		t.Fatalf("lines after move = %v", got)
	}
	// Already at the top: nothing moves.
	if r := lead.post(base+"/lines/"+second+"/move", url.Values{"direction": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move past the top: %d", r.Status)
	}
	if n := e.auditCount("enquiry.line_moved"); n != 1 {
		t.Fatalf("%d moves audited", n)
	}

	// Change a line through its page.
	form := lead.get(base + "/lines/" + second + "/edit")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, "Change line of enquiry 4.1") ||
		!strings.Contains(form.Body, ">Second question?</textarea>") {
		t.Fatalf("edit form: %d", form.Status)
	}
	if r := lead.post(base+"/lines/"+second, url.Values{"was": {"Second question?"}, "question": {"Changed question?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("edit line: %d", r.Status)
	}
	if r := lead.post(base+"/lines/"+second, url.Values{"was": {"Second question?"}, "question": {"Stale?"}}); r.Status != http.StatusConflict {
		t.Fatalf("stale edit: %d", r.Status)
	}

	// Rename the group and move it to the top.
	if r := lead.post(base+"/groups/"+gid, url.Values{"was": {"Local context"}, "title": {"Local contexts"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.Status)
	}
	for range 3 {
		if r := lead.post(base+"/groups/"+gid+"/move", url.Values{"direction": {"up"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("move group: %d", r.Status)
		}
	}
	if got := e.rvtString(`SELECT string_agg(position::text, ',' ORDER BY position) FROM enquiry_groups WHERE review_id = $1`, f.reviewID); got != "1,2,3,4" {
		t.Fatalf("positions %s", got)
	}
	if pos := e.rvtInt(`SELECT position FROM enquiry_groups WHERE id = $1`, gid); pos != 1 {
		t.Fatalf("group at %d after moving up", pos)
	}

	// A group with lines is not deleted, and says why.
	r := lead.post(base+"/groups/"+gid+"/delete", nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.Body), "while it has 2 lines of enquiry") ||
		!strings.Contains(r.Body, `href="#delete-`+gid+`"`) {
		t.Fatalf("delete non-empty group: %d", r.Status)
	}
	// Delete the lines, then the group; positions close up.
	for _, id := range []string{second, e.rvtString(`SELECT id::text FROM enquiry_lines WHERE group_id = $1`, gid)} {
		if r := lead.post(base+"/lines/"+id+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete line: %d", r.Status)
		}
	}
	if r := lead.post(base+"/groups/"+gid+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("delete group: %d", r.Status)
	}
	if got := e.rvtString(`SELECT string_agg(position::text, ',' ORDER BY position) FROM enquiry_groups WHERE review_id = $1`, f.reviewID); got != "1,2,3" {
		t.Fatalf("positions after delete %s", got)
	}
	for action, want := range map[string]int{"enquiry.group_added": 1, "enquiry.line_added": 2, "enquiry.line_changed": 1,
		"enquiry.group_renamed": 1, "enquiry.group_moved": 3, "enquiry.line_deleted": 2, "enquiry.group_deleted": 1} {
		if n := e.auditCount(action); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
}

func TestEnquiryBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	base := "/reviews/" + f.reviewID + "/enquiry"
	lead := e.signedIn("lead@demo.test")
	before := e.enqtSnapshot(f.reviewID)
	long := strings.Repeat("q", 1001)
	longTitle := strings.Repeat("g", 201)

	cases := []struct {
		name, path string
		form       url.Values
		field, msg string
		kept       string
	}{
		{"empty group title", "/groups", url.Values{"title": {"   "}}, "group-title", "Enter a title for the group", ""},
		{"overlong group title", "/groups", url.Values{"title": {longTitle}}, "group-title", "Group title must be 200 characters or fewer", `value="` + longTitle + `"`},
		{"empty rename", "/groups/" + f.enquiryGroupID, url.Values{"was": {"Experiences of families"}, "title": {""}},
			"title-" + f.enquiryGroupID, "Enter a title for the group", ""},
		{"overlong rename", "/groups/" + f.enquiryGroupID, url.Values{"was": {"Experiences of families"}, "title": {longTitle}},
			"title-" + f.enquiryGroupID, "Group title must be 200 characters or fewer", `value="` + longTitle + `"`},
		{"rename to another group's title", "/groups/" + f.enquiryGroupID, url.Values{"was": {"Experiences of families"}, "title": {"join-up of services"}},
			"title-" + f.enquiryGroupID, "There is already a group called", `value="join-up of services"`},
		{"empty question", "/lines", url.Values{"group_id": {f.enquiryGroupID}, "question": {" "}}, "question", "Enter the line of enquiry", ""},
		{"overlong question", "/lines", url.Values{"group_id": {f.enquiryGroupID}, "question": {long}}, "question",
			"Line of enquiry must be 1,000 characters or fewer", ">" + long + "</textarea>"},
		{"empty question in no group", "/lines", url.Values{"group_id": {""}, "question": {""}}, "question", "Enter the line of enquiry", `<option value="" selected>`},
		{"overlong edit", "/lines/" + f.lineID, url.Values{"was": {"x"}, "question": {long}}, "question",
			"Line of enquiry must be 1,000 characters or fewer", ">" + long + "</textarea>"},
		{"empty edit", "/lines/" + f.lineID, url.Values{"was": {"x"}, "question": {""}}, "question", "Enter the line of enquiry", ""},
	}
	for _, c := range cases {
		r := lead.post(base+c.path, c.form)
		body := html.UnescapeString(r.Body)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", c.name, r.Status)
			continue
		}
		if !strings.Contains(body, `href="#`+c.field+`"`) || !strings.Contains(body, `id="`+c.field+`"`) || !strings.Contains(body, c.msg) {
			t.Errorf("%s: no error %q on #%s", c.name, c.msg, c.field)
		}
		if c.kept != "" && !strings.Contains(body, c.kept) {
			t.Errorf("%s: what was typed is not kept", c.name)
		}
	}
	if r := lead.post(base+"/groups/"+f.enquiryGroupID+"/move", url.Values{"direction": {"sideways"}}); r.Status != http.StatusBadRequest {
		t.Errorf("bad direction: %d", r.Status)
	}
	if after := e.enqtSnapshot(f.reviewID); after != before {
		t.Fatalf("bad input changed the lines of enquiry:\n%s\n%s", before, after)
	}
	if n := e.rvtInt(`SELECT count(*) FROM audit_log WHERE action LIKE 'enquiry.%'`); n != 0 {
		t.Fatalf("%d enquiry changes audited", n)
	}
}

func TestEnquiryOfAnotherReviewIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	// A second review the same lead leads: ids of one are not found through the other.
	other := rvtCreate(lead, func(v url.Values) { v.Set("title", "Second review") })
	otherGroup := e.rvtString(`SELECT id::text FROM enquiry_groups WHERE review_id = $1 ORDER BY position LIMIT 1`, other)
	otherLine := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 ORDER BY position LIMIT 1`, other)
	before := e.enqtSnapshot(other)
	base := "/reviews/" + f.reviewID + "/enquiry"
	for _, c := range []struct {
		method, path string
		form         url.Values
	}{
		{"POST", "/groups/" + otherGroup, url.Values{"was": {"Experiences of families"}, "title": {"Taken"}}},
		{"POST", "/groups/" + otherGroup, url.Values{"title": {""}}},
		{"POST", "/groups/" + otherGroup + "/move", url.Values{"direction": {"down"}}},
		{"POST", "/groups/" + otherGroup + "/delete", nil},
		{"POST", "/lines", url.Values{"group_id": {otherGroup}, "question": {"Smuggled?"}}},
		{"POST", "/lines", url.Values{"group_id": {otherGroup}, "question": {""}}},
		{"POST", "/lines", url.Values{"group_id": {"not-a-uuid"}, "question": {"Smuggled?"}}},
		{"GET", "/lines/" + otherLine + "/edit", nil},
		{"POST", "/lines/" + otherLine, url.Values{"was": {"x"}, "question": {"Smuggled?"}}},
		{"POST", "/lines/" + otherLine, url.Values{"was": {"x"}, "question": {""}}},
		{"POST", "/lines/" + otherLine + "/move", url.Values{"direction": {"down"}}},
		{"POST", "/lines/" + otherLine + "/delete", nil},
		{"POST", "/lines/not-a-uuid/delete", nil},
	} {
		var r resp
		if c.method == "GET" {
			r = lead.get(base + c.path)
		} else {
			r = lead.post(base+c.path, c.form)
		}
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", c.method, c.path, r.Status)
		}
	}
	if after := e.enqtSnapshot(other); after != before {
		t.Fatal("the other review's lines of enquiry changed")
	}
}

func TestEnquiryChangesAreForTheLeadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := rvtFixture(t, e)
	base := "/reviews/" + f.reviewID + "/enquiry"
	before := e.enqtSnapshot(f.reviewID)
	for _, email := range []string{"inspector@demo.test", "observer@demo.test", "la.contact@demo.test"} {
		c := e.signedIn(email)
		for _, p := range []struct {
			path string
			form url.Values
		}{
			{"/groups", url.Values{"title": {"Mine"}}},
			{"/groups/" + f.enquiryGroupID, url.Values{"was": {"Experiences of families"}, "title": {"Mine"}}},
			{"/groups/" + f.enquiryGroupID + "/move", url.Values{"direction": {"down"}}},
			{"/lines", url.Values{"group_id": {f.enquiryGroupID}, "question": {"Mine?"}}},
			{"/lines/" + f.lineID + "/move", url.Values{"direction": {"down"}}},
			{"/lines/" + f.lineID + "/delete", nil},
		} {
			if r := c.post(base+p.path, p.form); r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", email, p.path, r.Status)
			}
		}
	}
	if after := e.enqtSnapshot(f.reviewID); after != before {
		t.Fatal("lines of enquiry changed")
	}
}

// TestEnquiryLinesInNoGroup: on a review with no groups the lead adds lines of enquiry straight
// away; they are listed under "Not in a group", numbered 1, 2, 3 before the groups, move up and
// down, move into a group and out again through their change page, and are deleted, each change
// audited. On the demo review, inspectors and observers read a line in no group without controls
// and are refused changes; a local authority contact is refused, and someone outside the review
// does not find it.
func TestEnquiryLinesInNoGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	review := rvtCreate(lead, func(f url.Values) { f.Set("start", "blank"); f.Set("title", "Terms first") })
	base := "/reviews/" + review + "/enquiry"
	page := func(c *client) string {
		t.Helper()
		r := c.get(base)
		if r.Status != http.StatusOK {
			t.Fatalf("enquiry page: %d", r.Status)
		}
		return html.UnescapeString(r.Body)
	}
	if body := page(lead); !strings.Contains(body, "There are no lines of enquiry yet") || !strings.Contains(body, "Add a line of enquiry") ||
		strings.Contains(body, "Add a group first") {
		t.Fatal("a review with no groups does not offer to add a line of enquiry")
	}
	for range 2 { // sent twice: one line
		r := lead.post(base+"/lines", url.Values{"question": {"How do families find help?"}})
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "enquiry#ungrouped") {
			t.Fatalf("add a line in no group: %d %s\n%s", r.Status, r.Location, r.Body)
		}
	}
	if r := lead.post(base+"/lines", url.Values{"group_id": {""}, "question": {"Who is heard?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a second line: %d", r.Status)
	}
	ungrouped := func() string {
		return e.rvtString(`SELECT coalesce(string_agg(question || ':' || position, '|' ORDER BY position), '') FROM enquiry_lines
			WHERE review_id = $1 AND group_id IS NULL`, review)
	}
	if got := ungrouped(); got != "How do families find help?:1|Who is heard?:2" {
		t.Fatalf("lines in no group: %s", got)
	}
	second := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 AND question = 'Who is heard?'`, review)
	if r := lead.post(base+"/lines/"+second+"/move", url.Values{"direction": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move up: %d", r.Status)
	}
	if got := ungrouped(); got != "Who is heard?:1|How do families find help?:2" {
		t.Fatalf("after moving up: %s", got)
	}
	body := page(lead)
	for _, want := range []string{`id="ungrouped">Not in a group</h2>`, "Change<span class=\"govuk-visually-hidden\"> line 1</span>",
		"Move down<span class=\"govuk-visually-hidden\"> line 1</span>", "It will not be in a group"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not have %q", want)
		}
	}

	// A group later; the line moves into it through its change page, to the end of the group.
	if r := lead.post(base+"/groups", url.Values{"title": {"Experiences of families"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add group: %d", r.Status)
	}
	gid := e.rvtString(`SELECT id::text FROM enquiry_groups WHERE review_id = $1`, review)
	if r := lead.post(base+"/lines", url.Values{"group_id": {gid}, "question": {"Already grouped?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a line to the group: %d", r.Status)
	}
	form := lead.get(base + "/lines/" + second + "/edit")
	fb := html.UnescapeString(form.Body)
	for _, want := range []string{"Change line of enquiry 1", "Not in a group.", `<option value="" selected>Not in a group</option>`,
		`<option value="` + gid + `">1. Experiences of families</option>`, `name="was_group" value=""`} {
		if !strings.Contains(fb, want) {
			t.Errorf("the change page does not have %q", want)
		}
	}
	r := lead.post(base+"/lines/"+second, url.Values{"was": {"Who is heard?"}, "was_group": {""}, "question": {"Who is heard?"}, "group_id": {gid}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "#group-"+gid) {
		t.Fatalf("move into the group: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if got := e.enqtLines(gid); strings.Join(got, "|") != "Already grouped?|Who is heard?" {
		t.Fatalf("the group after the move: %v", got)
	}
	if got := ungrouped(); got != "How do families find help?:1" {
		t.Fatalf("lines in no group after the move: %s", got)
	}
	if !strings.Contains(lead.get(base+"/lines/"+second+"/edit").Body, "Change line of enquiry 1.2") {
		t.Error("the moved line is not numbered in its group")
	}
	// A page shown before the move is stale.
	if r := lead.post(base+"/lines/"+second, url.Values{"was": {"Who is heard?"}, "was_group": {""}, "question": {"Who?"}, "group_id": {""}}); r.Status != http.StatusConflict {
		t.Fatalf("a change from before the move: %d", r.Status)
	}
	// Into a group that has the question already: refused on the group field, with what was typed.
	other := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 AND group_id IS NULL`, review)
	r = lead.post(base+"/lines/"+other, url.Values{"was": {"How do families find help?"}, "was_group": {""}, "question": {"already grouped?"}, "group_id": {gid}})
	if b := html.UnescapeString(r.Body); r.Status != http.StatusUnprocessableEntity || !strings.Contains(b, `href="#group-id"`) ||
		!strings.Contains(b, "That group has this line of enquiry already") || !strings.Contains(b, ">already grouped?</textarea>") ||
		!strings.Contains(b, `<option value="`+gid+`" selected>`) {
		t.Fatalf("into a group with the question: %d", r.Status)
	}
	// And out of the group again.
	if r := lead.post(base+"/lines/"+second, url.Values{"was": {"Who is heard?"}, "was_group": {gid}, "question": {"Who is heard?"}, "group_id": {""}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move out of the group: %d", r.Status)
	}
	if got := ungrouped(); got != "How do families find help?:1|Who is heard?:2" {
		t.Fatalf("lines in no group after moving out: %s", got)
	}
	body = page(lead)
	if i, j := strings.Index(body, "Not in a group</h2>"), strings.Index(body, "1. Experiences of families"); i < 0 || j < 0 || i > j {
		t.Error("the lines in no group are not listed before the groups")
	}

	// The lead deletes a line in no group; the rest close up.
	first := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 AND question = 'How do families find help?'`, review)
	if r := lead.post(base+"/lines/"+first+"/delete", nil); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "#ungrouped") {
		t.Fatalf("delete: %d %s", r.Status, r.Location)
	}
	if got := ungrouped(); got != "Who is heard?:1" {
		t.Fatalf("after the delete: %s", got)
	}
	for action, want := range map[string]int{"enquiry.line_added": 3, "enquiry.line_moved": 1, "enquiry.line_changed": 2, "enquiry.line_deleted": 1} {
		if n := e.auditCount(action); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
	if g := e.rvtString(`SELECT after->>'group_id' FROM audit_log WHERE action = 'enquiry.line_changed' ORDER BY at LIMIT 1`); g != gid {
		t.Errorf("the move into the group is audited with group %q", g)
	}

	// On a review with people in every role: readers see a line in no group without controls and
	// cannot change it; a local authority contact is refused; someone outside finds nothing.
	f := rvtFixture(t, e)
	fbase := "/reviews/" + f.reviewID + "/enquiry"
	if r := lead.post(fbase+"/lines", url.Values{"question": {"What did families say first?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a line in no group to the demo review: %d", r.Status)
	}
	line := e.rvtString(`SELECT id::text FROM enquiry_lines WHERE review_id = $1 AND group_id IS NULL`, f.reviewID)
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(email).get(fbase)
		b := html.UnescapeString(r.Body)
		if r.Status != http.StatusOK || !strings.Contains(b, "Not in a group") || !strings.Contains(b, "What did families say first?") {
			t.Errorf("%s does not see the line in no group: %d", email, r.Status)
		}
		for _, never := range []string{"Add a line of enquiry", "Move up", "Move down", "/edit"} {
			if strings.Contains(b, never) {
				t.Errorf("%s is offered %q", email, never)
			}
		}
	}
	before := e.enqtSnapshot(f.reviewID) + e.rvtString(`SELECT string_agg(question || position, '|') FROM enquiry_lines WHERE review_id = $1 AND group_id IS NULL`, f.reviewID)
	for _, c := range []struct {
		email string
		want  int
	}{{"inspector@demo.test", 403}, {"observer@demo.test", 403}, {"la.contact@demo.test", 403}, {"admin@demo.test", 404}, {"admin@elsewhere.test", 404}} {
		u := e.signedIn(c.email)
		for _, p := range []struct {
			path string
			form url.Values
		}{
			{"/lines", url.Values{"question": {"Mine?"}}},
			{"/lines/" + line, url.Values{"was": {"What did families say first?"}, "was_group": {""}, "question": {"Mine?"}, "group_id": {f.enquiryGroupID}}},
			{"/lines/" + line + "/move", url.Values{"direction": {"down"}}},
			{"/lines/" + line + "/delete", nil},
		} {
			if r := u.post(fbase+p.path, p.form); r.Status != c.want {
				t.Errorf("%s POST %s: %d, want %d", c.email, p.path, r.Status, c.want)
			}
		}
		if r := u.get(fbase + "/lines/" + line + "/edit"); r.Status != c.want {
			t.Errorf("%s GET the change page: %d, want %d", c.email, r.Status, c.want)
		}
	}
	if r := e.signedIn("la.contact@demo.test").get(fbase); r.Status != http.StatusForbidden {
		t.Errorf("the contact reads the lines of enquiry: %d", r.Status)
	}
	after := e.enqtSnapshot(f.reviewID) + e.rvtString(`SELECT string_agg(question || position, '|') FROM enquiry_lines WHERE review_id = $1 AND group_id IS NULL`, f.reviewID)
	if after != before {
		t.Fatalf("the lines changed:\n%s\n%s", before, after)
	}
}

// TestLinesInNoGroupWhereverLinesShow: a line of enquiry in no group is offered on the note form
// (under "Not in a group"), saved with a note and shown on it, offered and applied as a filter of
// the evidence base, and counted in the coverage page's lines of enquiry table.
func TestLinesInNoGroupWhereverLinesShow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	const question = "What did families say first?"
	var line string
	if err := e.db.Super.QueryRow(context.Background(), `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
		VALUES ($1, $2, NULL, $3, 1) RETURNING id::text`, f.tenantID, f.reviewID, question).Scan(&line); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	page := html.UnescapeString(c.get(f.newPath()).Body)
	if i, j := strings.Index(page, "Not in a group"), strings.Index(page, question); i < 0 || j < i || !strings.Contains(page, `value="`+line+`"`) {
		t.Fatal("the note form does not offer the line in no group under its heading")
	}
	form["lines"] = []string{line, f.line}
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	vtWant(t, c.get(r.Location), http.StatusOK, question, "How do families find help?")

	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID
	vtWant(t, lead.get(base+"/evidence"), http.StatusOK, `<option value="`+line+`">`+question+`</option>`)
	vtWant(t, lead.get(base+"/evidence?line="+line), http.StatusOK, "Parents said the hub")
	cov := html.UnescapeString(lead.get(base + "/coverage?by=lines").Body)
	for _, want := range []string{"Not in a group", question, "Experiences", "How do families find help?"} {
		if !strings.Contains(cov, want) {
			t.Errorf("the coverage of lines of enquiry does not show %q", want)
		}
	}
	if strings.Index(cov, question) > strings.Index(cov, "How do families find help?") {
		t.Error("the line in no group is not before the groups' lines")
	}
}
