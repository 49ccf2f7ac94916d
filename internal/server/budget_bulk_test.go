package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/archive"
	"thematic/internal/demo"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// createReviewBudget is the most statements creating a review sends, whatever it starts from and
// however large the template or the review copied: the session's read and write, the actor, and
// review.Start's own budget (which says how it is made up). Before it was set-based, creating
// from the template sent 40 to 44.
const createReviewBudget = 3 + review.StartBudget

// TestCreatingAReviewWithinItsBudget creates a review from the template, blank, and as a copy of
// the demo review, and counts the statements of each request.
func TestCreatingAReviewWithinItsBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	var demoID string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&demoID); err != nil {
		t.Fatal(err)
	}
	lead := e.signedIn("lead@demo.test")
	for _, c := range []struct {
		name   string
		mod    func(url.Values)
		budget int64
	}{
		{"from the template", func(f url.Values) { f.Set("start", "template") }, createReviewBudget},
		{"blank", func(f url.Values) { f.Set("start", "blank") }, createReviewBudget},
		{"as a copy", func(f url.Values) { f.Set("start", "copy"); f.Set("copy_from", demoID) }, createReviewBudget},
	} {
		f := rvtNewForm(lead)
		c.mod(f)
		n, sql, r := measured(t, te, lead, "/reviews", f)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("creating a review %s: %d\n%s", c.name, r.Status, r.Body)
		}
		t.Logf("creating a review %s: %d statements", c.name, n)
		if n > c.budget {
			t.Errorf("creating a review %s sends %d statements, more than %d:\n  %s", c.name, n, c.budget, strings.Join(sql, "\n  "))
		}
	}
}

// importReviewBudget is the most statements importing an archive sends, whatever its size: the
// session's read and write, the actor, and archive.ImportReviewBudget (archive.Import says how it
// is made up). Before the import's tables were written together it sent 51 for a review of one note
// and 53 for one of 271 notes.
const importReviewBudget = 3 + archive.ImportReviewBudget

// TestImportingAnArchiveWithinItsBudget imports the demo review's archive, then the archive of the
// same review with 300 notes more, through the import form, and counts the statements of each.
func TestImportingAnArchiveWithinItsBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	send := func(key string) (int64, int) {
		data := []byte(lead.get("/reviews/" + f.reviewID + "/archive").Body)
		a, err := archive.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf_token", lead.csrf()) // read before counting: a request of its own
		_ = mw.WriteField("key", key)
		fw, _ := mw.CreateFormFile("archive_file", "review-archive.json")
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequest("POST", e.ts.URL+"/reviews/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		before := te.Statements()
		r := lead.do(req)
		n := te.Statements() - before
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Review imported") {
			t.Fatalf("import: %d\n%.2000s", r.Status, r.Body)
		}
		t.Logf("importing an archive of %d notes: %d statements", len(a.Notes), n)
		if n > importReviewBudget {
			t.Errorf("importing an archive of %d notes sends %d statements, more than %d:\n  %s", len(a.Notes), n, importReviewBudget,
				strings.Join(te.StatementsSince(before), "\n  "))
		}
		return n, len(a.Notes)
	}
	small, smallNotes := send("budget-small")
	qcManyNotes(t, e, f)
	large, largeNotes := send("budget-large")
	if largeNotes < smallNotes+250 {
		t.Fatalf("%d notes, then %d", smallNotes, largeNotes)
	}
	if small != large {
		t.Errorf("importing %d notes sends %d statements, %d notes %d: the count grows with the archive", smallNotes, small, largeNotes, large)
	}
}
