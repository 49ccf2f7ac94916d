package evidence_test

import (
	"context"
	"testing"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// TestMigrationRepairsOldAuditEntries: migration 00027 gives the entries written before the fixes
// their actor's email, and withholds the themes of a concern's entries that withhold its text
// (not those written while the note was ordinary evidence, which showed the text too).
func TestMigrationRepairsOldAuditEntries(t *testing.T) {
	t.Parallel()
	s := newConcernSet(t, "sg-repair")
	f, ctx := s.f, context.Background()
	var nameless, withheld, clear int64
	f.must(f.d.Super.QueryRow(ctx, `WITH e AS (INSERT INTO audit_log (tenant_id, actor_id, actor_email, action, object_type, object_id, before, after)
		VALUES ($1, $2, '', 'evidence.deleted', 'evidence_note', $4, '{"deleted": false}', '{"deleted": true}'),
			($1, $2, '', 'evidence.created', 'evidence_note', $3, NULL, jsonb_build_object('body', $5::text, 'tags', '["Mill Lane"]'::jsonb)),
			($1, $2, 'author@sg-repair.test', 'evidence.updated', 'evidence_note', $3, '{"body": "Before", "tags": []}', '{"body": "After", "tags": ["Mill Lane"]}')
		RETURNING id)
		SELECT min(id), min(id) + 1, min(id) + 2 FROM e`, f.tenant, f.author, s.concern, s.plain, evidence.Withheld).
		Scan(&nameless, &withheld, &clear))
	m, err := db.NewMigrator(f.d.OwnerURL)
	f.must(err)
	defer m.Close()
	// Back to before 00027 (and whatever came after it), then up again.
	if _, err := m.DownTo(ctx, 26); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	entry := func(id int64) (email, after string) {
		f.must(f.d.Super.QueryRow(ctx, `SELECT actor_email, after::text FROM audit_log WHERE id = $1`, id).Scan(&email, &after))
		return email, after
	}
	if email, _ := entry(nameless); email != "author@sg-repair.test" {
		t.Errorf("entry without an email: now %q", email)
	}
	if email, after := entry(withheld); email != "author@sg-repair.test" || after != `{"body": "`+evidence.Withheld+`", "tags": "`+evidence.Withheld+`"}` {
		t.Errorf("concern's entry: %q %s", email, after)
	}
	if _, after := entry(clear); after != `{"body": "After", "tags": ["Mill Lane"]}` {
		t.Errorf("entry of the note while ordinary: %s", after)
	}
}
