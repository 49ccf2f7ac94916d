package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Editing a review's lines of enquiry. Positions run 1, 2, 3… within the review (groups), within
// a group (lines) and among the lines in no group: every change that adds, removes or moves one
// renumbers the rest, so they stay contiguous. Changes to one review's lines of enquiry take
// turns (enqLock). A line's group is "" in Go and NULL in the database when it has none.

// Limits shared with the database's checks.
const (
	MaxEnquiryTitle = 200  // a group's title
	MaxQuestion     = 1000 // a line of enquiry
)

// ErrGroupNotEmpty refuses to delete a group that still has lines of enquiry.
var ErrGroupNotEmpty = errors.New("review: enquiry group has lines")

// ErrGroupTitleTaken refuses to give a group the title of another group of the review.
var ErrGroupTitleTaken = errors.New("review: another enquiry group has that title")

// ErrQuestionInGroup refuses to move a line into a group (or among the lines in no group) that
// has the same question already.
var ErrQuestionInGroup = errors.New("review: the group has that line of enquiry already")

// inGroup is the condition on a line l of being in the group named by the parameter p ("" for
// the lines in no group).
func inGroup(l, p string) string {
	return l + `.group_id IS NOT DISTINCT FROM nullif(` + p + `, '')::uuid`
}

// lineColumns are the columns enqScanLine reads.
const lineColumns = `id, coalesce(group_id::text, ''), question, position`

// CheckEnquiryTitle trims a group title and says what is wrong with it, or "".
func CheckEnquiryTitle(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return s, "Enter a title for the group"
	case n > MaxEnquiryTitle:
		return s, "Group title must be 200 characters or fewer"
	}
	return s, ""
}

// CheckQuestion trims a line of enquiry and says what is wrong with it, or "".
func CheckQuestion(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return s, "Enter the line of enquiry"
	case n > MaxQuestion:
		return s, "Line of enquiry must be 1,000 characters or fewer"
	}
	return s, ""
}

// enqLock makes changes to one review's lines of enquiry take turns until the transaction
// ends, so that positions computed from what is there are not computed twice at once. Every
// change starts here, so it first refuses one the review's stage does not allow.
func enqLock(ctx context.Context, q db.Querier, tenantID, reviewID string) error {
	var stage []string
	if err := q.QueryRow(ctx, `SELECT `+StageColumn+`, pg_advisory_xact_lock(hashtext('enquiry:' || $1 || ':' || $2))::text`,
		tenantID, reviewID).Scan(&stage, nil); err != nil {
		return fmt.Errorf("review: lock enquiry %s: %w", reviewID, err)
	}
	return CheckStage(stage, ChangeSetup)
}

// GetEnquiryGroup reads one group of the review, with its lines. A group of another review is not found.
func GetEnquiryGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string) (EnquiryGroup, error) {
	if !db.ValidUUID(groupID) {
		return EnquiryGroup{}, apperr.NotFound("Group not found")
	}
	var g EnquiryGroup
	err := q.QueryRow(ctx, `SELECT id, title, position FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID).Scan(&g.ID, &g.Title, &g.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return EnquiryGroup{}, apperr.NotFound("Group not found")
	}
	if err != nil {
		return EnquiryGroup{}, fmt.Errorf("review: get enquiry group %s: %w", groupID, err)
	}
	rows, err := q.Query(ctx, `SELECT `+lineColumns+` FROM enquiry_lines
		WHERE tenant_id = $1 AND review_id = $2 AND group_id = $3 ORDER BY position, id`, tenantID, reviewID, groupID)
	if err != nil {
		return EnquiryGroup{}, fmt.Errorf("review: lines of group %s: %w", groupID, err)
	}
	g.Lines, err = pgx.CollectRows(rows, enqScanLine)
	if err != nil {
		return EnquiryGroup{}, fmt.Errorf("review: lines of group %s: %w", groupID, err)
	}
	return g, nil
}

func enqScanLine(r pgx.CollectableRow) (EnquiryLine, error) {
	var l EnquiryLine
	err := r.Scan(&l.ID, &l.GroupID, &l.Question, &l.Position)
	return l, err
}

// GetEnquiryLine reads one line of the review. A line of another review is not found.
func GetEnquiryLine(ctx context.Context, q db.Querier, tenantID, reviewID, lineID string) (EnquiryLine, error) {
	if !db.ValidUUID(lineID) {
		return EnquiryLine{}, apperr.NotFound("Line of enquiry not found")
	}
	rows, err := q.Query(ctx, `SELECT `+lineColumns+` FROM enquiry_lines
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, tenantID, reviewID, lineID)
	if err != nil {
		return EnquiryLine{}, fmt.Errorf("review: get line %s: %w", lineID, err)
	}
	l, err := pgx.CollectExactlyOneRow(rows, enqScanLine)
	if errors.Is(err, pgx.ErrNoRows) {
		return EnquiryLine{}, apperr.NotFound("Line of enquiry not found")
	}
	if err != nil {
		return EnquiryLine{}, fmt.Errorf("review: get line %s: %w", lineID, err)
	}
	return l, nil
}

