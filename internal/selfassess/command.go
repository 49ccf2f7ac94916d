package selfassess

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Commands and page queries of self-assessments: each opens its own transaction (db.InTx), checks,
// writes and records its audit entry. A refusal that needs the page again comes back with it,
// read in one transaction either way.

// LoadAreaPage reads an area's self-assessment page (LoadPage) in its own transaction.
func LoadAreaPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = LoadPage(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		return err
	})
	return p, err
}

// ElementAt finds an element of the template: id, or the first when id is "". n counts from 1.
func (t Template) ElementAt(id string) (el Element, n int, ok bool) {
	for i, e := range t.Elements {
		if id == "" || e.ID == id {
			return e, i + 1, true
		}
	}
	return Element{}, 0, false
}

// AnswerResult is what saving an answer did: the page as it was read, the element and its number;
// when refused, the errors of the form or, when someone else saved first, the conflict's message
// with the page as it is now (Page).
type AnswerResult struct {
	Page     Page
	Element  Element
	Number   int
	Errors   *form.Errors
	Conflict string
}

// Answer saves an area's answer to one element, audited. finishing asks for a complete answer (the
// "continue" button, not "save and come back later"). An element no longer in the template, or a
// submitted self-assessment, is an error; an answer with problems comes back with Errors, and one
// someone else changed since the form was shown with Conflict; neither stores anything.
func Answer(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, in AnswerInput, finishing bool) (AnswerResult, error) {
	var res AnswerResult
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if res.Page, err = LoadPage(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
			return err
		}
		var ok bool
		if res.Element, res.Number, ok = res.Page.Template.ElementAt(in.ElementID); !ok {
			return apperr.Invalid("That element is no longer in the self-assessment.")
		}
		if res.Page.Area.Submission.Submitted() {
			return ErrSubmitted
		}
		if res.Errors = in.Validate(res.Page.Template, finishing); res.Errors.Any() {
			return errAnswerRefused
		}
		before, after, changed, err := SaveAnswer(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID, res.Page.Template, in)
		if apperr.Is(err, apperr.CodeConflict) && err != ErrSubmitted {
			res.Conflict = apperr.MessageOf(err)
			// The page as it is now, read in this transaction (rolled back: nothing changes).
			if res.Page, err = LoadPage(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
				return err
			}
			return errAnswerRefused
		}
		if err != nil || !changed {
			return err
		}
		el := res.Element
		return audit.Change(ctx, tx, sc, "selfassess.answer_saved", "self_assessment", areaID,
			map[string]any{"element": el.Title, "level": before.LevelID, "commentary": before.Commentary, "version": before.Version},
			map[string]any{"element": el.Title, "level": after.LevelID, "commentary": after.Commentary, "version": after.Version})
	})
	if errors.Is(err, errAnswerRefused) {
		return res, nil
	}
	if res.Errors == nil {
		res.Errors = &form.Errors{}
	}
	return res, err
}

// errAnswerRefused rolls back a refused answer; Answer reports it in its result.
var errAnswerRefused = errors.New("selfassess: answer refused")

// SubmitArea submits an area's self-assessment, audited. One with answers missing is refused with
// a *MissingError and the page to show again (read in the same transaction).
func SubmitArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (Page, error) {
	var p Page
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		done, err := Submit(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID)
		var missing *MissingError
		if errors.As(err, &missing) {
			// The check page again, read in this transaction (rolled back: nothing changed; the
			// draft submission it may have started reads as none).
			var lerr error
			if p, lerr = LoadPage(ctx, tx, sc.TenantID, sc.ReviewID, areaID); lerr != nil {
				return lerr
			}
		}
		if err != nil || !done {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.submitted", "self_assessment", areaID, nil, map[string]string{"status": StatusSubmitted})
	})
	return p, err
}

// MaxReopenReason is the longest reason for reopening, in characters.
const MaxReopenReason = 2000

