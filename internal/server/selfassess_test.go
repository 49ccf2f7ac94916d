package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func init() {
	fill := reviewRule{signIn, missing, ok, forbid, forbid, ok, missing, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment":           reviewAnyMember,
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment/question":  reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/self-assessment/question": fill,
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment/check":     reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/self-assessment/submit":   fill,
		"GET /reviews/{reviewID}/areas/{areaID}/self-assessment/submitted": reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/self-assessment/reopen":   reviewLeadWrite,
		"GET /reviews/{reviewID}/self-assessment":                          reviewReadStaff,
		"POST /reviews/{reviewID}/self-assessment/elements":                reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/elements/update":         reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/elements/delete":         reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/elements/move":           reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/levels":                  reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/levels/update":           reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/levels/delete":           reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/levels/move":             reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/settings":                reviewLeadWrite,
		"POST /reviews/{reviewID}/self-assessment/deadlines":               reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// saIDs reads the review's element and level ids in order (after a page seeded them).
func saIDs(t *testing.T, e *env, reviewID string) (elements, levels []string) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		sql string
		dst *[]string
	}{
		{`SELECT id::text FROM sa_elements WHERE review_id = $1 ORDER BY position`, &elements},
		{`SELECT id::text FROM sa_levels WHERE review_id = $1 ORDER BY position`, &levels},
	} {
		rows, err := e.db.Super.Query(ctx, q.sql, reviewID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			*q.dst = append(*q.dst, id)
		}
		rows.Close()
	}
	if len(elements) != 4 || len(levels) != 4 {
		t.Fatalf("seeded %d elements and %d levels, want 4 and 4", len(elements), len(levels))
	}
	return elements, levels
}

func wantStatus(t *testing.T, what string, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
}

func TestSelfAssessContactJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"

	r := contact.get(base)
	wantStatus(t, "start page", r, http.StatusOK)
	for _, want := range []string{"Complete the self-assessment", "Not started", "Upload supporting documents", "Optional",
		"/areas/" + f.area1 + "/documents", "Check visit arrangements"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("start page lacks %q", want)
		}
	}
	elements, levels := saIDs(t, e, f.reviewID)
	r = contact.get(base + "/question")
	if wantStatus(t, "first question", r, http.StatusOK); !strings.Contains(r.Body, "Co-location") || !strings.Contains(r.Body, "Embedded") {
		t.Error("first question does not show Co-location and the scale")
	}
	// "Save and continue" without a rating: 422, nothing stored.
	r = contact.post(base+"/question", url.Values{"element_id": {elements[0]}, "version": {"0"}, "commentary": {"Two hubs open"}, "action": {"continue"}})
	if wantStatus(t, "no rating", r, http.StatusUnprocessableEntity); !strings.Contains(r.Body, "Select a rating") || !strings.Contains(r.Body, "Two hubs open") {
		t.Error("missing rating not reported or typed text lost")
	}
	// "Save and come back later" keeps a partial answer.
	r = contact.post(base+"/question", url.Values{"element_id": {elements[0]}, "version": {"0"}, "commentary": {"Two hubs open"}, "action": {"later"}})
	if wantStatus(t, "save for later", r, http.StatusSeeOther); r.Location != base {
		t.Errorf("save for later went to %s", r.Location)
	}
	if r = contact.get(base); !strings.Contains(r.Body, "In progress") {
		t.Error("task not in progress after a save")
	}
	// Answer every element with "Save and continue".
	for i, el := range elements {
		version := "0"
		if i == 0 {
			version = "1"
		}
		r = contact.post(base+"/question", url.Values{"element_id": {el}, "version": {version}, "level": {levels[i%4]},
			"commentary": {"Commentary " + el[:4]}, "action": {"continue"}})
		wantStatus(t, "answer", r, http.StatusSeeOther)
		next := base + "/check"
		if i < len(elements)-1 {
			next = base + "/question?element=" + elements[i+1]
		}
		if r.Location != next {
			t.Errorf("after element %d went to %s, want %s", i+1, r.Location, next)
		}
	}
	// The same form twice changes nothing and is no error.
	r = contact.post(base+"/question", url.Values{"element_id": {elements[3]}, "version": {"0"}, "level": {levels[3]},
		"commentary": {"Commentary " + elements[3][:4]}, "action": {"continue"}})
	wantStatus(t, "repeated save", r, http.StatusSeeOther)
	if n := e.auditCount("selfassess.answer_saved"); n != 5 {
		t.Errorf("answer_saved entries = %d, want 5", n)
	}
	// A stale form with a different answer: conflict.
	r = contact.post(base+"/question", url.Values{"element_id": {elements[1]}, "version": {"0"}, "level": {levels[3]},
		"commentary": {"Stale"}, "action": {"continue"}})
	if wantStatus(t, "stale save", r, http.StatusConflict); !strings.Contains(r.Body, "Someone else changed this answer") {
		t.Error("conflict not explained")
	}
	r = contact.get(base + "/check")
	if wantStatus(t, "check", r, http.StatusOK); !strings.Contains(r.Body, "Check your answers") || !strings.Contains(r.Body, "Change") {
		t.Error("check page lacks its summary")
	}
	r = contact.post(base+"/submit", nil)
	if wantStatus(t, "submit", r, http.StatusSeeOther); r.Location != base+"/submitted" {
		t.Errorf("submit went to %s", r.Location)
	}
	if r = contact.get(base + "/submitted"); !strings.Contains(r.Body, "Self-assessment submitted") {
		t.Error("no confirmation")
	}
	if r = contact.get(base); !strings.Contains(r.Body, "Completed") {
		t.Error("task not completed")
	}
	// Read-only now: no form on the question page, saves refused.
	if r = contact.get(base + "/question?element=" + elements[0]); strings.Contains(r.Body, "Save and continue") {
		t.Error("submitted question page still has a form")
	}
	r = contact.post(base+"/question", url.Values{"element_id": {elements[0]}, "version": {"2"}, "level": {levels[3]}, "action": {"continue"}})
	wantStatus(t, "save after submit", r, http.StatusConflict)
	// Inspectors read it; the lead sees it submitted and reopens it with a reason.
	if r = e.signedIn("inspector@demo.test").get(base + "/check"); !strings.Contains(r.Body, "Submitted by") {
		t.Error("inspector does not see the submission")
	}
	lead := e.signedIn("lead@demo.test")
	if r = lead.get("/reviews/" + f.reviewID + "/self-assessment"); !strings.Contains(r.Body, "Submitted") {
		t.Error("lead's page does not show the area submitted")
	}
	wantStatus(t, "reopen without reason", lead.post(base+"/reopen", url.Values{"reason": {" "}}), http.StatusUnprocessableEntity)
	wantStatus(t, "reopen", lead.post(base+"/reopen", url.Values{"reason": {"Please add the Hexham hub"}}), http.StatusSeeOther)
	if r = contact.get(base); !strings.Contains(r.Body, "Please add the Hexham hub") || strings.Contains(r.Body, "Completed") {
		t.Error("contact does not see the reopening and its reason")
	}
	if e.auditCount("selfassess.submitted") != 1 || e.auditCount("selfassess.reopened") != 1 {
		t.Error("submit and reopen not audited once each")
	}
}

func TestSelfAssessSubmitRefusesMissingAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"
	contact.get(base)
	elements, levels := saIDs(t, e, f.reviewID)
	wantStatus(t, "answer", contact.post(base+"/question", url.Values{"element_id": {elements[0]}, "version": {"0"},
		"level": {levels[1]}, "action": {"continue"}}), http.StatusSeeOther)
	r := contact.post(base+"/submit", nil)
	wantStatus(t, "submit with three missing", r, http.StatusUnprocessableEntity)
	for _, want := range []string{"There is a problem", "Answer Commissioning", "Answer Data-sharing", "Answer Governance"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("error summary lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Answer Co-location") {
		t.Error("answered element reported missing")
	}
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM sa_submissions WHERE area_id = $1 AND status = 'submitted'`,
		f.area1).Scan(&n); err != nil || n != 0 {
		t.Fatalf("submitted rows = %d (%v)", n, err)
	}
}

func TestSelfAssessScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	own := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"
	other := "/reviews/" + f.reviewID + "/areas/" + f.area2 + "/self-assessment"
	contact := e.signedIn("la.contact@demo.test")
	for _, p := range []string{other, other + "/question", other + "/check", other + "/submitted"} {
		wantStatus(t, "contact on another area "+p, contact.get(p), http.StatusNotFound)
	}
	wantStatus(t, "contact posting to another area", contact.post(other+"/question", url.Values{}), http.StatusNotFound)
	wantStatus(t, "outsider", e.signedIn("admin@demo.test").get(own), http.StatusNotFound)
	wantStatus(t, "other tenant", e.signedIn("admin@other.test").get(own), http.StatusNotFound)
	wantStatus(t, "observer reads", e.signedIn("observer@demo.test").get(own+"/question"), http.StatusOK)
	r := e.signedIn("inspector@demo.test").get(own + "/question")
	if wantStatus(t, "inspector reads", r, http.StatusOK); strings.Contains(r.Body, "Save and continue") {
		t.Error("inspector is offered the form")
	}
	wantStatus(t, "inspector may not answer", e.signedIn("inspector@demo.test").post(own+"/submit", nil), http.StatusForbidden)
	wantStatus(t, "contact may not open the lead's page", contact.get("/reviews/"+f.reviewID+"/self-assessment"), http.StatusForbidden)
}

func TestSelfAssessLeadEditsTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	page := "/reviews/" + f.reviewID + "/self-assessment"
	wantStatus(t, "lead page", lead.get(page), http.StatusOK)
	elements, levels := saIDs(t, e, f.reviewID)

	r := lead.post(page+"/elements", url.Values{"title": {" "}})
	if wantStatus(t, "add without title", r, http.StatusUnprocessableEntity); !strings.Contains(r.Body, "Enter a title for the element") {
		t.Error("no title error")
	}
	wantStatus(t, "add", lead.post(page+"/elements", url.Values{"title": {"Workforce"}, "guidance": {"Training and supervision"}}), http.StatusSeeOther)
	wantStatus(t, "rename", lead.post(page+"/elements/update", url.Values{"element_id": {elements[1]}, "version": {"1"},
		"title": {"Joint commissioning"}, "guidance": {"How services are bought together"}}), http.StatusSeeOther)
	wantStatus(t, "stale rename", lead.post(page+"/elements/update", url.Values{"element_id": {elements[1]}, "version": {"1"},
		"title": {"Commissioning again"}}), http.StatusConflict)
	wantStatus(t, "move", lead.post(page+"/elements/move", url.Values{"element_id": {elements[1]}, "direction": {"up"}}), http.StatusSeeOther)
	wantStatus(t, "commentary", lead.post(page+"/settings", url.Values{"commentary_required": {"yes"}}), http.StatusSeeOther)
	day := "deadline-" + f.area1
	r = lead.post(page+"/deadlines", url.Values{day + "-day": {"31"}, day + "-month": {"2"}, day + "-year": {"2024"}})
	if wantStatus(t, "impossible date", r, http.StatusUnprocessableEntity); !strings.Contains(r.Body, "must be a real date") {
		t.Error("no date error")
	}
	wantStatus(t, "deadline", lead.post(page+"/deadlines", url.Values{day + "-day": {"15"}, day + "-month": {"7"}, day + "-year": {"2024"}}), http.StatusSeeOther)
	if r = lead.get(page); !strings.Contains(r.Body, "15 July 2024") || !strings.Contains(r.Body, "Workforce") {
		t.Error("lead page lacks the deadline or the new element")
	}
	// A level in use cannot be removed; an unused one can.
	contact := e.signedIn("la.contact@demo.test")
	wantStatus(t, "answer", contact.post("/reviews/"+f.reviewID+"/areas/"+f.area1+"/self-assessment/question", url.Values{
		"element_id": {elements[0]}, "version": {"0"}, "level": {levels[0]}, "action": {"later"}}), http.StatusSeeOther)
	r = lead.post(page+"/levels/delete", url.Values{"level_id": {levels[0]}})
	if wantStatus(t, "delete level in use", r, http.StatusUnprocessableEntity); !strings.Contains(r.Body, "cannot be removed") {
		t.Error("refusal not explained")
	}
	wantStatus(t, "delete unused level", lead.post(page+"/levels/delete", url.Values{"level_id": {levels[3]}}), http.StatusSeeOther)
	r = lead.post(page+"/elements/delete", url.Values{"element_id": {elements[0]}})
	wantStatus(t, "delete answered element", r, http.StatusUnprocessableEntity)
	if r = contact.get("/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"); !strings.Contains(r.Body, "15 July 2024") {
		t.Error("contact does not see the deadline")
	}
	for _, a := range []string{"selfassess.element_added", "selfassess.element_changed", "selfassess.element_moved",
		"selfassess.commentary_setting_changed", "selfassess.deadlines_changed", "selfassess.level_deleted"} {
		if e.auditCount(a) != 1 {
			t.Errorf("%s audited %d times, want 1", a, e.auditCount(a))
		}
	}
}

func TestSelfAssessLeadGridAndLate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	page := "/reviews/" + f.reviewID + "/self-assessment"
	overview := "/reviews/" + f.reviewID + "/"
	if r := lead.get(overview); strings.Contains(r.Body, "late with") {
		t.Error("overview warns of late areas before any deadline")
	}
	// Northumberland (area1) answers every element and submits; Sunderland (area2) does nothing.
	contact := e.signedIn("la.contact@demo.test")
	base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"
	contact.get(base)
	elements, levels := saIDs(t, e, f.reviewID)
	for i, el := range elements {
		wantStatus(t, "answer", contact.post(base+"/question", url.Values{"element_id": {el}, "version": {"0"}, "level": {levels[i]},
			"commentary": {"Grid commentary " + strconv.Itoa(i)}, "action": {"continue"}}), http.StatusSeeOther)
	}
	wantStatus(t, "submit", contact.post(base+"/submit", nil), http.StatusSeeOther)
	r := lead.get(page)
	wantStatus(t, "lead page", r, http.StatusOK)
	if strings.Contains(r.Body, "govuk-tag--red") {
		t.Error("an area is tagged late before any deadline")
	}
	// Both deadlines passed yesterday: only Sunderland, not submitted, is late.
	if _, err := e.db.Super.Exec(context.Background(), `INSERT INTO sa_deadlines (tenant_id, area_id, review_id, due)
		VALUES ($1, $2, $4, current_date - 1), ($1, $3, $4, current_date - 1)`, f.tenantID, f.area1, f.area2, f.reviewID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"lead@demo.test", "inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get(page)
		wantStatus(t, who+" reads the grid", r, http.StatusOK)
		grid := r.Body[strings.Index(r.Body, `id="ratings-grid"`):]
		for _, want := range []string{"Ratings by area", "Co-location", "Governance", "Not yet started", "Embedded",
			"View commentary", "Grid commentary 2", "Not submitted"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s: page lacks %q", who, want)
			}
		}
		sunderland := grid[strings.Index(grid, "Sunderland"):]
		if i := strings.Index(sunderland, "</th>"); i < 0 || !strings.Contains(sunderland[:i], ">Late</strong>") {
			t.Errorf("%s: Sunderland not tagged Late in the grid", who)
		}
		north := grid[strings.Index(grid, "Northumberland"):]
		if i := strings.Index(north, "</th>"); i < 0 || strings.Contains(north[:i], "Late") {
			t.Errorf("%s: submitted Northumberland tagged Late", who)
		}
		if !strings.Contains(r.Body, "Not started (1)") || !strings.Contains(r.Body, "Submitted (1)") {
			t.Errorf("%s: progress summary wrong", who)
		}
	}
	wantStatus(t, "contact", contact.get(page), http.StatusForbidden)
	r = lead.get(overview)
	if !strings.Contains(r.Body, "1 area is late with its self-assessment") || !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Errorf("lead's overview lacks the late warning and its link")
	}
	if r = e.signedIn("inspector@demo.test").get(overview); strings.Contains(r.Body, "late with") {
		t.Error("inspector's overview shows the lead's late warning")
	}
}
