// Package bulk builds a review at national scale for benchmarks and load tests: every English
// local authority taking part, a visit to each, and hundreds of thousands of evidence notes with
// their action areas, lines of enquiry and themes. It writes set-wise, a few statements per batch
// of notes, never a statement per note.
package bulk

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/review"
)

// Options shape the review.
type Options struct {
	Title     string   // the review's title
	Areas     int      // local areas taking part (at most the 153 English authorities)
	Notes     int      // evidence notes in all
	LeadID    string   // the review's lead, a member of the tenant
	AuthorIDs []string // inspectors who write the notes, members of the tenant
	Batch     int      // notes per statement; 0 means 20,000
}

// Review is what Load made.
type Review struct {
	ID      string
	AreaIDs []string // review_areas ids, ordered by ONS code
	Took    time.Duration
}

// Themes are the bulk review's theme tags.
var Themes = []string{"Access", "Waiting times", "Information sharing", "Workforce", "Co-production", "Outreach",
	"Breastfeeding", "Perinatal mental health", "Speech and language", "Health visiting", "Digital offer",
	"Parenting support", "Fathers", "Seldom heard groups", "Data and outcomes", "Leadership", "Commissioning",
	"Early help", "Transitions", "Estates", "Volunteers", "Language barriers", "Infant feeding", "Safe sleep"}

// The note texts are put together from these parts, so that full-text search meets a varied
// vocabulary rather than one sentence repeated.
var (
	Subjects = []string{"Parents in the focus group", "The health visiting lead", "Practitioners at the hub",
		"The family hub manager", "Midwives we spoke to", "Fathers attending the session",
		"The early help coordinator", "Volunteers at the drop-in", "The commissioning manager",
		"Staff at the children's centre", "The infant feeding specialist", "Young parents",
		"The perinatal mental health team", "The speech and language therapist", "The data analyst",
		"Families who had moved to the area", "The strategic partnership board", "Receptionists at the hub",
		"The designated safeguarding lead", "Community health workers"}
	Verbs = []string{"described", "told us about", "showed us", "explained", "were positive about",
		"raised concerns about", "gave examples of", "were unclear about", "praised", "were frustrated by",
		"had not heard of", "pointed to", "questioned", "welcomed", "compared"}
	Objects = []string{"the waiting list for speech and language support", "the breastfeeding peer support offer",
		"the single point of access to the hub", "the shared care record between midwifery and health visiting",
		"the outreach sessions in rural villages", "the digital start for life offer",
		"the interpreter service for antenatal appointments", "the parenting programme for fathers",
		"the transition from midwife to health visitor", "the perinatal mental health pathway",
		"the opening hours of the hub", "the information given before birth",
		"the home visits in the first two weeks", "the drop-in baby weighing clinic",
		"the referral route into early help", "the volunteer befriending scheme",
		"the outcomes framework used by the partnership", "the training offered to new practitioners",
		"the safe sleep messages shared with families", "the support for parents of premature babies",
		"the timetable of groups published online", "the joint commissioning of infant feeding",
		"the space available for confidential conversations", "the follow-up after missed appointments",
		"the feedback families give after sessions"}
	Endings = []string{"Families said this made a real difference.", "Staff could not say how this was measured.",
		"This was consistent across the sessions we observed.", "Leaders knew this was an area to improve.",
		"The self-assessment did not mention this.", "Several parents gave the same account.",
		"Records we reviewed supported this.", "This had changed since the programme began.",
		"Not all partners shared this view.", "The data shown to us confirmed the trend."}
)

