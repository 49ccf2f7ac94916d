package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/letters":                            reviewReadStaff,
		"POST /reviews/{reviewID}/letters":                           reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/template":                   reviewLeadWrite,
		"POST /reviews/{reviewID}/letters/template":                  reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}":                   reviewReadStaff,
		"POST /reviews/{reviewID}/letters/{areaID}/status":           reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}/sections/edit":     reviewLeadWrite,
		"POST /reviews/{reviewID}/letters/{areaID}/sections":         reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}/check":             reviewReadStaff,
		"POST /reviews/{reviewID}/letters/{areaID}/check/overrides":  reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}/versions":          reviewReadStaff,
		"POST /reviews/{reviewID}/letters/{areaID}/versions":         reviewLeadWrite,
		"GET /reviews/{reviewID}/letters/{areaID}/versions/{number}": reviewReadStaff,
		"GET /reviews/{reviewID}/letters/{areaID}/export/{format}":   reviewReadStaff,
	} {
		reviewAccessTable[k] = v
	}
	budgetQuery["GET /reviews/{reviewID}/letters/{areaID}/sections/edit"] = "?key=summary"
}

// ltFixture is the review fixture with a second lead and the names of its two areas.
type ltFixture struct {
	rpFixture
	name1, name2 string
}

func newLTFixture(t *testing.T, e *env) ltFixture {
	t.Helper()
	f := ltFixture{rpFixture: newRPFixture(t, e)}
	ctx := context.Background()
	for _, x := range []struct {
		id   string
		name *string
	}{{f.area1, &f.name1}, {f.area2, &f.name2}} {
		if err := e.db.Super.QueryRow(ctx, `SELECT la.display_name FROM review_areas ra JOIN local_authorities la ON la.ons_code = ra.ons_code
			WHERE ra.id = $1`, x.id).Scan(x.name); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f ltFixture) letters(parts ...string) string {
	return "/reviews/" + f.reviewID + "/letters" + strings.Join(parts, "")
}

func (f ltFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.e.db.Super.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLetterStartIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	r := lead.get(f.letters())
	if r.Status != http.StatusOK || !strings.Contains(r.Body, f.name2) || !strings.Contains(r.Body, "Not started") {
		t.Fatalf("letters page: %d\n%s", r.Status, r.Body)
	}
	for i := range 2 {
		r := lead.post(f.letters(), url.Values{"area_id": {f.area2}})
		if r.Status != http.StatusSeeOther || r.Location != f.letters("/", f.area2) {
			t.Fatalf("start %d: %d %q", i, r.Status, r.Location)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM letters WHERE review_id = $1 AND area_id = $2`, f.reviewID, f.area2); n != 1 {
		t.Errorf("%d letters after a double submit, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'letter.started' AND after->>'area_id' = $1`, f.area2); n != 1 {
		t.Errorf("%d letter.started entries, want 1", n)
	}
	// An area of no review of this lead is not found.
	if r := lead.post(f.letters(), url.Values{"area_id": {"00000000-0000-0000-0000-000000000000"}}); r.Status != http.StatusNotFound {
		t.Errorf("start for a foreign area: %d", r.Status)
	}
}

func TestLetterTemplateSaveAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	r := lead.get(f.letters("/template"))
	if r.Status != http.StatusOK || !strings.Contains(html.UnescapeString(r.Body), "Dear colleagues in {area}") {
		t.Fatalf("template page: %d\n%s", r.Status, r.Body)
	}
	form := url.Values{"version": {"0"}, "opening": {"To the leaders of {area},"}, "closing": {"With thanks,"}, "signatories": {"Ann Example\nLead inspector"}}
	if r := lead.post(f.letters("/template"), form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	if e.auditCount("letter.template_saved") != 1 {
		t.Error("the template's save is not audited")
	}
	// The same form again is stale: someone saved meanwhile.
	form.Set("opening", "Mine, {area}")
	r = lead.post(f.letters("/template"), form)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed the letter template") ||
		!strings.Contains(r.Body, "Mine, {area}") || !strings.Contains(r.Body, "To the leaders of {area},") {
		t.Fatalf("stale save: %d\n%s", r.Status, r.Body)
	}
	// A missing field is refused by the field, keeping what was typed.
	r = lead.post(f.letters("/template"), url.Values{"version": {"1"}, "opening": {"Kept opening"}, "closing": {""}, "signatories": {"X"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the closing of the letters") || !strings.Contains(r.Body, "Kept opening") {
		t.Fatalf("missing closing: %d\n%s", r.Status, r.Body)
	}
	// The letter uses the template with the area filled in.
	r = lead.get(f.letters("/", f.area1))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "To the leaders of "+f.name1+",") || !strings.Contains(r.Body, "Ann Example") {
		t.Fatalf("letter page: %d\n%s", r.Status, r.Body)
	}
}

func TestLetterSectionCheckExportAndSignOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newLTFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	key := "strengths:" + f.actionAreaID
	edit := f.letters("/", f.area1, "/sections/edit?key=", key)
	r := lead.get(edit)
	// The evidence beside the section: the overview's finding this area's note supports.
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Parents valued the feeding support.") {
		t.Fatalf("section page: %d\n%s", r.Status, r.Body)
	}
	strength := "Leaders in " + f.name1 + " know their families well."
	save := func(c *client, body string, version int) resp {
		return c.post(f.letters("/", f.area1, "/sections"), url.Values{"key": {key}, "body": {body}, "version": {strconv.Itoa(version)}})
	}
	if r := save(lead, strength, 0); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	check := lead.get(f.letters("/", f.area1, "/check"))
	if check.Status != http.StatusOK || strings.Contains(check.Body, "Names another area") {
		t.Fatalf("the own area's name is a hit: %d\n%s", check.Status, check.Body)
	}
	// Naming the other area is a hit.
	other := strength + " Unlike " + f.name2 + ", waiting lists are short."
	if r := save(lead, other, 1); r.Status != http.StatusSeeOther {
		t.Fatalf("save 2: %d\n%s", r.Status, r.Body)
	}
	check = lead.get(f.letters("/", f.area1, "/check"))
	if !strings.Contains(check.Body, "Names another area") || !strings.Contains(check.Body, "‘"+f.name2+"’") {
		t.Fatalf("no hit for the other area:\n%s", check.Body)
	}
	// A stale version is a conflict, with both texts.
	r = save(lead, "My late text", 1)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this section") || !strings.Contains(r.Body, "My late text") {
		t.Fatalf("stale: %d\n%s", r.Status, r.Body)
	}
	if e.auditCount("letter.text_saved") != 2 {
		t.Errorf("%d letter.text_saved, want 2", e.auditCount("letter.text_saved"))
	}
	// Exports.
	for _, x := range []struct{ format, ctype string }{{"html", "text/html; charset=utf-8"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, {"govspeak", "text/markdown; charset=utf-8"}} {
		r := lead.get(f.letters("/", f.area1, "/export/", x.format))
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != x.ctype {
			t.Errorf("export %s: %d %q", x.format, r.Status, r.Header.Get("Content-Type"))
		}
		if x.format != "docx" && !strings.Contains(html.UnescapeString(r.Body), "know their families well") {
			t.Errorf("export %s lacks the strength", x.format)
		}
	}
	// A named version.
	if r := lead.post(f.letters("/", f.area1, "/versions"), url.Values{"label": {"First draft"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("version: %d\n%s", r.Status, r.Body)
	}
	if r := lead.get(f.letters("/", f.area1, "/versions/2")); r.Status != http.StatusOK || !strings.Contains(r.Body, "know their families well") {
		t.Fatalf("version 2: %d\n%s", r.Status, r.Body)
	}
	// Sign-off: sent by the lead, signed off by another lead once nothing blocks.
	state := func() (string, int) {
		var s string
		var v int
		if err := e.db.Super.QueryRow(context.Background(), `SELECT status, version FROM letters WHERE review_id = $1 AND area_id = $2`,
			f.reviewID, f.area1).Scan(&s, &v); err != nil {
			t.Fatal(err)
		}
		return s, v
	}
	step := func(c *client, to, note string) resp {
		_, v := state()
		return c.post(f.letters("/", f.area1, "/status"), url.Values{"to": {to}, "version": {strconv.Itoa(v)}, "note-" + to: {note}})
	}
	if r := step(lead, "quality_assurance", ""); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	if r := step(lead, "signed_off", ""); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the sender signed off: %d", r.Status)
	}
	qa := e.signedIn("qa.lead@demo.test")
	r = step(qa, "signed_off", "")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "cannot be signed off") {
		t.Fatalf("signed off with a hit: %d\n%s", r.Status, r.Body)
	}
	// Keep the hit with a reason.
	var hitKey string
	for _, part := range strings.Split(check.Body, `name="key" value="`)[1:] {
		hitKey = part[:strings.Index(part, `"`)]
	}
	if r := qa.post(f.letters("/", f.area1, "/check/overrides"), url.Values{"key": {hitKey}, "reason": {""}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("kept without a reason: %d", r.Status)
	}
	if r := qa.post(f.letters("/", f.area1, "/check/overrides"), url.Values{"key": {hitKey}, "reason": {"The comparison is public"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("keep: %d\n%s", r.Status, r.Body)
	}
	if r := step(qa, "signed_off", ""); r.Status != http.StatusSeeOther {
		t.Fatalf("sign off: %d\n%s", r.Status, r.Body)
	}
	if s, _ := state(); s != "signed_off" {
		t.Fatalf("status %q", s)
	}
	// Signed off: locked.
	if r := save(lead, "After sign-off", 2); r.Status != http.StatusForbidden {
		t.Errorf("edit after sign-off: %d", r.Status)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('letter.status_changed', 'letter.check_overridden', 'letter.version_saved')
		AND object_id IN (SELECT id::text FROM letters WHERE review_id = $1)`, f.reviewID); n != 6 {
		t.Errorf("%d audit entries of steps, overrides and versions, want 6", n)
	}
}
