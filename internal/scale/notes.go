package scale

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// gen writes one review's notes. Note g (numbered from 1) takes its visit, author, source, text,
// judgement and links from g by fixed strides, as bulk.Load does (the same strides, so that
// bulk.Synthesis finds a finding's notes by their number), and the data is the same on every run
// but for the ids.
type gen struct {
	r                             *reviewData
	tenant, review                pgtype.UUID
	visits, areas, authors, roles []pgtype.UUID
	sources                       []pgtype.UUID
	needsRole                     []bool
	starts                        []time.Time
	actionAreas, lines, tags      []pgtype.UUID
	keyPrefix                     string
	ids                           []pgtype.UUID          // the notes' ids: note n's at n-1
	counts                        map[countKey]*[3]int32 // coverage counters of the visible notes, as the triggers keep them
}

func uuid(s string) (pgtype.UUID, error) {
	var u pgtype.UUID
	if err := u.Scan(s); err != nil {
		return u, fmt.Errorf("scale: uuid %q: %w", s, err)
	}
	return u, nil
}

func uuids(ss []string) ([]pgtype.UUID, error) {
	out := make([]pgtype.UUID, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = uuid(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func newGen(r *reviewData) (*gen, error) {
	g := &gen{r: r, keyPrefix: "bulk-" + r.id[:8] + "-"}
	var err error
	if g.tenant, err = uuid(r.tenantID); err != nil {
		return nil, err
	}
	if g.review, err = uuid(r.id); err != nil {
		return nil, err
	}
	var visits, areas, sources []string
	for _, v := range r.visits {
		visits, areas = append(visits, v.id), append(areas, v.area)
		g.starts = append(g.starts, v.start)
	}
	for _, s := range r.sources {
		sources = append(sources, s.id)
		g.needsRole = append(g.needsRole, s.needsRole)
	}
	for _, p := range []struct {
		dst *[]pgtype.UUID
		src []string
	}{{&g.visits, visits}, {&g.areas, areas}, {&g.authors, r.authors}, {&g.roles, r.roles}, {&g.sources, sources},
		{&g.actionAreas, r.actionAreas}, {&g.lines, r.lines}, {&g.tags, r.tags}} {
		if *p.dst, err = uuids(p.src); err != nil {
			return nil, err
		}
	}
	g.counts = map[countKey]*[3]int32{}
	if g.ids, err = newIDs(r.notes); err != nil {
		return nil, err
	}
	return g, nil
}

var (
	noteColumns = []string{"tenant_id", "id", "review_id", "visit_id", "area_id", "author_id", "source_id", "role_id",
		"note_date", "body", "judgement", "good_practice", "family_words", "safeguarding", "deleted_at", "deleted_by",
		"idempotency_key", "created_at", "updated_at"}
	judgements = []string{"strength", "development", "neutral", "strength", "development"}
	epoch      = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	deletedAt  = time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)
)

// newIDs returns n random (version 4) UUIDs.
func newIDs(n int) ([]pgtype.UUID, error) {
	buf := make([]byte, 16*n)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("scale: random ids: %w", err)
	}
	out := make([]pgtype.UUID, n)
	for i := range out {
		copy(out[i].Bytes[:], buf[16*i:])
		out[i].Bytes[6] = out[i].Bytes[6]&0x0f | 0x40
		out[i].Bytes[8] = out[i].Bytes[8]&0x3f | 0x80
		out[i].Valid = true
	}
	return out, nil
}

// linkRows streams the links of every note of gs (by the strides of bulk.Load) of one kind:
// 'a' action areas, 'l' lines of enquiry, 't' themes.
func linkRows(gs []*gen, kind byte) pgx.CopyFromSource {
	gi, n, pending := 0, 1, [][]any(nil)
	return pgx.CopyFromFunc(func() ([]any, error) {
		for len(pending) == 0 {
			if gi == len(gs) {
				return nil, nil
			}
			g := gs[gi]
			if n > g.r.notes {
				gi, n = gi+1, 1
				continue
			}
			pending = g.linksOf(n, kind, pending)
			n++
		}
		row := pending[0]
		pending = pending[1:]
		return row, nil
	})
}

func (g *gen) linksOf(n int, kind byte, out [][]any) [][]any {
	from := len(out)
	defer func() {
		area := g.areas[n%len(g.visits)]
		dim := "tag"
		switch kind {
		case 'a':
			dim = "action_area"
		case 'l':
			dim = "line"
		}
		for _, row := range out[from:] {
			g.count(n, dim, area, row[2].(pgtype.UUID))
			if kind == 'a' && goodPractice(n) {
				g.count(n, "good_practice", area, row[2].(pgtype.UUID))
			}
		}
	}()
	id := g.ids[n-1]
	switch kind {
	case 'a':
		a0 := n % len(g.actionAreas)
		at := epoch.Add(time.Duration(n) * time.Minute) // the note's created_at (note)
		out = append(out, []any{g.tenant, id, g.actionAreas[a0], g.review, at})
		if n%2 == 0 {
			if a1 := (n + 1 + n%5) % len(g.actionAreas); a1 != a0 {
				out = append(out, []any{g.tenant, id, g.actionAreas[a1], g.review, at})
			}
		}
	case 'l':
		if n%3 != 0 {
			out = append(out, []any{g.tenant, id, g.lines[(n/3)%len(g.lines)], g.review})
		}
	default:
		t0 := (n / 13) % len(g.tags)
		out = append(out, []any{g.tenant, id, g.tags[t0]})
		if n%4 == 0 {
			if t1 := (n * 2 / 13) % len(g.tags); t1 != t0 {
				out = append(out, []any{g.tenant, id, g.tags[t1]})
			}
		}
	}
	return out
}

// note is the row of note n.
func (g *gen) note(n int, id pgtype.UUID) []any {
	v := n % len(g.visits)
	author := g.authors[n%len(g.authors)]
	s := (n / 7) % len(g.sources)
	var role any
	if g.needsRole[s] {
		role = g.roles[(n/13)%len(g.roles)]
	}
	var delAt, delBy any
	if n%89 == 0 {
		delAt, delBy = deletedAt, author
	}
	g.count(n, "note", g.areas[v], g.areas[v])
	g.count(n, "source", g.areas[v], g.sources[s])
	g.count(n, "author", g.areas[v], author)
	at := epoch.Add(time.Duration(n) * time.Minute)
	return []any{g.tenant, id, g.review, g.visits[v], g.areas[v], author, g.sources[s], role,
		g.starts[v].AddDate(0, 0, (n/3)%2), Body(n), judgements[(n/5)%5], goodPractice(n), n%9 == 0, n%4999 == 1,
		delAt, delBy, g.keyPrefix + strconv.Itoa(n), at, at}
}

// goodPractice reports whether note n is flagged as a good-practice candidate.
func goodPractice(n int) bool { return n%17 == 0 }

// countKey is a counter row of evidence_counts within a review.
type countKey struct {
	dimension string
	area, key pgtype.UUID
}

// judgementIndex is the counter column of judgements[i]: strength, development, neutral.
var judgementIndex = []int{0, 1, 2, 0, 1}

// count adds note n (if it is visible evidence: not deleted, not a safeguarding concern) to a
// counter.
func (g *gen) count(n int, dimension string, area, key pgtype.UUID) {
	if n%89 == 0 || n%4999 == 1 {
		return
	}
	k := countKey{dimension, area, key}
	c := g.counts[k]
	if c == nil {
		c = new([3]int32)
		g.counts[k] = c
	}
	c[judgementIndex[(n/5)%5]]++
}

// countRows streams the counters of gs.
func countRows(gs []*gen) [][]any {
	var out [][]any
	for _, g := range gs {
		for k, c := range g.counts {
			out = append(out, []any{g.tenant, g.review, k.dimension, k.area, k.key, c[0], c[1], c[2]})
		}
	}
	return out
}
