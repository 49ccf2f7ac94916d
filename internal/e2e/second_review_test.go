package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// The second review shares nothing with Start for Life: a joint inspection by four inspectorates
// of how local partners keep young people safe from serious violence, in five areas, with a
// framework, lists, teams and evidence of its own. TestJourneySecondReview builds it through the
// pages, from a blank review to a published report, and reads the report back in three formats.

// srPerson is a member of the review's team, added on the People page.
type srPerson struct {
	email, name, inspectorate, role string
}

var srPeople = []srPerson{
	{"asha.patel@inspect.test", "Asha Patel", "Ofsted", "Lead inspector"},
	{"ben.okafor@inspect.test", "Ben Okafor", "Ofsted", "Inspector"},
	{"cara.lewis@inspect.test", "Cara Lewis", "Care Quality Commission", "Inspector"},
	{"dev.singh@inspect.test", "Dev Singh", "HM Inspectorate of Constabulary and Fire & Rescue Services", "Inspector"},
	{"erin.walsh@inspect.test", "Erin Walsh", "HM Inspectorate of Probation", "Inspector"},
	{"femi.adeyemi@inspect.test", "Femi Adeyemi", "Ofsted", "Specialist adviser"},
	{"gwen.hughes@inspect.test", "Gwen Hughes", "Care Quality Commission", "Lead inspector"},
	{"hari.nair@inspect.test", "Hari Nair", "HM Inspectorate of Constabulary and Fire & Rescue Services", "Lead inspector"},
	{"isla.brown@inspect.test", "Isla Brown", "HM Inspectorate of Probation", "Lead inspector"},
	{"jon.price@inspect.test", "Jon Price", "Ofsted", "Inspector"},
}

// srVisit is a visit: its area, first day (September to November 2025), length, who is on
// site on which days (1-based days of the visit), and who holds another team role on it than
// on the People page.
type srVisit struct {
	area  string
	day   int
	month int
	days  int
	team  map[string][]int  // email → days on site
	roles map[string]string // email → team role on this visit
}

func srDays(from, to int) []int {
	var d []int
	for i := from; i <= to; i++ {
		d = append(d, i)
	}
	return d
}

var srVisits = []srVisit{
	{"Birmingham", 8, 9, 5, map[string][]int{"asha.patel@inspect.test": srDays(1, 5), "ben.okafor@inspect.test": srDays(1, 5),
		"cara.lewis@inspect.test": srDays(1, 3), "dev.singh@inspect.test": srDays(1, 4)}, nil},
	{"Leeds", 22, 9, 5, map[string][]int{"asha.patel@inspect.test": srDays(1, 5), "erin.walsh@inspect.test": srDays(1, 5),
		"femi.adeyemi@inspect.test": srDays(2, 3)}, nil},
	{"Bristol", 6, 10, 4, map[string][]int{"ben.okafor@inspect.test": srDays(1, 4), "gwen.hughes@inspect.test": srDays(1, 4)},
		map[string]string{"ben.okafor@inspect.test": "Lead inspector"}},
	{"Kent", 20, 10, 3, map[string][]int{"cara.lewis@inspect.test": srDays(1, 3), "hari.nair@inspect.test": srDays(1, 3),
		"isla.brown@inspect.test": srDays(1, 3)}, nil},
	{"Lambeth", 3, 11, 5, map[string][]int{"asha.patel@inspect.test": srDays(1, 5), "dev.singh@inspect.test": srDays(1, 5),
		"jon.price@inspect.test": srDays(1, 5), "erin.walsh@inspect.test": srDays(5, 5)}, nil},
}

// srNote is a note: the area whose visit it is recorded on, its source (and role), its text and
// the action areas it is tagged to.
type srNote struct {
	area, source, role, body string
	tags                     []string
}

const (
	srSpotting  = "Spotting signs of exploitation"
	srSharing   = "Sharing what agencies know"
	srPlanning  = "Joint safety planning"
	srDiversion = "Youth work and diversion"
	srOversight = "Partnership oversight"
)

