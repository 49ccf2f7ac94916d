package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/review"
	"thematic/internal/user"
)

// ReviewTitle names the demo review: the Start for Life review of the seeds.
const ReviewTitle = "Start for Life services: thematic review"

// Inspectors are the demo review's visiting inspectors besides inspector@ and cqc.inspector@.
var Inspectors = []Person{
	{"priya.shah@demo.test", "Priya Shah", auth.RoleStaff, "inspector (Ofsted Early Years Inspector)"},
	{"tom.hughes@demo.test", "Tom Hughes", auth.RoleStaff, "inspector (Ofsted Early Years Inspector)"},
	{"grace.okafor@demo.test", "Grace Okafor", auth.RoleStaff, "inspector (Ofsted Early Years Inspector)"},
	{"dan.murphy@demo.test", "Dan Murphy", auth.RoleStaff, "inspector (CQC Children's Services Inspector)"},
}

// reviewMember is a demo member of the review.
type reviewMember struct {
	email, role, inspectorate, jobTitle, area string
}

var reviewMembers = []reviewMember{
	{"lead@demo.test", "lead", "Ofsted", "His Majesty's Inspector", ""},
	{"qa.lead@demo.test", "lead", "Ofsted", "Senior His Majesty's Inspector", ""},
	{"inspector@demo.test", "inspector", "Ofsted", "Early Years Inspector", ""},
	{"priya.shah@demo.test", "inspector", "Ofsted", "Early Years Inspector", ""},
	{"tom.hughes@demo.test", "inspector", "Ofsted", "Early Years Inspector", ""},
	{"grace.okafor@demo.test", "inspector", "Ofsted", "Early Years Inspector", ""},
	{"cqc.inspector@demo.test", "inspector", "CQC", "Children's Services Inspector", ""},
	{"dan.murphy@demo.test", "inspector", "CQC", "Children's Services Inspector", ""},
	{"observer@demo.test", "observer", "", "", ""},
	{"la.contact@demo.test", "la_contact", "", "", "E06000057"},
}

// Areas are the six local areas the seed review visited, in visiting order.
var Areas = []string{"E06000057", "E08000024", "E06000047", "E06000010", "E06000027", "E06000046"}

// demoVisit is a two-day visit in August 2023: two Early Years Inspectors on site both days and a
// CQC inspector on site one day, as in the seed report.
type demoVisit struct {
	area    string
	start   string
	eyi     [2]string
	cqc     string
	cqcDay2 bool
}

var visits = []demoVisit{
	{"E06000057", "2023-08-08", [2]string{"inspector@demo.test", "priya.shah@demo.test"}, "cqc.inspector@demo.test", false},
	{"E08000024", "2023-08-08", [2]string{"tom.hughes@demo.test", "grace.okafor@demo.test"}, "dan.murphy@demo.test", true},
	{"E06000047", "2023-08-15", [2]string{"inspector@demo.test", "priya.shah@demo.test"}, "cqc.inspector@demo.test", true},
	{"E06000010", "2023-08-15", [2]string{"tom.hughes@demo.test", "grace.okafor@demo.test"}, "dan.murphy@demo.test", false},
	{"E06000027", "2023-08-22", [2]string{"inspector@demo.test", "tom.hughes@demo.test"}, "cqc.inspector@demo.test", false},
	{"E06000046", "2023-08-29", [2]string{"priya.shah@demo.test", "grace.okafor@demo.test"}, "dan.murphy@demo.test", true},
}

