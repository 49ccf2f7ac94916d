package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/db"
	"thematic/internal/text"
)

// The framework editor's changes, one group or action area at a time. Every function runs in the
// caller's transaction, takes the framework's lock first (LockFramework), and leaves positions
// contiguous (1..n) for the review's groups and within each group's action areas.

// FrameworkStaleMessage is what a change made from an out-of-date page says.
const FrameworkStaleMessage = "Someone else changed the framework while you were looking at the page. Go back, reload the page to see the latest framework, and try again."

// Version is a fingerprint of what the group's change form shows. The tables have no version
// column, so a change form carries this instead: it differs as soon as someone else renames the group.
func (g Group) Version() string { return fwFingerprint(g.ID, g.Title) }

// Version is a fingerprint of what the action area's change form shows (group, title, quote and
// citation); see Group.Version.
func (a ActionArea) Version() string {
	return fwFingerprint(a.ID, a.GroupID, a.Title, a.Quote, a.Citation)
}

func fwFingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FrameworkInUseError refuses a delete because something still depends on the thing. Its message is
// written for the user.
type FrameworkInUseError struct{ Message string }

func (e *FrameworkInUseError) Error() string { return e.Message }

// FrameworkDuplicateError refuses a title that another group or action area of the framework already has.
type FrameworkDuplicateError struct{ Message string }

func (e *FrameworkDuplicateError) Error() string { return e.Message }

// LockFramework makes the review's framework changes take turns until the transaction ends, so
// that positions stay contiguous and a double-submitted form sees the first one's result. Every
// change to the framework starts here, so it first refuses one the review's stage does not allow.
func LockFramework(ctx context.Context, q db.Querier, tenantID, reviewID string) error {
	var stage []string
	if err := q.QueryRow(ctx, `SELECT `+StageColumn+`, pg_advisory_xact_lock(hashtextextended('framework:' || $1 || ':' || $2, 0))::text`,
		tenantID, reviewID).Scan(&stage, nil); err != nil {
		return fmt.Errorf("review: lock framework %s: %w", reviewID, err)
	}
	return CheckStage(stage, ChangeSetup)
}

// GetFrameworkGroup reads one group of the review; NotFound when it belongs to another review.
func GetFrameworkGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string) (Group, error) {
	if !db.ValidUUID(groupID) {
		return Group{}, apperr.NotFound("Group not found")
	}
	var g Group
	err := q.QueryRow(ctx, `SELECT id, title, position FROM framework_groups
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, groupID).Scan(&g.ID, &g.Title, &g.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return Group{}, apperr.NotFound("Group not found")
	}
	if err != nil {
		return Group{}, fmt.Errorf("review: get group %s: %w", groupID, err)
	}
	return g, nil
}

// GetActionArea reads one action area of the review; NotFound when it belongs to another review.
func GetActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string) (ActionArea, error) {
	if !db.ValidUUID(areaID) {
		return ActionArea{}, apperr.NotFound("Action area not found")
	}
	var a ActionArea
	err := q.QueryRow(ctx, `SELECT id, group_id, title, quote, citation, position FROM action_areas
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, areaID).
		Scan(&a.ID, &a.GroupID, &a.Title, &a.Quote, &a.Citation, &a.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return ActionArea{}, apperr.NotFound("Action area not found")
	}
	if err != nil {
		return ActionArea{}, fmt.Errorf("review: get action area %s: %w", areaID, err)
	}
	return a, nil
}

// groupTitleTaken reports whether another group of the review has this title (ignoring case).
func fwGroupTitleTaken(ctx context.Context, q db.Querier, tenantID, reviewID, title, exceptID string) (bool, error) {
	var taken bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM framework_groups
		WHERE tenant_id = $1 AND review_id = $2 AND lower(title) = lower($3) AND id::text <> $4)`,
		tenantID, reviewID, title, exceptID).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("review: group title check: %w", err)
	}
	return taken, nil
}

// areaTitleTaken reports whether another action area of the review has this title (ignoring case).
func fwAreaTitleTaken(ctx context.Context, q db.Querier, tenantID, reviewID, title, exceptID string) (bool, error) {
	var taken bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM action_areas
		WHERE tenant_id = $1 AND review_id = $2 AND lower(title) = lower($3) AND id::text <> $4)`,
		tenantID, reviewID, title, exceptID).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("review: action area title check: %w", err)
	}
	return taken, nil
}

