package review

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"thematic/internal/db"
)

// setWrite is one statement made of data-modifying WITH clauses, each writing a table from
// arrays (unnest), so that a bulk write — a template, a copy, a vocabulary — costs the same
// number of statements however many rows it holds. New ids are made by the database and mapped
// to the rows that name them by position, in SQL.
//
// Every clause sees the database as it was when the statement began: a clause may not read rows
// another clause writes, except through that clause's RETURNING. Foreign keys are checked at the
// end of the statement, so a clause may write rows that point at another's.
type setWrite struct {
	ctes []string
	args []any
}

// arg adds a parameter and returns its placeholder.
func (s *setWrite) arg(v any) string {
	s.args = append(s.args, v)
	return "$" + strconv.Itoa(len(s.args))
}

// with adds a clause and returns its name, for later clauses to read its RETURNING.
func (s *setWrite) with(sql string) string {
	name := "w" + strconv.Itoa(len(s.ctes)+1)
	s.ctes = append(s.ctes, name+" AS (\n"+sql+")")
	return name
}

// exec sends the statement (nothing when no clause was added).
func (s *setWrite) exec(ctx context.Context, q db.Querier, what string) error {
	if len(s.ctes) == 0 {
		return nil
	}
	if _, err := q.Exec(ctx, s.sql("SELECT 1"), s.args...); err != nil {
		return fmt.Errorf("review: %s: %w", what, err)
	}
	return nil
}

// queryRow sends the statement with query, which may read the clauses' RETURNING, as its main
// query, and scans the row it gives.
func (s *setWrite) queryRow(ctx context.Context, q db.Querier, what, query string, dest ...any) error {
	if err := q.QueryRow(ctx, s.sql(query), s.args...).Scan(dest...); err != nil {
		return fmt.Errorf("review: %s: %w", what, err)
	}
	return nil
}

func (s *setWrite) sql(query string) string {
	return "WITH " + strings.Join(s.ctes, ",\n") + "\n" + query
}

