package archive

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// MaxTitle is the longest review title (reviews.title).
const MaxTitle = 200

// Target is who imports an archive, and where.
type Target struct {
	TenantID string
	UserID   string // the importing user: lead of the new review
	Email    string
	Title    string // the new review's title; "" for "<title> (imported)"
	// CreateKey is the idempotency key of the form or command: a second import with the same key
	// makes nothing and answers the first one's review (Result.Duplicate).
	CreateKey string
	// Scanner, when set, checks every document before anything is written (as uploads are).
	Scanner Scanner
}

// Result is what an import made.
type Result struct {
	ReviewID string
	Title    string
	Counts   Counts
	// Invited are the members' emails that are not users of the organisation: each became a
	// pending invitation to the review.
	Invited []string
	// Reattributed counts, by original email, the objects (notes, findings…) whose author is not
	// a user of the organisation and that are now the importing user's.
	Reattributed map[string]int
	// Duplicate is true when the import had been made already with the same key: ReviewID is
	// that review's and nothing was written.
	Duplicate bool
	// TeamDaysSkipped counts the days on site left out: those of people invited (they are not
	// users of the organisation yet), and any day the file repeats.
	TeamDaysSkipped int
}

// Summary is the audit entry's "after" of an import.
func (r Result) Summary() map[string]any {
	return map[string]any{"review": r.ReviewID, "title": r.Title, "counts": r.Counts, "invited": r.Invited,
		"reattributed_authors": r.Reattributed, "team_days_skipped": r.TeamDaysSkipped}
}

// DefaultTitle is the new review's title when none is given: "<title> (imported)", cut to fit.
func DefaultTitle(title string) string {
	const suffix = " (imported)"
	r := []rune(title)
	if max := MaxTitle - utf8.RuneCountInString(suffix); len(r) > max {
		r = r[:max]
	}
	return strings.TrimSpace(string(r)) + suffix
}

// ids hands out new uuids that sort in the order they are made (a time prefix and a counter), so
// that rows of the archive written together keep the archive's order where a list sorts by id
// last: exporting the imported review gives the same file.
type ids struct {
	prefix [6]byte
	n      uint32
}

func newIDs(now time.Time) *ids {
	g := &ids{}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixMilli()))
	copy(g.prefix[:], b[2:])
	return g
}

func (g *ids) next() string {
	g.n++
	var u [16]byte
	copy(u[:6], g.prefix[:])
	_, _ = rand.Read(u[10:])
	c := g.n
	u[6] = 0x70 | byte(c>>24)&0x0f
	u[7] = byte(c >> 16)
	u[8] = 0x80 | byte(c>>10)&0x3f
	u[9] = byte(c >> 2)
	u[10] = byte(c&3)<<6 | u[10]&0x3f
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *ids) key() string { return "archive-" + strings.ReplaceAll(g.next(), "-", "") }

// ImportBudget is the most statements Import sends, whatever the size of the archive (up to
// chunkRows notes and links of each kind: a statement more each per chunkRows beyond): the ONS
// codes, the people, the review, its lists, one statement for everything from the lines of
// enquiry to the quantifier scale, the notes, the planner setting, the notes' three kinds of
// links, the setting back, the findings, the findings' notes, and one statement for the documents
// and everything after them. ImportReview adds its transaction (3) and the audit entry (1).
const ImportBudget = 14

// Import writes a parsed archive as a new review of the target tenant in tx. It first checks
// what needs the database (ONS codes); an archive with problems answers *Invalid and writes
// nothing. It sends at most ImportBudget statements however many rows the archive holds: every
// table is written from arrays (unnest) with ids made beforehand in Go, and the tables without
// triggers are written together, as the data-modifying clauses of one statement (the tables whose
// triggers count notes, links and findings each keep a statement of their own). The caller
// commits or rolls back.
func Import(ctx context.Context, tx pgx.Tx, t Target, a *Archive, now time.Time) (Result, error) {
	ps := &problems{}
	codes := make([]string, len(a.Areas))
	for i, x := range a.Areas {
		codes[i] = x.ONSCode
	}
	known, err := knownONSCodes(ctx, tx, codes)
	if err != nil {
		return Result{}, err
	}
	for i, x := range a.Areas {
		if !known[x.ONSCode] {
			ps.add(idx("areas", i)+".ons_code", "no English local authority has the ONS code %q", x.ONSCode)
		}
	}
	if len(ps.list) > 0 {
		return Result{}, ps.invalid()
	}
	w := &writer{ctx: ctx, tx: tx, tenant: t.TenantID, t: t, a: a, ids: newIDs(now), now: now,
		res: Result{Reattributed: map[string]int{}, Invited: []string{}}, ref: map[string]string{}}
	if err := w.scanDocuments(); err != nil {
		return Result{}, err
	}
	if err := w.people(); err != nil {
		return Result{}, err
	}
	if err := w.review(); err != nil || w.res.Duplicate {
		return w.res, err
	}
	// The steps run in the archive's order (the ids they make sort in it); each group ends with
	// one statement of the clauses its steps added. The lists are written at once (vocabularies),
	// before the statement of the members and visits that name their values.
	for _, g := range []struct {
		what  string
		steps []func() error
	}{
		{"set-up", []func() error{w.enquiry, w.framework, w.areas, w.vocabularies, w.members, w.visits, w.sources,
			w.selfAssessment, w.questionnaires, w.scale}},
		{"notes", []func() error{w.notes}},
		{"findings", []func() error{w.findings}},
		{"synthesis", []func() error{w.documents, w.examples, w.recommendations, w.reportTexts, w.report, w.reviewNotes, w.lock}},
	} {
		for _, step := range g.steps {
			if err := step(); err != nil {
				return Result{}, err
			}
		}
		if err := w.flush(g.what); err != nil {
			return Result{}, err
		}
	}
	return w.res, nil
}

