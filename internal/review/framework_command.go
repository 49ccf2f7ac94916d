package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/text"
)

// Commands and page queries of a review's framework, each in its own transaction with its audit
// entry. A refused change (*form.Refused, its fields those of the page's forms) comes back with
// the page to show again, read in one transaction either way.

// --- Forms ---

// CheckGroupTitle checks a group's title as typed; field is the id of its input.
func CheckGroupTitle(typed, field string) (string, *form.Errors) {
	errs := &form.Errors{}
	t := strings.TrimSpace(typed)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		errs.Add(field, "Enter a title for the group")
	case n > MaxGroupTitle:
		errs.Add(field, fmt.Sprintf("Group title must be %d characters or fewer", MaxGroupTitle))
	}
	return t, errs
}

// AreaInput is an action area as typed. Field ids: area-group, area-title, area-quote, area-citation.
type AreaInput struct {
	GroupID, Title, Quote, Citation string
}

// Validate checks the fields as File.Check does: a title, a quote and citation within their
// limits, and a citation whenever there is a quote.
func (f AreaInput) Validate() (ActionArea, *form.Errors) {
	errs := &form.Errors{}
	a := ActionArea{GroupID: strings.TrimSpace(f.GroupID), Title: strings.TrimSpace(f.Title),
		Quote: strings.TrimSpace(f.Quote), Citation: strings.TrimSpace(f.Citation)}
	if a.GroupID == "" {
		errs.Add("area-group", "Select the group the action area belongs to")
	}
	switch n := utf8.RuneCountInString(a.Title); {
	case n == 0:
		errs.Add("area-title", "Enter a title for the action area")
	case n > MaxAreaTitle:
		errs.Add("area-title", fmt.Sprintf("Action area title must be %d characters or fewer", MaxAreaTitle))
	}
	if utf8.RuneCountInString(a.Quote) > MaxQuote {
		errs.Add("area-quote", fmt.Sprintf("Policy quote must be %s characters or fewer", fwThousands(MaxQuote)))
	}
	switch n := utf8.RuneCountInString(a.Citation); {
	case n > MaxCitation:
		errs.Add("area-citation", fmt.Sprintf("Citation must be %s characters or fewer", fwThousands(MaxCitation)))
	case n == 0 && a.Quote != "":
		errs.Add("area-citation", "Enter where the quote comes from, so the report can footnote it")
	}
	return a, errs
}

func fwThousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 3 {
		return s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// --- Pages ---

// FrameworkPage is a review with its framework.
type FrameworkPage struct {
	Review    Review
	Framework Framework
}

func loadFrameworkPage(ctx context.Context, tx pgx.Tx, sc db.Scope) (FrameworkPage, error) {
	var p FrameworkPage
	var err error
	if p.Review, err = Get(ctx, tx, sc.TenantID, sc.ReviewID); err != nil {
		return p, err
	}
	p.Framework, err = LoadFramework(ctx, tx, sc.TenantID, sc.ReviewID)
	return p, err
}

// LoadFrameworkPage reads the scope's review and its framework.
func LoadFrameworkPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (FrameworkPage, error) {
	var p FrameworkPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadFrameworkPage(ctx, tx, sc)
		return err
	})
	return p, err
}

// LoadFrameworkExport reads the review and its framework with its lists, for the framework file.
func LoadFrameworkExport(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (FrameworkPage, error) {
	var p FrameworkPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if p, err = loadFrameworkPage(ctx, tx, sc); err != nil {
			return err
		}
		p.Framework.Vocabulary, err = LoadVocabulary(ctx, tx, sc.TenantID, sc.ReviewID)
		return err
	})
	return p, err
}

// ActionAreaPage is an action area's change page: the area, its review and the groups it may move to.
type ActionAreaPage struct {
	FrameworkPage
	Area ActionArea
}

func loadActionAreaPage(ctx context.Context, tx pgx.Tx, sc db.Scope, areaID string) (ActionAreaPage, error) {
	var p ActionAreaPage
	var err error
	if p.Area, err = GetActionArea(ctx, tx, sc.TenantID, sc.ReviewID, areaID); err != nil {
		return p, err
	}
	p.FrameworkPage, err = loadFrameworkPage(ctx, tx, sc)
	return p, err
}

