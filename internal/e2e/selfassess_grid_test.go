package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/area"
	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// gridWant is what the demo seeded for the lead's grid, read back from the database (the demo's
// answers are its own data, stored through the domain stores): element titles in order, each
// area's status, and the submitted areas' ratings and commentary.
type gridWant struct {
	elements  []string
	submitted []string            // area names
	late      []string            // area names: deadline passed, not submitted
	labels    map[string][]string // area name → level label per element ("" unrated)
	comments  map[string][]string // area name → commentary per element
}

func gridExpected(t *testing.T, env *testenv.Env, reviewID string) gridWant {
	t.Helper()
	ctx := context.Background()
	w := gridWant{labels: map[string][]string{}, comments: map[string][]string{}}
	rows, err := env.DB.Super.Query(ctx, `SELECT title FROM sa_elements WHERE review_id = $1 ORDER BY position`, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		w.elements = append(w.elements, s)
	}
	rows.Close()
	rows, err = env.DB.Super.Query(ctx, `SELECT la.name, coalesce(s.status, ''),
			coalesce(d.due < current_date, false) AND coalesce(s.status, '') <> 'submitted',
			coalesce((SELECT array_agg(coalesce(l.label, '') ORDER BY e.position) FROM sa_elements e
				LEFT JOIN sa_responses r ON r.element_id = e.id AND r.area_id = ra.id
				LEFT JOIN sa_levels l ON l.id = r.level_id WHERE e.review_id = ra.review_id), '{}'),
			coalesce((SELECT array_agg(coalesce(r.commentary, '') ORDER BY e.position) FROM sa_elements e
				LEFT JOIN sa_responses r ON r.element_id = e.id AND r.area_id = ra.id WHERE e.review_id = ra.review_id), '{}')
		FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
		LEFT JOIN sa_submissions s ON s.area_id = ra.id LEFT JOIN sa_deadlines d ON d.area_id = ra.id
		WHERE ra.review_id = $1`, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, status string
		var late bool
		var labels, comments []string
		if err := rows.Scan(&name, &status, &late, &labels, &comments); err != nil {
			t.Fatal(err)
		}
		name = area.DisplayName(name)
		if status == "submitted" {
			w.submitted = append(w.submitted, name)
			w.labels[name], w.comments[name] = labels, comments
		}
		if late {
			w.late = append(w.late, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(w.submitted)
	slices.Sort(w.late)
	return w
}

// onsName is a local authority's display name by ONS code.
func onsName(t *testing.T, env *testenv.Env, ons string) string {
	t.Helper()
	var name string
	if err := env.DB.Super.QueryRow(context.Background(), `SELECT name FROM local_authorities WHERE ons_code = $1`, ons).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return area.DisplayName(name)
}

// gridRow is one row of the ratings grid as the page shows it: the area's name, whether it is
// marked late, and each cell's text without its (closed) commentary.
type gridRow struct {
	Area  string   `json:"area"`
	Late  bool     `json:"late"`
	Cells []string `json:"cells"`
}

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ", ") {
		if n = strings.TrimSpace(n); n != "" && n != "None" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TestLeadSelfAssessGrid: the lead opens the demo review, sees that the Isle of Wight is late,
// follows the warning to the self-assessments, reads the element × area grid of the ratings the
// areas submitted (as the demo seeded them), opens an area's commentary on demand, and sees who
// has submitted and who is late; axe checks every page and the opened commentary.
func TestLeadSelfAssessGrid(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	review := evDemoReview(t, env)
	want := gridExpected(t, env, review)
	lateName := onsName(t, env, demo.LateArea)
	if !slices.Equal(want.late, []string{lateName}) || len(want.submitted) < 2 || len(want.elements) < 4 {
		t.Fatalf("demo data: late %v (want [%s]), submitted %v, elements %v", want.late, lateName, want.submitted, want.elements)
	}
	notStarted := onsName(t, env, demo.NotStartedArea)

	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/")
	if !b.Has("#late-self-assessments") {
		t.Fatalf("the review page does not highlight late self-assessments:\n%s", b.Body())
	}
	warning := "1 area is late with its self-assessment"
	if got := strings.TrimSpace(b.Text("#late-self-assessments a")); got != warning {
		t.Errorf("late highlight %q, want %q", got, warning)
	}
	b.ClickLink(warning)
	if p := b.Path(); p != "/reviews/"+review+"/self-assessment" {
		t.Fatalf("the highlight led to %s", p)
	}
	b.Expect("Self-assessments")
	b.Expect("Ratings by area")

	// The grid: elements as columns, areas as rows, the submitted ratings in each cell.
	var heads []string
	b.evEval(`JSON.stringify(Array.from(document.querySelectorAll('#ratings-grid thead th')).slice(1).map(th => th.textContent.trim()))`, &heads)
	if !slices.Equal(heads, want.elements) {
		t.Errorf("grid columns %v, want the elements %v", heads, want.elements)
	}
	var grid []gridRow
	b.evEval(`JSON.stringify(Array.from(document.querySelectorAll('#ratings-grid tbody tr')).map(tr => {
		const th = tr.querySelector('th').cloneNode(true)
		const late = !!th.querySelector('.govuk-tag--red')
		th.querySelectorAll('.govuk-tag').forEach(e => e.remove())
		return {area: th.textContent.trim(), late, cells: Array.from(tr.querySelectorAll('td')).map(td => {
			const c = td.cloneNode(true)
			c.querySelectorAll('details').forEach(d => d.remove())
			return c.textContent.trim()
		})}
	}))`, &grid)
	seen := map[string]bool{}
	for _, r := range grid {
		seen[r.Area] = true
		if r.Late != (r.Area == lateName) {
			t.Errorf("grid row %s marked late %v", r.Area, r.Late)
		}
		labels, ok := want.labels[r.Area]
		for i, c := range r.Cells {
			wantCell := "Not submitted"
			if ok {
				if wantCell = labels[i]; wantCell == "" {
					wantCell = "Not rated"
				}
			}
			if c != wantCell {
				t.Errorf("grid %s × %s: %q, want %q", r.Area, want.elements[min(i, len(want.elements)-1)], c, wantCell)
			}
		}
		if len(r.Cells) != len(want.elements) {
			t.Errorf("grid row %s has %d cells, want %d", r.Area, len(r.Cells), len(want.elements))
		}
	}
	for _, n := range append(slices.Clone(want.submitted), lateName, notStarted) {
		if !seen[n] {
			t.Errorf("the grid has no row for %s: %+v", n, grid)
		}
	}

	// Commentary on demand: closed at first, its text shown once opened.
	who, what := want.submitted[0], want.elements[2]
	comment := want.comments[who][2]
	if comment == "" {
		t.Fatalf("demo: %s has no commentary on %s", who, what)
	}
	if strings.Contains(b.Body(), comment) {
		t.Errorf("the commentary of %s on %s shows before it is asked for", who, what)
	}
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//table[@id="ratings-grid"]//summary[contains(normalize-space(.), %q)]`,
		"of "+who+" on "+what))))
	b.waitJS(fmt.Sprintf(`document.body.innerText.includes(%q)`, comment), "the commentary to open")
	b.Axe()
	b.Expect(comment)
	var open int
	b.evEval(`JSON.stringify(document.querySelectorAll('#ratings-grid details[open]').length)`, &open)
	if open != 1 {
		t.Errorf("%d commentaries open, want 1", open)
	}

	// Who has submitted, who is late.
	var progress map[string]string
	b.evEval(`JSON.stringify(Object.fromEntries(Array.from(document.querySelectorAll('.govuk-summary-list__row')).map(r =>
		[r.querySelector('dt').textContent.replace(/\s+/g, ' ').trim(), r.querySelector('dd').textContent.replace(/\s+/g, ' ').trim()])))`, &progress)
	sub := "Submitted (" + strconv.Itoa(len(want.submitted)) + ")"
	if got := splitNames(progress[sub]); !slices.Equal(got, want.submitted) {
		t.Errorf("%s: %v, want %v (progress %v)", sub, got, want.submitted, progress)
	}
	if got := splitNames(progress["Late (1)"]); !slices.Equal(got, []string{lateName}) {
		t.Errorf("Late (1): %v, want [%s] (progress %v)", got, lateName, progress)
	}
	var lateRows []string
	b.evEval(`JSON.stringify(Array.from(document.querySelectorAll('table:not(#ratings-grid) tbody tr')).filter(tr => tr.querySelector('.govuk-tag--red')).map(tr => tr.querySelector('th').textContent.trim()))`, &lateRows)
	if !slices.Equal(lateRows, []string{lateName}) {
		t.Errorf("areas tagged late in the areas table: %v, want [%s]", lateRows, lateName)
	}
}