// writer writes one archive.
type writer struct {
	ctx      context.Context
	tx       pgx.Tx
	tenant   string
	t        Target
	a        *Archive
	ids      *ids
	now      time.Time
	res      Result
	reviewID string
	ref      map[string]string // archive ref → new id
	users    map[string]string // email → user id, for users of the tenant
	member   map[string]string // email → review_members id
	pending  []clause          // what add collected for the next flush
}

// clause is an INSERT (or UPDATE) with its own parameters, numbered from $1.
type clause struct {
	what string
	sql  string
	args []any
}

func (w *writer) exec(what, sql string, args ...any) error {
	if _, err := w.tx.Exec(w.ctx, sql, args...); err != nil {
		return fmt.Errorf("archive: import %s: %w", what, err)
	}
	return nil
}

// add keeps a write for the next flush, which sends it with the others as one statement. Only
// tables without triggers are added: a trigger that reads what the statement wrote would not see
// the rows of the other clauses.
func (w *writer) add(what, sql string, args ...any) error {
	w.pending = append(w.pending, clause{what: what, sql: sql, args: args})
	return nil
}

var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// flush sends the writes add kept as the data-modifying clauses of one statement, their
// parameters numbered after one another. The clauses write rows whose ids were made in Go, so
// none reads another's rows; foreign keys are checked at the end of the statement.
func (w *writer) flush(what string) error {
	if len(w.pending) == 0 {
		return nil
	}
	var b strings.Builder
	var args []any
	var whats []string
	b.WriteString("WITH ")
	for i, c := range w.pending {
		off := len(args)
		sql := placeholder.ReplaceAllStringFunc(c.sql, func(p string) string {
			n, _ := strconv.Atoi(p[1:])
			return "$" + strconv.Itoa(n+off)
		})
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("w" + strconv.Itoa(i+1) + " AS (\n" + sql + ")")
		args = append(args, c.args...)
		whats = append(whats, c.what)
	}
	b.WriteString("\nSELECT 1")
	w.pending = nil
	return w.exec(what+" ("+strings.Join(whats, ", ")+")", b.String(), args...)
}

// user is an email's user id in the tenant, or "" (the caller decides what stands in).
func (w *writer) user(email *string) string {
	if email == nil {
		return ""
	}
	return w.users[*email]
}

// author is an email's user id, or the importing user's, counting the stand-in.
func (w *writer) author(email *string) string {
	if id := w.user(email); id != "" {
		return id
	}
	if email != nil {
		w.res.Reattributed[*email]++
	}
	return w.t.UserID
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// people finds which of the archive's emails are users of the tenant, in one query.
func (w *writer) people() error {
	set := map[string]bool{}
	add := func(e *string) {
		if e != nil && *e != "" {
			set[*e] = true
		}
	}
	for _, m := range w.a.Members {
		add(&m.Email)
	}
	for _, n := range w.a.Notes {
		add(&n.Author)
	}
	for _, s := range w.a.SelfAssessment.Submissions {
		add(s.SubmittedBy)
		add(s.ReopenedBy)
	}
	for _, x := range w.a.SelfAssessment.Answers {
		add(x.UpdatedBy)
	}
	for _, q := range w.a.Questionnaires {
		add(q.ImportedBy)
	}
	for _, f := range w.a.Findings {
		add(f.CreatedBy)
	}
	for _, x := range w.a.Examples {
		add(x.CreatedBy)
	}
	for _, r := range w.a.Recommendations {
		add(r.CreatedBy)
	}
	for _, d := range w.a.Documents {
		add(d.UploadedBy)
	}
	if w.a.Report != nil {
		add(w.a.Report.By)
	}
	for _, v := range w.a.ReportVersions {
		add(v.CreatedBy)
	}
	emails := make([]string, 0, len(set))
	for e := range set {
		emails = append(emails, e)
	}
	rows, err := w.tx.Query(w.ctx, `SELECT u.email, u.id::text FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND u.email = ANY($2)`, w.tenant, emails)
	if err != nil {
		return fmt.Errorf("archive: import users: %w", err)
	}
	w.users = map[string]string{}
	for rows.Next() {
		var e, id string
		if err := rows.Scan(&e, &id); err != nil {
			rows.Close()
			return fmt.Errorf("archive: import users: %w", err)
		}
		w.users[e] = id
	}
	return rows.Err()
}

func (w *writer) review() error {
	rv := w.a.Review
	w.reviewID = w.ids.next()
	w.res.Title = w.t.Title
	if w.res.Title == "" {
		w.res.Title = DefaultTitle(rv.Title)
	}
	var id string
	err := w.tx.QueryRow(w.ctx, `INSERT INTO reviews (tenant_id, id, title, summary, key_question, fieldwork_start, fieldwork_end,
			planned_publication, status, coverage_threshold, created_by, create_key)
		VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8::date, $9, $10, $11, nullif($12, ''))
		ON CONFLICT (tenant_id, create_key) WHERE create_key IS NOT NULL DO NOTHING RETURNING id::text`,
		w.tenant, w.reviewID, w.res.Title, rv.Summary, rv.KeyQuestion, rv.FieldworkStart, rv.FieldworkEnd, rv.PlannedPublication,
		rv.Status, rv.CoverageThreshold, w.t.UserID, w.t.CreateKey).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// The same import was made already (a double-submitted form): answer its review.
		w.res.Duplicate = true
		err = w.tx.QueryRow(w.ctx, `SELECT id::text, title FROM reviews WHERE tenant_id = $1 AND create_key = $2`,
			w.tenant, w.t.CreateKey).Scan(&w.res.ReviewID, &w.res.Title)
	} else {
		w.res.ReviewID = id
	}
	if err != nil {
		return fmt.Errorf("archive: import review: %w", err)
	}
	return nil
}

