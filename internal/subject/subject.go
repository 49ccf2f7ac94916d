// Package subject finds what the service holds about a person, for a subject access request: the
// evidence notes, supporting documents and audit entries that name them, by the exact name or
// email (any case, whole words) and by the personal data check (evidence.Scan), whose name
// findings count when their words are the person's.
package subject

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/text"
)

// Limits bound the search: each kind returns at most Max matches, and the audit log is searched
// in its newest AuditScan entries.
const (
	Max       = 500
	AuditScan = 100000
	MaxName   = 200
)

// Query is the person looked for.
type Query struct {
	Name  string
	Email string
}

// Hit is one record that names the person.
type Hit struct {
	Kind        string // "Evidence note", "Document", "Audit entry"
	ID          string
	ReviewID    string
	ReviewTitle string
	At          time.Time
	Excerpt     string // the text around the match
	Match       string // how it matched: "name", "email", or "detected: Mrs Smith"
	Link        string
}

// Result is a search's hits by kind, and whether a limit cut it short.
type Result struct {
	Notes, Documents, Audit []Hit
	Truncated               bool
}

// All is every hit, notes first.
func (r Result) All() []Hit { return slices.Concat(r.Notes, r.Documents, r.Audit) }

// Words splits a name into its words, lower case.
func Words(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-'
	})
}

// matcher decides whether a text names the person.
type matcher struct {
	name  *regexp.Regexp // the whole name, words in order, any case, whole words
	email string         // lower case; "" when none
	words map[string]bool
	last  string // the name's last word, lower case
}

func newMatcher(q Query) matcher {
	ws := Words(q.Name)
	quoted := make([]string, len(ws))
	m := matcher{email: strings.ToLower(strings.TrimSpace(q.Email)), words: map[string]bool{}}
	for i, w := range ws {
		quoted[i] = regexp.QuoteMeta(w)
		m.words[w] = true
	}
	if len(ws) > 0 {
		m.last = ws[len(ws)-1]
	}
	m.name = regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(quoted, `[^\pL\pN]+`) + `)(?:$|[^\pL\pN])`)
	return m
}

// notNames are the capitalised words of a detected name that are not the person's names.
var notNames = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"dad": true, "mum": true, "mother": true, "father": true, "baby": true, "son": true, "daughter": true,
	"nan": true, "nana": true, "gran": true, "grandma": true, "grandad": true, "grandmother": true, "grandfather": true,
	"brother": true, "sister": true, "auntie": true, "aunt": true, "uncle": true, "stepdad": true, "stepmum": true}

// match reports how text names the person, and where: "" when it does not.
func (m matcher) match(text string) (how string, at int) {
	if loc := m.name.FindStringSubmatchIndex(text); loc != nil {
		return "name", loc[2]
	}
	if m.email != "" {
		if i := strings.Index(strings.ToLower(text), m.email); i >= 0 {
			return "email", i
		}
	}
	for _, f := range evidence.Scan(text, nil) {
		switch f.Kind {
		case evidence.GuardKindName, evidence.GuardKindStaffName, evidence.GuardKindChildName, evidence.GuardKindFamily:
		default:
			continue
		}
		// The hit's names: its capitalised words less titles and words for relatives
		// ("Mr Brown", "Dad (Tom, 34)", "baby Alfie").
		var ws []string
		for _, w := range strings.FieldsFunc(f.Text, func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\'' && r != '’' && r != '-'
		}) {
			if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) && !notNames[strings.ToLower(w)] {
				ws = append(ws, strings.ToLower(w))
			}
		}
		// A first name alone is too common to say it is this person: one word must be the surname.
		if len(ws) == 1 && ws[0] != m.last {
			continue
		}
		if len(ws) > 0 && !slices.ContainsFunc(ws, func(w string) bool { return !m.words[w] }) {
			return "detected: " + f.Text, f.Start
		}
	}
	return "", 0
}

// Validate says what is wrong with a query, by field.
func (q Query) Validate() map[string]string {
	errs := map[string]string{}
	n := strings.TrimSpace(q.Name)
	switch {
	case n == "":
		errs["name"] = "Enter the person’s name"
	case len([]rune(n)) > MaxName:
		errs["name"] = fmt.Sprintf("The name must be %d characters or fewer", MaxName)
	case len(Words(n)) == 0 || len([]rune(strings.Join(Words(n), ""))) < 2:
		errs["name"] = "Enter a name of at least 2 letters"
	}
	if e := strings.TrimSpace(q.Email); e != "" && (len(e) > 320 || !strings.Contains(e, "@") || strings.ContainsAny(e, " \t")) {
		errs["email"] = "Enter an email address in the correct format, like name@example.com"
	}
	return errs
}

// candidates is the database's first cut, any word of the name or the email as a whole word: an
// ARE (PostgreSQL regular expression) for ~*.
func candidates(q Query) string {
	var alts []string
	for _, w := range Words(q.Name) {
		alts = append(alts, `\m`+regexp.QuoteMeta(w)+`\M`)
	}
	if e := strings.TrimSpace(q.Email); e != "" {
		alts = append(alts, regexp.QuoteMeta(strings.ToLower(e)))
	}
	return strings.Join(alts, "|")
}

