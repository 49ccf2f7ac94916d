// Package scale generates national-scale data fast, for load tests: several tenants (inspectorates),
// each with its people and its reviews of English local areas, visits with their teams, and a
// million evidence notes with their action areas, lines of enquiry and themes, written with COPY.
//
// The first tenant is the main one: its first review (the main review) has every area asked for,
// the members asked for (a lead, inspectors and observers) and the notes asked for, with findings
// drawn from them (bulk.Synthesis). The other tenants' notes are there so that row-level security
// and the tenant-led indexes have something to keep out of the main tenant's plans.
//
// Everything derived is right afterwards: the search vector is a generated column, and the
// coverage counters (evidence_counts) are what the triggers keep (see loadNotes, which loads the
// notes in one transaction as pg_restore would and counts them as it writes them). Setup rows are
// written as the owner role inside each tenant's scope (db.Scope), so row-level security checks
// them; the notes carry their tenant_id explicitly.
package scale

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/auth"
	"thematic/internal/bulk"
	"thematic/internal/db"
	"thematic/internal/review"
)

// Password is every generated user's password.
const Password = "scale-thematic-2026"

// SlugPrefix starts the slug of every scale tenant: scale-01 is the main tenant.
const SlugPrefix = "scale-"

// Options shape the data. Zero values take the defaults of Defaults.
type Options struct {
	Tenants    int // tenants; the first is the main tenant
	Reviews    int // reviews per tenant; the main review is the first of the first tenant
	Areas      int // areas of the main review (at most the 153 English authorities)
	Members    int // members of the main tenant, all members of the main review
	Notes      int // notes of the main review
	OtherNotes int // notes shared between every other review
	Findings   int // findings of the main review
	Replace    bool
	Log        func(string, ...any)   // progress; nil for none
	Hash       func() (string, error) // the password's hash; nil hashes Password (tests may share one)
}

// Defaults are the national-scale defaults: 10 tenants, 1,000,000 notes.
func Defaults() Options {
	return Options{Tenants: 10, Reviews: 1, Areas: 153, Members: 400, Notes: 200000, OtherNotes: 800000, Findings: 300}
}

// Inspector is a member of the main review who may record notes on one visit, with what a note
// on it needs.
type Inspector struct {
	Email        string `json:"email"`
	VisitID      string `json:"visit_id"`
	AreaID       string `json:"area_id"`
	NoteDate     string `json:"note_date"`
	SourceID     string `json:"source_id"`
	ActionAreaID string `json:"action_area_id"`
}

// Manifest tells a load harness what was generated and how to sign in.
type Manifest struct {
	TenantID      string      `json:"tenant_id"`
	TenantSlug    string      `json:"tenant_slug"`
	ReviewID      string      `json:"review_id"`
	LeadEmail     string      `json:"lead_email"`
	Password      string      `json:"password"`
	Inspectors    []Inspector `json:"inspectors"`
	ActionAreaIDs []string    `json:"action_area_ids"`
	AreaIDs       []string    `json:"area_ids"`
	Tenants       int         `json:"tenants"`
	Areas         int         `json:"areas"`
	Members       int         `json:"members"`
	Notes         int         `json:"notes"`
	OtherNotes    int         `json:"other_notes"`
	Findings      int         `json:"findings"`
	TookSeconds   float64     `json:"took_seconds"`
	Phases        []Phase     `json:"phases"`
}

// Phase is how long one step took.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// ErrExists says that scale data is there already.
var ErrExists = errors.New("scale data is already in this database")

// otherMembers is the number of members of each tenant but the main one.
const otherMembers = 40

// Slug is the slug of tenant i (0 is the main tenant).
func Slug(i int) string { return fmt.Sprintf("%s%02d", SlugPrefix, i+1) }

