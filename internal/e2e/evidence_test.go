package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// Browser journeys through the evidence base of the demo review ("Start for Life", 150 notes):
// filtering with the no-JavaScript form, shareable filter URLs, keyset pages, ranked full-text
// search with highlights, the CSV export of the filtered set, and the conflict page of two people
// changing one note at once. axe checks every page visited.

// evDemoReview returns the demo review's id.
func evDemoReview(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var id string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// evEval runs a script that returns a JSON string and decodes it into dst.
func (b *B) evEval(js string, dst any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		b.t.Fatalf("script: %v", err)
	}
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		b.t.Fatalf("script result %q: %v", raw, err)
	}
}

// evCheckLabel ticks the checkbox whose label reads text.
func (b *B) evCheckLabel(text string) {
	b.t.Helper()
	var id string
	b.evEval(fmt.Sprintf(`JSON.stringify((Array.from(document.querySelectorAll('label')).find(l => l.textContent.trim() === %q) || {}).htmlFor || '')`, text), &id)
	if id == "" {
		b.t.Fatalf("no checkbox labelled %q", text)
	}
	b.Check(id)
}

// evSelect chooses the option of a select (by id) whose text is text.
func (b *B) evSelect(id, text string) {
	b.t.Helper()
	var ok bool
	b.evEval(fmt.Sprintf(`JSON.stringify((() => {
		const s = document.getElementById(%q)
		const o = s && Array.from(s.options).find(o => o.text.trim() === %q)
		if (!o) return false
		s.value = o.value
		s.dispatchEvent(new Event('change', {bubbles: true}))
		return true
	})())`, id, text), &ok)
	if !ok {
		b.t.Fatalf("no option %q in #%s", text, id)
	}
}

var evNoteHref = regexp.MustCompile(`/notes/([0-9a-f-]{36})$`)

// evListed is the ids of the notes listed on the page, in order.
func (b *B) evListed() []string {
	b.t.Helper()
	var hrefs []string
	b.evEval(`JSON.stringify(Array.from(document.querySelectorAll('.govuk-summary-card__title a')).map(a => a.getAttribute('href')))`, &hrefs)
	var ids []string
	for _, h := range hrefs {
		m := evNoteHref.FindStringSubmatch(h)
		if m == nil {
			b.t.Fatalf("note link %q", h)
		}
		ids = append(ids, m[1])
	}
	return ids
}

