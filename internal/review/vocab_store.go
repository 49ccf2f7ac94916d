package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/text"
)

// vocabTable is how a vocabulary is stored and what uses it. In the SQL, t is the term's row;
// merges re-point this package's own rows and take $1 tenant, $2 review, $3 the term merged away
// and $4 the term kept (their ids, or their names when byName), each returning the ids of the rows
// it changed. Rows of other packages that name a term are re-pointed by their owners, which
// register how (RegisterRepoint); owners lists the packages a merge needs.
type vocabTable struct {
	table   string
	uses    string
	deleted string
	byName  bool
	merges  []string
	owners  []string
}

// Repoint makes the rows of one table that name the term from (an id, or a name for lists kept by
// name) name into instead, in review reviewID, and returns the ids of the rows it changed.
type Repoint func(ctx context.Context, tx pgx.Tx, tenantID, reviewID, from, into string) ([]string, error)

type repointer struct {
	owner string
	fn    Repoint
}

var repointers = map[VocabKind][]repointer{}

// RegisterRepoint is called by the package that owns a table naming terms of list k (from its
// init function), so that merging two terms changes that table through its owner. The lists
// import none of those packages: they import this one.
func RegisterRepoint(k VocabKind, owner string, fn Repoint) {
	repointers[k] = append(repointers[k], repointer{owner, fn})
}

// unregistered lists the owners list k needs that have registered nothing.
func unregistered(k VocabKind) []string {
	var missing []string
	for _, o := range vocabTables[k].owners {
		if !slices.ContainsFunc(repointers[k], func(r repointer) bool { return r.owner == o }) {
			missing = append(missing, o)
		}
	}
	return missing
}

var vocabTables = map[VocabKind]vocabTable{
	VocabSources: {table: "evidence_sources",
		uses: `(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = t.tenant_id AND n.source_id = t.id
			AND n.deleted_at IS NULL)`,
		deleted: `(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = t.tenant_id AND n.source_id = t.id
			AND n.deleted_at IS NOT NULL)`,
		owners: []string{"evidence"}},
	VocabRoles: {table: "evidence_roles",
		uses: `(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = t.tenant_id AND n.role_id = t.id
			AND n.deleted_at IS NULL)`,
		deleted: `(SELECT count(*) FROM evidence_notes n WHERE n.tenant_id = t.tenant_id AND n.role_id = t.id
			AND n.deleted_at IS NOT NULL)`,
		owners: []string{"evidence"}},
	VocabAddressees: {table: "review_addressees", byName: true,
		uses: `(SELECT count(*) FROM recommendations r WHERE r.tenant_id = t.tenant_id AND r.review_id = t.review_id
			AND r.addressee = t.name)`,
		deleted: `0`,
		owners:  []string{"recommendation"}},
	VocabInspectorates: {table: "review_inspectorates", byName: true,
		uses: `((SELECT count(*) FROM review_members m WHERE m.tenant_id = t.tenant_id AND m.review_id = t.review_id
				AND m.inspectorate = t.name)
			+ (SELECT count(*) FROM review_member_invites i WHERE i.tenant_id = t.tenant_id AND i.review_id = t.review_id
				AND i.inspectorate = t.name)
			+ (SELECT count(*) FROM visit_members vm WHERE vm.tenant_id = t.tenant_id AND vm.review_id = t.review_id
				AND vm.inspectorate = t.name))`,
		deleted: `0`,
		merges: []string{`UPDATE review_members SET inspectorate = $4, version = version + 1
			WHERE tenant_id = $1 AND review_id = $2 AND inspectorate = $3
			RETURNING id::text`,
			`UPDATE review_member_invites SET inspectorate = $4
			WHERE tenant_id = $1 AND review_id = $2 AND inspectorate = $3
			RETURNING id::text`,
		},
		owners: []string{"visit"}},
	VocabTeamRoles: {table: "review_team_roles", byName: true,
		uses: `((SELECT count(*) FROM review_members m WHERE m.tenant_id = t.tenant_id AND m.review_id = t.review_id
				AND m.job_title = t.name)
			+ (SELECT count(*) FROM review_member_invites i WHERE i.tenant_id = t.tenant_id AND i.review_id = t.review_id
				AND i.job_title = t.name)
			+ (SELECT count(*) FROM visit_members vm WHERE vm.tenant_id = t.tenant_id AND vm.review_id = t.review_id
				AND vm.job_title = t.name))`,
		deleted: `0`,
		merges: []string{`UPDATE review_members SET job_title = $4, version = version + 1
			WHERE tenant_id = $1 AND review_id = $2 AND job_title = $3
			RETURNING id::text`,
			`UPDATE review_member_invites SET job_title = $4
			WHERE tenant_id = $1 AND review_id = $2 AND job_title = $3
			RETURNING id::text`,
		},
		owners: []string{"visit"}},
}