// AddEnquiryGroup appends a group to the review's lines of enquiry. A group's title is its
// natural key within the review: when a group of that title (in any case) is there already,
// that group is returned with created false and nothing is added, so a form sent twice adds one.
func AddEnquiryGroup(ctx context.Context, q db.Querier, tenantID, reviewID, title string) (g EnquiryGroup, created bool, err error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryGroup{}, false, err
	}
	err = q.QueryRow(ctx, `SELECT id, title, position FROM enquiry_groups
		WHERE tenant_id = $1 AND review_id = $2 AND lower(title) = lower($3) ORDER BY position LIMIT 1`,
		tenantID, reviewID, title).Scan(&g.ID, &g.Title, &g.Position)
	if err == nil {
		return g, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return EnquiryGroup{}, false, fmt.Errorf("review: find enquiry group in %s: %w", reviewID, err)
	}
	g = EnquiryGroup{Title: title}
	err = q.QueryRow(ctx, `INSERT INTO enquiry_groups (tenant_id, review_id, title, position)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2))
		RETURNING id, position`, tenantID, reviewID, title).Scan(&g.ID, &g.Position)
	if err != nil {
		return EnquiryGroup{}, false, fmt.Errorf("review: add enquiry group to %s: %w", reviewID, err)
	}
	return g, true, nil
}

// RenameEnquiryGroup changes a group's title and returns the group as it was. When was is not
// its current title, someone else changed it since the page was shown: apperr.Conflict.
func RenameEnquiryGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, was, title string) (EnquiryGroup, error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryGroup{}, err
	}
	g, err := GetEnquiryGroup(ctx, q, tenantID, reviewID, groupID)
	if err != nil {
		return EnquiryGroup{}, err
	}
	if g.Title != was {
		return g, apperr.Conflict("Someone else changed this group while you were looking at the page. Go back, reload the page and try again.")
	}
	var taken bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enquiry_groups
		WHERE tenant_id = $1 AND review_id = $2 AND id <> $3 AND lower(title) = lower($4))`,
		tenantID, reviewID, groupID, title).Scan(&taken); err != nil {
		return g, fmt.Errorf("review: check enquiry group title in %s: %w", reviewID, err)
	}
	if taken {
		return g, ErrGroupTitleTaken
	}
	if _, err := q.Exec(ctx, `UPDATE enquiry_groups SET title = $4 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID, title); err != nil {
		return g, fmt.Errorf("review: rename enquiry group %s: %w", groupID, err)
	}
	return g, nil
}