// AddFrameworkGroup appends a group with no action areas. A title the framework already has is refused
// with a FrameworkDuplicateError: report headings must differ, and a double-submitted form cannot add the
// group twice (the second request waits for the first's lock, then finds its title taken).
func AddFrameworkGroup(ctx context.Context, q db.Querier, tenantID, reviewID, title string) (Group, error) {
	if err := LockFramework(ctx, q, tenantID, reviewID); err != nil {
		return Group{}, err
	}
	taken, err := fwGroupTitleTaken(ctx, q, tenantID, reviewID, title, "")
	if err != nil {
		return Group{}, err
	}
	if taken {
		return Group{}, &FrameworkDuplicateError{fmt.Sprintf("The framework already has a group called ‘%s’", title)}
	}
	g := Group{Title: title}
	err = q.QueryRow(ctx, `INSERT INTO framework_groups (tenant_id, review_id, title, position)
		SELECT $1, $2, $3, coalesce(max(position), 0) + 1 FROM framework_groups WHERE tenant_id = $1 AND review_id = $2
		RETURNING id, position`, tenantID, reviewID, title).Scan(&g.ID, &g.Position)
	if err != nil {
		return Group{}, fmt.Errorf("review: add group to %s: %w", reviewID, err)
	}
	return g, nil
}

// lockedGroup takes the framework lock and reads the group, checking the version the form carried
// ("" skips the check).
func fwLockedGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, version string) (Group, error) {
	if err := LockFramework(ctx, q, tenantID, reviewID); err != nil {
		return Group{}, err
	}
	g, err := GetFrameworkGroup(ctx, q, tenantID, reviewID, groupID)
	if err != nil {
		return Group{}, err
	}
	if version != "" && g.Version() != version {
		return Group{}, apperr.Conflict(FrameworkStaleMessage)
	}
	return g, nil
}

