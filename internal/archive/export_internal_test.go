package archive

import (
	"encoding/json"
	"testing"
	"time"
)

// TestJSONRowsScanAsPgxRows checks that a small section's row, as PostgreSQL writes it in JSON,
// scans into what the row of a query gave: dates, times with any offset, nulls and arrays.
func TestJSONRowsScanAsPgxRows(t *testing.T) {
	t.Parallel()
	var r jsonRow
	if err := json.Unmarshal([]byte(`["x", null, "2024-01-31", "2024-03-31T01:30:00.123456+01:00", null, true, 7, ["a","b"], "e@x.test"]`), &r); err != nil {
		t.Fatal(err)
	}
	var (
		s     string
		ns    *string
		d     time.Time
		at    *time.Time
		none  *time.Time
		b     bool
		n     int
		list  []string
		email *string
	)
	if err := r.Scan(&s, &ns, &d, &at, &none, &b, &n, &list, &email); err != nil {
		t.Fatal(err)
	}
	if s != "x" || ns != nil || d.Format(time.DateOnly) != "2024-01-31" || at == nil || none != nil || !b || n != 7 ||
		len(list) != 2 || email == nil || *email != "e@x.test" {
		t.Fatalf("scanned %q %v %v %v %v %v %d %v %v", s, ns, d, at, none, b, n, list, email)
	}
	if got := stamp(*at); got != "2024-03-31T00:30:00.123456Z" {
		t.Errorf("time %s", got)
	}
	if err := r.Scan(&s); err == nil {
		t.Error("a row scans into fewer columns")
	}
}
