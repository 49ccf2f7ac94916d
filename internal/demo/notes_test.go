package demo_test

import (
	"context"
	"testing"

	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/evidence"
)

// wantNotes is the number of notes written in notes.go.
const wantNotes = 150

// TestDemoNotes checks the demo review's evidence notes: how many, spread over every area and
// action area with at least one thin cell, every source used, each dated within its visit and
// written by a member of the visit's team on site that day, none flagged by the personal data
// guard, and seeding twice adds nothing.
func TestDemoNotes(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := demo.Seed(ctx, d.Owner); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := d.Super.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if got := demo.NoteCount(); got != wantNotes {
		t.Errorf("notes written: %d, want %d", got, wantNotes)
	}
	checks := []struct {
		what string
		sql  string
		want int
	}{
		{"notes", `SELECT count(*) FROM evidence_notes`, wantNotes},
		{"distinct keys", `SELECT count(DISTINCT idempotency_key) FROM evidence_notes WHERE idempotency_key LIKE 'demo-note-%'`, wantNotes},
		// A key is its number and 128 random bits (crypto/rand.Text): not to be guessed.
		{"guessable keys", `SELECT count(*) FROM evidence_notes WHERE idempotency_key !~ '^demo-note-[0-9]{3}-[A-Z2-7]{26}$'`, 0},
		{"sources used", `SELECT count(DISTINCT source_id) FROM evidence_notes`, 7},
		{"sources of the review", `SELECT count(*) FROM evidence_sources`, 7},
		{"roles used", `SELECT count(DISTINCT role_id) FROM evidence_notes`, 6},
		{"notes outside their visit", `SELECT count(*) FROM evidence_notes n JOIN visits v ON v.id = n.visit_id
			WHERE n.note_date < v.start_date OR n.note_date > v.start_date + v.days - 1 OR n.area_id <> v.area_id`, 0},
		{"notes by someone not on site that day", `SELECT count(*) FROM evidence_notes n WHERE NOT EXISTS (
			SELECT 1 FROM visit_days vd WHERE vd.visit_id = n.visit_id AND vd.user_id = n.author_id AND vd.day = n.note_date)`, 0},
		{"notes without an action area", `SELECT count(*) FROM evidence_notes n WHERE NOT EXISTS (
			SELECT 1 FROM evidence_note_action_areas a WHERE a.note_id = n.id)`, 0},
		{"notes with more than 2 action areas", `SELECT count(*) FROM (SELECT note_id FROM evidence_note_action_areas GROUP BY 1 HAVING count(*) > 2) x`, 0},
		{"notes with more than 2 lines", `SELECT count(*) FROM (SELECT note_id FROM evidence_note_lines GROUP BY 1 HAVING count(*) > 2) x`, 0},
		{"notes without a tag", `SELECT count(*) FROM evidence_notes n WHERE NOT EXISTS (
			SELECT 1 FROM evidence_note_tags g WHERE g.note_id = n.id)`, 0},
		{"areas × action areas without a note", `SELECT count(*) FROM review_areas ra CROSS JOIN action_areas aa WHERE NOT EXISTS (
			SELECT 1 FROM evidence_notes n JOIN evidence_note_action_areas na ON na.note_id = n.id
			WHERE n.area_id = ra.id AND na.action_area_id = aa.id)`, 0},
		{"judgements used", `SELECT count(DISTINCT judgement) FROM evidence_notes`, 3},
		{"safeguarding notes", `SELECT count(*) FROM evidence_notes WHERE safeguarding`, 0},
	}
	for _, c := range checks {
		if got := count(c.sql); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	thin := count(`SELECT count(*) FROM (SELECT n.area_id, na.action_area_id FROM evidence_notes n
		JOIN evidence_note_action_areas na ON na.note_id = n.id GROUP BY 1, 2 HAVING count(*) = 1) x`)
	if thin < 1 {
		t.Errorf("no area × action area cell has exactly one note; want at least one thin cell")
	}
	if gp := count(`SELECT count(*) FROM evidence_notes WHERE good_practice`); gp < 10 || gp > 20 {
		t.Errorf("good-practice candidates: %d, want about 15", gp)
	}
	if fw := count(`SELECT count(*) FROM evidence_notes WHERE family_words`); fw < 15 || fw > 25 {
		t.Errorf("notes with a family's own words: %d, want about 20", fw)
	}
	perArea := count(`SELECT min(c) FROM (SELECT count(*) AS c FROM evidence_notes GROUP BY area_id) x`)
	if perArea < 20 {
		t.Errorf("fewest notes in an area: %d, want about 25", perArea)
	}
	rows, err := d.Super.Query(ctx, `SELECT name FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(append([]demo.Person{}, demo.People...), demo.Inspectors...) {
		names = append(names, p.Name)
	}
	for i, text := range demo.NoteTexts() {
		if f := evidence.Scan(text, names); len(f) > 0 {
			t.Errorf("note %d flagged by the personal data guard: %+v", i+1, f)
		}
	}
}
