package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
)

func init() {
	for k, v := range map[string]reviewRule{
		// A contact sees the list of their own area's visits; the path names no area.
		"GET /reviews/{reviewID}/visits":                   {signIn, missing, ok, ok, ok, ok, ok, missing},
		"GET /reviews/{reviewID}/visits/new":               reviewLeadWrite,
		"POST /reviews/{reviewID}/visits":                  reviewLeadWrite,
		"GET /reviews/{reviewID}/visits/timeline":          reviewReadStaff,
		"GET /reviews/{reviewID}/visits/{visitID}":         reviewAnyMember,
		"GET /reviews/{reviewID}/visits/{visitID}/edit":    reviewLeadWrite,
		"POST /reviews/{reviewID}/visits/{visitID}":        reviewLeadWrite,
		"POST /reviews/{reviewID}/visits/{visitID}/delete": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
	for k, v := range map[string]rule{
		"GET /visits":                   signedIn,
		"GET /account/calendar":         signedIn,
		"POST /account/calendar":        signedIn,
		"POST /account/calendar/revoke": signedIn,
		"GET /calendar/{token}":         tokenRoute,
	} {
		accessTable[k] = v
	}
}

// visitFixture is a review of the demo tenant with fieldwork in March 2025 (clear of the demo
// review's August 2023), two areas, a member in every role, and two visits:
//   - A: Sunderland, 10–11 March 2025, Ira Inspector both days (the contact's area);
//   - B: Torbay, 12 March 2025, Cass Carter.
type visitFixture struct {
	e                                       *env
	tenantID, reviewID                      string
	sunderland, torbay                      string
	lead, inspector, cqc, observer, contact string // member ids
	visitA, visitB                          string
	users                                   map[string]string
}

const vtTitle = "Family hubs review"

func newVisitFixture(t *testing.T, e *env) *visitFixture {
	t.Helper()
	ctx := context.Background()
	f := &visitFixture{e: e, users: map[string]string{}}
	rows, err := e.db.Super.Query(ctx, `SELECT email, id::text FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var email, id string
		if err := rows.Scan(&email, &id); err != nil {
			t.Fatal(err)
		}
		f.users[email] = id
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&f.tenantID); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		if f.reviewID, err = review.Create(ctx, tx, f.tenantID, f.users["lead@demo.test"],
			review.Review{Title: vtTitle, FieldworkStart: &start, FieldworkEnd: &end}); err != nil {
			return err
		}
		if err := review.SeedVocabulary(ctx, tx, f.tenantID, f.reviewID, review.StartForLifeVocabulary()); err != nil {
			return err
		}
		q := func(dst *string, sql string, args ...any) {
			if err == nil {
				err = tx.QueryRow(ctx, sql, args...).Scan(dst)
			}
		}
		q(&f.lead, `SELECT id FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND role = 'lead'`, f.tenantID, f.reviewID)
		q(&f.sunderland, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`, f.tenantID, f.reviewID)
		q(&f.torbay, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000027') RETURNING id`, f.tenantID, f.reviewID)
		member := func(dst *string, email, role, inspectorate, job string, area *string) {
			q(dst, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
				VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, '')) RETURNING id`, f.tenantID, f.reviewID, f.users[email], role, area, inspectorate, job)
		}
		member(&f.inspector, "inspector@demo.test", "inspector", "Ofsted", "Early Years Inspector", nil)
		member(&f.cqc, "cqc.inspector@demo.test", "inspector", "CQC", "Children's Services Inspector", nil)
		member(&f.observer, "observer@demo.test", "observer", "", "", nil)
		member(&f.contact, "la.contact@demo.test", "la_contact", "", "", &f.sunderland)
		q(&f.visitA, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days, notes)
			VALUES ($1, $2, $3, '2025-03-10', 2, 'Meet at the family hub') RETURNING id`, f.tenantID, f.reviewID, f.sunderland)
		q(&f.visitB, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2025-03-12', 1) RETURNING id`,
			f.tenantID, f.reviewID, f.torbay)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES
			($1, $2, $3, $4, '2025-03-10'), ($1, $2, $3, $4, '2025-03-11'), ($1, $5, $6, $7, '2025-03-12')`,
			f.tenantID, f.visitA, f.inspector, f.users["inspector@demo.test"], f.visitB, f.cqc, f.users["cqc.inspector@demo.test"])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *visitFixture) path(parts ...string) string {
	return "/reviews/" + f.reviewID + "/visits" + strings.Join(parts, "")
}

func (f *visitFixture) count(sql string, args ...any) int {
	f.e.t.Helper()
	var n int
	if err := f.e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.e.t.Fatal(err)
	}
	return n
}

func (f *visitFixture) visits() int {
	return f.count(`SELECT count(*) FROM visits WHERE review_id = $1`, f.reviewID)
}

func (f *visitFixture) teamDays() int {
	return f.count(`SELECT count(*) FROM visit_days d JOIN visits v ON v.id = d.visit_id WHERE v.review_id = $1`, f.reviewID)
}

// vtForm is a complete visit form.
func vtForm(action, area, day, month, year, days string, team ...string) url.Values {
	return url.Values{"action": {action}, "area": {area}, "start-day": {day}, "start-month": {month}, "start-year": {year},
		"days": {days}, "team": team}
}

func vtWant(t *testing.T, r resp, status int, wants ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	for _, w := range wants {
		if !strings.Contains(r.Body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

var vtLocationRE = regexp.MustCompile(`/visits/([0-9a-f-]{36})$`)

func TestVisitLeadSchedulesInTwoSteps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	r := lead.get(f.path("/new"))
	vtWant(t, r, http.StatusOK, "Schedule a visit", `<option value="`+f.torbay+`">Torbay</option>`, `id="start-day"`, `id="days"`)

	// Step 1 → step 2: the days appear with their dates, a checkbox per person per day.
	form := vtForm("team", f.torbay, "17", "3", "2025", "2")
	form.Set("notes", "Start at the town hall")
	r = lead.post(f.path(), form)
	vtWant(t, r, http.StatusOK, "Choose the team", "17–18 March 2025", "Day 1 (Mon 17 Mar)", "Day 2 (Tue 18 Mar)",
		`id="team-`+f.inspector+`"`, `id="team-`+f.inspector+`-2"`, `id="team-`+f.lead+`"`, "Ira Inspector", "Cass Carter",
		`name="notes" value="Start at the town hall"`)
	for _, notOnTeam := range []string{f.observer, f.contact} {
		if strings.Contains(r.Body, notOnTeam) {
			t.Error("an observer or contact is offered a place on the team")
		}
	}
	if f.visits() != 2 {
		t.Fatal("step 1 wrote something")
	}

	// Step 2: save.
	form.Set("action", "save")
	form["team"] = []string{f.inspector + ":2025-03-17", f.inspector + ":2025-03-18", f.cqc + ":2025-03-18"}
	r = lead.post(f.path(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	m := vtLocationRE.FindStringSubmatch(r.Location)
	if m == nil {
		t.Fatalf("redirected to %s", r.Location)
	}
	id := m[1]
	vtWant(t, lead.get(r.Location), http.StatusOK, "Visit to Torbay scheduled for 17–18 March 2025", "Start at the town hall",
		"Ira Inspector", "17 and 18 March 2025", "Ofsted, Early Years Inspector", "Cass Carter", "18 March 2025")
	if n := f.count(`SELECT count(*) FROM visit_days WHERE visit_id = $1`, id); n != 3 {
		t.Fatalf("%d team days", n)
	}
	if n := e.auditCount("visit.created"); n != 1 {
		t.Fatalf("%d visit.created entries", n)
	}
	// The same form sent again (a double click) makes no second visit.
	r = lead.post(f.path(), form)
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, id) {
		t.Fatalf("second submit: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if f.visits() != 3 || e.auditCount("visit.created") != 1 {
		t.Fatal("the second submit wrote a visit")
	}
	vtWant(t, lead.get(f.path()), http.StatusOK, "Torbay", "17–18 March 2025", "Sunderland", "10–11 March 2025", "Schedule a visit")

	// Back from step 2 to step 1 keeps everything, the ticks included.
	form.Set("action", "details")
	r = lead.post(f.path(), form)
	vtWant(t, r, http.StatusOK, "Schedule a visit", `<option value="`+f.torbay+`" selected>Torbay</option>`, `value="17"`,
		`name="team" value="`+f.cqc+`:2025-03-18"`, "Start at the town hall")
}

func TestVisitBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	var demoArea string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT a.id FROM review_areas a JOIN reviews r ON r.id = a.review_id
		WHERE r.title = $1 LIMIT 1`, demo.ReviewTitle).Scan(&demoArea); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"clash", vtForm("save", f.torbay, "10", "3", "2025", "1", f.inspector+":2025-03-10"), "team-" + f.inspector,
			"Ira Inspector is on site at Sunderland (visit 10–11 March 2025) on 10 March 2025"},
		{"outside fieldwork", vtForm("save", f.torbay, "31", "3", "2025", "3"), "days",
			"The visit ends on 2 April 2025, after fieldwork ends on 31 March 2025"},
		{"outside fieldwork at step 1", vtForm("team", f.torbay, "20", "2", "2025", "1"), "start-day",
			"The visit starts on 20 February 2025, before fieldwork starts on 1 March 2025"},
		{"days with no start", vtForm("save", f.torbay, "", "", "", "1", f.inspector+":2025-03-17"), "team",
			"Days on site can only be chosen once the start date is known: enter the start date, or untick the days"},
		{"start half typed", vtForm("save", f.torbay, "", "3", "", "1"), "start-day", "Start date must be a real date, for example 8 8 2023"},
		{"start impossible", vtForm("team", f.torbay, "31", "2", "2025", "1"), "start-day", "Start date must be a real date, for example 8 8 2023"},
		{"days zero", vtForm("save", f.torbay, "17", "3", "2025", "0"), "days", "Number of days must be a whole number from 1 to 10"},
		{"days eleven", vtForm("team", f.torbay, "17", "3", "2025", "11"), "days", "Number of days must be a whole number from 1 to 10"},
		{"days missing", vtForm("save", f.torbay, "17", "3", "2025", ""), "days", "Enter the number of days on site, from 1 to 10"},
		{"area missing", vtForm("save", "", "17", "3", "2025", "1"), "area", "Select the area to visit"},
		{"area of another review", vtForm("save", demoArea, "17", "3", "2025", "1"), "area", "Select an area of this review"},
		{"member not in the review", vtForm("save", f.torbay, "17", "3", "2025", "1", "00000000-0000-4000-8000-000000000000:2025-03-17"),
			"team", "Choose people who are leads or inspectors of this review"},
		{"observer on the team", vtForm("save", f.torbay, "17", "3", "2025", "1", f.observer+":2025-03-17"), "team",
			"Olu Observer is an observer of this review: only leads and inspectors can be on a visit team"},
		{"contact on the team", vtForm("save", f.torbay, "17", "3", "2025", "1", f.contact+":2025-03-17"), "team",
			"Lou Contact is a local authority contact of this review: only leads and inspectors can be on a visit team"},
		{"day not in the visit", vtForm("save", f.torbay, "17", "3", "2025", "1", f.inspector+":2025-03-19"), "team",
			"Choose days that are part of the visit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set("notes", "Typed <notes>")
			r := lead.post(f.path(), c.form)
			vtWant(t, r, http.StatusUnprocessableEntity, "There is a problem", `href="#`+c.field+`"`, c.want,
				`id="`+c.field+`"`)
			if !strings.Contains(r.Body, "Typed &lt;notes&gt;") {
				t.Error("what was typed in the notes is lost")
			}
			if !strings.Contains(r.Body, "<title>Error: ") {
				t.Error("title does not start with Error:")
			}
			if f.visits() != 2 || f.teamDays() != 3 {
				t.Fatal("a refused form changed something")
			}
		})
	}
	if e.auditCount("visit.created") != 0 {
		t.Fatal("refused forms were audited as created")
	}
}

