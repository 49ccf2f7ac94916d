package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db"
)

// VisitNotes is what a visit's page says of its evidence: how much there is, and the latest notes
// of the person reading, so that an inspector on site sees what they have recorded so far.
type VisitNotes struct {
	Total  int        // notes in the evidence base (not deleted, not safeguarding concerns)
	Mine   int        // the reader's own notes, concerns included
	Latest []MineNote // the reader's latest notes, newest first
}

// MineNote is one of the reader's notes in brief.
type MineNote struct {
	ID           string
	NoteDate     time.Time
	Excerpt      string
	Safeguarding bool
	CreatedAt    time.Time
	Files        int // photos and files attached
}

// latestMine is how many of the reader's notes a visit page lists.
const latestMine = 5

// ForVisit reads a visit's evidence summary for userID in one statement.
func ForVisit(ctx context.Context, q db.Querier, tenantID, visitID, userID string) (VisitNotes, error) {
	rows, _ := q.Query(ctx, `WITH c AS (
			SELECT count(*) FILTER (WHERE NOT safeguarding) AS total, count(*) FILTER (WHERE author_id = $3) AS mine
			FROM evidence_notes WHERE tenant_id = $1 AND visit_id = $2 AND deleted_at IS NULL)
		SELECT c.total, c.mine, m.id, m.note_date, m.excerpt, m.safeguarding, m.created_at, m.files
		FROM c LEFT JOIN LATERAL (
			SELECT n.id::text AS id, n.note_date, left(n.body, 160) AS excerpt, n.safeguarding, n.created_at,
				(SELECT count(*) FROM evidence_note_files f WHERE f.tenant_id = n.tenant_id AND f.note_id = n.id) AS files
			FROM evidence_notes n WHERE tenant_id = $1 AND visit_id = $2 AND author_id = $3 AND deleted_at IS NULL
			ORDER BY n.created_at DESC, n.id DESC LIMIT `+fmt.Sprint(latestMine)+`) m ON true
		ORDER BY m.created_at DESC NULLS LAST, m.id DESC`, tenantID, visitID, userID)
	var v VisitNotes
	var (
		id, excerpt  *string
		date, at     *time.Time
		safeguarding *bool
		files        *int
	)
	_, err := pgx.ForEachRow(rows, []any{&v.Total, &v.Mine, &id, &date, &excerpt, &safeguarding, &at, &files}, func() error {
		if id != nil {
			v.Latest = append(v.Latest, MineNote{ID: *id, NoteDate: *date, Excerpt: *excerpt, Safeguarding: *safeguarding,
				CreatedAt: *at, Files: *files})
		}
		return nil
	})
	if err != nil {
		return v, fmt.Errorf("evidence: notes of visit %s: %w", visitID, err)
	}
	return v, nil
}
