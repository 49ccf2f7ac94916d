package area_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/db/dbtest"
)

// TestLocalAuthoritiesMatchTheCSV checks that migrations/00003_local_authorities.sql loads exactly
// the rows of data/english-local-authorities.csv, row for row.
func TestLocalAuthoritiesMatchTheCSV(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "..", "data", "english-local-authorities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) < 2 {
		t.Fatal("the CSV has no rows")
	}
	header := records[0]
	want := []string{"ons_code", "name", "dfe_la_code", "region", "type"}
	for i, h := range want {
		if i >= len(header) || header[i] != h {
			t.Fatalf("CSV header = %v, want %v", header, want)
		}
	}

	d := dbtest.New(t)
	ctx := context.Background()
	rows, err := d.Super.Query(ctx, `SELECT ons_code, name, dfe_la_code, region, type FROM local_authorities ORDER BY ons_code`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]string, error) {
		var code, name, region, typ string
		var dfe int
		err := r.Scan(&code, &name, &dfe, &region, &typ)
		return []string{code, name, strconv.Itoa(dfe), region, typ}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	csvRows := records[1:]
	if len(got) != 153 || len(csvRows) != 153 {
		t.Fatalf("database has %d local authorities, the CSV %d; want 153 each", len(got), len(csvRows))
	}
	byCode := map[string][]string{}
	for _, r := range got {
		byCode[r[0]] = r
	}
	for i, rec := range csvRows {
		row, ok := byCode[rec[0]]
		if !ok {
			t.Errorf("CSV row %d (%s %s) is not in the database", i+2, rec[0], rec[1])
			continue
		}
		for j := range want {
			if row[j] != rec[j] {
				t.Errorf("%s: %s = %q in the database, %q in the CSV", rec[0], want[j], row[j], rec[j])
			}
		}
		delete(byCode, rec[0])
	}
	for code := range byCode {
		t.Errorf("%s is in the database but not in the CSV", code)
	}

	counts := map[string]int{}
	if err := func() error {
		rows, err := d.Super.Query(ctx, `SELECT type, count(*) FROM local_authorities GROUP BY type`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var typ string
			var n int
			if err := rows.Scan(&typ, &n); err != nil {
				return err
			}
			counts[typ] = n
		}
		return rows.Err()
	}(); err != nil {
		t.Fatal(err)
	}
	for typ, n := range map[string]int{"unitary": 63, "metropolitan_borough": 36, "london_borough": 33, "county": 21} {
		if counts[typ] != n {
			t.Errorf("%d local authorities of type %s, want %d", counts[typ], typ, n)
		}
	}
}