// DeleteEnquiryGroup removes an empty group and returns it; a group with lines gives
// ErrGroupNotEmpty (with the group, so the caller can say which).
func DeleteEnquiryGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string) (EnquiryGroup, error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryGroup{}, err
	}
	g, err := GetEnquiryGroup(ctx, q, tenantID, reviewID, groupID)
	if err != nil {
		return EnquiryGroup{}, err
	}
	if len(g.Lines) > 0 {
		return g, ErrGroupNotEmpty
	}
	if _, err := q.Exec(ctx, `DELETE FROM enquiry_groups WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID); err != nil {
		return g, fmt.Errorf("review: delete enquiry group %s: %w", groupID, err)
	}
	return g, enqRenumberGroups(ctx, q, tenantID, reviewID)
}

// MoveEnquiryGroup swaps a group with the one above (up) or below it. It returns the group's
// position before and after; they are equal when it is already at that end.
func MoveEnquiryGroup(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string, up bool) (from, to int, err error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return 0, 0, err
	}
	if err := enqRenumberGroups(ctx, q, tenantID, reviewID); err != nil {
		return 0, 0, err
	}
	g, err := GetEnquiryGroup(ctx, q, tenantID, reviewID, groupID)
	if err != nil {
		return 0, 0, err
	}
	to = g.Position + 1
	if up {
		to = g.Position - 1
	}
	tag, err := q.Exec(ctx, `UPDATE enquiry_groups SET position = $4
		WHERE tenant_id = $1 AND review_id = $2 AND position = $3`, tenantID, reviewID, to, g.Position)
	if err != nil {
		return 0, 0, fmt.Errorf("review: move enquiry group %s: %w", groupID, err)
	}
	if tag.RowsAffected() == 0 {
		return g.Position, g.Position, nil // already first or last
	}
	if _, err := q.Exec(ctx, `UPDATE enquiry_groups SET position = $4 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, groupID, to); err != nil {
		return 0, 0, fmt.Errorf("review: move enquiry group %s: %w", groupID, err)
	}
	return g.Position, to, nil
}

// AddEnquiryLine appends a line to a group of the review, or to its lines in no group when
// groupID is "". A question is its natural key within its group: when the group has it already
// (in any case), that line is returned with created false and nothing is added, so a form sent
// twice adds one line.
func AddEnquiryLine(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, question string) (l EnquiryLine, created bool, err error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryLine{}, false, err
	}
	same, err := enqSameQuestion(ctx, q, tenantID, reviewID, groupID, question)
	if err != nil || same.ID != "" {
		return same, false, err
	}
	l = EnquiryLine{GroupID: groupID, Question: question}
	err = q.QueryRow(ctx, `INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
		VALUES ($1, $2, nullif($3, '')::uuid, $4, (SELECT coalesce(max(l.position), 0) + 1 FROM enquiry_lines l
			WHERE l.tenant_id = $1 AND l.review_id = $2 AND `+inGroup("l", "$3")+`))
		RETURNING id, position`, tenantID, reviewID, groupID, question).Scan(&l.ID, &l.Position)
	if err != nil {
		return EnquiryLine{}, false, fmt.Errorf("review: add line to group %q: %w", groupID, err)
	}
	return l, true, nil
}

// enqSameQuestion finds the line of a group of the review (or in no group, groupID "") with the
// question in any case; a line with no ID when there is none. A group of another review is not found.
func enqSameQuestion(ctx context.Context, q db.Querier, tenantID, reviewID, groupID, question string) (EnquiryLine, error) {
	var lines []EnquiryLine
	if groupID != "" {
		g, err := GetEnquiryGroup(ctx, q, tenantID, reviewID, groupID)
		if err != nil {
			return EnquiryLine{}, err
		}
		lines = g.Lines
	} else {
		rows, err := q.Query(ctx, `SELECT `+lineColumns+` FROM enquiry_lines
			WHERE tenant_id = $1 AND review_id = $2 AND group_id IS NULL ORDER BY position, id`, tenantID, reviewID)
		if err != nil {
			return EnquiryLine{}, fmt.Errorf("review: lines in no group of %s: %w", reviewID, err)
		}
		if lines, err = pgx.CollectRows(rows, enqScanLine); err != nil {
			return EnquiryLine{}, fmt.Errorf("review: lines in no group of %s: %w", reviewID, err)
		}
	}
	for _, x := range lines {
		if strings.EqualFold(x.Question, question) {
			return x, nil
		}
	}
	return EnquiryLine{}, nil
}

// LineChange is a change to a line of enquiry from its change page: the question and, when the
// form offered it (Regroup), the group ("" for none), each with what it was when the page was shown.
type LineChange struct {
	WasQuestion, Question string
	Regroup               bool
	WasGroupID, GroupID   string
}

