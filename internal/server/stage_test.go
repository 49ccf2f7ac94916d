package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/report"
	"thematic/internal/review"
)

func init() {
	reviewAccessTable["GET /reviews/{reviewID}/status/back"] = reviewLeadWrite
}

// stState reads a review's stage, version and evidence lock, and its report's status.
func (e *env) stState(reviewID string) (stage review.Status, version int, locked bool, reportStatus string) {
	e.t.Helper()
	err := e.db.Super.QueryRow(context.Background(), `SELECT r.status, r.version, r.evidence_locked_at IS NOT NULL,
			coalesce((SELECT status FROM reports WHERE review_id = r.id), 'draft')
		FROM reviews r WHERE r.id = $1`, reviewID).Scan(&stage, &version, &locked, &reportStatus)
	if err != nil {
		e.t.Fatal(err)
	}
	return stage, version, locked, reportStatus
}

// stMove posts the stage form as c, from the review's version now.
func (e *env) stMove(c *client, reviewID string, to review.Status, reason string) resp {
	e.t.Helper()
	_, version, _, _ := e.stState(reviewID)
	form := url.Values{"version": {strconv.Itoa(version)}, "to": {string(to)}}
	if reason != "" {
		form.Set("reason", reason)
	}
	return c.post("/reviews/"+reviewID+"/status", form)
}

// stStep posts a step of the report's sign-off as c, from the report's version now.
func (e *env) stStep(c *client, reviewID, to, note string) resp {
	e.t.Helper()
	var version int
	_ = e.db.Super.QueryRow(context.Background(), `SELECT coalesce((SELECT version FROM reports WHERE review_id = $1), 0)`, reviewID).Scan(&version)
	return c.post("/reviews/"+reviewID+"/report/status", url.Values{"to": {to}, "note": {note}, "version": {strconv.Itoa(version)}})
}

// stWant fails unless the review is at stage with its report at reportStatus, agreeing.
func (e *env) stWant(what, reviewID string, stage review.Status, reportStatus string) {
	e.t.Helper()
	got, _, locked, rs := e.stState(reviewID)
	if got != stage || rs != reportStatus {
		e.t.Fatalf("after %s: review %s, report %s; want %s and %s", what, got, rs, stage, reportStatus)
	}
	if want := got.Index() >= review.StatusDrafting.Index(); locked != want {
		e.t.Errorf("after %s: evidence locked %v at %s", what, locked, got)
	}
}

func stExpect(t *testing.T, what string, r resp, status int, says ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, r.Status, status, r.Body)
	}
	body := strings.ReplaceAll(r.Body, "&#39;", "'")
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Errorf("%s: the page does not say %q", what, s)
		}
	}
}

var stSourceRE = regexp.MustCompile(`name="source" type="radio" value="([0-9a-f-]{36})"`)