// A clash with a visit of another review of the tenant names that visit and its review.
func TestVisitClashWithAnotherReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	ctx := context.Background()
	// A second review of the tenant, where Ira Inspector is on site on 17 March 2025.
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		id, err := review.Create(ctx, tx, f.tenantID, f.users["cqc.inspector@demo.test"], review.Review{Title: "Other review"})
		if err != nil {
			return err
		}
		var area, member, v string
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000046') RETURNING id`,
			f.tenantID, id).Scan(&area); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'inspector') RETURNING id`,
			f.tenantID, id, f.users["inspector@demo.test"]).Scan(&member); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2025-03-17', 1) RETURNING id`,
			f.tenantID, id, area).Scan(&v); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES ($1, $2, $3, $4, '2025-03-17')`,
			f.tenantID, v, member, f.users["inspector@demo.test"])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	lead := e.signedIn("lead@demo.test")
	r := lead.post(f.path(), vtForm("save", f.torbay, "17", "3", "2025", "2", f.inspector+":2025-03-17", f.inspector+":2025-03-18"))
	vtWant(t, r, http.StatusUnprocessableEntity, "Ira Inspector is on site at Isle of Wight for Other review (visit 17 March 2025) on 17 March 2025",
		`href="#team-`+f.inspector+`"`, "Choose the team")
	// The refused ticks are kept.
	if !strings.Contains(r.Body, `value="`+f.inspector+`:2025-03-18" checked`) {
		t.Error("the ticks were not kept")
	}
	if f.visits() != 2 {
		t.Fatal("the refused visit was written")
	}
}

func TestVisitRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	newFixture(t, e) // admin@other.test, of another tenant
	save := func() url.Values { return vtForm("save", f.torbay, "17", "3", "2025", "1") }

	for _, email := range []string{"inspector@demo.test", "observer@demo.test", "la.contact@demo.test"} {
		c := e.signedIn(email)
		for _, r := range []resp{c.get(f.path("/new")), c.post(f.path(), save()), c.get(f.path("/", f.visitA, "/edit")),
			c.post(f.path("/", f.visitA), save()), c.post(f.path("/", f.visitA, "/delete"), url.Values{"confirm": {"yes"}, "version": {"1"}})} {
			if r.Status != http.StatusForbidden {
				t.Errorf("%s changing visits: %d, want 403", email, r.Status)
			}
		}
	}
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		c := e.signedIn(email)
		vtWant(t, c.get(f.path()), http.StatusOK, "Sunderland", "Torbay")
		vtWant(t, c.get(f.path("/", f.visitB)), http.StatusOK, "Visit to Torbay", "Cass Carter")
		vtWant(t, c.get(f.path("/timeline")), http.StatusOK, "Timeline of visits")
		if strings.Contains(c.get(f.path()).Body, "Schedule a visit") {
			t.Errorf("%s is offered to schedule a visit", email)
		}
	}
	if f.visits() != 2 || f.teamDays() != 3 {
		t.Fatal("a refused change wrote something")
	}

	// The contact sees their own area's visit, without the team's notes, and nothing else.
	contact := e.signedIn("la.contact@demo.test")
	r := contact.get(f.path())
	vtWant(t, r, http.StatusOK, "visits to Sunderland", "10–11 March 2025", "Ira Inspector")
	if strings.Contains(r.Body, "Torbay") || strings.Contains(r.Body, "Timeline") {
		t.Error("the contact sees another area's visit or the timeline")
	}
	r = contact.get(f.path("/", f.visitA))
	vtWant(t, r, http.StatusOK, "Visit to Sunderland", "10–11 March 2025", "Ira Inspector", "Ofsted, Early Years Inspector", "10 and 11 March 2025")
	if strings.Contains(r.Body, "Meet at the family hub") {
		t.Error("the contact sees the team's notes")
	}
	if r := contact.get(f.path("/", f.visitB)); r.Status != http.StatusNotFound {
		t.Errorf("contact on another area's visit: %d, want 404", r.Status)
	}
	if r := contact.get(f.path("/timeline")); r.Status != http.StatusForbidden {
		t.Errorf("contact on the timeline: %d, want 403", r.Status)
	}

	// Outside the review, and in another tenant, the visits do not exist.
	for _, email := range []string{"admin@demo.test", "admin@other.test"} {
		c := e.signedIn(email)
		for _, p := range []string{f.path(), f.path("/", f.visitA), f.path("/timeline"), f.path("/new")} {
			if r := c.get(p); r.Status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", email, p, r.Status)
			}
		}
		if r := c.post(f.path(), save()); r.Status != http.StatusNotFound {
			t.Errorf("%s POST: %d, want 404\n%s", email, r.Status, r.Body)
		}
	}
}

func TestVisitForgedIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	var demoVisit string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT v.id FROM visits v JOIN reviews r ON r.id = v.review_id
		WHERE r.title = $1 LIMIT 1`, demo.ReviewTitle).Scan(&demoVisit); err != nil {
		t.Fatal(err)
	}
	form := vtForm("save", f.torbay, "17", "3", "2025", "1")
	form.Set("version", "1")
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "not-a-uuid", demoVisit} {
		for _, r := range []resp{lead.get(f.path("/", id)), lead.get(f.path("/", id, "/edit")), lead.post(f.path("/", id), form),
			lead.post(f.path("/", id, "/delete"), url.Values{"version": {"1"}, "confirm": {"yes"}})} {
			if r.Status != http.StatusNotFound {
				t.Errorf("visit %s: %d, want 404", id, r.Status)
			}
		}
	}
	if f.visits() != 2 || f.count(`SELECT count(*) FROM visits WHERE id = $1`, demoVisit) != 1 {
		t.Fatal("a forged id changed something")
	}
}

func TestVisitEditAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	// The edit form starts at the team, with the current days ticked.
	r := lead.get(f.path("/", f.visitA, "/edit"))
	vtWant(t, r, http.StatusOK, "Choose the team", `value="`+f.inspector+`:2025-03-10" checked`, `name="version" value="1"`,
		"Change area, dates or notes")
	form := vtForm("save", f.sunderland, "10", "3", "2025", "2", f.inspector+":2025-03-10", f.cqc+":2025-03-11")
	form.Set("version", "1")
	form.Set("notes", "Meet at the family hub")
	r = lead.post(f.path("/", f.visitA), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", r.Status, r.Body)
	}
	vtWant(t, lead.get(r.Location), http.StatusOK, "Visit to Sunderland saved", "Cass Carter", "11 March 2025")
	if e.auditCount("visit.updated") != 1 {
		t.Fatal("update not audited")
	}
	// The same form again is already done; a different change from the old page is stale.
	if r := lead.post(f.path("/", f.visitA), form); r.Status != http.StatusSeeOther || e.auditCount("visit.updated") != 1 {
		t.Fatalf("repeat: %d", r.Status)
	}
	form.Set("notes", "Something else")
	if r := lead.post(f.path("/", f.visitA), form); r.Status != http.StatusConflict {
		t.Fatalf("stale: %d", r.Status)
	}
	// A clash found when changing a visit: moving Cass onto Torbay's day.
	form.Set("version", "2")
	form["team"] = []string{f.cqc + ":2025-03-12"}
	form.Set("start-day", "11")
	form.Set("days", "2")
	r = lead.post(f.path("/", f.visitA), form)
	vtWant(t, r, http.StatusUnprocessableEntity, "Cass Carter is on site at Torbay (visit 12 March 2025) on 12 March 2025")

	// Delete: asked first, then done with the version.
	r = lead.post(f.path("/", f.visitA, "/delete"), url.Values{"version": {"2"}})
	vtWant(t, r, http.StatusOK, "Are you sure you want to delete the visit to Sunderland?", `name="confirm" value="yes"`)
	if f.visits() != 2 {
		t.Fatal("deleted before confirming")
	}
	if r := lead.post(f.path("/", f.visitA, "/delete"), url.Values{"version": {"1"}, "confirm": {"yes"}}); r.Status != http.StatusConflict {
		t.Fatalf("stale delete: %d", r.Status)
	}
	r = lead.post(f.path("/", f.visitA, "/delete"), url.Values{"version": {"2"}, "confirm": {"yes"}})
	if r.Status != http.StatusSeeOther || f.visits() != 1 || e.auditCount("visit.deleted") != 1 {
		t.Fatalf("delete: %d, %d visits", r.Status, f.visits())
	}
	vtWant(t, lead.get(r.Location), http.StatusOK, "Visit to Sunderland on 10–11 March 2025 deleted")
}

