package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"thematic/internal/reminder"
)

// TestSelfAssessDeadlineSchedulesReminders posts deadlines through the lead's page and finds the
// reminder jobs in River's table, in the same transaction as the deadline: 7 days and 1 day
// before, at 09:00 UK time; none twice; none for times already past.
func TestSelfAssessDeadlineSchedulesReminders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	page := "/reviews/" + f.reviewID + "/self-assessment"
	r := lead.get(page)
	if wantStatus(t, "lead page", r, http.StatusOK); !strings.Contains(r.Body, "emailed a reminder 7 days and 1 day before their deadline") {
		t.Error("lead page does not say that contacts are reminded")
	}

	type job struct {
		Deadline string
		Days     int
		At       time.Time
	}
	jobs := func() []job {
		t.Helper()
		rows, err := e.db.Super.Query(context.Background(), `SELECT args->>'deadline', (args->>'days_before')::int, scheduled_at
			FROM river_job WHERE kind = 'selfassess_reminder' AND args->>'review_id' = $1 AND args->>'area_id' = $2
			ORDER BY scheduled_at`, f.reviewID, f.area1)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []job
		for rows.Next() {
			var j job
			if err := rows.Scan(&j.Deadline, &j.Days, &j.At); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
		}
		return out
	}
	field := "deadline-" + f.area1
	post := func(d time.Time) {
		t.Helper()
		wantStatus(t, "deadlines", lead.post(page+"/deadlines", url.Values{field + "-day": {strconv.Itoa(d.Day())},
			field + "-month": {strconv.Itoa(int(d.Month()))}, field + "-year": {strconv.Itoa(d.Year())}}), http.StatusSeeOther)
	}

	// A deadline in the past: nothing to remind.
	post(time.Date(2024, 7, 15, 0, 0, 0, 0, time.UTC))
	if got := jobs(); len(got) != 0 {
		t.Errorf("past deadline: jobs %+v, want none", got)
	}

	now := time.Now()
	due := time.Date(now.Year(), now.Month(), now.Day()+30, 0, 0, 0, 0, time.UTC)
	post(due)
	post(due) // the same deadline again adds nothing
	got := jobs()
	if len(got) != 2 {
		t.Fatalf("jobs %+v, want the 7-day and 1-day reminders", got)
	}
	for i, days := range []int{7, 1} {
		if got[i].Deadline != due.Format(time.DateOnly) || got[i].Days != days || !got[i].At.Equal(reminder.At(due, days)) {
			t.Errorf("job %d = %+v, want %d days before %s at %v", i, got[i], days, due.Format(time.DateOnly), reminder.At(due, days))
		}
		if h := got[i].At.In(london(t)).Hour(); h != 9 {
			t.Errorf("job %d at %d:00 UK time, want 9:00", i, h)
		}
	}
}

func london(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