// LoadActionAreaPage reads an action area's change page; an area of another review is NotFound.
func LoadActionAreaPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string) (ActionAreaPage, error) {
	var p ActionAreaPage
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		p, err = loadActionAreaPage(ctx, tx, sc, areaID)
		return err
	})
	return p, err
}

// --- Commands ---

// FrameworkChange is what a change of the framework did, or, when refused, the page to show again.
type FrameworkChange struct {
	Group    Group
	Area     ActionArea
	From, To int            // a move's positions
	Page     FrameworkPage  // the framework page, when a change made there is refused
	AreaPage ActionAreaPage // the action area's page, when a change made there is refused
}

func fwGroupAudit(g Group) map[string]any {
	return map[string]any{"title": g.Title, "position": g.Position}
}

func fwAreaAudit(a ActionArea) map[string]any {
	return map[string]any{"group_id": a.GroupID, "title": a.Title, "quote": a.Quote, "citation": a.Citation, "position": a.Position}
}

// refuseOn turns err into a refusal of field when it is a duplicate or in-use error, after load
// reads the page to show again in the same transaction; other errors pass unchanged.
func refuseOn(err error, errs *form.Errors, field string, load func() error) error {
	var dup *FrameworkDuplicateError
	var inUse *FrameworkInUseError
	var msg string
	switch {
	case errors.As(err, &dup):
		msg = dup.Message
	case errors.As(err, &inUse):
		msg = inUse.Message
	default:
		return err
	}
	if lerr := load(); lerr != nil {
		return lerr
	}
	errs.Add(field, msg)
	return &form.Refused{Errors: errs}
}

// refuseWithPage refuses errs after reading the framework page in its own transaction.
func refuseWithPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, errs *form.Errors, c *FrameworkChange) error {
	var err error
	if c.Page, err = LoadFrameworkPage(ctx, pool, sc); err != nil {
		return err
	}
	return &form.Refused{Errors: errs}
}

// FrameworkAddGroup adds a group at the end of the framework. The title is refused on "group-title".
func FrameworkAddGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, typed string) (FrameworkChange, error) {
	var c FrameworkChange
	title, errs := CheckGroupTitle(typed, "group-title")
	if errs.Any() {
		return c, refuseWithPage(ctx, pool, sc, errs, &c)
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		c.Group, err = AddFrameworkGroup(ctx, tx, sc.TenantID, sc.ReviewID, title)
		if err != nil {
			return refuseOn(err, errs, "group-title", func() (lerr error) { c.Page, lerr = loadFrameworkPage(ctx, tx, sc); return })
		}
		return audit.Change(ctx, tx, sc, "framework.group_added", "framework_group", c.Group.ID, nil, fwGroupAudit(c.Group))
	})
	return c, err
}

// FrameworkRenameGroup renames a group when version is still its version. The title is refused on
// "group-<id>-title"; only a group of this review is refused (another review's is NotFound).
func FrameworkRenameGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID, version, typed string) (FrameworkChange, error) {
	var c FrameworkChange
	field := "group-" + groupID + "-title"
	title, errs := CheckGroupTitle(typed, field)
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		load := func() error {
			if _, err := GetFrameworkGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID); err != nil {
				return err
			}
			var err error
			c.Page, err = loadFrameworkPage(ctx, tx, sc)
			return err
		}
		if errs.Any() {
			if err := load(); err != nil {
				return err
			}
			return &form.Refused{Errors: errs}
		}
		before, after, err := RenameFrameworkGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID, version, title)
		if err != nil {
			return refuseOn(err, errs, field, load)
		}
		c.Group = after
		return audit.Change(ctx, tx, sc, "framework.group_renamed", "framework_group", groupID, fwGroupAudit(before), fwGroupAudit(after))
	})
	return c, err
}

// FrameworkMoveGroup moves a group one place up or down from the position the page showed.
func FrameworkMoveGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID string, from int, up bool) (FrameworkChange, error) {
	c := FrameworkChange{From: from}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Group, c.To, err = MoveFrameworkGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID, from, up); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "framework.group_moved", "framework_group", groupID,
			map[string]any{"title": c.Group.Title, "position": from}, map[string]any{"title": c.Group.Title, "position": c.To})
	})
	return c, err
}