// UpdateEnquiryLine changes a line's question and group and returns the line as it was. A line
// moved to another group (or out of one) goes to the end there, and the lines it leaves close up.
// When the line is not as it was when the page was shown, someone else changed it since:
// apperr.Conflict. A group of another review is not found; a group with the question already
// gives ErrQuestionInGroup.
func UpdateEnquiryLine(ctx context.Context, q db.Querier, tenantID, reviewID, lineID string, c LineChange) (EnquiryLine, error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryLine{}, err
	}
	l, err := GetEnquiryLine(ctx, q, tenantID, reviewID, lineID)
	if err != nil {
		return EnquiryLine{}, err
	}
	if l.Question != c.WasQuestion || (c.Regroup && l.GroupID != c.WasGroupID) {
		return l, apperr.Conflict("Someone else changed this line of enquiry while you were looking at the page. Go back, reload the page and try again.")
	}
	if !c.Regroup || c.GroupID == l.GroupID {
		if _, err := q.Exec(ctx, `UPDATE enquiry_lines SET question = $4 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
			tenantID, reviewID, lineID, c.Question); err != nil {
			return l, fmt.Errorf("review: update line %s: %w", lineID, err)
		}
		return l, nil
	}
	same, err := enqSameQuestion(ctx, q, tenantID, reviewID, c.GroupID, c.Question)
	if err != nil {
		return l, err
	}
	if same.ID != "" {
		return l, ErrQuestionInGroup
	}
	if _, err := q.Exec(ctx, `UPDATE enquiry_lines l SET question = $4, group_id = nullif($5, '')::uuid,
			position = (SELECT coalesce(max(o.position), 0) + 1 FROM enquiry_lines o
				WHERE o.tenant_id = $1 AND o.review_id = $2 AND `+inGroup("o", "$5")+`)
		WHERE l.tenant_id = $1 AND l.review_id = $2 AND l.id = $3`, tenantID, reviewID, lineID, c.Question, c.GroupID); err != nil {
		return l, fmt.Errorf("review: move line %s to group %q: %w", lineID, c.GroupID, err)
	}
	return l, enqRenumberLines(ctx, q, tenantID, reviewID, l.GroupID)
}

// DeleteEnquiryLine removes a line and returns it.
func DeleteEnquiryLine(ctx context.Context, q db.Querier, tenantID, reviewID, lineID string) (EnquiryLine, error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return EnquiryLine{}, err
	}
	if !db.ValidUUID(lineID) {
		return EnquiryLine{}, apperr.NotFound("Line of enquiry not found")
	}
	// Deleted and read in one statement.
	rows, err := q.Query(ctx, `DELETE FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 AND id = $3
		RETURNING `+lineColumns, tenantID, reviewID, lineID)
	if err != nil {
		return EnquiryLine{}, fmt.Errorf("review: delete line %s: %w", lineID, err)
	}
	l, err := pgx.CollectExactlyOneRow(rows, enqScanLine)
	if errors.Is(err, pgx.ErrNoRows) {
		return EnquiryLine{}, apperr.NotFound("Line of enquiry not found")
	}
	if err != nil {
		return EnquiryLine{}, fmt.Errorf("review: delete line %s: %w", lineID, err)
	}
	return l, enqRenumberLines(ctx, q, tenantID, reviewID, l.GroupID)
}

// MoveEnquiryLine swaps a line with the one above (up) or below it in its group (or among the
// lines in no group). It returns the line's position before and after; they are equal when it is
// already at that end.
func MoveEnquiryLine(ctx context.Context, q db.Querier, tenantID, reviewID, lineID string, up bool) (from, to int, err error) {
	if err := enqLock(ctx, q, tenantID, reviewID); err != nil {
		return 0, 0, err
	}
	l, err := GetEnquiryLine(ctx, q, tenantID, reviewID, lineID)
	if err != nil {
		return 0, 0, err
	}
	if err := enqRenumberLines(ctx, q, tenantID, reviewID, l.GroupID); err != nil {
		return 0, 0, err
	}
	if l, err = GetEnquiryLine(ctx, q, tenantID, reviewID, lineID); err != nil {
		return 0, 0, err
	}
	to = l.Position + 1
	if up {
		to = l.Position - 1
	}
	tag, err := q.Exec(ctx, `UPDATE enquiry_lines l SET position = $5
		WHERE l.tenant_id = $1 AND l.review_id = $2 AND `+inGroup("l", "$3")+` AND l.position = $4`, tenantID, reviewID, l.GroupID, to, l.Position)
	if err != nil {
		return 0, 0, fmt.Errorf("review: move line %s: %w", lineID, err)
	}
	if tag.RowsAffected() == 0 {
		return l.Position, l.Position, nil
	}
	if _, err := q.Exec(ctx, `UPDATE enquiry_lines SET position = $4 WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		tenantID, reviewID, lineID, to); err != nil {
		return 0, 0, fmt.Errorf("review: move line %s: %w", lineID, err)
	}
	return l.Position, to, nil
}