// evFetch fetches a same-origin URL with the browser's cookies and returns status and body.
func (b *B) evFetch(href string) (int, string) {
	b.t.Helper()
	var r struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	b.evEval(fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(async r => JSON.stringify({status: r.status, body: await r.text()}))`, href), &r)
	return r.Status, r.Body
}

// evHref is the href of the link whose text is text.
func (b *B) evHref(text string) string {
	b.t.Helper()
	var href string
	b.evEval(fmt.Sprintf(`JSON.stringify((Array.from(document.querySelectorAll('a')).find(a => a.textContent.trim() === %q) || {}).href || '')`, text), &href)
	if href == "" {
		b.t.Fatalf("no link %q on %s", text, b.Path())
	}
	return href
}

// evIDs runs a query returning note ids (as text).
func evIDs(t *testing.T, env *testenv.Env, sql string, args ...any) []string {
	t.Helper()
	rows, err := env.DB.Super.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func evCount(n int) string {
	if n == 1 {
		return "Showing 1 note."
	}
	return fmt.Sprintf("Showing %d notes.", n)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestJourneyEvidenceFilterShareAndPage filters the evidence base through the plain GET form,
// compares what is listed with the database, shares the URL with a fresh browser, downloads the
// filtered CSV, pages through a larger filtered set without seeing a note twice, and clears the
// filters.
func TestJourneyEvidenceFilterShareAndPage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := evDemoReview(t, env)
	base := "/reviews/" + reviewID + "/evidence"
	ctx := context.Background()

	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base)
	b.Expect("Evidence base")
	b.Expect("Showing 50 notes. More notes on the next page.")

	// Three areas, an action area, a judgement, a source and a date range.
	for _, area := range []string{"Northumberland", "Sunderland", "County Durham"} {
		b.evCheckLabel(area)
	}
	b.evSelect("action-area", "A welcoming hub for families")
	b.evSelect("judgement", "Strength")
	b.evSelect("source", "Observation of an activity")
	b.Fill("from-day", "9")
	b.Fill("from-month", "8")
	b.Fill("from-year", "2023")
	b.Fill("to-day", "16")
	b.Fill("to-month", "8")
	b.Fill("to-year", "2023")
	b.Submit("form[method=get] button[type=submit]")

	want := evIDs(t, env, `SELECT n.id::text FROM evidence_notes n
		JOIN review_areas ra ON ra.id = n.area_id
		JOIN evidence_sources s ON s.id = n.source_id
		WHERE n.review_id = $1 AND n.deleted_at IS NULL AND NOT n.safeguarding
		AND ra.ons_code IN ('E06000057', 'E08000024', 'E06000047')
		AND EXISTS (SELECT 1 FROM evidence_note_action_areas x JOIN action_areas aa ON aa.id = x.action_area_id
			WHERE x.note_id = n.id AND aa.title = 'A welcoming hub for families')
		AND n.judgement = 'strength' AND s.name = 'Observation of an activity'
		AND n.note_date BETWEEN '2023-08-09' AND '2023-08-16'
		ORDER BY n.created_at DESC, n.id DESC`, reviewID)
	if len(want) == 0 || len(want) >= 50 {
		t.Fatalf("the filter should match a few demo notes; it matches %d", len(want))
	}
	b.Expect(evCount(len(want)))
	if got := b.evListed(); !slices.Equal(got, want) {
		t.Fatalf("filtered list:\n got %v\nwant %v", got, want)
	}
	// Every filter is in the URL.
	shared := b.Path()
	for _, part := range []string{"area=", "action-area=", "judgement=strength", "source=", "from-day=9", "from-month=8",
		"from-year=2023", "to-day=16", "to-month=8", "to-year=2023"} {
		if !strings.Contains(shared, part) {
			t.Errorf("the URL %s does not carry %s", shared, part)
		}
	}
	if strings.Count(shared, "area=") < 3+1 { // three areas plus action-area=
		t.Errorf("the URL %s does not carry the three areas", shared)
	}

	// The CSV link exports the same filtered set.
	status, body := b.evFetch(b.evHref("Download these notes as CSV"))
	if status != 200 {
		t.Fatalf("CSV: status %d\n%s", status, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	if len(recs) != len(want)+1 {
		t.Fatalf("CSV has %d rows, want %d and a header", len(recs)-1, len(want))
	}
	var bodies []string
	if err := env.DB.Super.QueryRow(ctx, `SELECT array_agg(body ORDER BY created_at DESC, id DESC) FROM evidence_notes WHERE id = ANY($1::uuid[])`,
		want).Scan(&bodies); err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs[1:] {
		if rec[1] != "Northumberland" && rec[1] != "Sunderland" && rec[1] != "County Durham" {
			t.Errorf("CSV row %d: area %q", i+1, rec[1])
		}
		if rec[3] != "Observation of an activity" || rec[6] != "Strength" || !strings.Contains(rec[9], "A welcoming hub for families") {
			t.Errorf("CSV row %d does not match the filter: %v", i+1, rec)
		}
		if rec[len(rec)-1] != bodies[i] {
			t.Errorf("CSV row %d text %q, want %q", i+1, rec[len(rec)-1], bodies[i])
		}
	}

	// The URL opened in a fresh browser (another person's cookies) shows the same notes and
	// the form filled in the same way.
	b2 := newB(t, env)
	b2.signIn("inspector@demo.test", demo.Password)
	b2.Visit(shared)
	b2.Expect(evCount(len(want)))
	if got := b2.evListed(); !slices.Equal(got, want) {
		t.Fatalf("shared URL lists\n got %v\nwant %v", got, want)
	}
	if v, _ := b2.value("from-day"); v != "9" {
		t.Errorf("shared URL: from-day is %q", v)
	}
	if v, _ := b2.value("to-day"); v != "16" {
		t.Errorf("shared URL: to-day is %q", v)
	}
	var sel string
	b2.evEval(`JSON.stringify(document.getElementById('judgement').selectedOptions[0].text)`, &sel)
	if sel != "Strength" {
		t.Errorf("shared URL: judgement shows %q", sel)
	}
	// Revisited in the first tab: same again.
	b.Visit(shared)
	if got := b.evListed(); !slices.Equal(got, want) {
		t.Fatalf("revisited URL lists %v", got)
	}

	b.ClickLink("Clear filters")
	if p := b.Path(); p != base {
		t.Errorf("clear filters went to %s", p)
	}
	b.Expect("Showing 50 notes. More notes on the next page.")
	var j string
	b.evEval(`JSON.stringify(document.getElementById('action-area').value + document.getElementById('judgement').value + document.getElementById('from-day').value)`, &j)
	if j != "" {
		t.Errorf("cleared form still has %q", j)
	}
}

// TestJourneyEvidencePages filters on strengths (more than a page of the demo notes) and follows
// "Next page" to the end: every strength once, no note twice, the filter kept on every page.
func TestJourneyEvidencePages(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := evDemoReview(t, env)
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + reviewID + "/evidence")
	b.evSelect("judgement", "Strength")
	b.Submit("form[method=get] button[type=submit]")
	strengths := evIDs(t, env, `SELECT id::text FROM evidence_notes WHERE review_id = $1 AND judgement = 'strength'
		AND deleted_at IS NULL AND NOT safeguarding`, reviewID)
	if len(strengths) <= 50 {
		t.Fatalf("want more than a page of strengths, have %d", len(strengths))
	}
	// A note's link names its area, date and source, with spaces between them for screen readers.
	var linkText string
	b.evEval(`JSON.stringify(document.querySelector('.govuk-summary-card__title a').textContent)`, &linkText)
	if !regexp.MustCompile(`^[A-Za-z ,]+, \d{1,2} August 2023 – [A-Z]`).MatchString(linkText) {
		t.Errorf("note link reads %q", linkText)
	}
	seen := map[string]bool{}
	var all []string
	for page := 1; ; page++ {
		ids := b.evListed()
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("page %d shows note %s again", page, id)
			}
			seen[id] = true
		}
		all = append(all, ids...)
		if !strings.Contains(b.Path(), "judgement=strength") {
			t.Fatalf("page %d lost the filter: %s", page, b.Path())
		}
		if !b.Has(`a[rel=next]`) {
			b.Expect(evCount(len(ids)))
			break
		}
		if len(ids) != 50 {
			t.Fatalf("page %d has %d notes and a next page", page, len(ids))
		}
		if page > 5 {
			t.Fatal("too many pages")
		}
		b.ClickLink("Next page of notes")
	}
	if !slices.Equal(sortedCopy(all), sortedCopy(strengths)) {
		t.Fatalf("the pages list %d notes, the database has %d strengths", len(all), len(strengths))
	}
}

// TestJourneyEvidenceSearch searches the demo notes for "visit": notes that say "visits" or
// "visiting" match (English stemming), in the order of their rank, with the matches in <mark>; a
// search that finds nothing says so and how to widen it.
func TestJourneyEvidenceSearch(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := evDemoReview(t, env)
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + reviewID + "/evidence")
	b.Fill("q", "visit")
	b.Submit("form[method=get] button[type=submit]")
	if !strings.Contains(b.Path(), "q=visit") {
		t.Errorf("the search is not in the URL: %s", b.Path())
	}
	want := evIDs(t, env, `SELECT id::text FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding
		AND search @@ websearch_to_tsquery('english', 'visit')
		ORDER BY ts_rank(search, websearch_to_tsquery('english', 'visit')) DESC, id DESC`, reviewID)
	if len(want) < 2 {
		t.Fatalf("want several demo notes about visits, have %d", len(want))
	}
	b.Expect(evCount(len(want)))
	if got := b.evListed(); !slices.Equal(got, want) {
		t.Fatalf("search results not in rank order:\n got %v\nwant %v", got, want)
	}
	var marks []string
	b.evEval(`JSON.stringify(Array.from(document.querySelectorAll('.govuk-summary-card mark')).map(m => m.textContent))`, &marks)
	if len(marks) < len(want) {
		t.Fatalf("%d highlights for %d results", len(marks), len(want))
	}
	stemmed := false
	for _, m := range marks {
		w := strings.ToLower(m)
		if !strings.HasPrefix(w, "visit") || w == "visitor" || w == "visitors" {
			t.Errorf("highlighted %q for a search of visit", m)
		}
		if w != "visit" {
			stemmed = true
		}
	}
	if !stemmed {
		t.Errorf("no stemmed match (visits, visiting) among %v", marks)
	}
	// "health visitor" is another word: a note that only mentions visitors is not a match.
	var visitorOnly int
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT count(*) FROM evidence_notes WHERE review_id = $1
		AND body ~* 'visitor' AND body !~* 'visit(s|ing|ed)?\M'`, reviewID).Scan(&visitorOnly); err != nil {
		t.Fatal(err)
	}
	if visitorOnly == 0 {
		t.Fatal("the demo data should have notes about health visitors only")
	}

	b.Fill("q", "xylophone")
	b.Submit("form[method=get] button[type=submit]")
	b.Expect("Showing 0 notes.")
	b.Expect("No notes match")
	b.Expect("xylophone")
	if b.Has(".govuk-summary-card") {
		t.Error("a search for nothing lists notes")
	}
}