// FrameworkDeleteGroup deletes an empty group when version is still its version; a group with
// action areas is refused on "group-<id>-delete".
func FrameworkDeleteGroup(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, groupID, version string) (FrameworkChange, error) {
	var c FrameworkChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Group, err = DeleteFrameworkGroup(ctx, tx, sc.TenantID, sc.ReviewID, groupID, version); err != nil {
			return refuseOn(err, &form.Errors{}, "group-"+groupID+"-delete",
				func() (lerr error) { c.Page, lerr = loadFrameworkPage(ctx, tx, sc); return })
		}
		return audit.Change(ctx, tx, sc, "framework.group_deleted", "framework_group", groupID, fwGroupAudit(c.Group), nil)
	})
	return c, err
}

// FrameworkAddArea adds an action area at the end of its group; the fields are refused as
// AreaInput.Validate says, a title taken on "area-title". Another review's group is NotFound.
func FrameworkAddArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in AreaInput) (FrameworkChange, error) {
	var c FrameworkChange
	area, errs := in.Validate()
	if errs.Any() {
		return c, refuseWithPage(ctx, pool, sc, errs, &c)
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Area, err = AddActionArea(ctx, tx, sc.TenantID, sc.ReviewID, area); err != nil {
			return refuseOn(err, errs, "area-title", func() (lerr error) { c.Page, lerr = loadFrameworkPage(ctx, tx, sc); return })
		}
		return audit.Change(ctx, tx, sc, "framework.area_added", "action_area", c.Area.ID, nil, fwAreaAudit(c.Area))
	})
	return c, err
}

// FrameworkUpdateArea changes an action area when version is still its version; a refusal comes
// with the area's page (AreaPage).
func FrameworkUpdateArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, version string, in AreaInput) (FrameworkChange, error) {
	var c FrameworkChange
	area, errs := in.Validate()
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		load := func() (err error) { c.AreaPage, err = loadActionAreaPage(ctx, tx, sc, areaID); return }
		if errs.Any() {
			if err := load(); err != nil {
				return err
			}
			return &form.Refused{Errors: errs}
		}
		before, after, err := UpdateActionArea(ctx, tx, sc.TenantID, sc.ReviewID, areaID, version, area)
		if err != nil {
			return refuseOn(err, errs, "area-title", load)
		}
		c.Area = after
		return audit.Change(ctx, tx, sc, "framework.area_changed", "action_area", areaID, fwAreaAudit(before), fwAreaAudit(after))
	})
	return c, err
}

// FrameworkMoveArea moves an action area one place up or down from the position the page showed.
func FrameworkMoveArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID string, from int, up bool) (FrameworkChange, error) {
	c := FrameworkChange{From: from}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Area, c.To, err = MoveActionArea(ctx, tx, sc.TenantID, sc.ReviewID, areaID, from, up); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "framework.area_moved", "action_area", areaID,
			map[string]any{"title": c.Area.Title, "group_id": c.Area.GroupID, "position": from},
			map[string]any{"title": c.Area.Title, "group_id": c.Area.GroupID, "position": c.To})
	})
	return c, err
}

// FrameworkDeleteArea deletes an action area nothing uses when version is still its version; one
// in use is refused on "delete-area" with the area's page (AreaPage).
func FrameworkDeleteArea(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, areaID, version string) (FrameworkChange, error) {
	var c FrameworkChange
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if c.Area, err = DeleteActionArea(ctx, tx, sc.TenantID, sc.ReviewID, areaID, version); err != nil {
			return refuseOn(err, &form.Errors{}, "delete-area",
				func() (lerr error) { c.AreaPage, lerr = loadActionAreaPage(ctx, tx, sc, areaID); return })
		}
		return audit.Change(ctx, tx, sc, "framework.area_deleted", "action_area", areaID, fwAreaAudit(c.Area), nil)
	})
	return c, err
}

// ImportInput is the framework import form as sent: how to import ("replace" or "add"), and the
// file's parsed framework or its problems. Field ids: file, mode.
type ImportInput struct {
	Mode      string
	Filename  string
	Framework Framework
	Problems  []Problem
	NoFile    bool
}

