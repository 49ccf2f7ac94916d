package server_test

import (
	"net/url"
	"testing"
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
}

// TestReviewSuccessPathsWithinTheStatementBudget sends each form of reviewSuccessPaths valid and
// counts the statements of the request.
func TestReviewSuccessPathsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	checkSuccessPaths(t, reviewSuccessPaths)
}
