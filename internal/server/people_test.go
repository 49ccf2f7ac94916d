package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/demo"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/people":                            reviewReadStaff,
		"GET /reviews/{reviewID}/people/add":                        reviewLeadWrite,
		"POST /reviews/{reviewID}/people":                           reviewLeadWrite,
		"GET /reviews/{reviewID}/people/{memberID}/edit":            reviewLeadWrite,
		"POST /reviews/{reviewID}/people/{memberID}":                reviewLeadWrite,
		"POST /reviews/{reviewID}/people/{memberID}/remove":         reviewLeadWrite,
		"POST /reviews/{reviewID}/people/invites/{inviteID}/remove": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

func (f reviewFixture) peopleURL(rest string) string {
	return "/reviews/" + f.reviewID + "/people" + rest
}

// peopleMember reads a user's place in a review: role, area id and version; found false when they
// are not a member.
func (e *env) peopleMember(reviewID, email string) (role, area string, version int, found bool) {
	e.t.Helper()
	err := e.db.Super.QueryRow(context.Background(), `SELECT m.role, coalesce(m.area_id::text, ''), m.version
		FROM review_members m JOIN users u ON u.id = m.user_id WHERE m.review_id = $1 AND u.email = $2`, reviewID, email).
		Scan(&role, &area, &version)
	if err == pgx.ErrNoRows {
		return "", "", 0, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return role, area, version, true
}

// peopleMemberID is a user's membership id in a review.
func (e *env) peopleMemberID(reviewID, email string) string {
	e.t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT m.id FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.review_id = $1 AND u.email = $2`, reviewID, email).Scan(&id); err != nil {
		e.t.Fatalf("member %s: %v", email, err)
	}
	return id
}

// peopleInvitationLink is the invitation link in the newest mail to an address.
func (e *env) peopleInvitationLink(to string) string {
	e.t.Helper()
	var body string
	err := e.db.Super.QueryRow(context.Background(), `SELECT body FROM dev_mail WHERE to_address = $1 ORDER BY id DESC LIMIT 1`, to).Scan(&body)
	if err != nil {
		e.t.Fatalf("no mail to %s: %v", to, err)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(e.cfg.BaseURL) + `(/invitations/[A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no invitation link in mail:\n%s", body)
	}
	return m[1]
}

func TestPeopleListShowsMembersAndInvitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)

	r := e.signedIn("lead@demo.test").get(f.peopleURL(""))
	areasWantStatus(t, "lead", r, http.StatusOK, "Access review", "<h1", "People",
		"Lee Lead", "lead@demo.test", "Review lead", "(you)",
		"Ira Inspector", "inspector@demo.test", "Inspector", "Ofsted", "Early Years Inspector",
		"Olu Observer", "Observer", "Lou Contact", "Local authority contact", "Northumberland",
		"Pending invitations", "pending@demo.test", "Pending Person",
		"Add a person", f.peopleURL("/"+f.inspectorMember+"/edit"), f.peopleURL("/invites/"+f.invite+"/remove"))

	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		r := e.signedIn(who).get(f.peopleURL(""))
		areasWantStatus(t, who, r, http.StatusOK, "Lee Lead", "Lou Contact", "pending@demo.test")
		for _, s := range []string{"Add a person", "/edit", "Withdraw"} {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s is offered %q", who, s)
			}
		}
	}
	areasWantStatus(t, "contact", e.signedIn("la.contact@demo.test").get(f.peopleURL("")), http.StatusForbidden)
	areasWantStatus(t, "outsider", e.signedIn("admin@demo.test").get(f.peopleURL("")), http.StatusNotFound)
	areasWantStatus(t, "other tenant", e.signedIn("admin@other.test").get(f.peopleURL("")), http.StatusNotFound)
}

