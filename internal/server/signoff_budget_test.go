package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// signOffBudget is the most statements a step of the report's sign-off may send: more than a
// page (requestBudget), as a step locks the review and the report (3), checks what the move needs
// (1), builds the report once (2), saves it as a version, writes the step and the stage, each
// audited (6), besides the session, the actor and the transaction (6). Publishing sent 21 when it
// built the report twice.
const signOffBudget = 18

// TestReportSignOffStepsWithinTheStatementBudget counts the statements of sending the report for
// quality assurance, approving and publishing it: each builds the report once.
func TestReportSignOffStepsWithinTheStatementBudget(t *testing.T) {
	t.Parallel()
	te := testenv.New(t)
	e := &env{t: t, db: te.DB, srv: te.Server, ts: te.HTTP, cfg: te.Config}
	f := newRPFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	qa := e.signedIn("qa.lead@demo.test")
	f.save(t, lead, "summary", "Families found the hubs welcoming.")
	for _, to := range []review.Status{review.StatusFieldwork, review.StatusAnalysis, review.StatusDrafting} {
		soWant(t, "move to "+string(to), e.stMove(lead, f.reviewID, to, ""), http.StatusSeeOther)
	}
	for _, st := range []struct {
		to string
		c  *client
	}{{report.StatusQA, lead}, {report.StatusApproved, qa}, {report.StatusPublished, lead}} {
		var version int
		if err := e.db.Super.QueryRow(context.Background(), `SELECT version FROM reports WHERE review_id = $1`, f.reviewID).Scan(&version); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"to": {st.to}, "note": {""}, "version": {strconv.Itoa(version)}, "csrf_token": {st.c.csrf()}}
		before := te.Statements()
		r := st.c.postRaw(f.path("/status"), form)
		n := te.Statements() - before
		sql := te.StatementsSince(before)
		soWant(t, st.to, r, http.StatusSeeOther)
		builds := 0
		for _, s := range sql {
			if strings.Contains(s, "FROM reviews rv") && strings.Contains(s, "LEFT JOIN reports st") {
				builds++
			}
		}
		t.Logf("%s: %d statements, the report read %d times", st.to, n, builds)
		if builds != 1 {
			t.Errorf("%s reads the report %d times, want once:\n  %s", st.to, builds, strings.Join(sql, "\n  "))
		}
		if n > signOffBudget {
			t.Errorf("%s sends %d statements, more than %d:\n  %s", st.to, n, signOffBudget, strings.Join(sql, "\n  "))
		}
	}
}
