package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"thematic/internal/demo"
)

// rawPost sends a form without the test helpers' t.Fatal, so that it can run in goroutines.
func rawPost(c *client, path string, form url.Values) (int, string, error) {
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

// TestConcurrentEditsOfOneFindingOneWinsEachRound: 20 leads' tabs save the same finding from
// the same version at once, three rounds running. Each round exactly one save wins; the other 19
// get the conflict page; the finding holds the winner's words and no update is lost or doubled.
func TestConcurrentEditsOfOneFindingOneWinsEachRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var reviewID, findingID string
	if err := e.db.Super.QueryRow(ctx, `SELECT f.review_id, f.id FROM findings f JOIN reviews r ON r.id = f.review_id
		WHERE r.title = $1 ORDER BY f.id LIMIT 1`, demo.ReviewTitle).Scan(&reviewID, &findingID); err != nil {
		t.Fatal(err)
	}
	lead := e.signedIn("lead@demo.test")
	token := lead.csrf()
	path := "/reviews/" + reviewID + "/findings/" + findingID
	updatesBefore := e.auditCount("finding.updated")
	for round := 1; round <= 3; round++ {
		var version int
		if err := e.db.Super.QueryRow(ctx, `SELECT version FROM findings WHERE id = $1`, findingID).Scan(&version); err != nil {
			t.Fatal(err)
		}
		statuses := make([]int, 20)
		errs := make([]error, 20)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _, errs[i] = rawPost(lead, path, url.Values{"csrf_token": {token}, "version": {strconv.Itoa(version)},
					"body": {fmt.Sprintf("In {areas}, round %d, edit %d.", round, i)}, "style": {"word"}})
			}()
		}
		wg.Wait()
		winner, conflicts := -1, 0
		for i, s := range statuses {
			if errs[i] != nil {
				t.Fatalf("round %d edit %d: %v", round, i, errs[i])
			}
			switch s {
			case http.StatusSeeOther:
				if winner >= 0 {
					t.Fatalf("round %d: edits %d and %d both won", round, winner, i)
				}
				winner = i
			case http.StatusConflict:
				conflicts++
			default:
				t.Fatalf("round %d edit %d: status %d", round, i, s)
			}
		}
		if winner < 0 || conflicts != 19 {
			t.Fatalf("round %d: winner %d, %d conflicts", round, winner, conflicts)
		}
		var body string
		var after int
		if err := e.db.Super.QueryRow(ctx, `SELECT body, version FROM findings WHERE id = $1`, findingID).Scan(&body, &after); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("In {areas}, round %d, edit %d.", round, winner); body != want || after != version+1 {
			t.Fatalf("round %d: finding says %q at version %d, want %q at %d", round, body, after, want, version+1)
		}
	}
	if n := e.auditCount("finding.updated") - updatesBefore; n != 3 {
		t.Fatalf("%d updates audited, want 3", n)
	}
}

// TestReplayedNoteSubmissionMakesOneNote: the same note form sent 100 times at once with one
// idempotency key (a queue replayed from several tabs) makes one note, and every send is answered
// as a success pointing at that note.
func TestReplayedNoteSubmissionMakesOneNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	c := e.signedIn("inspector@demo.test")
	form := f.ntForm(t, c)
	form.Set("csrf_token", c.csrf())
	before := f.notes()
	locations := make([]string, 100)
	statuses := make([]int, 100)
	errs := make([]error, 100)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], locations[i], errs[i] = rawPost(c, f.postPath(), form)
		}()
	}
	wg.Wait()
	for i := range statuses {
		if errs[i] != nil {
			t.Fatalf("send %d: %v", i, errs[i])
		}
		if statuses[i] != http.StatusSeeOther || locations[i] != locations[0] {
			t.Fatalf("send %d: %d to %q (first went to %q)", i, statuses[i], locations[i], locations[0])
		}
	}
	if n := f.notes() - before; n != 1 {
		t.Fatalf("%d notes made from one key sent 100 times", n)
	}
}