// lock records the evidence lock last, as set by the importing user.
func (w *writer) lock() error {
	if !w.a.Review.EvidenceLocked {
		return nil
	}
	return w.add("evidence lock", `UPDATE reviews SET evidence_locked_at = $3, evidence_locked_by = $4
		WHERE tenant_id = $1 AND id = $2`, w.tenant, w.reviewID, w.now, w.t.UserID)
}

func (w *writer) enquiry() error {
	var gIDs, gTitles []string
	var gPos []int32
	var lIDs, lGroups, lQuestions []string
	var lPos []int32
	for li, l := range w.a.EnquiryLines { // in no group: lGroups "" is NULL
		lid := w.ids.next()
		w.ref[l.Ref] = lid
		lIDs, lGroups, lQuestions, lPos = append(lIDs, lid), append(lGroups, ""), append(lQuestions, l.Question), append(lPos, int32(li+1))
	}
	for gi, g := range w.a.EnquiryGroups {
		id := w.ids.next()
		w.ref[g.Ref] = id
		gIDs, gTitles, gPos = append(gIDs, id), append(gTitles, g.Title), append(gPos, int32(gi+1))
		for li, l := range g.Lines {
			lid := w.ids.next()
			w.ref[l.Ref] = lid
			lIDs, lGroups, lQuestions, lPos = append(lIDs, lid), append(lGroups, id), append(lQuestions, l.Question), append(lPos, int32(li+1))
		}
	}
	if err := w.add("enquiry groups", `INSERT INTO enquiry_groups (tenant_id, id, review_id, title, position)
		SELECT $1, u.id::uuid, $2, u.title, u.position FROM unnest($3::text[], $4::text[], $5::int[]) AS u(id, title, position)`,
		w.tenant, w.reviewID, gIDs, gTitles, gPos); err != nil {
		return err
	}
	return w.add("lines of enquiry", `INSERT INTO enquiry_lines (tenant_id, id, review_id, group_id, question, position)
		SELECT $1, u.id::uuid, $2, nullif(u.grp, '')::uuid, u.question, u.position
		FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS u(id, grp, question, position)`,
		w.tenant, w.reviewID, lIDs, lGroups, lQuestions, lPos)
}

func (w *writer) framework() error {
	var gIDs, gTitles []string
	var gPos []int32
	var aIDs, aGroups, aTitles, aQuotes, aCitations []string
	var aPos []int32
	for gi, g := range w.a.FrameworkGroups {
		id := w.ids.next()
		w.ref[g.Ref] = id
		gIDs, gTitles, gPos = append(gIDs, id), append(gTitles, g.Title), append(gPos, int32(gi+1))
		for ai, x := range g.ActionAreas {
			aid := w.ids.next()
			w.ref[x.Ref] = aid
			aIDs, aGroups, aTitles = append(aIDs, aid), append(aGroups, id), append(aTitles, x.Title)
			aQuotes, aCitations, aPos = append(aQuotes, x.Quote), append(aCitations, x.Citation), append(aPos, int32(ai+1))
		}
	}
	if err := w.add("framework groups", `INSERT INTO framework_groups (tenant_id, id, review_id, title, position)
		SELECT $1, u.id::uuid, $2, u.title, u.position FROM unnest($3::text[], $4::text[], $5::int[]) AS u(id, title, position)`,
		w.tenant, w.reviewID, gIDs, gTitles, gPos); err != nil {
		return err
	}
	return w.add("action areas", `INSERT INTO action_areas (tenant_id, id, review_id, group_id, title, quote, citation, position)
		SELECT $1, u.id::uuid, $2, u.grp::uuid, u.title, u.quote, u.citation, u.position
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) AS u(id, grp, title, quote, citation, position)`,
		w.tenant, w.reviewID, aIDs, aGroups, aTitles, aQuotes, aCitations, aPos)
}

func (w *writer) areas() error {
	var ids, codes []string
	for _, x := range w.a.Areas {
		id := w.ids.next()
		w.ref[x.Ref] = id
		ids, codes = append(ids, id), append(codes, x.ONSCode)
	}
	w.res.Counts.Areas = len(ids)
	return w.add("areas", `INSERT INTO review_areas (tenant_id, id, review_id, ons_code)
		SELECT $1, u.id::uuid, $2, u.code FROM unnest($3::text[], $4::text[]) AS u(id, code)`, w.tenant, w.reviewID, ids, codes)
}

func (w *writer) refOf(ref *string) *string {
	if ref == nil {
		return nil
	}
	id := w.ref[*ref]
	return &id
}