func (o *Options) fill() error {
	d := Defaults()
	if o.Tenants == 0 {
		o.Tenants = d.Tenants
	}
	if o.Reviews == 0 {
		o.Reviews = d.Reviews
	}
	if o.Areas == 0 {
		o.Areas = d.Areas
	}
	if o.Members == 0 {
		o.Members = d.Members
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	switch {
	case o.Tenants < 1 || o.Tenants > 99:
		return errors.New("scale: tenants must be 1 to 99")
	case o.Reviews < 1 || o.Reviews > 20:
		return errors.New("scale: reviews must be 1 to 20")
	case o.Areas < 1 || o.Areas > 153:
		return errors.New("scale: areas must be 1 to 153")
	case o.Members < 62 || o.Members > 5000:
		return errors.New("scale: members must be 62 to 5000 (a lead and at least 60 inspectors)")
	case o.Notes < 0 || o.OtherNotes < 0 || o.Findings < 0:
		return errors.New("scale: notes, other notes and findings cannot be negative")
	}
	return nil
}

// Generate writes the data and returns its manifest. pool is the owner's pool (the role that
// migrations and seeding use). Scale tenants already there are refused, or with o.Replace
// deleted first; other tenants (the demo's) are never touched.
func Generate(ctx context.Context, pool *pgxpool.Pool, o Options) (Manifest, error) {
	if err := o.fill(); err != nil {
		return Manifest{}, err
	}
	start := time.Now()
	var phases []Phase
	phase := func(name string, t0 time.Time) {
		d := time.Since(t0)
		phases = append(phases, Phase{Name: name, Seconds: round(d.Seconds())})
		o.Log("%-10s %6.1fs", name, d.Seconds())
	}

	t0 := time.Now()
	existing, err := Existing(ctx, pool)
	if err != nil {
		return Manifest{}, err
	}
	if len(existing) > 0 {
		if !o.Replace {
			return Manifest{}, fmt.Errorf("%w (tenant %s): run with --replace to delete the scale tenants first", ErrExists, existing[0])
		}
		if err := Delete(ctx, pool); err != nil {
			return Manifest{}, err
		}
		phase("replace", t0)
	}

	t0 = time.Now()
	hash, err := passwordHash(o)
	if err != nil {
		return Manifest{}, err
	}
	tenants := make([]*tenantData, o.Tenants)
	for i := range tenants {
		if tenants[i], err = setUpTenant(ctx, pool, o, i, hash); err != nil {
			return Manifest{}, err
		}
	}
	// Statistics for the small tables, so that the foreign key checks of the notes use their
	// indexes.
	if err := analyse(ctx, pool); err != nil {
		return Manifest{}, err
	}
	phase("setup", t0)

	t0 = time.Now()
	var reviews []*reviewData
	for _, t := range tenants {
		reviews = append(reviews, t.reviews...)
	}
	if err := loadNotes(ctx, pool, reviews, o.Log); err != nil {
		return Manifest{}, err
	}
	phase("notes", t0)

	t0 = time.Now()
	if err := analyse(ctx, pool); err != nil {
		return Manifest{}, err
	}
	phase("analyse", t0)

	main := tenants[0].reviews[0]
	if o.Findings > 0 && o.Notes > 0 {
		t0 = time.Now()
		per := min(20, max(1, o.Notes/(2*o.Findings)))
		if err := bulk.Synthesis(ctx, pool, tenants[0].id, main.id, tenants[0].lead, o.Findings, per); err != nil {
			return Manifest{}, err
		}
		// The findings' counts per area (finding_area_counts) are the link triggers' work, as links are
		// written with them on (TestGenerateKeepsFindingCountsRight).
		for _, t := range []string{"findings", "finding_notes", "finding_area_counts", "practice_examples", "recommendations",
			"recommendation_findings"} {
			if _, err := pool.Exec(ctx, "ANALYZE "+t); err != nil {
				return Manifest{}, fmt.Errorf("scale: analyse %s: %w", t, err)
			}
		}
		phase("findings", t0)
	}

	m := manifest(o, tenants[0], main)
	m.TookSeconds = round(time.Since(start).Seconds())
	m.Phases = phases
	o.Log("%-10s %6.1fs", "total", time.Since(start).Seconds())
	return m, nil
}

func round(s float64) float64 { return float64(int(s*10+0.5)) / 10 }

func passwordHash(o Options) (string, error) {
	if o.Hash != nil {
		return o.Hash()
	}
	return auth.HashPassword(Password)
}

// Existing lists the slugs of the scale tenants in the database. tenants is not FORCEd under
// row-level security, so the owner sees every tenant.
func Existing(ctx context.Context, q db.Querier) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT slug FROM tenants WHERE slug LIKE $1 ORDER BY slug`, SlugPrefix+"%")
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("scale: find scale tenants: %w", err)
	}
	return slugs, nil
}

// tenantData is what setUpTenant made.
type tenantData struct {
	index      int
	id, slug   string
	lead       string // user id
	leadEmail  string
	inspectors []person // the review's inspectors, in order
	observers  []person
	reviews    []*reviewData
}

type person struct{ id, email string }

// reviewData is one review's ids, for its notes.
type reviewData struct {
	tenantID, id string
	main         bool
	notes        int
	authors      []string // user ids of the lead and inspectors
	areas        []string // review_areas ids, ordered
	visits       []visitData
	sources      []source
	roles        []string
	actionAreas  []string
	lines        []string
	tags         []string
}

type visitData struct {
	id, area string
	start    time.Time
}

type source struct {
	id        string
	needsRole bool
}

// members is the number of members of tenant i and how they split: one lead, then inspectors,
// then observers (a tenth of them).
func members(o Options, i int) (inspectors, observers int) {
	n := otherMembers
	if i == 0 {
		n = o.Members
	}
	observers = n / 10
	inspectors = n - 1 - observers
	return inspectors, observers
}

func setUpTenant(ctx context.Context, pool *pgxpool.Pool, o Options, i int, hash string) (*tenantData, error) {
	t := &tenantData{index: i, slug: Slug(i)}
	if err := pool.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&t.id); err != nil {
		return nil, fmt.Errorf("scale: new tenant id: %w", err)
	}
	nInsp, nObs := members(o, i)
	domain := "@" + t.slug + ".test"
	emails := []string{"lead" + domain}
	names := []string{fmt.Sprintf("Lead Scale%02d", i+1)}
	roles := []string{string(auth.RoleAdmin)}
	for k := 1; k <= nInsp; k++ {
		emails = append(emails, fmt.Sprintf("inspector%03d%s", k, domain))
		names = append(names, fmt.Sprintf("Inspector%03d Scale%02d", k, i+1))
		roles = append(roles, string(auth.RoleMember))
	}
	for k := 1; k <= nObs; k++ {
		emails = append(emails, fmt.Sprintf("observer%03d%s", k, domain))
		names = append(names, fmt.Sprintf("Observer%03d Scale%02d", k, i+1))
		roles = append(roles, string(auth.RoleMember))
	}
	err := db.InTx(ctx, pool, db.Scope{TenantID: t.id}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`,
			t.id, t.slug, fmt.Sprintf("Scale inspectorate %02d", i+1)); err != nil {
			return fmt.Errorf("scale: tenant %s: %w", t.slug, err)
		}
		rows, _ := tx.Query(ctx, `INSERT INTO users (email, name, password_hash)
			SELECT e, n, $3 FROM unnest($1::text[], $2::text[]) AS u(e, n) RETURNING email, id::text`, emails, names, hash)
		byEmail := map[string]string{}
		var e, id string
		if _, err := pgx.ForEachRow(rows, []any{&e, &id}, func() error { byEmail[e] = id; return nil }); err != nil {
			return fmt.Errorf("scale: users of %s: %w", t.slug, err)
		}
		ids := make([]string, len(emails))
		for k, e := range emails {
			ids[k] = byEmail[e]
		}
		t.lead, t.leadEmail = ids[0], emails[0]
		for k := 1; k <= nInsp; k++ {
			t.inspectors = append(t.inspectors, person{ids[k], emails[k]})
		}
		for k := 1 + nInsp; k < len(ids); k++ {
			t.observers = append(t.observers, person{ids[k], emails[k]})
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role)
			SELECT $1, u, r FROM unnest($2::uuid[], $3::text[]) AS m(u, r)`, t.id, ids, roles); err != nil {
			return fmt.Errorf("scale: memberships of %s: %w", t.slug, err)
		}
		tpl, err := review.Templates()
		if err != nil {
			return err
		}
		for r := 0; r < o.Reviews; r++ {
			rd, err := setUpReview(ctx, tx, o, t, r, tpl[review.StartForLife])
			if err != nil {
				return err
			}
			t.reviews = append(t.reviews, rd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Share the other notes between every review but the main one, as evenly as whole numbers go.
	return t, nil
}

// reviewIndex numbers the reviews of all tenants: 0 is the main review.
func reviewIndex(o Options, tenant, r int) int { return tenant*o.Reviews + r }

// notesOf is the number of notes of review k (reviewIndex).
func notesOf(o Options, k int) int {
	if k == 0 {
		return o.Notes
	}
	others := o.Tenants*o.Reviews - 1
	n := o.OtherNotes / others
	if k-1 < o.OtherNotes%others {
		n++
	}
	return n
}

// areasOf is the number of areas of review k: the main review's as asked, the others' from 20
// to 153 (fewer when fewer are asked).
func areasOf(o Options, k int) int {
	if k == 0 {
		return o.Areas
	}
	lo := min(20, o.Areas)
	return lo + (k*37)%(154-lo)
}

func setUpReview(ctx context.Context, tx pgx.Tx, o Options, t *tenantData, r int, tpl review.Template) (*reviewData, error) {
	k := reviewIndex(o, t.index, r)
	rd := &reviewData{tenantID: t.id, main: k == 0, notes: notesOf(o, k)}
	from, to := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 19, 0, 0, 0, 0, time.UTC)
	title := fmt.Sprintf("Start for Life national review %d", r+1)
	if k == 0 {
		title = "Start for Life national review (scale data)"
	}
	id, err := review.Create(ctx, tx, t.id, t.lead, review.Review{Title: title,
		Summary: "A national review generated for load tests.", FieldworkStart: &from, FieldworkEnd: &to})
	if err != nil {
		return nil, err
	}
	rd.id = id
	if err := review.ApplyTemplate(ctx, tx, t.id, id, tpl); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE reviews SET status = 'fieldwork' WHERE tenant_id = $1 AND id = $2`, t.id, id); err != nil {
		return nil, fmt.Errorf("scale: review status: %w", err)
	}
	insp := make([]string, len(t.inspectors))
	for j, p := range t.inspectors {
		insp[j] = p.id
	}
	obs := make([]string, len(t.observers))
	for j, p := range t.observers {
		obs[j] = p.id
	}
	if _, err := tx.Exec(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role)
		SELECT $1::uuid, $2::uuid, u, 'inspector' FROM unnest($3::uuid[]) u
		UNION ALL SELECT $1::uuid, $2::uuid, u, 'observer' FROM unnest($4::uuid[]) u`, t.id, id, insp, obs); err != nil {
		return nil, fmt.Errorf("scale: review members: %w", err)
	}
	rd.authors = append([]string{t.lead}, insp...)
	// The main review takes the first areas by ONS code; the others a spread of their own.
	order := "la.ons_code"
	if k != 0 {
		order = "md5(la.ons_code || $2::uuid::text)"
	}
	rows, _ := tx.Query(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code)
		SELECT $1::uuid, $2::uuid, ons_code FROM (SELECT la.ons_code FROM local_authorities la ORDER BY `+order+` LIMIT $3) la
		RETURNING id::text, ons_code`, t.id, id, areasOf(o, k))
	type area struct{ id, ons string }
	areas, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (area, error) {
		var a area
		return a, r.Scan(&a.id, &a.ons)
	})
	if err != nil {
		return nil, fmt.Errorf("scale: review areas: %w", err)
	}
	sort.Slice(areas, func(i, j int) bool { return areas[i].ons < areas[j].ons })
	starts := make([]time.Time, len(areas))
	for j, a := range areas {
		rd.areas = append(rd.areas, a.id)
		// A two-day visit to each area, spread over the year's weeks.
		starts[j] = from.AddDate(0, 0, (j%48)*7)
	}
	rows, _ = tx.Query(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
		SELECT $1::uuid, $2::uuid, a, s, 2 FROM unnest($3::uuid[], $4::date[]) AS v(a, s) RETURNING id::text, area_id::text, start_date`,
		t.id, id, rd.areas, starts)
	visits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (visitData, error) {
		var v visitData
		return v, r.Scan(&v.id, &v.area, &v.start)
	})
	if err != nil {
		return nil, fmt.Errorf("scale: visits: %w", err)
	}
	byArea := map[string]visitData{}
	for _, v := range visits {
		byArea[v.area] = v
	}
	for _, a := range rd.areas {
		rd.visits = append(rd.visits, byArea[a])
	}
	// Visit teams: inspector j is on site for both days of visit j (mod the visits), so nobody
	// is in two places on one day, and every visit up to the number of inspectors has a team.
	teamVisits := make([]string, len(insp))
	for j := range insp {
		teamVisits[j] = rd.visits[j%len(rd.visits)].id
	}
	if _, err := tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day)
		SELECT $1::uuid, t.visit, m.id, m.user_id, v.start_date + d
		FROM unnest($3::uuid[], $4::uuid[]) AS t(usr, visit)
		JOIN review_members m ON m.tenant_id = $1 AND m.review_id = $2 AND m.user_id = t.usr
		JOIN visits v ON v.tenant_id = $1 AND v.id = t.visit
		CROSS JOIN generate_series(0, 1) d`, t.id, id, insp, teamVisits); err != nil {
		return nil, fmt.Errorf("scale: visit team days: %w", err)
	}
	// Each of those days has its place on the team, as the visit form writes it.
	if _, err := tx.Exec(ctx, `INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id)
		SELECT DISTINCT tenant_id, visit_id, member_id, $2::uuid FROM visit_days WHERE tenant_id = $1 AND visit_id = ANY($3::uuid[])`,
		t.id, id, teamVisits); err != nil {
		return nil, fmt.Errorf("scale: visit teams: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO evidence_tags (tenant_id, review_id, name) SELECT $1, $2, unnest($3::text[])`,
		t.id, id, bulk.Themes); err != nil {
		return nil, fmt.Errorf("scale: themes: %w", err)
	}
	ids := func(what, sql string) ([]string, error) {
		rows, _ := tx.Query(ctx, sql, t.id, id)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("scale: %s: %w", what, err)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("scale: the review has no %s", what)
		}
		return out, nil
	}
	// The orders are bulk.Synthesis's, so that a finding's notes bear on its action area.
	if rd.actionAreas, err = ids("action areas", `SELECT id::text FROM action_areas WHERE tenant_id = $1 AND review_id = $2 ORDER BY position, id`); err != nil {
		return nil, err
	}
	if rd.lines, err = ids("lines of enquiry", `SELECT id::text FROM enquiry_lines WHERE tenant_id = $1 AND review_id = $2 ORDER BY position, id`); err != nil {
		return nil, err
	}
	if rd.tags, err = ids("themes", `SELECT id::text FROM evidence_tags WHERE tenant_id = $1 AND review_id = $2 ORDER BY name`); err != nil {
		return nil, err
	}
	if rd.roles, err = ids("roles", `SELECT id::text FROM evidence_roles WHERE tenant_id = $1 AND review_id = $2 ORDER BY position`); err != nil {
		return nil, err
	}
	rows, _ = tx.Query(ctx, `SELECT id::text, needs_role FROM evidence_sources WHERE tenant_id = $1 AND review_id = $2 ORDER BY position`, t.id, id)
	if rd.sources, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (source, error) {
		var s source
		return s, r.Scan(&s.id, &s.needsRole)
	}); err != nil || len(rd.sources) == 0 {
		return nil, fmt.Errorf("scale: sources: %v", err)
	}
	return rd, nil
}

