package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func init() {
	// Coding is for the sample's second coders only: in the access fixture the lead is its one
	// second coder, so the inspector (a note's author, not a coder) finds nothing there.
	coder := reviewRule{signIn, missing, ok, missing, forbid, forbid, forbid, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/consistency":                      reviewReadStaff,
		"POST /reviews/{reviewID}/consistency/sample":              reviewLeadWrite,
		"POST /reviews/{reviewID}/consistency/methodology":         reviewLeadWrite,
		"GET /reviews/{reviewID}/consistency/coding":               coder,
		"GET /reviews/{reviewID}/consistency/coding/{noteID}":      coder,
		"POST /reviews/{reviewID}/consistency/coding/{noteID}":     coder,
		"GET /reviews/{reviewID}/consistency/moderation":           reviewLeadWrite,
		"POST /reviews/{reviewID}/consistency/moderation/{noteID}": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// csFixture gives the access fixture's review a sample of its one note, with the lead as second
// coder who coded it differently from its author (a disagreement to moderate).
func csFixture(ctx context.Context, tx pgx.Tx, f *reviewFixture, leadID string) error {
	var sample, member string
	if err := tx.QueryRow(ctx, `INSERT INTO consistency_samples (tenant_id, review_id, method, share_percent, seed, population,
			idempotency_key, created_by) VALUES ($1, $2, 'random', 100, 1, 1, 'access-fixture-sample', $3) RETURNING id`,
		f.tenantID, f.reviewID, leadID).Scan(&sample); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT id FROM review_members WHERE tenant_id = $1 AND review_id = $2 AND user_id = $3`,
		f.tenantID, f.reviewID, leadID).Scan(&member); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `WITH n AS (INSERT INTO consistency_sample_notes (tenant_id, sample_id, note_id, position, action_areas, judgement, good_practice)
			VALUES ($1, $2, $3, 1, ARRAY[$4::uuid], 'neutral', false) RETURNING 1),
		c AS (INSERT INTO consistency_coders (tenant_id, sample_id, member_id, position) VALUES ($1, $2, $5, 1) RETURNING 1)
		SELECT 1 FROM n, c`, f.tenantID, sample, f.noteID, f.actionAreaID, member)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO consistency_codings (tenant_id, sample_id, note_id, member_id, action_areas, judgement, good_practice)
		VALUES ($1, $2, $3, $4, ARRAY[$5::uuid], 'strength', false)`, f.tenantID, sample, f.noteID, member, f.actionAreaID)
	return err
}

var (
	csCodingLinkRE = regexp.MustCompile(`href="(/reviews/[^"]+/consistency/coding/[0-9a-f-]{36})"`)
	csKeyRE        = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
)

func csMember(t *testing.T, e *env, reviewID, email string) string {
	t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT m.id FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.review_id = $1 AND u.email = $2`, reviewID, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The whole round on the demo review: the lead draws a sample (once, whatever the double submit;
// replacing the demo's only when told to), two inspectors code it blind, everyone on the staff
// reads the figures, the lead records an agreed coding and puts the figures in the methodology.
func TestConsistencyRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	review := demoReviewID(t, e)
	base := "/reviews/" + review + "/consistency"
	lead := e.signedIn("lead@demo.test")
	ira := e.signedIn("inspector@demo.test")
	cass := e.signedIn("cqc.inspector@demo.test")
	observer := e.signedIn("observer@demo.test")

	// The demo's own sample shows, coded by the quality-assurance lead.
	r := lead.get(base)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Hana Hughes: 15 of 15 coded") || !strings.Contains(r.Body, "Cohen’s kappa") {
		t.Fatalf("consistency page: %d\n%s", r.Status, r.Body)
	}
	if !strings.Contains(r.Body, "Moderate the ") {
		t.Error("the demo sample has no disagreements to moderate")
	}
	// The observer reads the figures but gets no form.
	if r := observer.get(base); r.Status != http.StatusOK || strings.Contains(r.Body, "Draw the sample") || !strings.Contains(r.Body, `id="figures"`) {
		t.Errorf("observer: %d, form shown %v", r.Status, strings.Contains(r.Body, "Draw the sample"))
	}

	var sunderland string
	if err := e.db.Super.QueryRow(ctx, `SELECT ra.id FROM review_areas ra WHERE ra.review_id = $1 AND ra.ons_code = 'E08000024'`,
		review).Scan(&sunderland); err != nil {
		t.Fatal(err)
	}
	key := csKeyRE.FindStringSubmatch(r.Body)[1]
	form := url.Values{"method": {"area"}, "area": {sunderland}, "share": {"10"}, "seed": {"42"}, "idempotency_key": {key},
		"coders": {csMember(t, e, review, "inspector@demo.test"), csMember(t, e, review, "cqc.inspector@demo.test")}}
	// Without the word to replace the demo's sample, the form comes back with its message.
	if r := lead.post(base+"/sample", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "replaces it") {
		t.Fatalf("draw without replace: %d", r.Status)
	}
	form.Set("replace", "yes")
	for range 2 { // a double submit draws once
		if r := lead.post(base+"/sample", form); r.Status != http.StatusSeeOther {
			t.Fatalf("draw: %d\n%s", r.Status, r.Body)
		}
	}
	if n := e.auditCount("consistency.sample_drawn"); n != 2 { // the demo's and this one
		t.Errorf("%d samples drawn in the audit log, want 2", n)
	}
	var sampled, population int
	if err := e.db.Super.QueryRow(ctx, `SELECT (SELECT count(*) FROM consistency_sample_notes sn WHERE sn.sample_id = s.id), s.population
		FROM consistency_samples s WHERE s.review_id = $1`, review).Scan(&sampled, &population); err != nil {
		t.Fatal(err)
	}
	// Sunderland's notes, none by Ira or Cass: a tenth, rounded up.
	if population == 0 || sampled != (population+9)/10 {
		t.Errorf("sampled %d of %d", sampled, population)
	}

	// The observer and the lead (not coders) cannot code.
	if r := observer.get(base + "/coding"); r.Status != http.StatusForbidden {
		t.Errorf("observer's coding list: %d", r.Status)
	}
	if r := lead.get(base + "/coding"); r.Status != http.StatusNotFound {
		t.Errorf("lead's coding list: %d", r.Status)
	}
	// Each inspector codes every note blind: the note's text is there, no box or button is ticked.
	for i, c := range []*client{ira, cass} {
		list := c.get(base + "/coding")
		links := csCodingLinkRE.FindAllStringSubmatch(list.Body, -1)
		if list.Status != http.StatusOK || len(links) != sampled {
			t.Fatalf("coder %d list: %d with %d links", i, list.Status, len(links))
		}
		for j, l := range links {
			page := c.get(l[1])
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="note-text"`) {
				t.Fatalf("coding form: %d", page.Status)
			}
			if strings.Contains(page.Body, "checked") {
				t.Fatalf("the coder's form shows a coding before the coder made one (the author's?):\n%s", page.Body)
			}
			judgement := "strength"
			if i == 1 && j == 0 {
				judgement = "development" // Cass differs on the first note
			}
			r := c.post(l[1], url.Values{"judgement": {judgement}, "version": {"0"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save coding: %d\n%s", r.Status, r.Body)
			}
			// Sent again, nothing changes; a stale version is refused.
			if r := c.post(l[1], url.Values{"judgement": {judgement}, "version": {"0"}}); r.Status != http.StatusSeeOther {
				t.Errorf("saved again: %d", r.Status)
			}
			if j == 0 {
				if r := c.post(l[1], url.Values{"judgement": {"neutral"}, "version": {"7"}}); r.Status != http.StatusConflict {
					t.Errorf("stale save: %d", r.Status)
				}
			}
		}
		if r := c.post(links[0][1], url.Values{"version": {"1"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "Select whether this is a strength") {
			t.Errorf("coding without a judgement: %d", r.Status)
		}
	}
	if n := e.auditCount("consistency.coded"); n != 15+2*sampled {
		t.Errorf("%d codings audited, want %d", n, 15+2*sampled)
	}

	r = lead.get(base)
	if !strings.Contains(r.Body, "Fleiss’ kappa") || !strings.Contains(r.Body, "3 coders each") {
		t.Errorf("three coders' figures not shown:\n%s", r.Body)
	}
	// The moderation page lists the first note at least (Cass differed from Ira there).
	m := lead.get(base + "/moderation")
	ids := regexp.MustCompile(`id="disagreement-([0-9a-f-]{36})"`).FindAllStringSubmatch(m.Body, -1)
	if m.Status != http.StatusOK || len(ids) == 0 {
		t.Fatalf("moderation: %d, %d disagreements", m.Status, len(ids))
	}
	note := ids[0][1]
	if r := ira.get(base + "/moderation"); r.Status != http.StatusForbidden {
		t.Errorf("inspector's moderation: %d", r.Status)
	}
	r = lead.post(base+"/moderation/"+note, url.Values{"judgement": {"strength"}, "version": {"0"}, "comment": {"Agreed at the moderation meeting."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("record agreed: %d\n%s", r.Status, r.Body)
	}
	if n := e.auditCount("consistency.agreed"); n != 1 {
		t.Errorf("%d agreed codings audited", n)
	}
	if m := lead.get(base + "/moderation"); !strings.Contains(m.Body, "Agreed at the moderation meeting.") {
		t.Error("the agreed coding is not shown")
	}

	// The methodology states the figures once the lead says so.
	if strings.Contains(lead.get("/reviews/"+review+"/report").Body, "without sight of the first coding") {
		t.Fatal("the methodology speaks of double coding before the lead chose it")
	}
	var version string
	if err := e.db.Super.QueryRow(ctx, `SELECT version FROM consistency_samples WHERE review_id = $1`, review).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if r := lead.post(base+"/methodology", url.Values{"include": {"yes"}, "version": {version}}); r.Status != http.StatusSeeOther {
		t.Fatalf("methodology: %d", r.Status)
	}
	rep := lead.get("/reviews/" + review + "/report").Body
	if !strings.Contains(rep, "coded again, without sight of the first coding, by 2 other members of the review team") {
		t.Errorf("the report's methodology does not state the double coding")
	}
	if n := e.auditCount("consistency.methodology_changed"); n != 1 {
		t.Errorf("%d methodology changes audited", n)
	}
}