// members: users of the tenant become members, anyone else a pending invitation. The importing
// user is always a lead.
func (w *writer) members() error {
	var mIDs, mUsers, mRoles, mInsp, mJobs []string
	var mAreas []*string
	var iIDs, iEmails, iNames, iRoles, iInsp, iJobs []string
	var iAreas []*string
	w.member = map[string]string{}
	importer := false
	for _, m := range w.a.Members {
		uid, ok := w.users[m.Email]
		if !ok {
			iIDs, iEmails, iNames, iRoles = append(iIDs, w.ids.next()), append(iEmails, m.Email), append(iNames, m.Name), append(iRoles, m.Role)
			iAreas, iInsp, iJobs = append(iAreas, w.refOf(m.Area)), append(iInsp, m.Inspectorate), append(iJobs, m.JobTitle)
			w.res.Invited = append(w.res.Invited, m.Email)
			continue
		}
		role, area := m.Role, w.refOf(m.Area)
		if uid == w.t.UserID {
			importer = true
			role, area = "lead", nil
		}
		id := w.ids.next()
		w.member[m.Email] = id
		mIDs, mUsers, mRoles, mAreas = append(mIDs, id), append(mUsers, uid), append(mRoles, role), append(mAreas, area)
		mInsp, mJobs = append(mInsp, m.Inspectorate), append(mJobs, m.JobTitle)
	}
	if !importer {
		id := w.ids.next()
		w.member[w.t.Email] = id
		mIDs, mUsers, mRoles, mAreas = append(mIDs, id), append(mUsers, w.t.UserID), append(mRoles, "lead"), append(mAreas, nil)
		mInsp, mJobs = append(mInsp, ""), append(mJobs, "")
	}
	w.res.Counts.Members = len(w.a.Members)
	if err := w.add("members", `INSERT INTO review_members (tenant_id, id, review_id, user_id, role, area_id, inspectorate, job_title)
		SELECT $1, u.id::uuid, $2, u.usr::uuid, u.role, u.area::uuid, nullif(u.insp, ''), nullif(u.job, '')
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(id, usr, role, area, insp, job)`,
		w.tenant, w.reviewID, mIDs, mUsers, mRoles, mAreas, mInsp, mJobs); err != nil {
		return err
	}
	return w.add("invitations", `INSERT INTO review_member_invites (tenant_id, id, review_id, email, name, role, area_id, inspectorate, job_title)
		SELECT $1, u.id::uuid, $2, u.email, u.name, u.role, u.area::uuid, nullif(u.insp, ''), nullif(u.job, '')
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, email, name, role, area, insp, job)`,
		w.tenant, w.reviewID, iIDs, iEmails, iNames, iRoles, iAreas, iInsp, iJobs)
}

// visits and their team days. The days are the copy's record of the original's visits (imported):
// they never clash with anyone's planned days, the original's included. A day on site of someone
// invited is left out and counted, as is a day repeated in the file.
func (w *writer) visits() error {
	seen := map[string]bool{} // visit|member|day
	var vIDs, vAreas, vNotes []string
	var vStarts []*string // nil: not known yet
	var vDays []int32
	var dVisits, dMembers, dUsers, dDays []string
	var tVisits, tMembers []string
	var tInsps, tJobs []*string
	for _, v := range w.a.Visits {
		id := w.ids.next()
		w.ref[v.Ref] = id
		vIDs, vAreas, vStarts, vNotes, vDays = append(vIDs, id), append(vAreas, w.ref[v.Area]), append(vStarts, v.StartDate), append(vNotes, v.Notes), append(vDays, int32(v.Days))
		for _, t := range v.Team {
			member, ok := w.member[t.Email]
			uid := w.users[t.Email]
			if ok {
				// On the team, as what they are on this visit.
				tVisits, tMembers, tInsps, tJobs = append(tVisits, id), append(tMembers, member), append(tInsps, t.Inspectorate), append(tJobs, t.JobTitle)
			}
			for _, d := range t.Days {
				if !ok || seen[id+"|"+member+"|"+d] {
					w.res.TeamDaysSkipped++
					continue
				}
				seen[id+"|"+member+"|"+d] = true
				dVisits, dMembers, dUsers, dDays = append(dVisits, id), append(dMembers, member), append(dUsers, uid), append(dDays, d)
			}
		}
	}
	w.res.Counts.Visits = len(vIDs)
	if err := w.add("visits", `INSERT INTO visits (tenant_id, id, review_id, area_id, start_date, days, notes)
		SELECT $1, u.id::uuid, $2, u.area::uuid, u.start::date, u.days, u.notes
		FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::text[]) AS u(id, area, start, days, notes)`,
		w.tenant, w.reviewID, vIDs, vAreas, vStarts, vDays, vNotes); err != nil {
		return err
	}
	if err := w.add("visit teams", `INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id, inspectorate, job_title)
		SELECT DISTINCT ON (u.visit, u.member) $1, u.visit::uuid, u.member::uuid, $2,
			(SELECT name FROM review_inspectorates WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = lower(btrim(u.insp))),
			(SELECT name FROM review_team_roles WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = lower(btrim(u.job)))
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(visit, member, insp, job)
		ORDER BY u.visit, u.member`,
		w.tenant, w.reviewID, tVisits, tMembers, tInsps, tJobs); err != nil {
		return err
	}
	return w.add("team days", `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day, imported)
		SELECT $1, u.visit::uuid, u.member::uuid, u.usr::uuid, u.day::date, true
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(visit, member, usr, day)`,
		w.tenant, dVisits, dMembers, dUsers, dDays)
}

