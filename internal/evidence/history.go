package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
	"thematic/internal/document"
)

// SourceOption is one of a review's sources, for a form.
type SourceOption struct {
	ID        string
	Name      string
	NeedsRole bool
}

// RoleOption is one of a review's professional roles, for a form.
type RoleOption struct {
	ID   string
	Name string
}

// Options are the lists a note form offers: the review's sources and roles, its existing tags and
// the names of its members (for the personal data guard). Documents, the visit's area's available
// supporting documents a note may cite, are filled by whoever knows the area (LoadOptions does not).
type Options struct {
	Sources   []SourceOption
	Roles     []RoleOption
	Tags      []string
	Names     []string
	Documents []document.Document
}

// LoadOptions reads a review's form lists in one statement, each list as JSON in its order.
func LoadOptions(ctx context.Context, q db.Querier, tenantID, reviewID string) (Options, error) {
	var o Options
	err := q.QueryRow(ctx, `SELECT
		(SELECT coalesce(json_agg(json_build_object('ID', id, 'Name', name, 'NeedsRole', needs_role)
			ORDER BY position, name), '[]') FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', id, 'Name', name) ORDER BY position, name), '[]')
			FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(json_agg(name ORDER BY lower(name)), '[]') FROM evidence_tags
			WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(json_agg(u.name ORDER BY u.name), '[]') FROM review_members m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.review_id = $2)`, tenantID, reviewID).Scan(&o.Sources, &o.Roles, &o.Tags, &o.Names)
	if err != nil {
		return o, fmt.Errorf("evidence: form lists of %s: %w", reviewID, err)
	}
	return o, nil
}

// MemberNames is the names of a review's members, which a note's text should not hold.
func MemberNames(ctx context.Context, q db.Querier, tenantID, reviewID string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT u.name FROM review_members m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.review_id = $2 ORDER BY u.name`, tenantID, reviewID)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("evidence: member names of %s: %w", reviewID, err)
	}
	return names, nil
}

// UserName is a user's name, "" when unknown.
func UserName(ctx context.Context, q db.Querier, userID string) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT name FROM users WHERE id = $1::uuid), '')`, userID).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("evidence: name of user %s: %w", userID, err)
	}
	return name, nil
}

// Change is one entry of a note's history, from the audit log.
type Change struct {
	At     time.Time
	Who    string
	Action string   // evidence.created, evidence.updated, evidence.deleted, ...
	Fields []string // the fields that changed, sorted
	After  map[string]any
}

// History reads a note's audit entries, oldest first.
func History(ctx context.Context, q db.Querier, tenantID, noteID string) ([]Change, error) {
	rows, err := q.Query(ctx, `SELECT l.at, coalesce(u.name, nullif(l.actor_email, ''), 'Unknown'), l.action, coalesce(l.after, '{}'::jsonb)
		FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
		WHERE l.tenant_id = $1 AND l.object_type = 'evidence_note' AND l.object_id = $2 ORDER BY l.at, l.id`, tenantID, noteID)
	if err != nil {
		return nil, fmt.Errorf("evidence: history of %s: %w", noteID, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var raw []byte
		if err := rows.Scan(&c.At, &c.Who, &c.Action, &raw); err != nil {
			return nil, fmt.Errorf("evidence: history of %s: %w", noteID, err)
		}
		_ = json.Unmarshal(raw, &c.After)
		for k := range c.After {
			c.Fields = append(c.Fields, k)
		}
		sort.Strings(c.Fields)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("evidence: history of %s: %w", noteID, err)
	}
	return out, nil
}