// webQuery is the notes' full-text query: any word of the name, or the email.
func webQuery(q Query) string {
	var parts []string
	for _, w := range Words(q.Name) {
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, "")+`"`)
	}
	if e := strings.TrimSpace(q.Email); e != "" {
		parts = append(parts, `"`+strings.ReplaceAll(strings.ToLower(e), `"`, "")+`"`)
	}
	return strings.Join(parts, " or ")
}

// Search finds the tenant's records that name the person, in three statements (notes, documents,
// audit entries), each bounded: notes through their full-text index, documents by title and file
// name, the audit log in its newest AuditScan entries. Row-level security applies: safeguarding
// concerns the searcher may not see are not found.
func Search(ctx context.Context, q db.Querier, tenantID string, qu Query) (Result, error) {
	m := newMatcher(qu)
	re := candidates(qu)
	var res Result

	rows, err := q.Query(ctx, `SELECT n.id::text, n.review_id::text, r.title, n.created_at, n.body
		FROM evidence_notes n JOIN reviews r ON r.tenant_id = n.tenant_id AND r.id = n.review_id
		WHERE n.tenant_id = $1 AND n.search @@ websearch_to_tsquery('english', $2) AND n.body ~* $3
		ORDER BY n.created_at DESC, n.id LIMIT $4`, tenantID, webQuery(qu), re, Max+1)
	if err != nil {
		return res, fmt.Errorf("subject: notes: %w", err)
	}
	for rows.Next() {
		var h Hit
		var body string
		if err := rows.Scan(&h.ID, &h.ReviewID, &h.ReviewTitle, &h.At, &body); err != nil {
			rows.Close()
			return res, fmt.Errorf("subject: notes: %w", err)
		}
		how, at := m.match(body)
		if how == "" {
			continue
		}
		h.Kind, h.Match, h.Excerpt, h.Link = "Evidence note", how, text.Around(body, at, 100), "/reviews/"+h.ReviewID+"/notes/"+h.ID
		res.Notes = append(res.Notes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("subject: notes: %w", err)
	}

	rows, err = q.Query(ctx, `SELECT d.id::text, d.review_id::text, r.title, d.uploaded_at, d.title || ' (' || d.filename || ')', d.area_id::text
		FROM area_documents d JOIN reviews r ON r.tenant_id = d.tenant_id AND r.id = d.review_id
		WHERE d.tenant_id = $1 AND (d.title ~* $2 OR d.filename ~* $2)
		ORDER BY d.uploaded_at DESC, d.id LIMIT $3`, tenantID, re, Max+1)
	if err != nil {
		return res, fmt.Errorf("subject: documents: %w", err)
	}
	for rows.Next() {
		var h Hit
		var title, areaID string
		if err := rows.Scan(&h.ID, &h.ReviewID, &h.ReviewTitle, &h.At, &title, &areaID); err != nil {
			rows.Close()
			return res, fmt.Errorf("subject: documents: %w", err)
		}
		how, at := m.match(title)
		if how == "" {
			continue
		}
		h.Kind, h.Match, h.Excerpt = "Document", how, text.Around(title, at, 100)
		h.Link = "/reviews/" + h.ReviewID + "/areas/" + areaID + "/documents/" + h.ID
		res.Documents = append(res.Documents, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("subject: documents: %w", err)
	}

	rows, err = q.Query(ctx, `SELECT a.id, a.at, a.action, a.object_type, a.object_id, a.actor_email,
			coalesce(a.before::text, ''), coalesce(a.after::text, ''), (SELECT count(*) FROM (SELECT 1 FROM audit_log
				WHERE tenant_id = $1 LIMIT $4 + 1) c) > $4
		FROM (SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT $4) a
		WHERE lower(a.actor_email) = $3 OR a.before::text ~* $2 OR a.after::text ~* $2
		ORDER BY a.at DESC, a.id DESC LIMIT $5`, tenantID, re, strings.ToLower(strings.TrimSpace(qu.Email)), AuditScan, Max+1)
	if err != nil {
		return res, fmt.Errorf("subject: audit: %w", err)
	}
	for rows.Next() {
		var h Hit
		var id int64
		var action, objType, objID, actor, before, after string
		var cut bool
		if err := rows.Scan(&id, &h.At, &action, &objType, &objID, &actor, &before, &after, &cut); err != nil {
			rows.Close()
			return res, fmt.Errorf("subject: audit: %w", err)
		}
		res.Truncated = res.Truncated || cut
		how, found, at := "", "", 0
		if qu.Email != "" && strings.EqualFold(actor, strings.TrimSpace(qu.Email)) {
			how, found = "email (who)", actor
		}
		for _, t := range []string{before, after} {
			if how != "" {
				break
			}
			found = t
			how, at = m.match(t)
		}
		if how == "" {
			continue
		}
		h.Kind, h.ID, h.Match, h.Excerpt = "Audit entry", fmt.Sprint(id), how, action+" "+objType+" "+objID+": "+text.Around(found, at, 100)
		h.Link = "/admin/audit?object=" + objID
		res.Audit = append(res.Audit, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("subject: audit: %w", err)
	}
	for _, l := range []*[]Hit{&res.Notes, &res.Documents, &res.Audit} {
		if len(*l) > Max {
			*l, res.Truncated = (*l)[:Max], true
		}
	}
	return res, nil
}