func (w *writer) sources() error {
	var sIDs, sNames []string
	var sNeeds []bool
	var sPos []int32
	for i, s := range w.a.EvidenceSources {
		id := w.ids.next()
		w.ref[s.Ref] = id
		sIDs, sNames, sNeeds, sPos = append(sIDs, id), append(sNames, s.Name), append(sNeeds, s.NeedsRole), append(sPos, int32(i+1))
	}
	if err := w.add("evidence sources", `INSERT INTO evidence_sources (tenant_id, id, review_id, name, needs_role, position)
		SELECT $1, u.id::uuid, $2, u.name, u.needs, u.position FROM unnest($3::text[], $4::text[], $5::bool[], $6::int[]) AS u(id, name, needs, position)`,
		w.tenant, w.reviewID, sIDs, sNames, sNeeds, sPos); err != nil {
		return err
	}
	var rIDs, rNames []string
	var rPos []int32
	for i, r := range w.a.EvidenceRoles {
		id := w.ids.next()
		w.ref[r.Ref] = id
		rIDs, rNames, rPos = append(rIDs, id), append(rNames, r.Name), append(rPos, int32(i+1))
	}
	if err := w.add("evidence roles", `INSERT INTO evidence_roles (tenant_id, id, review_id, name, position)
		SELECT $1, u.id::uuid, $2, u.name, u.position FROM unnest($3::text[], $4::text[], $5::int[]) AS u(id, name, position)`,
		w.tenant, w.reviewID, rIDs, rNames, rPos); err != nil {
		return err
	}
	var tIDs, tNames []string
	for _, t := range w.a.Themes {
		id := w.ids.next()
		w.ref["theme\x00"+strings.ToLower(t)] = id
		tIDs, tNames = append(tIDs, id), append(tNames, t)
	}
	return w.add("themes", `INSERT INTO evidence_tags (tenant_id, id, review_id, name)
		SELECT $1, u.id::uuid, $2, u.name FROM unnest($3::text[], $4::text[]) AS u(id, name)`, w.tenant, w.reviewID, tIDs, tNames)
}

func (w *writer) selfAssessment() error {
	sa := w.a.SelfAssessment
	if sa.CommentaryRequired != nil || len(sa.Elements) > 0 || len(sa.Levels) > 0 {
		required := sa.CommentaryRequired != nil && *sa.CommentaryRequired
		if err := w.add("self-assessment settings", `INSERT INTO sa_settings (tenant_id, review_id, commentary_required)
			VALUES ($1, $2, $3)`, w.tenant, w.reviewID, required); err != nil {
			return err
		}
	}
	var eIDs, eTitles, eGuidance []string
	var ePos []int32
	for i, el := range sa.Elements {
		id := w.ids.next()
		w.ref[el.Ref] = id
		eIDs, eTitles, eGuidance, ePos = append(eIDs, id), append(eTitles, el.Title), append(eGuidance, el.Guidance), append(ePos, int32(i+1))
	}
	if err := w.add("self-assessment elements", `INSERT INTO sa_elements (tenant_id, id, review_id, title, guidance, position)
		SELECT $1, u.id::uuid, $2, u.title, u.guidance, u.position FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS u(id, title, guidance, position)`,
		w.tenant, w.reviewID, eIDs, eTitles, eGuidance, ePos); err != nil {
		return err
	}
	var lIDs, lLabels, lDesc []string
	var lPos []int32
	for i, l := range sa.Levels {
		id := w.ids.next()
		w.ref[l.Ref] = id
		lIDs, lLabels, lDesc, lPos = append(lIDs, id), append(lLabels, l.Label), append(lDesc, l.Description), append(lPos, int32(i+1))
	}
	if err := w.add("self-assessment levels", `INSERT INTO sa_levels (tenant_id, id, review_id, label, description, position)
		SELECT $1, u.id::uuid, $2, u.label, u.descr, u.position FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS u(id, label, descr, position)`,
		w.tenant, w.reviewID, lIDs, lLabels, lDesc, lPos); err != nil {
		return err
	}
	var dAreas, dDue []string
	for _, d := range sa.Deadlines {
		dAreas, dDue = append(dAreas, w.ref[d.Area]), append(dDue, d.Due)
	}
	if err := w.add("self-assessment deadlines", `INSERT INTO sa_deadlines (tenant_id, area_id, review_id, due)
		SELECT $1, u.area::uuid, $2, u.due::date FROM unnest($3::text[], $4::text[]) AS u(area, due)`,
		w.tenant, w.reviewID, dAreas, dDue); err != nil {
		return err
	}
	var sAreas, sStatus, sReasons []string
	var sAt, sBy, rAt, rBy []*string
	for _, s := range sa.Submissions {
		sAreas, sStatus, sReasons = append(sAreas, w.ref[s.Area]), append(sStatus, s.Status), append(sReasons, s.ReopenReason)
		sAt, sBy = append(sAt, s.SubmittedAt), append(sBy, optional(w.user(s.SubmittedBy)))
		rAt, rBy = append(rAt, s.ReopenedAt), append(rBy, optional(w.user(s.ReopenedBy)))
	}
	if err := w.add("self-assessment submissions", `INSERT INTO sa_submissions (tenant_id, area_id, review_id, status,
			submitted_at, submitted_by, reopened_at, reopened_by, reopen_reason)
		SELECT $1, u.area::uuid, $2, u.status, u.sat::timestamptz, u.sby::uuid, u.rat::timestamptz, u.rby::uuid, u.reason
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(area, status, sat, sby, rat, rby, reason)`,
		w.tenant, w.reviewID, sAreas, sStatus, sAt, sBy, rAt, rBy, sReasons); err != nil {
		return err
	}
	var aAreas, aElements, aComments, aAt []string
	var aLevels, aBy []*string
	for _, x := range sa.Answers {
		aAreas, aElements, aLevels = append(aAreas, w.ref[x.Area]), append(aElements, w.ref[x.Element]), append(aLevels, w.refOf(x.Level))
		aComments, aBy, aAt = append(aComments, x.Commentary), append(aBy, optional(w.user(x.UpdatedBy))), append(aAt, x.UpdatedAt)
	}
	return w.add("self-assessment answers", `INSERT INTO sa_responses (tenant_id, area_id, element_id, review_id, level_id,
			commentary, updated_by, updated_at)
		SELECT $1, u.area::uuid, u.element::uuid, $2, u.level::uuid, u.commentary, u.uby::uuid, u.uat::timestamptz
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(area, element, level, commentary, uby, uat)`,
		w.tenant, w.reviewID, aAreas, aElements, aLevels, aComments, aBy, aAt)
}

