package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
)

// TestVisitPageShowsItsEvidence: the visit page counts the visit's notes, links to them in the
// evidence base and lists the reader's latest notes; a contact sees none of it.
func TestVisitPageShowsItsEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var reviewID, visitID string
	var total, mine int
	if err := e.db.Super.QueryRow(ctx, `SELECT n.review_id, n.visit_id, count(*) FILTER (WHERE NOT n.safeguarding),
			count(*) FILTER (WHERE u.email = 'inspector@demo.test')
		FROM evidence_notes n JOIN users u ON u.id = n.author_id WHERE n.deleted_at IS NULL
		GROUP BY 1, 2 ORDER BY 4 DESC LIMIT 1`).Scan(&reviewID, &visitID, &total, &mine); err != nil {
		t.Fatal(err)
	}
	if mine <= 5 {
		t.Fatalf("the demo should give the inspector more than 5 notes on one visit, got %d", mine)
	}
	var latest string
	if err := e.db.Super.QueryRow(ctx, `SELECT left(body, 40) FROM evidence_notes n JOIN users u ON u.id = n.author_id
		WHERE n.visit_id = $1 AND u.email = 'inspector@demo.test' ORDER BY n.created_at DESC, n.id DESC LIMIT 1`, visitID).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	path := "/reviews/" + reviewID + "/visits/" + visitID
	count := fmt.Sprintf("%d notes from this visit in the evidence base", total)
	link := fmt.Sprintf(`href="/reviews/%s/evidence?visit=%s"`, reviewID, visitID)

	r := e.signedIn("inspector@demo.test").get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("inspector: %d", r.Status)
	}
	latest = html.EscapeString(latest) // as the page writes it
	for _, want := range []string{"Evidence from this visit", count, link, "Record a note",
		fmt.Sprintf("Your latest 5 of %d notes", mine), latest} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("inspector's visit page lacks %q", want)
		}
	}

	r = e.signedIn("observer@demo.test").get(path)
	if !strings.Contains(r.Body, count) || strings.Contains(r.Body, "Record a note") || strings.Contains(r.Body, latest) {
		t.Errorf("observer: want the count, no record button and none of the inspector's notes")
	}
}

// TestLockedReviewTakesNoNewNotes: once the lead has locked the evidence, the visit page says so
// instead of offering to record a note, and the note form is refused.
func TestLockedReviewTakesNoNewNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var reviewID, visitID string
	if err := e.db.Super.QueryRow(ctx, `SELECT review_id, id FROM visits LIMIT 1`).Scan(&reviewID, &visitID); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("inspector@demo.test")
	path := "/reviews/" + reviewID + "/visits/" + visitID
	if r := c.get(path + "/notes/new"); r.Status != http.StatusOK {
		t.Fatalf("note form before the lock: %d", r.Status)
	}
	if _, err := e.db.Super.Exec(ctx, `UPDATE reviews SET status = 'drafting', evidence_locked_at = now(),
		evidence_locked_by = (SELECT id FROM users WHERE email = 'lead@demo.test') WHERE id = $1`, reviewID); err != nil {
		t.Fatal(err)
	}
	r := c.get(path)
	if !strings.Contains(r.Body, "so no new notes can be recorded") || strings.Contains(r.Body, "Record a note") {
		t.Errorf("visit page of a locked review should say it is locked and offer no recording")
	}
	if r := c.get(path + "/notes/new"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "locked") {
		t.Errorf("note form of a locked review: %d, want 403 saying it is locked", r.Status)
	}
}
