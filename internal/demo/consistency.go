package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/consistency"
	"thematic/internal/db"
	"thematic/internal/evidence"
)

// Double coding on the demo review: a random tenth of the notes, seed 2023, coded a second time
// by the quality-assurance lead (who wrote no notes), who agrees with the authors on most notes
// and differs on a few, so that the consistency page shows figures and disagreements to moderate.
const (
	DemoSampleShare = 10
	DemoSampleSeed  = 2023
	DemoCoder       = "qa.lead@demo.test"
)

func seedConsistency(ctx context.Context, tx pgx.Tx, tenantID, reviewID, leadID string, memberIDs map[string]string) error {
	sc := db.Scope{TenantID: tenantID, UserID: leadID, Email: "seed", ReviewID: reviewID}
	coder := memberIDs[DemoCoder]
	_, err := consistency.DrawTx(ctx, tx, sc, consistency.DrawInput{Method: consistency.Random, Share: fmt.Sprint(DemoSampleShare),
		Seed: fmt.Sprint(DemoSampleSeed), Coders: []string{coder}, Key: "demo-consistency-sample"})
	if err != nil {
		return fmt.Errorf("demo: consistency sample: %w", err)
	}
	s, err := consistency.LoadSample(ctx, tx, tenantID, reviewID)
	if err != nil {
		return err
	}
	var areas []string
	if err := tx.QueryRow(ctx, `SELECT array_agg(id::text ORDER BY position) FROM action_areas WHERE tenant_id = $1 AND review_id = $2`,
		tenantID, reviewID).Scan(&areas); err != nil {
		return fmt.Errorf("demo: action areas: %w", err)
	}
	other := map[string]string{evidence.Strength: evidence.Development, evidence.Development: evidence.Neutral, evidence.Neutral: evidence.Strength}
	for i, n := range s.Notes {
		in := consistency.CodingInput{ActionAreas: n.Original.ActionAreas, Judgement: n.Original.Judgement, GoodPractice: n.Original.GoodPractice}
		switch i % 5 {
		case 1:
			in.Judgement = other[in.Judgement] // a different judgement
		case 3:
			in.GoodPractice = !in.GoodPractice
		}
		if i%7 == 2 {
			// One more action area: the first the author did not tag.
			for _, a := range areas {
				if !contains(in.ActionAreas, a) {
					in.ActionAreas = append(append([]string{}, in.ActionAreas...), a)
					break
				}
			}
		}
		if _, err := consistency.SaveCodingTx(ctx, tx, sc, coder, n.NoteID, in); err != nil {
			return fmt.Errorf("demo: coding of sampled note %d: %w", i+1, err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
