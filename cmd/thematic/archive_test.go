package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"thematic/internal/archive"
	"thematic/internal/demo"
	"thematic/internal/testenv"
)

func TestReviewExportAndImportCommands(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	getenv := envFor(d, nil)
	var reviewID string
	if err := d.Super.QueryRow(ctx, `SELECT id FROM reviews WHERE title = $1`, demo.ReviewTitle).Scan(&reviewID); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "review.json")
	var out bytes.Buffer
	if err := run(ctx, []string{"review", "export", "--review", reviewID, "--out", file}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Parse(data); err != nil {
		t.Fatalf("the exported file is not a valid archive: %v", err)
	}
	// To standard output, with messages on standard error.
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"review", "export", "--review", reviewID}, getenv, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Parse(stdout.Bytes()); err != nil || !strings.Contains(stderr.String(), "exported") {
		t.Fatalf("export to stdout: %v; stderr %q", err, stderr.String())
	}

	if err := run(ctx, []string{"tenant", "create", "--slug", "second", "--name", "Second"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "create", "--tenant", "second", "--email", "lead@demo.test", "--name", "Lead",
		"--role", "admin", "--password-stdin"}, getenv, strings.NewReader("a long pass phrase for the lead\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"review", "import", "--tenant", "second", "--as", "lead@demo.test", "--file", file, "--title", "Moved review"},
		getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `imported "Moved review"`) || !strings.Contains(out.String(), "invited to the review") {
		t.Errorf("import said: %s", out.String())
	}
	var notes int
	if err := d.Super.QueryRow(ctx, `SELECT count(*) FROM evidence_notes n JOIN reviews r ON r.tenant_id = n.tenant_id AND r.id = n.review_id
		WHERE r.title = 'Moved review'`).Scan(&notes); err != nil || notes == 0 {
		t.Errorf("%d notes imported (%v)", notes, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	// The demo review has documents: its archive is a ZIP file; the JSON inside it is changed.
	if !archive.IsZip(data) {
		t.Fatal("the demo review's archive is not a ZIP file")
	}
	if !strings.Contains(out.String(), "not in the archive: The audit log") {
		t.Errorf("the import does not say what the archive left out: %s", out.String())
	}
	if err := os.WriteFile(bad, changeZippedJSON(t, data, `"visit":"visit-1"`, `"visit":"visit-77"`), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"review", "import", "--tenant", "second", "--as", "lead@demo.test", "--file", bad}, getenv, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") || !strings.Contains(out.String(), `no visit with ref "visit-77"`) {
		t.Errorf("bad archive: %v\n%s", err, out.String())
	}
}

// changeZippedJSON replaces old by new, once, in the archive.json of a ZIP archive.
func changeZippedJSON(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == archive.JSONName {
			b = bytes.Replace(b, []byte(old), []byte(new), 1)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
