package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/report"
	"thematic/internal/review"
	"thematic/internal/testenv"
)

// stPublish takes the demo review from analysis to publication through the functions the stage
// form and the report's sign-off call: the lead moves it to drafting and sends the report, the
// second lead approves it, the lead publishes it.
func stPublish(t *testing.T, env *testenv.Env, reviewID string) {
	t.Helper()
	ctx := context.Background()
	var tenantID, lead, qa string
	if err := env.DB.Super.QueryRow(ctx, `SELECT r.tenant_id::text, (SELECT id::text FROM users WHERE email = 'lead@demo.test'),
		(SELECT id::text FROM users WHERE email = 'qa.lead@demo.test') FROM reviews r WHERE r.id = $1`, reviewID).
		Scan(&tenantID, &lead, &qa); err != nil {
		t.Fatal(err)
	}
	as := func(userID string, fn func(tx pgx.Tx) error) {
		t.Helper()
		if err := db.InTx(ctx, env.DB.Owner, db.Scope{TenantID: tenantID, UserID: userID}, fn); err != nil {
			t.Fatal(err)
		}
	}
	stage := func(userID string, to review.Status) {
		as(userID, func(tx pgx.Tx) error {
			rv, err := review.Get(ctx, tx, tenantID, reviewID)
			if err != nil {
				return err
			}
			_, err = report.MoveStage(ctx, tx, tenantID, reviewID, userID, rv.Version, to, "")
			return err
		})
	}
	step := func(userID, to string) {
		as(userID, func(tx pgx.Tx) error {
			st, err := report.LoadState(ctx, tx, tenantID, reviewID)
			if err != nil {
				return err
			}
			_, err = report.Move(ctx, tx, tenantID, reviewID, userID, to, "", st.Version)
			return err
		})
	}
	stage(lead, review.StatusDrafting)
	stage(lead, review.StatusQA)
	step(qa, report.StatusApproved)
	stage(lead, review.StatusPublished)
}

// TestJourneyStageCorrectionAfterPublication: the overview of a published review shows where it
// stands and what is locked; an observer gets no forms; the lead corrects it from a page of its
// own (no script needed), which asks for the reason first, and the report is a draft again.
// axe checks every page.
func TestJourneyStageCorrectionAfterPublication(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	reviewID := evDemoReview(t, env)
	base := "/reviews/" + reviewID
	stPublish(t, env, reviewID)

	b.signIn("observer@demo.test", demo.Password)
	b.Visit(base + "/")
	b.Expect("Stage of the review")
	b.Expect("Nothing can change: the review is published")
	if b.Has("form[action$='/status']") || b.Has("a[href$='/status/back']") {
		t.Fatal("an observer is offered the stage forms")
	}
	b.Submit("form[action='/sign-out'] button")

	b.signIn("lead@demo.test", demo.Password)
	b.Visit(base + "/")
	b.ClickLink("Correct the published review")
	// Sending (1) and approving (2) saved versions before publishing saved the third.
	b.Expect("The published report stays recorded as version 3")
	b.Submit("form[action$='/status'] button")
	b.Expect("Say what needs correcting in the published report")
	b.Fill("reason", "A figure in the summary is wrong.")
	b.Submit("form[action$='/status'] button")
	b.Expect("The review is now at drafting: the report is reopened for a correction")
	b.Expect("The evidence is locked")
	b.Visit(base + "/report")
	b.Expect("Draft")
	b.ClickLink("Edit the text of Background")
	b.Expect("How to format the text")
}
