package dbtest

import (
	"strings"
	"testing"
)

// pgtestdb logs a failing test's database URL: the password must not reach the test output.
func TestRedactURLsHidesPasswords(t *testing.T) {
	for in, want := range map[string]string{
		"testdbconf: postgres://thematic_owner:beb6c11c0892@127.0.0.1:37209/testdb_1?sslmode=disable": "testdbconf: postgres://thematic_owner:xxxxx@127.0.0.1:37209/testdb_1?sslmode=disable",
		"a postgresql://postgres:p%40ss@localhost/db and postgres://u:v@h/d":                          "a postgresql://postgres:xxxxx@localhost/db and postgres://u:xxxxx@h/d",
		"postgres://nopassword@localhost/db":                                                          "postgres://nopassword@localhost/db",
	} {
		if got := redactURLs(in); got != want {
			t.Errorf("redactURLs(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(redactURLs(in), "beb6c11c0892") {
			t.Errorf("the password is still in %q", redactURLs(in))
		}
	}
}
