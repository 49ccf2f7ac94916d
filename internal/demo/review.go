package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/review"
	"thematic/internal/user"
	"thematic/internal/visit"
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
		a, err := area.Add(ctx, tx, tenantID, reviewID, code)
		if err != nil {
			return fmt.Errorf("demo: area %s: %w", code, err)
		}
		areaIDs[code] = a.ID
	}
	memberIDs, err := seedMembers(ctx, tx, tenantID, reviewID, areaIDs)
	if err != nil {
		return err
	}
	visitIDs := map[string]string{}
	for _, v := range visits {
		day1 := *date(v.start)
		day2 := day1.AddDate(0, 0, 1)
		cqcDay := day1
		if v.cqcDay2 {
			cqcDay = day2
		}
		// Everyone with days is on the team, as on the People page.
		p := visit.Plan{AreaID: areaIDs[v.area], Start: day1, Days: 2,
			Team: map[string][]time.Time{
				memberIDs[v.eyi[0]]: {day1, day2},
				memberIDs[v.eyi[1]]: {day1, day2},
				memberIDs[v.cqc]:    {cqcDay},
			},
			Members: map[string]visit.Place{memberIDs[v.eyi[0]]: {}, memberIDs[v.eyi[1]]: {}, memberIDs[v.cqc]: {}},
		}
		visitID, _, err := visit.Create(ctx, tx, tenantID, reviewID, p)
		if err != nil {
			return fmt.Errorf("demo: visit %s: %w", v.area, err)
		}
		visitIDs[v.area] = visitID
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
	if err := seedLetters(ctx, tx, tenantID, reviewID, ids, areaIDs); err != nil {
		return err
	}
	if err := seedConsistency(ctx, tx, tenantID, reviewID, ids["lead@demo.test"], memberIDs); err != nil {
		return err
	}
	if err := seedEarlierReview(ctx, tx, tenantID, ids, reviewID); err != nil {
		return err
	}
	// The review is at analysis, where its notes, findings and draft report belong: notes can
	// still be recorded, and the lead moves it on to drafting and quality assurance from there.
	if _, err := review.SetStage(ctx, tx, tenantID, reviewID, ids["lead@demo.test"], review.StatusAnalysis); err != nil {
		return fmt.Errorf("demo: stage: %w", err)
	}
	return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "seed", Action: "review.created",
		ObjectType: "review", ObjectID: reviewID, After: map[string]string{"title": ReviewTitle, "start": "template " + review.StartForLife}})
}

// seedMembers gives the demo members their places in the review and returns their member ids by
// email. The creator (lead@) is a member already: their details are set on their membership.
func seedMembers(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, areaIDs map[string]string) (map[string]string, error) {
	existing, err := review.ListMembers(ctx, tx, tenantID, reviewID)
	if err != nil {
		return nil, err
	}
	byEmail := map[string]review.Member{}
	for _, m := range existing {
		byEmail[m.Email] = m
	}
	memberIDs := map[string]string{}
	for _, m := range reviewMembers {
		d := review.MemberDetails{Role: auth.ReviewRole(m.role), AreaID: areaIDs[m.area], Inspectorate: m.inspectorate, JobTitle: m.jobTitle}
		if was, ok := byEmail[user.NormaliseEmail(m.email)]; ok {
			if _, _, err := review.UpdateMember(ctx, tx, tenantID, reviewID, was.ID, was.Version, d); err != nil {
				return nil, fmt.Errorf("demo: member %s: %w", m.email, err)
			}
			memberIDs[m.email] = was.ID
			continue
		}
		added, err := review.AddMember(ctx, tx, tenantID, reviewID, m.email, d)
		if err != nil {
			return nil, fmt.Errorf("demo: member %s: %w", m.email, err)
		}
		memberIDs[m.email] = added.ID
	}
	return memberIDs, nil
}