// stNote records a note from a visit through the form as c, and returns the response to the save.
func stNote(t *testing.T, c *client, reviewID, visitID, actionAreaID, day, key string) resp {
	t.Helper()
	r := c.get("/reviews/" + reviewID + "/visits/" + visitID + "/notes/new")
	src := stSourceRE.FindStringSubmatch(r.Body)
	if src == nil {
		// The form is refused at this stage: post the fields it would have had.
		src = []string{"", "00000000-0000-0000-0000-000000000000"}
		var id string
		if err := c.e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM evidence_sources WHERE review_id = $1 AND NOT needs_role
			ORDER BY position LIMIT 1`, reviewID).Scan(&id); err == nil {
			src[1] = id
		}
	}
	return c.post("/reviews/"+reviewID+"/visits/"+visitID+"/notes", url.Values{"idempotency_key": {key}, "source": {src[1]},
		"note-date-day": {day}, "note-date-month": {"8"}, "note-date-year": {"2023"}, "body": {"Parents said the hub was easy to reach."},
		"action_areas": {actionAreaID}, "judgement": {"strength"}, "action": {"save"}})
}

// TestStageMovesCheckWhatEachStepNeeds walks a review started from nothing through every stage
// with the lead, each move on refused while what it needs is missing (the overview lists it,
// linked) and taken once it is there, each move back refused without a reason.
func TestStageMovesCheckWhatEachStepNeeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.signedIn("lead@demo.test")
	form := rvtNewForm(lead)
	form.Set("start", "blank")
	form.Set("title", "A review from nothing")
	r := lead.post("/reviews", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	id := strings.Trim(strings.TrimPrefix(r.Location, "/reviews/"), "/")
	base := "/reviews/" + id
	e.stWant("creating", id, review.StatusSetup, report.StatusDraft)

	// Fieldwork needs an area, a visit and an action area: none yet.
	page := lead.get(base + "/")
	stExpect(t, "overview at set-up", page, http.StatusOK, "Stage of the review", "Current stage", "Next: Fieldwork",
		"At least one local area", "At least one visit", "At least one action area in the framework", "Missing",
		`href="/reviews/`+id+`/areas"`, `href="/reviews/`+id+`/framework"`, "Move on to Fieldwork",
		"Nothing is locked")
	if strings.Contains(page.Body, "/status/back") {
		t.Error("a review at set-up offers a move back")
	}
	stExpect(t, "to fieldwork with nothing", e.stMove(lead, id, review.StatusFieldwork, ""), http.StatusUnprocessableEntity,
		"The review cannot move on to fieldwork yet. It needs: at least one local area; at least one visit; at least one action area in the framework.",
		`href="#to"`)
	e.stWant("a refused move", id, review.StatusSetup, report.StatusDraft)

	// Set it up through its pages.
	if r := lead.post(base+"/areas", url.Values{"ons_code": {"E06000057"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add an area: %d\n%s", r.Status, r.Body)
	}
	stExpect(t, "to fieldwork with an area", e.stMove(lead, id, review.StatusFieldwork, ""), http.StatusUnprocessableEntity,
		"It needs: at least one visit; at least one action area in the framework.")
	var areaID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM review_areas WHERE review_id = $1`, id).Scan(&areaID); err != nil {
		t.Fatal(err)
	}
	if r := lead.post(base+"/visits", vtForm("save", areaID, "10", "8", "2023", "2")); r.Status != http.StatusSeeOther {
		t.Fatalf("add a visit: %d\n%s", r.Status, r.Body)
	}
	if r := lead.post(base+"/framework/groups", url.Values{"title": {"Access"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a group: %d\n%s", r.Status, r.Body)
	}
	var groupID, visitID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT (SELECT id::text FROM framework_groups WHERE review_id = $1),
		(SELECT id::text FROM visits WHERE review_id = $1)`, id).Scan(&groupID, &visitID); err != nil {
		t.Fatal(err)
	}
	if r := lead.post(base+"/framework/areas", url.Values{"group_id": {groupID}, "title": {"Family hubs"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add an action area: %d\n%s", r.Status, r.Body)
	}
	stExpect(t, "overview set up", lead.get(base+"/"), http.StatusOK, "1 area", "1 visit", "1 action area")
	if r := e.stMove(lead, id, review.StatusFieldwork, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("to fieldwork: %d\n%s", r.Status, r.Body)
	}
	e.stWant("fieldwork", id, review.StatusFieldwork, report.StatusDraft)

	// Analysis needs a note.
	stExpect(t, "overview at fieldwork", lead.get(base+"/"), http.StatusOK, "Next: Analysis", "At least one evidence note",
		"Move back to Set-up")
	stExpect(t, "to analysis without notes", e.stMove(lead, id, review.StatusAnalysis, ""), http.StatusUnprocessableEntity,
		"It needs: at least one evidence note.")
	var actionAreaID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id::text FROM action_areas WHERE review_id = $1`, id).Scan(&actionAreaID); err != nil {
		t.Fatal(err)
	}
	if r := stNote(t, lead, id, visitID, actionAreaID, "10", "stage-note-1"); r.Status != http.StatusSeeOther {
		t.Fatalf("record a note: %d\n%s", r.Status, r.Body)
	}
	if r := e.stMove(lead, id, review.StatusAnalysis, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("to analysis: %d\n%s", r.Status, r.Body)
	}

	// Drafting needs a finding.
	stExpect(t, "to drafting without findings", e.stMove(lead, id, review.StatusDrafting, ""), http.StatusUnprocessableEntity,
		"It needs: at least one finding.")
	if r := lead.post(base+"/synthesis/"+actionAreaID+"/findings", url.Values{"idempotency_key": {"stage-finding"},
		"body": {"Families found the hub easy to reach."}, "style": {"count"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("write a finding: %d\n%s", r.Status, r.Body)
	}
	if r := e.stMove(lead, id, review.StatusDrafting, ""); r.Status != http.StatusSeeOther || !strings.Contains(lead.get(base+"/").Body, "The review is now at drafting") {
		t.Fatalf("to drafting: %d\n%s", r.Status, r.Body)
	}
	e.stWant("drafting", id, review.StatusDrafting, report.StatusDraft)
	stExpect(t, "overview at drafting", lead.get(base+"/"), http.StatusOK, "The evidence is locked",
		"Moving on sends the report for quality assurance", "Send the report for quality assurance")

	// Back without a reason is refused on the move-back page, which keeps what was typed.
	stExpect(t, "the move-back page", lead.get(base+"/status/back"), http.StatusOK, "Move the review back to Analysis",
		"Why is the review moving back?", "The evidence is unlocked")
	stExpect(t, "back without a reason", e.stMove(lead, id, review.StatusAnalysis, "   "), http.StatusUnprocessableEntity,
		"There is a problem", "Say why the review is moving back to analysis", `href="#reason"`)
	long := strings.Repeat("too long ", 250)
	stExpect(t, "back with too long a reason", e.stMove(lead, id, review.StatusAnalysis, long), http.StatusUnprocessableEntity,
		"The reason must be 2,000 characters or fewer", strings.TrimSpace(long))
	e.stWant("refused moves back", id, review.StatusDrafting, report.StatusDraft)
	if r := e.stMove(lead, id, review.StatusAnalysis, "One more visit's notes are late"); r.Status != http.StatusSeeOther {
		t.Fatalf("back to analysis: %d\n%s", r.Status, r.Body)
	}
	e.stWant("back to analysis", id, review.StatusAnalysis, report.StatusDraft)
	var reason string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT after->>'reason' FROM audit_log
		WHERE action = 'review.status_changed' AND object_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&reason); err != nil ||
		reason != "One more visit's notes are late" {
		t.Errorf("the reason audited: %q %v", reason, err)
	}
}

// TestStageMovesByRole takes every move, on and back, through both forms: only the review's
// leads move it; quality assurance decisions are a second lead's; everyone else is refused as the
// route table says, and nothing moves; every move is audited.
func TestStageMovesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	id := f.reviewID
	lead, qa := e.signedIn("lead@demo.test"), e.signedIn("qa.lead@demo.test")
	others := []struct {
		who  string
		c    *client
		want int
	}{
		{"inspector", e.signedIn("inspector@demo.test"), http.StatusForbidden},
		{"observer", e.signedIn("observer@demo.test"), http.StatusForbidden},
		{"local authority contact", e.signedIn("la.contact@demo.test"), http.StatusForbidden},
		{"tenant admin outside the review", e.signedIn("admin@demo.test"), http.StatusNotFound},
		{"another tenant's admin", e.signedIn("admin@other.test"), http.StatusNotFound},
	}
	refusedToOthers := func(what string, post func(c *client) resp) {
		t.Helper()
		before, version, _, rs := e.stState(id)
		for _, o := range others {
			if r := post(o.c); r.Status != o.want {
				t.Errorf("%s as %s: %d, want %d", what, o.who, r.Status, o.want)
			}
		}
		if now, v, _, nrs := e.stState(id); now != before || v != version || nrs != rs {
			t.Fatalf("%s refused to others moved the review: %s → %s, report %s → %s", what, before, now, rs, nrs)
		}
	}
	move := func(what string, c *client, to review.Status, reason string, stage review.Status, rs string) {
		t.Helper()
		refusedToOthers(what, func(o *client) resp { return e.stMove(o, id, to, reason) })
		if r := e.stMove(c, id, to, reason); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", what, r.Status, r.Body)
		}
		e.stWant(what, id, stage, rs)
	}
	step := func(what string, c *client, to, note string, stage review.Status, rs string) {
		t.Helper()
		refusedToOthers(what, func(o *client) resp { return e.stStep(o, id, to, note) })
		if r := e.stStep(c, id, to, note); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", what, r.Status, r.Body)
		}
		e.stWant(what, id, stage, rs)
	}
	refusedToOthers("the move-back page", func(o *client) resp { return o.get("/reviews/" + id + "/status/back") })

	move("on to fieldwork", lead, review.StatusFieldwork, "", review.StatusFieldwork, report.StatusDraft)
	move("back to set-up", lead, review.StatusSetup, "The areas change", review.StatusSetup, report.StatusDraft)
	move("on to fieldwork again", qa, review.StatusFieldwork, "", review.StatusFieldwork, report.StatusDraft) // any lead
	move("on to analysis", lead, review.StatusAnalysis, "", review.StatusAnalysis, report.StatusDraft)
	move("back to fieldwork", lead, review.StatusFieldwork, "A visit was missed", review.StatusFieldwork, report.StatusDraft)
	move("on to analysis again", lead, review.StatusAnalysis, "", review.StatusAnalysis, report.StatusDraft)
	stExpect(t, "the report sent at analysis", e.stStep(lead, id, report.StatusQA, ""), http.StatusUnprocessableEntity,
		"The report can be sent for quality assurance once the review is at drafting. It is at analysis.")
	move("on to drafting", lead, review.StatusDrafting, "", review.StatusDrafting, report.StatusDraft)
	move("back to analysis", lead, review.StatusAnalysis, "Late notes", review.StatusAnalysis, report.StatusDraft)
	move("on to drafting again", lead, review.StatusDrafting, "", review.StatusDrafting, report.StatusDraft)

	// Quality assurance: sending the report is moving the review, from either form.
	step("sent for quality assurance from the report", lead, report.StatusQA, "", review.StatusQA, report.StatusQA)
	stExpect(t, "approved by its sender", e.stStep(lead, id, report.StatusApproved, ""), http.StatusUnprocessableEntity,
		"Another lead must quality assure the report")
	stExpect(t, "published before approval", e.stMove(lead, id, review.StatusPublished, ""), http.StatusUnprocessableEntity,
		"Only a report approved by a second lead can be published")
	page := qa.get("/reviews/" + id + "/")
	stExpect(t, "overview at quality assurance", page, http.StatusOK, "Nothing can change while the report is in quality assurance",
		"The report is In quality assurance", "A lead other than the one who sent the report")
	if strings.Contains(page.Body, "Publish the report") {
		t.Error("the overview offers to publish a report not approved")
	}
	step("changes requested by the second lead", qa, report.StatusChangesRequested, "Add the addressees",
		review.StatusDrafting, report.StatusChangesRequested)
	move("sent again from the stage form", lead, review.StatusQA, "", review.StatusQA, report.StatusQA)
	move("withdrawn by its sender", lead, review.StatusDrafting, "Sent too early", review.StatusDrafting, report.StatusDraft)
	move("sent again", lead, review.StatusQA, "", review.StatusQA, report.StatusQA)
	move("sent back by the second lead from the stage form", qa, review.StatusDrafting, "The summary is too long",
		review.StatusDrafting, report.StatusChangesRequested)
	step("sent again from the report", lead, report.StatusQA, "", review.StatusQA, report.StatusQA)
	step("approved", qa, report.StatusApproved, "", review.StatusQA, report.StatusApproved)
	step("returned to draft", lead, report.StatusDraft, "A figure changed", review.StatusDrafting, report.StatusDraft)
	move("sent again", lead, review.StatusQA, "", review.StatusQA, report.StatusQA)
	step("approved again", qa, report.StatusApproved, "", review.StatusQA, report.StatusApproved)
	stExpect(t, "overview of an approved report", lead.get("/reviews/"+id+"/"), http.StatusOK, "Publish the report",
		"Publishing runs the publication check first")
	move("published from the stage form", lead, review.StatusPublished, "", review.StatusPublished, report.StatusPublished)
	stExpect(t, "overview when published", lead.get("/reviews/"+id+"/"), http.StatusOK, "Nothing can change: the review is published",
		"Correct the published review")
	// Every step to quality assurance and each approval saved a version before publishing did.
	var pubNumber int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT number FROM report_versions WHERE review_id = $1 AND label = 'Published'`,
		id).Scan(&pubNumber); err != nil {
		t.Fatal(err)
	}
	stExpect(t, "the correction page", lead.get("/reviews/"+id+"/status/back"), http.StatusOK, "Correct the published review",
		"What needs correcting?", fmt.Sprintf("The published report stays recorded as version %d", pubNumber))
	stExpect(t, "a correction without a reason", e.stMove(lead, id, review.StatusDrafting, ""), http.StatusUnprocessableEntity,
		"Say what needs correcting in the published report")
	move("corrected", lead, review.StatusDrafting, "A date is wrong", review.StatusDrafting, report.StatusDraft)
	var published *int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT published_version FROM reports WHERE review_id = $1`, id).Scan(&published); err != nil ||
		published == nil || *published != pubNumber {
		t.Errorf("the published version after a correction: %v %v", published, err)
	}
	step("sent after the correction", lead, report.StatusQA, "", review.StatusQA, report.StatusQA)
	step("approved after the correction", qa, report.StatusApproved, "", review.StatusQA, report.StatusApproved)
	step("published from the report", lead, report.StatusPublished, "", review.StatusPublished, report.StatusPublished)

	// Every move audited, each move back with its reason, by whom.
	rows, err := e.db.Super.Query(context.Background(), `SELECT a.before->>'status', a.after->>'status', coalesce(a.after->>'reason', ''), u.email
		FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.action = 'review.status_changed' AND a.object_id = $1 ORDER BY a.id`, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var from, to, reason, who string
		if err := rows.Scan(&from, &to, &reason, &who); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s→%s %s %s", from, to, who, reason))
	}
	want := []string{
		"setup→fieldwork lead@demo.test ", "fieldwork→setup lead@demo.test The areas change", "setup→fieldwork qa.lead@demo.test ",
		"fieldwork→analysis lead@demo.test ", "analysis→fieldwork lead@demo.test A visit was missed", "fieldwork→analysis lead@demo.test ",
		"analysis→drafting lead@demo.test ", "drafting→analysis lead@demo.test Late notes", "analysis→drafting lead@demo.test ",
		"drafting→quality_assurance lead@demo.test ", "quality_assurance→drafting qa.lead@demo.test Add the addressees",
		"drafting→quality_assurance lead@demo.test ", "quality_assurance→drafting lead@demo.test Sent too early",
		"drafting→quality_assurance lead@demo.test ", "quality_assurance→drafting qa.lead@demo.test The summary is too long",
		"drafting→quality_assurance lead@demo.test ", "quality_assurance→drafting lead@demo.test A figure changed",
		"drafting→quality_assurance lead@demo.test ", "quality_assurance→published lead@demo.test ",
		"published→drafting lead@demo.test A date is wrong", "drafting→quality_assurance lead@demo.test ",
		"quality_assurance→published lead@demo.test ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audited moves:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := e.auditCount("report.status_changed"); n != 16 {
		t.Errorf("%d report steps audited, want 16", n)
	}
}

