package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"thematic/internal/report"
	"thematic/internal/review"
)

// reviewSuccessPaths are the forms of a review's people, lists, stages, report and
// self-assessment whose success paths sent more than ten statements before each was brought
// within the budget (BENCHMARKS.md, "Ten statements a request").
var reviewSuccessPaths = []successPath{
	{"adding someone to a review", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		return e.signedIn("lead@demo.test"), f.peopleURL(""), url.Values{"email": {"cqc.inspector@demo.test"}, "role": {"inspector"},
			"inspectorate": {"CQC"}, "job_title": {"Children's Services Inspector"}}
	}, 0},
	{"inviting someone to a review", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		return e.signedIn("lead@demo.test"), f.peopleURL(""), url.Values{"email": {"nia.new@sunderland.example"}, "name": {"Nia New"},
			"role": {"la_contact"}, "area": {f.area2}, "inspectorate": {"none"}}
	}, 0},
	{"changing someone's place in a review", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		observer := e.peopleMemberID(f.reviewID, "observer@demo.test")
		return e.signedIn("lead@demo.test"), f.peopleURL("/" + observer), url.Values{"version": {"1"}, "role": {"la_contact"},
			"area": {f.area2}, "inspectorate": {"none"}, "job_title": {"Early Years Inspector"}}
	}, 0},
	{"removing someone from a review", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		observer := e.peopleMemberID(f.reviewID, "observer@demo.test")
		return e.signedIn("lead@demo.test"), f.peopleURL("/" + observer + "/remove"), url.Values{}
	}, 0},
	{"adding to a review's inspectorates", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		return e.signedIn("lead@demo.test"), "/reviews/" + f.reviewID + "/lists/inspectorates", url.Values{"name": {"HMI Probation"}}
	}, 0},
	{"adding to a review's team roles", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		return e.signedIn("lead@demo.test"), "/reviews/" + f.reviewID + "/lists/team-roles", url.Values{"name": {"Police inspector"}}
	}, 0},
	{"moving a review on a stage", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		_, v, _, _ := e.stState(f.reviewID)
		return e.signedIn("lead@demo.test"), "/reviews/" + f.reviewID + "/status", url.Values{"version": {strconv.Itoa(v)}, "to": {"fieldwork"}}
	}, 0},
	{"moving a review back a stage", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		lead := e.signedIn("lead@demo.test")
		if r := e.stMove(lead, f.reviewID, review.StatusFieldwork, ""); r.Status != http.StatusSeeOther {
			t.Fatalf("to fieldwork: %d\n%s", r.Status, r.Body)
		}
		_, v, _, _ := e.stState(f.reviewID)
		return lead, "/reviews/" + f.reviewID + "/status", url.Values{"version": {strconv.Itoa(v)}, "to": {"setup"}, "reason": {"An area was missed"}}
	}, 0},
	{"saving a section of the report", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newRPFixture(t, e)
		return e.signedIn("lead@demo.test"), f.path("/sections"), url.Values{"key": {"summary"}, "body": {"Families found the hubs welcoming."},
			"version": {"0"}, "action": {"save"}}
	}, 0},
	{"changing a section of the report", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newRPFixture(t, e)
		lead := e.signedIn("lead@demo.test")
		f.save(t, lead, "summary", "Families found the hubs welcoming.")
		_, v := f.text(t, "summary")
		return lead, f.path("/sections"), url.Values{"key": {"summary"}, "body": {"Families found most hubs welcoming."},
			"version": {strconv.Itoa(v)}, "action": {"save"}}
	}, 0},
	{"sending the report for quality assurance", func(t *testing.T, e *env) (*client, string, url.Values) {
		f, lead, _ := rsSignOffAt(t, e, "")
		return lead, f.path("/status"), rsStepForm(t, e, f, report.StatusQA)
	}, 0},
	{"approving the report", func(t *testing.T, e *env) (*client, string, url.Values) {
		f, _, qa := rsSignOffAt(t, e, report.StatusQA)
		return qa, f.path("/status"), rsStepForm(t, e, f, report.StatusApproved)
	}, 0},
	{"publishing the report", func(t *testing.T, e *env) (*client, string, url.Values) {
		f, lead, _ := rsSignOffAt(t, e, report.StatusApproved)
		return lead, f.path("/status"), rsStepForm(t, e, f, report.StatusPublished)
	}, 0},
	{"confirming a self-assessment upload", func(t *testing.T, e *env) (*client, string, url.Values) {
		f := newReviewFixture(t, e)
		contact := e.signedIn("la.contact@demo.test")
		base := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/self-assessment"
		filled := sheetFill(t, sheetDownload(t, contact, base), map[string]string{"C2": "Developing", "D2": "Two hubs open",
			"C3": "Established", "D3": "Joint board since 2024", "C4": "Embedded", "D4": "Shared record", "C5": "Developing", "D5": "Board forming"})
		r := contact.upload(base+"/upload", nil, docFile{"file", "my answers.xlsx", filled})
		if r.Status != http.StatusOK {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		return contact, base + "/upload/confirm", hiddenFields(r.Body)
	}, 0},
}

// rsSignOffAt makes a review at drafting with a summary, its report taken through the sign-off up
// to status ("" for a draft), and returns it with its two leads.
func rsSignOffAt(t *testing.T, e *env, status string) (rpFixture, *client, *client) {
	t.Helper()
	f := newRPFixture(t, e)
	lead, qa := e.signedIn("lead@demo.test"), e.signedIn("qa.lead@demo.test")
	f.save(t, lead, "summary", "Families found the hubs welcoming.")
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		if r := e.stMove(lead, f.reviewID, to, ""); r.Status != http.StatusSeeOther {
			t.Fatalf("move to %s: %d\n%s", to, r.Status, r.Body)
		}
	}
	steps := map[string][]string{"": nil, report.StatusQA: {report.StatusQA}, report.StatusApproved: {report.StatusQA, report.StatusApproved}}
	for _, to := range steps[status] {
		c := lead
		if to == report.StatusApproved {
			c = qa
		}
		if r := c.post(f.path("/status"), rsStepForm(t, e, f, to)); r.Status != http.StatusSeeOther {
			t.Fatalf("step to %s: %d\n%s", to, r.Status, r.Body)
		}
	}
	return f, lead, qa
}

// rsStepForm is the sign-off form for a step to `to`, from the report's version now.
func rsStepForm(t *testing.T, e *env, f rpFixture, to string) url.Values {
	t.Helper()
	var version int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT coalesce((SELECT version FROM reports WHERE review_id = $1), 0)`,
		f.reviewID).Scan(&version); err != nil {
		t.Fatal(err)
	}
	return url.Values{"to": {to}, "note": {""}, "version": {strconv.Itoa(version)}}
}

// TestReviewSuccessPathsWithinTheStatementBudget sends each form of reviewSuccessPaths valid and
// counts the statements of the request.
func TestReviewSuccessPathsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	checkSuccessPaths(t, reviewSuccessPaths)
}
