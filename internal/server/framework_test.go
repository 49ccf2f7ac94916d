package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

func init() {
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/framework":                              reviewReadStaff,
		"GET /reviews/{reviewID}/framework/export":                       reviewReadStaff,
		"GET /reviews/{reviewID}/framework/import":                       reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/import":                      reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/groups":                      reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/groups/{groupID}":            reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/groups/{groupID}/move":       reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/groups/{groupID}/delete":     reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/areas":                       reviewLeadWrite,
		"GET /reviews/{reviewID}/framework/areas/{actionAreaID}/edit":    reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/areas/{actionAreaID}":        reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/areas/{actionAreaID}/move":   reviewLeadWrite,
		"POST /reviews/{reviewID}/framework/areas/{actionAreaID}/delete": reviewLeadWrite,
	} {
		reviewAccessTable[k] = v
	}
}

// --- helpers (fw…) ---

// fwBlankReview creates a review with no framework, led by lead@demo.test.
func (e *env) fwBlankReview(tenantID, title string) string {
	e.t.Helper()
	ctx := context.Background()
	var leadID, id string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		e.t.Fatal(err)
	}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var err error
		id, err = review.Create(ctx, tx, tenantID, leadID, review.Review{Title: title})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// fwFixture is a review of the demo tenant titled "Access review", with the Start for Life
// framework, led by lead@demo.test, with inspector@ as inspector, observer@ as observer and
// la.contact@ as the contact of one area.
type fwFixture struct {
	tenantID, reviewID, actionAreaID string
}