// termJSON is an expression: the terms of one vocabulary of review $2 of tenant $1, in order, with
// their uses, as JSON that scans into []Term.
func termJSON(k VocabKind) string {
	vt := vocabTables[k]
	needsRole := "false"
	if k == VocabSources {
		needsRole = "t.needs_role"
	}
	return `(SELECT coalesce(json_agg(json_build_object('ID', t.id, 'Name', t.name, 'NeedsRole', ` + needsRole + `,
			'Position', t.position, 'Version', t.version, 'Uses', ` + vt.uses + `, 'Deleted', ` + vt.deleted + `)
			ORDER BY t.position, lower(t.name), t.id), '[]')
		FROM ` + vt.table + ` t WHERE t.tenant_id = $1 AND t.review_id = $2)`
}

// Lists are a review's vocabularies with their uses, as the lists page shows them.
type Lists struct {
	Sources, Roles, Inspectorates, TeamRoles, Addressees []Term
}

// Of is one vocabulary's terms.
func (l Lists) Of(k VocabKind) []Term {
	switch k {
	case VocabSources:
		return l.Sources
	case VocabRoles:
		return l.Roles
	case VocabAddressees:
		return l.Addressees
	case VocabInspectorates:
		return l.Inspectorates
	case VocabTeamRoles:
		return l.TeamRoles
	}
	return nil
}

// Names are the terms' names, in order.
func Names(terms []Term) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t.Name
	}
	return out
}

// Vocabulary is the lists as plain names.
func (l Lists) Vocabulary() Vocabulary {
	v := Vocabulary{Roles: Names(l.Roles), Inspectorates: Names(l.Inspectorates), TeamRoles: Names(l.TeamRoles),
		Addressees: Names(l.Addressees)}
	for _, s := range l.Sources {
		v.Sources = append(v.Sources, SourceName{Name: s.Name, NeedsRole: s.NeedsRole})
	}
	return v
}

// ListsCols are the five vocabularies as columns of one statement over $1 tenant and $2 review,
// in the order Lists.dest takes them.
func ListsCols() string {
	return termJSON(VocabSources) + `, ` + termJSON(VocabRoles) + `, ` + termJSON(VocabInspectorates) + `, ` +
		termJSON(VocabTeamRoles) + `, ` + termJSON(VocabAddressees)
}

// Dest are the scan targets of ListsCols.
func (l *Lists) Dest() []any {
	return []any{&l.Sources, &l.Roles, &l.Inspectorates, &l.TeamRoles, &l.Addressees}
}

// LoadLists reads every vocabulary of a review with its uses, in one statement.
func LoadLists(ctx context.Context, q db.Querier, tenantID, reviewID string) (Lists, error) {
	var l Lists
	if err := q.QueryRow(ctx, `SELECT `+ListsCols(), tenantID, reviewID).Scan(l.Dest()...); err != nil {
		return l, fmt.Errorf("review: vocabularies of %s: %w", reviewID, err)
	}
	return l, nil
}