// Validate checks the choice and the file.
func (in ImportInput) Validate() *form.Errors {
	errs := &form.Errors{}
	if in.NoFile {
		errs.Add("file", "Select a framework file")
	}
	if in.Mode != "replace" && in.Mode != "add" {
		errs.Add("mode", "Select whether to replace the current framework or add to it")
	}
	return errs
}

// ImportRefused is a refused import with the page to show again: the errors of the form, the
// file's problems, and the review with its framework.
type ImportRefused struct {
	Errors   *form.Errors
	Problems []Problem
	Page     FrameworkPage
}

func (e *ImportRefused) Error() string { return "review: framework import refused" }

// FrameworkImport replaces the review's framework with a file's, or adds the file's to it, and
// joins the file's lists to the review's, audited. A file with problems, a missing choice, titles
// that clash (add) or a framework in use (replace) are refused (*ImportRefused).
func FrameworkImport(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in ImportInput) error {
	errs := in.Validate()
	refused := &ImportRefused{Errors: errs, Problems: in.Problems}
	if errs.Any() || len(in.Problems) > 0 {
		var err error
		if refused.Page, err = LoadFrameworkPage(ctx, pool, sc); err != nil {
			return err
		}
		return refused
	}
	groups, areas := len(in.Framework.Groups), in.Framework.AreaCount()
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		reviewID := sc.ReviewID
		if err := LockFramework(ctx, tx, sc.TenantID, reviewID); err != nil {
			return err
		}
		refuse := func(msg string) error {
			errs.Add("mode", msg)
			var err error
			if refused.Page, err = loadFrameworkPage(ctx, tx, sc); err != nil {
				return err
			}
			return refused
		}
		current, err := LoadFramework(ctx, tx, sc.TenantID, reviewID)
		if err != nil {
			return err
		}
		if in.Mode == "add" {
			// Headings must differ; this also stops a double-submitted form adding the file twice.
			if clash := current.TitleClashes(in.Framework); len(clash) > 0 {
				return refuse(fmt.Sprintf("The current framework already has %s: %s. Replace the framework instead, or change the titles in the file.",
					text.Plural(len(clash), "of the file’s titles", "of the file’s titles"), fwQuoteList(clash)))
			}
		}
		if in.Mode == "replace" {
			n, err := FrameworkTaggedNoteCount(ctx, tx, sc.TenantID, reviewID)
			if err != nil {
				return err
			}
			if n > 0 {
				return refuse(fmt.Sprintf("The current framework cannot be replaced: %s tagged to its action areas. Add to the framework instead.",
					fwPluralNotes(n)))
			}
			if n, err = SynthesisCount(ctx, tx, sc.TenantID, reviewID, ""); err != nil {
				return err
			}
			if n > 0 {
				return refuse("The current framework cannot be replaced: findings or good-practice examples are written under its action areas. Add to the framework instead.")
			}
			err = ReplaceFramework(ctx, tx, sc.TenantID, reviewID, in.Framework)
		} else {
			err = InsertFramework(ctx, tx, sc.TenantID, reviewID, in.Framework)
		}
		if err != nil {
			return err
		}
		// The file's lists join the review's: values the lists lack are added at their end.
		if err := SeedVocabulary(ctx, tx, sc.TenantID, reviewID, in.Framework.Vocabulary); err != nil {
			return err
		}
		return audit.Change(ctx, tx, sc, "framework.imported", "review", reviewID,
			map[string]any{"groups": len(current.Groups), "action_areas": current.AreaCount()},
			map[string]any{"mode": in.Mode, "groups_imported": groups, "action_areas_imported": areas,
				"file": in.Filename, "vocabularies": in.Framework.Vocabulary})
	})
}

// fwQuoteList is like "‘A’, ‘B’ and 2 more".
func fwQuoteList(titles []string) string {
	const show = 3
	var parts []string
	for i, t := range titles {
		if i == show {
			break
		}
		parts = append(parts, "‘"+t+"’")
	}
	s := strings.Join(parts, ", ")
	if len(titles) > show {
		s += fmt.Sprintf(" and %d more", len(titles)-show)
	}
	return s
}

func fwPluralNotes(n int) string {
	if n == 1 {
		return "1 note is"
	}
	return strconv.Itoa(n) + " notes are"
}