// ReopenArea reopens a submitted self-assessment with a reason the contact sees, audited. A reason
// missing or too long is refused on "reason" (*form.Refused) with the page to show again.
func ReopenArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, reason string) (Page, error) {
	reason = strings.TrimSpace(reason)
	errs := &form.Errors{}
	switch {
	case reason == "":
		errs.Add("reason", "Enter the reason for reopening the self-assessment")
	case len([]rune(reason)) > MaxReopenReason:
		errs.Add("reason", "The reason must be 2,000 characters or fewer")
	}
	if errs.Any() {
		p, err := LoadAreaPage(ctx, pool, sc, areaID)
		if err != nil {
			return p, err
		}
		return p, &form.Refused{Errors: errs}
	}
	return Page{}, db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		done, err := Reopen(ctx, tx, sc.TenantID, sc.ReviewID, areaID, sc.UserID, reason)
		if err != nil || !done {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.reopened", "self_assessment", areaID,
			map[string]string{"status": StatusSubmitted}, map[string]string{"status": StatusDraft, "reason": reason})
	})
}

// ConfirmInput is the spreadsheet check page as sent: the element ids in order, and each
// element's answer under "level-<id>", "commentary-<id>" and "version-<id>".
type ConfirmInput struct {
	Elements []string
	Value    func(key string) string
}

// CommentaryText is commentary as compared: line breaks as browsers and spreadsheets send them
// are alike.
func CommentaryText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// ConfirmSheet saves the answers read from an uploaded spreadsheet, all or none, audited once: an
// answer someone else changed since the upload, or a template changed since, is a conflict and
// nothing is saved. It returns how many answers changed.
func ConfirmSheet(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, in ConfirmInput) (int, error) {
	changedTemplate := apperr.Conflict("The self-assessment’s elements have changed since you uploaded your spreadsheet. " +
		"Download a fresh copy of the spreadsheet, copy your answers into it and upload it again.")
	var saved int
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		st, err := LoadPage(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		if st.Area.Submission.Submitted() {
			return ErrSubmitted
		}
		if len(in.Elements) != len(st.Template.Elements) {
			return changedTemplate
		}
		var changes []answerChange
		for i, e := range st.Template.Elements {
			if strings.ToLower(in.Elements[i]) != e.ID {
				return changedTemplate
			}
			version, err := strconv.Atoi(in.Value("version-" + e.ID))
			if err != nil {
				return apperr.Invalid("The answers could not be read. Upload your spreadsheet again.")
			}
			a := AnswerInput{ElementID: e.ID, LevelID: strings.ToLower(in.Value("level-" + e.ID)),
				Commentary: CommentaryText(in.Value("commentary-" + e.ID)), Version: version}
			if errs := a.Validate(st.Template, false); errs.Any() {
				return apperr.Invalid("%s: %s. Upload your spreadsheet again.", e.Title, errs.List()[0].Message)
			}
			cur := st.Area.Responses[e.ID]
			if cur.LevelID == a.LevelID && CommentaryText(cur.Commentary) == a.Commentary {
				continue // the same as saved: nothing to change (also a repeated confirm)
			}
			changes = append(changes, answerChange{Title: e.Title, In: a})
		}
		if len(changes) == 0 {
			return nil
		}
		// The submission locked (the stage checked with it), then every answer written in one
		// statement that reads them after the lock, with the audit entry.
		status, _, err := lockSubmission(ctx, tx, sc.TenantID, sc.ReviewID, areaID)
		if err != nil {
			return err
		}
		if status == StatusSubmitted {
			return ErrSubmitted
		}
		n, conflict, err := saveAnswers(ctx, tx, sc, areaID, changes)
		if err != nil {
			return err
		}
		if conflict != "" {
			return apperr.Conflict("Someone changed the answer to “%s” after you uploaded your spreadsheet, so nothing has been saved. "+
				"Upload your spreadsheet again to see what would change.", conflict)
		}
		saved = n
		return nil
	})
	return saved, err
}

// --- The lead's page: the template, the settings and every area's deadline and answers ---

// LeadPage is what the lead's self-assessments page shows.
type LeadPage struct {
	ReviewTitle string
	Template    Template
	Areas       []area.Area
	Grid        map[string]*AreaState // by area id; nil for an area with nothing yet
}

func loadLeadPage(ctx context.Context, tx pgx.Tx, sc db.Scope, today time.Time) (LeadPage, error) {
	var p LeadPage
	var err error
	if p.ReviewTitle, p.Template, err = LoadTemplateTitled(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return p, err
	}
	if p.Areas, err = area.List(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return p, err
	}
	p.Grid, err = LoadGrid(ctx, tx, sc.TenantID, sc.ReviewID, today)
	return p, err
}