// LoadTerms reads one vocabulary of a review with its uses.
func LoadTerms(ctx context.Context, q db.Querier, tenantID, reviewID string, k VocabKind) ([]Term, error) {
	var terms []Term
	if err := q.QueryRow(ctx, `SELECT `+termJSON(k), tenantID, reviewID).Scan(&terms); err != nil {
		return nil, fmt.Errorf("review: %s of %s: %w", k, reviewID, err)
	}
	return terms, nil
}

// GetTerm reads one term of a vocabulary: NotFound for an id of another review or list.
func GetTerm(ctx context.Context, q db.Querier, tenantID, reviewID string, k VocabKind, id string) (Term, error) {
	return getTerm(ctx, q, tenantID, reviewID, k, id, "")
}

func getTerm(ctx context.Context, q db.Querier, tenantID, reviewID string, k VocabKind, id, lock string) (Term, error) {
	vt, ok := vocabTables[k]
	if !ok || !db.ValidUUID(id) {
		return Term{}, apperr.NotFound("Not found")
	}
	needsRole := "false"
	if k == VocabSources {
		needsRole = "t.needs_role"
	}
	var t Term
	err := q.QueryRow(ctx, `SELECT t.id, t.name, `+needsRole+`, t.position, t.version, `+vt.uses+`, `+vt.deleted+`
		FROM `+vt.table+` t WHERE t.tenant_id = $1 AND t.review_id = $2 AND t.id = $3`+lock, tenantID, reviewID, id).
		Scan(&t.ID, &t.Name, &t.NeedsRole, &t.Position, &t.Version, &t.Uses, &t.Deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return Term{}, apperr.NotFound("%s", "That "+k.One()+" is not in this review’s list")
	}
	if err != nil {
		return Term{}, fmt.Errorf("review: %s %s: %w", k, id, err)
	}
	return t, nil
}

// SeedVocabulary adds a vocabulary's values to a review's lists, after what they hold, in one
// statement; a value already there, whatever its case, is kept as it is.
func SeedVocabulary(ctx context.Context, q db.Querier, tenantID, reviewID string, v Vocabulary) error {
	var s setWrite
	s.vocabulary(s.arg(tenantID)+"::uuid", s.arg(reviewID)+"::uuid", v)
	return s.exec(ctx, q, "seed vocabularies of "+reviewID)
}

// LoadVocabulary reads a review's lists as plain names (for a copy or a file).
func LoadVocabulary(ctx context.Context, q db.Querier, tenantID, reviewID string) (Vocabulary, error) {
	l, err := LoadLists(ctx, q, tenantID, reviewID)
	return l.Vocabulary(), err
}

