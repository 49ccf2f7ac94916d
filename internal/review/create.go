package review

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
)

// Enquiry is a review's lines of enquiry: those in no group, listed first, then the groups, as
// in the terms of reference (some list their lines without groups).
type Enquiry struct {
	Ungrouped []EnquiryLine
	Groups    []EnquiryGroup
}

// UngroupedTitle heads the lines in no group wherever lines are listed by group.
const UngroupedTitle = "Not in a group"

// EnquiryGroup is a group of lines of enquiry, such as "Experiences of families".
type EnquiryGroup struct {
	ID       string
	Title    string
	Position int
	Lines    []EnquiryLine
}

// EnquiryLine is one question of a line of enquiry. GroupID is "" for a line in no group; its
// position is then among the review's lines in no group.
type EnquiryLine struct {
	ID       string
	GroupID  string
	Question string
	Position int
}

// Empty reports a review with no lines of enquiry and no groups.
func (e Enquiry) Empty() bool { return len(e.Ungrouped) == 0 && len(e.Groups) == 0 }

// Lines lists every line: those in no group, then group by group.
func (e Enquiry) Lines() []EnquiryLine {
	out := append([]EnquiryLine(nil), e.Ungrouped...)
	for _, g := range e.Groups {
		out = append(out, g.Lines...)
	}
	return out
}

// Headed lists the lines under headings, for pages that show lines by group: the lines in no
// group (when there are any) under UngroupedTitle as a group with no ID, then the groups.
func (e Enquiry) Headed() []EnquiryGroup {
	if len(e.Ungrouped) == 0 {
		return e.Groups
	}
	return append([]EnquiryGroup{{Title: UngroupedTitle, Lines: e.Ungrouped}}, e.Groups...)
}

// Create inserts a review in set-up and makes creatorID its lead, in one statement. It returns
// the new id.
func Create(ctx context.Context, q db.Querier, tenantID, creatorID string, r Review) (string, error) {
	var id string
	err := q.QueryRow(ctx, `WITH r AS (
			INSERT INTO reviews (tenant_id, title, summary, key_question, fieldwork_start, fieldwork_end,
				planned_publication, created_by, create_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, '')) RETURNING id),
		m AS (INSERT INTO review_members (tenant_id, review_id, user_id, role) SELECT $1, r.id, $8, $10 FROM r)
		SELECT id FROM r`,
		tenantID, r.Title, r.Summary, r.KeyQuestion, r.FieldworkStart, r.FieldworkEnd, r.PlannedPublication, creatorID,
		r.CreateKey, string(auth.ReviewLead)).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("review: create: %w", err)
	}
	return id, nil
}

// InsertEnquiry appends lines of enquiry after any the review has, in one statement: the lines in
// no group after its own, the groups after its groups.
func InsertEnquiry(ctx context.Context, q db.Querier, tenantID, reviewID string, e Enquiry) error {
	var s setWrite
	s.enquiry(s.arg(tenantID)+"::uuid", s.arg(reviewID)+"::uuid", e)
	return s.exec(ctx, q, "insert lines of enquiry of "+reviewID)
}

// EnquiryOf converts a template's lines of enquiry.
func (t Template) EnquiryOf() Enquiry {
	var out Enquiry
	for _, g := range t.LinesOfEnquiry {
		eg := EnquiryGroup{Title: g.Title}
		for _, q := range g.Questions {
			eg.Lines = append(eg.Lines, EnquiryLine{Question: q})
		}
		out.Groups = append(out.Groups, eg)
	}
	return out
}

// ApplyTemplateBudget is the most statements ApplyTemplate sends, whatever the size of the
// template: one.
const ApplyTemplateBudget = 1

// ApplyTemplate gives a review a template's framework, lines of enquiry and vocabularies (added to
// any lists it has) and, when the review has none, its key question. It sends one statement
// (ApplyTemplateBudget) however many groups, action areas, lines and values the template has:
// every table is written from arrays in a clause of its own, the groups' new ids mapped to their
// action areas and lines by position in SQL.
func ApplyTemplate(ctx context.Context, q db.Querier, tenantID, reviewID string, t Template) error {
	fw, probs := t.Framework.Check()
	if len(probs) > 0 {
		return fmt.Errorf("review: template %s is invalid: %v", t.Name, probs)
	}
	v := t.Vocabulary
	if probs := v.Check(); len(probs) > 0 {
		return fmt.Errorf("review: template %s vocabularies are invalid: %v", t.Name, probs)
	}
	var s setWrite
	tn, rv := s.arg(tenantID)+"::uuid", s.arg(reviewID)+"::uuid"
	s.framework(tn, rv, fw)
	s.enquiry(tn, rv, t.EnquiryOf())
	s.vocabulary(tn, rv, v)
	s.with(`UPDATE reviews SET key_question = ` + s.arg(t.KeyQuestion) + `::text WHERE tenant_id = ` + tn + ` AND id = ` + rv + ` AND key_question = ''`)
	return s.exec(ctx, q, "apply template "+t.Name+" to "+reviewID)
}