// enqRenumberGroups gives the review's groups the positions 1, 2, 3… in their current order.
func enqRenumberGroups(ctx context.Context, q db.Querier, tenantID, reviewID string) error {
	_, err := q.Exec(ctx, `UPDATE enquiry_groups g SET position = n.rn
		FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS rn FROM enquiry_groups
			WHERE tenant_id = $1 AND review_id = $2) n
		WHERE g.tenant_id = $1 AND g.review_id = $2 AND g.id = n.id AND g.position <> n.rn`, tenantID, reviewID)
	if err != nil {
		return fmt.Errorf("review: renumber enquiry groups of %s: %w", reviewID, err)
	}
	return nil
}

// enqRenumberLines gives a group's lines (or the lines in no group, groupID "") the positions
// 1, 2, 3… in their current order.
func enqRenumberLines(ctx context.Context, q db.Querier, tenantID, reviewID, groupID string) error {
	_, err := q.Exec(ctx, `UPDATE enquiry_lines l SET position = n.rn
		FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS rn FROM enquiry_lines x
			WHERE x.tenant_id = $1 AND x.review_id = $2 AND `+inGroup("x", "$3")+`) n
		WHERE l.tenant_id = $1 AND l.review_id = $2 AND l.id = n.id AND l.position <> n.rn`, tenantID, reviewID, groupID)
	if err != nil {
		return fmt.Errorf("review: renumber lines of group %q: %w", groupID, err)
	}
	return nil
}

// --- Commands and page queries: each opens its own transaction and records its audit entry. A
// refused change (*form.Refused, its fields those of the page's forms) comes back with the page
// to show again, read in one transaction either way.

// EnquiryPage is what the lines of enquiry page shows.
type EnquiryPage struct {
	Review  Review
	Enquiry Enquiry
}

// HasGroup reports whether the review has the group.
func (p EnquiryPage) HasGroup(groupID string) bool {
	for _, g := range p.Enquiry.Groups {
		if g.ID == groupID {
			return true
		}
	}
	return false
}

func loadEnquiryPage(ctx context.Context, tx pgx.Tx, sc db.Scope) (EnquiryPage, error) {
	var p EnquiryPage
	var err error
	if p.Review, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return p, err
	}
	p.Enquiry, err = LoadEnquiry(ctx, tx, sc.TenantID, sc.ReviewID)
	return p, err
}

// LoadEnquiryPage reads the scope's review and its lines of enquiry.
func LoadEnquiryPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (EnquiryPage, error) {
	var p EnquiryPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadEnquiryPage(ctx, tx, sc)
		return err
	})
	return p, err
}

// enquiryRefused is a refusal with the page to show again, read in its own transaction (for a
// refusal found before any transaction).
func enquiryRefused(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, field, msg string) (EnquiryPage, error) {
	p, err := LoadEnquiryPage(ctx, pool, sc)
	if err != nil {
		return p, err
	}
	return p, form.Refuse(field, msg)
}

// GroupChange is what a change of a group did, or, when refused, the page to show again.
type GroupChange struct {
	Group    EnquiryGroup // the group added, renamed (as it was) or deleted
	Title    string       // the title given (a rename)
	Created  bool         // false when an add found the group there already
	From, To int          // a move's positions
	Page     EnquiryPage  // when refused
}