// vocabLock serialises changes to one of a review's lists (positions, names).
func vocabLock(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`,
		a.ReviewID, string(k)); err != nil {
		return fmt.Errorf("review: lock %s of %s: %w", k, a.ReviewID, err)
	}
	// The lists are printed in the report's methodology and forms: they are set-up.
	return EnsureAllows(ctx, tx, a.TenantID, a.ReviewID, ChangeSetup)
}

func termSnapshot(k VocabKind, t Term) map[string]any {
	s := map[string]any{"list": string(k), "name": t.Name, "position": t.Position}
	if k == VocabSources {
		s["needs_role"] = t.NeedsRole
	}
	return s
}

// nameTaken reports whether another term of the list has the name, whatever its case.
func nameTaken(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, name, exceptID string) (bool, error) {
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+vocabTables[k].table+`
		WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = lower($3) AND id::text <> $4)`,
		a.TenantID, a.ReviewID, name, exceptID).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("review: %s name taken: %w", k, err)
	}
	return taken, nil
}

// AddTerm appends a value to one of the review's lists. A name the list has already, whatever
// its case, is refused on the field "name".
func AddTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, typed string, needsRole bool) (Term, error) {
	if !k.Valid() {
		return Term{}, apperr.NotFound("")
	}
	name, msg := CheckTermName(k, typed)
	if msg != "" {
		return Term{}, form.Refuse("name", msg)
	}
	// The lock, then one read of the stage, the name's use and the next position, then one
	// write of the value with its audit entry (the budget of a request: BENCHMARKS.md).
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`,
		a.ReviewID, string(k)); err != nil {
		return Term{}, fmt.Errorf("review: lock %s of %s: %w", k, a.ReviewID, err)
	}
	vt := vocabTables[k]
	var stage []string
	var taken bool
	var pos int
	if err := tx.QueryRow(ctx, `SELECT `+StageColumn+`,
			EXISTS (SELECT 1 FROM `+vt.table+` WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = lower($3)),
			(SELECT coalesce(max(position), 0) + 1 FROM `+vt.table+` WHERE tenant_id = $1 AND review_id = $2)`,
		a.TenantID, a.ReviewID, name).Scan(&stage, &taken, &pos); err != nil {
		return Term{}, fmt.Errorf("review: add %s: %w", k, err)
	}
	// The lists are printed in the report's methodology and forms: they are set-up.
	if err := CheckStage(stage, ChangeSetup); err != nil {
		return Term{}, err
	}
	if taken {
		return Term{}, form.Refuse("name", "“"+name+"” is already in the list")
	}
	t := Term{Name: name, NeedsRole: needsRole && k == VocabSources, Position: pos, Version: 1}
	after, err := json.Marshal(termSnapshot(k, t))
	if err != nil {
		return Term{}, fmt.Errorf("review: audit of %s: %w", k, err)
	}
	meta := audit.MetaFrom(ctx)
	cols, vals := "tenant_id, review_id, name, position", "$1, $2, $3, $4"
	args := []any{a.TenantID, a.ReviewID, name, pos, a.UserID, a.Email, after, meta.RequestID, meta.IP}
	if k == VocabSources {
		cols, vals = cols+", needs_role", vals+", $10"
		args = append(args, needsRole)
	}
	if err := tx.QueryRow(ctx, `WITH ins AS (INSERT INTO `+vt.table+` (`+cols+`) VALUES (`+vals+`) RETURNING id),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, nullif($5::text, '')::uuid, coalesce(nullif($6::text, ''), `+audit.ActorEmailSQL("nullif($5::text, '')::uuid")+`),
				'vocabulary.added', 'vocabulary', ins.id::text, NULL, $7::jsonb, $8, $9 FROM ins)
		SELECT id FROM ins`, args...).Scan(&t.ID); err != nil {
		return Term{}, fmt.Errorf("review: add %s: %w", k, err)
	}
	return t, nil
}

// TermStaleMessage is what a version mismatch on a list's value says.
const TermStaleMessage = "Someone else changed this value while you were looking at the page. Go back, reload the page and try again."

// UpdateTerm renames a value (and, for a source, sets whether it needs a role), when version is
// still its version. Everything that uses the value keeps it under its new name.
func UpdateTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, id string, version int, typed string, needsRole bool) (before, after Term, err error) {
	if !k.Valid() {
		return Term{}, Term{}, apperr.NotFound("")
	}
	name, msg := CheckTermName(k, typed)
	if msg != "" {
		return Term{}, Term{}, form.Refuse("name", msg)
	}
	if err := vocabLock(ctx, tx, a, k); err != nil {
		return Term{}, Term{}, err
	}
	if before, err = getTerm(ctx, tx, a.TenantID, a.ReviewID, k, id, " FOR UPDATE OF t"); err != nil {
		return Term{}, Term{}, err
	}
	if before.Version != version {
		return before, Term{}, apperr.Conflict(TermStaleMessage)
	}
	if k != VocabSources {
		needsRole = false
	}
	if before.Name == name && before.NeedsRole == needsRole {
		return before, before, nil
	}
	if taken, err := nameTaken(ctx, tx, a, k, name, id); err != nil || taken {
		if err == nil {
			err = form.Refuse("name", "“"+name+"” is already in the list: to make the two one, merge them instead")
		}
		return before, Term{}, err
	}
	vt := vocabTables[k]
	set := "name = $4"
	args := []any{a.TenantID, a.ReviewID, id, name}
	if k == VocabSources {
		set += ", needs_role = $5"
		args = append(args, needsRole)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+vt.table+` SET `+set+`, version = version + 1
		WHERE tenant_id = $1 AND review_id = $2 AND id = $3`, args...); err != nil {
		return before, Term{}, fmt.Errorf("review: rename %s %s: %w", k, id, err)
	}
	if after, err = GetTerm(ctx, tx, a.TenantID, a.ReviewID, k, id); err != nil {
		return before, Term{}, err
	}
	after2 := termSnapshot(k, after)
	after2["uses"] = after.Uses
	return before, after, audit.Change(ctx, tx, a, "vocabulary.changed", "vocabulary", id, termSnapshot(k, before), after2)
}