func (w *writer) questionnaires() error {
	var qIDs, qAreas, qBy, qAt []string
	var qRows []int32
	var qTotals, qResp []int64
	var cImports, cQuestions, cAnswers []string
	var cPos, cCounts []int32
	for _, q := range w.a.Questionnaires {
		id := w.ids.next()
		perQuestion := map[string]int64{}
		var total, respondents int64
		for i, c := range q.Counts {
			total += int64(c.Count)
			perQuestion[c.Question] += int64(c.Count)
			respondents = max(respondents, perQuestion[c.Question])
			cImports, cQuestions, cAnswers = append(cImports, id), append(cQuestions, c.Question), append(cAnswers, c.Answer)
			cPos, cCounts = append(cPos, int32(i)), append(cCounts, int32(c.Count))
		}
		by := w.user(q.ImportedBy)
		if by == "" {
			by = w.author(q.ImportedBy)
		}
		qIDs, qAreas, qBy, qAt = append(qIDs, id), append(qAreas, w.ref[q.Area]), append(qBy, by), append(qAt, q.ImportedAt)
		qRows, qTotals, qResp = append(qRows, int32(len(q.Counts))), append(qTotals, total), append(qResp, respondents)
	}
	if err := w.add("questionnaires", `INSERT INTO questionnaire_imports (tenant_id, id, review_id, area_id, imported_by,
			imported_at, rows, total, respondents)
		SELECT $1, u.id::uuid, $2, u.area::uuid, u.by::uuid, u.at::timestamptz, u.rows, u.total, u.resp
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[], $9::bigint[]) AS u(id, area, by, at, rows, total, resp)`,
		w.tenant, w.reviewID, qIDs, qAreas, qBy, qAt, qRows, qTotals, qResp); err != nil {
		return err
	}
	return w.add("questionnaire counts", `INSERT INTO questionnaire_counts (tenant_id, import_id, position, question, answer, count)
		SELECT $1, u.imp::uuid, u.position, u.question, u.answer, u.count
		FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::int[]) AS u(imp, position, question, answer, count)`,
		w.tenant, cImports, cPos, cQuestions, cAnswers, cCounts)
}

func (w *writer) scale() error {
	var ids, labels []string
	var specials []*string
	var pct, areas []int32
	for _, b := range w.a.QuantifierScale {
		ids, labels, specials = append(ids, w.ids.next()), append(labels, b.Label), append(specials, b.Special)
		pct, areas = append(pct, int32(b.MinPercent)), append(areas, int32(b.MinAreas))
	}
	return w.add("quantifier scale", `INSERT INTO quantifier_bands (tenant_id, id, review_id, label, special, min_percent, min_areas)
		SELECT $1, u.id::uuid, $2, u.label, u.special, u.pct, u.areas
		FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::int[]) AS u(id, label, special, pct, areas)`,
		w.tenant, w.reviewID, ids, labels, specials, pct, areas)
}