func TestPeopleAddAnExistingMemberOfTheTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	areasWantStatus(t, "form", lead.get(f.peopleURL("/add")), http.StatusOK, "Add a person", `id="email"`, `id="role"`,
		`<option value="`+f.area1+`"`, "Northumberland", "Sunderland",
		`id="inspectorate"`, `value="CQC"`, `id="job-title"`, `<option value="Early Years Inspector">`)

	r := lead.post(f.peopleURL(""), url.Values{"email": {" CQC.Inspector@demo.test "}, "role": {"inspector"},
		"inspectorate": {"CQC"}, "job_title": {"Children's Services Inspector"}})
	if r.Status != http.StatusSeeOther || r.Location != f.peopleURL("") {
		t.Fatalf("add: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if role, _, _, ok := e.peopleMember(f.reviewID, "cqc.inspector@demo.test"); !ok || role != "inspector" {
		t.Fatalf("cqc inspector is %q (%v)", role, ok)
	}
	areasWantStatus(t, "list", lead.get(f.peopleURL("")), http.StatusOK, "Cass Carter has been added to the review as an inspector",
		"Cass Carter", "CQC", "Children&#39;s Services Inspector")
	if n := e.auditCount("review_member.added"); n != 1 {
		t.Errorf("%d review_member.added entries", n)
	}
	if n := e.resetMailCount("cqc.inspector@demo.test"); n != 0 {
		t.Errorf("an existing member was mailed %d times", n)
	}

	// Adding them again (a double-submitted form too) is refused: one membership.
	areasWantStatus(t, "duplicate", lead.post(f.peopleURL(""), url.Values{"email": {"cqc.inspector@demo.test"}, "role": {"observer"}}),
		http.StatusUnprocessableEntity, "Cass Carter is already in this review", `href="#email"`)
	areasWantStatus(t, "the lead themself", lead.post(f.peopleURL(""), url.Values{"email": {"lead@demo.test"}, "role": {"inspector"}}),
		http.StatusUnprocessableEntity, "Lee Lead is already in this review")

	// The tenant admin, not in the review, is added as an observer; a contact with their area.
	if r := lead.post(f.peopleURL(""), url.Values{"email": {"admin@demo.test"}, "role": {"la_contact"}, "area": {f.area2},
		"inspectorate": {"none"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add the admin as contact: %d\n%s", r.Status, r.Body)
	}
	if role, area, _, _ := e.peopleMember(f.reviewID, "admin@demo.test"); role != "la_contact" || area != f.area2 {
		t.Errorf("admin is %s for %s", role, area)
	}
	areasWantStatus(t, "the new contact sees their area", e.signedIn("admin@demo.test").get(f.areasURL("/"+f.area2)), http.StatusOK, "Sunderland")
}

func TestPeopleAddRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)
	lead := e.signedIn("lead@demo.test")
	long := strings.Repeat("x", 201)

	for _, c := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"empty", url.Values{}, []string{"Enter their email address", "Select their role in this review"}},
		{"invalid email", url.Values{"email": {"not an email"}, "role": {"inspector"}},
			[]string{"Enter an email address in the correct format", `value="not an email"`}},
		{"overlong email", url.Values{"email": {strings.Repeat("a", 320) + "@demo.test"}, "role": {"inspector"}},
			[]string{"Enter an email address in the correct format"}},
		{"overlong name", url.Values{"email": {"someone@example.org"}, "name": {long}, "role": {"observer"}},
			[]string{"Full name must be 200 characters or fewer"}},
		{"team role not in the list", url.Values{"email": {"inspector@demo.test"}, "role": {"observer"}, "job_title": {"Astronaut"}},
			[]string{"Select their team role from the list", `href="#job-title"`}},
		{"unknown role", url.Values{"email": {"inspector@demo.test"}, "role": {"admin"}}, []string{"Select their role in this review"}},
		{"contact without area", url.Values{"email": {"someone@example.org"}, "name": {"Some One"}, "role": {"la_contact"}},
			[]string{"Select the area they are the local authority contact for", `href="#area"`, `value="someone@example.org"`, `value="Some One"`}},
		{"observer with an area", url.Values{"email": {"someone@example.org"}, "name": {"Some One"}, "role": {"observer"}, "area": {f.area1}},
			[]string{"Only a local authority contact has an area"}},
		{"contact for another review's area", url.Values{"email": {"someone@example.org"}, "name": {"Some One"}, "role": {"la_contact"},
			"area": {other.areaID}}, []string{"Select an area of this review"}},
		{"inspectorate not in the list", url.Values{"email": {"someone@example.org"}, "name": {"Some One"}, "role": {"inspector"},
			"inspectorate": {"HMI Probation"}}, []string{"Select their inspectorate from the list", `href="#inspectorate"`}},
		{"overlong inspectorate", url.Values{"email": {"someone@example.org"}, "name": {"Some One"}, "role": {"inspector"},
			"inspectorate": {long}}, []string{"Select their inspectorate from the list"}},
		{"no name for someone without an account", url.Values{"email": {"someone@example.org"}, "role": {"observer"}},
			[]string{"Enter their full name: someone@example.org does not use this service in " + demo.TenantName + " yet"}},
		{"already invited", url.Values{"email": {"pending@demo.test"}, "name": {"Pending Person"}, "role": {"observer"}},
			[]string{"pending@demo.test has already been invited to this review"}},
	} {
		r := lead.post(f.peopleURL(""), c.form)
		areasWantStatus(t, c.name, r, http.StatusUnprocessableEntity, append([]string{"There is a problem", "Error: Add a person"}, c.want...)...)
	}
	var members, invites, mails int
	ctx := context.Background()
	_ = e.db.Super.QueryRow(ctx, `SELECT count(*) FROM review_members WHERE review_id = $1`, f.reviewID).Scan(&members)
	_ = e.db.Super.QueryRow(ctx, `SELECT count(*) FROM review_member_invites WHERE review_id = $1`, f.reviewID).Scan(&invites)
	_ = e.db.Super.QueryRow(ctx, `SELECT count(*) FROM dev_mail`).Scan(&mails)
	if members != 4 || invites != 1 || mails != 0 {
		t.Errorf("after refused adds: %d members, %d invitations, %d mails", members, invites, mails)
	}

	// A deactivated member of the tenant is not added, nor invited behind the admin's back.
	if _, err := e.db.Super.Exec(ctx, `UPDATE memberships SET deactivated_at = now() WHERE user_id = (SELECT id FROM users WHERE email = 'cqc.inspector@demo.test')`); err != nil {
		t.Fatal(err)
	}
	areasWantStatus(t, "deactivated", lead.post(f.peopleURL(""), url.Values{"email": {"cqc.inspector@demo.test"}, "role": {"inspector"}}),
		http.StatusUnprocessableEntity, "Cass Carter’s account in "+demo.TenantName+" has been deactivated")

	// Only the lead adds.
	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		c := e.signedIn(who)
		areasWantStatus(t, who+" opens the form", c.get(f.peopleURL("/add")), want)
		areasWantStatus(t, who+" adds", c.post(f.peopleURL(""), url.Values{"email": {"someone@example.org"}, "name": {"S"}, "role": {"observer"}}), want)
	}
}