// RenameFrameworkGroup changes a group's title. It returns the group before and after.
func RenameFrameworkGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, version, title string) (Group, Group, error) {
	before, err := fwLockedGroup(ctx, q, tenantID, reviewID, groupID, version)
	if err != nil {
		return Group{}, Group{}, err
	}
	if !strings.EqualFold(before.Title, title) {
		taken, err := fwGroupTitleTaken(ctx, q, tenantID, reviewID, title, groupID)
		if err != nil {
			return Group{}, Group{}, err
		}
		if taken {
			return Group{}, Group{}, &FrameworkDuplicateError{fmt.Sprintf("The framework already has a group called ‘%s’", title)}
		}
	}
	if _, err := q.Exec(ctx, `UPDATE framework_groups SET title = $4 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID, title); err != nil {
		return Group{}, Group{}, fmt.Errorf("review: rename group %s: %w", groupID, err)
	}
	after := before
	after.Title = title
	return before, after, nil
}

// DeleteFrameworkGroup deletes an empty group. A group that still has action areas is refused with an
// FrameworkInUseError naming how many.
func DeleteFrameworkGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, version string) (Group, error) {
	g, err := fwLockedGroup(ctx, q, tenantID, reviewID, groupID, version)
	if err != nil {
		return Group{}, err
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM action_areas WHERE tenant_id = $1 AND group_id = $2`,
		tenantID, groupID).Scan(&n); err != nil {
		return Group{}, fmt.Errorf("review: count action areas of %s: %w", groupID, err)
	}
	if n > 0 {
		return Group{}, &FrameworkInUseError{fmt.Sprintf("This group has %s. Move them to another group or delete them first.",
			text.Plural(n, "action area", "action areas"))}
	}
	if _, err := q.Exec(ctx, `DELETE FROM framework_groups WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID); err != nil {
		return Group{}, fmt.Errorf("review: delete group %s: %w", groupID, err)
	}
	return g, fwRenumberGroups(ctx, q, tenantID, reviewID)
}

// MoveFrameworkGroup swaps a group with its neighbour above or below. from is the position the page
// showed: when the group has moved since, the form is stale (a double-clicked button, say) and
// nothing changes. It returns the new position.
func MoveFrameworkGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string, from int, up bool) (Group, int, error) {
	g, err := fwLockedGroup(ctx, q, tenantID, reviewID, groupID, "")
	if err != nil {
		return Group{}, 0, err
	}
	if g.Position != from {
		return Group{}, 0, apperr.Conflict(FrameworkStaleMessage)
	}
	to := from + 1
	if up {
		to = from - 1
	}
	var other string
	err = q.QueryRow(ctx, `SELECT id FROM framework_groups WHERE tenant_id = $1 AND review_id = $2 AND position = $3`,
		tenantID, reviewID, to).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return Group{}, 0, apperr.Invalid("The group is already %s.", fwEdge(up))
	}
	if err != nil {
		return Group{}, 0, fmt.Errorf("review: move group %s: %w", groupID, err)
	}
	if _, err := q.Exec(ctx, `UPDATE framework_groups SET position = CASE id WHEN $3::uuid THEN $5::int ELSE $4::int END
		WHERE tenant_id = $1 AND review_id = $2 AND id IN ($3::uuid, $6::uuid)`, tenantID, reviewID, groupID, from, to, other); err != nil {
		return Group{}, 0, fmt.Errorf("review: move group %s: %w", groupID, err)
	}
	return g, to, nil
}

// AddActionArea appends an action area to a group of the review (NotFound for another review's
// group). A title the framework already has is refused with a FrameworkDuplicateError (see AddFrameworkGroup).
func AddActionArea(ctx context.Context, q db.Querier, tenantID, reviewID string, a ActionArea) (ActionArea, error) {
	if err := LockFramework(ctx, q, tenantID, reviewID); err != nil {
		return ActionArea{}, err
	}
	if _, err := GetFrameworkGroup(ctx, q, tenantID, reviewID, a.GroupID); err != nil {
		return ActionArea{}, err
	}
	taken, err := fwAreaTitleTaken(ctx, q, tenantID, reviewID, a.Title, "")
	if err != nil {
		return ActionArea{}, err
	}
	if taken {
		return ActionArea{}, &FrameworkDuplicateError{fmt.Sprintf("The framework already has an action area called ‘%s’", a.Title)}
	}
	err = q.QueryRow(ctx, `INSERT INTO action_areas (tenant_id, review_id, group_id, title, quote, citation, position)
		SELECT $1, $2, $3, $4, $5, $6, coalesce(max(position), 0) + 1 FROM action_areas WHERE tenant_id = $1 AND group_id = $3
		RETURNING id, position`, tenantID, reviewID, a.GroupID, a.Title, a.Quote, a.Citation).Scan(&a.ID, &a.Position)
	if err != nil {
		return ActionArea{}, fmt.Errorf("review: add action area to %s: %w", a.GroupID, err)
	}
	return a, nil
}

func fwLockedArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, version string) (ActionArea, error) {
	if err := LockFramework(ctx, q, tenantID, reviewID); err != nil {
		return ActionArea{}, err
	}
	a, err := GetActionArea(ctx, q, tenantID, reviewID, areaID)
	if err != nil {
		return ActionArea{}, err
	}
	if version != "" && a.Version() != version {
		return ActionArea{}, apperr.Conflict(FrameworkStaleMessage)
	}
	return a, nil
}

// UpdateActionArea changes an action area's title, quote and citation and, when a.GroupID names
// another group of the review, moves it to the end of that group. It returns the area before and after.
func UpdateActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, version string, a ActionArea) (ActionArea, ActionArea, error) {
	before, err := fwLockedArea(ctx, q, tenantID, reviewID, areaID, version)
	if err != nil {
		return ActionArea{}, ActionArea{}, err
	}
	if _, err := GetFrameworkGroup(ctx, q, tenantID, reviewID, a.GroupID); err != nil {
		return ActionArea{}, ActionArea{}, err
	}
	if !strings.EqualFold(before.Title, a.Title) {
		taken, err := fwAreaTitleTaken(ctx, q, tenantID, reviewID, a.Title, areaID)
		if err != nil {
			return ActionArea{}, ActionArea{}, err
		}
		if taken {
			return ActionArea{}, ActionArea{}, &FrameworkDuplicateError{fmt.Sprintf("The framework already has an action area called ‘%s’", a.Title)}
		}
	}
	after := a
	after.ID = areaID
	after.Position = before.Position
	if a.GroupID != before.GroupID {
		if err := q.QueryRow(ctx, `SELECT coalesce(max(position), 0) + 1 FROM action_areas WHERE tenant_id = $1 AND group_id = $2`,
			tenantID, a.GroupID).Scan(&after.Position); err != nil {
			return ActionArea{}, ActionArea{}, fmt.Errorf("review: action area position: %w", err)
		}
	}
	if _, err := q.Exec(ctx, `UPDATE action_areas SET group_id = $4, title = $5, quote = $6, citation = $7, position = $8
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, areaID, after.GroupID, after.Title, after.Quote, after.Citation, after.Position); err != nil {
		return ActionArea{}, ActionArea{}, fmt.Errorf("review: update action area %s: %w", areaID, err)
	}
	if a.GroupID != before.GroupID {
		if err := fwRenumberAreas(ctx, q, tenantID, before.GroupID); err != nil {
			return ActionArea{}, ActionArea{}, err
		}
	}
	return before, after, nil
}

