package report

import (
	"context"
	"strings"

	"thematic/internal/db"
	"thematic/internal/finding"
	"thematic/internal/practice"
	"thematic/internal/recommendation"
	"thematic/internal/review"
)

// Load reads everything the report is built from, in a fixed number of statements whatever the
// size of the review.
func Load(ctx context.Context, q db.Querier, tenantID, reviewID string) (Data, error) {
	rv, err := review.Get(ctx, q, tenantID, reviewID)
	if err != nil {
		return Data{}, err
	}
	d := Data{ReviewID: rv.ID, Title: rv.Title, Published: rv.PlannedPublication, KeyQuestion: rv.KeyQuestion, Texts: map[string]string{}}
	texts, err := LoadTexts(ctx, q, tenantID, reviewID)
	if err != nil {
		return d, err
	}
	for k, t := range texts {
		d.Texts[k] = t.Body
	}
	fw, err := review.LoadFramework(ctx, q, tenantID, reviewID)
	if err != nil {
		return d, err
	}
	for _, g := range fw.Groups {
		rg := Group{ID: g.ID, Title: g.Title}
		for _, a := range g.Areas {
			rg.Areas = append(rg.Areas, ActionArea{ID: a.ID, Title: a.Title, Quote: a.Quote, Citation: a.Citation})
		}
		d.Groups = append(d.Groups, rg)
	}
	if d.Findings, err = finding.List(ctx, q, tenantID, reviewID, ""); err != nil {
		return d, err
	}
	if d.Facts, err = LoadFacts(ctx, q, tenantID, reviewID); err != nil {
		return d, err
	}
	if err := loadPractice(ctx, q, tenantID, reviewID, &d); err != nil {
		return d, err
	}
	return d, nil
}

// LoadTrail adds the notes behind every finding, for the evidence trail (Doc.Trail is built only
// when they are loaded: the published report does not need them).
func LoadTrail(ctx context.Context, q db.Querier, tenantID, reviewID string, d *Data) error {
	linked, err := finding.Notes(ctx, q, tenantID, reviewID, nil)
	if err != nil {
		return err
	}
	if linked == nil {
		linked = map[string][]finding.LinkedNote{}
	}
	d.Linked = linked
	return nil
}

// loadPractice reads the good-practice examples (with a warning when one names an area) and
// the recommendations.
func loadPractice(ctx context.Context, q db.Querier, tenantID, reviewID string, d *Data) error {
	examples, err := practice.List(ctx, q, tenantID, reviewID, "")
	if err != nil {
		return err
	}
	names, err := practice.AreaNames(ctx, q, tenantID, reviewID)
	if err != nil {
		return err
	}
	for _, e := range examples {
		d.Examples = append(d.Examples, Example{ID: e.ID, ActionAreaID: e.ActionAreaID, Text: e.Text(), AreaName: e.AreaName,
			NoteID: e.NoteID, Warning: strings.Join(e.Warnings(names), " ")})
	}
	recs, err := recommendation.List(ctx, q, tenantID, reviewID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		d.Recommendations = append(d.Recommendations, Recommendation{ID: r.ID, Text: r.Body, Addressee: r.Addressee, FindingIDs: r.FindingIDs})
	}
	return nil
}
