package db_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// bulkPaths may write any table: the archive restores a whole new review, and the load-test
// generators write national-scale data with COPY (docs/architecture.md).
var bulkPaths = []string{"archive", "bulk", "scale"}

var writeSQL = regexp.MustCompile(`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)\b`)

// tableWriters reads the Go files of internal/ and cmd/ (tests left out) and returns, for each
// table a statement writes, the packages whose SQL writes it.
func tableWriters(t *testing.T, root string) map[string][]string {
	t.Helper()
	writers := map[string][]string{}
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkg := strings.TrimPrefix(filepath.ToSlash(rel), "internal/")
			if strings.HasPrefix(pkg, "e2e") || strings.HasPrefix(pkg, "testenv") || strings.HasPrefix(pkg, "db/dbtest") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range writeSQL.FindAllSubmatch(src, -1) {
				table := string(m[1])
				if !slices.Contains(writers[table], pkg) {
					writers[table] = append(writers[table], pkg)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return writers
}

// TestEachTableHasOneWriter keeps table ownership (docs/architecture.md): apart from the bulk
// paths, one package writes each table, and others go through its functions.
func TestEachTableHasOneWriter(t *testing.T) {
	t.Parallel()
	writers := tableWriters(t, filepath.Join("..", ".."))
	if len(writers["evidence_notes"]) == 0 || len(writers["reviews"]) == 0 {
		t.Fatalf("found no writer of evidence_notes or reviews: the scan no longer reads the code (%v)", writers)
	}
	words := map[string]bool{"set": true, "of": true, "the": true, "a": true, "to": true, "on": true, "it": true,
		"its": true, "this": true, "and": true, "or": true, "with": true}
	for table, pkgs := range writers {
		if words[table] {
			continue // prose in a comment ("update the …"), not SQL
		}
		var owners []string
		for _, p := range pkgs {
			if !slices.Contains(bulkPaths, p) {
				owners = append(owners, p)
			}
		}
		if len(owners) > 1 {
			slices.Sort(owners)
			t.Errorf("table %s is written by %s: one package owns it, the others call its functions", table, strings.Join(owners, ", "))
		}
	}
}