// Load creates the review in the tenant and fills it. One note in 4,999 is a safeguarding concern
// (40 in 200,000: disclosures are rare, and each open one costs a lead's banner a policy check)
// and one in 89 is deleted, so that pages that leave them out have something to leave. pool is the owner's pool (the role that
// migrations and seeding use); row-level security applies through the tenant scope.
func Load(ctx context.Context, pool *pgxpool.Pool, tenantID string, o Options) (Review, error) {
	start := time.Now()
	if o.Batch <= 0 {
		o.Batch = 20000
	}
	if o.Areas <= 0 || len(o.AuthorIDs) == 0 || o.LeadID == "" {
		return Review{}, fmt.Errorf("bulk: need areas, a lead and authors")
	}
	var out Review
	scope := db.Scope{TenantID: tenantID, UserID: o.LeadID}
	err := db.InTx(ctx, pool, scope, func(tx pgx.Tx) error {
		tpl, err := review.Templates()
		if err != nil {
			return err
		}
		from, to := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 19, 0, 0, 0, 0, time.UTC)
		id, err := review.Create(ctx, tx, tenantID, o.LeadID, review.Review{Title: o.Title,
			Summary: "A national review generated for benchmarks.", FieldworkStart: &from, FieldworkEnd: &to})
		if err != nil {
			return err
		}
		out.ID = id
		if err := review.ApplyTemplate(ctx, tx, tenantID, id, tpl[review.StartForLife]); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role)
			SELECT $1, $2, u, $4 FROM unnest($3::uuid[]) u ON CONFLICT DO NOTHING`,
			tenantID, id, o.AuthorIDs, string(auth.ReviewInspector)); err != nil {
			return fmt.Errorf("bulk: members: %w", err)
		}
		rows, _ := tx.Query(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code)
			SELECT $1, $2, ons_code FROM (SELECT ons_code FROM local_authorities ORDER BY ons_code LIMIT $3) la
			ORDER BY ons_code RETURNING id::text`, tenantID, id, o.Areas)
		if out.AreaIDs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("bulk: areas: %w", err)
		}
		// A two-day visit to each area, spread over the year's weeks.
		if _, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
			SELECT $1, $2, a.id, date '2025-01-06' + ((row_number() OVER (ORDER BY la.ons_code) % 48) * 7)::int, 2
			FROM review_areas a JOIN local_authorities la ON la.ons_code = a.ons_code
			WHERE a.tenant_id = $1 AND a.review_id = $2`, tenantID, id); err != nil {
			return fmt.Errorf("bulk: visits: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO evidence_tags (tenant_id, review_id, name) SELECT $1, $2, unnest($3::text[])`,
			tenantID, id, Themes); err != nil {
			return fmt.Errorf("bulk: themes: %w", err)
		}
		for first := 1; first <= o.Notes; first += o.Batch {
			last := min(first+o.Batch-1, o.Notes)
			if err := notes(ctx, tx, tenantID, id, o.AuthorIDs, first, last); err != nil {
				return err
			}
		}
		return nil
	})
	out.Took = time.Since(start)
	return out, err
}

