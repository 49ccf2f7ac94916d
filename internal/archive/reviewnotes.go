package archive

import (
	"strings"
	"time"
)

// ReviewNote is a review note on the report, with its thread oldest first. Target names what it
// is about by TargetKind: a section's key ("background", "group:<ref>", "area:<ref>"…) or the
// ref of a finding, example or recommendation; nil when that object was deleted.
type ReviewNote struct {
	Number      int               `json:"number"`
	TargetKind  string            `json:"target_kind"`
	Target      *string           `json:"target"`
	TargetLabel string            `json:"target_label"`
	Body        string            `json:"body"`
	Status      string            `json:"status"`
	RaisedBy    *string           `json:"raised_by"`
	RaisedAt    string            `json:"raised_at"`
	AddressedBy *string           `json:"addressed_by"`
	AddressedAt *string           `json:"addressed_at"`
	ClearedBy   *string           `json:"cleared_by"`
	ClearedAt   *string           `json:"cleared_at"`
	Thread      []ReviewNoteReply `json:"thread"`
}

// ReviewNoteReply is an entry of a note's thread: a reply, or a step with what was said with it.
type ReviewNoteReply struct {
	Action string  `json:"action"`
	Body   string  `json:"body"`
	By     *string `json:"by"`
	At     string  `json:"at"`
}

// reviewNotesSQL reads the notes with their threads, as one small section.
const reviewNotesSQL = `(SELECT coalesce(json_agg(json_build_array(n.number, n.target_kind,
		coalesce(n.section_key, coalesce(n.finding_id, n.example_id, n.recommendation_id)::text), n.target_label, n.body, n.status,
		ru.email, n.raised_at, au.email, n.addressed_at, cu.email, n.cleared_at,
		(SELECT coalesce(json_agg(json_build_array(x.action, x.body, xu.email, x.created_at) ORDER BY x.created_at, x.id), '[]')
			FROM review_note_replies x LEFT JOIN users xu ON xu.id = x.created_by
			WHERE x.tenant_id = n.tenant_id AND x.note_id = n.id)) ORDER BY n.number), '[]')
	FROM review_notes n
	LEFT JOIN users ru ON ru.id = n.raised_by
	LEFT JOIN users au ON au.id = n.addressed_by
	LEFT JOIN users cu ON cu.id = n.cleared_by
	WHERE n.tenant_id = $1 AND n.review_id = $2)`

