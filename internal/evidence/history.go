package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/document"
	"thematic/internal/review"
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
// the names of its people (for the personal data guard). Documents, the visit's area's available
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
		(SELECT coalesce(json_agg(t.name ORDER BY lower(t.name)), '[]') FROM evidence_tags t
			WHERE t.tenant_id = $1 AND t.review_id = $2 AND `+tagSeen+`),
		`+review.StaffNamesJSON, tenantID, reviewID).Scan(&o.Sources, &o.Roles, &o.Tags, &o.Names)
	if err != nil {
		return o, fmt.Errorf("evidence: form lists of %s: %w", reviewID, err)
	}
	return o, nil
}

// FormLists is what a note form reads besides the note and its visit: the review's form lists,
// the documents of the visit's area, the framework, the lines of enquiry and the evidence lock.
type FormLists struct {
	Options
	Framework review.Framework
	Enquiry   review.Enquiry
	Lock      Lock
}

// suggestionsJSON is TagSuggestions as a JSON expression, for review $2 of tenant $1.
var suggestionsJSON = fmt.Sprintf(`(SELECT coalesce(json_agg(s.name ORDER BY s.n DESC, lower(s.name)), '[]') FROM (
		SELECT t.name, coalesce(u.n, 0) AS n FROM evidence_tags t
		LEFT JOIN (SELECT nt.tag_id, count(*) AS n FROM (
				SELECT id FROM evidence_notes
				WHERE tenant_id = $1 AND review_id = $2 AND deleted_at IS NULL AND NOT safeguarding
				ORDER BY created_at DESC LIMIT %d) r
			JOIN evidence_note_tags nt ON nt.tenant_id = $1 AND nt.note_id = r.id
			GROUP BY nt.tag_id) u ON u.tag_id = t.id
		WHERE t.tenant_id = $1 AND t.review_id = $2 AND %s
		ORDER BY coalesce(u.n, 0) DESC, lower(t.name)
		LIMIT %d) s)`, suggestWindow, tagSeen, MaxSuggestions)

// LoadFormLists reads, in one statement, what LoadOptions, document.List (for the area of visit
// visitID), review.LoadFramework, review.LoadEnquiry and GetLock read. With suggest, the tags are
// TagSuggestions' (most used first) in place of the alphabetical list.
func LoadFormLists(ctx context.Context, q db.Querier, tenantID, reviewID, visitID string, suggest bool) (FormLists, error) {
	var f FormLists
	tags := `(SELECT coalesce(json_agg(t.name ORDER BY lower(t.name)), '[]') FROM evidence_tags t
			WHERE t.tenant_id = $1 AND t.review_id = $2 AND ` + tagSeen + `)`
	if suggest {
		tags = suggestionsJSON
	}
	var docs document.JSONList
	var status string
	var by *string
	err := q.QueryRow(ctx, `SELECT
		(SELECT coalesce(json_agg(json_build_object('ID', id, 'Name', name, 'NeedsRole', needs_role)
			ORDER BY position, name), '[]') FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2),
		(SELECT coalesce(json_agg(json_build_object('ID', id, 'Name', name) ORDER BY position, name), '[]')
			FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2),
		`+tags+`,
		`+review.StaffNamesJSON+`,
		`+document.ListJSON("$1", "$2", `(SELECT v.area_id FROM visits v WHERE v.tenant_id = $1 AND v.review_id = $2 AND v.id = $3)`)+`,
		`+review.FrameworkJSON("$1", "$2")+`,
		`+review.EnquiryJSON("$1", "$2")+`,
		r.status, r.evidence_locked_at, lu.name
		FROM reviews r LEFT JOIN users lu ON lu.id = r.evidence_locked_by
		WHERE r.tenant_id = $1 AND r.id = $2`, tenantID, reviewID, visitID).Scan(&f.Sources, &f.Roles, &f.Tags, &f.Names,
		&docs, &f.Framework.Groups, &f.Enquiry, &status, &f.Lock.LockedAt, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, apperr.NotFound("Review not found")
	}
	if err != nil {
		return f, fmt.Errorf("evidence: note form lists of %s: %w", reviewID, err)
	}
	f.Documents = docs
	f.Lock.Status = review.Status(status)
	if by != nil {
		f.Lock.LockedBy = *by
	}
	return f, nil
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

// NoteTrail reads, in one statement, a note's author's name ("" when unknown) and the note's
// history as History reads it.
func NoteTrail(ctx context.Context, q db.Querier, tenantID, noteID, authorID string) (string, []Change, error) {
	var author string
	var raw []struct {
		At     time.Time
		Who    string
		Action string
		After  json.RawMessage
	}
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT name FROM users WHERE id = $3::uuid), ''),
		(SELECT json_agg(json_build_object('At', l.at, 'Who', coalesce(u.name, nullif(l.actor_email, ''), 'Unknown'),
				'Action', l.action, 'After', coalesce(l.after, '{}'::jsonb)) ORDER BY l.at, l.id)
			FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
			WHERE l.tenant_id = $1 AND l.object_type = 'evidence_note' AND l.object_id = $2)`,
		tenantID, noteID, authorID).Scan(&author, &raw)
	if err != nil {
		return "", nil, fmt.Errorf("evidence: history of %s: %w", noteID, err)
	}
	var out []Change
	for _, x := range raw {
		c := Change{At: x.At.In(time.Local), Who: x.Who, Action: x.Action}
		_ = json.Unmarshal(x.After, &c.After)
		for k := range c.After {
			c.Fields = append(c.Fields, k)
		}
		sort.Strings(c.Fields)
		out = append(out, c)
	}
	return author, out, nil
}
