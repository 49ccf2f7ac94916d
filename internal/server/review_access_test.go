package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/evidence"
	"thematic/internal/review"
)

// reviewRule gives the answer for each persona on a route under /reviews/{reviewID}: nobody
// signed in; a tenant member outside the review (the tenant admin, even); the review's lead,
// inspector and observer; its local authority contact on their own area's objects and on another
// area's; and the admin of another tenant.
type reviewRule struct {
	anon, outsider, lead, inspector, observer, contact, contactOther, other expect
}

// reviewAccessTable is filled by each route group's test file (init functions), keyed
// "METHOD pattern" as chi.Walk reports it.
var reviewAccessTable = map[string]reviewRule{}

// Common rules.
var (
	reviewAnyMember = reviewRule{signIn, missing, ok, ok, ok, ok, missing, missing} // contact: own area only
	reviewReadStaff = reviewRule{signIn, missing, ok, ok, ok, forbid, forbid, missing}
	reviewLeadWrite = reviewRule{signIn, missing, ok, forbid, forbid, forbid, forbid, missing}
)

// reviewFixture is a review in the demo tenant with two areas, one visit in each, people in every
// role, and a framework and lines of enquiry from the Start for Life template.
type reviewFixture struct {
	fixture
	tenantID, reviewID                     string
	area1, area2, visit1, visit2           string
	groupID, actionAreaID                  string
	enquiryGroupID, lineID                 string
	inspectorMember, contactMember, invite string
	noteID, documentID                     string
	findingID                              string
	exampleID, recommendationID            string
	sourceID                               string // a source of evidence the note uses ({termID})
	reviewNoteID                           string // a cleared review note on the finding
	fileID                                 string // a photo on the note
}