func analyse(ctx context.Context, pool *pgxpool.Pool) error {
	for _, t := range []string{"users", "memberships", "tenants", "reviews", "review_members", "review_areas", "visits",
		"visit_days", "evidence_sources", "evidence_roles", "evidence_tags", "evidence_notes", "evidence_note_action_areas",
		"evidence_note_lines", "evidence_note_tags", "evidence_counts", "findings", "finding_notes", "practice_examples",
		"recommendations", "recommendation_findings", "action_areas", "enquiry_lines", "enquiry_groups", "framework_groups"} {
		if _, err := pool.Exec(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("scale: analyse %s: %w", t, err)
		}
	}
	return nil
}

func manifest(o Options, t *tenantData, r *reviewData) Manifest {
	m := Manifest{TenantID: t.id, TenantSlug: t.slug, ReviewID: r.id, LeadEmail: t.leadEmail, Password: Password,
		ActionAreaIDs: r.actionAreas, AreaIDs: r.areas, Tenants: o.Tenants, Areas: o.Areas, Members: o.Members,
		Notes: o.Notes, OtherNotes: o.OtherNotes, Findings: o.Findings}
	var src string
	for _, s := range r.sources {
		if !s.needsRole {
			src = s.id
			break
		}
	}
	// Inspector j is on the team of visit j: one inspector per visit, as far as both go.
	for j := 0; j < min(len(t.inspectors), len(r.visits)); j++ {
		v := r.visits[j]
		m.Inspectors = append(m.Inspectors, Inspector{Email: t.inspectors[j].email, VisitID: v.id, AreaID: v.area,
			NoteDate: v.start.AddDate(0, 0, j%2).Format("2006-01-02"), SourceID: src,
			ActionAreaID: r.actionAreas[j%len(r.actionAreas)]})
	}
	return m
}