func TestPeopleInvitedPersonJoinsTheReviewOnAccepting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	ctx := context.Background()

	// Someone without an account, as the contact for Sunderland.
	r := lead.post(f.peopleURL(""), url.Values{"email": {"Nia.New@Sunderland.example"}, "name": {"Nia New"}, "role": {"la_contact"},
		"area": {f.area2}, "inspectorate": {"none"}})
	if r.Status != http.StatusSeeOther || r.Location != f.peopleURL("") {
		t.Fatalf("invite: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	areasWantStatus(t, "list", lead.get(f.peopleURL("")), http.StatusOK, "Invitation sent to nia.new@sunderland.example",
		"nia.new@sunderland.example", "Nia New")
	var tenantRole string
	if err := e.db.Super.QueryRow(ctx, `SELECT role FROM invitations WHERE email = 'nia.new@sunderland.example' AND revoked_at IS NULL`).Scan(&tenantRole); err != nil || tenantRole != "member" {
		t.Fatalf("tenant invitation role %q (%v), want member", tenantRole, err)
	}
	for _, action := range []string{"invitation.created", "review_member.invited"} {
		if n := e.auditCount(action); n != 1 {
			t.Errorf("%d %s entries", n, action)
		}
	}
	var body string
	if err := e.db.Super.QueryRow(ctx, `SELECT body FROM dev_mail WHERE to_address = 'nia.new@sunderland.example'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Dear Nia New", "Lee Lead has invited you", `"Access review"`, "the local authority contact for Sunderland", "/invitations/"} {
		if !strings.Contains(body, s) {
			t.Errorf("mail does not say %q:\n%s", s, body)
		}
	}

	// Accepting creates the account and the review place, in one go.
	link := e.peopleInvitationLink("nia.new@sunderland.example")
	nia := e.client()
	areasWantStatus(t, "invitation page", nia.get(link), http.StatusOK, "Create your account")
	if r := nia.post(link, url.Values{"name": {"Nia New"}, "password": {"nia's long pass phrase"}, "confirm": {"nia's long pass phrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", r.Status, r.Body)
	}
	role, area, _, ok := e.peopleMember(f.reviewID, "nia.new@sunderland.example")
	if !ok || role != "la_contact" || area != f.area2 {
		t.Fatalf("after accepting: %q %q %v", role, area, ok)
	}
	var left int
	_ = e.db.Super.QueryRow(ctx, `SELECT count(*) FROM review_member_invites WHERE email = 'nia.new@sunderland.example'`).Scan(&left)
	if left != 0 || e.auditCount("review_member.added") != 1 {
		t.Errorf("after accepting: %d invitations left, %d review_member.added", left, e.auditCount("review_member.added"))
	}
	areasWantStatus(t, "her area", nia.get(f.areasURL("/"+f.area2)), http.StatusOK, "You are the local authority contact for Sunderland")
	areasWantStatus(t, "another area", nia.get(f.areasURL("/"+f.area1)), http.StatusNotFound)
	areasWantStatus(t, "the areas list", nia.get(f.areasURL("")), http.StatusForbidden)

	// Someone with an account in another organisation, as an inspector: invited as staff, and joins
	// when they accept with their password.
	if r := lead.post("/reviews/"+f.reviewID+"/lists/inspectorates", url.Values{"name": {"HMI Probation"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add an inspectorate: %d", r.Status)
	}
	r = lead.post(f.peopleURL(""), url.Values{"email": {"admin@other.test"}, "name": {"Other Admin"}, "role": {"inspector"},
		"inspectorate": {"HMI Probation"}, "job_title": {"His Majesty's Inspector"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite an existing account: %d\n%s", r.Status, r.Body)
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT role FROM invitations WHERE email = 'admin@other.test' AND revoked_at IS NULL`).Scan(&tenantRole); err != nil || tenantRole != "staff" {
		t.Fatalf("tenant invitation role %q (%v), want staff", tenantRole, err)
	}
	other := e.client()
	link = e.peopleInvitationLink("admin@other.test")
	areasWantStatus(t, "existing account's invitation page", other.get(link), http.StatusOK, "Sign in to accept")
	if r := other.post(link, url.Values{"password": {demo.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept as existing user: %d\n%s", r.Status, r.Body)
	}
	if role, _, _, ok := e.peopleMember(f.reviewID, "admin@other.test"); !ok || role != "inspector" {
		t.Fatalf("existing account after accepting: %q %v", role, ok)
	}
	areasWantStatus(t, "the review's areas", other.get(f.areasURL("")), http.StatusOK, "Northumberland")
}

func TestPeopleEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)
	lead := e.signedIn("lead@demo.test")
	observer := e.peopleMemberID(f.reviewID, "observer@demo.test")
	leadMember := e.peopleMemberID(f.reviewID, "lead@demo.test")

	areasWantStatus(t, "form", lead.get(f.peopleURL("/"+observer+"/edit")), http.StatusOK, "Olu Observer", "observer@demo.test",
		`name="version" value="1"`, `value="observer" checked`, `value="none" checked`, "Remove Olu Observer from the review")

	// The observer becomes Sunderland's contact.
	r := lead.post(f.peopleURL("/"+observer), url.Values{"version": {"1"}, "role": {"la_contact"}, "area": {f.area2},
		"inspectorate": {"none"}, "job_title": {"Early Years Inspector"}})
	if r.Status != http.StatusSeeOther || r.Location != f.peopleURL("") {
		t.Fatalf("change: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if role, area, version, _ := e.peopleMember(f.reviewID, "observer@demo.test"); role != "la_contact" || area != f.area2 || version != 2 {
		t.Errorf("after change: %s %s v%d", role, area, version)
	}
	if e.auditCount("review_member.updated") != 1 {
		t.Error("change not audited")
	}
	areasWantStatus(t, "list", lead.get(f.peopleURL("")), http.StatusOK, "Olu Observer’s details have been changed", "Early Years Inspector")

	// The same form again carries a stale version.
	areasWantStatus(t, "stale", lead.post(f.peopleURL("/"+observer), url.Values{"version": {"1"}, "role": {"observer"}, "inspectorate": {"none"}}),
		http.StatusConflict)
	areasWantStatus(t, "no version", lead.post(f.peopleURL("/"+observer), url.Values{"role": {"observer"}}), http.StatusBadRequest)
	areasWantStatus(t, "nothing changed", lead.post(f.peopleURL("/"+observer), url.Values{"version": {"2"}, "role": {"la_contact"}, "area": {f.area2},
		"inspectorate": {"none"}, "job_title": {"Early Years Inspector"}}), http.StatusSeeOther)

	// Bad input keeps what was typed.
	areasWantStatus(t, "contact without area", lead.post(f.peopleURL("/"+observer), url.Values{"version": {"2"}, "role": {"la_contact"},
		"job_title": {"Children's Services Inspector"}}), http.StatusUnprocessableEntity, "Select the area they are the local authority contact for",
		`<option value="Children&#39;s Services Inspector" selected>`)
	areasWantStatus(t, "inspector with an area", lead.post(f.peopleURL("/"+observer), url.Values{"version": {"2"}, "role": {"inspector"},
		"area": {f.area2}}), http.StatusUnprocessableEntity, "Only a local authority contact has an area")
	areasWantStatus(t, "team role not in the list", lead.post(f.peopleURL("/"+observer), url.Values{"version": {"2"}, "role": {"observer"},
		"job_title": {strings.Repeat("x", 201)}}), http.StatusUnprocessableEntity, "Select their team role from the list")

	// The only lead stays lead; someone on a visit team stays on it.
	_, _, start := areasVisit(t, e, f.visit1)
	areasWantStatus(t, "last lead", lead.post(f.peopleURL("/"+leadMember), url.Values{"version": {"1"}, "role": {"inspector"}}),
		http.StatusUnprocessableEntity, "A review must have at least one lead")
	areasWantStatus(t, "inspector on a visit made observer", lead.post(f.peopleURL("/"+f.inspectorMember), url.Values{"version": {"1"}, "role": {"observer"}}),
		http.StatusUnprocessableEntity, "Ira Inspector is on the team for the visit to Northumberland starting on "+start)

	// Another review's member, or none, is not found.
	areasWantStatus(t, "another review's member form", lead.get(f.peopleURL("/"+other.memberID+"/edit")), http.StatusNotFound)
	areasWantStatus(t, "another review's member", lead.post(f.peopleURL("/"+other.memberID), url.Values{"version": {"1"}, "role": {"inspector"}}), http.StatusNotFound)
	areasWantStatus(t, "malformed", lead.get(f.peopleURL("/nope/edit")), http.StatusNotFound)

	// Read-only people cannot change anyone.
	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		c := e.signedIn(who)
		areasWantStatus(t, who+" opens the form", c.get(f.peopleURL("/"+f.inspectorMember+"/edit")), want)
		areasWantStatus(t, who+" changes", c.post(f.peopleURL("/"+f.inspectorMember), url.Values{"version": {"1"}, "role": {"lead"}}), want)
	}

	// A second lead lets the first step down; they land on the overview.
	if r := lead.post(f.peopleURL(""), url.Values{"email": {"cqc.inspector@demo.test"}, "role": {"lead"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a second lead: %d", r.Status)
	}
	r = lead.post(f.peopleURL("/"+leadMember), url.Values{"version": {"1"}, "role": {"inspector"}, "inspectorate": {"Ofsted"}})
	if r.Status != http.StatusSeeOther || r.Location != "/reviews/"+f.reviewID+"/" {
		t.Fatalf("step down: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	areasWantStatus(t, "no longer lead", lead.get(f.peopleURL("/add")), http.StatusForbidden)
}

func TestPeopleRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)
	lead := e.signedIn("lead@demo.test")
	observerMember := e.peopleMemberID(f.reviewID, "observer@demo.test")
	leadMember := e.peopleMemberID(f.reviewID, "lead@demo.test")
	observer := e.signedIn("observer@demo.test")
	areasWantStatus(t, "observer before removal", observer.get(f.peopleURL("")), http.StatusOK)

	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		areasWantStatus(t, who, e.signedIn(who).post(f.peopleURL("/"+observerMember+"/remove"), nil), want)
	}

	r := lead.post(f.peopleURL("/"+observerMember+"/remove"), nil)
	if r.Status != http.StatusSeeOther || r.Location != f.peopleURL("") {
		t.Fatalf("remove: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if _, _, _, ok := e.peopleMember(f.reviewID, "observer@demo.test"); ok {
		t.Error("observer still a member")
	}
	if e.auditCount("review_member.removed") != 1 {
		t.Error("removal not audited")
	}
	areasWantStatus(t, "list", lead.get(f.peopleURL("")), http.StatusOK, "Olu Observer has been removed from the review")
	areasWantStatus(t, "the removed observer", observer.get(f.peopleURL("")), http.StatusNotFound)
	areasWantStatus(t, "twice", lead.post(f.peopleURL("/"+observerMember+"/remove"), nil), http.StatusNotFound)

	_, _, start := areasVisit(t, e, f.visit1)
	areasWantStatus(t, "on a visit team", lead.post(f.peopleURL("/"+f.inspectorMember+"/remove"), nil), http.StatusUnprocessableEntity,
		"Ira Inspector is on the team for the visit to Northumberland starting on "+start+". Take them off the visit team first.", `href="#remove"`)
	areasWantStatus(t, "last lead", lead.post(f.peopleURL("/"+leadMember+"/remove"), nil), http.StatusUnprocessableEntity,
		"A review must have at least one lead")
	areasWantStatus(t, "another review's member", lead.post(f.peopleURL("/"+other.memberID+"/remove"), nil), http.StatusNotFound)
	if _, _, _, ok := e.peopleMember(other.reviewID, "observer@demo.test"); !ok {
		t.Error("the other review's member was removed")
	}
}

func TestPeopleWithdrawInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	other := areasOtherReview(t, e, f)
	lead := e.signedIn("lead@demo.test")

	for who, want := range map[string]int{"inspector@demo.test": 403, "observer@demo.test": 403, "la.contact@demo.test": 403,
		"admin@demo.test": 404, "admin@other.test": 404} {
		areasWantStatus(t, who, e.signedIn(who).post(f.peopleURL("/invites/"+f.invite+"/remove"), nil), want)
	}
	r := lead.post(f.peopleURL("/invites/"+f.invite+"/remove"), nil)
	if r.Status != http.StatusSeeOther || r.Location != f.peopleURL("") {
		t.Fatalf("withdraw: %d %s", r.Status, r.Location)
	}
	areasWantStatus(t, "list", lead.get(f.peopleURL("")), http.StatusOK, "Invitation to pending@demo.test withdrawn from this review",
		"There are no pending invitations")
	if e.auditCount("review_member.invite_withdrawn") != 1 {
		t.Error("withdrawal not audited")
	}
	areasWantStatus(t, "twice", lead.post(f.peopleURL("/invites/"+f.invite+"/remove"), nil), http.StatusNotFound)
	areasWantStatus(t, "another review's invitation", lead.post(f.peopleURL("/invites/"+other.inviteID+"/remove"), nil), http.StatusNotFound)
	areasWantStatus(t, "malformed", lead.post(f.peopleURL("/invites/nope/remove"), nil), http.StatusNotFound)
}
