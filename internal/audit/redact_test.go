package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/tenant"
)

const (
	otherTenantID = "7b0c7c8e-3f4a-4e43-9d55-2f0a6b1d9e02"
	redactorID    = "7b0c7c8e-3f4a-4e43-9d55-2f0a6b1d9e03"
)

func TestRedactReplacesTextAndFieldsOfTheTenantsEntriesOnly(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email, name) VALUES ($1, 'sam@example.test', 'Sam Redactor')`, redactorID); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, d.Owner, db.Scope{TenantID: otherTenantID}, func(tx pgx.Tx) error {
		return tenant.Create(ctx, tx, otherTenantID, "audit-other", "Audit Other")
	}); err != nil {
		t.Fatal(err)
	}
	const text = `Met Mrs Jane Doe ("JD"), jane.doe@example.org, NHS 943 476 5919.`
	record := func(tenant, object string) {
		t.Helper()
		err := db.InTx(ctx, d.App, db.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, audit.Event{TenantID: tenant, Action: "evidence.created", ObjectType: "evidence_note",
				ObjectID: object, After: map[string]any{"body": text, "tags": []string{"Jane's family"}, "judgement": "strength"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	record(tenantID, "note-1")
	record(tenantID, "note-2")
	record(otherTenantID, "note-1")

	var done []audit.Redacted
	err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID, UserID: redactorID}, func(tx pgx.Tx) error {
		var err error
		done, err = audit.Redact(ctx, tx, audit.Redaction{TenantID: tenantID, ActorID: redactorID, ObjectType: "evidence_note",
			Texts: []string{"jane.doe@example.org", `("JD")`, "943 476 5919", "xy"}, Reason: "personal data removed"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 || strings.Join(done[0].Fields, ",") != "body" {
		t.Fatalf("redacted %+v, want both of the tenant's entries, field body", done)
	}
	after := func(tenant, object string) map[string]any {
		t.Helper()
		var b []byte
		if err := d.Super.QueryRow(ctx, `SELECT after FROM audit_log WHERE tenant_id = $1 AND object_id = $2 AND action = 'evidence.created'`,
			tenant, object).Scan(&b); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	marker := "(redacted on " + time.Now().In(london).Format("2 January 2006") + " by Sam Redactor: personal data removed)"
	body := after(tenantID, "note-1")["body"].(string)
	if want := "Met Mrs Jane Doe " + marker + ", " + marker + ", NHS " + marker + "."; body != want {
		t.Errorf("body = %q, want %q", body, want)
	}
	for _, gone := range []string{"jane.doe@example.org", "943 476 5919", `"JD"`} {
		if strings.Contains(body, gone) {
			t.Errorf("body still holds %q: %q", gone, body)
		}
	}
	if other := after(otherTenantID, "note-1")["body"]; other != text {
		t.Errorf("the other tenant's entry changed: %q", other)
	}
	// The record of the redaction names the entries and why, not the text.
	last := lastEntry(t, d)
	if last.Action != audit.RedactedAction || strings.Contains(string(last.After), "jane") || strings.Contains(string(last.After), "5919") ||
		!strings.Contains(string(last.After), "personal data removed") {
		t.Errorf("last entry = %s %s", last.Action, last.After)
	}

	// Whole fields, by the service (no user), for one object; a second run changes nothing.
	for run := range 2 {
		err = db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
			var err error
			done, err = audit.Redact(ctx, tx, audit.Redaction{TenantID: tenantID, ObjectType: "evidence_note",
				ObjectIDs: []string{"note-2"}, Fields: []string{"body", "tags"}, Reason: "evidence purged"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && len(done) != 0 {
			t.Errorf("a second redaction changed %+v", done)
		}
	}
	m := after(tenantID, "note-2")
	if tags, _ := m["tags"].(string); !strings.HasPrefix(tags, "(redacted on ") || !strings.HasSuffix(tags, " by the service: evidence purged)") {
		t.Errorf("tags = %v", m["tags"])
	}
	if m["judgement"] != "strength" {
		t.Errorf("judgement = %v, want it kept", m["judgement"])
	}
	entries, err := listAll(t, d)
	if err != nil {
		t.Fatal(err)
	}
	tagged := 0
	for _, e := range entries {
		if len(e.Redactions()) > 0 {
			tagged++
		}
	}
	if tagged != 2 {
		t.Errorf("%d entries show a redaction, want 2", tagged)
	}
}

func listAll(t *testing.T, d *dbtest.DB) ([]audit.Entry, error) {
	t.Helper()
	var list []audit.Entry
	err := db.InTx(context.Background(), d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var err error
		list, err = audit.List(context.Background(), tx, tenantID, audit.Filter{Limit: 100})
		return err
	})
	return list, err
}

func TestRedactRefusesWhatItMustNotDo(t *testing.T) {
	t.Parallel()
	d := newDB(t)
	ctx := context.Background()
	err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, Action: "evidence.created", ObjectID: "n",
			After: map[string]any{"body": "secret"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The application cannot update the log itself.
	err = db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE audit_log SET after = '{"body": "forged"}'`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("app UPDATE of audit_log: err = %v, want permission denied", err)
	}
	for name, r := range map[string]audit.Redaction{
		"fields with no object": {TenantID: tenantID, Fields: []string{"body"}, Reason: "x"},
		"no reason":             {TenantID: tenantID, Texts: []string{"secret"}},
	} {
		err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
			_, err := audit.Redact(ctx, tx, r)
			return err
		})
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// No tenant in scope: refused.
	err = db.InTx(ctx, d.App, db.Scope{}, func(tx pgx.Tx) error {
		_, err := audit.Redact(ctx, tx, audit.Redaction{Texts: []string{"secret"}, Reason: "x"})
		return err
	})
	if err == nil {
		t.Error("redaction with no tenant: no error")
	}
}
