package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func init() {
	reviewAccessTable["GET /reviews/{reviewID}/coverage"] = reviewReadStaff
	reviewAccessTable["POST /reviews/{reviewID}/coverage/threshold"] = reviewLeadWrite
}

// demoReviewID is the demo tenant's Start for Life review, with its 150 notes.
func demoReviewID(t *testing.T, e *env) string {
	t.Helper()
	var id string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT r.id FROM reviews r JOIN tenants t ON t.id = r.tenant_id
		WHERE t.slug = 'demo-inspectorate' AND r.title LIKE '%Start for Life%' ORDER BY r.created_at LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

var (
	evidenceLinkRE = regexp.MustCompile(`href="(/reviews/[^"]+/evidence\?[^"]+)">(\d+)( [a-z ]+)?</a>`)
	showingRE      = regexp.MustCompile(`Showing (\d+) notes?`)
)

func TestCoveragePageShowsDemoCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	review := demoReviewID(t, e)
	ctx := context.Background()
	for _, who := range []string{"lead@demo.test", "inspector@demo.test", "observer@demo.test"} {
		c := e.signedIn(who)
		r := c.get("/reviews/" + review + "/coverage")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", who, r.Status, r.Body)
		}
		// Three views, one table each: action areas (the default), lines of enquiry and themes.
		views := map[string][]string{
			"": {"<h1 class=\"govuk-heading-l\">Coverage of the evidence</h1>", "Northumberland", "Isle of Wight",
				"Seamless support for families", "Leadership for change", `role="img"`,
				"aria-labelledby=\"chart-action-areas-title chart-action-areas-desc\"", "accessible alternative to this chart",
				"Notes by area and action area", `aria-current="page">Action areas`},
			"?by=lines":  {"Notes by area and line of enquiry", "chart-lines-title", `aria-current="page">Lines of enquiry`},
			"?by=themes": {"Themes by number of notes", `aria-current="page">Themes`},
		}
		for q, wants := range views {
			body := r.Body
			if q != "" {
				body = c.get("/reviews/" + review + "/coverage" + q).Body
			}
			for _, want := range wants {
				if !strings.Contains(body, want) {
					t.Errorf("%s: coverage%s lacks %q", who, q, want)
				}
			}
		}
		if strings.Contains(r.Body, "Notes by area and line of enquiry") || strings.Contains(r.Body, "Themes by number of notes") {
			t.Errorf("%s: the action areas view should show one table", who)
		}
		if strings.Contains(r.Body, "Save threshold") != (who == "lead@demo.test") {
			t.Errorf("%s: threshold form shown to the wrong people", who)
		}
	}

	// Every visible note is counted once in the grand total.
	var visible int
	if err := e.db.Super.QueryRow(ctx, `SELECT count(*) FROM evidence_notes WHERE review_id = $1 AND deleted_at IS NULL AND NOT safeguarding`,
		review).Scan(&visible); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("lead@demo.test")
	page := c.get("/reviews/" + review + "/coverage").Body
	if !strings.Contains(page, ">"+strconv.Itoa(visible)+" notes</a>") {
		t.Errorf("grand total of %d notes not shown", visible)
	}
	page += c.get("/reviews/" + review + "/coverage?by=lines").Body
	page += c.get("/reviews/" + review + "/coverage?by=themes").Body
	// Counts link to the evidence base filtered to exactly the notes counted: try a sample of
	// cells, totals and themes.
	links := evidenceLinkRE.FindAllStringSubmatch(page, -1)
	if len(links) < 100 {
		t.Fatalf("only %d count links on the page", len(links))
	}
	kinds := map[string]bool{}
	for i, m := range links {
		u, _ := url.Parse(html.UnescapeString(m[1]))
		q := u.Query()
		kind := strings.Join(sortedKeys(q), "+")
		if kinds[kind] && i%17 != 0 {
			continue
		}
		kinds[kind] = true
		q.Set("limit", "200")
		list := c.get(u.Path + "?" + q.Encode())
		got := showingRE.FindStringSubmatch(list.Body)
		if list.Status != http.StatusOK || got == nil || got[1] != m[2] {
			t.Errorf("%s shows %v notes, the coverage page counted %s", u.RequestURI(), got, m[2])
		}
	}
	for _, k := range []string{"action-area+area", "action-area+area+judgement", "area", "action-area", "area+line", "tag", "judgement+tag"} {
		if !kinds[k] {
			t.Errorf("no count link filtered on %s; kinds %v", k, kinds)
		}
	}
	// At the default threshold of 3, the demo review has thin cells, marked in words.
	if !strings.Contains(page, `<strong class="govuk-tag govuk-tag--yellow">Thin</strong>`) {
		t.Error("no thin cell marked")
	}
}

func sortedKeys(q url.Values) []string {
	var ks []string
	for k := range q {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func TestCoverageThreshold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	review := demoReviewID(t, e)
	path := "/reviews/" + review + "/coverage"
	lead := e.signedIn("lead@demo.test")

	// Bad values keep what was typed, with a message next to the field, and change nothing.
	for _, bad := range []string{"lots", "1001", "-2", ""} {
		r := lead.post(path+"/threshold", url.Values{"threshold": {bad}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("threshold %q: status %d", bad, r.Status)
		}
		if !strings.Contains(r.Body, `id="threshold-error"`) || !strings.Contains(r.Body, `value="`+bad+`"`) ||
			!strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, "<title>Error:") {
			t.Errorf("threshold %q: no field message or typed value kept\n%s", bad, r.Body)
		}
	}
	if n := e.auditCount("coverage.threshold_changed"); n != 0 {
		t.Errorf("%d audit entries after refused values", n)
	}

	// At 1000 every cell is thin; at 0 none is .
	r := lead.post(path+"/threshold", url.Values{"threshold": {"1000"}})
	if r.Status != http.StatusSeeOther || r.Location != path {
		t.Fatalf("set threshold: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	page := lead.get(path).Body
	if !strings.Contains(page, "Threshold for thin cells set to 1000") || !strings.Contains(page, "36 of 36 cells are thin") {
		t.Errorf("threshold 1000 not applied")
	}
	lead.post(path+"/threshold", url.Values{"threshold": {"0"}})
	page = lead.get(path).Body
	if strings.Contains(page, `>Thin</strong>`) || !strings.Contains(page, "0 of 36 cells are thin") || !strings.Contains(page, `value="0"`) {
		t.Errorf("threshold 0 not applied")
	}
	if n := e.auditCount("coverage.threshold_changed"); n != 2 {
		t.Errorf("%d audit entries, want 2", n)
	}

	// Inspectors and observers read but cannot set it.
	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		if r := e.signedIn(who).post(path+"/threshold", url.Values{"threshold": {"5"}}); r.Status != http.StatusForbidden {
			t.Errorf("%s set the threshold: %d", who, r.Status)
		}
	}
	// Contacts and people outside the review never see coverage (another tenant: TestReviewAccessMatrix).
	for who, want := range map[string]int{"la.contact@demo.test": http.StatusForbidden, "admin@demo.test": http.StatusNotFound} {
		c := e.signedIn(who)
		if r := c.get(path); r.Status != want {
			t.Errorf("%s GET coverage: %d, want %d", who, r.Status, want)
		}
		if r := c.post(path+"/threshold", url.Values{"threshold": {"5"}}); r.Status != want {
			t.Errorf("%s POST threshold: %d, want %d", who, r.Status, want)
		}
	}
	var stored int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT coverage_threshold FROM reviews WHERE id = $1`, review).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("stored threshold %d (%v), want 0", stored, err)
	}
}