// TestJourneyEvidenceConflict has the lead and an inspector open the same note's form in two
// browsers. The lead saves first; the inspector's save is refused with both versions shown; the
// inspector merges (the lead's text plus their own addition) and saves. The note keeps both
// changes and its history names both people.
func TestJourneyEvidenceConflict(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	reviewID := evDemoReview(t, env)
	ctx := context.Background()
	var noteID, original string
	if err := env.DB.Super.QueryRow(ctx, `SELECT n.id, n.body FROM evidence_notes n JOIN users u ON u.id = n.author_id
		WHERE n.review_id = $1 AND u.email = 'inspector@demo.test' ORDER BY n.created_at LIMIT 1`, reviewID).Scan(&noteID, &original); err != nil {
		t.Fatal(err)
	}
	note := "/reviews/" + reviewID + "/notes/" + noteID

	lead := newB(t, env)
	lead.signIn("lead@demo.test", demo.Password)
	ira := newB(t, env)
	ira.signIn("inspector@demo.test", demo.Password)
	lead.Visit(note + "/edit")
	ira.Visit(note + "/edit")
	lead.Expect("Change the note")
	ira.Expect("Change the note")

	leadText := original + "\nThe hub manager later confirmed the sessions run weekly."
	lead.Fill("body", leadText)
	lead.Submit("button[value=save]")
	lead.Expect("Note saved")
	lead.Expect("The hub manager later confirmed the sessions run weekly.")

	iraAddition := "Attendance figures were shown on the hub noticeboard."
	ira.Fill("body", original+"\n"+iraAddition)
	ira.Check("judgement-2") // area for development
	ira.Submit("button[value=save]")
	ira.Expect("Someone else changed this note since you opened it")
	ira.Expect("Your version")
	ira.Expect("Current version")
	ira.Expect("The hub manager later confirmed the sessions run weekly.") // theirs (current)
	ira.Expect(iraAddition)                                                // mine
	var body string
	if err := env.DB.Super.QueryRow(ctx, `SELECT body FROM evidence_notes WHERE id = $1`, noteID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != leadText {
		t.Fatalf("the stale save changed the note:\n%s", body)
	}

	// Merge: the current text with the inspector's addition.
	ira.Fill("body", leadText+"\n"+iraAddition)
	ira.Submit("button[value=save]")
	ira.Expect("Note saved")
	ira.Expect("The hub manager later confirmed the sessions run weekly.")
	ira.Expect(iraAddition)
	ira.Expect("Changed by Lee Lead")
	ira.Expect("Changed by Ira Inspector")

	if err := env.DB.Super.QueryRow(ctx, `SELECT body FROM evidence_notes WHERE id = $1`, noteID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != leadText+"\n"+iraAddition {
		t.Fatalf("merged note:\n%s", body)
	}
	var who []string
	if err := env.DB.Super.QueryRow(ctx, `SELECT array_agg(u.email ORDER BY a.id) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action = 'evidence.updated' AND a.object_id = $1`, noteID).Scan(&who); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(who, []string{"lead@demo.test", "inspector@demo.test"}) {
		t.Fatalf("updates recorded by %v", who)
	}
	// The lead sees the merged note and both changes too.
	lead.Visit(note)
	lead.Expect(iraAddition)
	lead.Expect("Changed by Ira Inspector")
}