func newFwFixture(t *testing.T, e *env) fwFixture {
	t.Helper()
	ctx := context.Background()
	var f fwFixture
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = $1`, demo.TenantSlug).Scan(&f.tenantID); err != nil {
		t.Fatal(err)
	}
	tpl, err := review.Templates()
	if err != nil {
		t.Fatal(err)
	}
	f.reviewID = e.fwBlankReview(f.tenantID, "Access review")
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		if err := review.ApplyTemplate(ctx, tx, f.tenantID, f.reviewID, tpl[review.StartForLife]); err != nil {
			return err
		}
		var area string
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
			f.tenantID, f.reviewID).Scan(&area); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id)
			SELECT $1, $2, u.id, m.role, CASE WHEN m.role = 'la_contact' THEN $3::uuid END
			FROM (VALUES ('inspector@demo.test', 'inspector'), ('observer@demo.test', 'observer'), ('la.contact@demo.test', 'la_contact')) m (email, role)
			JOIN users u ON u.email = m.email`, f.tenantID, f.reviewID, area); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT a.id FROM action_areas a JOIN framework_groups g ON g.id = a.group_id
			WHERE a.tenant_id = $1 AND a.review_id = $2 ORDER BY g.position, a.position LIMIT 1`, f.tenantID, f.reviewID).Scan(&f.actionAreaID)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another tenant with its own admin.
	var tenantB string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&tenantB); err != nil {
		t.Fatal(err)
	}
	pw, _ := auth.HashPassword(demo.Password)
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: tenantB}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, tenantB, "other-inspectorate", "Other Inspectorate"); err != nil {
			return err
		}
		id, err := user.Create(ctx, tx, "admin@other.test", "Other Admin", pw)
		if err != nil {
			return err
		}
		return user.AddMember(ctx, tx, tenantB, id, auth.RoleAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fwIDs reads ids with the superuser.
func (e *env) fwIDs(sql string, args ...any) []string {
	e.t.Helper()
	rows, err := e.db.Super.Query(context.Background(), sql, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func (e *env) fwGroupIDs(reviewID string) []string {
	return e.fwIDs(`SELECT id::text FROM framework_groups WHERE review_id = $1 ORDER BY position`, reviewID)
}

func (e *env) fwAreaIDs(groupID string) []string {
	return e.fwIDs(`SELECT id::text FROM action_areas WHERE group_id = $1 ORDER BY position`, groupID)
}

func fwURL(reviewID string, parts ...string) string {
	return "/reviews/" + reviewID + "/framework" + strings.Join(append([]string{""}, parts...), "/")
}

// fwPage reads the framework page, unescaped, and fails unless it answers 200.
func fwPage(c *client, reviewID string) string {
	c.t.Helper()
	r := c.get(fwURL(reviewID))
	if r.Status != http.StatusOK {
		c.t.Fatalf("framework page: %d\n%s", r.Status, r.Body)
	}
	return html.UnescapeString(r.Body)
}

// fwExport downloads the framework file.
func fwExport(c *client, reviewID string) []byte {
	c.t.Helper()
	r := c.get(fwURL(reviewID, "export"))
	if r.Status != http.StatusOK {
		c.t.Fatalf("export: %d\n%s", r.Status, r.Body)
	}
	return []byte(r.Body)
}

// fwImport sends the import form as a browser does: multipart, with the CSRF token, the mode and
// the file (none when filename is "").
func fwImport(c *client, reviewID, mode, filename string, file []byte) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", c.csrf())
	if mode != "" {
		_ = mw.WriteField("mode", mode)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(file)
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", c.e.ts.URL+fwURL(reviewID, "import"), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// fwInOrder fails unless every string appears in body, in this order.
func fwInOrder(t *testing.T, body string, want ...string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(body[at:], w)
		if i < 0 {
			t.Fatalf("%q not found after position %d (or out of order); want order %q", w, at, want)
		}
		at += i + len(w)
	}
}

// fwExpect fails unless the response has the status and says every string.
func fwExpect(t *testing.T, what string, r resp, status int, says ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
	body := html.UnescapeString(r.Body)
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page does not say %q", what, s)
		}
	}
}

// fwVersion reads the hidden version of the form posting to action.
func fwVersion(t *testing.T, body, action string) string {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form to %s", action)
	}
	rest := body[i:]
	j := strings.Index(rest, `name="version" value="`)
	if j < 0 {
		t.Fatalf("no version in the form to %s", action)
	}
	rest = rest[j+len(`name="version" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

func (e *env) fwTagNotes(areaID string, n int) {
	e.t.Helper()
	tagNotes(e.t, e.db.Super, areaID, n)
}

// --- tests ---

func TestFrameworkExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFwFixture(t, e) // "Access review", with the Start for Life template
	lead := e.signedIn("lead@demo.test")

	r := lead.get(fwURL(f.reviewID, "export"))
	if r.Status != http.StatusOK {
		t.Fatalf("export: %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="access-review-framework.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	exported := []byte(r.Body)
	if !bytes.Contains(exported, []byte("Seamless support for families")) {
		t.Fatalf("export:\n%s", exported)
	}
	// The review's lists travel with the framework (version 2 of the format).
	for _, want := range []string{`"version": 2`, `"vocabularies"`, `"needs_role": true`, `"Children's Services Inspector"`,
		`"Local authorities and health partners"`, `"Family hub worker"`} {
		if !bytes.Contains(exported, []byte(want)) {
			t.Errorf("export lacks %s", want)
		}
	}

	blank := e.fwBlankReview(f.tenantID, "Second review")
	if page := fwPage(lead, blank); !strings.Contains(page, "This review has no framework yet") {
		t.Fatal("blank review shows a framework")
	}
	r = fwImport(lead, blank, "replace", "access-review-framework.json", exported)
	if r.Status != http.StatusSeeOther || r.Location != fwURL(blank) {
		t.Fatalf("import: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	page := fwPage(lead, blank)
	if !strings.Contains(page, "Framework imported: 2 groups, 6 action areas") {
		t.Error("no flash after the import")
	}
	fwInOrder(t, page, "<blockquote", "…a coherent joined up Start for Life offer available to all families.",
		"The best start for life: a vision for the 1,001 critical days", "</blockquote>")
	if got := e.vtNames("review_team_roles", blank); got != "His Majesty's Inspector|Senior His Majesty's Inspector|Early Years Inspector|Children's Services Inspector" {
		t.Errorf("team roles after the import: %q", got)
	}
	again := fwExport(lead, blank)
	if !bytes.Equal(again, exported) {
		t.Fatalf("export after import differs:\n%s\n---\n%s", again, exported)
	}
	if n := e.auditCount("framework.imported"); n != 1 {
		t.Errorf("%d framework.imported audit entries, want 1", n)
	}

	// Adding the same file again (a double-submitted form, say) is refused: its titles are taken.
	r = fwImport(lead, blank, "add", "access-review-framework.json", exported)
	fwExpect(t, "adding again", r, http.StatusUnprocessableEntity, "already has 8 of the file’s titles", `href="#mode"`)
	if !bytes.Equal(fwExport(lead, blank), exported) {
		t.Fatal("a refused import changed the framework")
	}

	// Adding a different framework puts it after the current one.
	other := []byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"Inspection","action_areas":[{"title":"Proportionate inspection"}]}]}`)
	r = fwImport(lead, blank, "add", "extra.json", other)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", r.Status, r.Body)
	}
	fwInOrder(t, fwPage(lead, blank), "Framework imported: 1 group, 1 action area", "Ensuring families have access",
		"Ensuring the Start for Life system", "Inspection", "Proportionate inspection")

	// Replacing is refused once notes are tagged to an action area.
	e.fwTagNotes(e.fwAreaIDs(e.fwGroupIDs(blank)[0])[0], 3)
	before := fwExport(lead, blank)
	r = fwImport(lead, blank, "replace", "access-review-framework.json", exported)
	fwExpect(t, "replacing a tagged framework", r, http.StatusUnprocessableEntity, "3 notes are tagged to its action areas")
	if !bytes.Equal(fwExport(lead, blank), before) {
		t.Fatal("a refused replace changed the framework")
	}
}

