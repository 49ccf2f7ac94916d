package main

import (
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
	if err := os.WriteFile(bad, bytes.Replace(data, []byte(`"visit":"visit-1"`), []byte(`"visit":"visit-77"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"review", "import", "--tenant", "second", "--as", "lead@demo.test", "--file", bad}, getenv, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") || !strings.Contains(out.String(), `no visit with ref "visit-77"`) {
		t.Errorf("bad archive: %v\n%s", err, out.String())
	}
}
