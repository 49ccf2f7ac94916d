package audit_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/tenant"
)

const tenantID = "7b0c7c8e-3f4a-4e43-9d55-2f0a6b1d9e01"

func newDB(t *testing.T) *dbtest.DB {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return tenant.Create(ctx, tx, tenantID, "audit-test", "Audit Test")
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type row struct {
	TenantID   *string
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

// lastEntry reads the newest entry as the superuser, which RLS does not bind.
func lastEntry(t *testing.T, d *dbtest.DB) row {
	t.Helper()
	var r row
	err := d.Super.QueryRow(context.Background(), `SELECT tenant_id::text, actor_id::text, actor_email, action,
			object_type, object_id, before, after, request_id, ip
		FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&r.TenantID, &r.ActorID, &r.ActorEmail, &r.Action,
		&r.ObjectType, &r.ObjectID, &r.Before, &r.After, &r.RequestID, &r.IP)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, d *dbtest.DB) int {
	t.Helper()
	var n int
	if err := d.Super.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMetaRoundTrip(t *testing.T) {
	t.Parallel()
	if m := audit.MetaFrom(context.Background()); m != (audit.Meta{}) {
		t.Errorf("MetaFrom of a bare context = %+v, want zero", m)
	}
	m := audit.Meta{RequestID: "req-1", IP: "2001:db8::1"}
	if got := audit.MetaFrom(audit.WithMeta(context.Background(), m)); got != m {
		t.Errorf("MetaFrom(WithMeta(m)) = %+v, want %+v", got, m)
	}
}

type roleChange struct {
	Role   string   `json:"role"`
	Active bool     `json:"active"`
	Groups []string `json:"groups"`
	Note   *string  `json:"note"`
}

func TestRecordStoresMetaAndJSON(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := audit.WithMeta(context.Background(), audit.Meta{RequestID: "req-42", IP: "203.0.113.9"})
	actor := "5d1e3c2b-8f7a-4b6c-9d0e-1f2a3b4c5d6e"
	note := "promoted — “quoted” <html> & unicode ✓"
	before := roleChange{Role: "member", Active: true, Groups: []string{}}
	after := roleChange{Role: "admin", Active: true, Groups: []string{"a", "b"}, Note: &note}

	err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID, UserID: actor}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorID: actor, ActorEmail: "admin@example.test",
			Action: "membership.role_changed", ObjectType: "user", ObjectID: "u-1", Before: before, After: after})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := lastEntry(t, d)
	if r.TenantID == nil || *r.TenantID != tenantID || r.ActorID == nil || *r.ActorID != actor {
		t.Errorf("tenant/actor = %v/%v", r.TenantID, r.ActorID)
	}
	if r.RequestID != "req-42" || r.IP != "203.0.113.9" {
		t.Errorf("request id %q, ip %q; want the context's meta", r.RequestID, r.IP)
	}
	if r.ActorEmail != "admin@example.test" || r.Action != "membership.role_changed" || r.ObjectType != "user" || r.ObjectID != "u-1" {
		t.Errorf("entry %+v", r)
	}
	var gotBefore, gotAfter roleChange
	if err := json.Unmarshal(r.Before, &gotBefore); err != nil {
		t.Fatalf("before %s: %v", r.Before, err)
	}
	if err := json.Unmarshal(r.After, &gotAfter); err != nil {
		t.Fatalf("after %s: %v", r.After, err)
	}
	if !reflect.DeepEqual(gotBefore, before) {
		t.Errorf("before round-trip: %+v, want %+v", gotBefore, before)
	}
	if !reflect.DeepEqual(gotAfter, after) {
		t.Errorf("after round-trip: %+v, want %+v", gotAfter, after)
	}

	// A map and a nil: the nil is stored as SQL NULL, not JSON null.
	err = db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, Action: "thing.created",
			After: map[string]any{"n": 1.5, "nested": map[string]any{"ok": true}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	r = lastEntry(t, d)
	if r.Before != nil {
		t.Errorf("nil Before stored as %q, want NULL", r.Before)
	}
	if r.ActorID != nil {
		t.Errorf("empty ActorID stored as %q, want NULL", *r.ActorID)
	}
	var m map[string]any
	if err := json.Unmarshal(r.After, &m); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"n": 1.5, "nested": map[string]any{"ok": true}}; !reflect.DeepEqual(m, want) {
		t.Errorf("after round-trip: %v, want %v", m, want)
	}
}

func TestRecordWithoutMetaOrTenant(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	// A failed sign-in for an unknown address: no tenant, no scope.
	err := db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{ActorEmail: "nobody@example.test", Action: "auth.sign_in_failed"})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := lastEntry(t, d)
	if r.TenantID != nil || r.RequestID != "" || r.IP != "" || r.Before != nil || r.After != nil {
		t.Errorf("entry %+v: want no tenant, no meta, no JSON", r)
	}
	// Within a tenant's scope, an entry cannot claim to be outside it.
	err = db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{Action: "forged.untenanted"})
	})
	if err == nil {
		t.Error("an untenanted entry was written from a tenant's scope")
	}
}

func TestRecordRefusesUnmarshalable(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	n := count(t, d)
	for _, e := range []audit.Event{
		{TenantID: tenantID, Action: "bad.before", Before: make(chan int)},
		{TenantID: tenantID, Action: "bad.after", After: func() {}},
	} {
		err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, e)
		})
		if err == nil || !strings.Contains(err.Error(), "audit: marshal") {
			t.Errorf("%s: %v, want a marshal error", e.Action, err)
		}
	}
	if got := count(t, d); got != n {
		t.Errorf("audit log grew from %d to %d entries after refused events", n, got)
	}
	// A database error names the action.
	err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: "not-a-uuid", Action: "bad.tenant"})
	})
	if err == nil || !strings.Contains(err.Error(), "audit: record bad.tenant") {
		t.Errorf("bad tenant id: %v, want an error naming the action", err)
	}
}