func date(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// seedReview creates the Start for Life review once, with its framework and lines of enquiry from
// the built-in template, the six areas, the members and the six visits with their teams.
func seedReview(ctx context.Context, tx pgx.Tx, tenantID, hash string) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reviews WHERE tenant_id = $1 AND title = $2)`,
		tenantID, ReviewTitle).Scan(&exists); err != nil {
		return fmt.Errorf("demo: find review: %w", err)
	}
	if exists {
		return nil
	}
	ids := map[string]string{}
	for _, p := range append(append([]Person{}, People...), Inspectors...) {
		id, created, err := user.Ensure(ctx, tx, p.Email, p.Name, hash)
		if err != nil {
			return err
		}
		if created {
			if err := user.AddMember(ctx, tx, tenantID, id, p.Role); err != nil {
				return err
			}
		}
		ids[p.Email] = id
	}
	tpl, err := review.Templates()
	if err != nil {
		return err
	}
	r := review.Review{
		Title: ReviewTitle,
		Summary: "A joint review with the Care Quality Commission of the services families receive from " +
			"conception to age 2, and of how well they are joined up through the family hub model, in six " +
			"volunteer local authorities of the Family Hubs and Start for Life programme.",
		FieldworkStart: date("2023-08-01"), FieldworkEnd: date("2023-08-31"), PlannedPublication: date("2024-05-07"),
	}
	reviewID, err := review.Create(ctx, tx, tenantID, ids["lead@demo.test"], r)
	if err != nil {
		return err
	}
	if err := review.ApplyTemplate(ctx, tx, tenantID, reviewID, tpl[review.StartForLife]); err != nil {
		return err
	}
	areaIDs := map[string]string{}
	for _, code := range Areas {
		var id string
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, $3) RETURNING id`,
			tenantID, reviewID, code).Scan(&id); err != nil {
			return fmt.Errorf("demo: area %s: %w", code, err)
		}
		areaIDs[code] = id
	}
	memberIDs := map[string]string{}
	for _, m := range reviewMembers {
		var area *string
		if m.area != "" {
			a := areaIDs[m.area]
			area = &a
		}
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, inspectorate, job_title)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, ''))
			ON CONFLICT (tenant_id, review_id, user_id) DO UPDATE SET role = EXCLUDED.role, area_id = EXCLUDED.area_id,
				inspectorate = EXCLUDED.inspectorate, job_title = EXCLUDED.job_title
			RETURNING id`, tenantID, reviewID, ids[m.email], m.role, area, m.inspectorate, m.jobTitle).Scan(&id)
		if err != nil {
			return fmt.Errorf("demo: member %s: %w", m.email, err)
		}
		memberIDs[m.email] = id
	}
	visitIDs := map[string]string{}
	for _, v := range visits {
		var visitID string
		if err := tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, $4, 2) RETURNING id`,
			tenantID, reviewID, areaIDs[v.area], v.start).Scan(&visitID); err != nil {
			return fmt.Errorf("demo: visit %s: %w", v.area, err)
		}
		visitIDs[v.area] = visitID
		day1 := *date(v.start)
		day2 := day1.AddDate(0, 0, 1)
		cqcDay := day1
		if v.cqcDay2 {
			cqcDay = day2
		}
		places := []struct {
			email string
			day   time.Time
		}{{v.eyi[0], day1}, {v.eyi[0], day2}, {v.eyi[1], day1}, {v.eyi[1], day2}, {v.cqc, cqcDay}}
		// Everyone with days is on the team (visit_members), as on the People page.
		for _, email := range []string{v.eyi[0], v.eyi[1], v.cqc} {
			if _, err := tx.Exec(ctx, `INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id) VALUES ($1, $2, $3, $4)`,
				tenantID, visitID, memberIDs[email], reviewID); err != nil {
				return fmt.Errorf("demo: team %s %s: %w", v.area, email, err)
			}
		}
		for _, p := range places {
			if _, err := tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES ($1, $2, $3, $4, $5)`,
				tenantID, visitID, memberIDs[p.email], ids[p.email], p.day); err != nil {
				return fmt.Errorf("demo: team %s %s: %w", v.area, p.email, err)
			}
		}
	}
	if err := seedNotes(ctx, tx, tenantID, reviewID, visitIDs, ids); err != nil {
		return err
	}
	if err := seedLocalAuthorities(ctx, tx, tenantID, reviewID, areaIDs, ids); err != nil {
		return err
	}
	if err := seedSynthesis(ctx, tx, tenantID, reviewID, ids["lead@demo.test"]); err != nil {
		return err
	}
	// The review is at analysis, where its notes, findings and draft report belong: notes can
	// still be recorded, and the lead moves it on to drafting and quality assurance from there.
	if _, err := tx.Exec(ctx, `UPDATE reviews SET status = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, reviewID, string(review.StatusAnalysis)); err != nil {
		return fmt.Errorf("demo: stage: %w", err)
	}
	return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "seed", Action: "review.created",
		ObjectType: "review", ObjectID: reviewID, After: map[string]string{"title": ReviewTitle, "start": "template " + review.StartForLife}})
}