func srNotes() []srNote {
	var out []srNote
	for _, a := range []string{"Birmingham", "Leeds", "Bristol", "Kent", "Lambeth"} {
		out = append(out,
			srNote{a, "Interview with a young person", "", "A young person said a teacher noticed the change in who they spent time with and asked about it.", []string{srSpotting}},
			srNote{a, "Case-file audit", "", "The school's referral about possible exploitation reached the exploitation hub within a day.", []string{srSpotting, srSharing}},
			srNote{a, "Interview with a professional", "Youth worker", "Detached youth workers described weekly sessions in the parks where incidents cluster.", []string{srDiversion}},
			srNote{a, "Meeting with leaders", "", "Leaders could say how many young people were open to the exploitation panel this year.", []string{srDiversion}},
		)
		if a != "Lambeth" {
			out = append(out, srNote{a, "Observation of a multi-agency meeting", "",
				"At the risk meeting, police, probation and the youth offending service agreed one safety plan with named actions.", []string{srPlanning}})
		} else {
			out = append(out, srNote{a, "Observation of a multi-agency meeting", "",
				"The risk meeting heard each agency's update in turn; no joint plan was agreed.", []string{srSharing}})
			out = append(out, srNote{a, "Meeting with leaders", "",
				"The partnership board had commissioned an independent review of its exploitation panel.", []string{srOversight}})
		}
		out = append(out, srNote{a, "Interview with a professional", "Police officer",
			"A neighbourhood officer said intelligence from schools now reaches the police daily.", []string{srSharing}})
	}
	return out
}

// srVocabulary is every word of the Start for Life review's own lists and framework that the
// second review must never print.
var srVocabulary = []string{"Start for Life", "Focus group with parents", "Health visitor", "health visitor", "Midwife", "midwife",
	"Family hub", "family hub", "Early Years Inspector", "Children's Services Inspector", "Children’s Services Inspector",
	"Central government", "Best Start", "infant feeding", "perinatal"}

// srSeedStaff gives the tenant the accounts of the people the lead will add to the review: staff
// of the inspectorates, who have accounts already (the tenant's admin makes them).
func srSeedStaff(t *testing.T, env *testenv.Env) {
	t.Helper()
	ctx := context.Background()
	for _, p := range srPeople {
		if _, err := env.DB.Super.Exec(ctx, `WITH u AS (INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id)
			INSERT INTO memberships (tenant_id, user_id) SELECT t.id, u.id FROM tenants t, u WHERE t.slug = $3`,
			p.email, p.name, demo.TenantSlug); err != nil {
			t.Fatal(err)
		}
	}
}

func (b *B) srQuery(sql string, args ...any) string {
	b.t.Helper()
	var s string
	if err := b.Env.DB.Super.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// srFetch downloads a path through the browser's session: its text, or its bytes in base64.
func (b *B) srFetch(path string, binary bool) []byte {
	b.t.Helper()
	var got struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	read := `await r.text()`
	if binary {
		read = `btoa(Array.from(new Uint8Array(await r.arrayBuffer()), c => String.fromCharCode(c)).join(''))`
	}
	b.evEval(fmt.Sprintf(`fetch(%q).then(async r => JSON.stringify({status: r.status, body: %s}))`, path, read), &got)
	if got.Status != 200 {
		b.t.Fatalf("download %s: %d", path, got.Status)
	}
	if !binary {
		return []byte(got.Body)
	}
	raw, err := base64.StdEncoding.DecodeString(got.Body)
	if err != nil {
		b.t.Fatalf("download %s: %v", path, err)
	}
	return raw
}

// srInOrder fails unless text holds every string, in this order.
func srInOrder(t *testing.T, format, text string, want ...string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Fatalf("the %s report does not say %q after %q:\n%s", format, w, text[:at][max(0, at-300):], text)
		}
		at += i + len(w)
	}
}

