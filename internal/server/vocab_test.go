package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/lists":                         reviewReadStaff,
		"POST /reviews/{reviewID}/lists/{kind}":                 reviewLeadWrite,
		"GET /reviews/{reviewID}/lists/{kind}/{termID}":         reviewLeadWrite,
		"POST /reviews/{reviewID}/lists/{kind}/{termID}":        reviewLeadWrite,
		"POST /reviews/{reviewID}/lists/{kind}/{termID}/move":   reviewLeadWrite,
		"POST /reviews/{reviewID}/lists/{kind}/{termID}/merge":  reviewLeadWrite,
		"POST /reviews/{reviewID}/lists/{kind}/{termID}/delete": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// vtScalar reads one value as the superuser.
func (e *env) vtScalar(dest any, sql string, args ...any) {
	e.t.Helper()
	if err := e.db.Super.QueryRow(context.Background(), sql, args...).Scan(dest); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// vtTerm is the id and version of a value of one of a review's lists.
func (e *env) vtTerm(table, reviewID, name string) (id string, version int) {
	e.t.Helper()
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text, version FROM `+table+` WHERE review_id = $1 AND name = $2`,
		reviewID, name).Scan(&id, &version); err != nil {
		e.t.Fatalf("%s %q: %v", table, name, err)
	}
	return id, version
}

func (e *env) vtNames(table, reviewID string) string {
	e.t.Helper()
	var s string
	e.vtScalar(&s, `SELECT coalesce(string_agg(name, '|' ORDER BY position, lower(name)), '') FROM `+table+` WHERE review_id = $1`, reviewID)
	return s
}

func TestListsPageByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	r := lead.get("/reviews/" + f.reviewID + "/lists")
	if r.Status != http.StatusOK {
		t.Fatalf("lead: %d", r.Status)
	}
	body := html.UnescapeString(r.Body)
	for _, want := range []string{"Sources of evidence", "Professional roles", "Inspectorates", "Team roles",
		"Recommendation addressees", "Focus group with parents", "Health visitor", "Ofsted", "Early Years Inspector",
		"Central government", "1 note", "1 recommendation", "1 person", `action="/reviews/` + f.reviewID + `/lists/sources"`,
		"Add a source of evidence"} {
		if !strings.Contains(body, want) {
			t.Errorf("lead's lists page lacks %q", want)
		}
	}
	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get("/reviews/" + f.reviewID + "/lists")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Focus group with parents") {
			t.Errorf("%s: %d", who, r.Status)
		}
		if strings.Contains(r.Body, "/lists/sources\"") || strings.Contains(r.Body, ">Change<") {
			t.Errorf("%s is offered the lead's forms", who)
		}
	}
}

func TestListsAddRenameMoveAndRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID + "/lists"

	r := lead.post(base+"/sources", url.Values{"name": {"  Case-file   audit "}})
	if r.Status != http.StatusSeeOther || r.Location != base+"#sources" {
		t.Fatalf("add: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	id, v := e.vtTerm("evidence_sources", f.reviewID, "Case-file audit")
	if n := count(t, e, `SELECT count(*) FROM audit_log WHERE action = 'vocabulary.added' AND object_id = $1`, id); n != 1 {
		t.Errorf("%d audit entries for the addition", n)
	}
	// The same name in another case is refused on its own field, with what was typed kept.
	r = lead.post(base+"/sources", url.Values{"name": {"case-file AUDIT"}, "needs_role": {"yes"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#name-sources"`) ||
		!strings.Contains(r.Body, `value="case-file AUDIT"`) || !strings.Contains(html.UnescapeString(r.Body), "“case-file AUDIT” is already in the list") {
		t.Errorf("duplicate: %d\n%s", r.Status, r.Body)
	}
	r = lead.post(base+"/team-roles", url.Values{"name": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the team role") {
		t.Errorf("empty: %d", r.Status)
	}

	// Renaming, and asking for a role.
	r = lead.post(base+"/sources/"+id, url.Values{"name": {"Audit of case files"}, "needs_role": {"yes"}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", r.Status, r.Body)
	}
	var needs bool
	e.vtScalar(&needs, `SELECT needs_role FROM evidence_sources WHERE id = $1 AND name = 'Audit of case files'`, id)
	if !needs {
		t.Error("needs_role not saved")
	}
	// A form from before the rename is stale: a conflict, nothing overwritten.
	r = lead.post(base+"/sources/"+id, url.Values{"name": {"Old words"}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusConflict {
		t.Errorf("stale rename: %d", r.Status)
	}

	// Moving it up one place.
	before := e.vtNames("evidence_sources", f.reviewID)
	r = lead.post(base+"/sources/"+id+"/move", url.Values{"direction": {"up"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d", r.Status)
	}
	after := e.vtNames("evidence_sources", f.reviewID)
	if !strings.HasSuffix(before, "|Other|Audit of case files") || !strings.HasSuffix(after, "|Audit of case files|Other") {
		t.Errorf("move: %s -> %s", before, after)
	}

	// Removing a value nothing uses.
	_, v = e.vtTerm("evidence_sources", f.reviewID, "Audit of case files")
	r = lead.post(base+"/sources/"+id+"/delete", url.Values{"version": {strconv.Itoa(v)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", r.Status, r.Body)
	}
	if strings.Contains(e.vtNames("evidence_sources", f.reviewID), "Audit") || e.auditCount("vocabulary.removed") != 1 {
		t.Error("not removed, or not audited")
	}
}

func TestListsValueInUseIsKeptRenamedAndMerged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID + "/lists"
	id, v := e.vtTerm("evidence_sources", f.reviewID, "Focus group with parents")
	if id != f.sourceID {
		t.Fatalf("the fixture's note uses %s, not %s", f.sourceID, id)
	}

	// Removing a value a note uses is refused, saying how many and linking to them.
	r := lead.post(base+"/sources/"+id+"/delete", url.Values{"version": {strconv.Itoa(v)}})
	body := html.UnescapeString(r.Body)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(body, "“Focus group with parents” is used by 1 note") ||
		!strings.Contains(body, "/evidence?source="+id) {
		t.Errorf("in use: %d\n%s", r.Status, body)
	}

	// Renaming keeps the note, which shows the new name.
	r = lead.post(base+"/sources/"+id, url.Values{"name": {"Group of parents and carers"}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.Status)
	}
	r = lead.get("/reviews/" + f.reviewID + "/evidence.csv")
	if !strings.Contains(r.Body, "Group of parents and carers") {
		t.Errorf("the export does not use the new name:\n%s", r.Body)
	}

	// Merging moves the note to the other source and bumps its version.
	into, _ := e.vtTerm("evidence_sources", f.reviewID, "Observation of an activity")
	var noteVersion int
	e.vtScalar(&noteVersion, `SELECT version FROM evidence_notes WHERE id = $1`, f.noteID)
	_, v = e.vtTerm("evidence_sources", f.reviewID, "Group of parents and carers")
	r = lead.post(base+"/sources/"+id+"/merge", url.Values{"into": {""}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#into"`) {
		t.Errorf("merge into nothing: %d", r.Status)
	}
	r = lead.post(base+"/sources/"+id+"/merge", url.Values{"into": {into}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("merge: %d\n%s", r.Status, r.Body)
	}
	var source string
	var nv int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT source_id::text, version FROM evidence_notes WHERE id = $1`, f.noteID).
		Scan(&source, &nv); err != nil {
		t.Fatal(err)
	}
	if source != into || nv != noteVersion+1 {
		t.Errorf("note after merge: source %s (want %s), version %d (want %d)", source, into, nv, noteVersion+1)
	}
	var moved string
	e.vtScalar(&moved, `SELECT after->>'moved' FROM audit_log WHERE action = 'vocabulary.merged'`)
	if moved != "1" {
		t.Errorf("merge audited with %q moved", moved)
	}

	// An addressee renamed is renamed in the recommendation that uses it.
	aid, av := e.vtTerm("review_addressees", f.reviewID, "Local areas")
	r = lead.post(base+"/addressees/"+aid, url.Values{"name": {"Local partnerships"}, "version": {strconv.Itoa(av)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("rename addressee: %d", r.Status)
	}
	var addressee string
	e.vtScalar(&addressee, `SELECT addressee FROM recommendations WHERE id = $1`, f.recommendationID)
	if addressee != "Local partnerships" {
		t.Errorf("recommendation's addressee %q", addressee)
	}

	// An inspectorate merged into another moves the people who had it.
	oid, ov := e.vtTerm("review_inspectorates", f.reviewID, "Ofsted")
	cid, _ := e.vtTerm("review_inspectorates", f.reviewID, "CQC")
	r = lead.post(base+"/inspectorates/"+oid+"/merge", url.Values{"into": {cid}, "version": {strconv.Itoa(ov)}})
	if r.Status != http.StatusSeeOther {
		t.Errorf("merge inspectorate: %d", r.Status)
	}
	if page := html.UnescapeString(lead.get(r.Location).Body); !strings.Contains(page, "“Ofsted” merged into “CQC”: 1 person now use “CQC”") {
		t.Errorf("no message of the merge")
	}
	var insp string
	e.vtScalar(&insp, `SELECT inspectorate FROM review_members WHERE id = $1`, f.inspectorMember)
	if insp != "CQC" || e.vtNames("review_inspectorates", f.reviewID) != "CQC" {
		t.Errorf("member's inspectorate %q, list %q", insp, e.vtNames("review_inspectorates", f.reviewID))
	}
}

func TestListsUnknownKindsAndOtherReviewsAnswer404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID + "/lists"
	if r := lead.post(base+"/colours", url.Values{"name": {"Red"}}); r.Status != http.StatusNotFound {
		t.Errorf("unknown list: %d", r.Status)
	}
	// A source id given as a role is not a role of the review.
	if r := lead.get(base + "/roles/" + f.sourceID); r.Status != http.StatusNotFound {
		t.Errorf("source as role: %d", r.Status)
	}
	other := demoReviewID(t, e)
	id, v := e.vtTerm("evidence_sources", other, "Focus group with parents")
	if r := lead.post(base+"/sources/"+id+"/delete", url.Values{"version": {strconv.Itoa(v)}}); r.Status != http.StatusNotFound {
		t.Errorf("another review's value: %d", r.Status)
	}
}

func TestListsLockedAtQualityAssurance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	if _, err := e.db.Super.Exec(context.Background(), `UPDATE reviews SET status = 'quality_assurance' WHERE id = $1`, f.reviewID); err != nil {
		t.Fatal(err)
	}
	r := lead.post("/reviews/"+f.reviewID+"/lists/roles", url.Values{"name": {"Teacher"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "quality assurance") {
		t.Errorf("add at QA: %d", r.Status)
	}
	if strings.Contains(e.vtNames("evidence_roles", f.reviewID), "Teacher") {
		t.Error("added at QA")
	}
}

func TestPeopleFormOffersTheReviewsLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID
	for _, p := range []url.Values{{"name": {"HMICFRS"}}} {
		if r := lead.post(base+"/lists/inspectorates", p); r.Status != http.StatusSeeOther {
			t.Fatalf("add: %d", r.Status)
		}
	}
	if r := lead.post(base+"/lists/team-roles", url.Values{"name": {"Police inspector"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add team role: %d", r.Status)
	}
	r := lead.get(base + "/people/" + f.inspectorMember + "/edit")
	for _, want := range []string{`value="HMICFRS"`, `value="Ofsted" checked`, `<option value="Police inspector">`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("change form lacks %s", want)
		}
	}
	var version int
	e.vtScalar(&version, `SELECT version FROM review_members WHERE id = $1`, f.inspectorMember)
	// A value not in the lists is refused.
	r = lead.post(base+"/people/"+f.inspectorMember, url.Values{"role": {"inspector"}, "inspectorate": {"Interpol"},
		"job_title": {"Police inspector"}, "version": {strconv.Itoa(version)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select their inspectorate from the list") {
		t.Errorf("unknown inspectorate: %d", r.Status)
	}
	r = lead.post(base+"/people/"+f.inspectorMember, url.Values{"role": {"inspector"}, "inspectorate": {"HMICFRS"},
		"job_title": {"Police inspector"}, "version": {strconv.Itoa(version)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", r.Status, r.Body)
	}
	var insp, job string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT inspectorate, job_title FROM review_members WHERE id = $1`,
		f.inspectorMember).Scan(&insp, &job); err != nil {
		t.Fatal(err)
	}
	if insp != "HMICFRS" || job != "Police inspector" {
		t.Errorf("saved %q %q", insp, job)
	}
}

func TestRecommendationAddresseeTypedJoinsTheList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID
	r := lead.get(base + "/recommendations/new")
	if !strings.Contains(r.Body, `value="Local authorities and health partners"`) {
		t.Fatalf("the form does not offer the review's addressees")
	}
	form := url.Values{"body": {"Integrated care boards fund perinatal mental health support."}, "addressee": {"other"},
		"addressee_other": {"integrated care  boards"}, "idempotency_key": {"vt-rec-1"}}
	if r = lead.post(base+"/recommendations", form); r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	if got := e.vtNames("review_addressees", f.reviewID); !strings.HasSuffix(got, "|integrated care boards") {
		t.Errorf("addressees %q", got)
	}
	// Typed again in another case, it is matched to the list's spelling, not added twice.
	form.Set("idempotency_key", "vt-rec-2")
	form.Set("addressee_other", "Integrated Care Boards")
	if r = lead.post(base+"/recommendations", form); r.Status != http.StatusSeeOther {
		t.Fatalf("create 2: %d", r.Status)
	}
	var n int
	e.vtScalar(&n, `SELECT count(*) FROM recommendations WHERE review_id = $1 AND addressee = 'integrated care boards'`, f.reviewID)
	if n != 2 || strings.Count(e.vtNames("review_addressees", f.reviewID), "ntegrated") != 1 {
		t.Errorf("%d recommendations; list %q", n, e.vtNames("review_addressees", f.reviewID))
	}
}

// A blank review starts with the general lists and its organisation as its inspectorate, a
// template with the template's lists, and a copy with the lists of the review it copies.
func TestNewReviewsStartWithTheirLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	blank := rvtCreate(lead, func(f url.Values) { f.Set("start", "blank"); f.Set("title", "Serious youth violence") })
	tpl := rvtCreate(lead, func(f url.Values) { f.Set("title", "Family hubs again") })
	for table, want := range map[string]string{
		"evidence_sources": "Observation of practice|Focus group with parents or carers|Focus group with children or young people|" +
			"Interview with a professional|Meeting with leaders|Case-file audit|Document or self-assessment review|Questionnaire|Feedback session",
		"evidence_roles": "Social worker|Health visitor|Midwife|GP|School staff|Early years practitioner|Police officer|" +
			"Probation officer|Youth justice worker|Adult mental health worker|Substance misuse worker|Family support worker|Volunteer|Senior leader",
		"review_inspectorates": "Demo Inspectorate",
		"review_team_roles":    "Lead inspector|Inspector|Specialist adviser",
		"review_addressees":    "Central government|Local authorities|Local partnerships|Service providers",
	} {
		if got := e.vtNames(table, blank); got != want {
			t.Errorf("blank review's %s: %q, want %q", table, got, want)
		}
	}
	if got := e.vtNames("review_team_roles", tpl); got != "His Majesty's Inspector|Senior His Majesty's Inspector|Early Years Inspector|Children's Services Inspector" {
		t.Errorf("template's team roles: %q", got)
	}
	// The blank review's lead adapts its lists; a copy of it takes them as they are.
	if r := lead.post("/reviews/"+blank+"/lists/inspectorates", url.Values{"name": {"HMICFRS"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d", r.Status)
	}
	copied := rvtCreate(lead, func(f url.Values) {
		f.Set("start", "copy")
		f.Set("copy_from", blank)
		f.Set("title", "Serious youth violence, second round")
	})
	for _, table := range []string{"evidence_sources", "evidence_roles", "review_inspectorates", "review_team_roles", "review_addressees"} {
		if a, b := e.vtNames(table, blank), e.vtNames(table, copied); a != b {
			t.Errorf("copy's %s: %q, want %q", table, b, a)
		}
	}
	if !strings.Contains(e.vtNames("review_inspectorates", copied), "HMICFRS") {
		t.Error("the copy lacks the inspectorate added")
	}
}

// A team role or inspectorate used only on one visit's team is in use, and a merge moves it.
func TestListsValueUsedOnlyOnAVisitTeam(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	base := "/reviews/" + f.reviewID + "/lists"
	if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id,
		inspectorate, job_title) VALUES ($1, $2, $3, $4, 'CQC', 'His Majesty''s Inspector')`,
		f.tenantID, f.visitA, f.inspector, f.reviewID); err != nil {
		t.Fatal(err)
	}
	// Nobody on the People page is an HMI; Ira is one on visit A.
	id, v := e.vtTerm("review_team_roles", f.reviewID, "His Majesty's Inspector")
	r := lead.post(base+"/team-roles/"+id+"/delete", url.Values{"version": {strconv.Itoa(v)}})
	if body := html.UnescapeString(r.Body); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "“His Majesty's Inspector” is used by 1 person or visit team place") {
		t.Fatalf("in use only on a visit: %d\n%s", r.Status, body)
	}
	into, _ := e.vtTerm("review_team_roles", f.reviewID, "Senior His Majesty's Inspector")
	r = lead.post(base+"/team-roles/"+id+"/merge", url.Values{"into": {into}, "version": {strconv.Itoa(v)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("merge: %d\n%s", r.Status, r.Body)
	}
	var job string
	e.vtScalar(&job, `SELECT job_title FROM visit_members WHERE visit_id = $1 AND member_id = $2`, f.visitA, f.inspector)
	if job != "Senior His Majesty's Inspector" {
		t.Errorf("the visit's role after the merge: %q", job)
	}
	// The visit page shows the role on the visit.
	vtWant(t, lead.get(f.path("/", f.visitA)), http.StatusOK, "CQC, Senior His Majesty&#39;s Inspector")
}