func (w *writer) notes() error {
	n := len(w.a.Notes)
	visitArea := map[string]string{}
	for _, v := range w.a.Visits {
		visitArea[v.Ref] = w.ref[v.Area]
	}
	ids, visits, areas, authors, sources := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	roles := make([]*string, n)
	dates, bodies, judgements, keys, created := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	gp, fw := make([]bool, n), make([]bool, n)
	var aaNotes, aaIDs, lnNotes, lnIDs, tgNotes, tgIDs []string
	for i, x := range w.a.Notes {
		id := w.ids.next()
		w.ref[x.Ref] = id
		author := x.Author
		ids[i], visits[i], areas[i], authors[i], sources[i] = id, w.ref[x.Visit], visitArea[x.Visit], w.author(&author), w.ref[x.Source]
		roles[i], dates[i], bodies[i], judgements[i], keys[i], created[i] = w.refOf(x.Role), x.Date, x.Text, x.Judgement, w.ids.key(), x.CreatedAt
		gp[i], fw[i] = x.GoodPractice, x.FamilyWords
		for _, r := range x.ActionAreas {
			aaNotes, aaIDs = append(aaNotes, id), append(aaIDs, w.ref[r])
		}
		for _, r := range x.Lines {
			lnNotes, lnIDs = append(lnNotes, id), append(lnIDs, w.ref[r])
		}
		for _, t := range x.Themes {
			tgNotes, tgIDs = append(tgNotes, id), append(tgIDs, w.ref["theme\x00"+strings.ToLower(t)])
		}
	}
	w.res.Counts.Notes = n
	for _, c := range chunks(n) {
		if err := w.exec("notes", `INSERT INTO evidence_notes (tenant_id, id, review_id, visit_id, area_id, author_id, source_id, role_id,
				note_date, body, judgement, good_practice, family_words, idempotency_key, created_at, updated_at)
			SELECT $1, u.id::uuid, $2, u.visit::uuid, u.area::uuid, u.author::uuid, u.source::uuid, u.role::uuid, u.day::date,
				u.body, u.judgement, u.gp, u.fw, u.key, u.created::timestamptz, u.created::timestamptz
			FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
				$12::bool[], $13::bool[], $14::text[], $15::text[]) AS u(id, visit, area, author, source, role, day, body, judgement, gp, fw, key, created)`,
			w.tenant, w.reviewID, ids[c[0]:c[1]], visits[c[0]:c[1]], areas[c[0]:c[1]], authors[c[0]:c[1]], sources[c[0]:c[1]],
			roles[c[0]:c[1]], dates[c[0]:c[1]], bodies[c[0]:c[1]], judgements[c[0]:c[1]], gp[c[0]:c[1]], fw[c[0]:c[1]],
			keys[c[0]:c[1]], created[c[0]:c[1]]); err != nil {
			return err
		}
	}
	// The coverage triggers of the link tables join each statement's new links to the notes. The
	// notes were written in this transaction, so the table's statistics still say the tenant has
	// none, and the planner would scan every new link once per note (minutes for 20,000 notes).
	// A nested loop is never the right plan here: it is switched off for the links only.
	// One statement reads the setting, then switches it off: the subquery (kept apart by OFFSET 0)
	// gives the value before the outer select list sets it.
	var nestloop string
	if err := w.tx.QueryRow(w.ctx, `SELECT s.before, set_config('enable_nestloop', 'off', true)
		FROM (SELECT current_setting('enable_nestloop') AS before OFFSET 0) AS s`).Scan(&nestloop, nil); err != nil {
		return fmt.Errorf("archive: import planner setting: %w", err)
	}
	if err := w.links(aaNotes, aaIDs, lnNotes, lnIDs, tgNotes, tgIDs); err != nil {
		return err
	}
	return w.exec("planner setting", `SELECT set_config('enable_nestloop', $1, true)`, nestloop)
}

// links writes the notes' action areas, lines of enquiry and themes.
func (w *writer) links(aaNotes, aaIDs, lnNotes, lnIDs, tgNotes, tgIDs []string) error {
	for _, c := range chunks(len(aaNotes)) {
		if err := w.exec("note action areas", `INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			SELECT $1, u.note::uuid, u.aa::uuid, $2 FROM unnest($3::text[], $4::text[]) AS u(note, aa)`,
			w.tenant, w.reviewID, aaNotes[c[0]:c[1]], aaIDs[c[0]:c[1]]); err != nil {
			return err
		}
	}
	for _, c := range chunks(len(lnNotes)) {
		if err := w.exec("note lines", `INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, u.note::uuid, u.line::uuid, $2 FROM unnest($3::text[], $4::text[]) AS u(note, line)`,
			w.tenant, w.reviewID, lnNotes[c[0]:c[1]], lnIDs[c[0]:c[1]]); err != nil {
			return err
		}
	}
	for _, c := range chunks(len(tgNotes)) {
		if err := w.exec("note themes", `INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id)
			SELECT $1, u.note::uuid, u.tag::uuid FROM unnest($2::text[], $3::text[]) AS u(note, tag)`,
			w.tenant, tgNotes[c[0]:c[1]], tgIDs[c[0]:c[1]]); err != nil {
			return err
		}
	}
	return nil
}

// chunkRows is how many notes (or links) one statement writes: a few statements for a review of
// 200,000 notes, each with a bounded message.
const chunkRows = 20000

// chunks cuts n rows into [from, to) ranges of at most chunkRows: one range, empty, for no rows,
// so that an archive without notes (or links of a kind) sends the same statements as another.
func chunks(n int) [][2]int {
	out := [][2]int{{0, min(chunkRows, n)}}
	for from := chunkRows; from < n; from += chunkRows {
		out = append(out, [2]int{from, min(from+chunkRows, n)})
	}
	return out
}

// positions numbers objects within their action area, in the archive's order.
func positions(areas []string) []int32 {
	next := map[string]int32{}
	out := make([]int32, len(areas))
	for i, a := range areas {
		next[a]++
		out[i] = next[a]
	}
	return out
}