// DeleteActionArea deletes an action area. One that evidence notes are tagged to is refused with
// an FrameworkInUseError naming how many.
func DeleteActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID, version string) (ActionArea, error) {
	a, err := fwLockedArea(ctx, q, tenantID, reviewID, areaID, version)
	if err != nil {
		return ActionArea{}, err
	}
	n, err := TaggedNoteCount(ctx, q, tenantID, areaID)
	if err != nil {
		return ActionArea{}, err
	}
	if n > 0 {
		return ActionArea{}, &FrameworkInUseError{fmt.Sprintf("%s tagged to this action area. Move them to another action area before deleting it.",
			text.Plural(n, "note is", "notes are"))}
	}
	if n, err = SynthesisCount(ctx, q, tenantID, reviewID, areaID); err != nil {
		return ActionArea{}, err
	}
	if n > 0 {
		return ActionArea{}, &FrameworkInUseError{fmt.Sprintf("This action area has %s. Move or delete them before deleting it.",
			text.Plural(n, "finding or example", "findings and examples"))}
	}
	if _, err := q.Exec(ctx, `DELETE FROM action_areas WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, areaID); err != nil {
		return ActionArea{}, fmt.Errorf("review: delete action area %s: %w", areaID, err)
	}
	return a, fwRenumberAreas(ctx, q, tenantID, a.GroupID)
}

// MoveActionArea swaps an action area with its neighbour above or below in its group; from is the
// position the page showed (see MoveFrameworkGroup). It returns the new position.
func MoveActionArea(ctx context.Context, q db.Querier, tenantID, reviewID, areaID string, from int, up bool) (ActionArea, int, error) {
	a, err := fwLockedArea(ctx, q, tenantID, reviewID, areaID, "")
	if err != nil {
		return ActionArea{}, 0, err
	}
	if a.Position != from {
		return ActionArea{}, 0, apperr.Conflict(FrameworkStaleMessage)
	}
	to := from + 1
	if up {
		to = from - 1
	}
	var other string
	err = q.QueryRow(ctx, `SELECT id FROM action_areas WHERE tenant_id = $1 AND group_id = $2 AND position = $3`,
		tenantID, a.GroupID, to).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return ActionArea{}, 0, apperr.Invalid("The action area is already %s of its group.", fwEdge(up))
	}
	if err != nil {
		return ActionArea{}, 0, fmt.Errorf("review: move action area %s: %w", areaID, err)
	}
	if _, err := q.Exec(ctx, `UPDATE action_areas SET position = CASE id WHEN $3::uuid THEN $5::int ELSE $4::int END
		WHERE tenant_id = $1 AND group_id = $2 AND id IN ($3::uuid, $6::uuid)`, tenantID, a.GroupID, areaID, from, to, other); err != nil {
		return ActionArea{}, 0, fmt.Errorf("review: move action area %s: %w", areaID, err)
	}
	return a, to, nil
}

// fwRenumberGroups makes the review's group positions 1..n, keeping their order.
func fwRenumberGroups(ctx context.Context, q db.Querier, tenantID, reviewID string) error {
	_, err := q.Exec(ctx, `UPDATE framework_groups g SET position = o.n
		FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM framework_groups
			WHERE tenant_id = $1 AND review_id = $2) o
		WHERE g.tenant_id = $1 AND g.id = o.id AND g.position <> o.n`, tenantID, reviewID)
	if err != nil {
		return fmt.Errorf("review: renumber groups of %s: %w", reviewID, err)
	}
	return nil
}

// fwRenumberAreas makes a group's action area positions 1..n, keeping their order.
func fwRenumberAreas(ctx context.Context, q db.Querier, tenantID, groupID string) error {
	_, err := q.Exec(ctx, `UPDATE action_areas a SET position = o.n
		FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM action_areas
			WHERE tenant_id = $1 AND group_id = $2) o
		WHERE a.tenant_id = $1 AND a.id = o.id AND a.position <> o.n`, tenantID, groupID)
	if err != nil {
		return fmt.Errorf("review: renumber action areas of %s: %w", groupID, err)
	}
	return nil
}

// TaggedNoteCount counts the evidence notes tagged to an action area. Until evidence notes exist
// (the table evidence_note_action_areas), there are none.
func TaggedNoteCount(ctx context.Context, q db.Querier, tenantID, actionAreaID string) (int, error) {
	ok, err := fwTaggingExists(ctx, q)
	if err != nil || !ok {
		return 0, err
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM evidence_note_action_areas WHERE tenant_id = $1 AND action_area_id = $2`,
		tenantID, actionAreaID).Scan(&n); err != nil {
		return 0, fmt.Errorf("review: count notes tagged to %s: %w", actionAreaID, err)
	}
	return n, nil
}