// LoadEnquiry reads a review's lines of enquiry in order, in one query: the lines in no group,
// then each group with its lines.
func LoadEnquiry(ctx context.Context, q db.Querier, tenantID, reviewID string) (Enquiry, error) {
	rows, err := q.Query(ctx, `SELECT true AS grouped, g.id::text AS gid, g.title, g.position AS gpos,
			l.id::text AS lid, l.question, l.position AS lpos
		FROM enquiry_groups g
		LEFT JOIN enquiry_lines l ON l.tenant_id = g.tenant_id AND l.group_id = g.id
		WHERE g.tenant_id = $1 AND g.review_id = $2
		UNION ALL
		SELECT false, NULL, NULL, 0, l.id::text, l.question, l.position
		FROM enquiry_lines l WHERE l.tenant_id = $1 AND l.review_id = $2 AND l.group_id IS NULL
		ORDER BY grouped, gpos, gid, lpos, lid`, tenantID, reviewID)
	if err != nil {
		return Enquiry{}, fmt.Errorf("review: load enquiry %s: %w", reviewID, err)
	}
	defer rows.Close()
	var out Enquiry
	for rows.Next() {
		var grouped bool
		var gID, gTitle, lID, lQ *string
		var gPos int
		var lPos *int
		if err := rows.Scan(&grouped, &gID, &gTitle, &gPos, &lID, &lQ, &lPos); err != nil {
			return Enquiry{}, fmt.Errorf("review: scan enquiry: %w", err)
		}
		if !grouped {
			out.Ungrouped = append(out.Ungrouped, EnquiryLine{ID: *lID, Question: *lQ, Position: *lPos})
			continue
		}
		if n := len(out.Groups); n == 0 || out.Groups[n-1].ID != *gID {
			out.Groups = append(out.Groups, EnquiryGroup{ID: *gID, Title: *gTitle, Position: gPos})
		}
		if lID != nil {
			last := &out.Groups[len(out.Groups)-1]
			last.Lines = append(last.Lines, EnquiryLine{ID: *lID, GroupID: *gID, Question: *lQ, Position: *lPos})
		}
	}
	return out, rows.Err()
}

// What a new review starts from.
const (
	StartBlank    = "blank"    // the tenant's general vocabulary only
	StartTemplate = "template" // the built-in StartForLife template
	StartCopy     = "copy"     // the framework, enquiry and vocabularies of a review the user leads
)

// StartTemplateOf is the built-in template a review may start from.
func StartTemplateOf() (Template, error) {
	tpls, err := Templates()
	if err != nil {
		return Template{}, err
	}
	t, ok := tpls[StartForLife]
	if !ok {
		return Template{}, fmt.Errorf("review: built-in template %s missing", StartForLife)
	}
	return t, nil
}

// Led keeps the reviews the user leads: those they may copy a new review from.
func Led(all []Summary) []Summary {
	var led []Summary
	for _, x := range all {
		if x.Role == auth.ReviewLead {
			led = append(led, x)
		}
	}
	return led
}

// ListFor reads the reviews the user sees (sc.UserID), newest first.
func ListFor(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) ([]Summary, error) {
	var all []Summary
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		all, err = List(ctx, tx, sc.TenantID, sc.UserID)
		return err
	})
	return all, err
}

// NewForm reads what the create form offers: the template and the reviews the user leads.
func NewForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope) (Template, []Summary, error) {
	tpl, err := StartTemplateOf()
	if err != nil {
		return tpl, nil, err
	}
	all, err := ListFor(ctx, pool, sc)
	return tpl, Led(all), err
}

// StartInput is the create form as sent: the details, what the review starts from (and the
// review to copy from), the form's idempotency key, and the tenant's name (for the general
// vocabulary of a blank review).
type StartInput struct {
	Details    Details
	Start      string
	CopyFrom   string
	Key        string
	TenantName string
}

// Validate checks the details, the start choice and the review to copy from among sources.
func (in StartInput) Validate(sources []Summary) (Review, *form.Errors) {
	v, errs := in.Details.Validate()
	switch in.Start {
	case StartBlank, StartTemplate:
	case StartCopy:
		if len(sources) == 0 {
			errs.Add("start", "You do not lead any other review to copy from: start from a blank review or the template")
			break
		}
		found := false
		for _, x := range sources {
			found = found || x.ID == in.CopyFrom
		}
		if !found {
			errs.Add("copy-from", "Select a review you lead to copy from")
		}
	default:
		errs.Add("start", "Select what the review starts from")
	}
	return v, errs
}

// Started is a review created (Again: the same form sent twice found the review it made), with
// what the create form offers, to show again when the form is refused.
type Started struct {
	ID       string
	Again    bool
	Template Template
	Sources  []Summary
}