func newReviewFixture(t *testing.T, e *env) reviewFixture {
	t.Helper()
	ctx := context.Background()
	f := reviewFixture{fixture: newFixture(t, e)}
	ids := map[string]string{}
	rows, err := e.db.Super.Query(ctx, `SELECT email, id::text FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var email, id string
		if err := rows.Scan(&email, &id); err != nil {
			t.Fatal(err)
		}
		ids[email] = id
	}
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&f.tenantID); err != nil {
		t.Fatal(err)
	}
	tpl, err := review.Templates()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2023, 8, 31, 0, 0, 0, 0, time.UTC)
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var err error
		f.reviewID, err = review.Create(ctx, tx, f.tenantID, ids["lead@demo.test"],
			review.Review{Title: "Access review", FieldworkStart: &start, FieldworkEnd: &end})
		if err != nil {
			return err
		}
		if err := review.ApplyTemplate(ctx, tx, f.tenantID, f.reviewID, tpl[review.StartForLife]); err != nil {
			return err
		}
		q := func(dst *string, sql string, args ...any) {
			if err == nil {
				err = tx.QueryRow(ctx, sql, args...).Scan(dst)
			}
		}
		q(&f.area1, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`, f.tenantID, f.reviewID)
		q(&f.area2, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`, f.tenantID, f.reviewID)
		q(&f.inspectorMember, `INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			VALUES ($1, $2, $3, 'inspector', 'Ofsted', 'Early Years Inspector') RETURNING id`, f.tenantID, f.reviewID, ids["inspector@demo.test"])
		var obs string
		q(&obs, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, 'observer') RETURNING id`,
			f.tenantID, f.reviewID, ids["observer@demo.test"])
		q(&f.contactMember, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id) VALUES ($1, $2, $3, 'la_contact', $4) RETURNING id`,
			f.tenantID, f.reviewID, ids["la.contact@demo.test"], f.area1)
		q(&f.invite, `INSERT INTO review_member_invites (tenant_id, review_id, email, name, role) VALUES ($1, $2, 'pending@demo.test', 'Pending Person', 'observer') RETURNING id`,
			f.tenantID, f.reviewID)
		q(&f.visit1, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-03', 2) RETURNING id`,
			f.tenantID, f.reviewID, f.area1)
		q(&f.visit2, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-24', 2) RETURNING id`,
			f.tenantID, f.reviewID, f.area2)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES
				($1, $2, $3, $4, '2023-08-03'), ($1, $2, $3, $4, '2023-08-04')`, f.tenantID, f.visit1, f.inspectorMember, ids["inspector@demo.test"])
		}
		q(&f.groupID, `SELECT id FROM framework_groups WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 1`, f.tenantID, f.reviewID)
		q(&f.actionAreaID, `SELECT id FROM action_areas WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 1`, f.tenantID, f.reviewID)
		q(&f.enquiryGroupID, `SELECT id FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 1`, f.tenantID, f.reviewID)
		q(&f.lineID, `SELECT id FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 ORDER BY position LIMIT 1`, f.tenantID, f.reviewID)
		if err != nil {
			return err
		}
		// A note from the visit to the contact's own area.
		var source string
		q(&source, `SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND NOT needs_role ORDER BY position LIMIT 1`,
			f.tenantID, f.reviewID)
		if err != nil {
			return err
		}
		f.sourceID = source
		f.noteID, _, err = evidence.Create(ctx, tx, f.tenantID, f.reviewID, ids["inspector@demo.test"], evidence.NoteInput{
			VisitID: f.visit1, SourceID: source, NoteDate: "2023-08-03", Body: "Parents at the baby group spoke about the infant feeding support.",
			ActionAreas: []string{f.actionAreaID}, Judgement: "neutral", Key: "access-fixture-note"})
		// A finding of the action area, supported by the note.
		q(&f.findingID, `INSERT INTO findings (tenant_id, review_id, action_area_id, position, body, idempotency_key, created_by)
			VALUES ($1, $2, $3, 1, 'Parents valued the feeding support.', 'access-fixture-finding', $4) RETURNING id`,
			f.tenantID, f.reviewID, f.actionAreaID, ids["lead@demo.test"])
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance) VALUES ($1, $2, $3, 'supports')`,
				f.tenantID, f.findingID, f.noteID)
		}
		// A saved version of the report (number 1).
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO report_versions (tenant_id, review_id, number, doc, created_by)
				VALUES ($1, $2, 1, '{"title": "Access review", "blocks": []}', $3)`, f.tenantID, f.reviewID, ids["lead@demo.test"])
		}
		// A letter to the contact's area with a saved version (number 1).
		var letterID string
		q(&letterID, `INSERT INTO letters (tenant_id, review_id, area_id, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			f.tenantID, f.reviewID, f.area1, ids["lead@demo.test"])
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO letter_versions (tenant_id, letter_id, number, doc, created_by)
				VALUES ($1, $2, 1, '{"title": "Access review: letter", "blocks": []}', $3)`, f.tenantID, letterID, ids["lead@demo.test"])
		}
		// A document of the contact's area, uploaded by the lead (so only the lead may delete it).
		q(&f.documentID, `INSERT INTO area_documents (tenant_id, review_id, area_id, title, filename, content_type, size, sha256,
			content, scan_status, idempotency_key, uploaded_by) VALUES ($1, $2, $3, 'Fixture', 'fixture.pdf', 'application/pdf', 5,
			sha256('%PDF-'::bytea), '%PDF-'::bytea, 'clean', 'access-fixture-document', $4) RETURNING id`,
			f.tenantID, f.reviewID, f.area1, ids["lead@demo.test"])
		// A photo on the note, by its author.
		q(&f.fileID, `INSERT INTO evidence_note_files (tenant_id, review_id, note_id, position, filename, content_type, size,
			sha256, content, display, width, height, uploaded_by) VALUES ($1, $2, $3, 0, 'fixture.jpg', 'image/jpeg', 3,
			sha256('\xffd8ff'::bytea), '\xffd8ff'::bytea, '\xffd8ff'::bytea, 1, 1, $4) RETURNING id`,
			f.tenantID, f.reviewID, f.noteID, ids["inspector@demo.test"])
		// A good-practice example from the note, and a recommendation.
		q(&f.exampleID, `INSERT INTO practice_examples (tenant_id, review_id, action_area_id, note_id, area_id, position, body,
			idempotency_key, created_by) VALUES ($1, $2, $3, $4, $5, 1, 'A fixture example.', 'access-fixture-example', $6) RETURNING id`,
			f.tenantID, f.reviewID, f.actionAreaID, f.noteID, f.area1, ids["lead@demo.test"])
		q(&f.recommendationID, `INSERT INTO recommendations (tenant_id, review_id, position, body, addressee, idempotency_key, created_by)
			VALUES ($1, $2, 1, 'A fixture recommendation.', 'Local areas', 'access-fixture-recommendation', $3) RETURNING id`,
			f.tenantID, f.reviewID, ids["lead@demo.test"])
		// A review note on the finding, cleared (so that it stops no approval).
		q(&f.reviewNoteID, `INSERT INTO review_notes (tenant_id, review_id, number, target_kind, finding_id, target_label, body, status,
			raised_by, cleared_by, cleared_at, idempotency_key) VALUES ($1, $2, 1, 'finding', $3, 'Finding: fixture', 'A fixture review note.',
			'cleared', $4, $4, now(), 'access-fixture-review-note') RETURNING id`, f.tenantID, f.reviewID, f.findingID, ids["lead@demo.test"])
		// A double-coding sample of the note (consistency_test.go).
		if err == nil {
			err = csFixture(ctx, tx, &f, ids["lead@demo.test"])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// reviewPath fills a pattern; own chooses the contact's own area and visit, or the other ones.
func (f reviewFixture) reviewPath(pattern string, own bool) string {
	area, visit := f.area1, f.visit1
	if !own {
		area, visit = f.area2, f.visit2
	}
	return strings.NewReplacer("{reviewID}", f.reviewID, "{areaID}", area, "{visitID}", visit,
		"{groupID}", f.groupID, "{actionAreaID}", f.actionAreaID, "{enquiryGroupID}", f.enquiryGroupID,
		"{lineID}", f.lineID, "{memberID}", f.inspectorMember, "{inviteID}", f.invite, "{noteID}", f.noteID, "{documentID}", f.documentID, "{findingID}", f.findingID, "{number}", "1", "{format}", "html",
		"{exampleID}", f.exampleID, "{recommendationID}", f.recommendationID,
		"{kind}", "sources", "{termID}", f.sourceID, "{reviewNoteID}", f.reviewNoteID, "{fileID}", f.fileID).Replace(pattern)
}

func TestReviewAccessMatrix(t *testing.T) {
	t.Parallel()
	if len(reviewAccessTable) == 0 {
		t.Fatal("no review routes in reviewAccessTable")
	}
	for key, rule := range reviewAccessTable {
		method, pattern, _ := strings.Cut(key, " ")
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			f := newReviewFixture(t, e)
			contact := e.signedIn("la.contact@demo.test")
			personas := []struct {
				name string
				want expect
				c    *client
				own  bool
			}{
				{"anonymous", rule.anon, e.client(), true},
				{"tenant admin outside the review", rule.outsider, e.signedIn("admin@demo.test"), true},
				{"other tenant's admin", rule.other, e.signedIn("admin@other.test"), true},
				{"observer", rule.observer, e.signedIn("observer@demo.test"), true},
				{"inspector", rule.inspector, e.signedIn("inspector@demo.test"), true},
				{"contact, own area", rule.contact, contact, true},
				{"contact, another area", rule.contactOther, contact, false},
				{"lead", rule.lead, e.signedIn("lead@demo.test"), true},
			}
			for _, p := range personas {
				path := f.reviewPath(pattern, p.own)
				var r resp
				if method == http.MethodGet {
					r = p.c.get(path)
				} else {
					r = p.c.post(path, url.Values{})
				}
				if msg := check(p.want, method, r); msg != "" {
					t.Errorf("%s %s as %s: %s", method, path, p.name, msg)
				}
			}
		})
	}
}

// The roles used above must stay what the fixture gives them.
var _ = auth.ReviewContact