// EnquiryAddGroup adds a group of lines of enquiry; a group of that title already there is kept
// (Created false). The title is refused on "group-title".
func EnquiryAddGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, typed string) (GroupChange, error) {
	var c GroupChange
	title, problem := CheckEnquiryTitle(typed)
	if problem != "" {
		var err error
		c.Page, err = enquiryRefused(ctx, pool, sc, "group-title", problem)
		return c, err
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Group, c.Created, err = AddEnquiryGroup(ctx, tx, sc.TenantID, sc.ReviewID, title); err != nil || !c.Created {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.group_added", "enquiry_group", c.Group.ID, nil,
			map[string]any{"review_id": sc.ReviewID, "title": c.Group.Title, "position": c.Group.Position})
	})
	return c, err
}

// EnquiryRenameGroup gives a group a new title, when was is still its title. A title refused, or
// another group's, is refused on "title-<group id>".
func EnquiryRenameGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID, was, typed string) (GroupChange, error) {
	var c GroupChange
	title, problem := CheckEnquiryTitle(typed)
	if problem != "" {
		var err error
		c.Page, err = enquiryRefused(ctx, pool, sc, "title-"+groupID, problem)
		return c, err
	}
	c.Title = title
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Group, err = RenameEnquiryGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID, was, title)
		if errors.Is(err, ErrGroupTitleTaken) {
			if c.Page, err = loadEnquiryPage(ctx, tx, sc); err != nil {
				return err
			}
			return form.Refuse("title-"+groupID, "There is already a group called “"+title+"”")
		}
		if err != nil || c.Group.Title == title {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.group_renamed", "enquiry_group", groupID,
			map[string]string{"title": c.Group.Title}, map[string]string{"title": title})
	})
	return c, err
}

// EnquiryMoveGroup moves a group one place up or down (From == To at either end).
func EnquiryMoveGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID string, up bool) (GroupChange, error) {
	var c GroupChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.From, c.To, err = MoveEnquiryGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID, up); err != nil || c.From == c.To {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.group_moved", "enquiry_group", groupID,
			map[string]int{"position": c.From}, map[string]int{"position": c.To})
	})
	return c, err
}

// EnquiryDeleteGroup deletes an empty group; a group with lines is refused on "delete-<group id>".
func EnquiryDeleteGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID string) (GroupChange, error) {
	var c GroupChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Group, err = DeleteEnquiryGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID)
		if errors.Is(err, ErrGroupNotEmpty) {
			if c.Page, err = loadEnquiryPage(ctx, tx, sc); err != nil { // the page again, in this transaction
				return err
			}
			lines := "1 line of enquiry"
			if n := len(c.Group.Lines); n != 1 {
				lines = fmt.Sprintf("%d lines of enquiry", n)
			}
			return form.Refuse("delete-"+groupID, "You cannot delete “"+c.Group.Title+"” while it has "+lines+". Delete its lines of enquiry first.")
		}
		if err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.group_deleted", "enquiry_group", groupID,
			map[string]any{"review_id": sc.ReviewID, "title": c.Group.Title, "position": c.Group.Position}, nil)
	})
	return c, err
}

// LineEdit is what a change of a line did, or, when refused, the change page to show again.
type LineEdit struct {
	Line     EnquiryLine // the line added, changed (as it was), moved or deleted
	Created  bool        // false when an add found the line there already
	From, To int         // a move's positions
	Page     EnquiryPage // when an add is refused
	Form     LineForm    // when a change is refused
}

// EnquiryAddLine adds a line of enquiry to a group ("" for none); the same question already there
// is kept (Created false). The question is refused on "question".
func EnquiryAddLine(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID, typed string) (LineEdit, error) {
	var c LineEdit
	question, problem := CheckQuestion(typed)
	if problem != "" {
		var err error
		c.Page, err = enquiryRefused(ctx, pool, sc, "question", problem)
		return c, err
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Line, c.Created, err = AddEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, groupID, question); err != nil || !c.Created {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.line_added", "enquiry_line", c.Line.ID, nil,
			map[string]any{"review_id": sc.ReviewID, "group_id": groupID, "question": c.Line.Question, "position": c.Line.Position})
	})
	return c, err
}

