package audit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"thematic/internal/audit"
)

// TestKnownActionsListsEveryActionInTheCode reads the Go sources for action names written as
// string literals ("thing.verb" next to an audit Event) and checks the filter offers each one.
func TestKnownActionsListsEveryActionInTheCode(t *testing.T) {
	re := regexp.MustCompile(`"((?:access|api_token|audit|auth|calendar_feed|consistency|enquiry|evidence|framework|invitation|letter|mail|membership|retention|review|review_area|review_member|review_note|tenant|user|visit)\.[a-z_]+)"`)
	root := filepath.Join("..", "..")
	found := map[string]bool{}
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				found[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for a := range found {
		if !slices.Contains(audit.KnownActions, a) {
			t.Errorf("action %q is recorded but not in audit.KnownActions", a)
		}
	}
}