// LoadLeadPage reads the lead's page; today decides which areas are late.
func LoadLeadPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, today time.Time) (LeadPage, error) {
	var p LeadPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadLeadPage(ctx, tx, sc, today)
		return err
	})
	return p, err
}

// AddTemplateElement adds an element to the review's template, audited. Its fields are refused
// (*form.Refused, fields "title" and "guidance") before any transaction.
func AddTemplateElement(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in ElementInput) (string, error) {
	if errs := in.Validate(); errs.Any() {
		return "", &form.Refused{Errors: errs}
	}
	var id string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := Seed(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		var err error
		if id, err = AddElement(ctx, tx, sc.TenantID, sc.ReviewID, in); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.element_added", "sa_element", id, nil, map[string]string{"title": in.Title, "guidance": in.Guidance})
	})
	return id, err
}

// ChangeTemplateElement changes an element when in.Version is still its version, audited. Its
// fields are refused as AddTemplateElement's.
func ChangeTemplateElement(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in ElementInput) error {
	if errs := in.Validate(); errs.Any() {
		return &form.Refused{Errors: errs}
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		before, err := UpdateElement(ctx, tx, sc.TenantID, sc.ReviewID, in)
		if err != nil || (before.Title == in.Title && before.Guidance == in.Guidance) {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.element_changed", "sa_element", in.ID,
			map[string]string{"title": before.Title, "guidance": before.Guidance}, map[string]string{"title": in.Title, "guidance": in.Guidance})
	})
}

// RemoveTemplateElement removes an element, audited. A removal refused (*RefusedError) comes back
// with the lead's page as of today; one removed already is NotFound.
func RemoveTemplateElement(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, today time.Time) (Element, LeadPage, error) {
	var gone Element
	var page LeadPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if gone, err = DeleteElement(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return withLeadPage(ctx, tx, sc, today, err, &page)
		}
		return audit.Change(ctx, tx, sc, "selfassess.element_deleted", "sa_element", id, map[string]string{"title": gone.Title, "guidance": gone.Guidance}, nil)
	})
	return gone, page, err
}

// withLeadPage reads the lead's page into page when err is a *RefusedError, and returns err.
func withLeadPage(ctx context.Context, tx pgx.Tx, sc db.Scope, today time.Time, err error, page *LeadPage) error {
	var refused *RefusedError
	if errors.As(err, &refused) {
		var lerr error
		if *page, lerr = loadLeadPage(ctx, tx, sc, today); lerr != nil {
			return lerr
		}
	}
	return err
}

// MoveTemplateElement moves an element up (dir -1) or down (1), audited.
func MoveTemplateElement(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, dir int) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if err := MoveElement(ctx, tx, sc.TenantID, sc.ReviewID, id, dir); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.element_moved", "sa_element", id, nil, map[string]int{"direction": dir})
	})
}

// AddTemplateLevel adds a level to the review's template, audited. Its fields are refused
// (*form.Refused, fields "label" and "description") before any transaction.
func AddTemplateLevel(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in LevelInput) (string, error) {
	if errs := in.Validate(); errs.Any() {
		return "", &form.Refused{Errors: errs}
	}
	var id string
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := Seed(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		var err error
		if id, err = AddLevel(ctx, tx, sc.TenantID, sc.ReviewID, in); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.level_added", "sa_level", id, nil, map[string]string{"label": in.Label, "description": in.Description})
	})
	return id, err
}

// ChangeTemplateLevel changes a level when in.Version is still its version, audited.
func ChangeTemplateLevel(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in LevelInput) error {
	if errs := in.Validate(); errs.Any() {
		return &form.Refused{Errors: errs}
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		before, err := UpdateLevel(ctx, tx, sc.TenantID, sc.ReviewID, in)
		if err != nil || (before.Label == in.Label && before.Description == in.Description) {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.level_changed", "sa_level", in.ID,
			map[string]string{"label": before.Label, "description": before.Description}, map[string]string{"label": in.Label, "description": in.Description})
	})
}

// RemoveTemplateLevel removes a level, audited; refused as RemoveTemplateElement is.
func RemoveTemplateLevel(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, today time.Time) (Level, LeadPage, error) {
	var gone Level
	var page LeadPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if gone, err = DeleteLevel(ctx, tx, sc.TenantID, sc.ReviewID, id); err != nil {
			return withLeadPage(ctx, tx, sc, today, err, &page)
		}
		return audit.Change(ctx, tx, sc, "selfassess.level_deleted", "sa_level", id, map[string]string{"label": gone.Label, "description": gone.Description}, nil)
	})
	return gone, page, err
}

