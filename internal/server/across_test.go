package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
)

var (
	resultRE     = regexp.MustCompile(`data-review="([0-9a-f-]{36})" data-kind="([a-z]+)"`)
	resultLinkRE = regexp.MustCompile(`href="(/reviews/[^"]+)"`)
)

// searchReviews is the set of reviews a search's results come from, and the links they give.
func searchReviews(body string) (reviews map[string]bool, links []string) {
	reviews = map[string]bool{}
	for _, m := range resultRE.FindAllStringSubmatch(body, -1) {
		reviews[m[1]] = true
	}
	if i := strings.Index(body, `id="results"`); i >= 0 {
		for _, m := range resultLinkRE.FindAllStringSubmatch(body[i:], -1) {
			links = append(links, m[1])
		}
	}
	return reviews, links
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSearchNeverReturnsAReviewTheUserMayNotRead puts one word in things of reviews each persona
// may and may not read, and checks every persona finds exactly those of the reviews they may read,
// and never a safeguarding concern.
func TestSearchNeverReturnsAReviewTheUserMayNotRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	newFixture(t, e) // another tenant and its admin
	ctx := context.Background()
	var tenantA, tenantB, qaLead, otherAdmin string
	for dst, sql := range map[*string]string{
		&tenantA:    `SELECT id::text FROM tenants WHERE slug = 'demo-inspectorate'`,
		&tenantB:    `SELECT id::text FROM tenants WHERE slug = 'other-inspectorate'`,
		&qaLead:     `SELECT id::text FROM users WHERE email = 'qa.lead@demo.test'`,
		&otherAdmin: `SELECT id::text FROM users WHERE email = 'admin@other.test'`,
	} {
		if err := e.db.Super.QueryRow(ctx, sql).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	// A review only the second lead is on, and another tenant's review, both with the word.
	var secretID, otherID string
	if err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantA}, func(tx pgx.Tx) (err error) {
		secretID, err = review.Create(ctx, tx, tenantA, qaLead, review.Review{Title: "Zanzibar secret review"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantB}, func(tx pgx.Tx) (err error) {
		otherID, err = review.Create(ctx, tx, tenantB, otherAdmin, review.Review{Title: "Zanzibar review of another inspectorate"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// In the Start for Life review: a note, a safeguarding concern and a finding with the word; in
	// the earlier review, a recommendation.
	var noteID, concernID string
	if err := e.db.Super.QueryRow(ctx, `UPDATE evidence_notes SET body = body || ' Zanzibar.' WHERE id = (SELECT id FROM evidence_notes
		WHERE review_id = $1 AND NOT safeguarding AND deleted_at IS NULL ORDER BY id LIMIT 1) RETURNING id::text`, d.laterID).Scan(&noteID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Super.QueryRow(ctx, `UPDATE evidence_notes SET body = body || ' Zanzibar concern.', safeguarding = true,
		safeguarding_raised_at = now() WHERE id = (SELECT id FROM evidence_notes
		WHERE review_id = $1 AND NOT safeguarding AND deleted_at IS NULL ORDER BY id DESC LIMIT 1) RETURNING id::text`, d.laterID).Scan(&concernID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE findings SET body = body || ' Zanzibar.' WHERE id = $1`, d.laterFinding2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE recommendations SET body = body || ' Zanzibar.' WHERE id = $1`, d.recs[1]); err != nil {
		t.Fatal(err)
	}
	later, earlier := d.laterID, d.earlierID
	for _, c := range []struct {
		email string
		want  []string
	}{
		{"lead@demo.test", []string{later, earlier}},
		{"inspector@demo.test", []string{later, earlier}},
		{"observer@demo.test", []string{later, earlier}},
		{"cqc.inspector@demo.test", []string{later}},
		{"qa.lead@demo.test", []string{later, secretID}},
		{"la.contact@demo.test", nil}, // a contact of the later review: no search of it
		{"admin@demo.test", nil},      // on no review
		{"admin@other.test", []string{otherID}},
	} {
		r := e.signedIn(c.email).get("/search?q=" + url.QueryEscape("zanzibar"))
		if r.Status != http.StatusOK {
			t.Fatalf("%s: search %d", c.email, r.Status)
		}
		got, links := searchReviews(r.Body)
		sort.Strings(c.want)
		if g := keys(got); strings.Join(g, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: results from reviews %v, want %v", c.email, g, c.want)
		}
		if strings.Contains(r.Body, concernID) || strings.Contains(r.Body, "Zanzibar concern") {
			t.Errorf("%s: the search shows a safeguarding concern", c.email)
		}
		if got[later] {
			for _, want := range []string{"/reviews/" + later + "/notes/" + noteID, "/reviews/" + later + "/findings/" + d.laterFinding2} {
				found := false
				for _, l := range links {
					found = found || l == want
				}
				if !found {
					t.Errorf("%s: no result links to %s (links %v)", c.email, want, links)
				}
			}
		}
		// Every link opens for them.
		cl := e.signedIn(c.email)
		for _, l := range links {
			if p := cl.get(strings.SplitN(l, "#", 2)[0]); p.Status != http.StatusOK {
				t.Errorf("%s: result %s answers %d", c.email, l, p.Status)
			}
		}
	}
	r := e.signedIn("lead@demo.test").get("/search?q=")
	if !strings.Contains(r.Body, "Enter words to search for") {
		t.Error("an empty search gives no message")
	}
}

// TestDashboardFigures checks the dashboard's figures against counts of the data.
func TestDashboardFigures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newRegDemo(t, e)
	ctx := context.Background()
	// In the Start for Life review: two areas' self-assessments past due (one submitted), one due
	// later, an uncleared review note, an old note and a deleted one.
	if _, err := e.db.Super.Exec(ctx, `DELETE FROM sa_deadlines WHERE review_id = $1`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `WITH a AS (SELECT id, tenant_id, review_id, row_number() OVER (ORDER BY ons_code) AS i
			FROM review_areas WHERE review_id = $1)
		INSERT INTO sa_deadlines (tenant_id, area_id, review_id, due)
		SELECT tenant_id, id, review_id, CASE WHEN i <= 2 THEN current_date - 3 ELSE current_date + 10 + i::int END FROM a WHERE i <= 4`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `DELETE FROM sa_submissions WHERE review_id = $1`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO sa_submissions (tenant_id, area_id, review_id, status, submitted_at)
		SELECT tenant_id, id, review_id, 'submitted', now() FROM review_areas WHERE review_id = $1 ORDER BY ons_code LIMIT 1`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE evidence_notes SET created_at = now() - interval '30 days' WHERE id IN
		(SELECT id FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding ORDER BY id LIMIT 5)`, d.laterID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE id IN
		(SELECT id FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding ORDER BY id DESC LIMIT 2)`, d.laterID); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, args ...any) int {
		var n int
		if err := e.db.Super.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wantNotes := count(`SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding
		AND created_at >= current_date - 6`, d.laterID)
	wantLate := 1 // two past due, one of them submitted
	wantOpen := count(`SELECT count(*) FROM review_notes WHERE review_id = $1 AND status <> 'cleared'`, d.laterID)
	if wantNotes == 0 {
		t.Fatal("the demo has no recent notes to count")
	}

	r := e.signedIn("lead@demo.test").get("/dashboard")
	if r.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", r.Status)
	}
	row := func(body, reviewID string) string {
		i := strings.Index(body, `id="review-`+reviewID+`"`)
		if i < 0 {
			return ""
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	cell := func(row, name string) string {
		m := regexp.MustCompile(`data-count="` + name + `">(\d+)<`).FindStringSubmatch(row)
		if m == nil {
			return ""
		}
		return m[1]
	}
	sfl := row(r.Body, d.laterID)
	if sfl == "" || row(r.Body, d.earlierID) == "" {
		t.Fatal("the lead's dashboard lacks one of their reviews")
	}
	for name, want := range map[string]int{"notes": wantNotes, "late": wantLate, "review-notes": wantOpen} {
		if got := cell(sfl, name); got != strconv.Itoa(want) {
			t.Errorf("Start for Life %s: %q, want %d", name, got, want)
		}
	}
	if !strings.Contains(sfl, "Analysis") || !strings.Contains(sfl, "7 May 2024") {
		t.Errorf("Start for Life stage or planned publication missing: %s", sfl)
	}
	earlier := row(r.Body, d.earlierID)
	if !strings.Contains(earlier, "Published") || cell(earlier, "notes") != "0" {
		t.Errorf("earlier review's row: %s", earlier)
	}
	// The next self-assessment due is the earliest still to come.
	var next string
	if err := e.db.Super.QueryRow(ctx, `SELECT to_char(min(due), 'FMDD FMMonth YYYY') FROM sa_deadlines WHERE review_id = $1 AND due >= current_date`, d.laterID).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sfl, next) {
		t.Errorf("next self-assessment due %q not in %s", next, sfl)
	}
	// Whoever may not read a review does not see it.
	for email, want := range map[string][]string{
		"cqc.inspector@demo.test": {d.laterID},
		"la.contact@demo.test":    nil,
		"admin@demo.test":         nil,
	} {
		body := e.signedIn(email).get("/dashboard").Body
		for _, id := range []string{d.laterID, d.earlierID} {
			shown := strings.Contains(body, `id="review-`+id+`"`)
			wanted := false
			for _, w := range want {
				wanted = wanted || w == id
			}
			if shown != wanted {
				t.Errorf("%s: review %s shown %v, want %v", email, id, shown, wanted)
			}
		}
	}
	_ = demo.ReviewTitle
}
