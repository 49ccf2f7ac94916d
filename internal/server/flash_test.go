package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/testenv"
)

// TestFlashTravelsInASignedCookie saves a note and follows the redirect: the page shows the
// confirmation once, neither the save nor the page writes the session row, and the cookie is
// worth nothing to another session.
func TestFlashTravelsInASignedCookie(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("csrf_token", c.csrf())
	before := te.Statements()
	r := c.post(f.postPath(), form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	var flash *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "thematic_flash" {
			flash = ck
		}
	}
	if flash == nil || flash.MaxAge <= 0 || !flash.HttpOnly {
		t.Fatalf("the save set no short-lived HttpOnly flash cookie: %v", r.Header["Set-Cookie"])
	}
	page := c.get(r.Location)
	for _, q := range te.StatementsSince(before) {
		if strings.Contains(strings.ToLower(q), "update sessions") || strings.Contains(strings.ToLower(q), "insert into sessions") {
			t.Errorf("the save and the page after it wrote the session: %s", q)
		}
	}
	if !strings.Contains(page.Body, "Note saved") {
		t.Fatalf("the page after the save does not say %q:\n%s", "Note saved", page.Body)
	}
	if again := c.get(r.Location); strings.Contains(again.Body, "Note saved") {
		t.Error("the confirmation is shown again on the next view")
	}

	// Another session presenting the same cookie sees nothing: it is signed with the first's secret.
	other := e.signedIn("lead@demo.test")
	u, _ := url.Parse(e.ts.URL)
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: "thematic_flash", Value: flash.Value, Path: "/"}})
	if p := other.get("/account"); strings.Contains(p.Body, "Note saved") {
		t.Error("a flash cookie signed for another session was shown")
	}
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: "thematic_flash", Value: "Tm90ZSBzYXZlZA.forged", Path: "/"}})
	if p := other.get("/account"); strings.Contains(p.Body, "Note saved") {
		t.Error("an unsigned flash cookie was shown")
	}
}