func (w *writer) findings() error {
	var ids, aas, bodies, styles, words, reasons, keys, by []string
	var confirmed []int32
	var fnFindings, fnNotes, fnStances []string
	for _, f := range w.a.Findings {
		id := w.ids.next()
		w.ref[f.Ref] = id
		ids, aas, bodies, styles = append(ids, id), append(aas, w.ref[f.ActionArea]), append(bodies, f.Body), append(styles, f.PrevalenceStyle)
		words, reasons, keys = append(words, f.WordOverride), append(reasons, f.OverrideReason), append(keys, w.ids.key())
		by, confirmed = append(by, w.author(f.CreatedBy)), append(confirmed, int32(f.ConfirmedAreas))
		for _, n := range f.SupportingNotes {
			fnFindings, fnNotes, fnStances = append(fnFindings, id), append(fnNotes, w.ref[n]), append(fnStances, "supports")
		}
		for _, n := range f.ContradictingNotes {
			fnFindings, fnNotes, fnStances = append(fnFindings, id), append(fnNotes, w.ref[n]), append(fnStances, "contradicts")
		}
	}
	w.res.Counts.Findings = len(ids)
	if err := w.exec("findings", `INSERT INTO findings (tenant_id, id, review_id, action_area_id, position, body, prevalence_style,
			word_override, override_reason, confirmed_areas, idempotency_key, created_by)
		SELECT $1, u.id::uuid, $2, u.aa::uuid, u.position, u.body, u.style, u.word, u.reason, u.confirmed, u.key, u.by::uuid
		FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[])
			AS u(id, aa, position, body, style, word, reason, confirmed, key, by)`,
		w.tenant, w.reviewID, ids, aas, positions(aas), bodies, styles, words, reasons, confirmed, keys, by); err != nil {
		return err
	}
	return w.exec("finding notes", `INSERT INTO finding_notes (tenant_id, finding_id, note_id, stance)
		SELECT $1, u.f::uuid, u.n::uuid, u.stance FROM unnest($2::text[], $3::text[], $4::text[]) AS u(f, n, stance)`,
		w.tenant, fnFindings, fnNotes, fnStances)
}

func (w *writer) examples() error {
	var ids, aas, areas, titles, bodies, keys, by []string
	var notes []*string
	for _, x := range w.a.Examples {
		id := w.ids.next()
		w.ref[x.Ref] = id // a saved report version names it
		ids, aas, areas, notes = append(ids, id), append(aas, w.ref[x.ActionArea]), append(areas, w.ref[x.Area]), append(notes, w.refOf(x.Note))
		titles, bodies, keys, by = append(titles, x.Title), append(bodies, x.Body), append(keys, w.ids.key()), append(by, w.author(x.CreatedBy))
	}
	w.res.Counts.Examples = len(ids)
	return w.add("examples", `INSERT INTO practice_examples (tenant_id, id, review_id, action_area_id, note_id, area_id, position,
			title, body, idempotency_key, created_by)
		SELECT $1, u.id::uuid, $2, u.aa::uuid, u.note::uuid, u.area::uuid, u.position, u.title, u.body, u.key, u.by::uuid
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[])
			AS u(id, aa, note, area, position, title, body, key, by)`,
		w.tenant, w.reviewID, ids, aas, notes, areas, positions(aas), titles, bodies, keys, by)
}

func (w *writer) recommendations() error {
	var ids, bodies, addressees, keys, by []string
	var pos []int32
	var rfRecs, rfFindings []string
	for i, r := range w.a.Recommendations {
		id := w.ids.next()
		w.ref[r.Ref] = id // a saved report version names it
		ids, bodies, addressees, pos = append(ids, id), append(bodies, r.Body), append(addressees, r.Addressee), append(pos, int32(i+1))
		keys, by = append(keys, w.ids.key()), append(by, w.author(r.CreatedBy))
		for _, f := range r.Findings {
			rfRecs, rfFindings = append(rfRecs, id), append(rfFindings, w.ref[f])
		}
	}
	w.res.Counts.Recommendations = len(ids)
	if err := w.add("recommendations", `INSERT INTO recommendations (tenant_id, id, review_id, position, body, addressee,
			idempotency_key, created_by)
		SELECT $1, u.id::uuid, $2, u.position, u.body, u.addressee, u.key, u.by::uuid
		FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(id, position, body, addressee, key, by)`,
		w.tenant, w.reviewID, ids, pos, bodies, addressees, keys, by); err != nil {
		return err
	}
	return w.add("recommendation findings", `INSERT INTO recommendation_findings (tenant_id, recommendation_id, finding_id)
		SELECT $1, u.r::uuid, u.f::uuid FROM unnest($2::text[], $3::text[]) AS u(r, f)`, w.tenant, rfRecs, rfFindings)
}

func (w *writer) reportTexts() error {
	var keys, bodies []string
	for _, t := range w.a.ReportTexts {
		key := t.Key
		if kind, ref, ok := strings.Cut(t.Key, ":"); ok {
			key = kind + ":" + w.ref[ref]
		}
		keys, bodies = append(keys, key), append(bodies, t.Body)
	}
	w.res.Counts.ReportTexts = len(keys)
	return w.add("report texts", `INSERT INTO report_texts (tenant_id, review_id, key, body, updated_by)
		SELECT $1, $2, u.key, u.body, $3 FROM unnest($4::text[], $5::text[]) AS u(key, body)`,
		w.tenant, w.reviewID, w.t.UserID, keys, bodies)
}

// knownONSCodes reads which of the codes are English local authorities.
func knownONSCodes(ctx context.Context, tx pgx.Tx, codes []string) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT ons_code FROM local_authorities WHERE ons_code = ANY($1)`, codes)
	if err != nil {
		return nil, fmt.Errorf("archive: import ONS codes: %w", err)
	}
	known := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("archive: import ONS codes: %w", err)
		}
		known[c] = true
	}
	return known, rows.Err()
}
