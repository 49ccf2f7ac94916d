// Package audit writes the audit log: one writer for every change, called inside the transaction
// that makes the change, so that the change and its entry commit or fail together.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/db"
)

// Execer is the part of a transaction the writer needs.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Event is one entry. Before and After are marshalled to JSON; they must never hold a password,
// token or session id.
type Event struct {
	TenantID   string // "" for events outside any tenant
	ActorID    string
	ActorEmail string // when empty, Record writes the email of ActorID's user
	Action     string // e.g. "membership.role_changed", "auth.sign_in_failed"
	ObjectType string
	ObjectID   string
	Before     any
	After      any
}

type ctxKey struct{}

// Meta is the request's context for every entry: request id and client address.
type Meta struct {
	RequestID string
	IP        string
}

// WithMeta stores the request's audit metadata in ctx.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, ctxKey{}, m)
}

// MetaFrom returns the request's audit metadata.
func MetaFrom(ctx context.Context) Meta { m, _ := ctx.Value(ctxKey{}).(Meta); return m }

// Change records a change made by the scope's user in its tenant: the entry most commands write.
func Change(ctx context.Context, q Execer, sc db.Scope, action, objectType, objectID string, before, after any) error {
	return Record(ctx, q, Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
		Action: action, ObjectType: objectType, ObjectID: objectID, Before: before, After: after})
}

// Record writes e with q, which should be the transaction making the change. Every entry with an
// actor names them: an event that gives only ActorID (the stores, which know the actor by id) gets
// that user's email in the same statement, so the log shows who and its email filter finds them.
func Record(ctx context.Context, q Execer, e Event) error {
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	m := MetaFrom(ctx)
	_, err = q.Exec(ctx, `INSERT INTO audit_log
		(tenant_id, actor_id, actor_email, action, object_type, object_id, before, after, request_id, ip)
		VALUES (nullif($1, '')::uuid, nullif($2, '')::uuid,
			coalesce(nullif($3, ''), (SELECT u.email FROM users u WHERE u.id = nullif($2, '')::uuid), ''),
			$4, $5, $6, $7, $8, $9, $10)`,
		e.TenantID, e.ActorID, e.ActorEmail, e.Action, e.ObjectType, e.ObjectID, before, after, m.RequestID, m.IP)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// InsertFrom is the start of a statement that writes entries from rows a query computes, so that
// a command can record its change in the statement that makes it, from the written rows (a
// data-modifying CTE: "entry AS (" + audit.InsertFrom + "SELECT ...)"). The query gives, in
// order: tenant_id, actor_id, actor_email, action, object_type, object_id, before, after (jsonb),
// request_id and ip (MetaFrom's). The log's SQL stays in this package.
const InsertFrom = `INSERT INTO audit_log
		(tenant_id, actor_id, actor_email, action, object_type, object_id, before, after, request_id, ip) `

// EntryFrom is an InsertFrom entry of e's tenant, actor, action and object type, written for each
// row of from (SQL after FROM) with the object id, before and after that the SQL expressions
// give; e's other columns and the request's metadata are appended to args as parameters.
func EntryFrom(ctx context.Context, e Event, args []any, objectID, before, after, from string) (string, []any) {
	m := MetaFrom(ctx)
	n := len(args)
	p := func(i int) string { return fmt.Sprintf("$%d", n+i) }
	actor := "nullif(" + p(2) + "::text, '')::uuid"
	sql := InsertFrom + `SELECT nullif(` + p(1) + `::text, '')::uuid, ` + actor + `,
			coalesce(nullif(` + p(3) + `::text, ''), ` + ActorEmailSQL(actor) + `), ` + p(4) + `::text, ` + p(5) + `::text,
			` + objectID + `, ` + before + `, ` + after + `, ` + p(6) + `::text, ` + p(7) + `::text
		FROM ` + from
	return sql, append(args, e.TenantID, e.ActorID, e.ActorEmail, e.Action, e.ObjectType, m.RequestID, m.IP)
}

// ActorEmailSQL is the email of the user whose id the SQL expression id gives, for InsertFrom's
// actor_email when the command knows the actor by id only (as Record does).
func ActorEmailSQL(id string) string {
	return `coalesce((SELECT u.email FROM users u WHERE u.id = ` + id + `), '')`
}

// Insert is e as an INSERT for a data-modifying WITH clause of a statement that writes the
// change itself, so that the change and its entry take one statement: args are the statement's
// parameters so far, and the returned SQL refers to the ones it appends.
func Insert(ctx context.Context, e Event, args []any) (string, []any, error) {
	before, err := marshal(e.Before)
	if err != nil {
		return "", nil, err
	}
	after, err := marshal(e.After)
	if err != nil {
		return "", nil, err
	}
	m := MetaFrom(ctx)
	n := len(args)
	p := func(i int) string { return fmt.Sprintf("$%d", n+i) }
	sql := `INSERT INTO audit_log
		(tenant_id, actor_id, actor_email, action, object_type, object_id, before, after, request_id, ip)
		VALUES (nullif(` + p(1) + `::text, '')::uuid, nullif(` + p(2) + `::text, '')::uuid,
			coalesce(nullif(` + p(3) + `::text, ''), (SELECT u.email FROM users u WHERE u.id = nullif(` + p(2) + `::text, '')::uuid), ''),
			` + p(4) + `, ` + p(5) + `, ` + p(6) + `, ` + p(7) + `::jsonb, ` + p(8) + `::jsonb, ` + p(9) + `, ` + p(10) + `)`
	return sql, append(args, e.TenantID, e.ActorID, e.ActorEmail, e.Action, e.ObjectType, e.ObjectID, before, after,
		m.RequestID, m.IP), nil
}

func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	return b, nil
}

// Entry is one row as read back.
type Entry struct {
	ID         int64
	At         time.Time
	ActorID    *string
	ActorEmail string
	Action     string
	ObjectType string
	ObjectID   string
	Before     []byte
	After      []byte
	RequestID  string
	IP         string
}
