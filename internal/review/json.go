package review

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// JSON expressions for combined reads: a page that needs the framework or the lines of enquiry
// with other lists reads them in one statement, each list a scalar subquery returning JSON that pgx
// decodes into the same types LoadFramework and LoadEnquiry fill (NULL, a nil slice, when empty).

// FrameworkJSON is an expression: the groups of the framework of review reviewID of tenant
// tenantID (placeholders such as "$1", "$2"), each with its action areas, in LoadFramework's order.
// Scan it into a Framework's Groups.
func FrameworkJSON(tenantID, reviewID string) string {
	return `(SELECT json_agg(json_build_object('ID', g.id, 'Title', g.title, 'Position', g.position,
			'Areas', (SELECT json_agg(json_build_object('ID', a.id, 'GroupID', a.group_id, 'Title', a.title,
					'Quote', a.quote, 'Citation', a.citation, 'Position', a.position) ORDER BY a.position, a.id)
				FROM action_areas a WHERE a.tenant_id = g.tenant_id AND a.group_id = g.id)) ORDER BY g.position, g.id)
		FROM framework_groups g WHERE g.tenant_id = ` + tenantID + ` AND g.review_id = ` + reviewID + `)`
}

// EnquiryJSON is an expression: the review's lines of enquiry (an Enquiry: the lines in no group,
// then the groups with their lines), in LoadEnquiry's order.
func EnquiryJSON(tenantID, reviewID string) string {
	line := `json_build_object('ID', l.id, 'GroupID', l.group_id, 'Question', l.question, 'Position', l.position)`
	return `json_build_object(
		'Ungrouped', (SELECT json_agg(` + line + ` ORDER BY l.position, l.id) FROM enquiry_lines l
			WHERE l.tenant_id = ` + tenantID + ` AND l.review_id = ` + reviewID + ` AND l.group_id IS NULL),
		'Groups', (SELECT json_agg(json_build_object('ID', g.id, 'Title', g.title, 'Position', g.position,
				'Lines', (SELECT json_agg(` + line + ` ORDER BY l.position, l.id)
					FROM enquiry_lines l WHERE l.tenant_id = g.tenant_id AND l.group_id = g.id)) ORDER BY g.position, g.id)
			FROM enquiry_groups g WHERE g.tenant_id = ` + tenantID + ` AND g.review_id = ` + reviewID + `))`
}

// LoadFrameworkTitled reads the review's title and its framework (as LoadFramework) in one
// statement.
func LoadFrameworkTitled(ctx context.Context, q db.Querier, tenantID, reviewID string) (string, Framework, error) {
	var title string
	var fw Framework
	err := q.QueryRow(ctx, `SELECT r.title, `+FrameworkJSON("$1", "$2")+` FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`,
		tenantID, reviewID).Scan(&title, &fw.Groups)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fw, apperr.NotFound("Review not found")
	}
	if err != nil {
		return "", fw, fmt.Errorf("review: load framework %s: %w", reviewID, err)
	}
	return title, fw, nil
}

// LoadFrameworkTitledAddressees reads the review's title, its framework and its recommendation
// addressees (in order) in one statement, for the recommendation form.
func LoadFrameworkTitledAddressees(ctx context.Context, q db.Querier, tenantID, reviewID string) (string, Framework, []string, error) {
	var title string
	var fw Framework
	var addressees []string
	err := q.QueryRow(ctx, `SELECT r.title, `+FrameworkJSON("$1", "$2")+`,
			coalesce((SELECT array_agg(a.name ORDER BY a.position, lower(a.name), a.id) FROM review_addressees a
				WHERE a.tenant_id = $1 AND a.review_id = $2), '{}')
		FROM reviews r WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID).Scan(&title, &fw.Groups, &addressees)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fw, nil, apperr.NotFound("Review not found")
	}
	if err != nil {
		return "", fw, nil, fmt.Errorf("review: load framework and addressees %s: %w", reviewID, err)
	}
	return title, fw, addressees, nil
}
