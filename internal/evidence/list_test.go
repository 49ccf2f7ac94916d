package evidence_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/db/dbtest"
	"thematic/internal/evidence"
	"thematic/internal/review"
)

func (f *fixture) list(r rev, flt evidence.Filter) evidence.Page {
	f.t.Helper()
	var p evidence.Page
	f.must(f.tx(func(tx pgx.Tx) error {
		var err error
		p, err = evidence.List(context.Background(), tx, f.tenant, r.id, flt)
		return err
	}))
	return p
}

func (f *fixture) mustCreate(r rev, in evidence.NoteInput) string {
	f.t.Helper()
	id, _, err := f.create(r, in)
	f.must(err)
	return id
}

func ids(p evidence.Page) []string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// listSet is a review with five visible notes of known shape, one deleted, one safeguarding, and
// another tenant's note with the same words.
type listSet struct {
	f                  *fixture
	r                  rev
	area2, visit2      string
	a, b, c, d, e      string
	deleted, safeguard string
}

func newListSet(t *testing.T) listSet {
	d := dbtest.New(t)
	f := newFixture(t, d, "list")
	r := f.review("Start for Life", "E06000057")
	s := listSet{f: f, r: r}
	ctx := context.Background()
	f.must(f.tx(func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E08000024') RETURNING id`,
			f.tenant, r.id).Scan(&s.area2)
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
				VALUES ($1, $2, $3, '2023-09-10', 1) RETURNING id`, f.tenant, r.id, s.area2).Scan(&s.visit2)
		}
		return err
	}))
	in := r.input("a", "Parents valued the breastfeeding café; breastfeeding support was praised, breastfeeding rates rose.")
	in.NoteDate = "2023-08-01"
	s.a = f.mustCreate(r, in)

	in = r.input("b", "The health visitor described long waits for housing support.")
	in.SourceID, in.RoleID = r.interview, r.role
	in.Judgement, in.GoodPractice, in.FamilyWords = evidence.Development, false, false
	in.ActionAreas, in.Lines, in.Tags = nil, nil, []string{"Housing"}
	s.b = f.mustCreate(r, in)

	in = r.input("c", "Fathers were rarely mentioned in the hub's breastfeeding leaflets.")
	in.Judgement, in.Tags, in.Lines = evidence.Neutral, []string{"Fathers"}, nil
	s.c = f.mustCreate(r, in)

	in = r.input("d", "A second area: the family hub opened on Saturdays.")
	in.VisitID, in.NoteDate, in.ActionAreas, in.Tags = s.visit2, "2023-09-10", nil, nil
	s.d = f.mustCreate(r, in)

	in = r.input("e", "=HYPERLINK(\"http://evil.test\") plus a line\nwith \"quotes\", and commas")
	in.Judgement, in.Tags, in.GoodPractice = evidence.Neutral, nil, false
	s.e = f.mustCreate(r, in)

	s.deleted = f.mustCreate(r, r.input("del", "Deleted breastfeeding note"))
	f.must(f.tx(func(tx pgx.Tx) error {
		return evidence.SoftDelete(ctx, tx, f.tenant, r.id, s.deleted, f.author)
	}))
	in = r.input("safe", "Safeguarding breastfeeding disclosure")
	in.Safeguarding = true
	s.safeguard = f.mustCreate(r, in)

	other := newFixture(t, d, "other")
	or := other.review("Other review", "E06000057")
	other.mustCreate(or, or.input("x", "Other tenant breastfeeding note"))
	return s
}

func TestListFiltersEachField(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f, r := s.f, s.r
	all := sorted(s.a, s.b, s.c, s.d, s.e)
	yes, no := true, false
	d := func(s string) *time.Time {
		t, _ := time.Parse("2006-01-02", s)
		return &t
	}
	cases := []struct {
		name string
		flt  evidence.Filter
		want []string
	}{
		{"none", evidence.Filter{}, all},
		{"area", evidence.Filter{AreaIDs: []string{s.area2}}, []string{s.d}},
		{"visit", evidence.Filter{VisitID: r.visit}, sorted(s.a, s.b, s.c, s.e)},
		{"action area", evidence.Filter{ActionAreaID: r.actionArea}, sorted(s.a, s.c, s.e)},
		{"line", evidence.Filter{LineID: r.line}, sorted(s.a, s.d, s.e)},
		{"tag any case", evidence.Filter{Tag: "HOUSING"}, []string{s.b}},
		{"source", evidence.Filter{SourceID: r.interview}, []string{s.b}},
		{"judgement", evidence.Filter{Judgement: evidence.Development}, []string{s.b}},
		{"good practice", evidence.Filter{GoodPractice: &yes}, sorted(s.a, s.c, s.d)},
		{"not good practice", evidence.Filter{GoodPractice: &no}, sorted(s.b, s.e)},
		{"author", evidence.Filter{AuthorID: f.author}, all},
		{"from", evidence.Filter{From: d("2023-08-02")}, sorted(s.b, s.c, s.d, s.e)},
		{"to", evidence.Filter{To: d("2023-08-01")}, []string{s.a}},
		{"combined", evidence.Filter{VisitID: r.visit, Judgement: evidence.Neutral, Tag: "fathers"}, []string{s.c}},
	}
	for _, c := range cases {
		if got := ids(f.list(r, c.flt)); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	p := f.list(r, evidence.Filter{})
	if p.Next != "" {
		t.Errorf("one page only, yet Next = %q", p.Next)
	}
	for _, row := range p.Rows {
		if row.ID == s.b {
			if row.AreaName == "" || row.SourceName != "Interview with a professional" || row.RoleName != "Midwife" ||
				row.AuthorName != "Ann Author" || row.Judgement != evidence.Development || len(row.ActionAreas) != 0 ||
				!slices.Equal(row.Tags, []string{"Housing"}) || row.VisitStart.Format("2006-01-02") != "2023-08-01" {
				t.Errorf("row b = %+v", row)
			}
		}
		if row.ID == s.a && (!slices.Equal(row.ActionAreas, []string{"A welcoming hub for families"}) || len(row.Tags) != 2) {
			t.Errorf("row a links = %v %v", row.ActionAreas, row.Tags)
		}
	}
	// Newest first.
	if p.Rows[0].ID != s.e || p.Rows[len(p.Rows)-1].ID != s.a {
		t.Errorf("order: first %s last %s", p.Rows[0].ID, p.Rows[len(p.Rows)-1].ID)
	}
}

func TestListSearchNewestFirstAndHighlights(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	p := s.f.list(s.r, evidence.Filter{Query: "breastfeeding"})
	if got, want := ids(p), sorted(s.a, s.c); !slices.Equal(got, want) {
		t.Fatalf("search found %v, want %v (never deleted, safeguarding or another tenant's)", got, want)
	}
	// Newest first, as without a search: c was written after a.
	if p.Rows[0].ID != s.c || p.Rows[1].ID != s.a {
		t.Errorf("search order: %s then %s, want c then a", p.Rows[0].ID, p.Rows[1].ID)
	}
	var marked []string
	for _, seg := range p.Rows[1].Excerpt {
		if seg.Mark {
			marked = append(marked, seg.Text)
		}
		if strings.ContainsAny(seg.Text, "\x01\x02") || strings.Contains(seg.Text, "<b>") {
			t.Errorf("delimiter left in segment %q", seg.Text)
		}
	}
	if len(marked) == 0 || !strings.EqualFold(marked[0], "breastfeeding") {
		t.Errorf("marked = %q in %+v", marked, p.Rows[1].Excerpt)
	}
	if p := s.f.list(s.r, evidence.Filter{Query: `"housing support" -fathers`}); !slices.Equal(ids(p), []string{s.b}) {
		t.Errorf("websearch syntax: got %v", ids(p))
	}
}

func TestSegments(t *testing.T) {
	t.Parallel()
	got := evidence.Segments("a \x01b\x02 <i>c\x01d\x02")
	want := []evidence.Segment{{"a ", false}, {"b", true}, {" <i>c", false}, {"d", true}}
	if !slices.Equal(got, want) {
		t.Errorf("Segments = %+v", got)
	}
}

func TestListKeysetPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "pages")
	r := f.review("Start for Life", "E06000057")
	var want []string
	for i := range 11 {
		want = append(want, f.mustCreate(r, r.input(fmt.Sprintf("k%d", i), fmt.Sprintf("Note %d about family hubs %s", i, strings.Repeat("hub ", i%4)))))
	}
	slices.Sort(want)
	for _, q := range []string{"", "hub"} {
		seen := map[string]int{}
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("q=%q: too many pages", q)
			}
			p := f.list(r, evidence.Filter{Query: q, After: after, Limit: 3})
			if len(p.Rows) > 3 {
				t.Fatalf("page of %d rows", len(p.Rows))
			}
			for _, row := range p.Rows {
				seen[row.ID]++
				got = append(got, row.ID)
			}
			if p.Next == "" {
				break
			}
			// The cursor survives a round trip through a URL and ParseFilter.
			v := url.Values{"after": {p.Next}, "q": {q}}
			flt, errs := evidence.ParseFilter(v)
			if errs.Any() {
				t.Fatalf("cursor refused: %v", errs.List())
			}
			after = flt.After
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("q=%q: pages gave %d notes, want %d", q, len(got), len(want))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("q=%q: %s seen %d times", q, id, n)
			}
		}
	}
}

func TestParseFilterRefusesBadValues(t *testing.T) {
	t.Parallel()
	v := url.Values{"area": {"nope"}, "visit": {"x"}, "judgement": {"great"}, "good-practice": {"maybe"},
		"from-day": {"31"}, "from-month": {"2"}, "from-year": {"2023"}, "after": {"garbage"}, "limit": {"1000"}}
	_, errs := evidence.ParseFilter(v)
	for _, field := range []string{"area", "visit", "judgement", "good-practice", "from", "after", "limit"} {
		if !errs.Has(field) {
			t.Errorf("no error for %s", field)
		}
	}
	good := url.Values{"area": {"0b6f4bd8-9c56-4b2f-a6e2-3f2f6c9a1c11"}, "judgement": {"strength"}, "good-practice": {"yes"},
		"from-day": {"1"}, "from-month": {"8"}, "from-year": {"2023"}, "q": {"hub"}, "tag": {"Fathers"}}
	flt, errs := evidence.ParseFilter(good)
	if errs.Any() {
		t.Fatalf("errors: %v", errs.List())
	}
	if got := flt.Values(); got.Encode() != good.Encode() {
		t.Errorf("round trip: %s, want %s", got.Encode(), good.Encode())
	}
}

func TestExportCSVStreamsSafeRows(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	var buf bytes.Buffer
	s.f.must(s.f.tx(func(tx pgx.Tx) error {
		return evidence.ExportCSV(context.Background(), tx, s.f.tenant, s.r.id, evidence.Filter{VisitID: s.r.visit, Limit: 1}, &buf)
	}))
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], evidence.CSVHeader) {
		t.Errorf("header = %v", recs[0])
	}
	if len(recs) != 5 { // header + a, b, c, e (no limit; not the other visit, deleted, safeguarding)
		t.Fatalf("%d records: %v", len(recs), recs)
	}
	text := recs[1][12]
	if !strings.HasPrefix(text, "'=HYPERLINK(") || !strings.Contains(text, "\nwith \"quotes\", and commas") {
		t.Errorf("formula cell = %q", text)
	}
	last := recs[4]
	if last[0] != "2023-08-01" || last[6] != "Strength" || last[7] != "Yes" || last[9] != "A welcoming hub for families" ||
		last[10] != "How do families find services?" || last[11] != "fathers; Infant feeding" {
		t.Errorf("row a = %q", last)
	}
	for _, c := range []string{"=1+1", "+1", "-1", "@SUM(A1)"} {
		if got := evidence.SafeCell(c); got != "'"+c {
			t.Errorf("SafeCell(%q) = %q", c, got)
		}
	}
	if evidence.SafeCell("plain") != "plain" {
		t.Error("plain text changed")
	}
}

// counting counts the statements and batches sent through it.
type counting struct {
	pgx.Tx
	statements, batches int
}

func (c *counting) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.statements++
	return c.Tx.Query(ctx, sql, args...)
}

func (c *counting) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.statements++
	return c.Tx.QueryRow(ctx, sql, args...)
}

func (c *counting) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.statements++
	return c.Tx.Exec(ctx, sql, args...)
}

func (c *counting) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c.batches++
	return c.Tx.SendBatch(ctx, b)
}

// The list page costs one statement for the notes and one for the form, however many notes.
func TestListAndChoicesStatementCount(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	s.f.must(s.f.tx(func(tx pgx.Tx) error {
		ctx := context.Background()
		for _, flt := range []evidence.Filter{{}, {Query: "breastfeeding", Tag: "fathers", ActionAreaID: s.r.actionArea}} {
			c := &counting{Tx: tx}
			p, err := evidence.List(ctx, c, s.f.tenant, s.r.id, flt)
			if err != nil {
				return err
			}
			if c.statements != 1 || c.batches != 0 || len(p.Rows) == 0 {
				t.Errorf("List %+v: %d statements, %d batches, %d rows", flt, c.statements, c.batches, len(p.Rows))
			}
		}
		c := &counting{Tx: tx}
		o, err := evidence.FilterChoices(ctx, c, s.f.tenant, s.r.id)
		if err != nil {
			return err
		}
		if c.statements != 1 || c.batches != 0 {
			t.Errorf("FilterChoices: %d statements, %d batches", c.statements, c.batches)
		}
		if o.ReviewTitle != "Start for Life" || len(o.Areas) != 2 || len(o.Visits) != 2 || len(o.ActionAreas) != 1 ||
			len(o.Lines) != 1 || len(o.Sources) != len(review.GeneralVocabulary("").Sources) || len(o.Authors) != 1 || len(o.Tags) != 3 {
			t.Errorf("choices = %+v", o)
		}
		return nil
	}))
}

// TestListPagesBack: from the last page, the previous links give the same pages as walking
// forward, with and without a search, and the first page has no previous link.
func TestListPagesBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "pagesback")
	r := f.review("Start for Life", "E06000057")
	for i := range 8 {
		f.mustCreate(r, r.input(fmt.Sprintf("k%d", i), fmt.Sprintf("Note %d about family hubs", i)))
	}
	ids := func(p evidence.Page) []string {
		var out []string
		for _, row := range p.Rows {
			out = append(out, row.ID)
		}
		return out
	}
	for _, q := range []string{"", "hub"} {
		var pages []evidence.Page
		p := f.list(r, evidence.Filter{Query: q, Limit: 3})
		if p.Prev != "" {
			t.Errorf("q=%q: the first page has a previous link", q)
		}
		for {
			pages = append(pages, p)
			if p.Next == "" || len(pages) > 5 {
				break
			}
			p = f.list(r, evidence.Filter{Query: q, After: p.Next, Limit: 3})
		}
		if len(pages) != 3 {
			t.Fatalf("q=%q: %d pages of 3 for 8 notes", q, len(pages))
		}
		for i := len(pages) - 1; i > 0; i-- {
			if pages[i].Prev == "" {
				t.Fatalf("q=%q: page %d has no previous link", q, i+1)
			}
			v := url.Values{"before": {pages[i].Prev}, "q": {q}}
			flt, errs := evidence.ParseFilter(v)
			if errs.Any() {
				t.Fatalf("cursor refused: %v", errs.List())
			}
			flt.Limit = 3
			back := f.list(r, flt)
			if !slices.Equal(ids(back), ids(pages[i-1])) {
				t.Errorf("q=%q: back to page %d gave %v, forward %v", q, i, ids(back), ids(pages[i-1]))
			}
			if back.Next == "" || (i-1 == 0) != (back.Prev == "") {
				t.Errorf("q=%q: back on page %d: next %q previous %q", q, i, back.Next, back.Prev)
			}
		}
	}
}
