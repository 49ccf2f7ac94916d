package area_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// world is a tenant with a lead, an inspector and a contact, and one review led by the lead.
type world struct {
	d                           *dbtest.DB
	tenantID, reviewID          string
	leadID, inspectorID, contID string
}

func newWorld(t *testing.T, d *dbtest.DB, slug string) world {
	t.Helper()
	ctx := context.Background()
	w := world{d: d}
	if err := d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&w.tenantID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: w.tenantID}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, w.tenantID, slug, "Tenant "+slug); err != nil {
			return err
		}
		for _, p := range []struct {
			id   *string
			who  string
			role auth.Role
		}{{&w.leadID, "lead", auth.RoleStaff}, {&w.inspectorID, "inspector", auth.RoleStaff}, {&w.contID, "contact", auth.RoleMember}} {
			id, err := user.Create(ctx, tx, p.who+"@"+slug+".test", strings.ToUpper(p.who[:1])+p.who[1:]+" Person", "x")
			if err != nil {
				return err
			}
			if err := user.AddMember(ctx, tx, w.tenantID, id, p.role); err != nil {
				return err
			}
			*p.id = id
		}
		var err error
		if w.reviewID, err = review.Create(ctx, tx, w.tenantID, w.leadID, review.Review{Title: "Review in " + slug}); err != nil {
			return err
		}
		v := review.StartForLifeVocabulary()
		v.TeamRoles = append(v.TeamRoles, "Head of Early Help")
		return review.SeedVocabulary(ctx, tx, w.tenantID, w.reviewID, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// app runs fn as the application role, in the world's tenant.
func (w world) app(t *testing.T, fn func(tx pgx.Tx) error) error {
	t.Helper()
	return db.InTx(context.Background(), w.d.App, db.Scope{TenantID: w.tenantID, UserID: w.leadID}, fn)
}

func (w world) mustApp(t *testing.T, fn func(tx pgx.Tx) error) {
	t.Helper()
	if err := w.app(t, fn); err != nil {
		t.Fatal(err)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestSearchByNameAndCode(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	w := newWorld(t, d, "search")
	ctx := context.Background()
	search := func(q string, limit int) []area.LocalAuthority {
		t.Helper()
		var got []area.LocalAuthority
		w.mustApp(t, func(tx pgx.Tx) error {
			var err error
			got, err = area.Search(ctx, tx, q, limit)
			return err
		})
		return got
	}
	codes := func(list []area.LocalAuthority) string {
		var out []string
		for _, la := range list {
			out = append(out, la.ONSCode)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ q, want string }{
		{"hull", "E06000010,E08000029"}, // and Solihull
		{"  Kingston   UPON hull ", "E06000010"},
		{"City of Bristol", "E06000023"},
		{"county of herefordshire", "E06000019"},
		{"e06000057", "E06000057"},
		{"Sunderland", "E08000024"},
		{"Isle of Wight", "E06000046"},
	} {
		if got := codes(search(c.q, 10)); got != c.want {
			t.Errorf("search %q = %s, want %s", c.q, got, c.want)
		}
	}
	hull := search("upon hull", 10)
	if len(hull) != 1 || hull[0].DisplayName() != "Kingston upon Hull" || hull[0].Region != "Yorkshire and The Humber" ||
		hull[0].Type != area.TypeUnitary || hull[0].DfECode != 810 {
		t.Errorf("hull = %+v", hull)
	}
	// A code prefix finds every authority it starts.
	if got := search("E09", 100); len(got) != 33 {
		t.Errorf("E09 found %d, want the 33 London boroughs", len(got))
	}
	// Names starting with the query come first.
	if got := search("york", 10); len(got) < 2 || got[0].ONSCode != "E06000014" {
		t.Errorf("york = %s, want York first", codes(got))
	}
	if got := search("Durham", 10); codes(got) != "E06000047" {
		t.Errorf("Durham = %s", codes(got))
	}
	for _, q := range []string{"", "   ", "zzz", "%", "_", strings.Repeat("a", area.MaxQuery+1)} {
		if got := search(q, 10); len(got) != 0 {
			t.Errorf("search %q found %s, want nothing", q, codes(got))
		}
	}
	if got := search("shire", 3); len(got) != 3 {
		t.Errorf("limit 3 gave %d", len(got))
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"Kingston upon Hull, City of": "Kingston upon Hull",
		"Herefordshire, County of":    "Herefordshire",
		"County Durham":               "County Durham",
		"Bristol, City of":            "Bristol",
		"Northumberland":              "Northumberland",
	} {
		if got := area.DisplayName(name); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestStatusWords(t *testing.T) {
	t.Parallel()
	a := area.Area{}
	if k, s := a.Status(date(2023, 8, 1)); k != area.NoVisit || s != "No visit scheduled" {
		t.Errorf("no visits: %v %q", k, s)
	}
	a.Visits = []area.Span{{Start: date(2023, 8, 8), End: date(2023, 8, 9)}, {Start: date(2023, 9, 12), End: date(2023, 9, 13)}}
	for _, c := range []struct {
		today time.Time
		kind  area.StatusKind
		want  string
	}{
		{date(2023, 8, 1), area.Scheduled, "Visit scheduled for 8 August 2023"},
		{date(2023, 8, 8), area.InProgress, "Visit in progress"},
		{date(2023, 8, 9), area.InProgress, "Visit in progress"},
		{date(2023, 8, 10), area.Scheduled, "Visit scheduled for 12 September 2023"},
		{date(2023, 9, 14), area.Visited, "Visited"},
	} {
		if k, s := a.Status(c.today); k != c.kind || s != c.want {
			t.Errorf("on %s: %v %q, want %v %q", c.today.Format("2 Jan"), k, s, c.kind, c.want)
		}
	}
	// A visit whose dates are not fixed yet is scheduled, alone or after the others.
	for _, spans := range [][]area.Span{nil, a.Visits} {
		b := area.Area{Visits: spans, NotFixed: 1}
		if k, s := b.Status(date(2023, 9, 14)); k != area.Scheduled || s != "Visit scheduled, dates not fixed yet" {
			t.Errorf("%d dated visits and one not fixed: %v %q", len(spans), k, s)
		}
	}
	// Today is the UK date: 23:30 UTC on 31 July 2023 is already 1 August in London.
	if got := area.Today(time.Date(2023, 7, 31, 23, 30, 0, 0, time.UTC)); !got.Equal(date(2023, 8, 1)) {
		t.Errorf("Today = %s", got)
	}
}

func TestAddListGetRemove(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	w := newWorld(t, d, "areas")
	other := newWorld(t, d, "elsewhere")
	ctx := context.Background()

	var north, sund area.Area
	w.mustApp(t, func(tx pgx.Tx) error {
		var err error
		if north, err = area.Add(ctx, tx, w.tenantID, w.reviewID, "E06000057"); err != nil {
			return err
		}
		sund, err = area.Add(ctx, tx, w.tenantID, w.reviewID, " e08000024 ")
		return err
	})
	if north.Name != "Northumberland" || north.ID == "" || sund.ONSCode != "E08000024" || sund.Name != "Sunderland" {
		t.Fatalf("added %+v and %+v", north, sund)
	}

	// A second add of the same authority finds the first; an unknown code is refused.
	err := w.app(t, func(tx pgx.Tx) error {
		_, err := area.Add(ctx, tx, w.tenantID, w.reviewID, "E06000057")
		return err
	})
	var dup *area.DuplicateError
	if !errors.As(err, &dup) || dup.Error() != "Northumberland is already in this review" {
		t.Fatalf("duplicate add: %v", err)
	}
	err = w.app(t, func(tx pgx.Tx) error {
		_, err := area.Add(ctx, tx, w.tenantID, w.reviewID, "E06999999")
		return err
	})
	if !errors.Is(err, area.ErrUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	var n int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM review_areas WHERE review_id = $1`, w.reviewID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d review areas (%v), want 2", n, err)
	}

	// A visit with a team, and a contact, for Northumberland.
	var memberID, contactMember, visitID string
	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: w.tenantID}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, inspectorate, job_title)
			VALUES ($1, $2, $3, 'inspector', 'Ofsted', 'Early Years Inspector') RETURNING id`, w.tenantID, w.reviewID, w.inspectorID).Scan(&memberID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_members (tenant_id, review_id, user_id, role, area_id, job_title)
			VALUES ($1, $2, $3, 'la_contact', $4, 'Head of Early Help') RETURNING id`, w.tenantID, w.reviewID, w.contID, north.ID).Scan(&contactMember); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-08', 2) RETURNING id`,
			w.tenantID, w.reviewID, north.ID).Scan(&visitID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES
			($1, $2, $3, $4, '2023-08-08'), ($1, $2, $3, $4, '2023-08-09')`, w.tenantID, visitID, memberID, w.inspectorID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	var list []area.Area
	w.mustApp(t, func(tx pgx.Tx) error {
		var err error
		list, err = area.List(ctx, tx, w.tenantID, w.reviewID)
		return err
	})
	if len(list) != 2 || list[0].Name != "Northumberland" || list[1].Name != "Sunderland" {
		t.Fatalf("list = %+v", list)
	}
	nl := list[0]
	if len(nl.Visits) != 1 || !nl.Visits[0].Start.Equal(date(2023, 8, 8)) || !nl.Visits[0].End.Equal(date(2023, 8, 9)) ||
		!nl.HasContact() || nl.Region != "North East" || nl.TypeLabel() != "Unitary authority" {
		t.Errorf("Northumberland = %+v", nl)
	}
	if _, s := nl.Status(date(2023, 8, 1)); s != "Visit scheduled for 8 August 2023" {
		t.Errorf("status = %q", s)
	}
	if _, s := nl.Status(date(2023, 8, 10)); s != "Visited" {
		t.Errorf("status after = %q", s)
	}
	if sl := list[1]; len(sl.Visits) != 0 || sl.HasContact() {
		t.Errorf("Sunderland = %+v", sl)
	}

	var visits []area.Visit
	var contacts []area.Contact
	w.mustApp(t, func(tx pgx.Tx) error {
		var err error
		if visits, err = area.Visits(ctx, tx, w.tenantID, w.reviewID, north.ID); err != nil {
			return err
		}
		contacts, err = area.Contacts(ctx, tx, w.tenantID, w.reviewID, north.ID)
		return err
	})
	if len(visits) != 1 || len(visits[0].Team) != 1 || visits[0].Team[0].Name != "Inspector Person" ||
		visits[0].Team[0].JobTitle != "Early Years Inspector" || len(visits[0].Team[0].Days) != 2 {
		t.Errorf("visits = %+v", visits)
	}
	if len(contacts) != 1 || contacts[0].Name != "Contact Person" || contacts[0].JobTitle != "Head of Early Help" {
		t.Errorf("contacts = %+v", contacts)
	}

	// Removing an area with a visit and a contact is refused, naming them.
	err = w.app(t, func(tx pgx.Tx) error {
		_, err := area.Remove(ctx, tx, w.tenantID, w.reviewID, north.ID)
		return err
	})
	var inUse *area.InUseError
	if !errors.As(err, &inUse) || inUse.Visits != 1 || len(inUse.Contacts) != 1 ||
		inUse.Reason() != "You cannot remove Northumberland because it has 1 visit and a local authority contact (Contact Person). Remove them from the area first." {
		t.Fatalf("remove in use: %v", err)
	}
	// A pending contact invitation holds an area too.
	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: w.tenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO review_member_invites (tenant_id, review_id, email, name, role, area_id)
			VALUES ($1, $2, 'new@areas.test', 'New', 'la_contact', $3)`, w.tenantID, w.reviewID, sund.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = w.app(t, func(tx pgx.Tx) error {
		_, err := area.Remove(ctx, tx, w.tenantID, w.reviewID, sund.ID)
		return err
	})
	if !errors.As(err, &inUse) || len(inUse.Invites) != 1 || !strings.Contains(inUse.Reason(), "new@areas.test") {
		t.Fatalf("remove with an invitation: %v", err)
	}
	if _, err := d.Super.Exec(ctx, `DELETE FROM review_member_invites WHERE review_id = $1`, w.reviewID); err != nil {
		t.Fatal(err)
	}

	// Another review's (or tenant's) area is not found through this review.
	var otherArea area.Area
	err = db.InTx(ctx, d.App, db.Scope{TenantID: other.tenantID}, func(tx pgx.Tx) error {
		var err error
		otherArea, err = area.Add(ctx, tx, other.tenantID, other.reviewID, "E06000047")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(tx pgx.Tx) error{
		"get other tenant's": func(tx pgx.Tx) error {
			_, err := area.Get(ctx, tx, w.tenantID, w.reviewID, otherArea.ID)
			return err
		},
		"get as other tenant": func(tx pgx.Tx) error {
			_, err := area.Get(ctx, tx, other.tenantID, other.reviewID, otherArea.ID) // RLS: the scope is w's tenant
			return err
		},
		"remove other tenant's": func(tx pgx.Tx) error {
			_, err := area.Remove(ctx, tx, w.tenantID, w.reviewID, otherArea.ID)
			return err
		},
		"get malformed": func(tx pgx.Tx) error {
			_, err := area.Get(ctx, tx, w.tenantID, w.reviewID, "not-a-uuid")
			return err
		},
	} {
		if err := w.app(t, fn); !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}

	// A free area goes.
	var removed area.Area
	w.mustApp(t, func(tx pgx.Tx) error {
		var err error
		removed, err = area.Remove(ctx, tx, w.tenantID, w.reviewID, sund.ID)
		return err
	})
	if removed.Name != "Sunderland" {
		t.Errorf("removed %+v", removed)
	}
	w.mustApp(t, func(tx pgx.Tx) error {
		var err error
		list, err = area.List(ctx, tx, w.tenantID, w.reviewID)
		return err
	})
	if len(list) != 1 || list[0].ID != north.ID {
		t.Errorf("after removing, list = %+v", list)
	}
}