// SynthesisCount counts the findings and good-practice examples written under an action area,
// or under any of the review's when actionAreaID is "".
func SynthesisCount(ctx context.Context, q db.Querier, tenantID, reviewID, actionAreaID string) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM findings WHERE tenant_id = $1 AND review_id = $2 AND ($3 = '' OR action_area_id::text = $3)) +
			(SELECT count(*) FROM practice_examples WHERE tenant_id = $1 AND review_id = $2 AND ($3 = '' OR action_area_id::text = $3))`,
		tenantID, reviewID, actionAreaID).Scan(&n); err != nil {
		return 0, fmt.Errorf("review: count findings and examples: %w", err)
	}
	return n, nil
}

// FrameworkTaggedNoteCount counts the notes tagged to any action area of the review, in one query.
func FrameworkTaggedNoteCount(ctx context.Context, q db.Querier, tenantID, reviewID string) (int, error) {
	ok, err := fwTaggingExists(ctx, q)
	if err != nil || !ok {
		return 0, err
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM evidence_note_action_areas t
		JOIN action_areas a ON a.tenant_id = t.tenant_id AND a.id = t.action_area_id
		WHERE t.tenant_id = $1 AND a.review_id = $2`, tenantID, reviewID).Scan(&n); err != nil {
		return 0, fmt.Errorf("review: count notes tagged in %s: %w", reviewID, err)
	}
	return n, nil
}

func fwTaggingExists(ctx context.Context, q db.Querier) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('evidence_note_action_areas') IS NOT NULL`).Scan(&ok); err != nil {
		return false, fmt.Errorf("review: look for evidence tagging: %w", err)
	}
	return ok, nil
}

func fwEdge(up bool) string {
	if up {
		return "first"
	}
	return "last"
}

// TitleClashes lists the titles of other's groups and action areas that f already has (ignoring
// case), in other's order: adding other to f would repeat them.
func (f Framework) TitleClashes(other Framework) []string {
	groups, areas := map[string]bool{}, map[string]bool{}
	for _, g := range f.Groups {
		groups[strings.ToLower(g.Title)] = true
		for _, a := range g.Areas {
			areas[strings.ToLower(a.Title)] = true
		}
	}
	var out []string
	for _, g := range other.Groups {
		if groups[strings.ToLower(g.Title)] {
			out = append(out, g.Title)
		}
		for _, a := range g.Areas {
			if areas[strings.ToLower(a.Title)] {
				out = append(out, a.Title)
			}
		}
	}
	return out
}