// Start creates a review led by the user from the create form, and records it. A form the
// checks refuse answers *form.Refused with what the form offers. A form sent twice carries the
// same key: the second waits for the first, finds the review it made (Again), and makes no other.
//
// Its budget is StartBudget statements whatever the size of the template or of the review
// copied: BEGIN, the scope, the reviews the user leads, the key's lock, the review made with the
// key, one statement that writes the review, its lead, what it starts from and the audit entry
// (startWrite), COMMIT.
func Start(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, in StartInput) (Started, error) {
	var st Started
	if !CreateKeyRE.MatchString(in.Key) {
		return st, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	var err error
	if st.Template, err = StartTemplateOf(); err != nil {
		return st, err
	}
	var refused *form.Refused
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		all, err := List(ctx, tx, sc.TenantID, sc.UserID)
		if err != nil {
			return err
		}
		st.Sources = Led(all)
		v, errs := in.Validate(st.Sources)
		if errs.Any() {
			refused = &form.Refused{Errors: errs}
			return nil // nothing written
		}
		if err := LockCreateKey(ctx, tx, sc.TenantID, in.Key); err != nil {
			return err
		}
		if st.ID, st.Again, err = CreatedWithKey(ctx, tx, sc.TenantID, in.Key); err != nil || st.Again {
			return err
		}
		v.CreateKey = in.Key
		st.ID, err = startWrite(ctx, tx, sc, in, v, st.Template)
		return err
	})
	if err == nil && refused != nil {
		return st, refused
	}
	return st, err
}

// StartBudget is the most statements Start sends (db.InTx's three included), whatever it copies.
const StartBudget = 7

// startWrite writes a new review, its lead, what it starts from (the general vocabulary, the
// template, or a copy of a review the user leads) and its audit entry in one statement, and
// returns its id.
func startWrite(ctx context.Context, tx pgx.Tx, sc db.Scope, in StartInput, v Review, tpl Template) (string, error) {
	after := map[string]string{"title": v.Title, "start": in.Start, "idempotency_key": in.Key}
	var fw Framework
	switch in.Start {
	case StartTemplate:
		after["template"] = StartForLife
		var probs []Problem
		if fw, probs = tpl.Framework.Check(); len(probs) > 0 {
			return "", fmt.Errorf("review: template %s is invalid: %v", tpl.Name, probs)
		}
		if probs := tpl.Vocabulary.Check(); len(probs) > 0 {
			return "", fmt.Errorf("review: template %s vocabularies are invalid: %v", tpl.Name, probs)
		}
		if v.KeyQuestion == "" {
			v.KeyQuestion = tpl.KeyQuestion // as ApplyTemplate: the template's when none was typed
		}
	case StartCopy:
		after["copied_from"] = in.CopyFrom
	}
	afterJSON, err := json.Marshal(after)
	if err != nil {
		return "", fmt.Errorf("review: create: %w", err)
	}
	var s setWrite
	tn, uid := s.arg(sc.TenantID)+"::uuid", s.arg(sc.UserID)+"::uuid"
	made := s.with(`INSERT INTO reviews (tenant_id, title, summary, key_question, fieldwork_start, fieldwork_end,
			planned_publication, created_by, create_key)
		VALUES (` + tn + `, ` + s.arg(v.Title) + `::text, ` + s.arg(v.Summary) + `::text, ` + s.arg(v.KeyQuestion) + `::text, ` +
		s.arg(v.FieldworkStart) + `::date, ` + s.arg(v.FieldworkEnd) + `::date, ` + s.arg(v.PlannedPublication) + `::date, ` +
		uid + `, ` + s.arg(v.CreateKey) + `::text)
		RETURNING id`)
	rv := "(SELECT id FROM " + made + ")"
	s.with(`INSERT INTO review_members (tenant_id, review_id, user_id, role)
		SELECT ` + tn + `, id, ` + uid + `, ` + s.arg(string(auth.ReviewLead)) + `::text FROM ` + made)
	switch in.Start {
	case StartBlank:
		s.vocabulary(tn, rv, GeneralVocabulary(in.TenantName))
	case StartTemplate:
		s.framework(tn, rv, fw)
		s.enquiry(tn, rv, tpl.EnquiryOf())
		s.vocabulary(tn, rv, tpl.Vocabulary)
	case StartCopy:
		s.copyOf(tn, rv, uid, s.arg(in.CopyFrom)+"::uuid")
	}
	m := audit.MetaFrom(ctx)
	s.with(audit.InsertFrom + `SELECT ` + tn + `, ` + uid + `, coalesce(nullif(` + s.arg(sc.Email) + `::text, ''), ` +
		audit.ActorEmailSQL(uid) + `), 'review.created', 'review', id::text, NULL, ` + s.arg(afterJSON) + `::jsonb, ` +
		s.arg(m.RequestID) + `::text, ` + s.arg(m.IP) + `::text FROM ` + made)
	var id string
	if err := s.queryRow(ctx, tx, "create review", "SELECT id::text FROM "+made, &id); err != nil {
		return "", err
	}
	return id, nil
}

// CreateKeyRE is the form of a create form's idempotency key: 16 random bytes in hex.
var CreateKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
