package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/finding"
	"thematic/internal/scale"
)

func init() {
	reviewAccessTable["GET /reviews/{reviewID}/synthesis/{actionAreaID}/patterns"] = reviewReadStaff
}

// patternWant is a pattern worked out in the test from the demo's notes, not by the product's SQL.
type patternWant struct {
	label, judgement string
	areas            int
	notes            []string
}

// wantPatterns works out the patterns of an action area from every live note of the review, read
// row by row: a theme or line of enquiry with strength (or development) notes from more than half
// of the visited areas (at least 2), or from one area only by 2 notes or more when 3 or more
// areas were visited.
func wantPatterns(t *testing.T, e *env, reviewID, actionAreaID string, visited map[string]bool) map[string]patternWant {
	t.Helper()
	ctx := context.Background()
	rows, err := e.db.Super.Query(ctx, `SELECT n.id::text, n.area_id::text, n.judgement,
			coalesce((SELECT array_agg('theme|' || t.name) FROM evidence_note_tags nt JOIN evidence_tags t ON t.id = nt.tag_id WHERE nt.note_id = n.id), '{}')
			|| coalesce((SELECT array_agg('line|' || el.question) FROM evidence_note_lines l JOIN enquiry_lines el ON el.id = l.line_id WHERE l.note_id = n.id), '{}')
		FROM evidence_notes n
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
			AND EXISTS (SELECT 1 FROM evidence_note_action_areas x WHERE x.note_id = n.id AND x.action_area_id = $2)`, reviewID, actionAreaID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type acc struct {
		areas map[string]bool
		notes []string
	}
	groups := map[string]*acc{}
	for rows.Next() {
		var id, area, judgement string
		var keys []string
		if err := rows.Scan(&id, &area, &judgement, &keys); err != nil {
			t.Fatal(err)
		}
		if judgement == "neutral" || !visited[area] {
			continue
		}
		for _, k := range keys {
			k += "|" + judgement
			if groups[k] == nil {
				groups[k] = &acc{areas: map[string]bool{}}
			}
			groups[k].areas[area] = true
			groups[k].notes = append(groups[k].notes, id)
		}
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	out := map[string]patternWant{}
	n := len(visited)
	for k, g := range groups {
		a := len(g.areas)
		if a*2 > n && a >= 2 || a == 1 && n >= 3 && len(g.notes) >= 2 {
			parts := strings.Split(k, "|")
			sort.Strings(g.notes)
			out[k] = patternWant{label: parts[1], judgement: parts[2], areas: a, notes: g.notes}
		}
	}
	return out
}

var patternCardRE = regexp.MustCompile(`(?s)<span class="govuk-caption-s">(Theme|Line of enquiry)</span>\s*(.*?)</h3>.*?Recorded as</dt>\s*<dd class="govuk-summary-list__value">(Strength|For development)</dd>.*?Prevalence</dt>\s*<dd class="govuk-summary-list__value">In (\d+) of (\d+) visited`)

// TestPatternsMatchTheCounts: on the demo review, each action area's patterns page lists exactly
// the patterns worked out from the notes one by one, with their areas, and each draft link opens
// the finding form saying how many notes it will link.
func TestPatternsMatchTheCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	total, widespread, one := checkPatterns(t, e, e.signedIn("lead@demo.test"), d.reviewID, 6)
	if total == 0 || widespread == 0 {
		t.Fatalf("the demo shows %d patterns, %d in more than half the areas: the test proves nothing", total, widespread)
	}
	t.Logf("%d patterns, %d in more than half the areas, %d in one area", total, widespread, one)
}

// TestPatternsOnAReviewOfAnotherShape: the same check on a review that shares nothing with the
// demo: another tenant, nine areas and a generated framework, vocabulary and notes.
func TestPatternsOnAReviewOfAnotherShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m, err := scale.Generate(context.Background(), e.db.Owner, scale.Options{Tenants: 1, Reviews: 1, Areas: 9, Members: 62,
		Notes: 900, Findings: 3})
	if err != nil {
		t.Fatal(err)
	}
	lead := e.client()
	if r := lead.post("/sign-in", url.Values{"email": {m.LeadEmail}, "password": {m.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%s", m.LeadEmail, r.Status, r.Body)
	}
	total, widespread, one := checkPatterns(t, e, lead, m.ReviewID, 9)
	if total == 0 || widespread == 0 {
		t.Fatalf("the review shows %d patterns, %d in more than half the areas: the test proves nothing", total, widespread)
	}
	t.Logf("%d patterns, %d in more than half the areas, %d in one area", total, widespread, one)
}

// checkPatterns compares each action area's patterns page of a review, as the lead sees it, with
// the patterns worked out from the notes one by one, and the notes behind each with the
// product's own list. It returns how many patterns there are, how many are in more than half of
// the visited areas, and how many in one.
func checkPatterns(t *testing.T, e *env, lead *client, reviewID string, wantVisited int) (total, widespread, one int) {
	t.Helper()
	ctx := context.Background()
	visited := map[string]bool{}
	rows, err := e.db.Super.Query(ctx, `SELECT DISTINCT v.area_id::text FROM visits v WHERE v.review_id = $1 AND v.start_date <= current_date`, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		visited[a] = true
	}
	rows.Close()
	if len(visited) != wantVisited {
		t.Fatalf("%d visited areas, want %d", len(visited), wantVisited)
	}
	var areas []string
	rows, err = e.db.Super.Query(ctx, `SELECT aa.id::text FROM action_areas aa WHERE aa.review_id = $1`, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		areas = append(areas, a)
	}
	rows.Close()
	var tenant string
	if err := e.db.Super.QueryRow(ctx, `SELECT tenant_id::text FROM reviews WHERE id = $1`, reviewID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	of := strconv.Itoa(wantVisited)
	for _, aa := range areas {
		want := wantPatterns(t, e, reviewID, aa, visited)
		r := lead.get("/reviews/" + reviewID + "/synthesis/" + aa + "/patterns")
		if r.Status != http.StatusOK {
			t.Fatalf("patterns of %s: %d", aa, r.Status)
		}
		got := map[string]int{}
		for _, m := range patternCardRE.FindAllStringSubmatch(r.Body, -1) {
			kind := "theme"
			if m[1] == "Line of enquiry" {
				kind = "line"
			}
			j := "strength"
			if m[3] == "For development" {
				j = "development"
			}
			var n int
			fmt.Sscan(m[4], &n)
			got[kind+"|"+html.UnescapeString(strings.TrimSpace(m[2]))+"|"+j] = n
			if m[5] != of {
				t.Errorf("%s: %s of %s visited areas, want of %s", aa, m[4], m[5], of)
			}
		}
		for k, w := range want {
			if got[k] != w.areas {
				t.Errorf("action area %s: pattern %q in %d areas on the page, want %d", aa, k, got[k], w.areas)
			}
			switch {
			case w.areas*2 > wantVisited:
				widespread++
			case w.areas == 1:
				one++
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("action area %s: pattern %q on the page is not in the counts", aa, k)
			}
		}
		total += len(want)
		// The product's own list agrees on the notes behind each pattern.
		ps, _, err := finding.Patterns(ctx, e.db.Super, tenant, reviewID, aa, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			w := want[p.Kind+"|"+p.Label+"|"+p.Judgement]
			notes := slices.Clone(p.NoteIDs)
			sort.Strings(notes)
			if !slices.Equal(notes, w.notes) {
				t.Errorf("pattern %s|%s|%s: notes %v, want %v", p.Kind, p.Label, p.Judgement, notes, w.notes)
			}
		}
	}
	return total, widespread, one
}

// TestFindingDraftedFromAPattern: the lead drafts a finding from a pattern; saving it (twice, a
// double submit) makes one finding linked to exactly the pattern's notes as supporting evidence,
// audited once; an empty finding is refused with the pattern kept; an unknown pattern is not found;
// an inspector cannot draft.
func TestFindingDraftedFromAPattern(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := newSynDemo(t, e)
	ctx := context.Background()
	var tenant string
	if err := e.db.Super.QueryRow(ctx, `SELECT tenant_id::text FROM reviews WHERE id = $1`, d.reviewID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	ps, _, err := finding.Patterns(ctx, e.db.Super, tenant, d.reviewID, d.actionAreaID, "")
	if err != nil || len(ps) == 0 {
		t.Fatalf("no pattern in the demo's best-covered action area (%v)", err)
	}
	p := ps[0]
	lead := e.signedIn("lead@demo.test")
	synExpect(t, lead.get(d.path("synthesis", d.actionAreaID)), http.StatusOK, "Patterns in the evidence")
	list := lead.get(d.path("synthesis", d.actionAreaID, "patterns"))
	draft := "findings/new?pattern=" + url.QueryEscape(p.Key())
	synExpect(t, list, http.StatusOK, "Patterns in the evidence", "Draft a finding from these notes")
	if !strings.Contains(html.UnescapeString(list.Body), draft) {
		t.Fatalf("the patterns page has no link to %s", draft)
	}
	form := lead.get(d.path("synthesis", d.actionAreaID, draft))
	synExpect(t, form, http.StatusOK, "Drafted from a pattern in the evidence", "‘"+p.Label+"’",
		fmt.Sprintf("Saving links the finding to the %d notes behind it", len(p.NoteIDs)))
	key := synKeyRE.FindStringSubmatch(form.Body)[1]
	if strings.Contains(form.Body, `name="body" rows="8" aria-describedby="body-hint">`+p.Label) {
		t.Fatal("the form writes the finding for the lead")
	}

	// Empty: refused, the pattern kept.
	r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), url.Values{"idempotency_key": {key}, "body": {""}, "style": {"word"}, "pattern": {p.Key()}})
	synExpect(t, r, http.StatusUnprocessableEntity, "Enter the finding", "Drafted from a pattern in the evidence")
	if !strings.Contains(r.Body, `name="pattern" value="`+p.Key()+`"`) {
		t.Fatal("the refused form lost its pattern")
	}

	in := url.Values{"idempotency_key": {key}, "body": {"Families described the help as timely."}, "style": {"word"}, "pattern": {p.Key()}}
	for i := 0; i < 2; i++ {
		if r := lead.post(d.path("synthesis", d.actionAreaID, "findings"), in); r.Status != http.StatusSeeOther {
			t.Fatalf("create %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	var id string
	if err := e.db.Super.QueryRow(ctx, `SELECT id::text FROM findings WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var linked []string
	if err := e.db.Super.QueryRow(ctx, `SELECT coalesce(array_agg(note_id::text ORDER BY note_id::text), '{}') FROM finding_notes
		WHERE finding_id = $1 AND stance = 'supports'`, id).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(p.NoteIDs)
	sort.Strings(want)
	if !slices.Equal(linked, want) {
		t.Fatalf("linked notes %v, want the pattern's %v", linked, want)
	}
	if n := synAudit(t, e, "finding.notes_linked", id); n != 1 {
		t.Fatalf("%d finding.notes_linked entries, want 1", n)
	}
	if n := synAudit(t, e, "finding.created", id); n != 1 {
		t.Fatalf("%d finding.created entries, want 1", n)
	}
	synExpect(t, lead.get(d.path("findings", id)), http.StatusOK, fmt.Sprintf("%d of 6 areas", p.Areas))
	// The pattern now shows the finding its notes support.
	synExpect(t, lead.get(d.path("synthesis", d.actionAreaID, "patterns")), http.StatusOK, "Some support finding")

	if r := lead.get(d.path("synthesis", d.actionAreaID, "findings/new?pattern=theme:"+d.reviewID+":strength")); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, "no longer in the evidence") {
		t.Fatalf("an unknown pattern: %d", r.Status)
	}
	if r := lead.get(d.path("synthesis", d.actionAreaID, "findings/new?pattern=nonsense")); r.Status != http.StatusNotFound {
		t.Fatalf("a malformed pattern: %d, want 404", r.Status)
	}
	inspector := e.signedIn("inspector@demo.test")
	synExpect(t, inspector.get(d.path("synthesis", d.actionAreaID, "patterns")), http.StatusOK, "Patterns in the evidence")
	if strings.Contains(inspector.get(d.path("synthesis", d.actionAreaID, "patterns")).Body, "Draft a finding") {
		t.Fatal("an inspector is offered to draft a finding")
	}
}
