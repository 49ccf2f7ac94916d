package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// visSelect chooses an option of a select by its value.
func (b *B) visSelect(id, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.ID(id), value))
}

// visReview sets up a review of the demo tenant with fieldwork in March 2025 (clear of the demo
// review), two areas, and Ira Inspector and Cass Carter as its inspectors. It returns the review,
// the two areas and Ira's membership.
func visReview(t *testing.T, e *testenv.Env) (reviewID, sunderland, torbay, ira string) {
	t.Helper()
	ctx := context.Background()
	var tenantID, leadID, iraID, cassID string
	for dst, sql := range map[*string]string{
		&tenantID: `SELECT id FROM tenants WHERE slug = 'demo-inspectorate'`,
		&leadID:   `SELECT id FROM users WHERE email = 'lead@demo.test'`,
		&iraID:    `SELECT id FROM users WHERE email = 'inspector@demo.test'`,
		&cassID:   `SELECT id FROM users WHERE email = 'cqc.inspector@demo.test'`,
	} {
		if err := e.DB.Super.QueryRow(ctx, sql).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	err := db.InTx(ctx, e.DB.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var err error
		if reviewID, err = review.Create(ctx, tx, tenantID, leadID, review.Review{Title: "Family hubs review",
			FieldworkStart: &start, FieldworkEnd: &end}); err != nil {
			return err
		}
		if err := review.SeedVocabulary(ctx, tx, tenantID, reviewID, review.StartForLifeVocabulary()); err != nil {
			return err
		}
		for dst, q := range map[*string]struct {
			sql  string
			args []any
		}{
			&sunderland: {`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`, nil},
			&torbay:     {`INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000027') RETURNING id`, nil},
			&ira: {`INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
				VALUES ($1, $2, $3, 'inspector', 'Ofsted', 'Early Years Inspector') RETURNING id`, []any{iraID}},
		} {
			if err := tx.QueryRow(ctx, q.sql, append([]any{tenantID, reviewID}, q.args...)...).Scan(dst); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			VALUES ($1, $2, $3, 'inspector', 'CQC', 'Children''s Services Inspector')`, tenantID, reviewID, cassID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return reviewID, sunderland, torbay, ira
}

func TestJourneyScheduleVisitAndClash(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID, sunderland, torbay, ira := visReview(t, env)
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	visits := "/reviews/" + reviewID + "/visits"

	// The lead schedules a two-day visit to Sunderland with Ira Inspector on site both days.
	b.Visit(visits)
	b.Expect("No visits have been scheduled yet.")
	b.ClickLink("Schedule a visit")
	b.visSelect("area", sunderland)
	b.Fill("start-day", "10")
	b.Fill("start-month", "3")
	b.Fill("start-year", "2025")
	b.Fill("days", "2")
	b.Fill("notes", "Meet at the family hub")
	b.Submit("button[value=team]")
	b.Expect("Choose the team")
	b.Expect("Day 1 (Mon 10 Mar)")
	b.Expect("Day 2 (Tue 11 Mar)")
	b.Check("team-" + ira)
	b.Check("team-" + ira + "-2")
	b.Submit("button[value=save]")
	b.Expect("Visit to Sunderland scheduled for 10–11 March 2025")
	b.Expect("Ira Inspector")
	b.Expect("10 and 11 March 2025")

	// It is on the timeline.
	b.Visit(visits)
	b.ClickLink("Timeline of visits")
	b.Expect("Week beginning 10 March 2025")
	if got := b.Text("table tbody tr"); !strings.Contains(got, "Sunderland") || !strings.Contains(got, "Ira Inspector") {
		t.Fatalf("timeline row: %q", got)
	}

	// A second visit the same day with the same person is refused, naming the first visit.
	b.Visit(visits + "/new")
	b.visSelect("area", torbay)
	b.Fill("start-day", "10")
	b.Fill("start-month", "3")
	b.Fill("start-year", "2025")
	b.Fill("days", "1")
	b.Submit("button[value=team]")
	b.Check("team-" + ira)
	b.Submit("button[value=save]")
	b.Expect("There is a problem")
	b.Expect("Ira Inspector is on site at Sunderland (visit 10–11 March 2025) on 10 March 2025")
	if got := b.Text("#team-" + ira + "-error"); !strings.Contains(got, "Sunderland") {
		t.Fatalf("no error next to Ira's days: %q", got)
	}
	checked, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById("team-`+ira+`").checked`))
	if err != nil || !checked {
		t.Fatalf("the refused tick was not kept: %v", err)
	}
	// The error summary's link leads to Ira's days.
	b.do(chromedp.Click(chromedp.CSS(`.govuk-error-summary__list a[href="#team-` + ira + `"]`)))

	// Only the first visit exists.
	b.Visit(visits)
	b.Expect("Sunderland")
	if strings.Contains(b.Body(), "Torbay") {
		t.Fatal("the refused visit was scheduled")
	}

	// Changing it starts at the team; the details are a button away.
	b.ClickLink("Sunderland, 10–11 March 2025")
	b.ClickLink("Change the visit")
	b.Expect("Choose the team")
	b.Submit("button[value=details]")
	b.Expect("Change the visit")
	b.Fill("days", "1")
	b.Submit("button[value=team]")
	b.Submit("button[value=save]")
	b.Expect("Visit to Sunderland saved")
	b.Expect("10 March 2025")

	// Deleting asks first.
	b.Submit("form[action$='/delete'] button")
	b.Expect("Are you sure you want to delete the visit to Sunderland?")
	b.Submit("form[action$='/delete'] button")
	b.Expect("Visit to Sunderland on 10 March 2025 deleted")
	b.Expect("No visits have been scheduled yet.")

	// A visit whose start is not known yet: the team, with Ira as a senior HMI on this visit, and
	// no days until the start is fixed.
	b.Visit(visits + "/new")
	b.visSelect("area", torbay)
	b.Fill("days", "2")
	b.Submit("button[value=team]")
	b.Expect("Dates not fixed yet (2 days)")
	if strings.Contains(b.Body(), "Day 1") {
		t.Fatal("days offered before the start is known")
	}
	b.Axe()
	b.Check("on-" + ira)
	b.visSelect("role-"+ira, "Senior His Majesty's Inspector")
	b.Submit("button[value=save]")
	b.Expect("Visit to Torbay scheduled: its dates are not fixed yet")
	b.Expect("Ofsted, Senior His Majesty's Inspector")
	b.Expect("Once the dates are fixed")
	b.Axe()
}

// An inspector reads their visits and makes a calendar address.
func TestJourneyMyVisitsAndCalendar(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	b.signIn("inspector@demo.test", demo.Password)
	b.Visit("/visits")
	b.Expect("Visits you are on")
	b.Expect(demo.ReviewTitle)
	b.ClickLink("See your visits in Outlook or another calendar")
	b.Expect("Your visits in your calendar")
	b.Submit("form[action='/account/calendar'] button")
	b.Expect("Your calendar address is ready")
	b.Expect("Subscribe from web")
	url, err := b.value("feed-url")
	if err != nil || !strings.HasPrefix(url, env.URL()+"/calendar/") || !strings.HasSuffix(url, ".ics") {
		t.Fatalf("feed address %q: %v", url, err)
	}
	b.Submit("form[action='/account/calendar/revoke'] button")
	b.Expect("Your calendar feed has stopped")
}
