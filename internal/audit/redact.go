package audit

import (
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// RedactedAction is the entry that records a redaction. It names the entries and fields redacted
// and why, never the text taken out.
const RedactedAction = "audit.redacted"

// Redaction says which text to take out of which entries' before and after. Entries keep who,
// what, when and which object; only their free text goes.
type Redaction struct {
	TenantID   string
	ActorID    string // "" when the service redacts (the retention purge)
	ActorEmail string
	ObjectType string   // "" for any
	ObjectIDs  []string // nil for any object (then Fields must be empty)
	Actions    []string // nil for any action
	Texts      []string // stretches of text to replace wherever they appear (exact, 3 characters or more)
	Fields     []string // fields whose whole value is replaced, at any depth
	Reason     string   // shown in the marker: "(redacted on 7 December 2026 by Jane Smith: Reason)"
}

// Redacted is one entry changed by a redaction and the top-level fields that changed in it.
type Redacted struct {
	ID     int64    `json:"id"`
	Fields []string `json:"fields"`
}

// Redact replaces, in the before and after of the tenant's matching entries, each of r.Texts and
// the whole value of each of r.Fields with a marker naming the date, the redactor and the reason,
// then records an audit.redacted entry when anything changed. The rewriting is done by the
// database function audit_redact (migration 00031), which builds the marker itself: the
// application cannot update the audit log directly. It returns the entries changed.
func Redact(ctx context.Context, tx pgx.Tx, r Redaction) ([]Redacted, error) {
	var texts []string
	for _, t := range r.Texts {
		if len([]rune(t)) >= 3 {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 && len(r.Fields) == 0 {
		return nil, nil
	}
	var objType *string
	if r.ObjectType != "" {
		objType = &r.ObjectType
	}
	rows, err := tx.Query(ctx, `SELECT entry_id, entry_fields FROM audit_redact($1, $2, $3, $4, $5, $6)`,
		objType, r.ObjectIDs, r.Actions, texts, r.Fields, r.Reason)
	if err != nil {
		return nil, fmt.Errorf("audit: redact: %w", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Redacted])
	if err != nil {
		return nil, fmt.Errorf("audit: redact: %w", err)
	}
	if len(done) == 0 {
		return nil, nil
	}
	objectID := ""
	if len(r.ObjectIDs) == 1 {
		objectID = r.ObjectIDs[0]
	}
	err = Record(ctx, tx, Event{TenantID: r.TenantID, ActorID: r.ActorID, ActorEmail: r.ActorEmail,
		Action: RedactedAction, ObjectType: r.ObjectType, ObjectID: objectID,
		After: map[string]any{"reason": r.Reason, "entries": done, "texts": len(texts), "fields": r.Fields}})
	return done, err
}

var markerRE = regexp.MustCompile(`\(redacted on [^()]*\)`)

// Redactions are the redaction markers in the entry's before and after, once each.
func (e Entry) Redactions() []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range [][]byte{e.Before, e.After} {
		if !bytes.Contains(b, []byte("(redacted on ")) {
			continue
		}
		for _, m := range markerRE.FindAll(b, -1) {
			if s := string(m); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
