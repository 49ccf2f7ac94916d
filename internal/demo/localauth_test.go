package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/document"
	"thematic/internal/questionnaire"
	"thematic/internal/selfassess"
)

// TestDemoLocalAuthorities checks what the demo areas sent: four self-assessments submitted with
// different maturity profiles and commentary on every element, the Isle of Wight late (in
// progress, deadline passed), Northumberland not started with nothing sent; deadlines two weeks
// before each visit; three documents for two areas with their SHA-256 and detected types; and
// questionnaire results for four areas. Seeding twice changes nothing.
func TestDemoLocalAuthorities(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := demo.Seed(ctx, d.Owner); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
	}
	var tenantID, reviewID string
	if err := d.Super.QueryRow(ctx, `SELECT r.tenant_id, r.id FROM reviews r WHERE r.title = $1`, demo.ReviewTitle).
		Scan(&tenantID, &reviewID); err != nil {
		t.Fatal(err)
	}
	areas := map[string]string{} // ONS code by area id
	visitStart := map[string]time.Time{}
	rows, err := d.Super.Query(ctx, `SELECT ra.id::text, ra.ons_code, v.start_date FROM review_areas ra
		JOIN visits v ON v.area_id = ra.id WHERE ra.review_id = $1`, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	var id, code string
	var start time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &code, &start}, func() error {
		areas[id], visitStart[id] = code, start
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(areas) != 6 {
		t.Fatalf("%d areas with a visit, want 6", len(areas))
	}
	today := time.Now()

	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		tpl, err := selfassess.LoadTemplate(ctx, tx, tenantID, reviewID)
		if err != nil {
			return err
		}
		progress, err := selfassess.Progress(ctx, tx, tenantID, reviewID)
		if err != nil {
			return err
		}
		deadlines, err := selfassess.Deadlines(ctx, tx, tenantID, reviewID)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		profiles := map[string]string{}
		late := 0
		for areaID, code := range areas {
			a, err := selfassess.LoadArea(ctx, tx, tenantID, reviewID, areaID)
			if err != nil {
				return err
			}
			status := progress[areaID]
			counts[status]++
			due, hasDue := deadlines[areaID]
			if hasDue {
				if want := visitStart[areaID].Add(-demo.DeadlineBeforeVisit); !due.Equal(want) {
					t.Errorf("%s: deadline %s, want %s (two weeks before the visit)", code, due.Format(time.DateOnly), want.Format(time.DateOnly))
				}
				if !a.Submission.Submitted() && due.Before(today) {
					late++
				}
			}
			switch {
			case code == demo.NotStartedArea:
				if status != selfassess.TaskNotStarted || len(a.Responses) != 0 || hasDue {
					t.Errorf("Northumberland: %s with %d answers (deadline %v), want not started, none and no deadline", status, len(a.Responses), hasDue)
				}
			case code == demo.LateArea:
				if status != selfassess.TaskInProgress || a.Submission.Submitted() || !hasDue || !due.Before(today) {
					t.Errorf("late area: %s, submitted %v, deadline %v %s", status, a.Submission.Submitted(), hasDue, due)
				}
				if len(tpl.Missing(a)) == 0 {
					t.Error("late area has every answer")
				}
			default:
				if status != selfassess.TaskCompleted || a.Submission.SubmittedAt == nil || a.Submission.SubmittedBy == "" {
					t.Errorf("%s: %s, want submitted", code, status)
				}
				if m := tpl.Missing(a); len(m) > 0 {
					t.Errorf("%s submitted with %d answers missing", code, len(m))
				}
				var profile []string
				for _, e := range tpl.Elements {
					r := a.Responses[e.ID]
					l, _ := tpl.Level(r.LevelID)
					profile = append(profile, l.Label)
					if len(strings.TrimSpace(r.Commentary)) < 40 {
						t.Errorf("%s, %s: commentary %q too short", code, e.Title, r.Commentary)
					}
				}
				profiles[strings.Join(profile, "|")] = code
			}
		}
		if counts[selfassess.TaskCompleted] != 4 || counts[selfassess.TaskInProgress] != 1 || counts[selfassess.TaskNotStarted] != 1 {
			t.Errorf("statuses %v, want 4 completed, 1 in progress, 1 not started", counts)
		}
		if late != 1 {
			t.Errorf("%d late areas, want 1", late)
		}
		if len(profiles) != 4 {
			t.Errorf("%d distinct maturity profiles among the submitted areas, want 4: %v", len(profiles), profiles)
		}

		// Documents.
		files := demo.DemoFiles()
		byArea := map[string]int{}
		for areaID, code := range areas {
			docs, err := document.List(ctx, tx, tenantID, reviewID, areaID)
			if err != nil {
				return err
			}
			byArea[code] = len(docs)
			for _, doc := range docs {
				var f *demo.DemoFile
				for i := range files {
					if files[i].Title == doc.Title {
						f = &files[i]
					}
				}
				if f == nil || f.Area != code {
					t.Errorf("unexpected document %q in %s", doc.Title, code)
					continue
				}
				sum := sha256.Sum256(f.Content)
				content, err := document.Content(ctx, tx, tenantID, reviewID, areaID, doc.ID)
				if err != nil {
					return err
				}
				if !bytes.Equal(doc.SHA256, sum[:]) || !bytes.Equal(content, f.Content) || doc.Size != int64(len(f.Content)) {
					t.Errorf("%s: stored sum, content or size differ from the file", doc.Title)
				}
				want := document.TypePDF
				if strings.HasSuffix(f.Name, ".csv") {
					want = document.TypeCSV
				}
				if doc.ContentType != want || doc.Filename != f.Name {
					t.Errorf("%s: stored as %s %q, want %s %q", doc.Title, doc.ContentType, doc.Filename, want, f.Name)
				}
			}
		}
		if len(files) != 3 || byArea["E08000024"] != 2 || byArea["E06000047"] != 1 || byArea[demo.NotStartedArea] != 0 {
			t.Errorf("documents by area %v, want 2 for Sunderland, 1 for County Durham, none for Northumberland", byArea)
		}

		// Questionnaires.
		totals, err := questionnaire.Totals(ctx, tx, tenantID, reviewID)
		if err != nil {
			return err
		}
		var want int64
		for _, rows := range demo.DemoQuestionnaires() {
			_, r := questionnaire.Summary(rows)
			want += r
		}
		if totals.Imported != 4 || totals.Respondents != want || want == 0 {
			t.Errorf("questionnaires: %d areas, %d respondents; want 4 and %d", totals.Imported, totals.Respondents, want)
		}
		for _, a := range totals.Areas {
			if areas[a.AreaID] == demo.NotStartedArea && a.Imported {
				t.Error("Northumberland has questionnaire results")
			}
			if a.Imported && a.Rows != 9 {
				t.Errorf("%s: %d rows, want 9 (3 questions × 3 answers)", a.AreaName, a.Rows)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action LIKE 'selfassess.%'
		OR action LIKE 'document.%' OR action LIKE 'questionnaire.%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d audit entries for seeded area data (%v), want none: tests count those actions", n, err)
	}
}
