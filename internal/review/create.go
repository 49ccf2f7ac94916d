package review

import (
	"context"
	"fmt"

	"thematic/internal/auth"
	"thematic/internal/db"
)

// EnquiryGroup is a group of lines of enquiry, such as "Experiences of families".
type EnquiryGroup struct {
	ID       string
	Title    string
	Position int
	Lines    []EnquiryLine
}

// EnquiryLine is one question of a line of enquiry.
type EnquiryLine struct {
	ID       string
	GroupID  string
	Question string
	Position int
}

// Create inserts a review in set-up and makes creatorID its lead. It returns the new id.
func Create(ctx context.Context, q db.Querier, tenantID, creatorID string, r Review) (string, error) {
	var id string
	err := q.QueryRow(ctx, `INSERT INTO reviews (tenant_id, title, summary, key_question, fieldwork_start, fieldwork_end,
			planned_publication, created_by, create_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, '')) RETURNING id`,
		tenantID, r.Title, r.Summary, r.KeyQuestion, r.FieldworkStart, r.FieldworkEnd, r.PlannedPublication, creatorID,
		r.CreateKey).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("review: create: %w", err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role) VALUES ($1, $2, $3, $4)`,
		tenantID, id, creatorID, string(auth.ReviewLead)); err != nil {
		return "", fmt.Errorf("review: make creator lead: %w", err)
	}
	return id, nil
}

// InsertEnquiry appends groups of lines of enquiry after any the review has.
func InsertEnquiry(ctx context.Context, q db.Querier, tenantID, reviewID string, groups []EnquiryGroup) error {
	var start int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2`,
		tenantID, reviewID).Scan(&start); err != nil {
		return fmt.Errorf("review: enquiry position: %w", err)
	}
	for gi, g := range groups {
		var gid string
		if err := q.QueryRow(ctx, `INSERT INTO enquiry_groups (tenant_id, review_id, title, position) VALUES ($1, $2, $3, $4) RETURNING id`,
			tenantID, reviewID, g.Title, start+gi+1).Scan(&gid); err != nil {
			return fmt.Errorf("review: insert enquiry group: %w", err)
		}
		for li, l := range g.Lines {
			if _, err := q.Exec(ctx, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
				VALUES ($1, $2, $3, $4, $5)`, tenantID, reviewID, gid, l.Question, li+1); err != nil {
				return fmt.Errorf("review: insert line of enquiry: %w", err)
			}
		}
	}
	return nil
}

// EnquiryOf converts a template's lines of enquiry.
func (t Template) EnquiryOf() []EnquiryGroup {
	var out []EnquiryGroup
	for _, g := range t.LinesOfEnquiry {
		eg := EnquiryGroup{Title: g.Title}
		for _, q := range g.Questions {
			eg.Lines = append(eg.Lines, EnquiryLine{Question: q})
		}
		out = append(out, eg)
	}
	return out
}

// ApplyTemplate gives a review a template's framework, lines of enquiry and vocabularies (added to
// any lists it has) and, when the review has none, its key question.
func ApplyTemplate(ctx context.Context, q db.Querier, tenantID, reviewID string, t Template) error {
	fw, probs := t.Framework.Check()
	if len(probs) > 0 {
		return fmt.Errorf("review: template %s is invalid: %v", t.Name, probs)
	}
	if err := InsertFramework(ctx, q, tenantID, reviewID, fw); err != nil {
		return err
	}
	if err := InsertEnquiry(ctx, q, tenantID, reviewID, t.EnquiryOf()); err != nil {
		return err
	}
	v := t.Vocabulary
	if probs := v.Check(); len(probs) > 0 {
		return fmt.Errorf("review: template %s vocabularies are invalid: %v", t.Name, probs)
	}
	if err := SeedVocabulary(ctx, q, tenantID, reviewID, v); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `UPDATE reviews SET key_question = $3 WHERE tenant_id = $1 AND id = $2 AND key_question = ''`,
		tenantID, reviewID, t.KeyQuestion)
	if err != nil {
		return fmt.Errorf("review: template key question: %w", err)
	}
	return nil
}

// LoadEnquiry reads a review's lines of enquiry in order, in one query.
func LoadEnquiry(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]EnquiryGroup, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.title, g.position, l.id, l.question, l.position
		FROM enquiry_groups g
		LEFT JOIN enquiry_lines l ON l.tenant_id = g.tenant_id AND l.group_id = g.id
		WHERE g.tenant_id = $1 AND g.review_id = $2
		ORDER BY g.position, g.id, l.position, l.id`, tenantID, reviewID)
	if err != nil {
		return nil, fmt.Errorf("review: load enquiry %s: %w", reviewID, err)
	}
	defer rows.Close()
	var out []EnquiryGroup
	for rows.Next() {
		var g EnquiryGroup
		var lID, lQ *string
		var lPos *int
		if err := rows.Scan(&g.ID, &g.Title, &g.Position, &lID, &lQ, &lPos); err != nil {
			return nil, fmt.Errorf("review: scan enquiry: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != g.ID {
			out = append(out, g)
		}
		if lID != nil {
			last := &out[len(out)-1]
			last.Lines = append(last.Lines, EnquiryLine{ID: *lID, GroupID: g.ID, Question: *lQ, Position: *lPos})
		}
	}
	return out, rows.Err()
}
