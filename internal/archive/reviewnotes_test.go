package archive_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/archive"
)

// notesFacts are a review's notes and threads as text, their targets by what they name.
func (w *world) notesFacts(reviewID string) string {
	w.t.Helper()
	var s string
	err := w.super.QueryRow(w.ctx, `SELECT coalesce(string_agg(concat_ws(' | ', n.number, n.target_kind,
			coalesce(n.section_key, '-'), coalesce(f.body, x.body, r.body, '-'), n.target_label, n.body, n.status, ru.email, n.raised_at,
			au.email, n.addressed_at, cu.email, n.cleared_at,
			(SELECT string_agg(concat_ws(' / ', t.action, t.body, tu.email, t.created_at), '; ' ORDER BY t.created_at)
				FROM review_note_replies t JOIN users tu ON tu.id = t.created_by WHERE t.note_id = n.id)), E'\n' ORDER BY n.number), '')
		FROM review_notes n
		JOIN users ru ON ru.id = n.raised_by
		LEFT JOIN users au ON au.id = n.addressed_by
		LEFT JOIN users cu ON cu.id = n.cleared_by
		LEFT JOIN findings f ON f.tenant_id = n.tenant_id AND f.id = n.finding_id
		LEFT JOIN practice_examples x ON x.tenant_id = n.tenant_id AND x.id = n.example_id
		LEFT JOIN recommendations r ON r.tenant_id = n.tenant_id AND r.id = n.recommendation_id
		WHERE n.review_id = $1`, reviewID).Scan(&s)
	if err != nil {
		w.t.Fatal(err)
	}
	// A section key names the copy's own action area: say which by its title.
	return strings.NewReplacer(w.areaIDsOf(reviewID)...).Replace(s)
}

// areaIDsOf maps the review's action area ids to their titles.
func (w *world) areaIDsOf(reviewID string) []string {
	w.t.Helper()
	rows, err := w.super.Query(w.ctx, `SELECT id::text, title FROM action_areas WHERE review_id = $1`, reviewID)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, id, title)
	}
	return out
}

// TestReviewNotesRoundTrip: review notes and their threads go into the archive, with targets as
// refs, and come back the same in a copy, in the same tenant and another; exporting the copy gives
// the same file.
func TestReviewNotesRoundTrip(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.secondReview()
	w.tx(w.tenant, func(tx pgx.Tx) error {
		exec := func(sql string, args ...any) {
			t.Helper()
			if _, err := tx.Exec(w.ctx, sql, args...); err != nil {
				t.Fatalf("%v\n%s", err, sql)
			}
		}
		var insp string
		if err := tx.QueryRow(w.ctx, `SELECT id::text FROM users WHERE email = 'inspector@demo.test'`).Scan(&insp); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO review_notes (tenant_id, review_id, number, target_kind, finding_id, target_label, body, status, raised_by,
				raised_at, addressed_by, addressed_at, cleared_by, cleared_at, idempotency_key)
			SELECT $1, $2, 1, 'finding', f.id, 'Finding: Partners plan', 'How many areas?', 'cleared', $3, '2025-03-26T09:00:00Z',
				$4, '2025-03-27T09:00:00Z', $3, '2025-03-28T09:00:00Z', 'rn-1' FROM findings f WHERE f.review_id = $2`, w.tenant, id, insp, w.lead)
		exec(`INSERT INTO review_notes (tenant_id, review_id, number, target_kind, section_key, target_label, body, raised_by, raised_at,
				idempotency_key)
			SELECT $1, $2, 2, 'section', 'area:' || a.id, a.title, 'The quote needs its source.', $3, '2025-03-26T10:00:00Z', 'rn-2'
			FROM action_areas a WHERE a.review_id = $2 AND a.position = 1`, w.tenant, id, insp)
		exec(`INSERT INTO review_notes (tenant_id, review_id, number, target_kind, recommendation_id, target_label, body, status,
				raised_by, raised_at, addressed_by, addressed_at, idempotency_key)
			SELECT $1, $2, 3, 'recommendation', r.id, 'Recommendation 1: Share records.', 'Who shares with whom?', 'addressed', $3,
				'2025-03-26T11:00:00Z', $4, '2025-03-27T11:00:00Z', 'rn-3' FROM recommendations r WHERE r.review_id = $2`, w.tenant, id, insp, w.lead)
		// A note on an example deleted since.
		exec(`INSERT INTO review_notes (tenant_id, review_id, number, target_kind, target_label, body, raised_by, raised_at, idempotency_key)
			VALUES ($1, $2, 4, 'example', 'Good practice example: gone', 'Is this still in?', $3, '2025-03-26T12:00:00Z', 'rn-4')`, w.tenant, id, insp)
		exec(`INSERT INTO review_note_replies (tenant_id, note_id, action, body, created_by, created_at, idempotency_key)
			SELECT $1, n.id, v.action, v.body, v.by::uuid, v.at::timestamptz, 'rr-' || n.number || v.action
			FROM review_notes n, (VALUES ('reply', 'In four.', $3, '2025-03-26T15:00:00Z'), ('addressed', '', $3, '2025-03-27T09:00:00Z'),
				('cleared', 'Thanks.', $4, '2025-03-28T09:00:00Z')) AS v(action, body, by, at)
			WHERE n.review_id = $2 AND n.number = 1`, w.tenant, id, w.lead, insp)
		return nil
	})
	want := w.notesFacts(id)
	if strings.Count(want, "\n") != 3 || !strings.Contains(want, "reply / In four.") {
		t.Fatalf("the notes to export:\n%s", want)
	}
	first := w.export(w.tenant, id)
	a, err := archive.Parse(first)
	if err != nil {
		t.Fatalf("the archive is not valid: %v", err)
	}
	if len(a.ReviewNotes) != 4 || len(a.ReviewNotes[0].Thread) != 3 || a.ReviewNotes[3].Target != nil ||
		a.ReviewNotes[0].Target == nil || !strings.HasPrefix(*a.ReviewNotes[0].Target, "finding-") ||
		a.ReviewNotes[1].Target == nil || !strings.HasPrefix(*a.ReviewNotes[1].Target, "area:action-area-") {
		t.Fatalf("the archive's notes: %+v", a.ReviewNotes)
	}
	for _, target := range []struct{ name, tenant string }{{"same tenant", w.tenant}, {"another tenant", w.other}} {
		res, err := w.importInto(target.tenant, first, "")
		if err != nil {
			t.Fatalf("%s: import: %v", target.name, err)
		}
		if res.Counts.ReviewNotes != 4 {
			t.Errorf("%s: %d notes imported", target.name, res.Counts.ReviewNotes)
		}
		if got := w.notesFacts(res.ReviewID); got != want {
			t.Errorf("%s: the notes differ:\ncopy:\n%s\noriginal:\n%s", target.name, got, want)
		}
		second := w.export(target.tenant, res.ReviewID)
		sameArchive(t, first, second, `"title":"Youth justice partnerships (imported)"`, `"title":"Youth justice partnerships"`)
	}
	// A note naming a finding the archive does not have is refused with its path.
	bad := jsonOf(t, edit(t, first, func(m map[string]any) {
		m["review_notes"].([]any)[0].(map[string]any)["target"] = "finding-99"
	}))
	if _, err := archive.Parse(bad); err == nil || !strings.Contains(err.Error(), "review_notes[0].target") {
		t.Errorf("a note on an unknown finding: %v", err)
	}
}