// framework appends fw's groups, with their action areas, after the review's groups. t and r are
// the SQL of the tenant's and the review's ids.
func (s *setWrite) framework(t, r string, fw Framework) {
	var gTitles, aTitles, aQuotes, aCitations []string
	var aGroups, aPos []int32
	for gi, g := range fw.Groups {
		gTitles = append(gTitles, g.Title)
		for ai, a := range g.Areas {
			aGroups, aTitles, aQuotes = append(aGroups, int32(gi+1)), append(aTitles, a.Title), append(aQuotes, a.Quote)
			aCitations, aPos = append(aCitations, a.Citation), append(aPos, int32(ai+1))
		}
	}
	if len(gTitles) == 0 {
		return
	}
	start := s.with(`SELECT coalesce(max(position), 0) AS n FROM framework_groups WHERE tenant_id = ` + t + ` AND review_id = ` + r)
	groups := s.with(`INSERT INTO framework_groups (tenant_id, review_id, title, position)
		SELECT ` + t + `, ` + r + `, u.title, ` + start + `.n + u.i FROM ` + start + `, unnest(` + s.arg(gTitles) + `::text[]) WITH ORDINALITY AS u(title, i)
		RETURNING id, position`)
	s.with(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, quote, citation, position)
		SELECT ` + t + `, ` + r + `, g.id, a.title, a.quote, a.citation, a.position
		FROM unnest(` + s.arg(aGroups) + `::int[], ` + s.arg(aTitles) + `::text[], ` + s.arg(aQuotes) + `::text[], ` +
		s.arg(aCitations) + `::text[], ` + s.arg(aPos) + `::int[]) AS a(grp, title, quote, citation, position)
		JOIN ` + groups + ` g ON g.position = (SELECT n FROM ` + start + `) + a.grp`)
}

// enquiry appends lines of enquiry after the review's: the lines in no group after its own, the
// groups after its groups.
func (s *setWrite) enquiry(t, r string, e Enquiry) {
	var uQuestions, gTitles, lQuestions []string
	var lGroups, lPos []int32
	for _, l := range e.Ungrouped {
		uQuestions = append(uQuestions, l.Question)
	}
	for gi, g := range e.Groups {
		gTitles = append(gTitles, g.Title)
		for li, l := range g.Lines {
			lGroups, lQuestions, lPos = append(lGroups, int32(gi+1)), append(lQuestions, l.Question), append(lPos, int32(li+1))
		}
	}
	if len(uQuestions) == 0 && len(gTitles) == 0 {
		return
	}
	start := s.with(`SELECT
			(SELECT coalesce(max(position), 0) FROM enquiry_groups WHERE tenant_id = ` + t + ` AND review_id = ` + r + `) AS grp,
			(SELECT coalesce(max(position), 0) FROM enquiry_lines WHERE tenant_id = ` + t + ` AND review_id = ` + r + ` AND group_id IS NULL) AS line`)
	groups := s.with(`INSERT INTO enquiry_groups (tenant_id, review_id, title, position)
		SELECT ` + t + `, ` + r + `, u.title, ` + start + `.grp + u.i FROM ` + start + `, unnest(` + s.arg(gTitles) + `::text[]) WITH ORDINALITY AS u(title, i)
		RETURNING id, position`)
	s.with(`INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
		SELECT ` + t + `, ` + r + `, NULL::uuid, u.question, ` + start + `.line + u.i
		FROM ` + start + `, unnest(` + s.arg(uQuestions) + `::text[]) WITH ORDINALITY AS u(question, i)
		UNION ALL
		SELECT ` + t + `, ` + r + `, g.id, l.question, l.position
		FROM unnest(` + s.arg(lGroups) + `::int[], ` + s.arg(lQuestions) + `::text[], ` + s.arg(lPos) + `::int[]) AS l(grp, question, position)
		JOIN ` + groups + ` g ON g.position = (SELECT grp FROM ` + start + `) + l.grp`)
}

// vocabulary adds a vocabulary's values to the review's lists, after what they hold; a value
// already there, whatever its case, is kept as it is.
func (s *setWrite) vocabulary(t, r string, v Vocabulary) {
	names := make([]string, len(v.Sources))
	roles := make([]bool, len(v.Sources))
	for i, x := range v.Sources {
		names[i], roles[i] = x.Name, x.NeedsRole
	}
	if len(names) > 0 {
		s.with(`INSERT INTO evidence_sources (tenant_id, review_id, name, needs_role, position)
			SELECT ` + t + `, ` + r + `, u.name, u.needs_role,
				u.pos + coalesce((SELECT max(position) FROM evidence_sources WHERE tenant_id = ` + t + ` AND review_id = ` + r + `), 0)
			FROM unnest(` + s.arg(names) + `::text[], ` + s.arg(roles) + `::bool[]) WITH ORDINALITY AS u(name, needs_role, pos)
			ON CONFLICT DO NOTHING`)
	}
	for _, k := range []VocabKind{VocabRoles, VocabInspectorates, VocabTeamRoles, VocabAddressees} {
		list := v.Names(k)
		if len(list) == 0 {
			continue
		}
		table := vocabTables[k].table
		s.with(`INSERT INTO ` + table + ` (tenant_id, review_id, name, position)
			SELECT ` + t + `, ` + r + `, u.name,
				u.pos + coalesce((SELECT max(position) FROM ` + table + ` WHERE tenant_id = ` + t + ` AND review_id = ` + r + `), 0)
			FROM unnest(` + s.arg(list) + `::text[]) WITH ORDINALITY AS u(name, pos)
			ON CONFLICT DO NOTHING`)
	}
}

// copyOf copies the framework, lines of enquiry and vocabularies of review src into the new
// review r, in the order they have there, numbered from 1: nothing when user (the SQL of their
// id) does not lead src.
func (s *setWrite) copyOf(t, r, user, src string) {
	led := `EXISTS (SELECT 1 FROM review_members WHERE tenant_id = ` + t + ` AND review_id = ` + src + ` AND user_id = ` + user +
		` AND role = 'lead')`
	fg := s.with(`SELECT id, title, row_number() OVER (ORDER BY position, id) AS position FROM framework_groups
		WHERE tenant_id = ` + t + ` AND review_id = ` + src + ` AND ` + led)
	ng := s.with(`INSERT INTO framework_groups (tenant_id, review_id, title, position)
		SELECT ` + t + `, ` + r + `, title, position FROM ` + fg + `
		RETURNING id, position`)
	s.with(`INSERT INTO action_areas (tenant_id, review_id, group_id, title, quote, citation, position)
		SELECT ` + t + `, ` + r + `, ng.id, a.title, a.quote, a.citation,
			row_number() OVER (PARTITION BY a.group_id ORDER BY a.position, a.id)
		FROM action_areas a JOIN ` + fg + ` fg ON fg.id = a.group_id JOIN ` + ng + ` ng ON ng.position = fg.position
		WHERE a.tenant_id = ` + t)
	eg := s.with(`SELECT id, title, row_number() OVER (ORDER BY position, id) AS position FROM enquiry_groups
		WHERE tenant_id = ` + t + ` AND review_id = ` + src + ` AND ` + led)
	ne := s.with(`INSERT INTO enquiry_groups (tenant_id, review_id, title, position)
		SELECT ` + t + `, ` + r + `, title, position FROM ` + eg + `
		RETURNING id, position`)
	s.with(`INSERT INTO enquiry_lines (tenant_id, review_id, group_id, question, position)
		SELECT ` + t + `, ` + r + `, NULL::uuid, l.question, row_number() OVER (ORDER BY l.position, l.id)
		FROM enquiry_lines l WHERE l.tenant_id = ` + t + ` AND l.review_id = ` + src + ` AND l.group_id IS NULL AND ` + led + `
		UNION ALL
		SELECT ` + t + `, ` + r + `, ne.id, l.question, row_number() OVER (PARTITION BY l.group_id ORDER BY l.position, l.id)
		FROM enquiry_lines l JOIN ` + eg + ` eg ON eg.id = l.group_id JOIN ` + ne + ` ne ON ne.position = eg.position
		WHERE l.tenant_id = ` + t)
	for _, k := range []VocabKind{VocabSources, VocabRoles, VocabInspectorates, VocabTeamRoles, VocabAddressees} {
		cols, vals := "name, position", "name, row_number() OVER (ORDER BY position, lower(name), id)"
		if k == VocabSources {
			cols, vals = cols+", needs_role", vals+", needs_role"
		}
		table := vocabTables[k].table
		s.with(`INSERT INTO ` + table + ` (tenant_id, review_id, ` + cols + `)
			SELECT ` + t + `, ` + r + `, ` + vals + ` FROM ` + table + `
			WHERE tenant_id = ` + t + ` AND review_id = ` + src + ` AND ` + led + `
			ON CONFLICT DO NOTHING`)
	}
}