func TestJourneySecondReview(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	srSeedStaff(t, env)
	b := newB(t, env)
	b.signIn("lead@demo.test", demo.Password)

	// A blank review.
	b.ClickLink("Create a review")
	b.Fill("title", "Keeping young people safe from serious violence")
	b.Fill("fieldwork-start-day", "1")
	b.Fill("fieldwork-start-month", "9")
	b.Fill("fieldwork-start-year", "2025")
	b.Fill("fieldwork-end-day", "28")
	b.Fill("fieldwork-end-month", "11")
	b.Fill("fieldwork-end-year", "2025")
	b.Check("start") // a blank review
	b.Submit("form[action='/reviews'] button[type=submit]")
	b.Expect("Review created")
	base := strings.TrimSuffix(b.Path(), "/")
	if !overviewPathRE.MatchString(base + "/") {
		t.Fatalf("after creating, at %s", b.Path())
	}

	// Its lists, made its own: the organisation becomes Ofsted, three inspectorates join it, the
	// sources and roles it will use are added and the general ones it will not are removed.
	b.Visit(base + "/lists")
	b.ClickLink("Change Demo Inspectorate")
	b.Fill("name", "Ofsted")
	b.submitXPath(`//button[normalize-space(.)='Save']`)
	b.Expect("Ofsted")
	add := func(kind, name string) {
		t.Helper()
		b.Fill("name-"+kind, name)
		b.Submit("form[action$='/lists/" + kind + "'] button")
		b.Expect("“" + name + "” added to")
	}
	for _, n := range []string{"Care Quality Commission", "HM Inspectorate of Constabulary and Fire & Rescue Services", "HM Inspectorate of Probation"} {
		add("inspectorates", n)
	}
	add("sources", "Interview with a young person")
	add("sources", "Observation of a multi-agency meeting")
	add("roles", "Youth worker")
	add("addressees", "Community safety partnerships")
	add("addressees", "Police and crime commissioners")
	remove := func(name string) {
		t.Helper()
		b.Visit(base + "/lists")
		b.ClickLink("Change " + name)
		b.Submit("#delete")
		b.Expect("removed")
	}
	for _, n := range []string{"Focus group with parents or carers", "Health visitor", "Midwife", "Early years practitioner", "Central government"} {
		remove(n)
	}

	// Lines of enquiry come first, before any framework exists.
	b.Visit(base + "/enquiry")
	for _, q := range []string{"How well do partners identify young people at risk of serious violence?",
		"How well do partners work together to reduce that risk?"} {
		if b.Has("#group-id") {
			b.evSelect("group-id", "Not in a group")
		}
		b.Fill("question", q)
		b.Submit("form[action$='/enquiry/lines'] button[type=submit]")
		b.Expect("Line of enquiry added")
	}

	// The framework: three groups; the second's first action area cites its source with no quote.
	fw := base + "/framework"
	b.Visit(fw)
	for _, g := range []string{"Identifying risk early", "Working together", "Leadership and oversight"} {
		b.Fill("group-title", g)
		b.Submit(fmt.Sprintf("form[action='%s/groups'] button[type=submit]", fw))
		b.Expect("Group added: " + g)
	}
	for _, a := range []struct{ radio, title, quote, citation string }{
		{"area-group", srSpotting, "Everyone who works with young people has a part to play in spotting exploitation.", "Serious Violence Duty guidance, 2022"},
		{"area-group", srSharing, "", ""},
		{"area-group-2", srPlanning, "", "Working Together to Safeguard Children, 2023, chapter 4"},
		{"area-group-2", srDiversion, "", ""},
		{"area-group-3", srOversight, "", ""},
	} {
		b.Check(a.radio)
		b.Fill("area-title", a.title)
		b.Fill("area-quote", a.quote)
		b.Fill("area-citation", a.citation)
		b.Submit(fmt.Sprintf("form[action='%s/areas'] button[type=submit]", fw))
		b.Expect("Action area added: " + a.title)
	}

	// Five areas.
	for _, a := range []string{"Birmingham", "Leeds", "Bristol", "Kent", "Lambeth"} {
		b.Visit(base + "/areas")
		b.Fill("q", a)
		b.Submit("main form[method=get] button")
		b.Submit("main form[method=post] button")
		b.Expect(" has been added to the review")
	}
	b.Expect("5 areas in this review")

	// The team, from the tenant's staff, each with an inspectorate and a team role; the second
	// lead who will quality assure the report.
	b = newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	for _, p := range srPeople {
		b.Visit(base + "/people")
		b.ClickLink("Add a person")
		b.Fill("email", p.email)
		b.evCheckLabel("Inspector")
		b.evCheckLabel(p.inspectorate)
		b.evSelect("job-title", p.role)
		b.Submit("main button[type=submit]")
		b.Expect(p.name + " has been added to the review as an inspector")
	}
	b.Visit(base + "/people")
	b.ClickLink("Add a person")
	b.Fill("email", "qa.lead@demo.test")
	b.Check("role") // a lead
	b.Submit("main button[type=submit]")
	b.Expect("Hana Hughes has been added to the review as a review lead")

	// Five visits of three to five days; teams of two to four whose days on site differ.
	visitIDs := map[string]string{}
	for _, v := range srVisits {
		b.Visit(base + "/visits/new")
		b.evSelect("area", v.area)
		b.Fill("start-day", fmt.Sprint(v.day))
		b.Fill("start-month", fmt.Sprint(v.month))
		b.Fill("start-year", "2025")
		b.Fill("days", fmt.Sprint(v.days))
		b.Submit("button[value=team]")
		b.Expect("Choose the team")
		for email, days := range v.team {
			member := b.srQuery(`SELECT m.id::text FROM review_members m JOIN users u ON u.id = m.user_id
				WHERE m.review_id = $1 AND u.email = $2`, strings.TrimPrefix(base, "/reviews/"), email)
			for _, d := range days {
				id := "team-" + member
				if d > 1 {
					id += fmt.Sprintf("-%d", d)
				}
				b.Check(id)
			}
			if role := v.roles[email]; role != "" {
				b.evSelect("role-"+member, role)
			}
		}
		b.Submit("button[value=save]")
		b.Expect("Visit to " + v.area)
		visitIDs[v.area] = b.srQuery(`SELECT v.id::text FROM visits v JOIN review_areas a ON a.id = v.area_id
			JOIN local_authorities la ON la.ons_code = a.ons_code WHERE v.review_id = $1 AND la.name LIKE $2 || '%'`,
			strings.TrimPrefix(base, "/reviews/"), v.area)
	}

	// On to fieldwork, from the overview.
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at fieldwork")

	// Thirty-two notes, recorded on the plain form (no script), with the review's own sources,
	// roles and action areas.
	b = newB(t, env)
	b.noScript()
	b.signIn("lead@demo.test", demo.Password)
	for _, n := range srNotes() {
		b.Visit(base + "/visits/" + visitIDs[n.area] + "/notes/new")
		b.evCheckLabel(n.source)
		if n.role != "" {
			b.evSelect("role", n.role)
		}
		b.Fill("body", n.body)
		for _, tag := range n.tags {
			b.evCheckLabel(tag)
		}
		b.Submit("button[value=save]")
		b.Expect("Note saved")
	}

	// Analysis: a finding for each of three action areas, linked to every note tagged to it.
	b = newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at analysis")
	reviewID := strings.TrimPrefix(base, "/reviews/")
	findings := []struct{ area, body string }{
		{srSpotting, "schools and youth services recognised the early signs of exploitation and acted on them."},
		{srPlanning, "multi-agency risk meetings agreed a single safety plan for each young person."},
		{srOversight, "the partnership board had commissioned independent scrutiny of its exploitation panel."},
		{srSharing, "intelligence from schools reached the police quickly."},
	}
	for _, f := range findings {
		b.Visit(base + "/synthesis")
		b.ClickLink(f.area)
		b.ClickLink("Write a finding")
		b.Fill("body", f.body)
		b.Submit("form[method=post] button[data-prevent-double-click]")
		b.Expect("Finding saved")
		id := b.srQuery(`SELECT id::text FROM findings WHERE review_id = $1 AND body = $2`, reviewID, f.body)
		b.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name=note]').forEach(c => c.click())`))
		b.Submit("button[formaction$='/findings/" + id + "/notes']")
		b.Expect("linked to the finding")
	}

	// Recommendations to the review's own addressees.
	for _, r := range []struct{ addressee, body string }{
		{"Community safety partnerships", "agree one safety plan for every young person discussed at a risk meeting"},
		{"Police and crime commissioners", "fund detached youth work where serious violence clusters"},
	} {
		b.Visit(base + "/recommendations/new")
		b.Fill("body", r.body)
		b.evCheckLabel(r.addressee)
		b.Submit("main form[method=post] button[type=submit]")
		b.Expect("Recommendation saved")
	}

	// Drafting: the summary, then quality assurance by the second lead, and publication.
	b = newB(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at drafting")
	b.rpWrite(reviewID, "summary", "Partners in most areas spot the signs of exploitation early; fewer plan together.")
	b.Expect("saved")
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at quality assurance")
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=published]) button")
	b.Expect("Report published. The review is now published")

	// The report in three formats.
	htmlDoc := string(b.srFetch(base+"/report/export/html", false))
	govspeak := string(b.srFetch(base+"/report/export/govspeak", false))
	docx := b.srFetch(base+"/report/export/docx", true)
	dir := t.TempDir()
	for name, body := range map[string][]byte{"report.html": []byte(htmlDoc), "report.govspeak": []byte(govspeak), "report.docx": docx} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pandoc, err := exec.LookPath("pandoc")
	if err != nil {
		t.Fatal("pandoc is needed to read the DOCX back: apt-get install pandoc (.ci/run installs it)")
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(pandoc, "-f", "docx", "-t", "plain", "--wrap=none", filepath.Join(dir, "report.docx"))
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pandoc: %v: %s", err, stderr.String())
	}
	word := out.String()
	t.Logf("the report files are in %s", dir)

	for format, text := range map[string]string{"HTML": srPlain(htmlDoc), "Govspeak": govspeak, "DOCX": word} {
		// Groups and their sections in the framework's order.
		srInOrder(t, format, text, "Identifying risk early", srSpotting, srSharing, "Working together", srPlanning,
			srDiversion, "Leadership and oversight", srOversight)
		// The citation without a quote is a footnote of its section.
		srInOrder(t, format, text, srPlanning, "Working Together to Safeguard Children, 2023, chapter 4")
		// Each finding says how widespread it is, in the scale's words for its areas.
		for _, want := range []string{
			"In all areas we visited, schools and youth services recognised the early signs of exploitation",
			"In most areas we visited, multi-agency risk meetings agreed a single safety plan",
			"In one area we visited, the partnership board had commissioned independent scrutiny",
		} {
			srInOrder(t, format, text, want)
		}
		// The methodology's team and days, as they were.
		for _, want := range srMethodology {
			srInOrder(t, format, text, want)
		}
		// Recommendations to the review's own addressees.
		srInOrder(t, format, text, "Community safety partnerships", "Police and crime commissioners")
		for _, never := range srVocabulary {
			if strings.Contains(text, never) {
				t.Errorf("the %s report says %q, a word of the Start for Life review", format, never)
			}
		}
	}
}

