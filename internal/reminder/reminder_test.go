package reminder_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/mail"
	"thematic/internal/reminder"
	"thematic/internal/selfassess"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// outbox is a mail.Sender that keeps what it is given; fail, when set, refuses a message.
type outbox struct {
	mu   sync.Mutex
	msgs []mail.Message
	fail func(mail.Message) bool
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil && o.fail(m) {
		return errors.New("relay refused")
	}
	o.msgs = append(o.msgs, m)
	return nil
}

func (o *outbox) sent() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.msgs...)
}

type fixture struct {
	t                     *testing.T
	d                     *dbtest.DB
	tenant, review, area  string
	contacts              []string // user ids of the area's two contacts
	lead                  string
	deadline              time.Time // 3 March 2027
	box                   *outbox
	worker                *reminder.Worker
	otherArea, otherStaff string
}

const baseURL = "https://thematic.example"

func newFixture(t *testing.T, slug string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, d: dbtest.New(t), deadline: time.Date(2027, 3, 3, 0, 0, 0, 0, time.UTC), box: &outbox{}}
	if err := f.d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&f.tenant); err != nil {
		t.Fatal(err)
	}
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, f.tenant, slug, slug+" Inspectorate"); err != nil {
			return err
		}
		ids := map[string]string{}
		for _, u := range []struct{ email, name string }{
			{"ann@" + slug + ".test", "Ann Contact"}, {"bob@" + slug + ".test", "Bob Contact"},
			{"lead@" + slug + ".test", "Lee Lead"}, {"cat@" + slug + ".test", "Cat Elsewhere"},
		} {
			id, err := user.Create(ctx, tx, u.email, u.name, "not-a-password-hash")
			if err != nil {
				return err
			}
			if err := user.AddMember(ctx, tx, f.tenant, id, auth.RoleMember); err != nil {
				return err
			}
			ids[u.email] = id
		}
		f.contacts = []string{ids["ann@"+slug+".test"], ids["bob@"+slug+".test"]}
		f.lead, f.otherStaff = ids["lead@"+slug+".test"], ids["cat@"+slug+".test"]
		err := tx.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title) VALUES ($1, 'Start for Life') RETURNING id`, f.tenant).Scan(&f.review)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
			f.tenant, f.review).Scan(&f.area); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000021') RETURNING id`,
			f.tenant, f.review).Scan(&f.otherArea); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id)
			VALUES ($1, $2, $3, 'la_contact', $5), ($1, $2, $4, 'la_contact', $5), ($1, $2, $6, 'lead', NULL), ($1, $2, $7, 'la_contact', $8)`,
			f.tenant, f.review, f.contacts[0], f.contacts[1], f.area, f.lead, f.otherStaff, f.otherArea); err != nil {
			return err
		}
		if _, err := selfassess.Seed(ctx, tx, f.tenant, f.review); err != nil {
			return err
		}
		return selfassess.SetDeadlines(ctx, tx, f.tenant, f.review, map[string]*time.Time{f.area: &f.deadline})
	}))
	f.worker = &reminder.Worker{Pool: f.d.App, Mail: f.box, BaseURL: baseURL}
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) args(days int) reminder.Args {
	return reminder.Args{TenantID: f.tenant, ReviewID: f.review, AreaID: f.area, Deadline: "2027-03-03", DaysBefore: days}
}

func (f *fixture) work(a reminder.Args) error {
	return f.worker.Work(context.Background(), &river.Job[reminder.Args]{JobRow: &rivertype.JobRow{}, Args: a})
}

// schedule runs reminder.Schedule as the application role, scoped to the tenant.
func (f *fixture) schedule(due map[string]*time.Time, now time.Time) int {
	f.t.Helper()
	var n int
	f.must(db.InTx(context.Background(), f.d.App, db.Scope{TenantID: f.tenant, UserID: f.lead}, func(tx pgx.Tx) error {
		var err error
		n, err = reminder.Schedule(context.Background(), tx, f.tenant, f.review, due, now)
		return err
	}))
	return n
}

type jobRow struct {
	Area, Deadline string
	Days           int
	At             time.Time
	State          string
}

func (f *fixture) jobs() []jobRow {
	f.t.Helper()
	rows, err := f.d.Super.Query(context.Background(), `SELECT args->>'area_id', args->>'deadline', (args->>'days_before')::int,
			scheduled_at, state::text
		FROM river_job WHERE kind = 'selfassess_reminder' AND args->>'tenant_id' = $1 ORDER BY scheduled_at, id`, f.tenant)
	f.must(err)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[jobRow])
	f.must(err)
	return list
}

func (f *fixture) reminders() int {
	f.t.Helper()
	var n int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT count(*) FROM sa_reminders WHERE tenant_id = $1`, f.tenant).Scan(&n))
	return n
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestReminderScheduleInsertsJobsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-schedule")
	now := time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	due := map[string]*time.Time{f.area: day(2027, 3, 3), f.otherArea: day(2027, 6, 10)}
	if n := f.schedule(due, now); n != 4 {
		t.Fatalf("first schedule inserted %d jobs, want 4", n)
	}
	// Same deadlines again: no duplicates.
	if n := f.schedule(due, now); n != 0 {
		t.Errorf("second schedule inserted %d jobs, want 0", n)
	}
	got := f.jobs()
	want := []jobRow{
		{f.area, "2027-03-03", 7, time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC), "scheduled"},     // GMT
		{f.area, "2027-03-03", 1, time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC), "scheduled"},      // GMT
		{f.otherArea, "2027-06-10", 7, time.Date(2027, 6, 3, 8, 0, 0, 0, time.UTC), "scheduled"}, // 09:00 BST
		{f.otherArea, "2027-06-10", 1, time.Date(2027, 6, 9, 8, 0, 0, 0, time.UTC), "scheduled"},
	}
	if len(got) != len(want) {
		t.Fatalf("jobs %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Area != want[i].Area || got[i].Deadline != want[i].Deadline || got[i].Days != want[i].Days ||
			!got[i].At.Equal(want[i].At) || got[i].State != want[i].State {
			t.Errorf("job %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	// A moved deadline gets its own jobs; a cleared one gets none.
	if n := f.schedule(map[string]*time.Time{f.area: day(2027, 3, 10), f.otherArea: nil}, now); n != 2 {
		t.Errorf("moved deadline inserted %d jobs, want 2", n)
	}
	if n := len(f.jobs()); n != 6 {
		t.Errorf("%d jobs after moving a deadline, want 6", n)
	}
}

func TestReminderScheduleSkipsPastTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-past")
	// 09:00 on 24 February (7 days before 3 March) has passed; 09:00 on 2 March has not.
	now := time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC)
	if n := f.schedule(map[string]*time.Time{f.area: day(2027, 3, 3)}, now); n != 1 {
		t.Errorf("inserted %d jobs, want 1 (the 1-day reminder)", n)
	}
	if got := f.jobs(); len(got) != 1 || got[0].Days != 1 {
		t.Errorf("jobs %+v, want only the 1-day reminder", got)
	}
	// A deadline whose reminders have both passed, and one already passed, get none.
	if n := f.schedule(map[string]*time.Time{f.area: day(2027, 2, 25), f.otherArea: day(2027, 1, 1)}, now); n != 0 {
		t.Errorf("inserted %d jobs for past reminder times, want 0", n)
	}
}

func TestReminderWorkerMailsContactsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-once")
	f.must(f.work(f.args(7)))
	f.must(f.work(f.args(7))) // a retried or duplicated run sends nothing more
	got := f.box.sent()
	if len(got) != 2 {
		t.Fatalf("sent %d messages, want 2 (one per contact): %+v", len(got), got)
	}
	to := []string{got[0].To, got[1].To}
	if to[0] != "ann@remind-once.test" || to[1] != "bob@remind-once.test" {
		t.Errorf("sent to %v, want the area's two contacts", to)
	}
	m := got[0]
	if want := "Reminder: Northumberland's self-assessment is due on 3 March 2027"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	for _, want := range []string{"Dear Ann Contact", "due on 3 March 2027, in 7 days", "* Co-location", "* Governance",
		baseURL + "/reviews/" + f.review + "/areas/" + f.area + "/self-assessment"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	if n := f.reminders(); n != 2 {
		t.Errorf("%d reminders recorded, want 2", n)
	}
	var audited int
	f.must(f.d.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE tenant_id = $1 AND action = $2 AND object_id = $3`, f.tenant, reminder.Action, f.area).Scan(&audited))
	if audited != 2 {
		t.Errorf("%d audit entries, want 2", audited)
	}
	// The 1-day reminder is a different reminder, sent once more to each.
	f.must(f.work(f.args(1)))
	if got := f.box.sent(); len(got) != 4 || !strings.Contains(got[3].Body, "due on 3 March 2027, tomorrow") {
		t.Errorf("after the 1-day reminder: %d messages, want 4", len(got))
	}
}

func TestReminderWorkerListsOnlyUnanswered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-missing")
	ctx := context.Background()
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant, UserID: f.contacts[0]}, func(tx pgx.Tx) error {
		tpl, err := selfassess.LoadTemplate(ctx, tx, f.tenant, f.review)
		if err != nil {
			return err
		}
		_, _, _, err = selfassess.SaveAnswer(ctx, tx, f.tenant, f.review, f.area, f.contacts[0], tpl,
			selfassess.AnswerInput{ElementID: tpl.Elements[0].ID, LevelID: tpl.Levels[1].ID})
		return err
	}))
	f.must(f.work(f.args(1)))
	got := f.box.sent()
	if len(got) != 2 {
		t.Fatalf("sent %d, want 2", len(got))
	}
	if strings.Contains(got[0].Body, "* Co-location") || !strings.Contains(got[0].Body, "* Commissioning") {
		t.Errorf("body should list the unanswered elements only:\n%s", got[0].Body)
	}
}

func TestReminderWorkerSendsNothingWhenSubmittedOrMoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-skip")
	ctx := context.Background()

	// The deadline moved to 10 March: the job for 3 March does nothing.
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		return selfassess.SetDeadlines(ctx, tx, f.tenant, f.review, map[string]*time.Time{f.area: day(2027, 3, 10)})
	}))
	f.must(f.work(f.args(7)))
	if got := f.box.sent(); len(got) != 0 {
		t.Errorf("deadline moved: sent %d messages, want 0", len(got))
	}
	// Cleared: nothing either.
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		return selfassess.SetDeadlines(ctx, tx, f.tenant, f.review, map[string]*time.Time{f.area: nil})
	}))
	f.must(f.work(f.args(7)))
	if got := f.box.sent(); len(got) != 0 {
		t.Errorf("deadline cleared: sent %d messages, want 0", len(got))
	}

	// Back on 3 March but submitted: nothing.
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		if err := selfassess.SetDeadlines(ctx, tx, f.tenant, f.review, map[string]*time.Time{f.area: &f.deadline}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sa_submissions (tenant_id, area_id, review_id, status, submitted_at, submitted_by)
			VALUES ($1, $2, $3, 'submitted', now(), $4)`, f.tenant, f.area, f.review, f.contacts[0])
		return err
	}))
	f.must(f.work(f.args(7)))
	if got := f.box.sent(); len(got) != 0 {
		t.Errorf("submitted: sent %d messages, want 0", len(got))
	}
	if n := f.reminders(); n != 0 {
		t.Errorf("%d reminders recorded, want 0", n)
	}
	// Reopened: the reminder goes.
	f.must(db.InTx(ctx, f.d.Owner, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sa_submissions SET status = 'draft' WHERE tenant_id = $1 AND area_id = $2`, f.tenant, f.area)
		return err
	}))
	f.must(f.work(f.args(7)))
	if got := f.box.sent(); len(got) != 2 {
		t.Errorf("reopened: sent %d messages, want 2", len(got))
	}
}

func TestReminderWorkerRetriesFailedSend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-retry")
	f.box.fail = func(m mail.Message) bool { return strings.HasPrefix(m.To, "bob@") }
	if err := f.work(f.args(7)); err == nil || !strings.Contains(err.Error(), "bob@remind-retry.test") {
		t.Errorf("Work = %v, want the failed send to bob reported so River retries", err)
	}
	if got := f.box.sent(); len(got) != 1 || got[0].To != "ann@remind-retry.test" {
		t.Errorf("sent %+v, want ann only", got)
	}
	if n := f.reminders(); n != 1 {
		t.Errorf("%d reminders recorded, want 1: a failed send must not be recorded", n)
	}
	f.box.fail = nil
	f.must(f.work(f.args(7)))
	got := f.box.sent()
	if len(got) != 2 || got[1].To != "bob@remind-retry.test" {
		t.Errorf("after the retry sent %+v, want ann then bob, once each", got)
	}
}

// waitFor polls until cond holds or the time is up.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *fixture) startClient() *river.Client[pgx.Tx] {
	f.t.Helper()
	c, err := reminder.NewClient(f.d.App, reminder.Options{Mail: f.box, BaseURL: baseURL, PollInterval: 100 * time.Millisecond})
	f.must(err)
	f.must(c.Start(context.Background()))
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
	return c
}

func TestReminderClientWorksDueJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-client")
	c := f.startClient()
	a := f.args(1)
	ctx := context.Background()
	f.must(db.InTx(ctx, f.d.App, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		_, err := c.InsertTx(ctx, tx, a, nil)
		return err
	}))
	waitFor(t, 15*time.Second, "the reminder mail", func() bool { return len(f.box.sent()) == 2 })
	waitFor(t, 15*time.Second, "the job to complete", func() bool {
		j := f.jobs()
		return len(j) == 1 && j[0].State == "completed"
	})
	if got := f.box.sent(); got[0].To != "ann@remind-client.test" && got[1].To != "ann@remind-client.test" {
		t.Errorf("sent %+v", got)
	}
}

// TestReminderRestartLosesNone inserts a job while no client runs, as after a crash or during a
// deploy, then starts a client, which works it when it falls due.
func TestReminderRestartLosesNone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "remind-restart")
	ctx := context.Background()
	insertOnly, err := river.NewClient(riverpgxv5.New(f.d.App), &river.Config{})
	f.must(err)
	at := time.Now().Add(time.Second)
	f.must(db.InTx(ctx, f.d.App, db.Scope{TenantID: f.tenant}, func(tx pgx.Tx) error {
		_, err := insertOnly.InsertTx(ctx, tx, f.args(7), &river.InsertOpts{ScheduledAt: at})
		return err
	}))
	time.Sleep(time.Until(at) + 200*time.Millisecond)
	if got := f.box.sent(); len(got) != 0 {
		t.Fatalf("sent %d with no client running", len(got))
	}
	f.startClient()
	waitFor(t, 20*time.Second, "the reminder mail after the restart", func() bool { return len(f.box.sent()) == 2 })
}
