package archive_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/archive"
	"thematic/internal/bulk"
	"thematic/internal/db"
)

// TestArchiveAtNationalScale measures export and import of a review of 153 areas and 200,000
// notes (ARCHIVE_SCALE=1; ARCHIVE_NOTES changes the number). It logs the times and the heap.
func TestArchiveAtNationalScale(t *testing.T) {
	if os.Getenv("ARCHIVE_SCALE") == "" {
		t.Skip("set ARCHIVE_SCALE=1 to measure the archive at national scale")
	}
	notes := 200000
	if n, err := strconv.Atoi(os.Getenv("ARCHIVE_NOTES")); err == nil {
		notes = n
	}
	w := newWorld(t)
	ctx := context.Background()
	tenantID, leadID, authors, err := bulk.DemoPeople(ctx, w.owner)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := bulk.Load(ctx, w.owner, tenantID, bulk.Options{Title: "National", Areas: 153, Notes: notes, LeadID: leadID, AuthorIDs: authors})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	base := heap()
	var out countingWriter
	start := time.Now()
	w.tx(tenantID, func(tx pgx.Tx) error {
		_, err := archive.Export(ctx, tx, tenantID, rv.ID, &out, time.Now())
		return err
	})
	exportTook := time.Since(start)
	exportPeak := peak.Load() - base
	t.Logf("export: %d notes, %d MB in %s; heap growth at most %d MB", notes, out.n>>20, exportTook.Round(time.Millisecond), exportPeak>>20)

	var buf bytes.Buffer
	w.tx(tenantID, func(tx pgx.Tx) error {
		_, err := archive.Export(ctx, tx, tenantID, rv.ID, &buf, time.Now())
		return err
	})
	data := buf.Bytes()
	start = time.Now()
	a, err := archive.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	parseTook := time.Since(start)
	start = time.Now()
	err = db.InTx(ctx, w.owner, db.Scope{TenantID: w.other, UserID: w.lead}, func(tx pgx.Tx) error {
		_, err := archive.Import(ctx, tx, archive.Target{TenantID: w.other, UserID: w.lead, Email: "lead@demo.test"}, a, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	t.Logf("import: %d MB file: parse and validate %s, write %s; heap growth at most %d MB (file included)", len(data)>>20,
		parseTook.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), (peak.Load()-base)>>20)
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(b []byte) (int, error) { c.n += len(b); return len(b), nil }
