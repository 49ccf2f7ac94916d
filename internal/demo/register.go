package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/recommendation"
	"thematic/internal/register"
	"thematic/internal/report"
	"thematic/internal/review"
)

// EarlierReviewTitle names the demo's second review: an earlier, published review (invented for
// the demo) whose recommendations are in the recommendations register, one of them followed up
// by a finding of the Start for Life review.
const EarlierReviewTitle = "Early help for families with babies: thematic review"

// earlierRecommendation is a recommendation of the earlier review with what happened to it.
type earlierRecommendation struct {
	addressee, body string
	status          string
	responses       []register.ResponseInput
}

var earlierRecommendations = []earlierRecommendation{
	{"Local areas", "Local areas agree how midwifery, health visiting and early help share what they know about a family, so that families do not have to repeat their story to each new professional.",
		register.StatusInProgress, []register.ResponseInput{
			{Responder: "Local Government Association", ReceivedOn: "2022-06-14",
				Body: "Councils support the recommendation. Several areas have started joint information-sharing agreements with their health partners."}}},
	{"Central government", "Central government publishes guidance on what a family hub offers families with babies, so that families know what to expect wherever they live.",
		register.StatusImplemented, []register.ResponseInput{
			{Responder: "Department for Education", ReceivedOn: "2022-05-20",
				Body: "The department accepts the recommendation and will publish guidance for local authorities."},
			{Responder: "Department for Education", ReceivedOn: "2023-02-01",
				Body: "The guidance has been published."}}},
	{"Central and local government", "Central and local government plan the early years workforce together, so that hubs have the health professionals families need.",
		register.StatusResponseReceived, []register.ResponseInput{
			{Responder: "Department of Health and Social Care", ReceivedOn: "2022-07-04",
				Body: "The department notes the recommendation and will consider it in its workforce plan."}}},
	{"Local areas", "Local areas make sure fathers and partners are invited to the support they offer, not only mothers.",
		register.StatusOpen, nil},
}

// seedEarlierReview adds the earlier published review, its recommendations with their statuses
// and responses, and links the Start for Life review's first finding to its first recommendation.
// The lead, the inspector and the observer are on it; the local authority contact is not.
func seedEarlierReview(ctx context.Context, tx pgx.Tx, tenantID string, ids map[string]string, laterReviewID string) error {
	leadID := ids["lead@demo.test"]
	r := review.Review{Title: EarlierReviewTitle,
		Summary: "An earlier review, invented for the demo, of the early help offered to families with babies. " +
			"Its report is published, so its recommendations are in the recommendations register.",
		FieldworkStart: date("2021-09-06"), FieldworkEnd: date("2021-10-29"), PlannedPublication: date("2022-03-15")}
	reviewID, err := review.Create(ctx, tx, tenantID, leadID, r)
	if err != nil {
		return err
	}
	for _, m := range []struct{ email, role string }{{"inspector@demo.test", "inspector"}, {"observer@demo.test", "observer"}} {
		if _, err := review.AddMember(ctx, tx, tenantID, reviewID, m.email, review.MemberDetails{Role: auth.ReviewRole(m.role)}); err != nil {
			return fmt.Errorf("demo: earlier review member %s: %w", m.email, err)
		}
	}
	// The recommendations are written, then the report is published on its date.
	sc := db.Scope{TenantID: tenantID, UserID: leadID, ReviewID: reviewID}
	var recIDs []string
	for i, rec := range earlierRecommendations {
		if _, err := review.EnsureTerm(ctx, tx, sc, review.VocabAddressees, rec.addressee); err != nil {
			return fmt.Errorf("demo: earlier addressee: %w", err)
		}
		id, _, err := recommendation.Create(ctx, tx, tenantID, reviewID, leadID, recommendation.Input{Body: rec.body,
			Addressee: rec.addressee, Key: fmt.Sprintf("demo-earlier-recommendation-%02d", i+1)})
		if err != nil {
			return fmt.Errorf("demo: earlier recommendation %d: %w", i+1, err)
		}
		recIDs = append(recIDs, id)
	}
	if err := report.RecordPublished(ctx, tx, tenantID, reviewID, leadID, time.Date(2022, 3, 15, 9, 30, 0, 0, time.UTC)); err != nil {
		return err
	}
	if _, err := review.SetStage(ctx, tx, tenantID, reviewID, leadID, review.StatusPublished); err != nil {
		return fmt.Errorf("demo: earlier review published: %w", err)
	}
	for i, rec := range earlierRecommendations {
		for j, resp := range rec.responses {
			resp.Key = fmt.Sprintf("demo-earlier-response-%02d-%02d", i+1, j+1)
			if err := register.AddResponseTx(ctx, tx, tenantID, leadID, recIDs[i], resp); err != nil {
				return err
			}
		}
		if rec.status != register.StatusOpen {
			if err := register.SetStatusTx(ctx, tx, tenantID, leadID, recIDs[i], rec.status); err != nil {
				return err
			}
		}
	}
	// The Start for Life review's first finding (separate record systems) follows up the first.
	var findingID string
	if err := tx.QueryRow(ctx, `SELECT id::text FROM findings WHERE tenant_id = $1 AND review_id = $2 AND idempotency_key = 'demo-finding-01'`,
		tenantID, laterReviewID).Scan(&findingID); err != nil {
		return fmt.Errorf("demo: finding to follow up: %w", err)
	}
	return register.LinkTx(ctx, tx, tenantID, leadID, findingID, recIDs[0])
}
