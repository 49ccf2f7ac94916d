package loadbase_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/db/dbtest"
	"thematic/internal/loadbase"
)

func post(t *testing.T, base string, f url.Values) (int, string) {
	t.Helper()
	res, err := http.Post(base, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The bare tables have the product's shape (columns, defaults, generated search vector, indexes)
// and none of its triggers, policies or foreign keys; the bare handler, as the application role,
// stores one note per request with its action-area links, once per author's key.
func TestBareHandlerStoresOneNoteWithItsLinks(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := loadbase.Prepare(ctx, d.OwnerURL); err != nil {
		t.Fatal(err)
	}
	if err := loadbase.Prepare(ctx, d.OwnerURL); err != nil { // each run makes them afresh
		t.Fatalf("second prepare: %v", err)
	}
	var sameColumns, sameIndexes bool
	var triggers, policies, fkeys int
	if err := d.Super.QueryRow(ctx, `
		WITH c AS (SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression
			FROM information_schema.columns WHERE table_schema = 'public')
		SELECT
			(SELECT array_agg(row(column_name, data_type, is_nullable, column_default, generation_expression) ORDER BY column_name)
				FROM c WHERE table_name = 'evidence_notes') =
			(SELECT array_agg(row(column_name, data_type, is_nullable, column_default, generation_expression) ORDER BY column_name)
				FROM c WHERE table_name = 'bench_notes'),
			(SELECT count(*) FROM pg_indexes WHERE tablename = 'evidence_notes') =
				(SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_notes')
			AND (SELECT count(*) FROM pg_indexes WHERE tablename = 'evidence_note_action_areas') =
				(SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_note_action_areas'),
			(SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('bench_notes'::regclass, 'bench_note_action_areas'::regclass)),
			(SELECT count(*) FROM pg_policy WHERE polrelid IN ('bench_notes'::regclass, 'bench_note_action_areas'::regclass)),
			(SELECT count(*) FROM pg_constraint WHERE contype = 'f'
				AND conrelid IN ('bench_notes'::regclass, 'bench_note_action_areas'::regclass))`).Scan(
		&sameColumns, &sameIndexes, &triggers, &policies, &fkeys); err != nil {
		t.Fatal(err)
	}
	if !sameColumns || !sameIndexes || triggers != 0 || policies != 0 || fkeys != 0 {
		t.Fatalf("bare tables: same columns %v, same index count %v, %d triggers, %d policies, %d foreign keys",
			sameColumns, sameIndexes, triggers, policies, fkeys)
	}

	ts := httptest.NewServer(loadbase.BareHandler(d.App))
	t.Cleanup(ts.Close)
	const tenant, review, author = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
		"33333333-3333-4333-8333-333333333333"
	form := func(key, body string) url.Values {
		return url.Values{"tenant_id": {tenant}, "review_id": {review}, "visit_id": {"44444444-4444-4444-8444-444444444444"},
			"area_id": {"55555555-5555-4555-8555-555555555555"}, "author_id": {author},
			"source_id": {"66666666-6666-4666-8666-666666666666"}, "note_date": {"2026-11-24"}, "body": {body},
			"judgement": {"strength"}, "idempotency_key": {key},
			"action_area_id": {"77777777-7777-4777-8777-777777777777", "88888888-8888-4888-8888-888888888888"}}
	}
	for i, f := range []url.Values{form("k1", "Parents at the hub praised the timetable."),
		form("k2", "Fathers rarely attended the groups."), form("k1", "A repeated key.")} {
		if status, body := post(t, ts.URL, f); status != http.StatusNoContent {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	var notes, links, linked, searchable int
	if err := d.Super.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM bench_note_action_areas),
			(SELECT count(DISTINCT note_id) FROM bench_note_action_areas l JOIN bench_notes n ON n.tenant_id = l.tenant_id
				AND n.id = l.note_id AND n.review_id = l.review_id),
			count(*) FILTER (WHERE search = to_tsvector('english', body) AND search @@ to_tsquery('english', 'timetable'))
		FROM bench_notes WHERE tenant_id = $1 AND author_id = $2 AND judgement = 'strength'`, tenant, author).Scan(
		&notes, &links, &linked, &searchable); err != nil {
		t.Fatal(err)
	}
	if notes != 2 || links != 4 || linked != 2 || searchable != 1 {
		t.Errorf("stored %d notes, %d links on %d notes, %d with the searched word; want 2, 4, 2, 1", notes, links, linked, searchable)
	}

	bad := form("k3", "A note.")
	bad.Set("tenant_id", "not an id")
	if status, _ := post(t, ts.URL, bad); status != http.StatusBadRequest {
		t.Errorf("malformed tenant: %d, want 400", status)
	}
	bad = form("k4", "")
	if status, _ := post(t, ts.URL, bad); status != http.StatusBadRequest {
		t.Errorf("empty body (the table's check): %d, want 400", status)
	}
}