// TestStageGovernsEachKindOfChange makes one write of each kind through its page, as the people
// who may make it, at every stage: set-up, fieldwork and analysis allow them all, drafting all
// but the evidence (unless a lead unlocks it), quality assurance and publication none. A
// refusal is a 403 naming the stage, and writes nothing.
func TestStageGovernsEachKindOfChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newRPFixture(t, e)
	id := f.reviewID
	lead, inspector := e.signedIn("lead@demo.test"), e.signedIn("inspector@demo.test")
	count := func(sql string) int {
		var n int
		if err := e.db.Super.QueryRow(context.Background(), sql, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := 0
	writes := []struct {
		kind  review.Change
		what  string
		do    func() resp
		count string // counts what the write adds or changes
	}{
		{review.ChangeEvidence, "record a note", func() resp {
			return stNote(t, inspector, id, f.visit1, f.actionAreaID, "3", fmt.Sprintf("stage-kind-note-%d", n))
		}, `SELECT count(*) FROM evidence_notes WHERE review_id = $1`},
		{review.ChangeSynthesis, "change a finding", func() resp {
			var version int
			_ = e.db.Super.QueryRow(context.Background(), `SELECT version FROM findings WHERE id = $1`, f.findingID).Scan(&version)
			return lead.post("/reviews/"+id+"/findings/"+f.findingID, url.Values{"version": {strconv.Itoa(version)},
				"body": {fmt.Sprintf("Parents valued the feeding support (%d).", n)}, "style": {"count"}})
		}, `SELECT sum(version) FROM findings WHERE review_id = $1`},
		{review.ChangeReport, "save a report text", func() resp {
			_, version := f.text(t, "background")
			return lead.post("/reviews/"+id+"/report/sections", url.Values{"key": {"background"}, "action": {"save"},
				"body": {fmt.Sprintf("Background, take %d.", n)}, "version": {strconv.Itoa(version)}})
		}, `SELECT coalesce(sum(version), 0) FROM report_texts WHERE review_id = $1`},
		{review.ChangeSetup, "add an action area", func() resp {
			return lead.post("/reviews/"+id+"/framework/areas", url.Values{"group_id": {f.groupID}, "title": {fmt.Sprintf("New action area %d", n)}})
		}, `SELECT count(*) FROM action_areas WHERE review_id = $1`},
		{review.ChangeSetup, "add a visit", func() resp {
			return lead.post("/reviews/"+id+"/visits", vtForm("save", f.area2, strconv.Itoa(1+n%22), "8", "2023", "1"))
		}, `SELECT count(*) FROM visits WHERE review_id = $1`},
	}
	setStage := func(s review.Status, locked bool) {
		rs := map[review.Status]string{review.StatusQA: report.StatusQA, review.StatusPublished: report.StatusPublished}[s]
		if rs == "" {
			rs = report.StatusDraft
		}
		if _, err := e.db.Super.Exec(context.Background(), `UPDATE reviews SET status = $2,
				evidence_locked_at = CASE WHEN $3 THEN now() END, evidence_locked_by = CASE WHEN $3 THEN created_by END
			WHERE id = $1`, id, string(s), locked); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO reports (tenant_id, review_id, status, version)
			SELECT tenant_id, id, $2, 1 FROM reviews WHERE id = $1
			ON CONFLICT (tenant_id, review_id) DO UPDATE SET status = EXCLUDED.status`, id, rs); err != nil {
			t.Fatal(err)
		}
	}
	try := func(stage review.Status, allowed func(review.Change) bool) {
		for _, w := range writes {
			n++
			before := count(w.count)
			r := w.do()
			after := count(w.count)
			if allowed(w.kind) {
				if r.Status != http.StatusSeeOther || after == before {
					t.Errorf("at %s, %s (%s): %d, changed %v; want it saved\n%s", stage, w.what, w.kind, r.Status, after != before, r.Body)
				}
				continue
			}
			if r.Status != http.StatusForbidden || after != before {
				t.Errorf("at %s, %s (%s): %d, changed %v; want 403 and nothing written", stage, w.what, w.kind, r.Status, after != before)
				continue
			}
			if want := "The review is " + stage.Where(); !strings.Contains(r.Body, want) && !strings.Contains(r.Body, "The evidence for this review is locked") {
				t.Errorf("at %s, %s: the refusal does not say why\n%s", stage, w.what, r.Body)
			}
			if !strings.Contains(r.Body, "This cannot be changed at the review’s stage") {
				t.Errorf("at %s, %s: the refusal's heading", stage, w.what)
			}
		}
	}
	for _, s := range review.Statuses {
		setStage(s, s.Index() >= review.StatusDrafting.Index())
		try(s, s.Allows)
	}
	// At drafting a lead may unlock the evidence for late notes; moving on locks it again.
	setStage(review.StatusDrafting, true)
	if r := lead.post("/reviews/"+id+"/evidence/unlock", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlock at drafting: %d\n%s", r.Status, r.Body)
	}
	try(review.StatusDrafting, func(review.Change) bool { return true })
	stExpect(t, "overview with the evidence unlocked", lead.get("/reviews/"+id+"/"), http.StatusOK, "A lead has unlocked the evidence")
	// Past drafting the lock cannot be lifted.
	setStage(review.StatusQA, true)
	stExpect(t, "the lock page at quality assurance", lead.get("/reviews/"+id+"/evidence/lock"), http.StatusOK,
		"The evidence stays locked while the review is at quality assurance")
	if r := lead.post("/reviews/"+id+"/evidence/unlock", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unlock at quality assurance: %d", r.Status)
	}
	// The report's pages say why its words cannot change, and offer no editing.
	r := lead.get("/reviews/" + id + "/report")
	stExpect(t, "the report at quality assurance", r, http.StatusOK, "The review is at quality assurance: nothing in the report can change")
	if strings.Contains(r.Body, "/report/sections/edit") {
		t.Error("the report at quality assurance offers editing")
	}
	stExpect(t, "editing a section at quality assurance", lead.get("/reviews/"+id+"/report/sections/edit?key=background"),
		http.StatusForbidden, "Move it back to drafting to make changes")
}

// TestStageOnTheOverviewByRole: every member sees the stage and what is next; only the leads get
// the forms.
func TestStageOnTheOverviewByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	base := "/reviews/" + f.reviewID + "/"
	if r := e.stMove(e.signedIn("lead@demo.test"), f.reviewID, review.StatusFieldwork, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("to fieldwork: %d", r.Status)
	}
	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get(base)
		stExpect(t, who, r, http.StatusOK, "Stage of the review", "Fieldwork", "Current stage", "Next: Analysis",
			"At least one evidence note", "Nothing is locked")
		if strings.Contains(r.Body, "/status") {
			t.Errorf("%s is offered a stage form", who)
		}
	}
	stExpect(t, "contact", e.signedIn("la.contact@demo.test").get(base), http.StatusOK, "Stage", "Fieldwork")
	r := e.signedIn("lead@demo.test").get(base)
	stExpect(t, "lead", r, http.StatusOK, "Move on to Analysis", "Move back to Set-up", `action="/reviews/`+f.reviewID+`/status"`,
		`href="/reviews/`+f.reviewID+`/status/back"`)
}

// TestStageFormSentTwiceStaleOrWrong: the same form sent twice moves once; a stale version is a
// conflict; two stages at once, an unknown stage and no version are refused; nothing moves.
func TestStageFormSentTwiceStaleOrWrong(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	path := "/reviews/" + f.reviewID + "/status"
	_, v, _, _ := e.stState(f.reviewID)
	form := url.Values{"version": {strconv.Itoa(v)}, "to": {"fieldwork"}}
	for i := range 2 {
		if r := lead.post(path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("press %d: %d\n%s", i+1, r.Status, r.Body)
		}
	}
	if n := e.auditCount("review.status_changed"); n != 1 {
		t.Errorf("%d moves audited for one form sent twice", n)
	}
	stExpect(t, "stale", lead.post(path, url.Values{"version": {strconv.Itoa(v)}, "to": {"setup"}, "reason": {"x"}}),
		http.StatusConflict, "Someone else changed this review")
	stExpect(t, "two stages", lead.post(path, url.Values{"version": {strconv.Itoa(v + 1)}, "to": {"drafting"}}),
		http.StatusUnprocessableEntity, "A review moves one stage at a time. From Fieldwork it can only move on to Analysis or back to Set-up.")
	stExpect(t, "unknown", lead.post(path, url.Values{"version": {strconv.Itoa(v + 1)}, "to": {"cancelled"}}),
		http.StatusUnprocessableEntity, "Select the stage to move the review to")
	stExpect(t, "no version", lead.post(path, url.Values{"to": {"setup"}}), http.StatusBadRequest)
	e.stWant("refusals", f.reviewID, review.StatusFieldwork, report.StatusDraft)
}
