package archive

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"thematic/internal/db"
)

// reportState writes where the report stands, or null when work on it has not started.
func (e *exporter) reportState() error {
	var st *ReportState
	err := e.rows("report", func(r rowScanner) error {
		var s ReportState
		var at time.Time
		if err := r.Scan(&s.Status, &s.Note, &s.By, &at, &s.PublishedVersion); err != nil {
			return err
		}
		s.By, s.At = emailOf(s.By), stamp(at)
		st = &s
		return nil
	})
	if err != nil {
		return err
	}
	return e.field("report", st)
}

// reportVersions writes the saved versions, by number, each document with the ids of the
// review's objects written as refs.
func (e *exporter) reportVersions() error {
	list := []ReportVersion{}
	err := e.rows("report versions", func(r rowScanner) error {
		var v ReportVersion
		var at time.Time
		var doc json.RawMessage
		if err := r.Scan(&v.Number, &v.Label, &v.CreatedBy, &at, &doc); err != nil {
			return err
		}
		out, err := mapDocIDs(doc, e.refOf)
		if err != nil {
			return err
		}
		v.CreatedBy, v.CreatedAt, v.Doc = emailOf(v.CreatedBy), stamp(at), out
		list = append(list, v)
		return nil
	})
	if err != nil {
		return err
	}
	e.counts.ReportVersions = len(list)
	return e.field("report_versions", list)
}

// refOf is the ref of an id of the review's objects a report names (groups, action areas,
// findings, examples, recommendations, notes).
func (e *exporter) refOf(id string) (string, bool) {
	if !db.ValidUUID(id) {
		return "", false
	}
	for _, r := range []*refs{e.groups, e.actionAreas, e.findings, e.examples, e.recs, e.notes} {
		if ref, ok := r.byID[id]; ok {
			return ref, true
		}
	}
	return "", false
}

// docPrefixes are how a report's document names objects: a section "group:<id>" or "area:<id>",
// a heading's anchor "group-<id>" or "area-<id>", or the id alone.
var docPrefixes = []string{"", "group:", "area:", "group-", "area-"}

// mapName maps the object a report's name holds; a name of no known object is kept as it is
// when it names none (a fixed section such as "summary"), and emptied when it names one the
// archive does not carry (a deleted finding).
func mapName(s string, to func(string) (string, bool)) string {
	for _, p := range docPrefixes {
		rest, ok := strings.CutPrefix(s, p)
		if !ok || rest == "" {
			continue
		}
		if v, ok := to(rest); ok {
			return p + v
		}
		if db.ValidUUID(rest) {
			return p
		}
	}
	return s
}

// mapDocIDs rewrites the names of the review's objects in a report document: each block's anchor
// and its origin's section, object and notes. The rest of the document is kept as it is. A note
// the archive does not carry is dropped from the block's notes.
func mapDocIDs(raw json.RawMessage, to func(string) (string, bool)) (json.RawMessage, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("report version: %w", err)
	}
	blocks, _ := doc["blocks"].([]any)
	for _, b := range blocks {
		block, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if id, ok := block["id"].(string); ok {
			block["id"] = mapName(id, to)
		}
		o, ok := block["origin"].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range []string{"section", "id"} {
			if s, ok := o[k].(string); ok {
				o[k] = mapName(s, to)
			}
		}
		if notes, ok := o["notes"].([]any); ok {
			kept := []any{}
			for _, n := range notes {
				if s, ok := n.(string); ok {
					if v := mapName(s, to); v != "" && v != s {
						kept = append(kept, v)
					}
				}
			}
			o["notes"] = kept
			if len(kept) == 0 {
				delete(o, "notes")
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("report version: %w", err)
	}
	return out, nil
}

// report writes the report's state and saved versions. Who took the last step is kept only when
// they are a user of the organisation: the quality assurance rules compare it with the person
// acting.
func (w *writer) report() error {
	if s := w.a.Report; s != nil {
		if err := w.add("report", `INSERT INTO reports (tenant_id, review_id, status, status_note, status_by, status_at, published_version)
			VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)`,
			w.tenant, w.reviewID, s.Status, s.Note, optional(w.user(s.By)), s.At, s.PublishedVersion); err != nil {
			return err
		}
	}
	var numbers []int32
	var labels, by, at []string
	var docs []string
	to := func(ref string) (string, bool) {
		id, ok := w.ref[ref]
		return id, ok
	}
	for _, v := range w.a.ReportVersions {
		doc, err := mapDocIDs(v.Doc, to)
		if err != nil {
			return err
		}
		numbers, labels, by, at = append(numbers, int32(v.Number)), append(labels, v.Label), append(by, w.author(v.CreatedBy)), append(at, v.CreatedAt)
		docs = append(docs, string(doc))
	}
	w.res.Counts.ReportVersions = len(numbers)
	return w.add("report versions", `INSERT INTO report_versions (tenant_id, id, review_id, number, label, doc, created_by, created_at)
		SELECT $1, gen_random_uuid(), $2, u.number, u.label, u.doc::jsonb, u.by::uuid, u.at::timestamptz
		FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(number, label, doc, by, at)`,
		w.tenant, w.reviewID, numbers, labels, docs, by, at)
}
