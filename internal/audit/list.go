package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Querier is the part of a transaction or pool the reader needs.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// DefaultPageSize is how many entries a page of the log shows.
const DefaultPageSize = 50

// Cursor marks a place in the log, newest first: the next page starts after the entry at
// (At, ID). It is the last entry of the page before.
type Cursor struct {
	At time.Time
	ID int64
}

// String encodes the cursor for a URL: microseconds since the epoch and the id. PostgreSQL keeps
// timestamps to the microsecond, so the encoding is exact.
func (c Cursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads what Cursor.String wrote.
func ParseCursor(s string) (Cursor, error) {
	at, id, ok := strings.Cut(s, "-")
	if !ok {
		return Cursor{}, fmt.Errorf("audit: bad cursor %q", s)
	}
	us, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || us < 0 || n <= 0 {
		return Cursor{}, fmt.Errorf("audit: bad cursor %q", s)
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: n}, nil
}

// Filter narrows the log. Zero fields do not filter.
type Filter struct {
	Action     string    // exact action, such as "membership.role_changed"
	ActorEmail string    // part of the actor's email address, any case
	ObjectID   string    // exact object id
	From       time.Time // entries at or after
	To         time.Time // entries before
	Before     *Cursor   // entries older than this place (keyset pagination)
	Limit      int       // DefaultPageSize when 0
}

// List reads the tenant's log, newest first. It filters on the tenant explicitly as well as
// through row-level security.
func List(ctx context.Context, q Querier, tenantID string, f Filter) ([]Entry, error) {
	where := []string{"tenant_id = $1"}
	args := []any{tenantID}
	add := func(cond string, v ...any) {
		for _, a := range v {
			args = append(args, a)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ActorEmail != "" {
		add(`actor_email ILIKE ? ESCAPE '\'`, "%"+escapeLike(strings.TrimSpace(f.ActorEmail))+"%")
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("at < ?", f.To)
	}
	if f.Before != nil {
		add("(at, id) < (?, ?)", f.Before.At, f.Before.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	args = append(args, limit)
	sql := `SELECT id, at, actor_id::text, actor_email, action, object_type, object_id, before, after, request_id, ip
		FROM audit_log WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY at DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Before, &e.After, &e.RequestID, &e.IP)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return list, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// KnownActions are the actions the service records, for the audit log's filter.
var KnownActions = []string{
	"access.refused",
	"api_token.created",
	"api_token.revoked",
	"audit.redacted",
	"auth.password_reset",
	"auth.password_reset_requested",
	"auth.sign_in_failed",
	"auth.sign_in_throttled",
	"auth.signed_in",
	"auth.signed_out",
	"auth.sso_linked",
	"auth.tenant_switched",
	"auth.two_factor_failed",
	"calendar_feed.created",
	"calendar_feed.revoked",
	"consistency.agreed",
	"consistency.coded",
	"consistency.methodology_changed",
	"consistency.sample_drawn",
	"coverage.threshold_changed",
	"document.deleted",
	"document.uploaded",
	"enquiry.group_added",
	"enquiry.group_deleted",
	"enquiry.group_moved",
	"enquiry.group_renamed",
	"enquiry.line_added",
	"enquiry.line_changed",
	"enquiry.line_deleted",
	"enquiry.line_moved",
	"evidence.created",
	"evidence.deleted",
	"evidence.file_added",
	"evidence.file_practice_chosen",
	"evidence.file_practice_withdrawn",
	"evidence.file_removed",
	"evidence.locked",
	"evidence.note_erased",
	"evidence.personal_data_confirmed",
	"evidence.restored",
	"evidence.unlocked",
	"evidence.updated",
	"example.created",
	"example.deleted",
	"example.moved",
	"example.personal_data_confirmed",
	"example.updated",
	"finding.confirmed",
	"finding.created",
	"finding.deleted",
	"finding.follow_up_linked",
	"finding.follow_up_unlinked",
	"finding.moved",
	"finding.note_unlinked",
	"finding.notes_linked",
	"finding.updated",
	"framework.area_added",
	"framework.area_changed",
	"framework.area_deleted",
	"framework.area_moved",
	"framework.group_added",
	"framework.group_deleted",
	"framework.group_moved",
	"framework.group_renamed",
	"framework.imported",
	"invitation.accepted",
	"invitation.created",
	"invitation.revoked",
	"letter.check_overridden",
	"letter.factcheck_answered",
	"letter.factcheck_commented",
	"letter.factcheck_finished",
	"letter.factcheck_reminder_sent",
	"letter.factcheck_sent",
	"letter.started",
	"letter.status_changed",
	"letter.template_saved",
	"letter.text_saved",
	"letter.version_saved",
	"mail.failed",
	"mail.queued",
	"mail.sent",
	"membership.created",
	"membership.deactivated",
	"membership.reactivated",
	"membership.role_changed",
	"quantifier_scale.updated",
	"questionnaire.imported",
	"recommendation.created",
	"recommendation.deleted",
	"recommendation.moved",
	"recommendation.response_recorded",
	"recommendation.status_changed",
	"recommendation.updated",
	"report.approval_lapsed",
	"report.check_overridden",
	"report.status_changed",
	"report.text_saved",
	"report.version_saved",
	"retention.purged",
	"review.area_pseudonyms_changed",
	"review.area_pseudonyms_revealed",
	"review.archive_exported",
	"review.created",
	"review.imported",
	"review.legal_hold_lifted",
	"review.legal_hold_set",
	"review.status_changed",
	"review.updated",
	"review_area.added",
	"review_area.removed",
	"review_member.added",
	"review_member.invite_withdrawn",
	"review_member.invited",
	"review_member.removed",
	"review_member.updated",
	"review_note.addressed",
	"review_note.cleared",
	"review_note.raised",
	"review_note.reopened",
	"review_note.replied",
	"safeguarding.action_recorded",
	"safeguarding.closed",
	"safeguarding.raised",
	"selfassess.answer_saved",
	"selfassess.commentary_setting_changed",
	"selfassess.deadlines_changed",
	"selfassess.element_added",
	"selfassess.element_changed",
	"selfassess.element_deleted",
	"selfassess.element_moved",
	"selfassess.imported",
	"selfassess.level_added",
	"selfassess.level_changed",
	"selfassess.level_deleted",
	"selfassess.level_moved",
	"selfassess.reminder_sent",
	"selfassess.reopened",
	"selfassess.submitted",
	"tenant.retention_changed",
	"tenant.settings_changed",
	"tenant.sso_changed",
	"user.password_changed",
	"user.password_check_failed",
	"user.recovery_codes_replaced",
	"user.two_factor_disabled",
	"user.two_factor_enabled",
	"visit.created",
	"visit.deleted",
	"visit.updated",
}