// MoveTerm moves a value one place up or down its list.
func MoveTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, id string, up bool) error {
	if !k.Valid() {
		return apperr.NotFound("")
	}
	if err := vocabLock(ctx, tx, a, k); err != nil {
		return err
	}
	t, err := getTerm(ctx, tx, a.TenantID, a.ReviewID, k, id, "")
	if err != nil {
		return err
	}
	table := vocabTables[k].table
	// Positions 1, 2, 3… in the order shown, then swap with the neighbour.
	if _, err := tx.Exec(ctx, `UPDATE `+table+` x SET position = n.rn
		FROM (SELECT id, row_number() OVER (ORDER BY position, lower(name), id) AS rn FROM `+table+`
			WHERE tenant_id = $1 AND review_id = $2) n
		WHERE x.tenant_id = $1 AND x.review_id = $2 AND x.id = n.id AND x.position <> n.rn`, a.TenantID, a.ReviewID); err != nil {
		return fmt.Errorf("review: renumber %s: %w", k, err)
	}
	var from int
	if err := tx.QueryRow(ctx, `SELECT position FROM `+table+` WHERE tenant_id = $1 AND id = $2`, a.TenantID, id).Scan(&from); err != nil {
		return fmt.Errorf("review: move %s: %w", k, err)
	}
	to := from + 1
	if up {
		to = from - 1
	}
	tag, err := tx.Exec(ctx, `UPDATE `+table+` SET position = $4 WHERE tenant_id = $1 AND review_id = $2 AND position = $3`,
		a.TenantID, a.ReviewID, to, from)
	if err != nil {
		return fmt.Errorf("review: move %s: %w", k, err)
	}
	if tag.RowsAffected() == 0 {
		return nil // already at that end
	}
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET position = $3 WHERE tenant_id = $1 AND id = $2`, a.TenantID, id, to); err != nil {
		return fmt.Errorf("review: move %s: %w", k, err)
	}
	return audit.Change(ctx, tx, a, "vocabulary.moved", "vocabulary", id, map[string]any{"list": string(k), "name": t.Name,
		"position": from}, map[string]any{"list": string(k), "name": t.Name, "position": to})
}

// MergeTerm makes two values one: everything that uses from uses into instead, and from leaves
// the list. It returns how many notes, recommendations or people moved.
func MergeTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, fromID string, version int, intoID string) (from, into Term, moved int, err error) {
	if !k.Valid() {
		return Term{}, Term{}, 0, apperr.NotFound("")
	}
	if err := vocabLock(ctx, tx, a, k); err != nil {
		return Term{}, Term{}, 0, err
	}
	if from, err = getTerm(ctx, tx, a.TenantID, a.ReviewID, k, fromID, " FOR UPDATE OF t"); err != nil {
		return Term{}, Term{}, 0, err
	}
	if from.Version != version {
		return from, Term{}, 0, apperr.Conflict(TermStaleMessage)
	}
	if !db.ValidUUID(intoID) || intoID == fromID {
		return from, Term{}, 0, form.Refuse("into", "Select the "+k.One()+" to merge “"+from.Name+"” into")
	}
	if into, err = getTerm(ctx, tx, a.TenantID, a.ReviewID, k, intoID, " FOR UPDATE OF t"); err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			err = form.Refuse("into", "Select the "+k.One()+" to merge “"+from.Name+"” into")
		}
		return from, Term{}, 0, err
	}
	var ids []string
	vt := vocabTables[k]
	fromName, intoName := from.Name, into.Name
	for _, sql := range vt.merges {
		args := []any{a.TenantID, a.ReviewID, from.ID, into.ID}
		if vt.byName {
			args = []any{a.TenantID, a.ReviewID, from.Name, into.Name}
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return from, into, 0, fmt.Errorf("review: merge %s: %w", k, err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return from, into, 0, fmt.Errorf("review: merge %s: %w", k, err)
		}
		ids = append(ids, got...)
	}
	if missing := unregistered(k); len(missing) > 0 {
		// A binary without the owner would leave its rows naming a term that is gone.
		return Term{}, Term{}, 0, fmt.Errorf("review: merge %s: %s registered no way to re-point its rows", k, strings.Join(missing, ", "))
	}
	for _, r := range repointers[k] {
		from, into := from.ID, into.ID
		if vt.byName {
			from, into = fromName, intoName
		}
		got, err := r.fn(ctx, tx, a.TenantID, a.ReviewID, from, into)
		if err != nil {
			return Term{}, Term{}, 0, fmt.Errorf("review: merge %s in %s: %w", k, r.owner, err)
		}
		ids = append(ids, got...)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+vt.table+` WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		a.TenantID, a.ReviewID, from.ID); err != nil {
		return from, into, 0, fmt.Errorf("review: merge %s: delete: %w", k, err)
	}
	return from, into, len(ids), audit.Change(ctx, tx, a, "vocabulary.merged", "vocabulary", from.ID, termSnapshot(k, from),
		map[string]any{"list": string(k), "merged_into": into.Name, "merged_into_id": into.ID, "moved": len(ids), "ids": ids})
}