func TestVisitTimeline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	r := e.signedIn("observer@demo.test").get(f.path("/timeline"))
	vtWant(t, r, http.StatusOK,
		`<caption class="govuk-table__caption govuk-table__caption--m">Week beginning 10 March 2025</caption>`,
		`<th scope="col" class="govuk-table__header">Area</th>`,
		`<th scope="col" class="govuk-table__header"><time datetime="2025-03-10">Mon 10 Mar</time></th>`,
		`<time datetime="2025-03-12">Wed 12 Mar</time>`,
		`<th scope="row" class="govuk-table__header">Sunderland</th>`,
		`<th scope="row" class="govuk-table__header">Torbay</th>`)
	// Sunderland's row: Ira on the 10th and 11th, no visit on the 12th; Torbay's: only Cass on the 12th.
	rows := regexp.MustCompile(`(?s)<tr class="govuk-table__row"><th scope="row"[^>]*>(\w+)</th>(.*?)</tr>`).FindAllStringSubmatch(r.Body, -1)
	if len(rows) != 2 {
		t.Fatalf("want 2 rows, got %d", len(rows))
	}
	cells := func(row string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?s)<td class="govuk-table__cell">(.*?)</td>`).FindAllStringSubmatch(row, -1) {
			s := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")
			out = append(out, strings.TrimSpace(s))
		}
		return out
	}
	if got := cells(rows[0][2]); rows[0][1] != "Sunderland" || strings.Join(got, "|") != "Ira Inspector|Ira Inspector|No visit" {
		t.Errorf("Sunderland row: %q", got)
	}
	if got := cells(rows[1][2]); rows[1][1] != "Torbay" || strings.Join(got, "|") != "No visit|No visit|Cass Carter" {
		t.Errorf("Torbay row: %q", got)
	}
}

func TestMyVisits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	r := e.signedIn("inspector@demo.test").get("/visits")
	vtWant(t, r, http.StatusOK, "Your visits", "Visits you are on", "Sunderland, 10–11 March 2025", vtTitle,
		"You are on site", "10 and 11 March 2025", f.path("/", f.visitA))
	if strings.Contains(r.Body, f.visitB) {
		t.Error("a visit the inspector is not on is listed")
	}
	// Cass Carter is on Torbay's visit; Ira is not their teammate there.
	r = e.signedIn("cqc.inspector@demo.test").get("/visits")
	vtWant(t, r, http.StatusOK, "Torbay, 12 March 2025", "No one else")
	// The contact sees their area's visit, with its dates and team.
	r = e.signedIn("la.contact@demo.test").get("/visits")
	vtWant(t, r, http.StatusOK, "Visits to your area", "Sunderland", "10–11 March 2025", "Ira Inspector")
	if strings.Contains(r.Body, f.visitB) || strings.Contains(r.Body, "Visits you are on") {
		t.Error("the contact sees a visit that is not theirs")
	}
	r = e.signedIn("observer@demo.test").get("/visits")
	vtWant(t, r, http.StatusOK, "You have no visits")
}

// A visit whose start is not known yet: the lead chooses the team with their places on this visit,
// and the days once the start is known.
func TestVisitWithNoStartAndPerVisitPlaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newVisitFixture(t, e)
	lead := e.signedIn("lead@demo.test")

	// Step 1 with no start: step 2 offers the team and their places, but no days.
	form := vtForm("team", f.torbay, "", "", "", "2")
	r := lead.post(f.path(), form)
	vtWant(t, r, http.StatusOK, "Choose the team", "Dates not fixed yet (2 days)", `id="on-`+f.inspector+`"`,
		`<label class="govuk-label" for="role-`+f.inspector+`">Team role on this visit`,
		`<label class="govuk-label" for="inspectorate-`+f.cqc+`">Inspectorate on this visit`,
		`<option value="">As on the People page (Early Years Inspector)</option>`,
		`<option value="">As on the People page (CQC)</option>`, `<option value="Senior His Majesty&#39;s Inspector">`)
	if strings.Contains(r.Body, "Day 1") {
		t.Error("days offered before the start is known")
	}

	// A role not on the review's list is refused, and the form keeps what was typed.
	form.Set("action", "save")
	form.Set("notes", "Typed <notes>")
	form["on"] = []string{f.inspector, f.cqc}
	form.Set("role-"+f.inspector, "Chief")
	form.Set("inspectorate-"+f.cqc, "Ofsted")
	r = lead.post(f.path(), form)
	vtWant(t, r, http.StatusUnprocessableEntity, "There is a problem", `href="#role-`+f.inspector+`"`,
		"Select a team role from the review’s list for Ira Inspector", `<option value="Chief" selected>`,
		`<option value="Ofsted" selected>`, `value="`+f.cqc+`" checked`, "Typed &lt;notes&gt;")
	if f.visits() != 2 {
		t.Fatal("a refused form wrote a visit")
	}

	// Saved: no start, two people on the team, one with a role of their own, the other an inspectorate.
	form.Set("role-"+f.inspector, "Senior His Majesty's Inspector")
	r = lead.post(f.path(), form)
	m := vtLocationRE.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("save: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	id := m[1]
	vtWant(t, lead.get(r.Location), http.StatusOK, "Visit to Torbay scheduled: its dates are not fixed yet", "Dates not fixed yet",
		"Ofsted, Senior His Majesty&#39;s Inspector", "Ofsted, Children&#39;s Services Inspector", "For this visit",
		"Once the dates are fixed")
	if n := f.count(`SELECT count(*) FROM visits WHERE id = $1 AND start_date IS NULL`, id); n != 1 {
		t.Fatal("the visit has a start")
	}
	if n := f.count(`SELECT count(*) FROM visit_members WHERE visit_id = $1 AND (member_id = $2 AND job_title = 'Senior His Majesty''s Inspector'
		AND inspectorate IS NULL OR member_id = $3 AND inspectorate = 'Ofsted' AND job_title IS NULL)`, id, f.inspector, f.cqc); n != 2 {
		t.Fatalf("%d places saved, want 2", n)
	}
	for _, p := range []string{f.path(), f.path("/timeline")} {
		vtWant(t, lead.get(p), http.StatusOK, "Dates not fixed yet")
	}
	vtWant(t, e.signedIn("inspector@demo.test").get("/visits"), http.StatusOK, "Torbay, Dates not fixed yet",
		"Ofsted, Senior His Majesty&#39;s Inspector")

	// Inspectors cannot schedule one either.
	if r := e.signedIn("inspector@demo.test").post(f.path(), form); r.Status != http.StatusForbidden || f.visits() != 3 {
		t.Fatalf("inspector scheduling: %d", r.Status)
	}

	// The change form starts at the team, with the places chosen.
	r = lead.get(f.path("/", id, "/edit"))
	vtWant(t, r, http.StatusOK, "Choose the team", `<option value="Senior His Majesty&#39;s Inspector" selected>`,
		`value="`+f.inspector+`" checked`)

	// The start becomes known: days can be chosen, and the places stay as sent.
	edit := vtForm("save", f.torbay, "17", "3", "2025", "2", f.inspector+":2025-03-18")
	edit.Set("version", "1")
	edit["on"] = []string{f.inspector}
	edit.Set("role-"+f.inspector, "Senior His Majesty's Inspector")
	r = lead.post(f.path("/", id), edit)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", r.Status, r.Body)
	}
	vtWant(t, lead.get(f.path("/", id)), http.StatusOK, "17–18 March 2025", "18 March 2025", "Ofsted, Senior His Majesty&#39;s Inspector")
	if n := f.count(`SELECT count(*) FROM visit_members WHERE visit_id = $1`, id); n != 1 {
		t.Fatalf("%d on the team, want Ira alone", n)
	}
}