func TestFrameworkEditorBuildsFromBlank(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFwFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	rid := e.fwBlankReview(f.tenantID, "Youth justice review")

	groups := []string{"Children’s experiences", "Working together", "Leadership"}
	for _, g := range groups {
		r := lead.post(fwURL(rid, "groups"), url.Values{"title": {"  " + g + " "}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("add group %s: %d\n%s", g, r.Status, r.Body)
		}
	}
	gids := e.fwGroupIDs(rid)
	if len(gids) != 3 {
		t.Fatalf("%d groups", len(gids))
	}
	areas := []struct {
		group                  int
		title, quote, citation string
	}{
		{0, "Being heard", "Children should be listened to.", "Standards for children, 2019"},
		{0, "Getting help early", "", ""},
		{0, "Safe places", "", "Local plan, 2022"},
		{1, "Sharing information", "", ""},
		{1, "Joint planning", "Plan together.", "Working together, 2023"},
		{2, "Vision", "", ""},
		{2, "Accountability", "", ""},
	}
	for _, a := range areas {
		r := lead.post(fwURL(rid, "areas"), url.Values{"group_id": {gids[a.group]}, "title": {a.title},
			"quote": {a.quote}, "citation": {a.citation}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("add action area %s: %d\n%s", a.title, r.Status, r.Body)
		}
	}
	page := fwPage(lead, rid)
	fwInOrder(t, page, "Children’s experiences", "1. Being heard", "Children should be listened to.", "Standards for children, 2019",
		"2. Getting help early", "3. Safe places", "Local plan, 2022",
		"Working together", "4. Sharing information", "5. Joint planning", "Plan together.",
		"Leadership", "6. Vision", "7. Accountability", "Add a group")
	if n := e.auditCount("framework.area_added"); n != 7 {
		t.Errorf("%d framework.area_added entries, want 7", n)
	}

	// Move the last group up, then the first action area of the first group down.
	r := lead.post(fwURL(rid, "groups", gids[2], "move"), url.Values{"direction": {"up"}, "position": {"3"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("move group: %d\n%s", r.Status, r.Body)
	}
	a0 := e.fwAreaIDs(gids[0])[0]
	r = lead.post(fwURL(rid, "areas", a0, "move"), url.Values{"direction": {"down"}, "position": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("move action area: %d\n%s", r.Status, r.Body)
	}
	page = fwPage(lead, rid)
	fwInOrder(t, page, "Action area moved down: Being heard", "Children’s experiences", "1. Getting help early", "2. Being heard",
		"3. Safe places", "Leadership", "4. Vision", "5. Accountability", "Working together", "6. Sharing information", "7. Joint planning")
	// The same click again, from the page as it was, changes nothing.
	r = lead.post(fwURL(rid, "areas", a0, "move"), url.Values{"direction": {"down"}, "position": {"1"}})
	fwExpect(t, "stale move", r, http.StatusConflict, "Someone else changed")
	r = lead.post(fwURL(rid, "groups", gids[0], "move"), url.Values{"direction": {"up"}, "position": {"1"}})
	fwExpect(t, "moving the first group up", r, http.StatusBadRequest)
	if n := e.auditCount("framework.group_moved") + e.auditCount("framework.area_moved"); n != 2 {
		t.Errorf("%d move audit entries, want 2", n)
	}

	// Rename a group; change an action area and move it to another group.
	r = lead.post(fwURL(rid, "groups", gids[1]), url.Values{"title": {"Partnership"}, "version": {fwVersion(t, page, fwURL(rid, "groups", gids[1]))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", r.Status, r.Body)
	}
	edit := lead.get(fwURL(rid, "areas", a0, "edit"))
	fwExpect(t, "edit page", edit, http.StatusOK, "Change action area", "Being heard", "Standards for children, 2019")
	r = lead.post(fwURL(rid, "areas", a0), url.Values{"version": {fwVersion(t, edit.Body, fwURL(rid, "areas", a0))},
		"group_id": {gids[2]}, "title": {"Being heard and understood"}, "quote": {"Children should be listened to."},
		"citation": {"Standards for children, 2019"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change action area: %d\n%s", r.Status, r.Body)
	}
	fwInOrder(t, fwPage(lead, rid), "Children’s experiences", "1. Getting help early", "2. Safe places",
		"Leadership", "3. Vision", "4. Accountability", "5. Being heard and understood",
		"Partnership", "6. Sharing information", "7. Joint planning")
	_, before, after := e.fwLastAudit("framework.area_changed")
	if before["title"] != "Being heard" || after["title"] != "Being heard and understood" || after["group_id"] != gids[2] ||
		before["group_id"] != gids[0] || after["citation"] != "Standards for children, 2019" {
		t.Errorf("audit before %v after %v", before, after)
	}

	// Delete the action areas of a group, then the emptied group.
	for _, id := range e.fwAreaIDs(gids[2]) {
		edit = lead.get(fwURL(rid, "areas", id, "edit"))
		r = lead.post(fwURL(rid, "areas", id, "delete"), url.Values{"version": {fwVersion(t, edit.Body, fwURL(rid, "areas", id, "delete"))}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("delete action area: %d\n%s", r.Status, r.Body)
		}
	}
	page = fwPage(lead, rid)
	r = lead.post(fwURL(rid, "groups", gids[2], "delete"), url.Values{"version": {fwVersion(t, page, fwURL(rid, "groups", gids[2], "delete"))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete group: %d\n%s", r.Status, r.Body)
	}
	page = fwPage(lead, rid)
	fwInOrder(t, page, "Group deleted: Leadership", "Children’s experiences", "1. Getting help early", "2. Safe places",
		"Partnership", "3. Sharing information", "4. Joint planning")
	if strings.Contains(page, "Being heard") {
		t.Error("deleted action area still shown")
	}
	var positions string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT string_agg(g.position || '.' || a.position, ' ' ORDER BY g.position, a.position)
		FROM framework_groups g JOIN action_areas a ON a.group_id = g.id WHERE g.review_id = $1`, rid).Scan(&positions); err != nil {
		t.Fatal(err)
	}
	if positions != "1.1 1.2 2.1 2.2" {
		t.Errorf("positions %s, want contiguous", positions)
	}
}

func (e *env) fwLastAudit(action string) (objectID string, before, after map[string]any) {
	e.t.Helper()
	var b, a []byte
	if err := e.db.Super.QueryRow(context.Background(), `SELECT object_id, before, after FROM audit_log
		WHERE action = $1 ORDER BY id DESC LIMIT 1`, action).Scan(&objectID, &b, &a); err != nil {
		e.t.Fatal(err)
	}
	if b != nil {
		if err := json.Unmarshal(b, &before); err != nil {
			e.t.Fatal(err)
		}
	}
	if a != nil {
		if err := json.Unmarshal(a, &after); err != nil {
			e.t.Fatal(err)
		}
	}
	return objectID, before, after
}

func TestFrameworkEditorBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFwFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	rid := f.reviewID
	other := e.fwBlankReview(f.tenantID, "Other review")
	r := lead.post(fwURL(other, "groups"), url.Values{"title": {"Theirs"}})
	if r.Status != http.StatusSeeOther {
		t.Fatal(r.Status)
	}
	otherGroup := e.fwGroupIDs(other)[0]
	if r := lead.post(fwURL(other, "areas"), url.Values{"group_id": {otherGroup}, "title": {"Their area"}}); r.Status != http.StatusSeeOther {
		t.Fatal(r.Status)
	}
	otherArea := e.fwAreaIDs(otherGroup)[0]
	gids := e.fwGroupIDs(rid)
	aid := e.fwAreaIDs(gids[0])[0]
	page := fwPage(lead, rid)
	groupVersion := fwVersion(t, page, fwURL(rid, "groups", gids[0]))
	edit := lead.get(fwURL(rid, "areas", aid, "edit")).Body
	areaVersion := fwVersion(t, edit, fwURL(rid, "areas", aid))
	before := fwExport(lead, rid)
	long := func(n int) string { return strings.Repeat("a", n) }
	area := func(kv ...string) url.Values {
		v := url.Values{"group_id": {gids[0]}, "title": {"New area"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		says   []string
	}{
		{"empty group title", fwURL(rid, "groups"), url.Values{"title": {"  "}}, 422, []string{"Enter a title for the group", `href="#group-title"`}},
		{"long group title", fwURL(rid, "groups"), url.Values{"title": {long(301)}}, 422, []string{"Group title must be 300 characters or fewer", long(301)}},
		{"group title taken", fwURL(rid, "groups"), url.Values{"title": {"ensuring families have access to the services they need"}}, 422,
			[]string{"The framework already has a group called"}},
		{"empty rename", fwURL(rid, "groups", gids[0]), url.Values{"title": {""}, "version": {groupVersion}}, 422,
			[]string{"Enter a title for the group", `href="#group-` + gids[0] + `-title"`, "<details class=\"govuk-details\" open"}},
		{"long rename", fwURL(rid, "groups", gids[0]), url.Values{"title": {long(301)}, "version": {groupVersion}}, 422,
			[]string{"Group title must be 300 characters or fewer"}},
		{"stale rename", fwURL(rid, "groups", gids[0]), url.Values{"title": {"New"}, "version": {"0123456789abcdef"}}, 409, []string{"Someone else changed"}},
		{"rename without version", fwURL(rid, "groups", gids[0]), url.Values{"title": {"New"}}, 400, nil},
		{"rename another review's group", fwURL(rid, "groups", otherGroup), url.Values{"title": {"New"}, "version": {groupVersion}}, 404, nil},
		{"rename with errors, another review's group", fwURL(rid, "groups", otherGroup), url.Values{"title": {""}, "version": {groupVersion}}, 404, nil},
		{"move another review's group", fwURL(rid, "groups", otherGroup, "move"), url.Values{"direction": {"down"}, "position": {"1"}}, 404, nil},
		{"move sideways", fwURL(rid, "groups", gids[0], "move"), url.Values{"direction": {"left"}, "position": {"1"}}, 400, nil},
		{"delete another review's group", fwURL(rid, "groups", otherGroup, "delete"), url.Values{"version": {groupVersion}}, 404, nil},
		{"delete a group with action areas", fwURL(rid, "groups", gids[0], "delete"), url.Values{"version": {groupVersion}}, 422,
			[]string{"This group has 3 action areas. Move them to another group or delete them first.", `href="#group-` + gids[0] + `-delete"`}},
		{"delete a group, not a uuid", fwURL(rid, "groups", "nope", "delete"), url.Values{"version": {groupVersion}}, 404, nil},
		{"area without a title", fwURL(rid, "areas"), area("title", ""), 422, []string{"Enter a title for the action area", `href="#area-title"`}},
		{"area title too long", fwURL(rid, "areas"), area("title", long(301)), 422, []string{"Action area title must be 300 characters or fewer"}},
		{"quote too long", fwURL(rid, "areas"), area("quote", long(2001), "citation", "C"), 422, []string{"Policy quote must be 2,000 characters or fewer"}},
		{"citation too long", fwURL(rid, "areas"), area("quote", "Q", "citation", long(1001)), 422, []string{"Citation must be 1,000 characters or fewer"}},
		{"quote without citation", fwURL(rid, "areas"), area("quote", "Some words", "citation", "  "), 422,
			[]string{"Enter where the quote comes from, so the report can footnote it", `href="#area-citation"`, "Some words"}},
		{"no group", fwURL(rid, "areas"), area("group_id", ""), 422, []string{"Select the group the action area belongs to", `href="#area-group"`}},
		{"another review's group", fwURL(rid, "areas"), area("group_id", otherGroup), 404, nil},
		{"a group that is not a uuid", fwURL(rid, "areas"), area("group_id", "x"), 404, nil},
		{"area title taken", fwURL(rid, "areas"), area("title", "Leadership for change"), 422, []string{"already has an action area called"}},
		{"change: empty title", fwURL(rid, "areas", aid), area("title", "", "version", areaVersion), 422,
			[]string{"Enter a title for the action area", "Change action area"}},
		{"change: quote without citation", fwURL(rid, "areas", aid), area("quote", "Q", "citation", "", "version", areaVersion), 422,
			[]string{"Enter where the quote comes from"}},
		{"change: stale", fwURL(rid, "areas", aid), area("version", "0123456789abcdef"), 409, []string{"Someone else changed"}},
		{"change: to another review's group", fwURL(rid, "areas", aid), area("group_id", otherGroup, "version", areaVersion), 404, nil},
		{"change another review's area", fwURL(rid, "areas", otherArea), area("version", areaVersion), 404, nil},
		{"move another review's area", fwURL(rid, "areas", otherArea, "move"), url.Values{"direction": {"up"}, "position": {"1"}}, 404, nil},
		{"move without a position", fwURL(rid, "areas", aid, "move"), url.Values{"direction": {"up"}}, 400, nil},
		{"delete another review's area", fwURL(rid, "areas", otherArea, "delete"), url.Values{"version": {areaVersion}}, 404, nil},
		{"delete with a stale version", fwURL(rid, "areas", aid, "delete"), url.Values{"version": {"0123456789abcdef"}}, 409, nil},
	} {
		r := lead.post(tc.path, tc.form)
		fwExpect(t, tc.name, r, tc.status, tc.says...)
	}
	if r := lead.get(fwURL(rid, "areas", otherArea, "edit")); r.Status != http.StatusNotFound {
		t.Errorf("edit page of another review's area: %d", r.Status)
	}
	if r := lead.get(fwURL(rid, "areas", "nope", "edit")); r.Status != http.StatusNotFound {
		t.Errorf("edit page of no area: %d", r.Status)
	}
	if !bytes.Equal(fwExport(lead, rid), before) {
		t.Fatal("refused changes changed the framework")
	}
	if got := e.fwIDs(`SELECT title FROM framework_groups WHERE review_id = $1`, other); len(got) != 1 || got[0] != "Theirs" {
		t.Fatalf("the other review's framework changed: %v", got)
	}

	// An action area with tagged notes cannot be deleted.
	e.fwTagNotes(aid, 2)
	r = lead.post(fwURL(rid, "areas", aid, "delete"), url.Values{"version": {areaVersion}})
	fwExpect(t, "delete a tagged action area", r, http.StatusUnprocessableEntity,
		"2 notes are tagged to this action area", `href="#delete-area"`)
	if !bytes.Equal(fwExport(lead, rid), before) {
		t.Fatal("a refused delete changed the framework")
	}
	for _, a := range []string{"framework.group_added", "framework.group_renamed", "framework.group_deleted", "framework.area_changed", "framework.area_deleted"} {
		want := 0
		if a == "framework.group_added" {
			want = 1 // the other review's
		}
		if n := e.auditCount(a); n != want {
			t.Errorf("%d %s entries, want %d", n, a, want)
		}
	}
}

func TestFrameworkImportBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFwFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	rid := f.reviewID
	before := fwExport(lead, rid)

	good := `{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`
	for _, tc := range []struct {
		name, mode, filename, file string
		says                       []string
	}{
		{"not JSON", "add", "f.json", "title: Access", []string{"The file is not valid JSON"}},
		{"not UTF-8", "add", "f.json", "{\"format\":\"\xff\xfe\"}", []string{"The file must be UTF-8 text"}},
		{"empty", "add", "f.json", "", []string{"The file is empty"}},
		{"unknown field", "add", "f.json", `{"format":"thematic-framework","version":1,"colour":"red","groups":[]}`,
			[]string{`The file has an unknown field "colour"`}},
		{"wrong type", "add", "f.json", `{"format":"thematic-framework","version":"one","groups":[]}`,
			[]string{"version must be a whole number"}},
		{"three problems", "replace", "f.json", `{"format":"thematic-frame","version":1,"groups":[
			{"title":" ","action_areas":[{"title":"Area","quote":"Words without a source"}]}]}`,
			[]string{"The file has 3 problems", `format must be "thematic-framework"`, "groups[0].title must not be empty",
				"groups[0].action_areas[0].citation must be given when there is a quote, so the report can footnote it"}},
		{"no file", "add", "", "", []string{"Select a framework file", `href="#file"`}},
		{"no mode", "", "f.json", good, []string{"Select whether to replace the current framework or add to it", `href="#mode"`}},
	} {
		r := fwImport(lead, rid, tc.mode, tc.filename, []byte(tc.file))
		fwExpect(t, tc.name, r, http.StatusUnprocessableEntity, append(tc.says, "There is a problem", "Import a framework")...)
		body := html.UnescapeString(r.Body)
		if tc.filename != "" && tc.file != good {
			// Every problem is in the error summary, linked to the file input.
			summary := body[strings.Index(body, "govuk-error-summary__list"):]
			summary = summary[:strings.Index(summary, "</ul>")]
			for _, s := range tc.says {
				if !strings.HasPrefix(s, "The file has 3") && !strings.Contains(summary, `<a href="#file">`+s) {
					t.Errorf("%s: %q not linked to the file input in the summary:\n%s", tc.name, s, summary)
				}
			}
		}
		if tc.name == "three problems" && strings.Count(body, `<li><a href="#file">`) != 3 {
			t.Errorf("three problems: summary has %d items", strings.Count(body, `<li><a href="#file">`))
		}
		if !strings.Contains(r.Body, `value="`+tc.mode+`" checked`) && tc.mode != "" {
			t.Errorf("%s: the chosen mode is not kept", tc.name)
		}
	}
	// A file over the form limit is refused with the limit named, before it is parsed.
	big := `{"format":"thematic-framework","version":1,"groups":[{"title":"` + strings.Repeat("x", int(e.cfg.MaxBodyBytes)) + `"}]}`
	r := fwImport(lead, rid, "add", "big.json", []byte(big))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The file must be smaller than 1 MB") {
		t.Errorf("large file: %d, want 422 naming the limit", r.Status)
	}
	if !bytes.Equal(fwExport(lead, rid), before) {
		t.Fatal("a refused import changed the framework")
	}
	if n := e.auditCount("framework.imported"); n != 0 {
		t.Fatalf("%d imports audited", n)
	}
	// The import page's form is multipart and takes JSON files.
	page := lead.get(fwURL(rid, "import"))
	fwExpect(t, "import page", page, http.StatusOK, `enctype="multipart/form-data"`, `type="file"`, `accept=".json,application/json"`,
		"1 MB or smaller", "Replace the current framework", "Add to the current framework")
}

func TestFrameworkRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFwFixture(t, e)
	rid := f.reviewID
	// A new form each time: client.post stores its CSRF token in the values.
	add := func() url.Values { return url.Values{"title": {"A new group"}} }
	for _, email := range []string{"inspector@demo.test", "observer@demo.test"} {
		c := e.signedIn(email)
		page := fwPage(c, rid)
		if !strings.Contains(page, "Seamless support for families") || !strings.Contains(page, "Download the framework") {
			t.Errorf("%s: framework page incomplete", email)
		}
		for _, s := range []string{"Add a group", "Move up", "Rename or delete", "Import a framework"} {
			if strings.Contains(page, s) {
				t.Errorf("%s sees %q", email, s)
			}
		}
		if r := c.get(fwURL(rid, "export")); r.Status != http.StatusOK {
			t.Errorf("%s export: %d", email, r.Status)
		}
		if r := c.post(fwURL(rid, "groups"), add()); r.Status != http.StatusForbidden {
			t.Errorf("%s add group: %d, want 403", email, r.Status)
		}
		if r := c.get(fwURL(rid, "import")); r.Status != http.StatusForbidden {
			t.Errorf("%s import page: %d, want 403", email, r.Status)
		}
		if r := fwImport(c, rid, "replace", "f.json", []byte(`{}`)); r.Status != http.StatusForbidden {
			t.Errorf("%s import: %d, want 403", email, r.Status)
		}
		if r := c.get(fwURL(rid, "areas", f.actionAreaID, "edit")); r.Status != http.StatusForbidden {
			t.Errorf("%s edit page: %d, want 403", email, r.Status)
		}
	}
	contact := e.signedIn("la.contact@demo.test")
	for _, p := range []string{fwURL(rid), fwURL(rid, "export"), fwURL(rid, "import"), fwURL(rid, "areas", f.actionAreaID, "edit")} {
		if r := contact.get(p); r.Status != http.StatusForbidden {
			t.Errorf("contact GET %s: %d, want 403", p, r.Status)
		}
	}
	if r := contact.post(fwURL(rid, "groups"), add()); r.Status != http.StatusForbidden {
		t.Errorf("contact add group: %d, want 403", r.Status)
	}
	for _, email := range []string{"admin@demo.test", "admin@other.test"} {
		c := e.signedIn(email)
		for _, p := range []string{fwURL(rid), fwURL(rid, "export"), fwURL(rid, "import")} {
			if r := c.get(p); r.Status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", email, p, r.Status)
			}
		}
		if r := c.post(fwURL(rid, "groups"), add()); r.Status != http.StatusNotFound {
			t.Errorf("%s add group: %d, want 404\n%s", email, r.Status, r.Body)
		}
	}
	if n := len(e.fwGroupIDs(rid)); n != 2 {
		t.Fatalf("%d groups after refused changes, want 2", n)
	}
	if n := e.auditCount("access.refused"); n == 0 {
		t.Error("refused access not audited")
	}
}