// srMethodology is what the methodology must say of these visits and teams.
var srMethodology = []string{
	"Between September and November 2025, inspectors visited each of these local areas over a period of between 3 and 5 days.",
	"Visits were carried out by teams of between 2 and 4 people.",
	// Ben Okafor, an inspector on the People page, led the Bristol visit.
	"Teams were made up of a lead inspector (on 4 of the 5 visits), an inspector (on 2 of the 5 visits) and a specialist adviser (on one of the 5 visits) from Ofsted;",
	"an inspector (on 2 of the 5 visits) and a lead inspector (on one of the 5 visits) from Care Quality Commission;",
	"an inspector (on 2 of the 5 visits) and a lead inspector (on one of the 5 visits) from HM Inspectorate of Constabulary and Fire & Rescue Services;",
	"and an inspector (on 2 of the 5 visits) and a lead inspector (on one of the 5 visits) from HM Inspectorate of Probation.",
	"The team members from Ofsted were on site for between 2 and 5 days, the Care Quality Commission inspector for 3 or 4 days,",
	"the HM Inspectorate of Constabulary and Fire & Rescue Services inspector for between 3 and 5 days, and the HM Inspectorate of Probation inspector for between 1 and 5 days.",
	"Inspectors recorded 31 pieces of evidence",
}

// srPlain is an HTML document's text: tags dropped, entities for quotes and ampersands read.
func srPlain(doc string) string {
	var b strings.Builder
	in := false
	for _, r := range doc {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}