// reviewNotes writes the review notes, their targets as refs.
func (e *exporter) reviewNotes() error {
	list := []ReviewNote{}
	err := e.rows("review notes", func(r rowScanner) error {
		var n ReviewNote
		var raised time.Time
		var addressed, cleared *time.Time
		var thread []jsonRow
		if err := r.Scan(&n.Number, &n.TargetKind, &n.Target, &n.TargetLabel, &n.Body, &n.Status, &n.RaisedBy, &raised,
			&n.AddressedBy, &addressed, &n.ClearedBy, &cleared, &thread); err != nil {
			return err
		}
		if n.Target != nil {
			t := *n.Target
			if n.TargetKind == "section" {
				t = mapName(t, e.refOf) // "group:<ref>"; "group:" for a group the archive does not carry
			} else if ref, ok := e.refOf(t); ok {
				t = ref
			} else {
				t = "" // deleted: the archive does not carry it
			}
			n.Target = nil
			if t != "" && !strings.HasSuffix(t, ":") {
				n.Target = &t
			}
		}
		n.RaisedBy, n.AddressedBy, n.ClearedBy = emailOf(n.RaisedBy), emailOf(n.AddressedBy), emailOf(n.ClearedBy)
		n.RaisedAt, n.AddressedAt, n.ClearedAt = stamp(raised), stampPtr(addressed), stampPtr(cleared)
		n.Thread = []ReviewNoteReply{}
		for _, row := range thread {
			var x ReviewNoteReply
			var at time.Time
			if err := row.Scan(&x.Action, &x.Body, &x.By, &at); err != nil {
				return err
			}
			x.By, x.At = emailOf(x.By), stamp(at)
			n.Thread = append(n.Thread, x)
		}
		list = append(list, n)
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.ReviewNotes = len(list)
	return e.field("review_notes", list)
}

// checkReviewNotes checks the notes' numbers, targets and people.
func checkReviewNotes(a *Archive, l *linker) {
	numbers := map[int]bool{}
	for i, n := range a.ReviewNotes {
		p := idx("review_notes", i)
		if numbers[n.Number] {
			l.ps.add(p+".number", "the number %d is used twice", n.Number)
		}
		numbers[n.Number] = true
		if n.Target != nil {
			t := *n.Target
			switch n.TargetKind {
			case "section":
				kind, ref, _ := strings.Cut(t, ":")
				switch {
				case kind == "group" && ref != "":
					l.resolve(p+".target", ref, kGroup)
				case kind == "area" && ref != "":
					l.resolve(p+".target", ref, kActionArea)
				case !isFixedTextKey(t):
					l.ps.add(p+".target", "%q is not a section of the report", short(t))
				}
			case "finding":
				l.resolve(p+".target", t, kFinding)
			case "example":
				l.resolve(p+".target", t, kExample)
			case "recommendation":
				l.resolve(p+".target", t, kRecommendtion)
			}
		} else if n.TargetKind == "section" {
			l.ps.add(p+".target", "a note on a section names the section")
		}
		l.email(p+".raised_by", n.RaisedBy)
		l.email(p+".addressed_by", n.AddressedBy)
		l.email(p+".cleared_by", n.ClearedBy)
		for j, x := range n.Thread {
			l.email(idx(p+".thread", j)+".by", x.By)
		}
	}
}

func isFixedTextKey(k string) bool {
	for _, f := range fixedTextKeys {
		if k == f {
			return true
		}
	}
	return false
}

// normaliseReviewNotes lower-cases the notes' email addresses.
func (a *Archive) normaliseReviewNotes() {
	for i := range a.ReviewNotes {
		n := &a.ReviewNotes[i]
		n.RaisedBy, n.AddressedBy, n.ClearedBy = normEmailPtr(n.RaisedBy), normEmailPtr(n.AddressedBy), normEmailPtr(n.ClearedBy)
		for j := range n.Thread {
			n.Thread[j].By = normEmailPtr(n.Thread[j].By)
		}
	}
}

// reviewNotes writes the review notes and their threads, a statement each. Who raised a note or
// wrote in its thread is kept when they are a user of the organisation, otherwise it is the
// importing user; who addressed or cleared it is kept only when they are a user (the rules compare
// it with the lead acting).
func (w *writer) reviewNotes() error {
	var ids, kinds, labels, bodies, statuses, raisedBy, raisedAt, keys []string
	var numbers []int32
	var sections, findings, examples, recs, addressedBy, addressedAt, clearedBy, clearedAt []*string
	var tNotes, tActions, tBodies, tBy, tAt, tKeys []string
	for _, n := range w.a.ReviewNotes {
		id := w.ids.next()
		var section, finding, example, rec *string
		if n.Target != nil {
			switch n.TargetKind {
			case "section":
				key := *n.Target
				if kind, ref, ok := strings.Cut(key, ":"); ok {
					key = kind + ":" + w.ref[ref]
				}
				section = &key
			case "finding":
				finding = optional(w.ref[*n.Target])
			case "example":
				example = optional(w.ref[*n.Target])
			case "recommendation":
				rec = optional(w.ref[*n.Target])
			}
		}
		ids, numbers, kinds, labels, bodies = append(ids, id), append(numbers, int32(n.Number)), append(kinds, n.TargetKind), append(labels, n.TargetLabel), append(bodies, n.Body)
		sections, findings, examples, recs = append(sections, section), append(findings, finding), append(examples, example), append(recs, rec)
		statuses, raisedBy, raisedAt, keys = append(statuses, n.Status), append(raisedBy, w.author(n.RaisedBy)), append(raisedAt, n.RaisedAt), append(keys, w.ids.key())
		addressedBy, addressedAt = append(addressedBy, optional(w.user(n.AddressedBy))), append(addressedAt, n.AddressedAt)
		clearedBy, clearedAt = append(clearedBy, optional(w.user(n.ClearedBy))), append(clearedAt, n.ClearedAt)
		for _, x := range n.Thread {
			tNotes, tActions, tBodies = append(tNotes, id), append(tActions, x.Action), append(tBodies, x.Body)
			tBy, tAt, tKeys = append(tBy, w.author(x.By)), append(tAt, x.At), append(tKeys, w.ids.key())
		}
	}
	w.res.Counts.ReviewNotes = len(ids)
	if err := w.add("review notes", `INSERT INTO review_notes (tenant_id, id, review_id, number, target_kind, section_key, finding_id,
			example_id, recommendation_id, target_label, body, status, raised_by, raised_at, addressed_by, addressed_at, cleared_by,
			cleared_at, idempotency_key)
		SELECT $1, u.id::uuid, $2, u.number, u.kind, u.section, u.finding::uuid, u.example::uuid, u.rec::uuid, u.label, u.body,
			u.status, u.raised_by::uuid, u.raised_at::timestamptz, u.addressed_by::uuid, u.addressed_at::timestamptz,
			u.cleared_by::uuid, u.cleared_at::timestamptz, u.key
		FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
			$12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[])
			AS u(id, number, kind, section, finding, example, rec, label, body, status, raised_by, raised_at, addressed_by,
				addressed_at, cleared_by, cleared_at, key)`,
		w.tenant, w.reviewID, ids, numbers, kinds, sections, findings, examples, recs, labels, bodies, statuses, raisedBy, raisedAt,
		addressedBy, addressedAt, clearedBy, clearedAt, keys); err != nil {
		return err
	}
	return w.add("review note replies", `INSERT INTO review_note_replies (tenant_id, note_id, action, body, created_by, created_at,
			idempotency_key)
		SELECT $1, u.note::uuid, u.action, u.body, u.by::uuid, u.at::timestamptz, u.key
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(note, action, body, by, at, key)`,
		w.tenant, tNotes, tActions, tBodies, tBy, tAt, tKeys)
}