// MoveTemplateLevel moves a level up (dir -1) or down (1), audited.
func MoveTemplateLevel(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, id string, dir int) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if err := MoveLevel(ctx, tx, sc.TenantID, sc.ReviewID, id, dir); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.level_moved", "sa_level", id, nil, map[string]int{"direction": dir})
	})
}

// SetCommentary sets whether commentary is required ("yes" or "no", else refused on
// "commentary_required" before any transaction), audited when it changes.
func SetCommentary(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, value string) error {
	if value != "yes" && value != "no" {
		return form.Refuse("commentary_required", "Select whether commentary is required")
	}
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		if _, err := Seed(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
			return err
		}
		changed, err := SetCommentaryRequired(ctx, tx, sc.TenantID, sc.ReviewID, value == "yes")
		if err != nil || !changed {
			return err
		}
		return audit.Change(ctx, tx, sc, "selfassess.commentary_setting_changed", "review", sc.ReviewID, nil,
			map[string]bool{"commentary_required": value == "yes"})
	})
}

// DeadlinesInput is the deadlines form: each area's date under "deadline-<area id>-day", "-month"
// and "-year"; Schedule plans the reminders of the new deadlines in the same transaction.
type DeadlinesInput struct {
	Value    func(key string) string
	Today    time.Time
	Schedule func(ctx context.Context, tx pgx.Tx, due map[string]*time.Time) error
}

// DeadlinesResult is what the deadlines form did; when refused, the dates as typed (by input id)
// and the lead's page to show again.
type DeadlinesResult struct {
	Typed map[string]string
	Page  LeadPage
}

// ChangeDeadlines sets every area's deadline (none when its date is left empty), schedules their
// reminders and records the change, in one transaction: the areas are read, the dates checked
// against them, then saved. A date that is not real is refused (*form.Refused, field
// "deadline-<area id>") and nothing changes.
func ChangeDeadlines(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in DeadlinesInput) (DeadlinesResult, error) {
	res := DeadlinesResult{Typed: map[string]string{}}
	errs := &form.Errors{}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		areas, err := area.List(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		due := readDeadlines(in.Value, areas, errs, res.Typed)
		if errs.Any() {
			if res.Page, err = loadLeadPage(ctx, tx, sc, in.Today); err != nil {
				return err
			}
			return &form.Refused{Errors: errs}
		}
		before, err := Deadlines(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		if err := SetDeadlines(ctx, tx, sc.TenantID, sc.ReviewID, due); err != nil {
			return err
		}
		if in.Schedule != nil {
			if err := in.Schedule(ctx, tx, due); err != nil {
				return err
			}
		}
		after := map[string]string{}
		for id, d := range due {
			if d != nil {
				after[id] = d.Format(time.DateOnly)
			}
		}
		b := map[string]string{}
		for id, d := range before {
			b[id] = d.Format(time.DateOnly)
		}
		return audit.Change(ctx, tx, sc, "selfassess.deadlines_changed", "review", sc.ReviewID, b, after)
	})
	return res, err
}

// readDeadlines reads the deadline of each area from the form.
func readDeadlines(value func(string) string, areas []area.Area, errs *form.Errors, typed map[string]string) map[string]*time.Time {
	due := map[string]*time.Time{}
	for _, ar := range areas {
		id := "deadline-" + ar.ID
		day := strings.TrimSpace(value(id + "-day"))
		month := strings.TrimSpace(value(id + "-month"))
		year := strings.TrimSpace(value(id + "-year"))
		typed[id], typed[id+"-month"], typed[id+"-year"] = day, month, year
		if day == "" && month == "" && year == "" {
			due[ar.ID] = nil
			continue
		}
		d, ok := ReadDate(day, month, year)
		if !ok {
			errs.Add(id, "Deadline for "+ar.Name+" must be a real date, for example 27 3 2024")
			continue
		}
		due[ar.ID] = &d
	}
	return due
}

// ReadDate reads a GOV.UK date input: a real date from 2000 to 2100.
func ReadDate(day, month, year string) (time.Time, bool) {
	d, err1 := strconv.Atoi(day)
	m, err2 := strconv.Atoi(month)
	y, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != time.Month(m) {
		return time.Time{}, false
	}
	return t, true
}