// LineForm is a line with the groups it may move to, for its change page.
type LineForm struct {
	Review     Review
	Line       EnquiryLine
	Groups     []EnquiryGroup
	GroupTitle string // the line's group's title, "" for none
	Number     string // "2.3", or "3" for a line in no group
}

func loadLineForm(ctx context.Context, tx pgx.Tx, sc db.Scope, lineID string) (LineForm, error) {
	var f LineForm
	var err error
	if f.Line, err = GetEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, lineID); err != nil {
		return f, err
	}
	if f.Review, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return f, err
	}
	enq, err := LoadEnquiry(ctx, tx, sc.TenantID, sc.ReviewID)
	if err != nil {
		return f, err
	}
	f.Groups = enq.Groups
	f.Number = fmt.Sprint(f.Line.Position)
	for _, g := range enq.Groups {
		if g.ID == f.Line.GroupID {
			f.GroupTitle = g.Title
			f.Number = fmt.Sprintf("%d.%d", g.Position, f.Line.Position)
		}
	}
	return f, nil
}

// LoadLineForm reads a line's change page.
func LoadLineForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lineID string) (LineForm, error) {
	var f LineForm
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		f, err = loadLineForm(ctx, tx, sc, lineID)
		return err
	})
	return f, err
}

// Changes reports whether c changes the line as it was.
func (c LineChange) Changes(before EnquiryLine) bool {
	return before.Question != c.Question || (c.Regroup && before.GroupID != c.GroupID)
}

// EnquiryChangeLine changes a line's question and, when c.Regroup, its group. The question is
// refused on "question"; a group with that question already on "group-id". c.Question is the
// question as typed.
func EnquiryChangeLine(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lineID string, c LineChange) (LineEdit, error) {
	var e LineEdit
	question, problem := CheckQuestion(c.Question)
	c.Question = question
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		refuse := func(field, msg string) error {
			var err error
			if e.Form, err = loadLineForm(ctx, tx, sc, lineID); err != nil {
				return err
			}
			return form.Refuse(field, msg)
		}
		if problem != "" {
			return refuse("question", problem)
		}
		var err error
		e.Line, err = UpdateEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, lineID, c)
		if errors.Is(err, ErrQuestionInGroup) {
			if c.GroupID == "" {
				return refuse("group-id", "A line not in a group says this already: choose a group or change the line")
			}
			return refuse("group-id", "That group has this line of enquiry already: choose another group or change the line")
		}
		if err != nil || !c.Changes(e.Line) {
			return err
		}
		b, aft := map[string]string{"question": e.Line.Question}, map[string]string{"question": c.Question}
		if c.Regroup && c.GroupID != e.Line.GroupID {
			b["group_id"], aft["group_id"] = e.Line.GroupID, c.GroupID
		}
		return audit.Change(ctx, tx, sc, "enquiry.line_changed", "enquiry_line", lineID, b, aft)
	})
	return e, err
}

// EnquiryMoveLine moves a line one place up or down among its group's (From == To at either end).
func EnquiryMoveLine(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lineID string, up bool) (LineEdit, error) {
	var e LineEdit
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if e.Line, err = GetEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, lineID); err != nil {
			return err
		}
		groupID := e.Line.GroupID
		if e.From, e.To, err = MoveEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, lineID, up); err != nil || e.From == e.To {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.line_moved", "enquiry_line", lineID,
			map[string]any{"group_id": groupID, "position": e.From}, map[string]any{"group_id": groupID, "position": e.To})
	})
	return e, err
}

// EnquiryDeleteLine deletes a line of enquiry.
func EnquiryDeleteLine(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, lineID string) (LineEdit, error) {
	var e LineEdit
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if e.Line, err = DeleteEnquiryLine(ctx, tx, sc.TenantID, sc.ReviewID, lineID); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "enquiry.line_deleted", "enquiry_line", lineID,
			map[string]any{"review_id": sc.ReviewID, "group_id": e.Line.GroupID, "question": e.Line.Question, "position": e.Line.Position}, nil)
	})
	return e, err
}
