package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/finding"
	"thematic/internal/scale"
)

func init() {
	reviewAccessTable["POST /reviews/{reviewID}/areas/pseudonyms"] = reviewLeadWrite
	reviewAccessTable["POST /reviews/{reviewID}/areas/pseudonyms/reveal"] = reviewLeadWrite
}

var pseudonymRE = regexp.MustCompile(`Area [A-Z]\b`)

// TestAreaPseudonyms: with pseudonyms on, the evidence base, coverage and synthesis (workspace,
// patterns, a finding's notes) name the demo's six areas "Area A"…"Area F" and never by name,
// while the areas page, the report and its methodology keep the names; the lead sees which is
// which on request, audited with the reason; the letters are kept when turned off and on again; an
// area added meanwhile gets the next letter; an inspector can neither turn them on nor look.
func TestAreaPseudonyms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	ctx := context.Background()
	var names []string
	rows, err := e.db.Super.Query(ctx, `SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.review_id = $1 ORDER BY 1`, d.reviewID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) != 6 {
		t.Fatalf("%d demo areas, want 6", len(names))
	}
	lead := e.signedIn("lead@demo.test")
	inspector := e.signedIn("inspector@demo.test")
	// A finding with a note from each area, for its page.
	id := d.create(t, e, lead, "Families valued the help.")
	if r := lead.post(d.path("findings", id, "notes"), url.Values{"note": d.notes, "stance": {"supports"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", r.Status)
	}
	var tenant string
	if err := e.db.Super.QueryRow(ctx, `SELECT tenant_id::text FROM reviews WHERE id = $1`, d.reviewID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	ps, _, err := finding.Patterns(ctx, e.db.Super, tenant, d.reviewID, d.actionAreaID, "")
	if err != nil || len(ps) == 0 {
		t.Fatalf("no pattern (%v)", err)
	}

	internal := []string{d.path("evidence"), d.path("coverage"), d.path("synthesis", d.actionAreaID),
		d.path("synthesis", d.actionAreaID, "patterns"), d.path("findings", id)}
	namesIn := func(path string) ([]string, int) {
		t.Helper()
		return areaNamesIn(t, lead, path, names)
	}
	for _, p := range internal {
		if shown, _ := namesIn(p); len(shown) == 0 {
			t.Fatalf("%s shows no area name before pseudonyms are on: the check proves nothing", p)
		}
	}
	areas := lead.get(d.path("areas"))
	synExpect(t, areas, http.StatusOK, "Area names while drafting", "Show areas as Area A, Area B…")
	if strings.Contains(inspector.get(d.path("areas")).Body, "Show areas as Area A") {
		t.Fatal("an inspector is offered pseudonyms")
	}
	if r := inspector.post(d.path("areas", "pseudonyms"), url.Values{"pseudonyms": {"on"}}); r.Status != http.StatusForbidden {
		t.Fatalf("an inspector turns pseudonyms on: %d", r.Status)
	}

	if r := lead.post(d.path("areas", "pseudonyms"), url.Values{"pseudonyms": {"on"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("pseudonyms on: %d\n%s", r.Status, r.Body)
	}
	if n := synAudit(t, e, "review.area_pseudonyms_changed", d.reviewID); n != 1 {
		t.Fatalf("%d review.area_pseudonyms_changed entries, want 1", n)
	}
	for _, p := range internal {
		shown, labels := namesIn(p)
		if len(shown) > 0 {
			t.Errorf("%s still names %v with pseudonyms on", p, shown)
		}
		if labels == 0 {
			t.Errorf("%s shows no pseudonym", p)
		}
	}
	// The labels are six distinct letters, not the names' alphabetical order written as letters.
	labelsOf := func() map[string]string {
		out := map[string]string{}
		rows, err := e.db.Super.Query(ctx, `SELECT la.display_name, coalesce(ra.pseudonym, '') FROM review_areas ra
			JOIN local_authorities la ON la.ons_code = ra.ons_code WHERE ra.review_id = $1`, d.reviewID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, l string
			if err := rows.Scan(&n, &l); err != nil {
				t.Fatal(err)
			}
			out[n] = l
		}
		return out
	}
	first := labelsOf()
	var letters []string
	for _, l := range first {
		letters = append(letters, l)
	}
	slices.Sort(letters)
	if !slices.Equal(letters, []string{"Area A", "Area B", "Area C", "Area D", "Area E", "Area F"}) {
		t.Fatalf("labels %v", letters)
	}
	// The areas' own list, visits and the report keep the names.
	synExpect(t, lead.get(d.path("areas")), http.StatusOK, names...)
	synExpect(t, lead.get(d.path("report")), http.StatusOK, names[0])

	// Which is which: audited with the reason; an inspector may not look.
	if r := inspector.post(d.path("areas", "pseudonyms", "reveal"), url.Values{}); r.Status != http.StatusForbidden {
		t.Fatalf("an inspector looks: %d", r.Status)
	}
	r := lead.post(d.path("areas", "pseudonyms", "reveal"), url.Values{"reason": {"Checking a quote"}})
	synExpect(t, r, http.StatusOK, "Which area is which")
	for n, l := range first {
		if !regexp.MustCompile(regexp.QuoteMeta(l) + `</th>\s*<td class="govuk-table__cell"><a [^>]*>` + regexp.QuoteMeta(html.EscapeString(n)) + `<`).MatchString(r.Body) {
			t.Errorf("the answer does not put %s beside %s", l, n)
		}
	}
	if n := synCount(t, e, `SELECT count(*) FROM audit_log WHERE action = 'review.area_pseudonyms_revealed' AND object_id = $1
		AND after->>'reason' = 'Checking a quote'`, d.reviewID); n != 1 {
		t.Fatalf("%d reveal entries with the reason, want 1", n)
	}

	// Off: names again; on again: the same letters. An area added meanwhile gets the next.
	if r := lead.post(d.path("areas", "pseudonyms"), url.Values{"pseudonyms": {"off"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("off: %d", r.Status)
	}
	if shown, labels := namesIn(d.path("evidence")); len(shown) == 0 || labels > 0 {
		t.Fatalf("with pseudonyms off the evidence base names %v, shows %d labels", shown, labels)
	}
	if r := lead.post(d.path("areas", "pseudonyms"), url.Values{"pseudonyms": {"on"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("on again: %d", r.Status)
	}
	if again := labelsOf(); !mapsEqual(again, first) {
		t.Fatalf("labels changed: %v, were %v", again, first)
	}
	var added string
	if err := e.db.Super.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code)
		SELECT $1, $2, min(ons_code) FROM local_authorities
		WHERE ons_code NOT IN (SELECT ons_code FROM review_areas WHERE review_id = $2)
		RETURNING pseudonym`, tenant, d.reviewID).Scan(&added); err != nil || added != "Area G" {
		t.Fatalf("the area added while pseudonyms are on is %q (%v), want Area G", added, err)
	}
	if r := lead.post(d.path("areas", "pseudonyms"), url.Values{"pseudonyms": {"maybe"}}); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Fatalf("a bad choice: %d", r.Status)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// areaNamesIn lists the area names a page shows outside the notes' own words, and counts its
// pseudonyms.
func areaNamesIn(t *testing.T, c *client, path string, names []string) (shown []string, labels int) {
	t.Helper()
	r := c.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, r.Status)
	}
	body := html.UnescapeString(r.Body)
	body = regexp.MustCompile(`(?s)<blockquote.*?</blockquote>|<p class="govuk-body app-note-excerpt">.*?</p>`).ReplaceAllString(body, "")
	for _, n := range names {
		if strings.Contains(body, ">"+n) || strings.Contains(body, n+", ") || strings.Contains(body, n+"<") {
			shown = append(shown, n)
		}
	}
	return shown, len(pseudonymRE.FindAllString(body, -1))
}

// TestAreaPseudonymsOnAReviewOfAnotherShape: on a review of another tenant with nine areas and a
// framework of its own, pseudonyms hide every name on the internal views and deal nine letters.
func TestAreaPseudonymsOnAReviewOfAnotherShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	m, err := scale.Generate(ctx, e.db.Owner, scale.Options{Tenants: 1, Reviews: 1, Areas: 9, Members: 62, Notes: 450, Findings: 2})
	if err != nil {
		t.Fatal(err)
	}
	lead := e.client()
	if r := lead.post("/sign-in", url.Values{"email": {m.LeadEmail}, "password": {m.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%s", m.LeadEmail, r.Status, r.Body)
	}
	var names []string
	rows, err := e.db.Super.Query(ctx, `SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
		WHERE ra.review_id = $1`, m.ReviewID)
	if err != nil {
		t.Fatal(err)
	}
	names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(names) != 9 {
		t.Fatalf("%d areas (%v), want 9", len(names), err)
	}
	base := "/reviews/" + m.ReviewID
	aa := m.ActionAreaIDs[0]
	internal := []string{base + "/evidence", base + "/coverage", base + "/synthesis/" + aa, base + "/synthesis/" + aa + "/patterns"}
	for _, p := range internal {
		if shown, _ := areaNamesIn(t, lead, p, names); len(shown) == 0 {
			t.Fatalf("%s shows no area name before pseudonyms are on: the check proves nothing", p)
		}
	}
	if r := lead.post(base+"/areas/pseudonyms", url.Values{"pseudonyms": {"on"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("pseudonyms on: %d\n%s", r.Status, r.Body)
	}
	for _, p := range internal {
		shown, labels := areaNamesIn(t, lead, p, names)
		if len(shown) > 0 {
			t.Errorf("%s still names %v with pseudonyms on", p, shown)
		}
		if labels == 0 {
			t.Errorf("%s shows no pseudonym", p)
		}
	}
	rows, err = e.db.Super.Query(ctx, `SELECT pseudonym FROM review_areas WHERE review_id = $1 ORDER BY pseudonym`, m.ReviewID)
	if err != nil {
		t.Fatal(err)
	}
	letters, err := pgx.CollectRows(rows, pgx.RowTo[string])
	want := []string{"Area A", "Area B", "Area C", "Area D", "Area E", "Area F", "Area G", "Area H", "Area I"}
	if err != nil || !slices.Equal(letters, want) {
		t.Fatalf("labels %v (%v), want %v", letters, err, want)
	}
	// The areas page keeps the names.
	if shown, _ := areaNamesIn(t, lead, base+"/areas", names); len(shown) != 9 {
		t.Errorf("the areas page names %d of the 9 areas", len(shown))
	}
}