// InUseMessage says why a value that is used cannot leave its list.
func InUseMessage(k VocabKind, t Term) string {
	var what []string
	switch k {
	case VocabSources, VocabRoles:
		if t.Uses > 0 {
			what = append(what, text.Plural(t.Uses, "note", "notes"))
		}
		if t.Deleted > 0 {
			what = append(what, text.Plural(t.Deleted, "deleted note", "deleted notes"))
		}
	case VocabAddressees:
		what = append(what, text.Plural(t.Uses, "recommendation", "recommendations"))
	default:
		// People on the People page, invitations and places on visit teams.
		what = append(what, text.Plural(t.Uses, "person or visit team place", "people or visit team places"))
	}
	return "“" + t.Name + "” is used by " + strings.Join(what, " and ") +
		". Merge it into another " + k.One() + " instead, or change what uses it first."
}

// DeleteTerm removes a value nothing uses from its list. A value in use is refused with
// InUseMessage on the field "delete".
func DeleteTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, id string, version int) (Term, error) {
	if !k.Valid() {
		return Term{}, apperr.NotFound("")
	}
	if err := vocabLock(ctx, tx, a, k); err != nil {
		return Term{}, err
	}
	t, err := getTerm(ctx, tx, a.TenantID, a.ReviewID, k, id, " FOR UPDATE OF t")
	if err != nil {
		return Term{}, err
	}
	if t.Version != version {
		return t, apperr.Conflict(TermStaleMessage)
	}
	if t.Uses+t.Deleted > 0 {
		return t, form.Refuse("delete", InUseMessage(k, t))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+vocabTables[k].table+` WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
		a.TenantID, a.ReviewID, id); err != nil {
		return t, fmt.Errorf("review: delete %s %s: %w", k, id, err)
	}
	return t, audit.Change(ctx, tx, a, "vocabulary.removed", "vocabulary", id, termSnapshot(k, t), nil)
}

// FindTerm is the list's spelling of a name, matched whatever its case; found is false when the
// list does not have it.
func FindTerm(ctx context.Context, q db.Querier, tenantID, reviewID string, k VocabKind, name string) (canonical string, found bool, err error) {
	vt, ok := vocabTables[k]
	if !ok {
		return "", false, apperr.NotFound("")
	}
	err = q.QueryRow(ctx, `SELECT name FROM `+vt.table+` WHERE tenant_id = $1 AND review_id = $2 AND lower(name) = lower($3)`,
		tenantID, reviewID, strings.Join(strings.Fields(name), " ")).Scan(&canonical)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("review: find %s: %w", k, err)
	}
	return canonical, true, nil
}

// EnsureTerm is the list's spelling of a typed name, adding it to the end of the list (audited)
// when the list does not have it yet: a form that lets the lead type a new value uses it. It
// takes two statements: the list's lock with the review's stage, then one that finds the name or
// adds it with its audit entry.
func EnsureTerm(ctx context.Context, tx pgx.Tx, a db.Scope, k VocabKind, typed string) (string, error) {
	if !k.Valid() {
		return "", apperr.NotFound("")
	}
	// Two forms adding one name take turns (the key is vocabLock's).
	var stage []string
	if err := tx.QueryRow(ctx, `SELECT `+StageColumn+`, pg_advisory_xact_lock(hashtextextended($2::text || ':' || $3, 0))::text`,
		a.TenantID, a.ReviewID, string(k)).Scan(&stage, new(string)); err != nil {
		return "", fmt.Errorf("review: lock %s of %s: %w", k, a.ReviewID, err)
	}
	// The lists are printed in the report's methodology and forms: they are set-up.
	if err := CheckStage(stage, ChangeSetup); err != nil {
		return "", err
	}
	name, msg := CheckTermName(k, typed)
	if msg != "" {
		found, ok, err := FindTerm(ctx, tx, a.TenantID, a.ReviewID, k, typed)
		if err != nil || ok {
			return found, err
		}
		return "", form.Refuse("name", msg)
	}
	vt := vocabTables[k]
	snapshot := `jsonb_build_object('list', $4::text, 'name', ins.name, 'position', ins.position)`
	if k == VocabSources {
		snapshot += ` || jsonb_build_object('needs_role', false)`
	}
	m := audit.MetaFrom(ctx)
	var spelled string
	if err := tx.QueryRow(ctx, `WITH found AS (SELECT t.name FROM `+vt.table+` t
			WHERE t.tenant_id = $1 AND t.review_id = $2 AND lower(t.name) = lower($3) LIMIT 1),
		ins AS (INSERT INTO `+vt.table+` (tenant_id, review_id, name, position)
			SELECT $1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM `+vt.table+` WHERE tenant_id = $1 AND review_id = $2)
			WHERE NOT EXISTS (SELECT 1 FROM found)
			RETURNING id, name, position),
		entry AS (`+audit.InsertFrom+`
			SELECT $1::uuid, nullif($5::text, '')::uuid, coalesce(nullif($6::text, ''), `+audit.ActorEmailSQL("nullif($5::text, '')::uuid")+`),
				'vocabulary.added', 'vocabulary', ins.id::text, NULL, `+snapshot+`, $7::text, $8::text
			FROM ins)
		SELECT coalesce((SELECT name FROM found), (SELECT name FROM ins))`,
		a.TenantID, a.ReviewID, name, string(k), a.UserID, a.Email, m.RequestID, m.IP).Scan(&spelled); err != nil {
		return "", fmt.Errorf("review: ensure %s: %w", k, err)
	}
	return spelled, nil
}

// TermsCol is an expression: one vocabulary's terms of review $2 of tenant $1, in order, with
// their uses, as JSON that scans into []Term.
func TermsCol(k VocabKind) string { return termJSON(k) }
