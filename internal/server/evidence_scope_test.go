package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// Content-level scope of the evidence: the access matrix checks each route's status; these tests
// check what each person's pages and exports hold, with note texts that must or must not appear,
// and that refused writes change nothing.

const (
	scopeOwnText   = "Parents at the baby group spoke about the infant feeding support." // the fixture's note, area 1
	scopeOtherText = "Sunderland outreach worker described the pram walks for new fathers."
)

// scopeFixture is the review fixture with a second note, on the visit to the other area (which the
// fixture's inspector is not on).
type scopeFixture struct {
	reviewFixture
	otherNote string
}

func newScopeFixture(t *testing.T, e *env) scopeFixture {
	t.Helper()
	ctx := context.Background()
	f := scopeFixture{reviewFixture: newReviewFixture(t, e)}
	err := db.InTx(ctx, e.db.Owner, db.Scope{TenantID: f.tenantID}, func(tx pgx.Tx) error {
		var author, source string
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&author); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 AND NOT needs_role
			ORDER BY position LIMIT 1`, f.tenantID, f.reviewID).Scan(&source); err != nil {
			return err
		}
		var err error
		f.otherNote, _, err = evidence.Create(ctx, tx, f.tenantID, f.reviewID, author, evidence.NoteInput{
			VisitID: f.visit2, SourceID: source, NoteDate: "2023-08-24", Body: scopeOtherText,
			ActionAreas: []string{f.actionAreaID}, Judgement: evidence.Strength, Key: "scope-other-note"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f scopeFixture) path(parts ...string) string {
	return "/reviews/" + f.reviewID + strings.Join(parts, "")
}

// scopeCSV reads an export's rows (without the header) and fails unless it is a CSV.
func scopeCSV(t *testing.T, r resp) [][]string {
	t.Helper()
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV: %v\n%s", err, r.Body)
	}
	return recs[1:]
}

func scopeHas(t *testing.T, who, what string, r resp, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("%s: %s does not show %q", who, what, w)
		}
	}
}

func scopeHasNot(t *testing.T, who, what string, r resp, not ...string) {
	t.Helper()
	for _, w := range not {
		if strings.Contains(r.Body, w) {
			t.Errorf("%s: %s shows %q", who, what, w)
		}
	}
}

// An observer reads the evidence base, the export and every note, and is offered no way to
// write: no "Record a note", no "Change the note" or "Delete the note"; their record, change and
// delete posts are refused with 403 and change nothing.
func TestEvidenceScopeObserverReadsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newScopeFixture(t, e)
	obs := e.signedIn("observer@demo.test")

	r := obs.get(f.path("/evidence"))
	if r.Status != http.StatusOK {
		t.Fatalf("evidence base: %d", r.Status)
	}
	scopeHas(t, "observer", "the evidence base", r, scopeOwnText, scopeOtherText, "/notes/"+f.noteID, "/notes/"+f.otherNote)
	scopeHasNot(t, "observer", "the evidence base", r, "Record a note", "/notes/new")
	if rows := scopeCSV(t, obs.get(f.path("/evidence.csv"))); len(rows) != 2 {
		t.Errorf("observer's CSV has %d rows, want 2", len(rows))
	}
	for _, n := range []struct{ id, text string }{{f.noteID, scopeOwnText}, {f.otherNote, scopeOtherText}} {
		r := obs.get(f.path("/notes/", n.id))
		if r.Status != http.StatusOK {
			t.Fatalf("note: %d", r.Status)
		}
		scopeHas(t, "observer", "a note", r, n.text, "History")
		scopeHasNot(t, "observer", "a note", r, "Change the note", "Delete the note", "/notes/"+n.id+"/edit", "/notes/"+n.id+"/delete")
	}
	r = obs.get(f.path("/visits/", f.visit1))
	if r.Status != http.StatusOK {
		t.Fatalf("visit: %d", r.Status)
	}
	scopeHasNot(t, "observer", "the visit page", r, "Record a note", "/notes/new")
	// The same page offers the lead both.
	lead := e.signedIn("lead@demo.test")
	scopeHas(t, "lead", "the visit page", lead.get(f.path("/visits/", f.visit1)), "Record a note")
	scopeHas(t, "lead", "a note", lead.get(f.path("/notes/", f.noteID)), "Change the note", "Delete the note")

	var version int
	ctx := context.Background()
	if err := e.db.Super.QueryRow(ctx, `SELECT version FROM evidence_notes WHERE id = $1`, f.noteID).Scan(&version); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"idempotency_key": {"observer-try"}, "body": {"Observer wrote this"}, "note-date-day": {"3"},
		"note-date-month": {"8"}, "note-date-year": {"2023"}, "judgement": {"strength"}, "version": {"1"}, "action": {"save"}}
	for _, p := range []string{
		f.path("/visits/", f.visit1, "/notes"),
		f.path("/notes/", f.noteID),
		f.path("/notes/", f.noteID, "/delete"),
	} {
		if r := obs.post(p, form); r.Status != http.StatusForbidden {
			t.Errorf("observer POST %s: %d, want 403", p, r.Status)
		}
	}
	for _, p := range []string{f.path("/visits/", f.visit1, "/notes/new"), f.path("/notes/", f.noteID, "/edit")} {
		if r := obs.get(p); r.Status != http.StatusForbidden || strings.Contains(r.Body, `name="body"`) {
			t.Errorf("observer GET %s: %d, want 403 and no form", p, r.Status)
		}
	}
	var notes, observerNotes, v2 int
	var body string
	var deleted bool
	if err := e.db.Super.QueryRow(ctx, `SELECT (SELECT count(*) FROM evidence_notes WHERE review_id = $1),
		(SELECT count(*) FROM evidence_notes WHERE body LIKE 'Observer%'),
		n.version, n.body, n.deleted_at IS NOT NULL FROM evidence_notes n WHERE n.id = $2`, f.reviewID, f.noteID).
		Scan(&notes, &observerNotes, &v2, &body, &deleted); err != nil {
		t.Fatal(err)
	}
	if notes != 2 || observerNotes != 0 || v2 != version || body != scopeOwnText || deleted {
		t.Errorf("the observer's posts changed the evidence: %d notes, %d by the observer, version %d→%d, deleted %v, body %q",
			notes, observerNotes, version, v2, deleted, body)
	}
}

// A local authority contact sees no evidence anywhere: not the evidence base, not the export
// (filtered to their own area or not), not a note of their own area, and the visit to their own
// area shows none of its notes.
func TestEvidenceScopeContactSeesNoEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newScopeFixture(t, e)
	la := e.signedIn("la.contact@demo.test")
	for _, p := range []string{
		f.path("/evidence"),
		f.path("/evidence?area=", f.area1),
		f.path("/evidence?q=infant+feeding"),
		f.path("/evidence.csv"),
		f.path("/evidence.csv?area=", f.area1),
		f.path("/notes/", f.noteID),
		f.path("/notes/", f.otherNote),
		f.path("/notes/", f.noteID, "/edit"),
		f.path("/visits/", f.visit1, "/notes/new"),
	} {
		r := la.get(p)
		if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("contact GET %s: %d, want 403 or 404", p, r.Status)
		}
		scopeHasNot(t, "contact", p, r, scopeOwnText, scopeOtherText, "infant feeding")
	}
	// Their own area's visit page: the visit, its dates and team, never its notes.
	r := la.get(f.path("/visits/", f.visit1))
	if r.Status != http.StatusOK {
		t.Fatalf("contact's own visit: %d", r.Status)
	}
	scopeHas(t, "contact", "their visit", r, "Visit to Northumberland")
	scopeHasNot(t, "contact", "their visit", r, scopeOwnText, "infant feeding", "/notes/"+f.noteID, "Record a note", "/notes/new")
	// The overview of the review and the area page do not leak it either.
	for _, p := range []string{f.path("/"), f.path("/areas/", f.area1)} {
		r := la.get(p)
		if r.Status != http.StatusOK {
			t.Fatalf("contact GET %s: %d", p, r.Status)
		}
		scopeHasNot(t, "contact", p, r, scopeOwnText, "infant feeding", "/notes/"+f.noteID, "/evidence")
	}
	// The visit page does show its notes' link to staff, so the check above is not vacuous: the
	// lead's copy names the evidence.
	if r := e.signedIn("lead@demo.test").get(f.path("/visits/", f.visit1)); !strings.Contains(r.Body, "/notes/new") {
		t.Errorf("the lead's visit page has no note link: the contact check proves nothing")
	}
}

// An inspector of the review sees all its notes, including those of a visit they are not on, in
// the list, the export and the note pages.
func TestEvidenceScopeInspectorSeesAllNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newScopeFixture(t, e)
	ins := e.signedIn("inspector@demo.test")
	r := ins.get(f.path("/evidence"))
	if r.Status != http.StatusOK {
		t.Fatalf("evidence base: %d", r.Status)
	}
	scopeHas(t, "inspector", "the evidence base", r, scopeOwnText, scopeOtherText, "Showing 2 notes.")
	rows := scopeCSV(t, ins.get(f.path("/evidence.csv")))
	var texts []string
	for _, row := range rows {
		texts = append(texts, row[len(row)-1])
	}
	if len(rows) != 2 || !strings.Contains(strings.Join(texts, "|"), scopeOtherText) || !strings.Contains(strings.Join(texts, "|"), scopeOwnText) {
		t.Errorf("inspector's CSV: %v", texts)
	}
	scopeHas(t, "inspector", "the other visit's note", ins.get(f.path("/notes/", f.otherNote)), scopeOtherText, "Change the note")
	r = ins.get(f.path("/evidence?area=", f.area2))
	scopeHas(t, "inspector", "the other area's notes", r, scopeOtherText, "Showing 1 note.")
	scopeHasNot(t, "inspector", "the other area's notes", r, scopeOwnText)
}

// Someone outside the review gets 404 for the review, its evidence, its notes and the export,
// whether they are staff of the same tenant or the admin of another tenant; nothing leaks.
func TestEvidenceScopeOutsidersGetNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newScopeFixture(t, e)
	for _, who := range []string{"cqc.inspector@demo.test", "admin@demo.test", "admin@other.test"} {
		c := e.signedIn(who)
		for _, p := range []string{
			f.path("/"),
			f.path("/evidence"),
			f.path("/evidence?q=fathers"),
			f.path("/evidence.csv"),
			f.path("/notes/", f.noteID),
			f.path("/notes/", f.otherNote),
			f.path("/notes/", f.otherNote, "/edit"),
			f.path("/visits/", f.visit2),
		} {
			r := c.get(p)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", who, p, r.Status)
			}
			scopeHasNot(t, who, p, r, scopeOwnText, scopeOtherText, "Access review")
		}
		if r := c.post(f.path("/notes/", f.otherNote, "/delete"), nil); r.Status != http.StatusNotFound {
			t.Errorf("%s deletes a note: %d", who, r.Status)
		}
	}
	var deleted bool
	if err := e.db.Super.QueryRow(context.Background(), `SELECT deleted_at IS NOT NULL FROM evidence_notes WHERE id = $1`, f.otherNote).Scan(&deleted); err != nil || deleted {
		t.Errorf("an outsider deleted a note (%v)", err)
	}
	// The same staff member, once in the review, reads the note: the 404 above is the scope.
	ctx := context.Background()
	if _, err := e.db.Super.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role)
		SELECT $1, $2, id, 'inspector' FROM users WHERE email = 'cqc.inspector@demo.test'`, f.tenantID, f.reviewID); err != nil {
		t.Fatal(err)
	}
	scopeHas(t, "cqc inspector once a member", "a note", e.signedIn("cqc.inspector@demo.test").get(f.path("/notes/", f.otherNote)), scopeOtherText)
}