// notes writes notes first..last and their links, in four statements.
func notes(ctx context.Context, tx pgx.Tx, tenantID, reviewID string, authors []string, first, last int) error {
	// g is the note's number; its parts, visit, source and judgement come from g by fixed strides,
	// so the data is the same on every run.
	_, err := tx.Exec(ctx, `WITH v AS (
			SELECT array_agg(id ORDER BY id) AS ids, array_agg(area_id ORDER BY id) AS areas,
				array_agg(start_date ORDER BY id) AS starts
			FROM visits WHERE tenant_id = $1 AND review_id = $2),
		s AS (SELECT array_agg(id ORDER BY position) AS ids FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2)
		INSERT INTO evidence_notes (tenant_id, review_id, visit_id, area_id, author_id, source_id, note_date, body,
			judgement, good_practice, family_words, safeguarding, deleted_at, deleted_by, idempotency_key, created_at, updated_at)
		SELECT $1, $2, v.ids[1 + g % cardinality(v.ids)], v.areas[1 + g % cardinality(v.ids)],
			($3::uuid[])[1 + g % cardinality($3::uuid[])], s.ids[1 + (g / 7) % cardinality(s.ids)],
			v.starts[1 + g % cardinality(v.ids)] + (g / 3) % 2,
			($6::text[])[1 + g % cardinality($6::text[])] || ' ' || ($7::text[])[1 + (g / 20) % cardinality($7::text[])] || ' ' ||
				($8::text[])[1 + (g / 300) % cardinality($8::text[])] || '. ' || ($9::text[])[1 + (g / 11) % cardinality($9::text[])],
			(ARRAY['strength', 'development', 'neutral', 'strength', 'development'])[1 + (g / 5) % 5],
			g % 17 = 0, g % 9 = 0, g % 4999 = 1,
			CASE WHEN g % 89 = 0 THEN timestamptz '2025-12-31 17:00+00' END,
			CASE WHEN g % 89 = 0 THEN ($3::uuid[])[1 + g % cardinality($3::uuid[])] END, $10 || g,
			timestamptz '2025-01-06 09:00+00' + make_interval(secs => g * 60),
			timestamptz '2025-01-06 09:00+00' + make_interval(secs => g * 60)
		FROM generate_series($4::int, $5::int) g, v, s`,
		tenantID, reviewID, authors, first, last, Subjects, Verbs, Objects, Endings, keyPrefix(reviewID))
	if err != nil {
		return fmt.Errorf("bulk: notes %d-%d: %w", first, last, err)
	}
	// Fresh statistics, or the statements below (and the coverage triggers) are planned for the
	// near-empty table of the first batch and read every note for each link.
	if _, err := tx.Exec(ctx, `ANALYZE evidence_notes`); err != nil {
		return fmt.Errorf("bulk: analyse notes: %w", err)
	}
	// The batch's notes with their numbers, for the links.
	const batch = `WITH b AS (SELECT n.id, g FROM generate_series($3::int, $4::int) g
		JOIN evidence_notes n ON n.tenant_id = $1 AND n.idempotency_key = $5 || g AND n.review_id = $2)`
	links := []struct{ name, sql string }{
		{"action areas", batch + `, a AS (SELECT array_agg(id ORDER BY position) AS ids FROM action_areas
				WHERE tenant_id = $1 AND review_id = $2)
			INSERT INTO evidence_note_action_areas (tenant_id, note_id, action_area_id, review_id)
			SELECT DISTINCT $1::uuid, b.id, a.ids[1 + (b.g + k * (1 + b.g % 5)) % cardinality(a.ids)], $2::uuid
			FROM b, a, generate_series(0, 1) k WHERE k = 0 OR b.g % 2 = 0`},
		{"lines", batch + `, l AS (SELECT array_agg(id ORDER BY position) AS ids FROM enquiry_lines
				WHERE tenant_id = $1 AND review_id = $2)
			INSERT INTO evidence_note_lines (tenant_id, note_id, line_id, review_id)
			SELECT $1, b.id, l.ids[1 + (b.g / 3) % cardinality(l.ids)], $2 FROM b, l WHERE b.g % 3 <> 0`},
		{"themes", batch + `, t AS (SELECT array_agg(id ORDER BY name) AS ids FROM evidence_tags
				WHERE tenant_id = $1 AND review_id = $2)
			INSERT INTO evidence_note_tags (tenant_id, note_id, tag_id)
			SELECT DISTINCT $1::uuid, b.id, t.ids[1 + (b.g * (k + 1) / 13) % cardinality(t.ids)]
			FROM b, t, generate_series(0, 1) k WHERE k = 0 OR b.g % 4 = 0`},
	}
	for _, l := range links {
		if _, err := tx.Exec(ctx, l.sql, tenantID, reviewID, first, last, keyPrefix(reviewID)); err != nil {
			return fmt.Errorf("bulk: %s of notes %d-%d: %w", l.name, first, last, err)
		}
	}
	return nil
}

// keyPrefix starts the idempotency keys of a review's bulk notes (keys are unique in a tenant).
func keyPrefix(reviewID string) string { return "bulk-" + reviewID[:8] + "-" }

// DemoPeople returns the demo tenant, its lead and its inspectors (lead@demo.test and
// inspector@demo.test with the demo's other inspectors), for a bulk review in the demo tenant.
func DemoPeople(ctx context.Context, q db.Querier) (tenantID, leadID string, authors []string, err error) {
	err = q.QueryRow(ctx, `SELECT t.id::text, u.id::text FROM tenants t, users u
		WHERE t.slug = $1 AND u.email = 'lead@demo.test'`, demo.TenantSlug).Scan(&tenantID, &leadID)
	if err != nil {
		return "", "", nil, fmt.Errorf("bulk: demo tenant and lead: %w", err)
	}
	emails := []string{"inspector@demo.test"}
	for _, p := range demo.Inspectors {
		emails = append(emails, p.Email)
	}
	rows, _ := q.Query(ctx, `SELECT id::text FROM users WHERE email = ANY($1) ORDER BY email`, emails)
	if authors, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return "", "", nil, fmt.Errorf("bulk: demo inspectors: %w", err)
	}
	if len(authors) != len(emails) {
		return "", "", nil, fmt.Errorf("bulk: found %d of %d demo inspectors: seed the demo first", len(authors), len(emails))
	}
	return tenantID, leadID, authors, nil
}
